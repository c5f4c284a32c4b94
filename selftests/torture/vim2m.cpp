// SPDX-License-Identifier: GPL-2.0
// vim2m scenario: unbind the mem2mem test device while a thread runs the
// DQBUF/QBUF loop of both queues; and a request fd used and closed after
// the unbind.
#include <linux/media.h>
#include <linux/videodev2.h>
#include <sys/ioctl.h>

#include "drivers.hpp"
#include "mct/scenario.hpp"
#include "util.hpp"
#include "v4l2.hpp"

using namespace mct;
using namespace mct::torture;

namespace {

// Small frames: vim2m converts in software, under TCG + KASAN.
constexpr unsigned kWidth = 160;
constexpr unsigned kHeight = 120;

// S_FMT of one queue to kWidth x kHeight in its current pixel format;
// returns the sizeimage, 0 on failure (reported).
unsigned set_small_format(Tap &tap, int fd, uint32_t type, const std::string &what)
{
	v4l2_format f{};

	if (!expect_ok(tap, "G_FMT " + what, g_fmt(fd, type, &f)))
		return 0;
	f.fmt.pix.width = kWidth;
	f.fmt.pix.height = kHeight;
	f.fmt.pix.bytesperline = 0;
	f.fmt.pix.sizeimage = 0;
	if (!expect_ok(tap, "S_FMT " + what + " " + std::to_string(kWidth) + "x" +
				    std::to_string(kHeight),
		       s_fmt(fd, &f)))
		return 0;
	tap.diag(what + ": " + std::to_string(f.fmt.pix.width) + "x" +
		 std::to_string(f.fmt.pix.height) + " " + fourcc_str(f.fmt.pix.pixelformat) +
		 ", sizeimage " + std::to_string(f.fmt.pix.sizeimage));
	return f.fmt.pix.sizeimage;
}

} // namespace

MCT_SCENARIO(vim2m_unbind_streaming, "vim2m-unbind-streaming",
	     "unbind vim2m while both queues stream and a thread loops DQBUF/QBUF")
{
	const uint32_t out = V4L2_BUF_TYPE_VIDEO_OUTPUT;
	const uint32_t cap = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	Driver d;
	OpenNodes open;

	if (!d.load(tap, "vim2m", "", 2))
		return;
	const Node *video = find_node(d.nodes, "vim2m");
	if (!check(tap, video && find_media(d.nodes), "vim2m has a video and a media node",
		   nodes_str(d.nodes)))
		return;
	if (!open.open(tap, d.nodes) || !open.work(tap))
		return;
	int vfd = open.fd_of(*video);
	unsigned out_size = set_small_format(tap, vfd, out, "OUTPUT");
	if (!out_size || !set_small_format(tap, vfd, cap, "CAPTURE"))
		return;
	if (!start_streaming(tap, vfd, out, 4, video->dev + " OUTPUT", out_size) ||
	    !start_streaming(tap, vfd, cap, 4, video->dev + " CAPTURE"))
		return;
	if (!unbind_under_dqbuf_loop(tap, d, vfd, {cap, out}, out_size,
				     "3 frames converted before the unbind"))
		return;
	expect_error(tap, "STREAMOFF CAPTURE " + video->dev, streamoff(vfd, cap));
	expect_error(tap, "STREAMOFF OUTPUT " + video->dev, streamoff(vfd, out));
	open.expect_gone(tap);
	open.close_all(tap);
}

MCT_SCENARIO(vim2m_request_fd_after_unbind, "vim2m-request-fd-after-unbind",
	     "use and close a request fd of vim2m after it was unbound and its nodes released")
{
	ReleaseWatch watch;
	Driver d;
	UniqueFd req;

	watch.open_checked(tap);
	if (!d.load(tap, "vim2m", "", 2))
		return;
	const Node *media = find_media(d.nodes);
	if (!check(tap, media, "vim2m has a media node", nodes_str(d.nodes)))
		return;
	{
		OpenNodes open;

		if (!open.open(tap, d.nodes) || !open.work(tap))
			return;
		int fd = -1;
		CallResult r = bounded_ioctl(open.fd_of(*media), MEDIA_IOC_REQUEST_ALLOC, &fd);
		if (!check(tap, r.finished && r.res.ok() && fd >= 0, "MEDIA_IOC_REQUEST_ALLOC",
			   r.str()))
			return;
		req = UniqueFd(fd);
		open.close_all(tap);
	}
	// Only the request refers to vim2m now.
	d.unbind_and_wait_freed(tap, watch);
	int rfd = req.get();
	expect_error(tap, "MEDIA_REQUEST_IOC_QUEUE on the request",
		     bounded([rfd] { return ::ioctl(rfd, MEDIA_REQUEST_IOC_QUEUE); },
			     kSyscallBound));
	expect_poll_gone(tap, rfd, "request fd");
	close_checked(tap, req, "request fd");
}

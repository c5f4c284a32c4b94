// SPDX-License-Identifier: GPL-2.0
// Race widening with userfaultfd: an ioctl's argument lies on a page that
// is not there yet, so the kernel stops in copy_from_user() after the
// entry checks of the node passed. The device is unbound and its memory
// freed meanwhile; then the page is filled and the ioctl goes on.
//
// uffd-media-ioctl-stall: media_device_ioctl() took devnode->media_dev
// before copy_from_user(); vimc frees that media device (in its
// v4l2_device release) once the video and subdev nodes are released,
// the stalled fd only holds the media devnode.
// uffd-video-ioctl-stall: video_usercopy() copies the argument in
// before __video_do_ioctl(); the stalled fd holds the video_device and
// with it vivid's memory, so this one is a regression test.
#include <fcntl.h>
#include <linux/media.h>
#include <linux/videodev2.h>
#include <sys/ioctl.h>

#include "drivers.hpp"
#include "mct/scenario.hpp"
#include "mct/uffd_page.hpp"
#include "util.hpp"
#include "v4l2.hpp"

using namespace mct;
using namespace mct::torture;

namespace {

constexpr Millis kFaultBound = 10s;

// Starts `ioctl(fd, req, page)` and waits until it faults on the page.
bool stall_ioctl(Tap &tap, UffdPage &page, BoundedCall &call, int fd, unsigned long req,
		 const std::string &what)
{
	std::string err;

	if (!check(tap, page.init(&err), "userfaultfd page registered (MISSING mode)", err))
		return false;
	void *arg = page.page();
	call.start([fd, req, arg] { return ::ioctl(fd, req, arg); });
	if (check(tap, page.wait_fault(kFaultBound, &err),
		  what + " stalls in copy_from_user on the userfaultfd page", err))
		return true;
	page.release();
	tap.diag(what + ": " + call.wait(kSyscallBound).str());
	return false;
}

std::vector<Node> without(const std::vector<Node> &nodes, const Node &skip)
{
	std::vector<Node> out;

	for (const auto &n : nodes)
		if (n.dev != skip.dev)
			out.push_back(n);
	return out;
}

// Fills the page with content and checks that the stalled ioctl then
// fails on the gone device within its bound.
void resume_ioctl(Tap &tap, UffdPage &page, BoundedCall &call, const void *content,
		  size_t len, const std::string &what)
{
	std::string err;

	if (!check(tap, page.resolve(content, len, &err), "UFFDIO_COPY resolves the fault", err))
		page.release();
	expect_error(tap, what + " resumed after the unbind", call.wait(kSyscallBound));
}

} // namespace

MCT_SCENARIO(uffd_media_ioctl_stall, "uffd-media-ioctl-stall",
	     "MEDIA_IOC_DEVICE_INFO on vimc stalled by userfaultfd across unbind and the "
	     "free of the media device")
{
	ReleaseWatch watch;
	std::string err;
	Driver d;
	OpenNodes open;
	UffdPage page;
	BoundedCall call;

	check(tap, watch.open(&err), "/dev/kmsg opened", err);
	if (!d.load(tap, "vimc", "", kVimcNodes))
		return;
	const Node *media = find_media(d.nodes);
	if (!check(tap, media, "vimc has a media node", nodes_str(d.nodes)))
		return;
	// Only the media node is open: nothing holds the vimc_device.
	if (!open.open(tap, {*media}) || !open.work(tap))
		return;
	const std::string what = "MEDIA_IOC_DEVICE_INFO " + media->dev;
	if (!stall_ioctl(tap, page, call, open.fd_of(*media), MEDIA_IOC_DEVICE_INFO, what))
		return;
	unbind_checked(tap, d.driver, d.pdev);
	wait_nodes_gone(tap, d.pdev, d.nodes, "after unbind");
	wait_driver_freed(tap, watch, without(d.nodes, *media));
	media_device_info info{};
	resume_ioctl(tap, page, call, &info, sizeof(info), what);
	open.expect_gone(tap);
	open.close_all(tap);
}

MCT_SCENARIO(uffd_video_ioctl_stall, "uffd-video-ioctl-stall",
	     "VIDIOC_S_FMT on vivid stalled by userfaultfd across unbind")
{
	const uint32_t type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	ReleaseWatch watch;
	std::string err;
	Driver d;
	OpenNodes open;
	UffdPage page;
	BoundedCall call;

	check(tap, watch.open(&err), "/dev/kmsg opened", err);
	if (!d.load(tap, "vivid", kVividOneCapture, 2))
		return;
	const Node *cap = vivid_vid_cap(d.nodes);
	if (!check(tap, cap, "vivid has a video capture node", nodes_str(d.nodes)))
		return;
	if (!open.open(tap, {*cap}) || !open.work(tap))
		return;
	int vfd = open.fd_of(*cap);
	v4l2_format f{};
	if (!expect_ok(tap, "VIDIOC_G_FMT " + cap->dev, g_fmt(vfd, type, &f)))
		return;
	const std::string what = "VIDIOC_S_FMT " + cap->dev;
	if (!stall_ioctl(tap, page, call, vfd, VIDIOC_S_FMT, what))
		return;
	unbind_checked(tap, d.driver, d.pdev);
	wait_nodes_gone(tap, d.pdev, d.nodes, "after unbind");
	// Everything but the stalled fd's video node may be released now.
	wait_driver_freed(tap, watch, without(d.nodes, *cap));
	resume_ioctl(tap, page, call, &f, sizeof(f), what);
	open.expect_gone(tap);
	open.close_all(tap);
	// The video node's release frees vivid's memory: let it happen inside
	// the scenario.
	wait_driver_freed(tap, watch, {*cap});
}

// SPDX-License-Identifier: GPL-2.0
// vivid scenarios: unbind (and rmmod) of the vivid platform device while
// userspace holds video, vbi, radio, media and request fds.
#include <fcntl.h>
#include <linux/media.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <thread>
#include <unistd.h>

#include "mct/scenario.hpp"
#include "util.hpp"
#include "v4l2.hpp"
#include "drivers.hpp"

using namespace mct;
using namespace mct::torture;


namespace {

// Streams a few frames and gives the buffers back.
bool stream_frames(Tap &tap, int fd, unsigned nframes)
{
	const uint32_t type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	unsigned n = start_streaming(tap, fd, type, 4, "vivid-000-vid-cap");

	if (!n)
		return false;
	for (unsigned i = 0; i < nframes; i++) {
		v4l2_buffer b{};
		CallResult r = dqbuf(fd, type, &b, 20s);

		if (!check(tap, r.finished && r.res.ok() && b.bytesused > 0,
			   "DQBUF frame " + std::to_string(i),
			   r.str() + ", bytesused " + std::to_string(b.bytesused)))
			return false;
		if (!expect_ok(tap, "QBUF buffer " + std::to_string(b.index) + " again",
			       qbuf(fd, type, b.index)))
			return false;
	}
	return expect_ok(tap, "STREAMOFF", streamoff(fd, type)) &&
	       expect_ok(tap, "REQBUFS 0", reqbufs(fd, type, 0));
}

} // namespace

MCT_SCENARIO(vivid_smoke, "vivid-smoke",
	     "load vivid, open its nodes, a few ioctls, stream frames, close, unload")
{
	Driver v;
	OpenNodes open;
	ReleaseWatch watch;
	const Node *cap = nullptr, *media = nullptr;

	watch.open_checked(tap);
	if (!load_vivid_capture(tap, v, &cap, &media))
		return;
	if (!open.open(tap, v.nodes) || !open.work(tap))
		return;
	int mfd = open.fd_of(*media), vfd = open.fd_of(*cap);
	expect_ok(tap, "MEDIA_IOC_G_TOPOLOGY", g_topology(mfd));
	expect_ok(tap, "VIDIOC_G_FMT video capture", g_fmt(vfd, V4L2_BUF_TYPE_VIDEO_CAPTURE));
	expect_ok(tap, "VIDIOC_ENUM_FMT video capture",
		  enum_fmt(vfd, V4L2_BUF_TYPE_VIDEO_CAPTURE));
	stream_frames(tap, vfd, 3);
	open.close_all(tap);
	v.unbind_and_unload(tap, watch);
}

MCT_SCENARIO(vivid_unbind_open_nodes, "vivid-unbind-open-nodes",
	     "unbind vivid with all its nodes open and 4 ioctl threads, then bind again")
{
	Driver v;
	OpenNodes open;
	Hammer hammer;

	if (!v.load(tap, "vivid", "n_devs=1", 3))
		return;
	if (!check(tap, vivid_vid_cap(v.nodes) && find_media(v.nodes),
		   "vivid has a video capture and a media node", nodes_str(v.nodes)))
		return;
	if (!open.open(tap, v.nodes) || !open.work(tap))
		return;
	for (auto &[n, fd] : open.list) {
		int f = fd.get();

		if (n.is_media()) {
			hammer.add("G_TOPOLOGY " + n.dev, op_g_topology(f));
			continue;
		}
		hammer.add("QUERYCAP " + n.dev, op_querycap(f));
		if (n.name == "vivid-000-vid-cap") {
			hammer.add("G_FMT " + n.dev, op_g_fmt(f, V4L2_BUF_TYPE_VIDEO_CAPTURE));
			hammer.add("ENUM_FMT " + n.dev, op_enum_fmt(f, V4L2_BUF_TYPE_VIDEO_CAPTURE));
		} else if (n.name == "vivid-000-vid-out") {
			hammer.add("G_FMT " + n.dev, op_g_fmt(f, V4L2_BUF_TYPE_VIDEO_OUTPUT));
		}
	}
	unbind_under_hammer(tap, hammer, 4, "vivid", v.pdev);
	wait_nodes_gone(tap, v.pdev, v.nodes, "after unbind");
	open.expect_gone(tap);
	open.close_all(tap);
	if (!bind_checked(tap, "vivid", v.pdev))
		return;
	auto again = wait_nodes(tap, v.pdev, v.nodes.size(), "after bind");
	check(tap, again.size() == v.nodes.size(), "the same number of nodes came back",
	      nodes_str(again));
	OpenNodes reopen;
	if (reopen.open(tap, again))
		reopen.work(tap);
	reopen.close_all(tap);
}

namespace {

// A request of vivid's media device with a control value and a buffer
// bound to it.
UniqueFd prepare_request(Tap &tap, int mfd, int vfd)
{
	int req = -1;
	CallResult r = bounded_ioctl(mfd, MEDIA_IOC_REQUEST_ALLOC, &req);

	if (!check(tap, r.finished && r.res.ok() && req >= 0, "MEDIA_IOC_REQUEST_ALLOC",
		   r.str()))
		return UniqueFd();
	UniqueFd rfd(req);
	v4l2_ext_control ctrl{};
	ctrl.id = V4L2_CID_BRIGHTNESS;
	ctrl.value = 200;
	auto ctrls = std::make_shared<v4l2_ext_control>(ctrl);
	r = bounded(
		[vfd, req, ctrls] {
			v4l2_ext_controls cs{};

			cs.which = V4L2_CTRL_WHICH_REQUEST_VAL;
			cs.request_fd = req;
			cs.count = 1;
			cs.controls = ctrls.get();
			return ::ioctl(vfd, VIDIOC_S_EXT_CTRLS, &cs);
		},
		kSyscallBound);
	expect_ok(tap, "VIDIOC_S_EXT_CTRLS brightness into the request", r);
	unsigned got = 0;
	r = reqbufs(vfd, V4L2_BUF_TYPE_VIDEO_CAPTURE, 2, &got);
	if (check(tap, r.finished && r.res.ok() && got > 0, "REQBUFS 2 MMAP", r.str()))
		expect_ok(tap, "QBUF buffer 0 into the request (V4L2_BUF_FLAG_REQUEST_FD)",
			  qbuf(vfd, V4L2_BUF_TYPE_VIDEO_CAPTURE, 0, 0, req));
	return rfd;
}

// Loads vivid, prepares a request on its video capture and media nodes,
// closes them, unbinds vivid and waits until the nodes left and their
// delayed releases ran: nothing but the returned request refers to the
// device any more. An empty fd when a step failed (reported).
UniqueFd request_outliving_vivid(Tap &tap, ReleaseWatch &watch, Driver &v)
{
	OpenNodes open;
	const Node *cap = nullptr, *media = nullptr;

	watch.open_checked(tap);
	if (!load_vivid_capture(tap, v, &cap, &media))
		return UniqueFd();
	if (!open.open(tap, {*cap, *media}))
		return UniqueFd();
	UniqueFd req = prepare_request(tap, open.fd_of(*media), open.fd_of(*cap));
	if (!req)
		return req;
	open.close_all(tap);
	v.unbind_and_wait_freed(tap, watch);
	return req;
}

} // namespace

MCT_SCENARIO(vivid_request_fd_after_unbind, "vivid-request-fd-after-unbind",
	     "use and close a request fd after vivid was unbound and its memory freed")
{
	ReleaseWatch watch;
	Driver v;
	UniqueFd req = request_outliving_vivid(tap, watch, v);

	if (!req)
		return;
	int rfd = req.get();
	expect_error(tap, "MEDIA_REQUEST_IOC_REINIT on the request",
		     bounded([rfd] { return ::ioctl(rfd, MEDIA_REQUEST_IOC_REINIT); },
			     kSyscallBound));
	expect_error(tap, "MEDIA_REQUEST_IOC_QUEUE on the request",
		     bounded([rfd] { return ::ioctl(rfd, MEDIA_REQUEST_IOC_QUEUE); },
			     kSyscallBound));
	expect_poll_gone(tap, rfd, "request fd");
	close_checked(tap, req, "request fd");
}

MCT_SCENARIO(vivid_unbind_blocking_dqbuf, "vivid-unbind-blocking-dqbuf",
	     "unbind vivid while a thread blocks in VIDIOC_DQBUF with no buffer queued")
{
	const uint32_t type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	Driver v;
	OpenNodes open;
	const Node *cap = nullptr;

	if (!load_vivid_capture(tap, v, &cap))
		return;
	if (!open.open(tap, {*cap}))
		return;
	int vfd = open.fd_of(*cap);
	unsigned n = start_streaming(tap, vfd, type, 4, cap->dev);
	if (!n)
		return;
	// Take every buffer and give none back: the next DQBUF blocks.
	for (unsigned i = 0; i < n; i++) {
		v4l2_buffer b{};

		if (!expect_ok(tap, "DQBUF " + std::to_string(i + 1) + " of " + std::to_string(n),
			       dqbuf(vfd, type, &b, 30s)))
			return;
	}
	BoundedCall blocked;
	blocked.start([vfd] {
		v4l2_buffer b{};

		b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		b.memory = V4L2_MEMORY_MMAP;
		return ::ioctl(vfd, VIDIOC_DQBUF, &b);
	});
	CallResult early = blocked.wait(1s);
	if (!check(tap, !early.finished, "DQBUF with no buffer queued blocks", early.str()))
		return;
	BoundedCall unbind;
	start_unbind(unbind, "vivid", v.pdev);
	CallResult u = unbind.wait(kUnbindBound);
	tap.diag("unbind " + v.pdev + " under the blocked DQBUF: " + u.str());
	check(tap, u.finished && u.res.ok(), "unbind completes while DQBUF was blocked", u.str());
	expect_error(tap, "the blocked DQBUF", blocked.wait(kSyscallBound));
	wait_nodes_gone(tap, v.pdev, v.nodes, "after unbind");
	expect_error(tap, "STREAMOFF " + cap->dev, streamoff(vfd, type));
	open.expect_gone(tap);
	open.close_all(tap);
}

MCT_SCENARIO(vivid_rmmod_with_open_fds, "vivid-rmmod-with-open-fds",
	     "unbind vivid and rmmod it while its fds are open, then use and close them")
{
	ReleaseWatch watch;
	Driver v;
	OpenNodes open;

	watch.open_checked(tap);
	if (!v.load(tap, "vivid", "n_devs=1", 3))
		return;
	if (!open.open(tap, v.nodes) || !open.work(tap))
		return;
	unbind_checked(tap, "vivid", v.pdev);
	wait_nodes_gone(tap, v.pdev, v.nodes, "after unbind");
	CmdResult r = rmmod("vivid");
	// EBUSY (the open files pin the module) is a legitimate outcome.
	tap.diag("rmmod vivid with fds open: " + r.str() + "; module " +
		 (module_loaded("vivid") ? "still loaded" : "unloaded"));
	check(tap, r.finished, "rmmod vivid with fds open returns", r.str());
	open.expect_gone(tap);
	open.close_all(tap);
	wait_driver_freed(tap, watch, v.nodes);
	if (module_loaded("vivid")) {
		r = rmmod("vivid");
		check(tap, r.ok(), "rmmod vivid after the fds were closed", r.str());
	}
	check(tap, !module_loaded("vivid"), "vivid is unloaded");
}

MCT_SCENARIO(vivid_rmmod_with_request_fd, "vivid-rmmod-with-request-fd",
	     "unbind and rmmod vivid while only a request fd is open, then use and close it")
{
	ReleaseWatch watch;
	Driver v;
	// The delayed releases run before the module goes (see
	// Driver::unbind_and_unload()).
	UniqueFd req = request_outliving_vivid(tap, watch, v);

	if (!req)
		return;
	CmdResult r = rmmod("vivid");
	// EBUSY (the request pins the module) is a legitimate outcome.
	tap.diag("rmmod vivid with the request fd open: " + r.str() + "; module " +
		 (module_loaded("vivid") ? "still loaded" : "unloaded"));
	check(tap, r.finished, "rmmod vivid with the request fd open returns", r.str());
	int rfd = req.get();
	expect_error(tap, "MEDIA_REQUEST_IOC_REINIT on the request",
		     bounded([rfd] { return ::ioctl(rfd, MEDIA_REQUEST_IOC_REINIT); },
			     kSyscallBound));
	expect_poll_gone(tap, rfd, "request fd");
	close_checked(tap, req, "request fd");
	if (module_loaded("vivid")) {
		r = rmmod("vivid");
		check(tap, r.ok(), "rmmod vivid after the request fd was closed", r.str());
	}
	check(tap, !module_loaded("vivid"), "vivid is unloaded");
}

MCT_SCENARIO(vivid_rmmod_after_failed_probe, "vivid-rmmod-after-failed-probe",
	     "vivid's probe fails after media_device_init(), rmmod vivid at once")
{
	// VBI capture only, with the default webcam input: the feature check
	// fails after media_device_init() and v4l2_device_register(),
	// and the error path drops the media device, never registered. Its
	// release, vivid code, is deferred by DEBUG_KOBJECT_RELEASE.
	CmdResult r = run_cmd("modprobe vivid node_types=0x4", kLoadBound);
	if (!check(tap, r.ok(), "modprobe vivid node_types=0x4", r.str()))
		return;
	check(tap, bound_devices("platform", "vivid").empty(),
	      "vivid's probe failed: no device bound");
	r = rmmod("vivid");
	check(tap, r.ok(), "rmmod vivid right after the failed probe", r.str());
	tap.diag("rmmod took " + ms_str(Millis(r.ms)));
	check(tap, !module_loaded("vivid"), "vivid is unloaded");
	// A release that outlived the module runs on freed code now.
	std::this_thread::sleep_for(2 * kReleaseDelay);
	tap.ok("waited " + ms_str(2 * kReleaseDelay) + " for deferred releases");
}

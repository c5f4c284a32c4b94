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

// An ioctl on an open node of a driver, stalled on a userfaultfd page
// while the device is unbound and its memory freed.
struct IoctlStall {
	ReleaseWatch watch;
	Driver d;
	OpenNodes open;
	UffdPage page;
	BoundedCall call;
	const Node *node = nullptr;	// the stalled fd's, in d.nodes
	std::string what;		// the ioctl and node, in the checks

	// stall_ioctl() of ioctl(req) on n's open fd.
	bool start(Tap &tap, const Node &n, unsigned long req, const std::string &ioctl_what)
	{
		node = &n;
		what = ioctl_what;
		return stall_ioctl(tap, page, call, open.fd_of(n), req, what);
	}

	// Unbinds the device and waits until every node but the stalled fd's
	// was released, resumes the ioctl with content (resume_ioctl()), then
	// checks that the open nodes are gone and closes them.
	void unbind_and_resume(Tap &tap, const void *content, size_t len)
	{
		d.unbind_and_wait_freed(tap, watch, node);
		resume_ioctl(tap, page, call, content, len, what);
		open.expect_gone(tap);
		open.close_all(tap);
	}
};

} // namespace

MCT_SCENARIO(uffd_media_ioctl_stall, "uffd-media-ioctl-stall",
	     "MEDIA_IOC_DEVICE_INFO on vimc stalled by userfaultfd across unbind and the "
	     "free of the media device")
{
	IoctlStall s;

	s.watch.open_checked(tap);
	if (!s.d.load(tap, "vimc", "", kVimcNodes))
		return;
	const Node *media = find_media(s.d.nodes);
	if (!check(tap, media, "vimc has a media node", nodes_str(s.d.nodes)))
		return;
	// Only the media node is open: nothing holds the vimc_device.
	if (!s.open.open(tap, {*media}) || !s.open.work(tap))
		return;
	if (!s.start(tap, *media, MEDIA_IOC_DEVICE_INFO, "MEDIA_IOC_DEVICE_INFO " + media->dev))
		return;
	media_device_info info{};
	s.unbind_and_resume(tap, &info, sizeof(info));
}

MCT_SCENARIO(uffd_video_ioctl_stall, "uffd-video-ioctl-stall",
	     "VIDIOC_S_FMT on vivid stalled by userfaultfd across unbind")
{
	const uint32_t type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	IoctlStall s;
	const Node *cap = nullptr;

	s.watch.open_checked(tap);
	if (!load_vivid_capture(tap, s.d, &cap))
		return;
	if (!s.open.open(tap, {*cap}) || !s.open.work(tap))
		return;
	int vfd = s.open.fd_of(*cap);
	v4l2_format f{};
	if (!expect_ok(tap, "VIDIOC_G_FMT " + cap->dev, g_fmt(vfd, type, &f)))
		return;
	if (!s.start(tap, *cap, VIDIOC_S_FMT, "VIDIOC_S_FMT " + cap->dev))
		return;
	// Everything but the stalled fd's video node may be released now.
	s.unbind_and_resume(tap, &f, sizeof(f));
	// The video node's release frees vivid's memory: let it happen inside
	// the scenario.
	wait_driver_freed(tap, s.watch, {*cap});
}

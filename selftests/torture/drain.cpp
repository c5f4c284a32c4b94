// SPDX-License-Identifier: GPL-2.0
// Calls that wait inside a node while its device goes. The drain at
// unregistration waits for the calls inside a node; each wait below must
// end when the node goes, so that an unbind returns and the call fails.
//
// vivid-radio-read-unbind: a blocking RDS read() on vivid's radio
// receiver with RDS reception off sleeps and retries in the driver.
// vivid-dqevent-unbind: a blocking VIDIOC_DQEVENT with no event pending.
// vivid-disconnect-control: vivid's "Disconnect" control clears the
// registered flag of its nodes without unregistering them: every file
// operation must then fail as on the base kernel (poll: POLLERR|POLLHUP,
// read and ioctls: ENODEV), and work again once all fds were closed.
// vim2m-unbind-blocking-dqbuf: a VIDIOC_DQBUF on a mem2mem context with
// no job to run.
#include <cerrno>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "drivers.hpp"
#include "mct/scenario.hpp"
#include "util.hpp"
#include "v4l2.hpp"

using namespace mct;
using namespace mct::torture;

namespace {

// An unbind with a call blocked in a node returns within this bound
// (an idle unbind of vivid takes 1-3 s under TCG+KASAN).
constexpr Millis kBlockedUnbindBound = 20s;
// A call that must stay blocked is checked for this long first.
constexpr Millis kStaysBlocked = 1s;

// vivid's control IDs (drivers/media/test-drivers/vivid/vivid-ctrls.c).
constexpr uint32_t kVividCidBase = 0x00f00000 | 0xf000;
constexpr uint32_t kVividCidDisconnect = kVividCidBase + 65;

constexpr const char *kVividRadioRx = "vivid-000-rad-rx";

CallResult s_ctrl(int fd, uint32_t id, int32_t value)
{
	v4l2_control c{};

	c.id = id;
	c.value = value;
	return bounded_ioctl(fd, VIDIOC_S_CTRL, &c);
}

// Unbinds d while blocked runs in one of its nodes: the unbind returns
// within kBlockedUnbindBound, the blocked call then fails on the gone
// device, and the nodes leave.
void unbind_under_blocked_call(Tap &tap, const Driver &d, BoundedCall &blocked,
			       const std::string &what)
{
	CallResult early = blocked.wait(kStaysBlocked);
	if (!check(tap, !early.finished, what + " blocks", early.str()))
		return;
	BoundedCall unbind;
	start_unbind(unbind, d.driver, d.pdev);
	CallResult u = unbind.wait(kBlockedUnbindBound);
	tap.diag("unbind " + d.pdev + " under the blocked " + what + ": " + u.str());
	check(tap, u.finished && u.res.ok(),
	      "unbind returns within " + ms_str(kBlockedUnbindBound) + " while " + what +
		      " is blocked",
	      u.str());
	expect_error(tap, "the blocked " + what, blocked.wait(kSyscallBound));
	if (!u.finished) {
		u = unbind.wait(kUnbindBound);
		tap.diag("unbind, later: " + u.str());
	}
	wait_nodes_gone(tap, d.pdev, d.nodes, "after unbind");
}

bool expect_errno(Tap &tap, const std::string &what, const CallResult &r, int err)
{
	tap.diag(what + ": " + r.str());
	return check(tap, r.finished && !r.res.ok() && r.res.err == err,
		     what + " fails with " + errno_name(err), r.str());
}

} // namespace

MCT_SCENARIO(vivid_radio_read_unbind, "vivid-radio-read-unbind",
	     "unbind vivid while a blocking RDS read() on its radio receiver waits, RDS off")
{
	ReleaseWatch watch;
	Driver v;
	OpenNodes open;

	watch.open_checked(tap);
	// Video capture and radio receiver.
	if (!v.load(tap, "vivid", "n_devs=1 node_types=0x11", 3))
		return;
	const Node *radio = find_node(v.nodes, kVividRadioRx);
	if (!check(tap, radio, "vivid has a radio receiver node", nodes_str(v.nodes)))
		return;
	if (!open.open(tap, {*radio}))
		return;
	int fd = open.fd_of(*radio);
	if (!expect_ok(tap, "S_CTRL RDS reception off " + radio->dev,
		       s_ctrl(fd, V4L2_CID_RDS_RECEPTION, 0)))
		return;
	BoundedCall blocked;
	blocked.start([fd] {
		v4l2_rds_data data[4];

		return static_cast<long>(::read(fd, data, sizeof(data)));
	});
	unbind_under_blocked_call(tap, v, blocked, "RDS read() " + radio->dev);
	open.expect_gone(tap);
	open.close_all(tap);
	wait_driver_freed(tap, watch, {*radio});
}

MCT_SCENARIO(vivid_dqevent_unbind, "vivid-dqevent-unbind",
	     "unbind vivid while a blocking VIDIOC_DQEVENT with no event pending waits")
{
	ReleaseWatch watch;
	Driver v;
	OpenNodes open;
	const Node *cap = nullptr;

	watch.open_checked(tap);
	if (!load_vivid_capture(tap, v, &cap))
		return;
	if (!open.open(tap, {*cap}))
		return;
	int fd = open.fd_of(*cap);
	v4l2_event_subscription sub{};
	sub.type = V4L2_EVENT_SOURCE_CHANGE;
	if (!expect_ok(tap, "VIDIOC_SUBSCRIBE_EVENT source change " + cap->dev,
		       bounded_ioctl(fd, VIDIOC_SUBSCRIBE_EVENT, &sub)))
		return;
	BoundedCall blocked;
	blocked.start([fd] {
		v4l2_event ev{};

		return static_cast<long>(::ioctl(fd, VIDIOC_DQEVENT, &ev));
	});
	unbind_under_blocked_call(tap, v, blocked, "VIDIOC_DQEVENT " + cap->dev);
	open.expect_gone(tap);
	open.close_all(tap);
	wait_driver_freed(tap, watch, {*cap});
}

MCT_SCENARIO(vivid_disconnect_control, "vivid-disconnect-control",
	     "vivid's Disconnect control: every file operation fails as on an unplugged "
	     "device until the last close, then the node works again")
{
	ReleaseWatch watch;
	Driver v;
	const Node *cap = nullptr;

	watch.open_checked(tap);
	if (!load_vivid_capture(tap, v, &cap))
		return;
	{
		OpenNodes open;

		if (!open.open(tap, {*cap}) || !open.work(tap))
			return;
		int fd = open.fd_of(*cap);
		if (!expect_ok(tap, "S_CTRL Disconnect " + cap->dev,
			       s_ctrl(fd, kVividCidDisconnect, 1)))
			return;
		expect_poll_gone(tap, fd, cap->dev);
		expect_errno(tap, "read() " + cap->dev + " after Disconnect",
			     bounded([fd] {
				     char buf[4096];

				     return static_cast<long>(::read(fd, buf, sizeof(buf)));
			     }, kSyscallBound),
			     ENODEV);
		expect_errno(tap, "VIDIOC_QUERYCAP " + cap->dev + " after Disconnect", querycap(fd),
			     ENODEV);
		expect_errno(tap, "VIDIOC_G_FMT " + cap->dev + " after Disconnect",
			     g_fmt(fd, V4L2_BUF_TYPE_VIDEO_CAPTURE), ENODEV);
		expect_errno(tap, "mmap() " + cap->dev + " after Disconnect",
			     bounded([fd] {
				     void *m = ::mmap(nullptr, 4096, PROT_READ, MAP_SHARED, fd, 0);

				     if (m == MAP_FAILED)
					     return -1L;
				     ::munmap(m, 4096);
				     return 0L;
			     }, kSyscallBound),
			     ENODEV);
		open.close_all(tap);
	}
	// The last close reconnects the nodes.
	OpenNodes again;
	if (again.open(tap, {*cap}))
		again.work(tap);
	again.close_all(tap);
	v.unbind_and_unload(tap, watch);
}

MCT_SCENARIO(vim2m_unbind_blocking_dqbuf, "vim2m-unbind-blocking-dqbuf",
	     "unbind vim2m while a VIDIOC_DQBUF on the capture queue of a context waits "
	     "(no output buffer, so no job ever runs)")
{
	const uint32_t cap = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	ReleaseWatch watch;
	Driver d;
	OpenNodes open;

	watch.open_checked(tap);
	if (!d.load(tap, "vim2m", "", 2))
		return;
	const Node *video = find_node(d.nodes, "vim2m");
	if (!check(tap, video, "vim2m has a video node", nodes_str(d.nodes)))
		return;
	if (!open.open(tap, {*video}))
		return;
	int fd = open.fd_of(*video);
	if (!start_streaming(tap, fd, cap, 2, video->dev + " CAPTURE"))
		return;
	BoundedCall blocked;
	blocked.start([fd] {
		v4l2_buffer b{};

		b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		b.memory = V4L2_MEMORY_MMAP;
		return static_cast<long>(::ioctl(fd, VIDIOC_DQBUF, &b));
	});
	unbind_under_blocked_call(tap, d, blocked, "VIDIOC_DQBUF CAPTURE " + video->dev);
	open.expect_gone(tap);
	open.close_all(tap);
	wait_driver_freed(tap, watch, {*video});
}

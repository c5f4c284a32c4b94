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
//
// The drain at unregistration must never wait on userspace: the ones
// below stall a copy that the kernel makes while it holds the node (and
// a lock), then unbind with a bound.
// uffd-vivid-read-stall: read() on vivid's capture node stalls in vb2's
// copy_to_user() of the frame, under the vb2 queue lock.
// uffd-vimc-g-topology-stall, uffd-vimc-enum-links-stall: the entity or
// link array of MEDIA_IOC_G_TOPOLOGY / MEDIA_IOC_ENUM_LINKS on vimc is
// written under the graph mutex.
// uffd-vivid-userptr-qbuf-stall: vb2 pins the pages of a USERPTR buffer
// in VIDIOC_QBUF, inside the node and under the queue lock (a known
// failure of the series, see expected-failures).
// uffd-vivid-s-ext-ctrls-stall, uffd-vivid-g-ext-ctrls-stall: the control
// framework copies the payload of a pointer control (the first writable
// string, array or compound control of vivid) from and to user memory
// inside the node, under the ioctl lock.
// vivid-ext-ctrls-bad-payload: payloads that cannot be faulted in (a
// read-only page, an unmapped address) fail within the bound instead of
// looping, and a good payload works after them.
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <linux/media.h>
#include <linux/videodev2.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

#include "drivers.hpp"
#include "mct/scenario.hpp"
#include "mct/uffd_page.hpp"
#include "util.hpp"
#include "v4l2.hpp"

using namespace mct;
using namespace mct::torture;

namespace {

constexpr Millis kFaultBound = 10s;
// An unbind while a call is stalled by userspace returns within this
// bound (an idle unbind of vivid or vimc takes 1-3 s under TCG+KASAN);
// on the base kernel it waits for the stalled call, for ever.
constexpr Millis kStalledUnbindBound = 20s;

// Registers the page, starts fn (which must fault on it) and waits
// until it faults: the check "<what> stalls in <where> on the
// userfaultfd page".
bool stall_call(Tap &tap, UffdPage &page, BoundedCall &call, std::function<long()> fn,
		const std::string &what, const std::string &where, std::size_t pages = 1)
{
	std::string err;

	if (!check(tap, page.init(&err, pages), "userfaultfd page registered (MISSING mode)", err))
		return false;
	call.start(std::move(fn));
	if (check(tap, page.wait_fault(kFaultBound, &err),
		  what + " stalls in " + where + " on the userfaultfd page", err))
		return true;
	page.release();
	tap.diag(what + ": " + call.wait(kSyscallBound).str());
	return false;
}

// Starts `ioctl(fd, req, page)` and waits until it faults on the page.
bool stall_ioctl(Tap &tap, UffdPage &page, BoundedCall &call, int fd, unsigned long req,
		 const std::string &what)
{
	UffdPage *p = &page;

	return stall_call(tap, page, call, [fd, req, p] { return ::ioctl(fd, req, p->page()); },
			  what, "copy_from_user");
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

// Unbinds d while the call stalls on the page: the unbind must return
// within kStalledUnbindBound. Then resolves the fault (resume_ioctl()):
// the call must fail on the gone device. Waits for the nodes to leave.
void unbind_while_stalled(Tap &tap, const Driver &d, UffdPage &page, BoundedCall &call,
			  const std::string &what)
{
	std::vector<char> zeros(page.size());
	BoundedCall unbind;

	start_unbind(unbind, d.driver, d.pdev);
	CallResult u = unbind.wait(kStalledUnbindBound);
	tap.diag("unbind " + d.pdev + " with " + what + " stalled: " + u.str());
	check(tap, u.finished && u.res.ok(),
	      "unbind returns within " + ms_str(kStalledUnbindBound) + " while " + what +
		      " is stalled by userspace",
	      u.str());
	resume_ioctl(tap, page, call, zeros.data(), zeros.size(), what);
	if (!u.finished) {
		u = unbind.wait(kUnbindBound);
		tap.diag("unbind once the fault was resolved: " + u.str());
	}
	wait_nodes_gone(tap, d.pdev, d.nodes, "after unbind");
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

MCT_SCENARIO(uffd_vivid_read_stall, "uffd-vivid-read-stall",
	     "read() on vivid capture stalled by userfaultfd in its copy of the frame, "
	     "across an unbind that must not wait for it")
{
	ReleaseWatch watch;
	Driver d;
	OpenNodes open;
	UffdPage page;
	BoundedCall call;
	const Node *cap = nullptr;

	watch.open_checked(tap);
	if (!load_vivid_capture(tap, d, &cap))
		return;
	if (!open.open(tap, {*cap}))
		return;
	int fd = open.fd_of(*cap);
	UffdPage *p = &page;
	// read() starts the file I/O emulator, waits for a frame and copies
	// the first page of it to the userfaultfd page.
	std::string what = "read() " + cap->dev;
	if (!stall_call(tap, page, call,
			[fd, p] { return static_cast<long>(::read(fd, p->page(), p->size())); },
			what, "the copy of the frame"))
		return;
	unbind_while_stalled(tap, d, page, call, what);
	open.expect_gone(tap);
	open.close_all(tap);
	wait_driver_freed(tap, watch, {*cap});
}

namespace {

// vimc's media node open, with a media ioctl whose array lies on the
// userfaultfd page stalled by fn_for(media fd, page) across an unbind.
void vimc_media_array_stall(Tap &tap, const std::string &what,
			    const std::function<std::function<long()>(int, UffdPage *)> &fn_for)
{
	ReleaseWatch watch;
	Driver d;
	OpenNodes open;
	UffdPage page;
	BoundedCall call;

	watch.open_checked(tap);
	if (!d.load(tap, "vimc", "", kVimcNodes))
		return;
	const Node *media = find_media(d.nodes);
	if (!check(tap, media, "vimc has a media node", nodes_str(d.nodes)))
		return;
	if (!open.open(tap, {*media}) || !open.work(tap))
		return;
	std::string w = what + " " + media->dev;
	if (!stall_call(tap, page, call, fn_for(open.fd_of(*media), &page), w,
			"its copy to the array under the graph mutex"))
		return;
	unbind_while_stalled(tap, d, page, call, w);
	open.expect_gone(tap);
	open.close_all(tap);
	wait_driver_freed(tap, watch, {*media});
}

} // namespace

MCT_SCENARIO(uffd_vimc_g_topology_stall, "uffd-vimc-g-topology-stall",
	     "MEDIA_IOC_G_TOPOLOGY on vimc whose entity array is stalled by userfaultfd, "
	     "across an unbind that must not wait for it")
{
	vimc_media_array_stall(tap, "MEDIA_IOC_G_TOPOLOGY", [](int fd, UffdPage *p) {
		return std::function<long()>([fd, p] {
			media_v2_topology topo{};

			topo.ptr_entities = reinterpret_cast<uintptr_t>(p->page());
			topo.num_entities = p->size() / sizeof(media_v2_entity);
			return ::ioctl(fd, MEDIA_IOC_G_TOPOLOGY, &topo);
		});
	});
}

MCT_SCENARIO(uffd_vimc_enum_links_stall, "uffd-vimc-enum-links-stall",
	     "MEDIA_IOC_ENUM_LINKS on vimc whose link array is stalled by userfaultfd, "
	     "across an unbind that must not wait for it")
{
	vimc_media_array_stall(tap, "MEDIA_IOC_ENUM_LINKS", [](int fd, UffdPage *p) {
		return std::function<long()>([fd, p] {
			media_entity_desc ent{};

			// The first entity (a vimc sensor) has a source link.
			ent.id = MEDIA_ENT_ID_FLAG_NEXT;
			if (::ioctl(fd, MEDIA_IOC_ENUM_ENTITIES, &ent) < 0)
				return -1L;
			media_links_enum links{};
			links.entity = ent.id;
			links.links = static_cast<media_link_desc *>(p->page());
			return static_cast<long>(::ioctl(fd, MEDIA_IOC_ENUM_LINKS, &links));
		});
	});
}

MCT_SCENARIO(uffd_vivid_userptr_qbuf_stall, "uffd-vivid-userptr-qbuf-stall",
	     "VIDIOC_QBUF of a USERPTR buffer on vivid whose pages userfaultfd holds while "
	     "vb2 pins them, across an unbind that must not wait for it")
{
	const uint32_t type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	ReleaseWatch watch;
	Driver d;
	OpenNodes open;
	UffdPage page;
	BoundedCall call;
	const Node *cap = nullptr;

	watch.open_checked(tap);
	if (!load_vivid_capture(tap, d, &cap))
		return;
	if (!open.open(tap, {*cap}))
		return;
	int fd = open.fd_of(*cap);
	v4l2_format f{};
	if (!expect_ok(tap, "VIDIOC_G_FMT " + cap->dev, g_fmt(fd, type, &f)))
		return;
	v4l2_requestbuffers rb{};
	rb.count = 1;
	rb.type = type;
	rb.memory = V4L2_MEMORY_USERPTR;
	if (!expect_ok(tap, "VIDIOC_REQBUFS 1 USERPTR " + cap->dev,
		       bounded_ioctl(fd, VIDIOC_REQBUFS, &rb)))
		return;
	uint32_t size = f.fmt.pix.sizeimage;
	long psz = ::sysconf(_SC_PAGESIZE);
	UffdPage *p = &page;
	std::string what = "VIDIOC_QBUF USERPTR " + cap->dev;
	// vb2 pins the user pages of the buffer in QBUF.
	if (!stall_call(tap, page, call,
			[fd, p, size] {
				v4l2_buffer b{};

				b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
				b.memory = V4L2_MEMORY_USERPTR;
				b.index = 0;
				b.m.userptr = reinterpret_cast<unsigned long>(p->page());
				b.length = size;
				return static_cast<long>(::ioctl(fd, VIDIOC_QBUF, &b));
			},
			what, "the pinning of its pages", (size + psz - 1) / psz))
		return;
	unbind_while_stalled(tap, d, page, call, what);
	open.expect_gone(tap);
	open.close_all(tap);
	wait_driver_freed(tap, watch, {*cap});
}

namespace {

// The first writable control of vivid's capture node with a payload that
// fits in a page (vivid's string and array test controls), or id 0.
v4l2_query_ext_ctrl find_payload_ctrl(int fd, long page_size)
{
	v4l2_query_ext_ctrl q{};

	q.id = V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND;
	while (::ioctl(fd, VIDIOC_QUERY_EXT_CTRL, &q) == 0) {
		if ((q.flags & V4L2_CTRL_FLAG_HAS_PAYLOAD) &&
		    !(q.flags & (V4L2_CTRL_FLAG_READ_ONLY | V4L2_CTRL_FLAG_WRITE_ONLY |
				 V4L2_CTRL_FLAG_DYNAMIC_ARRAY)) &&
		    q.elems * q.elem_size <= static_cast<unsigned long>(page_size))
			return q;
		q.id |= V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND;
	}
	return v4l2_query_ext_ctrl{};
}

// The argument of VIDIOC_{G,S}_EXT_CTRLS for one control of the current
// values, with its payload of size bytes at ptr. Not copyable: cs points
// into it.
struct OneExtCtrl {
	v4l2_ext_control c{};
	v4l2_ext_controls cs{};

	OneExtCtrl(uint32_t id, uint32_t size, void *ptr)
	{
		c.id = id;
		c.size = size;
		c.ptr = ptr;
		cs.which = V4L2_CTRL_WHICH_CUR_VAL;
		cs.count = 1;
		cs.controls = &c;
	}
	OneExtCtrl(const OneExtCtrl &) = delete;
	OneExtCtrl &operator=(const OneExtCtrl &) = delete;
};

// VIDIOC_{S,G}_EXT_CTRLS of a pointer control of vivid whose payload lies
// on the userfaultfd page, across an unbind that must not wait for it.
void vivid_ext_ctrls_stall(Tap &tap, unsigned long req, const std::string &name)
{
	ReleaseWatch watch;
	Driver d;
	OpenNodes open;
	UffdPage page;
	BoundedCall call;
	const Node *cap = nullptr;

	watch.open_checked(tap);
	if (!load_vivid_capture(tap, d, &cap))
		return;
	if (!open.open(tap, {*cap}))
		return;
	int fd = open.fd_of(*cap);
	v4l2_query_ext_ctrl q = find_payload_ctrl(fd, ::sysconf(_SC_PAGESIZE));
	if (!check(tap, q.id != 0, "vivid has a writable control with a payload",
		   "VIDIOC_QUERY_EXT_CTRL found none"))
		return;
	tap.diag(std::string("the payload control: ") + q.name + ", " +
		 std::to_string(q.elems * q.elem_size) + " bytes");
	uint32_t id = q.id, size = q.elems * q.elem_size;
	UffdPage *p = &page;
	std::string what = name + " of \"" + q.name + "\" " + cap->dev;
	if (!stall_call(tap, page, call,
			[fd, req, p, id, size] {
				OneExtCtrl arg(id, size, p->page());

				return static_cast<long>(::ioctl(fd, req, &arg.cs));
			},
			what, "the copy of the control's payload"))
		return;
	unbind_while_stalled(tap, d, page, call, what);
	open.expect_gone(tap);
	open.close_all(tap);
	wait_driver_freed(tap, watch, {*cap});
}

} // namespace

MCT_SCENARIO(uffd_vivid_s_ext_ctrls_stall, "uffd-vivid-s-ext-ctrls-stall",
	     "VIDIOC_S_EXT_CTRLS on vivid whose control payload userfaultfd holds in "
	     "the copy from user memory, across an unbind that must not wait for it")
{
	vivid_ext_ctrls_stall(tap, VIDIOC_S_EXT_CTRLS, "VIDIOC_S_EXT_CTRLS");
}

MCT_SCENARIO(uffd_vivid_g_ext_ctrls_stall, "uffd-vivid-g-ext-ctrls-stall",
	     "VIDIOC_G_EXT_CTRLS on vivid whose control payload userfaultfd holds in "
	     "the copy to user memory, across an unbind that must not wait for it")
{
	vivid_ext_ctrls_stall(tap, VIDIOC_G_EXT_CTRLS, "VIDIOC_G_EXT_CTRLS");
}

namespace {

// VIDIOC_{G,S}_EXT_CTRLS of control q of fd with its payload at ptr.
CallResult ext_ctrls_at(int fd, unsigned long req, const v4l2_query_ext_ctrl &q, void *ptr)
{
	OneExtCtrl arg(q.id, q.elems * q.elem_size, ptr);

	return bounded_ioctl(fd, req, &arg.cs);
}

} // namespace

MCT_SCENARIO(vivid_ext_ctrls_bad_payload, "vivid-ext-ctrls-bad-payload",
	     "VIDIOC_{G,S}_EXT_CTRLS on vivid with a payload on a read-only page and at an "
	     "unmapped address fail within the bound; a good payload works after them")
{
	Driver d;
	OpenNodes open;
	const Node *cap = nullptr;

	if (!load_vivid_capture(tap, d, &cap))
		return;
	if (!open.open(tap, {*cap}))
		return;
	int fd = open.fd_of(*cap);
	long psz = ::sysconf(_SC_PAGESIZE);
	v4l2_query_ext_ctrl q = find_payload_ctrl(fd, psz);
	if (!check(tap, q.id != 0, "vivid has a writable control with a payload",
		   "VIDIOC_QUERY_EXT_CTRL found none"))
		return;
	// Two pages: the first never touched and read-only, the second
	// unmapped again.
	void *map = ::mmap(nullptr, 2 * psz, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!check(tap, map != MAP_FAILED, "mmap of two read-only pages", std::strerror(errno)))
		return;
	char *ro = static_cast<char *>(map), *gone = ro + psz;
	::munmap(gone, psz);
	std::string name = std::string("\"") + q.name + "\" " + cap->dev;
	expect_error(tap, "VIDIOC_S_EXT_CTRLS of " + name + " from a read-only page",
		     ext_ctrls_at(fd, VIDIOC_S_EXT_CTRLS, q, ro));
	expect_error(tap, "VIDIOC_G_EXT_CTRLS of " + name + " to a read-only page",
		     ext_ctrls_at(fd, VIDIOC_G_EXT_CTRLS, q, ro));
	expect_error(tap, "VIDIOC_G_EXT_CTRLS of " + name + " to an unmapped address",
		     ext_ctrls_at(fd, VIDIOC_G_EXT_CTRLS, q, gone));
	std::vector<char> buf(psz);
	expect_ok(tap, "VIDIOC_G_EXT_CTRLS of " + name + " to a good buffer",
		  ext_ctrls_at(fd, VIDIOC_G_EXT_CTRLS, q, buf.data()));
	expect_ok(tap, "VIDIOC_S_EXT_CTRLS of " + name + " from a good buffer",
		  ext_ctrls_at(fd, VIDIOC_S_EXT_CTRLS, q, buf.data()));
	::munmap(ro, psz);
	open.close_all(tap);
}

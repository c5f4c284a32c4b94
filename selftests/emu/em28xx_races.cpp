// SPDX-License-Identifier: GPL-2.0
// em28xx scenarios that line up two paths of the driver against each other
// at a point they reach on their own, instead of hoping they meet:
//
// em28xx-init-error-open: em28xx_v4l2_init() fails after its video node is
//   registered, while an open() of that node waits for dev->lock, which the
//   init holds. The init is held at each node devtmpfs creates or removes
//   by holding the /dev directory: a getdents64() of /dev whose buffer is
//   a userfaultfd page keeps the directory's i_rwsem shared, so kdevtmpfs
//   waits, and with it the registration (or unregistration) of the node.
//   The failure is the one of a board whose I2C decoder does not answer:
//   as an EM2860/SAA711X reference design, the emulated board has no
//   decoder entity and v4l2_mc_create_media_graph() fails.
//
// em28xx-close-unplug-race: a streaming file is closed while the unplug
//   releases its queue. The close is issued once the video node has left
//   sysfs, the moment before vb2_video_unregister_device() releases the
//   queue, with a delay that changes from one round to the next. This one
//   aligns the two paths on what userspace can see and sweeps a delay: it
//   does not prove that they overlapped in a round that passes. A close
//   without the queue lock gave KASAN reports in each read() round.
#include <atomic>
#include <cerrno>
#include <climits>
#include <csignal>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <memory>
#include <pthread.h>
#include <string>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "em28xx_device.hpp"
#include "em28xx_host.hpp"
#include "em28xx_proto.hpp"
#include "em28xx_steps.hpp"
#include "mct/scenario.hpp"
#include "mct/sys.hpp"
#include "mct/uffd_page.hpp"

using namespace mct;
using namespace mct::emu;

namespace {

constexpr Millis kStepBound = 30s;	// one step of the init under TCG
constexpr Millis kInitErrorBound = 20s;	// the error path, opener waiting

pid_t thread_id()
{
	return static_cast<pid_t>(::syscall(SYS_gettid));
}

std::string task_dir(pid_t pid, pid_t tid)
{
	return "/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid);
}

// The state letter of /proc/<pid>/task/<tid>/stat ('R', 'S', 'D', ...), or
// '?' once the task is gone.
char task_state(pid_t pid, pid_t tid)
{
	auto stat = read_file(task_dir(pid, tid) + "/stat");

	if (!stat)
		return '?';
	size_t paren = stat->rfind(')');
	return paren == std::string::npos || paren + 2 >= stat->size() ? '?' : (*stat)[paren + 2];
}

// The kernel stack of a task, one function per line ("" when unreadable).
std::string task_stack(pid_t pid, pid_t tid)
{
	return read_file(task_dir(pid, tid) + "/stack").value_or("");
}

// The first process whose comm is name, 0 when none.
pid_t find_process(const std::string &name)
{
	for (const auto &dir : glob_paths("/proc/[0-9]*")) {
		auto comm = read_file(dir + "/comm");

		if (comm && *comm == name + "\n")
			return static_cast<pid_t>(std::stoi(dir.substr(6)));
	}
	return 0;
}

// The stack of a task on one line, for a diagnostic.
std::string one_line(std::string s)
{
	for (auto &c : s)
		if (c == '\n')
			c = ' ';
	return s;
}

// getdents64() of /dev on its own thread, with a userfaultfd page as the
// buffer: it stops on the first dirent it copies, holding the directory's
// i_rwsem shared until release(). prepare() opens and maps beforehand, so
// that go() touches nothing but the directory's lock.
struct DevReader {
	UffdPage page;
	UniqueFd dir;
	std::atomic<pid_t> tid{ 0 };
	std::atomic<bool> done{ false };
	long rc = 0;

	bool prepare(std::string *err)
	{
		int fd = ::open("/dev", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0) {
			*err = "open /dev: " + errno_name(errno);
			return false;
		}
		dir = UniqueFd(fd);
		return page.init(err);
	}

	// The thread holds the reader: it may outlive the scenario.
	static bool go(const std::shared_ptr<DevReader> &r)
	{
		std::thread([r] {
			r->tid = thread_id();
			r->rc = ::syscall(SYS_getdents64, r->dir.get(), r->page.page(), r->page.size());
			r->done = true;
		}).detach();
		return wait_until([&] { return r->tid.load() != 0; }, 5s);
	}

	bool release(std::string *err)
	{
		char zero = 0;

		return page.resolve(&zero, 0, err);
	}
};

// A task blocked on an rwsem or a mutex sleeps in 'D' (down_write(),
// down_read_killable()).
bool wait_blocked(pid_t pid, pid_t tid, Millis bound)
{
	return wait_until([&] { return task_state(pid, tid) == 'D'; }, bound);
}

// The kdevtmpfs thread waits for the /dev directory: the registration of a
// node waits for it.
bool kdevtmpfs_blocked(pid_t kdevtmpfs)
{
	return task_state(kdevtmpfs, kdevtmpfs) == 'D';
}

void no_op_handler(int)
{
}

struct Opener {
	std::atomic<pid_t> tid{ 0 };
	std::atomic<pthread_t> thread{};
	std::atomic<bool> done{ false };
	SysResult r;	// r.rc is the fd once open() succeeded
};

} // namespace

MCT_SCENARIO(em28xx_init_error_open, "em28xx-init-error-open",
	     "em28xx_v4l2_init fails after its video node appeared, an open() of it waiting")
{
	std::string err;
	pid_t self = ::getpid();

	for (const char *m : { "dummy_hcd", "raw_gadget" })
		if (!check(tap, modprobe(m), std::string("modprobe ") + m))
			return;
	std::string card = "em28xx card=" + std::to_string(kSaa711xReferenceCard);
	if (!check(tap, modprobe(card), "modprobe " + card) ||
	    !check(tap, !path_exists("/sys/module/em28xx_v4l"), "em28xx_v4l is not loaded yet"))
		return;

	// The decoder stays off: every I2C transfer NACKs.
	Em28xxDeviceOptions opt;
	opt.chip_id = kChipIdEm2860;
	Em28xxDevice dev(opt);
	Em28xxNodes n;
	if (!check(tap, dev.plug(&err), "emulated board plugged as an EM2860", err))
		return;
	bool bound = wait_until(
		[&] {
			n = find_em28xx();
			return n.driver == "em28xx" && !n.media.empty() && path_exists(n.media);
		},
		kProbeBound);
	if (!check(tap, bound, "em28xx bound and registered its media device", n.str()))
		return;
	// The probe ends in request_module(), which fails at once: the guest
	// has no modprobe helper. Then nothing but the init below creates
	// nodes in /dev.
	std::this_thread::sleep_for(1s);
	pid_t kdevtmpfs = find_process("kdevtmpfs");
	if (!check(tap, kdevtmpfs != 0, "kdevtmpfs thread found"))
		return;

	// Three readers hold /dev in turn. Each one is queued behind kdevtmpfs
	// while kdevtmpfs waits for the one before, so that it gets the
	// directory as soon as kdevtmpfs is done with one node, and the next
	// node waits: the init stops at the creation of the video node, at
	// the creation of the VBI node, then in its error path at the removal
	// of the VBI node, before it unregisters the video node.
	std::shared_ptr<DevReader> readers[3];
	for (auto &r : readers) {
		r = std::make_shared<DevReader>();
		if (!check(tap, r->prepare(&err), "/dev opened for a reader", err))
			return;
	}
	auto give_up = [&] {
		for (auto &r : readers)
			r->release(&err);
	};
	// Hands /dev from readers[i - 1] to readers[i] while kdevtmpfs waits.
	auto hand_over = [&](int i, const std::string &what) {
		bool queued = DevReader::go(readers[i]) && wait_blocked(self, readers[i]->tid, 10s);
		if (!check(tap, queued, "getdents64(/dev) " + std::to_string(i + 1) +
				       " waits behind kdevtmpfs (" + what + ")",
			   "state " + std::string(1, task_state(self, readers[i]->tid))))
			return false;
		readers[i - 1]->release(&err);
		return check(tap, readers[i]->page.wait_fault(10s, &err),
			     "getdents64(/dev) " + std::to_string(i + 1) + " holds /dev", err);
	};

	// 1. The video node: its device_register() waits for kdevtmpfs, with
	// videodev_lock held.
	if (!check(tap, DevReader::go(readers[0]) && readers[0]->page.wait_fault(10s, &err),
		   "getdents64(/dev) 1 stopped on its userfaultfd buffer", err))
		return give_up();
	auto loader = std::make_shared<std::atomic<int>>(INT_MIN);
	std::thread([loader] { *loader = run_command("modprobe em28xx_v4l"); }).detach();
	bool at_video = wait_until(
		[&] { return kdevtmpfs_blocked(kdevtmpfs) && !find_em28xx().video.empty(); },
		kStepBound);
	if (!check(tap, at_video, "the init waits for devtmpfs to create the video node",
		   find_em28xx().str()))
		return give_up();

	// The opener, through a node of our own (a lookup in /dev would wait
	// for the directory too). It waits for videodev_lock in v4l2_open()
	// until the video node is registered.
	n = find_em28xx();
	std::string devno = read_file("/sys/class/video4linux/" + n.video.substr(5) + "/dev")
				    .value_or("");
	unsigned maj = 0, min = 0;
	const std::string path = "/tmp/mct-em28xx-video";
	::unlink(path.c_str());
	if (!check(tap,
		   std::sscanf(devno.c_str(), "%u:%u", &maj, &min) == 2 &&
			   ::mknod(path.c_str(), S_IFCHR | 0600, makedev(maj, min)) == 0,
		   "mknod " + path + " for " + n.video, "dev '" + devno + "'"))
		return give_up();
	struct sigaction sa {};
	sa.sa_handler = no_op_handler;	// no SA_RESTART: the open returns EINTR
	::sigaction(SIGUSR2, &sa, nullptr);
	auto o = std::make_shared<Opener>();
	std::thread([o, path] {
		o->tid = thread_id();
		o->thread = ::pthread_self();
		o->r = sys([&] { return ::open(path.c_str(), O_RDWR | O_CLOEXEC); });
		o->done = true;
	}).detach();
	bool in_open = wait_until(
		[&] {
			return o->tid != 0 &&
			       task_stack(self, o->tid).find("v4l2_open") != std::string::npos;
		},
		10s);
	if (!check(tap, in_open && !o->done, "open() of the video node waits in v4l2_open()",
		   o->done ? "returned: " + o->r.str()
			   : "stack: " + one_line(task_stack(self, o->tid))))
		return give_up();

	// 2. The VBI node: the video node is registered, the init holds
	// dev->lock.
	if (!hand_over(1, "video node"))
		return give_up();
	bool at_vbi = wait_until(
		[&] {
			n = find_em28xx();
			return kdevtmpfs_blocked(kdevtmpfs) && !n.video.empty() && !n.vbi.empty();
		},
		kStepBound);
	if (!check(tap, at_vbi, "the init waits for devtmpfs to create the VBI node", n.str()))
		return give_up();

	// 3. The init fails to build the media graph; its error path waits
	// for devtmpfs to remove the VBI node. The opener had videodev_lock
	// free since: it is in em28xx_v4l2_open() (dev->lock) or returned.
	if (!hand_over(2, "VBI node"))
		return give_up();
	bool at_error = wait_until([&] { return kdevtmpfs_blocked(kdevtmpfs); }, kStepBound);
	if (!check(tap, at_error, "the init fails and its error path removes the VBI node",
		   find_em28xx().str()))
		return give_up();
	bool entered = wait_until(
		[&] {
			return o->done ||
			       task_stack(self, o->tid).find("em28xx_v4l2_open") != std::string::npos;
		},
		10s);
	if (!check(tap, entered, "open() of the video node got into em28xx_v4l2_open()",
		   "stack: " + one_line(task_stack(self, o->tid))))
		return give_up();
	tap.diag(o->done ? "open() returned before the video node went: " + o->r.str()
			 : "open() waits for dev->lock in em28xx_v4l2_open()");

	// 4. Let the error path go on to the video node.
	long long t0 = now_ms();
	readers[2]->release(&err);
	bool returned = wait_until([&] { return *loader != INT_MIN; }, kInitErrorBound);
	if (!check(tap, returned,
		   "the failed init returns, an open() of its video node entered (modprobe em28xx_v4l)",
		   "no return after " + std::to_string(kInitErrorBound.count()) + " ms")) {
		pid_t mp = find_process("modprobe");
		if (mp)
			tap.diag("modprobe stack: " + one_line(task_stack(mp, mp)));
		tap.diag("opener stack: " + one_line(task_stack(self, o->tid)));
		// Only a signal to the opener ends the wait.
		long long t1 = now_ms();
		::pthread_kill(o->thread, SIGUSR2);
		bool after = wait_until([&] { return *loader != INT_MIN; }, kInitErrorBound);
		tap.diag(after ? "a signal to the opener ended it: modprobe returned " +
					 std::to_string(now_ms() - t1) + " ms later"
			       : "still waiting after a signal to the opener");
		if (!after)
			return;
	} else {
		tap.diag("modprobe em28xx_v4l returned " + std::to_string(*loader) + " after " +
			 std::to_string(now_ms() - t0) + " ms");
	}
	bool opened = wait_until([&] { return o->done.load(); }, kSyscallBound);
	if (!check(tap, opened, "the open() returns"))
		return;
	tap.diag("open() of the video node: " + o->r.str());
	// The extension is gone: the open that waited for its lock fails.
	check(tap, !o->r.ok() && o->r.err == ENODEV, "that open() fails with ENODEV", o->r.str());
	check(tap, *loader == 0, "modprobe em28xx_v4l exits 0 (the init error is not the module's)",
	      "exit " + std::to_string(*loader));
	n = find_em28xx();
	check(tap, n.video.empty() && n.vbi.empty(),
	      "the init failed: its video and VBI nodes are unregistered", n.str());
	UniqueFd fd(o->r.ok() ? static_cast<int>(o->r.rc) : -1);
	if (fd) {
		expect_gone_error<v4l2_capability>(tap, "QUERYCAP on the unregistered node", fd.get(),
						   VIDIOC_QUERYCAP);
		close_bounded(tap, fd, path);
	}
	::unlink(path.c_str());
	n.video.clear();
	n.vbi.clear();
	unplug(tap, dev, n, "");
}

namespace {

enum class StreamIo { Read, Mmap };

// Starts streaming on fd and captures one frame, by read() or by mmap'ed
// buffers (unmapped again, so that close() releases the file).
bool stream_one_frame(Tap &tap, int fd, StreamIo io, const std::string &tag)
{
	if (io == StreamIo::Read) {
		auto r = bounded_read(fd, 4096, 30s);
		return check(tap, r && r->ok() && r->rc > 0, prefixed(tag, "read() a frame"),
			     r ? r->str() : "hung");
	}
	std::vector<Mapping> maps;
	if (!start_streaming(tap, fd, &maps))
		return false;
	v4l2_buffer b{};
	b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	b.memory = V4L2_MEMORY_MMAP;
	auto r = bounded_ioctl(fd, VIDIOC_DQBUF, b, 30s);
	return check(tap, r && r->ok(), prefixed(tag, "DQBUF a frame"), r ? r->str() : "hung");
}

} // namespace

MCT_SCENARIO(em28xx_close_unplug_race, "em28xx-close-unplug-race",
	     "close a streaming em28xx video fd as the unplug releases its queue, 8 rounds")
{
	// Microseconds between the video node leaving sysfs and the close().
	const int delays_us[] = { 0, 300, 1000, 3000 };

	if (!load_modules(tap))
		return;
	int round = 0;
	for (StreamIo io : { StreamIo::Read, StreamIo::Mmap }) {
		for (int delay : delays_us) {
			std::string tag = std::string(io == StreamIo::Read ? "read" : "mmap") +
					  " round " + std::to_string(++round) + " (+" +
					  std::to_string(delay) + " us)";
			Em28xxDevice dev;
			Em28xxNodes n;

			if (!plug(tap, dev, &n, tag))
				return;
			UniqueFd video = open_checked(tap, n.video, tag);
			if (!video || !stream_one_frame(tap, video.get(), io, tag))
				return;
			std::string sysfs = "/sys/class/video4linux/" + n.video.substr(5);
			auto unplugged = std::make_shared<std::atomic<int>>(-1);
			auto dev_ptr = &dev;
			std::thread unplugger([unplugged, dev_ptr] {
				std::string e;
				*unplugged = dev_ptr->unplug(kUnplugBound, &e) ? 1 : 0;
			});
			long long t0 = now_ms();
			struct stat st;
			while (::stat(sysfs.c_str(), &st) == 0 && now_ms() - t0 < kGoneBound.count())
				;
			bool left = ::stat(sysfs.c_str(), &st) != 0;
			if (delay)
				std::this_thread::sleep_for(std::chrono::microseconds(delay));
			close_bounded(tap, video, prefixed(tag, n.video));
			unplugger.join();
			check(tap, left, prefixed(tag, "video node left sysfs after the unplug"));
			check(tap, *unplugged == 1, prefixed(tag, "emulator stopped"));
			std::string rest;
			check(tap, wait_em28xx_gone(n, kGoneBound, &rest),
			      prefixed(tag, "USB device and nodes gone"), rest);
		}
	}
}

// em28xx-close-during-read: a read() that set the queue up for file I/O is
// stopped by userfaultfd on its copy to the user buffer; another file
// handle of the same node is closed meanwhile. A review said that close
// would release the queue under the read. It does not, on the base kernel
// either: vb2_fop_read() makes the reader the queue owner before
// vb2_read(), and the close of a file that does not own the queue leaves
// it alone. The scenario checks that claim: the read and a second one
// return data.
MCT_SCENARIO(em28xx_close_during_read, "em28xx-close-during-read",
	     "close one em28xx video fd while a read() on another one sets the queue up")
{
	Em28xxDevice dev;
	Em28xxNodes n;
	std::string err;

	if (!load_modules(tap) || !plug(tap, dev, &n, ""))
		return;
	UniqueFd reader = open_checked(tap, n.video, "reader");
	UniqueFd other = open_checked(tap, n.video, "other");
	if (!reader || !other)
		return;
	struct Read {
		UffdPage page;
		std::atomic<bool> done{ false };
		SysResult r;
	};
	auto rd = std::make_shared<Read>();
	if (!check(tap, rd->page.init(&err), "userfaultfd page for the read() buffer", err))
		return;
	int fd = reader.get();
	std::thread([rd, fd] {
		rd->r = sys([&] { return ::read(fd, rd->page.page(), rd->page.size()); });
		rd->done = true;
	}).detach();
	if (!check(tap, rd->page.wait_fault(30s, &err),
		   "read() got a frame and stopped on its copy to the user buffer", err)) {
		rd->page.release();
		return;
	}
	close_bounded(tap, other, "the other fd of " + n.video);
	char data = 1;
	check(tap, rd->page.resolve(&data, 1, &err), "fault resolved", err);
	bool done = wait_until([&] { return rd->done.load(); }, kSyscallBound);
	if (check(tap, done, "the read() returns"))
		check(tap, rd->r.ok() && rd->r.rc > 0, "the read() returns data", rd->r.str());
	// The queue is still usable by the reader.
	auto again = bounded_read(fd, 4096, 30s);
	check(tap, again && again->ok() && again->rc > 0, "a second read() returns data",
	      again ? again->str() : "hung");
	close_bounded(tap, reader, n.video);
	unplug(tap, dev, n, "");
}

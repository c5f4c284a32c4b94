// SPDX-License-Identifier: GPL-2.0
// Helpers of mct-torture: bounded syscalls, module loading, platform
// driver unbind/bind, the device nodes of a platform device, ioctl
// hammer threads and a /dev/kmsg watch that tells when the delayed
// releases of CONFIG_DEBUG_KOBJECT_RELEASE have run.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "mct/fd.hpp"
#include "mct/kmsg.hpp"
#include "mct/sys.hpp"
#include "mct/tap.hpp"

namespace mct::torture {

// Any single syscall on a node, gone device or not (TCG + KASAN is slow).
constexpr Millis kSyscallBound = 10s;
// Writing to a driver's unbind/bind file, modprobe, rmmod.
constexpr Millis kUnbindBound = 60s;
constexpr Millis kLoadBound = 90s;
// Until the nodes of a device appear after bind or leave after unbind.
constexpr Millis kNodesBound = 20s;
// DEBUG_KOBJECT_RELEASE delays a release by HZ + HZ * (0..3) jiffies.
constexpr Millis kReleaseDelay = 4500ms;
// Until the kobject_release of every node was logged.
constexpr Millis kReleaseLogBound = 20s;

std::string ms_str(Millis m);

// Tap::check() that prints the reason only when the check fails.
bool check(Tap &tap, bool cond, const std::string &name, const std::string &why = "");

// The outcome of a call made on its own thread with a time bound.
struct CallResult {
	bool finished = false;	// false: still blocked when the bound passed
	SysResult res;
	long long ms = 0;	// how long it took (or waited so far)

	// "ENODEV (No such device) after 3 ms" or "still blocked after 10000 ms"
	std::string str() const;
};

// fn on its own thread. On a timeout the thread is left behind (a
// syscall blocked in the kernel cannot be cancelled), so fn must own
// everything it touches: capture by value or by shared_ptr.
class BoundedCall {
public:
	BoundedCall() = default;
	BoundedCall(const BoundedCall &) = delete;
	BoundedCall &operator=(const BoundedCall &) = delete;
	~BoundedCall();

	void start(std::function<long()> fn);
	// Waits for the call at most timeout; returns its outcome so far.
	CallResult wait(Millis timeout);
	bool started() const { return bool(st_); }
	bool finished() const;

private:
	struct State;
	std::shared_ptr<State> st_;
	std::thread thr_;
};

CallResult bounded(std::function<long()> fn, Millis timeout);

long ioctl_raw(int fd, unsigned long req, void *arg);

// ioctl on a private copy of *arg, copied back when the call finished.
template <class T>
CallResult bounded_ioctl(int fd, unsigned long req, T *arg, Millis timeout = kSyscallBound)
{
	auto buf = std::make_shared<T>(*arg);
	CallResult r = bounded([fd, req, buf] { return ioctl_raw(fd, req, buf.get()); }, timeout);

	if (r.finished)
		*arg = *buf;
	return r;
}

// Checks on calls. expect_error: a syscall on a node whose device is
// gone; it must return an error within its bound, the errno goes to a
// diag line. expect_ok: must return success within its bound.
bool expect_error(Tap &tap, const std::string &what, const CallResult &r);
bool expect_ok(Tap &tap, const std::string &what, const CallResult &r);

// open(path, O_RDWR [| extra]) as a check.
UniqueFd open_checked(Tap &tap, const std::string &path, int extra_flags = 0);
// Closes fd on a bounded thread: close must return 0 within the bound.
bool close_checked(Tap &tap, UniqueFd &fd, const std::string &what);
// poll(POLLIN | POLLOUT | POLLPRI) on a node whose device is gone must
// return at once with POLLERR or POLLHUP.
bool expect_poll_gone(Tap &tap, int fd, const std::string &what);

// One device node of a platform device.
struct Node {
	std::string dev;	// "/dev/video0"
	std::string kobj;	// "video0"
	std::string name;	// sysfs name attribute ("vivid-000-vid-cap"), "" for media
	bool is_media() const { return kobj.rfind("media", 0) == 0; }
	bool is_subdev() const { return kobj.rfind("v4l-subdev", 0) == 0; }
	bool is_video() const { return kobj.rfind("video", 0) == 0; }
};

// The media, video4linux (video, vbi, radio, swradio, v4l-subdev, ...)
// nodes registered under /sys/bus/platform/devices/<pdev>.
std::vector<Node> platform_nodes(const std::string &pdev);
std::string nodes_str(const std::vector<Node> &nodes);
std::vector<std::string> kobj_names(const std::vector<Node> &nodes);
const Node *find_node(const std::vector<Node> &nodes, const std::string &name);
const Node *find_media(const std::vector<Node> &nodes);

// Loads module with args (unloading an already loaded copy first) and
// returns the one platform device bound to driver, "" on failure.
std::string load_driver(Tap &tap, const std::string &module, const std::string &args,
			const std::string &driver);
// A shell command run with a bound, its output captured.
struct CmdResult {
	bool finished = false;
	int status = -1;	// exit status
	long long ms = 0;
	std::string output;

	bool ok() const { return finished && status == 0; }
	// "exit status 1 after 66 ms: rmmod: can't unload module ..."
	std::string str() const;
};
CmdResult run_cmd(const std::string &cmd, Millis timeout);
// rmmod, bounded; the result (also a failure) is returned, not checked.
CmdResult rmmod(const std::string &module);
bool module_loaded(const std::string &module);

// Waits until the device has at least min_nodes nodes, all with their
// /dev entries; returns them.
std::vector<Node> wait_nodes(Tap &tap, const std::string &pdev, size_t min_nodes,
			     const std::string &what);
// Waits until the nodes left sysfs and /dev.
bool wait_nodes_gone(Tap &tap, const std::string &pdev, const std::vector<Node> &nodes,
		     const std::string &what);

// Writes dev to /sys/bus/platform/drivers/<driver>/{unbind,bind} on a
// bounded thread; checks it returned in time and succeeded.
bool unbind_checked(Tap &tap, const std::string &driver, const std::string &dev);
bool bind_checked(Tap &tap, const std::string &driver, const std::string &dev);
// The same as a call that the caller waits for itself.
void start_unbind(BoundedCall &call, const std::string &driver, const std::string &dev);

// The kobject name in a /dev/kmsg record of CONFIG_DEBUG_KOBJECT_RELEASE
// ("6,1234,5678,-;kobject: 'video0' (...): kobject_release, parent ...
// (delayed 250)"), nullopt for any other record.
std::optional<std::string> kobject_release_name(const std::string &record);

// Reads /dev/kmsg (a KmsgTail) for the "'name' (...): kobject_release, parent ...
// (delayed N)" lines of CONFIG_DEBUG_KOBJECT_RELEASE.
class ReleaseWatch {
public:
	// Opens /dev/kmsg at its end: only later releases are seen.
	bool open(std::string *err) { return kmsg_.open(err); }
	// open() as the check "/dev/kmsg opened".
	bool open_checked(Tap &tap);
	void forget() { seen_.clear(); }
	// Waits until a release of every name was logged, then until the
	// longest delay passed after the last one logged (longer while more
	// releases of these names show up, e.g. a cdev and then its device).
	// Returns the names whose release was not seen within timeout.
	std::vector<std::string> wait_released(const std::vector<std::string> &names,
					       Millis timeout);

private:
	void drain();

	KmsgTail kmsg_;
	std::map<std::string, long long> seen_;	// kobject name -> now_ms() when logged
};

// wait_released() with the outcome in diag lines: the driver's memory
// is freed after this (unless something still holds it).
void wait_driver_freed(Tap &tap, ReleaseWatch &watch, const std::vector<Node> &nodes);

// Threads that run ioctls in a loop on nodes until stopped.
class Hammer {
public:
	using Op = std::function<long()>;

	Hammer();
	~Hammer();
	// Op ops[i] runs on thread i % nthreads; each op owns its buffers.
	void add(const std::string &name, Op op);
	void start(int nthreads);
	// Stops the threads; false when one did not stop within timeout
	// (blocked in a syscall).
	bool stop(Millis timeout);
	// "QUERYCAP /dev/video0: 120 ok, ENODEV 3; ..."
	std::string summary() const;

private:
	struct Shared;
	std::shared_ptr<Shared> sh_;
	std::vector<std::thread> threads_;
};

} // namespace mct::torture

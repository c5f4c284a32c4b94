// SPDX-License-Identifier: GPL-2.0
// Small checked wrappers around the syscalls the scenarios use. Every
// result carries errno so a failure can be reported as "ioctl(VIDIOC_G_FMT)
// on /dev/video0: ENODEV".
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "mct/fd.hpp"

namespace mct {

using namespace std::chrono_literals;
using Millis = std::chrono::milliseconds;

// The outcome of one syscall: rc < 0 means it failed with errno err.
struct SysResult {
	long rc = 0;
	int err = 0;

	bool ok() const { return rc >= 0; }
	// "ok (rc=3)" or "ENODEV (No such device)".
	std::string str() const;
};

// Symbolic name of an errno value ("ENODEV"), or "E<n>" when unknown.
std::string errno_name(int err);

int errno_value();

// Runs f (returning long/int) and captures errno when it returns < 0.
template <class F> SysResult sys(F &&f)
{
	SysResult r;
	r.rc = static_cast<long>(f());
	r.err = r.rc < 0 ? errno_value() : 0;
	return r;
}

SysResult xioctl(int fd, unsigned long req, void *arg);
// open(2) of a device node; the SysResult says why it failed.
UniqueFd open_node(const std::string &path, int flags, SysResult *res = nullptr);

// Files (sysfs, debugfs, procfs).
bool write_file(const std::string &path, const std::string &text, std::string *err = nullptr);
std::optional<std::string> read_file(const std::string &path);
bool path_exists(const std::string &path);
std::vector<std::string> glob_paths(const std::string &pattern);

// Polls cond every 10 ms until it holds or timeout passes.
bool wait_until(const std::function<bool()> &cond, Millis timeout);

// Device nodes whose sysfs "name" attribute (or, for media nodes, the
// MEDIA_IOC_DEVICE_INFO driver name) matches: "/dev/video0", ...
std::vector<std::string> video_nodes_named(const std::string &name_prefix);
std::vector<std::string> media_nodes_of_driver(const std::string &driver);
std::vector<std::string> subdev_nodes_named(const std::string &name_prefix);

// Platform/USB driver binding through sysfs: /sys/bus/<bus>/drivers/<drv>.
bool unbind(const std::string &bus, const std::string &driver, const std::string &dev,
	    std::string *err = nullptr);
bool bind(const std::string &bus, const std::string &driver, const std::string &dev,
	  std::string *err = nullptr);
// Names of the devices currently bound to a driver.
std::vector<std::string> bound_devices(const std::string &bus, const std::string &driver);

// Loads/unloads a module with busybox modprobe/rmmod; returns the exit code.
int run_command(const std::string &cmd);
bool modprobe(const std::string &module_and_args);

// Runs fn on its own thread and waits at most timeout for it. Returns false
// when fn did not finish in time: the thread is left behind (a syscall that
// hangs in the kernel cannot be cancelled) and the caller reports a hang.
bool run_bounded(const std::function<void()> &fn, Millis timeout);

// Monotonic milliseconds since an arbitrary start.
long long now_ms();

} // namespace mct

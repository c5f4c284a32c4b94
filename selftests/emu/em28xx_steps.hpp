// SPDX-License-Identifier: GPL-2.0
// The steps the em28xx scenarios share: load the modules, plug the emulated
// board and wait for its nodes, unplug it and wait until it is gone, and
// bounded syscalls whose hang is reported as a failure instead of hanging
// the scenario.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "em28xx_device.hpp"
#include "em28xx_host.hpp"
#include "mct/fd.hpp"
#include "mct/sys.hpp"
#include "mct/tap.hpp"

namespace mct::emu {

constexpr Millis kSyscallBound = 10s;	// any syscall on a gone device
constexpr Millis kProbeBound = 90s;	// plug until the nodes exist (TCG)
constexpr Millis kGoneBound = 20s;	// unplug/unbind until sysfs is clean
constexpr Millis kUnplugBound = 5s;	// emulator threads stopping
// Longer than a DEBUG_KOBJECT_RELEASE delayed release: HZ + HZ * (0..3)
// jiffies, i.e. 1 to 4 s.
constexpr Millis kReleaseDelay = 5s;

// Tap::check() with the reason printed only when the check fails.
bool check(Tap &tap, bool cond, const std::string &name, const std::string &why = "");
// "tag: what", or what alone without a tag.
std::string prefixed(const std::string &tag, const std::string &what);
// load_em28xx_modules() as a check.
bool load_modules(Tap &tap);

// EM28174_BOARD_HAUPPAUGE_WINTV_DUALHD_DVB in em28xx.h: has_dual_ts, DVB
// only, no tuner, I2C bus 1 as its default bus.
constexpr int kDualHdCard = 99;
// EM2860_BOARD_SAA711X_REFERENCE_DESIGN in em28xx.h: a SAA711X decoder on
// I2C, no tuner.
constexpr int kSaa711xReferenceCard = 19;
// card= is indexed by the device slot the probe takes (dev->devno). The
// two devices of a plug take two slots; a disconnect or a failed probe
// that does not give them back makes the next probe take the following
// ones: every slot a scenario may see gets the board.
constexpr int kCardSlots = 8;
// dummy_hcd, raw_gadget, and em28xx with card=99 in every slot (no
// em28xx_v4l: the board has no analog part).
bool load_dual_ts_modules(Tap &tap);
// The emulated board as an EM28174 without an analog stream: what the
// dual-TS board answers.
Em28xxDeviceOptions dual_ts_options();
// The I2C adapters em28xx registered on the interface (their parent).
std::vector<std::string> i2c_adapters(const std::string &intf);
// The last path components of paths, joined by spaces; "none" for none.
std::string joined(const std::vector<std::string> &paths);
// Plugs dev and waits for em28xx to bind and register its nodes.
bool plug(Tap &tap, Em28xxDevice &dev, Em28xxNodes *n, const std::string &tag);
// Unplugs dev and waits until the USB device and its nodes left sysfs.
bool unplug(Tap &tap, Em28xxDevice &dev, const Em28xxNodes &n, const std::string &tag);
// open(path, O_RDWR) as a check.
UniqueFd open_checked(Tap &tap, const std::string &path, const std::string &tag);
// close() on its own thread: a close that hangs fails the check.
bool close_bounded(Tap &tap, UniqueFd &fd, const std::string &name);
// A sysfs write (unbind, bind) that must return within kGoneBound.
bool sysfs_write_bounded(Tap &tap, const std::string &path, const std::string &text);
// read(fd) of len bytes on its own thread, into a buffer the thread owns;
// nullopt when it did not return within bound.
std::optional<SysResult> bounded_read(int fd, size_t len, Millis bound);

// REQBUFS (4 MMAP buffers) + mmap + QBUF of every buffer + STREAMON on a
// video capture node; maps gets the mappings.
bool start_streaming(Tap &tap, int fd, std::vector<Mapping> *maps);

// ioctl(fd, req, arg) on its own thread; nullopt when it did not return
// within bound (the thread is left behind, arg stays alive with it).
template <class T>
std::optional<SysResult> bounded_ioctl(int fd, unsigned long req, const T &arg, Millis bound)
{
	struct Call {
		T arg;
		SysResult r;
	};
	auto c = std::make_shared<Call>(Call{ arg, {} });

	if (!run_bounded([c, fd, req] { c->r = xioctl(fd, req, &c->arg); }, bound))
		return std::nullopt;
	return c->r;
}

// bounded_ioctl() that gives back what the kernel wrote to *arg; *arg is
// left alone when the call did not return within bound.
template <class T>
std::optional<SysResult> bounded_ioctl_io(int fd, unsigned long req, T *arg, Millis bound)
{
	struct Call {
		T arg;
		SysResult r;
	};
	auto c = std::make_shared<Call>(Call{ *arg, {} });

	if (!run_bounded([c, fd, req] { c->r = xioctl(fd, req, &c->arg); }, bound))
		return std::nullopt;
	*arg = c->arg;
	return c->r;
}

template <class T>
bool expect_ok(Tap &tap, const std::string &name, int fd, unsigned long req, T arg = {})
{
	auto r = bounded_ioctl(fd, req, arg, kSyscallBound);

	if (!check(tap, r.has_value(), name + " returns in time", "hung > 10 s"))
		return false;
	return check(tap, r->ok(), name + " succeeds", r->str());
}

// A syscall on a gone device: must fail, and within the bound.
template <class T>
bool expect_gone_error(Tap &tap, const std::string &name, int fd, unsigned long req, T arg = {})
{
	auto r = bounded_ioctl(fd, req, arg, kSyscallBound);

	if (!check(tap, r.has_value(), name + " on the gone device returns in time",
		       "hung > " + std::to_string(kSyscallBound.count()) + " ms"))
		return false;
	tap.diag(name + " on the gone device: " + r->str());
	return check(tap, !r->ok(), name + " on the gone device fails",
			 "succeeded: " + r->str());
}

} // namespace mct::emu

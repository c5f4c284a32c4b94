// SPDX-License-Identifier: GPL-2.0
// Fault injection into the probe of em28xx and into the init of its v4l
// extension: failslab with fail-nth on the thread that makes the call that
// runs them (mct/faultinject.hpp). fail-nth is per task and not inherited,
// so the call is the syscall itself, made on that thread (a modprobe would
// load the module in a child, out of reach of the count):
//
// fi-em28xx-probe: the emulated board is plugged and its interface
//   unbound from em28xx; then, for N = 1, 2, ..., the N-th slab allocation
//   of a write to em28xx's bind file fails. The USB core probes the
//   interface on the writing thread (em28xx_usb_probe()). The extension
//   inits run later, from the probe's request_module work, out of reach of
//   the fault: a board that got bound is given the time to register its
//   nodes, then unbound again.
//
// fi-em28xx-dual-ts-probe: the same, with the board posing as a
//   WinTV-dualHD (card=99), whose probe also initializes a second em28xx
//   device for its second transport stream (dev->dev_next), and whose
//   error path must undo the first one when the second fails.
//
// fi-em28xx-v4l-init: the board stays bound to em28xx and em28xx_v4l is
//   removed; then, for N = 1, 2, ..., the N-th slab allocation of a
//   finit_module() of em28xx-v4l.ko fails. The module init registers the
//   extension, and em28xx_register_extension() runs em28xx_v4l2_init() for
//   the bound board right there, on the loading thread: the faults reach
//   the module loader first (the load fails), then the error paths of the
//   v4l init (the module stays, without nodes: the init's result is not
//   the module's). A module that got loaded is removed again.
//
// Both sweeps end at the first N that the call no longer reaches; then the
// board is unplugged and em28xx_v4l and em28xx removed, with the releases
// of the failed probes pending or deferred (DEBUG_KOBJECT_RELEASE). Every
// report fails the scenario through mct-verdict; the scenario also counts
// them from /dev/kmsg, with the N they follow.
#include <cerrno>
#include <fcntl.h>
#include <linux/module.h>
#include <memory>
#include <optional>
#include <string>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "em28xx_device.hpp"
#include "em28xx_host.hpp"
#include "em28xx_steps.hpp"
#include "mct/faultinject.hpp"
#include "mct/scenario.hpp"
#include "mct/sys.hpp"

// Older uapi headers (before v5.17) lack it; the kernel under test has it.
#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE 4
#endif

using namespace mct;
using namespace mct::emu;

namespace {

const std::string kDriver = "/sys/bus/usb/drivers/em28xx/";
constexpr const char *kV4lModule = "em28xx_v4l";

// A bind with its probe, a module load with the v4l init, an unbind or a
// module removal that takes longer is a hang (TCG + KASAN).
constexpr Millis kCallBound = 60s;

std::string ms_str(Millis m)
{
	return std::to_string(m.count()) + " ms";
}

bool module_loaded(const std::string &module)
{
	return path_exists("/sys/module/" + module + "/initstate");
}

// delete_module() of a module on its own thread, bounded: "" when it went,
// else why not. The syscall, not busybox rmmod: no fork and exec per N.
std::string remove_module(const std::string &module)
{
	auto r = std::make_shared<SysResult>();

	if (!run_bounded([r, module] {
		    *r = sys([&] { return ::syscall(SYS_delete_module, module.c_str(), O_NONBLOCK); });
	    }, kCallBound))
		return "rmmod " + module + ": hung > " + ms_str(kCallBound);
	return r->ok() ? "" : "rmmod " + module + ": " + r->str();
}

// A sysfs write on its own thread, bounded: "" when it succeeded, else why
// not.
std::string write_bounded(const std::string &path, const std::string &text)
{
	auto err = std::make_shared<std::string>();
	auto ok = std::make_shared<bool>(false);

	if (!run_bounded([=] { *ok = write_file(path, text, err.get()); }, kCallBound))
		return "write " + text + " > " + path + ": hung > " + ms_str(kCallBound);
	return *ok ? "" : *err;
}

// Both capture nodes of the board are registered (in sysfs).
bool has_capture_nodes(const Em28xxNodes &b)
{
	return !b.video.empty() && !b.vbi.empty();
}

// The end of both sweeps: the board goes, then the modules, with the
// releases of every failed probe pending or deferred; then they must all
// have run.
void end_sweep(Tap &tap, Em28xxDevice &dev, const Em28xxNodes &board, KmsgTail &kmsg,
	       Sweep &s, const std::string &what, const std::string &calls,
	       const std::string &returned)
{
	unplug(tap, dev, board, "after the sweep");
	for (const char *m : { kV4lModule, "em28xx" }) {
		if (!module_loaded(m))
			continue;
		std::string err = remove_module(m);
		check(tap, err.empty(), std::string("rmmod ") + m + " after the sweep", err);
	}
	std::this_thread::sleep_for(2 * kReleaseDelay);
	s.count_reports(tap, kmsg, "after the sweep");
	tap.diag(what + ": " + s.str(calls));
	s.check_end(tap, returned);
}

// What a bound board has registered once its probe and extension inits
// ran: the Live2 its video, VBI and media nodes, the dual-TS board (no
// analog part, em28xx_dvb not loaded) its media node.
using Ready = bool (*)(const Em28xxNodes &b);

bool live2_ready(const Em28xxNodes &b)
{
	return b.complete() && path_exists(b.video) && path_exists(b.vbi) && path_exists(b.media);
}

bool dual_ts_ready(const Em28xxNodes &b)
{
	return b.driver == "em28xx" && !b.media.empty() && path_exists(b.media);
}

// Binds the board's interface with a fault at allocation n of the bind.
// A board that got bound is given the time to register its nodes (the
// extension inits run from the probe's work, after the bind returned),
// then unbound again; the next bind starts from an unbound interface
// without nodes and without the I2C adapters of em28xx, which a failed
// probe must have unregistered too. Returns why the sweep must stop, ""
// to go on.
std::string bind_fault(Tap &tap, const std::string &intf, Ready ready, long n, Sweep &s,
		       bool *reached)
{
	const std::string tag = "N=" + std::to_string(n) + ": ";
	FaultCall r = call_with_fault(
		kDriver + "bind", O_WRONLY, n,
		[intf](int fd) { return long(::write(fd, intf.data(), intf.size())); },
		kCallBound);
	if (!r.finished)
		return tag + "bind " + intf + ": " + r.str();
	*reached = r.reached();
	Em28xxNodes b = find_em28xx();
	bool bound = b.driver == "em28xx";
	bool nodes = false;
	if (bound) {
		long long t0 = now_ms();

		nodes = wait_until(
			[&] {
				b = find_em28xx();
				return b.driver != "em28xx" || ready(b);
			},
			kProbeBound);
		nodes = nodes && b.driver == "em28xx";
		if (!nodes)
			tap.diag(tag + "bound, but no nodes after " + ms_str(Millis(now_ms() - t0)) +
				 ": " + b.str());
	}
	if (*reached)
		s.injected_fault(!bound);
	else if (!bound)
		return tag + "not bound without a fault: bind " + r.str();
	else if (!nodes)
		return tag + "bound without a fault, but the nodes did not come: " + b.str();
	if (b.driver == "em28xx") {
		std::string err = write_bounded(kDriver + "unbind", intf);
		if (!err.empty())
			return tag + err;
	}
	// Also when the probe failed: its nodes must have gone with it.
	std::string left;
	if (!wait_em28xx_unbound(b, kGoneBound, &left))
		return tag + "still there " + ms_str(kGoneBound) + " after the " +
		       (bound ? "unbind" : "failed probe") + ":" + left;
	auto adapters = i2c_adapters(intf);
	if (!adapters.empty())
		return tag + "I2C adapters left on " + intf + " after the " +
		       (bound ? "unbind" : "failed probe") + ": " + joined(adapters);
	return "";
}

// The sweep of both boards: plugged (its modules loaded), its interface
// unbound, then bound with a fault at each allocation of the bind.
void sweep_bind(Tap &tap, Em28xxDevice &dev, const Em28xxNodes &n, Ready ready,
		const std::string &what)
{
	if (!sysfs_write_bounded(tap, kDriver + "unbind", n.intf))
		return;
	std::string left;
	if (!check(tap, wait_em28xx_unbound(n, kGoneBound, &left),
		   "em28xx unbound and its nodes left sysfs", "still there:" + left))
		return;
	KmsgTail kmsg;
	std::string err;
	if (!check(tap, kmsg.open(&err), "/dev/kmsg opened", err))
		return;

	Sweep s;
	QuietConsole quiet;
	s.run(tap, kmsg, [&](long nth, bool *reached) {
		return bind_fault(tap, n.intf, ready, nth, s, reached);
	});
	end_sweep(tap, dev, n, kmsg, s, what + " " + n.intf, "binds",
		  "every bind returned, every bound board unbound");
}

} // namespace

MCT_SCENARIO(fi_em28xx_probe, "fi-em28xx-probe",
	     "failslab fail-nth sweep over the bind and probe of em28xx, unbind after each "
	     "bind, rmmod at the end")
{
	Em28xxDevice dev;
	Em28xxNodes n;

	if (!setup_failslab(tap) || !load_modules(tap) || !plug(tap, dev, &n, ""))
		return;
	sweep_bind(tap, dev, n, live2_ready, "em28xx");
}

MCT_SCENARIO(fi_em28xx_dual_ts_probe, "fi-em28xx-dual-ts-probe",
	     "failslab fail-nth sweep over the bind and probe of a dual-TS em28xx board "
	     "(WinTV-dualHD, card=99), unbind after each bind, rmmod at the end")
{
	Em28xxDevice dev(dual_ts_options());
	Em28xxNodes n;
	std::string err;

	if (!setup_failslab(tap) || !load_dual_ts_modules(tap))
		return;
	if (!check(tap, dev.plug(&err), "emulated board plugged as an EM28174", err))
		return;
	// The media device is registered at the very end of the probe, after
	// the second TS device was made.
	bool bound = wait_until(
		[&] {
			n = find_em28xx();
			return dual_ts_ready(n);
		},
		kProbeBound);
	if (!check(tap, bound, "em28xx bound and registered its media device", n.str()))
		return;
	sweep_bind(tap, dev, n, dual_ts_ready, "em28xx dual-TS");
}

namespace {

// The em28xx-v4l.ko that modprobe em28xx_v4l loads, as modules_install put
// it under /lib/modules/<release> (mkinitramfs.sh copies that tree to the
// guest) and the flags finit_module() needs for it.
struct ModuleFile {
	std::string path;
	int flags = 0;
};

// Through modules.dep, else at its place in the tree's layout. A kernel
// built with CONFIG_MODULE_COMPRESS_* installs it compressed: then
// MODULE_INIT_COMPRESSED_FILE, which the kernel refuses (EOPNOTSUPP)
// without CONFIG_MODULE_DECOMPRESS. The test kernels install their modules
// uncompressed (no CONFIG_MODULE_COMPRESS_* in config-fragments/).
std::optional<ModuleFile> find_v4l_module(std::string *why)
{
	struct utsname u {};

	if (::uname(&u) != 0) {
		*why = "uname: " + errno_name(errno_value());
		return std::nullopt;
	}
	const std::string dir = std::string("/lib/modules/") + u.release + "/";
	std::vector<std::string> found;
	auto dep = read_file(dir + "modules.dep");
	for (size_t pos = 0; dep && pos < dep->size();) {
		size_t eol = dep->find('\n', pos);
		std::string line = dep->substr(pos, eol == std::string::npos ? eol : eol - pos);
		std::string file = line.substr(0, line.find(':'));
		std::string base = file.substr(file.rfind('/') + 1);

		pos = eol == std::string::npos ? dep->size() : eol + 1;
		if (base.rfind("em28xx-v4l.ko", 0) == 0)
			found.push_back(file[0] == '/' ? file : dir + file);
	}
	if (found.empty())
		found = glob_paths(dir + "kernel/drivers/media/usb/em28xx/em28xx-v4l.ko*");
	for (const auto &path : found) {
		std::string ext = path.substr(path.rfind(".ko") + 3);

		if (!path_exists(path))
			continue;
		if (ext.empty())
			return ModuleFile{ path, 0 };
		if (ext == ".gz" || ext == ".xz" || ext == ".zst")
			return ModuleFile{ path, MODULE_INIT_COMPRESSED_FILE };
	}
	*why = "no em28xx-v4l.ko[.gz|.xz|.zst] in " + dir + "modules.dep" +
	       (dep ? "" : " (missing)") + " nor in " + dir + "kernel/drivers/media/usb/em28xx/";
	return std::nullopt;
}

long finit_module(int fd, int flags)
{
	return ::syscall(SYS_finit_module, fd, "", flags);
}

// Until the capture nodes of the board left sysfs; false with what is left.
bool wait_capture_nodes_gone(Em28xxNodes *b)
{
	return wait_until(
		[&] {
			*b = find_em28xx();
			return b->video.empty() && b->vbi.empty();
		},
		kGoneBound);
}

// Loads em28xx_v4l with a fault at allocation n of the finit_module():
// the v4l init of the bound board runs in the module init, on the loading
// thread. A module that got loaded, with or without the nodes, is removed
// again; the board must be left bound to em28xx, without capture nodes.
// Returns why the sweep must stop, "" to go on.
std::string load_fault(const ModuleFile &m, long n, Sweep &s, bool *reached)
{
	const std::string tag = "N=" + std::to_string(n) + ": ";
	const int flags = m.flags;
	FaultCall r = call_with_fault(
		m.path, O_RDONLY, n, [flags](int fd) { return finit_module(fd, flags); },
		kCallBound);
	if (!r.finished)
		return tag + "finit_module " + m.path + ": " + r.str();
	*reached = r.reached();
	bool loaded = module_loaded(kV4lModule);
	// The init registers the nodes before finit_module() returns.
	Em28xxNodes b = find_em28xx();
	bool nodes = has_capture_nodes(b);
	if (*reached)
		s.injected_fault(!nodes);
	else if (!loaded || !nodes)
		return tag + "without a fault: finit_module " + r.str() + ", " + kV4lModule +
		       (loaded ? " loaded" : " not loaded") + ", " + b.str();
	if (loaded) {
		std::string err = remove_module(kV4lModule);
		if (!err.empty())
			return tag + err;
	}
	if (!wait_capture_nodes_gone(&b))
		return tag + "capture nodes left " + ms_str(kGoneBound) + " after " +
		       (loaded ? "rmmod " + std::string(kV4lModule) : "the failed load") + ": " +
		       b.str();
	if (b.driver != "em28xx")
		return tag + "the board is no longer bound to em28xx: " + b.str();
	return "";
}

// em28xx_v4l loaded on this thread without a fault, then removed again:
// the file and its flags work, and the nodes come and go with the module.
bool load_without_fault(Tap &tap, const ModuleFile &m)
{
	auto r = std::make_shared<SysResult>();
	std::string path = m.path;
	int flags = m.flags;
	bool done = run_bounded(
		[r, path, flags] {
			UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));

			*r = fd ? sys([&] { return finit_module(fd.get(), flags); })
				: SysResult{ -1, errno_value() };
		},
		kCallBound);
	std::string why = done ? r->str() : "hung > " + ms_str(kCallBound);
	if (done && !r->ok() && r->err == EOPNOTSUPP && flags)
		why += ": " + m.path + " is compressed and the kernel cannot decompress modules "
		       "(no CONFIG_MODULE_DECOMPRESS); modprobe would decompress it in a child, "
		       "out of reach of this thread's fail-nth: install the modules uncompressed";
	if (!check(tap, done && r->ok(), "finit_module " + m.path + " on this thread", why))
		return false;
	Em28xxNodes b;
	bool up = wait_em28xx_nodes(&b, kProbeBound);
	if (!check(tap, up, "em28xx_v4l registered the capture nodes of the bound board",
		   b.str()))
		return false;
	std::string err = remove_module(kV4lModule);
	if (!check(tap, err.empty(), "rmmod em28xx_v4l after it", err))
		return false;
	return check(tap, wait_capture_nodes_gone(&b), "its capture nodes left sysfs",
		     "still there after " + ms_str(kGoneBound) + ": " + b.str());
}

} // namespace

MCT_SCENARIO(fi_em28xx_v4l_init, "fi-em28xx-v4l-init",
	     "failslab fail-nth sweep over the load and v4l init of em28xx_v4l (board bound), "
	     "rmmod after each load")
{
	Em28xxDevice dev;
	Em28xxNodes n;

	if (!setup_failslab(tap) || !load_modules(tap) || !plug(tap, dev, &n, ""))
		return;
	std::string err = remove_module(kV4lModule);
	if (!check(tap, err.empty(), "rmmod em28xx_v4l, the board stays bound to em28xx", err))
		return;
	Em28xxNodes b;
	if (!check(tap, wait_capture_nodes_gone(&b) && b.driver == "em28xx",
		   "the capture nodes left sysfs, the board is still bound", b.str()))
		return;
	auto m = find_v4l_module(&err);
	if (!check(tap, m.has_value(), "em28xx-v4l.ko found", err))
		return;
	tap.diag("module file " + m->path + (m->flags ? " (compressed)" : ""));
	if (!load_without_fault(tap, *m))
		return;
	KmsgTail kmsg;
	if (!check(tap, kmsg.open(&err), "/dev/kmsg opened", err))
		return;

	Sweep s;
	QuietConsole quiet;
	s.run(tap, kmsg, [&](long nth, bool *reached) { return load_fault(*m, nth, s, reached); });
	end_sweep(tap, dev, n, kmsg, s, "em28xx_v4l " + n.intf, "loads",
		  "every module load returned, every loaded em28xx_v4l removed");
}

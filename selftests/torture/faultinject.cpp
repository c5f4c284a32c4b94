// SPDX-License-Identifier: GPL-2.0
// Fault injection into the probe of the test drivers: failslab with
// fail-nth on the binding thread (mct/faultinject.hpp). The driver is
// loaded and its device unbound; then, for N = 1, 2, ..., the N-th slab
// allocation of a write to the driver's bind file fails. The probe runs on
// the writing thread, so fail-nth is the task filter. A device that got
// bound all the same is unbound again. The sweep ends at the first N that
// the bind never reaches; then the module is removed, with the releases of
// the failed probes pending or deferred (DEBUG_KOBJECT_RELEASE). Every
// report (KASAN, WARN, BUG, ...) fails the scenario through mct-verdict;
// the scenario also counts them from /dev/kmsg, with the N they follow.
#include <fcntl.h>
#include <unistd.h>

#include "mct/faultinject.hpp"
#include "mct/scenario.hpp"
#include "util.hpp"

using namespace mct;
using namespace mct::torture;

namespace {

// A bind, with its probe, that takes longer is a hang.
constexpr Millis kModuleCallBound = 60s;

// Binds the device with a fault at allocation n of the bind: the probe
// runs on the writing thread. Unbinds it again when it got bound. Returns
// why the sweep must stop (a hang, a failed unbind), "" to go on.
std::string one_fault(const std::string &driver, const std::string &dev, long n, Sweep &s,
		      bool *reached)
{
	const std::string tag = "N=" + std::to_string(n) + ": ";
	FaultCall r = call_with_fault(
		"/sys/bus/platform/drivers/" + driver + "/bind", O_WRONLY, n,
		[dev](int fd) { return long(::write(fd, dev.data(), dev.size())); },
		kModuleCallBound);
	if (!r.finished)
		return tag + "bind " + dev + ": " + r.str();
	*reached = r.reached();
	bool bound = !bound_devices("platform", driver).empty();
	if (*reached)
		s.injected_fault(!bound);
	else if (!bound)
		return tag + "not bound without a fault: bind " + r.str();
	if (bound) {
		std::string err;
		CallResult u = bounded([&] {
			return unbind("platform", driver, dev, &err) ? 0L : -1L;
		}, kUnbindBound);
		if (!u.finished || !u.res.ok())
			return tag + "unbind " + dev + ": " + u.str() + " " + err;
	}
	return "";
}

void sweep_probe(Tap &tap, const std::string &module, const std::string &args,
		 const std::string &driver)
{
	if (!setup_failslab(tap))
		return;
	std::string dev = load_driver(tap, module, args, driver);
	if (dev.empty())
		return;
	if (!unbind_checked(tap, driver, dev))
		return;
	KmsgTail kmsg;
	std::string err;
	if (!check(tap, kmsg.open(&err), "/dev/kmsg opened", err))
		return;

	Sweep s;
	QuietConsole quiet;
	s.run(tap, kmsg, [&](long n, bool *reached) {
		return one_fault(driver, dev, n, s, reached);
	});
	// The module goes with the releases of every failed probe pending or
	// deferred (DEBUG_KOBJECT_RELEASE); then they must all have run.
	CmdResult rm = rmmod(module);
	check(tap, rm.ok(), "rmmod " + module + " after the sweep", rm.str());
	std::this_thread::sleep_for(2 * kReleaseDelay);
	s.count_reports(tap, kmsg, "after the sweep");
	tap.diag(module + " " + args + ": " + s.str("binds"));
	s.check_end(tap, "every bind returned, every bound device unbound");
}

} // namespace

MCT_SCENARIO(fi_vimc_probe, "fi-vimc-probe",
	     "failslab fail-nth sweep over the bind and probe of vimc, unbind after each "
	     "bind, rmmod at the end")
{
	sweep_probe(tap, "vimc", "", "vimc");
}

MCT_SCENARIO(fi_vim2m_probe, "fi-vim2m-probe",
	     "failslab fail-nth sweep over the bind and probe of vim2m, unbind after each "
	     "bind, rmmod at the end")
{
	sweep_probe(tap, "vim2m", "", "vim2m");
}

MCT_SCENARIO(fi_vivid_probe, "fi-vivid-probe",
	     "failslab fail-nth sweep over the bind and probe of vivid (video capture "
	     "and media nodes), unbind after each bind, rmmod at the end")
{
	sweep_probe(tap, "vivid", "node_types=0x1", "vivid");
}

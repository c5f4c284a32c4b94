// SPDX-License-Identifier: GPL-2.0
// Fault injection into the probe of the test drivers: failslab with
// fail-nth on the binding thread. The driver is loaded and its device
// unbound; then, for N = 1, 2, ..., the N-th slab allocation of a write
// to the driver's bind file fails. The probe runs on the writing thread,
// so fail-nth is the task filter. A device that got bound all the same is
// unbound again. The sweep ends at the first N that the bind never
// reaches; then the module is removed, with the releases of the failed
// probes pending or deferred (DEBUG_KOBJECT_RELEASE). Every report (KASAN,
// WARN, BUG, ...) fails the scenario through mct-verdict; the scenario also
// counts them from /dev/kmsg, with the N they follow.
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mct/scenario.hpp"
#include "util.hpp"

using namespace mct;
using namespace mct::torture;

namespace {

constexpr const char *kFailSlab = "/sys/kernel/debug/failslab/";

// A bind, with its probe, that takes longer is a hang.
constexpr Millis kModuleCallBound = 60s;

// A sweep that goes on past this many faults has stopped converging
// (every N reached: a retry loop in the probe?).
constexpr int kMaxFaults = 20000;

// The console log level, lowered for the sweep: every bind and unbind
// logs hundreds of kobject_release lines (DEBUG_KOBJECT_RELEASE, KERN_INFO)
// that would cost more than the bind under TCG. Reports (KERN_ERR, and
// KERN_WARNING for WARN and lockdep) still reach the console.
class QuietConsole {
public:
	QuietConsole()
	{
		auto v = read_file(kPrintk);
		if (v) {
			saved_ = v->substr(0, v->find_first_of(" \t\n"));
			write_file(kPrintk, "5");
		}
	}
	~QuietConsole()
	{
		if (!saved_.empty())
			write_file(kPrintk, saved_);
	}
	QuietConsole(const QuietConsole &) = delete;
	QuietConsole &operator=(const QuietConsole &) = delete;

private:
	static constexpr const char *kPrintk = "/proc/sys/kernel/printk";
	std::string saved_;
};

bool setup_failslab(Tap &tap)
{
	// GFP_KERNEL allocations are what a probe makes: failslab skips
	// them by default. No stack trace per fault: it would flood the
	// serial console.
	const std::pair<const char *, const char *> knobs[] = {
		{"ignore-gfp-wait", "N"}, {"verbose", "0"},
		{"probability", "0"}, {"times", "-1"},
	};
	for (auto &[knob, value] : knobs) {
		std::string err;
		if (!check(tap, write_file(std::string(kFailSlab) + knob, value, &err),
			   std::string("failslab/") + knob + " = " + value, err))
			return false;
	}
	return true;
}

// The report titles in kmsg records: the first line of each report that
// mct-verdict judges in the console log, so that the sweep can say which
// N a report follows.
std::vector<std::string> report_titles(KmsgTail &kmsg)
{
	std::vector<std::string> out;

	kmsg.drain([&](const std::string &record) {
		size_t msg = record.find(';');
		if (msg == std::string::npos)
			return;
		std::string text = record.substr(msg + 1);
		text = text.substr(0, text.find('\n'));
		for (const char *title : {"BUG:", "WARNING:", "Oops", "kernel BUG",
					  "general protection", "list_del corruption",
					  "list_add corruption", "UBSAN:", "INFO: task"})
			if (text.rfind(title, 0) == 0 ||
			    text.find(std::string(" ") + title) != std::string::npos) {
				out.push_back(text.substr(0, 100));
				return;
			}
	});
	return out;
}

bool set_fail_nth(long n)
{
	return write_file("/proc/thread-self/fail-nth", std::to_string(n));
}

// What is left of the fail-nth count: 0 once the fault was injected.
long fail_nth_left()
{
	auto v = read_file("/proc/thread-self/fail-nth");
	return v ? std::stol(*v) : -1;
}

struct Sweep {
	int injected = 0;	// faults injected (error paths reached)
	int probe_failed = 0;	// of those, the device was left unbound
	int tolerated = 0;	// bound all the same
	int reports = 0;
	int last_n = 0;
};

// Binds the device with a fault at allocation n of the bind: the probe
// runs on the writing thread. Unbinds it again when it got bound. Returns
// why the sweep must stop (a hang, a failed unbind), "" to go on; one
// TAP line per bind would flood the console.
std::string one_fault(const std::string &driver, const std::string &dev, long n, Sweep &s,
		      bool *reached)
{
	const std::string tag = "N=" + std::to_string(n) + ": ";
	auto left = std::make_shared<long>(-1);
	std::string path = "/sys/bus/platform/drivers/" + driver + "/bind";
	BoundedCall bind;
	bind.start([left, path, dev, n]() -> long {
		// Opened before fail-nth is set: the faults fall in the write.
		int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return -1;
		long rc = -1;
		if (set_fail_nth(n)) {
			rc = ::write(fd, dev.data(), dev.size());
			*left = fail_nth_left();
			set_fail_nth(0);
		}
		::close(fd);
		return rc;
	});
	CallResult r = bind.wait(kModuleCallBound);
	if (!r.finished)
		return tag + "bind " + dev + ": " + r.str();
	*reached = *left == 0;
	bool bound = !bound_devices("platform", driver).empty();
	if (*reached) {
		s.injected++;
		if (bound)
			s.tolerated++;
		else
			s.probe_failed++;
	} else if (!bound) {
		return tag + "not bound without a fault: bind " + r.str();
	}
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
	if (!check(tap, path_exists("/proc/thread-self/fail-nth"),
		   "the kernel has fail-nth (CONFIG_FAULT_INJECTION)") ||
	    !check(tap, path_exists(kFailSlab), "the kernel has failslab (CONFIG_FAILSLAB, "
		   "CONFIG_FAULT_INJECTION_DEBUG_FS)") ||
	    !setup_failslab(tap))
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
	long long t0 = now_ms();
	bool done = false;
	std::string stop;
	QuietConsole quiet;
	for (long n = 1; n <= kMaxFaults; n++) {
		bool reached = false;
		stop = one_fault(driver, dev, n, s, &reached);
		if (!stop.empty())
			break;
		for (const auto &rep : report_titles(kmsg)) {
			s.reports++;
			tap.diag("N=" + std::to_string(n) + ": report: " + rep);
		}
		s.last_n = n;
		if (!reached) {
			done = true;
			break;
		}
	}
	// The module goes with the releases of every failed probe pending or
	// deferred (DEBUG_KOBJECT_RELEASE); then they must all have run.
	CmdResult rm = rmmod(module);
	check(tap, rm.ok(), "rmmod " + module + " after the sweep", rm.str());
	std::this_thread::sleep_for(2 * kReleaseDelay);
	for (const auto &rep : report_titles(kmsg)) {
		s.reports++;
		tap.diag("after the sweep: report: " + rep);
	}
	tap.diag(module + " " + args + ": " + std::to_string(s.last_n) + " binds, " +
		 std::to_string(s.injected) + " faults injected (error paths reached): probe failed " +
		 std::to_string(s.probe_failed) + ", tolerated " + std::to_string(s.tolerated) +
		 "; " + std::to_string(s.reports) + " reports; " + ms_str(Millis(now_ms() - t0)));
	check(tap, stop.empty(), "every bind returned, every bound device unbound", stop);
	check(tap, done, "the sweep reached the end of the probe's allocations",
	      "stopped at N=" + std::to_string(s.last_n + 1));
	check(tap, s.probe_failed > 0, "faults made the probe fail");
	check(tap, s.reports == 0, "no report in the sweep",
	      std::to_string(s.reports) + " reports");
}

} // namespace

MCT_SCENARIO(fi_vimc_probe, "fi-vimc-probe",
	     "failslab fail-nth sweep over the load and probe of vimc, rmmod after each")
{
	sweep_probe(tap, "vimc", "", "vimc");
}

MCT_SCENARIO(fi_vim2m_probe, "fi-vim2m-probe",
	     "failslab fail-nth sweep over the load and probe of vim2m, rmmod after each")
{
	sweep_probe(tap, "vim2m", "", "vim2m");
}

MCT_SCENARIO(fi_vivid_probe, "fi-vivid-probe",
	     "failslab fail-nth sweep over the load and probe of vivid (video capture "
	     "and media nodes), rmmod after each")
{
	sweep_probe(tap, "vivid", "node_types=0x1", "vivid");
}

// SPDX-License-Identifier: GPL-2.0
// Fault-injection sweeps over the error paths of a probe: failslab with
// fail-nth on the thread that makes the call that runs the probe (a write
// to a driver's bind file, a finit_module()). For N = 1, 2, ..., the N-th
// slab allocation of the call fails; the sweep ends at the first N that
// the call no longer reaches. fail-nth is per task and not inherited by
// children: the call must be the syscall itself, made on the thread whose
// count is set (not a modprobe run for it). Reports (KASAN, WARN, BUG,
// ...) fail the scenario through mct-verdict; the sweep also counts them
// from /dev/kmsg, with the N they follow.
//
// Used by the sweeps of mct-torture (vimc, vim2m, vivid) and mct-em28xx.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "mct/kmsg.hpp"
#include "mct/sys.hpp"
#include "mct/tap.hpp"

namespace mct {

constexpr const char *kFailSlab = "/sys/kernel/debug/failslab/";

// A sweep that goes on past this many faults has stopped converging
// (every N reached: a retry loop in the probe?).
constexpr int kMaxFaults = 20000;

// The console log level, lowered for the sweep: every bind and unbind
// logs hundreds of kobject_release lines (DEBUG_KOBJECT_RELEASE, KERN_INFO)
// that would cost more than the bind under TCG. Reports (KERN_ERR, and
// KERN_WARNING for WARN and lockdep) still reach the console.
class QuietConsole {
public:
	QuietConsole();
	~QuietConsole();
	QuietConsole(const QuietConsole &) = delete;
	QuietConsole &operator=(const QuietConsole &) = delete;

private:
	std::string saved_;
};

// Checks that the kernel has fail-nth and failslab, and sets failslab up
// for fail-nth alone (no random faults, no stack trace per fault).
bool setup_failslab(Tap &tap);

// fail-nth of the calling thread.
bool set_fail_nth(long n);
// What is left of the fail-nth count: 0 once the fault was injected.
long fail_nth_left();

// The outcome of a call made with a fault at allocation n.
struct FaultCall {
	bool finished = false;	// false: still blocked when the bound passed
	SysResult res;		// of the call, or of what kept it from being made
	long left = -1;		// fail-nth after the call
	long long ms = 0;	// how long it took (or waited so far)

	// The fault was injected: the call reached allocation n.
	bool reached() const { return finished && left == 0; }
	// "ENOMEM (Cannot allocate memory) after 3 ms" or "still blocked
	// after 60000 ms"
	std::string str() const;
};

// On a thread of its own: opens path (O_CLOEXEC | open_flags), sets
// fail-nth to n, makes call(fd), reads what is left of the count and sets
// it back to 0. The file is opened before the count is set, so that the
// faults fall in the call. Bounded: on a timeout the thread is left behind
// (a syscall blocked in the kernel cannot be cancelled), with everything
// it uses.
FaultCall call_with_fault(const std::string &path, int open_flags, long n,
			  std::function<long(int fd)> call, Millis bound);

// The report titles in kmsg records: the first line of each report that
// mct-verdict judges in the console log, so that the sweep can say which
// N a report follows.
std::vector<std::string> report_titles(KmsgTail &kmsg);

// The counters of a sweep and its end.
struct Sweep {
	int injected = 0;	// faults injected (error paths reached)
	int probe_failed = 0;	// of those, the probe failed
	int tolerated = 0;	// the probe succeeded all the same
	int reports = 0;
	int last_n = 0;		// the last N tried
	int tried = 0;		// calls made
	long stop_n = 0;	// the N of the last call made
	bool done = false;	// the call no longer reached last_n
	std::string stop;	// why the sweep stopped before its end
	long long t0 = now_ms();
	// The allocations tried: from, from + step, ... An em28xx bind takes
	// seconds under TCG (the probe, the disconnect that undoes it), and
	// its probe hundreds of allocations: a stride makes a quick sweep of
	// it. Set by the environment (MCT_FI_FROM, MCT_FI_STEP: a scenario's
	// default, in its command in the list), then by the guest's kernel
	// command line (mct.fi_from=N, mct.fi_step=K; run-suite.sh passes
	// MCT_GUEST_APPEND); a sweep with a step says so in its TAP output.
	long from = 1;
	long step = 1;
	long to = kMaxFaults;	// mct.fi_to: the last N to try

	bool partial() const { return from != 1 || step != 1 || to != kMaxFaults; }

	// from and step of the kernel command line (cmdline: its text), those
	// it names; run() calls it with /proc/cmdline.
	void configure(const std::string &cmdline);

	// Counts a fault that was injected.
	void injected_fault(bool probe_failed);
	// Counts the reports logged since the last call, each in a diag line
	// "when: report: title".
	void count_reports(Tap &tap, KmsgTail &kmsg, const std::string &when);
	// fault(n, &reached) for n = from, from + step, ...: makes the call with a fault
	// at allocation n, counts the outcome, puts the device back as it was
	// before the call, and says whether the call reached the fault.
	// Returns why the sweep must stop (a hang, a failed unbind), "" to go
	// on: one TAP line per call would flood the console. The sweep stops
	// at the first n not reached (done), at a reason to stop (stop) or
	// after kMaxFaults.
	void run(Tap &tap, KmsgTail &kmsg, const std::function<std::string(long, bool *)> &fault);
	// "12 binds, 11 faults injected (error paths reached): probe failed
	// 9, tolerated 2; 0 reports; 5300 ms", calls naming what was made.
	std::string str(const std::string &calls) const;
	// The checks that judge a sweep: no stop (returned names what had
	// to return: "every bind returned, every bound device unbound"), the
	// end of the allocations reached, faults made the probe fail, no
	// report.
	void check_end(Tap &tap, const std::string &returned) const;
};

} // namespace mct

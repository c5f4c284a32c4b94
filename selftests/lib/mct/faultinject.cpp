// SPDX-License-Identifier: GPL-2.0
#include "mct/faultinject.hpp"

#include <cstdlib>
#include <fcntl.h>
#include <memory>
#include <utility>

namespace mct {

namespace {

constexpr const char *kPrintk = "/proc/sys/kernel/printk";
constexpr const char *kFailNth = "/proc/thread-self/fail-nth";

bool check(Tap &tap, bool cond, const std::string &name, const std::string &why = "")
{
	return tap.check(cond, name, cond ? "" : why);
}

} // namespace

QuietConsole::QuietConsole()
{
	auto v = read_file(kPrintk);

	if (v) {
		saved_ = v->substr(0, v->find_first_of(" \t\n"));
		write_file(kPrintk, "5");
	}
}

QuietConsole::~QuietConsole()
{
	if (!saved_.empty())
		write_file(kPrintk, saved_);
}

bool setup_failslab(Tap &tap)
{
	if (!check(tap, path_exists(kFailNth), "the kernel has fail-nth (CONFIG_FAULT_INJECTION)") ||
	    !check(tap, path_exists(kFailSlab), "the kernel has failslab (CONFIG_FAILSLAB, "
		   "CONFIG_FAULT_INJECTION_DEBUG_FS)"))
		return false;
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

bool set_fail_nth(long n)
{
	return write_file(kFailNth, std::to_string(n));
}

long fail_nth_left()
{
	auto v = read_file(kFailNth);

	return v ? std::stol(*v) : -1;
}

std::string FaultCall::str() const
{
	if (!finished)
		return "still blocked after " + std::to_string(ms) + " ms";
	return res.str() + " after " + std::to_string(ms) + " ms";
}

FaultCall call_with_fault(const std::string &path, int open_flags, long n,
			  std::function<long(int fd)> call, Millis bound)
{
	// Owned by the thread too: it may outlive this call.
	auto out = std::make_shared<FaultCall>();
	long long t0 = now_ms();
	bool finished = run_bounded(
		[out, path, open_flags, n, call = std::move(call)] {
			SysResult r = sys([&] { return ::open(path.c_str(), O_CLOEXEC | open_flags); });

			if (!r.ok()) {
				out->res = r;
				return;
			}
			UniqueFd fd(static_cast<int>(r.rc));
			if (!set_fail_nth(n)) {
				out->res = SysResult{-1, errno_value()};
				return;
			}
			out->res = sys([&] { return call(fd.get()); });
			out->left = fail_nth_left();
			set_fail_nth(0);
		},
		bound);
	FaultCall c = finished ? *out : FaultCall{};

	c.finished = finished;
	c.ms = now_ms() - t0;
	return c;
}

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

void Sweep::injected_fault(bool failed)
{
	injected++;
	if (failed)
		probe_failed++;
	else
		tolerated++;
}

void Sweep::count_reports(Tap &tap, KmsgTail &kmsg, const std::string &when)
{
	for (const auto &rep : report_titles(kmsg)) {
		reports++;
		tap.diag(when + ": report: " + rep);
	}
}

// The value of " key=" on a kernel command line, as a number >= 1; def
// when it is absent or not such a number.
static long cmdline_number(const std::string &cmdline, const std::string &key, long def)
{
	size_t pos = (" " + cmdline).find(" " + key + "=");

	if (pos == std::string::npos)
		return def;
	const char *v = cmdline.c_str() + pos + key.size() + 1;
	char *end = nullptr;
	long n = std::strtol(v, &end, 10);
	bool ends = end != v && (*end == '\0' || *end == ' ' || *end == '\n');
	return ends && n >= 1 ? n : def;
}

void Sweep::configure(const std::string &cmdline)
{
	from = cmdline_number(cmdline, "mct.fi_from", from);
	step = cmdline_number(cmdline, "mct.fi_step", step);
	to = cmdline_number(cmdline, "mct.fi_to", to);
}

void Sweep::run(Tap &tap, KmsgTail &kmsg, const std::function<std::string(long, bool *)> &fault)
{
	// The scenario's own default (its command in the list), then what
	// the run asks for on the kernel command line.
	std::string env;
	for (const auto &[var, key] : { std::pair{ "MCT_FI_FROM", " mct.fi_from=" },
					std::pair{ "MCT_FI_STEP", " mct.fi_step=" },
					std::pair{ "MCT_FI_TO", " mct.fi_to=" } })
		if (const char *x = std::getenv(var))
			env += key + std::string(x);
	configure(env);
	if (auto cmdline = read_file("/proc/cmdline"))
		configure(*cmdline);
	if (partial())
		tap.diag("partial sweep: N = " + std::to_string(from) + ", " +
			 std::to_string(from + step) + ", ... up to " + std::to_string(to) +
			 " (mct.fi_from, mct.fi_step, mct.fi_to)");
	for (long n = from; n <= to; n += step) {
		bool reached = false;

		tried++;
		stop_n = n;
		stop = fault(n, &reached);
		if (!stop.empty())
			return;
		count_reports(tap, kmsg, "N=" + std::to_string(n));
		last_n = n;
		if (!reached) {
			done = true;
			return;
		}
	}
}

std::string Sweep::str(const std::string &calls) const
{
	std::string partial = this->partial() ?
		" (partial: N from " + std::to_string(from) + " by " + std::to_string(step) +
		" up to " + std::to_string(last_n) + ")" :
		"";

	return std::to_string(tried) + " " + calls + partial + ", " + std::to_string(injected) +
	       " faults injected (error paths reached): probe failed " +
	       std::to_string(probe_failed) + ", tolerated " + std::to_string(tolerated) + "; " +
	       std::to_string(reports) + " reports; " + std::to_string(now_ms() - t0) + " ms";
}

void Sweep::check_end(Tap &tap, const std::string &returned) const
{
	check(tap, stop.empty(), returned, stop);
	check(tap, done, "the sweep reached the end of the probe's allocations",
	      stop.empty() && to != kMaxFaults && stop_n + step > to ?
		      "the sweep was cut at mct.fi_to=" + std::to_string(to) + " (partial)" :
		      "stopped at N=" + std::to_string(stop_n));
	check(tap, probe_failed > 0, "faults made the probe fail");
	check(tap, reports == 0, "no report in the sweep", std::to_string(reports) + " reports");
}

} // namespace mct

// SPDX-License-Identifier: GPL-2.0
// mct-bench: the per-operation cost of the media/V4L2 syscalls that the
// lifetime series guards, and the unregister latency of vimc, on the
// running kernel. Run on a base and a patched kernel (run-bench.sh boots
// both alternately with QEMU -icount) and compare with mct-bench-report.
//
//   mct-bench [--rounds R] [--round-ms MS] [--frames F] [--fps N]
//             [--handles K] [--threads M] [--unbind-reps U]
//             [--vivid-args "ARGS"] [--only PREFIX[,PREFIX...]]
//   mct-bench --list
//
// Output: TAP (one check per metric; a metric that cannot be measured is
// "not ok" with the reason), after each "ok" a line
//   MCT-BENCH: METRIC ns_per_op=MEDIAN min=.. max=.. rounds=R iters=N
// (see bench_line.hpp), and a human table as TAP diagnostics at the end.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench_metrics.hpp"
#include "mct/sys.hpp"
#include "mct/tap.hpp"

using namespace mct;
using namespace mct::bench;

namespace {

struct Options {
	LoopConfig loop;
	StreamConfig stream;
	UnbindConfig unbind;
	std::string vivid_args = "n_devs=1 node_types=0x1 num_inputs=1 input_types=0x0";
	std::vector<std::string> only;
	bool list = false;
};

struct Step {
	std::vector<std::string> metrics;
	std::function<std::vector<Outcome>(Tap &)> run;
};

int usage()
{
	std::fprintf(stderr,
		     "usage: mct-bench [--rounds R] [--round-ms MS] [--frames F] [--fps N]\n"
		     "                 [--handles K] [--threads M] [--unbind-reps U]\n"
		     "                 [--vivid-args ARGS] [--only PREFIX,...] | --list\n");
	return 2;
}

bool parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v = std::strtol(s, &end, 10);

	if (*s == 0 || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

bool parse_options(int argc, char **argv, Options *o)
{
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		long v;

		if (a == "--list") {
			o->list = true;
			continue;
		}
		if (i + 1 >= argc)
			return false;
		const char *val = argv[++i];
		if (a == "--vivid-args") {
			o->vivid_args = val;
			continue;
		}
		if (a == "--only") {
			std::string s = val;
			for (std::size_t p = 0; p <= s.size();) {
				std::size_t c = s.find(',', p);
				if (c == std::string::npos)
					c = s.size();
				if (c > p)
					o->only.push_back(s.substr(p, c - p));
				p = c + 1;
			}
			continue;
		}
		if (!parse_int(val, 1, 100000, &v))
			return false;
		if (a == "--rounds")
			o->loop.rounds = o->stream.rounds = static_cast<int>(v);
		else if (a == "--round-ms")
			o->loop.round_ms = static_cast<double>(v);
		else if (a == "--frames")
			o->stream.frames = static_cast<int>(v);
		else if (a == "--fps")
			o->stream.fps = static_cast<unsigned>(v);
		else if (a == "--handles")
			o->unbind.handles = static_cast<int>(v);
		else if (a == "--threads")
			o->unbind.threads = static_cast<int>(v);
		else if (a == "--unbind-reps")
			o->unbind.reps = static_cast<int>(v);
		else
			return false;
	}
	return true;
}

bool selected(const Options &o, const std::string &metric)
{
	if (o.only.empty())
		return true;
	for (const auto &p : o.only)
		if (metric.rfind(p, 0) == 0)
			return true;
	return false;
}

std::vector<Step> make_steps(const Options &o, const Devices &d, double *timer_ns)
{
	const LoopConfig &lc = o.loop;
	std::vector<Step> s;

	s.push_back({{"clock.empty_interval"}, [lc, timer_ns](Tap &) {
		Outcome t = timer_metric(lc);
		*timer_ns = t.stats->median;
		return std::vector<Outcome>{t};
	}});
	s.push_back({{"vimc.media.device_info", "vimc.media.g_topology", "vimc.media.enum_entities"},
		     [lc, d](Tap &) { return media_metrics(d.vimc_media, "vimc.media", lc); }});
	s.push_back({{"vivid.video.querycap", "vivid.video.g_fmt"},
		     [lc, d](Tap &) { return video_metrics(d.vivid_video, "vivid.video", lc); }});
	s.push_back({{"vimc.video.querycap", "vimc.video.g_fmt"},
		     [lc, d](Tap &) { return video_metrics(d.vimc_video, "vimc.video", lc); }});
	s.push_back({{"vimc.subdev.g_fmt", "vimc.subdev.s_ctrl"},
		     [lc, d](Tap &) { return subdev_metrics(d.vimc_subdev, "vimc.subdev", lc); }});
	s.push_back({{"vimc.video.streamon_off"}, [lc, d](Tap &) {
		return std::vector<Outcome>{stream_on_off_metric(d.vimc_video, d.vimc_subdev, "vimc.video", lc)};
	}});
	s.push_back({{"vivid.video.qbuf", "vivid.video.dqbuf"}, [o, d, timer_ns](Tap &) {
		StreamConfig sc = o.stream;
		sc.timer_ns = *timer_ns;
		return stream_metrics(d.vivid_video, "vivid.video", sc);
	}});
	const std::pair<const char *, NodeRef> oc[] = {
		{"vimc.media", d.vimc_media},
		{"vimc.video", d.vimc_video},
		{"vimc.subdev", d.vimc_subdev},
		{"vivid.video", d.vivid_video},
	};
	for (const auto &[prefix, node] : oc)
		s.push_back({{std::string(prefix) + ".open_close"},
			     [lc, prefix, node](Tap &) {
				     return std::vector<Outcome>{open_close_metric(node, prefix, lc)};
			     }});
	s.push_back({{"vimc.unbind.idle", "vimc.unbind.busy"}, [o, d](Tap &tap) {
		if (d.vimc_pdev.empty())
			return std::vector<Outcome>{
				Outcome::failed("vimc.unbind.idle", d.vimc_why, "ms"),
				Outcome::failed("vimc.unbind.busy", d.vimc_why, "ms")};
		return unbind_metrics(tap, d.vimc_pdev, o.unbind);
	}});
	return s;
}

std::string fmt(double v, int prec)
{
	char b[32];

	std::snprintf(b, sizeof(b), "%.*f", prec, v);
	return b;
}

void report(Tap &tap, const Outcome &o)
{
	if (!o.stats) {
		tap.fail("bench " + o.metric, o.why);
		return;
	}
	tap.ok("bench " + o.metric);
	std::printf("%s\n", format_line(o.metric, o.unit, *o.stats, o.extra).c_str());
	std::fflush(stdout);
	if (!o.note.empty())
		tap.diag(o.metric + ": " + o.note);
}

void print_table(Tap &tap, const std::vector<Outcome> &all)
{
	char line[200];

	std::snprintf(line, sizeof(line), "%-28s %-9s %12s %12s %12s %6s %9s", "metric", "unit",
		      "median", "min", "max", "rounds", "iters");
	tap.diag(line);
	for (const auto &o : all) {
		if (!o.stats) {
			std::snprintf(line, sizeof(line), "%-28s %-9s %12s", o.metric.c_str(),
				      o.unit.c_str(), "not measured");
			tap.diag(line);
			continue;
		}
		int prec = o.unit == "ms" ? 3 : 1;
		std::string iters = "-";
		for (const auto &[k, v] : o.extra)
			if (k == "iters")
				iters = v;
		std::snprintf(line, sizeof(line), "%-28s %-9s %12s %12s %12s %6zu %9s",
			      o.metric.c_str(), o.unit.c_str(), fmt(o.stats->median, prec).c_str(),
			      fmt(o.stats->min, prec).c_str(), fmt(o.stats->max, prec).c_str(),
			      o.stats->n, iters.c_str());
		tap.diag(line);
	}
}

void describe_system(Tap &tap)
{
	struct utsname u;

	if (uname(&u) == 0)
		tap.diag(std::string("kernel ") + u.release + " " + u.version);
	auto cs = read_file("/sys/devices/system/clocksource/clocksource0/current_clocksource");
	tap.diag("clocksource " + (cs ? cs->substr(0, cs->find('\n')) : std::string("unknown")));
	tap.diag("online CPUs " + std::to_string(sysconf(_SC_NPROCESSORS_ONLN)));
}

} // namespace

int main(int argc, char **argv)
{
	Options o;

	if (!parse_options(argc, argv, &o))
		return usage();
	setvbuf(stdout, nullptr, _IOLBF, 0);
	if (o.list) {
		double t = 0;
		for (const auto &s : make_steps(o, Devices{}, &t))
			for (const auto &m : s.metrics)
				std::printf("%s\n", m.c_str());
		return 0;
	}

	Tap tap;
	std::printf("TAP version 13\n");
	describe_system(tap);
	Devices d = setup_devices(tap, o.vivid_args);
	double timer_ns = 0;
	auto steps = make_steps(o, d, &timer_ns);
	std::vector<Outcome> all;
	// A step gets far more than it needs; one that does not return is a
	// hung syscall: report it and everything not run, then leave at once
	// (the stuck thread may still use this frame).
	auto bound = Millis(static_cast<long>(
		std::max(120000.0, 20 * (o.loop.rounds + 2) * o.loop.round_ms)));
	for (std::size_t i = 0; i < steps.size(); i++) {
		const Step &s = steps[i];
		bool want = false;
		for (const auto &m : s.metrics)
			want |= selected(o, m) || (i == 0);	// the timer is always needed
		if (!want)
			continue;
		auto res = std::make_shared<std::vector<Outcome>>();
		long long t0 = now_ms();
		bool done = run_bounded([&tap, &s, res] { *res = s.run(tap); }, bound);
		bool hung = !done;
		if (done) {
			for (const auto &out : *res) {
				if (i > 0 && !selected(o, out.metric))
					continue;
				report(tap, out);
				all.push_back(out);
				hung |= out.hung;
			}
			tap.diag("step " + s.metrics.front() + "... took " +
				 std::to_string(now_ms() - t0) + " ms");
		} else {
			for (const auto &m : s.metrics)
				tap.fail("bench " + m, "did not finish within " +
						       std::to_string(bound.count()) + " ms (hung syscall?)");
		}
		if (hung) {
			for (std::size_t j = i + 1; j < steps.size(); j++)
				for (const auto &m : steps[j].metrics)
					tap.fail("bench " + m, "not run: an earlier step hung");
			print_table(tap, all);
			tap.finish();
			std::fflush(stdout);
			_exit(1);
		}
	}
	print_table(tap, all);
	tap.finish();
	return tap.failed() ? 1 : 0;
}

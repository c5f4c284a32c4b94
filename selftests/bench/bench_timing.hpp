// SPDX-License-Identifier: GPL-2.0
// Timing of the guest benchmark: loops of N calls timed as a whole (N
// calibrated so that one round lasts about round_ms of guest time), and
// per-call samples for operations that cannot be looped (QBUF/DQBUF).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bench_line.hpp"
#include "mct/sys.hpp"

namespace mct::bench {

// CLOCK_MONOTONIC in nanoseconds.
long long now_ns();

struct LoopConfig {
	int rounds = 5;		// measured rounds after one warm-up round
	double round_ms = 500;	// target guest time of one round
	long fixed_iters = 0;	// > 0: no calibration, use this N
};

// The result of one metric: its figure over the rounds, or why it could
// not be measured.
struct Outcome {
	std::string metric;
	std::string unit = "ns_per_op";
	std::optional<Summary> stats;
	std::string why;	// set when stats is empty
	bool hung = false;	// a syscall did not return in its bound
	std::vector<std::pair<std::string, std::string>> extra;
	std::string note;	// printed as a TAP diagnostic

	static Outcome failed(std::string metric, std::string why, std::string unit = "ns_per_op")
	{
		Outcome o;
		o.metric = std::move(metric);
		o.unit = std::move(unit);
		o.why = std::move(why);
		return o;
	}
};

// Rounds N to two significant digits (at least 1), so that iteration
// counts read well and rarely differ between boots.
long nice_iters(double n);

// Median length of an empty clock_gettime() interval: what one timed call
// of the per-call metrics contains besides the call itself.
double empty_interval_ns(int samples);

// Times op() (returning SysResult) in loops: calibration, one warm-up
// round, cfg.rounds measured rounds. what names the call for failures
// ("ioctl(VIDIOC_QUERYCAP) on /dev/video0").
template <class Op>
Outcome measure_loop(const std::string &metric, const std::string &what,
		     const LoopConfig &cfg, Op &&op)
{
	SysResult bad;
	auto run = [&](long n) -> long long {
		long long t0 = now_ns();

		for (long i = 0; i < n; i++) {
			SysResult r = op();
			if (!r.ok()) {
				bad = r;
				return -1;
			}
		}
		return now_ns() - t0;
	};
	auto fail = [&]() {
		return Outcome::failed(metric, what + ": " + bad.str());
	};

	long iters = cfg.fixed_iters;
	if (iters <= 0) {
		double target = cfg.round_ms * 1e6;
		long n = 4;
		long long t;
		for (;;) {
			t = run(n);
			if (t < 0)
				return fail();
			if (t >= target / 8 || n >= (1L << 24))
				break;
			n *= 4;
		}
		iters = nice_iters(n * target / static_cast<double>(t > 0 ? t : 1));
	}
	if (run(iters) < 0)	// warm-up
		return fail();
	std::vector<double> per_op;
	for (int r = 0; r < cfg.rounds; r++) {
		long long t = run(iters);
		if (t < 0)
			return fail();
		per_op.push_back(static_cast<double>(t) / static_cast<double>(iters));
	}
	Outcome o;
	o.metric = metric;
	o.stats = summarize(per_op);
	o.extra.emplace_back("iters", std::to_string(iters));
	return o;
}

} // namespace mct::bench

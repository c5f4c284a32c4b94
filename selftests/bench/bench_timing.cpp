// SPDX-License-Identifier: GPL-2.0
#include "bench_timing.hpp"

#include <cmath>
#include <time.h>

namespace mct::bench {

long long now_ns()
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

long nice_iters(double n)
{
	if (!(n >= 1))
		return 1;
	double mag = std::pow(10.0, std::floor(std::log10(n)) - 1);
	long v = std::lround(std::round(n / mag) * mag);
	return v < 1 ? 1 : v;
}

double empty_interval_ns(int samples)
{
	std::vector<double> d;

	d.reserve(samples);
	for (int i = 0; i < samples; i++) {
		long long t0 = now_ns();
		long long t1 = now_ns();
		d.push_back(static_cast<double>(t1 - t0));
	}
	return summarize(std::move(d)).median;
}

} // namespace mct::bench

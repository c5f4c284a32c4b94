// SPDX-License-Identifier: GPL-2.0
// The machine-readable result line of mct-bench and its parser, shared by
// the guest program (which prints it) and mct-bench-report (which reads
// it back from serial console logs):
//
//   MCT-BENCH: vimc.media.device_info ns_per_op=6421.6 min=6420.1 max=6430.0 rounds=5 iters=20000
//   MCT-BENCH: vimc.unbind.busy ms=41.250 min=40.100 max=45.000 rounds=3 handles=16 threads=4
//
// The first key=value after the metric name is the primary figure; its key
// names the unit (ns_per_op, ms). Lower is better for every metric.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mct::bench {

inline constexpr std::string_view kLineTag = "MCT-BENCH: ";

// Median, smallest and largest of a set of values (the rounds of one
// metric, or one metric over several boots).
struct Summary {
	double median = 0;
	double min = 0;
	double max = 0;
	std::size_t n = 0;
};

// Empty input gives n == 0 and zeros.
Summary summarize(std::vector<double> values);

struct BenchLine {
	std::string metric;
	std::string unit;	// key of the primary figure: "ns_per_op", "ms"
	double value = 0;
	// Further key=value pairs in their printed order.
	std::vector<std::pair<std::string, std::string>> extra;

	std::optional<std::string> get(std::string_view key) const;
};

// "MCT-BENCH: metric unit=median min=.. max=.. rounds=N" followed by the
// extra pairs; the primary figure and min/max are printed with the
// precision the unit needs (0.1 ns, 0.001 ms).
std::string format_line(const std::string &metric, const std::string &unit,
			const Summary &s,
			const std::vector<std::pair<std::string, std::string>> &extra = {});

// Parses the part of a console line from the tag on (anything before the
// tag, e.g. a kernel message that interleaved, and a trailing '\r' are
// ignored). Returns nullopt with *err set when the line has the tag but is
// malformed, nullopt with *err empty when it has no tag.
std::optional<BenchLine> parse_line(std::string_view line, std::string *err);

// A metric name: [a-z0-9_.-]+, starting with a letter.
bool valid_metric_name(std::string_view name);

} // namespace mct::bench

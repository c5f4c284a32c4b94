// SPDX-License-Identifier: GPL-2.0
// mct-bench-report's logic: reads the MCT-BENCH lines of several boot logs
// labelled base or patched, and compares the kernels metric by metric.
#pragma once

#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "bench_line.hpp"

namespace mct::bench {

// What one boot's console log says.
struct BootLog {
	std::string label;	// "base" or "patched"
	std::string path;
	std::map<std::string, BenchLine> metrics;
	std::vector<std::string> order;		// metrics in printed order
	std::vector<std::string> not_ok;	// the guest's "not ok" lines
	std::vector<std::string> problems;	// malformed or duplicate lines
	bool ended = false;			// "MCT: END <scenario> rc=N" seen
	int rc = -1;
};

BootLog parse_log(std::istream &in, const std::string &label, const std::string &path);

// One metric over all boots.
struct Row {
	std::string metric;
	std::string unit;
	std::vector<double> base;	// per-boot figures, boot order
	std::vector<double> patched;
	Summary base_sum;
	Summary patched_sum;
	// patched/base of the i-th base boot and the i-th patched boot
	// (boots alternate, so pairs ran close in time).
	Summary ratio;
	bool flagged = false;	// ratio.median > threshold, or missing
	std::string note;
};

struct Comparison {
	std::vector<Row> rows;
	std::vector<std::string> problems;	// per-log problems, prefixed
	double threshold = 1.01;
};

Comparison compare(const std::vector<BootLog> &logs, double threshold);

// The human table: metric, unit, base, patched, ratio, ratio range,
// spread of each kernel over its boots, flag.
void print_table(std::ostream &out, const Comparison &c);
void write_csv(std::ostream &out, const Comparison &c);

} // namespace mct::bench

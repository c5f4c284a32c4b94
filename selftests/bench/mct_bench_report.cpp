// SPDX-License-Identifier: GPL-2.0
// mct-bench-report: compares mct-bench results of a base and a patched
// kernel.
//
//   mct-bench-report [--threshold X] [--csv FILE] [--fail-on-flag]
//                    --base LOG... --patched LOG...
//
// Each --base/--patched names one boot's console log; give them in boot
// order (run-bench.sh alternates the kernels, and the i-th base boot is
// paired with the i-th patched boot for the per-boot ratios). Prints a
// table metric x {base, patched, ratio patched/base (median of the per-boot
// ratios), ratio range, spread of each kernel over its boots} and flags
// ratios above the threshold (default 1.01) and missing metrics.
// Exit: 0 ok, 1 a log has problems (no END, rc != 0, "not ok", malformed
// lines) or, with --fail-on-flag, a metric is flagged; 2 usage or I/O error.
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "bench_report.hpp"

using namespace mct::bench;

static int usage()
{
	std::cerr << "usage: mct-bench-report [--threshold X] [--csv FILE] [--fail-on-flag]\n"
		     "                        --base LOG... [--patched LOG...]\n";
	return 2;
}

int main(int argc, char **argv)
{
	std::vector<BootLog> logs;
	std::string csv;
	double threshold = 1.01;
	bool fail_on_flag = false;
	std::string label;

	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		if (a == "--fail-on-flag") {
			fail_on_flag = true;
			continue;
		}
		if (a == "--base" || a == "--patched") {
			label = a.substr(2);
			continue;
		}
		if ((a == "--threshold" || a == "--csv") && i + 1 < argc) {
			std::string v = argv[++i];
			if (a == "--csv") {
				csv = v;
				continue;
			}
			char *end;
			threshold = std::strtod(v.c_str(), &end);
			if (*end || !(threshold > 0))
				return usage();
			continue;
		}
		if (label.empty() || a.rfind("--", 0) == 0)
			return usage();
		std::ifstream in(a);
		if (!in) {
			std::cerr << "mct-bench-report: cannot read " << a << "\n";
			return 2;
		}
		logs.push_back(parse_log(in, label, a));
	}
	bool have_base = false;
	for (const auto &l : logs)
		have_base |= l.label == "base";
	if (!have_base)
		return usage();

	Comparison c = compare(logs, threshold);
	print_table(std::cout, c);
	if (!csv.empty()) {
		std::ofstream out(csv);
		write_csv(out, c);
		if (!out.flush()) {
			std::cerr << "mct-bench-report: cannot write " << csv << "\n";
			return 2;
		}
	}
	bool flagged = false;
	for (const auto &r : c.rows)
		flagged |= r.flagged;
	if (!c.problems.empty() || (fail_on_flag && flagged))
		return 1;
	return 0;
}

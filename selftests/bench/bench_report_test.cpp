// SPDX-License-Identifier: GPL-2.0
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>

#include "bench_report.hpp"

using namespace mct::bench;

namespace {

BootLog log_of(const std::string &text, const std::string &label, const std::string &path = "x")
{
	std::istringstream in(text);
	return parse_log(in, label, path);
}

std::string boot(double info, double unbind, bool end = true)
{
	std::ostringstream s;
	s << "TAP version 13\n"
	  << "ok 1 - bench vimc.media.device_info\n"
	  << "MCT-BENCH: vimc.media.device_info ns_per_op=" << info
	  << " min=1 max=2 rounds=5 iters=20000\n"
	  << "ok 2 - bench vimc.unbind.busy\n"
	  << "MCT-BENCH: vimc.unbind.busy ms=" << unbind
	  << " min=1 max=2 rounds=3 handles=16 threads=4\n";
	if (end)
		s << "MCT: END bench-guards rc=0 time_ms=1234\n";
	return s.str();
}

const Row *row(const Comparison &c, const std::string &metric)
{
	for (const auto &r : c.rows)
		if (r.metric == metric)
			return &r;
	return nullptr;
}

} // namespace

TEST(Summarize, OddEvenEmpty)
{
	Summary s = summarize({5, 1, 3});
	EXPECT_EQ(s.n, 3u);
	EXPECT_DOUBLE_EQ(s.median, 3);
	EXPECT_DOUBLE_EQ(s.min, 1);
	EXPECT_DOUBLE_EQ(s.max, 5);
	EXPECT_DOUBLE_EQ(summarize({4, 1, 2, 3}).median, 2.5);
	EXPECT_EQ(summarize({}).n, 0u);
}

TEST(ParseLine, Recorded)
{
	std::string err;
	auto b = parse_line("MCT-BENCH: vimc.media.device_info ns_per_op=6421.6 min=6420.1 "
			    "max=6430.0 rounds=5 iters=20000", &err);
	ASSERT_TRUE(b) << err;
	EXPECT_EQ(b->metric, "vimc.media.device_info");
	EXPECT_EQ(b->unit, "ns_per_op");
	EXPECT_DOUBLE_EQ(b->value, 6421.6);
	EXPECT_EQ(b->get("iters"), "20000");
	EXPECT_EQ(b->get("rounds"), "5");
	EXPECT_FALSE(b->get("nope"));
}

TEST(ParseLine, PrefixAndCarriageReturn)
{
	std::string err;
	auto b = parse_line("[   12.345] vimc: something MCT-BENCH: vimc.unbind.idle ms=41.250 "
			    "min=40.100 max=45.000 rounds=3\r", &err);
	ASSERT_TRUE(b) << err;
	EXPECT_EQ(b->unit, "ms");
	EXPECT_DOUBLE_EQ(b->value, 41.25);
	EXPECT_EQ(b->get("max"), "45.000");
}

TEST(ParseLine, NoTagIsNotAnError)
{
	std::string err = "stale";
	EXPECT_FALSE(parse_line("ok 1 - bench vimc.media.device_info", &err));
	EXPECT_TRUE(err.empty());
}

TEST(ParseLine, Malformed)
{
	const char *bad[] = {
		"MCT-BENCH: ",
		"MCT-BENCH: vimc.x",
		"MCT-BENCH: Vimc.x ns_per_op=1",
		"MCT-BENCH: vimc.x ns_per_op=abc",
		"MCT-BENCH: vimc.x ns_per_op=-3",
		"MCT-BENCH: vimc.x ns_per_op=inf",
		"MCT-BENCH: vimc.x ns_per_op=1 rounds",
		"MCT-BENCH: vimc.x ns_per_op=1 =5",
		"MCT-BENCH: vimc.x ns_per_op=1 min=",
		"MCT-BENCH: vimc.x ns_per_op=1 min=1 min=2",
	};
	for (const char *l : bad) {
		std::string err;
		EXPECT_FALSE(parse_line(l, &err)) << l;
		EXPECT_FALSE(err.empty()) << l;
	}
}

TEST(FormatLine, RoundTrips)
{
	Summary s{1234.56, 1200.04, 1300.0, 5};
	std::string l = format_line("vivid.video.qbuf", "ns_per_op", s, {{"iters", "120"}});
	EXPECT_EQ(l, "MCT-BENCH: vivid.video.qbuf ns_per_op=1234.6 min=1200.0 max=1300.0 "
		     "rounds=5 iters=120");
	std::string err;
	auto b = parse_line(l, &err);
	ASSERT_TRUE(b) << err;
	EXPECT_DOUBLE_EQ(b->value, 1234.6);
	EXPECT_EQ(format_line("vimc.unbind.idle", "ms", {12.3456, 12, 13, 3}),
		  "MCT-BENCH: vimc.unbind.idle ms=12.346 min=12.000 max=13.000 rounds=3");
}

TEST(ParseLog, EndNotOkDuplicates)
{
	BootLog l = log_of("MCT: BEGIN bench-guards\n"
			   "MCT-BENCH: a.b ns_per_op=10 rounds=1\n"
			   "MCT-BENCH: a.b ns_per_op=11 rounds=1\n"
			   "not ok 3 - bench vivid.video.qbuf # poll: no frame within 2 s\n"
			   "MCT-BENCH: broken\n"
			   "MCT: END bench-guards rc=1 time_ms=5\n",
			   "base");
	EXPECT_TRUE(l.ended);
	EXPECT_EQ(l.rc, 1);
	ASSERT_EQ(l.metrics.size(), 1u);
	EXPECT_DOUBLE_EQ(l.metrics.at("a.b").value, 10);
	ASSERT_EQ(l.not_ok.size(), 1u);
	EXPECT_EQ(l.problems.size(), 2u);	// duplicate + malformed
}

TEST(Compare, PairsBootsAndFlags)
{
	std::vector<BootLog> logs = {
		log_of(boot(1000, 10), "base"),
		log_of(boot(1030, 20), "patched"),
		log_of(boot(1010, 10), "base"),
		log_of(boot(1010, 21), "patched"),
	};
	Comparison c = compare(logs, 1.01);
	EXPECT_TRUE(c.problems.empty());
	ASSERT_EQ(c.rows.size(), 2u);
	EXPECT_EQ(c.rows[0].metric, "vimc.media.device_info");	// printed order

	const Row *info = row(c, "vimc.media.device_info");
	ASSERT_TRUE(info);
	EXPECT_DOUBLE_EQ(info->base_sum.median, 1005);
	EXPECT_DOUBLE_EQ(info->patched_sum.median, 1020);
	// per-boot ratios 1.03 and 1.0: median 1.015 > 1.01
	EXPECT_NEAR(info->ratio.median, 1.015, 1e-9);
	EXPECT_NEAR(info->ratio.min, 1.0, 1e-9);
	EXPECT_NEAR(info->ratio.max, 1.03, 1e-9);
	EXPECT_TRUE(info->flagged);

	const Row *unb = row(c, "vimc.unbind.busy");
	ASSERT_TRUE(unb);
	EXPECT_EQ(unb->unit, "ms");
	EXPECT_NEAR(unb->ratio.median, 2.05, 1e-9);
}

TEST(Compare, SameKernelNotFlagged)
{
	std::vector<BootLog> logs = {log_of(boot(1000, 10), "base"),
				     log_of(boot(1005, 10.05), "patched")};
	Comparison c = compare(logs, 1.01);
	for (const auto &r : c.rows)
		EXPECT_FALSE(r.flagged) << r.metric << " " << r.note;
}

TEST(Compare, MissingMetricAndEnd)
{
	std::vector<BootLog> logs = {
		log_of(boot(1000, 10), "base"),
		log_of("MCT-BENCH: vimc.media.device_info ns_per_op=1000 rounds=5\n"
		       "not ok 2 - bench vimc.unbind.busy # rep 1 busy: unbind hung\n",
		       "patched", "p1.log"),
	};
	Comparison c = compare(logs, 1.01);
	const Row *unb = row(c, "vimc.unbind.busy");
	ASSERT_TRUE(unb);
	EXPECT_TRUE(unb->flagged);
	EXPECT_EQ(unb->patched_sum.n, 0u);
	EXPECT_NE(unb->note.find("missing in 1 patched"), std::string::npos);
	EXPECT_FALSE(row(c, "vimc.media.device_info")->flagged);
	ASSERT_EQ(c.problems.size(), 2u);	// no END, not ok
	EXPECT_NE(c.problems[0].find("p1.log: no 'MCT: END'"), std::string::npos);

	std::ostringstream t;
	print_table(t, c);
	EXPECT_NE(t.str().find("<-- missing in 1 patched boot(s)"), std::string::npos);
	EXPECT_NE(t.str().find("problems:"), std::string::npos);
}

TEST(Output, TableAndCsv)
{
	std::vector<BootLog> logs = {log_of(boot(1000, 10), "base"),
				     log_of(boot(1030, 10), "patched")};
	Comparison c = compare(logs, 1.01);
	std::ostringstream t, csv;
	print_table(t, c);
	write_csv(csv, c);
	EXPECT_NE(t.str().find("vimc.media.device_info     ns/op"), std::string::npos) << t.str();
	EXPECT_NE(t.str().find("<-- ratio > 1.01"), std::string::npos) << t.str();
	std::string want = "metric,unit,base_median,base_min,base_max,base_boots,"
			   "patched_median,patched_min,patched_max,patched_boots,"
			   "ratio_median,ratio_min,ratio_max,flagged,note\n"
			   "vimc.media.device_info,ns_per_op,1000.0,1000.0,1000.0,1,"
			   "1030.0,1030.0,1030.0,1,1.0300,1.0300,1.0300,1,ratio > 1.01\n"
			   "vimc.unbind.busy,ms,10.000,10.000,10.000,1,"
			   "10.000,10.000,10.000,1,1.0000,1.0000,1.0000,0,\n";
	EXPECT_EQ(csv.str(), want);
}

// Two boots of the same base kernel (/tmp/kb, KASAN+lockdep) under
// run-vm.sh --icount, recorded by run-bench.sh (console logs from BEGIN to
// FINISHED, kernel messages included).
static BootLog recorded(const std::string &name, const std::string &label)
{
	std::string path = std::string(MCT_BENCH_TESTDATA) + "/" + name;
	std::ifstream in(path);
	EXPECT_TRUE(in) << path;
	return parse_log(in, label, path);
}

TEST(Recorded, OneBootParses)
{
	BootLog l = recorded("kb-boot1.log", "base");
	EXPECT_TRUE(l.ended);
	EXPECT_EQ(l.rc, 0);
	EXPECT_TRUE(l.problems.empty());
	EXPECT_TRUE(l.not_ok.empty());
	ASSERT_EQ(l.order.size(), 17u);
	EXPECT_EQ(l.order.front(), "clock.empty_interval");
	EXPECT_EQ(l.order.back(), "vimc.unbind.busy");
	const BenchLine &info = l.metrics.at("vimc.media.device_info");
	EXPECT_DOUBLE_EQ(info.value, 7956.8);
	EXPECT_EQ(info.get("iters"), "63000");
	EXPECT_EQ(l.metrics.at("vimc.unbind.busy").get("handles"), "16");
	EXPECT_EQ(l.metrics.at("vimc.media.g_topology").get("entities"), "11");
}

TEST(Recorded, SameKernelTwiceIsNotFlagged)
{
	std::vector<BootLog> logs = {recorded("kb-boot1.log", "base"),
				     recorded("kb-boot2.log", "patched")};
	Comparison c = compare(logs, 1.01);
	EXPECT_TRUE(c.problems.empty());
	ASSERT_EQ(c.rows.size(), 17u);
	for (const auto &r : c.rows) {
		EXPECT_FALSE(r.flagged) << r.metric << ": " << r.note;
		ASSERT_EQ(r.ratio.n, 1u) << r.metric;
		// Per-operation costs repeat within 0.5% between boots under
		// -icount; the busy unbind (4 threads on one vCPU) does not.
		if (r.unit == "ns_per_op") {
			EXPECT_NEAR(r.ratio.median, 1.0, 0.005) << r.metric;
		}
	}
	EXPECT_NEAR(row(c, "vivid.video.g_fmt")->ratio.median, 188262.7 / 187717.0, 1e-9);
}

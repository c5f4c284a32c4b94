// SPDX-License-Identifier: GPL-2.0
// Verdicts over several logs: multiple runs, expected failures, required
// scenarios, the boot pseudo-scenario.
#include "helpers.hpp"

#include "verdict.hpp"

namespace mct::verdict {
namespace {

using test::parse_testdata;

std::vector<ParsedLog> logs_of(std::initializer_list<const char *> names)
{
	std::vector<ParsedLog> logs;
	for (const char *name : names)
		logs.push_back(parse_testdata(name));
	return logs;
}

const ScenarioResult *find(const std::vector<ScenarioResult> &results, const std::string &name)
{
	for (const ScenarioResult &r : results) {
		if (r.name == name)
			return &r;
	}
	return nullptr;
}

TEST(Expected, ParsesNamesAndComments)
{
	const Expected e = Expected::parse("# header comment\n"
					   "\n"
					   "a-scenario    # known: fixed by patch 3\n"
					   "  b  \n"
					   "a-scenario # duplicate\n"
					   "c#no space\n");
	ASSERT_EQ(e.entries().size(), 3u);
	EXPECT_TRUE(e.contains("a-scenario"));
	EXPECT_TRUE(e.contains("b"));
	EXPECT_TRUE(e.contains("c"));
	EXPECT_FALSE(e.contains("header"));
	EXPECT_EQ(e.comment("a-scenario"), "known: fixed by patch 3");
	EXPECT_EQ(e.comment("b"), "");
	EXPECT_EQ(e.comment("c"), "no space");
}

TEST(Evaluate, CleanLogPasses)
{
	const auto results = evaluate(logs_of({"clean.log"}), {});
	ASSERT_EQ(results.size(), 1u);
	EXPECT_EQ(results[0].name, "smoke-boot");
	EXPECT_EQ(results[0].verdict, Verdict::Pass);
	EXPECT_EQ(results[0].reason, "");
	const Totals t = totals(results);
	EXPECT_EQ(t.passed, 1);
	EXPECT_EQ(t.failed, 0);
}

TEST(Evaluate, FailedInTwoOfThreeRuns)
{
	const auto results = evaluate(logs_of({"run-1.log", "run-2.log", "run-3.log"}), {});
	ASSERT_EQ(results.size(), 1u);
	const ScenarioResult &r = results[0];
	EXPECT_EQ(r.name, "em28xx-unplug-close-video");
	EXPECT_EQ(r.verdict, Verdict::Fail);
	EXPECT_EQ(r.runs, 3);
	EXPECT_EQ(r.failed_runs, 2);
	EXPECT_EQ(r.reason, "BUG: KASAN: slab-use-after-free in v4l2_release+0x1d4/0x2a0 [videodev] "
			    "(failed in 2 of 3 runs)");
	ASSERT_EQ(r.reports.size(), 1u); // same title and frames in both runs
	EXPECT_EQ(r.reports[0].count, 2);
	EXPECT_EQ(r.reports[0].logs, (std::vector<std::string>{"run-2.log", "run-3.log"}));
	EXPECT_EQ(r.failed_logs, (std::vector<std::string>{"run-2.log", "run-3.log"}));
}

TEST(Evaluate, ScenariosAreMergedByNameAcrossLogs)
{
	const auto results = evaluate(logs_of({"clean.log", "kasan-uaf.log", "rc-notok.log"}), {});
	ASSERT_EQ(results.size(), 3u);
	EXPECT_EQ(results[0].name, "smoke-boot");
	EXPECT_EQ(results[1].name, "em28xx-unplug-close-video");
	EXPECT_EQ(results[2].name, "em28xx-unplug-close-vbi");
	EXPECT_EQ(results[2].reason, "test program exited rc=1: not ok 2 - close after unplug # ioctl hung for 10 s");
	EXPECT_EQ(totals(results).failed, 2);
}

TEST(Evaluate, SameTitleDifferentFramesAreDifferentGroups)
{
	const ParsedLog log = parse_log("MCT: BEGIN a\n"
					"unreferenced object 0xffff888000000000 (size 64):\n"
					"  backtrace (crc 1):\n    f+0x1/0x2\n"
					"unreferenced object 0xffff888000000040 (size 64):\n"
					"  backtrace (crc 2):\n    g+0x1/0x2\n"
					"unreferenced object 0xffff888000000080 (size 64):\n"
					"  backtrace (crc 2):\n    g+0x1/0x2\n"
					"MCT: END a rc=0 time_ms=1\n",
					"x.log");
	const auto results = evaluate({log}, {});
	ASSERT_EQ(results.size(), 1u);
	ASSERT_EQ(results[0].reports.size(), 2u);
	EXPECT_EQ(results[0].reports[0].count, 1);
	EXPECT_EQ(results[0].reports[1].count, 2);
}

TEST(Evaluate, BootAppearsOnlyWithReports)
{
	auto results = evaluate(logs_of({"boot-report.log"}), {});
	ASSERT_EQ(results.size(), 2u);
	EXPECT_EQ(results[0].name, "boot");
	EXPECT_EQ(results[0].verdict, Verdict::Fail);
	EXPECT_EQ(results[0].reason, "WARNING at drivers/usb/gadget/udc/dummy_hcd.c:2711 dummy_hcd_probe+0x2e5/0x3a0");
	EXPECT_EQ(results[1].verdict, Verdict::Pass);

	results = evaluate(logs_of({"clean.log"}), {});
	EXPECT_FALSE(find(results, "boot"));
}

TEST(Evaluate, BootFailureAcrossRuns)
{
	const auto results = evaluate(logs_of({"boot-report.log", "clean.log"}), {});
	const ScenarioResult *boot = find(results, "boot");
	ASSERT_TRUE(boot);
	EXPECT_EQ(boot->runs, 2);
	EXPECT_EQ(boot->failed_runs, 1);
	EXPECT_NE(boot->reason.find("(failed in 1 of 2 runs)"), std::string::npos);
}

TEST(Evaluate, ExpectedFailureIsXfail)
{
	EvalOptions options;
	options.expected = Expected::parse("em28xx-unplug-close-video  # fixed by patch 7\n");
	const auto results = evaluate(logs_of({"kasan-uaf.log"}), options);
	ASSERT_EQ(results.size(), 1u);
	EXPECT_EQ(results[0].verdict, Verdict::XFail);
	EXPECT_EQ(results[0].reason,
		  "TODO known failure: BUG: KASAN: slab-use-after-free in v4l2_release+0x1d4/0x2a0 [videodev]");
	EXPECT_EQ(results[0].expected_comment, "fixed by patch 7");
	EXPECT_EQ(totals(results).passed, 1);
	EXPECT_EQ(totals(results).failed, 0);
}

TEST(Evaluate, EveryRunModeRefusesAFlakyReproducer)
{
	EvalOptions options;
	options.expected = Expected::parse("em28xx-unplug-close-video\n");
	options.expect_every_run = true;
	const auto results = evaluate(logs_of({"run-1.log", "run-2.log", "run-3.log"}), options);
	ASSERT_EQ(results.size(), 1u);
	EXPECT_EQ(results[0].verdict, Verdict::XPass);
	EXPECT_EQ(results[0].reason.rfind("listed as failing in every run but passed in 1 of 3 runs", 0), 0u);
	EXPECT_EQ(totals(results).failed, 1);
}

TEST(Evaluate, EveryRunModeAcceptsAFailureInEveryRun)
{
	EvalOptions options;
	options.expected = Expected::parse("em28xx-unplug-close-video\n");
	options.expect_every_run = true;
	const auto results = evaluate(logs_of({"run-2.log", "run-3.log"}), options);
	ASSERT_EQ(results.size(), 1u);
	EXPECT_EQ(results[0].verdict, Verdict::XFail);
	EXPECT_EQ(totals(results).failed, 0);
}

TEST(Evaluate, ExpectedFailureThatPassesIsXpass)
{
	EvalOptions options;
	options.expected = Expected::parse("smoke-boot\n");
	const auto results = evaluate(logs_of({"clean.log"}), options);
	ASSERT_EQ(results.size(), 1u);
	EXPECT_EQ(results[0].verdict, Verdict::XPass);
	EXPECT_EQ(results[0].reason, "listed in expected-failures but passed: remove it from the list");
	EXPECT_EQ(totals(results).failed, 1);
}

TEST(Evaluate, ExpectedFailureNotRunIsAnError)
{
	EvalOptions options;
	options.expected = Expected::parse("never-started # hm\n");
	const auto results = evaluate(logs_of({"clean.log"}), options);
	const ScenarioResult *r = find(results, "never-started");
	ASSERT_TRUE(r);
	EXPECT_EQ(r->verdict, Verdict::NotRun);
	EXPECT_EQ(r->reason, "listed in expected-failures but not run");
	EXPECT_EQ(totals(results).failed, 1);
}

TEST(Evaluate, RequiredScenarioMissing)
{
	EvalOptions options;
	options.required = {"smoke-boot", "em28xx-unplug-close-video"};
	const auto results = evaluate(logs_of({"clean.log"}), options);
	ASSERT_EQ(results.size(), 2u);
	EXPECT_EQ(results[0].verdict, Verdict::Pass);
	EXPECT_EQ(results[1].name, "em28xx-unplug-close-video");
	EXPECT_EQ(results[1].verdict, Verdict::NotRun);
	EXPECT_EQ(results[1].reason, "not run (no BEGIN marker in any log)");
	EXPECT_EQ(totals(results).passed, 1);
	EXPECT_EQ(totals(results).failed, 1);
}

TEST(Evaluate, RequiredAndExpectedButNotRunIsReportedOnce)
{
	EvalOptions options;
	options.required = {"x"};
	options.expected = Expected::parse("x\n");
	const auto results = evaluate(logs_of({"clean.log"}), options);
	ASSERT_EQ(results.size(), 2u);
	EXPECT_EQ(results[1].reason, "listed in expected-failures but not run");
}

TEST(Verdicts, NamesRoundTrip)
{
	for (Verdict v : {Verdict::Pass, Verdict::Fail, Verdict::XFail, Verdict::XPass, Verdict::NotRun}) {
		Verdict back = Verdict::Pass;
		EXPECT_TRUE(parse_verdict(verdict_name(v), back));
		EXPECT_EQ(back, v);
	}
	Verdict dummy;
	EXPECT_FALSE(parse_verdict("MAYBE", dummy));
}

} // namespace
} // namespace mct::verdict

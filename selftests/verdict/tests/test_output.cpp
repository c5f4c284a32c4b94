// SPDX-License-Identifier: GPL-2.0
// TAP, summary table, JSON writer/reader and comparison table.
#include "helpers.hpp"

#include <sstream>

#include "mct/json.hpp"
#include "output.hpp"
#include "verdict.hpp"

namespace mct::verdict {
namespace {

using test::lines_of;
using test::parse_testdata;

std::vector<ScenarioResult> results_of(std::initializer_list<const char *> names, const EvalOptions &options = {})
{
	std::vector<ParsedLog> logs;
	for (const char *name : names)
		logs.push_back(parse_testdata(name));
	return evaluate(logs, options);
}

std::string tap_of(const std::vector<ScenarioResult> &results, const std::string &label = "")
{
	std::ostringstream out;
	write_tap(out, results, label);
	return out.str();
}

TEST(Tap, PlanOkAndNotOkLines)
{
	const auto lines = lines_of(tap_of(results_of({"clean.log", "kasan-uaf.log"}), "base"));
	ASSERT_GE(lines.size(), 5u);
	EXPECT_EQ(lines[0], "TAP version 13");
	EXPECT_EQ(lines[1], "1..2");
	EXPECT_EQ(lines[2], "# label: base");
	EXPECT_EQ(lines[3], "ok 1 - smoke-boot");
	EXPECT_EQ(lines[4], "not ok 2 - em28xx-unplug-close-video # BUG: KASAN: slab-use-after-free in "
			    "v4l2_release+0x1d4/0x2a0 [videodev]");
}

TEST(Tap, DiagnosticsOfAKasanReport)
{
	const std::string tap = tap_of(results_of({"kasan-uaf.log"}));
	const std::string expected =
		"# BUG: KASAN: slab-use-after-free in v4l2_release+0x1d4/0x2a0 [videodev]\n"
		"#   call trace:\n"
		"#     v4l2_release+0x1d4/0x2a0 [videodev]\n"
		"#     __fput+0x1fd/0x4d0\n"
		"#     __x64_sys_close+0x7c/0xd0\n"
		"#     do_syscall_64+0x82/0x160\n"
		"#   freed by:\n"
		"#     em28xx_release_resources+0x1e5/0x260 [em28xx]\n"
		"#     em28xx_usb_disconnect+0x190/0x1f0 [em28xx]\n"
		"#     usb_unbind_interface+0x1b3/0x8a0\n"
		"#     device_release_driver_internal+0x36d/0x520\n"
		"#   allocated by:\n"
		"#     em28xx_v4l2_init+0x8c/0x1f60 [em28xx_v4l]\n"
		"#     em28xx_init_extension+0x9b/0x110 [em28xx]\n"
		"#     request_module_async+0x2a/0x40 [em28xx]\n"
		"#     process_one_work+0x5e4/0xfe0\n"
		"# log: kasan-uaf.log\n";
	EXPECT_NE(tap.find(expected), std::string::npos) << tap;
}

TEST(Tap, CountsRepeatedReportsAndRuns)
{
	const std::string tap = tap_of(results_of({"run-1.log", "run-2.log", "run-3.log"}));
	EXPECT_NE(tap.find("not ok 1 - em28xx-unplug-close-video # BUG: KASAN: slab-use-after-free in "
			   "v4l2_release+0x1d4/0x2a0 [videodev] (failed in 2 of 3 runs)\n"),
		  std::string::npos);
	EXPECT_NE(tap.find("\n# failed in 2 of 3 runs\n"), std::string::npos);
	EXPECT_NE(tap.find("[videodev] (x2)\n"), std::string::npos);
	EXPECT_NE(tap.find("#   seen in: run-2.log, run-3.log\n"), std::string::npos);
	EXPECT_NE(tap.find("# log: run-2.log\n# log: run-3.log\n"), std::string::npos);
	EXPECT_EQ(tap.find("# log: run-1.log"), std::string::npos);
}

TEST(Tap, ExpectedFailureLines)
{
	EvalOptions options;
	options.expected = Expected::parse("em28xx-unplug-close-video # patch 7\nsmoke-boot\nghost\n");
	const std::string tap = tap_of(results_of({"kasan-uaf.log", "clean.log"}, options));
	EXPECT_NE(tap.find("not ok 1 - em28xx-unplug-close-video # TODO known failure: BUG: KASAN: "
			   "slab-use-after-free in v4l2_release+0x1d4/0x2a0 [videodev]\n"),
		  std::string::npos);
	EXPECT_NE(tap.find("# expected failure: patch 7\n"), std::string::npos);
	EXPECT_NE(tap.find("not ok 2 - smoke-boot # listed in expected-failures but passed: remove it from the list\n"),
		  std::string::npos);
	EXPECT_NE(tap.find("not ok 3 - ghost # listed in expected-failures but not run\n"), std::string::npos);
}

TEST(Tap, NotRunLine)
{
	EvalOptions options;
	options.required = {"absent"};
	const std::string tap = tap_of(results_of({"clean.log"}, options));
	EXPECT_NE(tap.find("not ok 2 - absent # not run (no BEGIN marker in any log)\n"), std::string::npos);
}

TEST(Summary, AlignedTableAndFinalLine)
{
	std::ostringstream out;
	write_summary(out, results_of({"clean.log", "kasan-uaf.log", "missing-end.log"}));
	const auto lines = lines_of(out.str());
	ASSERT_EQ(lines.size(), 6u);
	EXPECT_EQ(lines[0], "");
	EXPECT_EQ(lines[1], "scenario                   verdict  runs  first report or reason");
	EXPECT_EQ(lines[2], "smoke-boot                 PASS     1");
	EXPECT_EQ(lines[3], "em28xx-unplug-close-video  FAIL     1     BUG: KASAN: slab-use-after-free in "
			    "v4l2_release+0x1d4/0x2a0 [videodev]");
	EXPECT_EQ(lines[4].substr(0, 44), "em28xx-stream-forever      FAIL     1     no");
	EXPECT_EQ(lines[4].size(), 42u + 100u); // reason cut to 100 characters
	EXPECT_EQ(lines[4].substr(lines[4].size() - 3), "...");
	EXPECT_EQ(lines[5], "verdict: 1 passed, 2 failed");
}

TEST(Summary, CountsXfailAsPassedAndXpassAsFailed)
{
	EvalOptions options;
	options.expected = Expected::parse("em28xx-unplug-close-video\nsmoke-boot\n");
	std::ostringstream out;
	write_summary(out, results_of({"kasan-uaf.log", "clean.log"}, options));
	const auto lines = lines_of(out.str());
	EXPECT_EQ(lines.back(), "verdict: 1 passed, 1 failed");
	EXPECT_NE(out.str().find("XFAIL"), std::string::npos);
	EXPECT_NE(out.str().find("XPASS"), std::string::npos);
}

TEST(Json, RoundTrip)
{
	EvalOptions options;
	options.expected = Expected::parse("smoke-boot # \"quoted\" comment\n");
	options.required = {"absent"};
	const auto results = results_of({"run-1.log", "run-2.log", "run-3.log", "clean.log", "rc-notok.log"}, options);
	std::ostringstream out;
	write_json(out, results, "base", {"run-1.log", "run-2.log"});

	std::string error;
	const auto doc = parse_json(out.str(), &error);
	ASSERT_TRUE(doc) << error << "\n" << out.str();
	EXPECT_EQ(doc->get_string("label"), "base");
	EXPECT_EQ(doc->get_int("passed"), 0);
	EXPECT_EQ(doc->get_int("failed"), 4);

	std::string label;
	const auto back = read_json_results(out.str(), label, error);
	ASSERT_TRUE(back) << error;
	EXPECT_EQ(label, "base");
	ASSERT_EQ(back->size(), results.size());
	for (std::size_t i = 0; i < results.size(); i++) {
		const ScenarioResult &a = results[i], &b = (*back)[i];
		EXPECT_EQ(a.name, b.name);
		EXPECT_EQ(a.verdict, b.verdict);
		EXPECT_EQ(a.runs, b.runs);
		EXPECT_EQ(a.failed_runs, b.failed_runs);
		EXPECT_EQ(a.reason, b.reason);
		EXPECT_EQ(a.expected, b.expected);
		EXPECT_EQ(a.expected_comment, b.expected_comment);
		EXPECT_EQ(a.failed_logs, b.failed_logs);
		ASSERT_EQ(a.reports.size(), b.reports.size());
		for (std::size_t k = 0; k < a.reports.size(); k++) {
			EXPECT_EQ(a.reports[k].report.title, b.reports[k].report.title);
			EXPECT_EQ(a.reports[k].report.kind, b.reports[k].report.kind);
			EXPECT_EQ(a.reports[k].report.frames, b.reports[k].report.frames);
			EXPECT_EQ(a.reports[k].report.freed_by, b.reports[k].report.freed_by);
			EXPECT_EQ(a.reports[k].report.allocated_by, b.reports[k].report.allocated_by);
			EXPECT_EQ(a.reports[k].count, b.reports[k].count);
			EXPECT_EQ(a.reports[k].logs, b.reports[k].logs);
		}
		ASSERT_EQ(a.reasons.size(), b.reasons.size());
		for (std::size_t k = 0; k < a.reasons.size(); k++)
			EXPECT_EQ(a.reasons[k].text, b.reasons[k].text);
	}
}

TEST(Json, ReaderRejectsForeignDocuments)
{
	std::string label, error;
	EXPECT_FALSE(read_json_results("{\"x\": 1}", label, error));
	EXPECT_NE(error.find("scenarios"), std::string::npos);
	EXPECT_FALSE(read_json_results("{\"scenarios\": [{\"name\": \"a\", \"verdict\": \"MAYBE\"}]}", label, error));
	EXPECT_NE(error.find("MAYBE"), std::string::npos);
	EXPECT_FALSE(read_json_results("{\"scenarios\": [1]}", label, error));
}

TEST(Comparison, TableFormat)
{
	ScenarioResult fail;
	fail.name = "em28xx-unplug-close-video";
	fail.verdict = Verdict::Fail;
	ReportGroup g;
	g.report.title = "BUG: KASAN: slab-use-after-free in v4l2_release+0x1d4/0x2a0";
	g.count = 1;
	fail.reports.push_back(g);
	ScenarioResult pass = fail;
	pass.verdict = Verdict::Pass;
	pass.reports.clear();
	ScenarioResult only_base;
	only_base.name = "smoke-boot";
	only_base.verdict = Verdict::NotRun;

	std::ostringstream out;
	write_comparison(out, {{"base", {fail, only_base}}, {"patched", {pass}}});
	const auto lines = lines_of(out.str());
	ASSERT_EQ(lines.size(), 3u);
	EXPECT_EQ(lines[0], "scenario                       base                                              patched");
	EXPECT_EQ(lines[1], "em28xx-unplug-close-video      FAIL BUG: KASAN: slab-use-after-free in v4l2_re.. PASS");
	EXPECT_EQ(lines[2], "smoke-boot                     NOT RUN                                           -");
}

TEST(Comparison, ReasonWhenNoReport)
{
	ScenarioResult r;
	r.name = "hangs";
	r.verdict = Verdict::Fail;
	r.reasons.push_back(ReasonGroup{"no END marker", {}});
	std::ostringstream out;
	write_comparison(out, {{"base", {r}}});
	EXPECT_EQ(lines_of(out.str())[1], "hangs                          FAIL no END marker");
}

} // namespace
} // namespace mct::verdict

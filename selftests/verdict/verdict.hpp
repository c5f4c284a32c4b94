// SPDX-License-Identifier: GPL-2.0
// Per-scenario verdicts over all runs of all logs, with expected failures
// and required scenarios.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "parse.hpp"

namespace mct::verdict {

enum class Verdict { Pass, Fail, XFail, XPass, NotRun };

const char *verdict_name(Verdict v); // "PASS", "FAIL", "XFAIL", "XPASS", "NOT RUN"
bool parse_verdict(std::string_view name, Verdict &out);
bool counts_as_passed(Verdict v); // PASS and XFAIL

// Reports with the same title and first frame, over all runs.
struct ReportGroup {
	Report report; // the first one seen
	int count = 0;
	std::vector<std::string> logs;
};

// A non-report failure reason (missing END, rc != 0...), over all runs.
struct ReasonGroup {
	std::string text;
	std::vector<std::string> logs;
};

struct ScenarioResult {
	std::string name;
	Verdict verdict = Verdict::Pass;
	int runs = 0;
	int failed_runs = 0;
	std::vector<ReportGroup> reports;
	std::vector<ReasonGroup> reasons;
	std::vector<std::string> failed_logs;
	std::string reason; // headline: first report title or reason
	bool expected = false;
	std::string expected_comment;
};

// The expected-failures list: "scenario  # comment" lines.
class Expected {
public:
	static Expected parse(std::string_view content);
	bool contains(std::string_view name) const;
	std::string comment(std::string_view name) const;
	const std::vector<std::pair<std::string, std::string>> &entries() const { return entries_; }

private:
	std::vector<std::pair<std::string, std::string>> entries_;
};

struct EvalOptions {
	std::vector<std::string> required;
	Expected expected;
	// A listed scenario counts as an expected failure only when it failed
	// in every run (the proof that a reproducer works on the base kernel).
	bool expect_every_run = false;
};

std::vector<ScenarioResult> evaluate(const std::vector<ParsedLog> &logs, const EvalOptions &options);

struct Totals {
	int passed = 0; // PASS + XFAIL
	int failed = 0; // FAIL + XPASS + NOT RUN
};

Totals totals(const std::vector<ScenarioResult> &results);

// The text shown for a failure: first report title, else first reason.
std::string first_problem(const ScenarioResult &result);

} // namespace mct::verdict

// SPDX-License-Identifier: GPL-2.0
// Per-scenario verdicts over all runs of all logs.
#include "verdict.hpp"

#include <algorithm>
#include <map>

#include "strutil.hpp"

namespace mct::verdict {

namespace {

void add_unique(std::vector<std::string> &list, const std::string &item)
{
	if (std::find(list.begin(), list.end(), item) == list.end())
		list.push_back(item);
}

std::string group_key(const Report &r)
{
	return r.title + '\n' + (r.frames.empty() ? std::string() : r.frames.front());
}

void add_run(ScenarioResult &result, const Run &run)
{
	result.runs++;
	if (!run.failed())
		return;
	result.failed_runs++;
	add_unique(result.failed_logs, run.log);
	for (const Report &report : run.reports) {
		auto it = std::find_if(result.reports.begin(), result.reports.end(), [&](const ReportGroup &g) {
			return group_key(g.report) == group_key(report);
		});
		if (it == result.reports.end()) {
			result.reports.push_back(ReportGroup{report, 0, {}});
			it = result.reports.end() - 1;
		}
		it->count++;
		add_unique(it->logs, run.log);
	}
	for (const std::string &text : run.reasons()) {
		auto it = std::find_if(result.reasons.begin(), result.reasons.end(),
				       [&](const ReasonGroup &g) { return g.text == text; });
		if (it == result.reasons.end()) {
			result.reasons.push_back(ReasonGroup{text, {}});
			it = result.reasons.end() - 1;
		}
		add_unique(it->logs, run.log);
	}
}

std::string runs_suffix(const ScenarioResult &r)
{
	if (r.runs <= 1)
		return "";
	return " (failed in " + std::to_string(r.failed_runs) + " of " + std::to_string(r.runs) + " runs)";
}

void decide(ScenarioResult &r, const Expected &expected, bool every_run)
{
	const bool failed = r.failed_runs > 0;
	r.expected = expected.contains(r.name);
	r.expected_comment = expected.comment(r.name);
	if (r.expected && every_run && failed && r.failed_runs < r.runs) {
		r.verdict = Verdict::XPass;
		r.reason = "listed as failing in every run but passed in " +
			   std::to_string(r.runs - r.failed_runs) + " of " + std::to_string(r.runs) +
			   " runs: " + first_problem(r);
	} else if (r.expected) {
		r.verdict = failed ? Verdict::XFail : Verdict::XPass;
		r.reason = failed ? "TODO known failure: " + first_problem(r) + runs_suffix(r)
				  : "listed in expected-failures but passed: remove it from the list";
	} else {
		r.verdict = failed ? Verdict::Fail : Verdict::Pass;
		r.reason = failed ? first_problem(r) + runs_suffix(r) : "";
	}
}

ScenarioResult not_run(const std::string &name, const Expected &expected)
{
	ScenarioResult r;
	r.name = name;
	r.verdict = Verdict::NotRun;
	r.expected = expected.contains(name);
	r.expected_comment = expected.comment(name);
	r.reason = r.expected ? "listed in expected-failures but not run"
			      : "not run (no BEGIN marker in any log)";
	return r;
}

} // namespace

const char *verdict_name(Verdict v)
{
	switch (v) {
	case Verdict::Pass: return "PASS";
	case Verdict::Fail: return "FAIL";
	case Verdict::XFail: return "XFAIL";
	case Verdict::XPass: return "XPASS";
	case Verdict::NotRun: return "NOT RUN";
	}
	return "?";
}

bool parse_verdict(std::string_view name, Verdict &out)
{
	for (Verdict v : {Verdict::Pass, Verdict::Fail, Verdict::XFail, Verdict::XPass, Verdict::NotRun}) {
		if (name == verdict_name(v)) {
			out = v;
			return true;
		}
	}
	return false;
}

bool counts_as_passed(Verdict v) { return v == Verdict::Pass || v == Verdict::XFail; }

Expected Expected::parse(std::string_view content)
{
	Expected e;
	std::size_t pos = 0;
	while (pos <= content.size()) {
		const std::size_t nl = content.find('\n', pos);
		const std::size_t end = nl == std::string_view::npos ? content.size() : nl;
		std::string_view line = trim(content.substr(pos, end - pos));
		pos = end + 1;
		if (line.empty() || line.front() == '#')
			continue;
		std::string comment;
		if (const std::size_t hash = line.find('#'); hash != std::string_view::npos) {
			comment = std::string(trim(line.substr(hash + 1)));
			line = trim(line.substr(0, hash));
		}
		const auto words = split_words(line);
		if (words.empty())
			continue;
		const std::string name(words.front());
		if (!e.contains(name))
			e.entries_.emplace_back(name, comment);
	}
	return e;
}

bool Expected::contains(std::string_view name) const
{
	return std::any_of(entries_.begin(), entries_.end(), [&](const auto &e) { return e.first == name; });
}

std::string Expected::comment(std::string_view name) const
{
	for (const auto &e : entries_) {
		if (e.first == name)
			return e.second;
	}
	return "";
}

std::string first_problem(const ScenarioResult &result)
{
	if (!result.reports.empty())
		return result.reports.front().report.title;
	if (!result.reasons.empty())
		return result.reasons.front().text;
	return result.reason;
}

std::vector<ScenarioResult> evaluate(const std::vector<ParsedLog> &logs, const EvalOptions &options)
{
	ScenarioResult boot;
	boot.name = kBootScenario;
	std::vector<ScenarioResult> results;
	std::map<std::string, std::size_t> index;

	for (const ParsedLog &log : logs) {
		add_run(boot, log.boot);
		for (const Run &run : log.runs) {
			auto [it, inserted] = index.emplace(run.scenario, results.size());
			if (inserted) {
				results.emplace_back();
				results.back().name = run.scenario;
			}
			add_run(results[it->second], run);
		}
	}

	const bool boot_wanted = options.expected.contains(kBootScenario) ||
				 std::find(options.required.begin(), options.required.end(), kBootScenario) !=
					 options.required.end();
	if (!index.contains(kBootScenario) && (boot.failed_runs > 0 || (boot_wanted && boot.runs > 0)))
		results.insert(results.begin(), std::move(boot));

	for (ScenarioResult &r : results)
		decide(r, options.expected, options.expect_every_run);

	auto present = [&](const std::string &name) {
		return std::any_of(results.begin(), results.end(),
				   [&](const ScenarioResult &r) { return r.name == name; });
	};
	for (const std::string &name : options.required) {
		if (!present(name))
			results.push_back(not_run(name, options.expected));
	}
	for (const auto &entry : options.expected.entries()) {
		if (!present(entry.first))
			results.push_back(not_run(entry.first, options.expected));
	}
	return results;
}

Totals totals(const std::vector<ScenarioResult> &results)
{
	Totals t;
	for (const ScenarioResult &r : results) {
		if (counts_as_passed(r.verdict))
			t.passed++;
		else
			t.failed++;
	}
	return t;
}

} // namespace mct::verdict

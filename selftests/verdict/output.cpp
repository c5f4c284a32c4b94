// SPDX-License-Identifier: GPL-2.0
// TAP, summary table, JSON and comparison table output.
#include "output.hpp"

#include <algorithm>

#include "decode.hpp"
#include "mct/json.hpp"
#include "strutil.hpp"

namespace mct::verdict {

namespace {

constexpr std::size_t kMinScenarioWidth = 30;

void diag(std::ostream &out, std::string_view text) { out << "# " << text << '\n'; }

std::string join(const std::vector<std::string> &items, std::string_view sep)
{
	std::string out;
	for (const std::string &item : items) {
		if (!out.empty())
			out += sep;
		out += item;
	}
	return out;
}

void diag_frames(std::ostream &out, std::string_view heading, const std::vector<std::string> &frames)
{
	if (frames.empty())
		return;
	diag(out, "  " + std::string(heading));
	for (const std::string &frame : frames)
		diag(out, "    " + frame);
}

void diag_report(std::ostream &out, const ReportGroup &group, bool several_runs)
{
	const Report &r = group.report;
	std::string title = r.title;
	if (group.count > 1)
		title += " (x" + std::to_string(group.count) + ")";
	diag(out, title);
	if (!r.location.empty())
		diag(out, "  at " + r.location);
	if (!r.message.empty() && !r.title.ends_with(mask_pointers(r.message)))
		diag(out, "  " + r.message);
	diag_frames(out, r.kind == Kind::KmemleakObject ? "backtrace:" : "call trace:", r.frames);
	diag_frames(out, "freed by:", r.freed_by);
	diag_frames(out, "allocated by:", r.allocated_by);
	if (several_runs)
		diag(out, "  seen in: " + join(group.logs, ", "));
}

void write_diagnostics(std::ostream &out, const ScenarioResult &r)
{
	if (r.verdict == Verdict::NotRun || r.verdict == Verdict::XPass) {
		if (!r.expected_comment.empty())
			diag(out, "expected-failures entry: " + r.expected_comment);
		return;
	}
	const bool several_runs = r.runs > 1;
	if (several_runs)
		diag(out, "failed in " + std::to_string(r.failed_runs) + " of " + std::to_string(r.runs) +
				  " runs");
	for (const ReportGroup &group : r.reports)
		diag_report(out, group, several_runs);
	for (const ReasonGroup &reason : r.reasons) {
		diag(out, reason.text);
		if (several_runs)
			diag(out, "  seen in: " + join(reason.logs, ", "));
	}
	for (const std::string &log : r.failed_logs)
		diag(out, "log: " + log);
	if (r.verdict == Verdict::XFail && !r.expected_comment.empty())
		diag(out, "expected failure: " + r.expected_comment);
}

std::string runs_cell(const ScenarioResult &r)
{
	if (r.failed_runs > 0 && r.runs > 1)
		return std::to_string(r.failed_runs) + "/" + std::to_string(r.runs) + " failed";
	return std::to_string(r.runs);
}

std::string summary_text(const ScenarioResult &r)
{
	switch (r.verdict) {
	case Verdict::Pass:
		return "";
	case Verdict::Fail:
	case Verdict::XFail:
		return first_problem(r);
	default:
		return r.reason;
	}
}

std::string pad(std::string_view s, std::size_t width)
{
	std::string out(s);
	if (out.size() < width)
		out.append(width - out.size(), ' ');
	return out;
}

void write_row(std::ostream &out, const std::vector<std::string> &cells, const std::vector<std::size_t> &widths)
{
	std::string line;
	for (std::size_t i = 0; i < cells.size(); i++) {
		if (i + 1 == cells.size()) {
			line += cells[i];
			break;
		}
		line += pad(cells[i], widths[i]);
		if (cells[i].size() >= widths[i])
			line += ' ';
	}
	out << trim_right(line) << '\n';
}

void json_strings(std::ostream &out, const std::vector<std::string> &items)
{
	out << '[';
	for (std::size_t i = 0; i < items.size(); i++)
		out << (i ? ", " : "") << json_quote(items[i]);
	out << ']';
}

void json_report(std::ostream &out, const ReportGroup &g, bool last)
{
	const Report &r = g.report;
	const std::string in = "          ";
	out << "        {\n";
	out << in << "\"title\": " << json_quote(r.title) << ",\n";
	out << in << "\"kind\": " << json_quote(kind_name(r.kind)) << ",\n";
	out << in << "\"count\": " << g.count << ",\n";
	out << in << "\"message\": " << json_quote(r.message) << ",\n";
	out << in << "\"location\": " << json_quote(r.location) << ",\n";
	out << in << "\"frames\": ";
	json_strings(out, r.frames);
	out << ",\n" << in << "\"freed_by\": ";
	json_strings(out, r.freed_by);
	out << ",\n" << in << "\"allocated_by\": ";
	json_strings(out, r.allocated_by);
	out << ",\n" << in << "\"log\": " << json_quote(g.logs.empty() ? "" : g.logs.front()) << ",\n";
	out << in << "\"logs\": ";
	json_strings(out, g.logs);
	out << "\n        }" << (last ? "" : ",") << '\n';
}

void json_scenario(std::ostream &out, const ScenarioResult &r, bool last)
{
	const std::string in = "      ";
	std::vector<std::string> reasons;
	for (const ReasonGroup &g : r.reasons)
		reasons.push_back(g.text);
	out << "    {\n";
	out << in << "\"name\": " << json_quote(r.name) << ",\n";
	out << in << "\"verdict\": " << json_quote(verdict_name(r.verdict)) << ",\n";
	out << in << "\"runs\": " << r.runs << ",\n";
	out << in << "\"failed_runs\": " << r.failed_runs << ",\n";
	out << in << "\"reason\": " << json_quote(r.reason) << ",\n";
	out << in << "\"expected\": " << (r.expected ? "true" : "false") << ",\n";
	out << in << "\"expected_comment\": " << json_quote(r.expected_comment) << ",\n";
	out << in << "\"reasons\": ";
	json_strings(out, reasons);
	out << ",\n" << in << "\"logs\": ";
	json_strings(out, r.failed_logs);
	out << ",\n" << in << "\"reports\": [";
	if (!r.reports.empty())
		out << '\n';
	for (std::size_t i = 0; i < r.reports.size(); i++)
		json_report(out, r.reports[i], i + 1 == r.reports.size());
	out << (r.reports.empty() ? "" : "      ") << "]\n";
	out << "    }" << (last ? "" : ",") << '\n';
}

Kind kind_from_name(std::string_view name)
{
	for (int k = static_cast<int>(Kind::None); k <= static_cast<int>(Kind::Message); k++) {
		if (name == kind_name(static_cast<Kind>(k)))
			return static_cast<Kind>(k);
	}
	return Kind::None;
}

bool read_scenario(const JsonValue &v, ScenarioResult &r, std::string &error)
{
	if (v.type != JsonValue::Type::Object || !v.get("name") || !v.get("verdict")) {
		error = "scenario without name or verdict";
		return false;
	}
	r.name = v.get_string("name");
	if (!parse_verdict(v.get_string("verdict"), r.verdict)) {
		error = "scenario " + r.name + ": unknown verdict \"" + v.get_string("verdict") + "\"";
		return false;
	}
	r.runs = static_cast<int>(v.get_int("runs"));
	r.failed_runs = static_cast<int>(v.get_int("failed_runs"));
	r.reason = v.get_string("reason");
	const JsonValue *expected = v.get("expected");
	r.expected = expected && expected->type == JsonValue::Type::Bool && expected->boolean;
	r.expected_comment = v.get_string("expected_comment");
	r.failed_logs = v.get_strings("logs");
	for (const std::string &text : v.get_strings("reasons"))
		r.reasons.push_back(ReasonGroup{text, {}});
	const JsonValue *reports = v.get("reports");
	if (!reports || reports->type != JsonValue::Type::Array)
		return true;
	for (const JsonValue &rep : reports->array) {
		ReportGroup g;
		g.report.title = rep.get_string("title");
		g.report.kind = kind_from_name(rep.get_string("kind"));
		g.report.message = rep.get_string("message");
		g.report.location = rep.get_string("location");
		g.report.frames = rep.get_strings("frames");
		g.report.freed_by = rep.get_strings("freed_by");
		g.report.allocated_by = rep.get_strings("allocated_by");
		g.count = static_cast<int>(rep.get_int("count", 1));
		g.logs = rep.get_strings("logs");
		if (g.logs.empty() && !rep.get_string("log").empty())
			g.logs.push_back(rep.get_string("log"));
		r.reports.push_back(std::move(g));
	}
	return true;
}

std::string comparison_cell(const ScenarioResult *r)
{
	if (!r)
		return "-";
	std::string cell;
	switch (r->verdict) {
	case Verdict::Pass: cell = "PASS"; break;
	case Verdict::Fail: cell = "FAIL " + first_problem(*r); break;
	case Verdict::XFail: cell = "XFAIL " + first_problem(*r); break;
	case Verdict::XPass: cell = "XPASS"; break;
	case Verdict::NotRun: cell = "NOT RUN"; break;
	}
	return truncate(cell, kComparisonCellWidth, "..");
}

} // namespace

void write_tap(std::ostream &out, const std::vector<ScenarioResult> &results, const std::string &label)
{
	out << "TAP version 13\n";
	out << "1.." << results.size() << '\n';
	if (!label.empty())
		diag(out, "label: " + label);
	for (std::size_t i = 0; i < results.size(); i++) {
		const ScenarioResult &r = results[i];
		if (r.verdict == Verdict::Pass) {
			out << "ok " << i + 1 << " - " << r.name << '\n';
			continue;
		}
		out << "not ok " << i + 1 << " - " << r.name << " # " << r.reason << '\n';
		write_diagnostics(out, r);
	}
}

void write_summary(std::ostream &out, const std::vector<ScenarioResult> &results)
{
	std::vector<std::vector<std::string>> rows;
	rows.push_back({"scenario", "verdict", "runs", "first report or reason"});
	for (const ScenarioResult &r : results)
		rows.push_back({r.name, verdict_name(r.verdict), runs_cell(r),
				truncate(summary_text(r), kSummaryReasonWidth)});
	std::vector<std::size_t> widths(rows.front().size(), 0);
	for (const auto &row : rows) {
		for (std::size_t i = 0; i < row.size(); i++)
			widths[i] = std::max(widths[i], row[i].size() + 2);
	}
	out << '\n';
	for (const auto &row : rows)
		write_row(out, row, widths);
	const Totals t = totals(results);
	out << "verdict: " << t.passed << " passed, " << t.failed << " failed\n";
}

void write_json(std::ostream &out, const std::vector<ScenarioResult> &results, const std::string &label,
		const std::vector<std::string> &logs)
{
	const Totals t = totals(results);
	out << "{\n";
	out << "  \"tool\": \"mct-verdict\",\n";
	out << "  \"format\": 1,\n";
	out << "  \"label\": " << json_quote(label) << ",\n";
	out << "  \"logs\": ";
	json_strings(out, logs);
	out << ",\n";
	out << "  \"passed\": " << t.passed << ",\n";
	out << "  \"failed\": " << t.failed << ",\n";
	out << "  \"scenarios\": [";
	if (!results.empty())
		out << '\n';
	for (std::size_t i = 0; i < results.size(); i++)
		json_scenario(out, results[i], i + 1 == results.size());
	out << (results.empty() ? "" : "  ") << "]\n";
	out << "}\n";
}

std::optional<std::vector<ScenarioResult>> read_json_results(std::string_view text, std::string &label,
							      std::string &error)
{
	const auto root = parse_json(text, &error);
	if (!root)
		return std::nullopt;
	const JsonValue *scenarios = root->get("scenarios");
	if (!scenarios || scenarios->type != JsonValue::Type::Array) {
		error = "no \"scenarios\" array: not written by mct-verdict --json";
		return std::nullopt;
	}
	label = root->get_string("label");
	std::vector<ScenarioResult> results;
	for (const JsonValue &v : scenarios->array) {
		ScenarioResult r;
		if (!read_scenario(v, r, error))
			return std::nullopt;
		results.push_back(std::move(r));
	}
	return results;
}

void write_comparison(std::ostream &out, const std::vector<LabeledResults> &columns)
{
	std::vector<std::string> names;
	for (const LabeledResults &col : columns) {
		for (const ScenarioResult &r : col.results) {
			if (std::find(names.begin(), names.end(), r.name) == names.end())
				names.push_back(r.name);
		}
	}
	std::size_t name_width = kMinScenarioWidth;
	for (const std::string &name : names)
		name_width = std::max(name_width, name.size());

	std::vector<std::size_t> widths{name_width + 1};
	std::vector<std::string> header{"scenario"};
	for (const LabeledResults &col : columns) {
		widths.push_back(kComparisonCellWidth + 1);
		header.push_back(col.label);
	}
	write_row(out, header, widths);
	for (const std::string &name : names) {
		std::vector<std::string> row{name};
		for (const LabeledResults &col : columns) {
			const auto it = std::find_if(col.results.begin(), col.results.end(),
						     [&](const ScenarioResult &r) { return r.name == name; });
			row.push_back(comparison_cell(it == col.results.end() ? nullptr : &*it));
		}
		write_row(out, row, widths);
	}
}

} // namespace mct::verdict

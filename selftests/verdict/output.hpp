// SPDX-License-Identifier: GPL-2.0
// Output: TAP 13 with diagnostics, the summary table, the JSON file, and
// the comparison table of several JSON files.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "verdict.hpp"

namespace mct::verdict {

void write_tap(std::ostream &out, const std::vector<ScenarioResult> &results, const std::string &label);

// Aligned table, then the final "verdict: N passed, N failed" line.
void write_summary(std::ostream &out, const std::vector<ScenarioResult> &results);

void write_json(std::ostream &out, const std::vector<ScenarioResult> &results, const std::string &label,
		const std::vector<std::string> &logs);

// Reads back what write_json wrote.  label is set from the file (may be "").
std::optional<std::vector<ScenarioResult>> read_json_results(std::string_view text, std::string &label,
							      std::string &error);

struct LabeledResults {
	std::string label;
	std::vector<ScenarioResult> results;
};

// Scenario x label table: "PASS", "FAIL <first report>", ...; "-" where a
// file has no such scenario.
void write_comparison(std::ostream &out, const std::vector<LabeledResults> &columns);

inline constexpr std::size_t kSummaryReasonWidth = 100;
inline constexpr std::size_t kComparisonCellWidth = 49;

} // namespace mct::verdict

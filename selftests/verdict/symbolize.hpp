// SPDX-License-Identifier: GPL-2.0
// Optional source locations through the kernel's scripts/faddr2line.
// Best effort: without a usable vmlinux and faddr2line nothing happens.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parse.hpp"

namespace mct::verdict {

class Symbolizer {
public:
	Symbolizer(std::string faddr2line, std::string vmlinux);

	// Both files exist and faddr2line is executable.
	bool usable() const { return usable_; }

	// "drivers/x.c:12" for "func+0x1/0x2", "" if unknown.  Frames of
	// modules ("func+0x1/0x2 [mod]") are not in vmlinux and are skipped.
	std::string locate(std::string_view frame);

private:
	std::string faddr2line_;
	std::string vmlinux_;
	bool usable_ = false;
	std::map<std::string, std::string> cache_;
};

// "file:line" of the innermost location in faddr2line's output.
std::string parse_faddr2line_output(std::string_view output);

// Runs argv[0] (no shell) and returns its stdout if it exits with 0.
// Its stderr goes to /dev/null.
std::optional<std::string> run_capture(const std::vector<std::string> &argv);

// Fills Report::location of every report whose title function is in vmlinux.
void symbolize(std::vector<ParsedLog> &logs, Symbolizer &symbolizer);

} // namespace mct::verdict

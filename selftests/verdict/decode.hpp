// SPDX-License-Identifier: GPL-2.0
// Decoding of one kernel report: normalized title, first frames of the call
// trace, KASAN/KFENCE "freed by"/"allocated by" stacks, kmemleak backtrace.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parse.hpp"

namespace mct::verdict {

inline constexpr std::size_t kMaxFrames = 4;

struct Frame {
	std::string text;	// "func+0x12/0x34 [mod]" (address prefix dropped)
	std::string function;	// "func"
	bool unreliable = false;// printed with a leading "? "
};

// Parses one stack frame line: " func+0x12/0x34 [mod]", " ? func+...",
// "[<ffffffff81234567>] func+0x12/0x34", decoded "func (file.c:12)" or
// syzbot's "func file.c:12 [inline]".  nullopt if the line is no frame.
std::optional<Frame> parse_frame(std::string_view line);

// Function name without compiler suffixes (.constprop.0, .isra.0, .cold...).
std::string base_function(std::string_view function);

// Frames not worth showing, per stack kind.
bool skip_call_trace_frame(std::string_view function);
bool skip_freed_frame(std::string_view function);
bool skip_allocated_frame(std::string_view function);

// Title normalization (exposed for tests).  rip is the faulting function
// from the "RIP:" line ("" if unknown).
std::string normalize_title(Kind kind, std::string_view title_line, std::string_view rip,
			    std::string_view message);

// Replaces kernel pointers (8+ hex digits) by '*' so that a message is stable
// across runs.
std::string mask_pointers(std::string_view text);

// Full decoding of one raw report.
Report decode_report(const RawReport &raw);

// "func+0x1d4/0x2a0" of the function a report is about: the one named in
// its title, else its first frame.  "" if none.
std::string title_function(const Report &report);

} // namespace mct::verdict

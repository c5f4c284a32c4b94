// SPDX-License-Identifier: GPL-2.0
// Console log -> lines -> scenario runs -> kernel reports.
//
// The guest init frames each scenario with "MCT: BEGIN name" and
// "MCT: END name rc=N time_ms=N" (and ends with "MCT: FINISHED").  Kernel
// reports between BEGIN X and the next BEGIN belong to X; reports before the
// first BEGIN belong to the pseudo-scenario "boot".
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mct::verdict {

inline constexpr const char *kBootScenario = "boot";

// One console line.  Physical lines that carry a second kernel timestamp in
// the middle (printk interleaved with userspace output) are split in two.
struct LogLine {
	std::string text;	 // without timestamp, caller id, \r, trailing blanks
	std::string raw;	 // as in the log, without \r and trailing blanks
	std::size_t lineno = 0;	 // 1-based physical line number
};

// Returns the line without a leading "[   12.345678] " (and an optional
// "[T123]"/"[C1]" caller id after it).
std::string_view strip_timestamp(std::string_view line);

// Splits a whole log into lines; drops \r, NUL and ANSI escape sequences.
std::vector<LogLine> split_lines(std::string_view content);

struct Marker {
	enum class Type { None, Begin, End, Finished };
	Type type = Type::None;
	std::string name;
	std::optional<int> rc;
	std::optional<long> time_ms;
};

// Recognises "MCT: BEGIN x", "MCT: END x rc=N time_ms=N", "MCT: FINISHED"
// anywhere in the line (console output may be interleaved).
Marker parse_marker(std::string_view text);

enum class Kind {
	None,
	Kasan,		 // BUG: KASAN: ...
	Kfence,		 // BUG: KFENCE: ...
	Bug,		 // any other BUG: ...
	KernelBug,	 // kernel BUG at file:line!
	Warn,		 // WARNING: CPU: n PID: n at file:line func
	Lockdep,	 // other WARNING: lines (lockdep, RCU), [ INFO: ... ]
	Oops,		 // Oops: ..., Internal error: Oops
	Gpf,		 // general protection fault
	Panic,		 // Kernel panic - not syncing
	KmemleakObject,	 // unreferenced object 0x... (size N):
	KmemleakSummary, // kmemleak: N new suspected memory leaks
	HungTask,	 // INFO: task comm:pid blocked for more than N seconds.
	RcuStall,	 // rcu: INFO: rcu_preempt detected stalls ...
	Ubsan,		 // UBSAN: ...
	Message,	 // list_add/list_del corruption, ODEBUG:, refcount_t:
};

const char *kind_name(Kind kind);

// Classifies a line (timestamp already stripped) as the first line of a
// kernel report, or Kind::None.
Kind classify_title(std::string_view text);

// A report as cut out of the log, before decoding.
struct RawReport {
	Kind kind = Kind::None;
	std::vector<std::string> lines; // lines[0] is the title line
	std::string message;		// WARN message / corruption line, if any
	std::size_t lineno = 0;		// line number of the title
};

// A decoded report.
struct Report {
	Kind kind = Kind::None;
	std::string title;	// normalized one-line title
	std::string message;	// extra line (WARN message, lock names...)
	std::vector<std::string> frames;
	std::vector<std::string> freed_by;
	std::vector<std::string> allocated_by;
	std::string location;	// file:line from faddr2line, if asked for
	std::size_t lineno = 0; // where the report starts in its log
};

// Cuts reports out of a stream of lines.  Feed every line of a scenario
// window; call boundary() at markers and take() at the end of the window.
class ReportSplitter {
public:
	void feed(const LogLine &line);
	void boundary();
	std::vector<RawReport> take();

private:
	struct Open {
		RawReport report;
		bool bracketed = false;	     // opened right after a "====" line
		bool saw_stack_backtrace = false;
	};

	void start(Kind kind, const LogLine &line, std::string message);
	void close();
	bool feed_open(const LogLine &line, Kind kind);
	void feed_idle(const LogLine &line, Kind kind);

	std::optional<Open> open_;
	std::vector<RawReport> done_;
	bool bracket_pending_ = false;
	bool in_preamble_ = false;
	std::vector<std::string> preamble_;
};

// One execution of one scenario (one BEGIN..next BEGIN window of one log).
struct Run {
	std::string scenario;
	std::string log;
	bool is_boot = false;
	bool has_end = false;
	std::optional<int> rc;
	std::optional<long> time_ms;
	std::string not_ok;	    // last "not ok" line in the window
	std::string last_log_line;  // last non-blank line of the whole log
	bool log_has_begin = true;  // for boot: did the log start any scenario
	std::vector<Report> reports;

	// Non-report reasons for failure (missing END, rc != 0...).
	std::vector<std::string> reasons() const;
	bool failed() const { return !reports.empty() || !reasons().empty(); }
};

struct ParsedLog {
	std::string path;
	Run boot;		// reports before the first BEGIN
	std::vector<Run> runs;	// in log order
	bool finished = false;	// saw "MCT: FINISHED"
};

// Parses one whole log.  Never fails: malformed input yields failed runs.
ParsedLog parse_log(std::string_view content, const std::string &path);

// Reports of one window: decoded, with consequences of an earlier report
// (a panic after an Oops, a kmemleak summary next to its objects) dropped.
std::vector<Report> decode_reports(std::vector<RawReport> raw);

} // namespace mct::verdict

// SPDX-License-Identifier: GPL-2.0
// Console log -> lines -> scenario runs -> raw kernel reports.
#include "parse.hpp"

#include <charconv>

#include "strutil.hpp"

namespace mct::verdict {

namespace {

// Length of a "[%5lu.%06lu]" printk timestamp at s[pos], 0 if none.
std::size_t timestamp_len(std::string_view s, std::size_t pos)
{
	if (pos >= s.size() || s[pos] != '[')
		return 0;
	std::size_t i = pos + 1;
	while (i < s.size() && s[i] == ' ')
		i++;
	const std::size_t int_start = i;
	while (i < s.size() && is_digit(s[i]))
		i++;
	if (i == int_start || i >= s.size() || s[i] != '.')
		return 0;
	const std::size_t frac_start = ++i;
	while (i < s.size() && is_digit(s[i]))
		i++;
	if (i - frac_start != 6 || i >= s.size() || s[i] != ']')
		return 0;
	return i + 1 - pos;
}

// Length of a CONFIG_PRINTK_CALLER id ("[  T123]", "[C1]") at s[pos].
std::size_t caller_len(std::string_view s, std::size_t pos)
{
	if (pos >= s.size() || s[pos] != '[')
		return 0;
	std::size_t i = pos + 1;
	while (i < s.size() && s[i] == ' ')
		i++;
	if (i >= s.size() || (s[i] != 'T' && s[i] != 'C'))
		return 0;
	const std::size_t digits = ++i;
	while (i < s.size() && is_digit(s[i]))
		i++;
	if (i == digits || i >= s.size() || s[i] != ']')
		return 0;
	return i + 1 - pos;
}

// Drops \r, NUL, other control characters but tab, and ANSI escapes.
std::string strip_controls(std::string_view s)
{
	std::string out;
	out.reserve(s.size());
	for (std::size_t i = 0; i < s.size(); i++) {
		const char c = s[i];
		if (c == '\x1b') {
			if (i + 1 < s.size() && s[i + 1] == '[') {
				i += 2;
				while (i < s.size() && !(s[i] >= 0x40 && s[i] <= 0x7e))
					i++;
			} else {
				i++;
			}
			continue;
		}
		if (static_cast<unsigned char>(c) < 0x20 && c != '\t')
			continue;
		out.push_back(c);
	}
	return out;
}

LogLine make_line(std::string_view piece, std::size_t lineno)
{
	LogLine line;
	line.raw = std::string(trim_right(piece));
	line.text = std::string(trim_right(strip_timestamp(piece)));
	line.lineno = lineno;
	return line;
}

// Splits a physical line at printk timestamps that follow other text.
void split_physical_line(std::string_view clean, std::size_t lineno, std::vector<LogLine> &out)
{
	std::size_t start = 0;
	for (std::size_t i = 1; i < clean.size(); i++) {
		if (clean[i] != '[' || timestamp_len(clean, i) == 0)
			continue;
		if (trim(clean.substr(start, i - start)).empty())
			continue;
		out.push_back(make_line(clean.substr(start, i - start), lineno));
		start = i;
	}
	out.push_back(make_line(clean.substr(start), lineno));
}

template <typename T> std::optional<T> parse_number(std::string_view s)
{
	T value{};
	const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
	if (ec != std::errc() || ptr != s.data() + s.size())
		return std::nullopt;
	return value;
}

bool is_separator(std::string_view text)
{
	text = trim(text);
	if (text.size() < 20)
		return false;
	for (char c : text) {
		if (c != '=')
			return false;
	}
	return true;
}

bool is_cut_here(std::string_view text) { return contains(text, "[ cut here ]"); }

bool is_end_trace(std::string_view text) { return trim(text).starts_with("---[ end "); }

// "WARNING: CPU: 0 PID: 1 at file:line func" (or its older/newer forms) as
// opposed to lockdep's "WARNING: possible circular locking ...".
bool is_warn_splat(std::string_view text)
{
	std::string_view rest = text.substr(9); // after "WARNING: "
	if (rest.starts_with("CPU:") || rest.starts_with("at "))
		return true;
	const std::size_t at = rest.find(" at ");
	if (at == std::string_view::npos)
		return false;
	const std::string_view loc = rest.substr(0, at);
	const std::size_t colon = loc.rfind(':');
	return colon != std::string_view::npos && colon + 1 < loc.size() &&
	       is_digit(loc[colon + 1]) && !contains(loc, " ");
}

bool absorbs_message(Kind kind)
{
	return kind == Kind::Warn || kind == Kind::KernelBug || kind == Kind::Oops ||
	       kind == Kind::Gpf || kind == Kind::Bug;
}

bool closes_on_separator(Kind kind, bool bracketed)
{
	return kind == Kind::Kasan || kind == Kind::Kfence || kind == Kind::Ubsan ||
	       (kind == Kind::Bug && bracketed);
}

bool tolerates_blank(Kind kind, bool bracketed)
{
	return bracketed || kind == Kind::Kasan || kind == Kind::Kfence || kind == Kind::Ubsan ||
	       kind == Kind::Lockdep;
}

// A title line that continues the open report instead of starting a new
// one: the Oops line of a BUG, the panic caused by a crash, the corruption
// message printed with a WARN.
bool is_inner(const RawReport &open, Kind kind)
{
	switch (kind) {
	case Kind::Oops:
		return open.kind == Kind::Bug || open.kind == Kind::KernelBug;
	case Kind::Panic:
		return true;
	case Kind::Message:
		return absorbs_message(open.kind) && open.lines.size() <= 8 && open.message.empty();
	default:
		return false;
	}
}

constexpr std::size_t kMaxReportLines = 4000;

} // namespace

std::string_view strip_timestamp(std::string_view line)
{
	std::size_t n = timestamp_len(line, 0);
	if (n == 0)
		return line;
	n += caller_len(line, n);
	if (n < line.size() && line[n] == ' ')
		n++;
	return line.substr(n);
}

std::vector<LogLine> split_lines(std::string_view content)
{
	std::vector<LogLine> out;
	std::size_t pos = 0;
	std::size_t lineno = 0;
	while (pos < content.size()) {
		const std::size_t nl = content.find('\n', pos);
		const std::size_t end = nl == std::string_view::npos ? content.size() : nl;
		lineno++;
		split_physical_line(strip_controls(content.substr(pos, end - pos)), lineno, out);
		pos = end + 1;
	}
	return out;
}

Marker parse_marker(std::string_view text)
{
	Marker m;
	std::size_t pos = 0;
	while ((pos = text.find("MCT: ", pos)) != std::string_view::npos) {
		const auto words = split_words(text.substr(pos + 5));
		pos += 5;
		if (words.empty())
			continue;
		if (words[0] == "BEGIN") {
			m.type = Marker::Type::Begin;
			if (words.size() > 1)
				m.name = std::string(words[1]);
			return m;
		}
		if (words[0] == "END") {
			m.type = Marker::Type::End;
			if (words.size() > 1 && !words[1].starts_with("rc="))
				m.name = std::string(words[1]);
			for (const auto w : words) {
				if (w.starts_with("rc="))
					m.rc = parse_number<int>(w.substr(3));
				else if (w.starts_with("time_ms="))
					m.time_ms = parse_number<long>(w.substr(8));
			}
			return m;
		}
		if (words[0] == "FINISHED") {
			m.type = Marker::Type::Finished;
			return m;
		}
	}
	return m;
}

const char *kind_name(Kind kind)
{
	switch (kind) {
	case Kind::None: return "none";
	case Kind::Kasan: return "kasan";
	case Kind::Kfence: return "kfence";
	case Kind::Bug: return "bug";
	case Kind::KernelBug: return "kernel-bug";
	case Kind::Warn: return "warning";
	case Kind::Lockdep: return "lockdep";
	case Kind::Oops: return "oops";
	case Kind::Gpf: return "gpf";
	case Kind::Panic: return "panic";
	case Kind::KmemleakObject: return "kmemleak";
	case Kind::KmemleakSummary: return "kmemleak-summary";
	case Kind::HungTask: return "hung-task";
	case Kind::RcuStall: return "rcu-stall";
	case Kind::Ubsan: return "ubsan";
	case Kind::Message: return "corruption";
	}
	return "unknown";
}

Kind classify_title(std::string_view t)
{
	if (t.empty() || is_blank(t.front()))
		return Kind::None;
	if (t.starts_with("BUG: KASAN: "))
		return Kind::Kasan;
	if (t.starts_with("BUG: KFENCE: "))
		return Kind::Kfence;
	if (t.starts_with("BUG: "))
		return Kind::Bug;
	if (t.starts_with("watchdog: BUG: ") || t.starts_with("watchdog: Watchdog detected hard LOCKUP"))
		return Kind::Bug;
	if (t.starts_with("BUG ") && contains(t, "): ")) // SLUB debug
		return Kind::Bug;
	if (t.starts_with("kernel BUG at "))
		return Kind::KernelBug;
	if (t.starts_with("WARNING: "))
		return is_warn_splat(t) ? Kind::Warn : Kind::Lockdep;
	if (t.starts_with("[ INFO: ") || t.starts_with("[ BUG: ")) // old lockdep
		return Kind::Lockdep;
	if (t.starts_with("Oops: general protection fault") || t.starts_with("general protection fault"))
		return Kind::Gpf;
	if (t.starts_with("Oops: ") || t.starts_with("Oops - ") || t == "Oops" ||
	    t.starts_with("Internal error: Oops"))
		return Kind::Oops;
	if (t.starts_with("Kernel panic - not syncing"))
		return Kind::Panic;
	if (t.starts_with("unreferenced object 0x"))
		return Kind::KmemleakObject;
	if (t.starts_with("kmemleak: ") && contains(t, "new suspected memory leak"))
		return Kind::KmemleakSummary;
	if (t.starts_with("INFO: task ") && contains(t, " blocked for more than "))
		return Kind::HungTask;
	if ((t.starts_with("rcu: INFO: ") || t.starts_with("INFO: rcu_")) && contains(t, "stall"))
		return Kind::RcuStall;
	if (t.starts_with("UBSAN: "))
		return Kind::Ubsan;
	if (t.starts_with("list_add corruption") || t.starts_with("list_del corruption") ||
	    t.starts_with("list_add double add") || t.starts_with("ODEBUG: ") ||
	    t.starts_with("refcount_t: "))
		return Kind::Message;
	return Kind::None;
}

void ReportSplitter::start(Kind kind, const LogLine &line, std::string message)
{
	Open open;
	open.report.kind = kind;
	open.report.lines.push_back(line.text);
	open.report.message = std::move(message);
	open.report.lineno = line.lineno;
	open.bracketed = bracket_pending_;
	open_ = std::move(open);
	bracket_pending_ = false;
	in_preamble_ = false;
	preamble_.clear();
	if (kind == Kind::KmemleakSummary)
		close();
}

void ReportSplitter::close()
{
	if (!open_)
		return;
	done_.push_back(std::move(open_->report));
	open_.reset();
}

// Returns false if the report was closed and the line still has to be
// looked at as if no report were open.
bool ReportSplitter::feed_open(const LogLine &line, Kind kind)
{
	Open &o = *open_;
	RawReport &r = o.report;
	const std::string_view t = line.text;

	if (is_end_trace(t)) {
		r.lines.push_back(line.text);
		close();
		return true;
	}
	if (is_separator(t)) {
		if (!closes_on_separator(r.kind, o.bracketed)) {
			close();
			return false; // probably opens the next report
		}
		r.lines.push_back(line.text);
		close();
		return true;
	}
	if (is_cut_here(t)) {
		if (r.kind == Kind::Message && r.lines.size() <= 3)
			return true; // the WARN/BUG that prints the message follows
		close();
		return false;
	}
	if (kind != Kind::None) {
		if (is_inner(r, kind)) {
			if (kind == Kind::Message)
				r.message = std::string(trim(t));
			r.lines.push_back(line.text);
			return true;
		}
		if (r.kind == Kind::Message && r.lines.size() <= 4 && absorbs_message(kind)) {
			std::string message = r.lines.front();
			open_.reset();
			start(kind, line, std::move(message));
			return true;
		}
		close();
		return false;
	}
	const bool blank = trim(t).empty();
	if (blank && !tolerates_blank(r.kind, o.bracketed)) {
		close();
		return true;
	}
	if (r.kind == Kind::KmemleakObject && !blank && !is_blank(t.front())) {
		close(); // kmemleak object lines are all indented
		return false;
	}
	r.lines.push_back(line.text);
	if (trim(t) == "stack backtrace:")
		o.saw_stack_backtrace = true;
	else if (o.saw_stack_backtrace && trim(t) == "</TASK>")
		close(); // lockdep reports end with their stack backtrace
	else if (r.lines.size() >= kMaxReportLines)
		close();
	return true;
}

void ReportSplitter::feed_idle(const LogLine &line, Kind kind)
{
	const std::string_view t = line.text;
	if (is_separator(t)) {
		bracket_pending_ = true;
		in_preamble_ = false;
		return;
	}
	if (is_cut_here(t)) {
		bracket_pending_ = false;
		in_preamble_ = true;
		preamble_.clear();
		return;
	}
	if (kind != Kind::None) {
		std::string message;
		if (in_preamble_ && !preamble_.empty() && absorbs_message(kind))
			message = preamble_.front();
		start(kind, line, std::move(message));
		return;
	}
	if (in_preamble_) {
		if (!trim(t).empty() && preamble_.size() < 3)
			preamble_.emplace_back(trim(t));
		else
			in_preamble_ = false;
	}
	bracket_pending_ = false;
}

void ReportSplitter::feed(const LogLine &line)
{
	const Kind kind = classify_title(line.text);
	if (open_ && feed_open(line, kind))
		return;
	feed_idle(line, kind);
}

void ReportSplitter::boundary()
{
	close();
	bracket_pending_ = false;
	in_preamble_ = false;
	preamble_.clear();
}

std::vector<RawReport> ReportSplitter::take()
{
	boundary();
	std::vector<RawReport> out = std::move(done_);
	done_.clear();
	return out;
}

std::vector<std::string> Run::reasons() const
{
	const std::string last = last_log_line.empty() ? "(empty log)" : "\"" + last_log_line + "\"";
	if (is_boot) {
		if (!log_has_begin)
			return {"no BEGIN marker in log: the guest did not start any scenario (last line: " +
				last + ")"};
		return {};
	}
	if (!has_end)
		return {"no END marker: guest hung, crashed or timed out (last line: " + last + ")"};
	if (!rc)
		return {"malformed END marker: no rc="};
	if (*rc != 0) {
		std::string reason = "test program exited rc=" + std::to_string(*rc);
		if (!not_ok.empty())
			reason += ": " + not_ok;
		return {reason};
	}
	return {};
}

ParsedLog parse_log(std::string_view content, const std::string &path)
{
	ParsedLog out;
	out.path = path;
	out.boot.scenario = kBootScenario;
	out.boot.log = path;
	out.boot.is_boot = true;

	const std::vector<LogLine> lines = split_lines(content);
	std::string last;
	for (const LogLine &l : lines) {
		if (!trim(l.raw).empty())
			last = truncate(trim(l.raw), 200);
	}

	ReportSplitter splitter;
	std::optional<std::size_t> cur;
	auto current = [&]() -> Run & { return cur ? out.runs[*cur] : out.boot; };
	auto finish = [&]() { current().reports = decode_reports(splitter.take()); };

	for (const LogLine &l : lines) {
		const Marker m = parse_marker(l.text);
		switch (m.type) {
		case Marker::Type::Begin: {
			finish();
			Run run;
			run.scenario = m.name.empty() ? "<unnamed>" : m.name;
			run.log = path;
			out.runs.push_back(std::move(run));
			cur = out.runs.size() - 1;
			continue;
		}
		case Marker::Type::End: {
			splitter.boundary();
			Run &run = current();
			if (cur && !run.has_end && (m.name.empty() || m.name == run.scenario)) {
				run.has_end = true;
				run.rc = m.rc;
				run.time_ms = m.time_ms;
			}
			continue;
		}
		case Marker::Type::Finished:
			splitter.boundary();
			out.finished = true;
			continue;
		case Marker::Type::None:
			break;
		}
		splitter.feed(l);
		const std::string_view text = trim(l.text);
		if (cur && text.starts_with("not ok"))
			current().not_ok = std::string(text);
	}
	finish();

	out.boot.log_has_begin = !out.runs.empty();
	out.boot.last_log_line = last;
	for (Run &run : out.runs)
		run.last_log_line = last;
	return out;
}

} // namespace mct::verdict

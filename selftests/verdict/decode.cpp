// SPDX-License-Identifier: GPL-2.0
// Decoding of kernel reports: titles, call traces, KASAN stacks.
#include "decode.hpp"

#include <functional>

#include "strutil.hpp"

namespace mct::verdict {

namespace {

using SkipFn = std::function<bool(std::string_view)>;

bool is_symbol_char(char c)
{
	return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '$';
}

bool in_list(std::string_view name, std::initializer_list<std::string_view> list)
{
	for (const auto item : list) {
		if (name == item)
			return true;
	}
	return false;
}

bool has_prefix(std::string_view name, std::initializer_list<std::string_view> list)
{
	for (const auto item : list) {
		if (name.starts_with(item))
			return true;
	}
	return false;
}

// "RIP: 0010:func+0x1/0x2 [mod]", "pc : func+0x1/0x2": the kernel function
// a crash happened in.  User-mode RIPs ("RIP: 0033:0x4a1b27") are ignored.
std::string find_rip(const std::vector<std::string> &lines)
{
	for (const std::string &line : lines) {
		std::string_view s = trim(line);
		if (s.starts_with("RIP: ")) {
			const std::size_t colon = s.find(':', 5);
			if (colon == std::string_view::npos)
				continue;
			s = s.substr(colon + 1);
		} else if (s.starts_with("pc : ")) {
			s = s.substr(5);
		} else {
			continue;
		}
		if (const auto frame = parse_frame(s))
			return frame->text;
	}
	return "";
}

// "(&dev->lock){+.+.}-{4:4}, at: ..." -> "&dev->lock".
std::string lock_name(std::string_view line)
{
	const std::size_t open = line.find('(');
	const std::size_t close = line.rfind("){");
	if (open == std::string_view::npos || close == std::string_view::npos || close <= open)
		return "";
	return std::string(line.substr(open + 1, close - open - 1));
}

// For lockdep reports: which lock was taken while holding which.
std::string lockdep_locks(const std::vector<std::string> &lines)
{
	std::string acquiring, holding;
	for (std::size_t i = 0; i + 1 < lines.size(); i++) {
		const std::string_view s = trim(lines[i]);
		if (acquiring.empty() && s.ends_with("is trying to acquire lock:"))
			acquiring = lock_name(lines[i + 1]);
		else if (holding.empty() && s == "but task is already holding lock:")
			holding = lock_name(lines[i + 1]);
	}
	if (!acquiring.empty() && !holding.empty())
		return "acquiring " + acquiring + " while holding " + holding;
	// Otherwise the first line after the "-----" under the title says what
	// happened ("drivers/x.c:12 suspicious rcu_dereference_check() usage!").
	for (std::size_t i = 1; i + 1 < lines.size(); i++) {
		if (!trim(lines[i]).starts_with("----------"))
			continue;
		for (std::size_t j = i + 1; j < lines.size() && j < i + 4; j++) {
			if (!trim(lines[j]).empty())
				return std::string(trim(lines[j]));
		}
		break;
	}
	return "";
}

bool is_register_line(std::string_view s)
{
	const std::size_t colon = s.find(':');
	if (colon < 2 || colon > 5 || colon == std::string_view::npos)
		return false;
	if (!std::isupper(static_cast<unsigned char>(s.front())))
		return false;
	for (std::size_t i = 0; i < colon; i++) {
		if (!std::isalnum(static_cast<unsigned char>(s[i])))
			return false;
	}
	return true;
}

// Collects the frames that follow lines[start-1] (a section header).
// With prefer_task, frames inside <IRQ>/<NMI> are used only if the task
// part of the stack has none (stall reports interrupt the looping task).
std::vector<std::string> collect_frames(const std::vector<std::string> &lines, std::size_t start,
					const SkipFn &skip, bool prefer_task = false)
{
	std::vector<std::string> frames, irq_frames;
	bool in_irq = false;
	for (std::size_t i = start; i < lines.size(); i++) {
		const std::string_view s = trim(lines[i]);
		if (s.empty())
			break;
		if (s.front() == '<' && s.back() == '>') {
			if (s == "</TASK>")
				break;
			if (s == "<IRQ>" || s == "<NMI>" || s == "<SOFTIRQ>")
				in_irq = true;
			else if (s == "</IRQ>" || s == "</NMI>" || s == "</SOFTIRQ>" || s == "<EOI>")
				in_irq = false;
			continue;
		}
		const auto frame = parse_frame(s);
		if (!frame) {
			if (is_register_line(s))
				continue;
			break;
		}
		if (frame->unreliable || skip(frame->function))
			continue;
		if (prefer_task && in_irq) {
			irq_frames.push_back(frame->text);
			continue;
		}
		frames.push_back(frame->text);
		if (!prefer_task && frames.size() >= kMaxFrames)
			break;
	}
	if (frames.empty())
		frames = std::move(irq_frames);
	if (frames.size() > kMaxFrames)
		frames.resize(kMaxFrames);
	return frames;
}

// Frames of the first section whose header line satisfies is_header.
std::vector<std::string> section_frames(const std::vector<std::string> &lines,
					const std::function<bool(std::string_view)> &is_header,
					const SkipFn &skip, bool prefer_task = false)
{
	for (std::size_t i = 1; i < lines.size(); i++) {
		if (is_header(trim(lines[i])))
			return collect_frames(lines, i + 1, skip, prefer_task);
	}
	return {};
}

bool is_call_trace_header(std::string_view s) { return iequals_prefix(s, "call trace:"); }

bool is_kfence_access_header(std::string_view s)
{
	return contains(s, "(in kfence-#") && s.ends_with("):");
}

bool is_kmemleak_backtrace_header(std::string_view s) { return s.starts_with("backtrace"); }

std::function<bool(std::string_view)> header_containing(std::string_view what)
{
	return [what](std::string_view s) { return icontains(s, what) && s.ends_with(":"); };
}

// "drivers/x.c:12", the part of a WARNING line before " at " in the newer
// "WARNING: drivers/x.c:12 at func+0x1/0x2, CPU#0: comm/1" format.
bool looks_like_file_line(std::string_view s)
{
	const std::size_t colon = s.rfind(':');
	return colon != std::string_view::npos && colon + 1 < s.size() && is_digit(s[colon + 1]) &&
	       !contains(s, " ");
}

std::string strip_trailing(std::string_view s, std::string_view chars)
{
	while (!s.empty() && chars.find(s.back()) != std::string_view::npos)
		s.remove_suffix(1);
	return std::string(s);
}

std::string warn_title(std::string_view t)
{
	const std::string_view rest = t.substr(9); // after "WARNING: "
	const std::size_t at = rest.find(" at ");
	if (rest.starts_with("at "))
		return "WARNING at " + strip_trailing(trim(rest.substr(3)), " ");
	if (at == std::string_view::npos)
		return std::string(t);
	const std::string_view before = rest.substr(0, at);
	const auto after = split_words(rest.substr(at + 4));
	if (!before.starts_with("CPU:") && looks_like_file_line(before)) {
		std::string title = "WARNING at " + std::string(before);
		if (!after.empty())
			title += " " + strip_trailing(after[0], ",");
		return title;
	}
	if (after.empty())
		return std::string(t);
	std::string title = "WARNING at " + std::string(after[0]);
	if (after.size() > 1 && !after[1].starts_with("["))
		title += " " + strip_trailing(after[1], ",");
	return title;
}

// "Oops: 0000 [#1] PREEMPT SMP" -> "Oops"; "general protection fault,
// probably for non-canonical address 0xdffffc0000000003: 0000 [#1] ..." ->
// "general protection fault, probably for non-canonical address 0x...".
std::string cut_error_code(std::string_view t)
{
	const std::size_t die = t.find(" [#");
	if (die == std::string_view::npos)
		return std::string(t);
	const std::size_t colon = t.substr(0, die).rfind(": ");
	if (colon == std::string_view::npos)
		return std::string(t.substr(0, die));
	return std::string(t.substr(0, colon));
}

std::string with_rip(std::string title, std::string_view rip)
{
	if (!rip.empty())
		title += " in " + std::string(rip);
	return title;
}

std::string bug_title(std::string_view t, std::string_view rip)
{
	if (t.starts_with("watchdog: "))
		t.remove_prefix(10);
	if (contains(t, "NULL pointer dereference"))
		return with_rip("BUG: kernel NULL pointer dereference", rip);
	if (t.starts_with("BUG: unable to handle page fault"))
		return with_rip("BUG: unable to handle page fault", rip);
	if (t.starts_with("BUG: unable to handle kernel paging request"))
		return with_rip("BUG: unable to handle kernel paging request", rip);
	if (t.starts_with("BUG: soft lockup")) {
		const auto frame = parse_frame(rip);
		return frame ? "BUG: soft lockup in " + frame->function : "BUG: soft lockup";
	}
	if (t.starts_with("BUG: workqueue lockup")) {
		const std::size_t stuck = t.find(" stuck for ");
		return std::string(t.substr(0, stuck));
	}
	if (t.starts_with("BUG: scheduling while atomic: ")) {
		const std::size_t slash = t.find('/', 30);
		return std::string(t.substr(0, slash));
	}
	return std::string(t);
}

// "INFO: task kworker/0:1:45 blocked for more than 122 seconds." ->
// "INFO: task kworker/0:1 blocked for more than 122 seconds".
std::string hung_task_title(std::string_view t)
{
	constexpr std::string_view prefix = "INFO: task ";
	constexpr std::string_view blocked = " blocked for more than ";
	const std::size_t b = t.find(blocked);
	std::string_view task = t.substr(prefix.size(), b - prefix.size());
	const std::size_t colon = task.rfind(':');
	if (colon != std::string_view::npos && colon + 1 < task.size() && is_digit(task[colon + 1]))
		task = task.substr(0, colon);
	return "INFO: task " + std::string(task) + std::string(blocked) +
	       strip_trailing(t.substr(b + blocked.size()), ".");
}

std::string rcu_stall_title(std::string_view t)
{
	for (const std::string_view end : {std::string_view("CPUs/tasks"), std::string_view("on CPU")}) {
		const std::size_t p = t.find(end);
		if (p != std::string_view::npos)
			return std::string(t.substr(0, p + end.size()));
	}
	return strip_trailing(t, ": ");
}

std::string kmemleak_title(std::string_view t)
{
	const std::size_t open = t.find("(size ");
	const std::size_t close = t.find(')', open);
	if (open == std::string_view::npos || close == std::string_view::npos)
		return "kmemleak: unreferenced object";
	return "kmemleak: unreferenced object " + std::string(t.substr(open, close + 1 - open));
}

std::string with_known_message(std::string title, std::string_view message)
{
	if (!message.empty() && classify_title(message) == Kind::Message)
		title += ": " + mask_pointers(trim(message));
	return title;
}

bool needs_rip(Kind kind) { return kind == Kind::Oops || kind == Kind::Gpf || kind == Kind::Bug; }

} // namespace

std::optional<Frame> parse_frame(std::string_view line)
{
	std::string_view s = trim(line);
	if (s.starts_with("[<")) {
		const std::size_t end = s.find(">]");
		if (end == std::string_view::npos)
			return std::nullopt;
		s = trim_left(s.substr(end + 2));
	}
	Frame frame;
	if (s.starts_with("? ")) {
		frame.unreliable = true;
		s = trim_left(s.substr(2));
	}
	std::size_t n = 0;
	while (n < s.size() && is_symbol_char(s[n]))
		n++;
	if (n == 0 || is_digit(s.front()))
		return std::nullopt;
	frame.function = std::string(s.substr(0, n));
	const std::string_view rest = s.substr(n);
	if (rest.starts_with("+0x")) {
		std::size_t end = 1;
		while (end < rest.size() && (is_hex(rest[end]) || rest[end] == 'x' || rest[end] == '/'))
			end++;
		frame.text = frame.function + std::string(rest.substr(0, end));
		const std::string_view after = trim_left(rest.substr(end));
		const std::size_t close = after.find(']');
		if (after.starts_with("[") && close != std::string_view::npos) {
			const std::string_view module = after.substr(0, close + 1);
			if (!contains(module, " ") && module != "[inline]")
				frame.text += " " + std::string(module);
		}
		return frame;
	}
	// Frames decoded by decode_stacktrace.sh / syzbot: "func (file.c:12)",
	// "func file.c:12 [inline]".
	if (rest.starts_with(" (") ||
	    (rest.starts_with(" ") && (contains(rest, ".c:") || contains(rest, ".h:")))) {
		frame.text = std::string(s);
		return frame;
	}
	return std::nullopt;
}

std::string base_function(std::string_view function)
{
	const std::size_t dot = function.find('.', 1);
	return std::string(function.substr(0, dot));
}

bool skip_call_trace_frame(std::string_view function)
{
	const std::string name = base_function(function);
	if (has_prefix(name, {"__asan_", "__kasan_", "kasan_", "__ubsan_", "__hwasan_", "lockdep_"}))
		return true;
	return in_list(name, {
		// stack dumping and KASAN/UBSAN reporting
		"dump_stack", "dump_stack_lvl", "show_stack", "print_report", "print_address_description",
		"check_memory_region", "ubsan_epilogue",
		// WARN()/BUG() trap handling
		"__warn", "__warn_printk", "warn_slowpath_fmt", "warn_slowpath_null", "report_bug",
		"handle_bug", "exc_invalid_op", "asm_exc_invalid_op", "do_error_trap", "do_trap",
		"do_invalid_op", "invalid_op", "handle_invalid_op", "die", "die_addr", "__die",
		"__die_body", "oops_end",
		// page fault handling (KFENCE, NULL dereference)
		"kfence_report_error", "kfence_handle_page_fault", "page_fault_oops",
		"kernelmode_fixup_or_oops", "__bad_area_nosemaphore", "bad_area_nosemaphore",
		"do_user_addr_fault", "exc_page_fault", "asm_exc_page_fault", "handle_page_fault",
		"exc_general_protection", "asm_exc_general_protection",
		// lockdep internals
		"print_circular_bug", "check_noncircular", "check_prev_add", "check_prevs_add",
		"validate_chain", "__lock_acquire", "lock_acquire", "print_deadlock_bug",
		"check_deadlock", "print_unlock_imbalance_bug", "__lock_release", "lock_release",
		"print_usage_bug", "valid_state", "mark_lock", "mark_lock_irq", "mark_usage",
		"print_irq_inversion_bug", "check_usage_backwards", "check_usage_forwards",
		"print_bad_irq_dependency", "check_irq_usage", "print_lock_invalid_wait_context",
		"check_wait_context", "print_held_locks_bug", "debug_check_no_locks_held",
		"__mutex_lock", "__mutex_lock_common",
		// might_sleep() reports
		"__might_resched", "__might_sleep", "___might_sleep", "__might_fault",
		// where every blocked task sleeps (hung task reports)
		"__schedule", "schedule", "schedule_preempt_disabled", "schedule_timeout",
		"io_schedule", "io_schedule_timeout", "do_wait_for_common", "__wait_for_common",
		"rwsem_down_read_slowpath", "rwsem_down_write_slowpath",
	});
}

bool skip_freed_frame(std::string_view function)
{
	const std::string name = base_function(function);
	if (has_prefix(name, {"kasan_", "__kasan_", "slab_free", "kmemleak_", "kfence_", "__kfence_"}))
		return true;
	return in_list(name, {
		"poison_slab_object", "kfree", "kvfree", "kfree_sensitive", "kmem_cache_free",
		"__slab_free", "do_slab_free", "__kmem_cache_free", "___cache_free", "__cache_free",
		"kmem_cache_free_bulk", "save_stack", "set_track", "stack_trace_save",
	});
}

bool skip_allocated_frame(std::string_view function)
{
	const std::string name = base_function(function);
	if (name.ends_with("_noprof"))
		return true;
	if (has_prefix(name, {"kasan_", "__kasan_", "__kmalloc", "kmalloc_", "kmem_cache_alloc",
			      "kmem_cache_zalloc", "kmemleak_", "create_object", "__create_object",
			      "kfence_", "__kfence_", "slab_alloc", "__slab_alloc", "___slab_alloc",
			      "kvmalloc", "kvzalloc"}))
		return true;
	return in_list(name, {
		"kmalloc", "kzalloc", "kcalloc", "kmalloc_array", "kvcalloc", "__do_kmalloc_node",
		"slab_post_alloc_hook", "__kmem_cache_alloc_node", "__kmem_cache_alloc_lru",
		"krealloc", "__krealloc", "save_stack", "set_track", "stack_trace_save",
	});
}

std::string mask_pointers(std::string_view text)
{
	std::string out;
	std::size_t i = 0;
	while (i < text.size()) {
		std::size_t j = i;
		if (text.substr(i).starts_with("0x"))
			j += 2;
		std::size_t k = j;
		while (k < text.size() && is_hex(text[k]))
			k++;
		const bool word_start = i == 0 || !std::isalnum(static_cast<unsigned char>(text[i - 1]));
		const bool word_end = k == text.size() || !std::isalnum(static_cast<unsigned char>(text[k]));
		if (word_start && word_end && k - j >= 8) {
			out += '*';
			i = k;
		} else {
			out += text[i];
			i++;
		}
	}
	return out;
}

std::string normalize_title(Kind kind, std::string_view title_line, std::string_view rip,
			    std::string_view message)
{
	const std::string_view t = trim(title_line);
	switch (kind) {
	case Kind::Warn:
		return with_known_message(warn_title(t), message);
	case Kind::KernelBug:
		return with_known_message(strip_trailing(t, "!"), message);
	case Kind::Oops:
		return with_rip(cut_error_code(t), rip);
	case Kind::Gpf: {
		std::string_view g = t;
		if (g.starts_with("Oops: "))
			g.remove_prefix(6);
		return with_rip(cut_error_code(g), rip);
	}
	case Kind::Bug:
		return bug_title(t, rip);
	case Kind::HungTask:
		return hung_task_title(t);
	case Kind::RcuStall:
		return rcu_stall_title(t);
	case Kind::KmemleakObject:
		return kmemleak_title(t);
	case Kind::KmemleakSummary:
		return std::string(t.substr(0, t.find(" (see ")));
	case Kind::Lockdep:
		if (t.starts_with("[ ") && t.ends_with(" ]"))
			return std::string(t.substr(2, t.size() - 4));
		return std::string(t);
	case Kind::Message:
		return mask_pointers(t);
	default:
		return std::string(t);
	}
}

Report decode_report(const RawReport &raw)
{
	Report r;
	r.kind = raw.kind;
	r.lineno = raw.lineno;
	r.message = raw.message;
	const std::vector<std::string> &lines = raw.lines;
	if (lines.empty())
		return r;

	const std::string rip = needs_rip(raw.kind) ? find_rip(lines) : "";
	if (r.message.empty() && raw.kind == Kind::Gpf) {
		for (const std::string &line : lines) {
			if (trim(line).starts_with("KASAN: ")) {
				r.message = std::string(trim(line));
				break;
			}
		}
	}
	if (r.message.empty() && raw.kind == Kind::Lockdep)
		r.message = lockdep_locks(lines);
	r.title = normalize_title(raw.kind, lines.front(), rip, raw.message);

	const bool stall = raw.kind == Kind::RcuStall ||
			   (raw.kind == Kind::Bug && contains(lines.front(), "BUG: soft lockup"));
	switch (raw.kind) {
	case Kind::KmemleakObject:
		r.frames = section_frames(lines, is_kmemleak_backtrace_header, skip_allocated_frame);
		break;
	case Kind::Kfence:
		r.frames = section_frames(lines, is_kfence_access_header, skip_call_trace_frame);
		if (r.frames.empty())
			r.frames = section_frames(lines, is_call_trace_header, skip_call_trace_frame);
		break;
	default:
		r.frames = section_frames(lines, is_call_trace_header, skip_call_trace_frame, stall);
		break;
	}
	if (raw.kind == Kind::Kasan || raw.kind == Kind::Kfence) {
		r.freed_by = section_frames(lines, header_containing("freed by task"), skip_freed_frame);
		r.allocated_by = section_frames(lines, header_containing("allocated by task"),
						skip_allocated_frame);
	}
	return r;
}

std::vector<Report> decode_reports(std::vector<RawReport> raw)
{
	bool has_leak_objects = false;
	for (const RawReport &r : raw)
		has_leak_objects |= r.kind == Kind::KmemleakObject;

	std::vector<Report> out;
	for (const RawReport &r : raw) {
		// The summary only counts the objects that are listed anyway.
		if (r.kind == Kind::KmemleakSummary && has_leak_objects)
			continue;
		// A panic after another report is its consequence.
		if (r.kind == Kind::Panic && !out.empty())
			continue;
		out.push_back(decode_report(r));
	}
	return out;
}

std::string title_function(const Report &report)
{
	const auto words = split_words(report.title);
	for (std::size_t i = 0; i < words.size(); i++) {
		if (!contains(words[i], "+0x"))
			continue;
		const auto frame = parse_frame(words[i]);
		if (!frame)
			continue;
		std::string text = frame->text;
		if (i + 1 < words.size() && words[i + 1].starts_with("[") && words[i + 1].ends_with("]"))
			text += " " + std::string(words[i + 1]);
		return text;
	}
	return report.frames.empty() ? "" : report.frames.front();
}

} // namespace mct::verdict

// SPDX-License-Identifier: GPL-2.0
// Command line of mct-verdict.
#include "cli.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sstream>
#include <string_view>
#include <unistd.h>

#include "output.hpp"
#include "parse.hpp"
#include "symbolize.hpp"
#include "unique_fd.hpp"
#include "verdict.hpp"

namespace mct::verdict {

namespace {

constexpr const char *kUsage =
	"usage: mct-verdict [options] LOG...\n"
	"       mct-verdict table [--label NAME] FILE.json [--label NAME] FILE.json...\n"
	"\n"
	"Reads serial console logs of test VMs (MCT: BEGIN/END markers) and prints\n"
	"TAP 13 with one test per scenario, a summary table and a final\n"
	"\"verdict: N passed, N failed\" line.\n"
	"\n"
	"options:\n"
	"  --expected FILE      expected failures: \"scenario  # comment\" lines\n"
	"  --expect-every-run   a listed scenario must fail in every run, not just one\n"
	"  --require SCENARIO   SCENARIO must have run (repeatable)\n"
	"  --label NAME         name of this run (TAP comment, JSON \"label\")\n"
	"  --json FILE          also write the results as JSON\n"
	"  --vmlinux PATH       with --faddr2line: add file:line to report titles\n"
	"  --faddr2line PATH    the kernel's scripts/faddr2line\n"
	"  -h, --help           this text\n"
	"\n"
	"table: compares files written by --json, one column per file.\n"
	"\n"
	"exit status: 0 all passed, 1 failures, 2 usage or IO error\n";

struct Options {
	std::string expected_file;
	std::string label;
	std::string json_file;
	std::string vmlinux;
	std::string faddr2line;
	std::vector<std::string> required;
	std::vector<std::string> logs;
	bool expect_every_run = false;
};

enum class ParseStatus { Ok, Help, Error };

std::string errno_text(const std::string &path) { return path + ": " + std::strerror(errno); }

// Splits "--name=value"; returns false for plain "--name".
bool split_inline_value(const std::string &arg, std::string &name, std::string &value)
{
	const std::size_t eq = arg.find('=');
	if (!arg.starts_with("--") || eq == std::string::npos)
		return false;
	name = arg.substr(0, eq);
	value = arg.substr(eq + 1);
	return true;
}

// Value of the option at args[i] ("--opt VALUE" or "--opt=VALUE").
bool option_value(const std::vector<std::string> &args, std::size_t &i, std::string &name,
		  std::string &value, std::string &error)
{
	if (!split_inline_value(args[i], name, value)) {
		name = args[i];
		if (i + 1 >= args.size()) {
			error = "option " + name + " needs a value";
			return false;
		}
		value = args[++i];
	}
	if (value.empty()) {
		error = "option " + name + " needs a non-empty value";
		return false;
	}
	return true;
}

bool is_known_option(const std::string &name)
{
	for (const char *known : {"--expected", "--label", "--json", "--vmlinux", "--faddr2line", "--require"}) {
		if (name == known)
			return true;
	}
	return false;
}

ParseStatus parse_options(const std::vector<std::string> &args, Options &o, std::string &error)
{
	bool positional_only = false;
	for (std::size_t i = 0; i < args.size(); i++) {
		const std::string &arg = args[i];
		if (positional_only || arg.size() < 2 || arg[0] != '-') {
			o.logs.push_back(arg);
			continue;
		}
		if (arg == "--") {
			positional_only = true;
			continue;
		}
		if (arg == "-h" || arg == "--help")
			return ParseStatus::Help;
		if (arg == "--expect-every-run") {
			o.expect_every_run = true;
			continue;
		}
		std::string name = arg.substr(0, arg.find('='));
		if (!is_known_option(name)) {
			error = "unknown option " + name;
			return ParseStatus::Error;
		}
		std::string value;
		if (!option_value(args, i, name, value, error))
			return ParseStatus::Error;
		if (name == "--expected")
			o.expected_file = value;
		else if (name == "--label")
			o.label = value;
		else if (name == "--json")
			o.json_file = value;
		else if (name == "--vmlinux")
			o.vmlinux = value;
		else if (name == "--faddr2line")
			o.faddr2line = value;
		else
			o.required.push_back(value);
	}
	return ParseStatus::Ok;
}

int usage_error(std::ostream &err, const std::string &message)
{
	err << "mct-verdict: " << message << '\n' << kUsage;
	return kExitError;
}

std::string file_stem(const std::string &path)
{
	std::string name = path.substr(path.find_last_of('/') + 1);
	if (name.ends_with(".json"))
		name.resize(name.size() - 5);
	return name;
}

int run_table(const std::vector<std::string> &args, std::ostream &out, std::ostream &err)
{
	std::vector<LabeledResults> columns;
	std::string pending_label;
	for (std::size_t i = 0; i < args.size(); i++) {
		const std::string &arg = args[i];
		if (arg == "-h" || arg == "--help") {
			out << kUsage;
			return kExitPass;
		}
		if (arg.starts_with("--label")) {
			std::string name, error;
			if (!option_value(args, i, name, pending_label, error) || name != "--label")
				return usage_error(err, error.empty() ? "unknown option " + arg : error);
			continue;
		}
		if (arg.size() > 1 && arg[0] == '-')
			return usage_error(err, "unknown option " + arg);
		std::string content, error, label;
		if (!read_file(arg, content, error)) {
			err << "mct-verdict: cannot read " << error << '\n';
			return kExitError;
		}
		auto results = read_json_results(content, label, error);
		if (!results) {
			err << "mct-verdict: " << arg << ": invalid results file: " << error << '\n';
			return kExitError;
		}
		if (!pending_label.empty())
			label = pending_label;
		else if (label.empty())
			label = file_stem(arg);
		pending_label.clear();
		columns.push_back(LabeledResults{label, std::move(*results)});
	}
	if (!pending_label.empty())
		return usage_error(err, "--label " + pending_label + " is not followed by a FILE");
	if (columns.empty())
		return usage_error(err, "table needs at least one JSON file");
	write_comparison(out, columns);
	return kExitPass;
}

int run_verdict(const std::vector<std::string> &args, std::ostream &out, std::ostream &err)
{
	Options o;
	std::string error;
	switch (parse_options(args, o, error)) {
	case ParseStatus::Help:
		out << kUsage;
		return kExitPass;
	case ParseStatus::Error:
		return usage_error(err, error);
	case ParseStatus::Ok:
		break;
	}
	if (o.logs.empty())
		return usage_error(err, "no LOG given");

	EvalOptions eval;
	eval.required = o.required;
	eval.expect_every_run = o.expect_every_run;
	if (!o.expected_file.empty()) {
		std::string content;
		if (!read_file(o.expected_file, content, error)) {
			err << "mct-verdict: cannot read expected-failures list " << error << '\n';
			return kExitError;
		}
		eval.expected = Expected::parse(content);
	}

	std::vector<ParsedLog> logs;
	bool io_error = false;
	for (const std::string &path : o.logs) {
		std::string content;
		if (!read_file(path, content, error)) {
			err << "mct-verdict: cannot read log " << error << '\n';
			io_error = true;
			continue;
		}
		logs.push_back(parse_log(content, path));
	}
	if (io_error)
		return kExitError;

	if (!o.vmlinux.empty() && !o.faddr2line.empty()) {
		Symbolizer symbolizer(o.faddr2line, o.vmlinux);
		symbolize(logs, symbolizer);
	}

	const auto results = evaluate(logs, eval);
	write_tap(out, results, o.label);
	write_summary(out, results);
	if (!o.json_file.empty()) {
		std::ostringstream json;
		write_json(json, results, o.label, o.logs);
		if (!write_file(o.json_file, json.str(), error)) {
			err << "mct-verdict: cannot write " << error << '\n';
			return kExitError;
		}
	}
	return totals(results).failed == 0 ? kExitPass : kExitFail;
}

} // namespace

bool read_file(const std::string &path, std::string &content, std::string &error)
{
	UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
	if (!fd.valid()) {
		error = errno_text(path);
		return false;
	}
	content.clear();
	char buf[65536];
	for (;;) {
		const ssize_t n = ::read(fd.get(), buf, sizeof(buf));
		if (n > 0) {
			content.append(buf, static_cast<std::size_t>(n));
		} else if (n == 0) {
			return true;
		} else if (errno != EINTR) {
			error = errno_text(path);
			return false;
		}
	}
}

bool write_file(const std::string &path, const std::string &content, std::string &error)
{
	UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
	if (!fd.valid()) {
		error = errno_text(path);
		return false;
	}
	std::size_t done = 0;
	while (done < content.size()) {
		const ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			error = errno_text(path);
			return false;
		}
		done += static_cast<std::size_t>(n);
	}
	if (::close(fd.release()) != 0) {
		error = errno_text(path);
		return false;
	}
	return true;
}

int run_cli(const std::vector<std::string> &args, std::ostream &out, std::ostream &err)
{
	if (!args.empty() && args.front() == "table")
		return run_table(std::vector<std::string>(args.begin() + 1, args.end()), out, err);
	return run_verdict(args, out, err);
}

} // namespace mct::verdict

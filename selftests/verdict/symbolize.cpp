// SPDX-License-Identifier: GPL-2.0
// Source locations through scripts/faddr2line (best effort).
#include "symbolize.hpp"

#include <cerrno>
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "decode.hpp"
#include "strutil.hpp"
#include "unique_fd.hpp"

extern char **environ;

namespace mct::verdict {

namespace {

// Owns posix_spawn_file_actions_t.
class SpawnActions {
public:
	SpawnActions() { ok_ = posix_spawn_file_actions_init(&actions_) == 0; }
	SpawnActions(const SpawnActions &) = delete;
	SpawnActions &operator=(const SpawnActions &) = delete;
	~SpawnActions()
	{
		if (ok_)
			posix_spawn_file_actions_destroy(&actions_);
	}
	bool ok() const { return ok_; }
	posix_spawn_file_actions_t *get() { return &actions_; }

private:
	posix_spawn_file_actions_t actions_;
	bool ok_ = false;
};

bool is_regular_file(const std::string &path)
{
	struct stat st;
	return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

} // namespace

std::optional<std::string> run_capture(const std::vector<std::string> &argv)
{
	if (argv.empty())
		return std::nullopt;
	int fds[2];
	if (::pipe2(fds, O_CLOEXEC) != 0)
		return std::nullopt;
	UniqueFd read_end(fds[0]);
	UniqueFd write_end(fds[1]);

	SpawnActions actions;
	if (!actions.ok() || posix_spawn_file_actions_adddup2(actions.get(), write_end.get(), 1) != 0 ||
	    posix_spawn_file_actions_addopen(actions.get(), 2, "/dev/null", O_WRONLY, 0) != 0)
		return std::nullopt;

	std::vector<char *> args;
	for (const std::string &a : argv)
		args.push_back(const_cast<char *>(a.c_str()));
	args.push_back(nullptr);

	pid_t pid;
	if (posix_spawn(&pid, args[0], actions.get(), nullptr, args.data(), environ) != 0)
		return std::nullopt;
	write_end.reset();

	std::string output;
	char buf[4096];
	for (;;) {
		const ssize_t n = ::read(read_end.get(), buf, sizeof(buf));
		if (n > 0) {
			output.append(buf, static_cast<std::size_t>(n));
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		break;
	}
	int status = 0;
	while (::waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return std::nullopt;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return std::nullopt;
	return output;
}

std::string parse_faddr2line_output(std::string_view output)
{
	std::size_t pos = 0;
	while (pos < output.size()) {
		const std::size_t nl = output.find('\n', pos);
		const std::size_t end = nl == std::string_view::npos ? output.size() : nl;
		const std::string_view line = trim(output.substr(pos, end - pos));
		pos = end + 1;
		const std::size_t at = line.rfind(" at ");
		if (at == std::string_view::npos || line.starts_with("(inlined by)"))
			continue;
		std::string_view loc = trim(line.substr(at + 4));
		if (const std::size_t d = loc.find(" (discriminator"); d != std::string_view::npos)
			loc = loc.substr(0, d);
		const std::size_t colon = loc.rfind(':');
		if (colon == std::string_view::npos || colon + 1 >= loc.size() || !is_digit(loc[colon + 1]))
			continue;
		return std::string(loc);
	}
	return "";
}

Symbolizer::Symbolizer(std::string faddr2line, std::string vmlinux)
	: faddr2line_(std::move(faddr2line)), vmlinux_(std::move(vmlinux))
{
	usable_ = !faddr2line_.empty() && !vmlinux_.empty() && is_regular_file(vmlinux_) &&
		  is_regular_file(faddr2line_) && ::access(faddr2line_.c_str(), X_OK) == 0;
}

std::string Symbolizer::locate(std::string_view frame)
{
	if (!usable_)
		return "";
	const auto parsed = parse_frame(frame);
	if (!parsed || !contains(parsed->text, "+0x") || contains(parsed->text, " ["))
		return "";
	const auto cached = cache_.find(parsed->text);
	if (cached != cache_.end())
		return cached->second;
	const auto output = run_capture({faddr2line_, vmlinux_, parsed->text});
	std::string location = output ? parse_faddr2line_output(*output) : "";
	cache_.emplace(parsed->text, location);
	return location;
}

void symbolize(std::vector<ParsedLog> &logs, Symbolizer &symbolizer)
{
	if (!symbolizer.usable())
		return;
	auto fill = [&](Run &run) {
		for (Report &report : run.reports) {
			const std::string fn = title_function(report);
			if (!fn.empty())
				report.location = symbolizer.locate(fn);
		}
	};
	for (ParsedLog &log : logs) {
		fill(log.boot);
		for (Run &run : log.runs)
			fill(run);
	}
}

} // namespace mct::verdict

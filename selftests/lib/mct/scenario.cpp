// SPDX-License-Identifier: GPL-2.0
#include "mct/scenario.hpp"

#include <cstdio>
#include <cstring>
#include <unistd.h>

#include "mct/sys.hpp"

namespace mct {

bool Tap::check(bool cond, const std::string &name, const std::string &why)
{
	std::lock_guard<std::mutex> lock(mu_);

	n_++;
	if (cond)
		passed_++;
	else
		failed_++;
	// The reason is printed for failures only: on an "ok" line a "# ..."
	// would read as if the check had failed.
	bool show = !cond && !why.empty();
	std::printf("%s %d - %s%s%s\n", cond ? "ok" : "not ok", n_,
		    (prefix_.empty() ? name : prefix_ + ": " + name).c_str(),
		    show ? " # " : "", show ? why.c_str() : "");
	std::fflush(stdout);
	return cond;
}

void Tap::diag(const std::string &msg)
{
	std::lock_guard<std::mutex> lock(mu_);
	size_t start = 0;

	while (start <= msg.size()) {
		size_t end = msg.find('\n', start);

		if (end == std::string::npos)
			end = msg.size();
		std::printf("# %s\n", msg.substr(start, end - start).c_str());
		start = end + 1;
	}
	std::fflush(stdout);
}

void Tap::finish()
{
	std::lock_guard<std::mutex> lock(mu_);

	std::printf("1..%d\n# %d passed, %d failed\n", n_, passed_, failed_);
	std::fflush(stdout);
}

std::vector<Scenario> &scenarios()
{
	static std::vector<Scenario> all;

	return all;
}

static int usage(const char *prog)
{
	std::fprintf(stderr, "usage: %s list | run NAME...\n", prog);
	return 2;
}

int scenario_main(int argc, char **argv)
{
	if (argc < 2)
		return usage(argv[0]);
	if (!std::strcmp(argv[1], "list")) {
		for (const auto &s : scenarios())
			std::printf("%-36s %s\n", s.name.c_str(), s.description.c_str());
		return 0;
	}
	if (std::strcmp(argv[1], "run") || argc < 3)
		return usage(argv[0]);

	setvbuf(stdout, nullptr, _IOLBF, 0);
	Tap tap;
	std::printf("TAP version 13\n");
	for (int i = 2; i < argc; i++) {
		const Scenario *found = nullptr;

		for (const auto &s : scenarios())
			if (s.name == argv[i])
				found = &s;
		if (!found) {
			tap.fail(argv[i], "no such scenario (see 'list')");
			continue;
		}
		tap.diag("scenario " + found->name + ": " + found->description);
		long long t0 = now_ms();
		found->fn(tap);
		tap.diag("scenario " + found->name + " took " +
			 std::to_string(now_ms() - t0) + " ms");
	}
	tap.finish();
	return tap.failed() ? 1 : 0;
}

} // namespace mct

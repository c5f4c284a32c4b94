// SPDX-License-Identifier: GPL-2.0
// mct-verdict: pass/fail per scenario from test VM console logs.
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "cli.hpp"

int main(int argc, char **argv)
{
	try {
		const std::vector<std::string> args(argv + 1, argv + argc);
		const int status = mct::verdict::run_cli(args, std::cout, std::cerr);
		std::cout.flush();
		if (!std::cout) {
			std::cerr << "mct-verdict: cannot write to standard output\n";
			return mct::verdict::kExitError;
		}
		return status;
	} catch (const std::exception &e) {
		std::cerr << "mct-verdict: " << e.what() << '\n';
		return mct::verdict::kExitError;
	}
}

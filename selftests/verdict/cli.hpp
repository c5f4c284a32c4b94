// SPDX-License-Identifier: GPL-2.0
// Command line of mct-verdict (kept out of main.cpp so tests can drive it).
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace mct::verdict {

inline constexpr int kExitPass = 0;
inline constexpr int kExitFail = 1;
inline constexpr int kExitError = 2;

// args excludes the program name.  Returns the exit status.
int run_cli(const std::vector<std::string> &args, std::ostream &out, std::ostream &err);

// Whole-file IO; on failure returns false and sets error to
// "PATH: strerror(errno)".
bool read_file(const std::string &path, std::string &content, std::string &error);
bool write_file(const std::string &path, const std::string &content, std::string &error);

} // namespace mct::verdict

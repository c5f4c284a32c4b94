// SPDX-License-Identifier: GPL-2.0
// Shared helpers of the mct-verdict unit tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "cli.hpp"
#include "parse.hpp"

namespace mct::verdict::test {

inline std::string testdata_path(const std::string &name)
{
	return std::string(MCT_VERDICT_TESTDATA) + "/" + name;
}

inline std::string read_testdata(const std::string &name)
{
	std::string content, error;
	EXPECT_TRUE(read_file(testdata_path(name), content, error)) << error;
	return content;
}

inline ParsedLog parse_testdata(const std::string &name)
{
	return parse_log(read_testdata(name), name);
}

// The only run of a single-scenario log.
inline Run only_run(const std::string &name)
{
	const ParsedLog log = parse_testdata(name);
	EXPECT_EQ(log.runs.size(), 1u) << name;
	return log.runs.empty() ? Run{} : log.runs.front();
}

inline const Run *find_run(const ParsedLog &log, const std::string &scenario)
{
	for (const Run &run : log.runs) {
		if (run.scenario == scenario)
			return &run;
	}
	return nullptr;
}

// A scratch directory, removed with its contents at the end of the test.
class TempDir {
public:
	TempDir()
	{
		std::string pattern = (std::filesystem::temp_directory_path() / "mct-verdict-XXXXXX").string();
		if (::mkdtemp(pattern.data()) != nullptr)
			path_ = pattern;
	}
	TempDir(const TempDir &) = delete;
	TempDir &operator=(const TempDir &) = delete;
	~TempDir()
	{
		std::error_code ec;
		if (!path_.empty())
			std::filesystem::remove_all(path_, ec);
	}
	std::string file(const std::string &name) const { return path_ + "/" + name; }
	const std::string &path() const { return path_; }

private:
	std::string path_;
};

inline std::vector<std::string> lines_of(const std::string &text)
{
	std::vector<std::string> lines;
	std::size_t pos = 0;
	while (pos < text.size()) {
		const std::size_t nl = text.find('\n', pos);
		const std::size_t end = nl == std::string::npos ? text.size() : nl;
		lines.push_back(text.substr(pos, end - pos));
		pos = end + 1;
	}
	return lines;
}

} // namespace mct::verdict::test

// SPDX-License-Identifier: GPL-2.0
// The command line: exit status, IO errors, --json, table, faddr2line.
#include "helpers.hpp"

#include <sstream>
#include <sys/stat.h>

#include "cli.hpp"

namespace mct::verdict {
namespace {

using test::lines_of;
using test::TempDir;
using test::testdata_path;

struct CliResult {
	int status;
	std::string out;
	std::string err;
};

CliResult run(const std::vector<std::string> &args)
{
	std::ostringstream out, err;
	const int status = run_cli(args, out, err);
	return {status, out.str(), err.str()};
}

bool write_text(const std::string &path, const std::string &text)
{
	std::string error;
	return write_file(path, text, error);
}

TEST(Cli, CleanLogExitsZero)
{
	const CliResult r = run({testdata_path("clean.log")});
	EXPECT_EQ(r.status, kExitPass);
	EXPECT_EQ(lines_of(r.out).back(), "verdict: 1 passed, 0 failed");
	EXPECT_EQ(r.err, "");
}

TEST(Cli, FailureExitsOne)
{
	const CliResult r = run({testdata_path("clean.log"), testdata_path("kasan-uaf.log")});
	EXPECT_EQ(r.status, kExitFail);
	EXPECT_EQ(lines_of(r.out).back(), "verdict: 1 passed, 1 failed");
}

TEST(Cli, ExpectedFailuresMakeTheRunPass)
{
	TempDir dir;
	const std::string expected = dir.file("expected.txt");
	ASSERT_TRUE(write_text(expected, "em28xx-unplug-close-video  # patch 7\n"));
	const CliResult r = run({"--expected", expected, testdata_path("kasan-uaf.log")});
	EXPECT_EQ(r.status, kExitPass);
	EXPECT_NE(r.out.find("# TODO known failure: "), std::string::npos);
}

TEST(Cli, ExpectedFileFromTestdata)
{
	const CliResult r = run({"--expected", testdata_path("expected.txt"), testdata_path("kasan-uaf.log"),
				 testdata_path("clean.log")});
	EXPECT_EQ(r.status, kExitFail); // smoke-boot passes although listed; one listed was not run
	EXPECT_EQ(lines_of(r.out).back(), "verdict: 1 passed, 2 failed");
}

TEST(Cli, RequiredScenarioMissingFails)
{
	const CliResult r = run({"--require", "smoke-boot", "--require=other", testdata_path("clean.log")});
	EXPECT_EQ(r.status, kExitFail);
	EXPECT_NE(r.out.find("not ok 2 - other # not run (no BEGIN marker in any log)"), std::string::npos);
}

TEST(Cli, UnreadableLogIsAnIoError)
{
	const CliResult r = run({testdata_path("clean.log"), "/nonexistent/run.log"});
	EXPECT_EQ(r.status, kExitError);
	EXPECT_EQ(r.out, "");
	EXPECT_NE(r.err.find("/nonexistent/run.log: No such file or directory"), std::string::npos) << r.err;
}

TEST(Cli, DirectoryAsLogIsAnIoError)
{
	TempDir dir;
	const CliResult r = run({dir.path()});
	EXPECT_EQ(r.status, kExitError);
	EXPECT_NE(r.err.find(dir.path() + ": Is a directory"), std::string::npos) << r.err;
}

TEST(Cli, UnreadableExpectedFileIsAnIoError)
{
	const CliResult r = run({"--expected", "/nonexistent/xfail.txt", testdata_path("clean.log")});
	EXPECT_EQ(r.status, kExitError);
	EXPECT_NE(r.err.find("/nonexistent/xfail.txt: No such file or directory"), std::string::npos);
}

TEST(Cli, UsageErrors)
{
	EXPECT_EQ(run({}).status, kExitError);
	EXPECT_EQ(run({"--bogus", testdata_path("clean.log")}).status, kExitError);
	EXPECT_EQ(run({testdata_path("clean.log"), "--label"}).status, kExitError);
	EXPECT_EQ(run({"--require=", testdata_path("clean.log")}).status, kExitError);
	const CliResult r = run({"--bogus"});
	EXPECT_NE(r.err.find("unknown option --bogus"), std::string::npos);
	EXPECT_NE(r.err.find("usage:"), std::string::npos);
}

TEST(Cli, Help)
{
	const CliResult r = run({"--help"});
	EXPECT_EQ(r.status, kExitPass);
	EXPECT_NE(r.out.find("usage: mct-verdict"), std::string::npos);
}

TEST(Cli, LogNamedLikeAnOptionAfterDoubleDash)
{
	TempDir dir;
	const std::string log = dir.file("-odd.log");
	ASSERT_TRUE(write_text(log, "MCT: BEGIN a\nMCT: END a rc=0 time_ms=1\n"));
	EXPECT_EQ(run({"--", log}).status, kExitPass);
}

TEST(Cli, JsonFileAndTable)
{
	TempDir dir;
	const std::string base = dir.file("base.json"), patched = dir.file("patched.json");
	EXPECT_EQ(run({"--label", "base", "--json", base, testdata_path("kasan-uaf.log")}).status, kExitFail);
	EXPECT_EQ(run({"--json=" + patched, testdata_path("run-1.log")}).status, kExitPass);

	const CliResult t = run({"table", "--label", "base", base, "--label", "patched", patched});
	EXPECT_EQ(t.status, kExitPass) << t.err;
	const auto lines = lines_of(t.out);
	ASSERT_EQ(lines.size(), 2u);
	EXPECT_EQ(lines[0], "scenario                       base                                              patched");
	EXPECT_EQ(lines[1], "em28xx-unplug-close-video      FAIL BUG: KASAN: slab-use-after-free in v4l2_re.. PASS");

	// Labels default to the one stored in the file, then to the file name.
	const CliResult d = run({"table", base, patched});
	EXPECT_EQ(lines_of(d.out)[0].substr(31, 4), "base");
	EXPECT_NE(lines_of(d.out)[0].find("patched"), std::string::npos);
}

TEST(Cli, TableErrors)
{
	TempDir dir;
	const std::string bad = dir.file("bad.json");
	ASSERT_TRUE(write_text(bad, "{\"scenarios\": [}"));
	const CliResult r = run({"table", bad});
	EXPECT_EQ(r.status, kExitError);
	EXPECT_NE(r.err.find(bad + ": invalid results file"), std::string::npos);
	EXPECT_EQ(run({"table"}).status, kExitError);
	EXPECT_EQ(run({"table", "/nonexistent.json"}).status, kExitError);
	EXPECT_EQ(run({"table", bad, "--label", "x"}).status, kExitError);
}

TEST(Cli, UnwritableJsonIsAnIoError)
{
	const CliResult r = run({"--json", "/nonexistent/dir/out.json", testdata_path("clean.log")});
	EXPECT_EQ(r.status, kExitError);
	EXPECT_NE(r.err.find("/nonexistent/dir/out.json: No such file or directory"), std::string::npos);
}

TEST(Cli, Faddr2lineAddsLocation)
{
	TempDir dir;
	const std::string script = dir.file("faddr2line"), vmlinux = dir.file("vmlinux");
	ASSERT_TRUE(write_text(vmlinux, "not really an ELF file\n"));
	ASSERT_TRUE(write_text(script, "#!/bin/sh\n"
				       "[ \"$1\" = \"" + vmlinux + "\" ] || exit 1\n"
				       "echo \"$2:\"\n"
				       "echo \"${2%%+*} at drivers/usb/gadget/udc/dummy_hcd.c:2711\"\n"));
	ASSERT_EQ(::chmod(script.c_str(), 0755), 0);
	const CliResult r = run({"--vmlinux", vmlinux, "--faddr2line", script, testdata_path("boot-report.log")});
	EXPECT_EQ(r.status, kExitFail);
	EXPECT_NE(r.out.find("\n#   at drivers/usb/gadget/udc/dummy_hcd.c:2711\n"), std::string::npos) << r.out;
}

TEST(Cli, Faddr2lineSkippedSilentlyWhenUnavailable)
{
	const CliResult r = run({"--vmlinux", "/nonexistent/vmlinux", "--faddr2line", "/nonexistent/faddr2line",
				 testdata_path("boot-report.log")});
	EXPECT_EQ(r.status, kExitFail);
	EXPECT_EQ(r.err, "");
	EXPECT_EQ(r.out.find("#   at "), std::string::npos);
}

} // namespace
} // namespace mct::verdict

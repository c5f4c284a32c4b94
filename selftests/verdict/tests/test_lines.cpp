// SPDX-License-Identifier: GPL-2.0
// Line splitting, timestamps, markers and report title classification.
#include "helpers.hpp"

namespace mct::verdict {
namespace {

TEST(StripTimestamp, RemovesPrintkTimestamp)
{
	EXPECT_EQ(strip_timestamp("[   12.345678] BUG: KASAN: x"), "BUG: KASAN: x");
	EXPECT_EQ(strip_timestamp("[12345.678901] foo"), "foo");
	EXPECT_EQ(strip_timestamp("[    3.931025] "), "");
	EXPECT_EQ(strip_timestamp("[    3.931025]"), "");
}

TEST(StripTimestamp, KeepsIndentationOfFrames)
{
	EXPECT_EQ(strip_timestamp("[    3.931041]  dump_stack_lvl+0x5d/0x80"), " dump_stack_lvl+0x5d/0x80");
}

TEST(StripTimestamp, RemovesPrintkCallerId)
{
	EXPECT_EQ(strip_timestamp("[ 1502.520319][T14140] BUG: KASAN: x"), "BUG: KASAN: x");
	EXPECT_EQ(strip_timestamp("[   12.000001][    T1] foo"), "foo");
	EXPECT_EQ(strip_timestamp("[   12.000001][    C0] foo"), "foo");
}

TEST(StripTimestamp, LeavesOtherBracketsAlone)
{
	EXPECT_EQ(strip_timestamp("MCT: BEGIN x"), "MCT: BEGIN x");
	EXPECT_EQ(strip_timestamp("[ 1.23] not a printk timestamp"), "[ 1.23] not a printk timestamp");
	EXPECT_EQ(strip_timestamp("[<ffffffff81234567>] func+0x1/0x2"), "[<ffffffff81234567>] func+0x1/0x2");
}

TEST(SplitLines, HandlesCrLfAndStrayCarriageReturns)
{
	const auto lines = split_lines("a\r\n[    1.000000] b\r\r\nc");
	ASSERT_EQ(lines.size(), 3u);
	EXPECT_EQ(lines[0].text, "a");
	EXPECT_EQ(lines[1].text, "b");
	EXPECT_EQ(lines[1].raw, "[    1.000000] b");
	EXPECT_EQ(lines[2].text, "c"); // last line without newline is kept
	EXPECT_EQ(lines[2].lineno, 3u);
}

TEST(SplitLines, DropsControlCharactersAndAnsiEscapes)
{
	const auto lines = split_lines(std::string("\x1b[1;31mnot ok\x1b[0m 1 - x\0\x07\n", 23));
	ASSERT_EQ(lines.size(), 1u);
	EXPECT_EQ(lines[0].text, "not ok 1 - x");
}

TEST(SplitLines, KeepsTabs)
{
	const auto lines = split_lines("rcu: \t0-....: (2099 ticks this GP)\n");
	ASSERT_EQ(lines.size(), 1u);
	EXPECT_EQ(lines[0].text, "rcu: \t0-....: (2099 ticks this GP)");
}

TEST(SplitLines, SplitsPrintkInterleavedWithUserspaceOutput)
{
	const auto lines = split_lines("ok 1 - open[    3.931012] BUG: KASAN: use-after-free in f+0x1/0x2\n");
	ASSERT_EQ(lines.size(), 2u);
	EXPECT_EQ(lines[0].text, "ok 1 - open");
	EXPECT_EQ(lines[1].text, "BUG: KASAN: use-after-free in f+0x1/0x2");
	EXPECT_EQ(lines[0].lineno, 1u);
	EXPECT_EQ(lines[1].lineno, 1u);
}

TEST(ParseMarker, Begin)
{
	const Marker m = parse_marker("MCT: BEGIN em28xx-unplug");
	EXPECT_EQ(m.type, Marker::Type::Begin);
	EXPECT_EQ(m.name, "em28xx-unplug");
}

TEST(ParseMarker, EndWithRcAndTime)
{
	const Marker m = parse_marker("MCT: END em28xx-unplug rc=3 time_ms=1234");
	EXPECT_EQ(m.type, Marker::Type::End);
	EXPECT_EQ(m.name, "em28xx-unplug");
	ASSERT_TRUE(m.rc.has_value());
	EXPECT_EQ(*m.rc, 3);
	ASSERT_TRUE(m.time_ms.has_value());
	EXPECT_EQ(*m.time_ms, 1234);
}

TEST(ParseMarker, EndWithNegativeRc)
{
	const Marker m = parse_marker("MCT: END x rc=-1 time_ms=0");
	ASSERT_TRUE(m.rc.has_value());
	EXPECT_EQ(*m.rc, -1);
}

TEST(ParseMarker, TruncatedEndHasNoRc)
{
	const Marker m = parse_marker("MCT: END x rc=");
	EXPECT_EQ(m.type, Marker::Type::End);
	EXPECT_FALSE(m.rc.has_value());
}

TEST(ParseMarker, Finished) { EXPECT_EQ(parse_marker("MCT: FINISHED").type, Marker::Type::Finished); }

TEST(ParseMarker, IgnoresCmdAndOtherLines)
{
	EXPECT_EQ(parse_marker("MCT: CMD /usr/bin/mct-torture").type, Marker::Type::None);
	EXPECT_EQ(parse_marker("MCT: kmemleak scan took 2.3 s").type, Marker::Type::None);
	EXPECT_EQ(parse_marker("ok 1 - BEGIN").type, Marker::Type::None);
	EXPECT_EQ(parse_marker("").type, Marker::Type::None);
}

TEST(ParseMarker, FoundInInterleavedLine)
{
	const Marker m = parse_marker("em28xx 1-1: disconnectingMCT: END x rc=0 time_ms=5");
	EXPECT_EQ(m.type, Marker::Type::End);
	EXPECT_EQ(m.name, "x");
}

struct TitleCase {
	const char *line;
	Kind kind;
};

TEST(ClassifyTitle, RecognisesReportTitles)
{
	const TitleCase cases[] = {
		{"BUG: KASAN: slab-use-after-free in v4l2_release+0x1d4/0x2a0 [videodev]", Kind::Kasan},
		{"BUG: KFENCE: use-after-free read in f+0x9c/0x2d0", Kind::Kfence},
		{"BUG: kernel NULL pointer dereference, address: 0000000000000008", Kind::Bug},
		{"BUG: sleeping function called from invalid context at kernel/locking/mutex.c:585", Kind::Bug},
		{"BUG: soft lockup - CPU#0 stuck for 22s! [a:1]", Kind::Bug},
		{"watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [a:1]", Kind::Bug},
		{"BUG: workqueue lockup - pool cpus=0 node=0 flags=0x0 nice=0 stuck for 31s!", Kind::Bug},
		{"BUG: unable to handle page fault for address: ffff888012345678", Kind::Bug},
		{"BUG kmalloc-64 (Not tainted): Poison overwritten", Kind::Bug},
		{"kernel BUG at lib/list_debug.c:56!", Kind::KernelBug},
		{"WARNING: CPU: 0 PID: 123 at drivers/media/mc/mc-entity.c:123 f+0x12/0x34 [mc]", Kind::Warn},
		{"WARNING: at drivers/x.c:12 f()", Kind::Warn},
		{"WARNING: drivers/x.c:12 at f+0x1/0x2, CPU#0: a/1", Kind::Warn},
		{"WARNING: possible circular locking dependency detected", Kind::Lockdep},
		{"WARNING: possible recursive locking detected", Kind::Lockdep},
		{"WARNING: suspicious RCU usage", Kind::Lockdep},
		{"WARNING: bad unlock balance detected!", Kind::Lockdep},
		{"WARNING: lock held when returning to user space!", Kind::Lockdep},
		{"[ INFO: possible circular locking dependency detected ]", Kind::Lockdep},
		{"Oops: 0000 [#1] PREEMPT SMP KASAN NOPTI", Kind::Oops},
		{"Internal error: Oops: 96000005 [#1] PREEMPT SMP", Kind::Oops},
		{"general protection fault, probably for non-canonical address 0xdffffc0000000003: 0000 [#1]", Kind::Gpf},
		{"Oops: general protection fault, probably for non-canonical address 0xdffffc0000000003: 0000 [#1]", Kind::Gpf},
		{"Kernel panic - not syncing: Fatal exception", Kind::Panic},
		{"unreferenced object 0xffff88800a3c1e00 (size 512):", Kind::KmemleakObject},
		{"kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)", Kind::KmemleakSummary},
		{"INFO: task mct-torture:240 blocked for more than 122 seconds.", Kind::HungTask},
		{"rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:", Kind::RcuStall},
		{"rcu: INFO: rcu_sched self-detected stall on CPU", Kind::RcuStall},
		{"INFO: rcu_sched detected stalls on CPUs/tasks:", Kind::RcuStall},
		{"UBSAN: array-index-out-of-bounds in drivers/x.c:12:3", Kind::Ubsan},
		{"list_add corruption. prev->next should be next (ffff888), but was ffff999. (prev=ffff888).", Kind::Message},
		{"list_del corruption, ffff888009d2c7c0->next is LIST_POISON1 (dead000000000100)", Kind::Message},
		{"ODEBUG: free active (active state 0) object: ffff888009d2c6a8 object type: timer_list", Kind::Message},
		{"refcount_t: underflow; use-after-free.", Kind::Message},
	};
	for (const TitleCase &c : cases)
		EXPECT_EQ(classify_title(c.line), c.kind) << c.line;
}

TEST(ClassifyTitle, IgnoresLookalikes)
{
	const char *lines[] = {
		" WARNING: indented, inside a report",
		"INFO: lockdep is turned off.",
		"rcu: \t0-....: (2099 ticks this GP) idle=9cc4/1/0x4000000000000000",
		"KASAN: null-ptr-deref in range [0x0000000000000018-0x000000000000001f]",
		"kmemleak: Kernel memory leak detector initialized (mem pool available: 15706)",
		"not ok 2 - close after unplug # ioctl hung for 10 s",
		"BUGS: none",
		"",
	};
	for (const char *line : lines)
		EXPECT_EQ(classify_title(line), Kind::None) << line;
}

} // namespace
} // namespace mct::verdict

// SPDX-License-Identifier: GPL-2.0
// Recorded console logs -> runs and decoded reports.
#include "helpers.hpp"

namespace mct::verdict {
namespace {

using test::find_run;
using test::only_run;
using test::parse_testdata;
using Frames = std::vector<std::string>;
using ScenarioRun = mct::verdict::Run; // "Run" is also a member of testing::Test

const Report &single_report(const ScenarioRun &run)
{
	EXPECT_EQ(run.reports.size(), 1u) << run.scenario;
	static const Report none;
	return run.reports.empty() ? none : run.reports.front();
}

TEST(Logs, CleanLogPasses)
{
	const ParsedLog log = parse_testdata("clean.log");
	ASSERT_EQ(log.runs.size(), 1u);
	const ScenarioRun &run = log.runs.front();
	EXPECT_EQ(run.scenario, "smoke-boot");
	EXPECT_TRUE(run.has_end);
	EXPECT_EQ(run.rc, 0);
	EXPECT_EQ(run.time_ms, 9112);
	EXPECT_TRUE(run.reports.empty());
	EXPECT_FALSE(run.failed());
	EXPECT_TRUE(log.boot.reports.empty());
	EXPECT_FALSE(log.boot.failed());
	EXPECT_TRUE(log.finished);
}

TEST(Logs, KasanUseAfterFreeInV4l2Release)
{
	const ScenarioRun run = only_run("kasan-uaf.log");
	const Report &r = single_report(run);
	EXPECT_EQ(r.kind, Kind::Kasan);
	EXPECT_EQ(r.title, "BUG: KASAN: slab-use-after-free in v4l2_release+0x1d4/0x2a0 [videodev]");
	EXPECT_EQ(r.frames, (Frames{"v4l2_release+0x1d4/0x2a0 [videodev]", "__fput+0x1fd/0x4d0",
				    "__x64_sys_close+0x7c/0xd0", "do_syscall_64+0x82/0x160"}));
	EXPECT_EQ(r.freed_by, (Frames{"em28xx_release_resources+0x1e5/0x260 [em28xx]",
				      "em28xx_usb_disconnect+0x190/0x1f0 [em28xx]", "usb_unbind_interface+0x1b3/0x8a0",
				      "device_release_driver_internal+0x36d/0x520"}));
	EXPECT_EQ(r.allocated_by, (Frames{"em28xx_v4l2_init+0x8c/0x1f60 [em28xx_v4l]",
					  "em28xx_init_extension+0x9b/0x110 [em28xx]",
					  "request_module_async+0x2a/0x40 [em28xx]", "process_one_work+0x5e4/0xfe0"}));
	EXPECT_EQ(r.lineno, 16u);
	EXPECT_TRUE(run.failed());
	EXPECT_TRUE(run.reasons().empty()); // END rc=0: the report alone fails it
}

TEST(Logs, LockdepCircularDependency)
{
	const ScenarioRun run = only_run("lockdep-circular.log");
	const Report &r = single_report(run);
	EXPECT_EQ(r.kind, Kind::Lockdep);
	EXPECT_EQ(r.title, "WARNING: possible circular locking dependency detected");
	EXPECT_EQ(r.message, "acquiring &mdev->graph_mutex while holding &dev->lock");
	EXPECT_EQ(r.frames, (Frames{"mutex_lock_nested+0x1f/0x30", "media_device_unregister_entity+0x4a/0x1a0 [mc]",
				    "em28xx_v4l2_fini+0x2b1/0x7a0 [em28xx_v4l]",
				    "em28xx_close_extension+0x8c/0x190 [em28xx]"}));
}

TEST(Logs, WarnWithEndTraceIsOneReportWithStableTitle)
{
	const ScenarioRun run = only_run("warn.log");
	ASSERT_EQ(run.reports.size(), 2u); // two WARNs, from two different CPUs/PIDs
	for (const Report &r : run.reports) {
		EXPECT_EQ(r.kind, Kind::Warn);
		EXPECT_EQ(r.title, "WARNING at drivers/media/mc/mc-entity.c:1234 media_entity_remove_links+0x12/0x34");
		EXPECT_EQ(r.frames.front(), "media_device_unregister_entity+0x98/0x1a0 [mc]");
	}
	EXPECT_EQ(run.reports[0].frames.size(), 4u);
}

TEST(Logs, WarnReportEndsAtEndTrace)
{
	ReportSplitter splitter;
	for (const LogLine &line : split_lines(test::read_testdata("warn.log")))
		splitter.feed(line);
	const auto raw = splitter.take();
	ASSERT_EQ(raw.size(), 2u);
	EXPECT_EQ(raw[0].lines.back(), "---[ end trace 0000000000000000 ]---");
	EXPECT_EQ(raw[0].lines.front().substr(0, 13), "WARNING: CPU:");
}

TEST(Logs, KmemleakObjects)
{
	const ParsedLog log = parse_testdata("kmemleak.log");
	const ScenarioRun *run = find_run(log, "em28xx-probe-fail-leak");
	ASSERT_TRUE(run);
	// The printk summary counts the two listed objects: not a third report.
	ASSERT_EQ(run->reports.size(), 2u);
	for (const Report &r : run->reports) {
		EXPECT_EQ(r.kind, Kind::KmemleakObject);
		EXPECT_EQ(r.title, "kmemleak: unreferenced object (size 512)");
		EXPECT_EQ(r.frames, (Frames{"em28xx_i2c_register+0x5a/0x5c0 [em28xx]",
					    "em28xx_usb_probe+0xdb5/0x1a60 [em28xx]",
					    "usb_probe_interface+0x2b4/0x9a0", "really_probe+0x1e0/0x8a0"}));
	}
}

TEST(Logs, KmemleakOldFormatAndSummaryOnly)
{
	const ParsedLog log = parse_testdata("kmemleak.log");
	const ScenarioRun *old = find_run(log, "uvc-leak-old-format");
	ASSERT_TRUE(old);
	const Report &r = single_report(*old);
	EXPECT_EQ(r.title, "kmemleak: unreferenced object (size 64)");
	EXPECT_EQ(r.frames, (Frames{"uvc_alloc_entity+0x3d/0x100 [uvcvideo]", "uvc_parse_control+0x6b/0xd0 [uvcvideo]",
				    "uvc_probe+0x19/0x20 [uvcvideo]", "usb_probe_interface+0x8a/0x2f0"}));
	const ScenarioRun *summary = find_run(log, "leak-summary-only");
	ASSERT_TRUE(summary);
	EXPECT_EQ(single_report(*summary).title, "kmemleak: 1 new suspected memory leaks");
}

TEST(Logs, HungTask)
{
	const ScenarioRun run = only_run("hung-task.log");
	const Report &r = single_report(run);
	EXPECT_EQ(r.kind, Kind::HungTask);
	EXPECT_EQ(r.title, "INFO: task mct-torture blocked for more than 122 seconds");
	EXPECT_EQ(r.frames, (Frames{"mutex_lock_nested+0x1f/0x30", "em28xx_v4l2_close+0x6e/0x3a0 [em28xx_v4l]",
				    "v4l2_release+0x1a7/0x2a0 [videodev]", "__fput+0x1fd/0x4d0"}));
	EXPECT_EQ(run.reasons(), (std::vector<std::string>{
		"test program exited rc=1: not ok 2 - close during ioctl # close() blocked for 130 s"}));
}

TEST(Logs, GeneralProtectionFaultFollowedByPanic)
{
	const ScenarioRun run = only_run("oops-gpf.log");
	const Report &r = single_report(run); // the panic is its consequence
	EXPECT_EQ(r.kind, Kind::Gpf);
	EXPECT_EQ(r.title, "general protection fault, probably for non-canonical address 0xdffffc0000000003 "
			   "in media_device_unregister_entity+0x5c/0x1a0 [mc]");
	EXPECT_EQ(r.message, "KASAN: null-ptr-deref in range [0x0000000000000018-0x000000000000001f]");
	EXPECT_EQ(r.frames, (Frames{"em28xx_v4l2_fini+0x2b1/0x7a0 [em28xx_v4l]",
				    "em28xx_close_extension+0x8c/0x190 [em28xx]",
				    "em28xx_usb_disconnect+0x11b/0x1f0 [em28xx]", "usb_unbind_interface+0x1b3/0x8a0"}));
	EXPECT_FALSE(run.has_end);
	ASSERT_EQ(run.reasons().size(), 1u);
	EXPECT_EQ(run.reasons()[0], "no END marker: guest hung, crashed or timed out (last line: "
				    "\"[    6.700155] ---[ end Kernel panic - not syncing: Fatal exception ]---\")");
}

TEST(Logs, NullPointerDereferenceWithOops)
{
	const ScenarioRun run = only_run("null-deref.log");
	const Report &r = single_report(run); // "Oops:" belongs to the BUG
	EXPECT_EQ(r.title, "BUG: kernel NULL pointer dereference in em28xx_v4l2_close+0x45/0x3a0 [em28xx_v4l]");
	EXPECT_EQ(r.frames.front(), "v4l2_release+0x1a7/0x2a0 [videodev]");
	EXPECT_EQ(run.reasons(), (std::vector<std::string>{"test program exited rc=137"}));
}

TEST(Logs, CorruptionMessagesMergeWithTheirWarnOrBug)
{
	const ParsedLog log = parse_testdata("messages.log");
	const ScenarioRun *refcount = find_run(log, "em28xx-refcount");
	ASSERT_TRUE(refcount);
	EXPECT_EQ(single_report(*refcount).title,
		  "WARNING at lib/refcount.c:28 refcount_warn_saturate+0x13e/0x1b0: refcount_t: underflow; use-after-free.");
	EXPECT_EQ(single_report(*refcount).frames.front(), "em28xx_free_device+0x1a2/0x1e0 [em28xx]");

	const ScenarioRun *odebug = find_run(log, "em28xx-odebug");
	ASSERT_TRUE(odebug);
	EXPECT_EQ(single_report(*odebug).title,
		  "WARNING at lib/debugobjects.c:514 debug_print_object+0x1a8/0x2b0: ODEBUG: free active (active state 0) "
		  "object: * object type: timer_list hint: em28xx_timeout+0x0/0x80 [em28xx]");

	const ScenarioRun *list = find_run(log, "em28xx-list-del");
	ASSERT_TRUE(list);
	const Report &r = single_report(*list);
	EXPECT_EQ(r.kind, Kind::KernelBug);
	EXPECT_EQ(r.title, "kernel BUG at lib/list_debug.c:56: list_del corruption, *->next is LIST_POISON1 (*)");
	EXPECT_EQ(r.message, "list_del corruption, ffff888009d2c7c0->next is LIST_POISON1 (dead000000000100)");
	EXPECT_EQ(r.frames.front(), "em28xx_unregister_dvb+0x6e/0x120 [em28xx]");
}

TEST(Logs, OldStyleWarnWithRegistersInTrace)
{
	const ParsedLog log = parse_testdata("messages.log");
	const ScenarioRun *run = find_run(log, "old-style-warn");
	ASSERT_TRUE(run);
	const Report &r = single_report(*run);
	EXPECT_EQ(r.title, "WARNING at drivers/media/usb/em28xx/em28xx-video.c:2153 em28xx_v4l2_close+0x2f0/0x3a0");
	EXPECT_EQ(r.frames, (Frames{"v4l2_release+0xa3/0xe0 [videodev]", "__fput+0xb8/0x230",
				    "task_work_run+0x8a/0xb0", "exit_to_usermode_loop+0xeb/0xf0"}));
}

TEST(Logs, CrLfLineEndingsAndMessageBeforeCutHere)
{
	const ScenarioRun run = only_run("crlf-refcount.log");
	EXPECT_TRUE(run.has_end);
	EXPECT_EQ(run.rc, 0);
	const Report &r = single_report(run);
	EXPECT_EQ(r.title,
		  "WARNING at lib/refcount.c:28 refcount_warn_saturate+0x13e/0x1b0: refcount_t: underflow; use-after-free.");
	EXPECT_EQ(r.frames, (Frames{"em28xx_free_device+0x1a2/0x1e0 [em28xx]",
				    "em28xx_v4l2_close+0x2f0/0x3a0 [em28xx_v4l]"}));
}

TEST(Logs, MiscReportKinds)
{
	const ParsedLog log = parse_testdata("misc.log");
	struct Expect {
		const char *scenario;
		const char *title;
		const char *first_frame;
	};
	const Expect expected[] = {
		{"sleep-in-atomic", "BUG: sleeping function called from invalid context at kernel/locking/mutex.c:585",
		 "mutex_lock_nested+0x1f/0x30"},
		{"soft-lockup", "BUG: soft lockup in em28xx_wait_until_idle", "em28xx_stop_streaming+0x8e/0x1a0 [em28xx_v4l]"},
		{"rcu-stall", "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks", "em28xx_poll_loop+0x21/0x60 [em28xx]"},
		{"kfence", "BUG: KFENCE: use-after-free read in em28xx_isoc_copy+0x9c/0x2d0 [em28xx_v4l]",
		 "em28xx_isoc_copy+0x9c/0x2d0 [em28xx_v4l]"},
		{"workqueue-lockup", "BUG: workqueue lockup - pool cpus=0 node=0 flags=0x0 nice=0", nullptr},
		{"bad-unlock", "WARNING: bad unlock balance detected!", "__mutex_unlock_slowpath+0x9c/0x6a0"},
		{"suspicious-rcu", "WARNING: suspicious RCU usage", "media_devnode_open+0x1f2/0x260 [mc]"},
	};
	for (const Expect &e : expected) {
		const ScenarioRun *run = find_run(log, e.scenario);
		ASSERT_TRUE(run) << e.scenario;
		const Report &r = single_report(*run);
		EXPECT_EQ(r.title, e.title) << e.scenario;
		if (e.first_frame) {
			ASSERT_FALSE(r.frames.empty()) << e.scenario;
			EXPECT_EQ(r.frames.front(), e.first_frame) << e.scenario;
		} else {
			EXPECT_TRUE(r.frames.empty()) << e.scenario;
		}
	}
	const Report &kfence = single_report(*find_run(log, "kfence"));
	EXPECT_EQ(kfence.freed_by.front(), "em28xx_uninit_usb_xfer+0xb1/0x1a0 [em28xx]");
	EXPECT_EQ(kfence.allocated_by.front(), "em28xx_alloc_urbs+0x1f4/0x6e0 [em28xx]");
	const Report &rcu = single_report(*find_run(log, "suspicious-rcu"));
	EXPECT_EQ(rcu.message, "drivers/media/mc/mc-devnode.c:123 suspicious rcu_dereference_check() usage!");
}

TEST(Logs, UbsanInBothFormats)
{
	const ParsedLog log = parse_testdata("misc.log");
	const ScenarioRun *run = find_run(log, "ubsan");
	ASSERT_TRUE(run);
	ASSERT_EQ(run->reports.size(), 2u);
	EXPECT_EQ(run->reports[0].title, "UBSAN: array-index-out-of-bounds in drivers/media/usb/em28xx/em28xx-cards.c:4012:23");
	EXPECT_EQ(run->reports[0].frames.front(), "em28xx_card_setup+0x1d1/0x1ee0 [em28xx]");
	EXPECT_EQ(run->reports[1].title, "UBSAN: shift-out-of-bounds in drivers/media/usb/em28xx/em28xx-i2c.c:321:15");
	EXPECT_EQ(run->reports[1].frames.front(), "em28xx_i2c_xfer+0x2a1/0x5e0 [em28xx]");
}

TEST(Logs, MissingEndMarker)
{
	const ScenarioRun run = only_run("missing-end.log");
	EXPECT_TRUE(run.reports.empty());
	EXPECT_TRUE(run.failed());
	EXPECT_EQ(run.reasons(), (std::vector<std::string>{
		"no END marker: guest hung, crashed or timed out (last line: \"[   30.100000] em28xx 1-1:1.0: "
		"write to i2c device at 0xa0 failed with unknown error (status=-110)\")"}));
}

TEST(Logs, NonZeroRcWithGuestNotOkLine)
{
	const ScenarioRun run = only_run("rc-notok.log");
	EXPECT_TRUE(run.reports.empty());
	EXPECT_EQ(run.not_ok, "not ok 2 - close after unplug # ioctl hung for 10 s");
	EXPECT_EQ(run.reasons(), (std::vector<std::string>{
		"test program exited rc=1: not ok 2 - close after unplug # ioctl hung for 10 s"}));
}

TEST(Logs, ReportBeforeFirstBeginBelongsToBoot)
{
	const ParsedLog log = parse_testdata("boot-report.log");
	ASSERT_EQ(log.boot.reports.size(), 1u);
	EXPECT_EQ(log.boot.reports[0].title,
		  "WARNING at drivers/usb/gadget/udc/dummy_hcd.c:2711 dummy_hcd_probe+0x2e5/0x3a0");
	EXPECT_TRUE(log.boot.failed());
	ASSERT_EQ(log.runs.size(), 1u);
	EXPECT_FALSE(log.runs[0].failed());
}

TEST(Logs, TruncatedInTheMiddleOfAReport)
{
	const ScenarioRun run = only_run("truncated.log");
	const Report &r = single_report(run);
	EXPECT_EQ(r.title, "BUG: KASAN: slab-use-after-free in v4l2_release+0x1d4/0x2a0 [videodev]");
	EXPECT_EQ(r.frames.size(), 4u);
	EXPECT_EQ(r.freed_by, (Frames{"em28xx_release_resources+0x1e5/0x260 [em28xx]"}));
	EXPECT_FALSE(run.has_end);
	ASSERT_EQ(run.reasons().size(), 1u);
	EXPECT_NE(run.reasons()[0].find("last line: \"[    3.931195]  em28xx_usb_disc\""), std::string::npos);
}

TEST(Windows, ReportAfterEndBelongsToThatScenario)
{
	const ParsedLog log = parse_log("MCT: BEGIN a\n"
					"MCT: END a rc=0 time_ms=1\n"
					"[    5.000000] BUG: KASAN: double-free in f+0x1/0x2\n"
					"MCT: BEGIN b\n"
					"MCT: END b rc=0 time_ms=1\n"
					"MCT: FINISHED\n",
					"x.log");
	ASSERT_EQ(log.runs.size(), 2u);
	EXPECT_EQ(log.runs[0].reports.size(), 1u);
	EXPECT_TRUE(log.runs[1].reports.empty());
}

TEST(Windows, MarkerClosesAnOpenReport)
{
	const ParsedLog log = parse_log("MCT: BEGIN a\n"
					"BUG: sleeping function called from invalid context at x.c:1\n"
					"MCT: END a rc=0 time_ms=1\n"
					"ok 1 - not part of the report\n"
					"MCT: BEGIN b\n"
					"MCT: END b rc=0 time_ms=1\n",
					"x.log");
	ASSERT_EQ(log.runs.size(), 2u);
	EXPECT_EQ(log.runs[0].reports.size(), 1u);
	EXPECT_FALSE(log.runs[1].failed());
}

TEST(Windows, EndOfAnotherScenarioDoesNotCount)
{
	const ParsedLog log = parse_log("MCT: BEGIN a\nMCT: END b rc=0 time_ms=1\n", "x.log");
	ASSERT_EQ(log.runs.size(), 1u);
	EXPECT_FALSE(log.runs[0].has_end);
	EXPECT_TRUE(log.runs[0].failed());
}

TEST(Windows, KmemleakScanNoteEndsTheLastObject)
{
	const ParsedLog log = parse_log("MCT: BEGIN a\n"
					"unreferenced object 0xffff888000000000 (size 64):\n"
					"  comm \"a\", pid 1, jiffies 4294939012\n"
					"  backtrace (crc 1):\n"
					"    f+0x1/0x2\n"
					"MCT: kmemleak scan took 2.3 s\n"
					"MCT: END a rc=0 time_ms=1\n",
					"x.log");
	ASSERT_EQ(log.runs.size(), 1u);
	EXPECT_TRUE(log.runs[0].has_end);
	const Report &r = single_report(log.runs[0]);
	EXPECT_EQ(r.frames, (Frames{"f+0x1/0x2"}));
}

TEST(Windows, MalformedEnd)
{
	const ParsedLog log = parse_log("MCT: BEGIN a\nMCT: END a\n", "x.log");
	ASSERT_EQ(log.runs.size(), 1u);
	EXPECT_EQ(log.runs[0].reasons(), (std::vector<std::string>{"malformed END marker: no rc="}));
}

TEST(Windows, BeginWithoutName)
{
	const ParsedLog log = parse_log("MCT: BEGIN\nnot ok 1 -  # scenario not found\nMCT: END  rc=127 time_ms=0\n",
					"x.log");
	ASSERT_EQ(log.runs.size(), 1u);
	EXPECT_EQ(log.runs[0].scenario, "<unnamed>");
	EXPECT_TRUE(log.runs[0].failed());
}

TEST(Windows, LogWithoutAnyBeginIsABootFailure)
{
	const ParsedLog log = parse_log("[    0.000000] Linux version 6.12.0\n[    1.000000] Run /init as init process\n",
					"x.log");
	EXPECT_TRUE(log.runs.empty());
	EXPECT_TRUE(log.boot.failed());
	EXPECT_EQ(log.boot.reasons()[0], "no BEGIN marker in log: the guest did not start any scenario "
					 "(last line: \"[    1.000000] Run /init as init process\")");
	EXPECT_EQ(parse_log("", "empty.log").boot.reasons()[0],
		  "no BEGIN marker in log: the guest did not start any scenario (last line: (empty log))");
}

TEST(Windows, TimestampsCallerIdsAndInterleaving)
{
	const ParsedLog log = parse_log(
		"MCT: BEGIN a\r\n"
		"ok 1 - open[   12.000000][  T240] ==================================================================\r\n"
		"[   12.000001][  T240] BUG: KASAN: slab-use-after-free in f+0x1/0x2 [m]\r\n"
		"[   12.000002][  T240] Call Trace:\r\n"
		"[   12.000003][  T240]  <TASK>\r\n"
		"[   12.000004][  T240]  f+0x1/0x2 [m]\r\n"
		"[   12.000005][  T240]  </TASK>\r\n"
		"[   12.000006][  T240] \r\n"
		"[   12.000007][  T240] Freed by task 1:\r\n"
		"[   12.000008][  T240]  kfree+0x1/0x2\r\n"
		"[   12.000009][  T240]  g+0x1/0x2\r\n"
		"[   12.000010][  T240] ==================================================================\r\n"
		"MCT: END a rc=0 time_ms=1\r\n",
		"x.log");
	ASSERT_EQ(log.runs.size(), 1u);
	const Report &r = single_report(log.runs[0]);
	EXPECT_EQ(r.title, "BUG: KASAN: slab-use-after-free in f+0x1/0x2 [m]");
	EXPECT_EQ(r.frames, (Frames{"f+0x1/0x2 [m]"}));
	EXPECT_EQ(r.freed_by, (Frames{"g+0x1/0x2"}));
}

TEST(Splitter, KasanBetweenSeparatorsIsCountedOnce)
{
	ReportSplitter splitter;
	for (const LogLine &line : split_lines(test::read_testdata("kasan-uaf.log")))
		splitter.feed(line);
	const auto raw = splitter.take();
	ASSERT_EQ(raw.size(), 1u);
	EXPECT_EQ(raw[0].lines.back(), "==================================================================");
}

TEST(Splitter, BlankLineEndsSimpleReports)
{
	ReportSplitter splitter;
	for (const LogLine &line : split_lines("BUG: scheduling while atomic: a/1/0x00000002\n"
					       "Call Trace:\n f+0x1/0x2\n\n g+0x1/0x2\n"))
		splitter.feed(line);
	const auto raw = splitter.take();
	ASSERT_EQ(raw.size(), 1u);
	EXPECT_EQ(raw[0].lines.size(), 3u);
}

TEST(Splitter, GenericWarnMessageIsKeptButNotInTitle)
{
	const ParsedLog log = parse_log("MCT: BEGIN a\n"
					"------------[ cut here ]------------\n"
					"em28xx: URB still in flight at ffff888012345678\n"
					"WARNING: CPU: 0 PID: 1 at drivers/x.c:12 f+0x1/0x2 [m]\n"
					"---[ end trace 0000000000000000 ]---\n"
					"MCT: END a rc=0 time_ms=1\n",
					"x.log");
	const Report &r = single_report(log.runs[0]);
	EXPECT_EQ(r.title, "WARNING at drivers/x.c:12 f+0x1/0x2");
	EXPECT_EQ(r.message, "em28xx: URB still in flight at ffff888012345678");
}

TEST(Splitter, MessageWithoutWarnIsItsOwnReport)
{
	const ParsedLog log = parse_log("MCT: BEGIN a\n"
					"list_add corruption. next->prev should be prev (ffff888012345678), but was "
					"0000000000000000. (next=ffff888087654321).\n"
					"ok 1 - x\n"
					"MCT: END a rc=0 time_ms=1\n",
					"x.log");
	const Report &r = single_report(log.runs[0]);
	EXPECT_EQ(r.kind, Kind::Message);
	EXPECT_EQ(r.title, "list_add corruption. next->prev should be prev (*), but was *. (next=*).");
}

TEST(Splitter, OldLockdepFormat)
{
	const ParsedLog log = parse_log("MCT: BEGIN a\n"
					"=======================================================\n"
					"[ INFO: possible circular locking dependency detected ]\n"
					"4.5.0 #1 Not tainted\n"
					"-------------------------------------------------------\n"
					"a/1 is trying to acquire lock:\n"
					" (&sb->s_type->i_mutex_key#19){+.+.+.}, at: [<ffffffff8117e4e3>] f+0x6d/0x320\n"
					"\n"
					"but task is already holding lock:\n"
					" (&pipe->mutex/1){+.+.+.}, at: [<ffffffff8126ca7d>] pipe_lock+0x1d/0x20\n"
					"MCT: END a rc=0 time_ms=1\n",
					"x.log");
	const Report &r = single_report(log.runs[0]);
	EXPECT_EQ(r.title, "INFO: possible circular locking dependency detected");
	EXPECT_EQ(r.message, "acquiring &sb->s_type->i_mutex_key#19 while holding &pipe->mutex/1");
}

} // namespace
} // namespace mct::verdict

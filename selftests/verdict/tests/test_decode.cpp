// SPDX-License-Identifier: GPL-2.0
// Frame parsing, frame skipping rules and title normalization.
#include "helpers.hpp"

#include "decode.hpp"
#include "symbolize.hpp"

namespace mct::verdict {
namespace {

TEST(ParseFrame, PlainFrameWithModule)
{
	const auto f = parse_frame(" v4l2_release+0x1d4/0x2a0 [videodev]");
	ASSERT_TRUE(f);
	EXPECT_EQ(f->text, "v4l2_release+0x1d4/0x2a0 [videodev]");
	EXPECT_EQ(f->function, "v4l2_release");
	EXPECT_FALSE(f->unreliable);
}

TEST(ParseFrame, UnreliableFrame)
{
	const auto f = parse_frame(" ? __virt_addr_valid+0x5e/0x100");
	ASSERT_TRUE(f);
	EXPECT_TRUE(f->unreliable);
	EXPECT_EQ(f->function, "__virt_addr_valid");
}

TEST(ParseFrame, AddressPrefixIsDropped)
{
	const auto f = parse_frame("    [<ffffffff8117e4e3>] kmem_cache_alloc+0xd3/0x110");
	ASSERT_TRUE(f);
	EXPECT_EQ(f->text, "kmem_cache_alloc+0xd3/0x110");
	const auto g = parse_frame(" [<ffffffff8135067c>] ? __mutex_lock_common.isra.5+0xff/0x164");
	ASSERT_TRUE(g);
	EXPECT_TRUE(g->unreliable);
	EXPECT_EQ(g->function, "__mutex_lock_common.isra.5");
}

TEST(ParseFrame, DecodedFrames)
{
	const auto f = parse_frame("dump_stack_lvl (lib/dump_stack.c:107) ");
	ASSERT_TRUE(f);
	EXPECT_EQ(f->function, "dump_stack_lvl");
	EXPECT_EQ(f->text, "dump_stack_lvl (lib/dump_stack.c:107)");
	const auto g = parse_frame("link_create kernel/bpf/syscall.c:4938 [inline]");
	ASSERT_TRUE(g);
	EXPECT_EQ(g->function, "link_create");
}

TEST(ParseFrame, OffsetStopsAtPunctuation)
{
	const auto f = parse_frame("refcount_warn_saturate+0xd8/0xe0:");
	ASSERT_TRUE(f);
	EXPECT_EQ(f->text, "refcount_warn_saturate+0xd8/0xe0");
}

TEST(ParseFrame, RejectsNonFrames)
{
	for (const char *line : {"Call Trace:", "RIP: 0010:v4l2_release+0x1d4/0x2a0", "<TASK>",
				 "[<ffffffffffffffff>] 0xffffffffffffffff", "irq event stamp: 52341",
				 "hardirqs last  enabled at (52349): [<ffffffff813c2a8e>] __up_console_sem+0x5e/0x70",
				 "lock(&dev->lock);", "em28xx_usb_disc", ""})
		EXPECT_FALSE(parse_frame(line)) << line;
}

TEST(BaseFunction, StripsCompilerSuffixes)
{
	EXPECT_EQ(base_function("print_address_description.constprop.0"), "print_address_description");
	EXPECT_EQ(base_function("kasan_report.cold"), "kasan_report");
	EXPECT_EQ(base_function("v4l2_release"), "v4l2_release");
}

TEST(SkipRules, CallTrace)
{
	for (const char *fn : {"dump_stack", "dump_stack_lvl", "print_report", "kasan_report", "__warn",
			       "report_bug", "handle_bug", "exc_invalid_op", "asm_exc_invalid_op",
			       "kasan_check_range", "__asan_load8", "__asan_report_load8_noabort",
			       "__kasan_check_read", "print_address_description.constprop.0",
			       "kasan_report.cold", "check_noncircular", "__lock_acquire", "lock_acquire",
			       "__might_resched", "__schedule", "schedule", "__ubsan_handle_out_of_bounds"})
		EXPECT_TRUE(skip_call_trace_frame(fn)) << fn;
	for (const char *fn : {"v4l2_release", "__fput", "em28xx_v4l2_close", "mutex_lock_nested",
			       "media_device_unregister_entity", "kfree"})
		EXPECT_FALSE(skip_call_trace_frame(fn)) << fn;
}

TEST(SkipRules, FreedBy)
{
	for (const char *fn : {"kasan_save_stack", "kasan_save_track", "kasan_save_free_info",
			       "poison_slab_object", "__kasan_slab_free", "kfree", "slab_free_freelist_hook",
			       "slab_free", "__slab_free", "kmem_cache_free", "kvfree"})
		EXPECT_TRUE(skip_freed_frame(fn)) << fn;
	for (const char *fn : {"em28xx_release_resources", "em28xx_usb_disconnect", "kref_put"})
		EXPECT_FALSE(skip_freed_frame(fn)) << fn;
}

TEST(SkipRules, AllocatedBy)
{
	for (const char *fn : {"kasan_save_stack", "__kasan_kmalloc", "__kmalloc", "__kmalloc_cache_noprof",
			       "kmalloc_trace", "kmalloc_trace_noprof", "kmem_cache_alloc_noprof",
			       "kmem_cache_alloc", "__kmalloc_node_track_caller", "kzalloc", "kmemleak_alloc",
			       "create_object.isra.0", "kvmalloc_node_noprof"})
		EXPECT_TRUE(skip_allocated_frame(fn)) << fn;
	for (const char *fn : {"em28xx_usb_probe", "em28xx_v4l2_init", "kstrdup", "usb_alloc_urb"})
		EXPECT_FALSE(skip_allocated_frame(fn)) << fn;
}

TEST(NormalizeTitle, WarnDropsCpuPidAndModule)
{
	EXPECT_EQ(normalize_title(Kind::Warn,
				  "WARNING: CPU: 0 PID: 123 at drivers/media/mc/mc-entity.c:123 func+0x12/0x34 [mc]",
				  "", ""),
		  "WARNING at drivers/media/mc/mc-entity.c:123 func+0x12/0x34");
	EXPECT_EQ(normalize_title(Kind::Warn, "WARNING: CPU: 3 PID: 1 at drivers/x.c:12 func+0x12/0x34", "", ""),
		  "WARNING at drivers/x.c:12 func+0x12/0x34");
}

TEST(NormalizeTitle, WarnOtherFormats)
{
	EXPECT_EQ(normalize_title(Kind::Warn, "WARNING: at drivers/x.c:12 func()", "", ""),
		  "WARNING at drivers/x.c:12 func()");
	EXPECT_EQ(normalize_title(Kind::Warn, "WARNING: drivers/x.c:12 at func+0x1/0x2, CPU#0: a/1", "", ""),
		  "WARNING at drivers/x.c:12 func+0x1/0x2");
}

TEST(NormalizeTitle, WarnWithKnownMessage)
{
	EXPECT_EQ(normalize_title(Kind::Warn, "WARNING: CPU: 1 PID: 2 at lib/refcount.c:28 refcount_warn_saturate+0xd8/0xe0",
				  "", "refcount_t: underflow; use-after-free."),
		  "WARNING at lib/refcount.c:28 refcount_warn_saturate+0xd8/0xe0: refcount_t: underflow; use-after-free.");
	// Messages that are not kernel corruption reports stay out of the title.
	EXPECT_EQ(normalize_title(Kind::Warn, "WARNING: CPU: 1 PID: 2 at drivers/x.c:1 f+0x1/0x2", "", "em28xx: oops"),
		  "WARNING at drivers/x.c:1 f+0x1/0x2");
}

TEST(NormalizeTitle, HungTaskDropsPid)
{
	EXPECT_EQ(normalize_title(Kind::HungTask, "INFO: task mct-torture:240 blocked for more than 122 seconds.", "", ""),
		  "INFO: task mct-torture blocked for more than 122 seconds");
	EXPECT_EQ(normalize_title(Kind::HungTask, "INFO: task kworker/0:1:45 blocked for more than 120 seconds.", "", ""),
		  "INFO: task kworker/0:1 blocked for more than 120 seconds");
}

TEST(NormalizeTitle, CrashesNameTheFaultingFunction)
{
	const std::string rip = "em28xx_v4l2_close+0x45/0x3a0 [em28xx_v4l]";
	EXPECT_EQ(normalize_title(Kind::Gpf,
				  "general protection fault, probably for non-canonical address 0xdffffc0000000003: 0000 [#1] SMP KASAN",
				  rip, ""),
		  "general protection fault, probably for non-canonical address 0xdffffc0000000003 in " + rip);
	EXPECT_EQ(normalize_title(Kind::Gpf,
				  "Oops: general protection fault, probably for non-canonical address 0xdffffc0000000003: 0000 [#1] SMP KASAN",
				  rip, ""),
		  "general protection fault, probably for non-canonical address 0xdffffc0000000003 in " + rip);
	EXPECT_EQ(normalize_title(Kind::Gpf, "general protection fault: 0000 [#1] SMP", "", ""), "general protection fault");
	EXPECT_EQ(normalize_title(Kind::Oops, "Oops: 0000 [#1] PREEMPT SMP KASAN NOPTI", rip, ""), "Oops in " + rip);
	EXPECT_EQ(normalize_title(Kind::Bug, "BUG: kernel NULL pointer dereference, address: 0000000000000008", rip, ""),
		  "BUG: kernel NULL pointer dereference in " + rip);
	EXPECT_EQ(normalize_title(Kind::Bug, "BUG: unable to handle page fault for address: ffff888012345678", rip, ""),
		  "BUG: unable to handle page fault in " + rip);
}

TEST(NormalizeTitle, StableBugTitles)
{
	EXPECT_EQ(normalize_title(Kind::Bug, "watchdog: BUG: soft lockup - CPU#0 stuck for 26s! [a:250]",
				  "em28xx_wait_until_idle+0x3c/0x90 [em28xx]", ""),
		  "BUG: soft lockup in em28xx_wait_until_idle");
	EXPECT_EQ(normalize_title(Kind::Bug, "BUG: soft lockup - CPU#0 stuck for 26s! [a:250]", "", ""), "BUG: soft lockup");
	EXPECT_EQ(normalize_title(Kind::Bug, "BUG: workqueue lockup - pool cpus=0 node=0 flags=0x0 nice=0 stuck for 31s!", "", ""),
		  "BUG: workqueue lockup - pool cpus=0 node=0 flags=0x0 nice=0");
	EXPECT_EQ(normalize_title(Kind::Bug, "BUG: scheduling while atomic: mct-torture/240/0x00000002", "", ""),
		  "BUG: scheduling while atomic: mct-torture");
	EXPECT_EQ(normalize_title(Kind::Kasan, "BUG: KASAN: slab-use-after-free in v4l2_release+0x1d4/0x2a0", "", ""),
		  "BUG: KASAN: slab-use-after-free in v4l2_release+0x1d4/0x2a0");
}

TEST(NormalizeTitle, OtherKinds)
{
	EXPECT_EQ(normalize_title(Kind::RcuStall, "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:", "", ""),
		  "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks");
	EXPECT_EQ(normalize_title(Kind::RcuStall,
				  "rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: { 0-... } 21 jiffies s: 1234",
				  "", ""),
		  "rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks");
	EXPECT_EQ(normalize_title(Kind::RcuStall, "rcu: INFO: rcu_sched self-detected stall on CPU", "", ""),
		  "rcu: INFO: rcu_sched self-detected stall on CPU");
	EXPECT_EQ(normalize_title(Kind::KmemleakObject, "unreferenced object 0xffff88800a3c1e00 (size 512):", "", ""),
		  "kmemleak: unreferenced object (size 512)");
	EXPECT_EQ(normalize_title(Kind::KmemleakSummary,
				  "kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)", "", ""),
		  "kmemleak: 2 new suspected memory leaks");
	EXPECT_EQ(normalize_title(Kind::Lockdep, "[ INFO: possible circular locking dependency detected ]", "", ""),
		  "INFO: possible circular locking dependency detected");
	EXPECT_EQ(normalize_title(Kind::Lockdep, "WARNING: possible circular locking dependency detected", "", ""),
		  "WARNING: possible circular locking dependency detected");
}

TEST(MaskPointers, ReplacesLongHexWords)
{
	EXPECT_EQ(mask_pointers("list_del corruption, ffff888009d2c7c0->next is LIST_POISON1 (dead000000000100)"),
		  "list_del corruption, *->next is LIST_POISON1 (*)");
	EXPECT_EQ(mask_pointers("object: 0xffff888009d2c6a8 type"), "object: * type");
	EXPECT_EQ(mask_pointers("hint: em28xx_timeout+0x0/0x80 size 1234"), "hint: em28xx_timeout+0x0/0x80 size 1234");
}

RawReport raw_report(Kind kind, std::vector<std::string> lines)
{
	RawReport raw;
	raw.kind = kind;
	raw.lines = std::move(lines);
	return raw;
}

TEST(DecodeReport, TakesFirstFourFrames)
{
	const Report r = decode_report(raw_report(Kind::Bug, {
		"BUG: sleeping function called from invalid context at kernel/locking/mutex.c:585",
		"Call Trace:", " <TASK>", " dump_stack_lvl+0x77/0xb0", " __might_resched+0x2dc/0x4a0",
		" ? foo+0x1/0x2", " a+0x1/0x2", " b+0x1/0x2 [m]", " c+0x1/0x2", " d+0x1/0x2", " e+0x1/0x2", " </TASK>",
	}));
	EXPECT_EQ(r.frames, (std::vector<std::string>{"a+0x1/0x2", "b+0x1/0x2 [m]", "c+0x1/0x2", "d+0x1/0x2"}));
}

TEST(DecodeReport, SkipsRegisterDumpInsideTrace)
{
	const Report r = decode_report(raw_report(Kind::Warn, {
		"WARNING: CPU: 2 PID: 77 at drivers/x.c:1 f+0x1/0x2", "Call Trace:", " dump_stack+0x5c/0x80",
		" __warn+0xcb/0xf0", " invalid_op+0x14/0x20", "RIP: 0010:f+0x1/0x2", "Code: 0f 0b <0f> 0b",
		"RSP: 0018:ffffc900003b7e08 EFLAGS: 00010246", " g+0x1/0x2", "---[ end trace 1f2e3d4c5b6a7988 ]---",
	}));
	EXPECT_EQ(r.frames, (std::vector<std::string>{"g+0x1/0x2"}));
}

TEST(DecodeReport, StallPrefersTaskFramesOverInterruptFrames)
{
	const Report r = decode_report(raw_report(Kind::RcuStall, {
		"rcu: INFO: rcu_preempt self-detected stall on CPU", "Call Trace:", " <IRQ>",
		" rcu_dump_cpu_stacks+0x1/0x2", " update_process_times+0x1/0x2", " </IRQ>", " <TASK>",
		" looping_function+0x21/0x60 [em28xx]", " </TASK>",
	}));
	EXPECT_EQ(r.frames, (std::vector<std::string>{"looping_function+0x21/0x60 [em28xx]"}));
}

TEST(DecodeReport, KeepsInterruptFramesOfOtherReports)
{
	const Report r = decode_report(raw_report(Kind::Kasan, {
		"BUG: KASAN: slab-use-after-free in urb_complete+0x1/0x2 [em28xx]", "Call Trace:", " <IRQ>",
		" dump_stack_lvl+0x1/0x2", " urb_complete+0x1/0x2 [em28xx]", " __usb_hcd_giveback_urb+0x1/0x2",
		" </IRQ>", " <TASK>", " default_idle+0x1/0x2", " </TASK>",
	}));
	EXPECT_EQ(r.frames, (std::vector<std::string>{"urb_complete+0x1/0x2 [em28xx]", "__usb_hcd_giveback_urb+0x1/0x2",
						      "default_idle+0x1/0x2"}));
}

TEST(DecodeReport, ArmStyleLowercaseCallTrace)
{
	const Report r = decode_report(raw_report(Kind::Oops, {
		"Internal error: Oops: 96000005 [#1] PREEMPT SMP", "pc : em28xx_v4l2_close+0x45/0x3a0 [em28xx_v4l]",
		"Call trace:", " em28xx_v4l2_close+0x45/0x3a0 [em28xx_v4l]", " v4l2_release+0x1a7/0x2a0 [videodev]",
		"Code: f9400000 (f9400401)",
	}));
	EXPECT_EQ(r.title, "Internal error: Oops in em28xx_v4l2_close+0x45/0x3a0 [em28xx_v4l]");
	EXPECT_EQ(r.frames.size(), 2u);
}

TEST(TitleFunction, FromTitleElseFirstFrame)
{
	Report r;
	r.title = "BUG: KASAN: slab-use-after-free in v4l2_release+0x1d4/0x2a0 [videodev]";
	EXPECT_EQ(title_function(r), "v4l2_release+0x1d4/0x2a0 [videodev]");
	r.title = "WARNING at lib/refcount.c:28 refcount_warn_saturate+0xd8/0xe0: refcount_t: underflow";
	EXPECT_EQ(title_function(r), "refcount_warn_saturate+0xd8/0xe0");
	r.title = "WARNING: possible circular locking dependency detected";
	r.frames = {"mutex_lock_nested+0x1f/0x30"};
	EXPECT_EQ(title_function(r), "mutex_lock_nested+0x1f/0x30");
}

TEST(Faddr2line, ParsesInnermostLocation)
{
	EXPECT_EQ(parse_faddr2line_output("v4l2_release+0x1d4/0x2a0:\nv4l2_release at drivers/media/v4l2-core/v4l2-dev.c:453\n"),
		  "drivers/media/v4l2-core/v4l2-dev.c:453");
	EXPECT_EQ(parse_faddr2line_output("f+0x1d/0x30:\ninl at include/linux/list.h:12 (discriminator 3)\n"
					  "(inlined by) f at drivers/x.c:99\n"),
		  "include/linux/list.h:12");
	EXPECT_EQ(parse_faddr2line_output("no match for f+0x1/0x2\n"), "");
}

TEST(Faddr2line, UnusableWithoutFiles)
{
	Symbolizer s("/nonexistent/faddr2line", "/nonexistent/vmlinux");
	EXPECT_FALSE(s.usable());
	EXPECT_EQ(s.locate("f+0x1/0x2"), "");
}

} // namespace
} // namespace mct::verdict

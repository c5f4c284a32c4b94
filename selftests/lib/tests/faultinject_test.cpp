// SPDX-License-Identifier: GPL-2.0
// Unit tests of mct/faultinject: the sweep loop and its end, and a faulted
// call whose file does not open. The faults themselves need the guest's
// fail-nth (CONFIG_FAULT_INJECTION).
#include <gtest/gtest.h>

#include <cerrno>
#include <fcntl.h>
#include <string>
#include <vector>

#include "mct/faultinject.hpp"

using namespace mct;

TEST(Sweep, EndsAtTheFirstNNotReached)
{
	Tap tap;
	KmsgTail kmsg;	// not open: no reports
	Sweep s;
	long calls = 0;

	s.run(tap, kmsg, [&](long n, bool *reached) {
		calls++;
		*reached = n <= 3;
		if (*reached)
			s.injected_fault(n != 2);
		return std::string();
	});
	EXPECT_EQ(calls, 4);
	EXPECT_EQ(s.last_n, 4);
	EXPECT_TRUE(s.done);
	EXPECT_EQ(s.stop, "");
	EXPECT_EQ(s.injected, 3);
	EXPECT_EQ(s.probe_failed, 2);
	EXPECT_EQ(s.tolerated, 1);
	EXPECT_EQ(s.str("binds").rfind("4 binds, 3 faults injected (error paths reached): "
				       "probe failed 2, tolerated 1; 0 reports; ", 0), 0u);
	s.check_end(tap, "every bind returned");
	EXPECT_EQ(tap.failed(), 0);
}

TEST(Sweep, TakesFromAndStepFromTheCommandLine)
{
	Sweep s;

	s.configure("console=ttyS0 mct.scenario=a,b mct.fi_from=40 mct.fi_step=7\n");
	EXPECT_EQ(s.from, 40);
	EXPECT_EQ(s.step, 7);

	// What is absent or not a number >= 1 leaves the value as it was.
	Sweep t;
	t.configure("mct.fi_step=0 mct.fi_from=x mct.fi_stepx=3 xmct.fi_step=5");
	EXPECT_EQ(t.from, 1);
	EXPECT_EQ(t.step, 1);
}

TEST(Sweep, StridedSweepSaysItIsPartial)
{
	Tap tap;
	KmsgTail kmsg;
	Sweep s;
	std::vector<long> ns;

	s.from = 3;
	s.step = 4;
	// run() reads /proc/cmdline: on the host it names no mct.fi_*.
	s.run(tap, kmsg, [&](long n, bool *reached) {
		ns.push_back(n);
		*reached = n < 10;
		return std::string();
	});
	EXPECT_EQ(ns, (std::vector<long>{ 3, 7, 11 }));
	EXPECT_TRUE(s.done);
	EXPECT_EQ(s.str("binds").rfind("3 binds (partial: N from 3 by 4 up to 11), ", 0), 0u);
}

TEST(Sweep, CutAtToIsNotTheEnd)
{
	Tap tap;
	KmsgTail kmsg;
	Sweep s;

	s.configure("mct.fi_to=4");
	EXPECT_TRUE(s.partial());
	s.run(tap, kmsg, [&](long, bool *reached) {
		*reached = true;
		s.injected_fault(true);
		return std::string();
	});
	EXPECT_EQ(s.last_n, 4);
	EXPECT_FALSE(s.done);
	// The end of the probe's allocations was not reached: that check fails.
	s.check_end(tap, "every bind returned");
	EXPECT_EQ(tap.failed(), 1);
}

TEST(Sweep, StopsAtAReasonToStop)
{
	Tap tap;
	KmsgTail kmsg;
	Sweep s;

	s.run(tap, kmsg, [&](long n, bool *reached) {
		*reached = true;
		return n == 2 ? std::string("N=2: bind: still blocked") : std::string();
	});
	EXPECT_EQ(s.last_n, 1);
	EXPECT_FALSE(s.done);
	EXPECT_EQ(s.stop, "N=2: bind: still blocked");
	// Stopped, not at the end, no failed probe.
	s.check_end(tap, "every bind returned");
	EXPECT_EQ(tap.failed(), 3);
}

TEST(Sweep, GivesUpAfterMaxFaults)
{
	Tap tap;
	KmsgTail kmsg;
	Sweep s;

	s.run(tap, kmsg, [](long, bool *reached) {
		*reached = true;
		return std::string();
	});
	EXPECT_EQ(s.last_n, kMaxFaults);
	EXPECT_FALSE(s.done);
}

TEST(FaultCall, FileThatDoesNotOpenIsNotReached)
{
	bool called = false;
	FaultCall r = call_with_fault(
		"/nonexistent/bind", O_WRONLY, 1,
		[&called](int) {
			called = true;
			return 0L;
		},
		10s);

	EXPECT_TRUE(r.finished);
	EXPECT_FALSE(r.reached());
	EXPECT_EQ(r.res.err, ENOENT);
	EXPECT_FALSE(called);
	EXPECT_NE(r.str().find("ENOENT"), std::string::npos);
}

TEST(FaultCall, Str)
{
	FaultCall r;

	r.ms = 60000;
	EXPECT_EQ(r.str(), "still blocked after 60000 ms");
	r.finished = true;
	r.ms = 3;
	r.res = SysResult{ -1, ENOMEM };
	EXPECT_EQ(r.str(), "ENOMEM (Cannot allocate memory) after 3 ms");
}

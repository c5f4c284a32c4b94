// SPDX-License-Identifier: GPL-2.0
// Host tests of the pure helpers of mct-torture.
#include <gtest/gtest.h>

#include "util.hpp"

using mct::torture::kobject_release_name;

TEST(KobjectReleaseName, DeviceRecord)
{
	auto n = kobject_release_name("6,1517,41650433,-;kobject: 'video0' (0000000058fb822a): "
				      "kobject_release, parent 0000000000000000 (delayed 250)\n");

	ASSERT_TRUE(n.has_value());
	EXPECT_EQ(*n, "video0");
}

TEST(KobjectReleaseName, SubdevAndNullNames)
{
	EXPECT_EQ(kobject_release_name("6,2,3,-;kobject: 'v4l-subdev12' (ff): kobject_release, "
				       "parent ff (delayed 1000)"),
		  "v4l-subdev12");
	EXPECT_EQ(kobject_release_name("6,2,3,-;kobject: '(null)' (ff): kobject_release, parent "
				       "0 (delayed 500)"),
		  "(null)");
}

TEST(KobjectReleaseName, OtherRecords)
{
	EXPECT_FALSE(kobject_release_name("6,1,2,-;vivid-000: unregistering 'video0'"));
	EXPECT_FALSE(kobject_release_name("6,1,2,-;kobject: 'video0': kobject_cleanup"));
	EXPECT_FALSE(kobject_release_name("no header kobject_release 'x'"));
	EXPECT_FALSE(kobject_release_name("6,1,2,-;kobject_release without a quoted name"));
}

TEST(CallResult, Str)
{
	mct::torture::CallResult r;

	r.ms = 10000;
	EXPECT_EQ(r.str(), "still blocked after 10000 ms");
	r.finished = true;
	r.ms = 3;
	r.res.rc = -1;
	r.res.err = 19;
	EXPECT_EQ(r.str(), "ENODEV (No such device) after 3 ms");
}

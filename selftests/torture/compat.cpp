// SPDX-License-Identifier: GPL-2.0
// compat32-abi: this program is the 32-bit build, mct-torture32 (an i386
// program on the x86-64 test kernel, through IA32_EMULATION), so that the
// compat32-* scenarios (vm/scenarios.d/35-compat32.list) really send their
// ioctls through the kernel's compat paths (media_device_compat_ioctl(),
// v4l2_compat_ioctl32()). Fails in the 64-bit mct-torture.
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <linux/futex.h>
#include <linux/media.h>
#include <linux/videodev2.h>
#include <string>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "mct/scenario.hpp"
#include "util.hpp"

using namespace mct;
using namespace mct::torture;

namespace {

std::string hex(unsigned long v)
{
	char buf[24];

	std::snprintf(buf, sizeof(buf), "0x%08lx", v);
	return buf;
}

} // namespace

MCT_SCENARIO(compat32_abi, "compat32-abi",
	     "this program is the 32-bit build (mct-torture32): its ioctls take the kernel's "
	     "compat paths")
{
	struct utsname u {};

	::uname(&u);
	tap.diag("ABI: sizeof(void *) " + std::to_string(sizeof(void *)) + ", sizeof(long) " +
		 std::to_string(sizeof(long)) + ", sizeof(time_t) " +
		 std::to_string(sizeof(time_t)) + "; kernel " + u.release + " " + u.machine);
	tap.diag("ioctls: VIDIOC_DQBUF " + hex(VIDIOC_DQBUF) + " (struct v4l2_buffer " +
		 std::to_string(sizeof(v4l2_buffer)) + " bytes), VIDIOC_DQEVENT " +
		 hex(VIDIOC_DQEVENT) + " (struct v4l2_event " + std::to_string(sizeof(v4l2_event)) +
		 "), VIDIOC_G_FMT " + hex(VIDIOC_G_FMT) + " (struct v4l2_format " +
		 std::to_string(sizeof(v4l2_format)) + "), MEDIA_IOC_ENUM_LINKS " +
		 hex(MEDIA_IOC_ENUM_LINKS) + " (struct media_links_enum " +
		 std::to_string(sizeof(media_links_enum)) + ")");
	check(tap, sizeof(void *) == 4, "a 32-bit build: sizeof(void *) == 4",
	      "sizeof(void *) is " + std::to_string(sizeof(void *)) +
		      ": this is the 64-bit mct-torture, not mct-torture32");
	// With a 32-bit time_t, VIDIOC_DQBUF and VIDIOC_DQEVENT would be the
	// kernel's VIDIOC_DQBUF32_TIME32 and VIDIOC_DQEVENT32_TIME32, not the
	// VIDIOC_DQBUF32 and VIDIOC_DQEVENT32 that 35-compat32.list is about.
	check(tap, sizeof(time_t) == 8,
	      "a 64-bit time_t: the buffer and event ioctls are VIDIOC_DQBUF32 and VIDIOC_DQEVENT32",
	      "sizeof(time_t) is " + std::to_string(sizeof(time_t)) +
		      ": built without -D_TIME_BITS=64");
	// glibc's futex calls (SYS_futex: futex_time32 in an i386 program)
	// abort the program on ENOSYS, in the first thread join or timed wait.
	int word = 0;
	long rc = ::syscall(SYS_futex, &word, FUTEX_WAKE, 1, nullptr, nullptr, 0);
	int err = rc < 0 ? errno : 0;
	check(tap, rc >= 0,
	      "the kernel has the futex syscall that glibc calls (32-bit time syscalls: "
	      "CONFIG_COMPAT_32BIT_TIME)",
	      "futex(FUTEX_WAKE): " + errno_name(err));
}

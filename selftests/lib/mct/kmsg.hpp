// SPDX-License-Identifier: GPL-2.0
// A tail of the kernel log: the records of /dev/kmsg logged from some
// point on, read without blocking. The release watch of mct-torture reads
// the kobject_release lines of CONFIG_DEBUG_KOBJECT_RELEASE from it, the
// fault-injection sweeps the reports (mct/faultinject.hpp).
#pragma once

#include <functional>
#include <string>

#include "mct/fd.hpp"

namespace mct {

// The records of /dev/kmsg ("6,1234,5678,-;text") from its end on.
class KmsgTail {
public:
	// Opens /dev/kmsg at its end: only later records are seen.
	bool open(std::string *err);
	bool is_open() const { return bool(fd_); }
	// Calls fn with every record logged since the last call (none when
	// not open); records overwritten meanwhile are skipped.
	void drain(const std::function<void(const std::string &)> &fn);

private:
	UniqueFd fd_;
};

} // namespace mct

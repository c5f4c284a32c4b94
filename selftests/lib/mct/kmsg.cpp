// SPDX-License-Identifier: GPL-2.0
#include "mct/kmsg.hpp"

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

#include "mct/sys.hpp"

namespace mct {

bool KmsgTail::open(std::string *err)
{
	int fd = ::open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		*err = "open /dev/kmsg: " + errno_name(errno);
		return false;
	}
	fd_ = UniqueFd(fd);
	if (::lseek(fd, 0, SEEK_END) < 0) {
		*err = "lseek /dev/kmsg: " + errno_name(errno);
		return false;
	}
	return true;
}

void KmsgTail::drain(const std::function<void(const std::string &)> &fn)
{
	char buf[8192];

	if (!fd_)
		return;
	for (;;) {
		ssize_t n = ::read(fd_.get(), buf, sizeof(buf));

		if (n < 0 && errno == EPIPE)
			continue;	// overwritten records: go on
		if (n <= 0)
			return;
		fn(std::string(buf, n));
	}
}

} // namespace mct

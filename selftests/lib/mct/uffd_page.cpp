// SPDX-License-Identifier: GPL-2.0
#include "mct/uffd_page.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

namespace mct {

bool UffdPage::init(std::string *err, std::size_t pages)
{
	long page = ::sysconf(_SC_PAGESIZE) * static_cast<long>(pages);
	struct uffdio_api api = {.api = UFFD_API, .features = 0, .ioctls = 0};
	struct uffdio_register reg {};

	// Not UFFD_USER_MODE_ONLY: the faults to catch are the kernel's.
	int fd = static_cast<int>(::syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK));
	if (fd < 0) {
		*err = "userfaultfd: " + errno_name(errno);
		return false;
	}
	uffd_ = UniqueFd(fd);
	if (::ioctl(fd, UFFDIO_API, &api) < 0) {
		*err = "UFFDIO_API: " + errno_name(errno);
		return false;
	}
	void *p = ::mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	if (p == MAP_FAILED) {
		*err = "mmap: " + errno_name(errno);
		return false;
	}
	map_ = Mapping(p, page);
	reg.range.start = reinterpret_cast<unsigned long>(p);
	reg.range.len = page;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (::ioctl(fd, UFFDIO_REGISTER, &reg) < 0) {
		*err = "UFFDIO_REGISTER: " + errno_name(errno);
		return false;
	}
	return true;
}

bool UffdPage::wait_fault(Millis timeout, std::string *err)
{
	struct pollfd p = {uffd_.get(), POLLIN, 0};
	struct uffd_msg msg {};

	int rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
	if (rc <= 0) {
		*err = rc == 0 ? "no fault on the page within " +
					 std::to_string(timeout.count()) + " ms"
			       : "poll(uffd): " + errno_name(errno);
		return false;
	}
	if (::read(uffd_.get(), &msg, sizeof(msg)) != sizeof(msg)) {
		*err = "read(uffd): " + errno_name(errno);
		return false;
	}
	if (msg.event != UFFD_EVENT_PAGEFAULT) {
		*err = "unexpected uffd event " + std::to_string(msg.event);
		return false;
	}
	return true;
}

bool UffdPage::resolve(const void *src, std::size_t len, std::string *err)
{
	std::vector<char> content(map_.size(), 0);
	struct uffdio_copy copy {};

	std::memcpy(content.data(), src, std::min(len, content.size()));
	copy.dst = reinterpret_cast<unsigned long>(map_.get());
	copy.src = reinterpret_cast<unsigned long>(content.data());
	copy.len = map_.size();
	if (::ioctl(uffd_.get(), UFFDIO_COPY, &copy) < 0) {
		*err = "UFFDIO_COPY: " + errno_name(errno);
		return false;
	}
	return true;
}

} // namespace mct

// SPDX-License-Identifier: GPL-2.0
// RAII holders for file descriptors and mappings.
#pragma once

#include <cstddef>
#include <utility>

namespace mct {

// Owns one file descriptor; closes it on destruction.
class UniqueFd {
public:
	UniqueFd() = default;
	explicit UniqueFd(int fd) : fd_(fd) {}
	~UniqueFd() { reset(); }
	UniqueFd(const UniqueFd &) = delete;
	UniqueFd &operator=(const UniqueFd &) = delete;
	UniqueFd(UniqueFd &&o) noexcept : fd_(o.release()) {}
	UniqueFd &operator=(UniqueFd &&o) noexcept
	{
		if (this != &o)
			reset(o.release());
		return *this;
	}

	int get() const { return fd_; }
	explicit operator bool() const { return fd_ >= 0; }
	int release() { return std::exchange(fd_, -1); }
	// Closes the held fd; returns close()'s result (0 when nothing held)
	// and keeps errno from close() for the caller to report.
	int reset(int fd = -1);

private:
	int fd_ = -1;
};

// Owns one mmap()ed range.
class Mapping {
public:
	Mapping() = default;
	Mapping(void *addr, std::size_t len) : addr_(addr), len_(len) {}
	~Mapping() { reset(); }
	Mapping(const Mapping &) = delete;
	Mapping &operator=(const Mapping &) = delete;
	Mapping(Mapping &&o) noexcept
		: addr_(std::exchange(o.addr_, nullptr)), len_(std::exchange(o.len_, 0)) {}
	Mapping &operator=(Mapping &&o) noexcept
	{
		if (this != &o) {
			reset();
			addr_ = std::exchange(o.addr_, nullptr);
			len_ = std::exchange(o.len_, 0);
		}
		return *this;
	}

	void *get() const { return addr_; }
	std::size_t size() const { return len_; }
	explicit operator bool() const { return addr_ != nullptr; }
	void reset();

private:
	void *addr_ = nullptr;
	std::size_t len_ = 0;
};

} // namespace mct

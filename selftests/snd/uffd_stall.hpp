// SPDX-License-Identifier: GPL-2.0
// One page registered with userfaultfd: a syscall whose user buffer lies on
// it stops inside copy_from_user() until resolve() fills the page, which
// holds an ioctl in flight across an unplug without relying on luck.
#pragma once

#include <cstddef>
#include <string>

#include "mct/fd.hpp"
#include "mct/sys.hpp"

namespace mct::snd {

class UffdStall {
public:
	bool init(std::string *err);
	void *page() const { return map_.get(); }
	std::size_t size() const { return map_.size(); }
	// Waits for the first fault on the page.
	bool wait_fault(Millis timeout, std::string *err);
	// Fills the page with len bytes of src (rest zero) and wakes the
	// faulting thread.
	bool resolve(const void *src, std::size_t len, std::string *err);

private:
	UniqueFd uffd_;
	Mapping map_;
};

} // namespace mct::snd

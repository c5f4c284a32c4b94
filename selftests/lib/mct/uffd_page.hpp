// SPDX-License-Identifier: GPL-2.0
// One anonymous page registered with userfaultfd (MISSING mode): the
// kernel stops inside copy_from_user() on it until resolve() fills the
// page, which holds an ioctl at a known point while the device goes.
#pragma once

#include <cstddef>
#include <string>

#include "mct/fd.hpp"
#include "mct/sys.hpp"

namespace mct {

class UffdPage {
public:
	// Maps and registers `pages` pages (one by default): the first touch
	// of any of them faults.
	bool init(std::string *err, std::size_t pages = 1);
	void *page() const { return map_.get(); }
	std::size_t size() const { return map_.size(); }
	// Waits for the first fault on the page.
	bool wait_fault(Millis timeout, std::string *err);
	// Fills the page with len bytes of src (the rest zero) and wakes the
	// faulting thread.
	bool resolve(const void *src, std::size_t len, std::string *err);
	// Closing the uffd wakes a faulting thread too (it then sees a zero
	// page): the way out when a scenario gives up early.
	void release() { uffd_.reset(); }

private:
	UniqueFd uffd_;
	Mapping map_;
};

} // namespace mct

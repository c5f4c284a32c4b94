// SPDX-License-Identifier: GPL-2.0
// TAP output for the guest programs: one "ok N - name" line per check,
// "# " diagnostics, and a plan at the end.
#pragma once

#include <mutex>
#include <string>

namespace mct {

class Tap {
public:
	explicit Tap(std::string prefix = "") : prefix_(std::move(prefix)) {}

	// Records one check; returns cond so callers can bail out early. why
	// is printed after "not ok" only.
	bool check(bool cond, const std::string &name, const std::string &why = "");
	void ok(const std::string &name) { check(true, name); }
	void fail(const std::string &name, const std::string &why) { check(false, name, why); }
	void diag(const std::string &msg);

	int passed() const { return passed_; }
	int failed() const { return failed_; }
	// Prints the plan line "1..N" and a one-line summary.
	void finish();

private:
	std::mutex mu_;
	std::string prefix_;
	int n_ = 0;
	int passed_ = 0;
	int failed_ = 0;
};

} // namespace mct

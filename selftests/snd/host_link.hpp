// SPDX-License-Identifier: GPL-2.0
// The guest end of the line to mct-qmp-relay: the usb-audio VM profile
// connects the guest's second serial port (ttyS1) to the relay, which turns
// request lines such as "qmp device_del ua" into QMP commands and answers
// "ok ..." or "error ...".
#pragma once

#include <string>

#include "mct/fd.hpp"
#include "mct/sys.hpp"

namespace mct::snd {

class HostLink {
public:
	// Opens tty in raw mode (no echo: an echoed reply would be read by
	// the relay as input).
	bool open(const std::string &tty, std::string *err);
	// Sends one request line and waits at most timeout for the answer.
	// True for "ok..."; false for "error ..." or no answer, *reply says
	// which (the answer line, or "no answer within N ms").
	bool request(const std::string &line, Millis timeout, std::string *reply);

private:
	bool send(const std::string &line, long long deadline, std::string *err);
	bool read_line(long long deadline, std::string &line);

	UniqueFd fd_;
	std::string buf_;
};

} // namespace mct::snd

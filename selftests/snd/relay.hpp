// SPDX-License-Identifier: GPL-2.0
// The core of mct-qmp-relay: the guest writes request lines on its second
// serial port, the relay turns them into QMP commands and answers with one
// line, "ok [RESULT]" or "error REASON".
//
//   ping                        -> ok
//   qmp device_del ID           -> device_del {"id": ID}, then waits for the
//                                  DEVICE_DELETED event of ID
//   qmp device_add DRV,K=V,...  -> device_add {"driver": DRV, "K": "V", ...}
//   qmp CMD [K=V ...]           -> CMD {"K": "V", ...}; ok carries the
//                                  "return" value when it is not {}
//
// Any other line (our own replies echoed by a guest tty that is not in raw
// mode, boot noise) is logged and gets no answer, so an echo cannot start a
// ping-pong.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "mct/json.hpp"

namespace mct::qmp {

using Millis = std::chrono::milliseconds;

struct Request {
	enum class Kind { Ignore, Ping, Qmp };

	Kind kind = Kind::Ignore;
	std::string command;		// QMP "execute"
	JsonValue arguments;		// an object, possibly empty
	std::string wait_deleted;	// device id whose DEVICE_DELETED ends it
};

// Parses one request line (without its newline). Returns false and sets
// *err for a malformed request; lines that are no request at all come back
// as Kind::Ignore.
bool parse_request(std::string_view line, Request &req, std::string *err);

// {"execute": CMD, "arguments": {...}, "id": ID}
std::string build_command(const Request &req, long id);

struct Message {
	enum class Kind { Greeting, Return, Error, Event, Other };

	Kind kind = Kind::Other;
	long id = -1;		// "id" of a Return/Error, -1 when absent
	std::string event;	// Event name
	std::string device;	// Event data.device
	std::string error;	// Error "Class: desc"
	JsonValue value;	// Return value
};

Message classify(const JsonValue &msg);

// Splits a byte stream into lines; drops '\r' and NUL, and drops lines
// longer than max_line (reported once as an empty overflow marker).
class LineBuffer {
public:
	explicit LineBuffer(size_t max_line = 4096) : max_(max_line) {}
	void feed(const char *data, size_t n);
	std::optional<std::string> next();
	bool overflowed() { return std::exchange(overflow_, false); }

private:
	std::string buf_;
	size_t max_;
	bool overflow_ = false;
	bool discarding_ = false;
};

struct Timeouts {
	Millis greeting{10000};
	Millis reply{10000};
	Millis event{15000};
};

class Relay {
public:
	using Logger = std::function<void(const std::string &)>;

	Relay(int qmp_fd, int serial_fd, Logger log, Timeouts t = {})
		: qmp_fd_(qmp_fd), serial_fd_(serial_fd), log_(std::move(log)), t_(t) {}

	// Reads the greeting and negotiates capabilities.
	bool handshake(std::string *err);
	// Answers request lines until a connection closes or *stop is set.
	// Returns a one-line reason why it ended.
	std::string serve(const std::atomic<bool> &stop);
	// Runs one request, returns the reply line without its newline.
	std::string execute(const Request &req);

private:
	enum class Read { Message, Timeout, Closed };

	Read read_message(Message &msg, long long deadline_ms);
	bool send_line(int fd, const std::string &line);
	void drain_events();
	std::string wait_return(long id, const Request &req, bool &deleted_seen);
	std::string wait_deleted(const std::string &dev);
	bool handle_serial_input(std::string *why);

	int qmp_fd_;
	int serial_fd_;
	Logger log_;
	Timeouts t_;
	LineBuffer qmp_in_{1 << 20};
	LineBuffer serial_in_;
	long next_id_ = 1;
	bool qmp_closed_ = false;
};

long long monotonic_ms();

} // namespace mct::qmp

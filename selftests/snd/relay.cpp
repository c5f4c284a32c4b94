// SPDX-License-Identifier: GPL-2.0
#include "relay.hpp"

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sstream>
#include <time.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace mct::qmp {

long long monotonic_ms()
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static std::string trim(std::string_view s)
{
	size_t b = s.find_first_not_of(" \t");
	size_t e = s.find_last_not_of(" \t");

	return b == std::string_view::npos ? std::string() : std::string(s.substr(b, e - b + 1));
}

static std::vector<std::string> split(std::string_view s, char sep)
{
	std::vector<std::string> out;
	size_t start = 0;

	for (;;) {
		size_t end = s.find(sep, start);

		out.emplace_back(s.substr(start, end == std::string_view::npos ? end : end - start));
		if (end == std::string_view::npos)
			return out;
		start = end + 1;
	}
}

static std::vector<std::string> words(std::string_view s)
{
	std::vector<std::string> out;
	std::istringstream in{std::string(s)};
	std::string w;

	while (in >> w)
		out.push_back(w);
	return out;
}

static void add_string(JsonValue &obj, const std::string &key, const std::string &val)
{
	JsonMember m;

	m.key = key;
	m.value.type = JsonValue::Type::String;
	m.value.string = val;
	obj.members.push_back(std::move(m));
}

// K=V pairs into obj; false on a pair without '=' or an empty or repeated key.
static bool add_pairs(JsonValue &obj, const std::vector<std::string> &pairs, std::string *err)
{
	for (const auto &p : pairs) {
		size_t eq = p.find('=');

		if (eq == std::string::npos || eq == 0) {
			*err = "bad property '" + p + "' (want KEY=VALUE)";
			return false;
		}
		std::string key = p.substr(0, eq);
		if (obj.get(key)) {
			*err = "property '" + key + "' given twice";
			return false;
		}
		add_string(obj, key, p.substr(eq + 1));
	}
	return true;
}

static bool parse_qmp(const std::vector<std::string> &w, Request &req, std::string *err)
{
	req.kind = Request::Kind::Qmp;
	req.arguments.type = JsonValue::Type::Object;
	if (w.size() < 2) {
		*err = "missing QMP command";
		return false;
	}
	req.command = w[1];
	if (req.command == "device_del") {
		if (w.size() != 3) {
			*err = "usage: qmp device_del ID";
			return false;
		}
		add_string(req.arguments, "id", w[2]);
		req.wait_deleted = w[2];
		return true;
	}
	if (req.command == "device_add") {
		if (w.size() != 3) {
			*err = "usage: qmp device_add DRIVER[,KEY=VALUE...]";
			return false;
		}
		auto props = split(w[2], ',');
		if (props[0].empty() || props[0].find('=') != std::string::npos) {
			*err = "device_add needs the driver first";
			return false;
		}
		add_string(req.arguments, "driver", props[0]);
		props.erase(props.begin());
		return add_pairs(req.arguments, props, err);
	}
	return add_pairs(req.arguments, {w.begin() + 2, w.end()}, err);
}

bool parse_request(std::string_view line, Request &req, std::string *err)
{
	std::string text = trim(line);
	auto w = words(text);

	req = Request();
	if (w.empty())
		return true;
	if (w[0] == "ping") {
		if (w.size() != 1) {
			*err = "ping takes no argument";
			return false;
		}
		req.kind = Request::Kind::Ping;
		return true;
	}
	if (w[0] == "qmp")
		return parse_qmp(w, req, err);
	return true;
}

std::string build_command(const Request &req, long id)
{
	std::string out = "{\"execute\":" + json_quote(req.command);

	if (!req.arguments.members.empty())
		out += ",\"arguments\":" + req.arguments.dump();
	return out + ",\"id\":" + std::to_string(id) + "}";
}

Message classify(const JsonValue &msg)
{
	Message m;
	const JsonValue *v;

	if (!msg.is(JsonValue::Type::Object))
		return m;
	m.id = msg.get_int("id", -1);
	if (msg.get("QMP")) {
		m.kind = Message::Kind::Greeting;
	} else if ((v = msg.get("return"))) {
		m.kind = Message::Kind::Return;
		m.value = *v;
	} else if ((v = msg.get("error"))) {
		m.kind = Message::Kind::Error;
		m.error = v->get_string("class") + ": " + v->get_string("desc");
	} else if (!msg.get_string("event").empty()) {
		m.kind = Message::Kind::Event;
		m.event = msg.get_string("event");
		if ((v = msg.get("data")))
			m.device = v->get_string("device");
	}
	return m;
}

void LineBuffer::feed(const char *data, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = data[i];

		if (c == '\r' || c == '\0')
			continue;
		if (discarding_) {
			if (c == '\n')
				discarding_ = false;
			continue;
		}
		buf_ += c;
		if (buf_.size() > max_ && buf_.find('\n') == std::string::npos) {
			buf_.clear();
			discarding_ = true;
			overflow_ = true;
		}
	}
}

std::optional<std::string> LineBuffer::next()
{
	size_t nl = buf_.find('\n');

	if (nl == std::string::npos)
		return std::nullopt;
	std::string line = buf_.substr(0, nl);
	buf_.erase(0, nl + 1);
	return line;
}

// Reads what is there (at most one read) into lb; false on EOF or error.
static bool fill(int fd, LineBuffer &lb)
{
	char buf[4096];
	ssize_t n;

	do
		n = ::read(fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return false;
	lb.feed(buf, static_cast<size_t>(n));
	return true;
}

Relay::Read Relay::read_message(Message &msg, long long deadline_ms)
{
	for (;;) {
		while (auto line = qmp_in_.next()) {
			std::string err;
			auto json = parse_json(*line, &err);

			if (!json) {
				log_("qmp: unparsable line (" + err + "): " + *line);
				continue;
			}
			msg = classify(*json);
			log_("qmp <- " + *line);
			return Read::Message;
		}
		if (qmp_closed_)
			return Read::Closed;
		long long left = deadline_ms - monotonic_ms();
		if (left < 0)
			return Read::Timeout;
		struct pollfd p = {qmp_fd_, POLLIN, 0};
		int rc = ::poll(&p, 1, static_cast<int>(left));
		if (rc < 0 && errno != EINTR)
			return Read::Closed;
		if (rc > 0 && !fill(qmp_fd_, qmp_in_))
			qmp_closed_ = true;
	}
}

bool Relay::send_line(int fd, const std::string &line)
{
	std::string data = line + (fd == qmp_fd_ ? "\r\n" : "\n");
	size_t done = 0;

	while (done < data.size()) {
		ssize_t n = ::write(fd, data.data() + done, data.size() - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_(std::string("write failed: ") + std::strerror(errno));
			return false;
		}
		done += static_cast<size_t>(n);
	}
	return true;
}

bool Relay::handshake(std::string *err)
{
	long long deadline = monotonic_ms() + t_.greeting.count();
	Message m;

	if (read_message(m, deadline) != Read::Message || m.kind != Message::Kind::Greeting) {
		*err = "no QMP greeting";
		return false;
	}
	long id = next_id_++;
	std::string cmd = "{\"execute\":\"qmp_capabilities\",\"id\":" + std::to_string(id) + "}";
	log_("qmp -> " + cmd);
	if (!send_line(qmp_fd_, cmd)) {
		*err = "cannot send qmp_capabilities";
		return false;
	}
	deadline = monotonic_ms() + t_.reply.count();
	while (read_message(m, deadline) == Read::Message) {
		if (m.kind == Message::Kind::Return && m.id == id)
			return true;
		if (m.kind == Message::Kind::Error && m.id == id) {
			*err = "qmp_capabilities: " + m.error;
			return false;
		}
	}
	*err = "no reply to qmp_capabilities";
	return false;
}

// Events that arrived while nobody asked are logged and forgotten, so a late
// DEVICE_DELETED of one request cannot complete the next one.
void Relay::drain_events()
{
	Message m;

	while (read_message(m, monotonic_ms()) == Read::Message)
		if (m.kind != Message::Kind::Event)
			log_("qmp: stray message dropped");
}

std::string Relay::wait_return(long id, const Request &req, bool &deleted_seen)
{
	long long deadline = monotonic_ms() + t_.reply.count();
	Message m;

	for (;;) {
		Read r = read_message(m, deadline);

		if (r == Read::Timeout)
			return "error no QMP reply within " + std::to_string(t_.reply.count()) + " ms";
		if (r == Read::Closed)
			return "error QMP connection closed";
		if (m.kind == Message::Kind::Event && m.event == "DEVICE_DELETED" &&
		    !req.wait_deleted.empty() && m.device == req.wait_deleted)
			deleted_seen = true;
		if (m.id != id)
			continue;
		if (m.kind == Message::Kind::Error)
			return "error " + m.error;
		if (m.kind != Message::Kind::Return)
			continue;
		if (m.value.is(JsonValue::Type::Object) && m.value.members.empty())
			return "ok";
		return "ok " + m.value.dump();
	}
}

std::string Relay::wait_deleted(const std::string &dev)
{
	long long deadline = monotonic_ms() + t_.event.count();
	Message m;

	for (;;) {
		Read r = read_message(m, deadline);

		if (r == Read::Timeout)
			return "error no DEVICE_DELETED for " + dev + " within " +
			       std::to_string(t_.event.count()) + " ms";
		if (r == Read::Closed)
			return "error QMP connection closed";
		if (m.kind == Message::Kind::Event && m.event == "DEVICE_DELETED" &&
		    m.device == dev)
			return "ok";
	}
}

std::string Relay::execute(const Request &req)
{
	if (req.kind == Request::Kind::Ping)
		return "ok";
	drain_events();
	long id = next_id_++;
	std::string cmd = build_command(req, id);
	log_("qmp -> " + cmd);
	if (!send_line(qmp_fd_, cmd))
		return "error cannot write to QMP";
	bool deleted = false;
	std::string reply = wait_return(id, req, deleted);
	if (reply.rfind("ok", 0) != 0 || req.wait_deleted.empty() || deleted)
		return reply;
	return wait_deleted(req.wait_deleted);
}

bool Relay::handle_serial_input(std::string *why)
{
	if (!fill(serial_fd_, serial_in_)) {
		*why = "serial connection closed";
		return false;
	}
	if (serial_in_.overflowed())
		log_("serial: over-long line dropped");
	while (auto line = serial_in_.next()) {
		Request req;
		std::string err;
		std::string reply;

		if (!parse_request(*line, req, &err)) {
			reply = "error " + err;
		} else if (req.kind == Request::Kind::Ignore) {
			if (!trim(*line).empty())
				log_("serial: ignored '" + *line + "'");
			continue;
		} else {
			log_("serial <- " + *line);
			long long t0 = monotonic_ms();
			reply = execute(req);
			log_("serial -> " + reply + " (" + std::to_string(monotonic_ms() - t0) +
			     " ms)");
		}
		if (!send_line(serial_fd_, reply)) {
			*why = "cannot write to serial";
			return false;
		}
	}
	return true;
}

std::string Relay::serve(const std::atomic<bool> &stop)
{
	std::string why;

	while (!stop.load()) {
		struct pollfd p[2] = {{serial_fd_, POLLIN, 0}, {qmp_fd_, POLLIN, 0}};
		int rc = ::poll(p, 2, 250);

		if (rc < 0 && errno != EINTR)
			return std::string("poll: ") + std::strerror(errno);
		if (rc <= 0)
			continue;
		if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) && !handle_serial_input(&why))
			return why;
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (!fill(qmp_fd_, qmp_in_))
				return "QMP connection closed";
			drain_events();
		}
	}
	return "stopped";
}

} // namespace mct::qmp

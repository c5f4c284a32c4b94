// SPDX-License-Identifier: GPL-2.0
// Unit tests of mct-qmp-relay: the request line protocol, QMP reply
// classification, and the relay against a scripted fake QEMU (the JSON
// tests are in lib/tests/json_test.cpp).
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "relay.hpp"

using namespace mct::qmp;
using mct::parse_json;

TEST(Request, Ping)
{
	Request r;
	std::string err;

	ASSERT_TRUE(parse_request("ping", r, &err));
	EXPECT_EQ(r.kind, Request::Kind::Ping);
	EXPECT_FALSE(parse_request("ping now", r, &err));
}

TEST(Request, DeviceDel)
{
	Request r;
	std::string err;

	ASSERT_TRUE(parse_request("  qmp device_del ua \t", r, &err));
	EXPECT_EQ(r.kind, Request::Kind::Qmp);
	EXPECT_EQ(r.wait_deleted, "ua");
	EXPECT_EQ(build_command(r, 7),
		  R"({"execute":"device_del","arguments":{"id":"ua"},"id":7})");
	EXPECT_FALSE(parse_request("qmp device_del", r, &err));
	EXPECT_FALSE(parse_request("qmp device_del a b", r, &err));
}

TEST(Request, DeviceAdd)
{
	Request r;
	std::string err;

	ASSERT_TRUE(parse_request("qmp device_add usb-audio,id=ua,bus=xhci.0,audiodev=snd0", r,
				  &err));
	EXPECT_TRUE(r.wait_deleted.empty());
	EXPECT_EQ(build_command(r, 3),
		  R"({"execute":"device_add","arguments":{"driver":"usb-audio","id":"ua",)"
		  R"("bus":"xhci.0","audiodev":"snd0"},"id":3})");
	EXPECT_FALSE(parse_request("qmp device_add id=ua", r, &err));
	EXPECT_FALSE(parse_request("qmp device_add usb-audio,id", r, &err));
	EXPECT_FALSE(parse_request("qmp device_add usb-audio,id=a,id=b", r, &err));
}

TEST(Request, GenericCommand)
{
	Request r;
	std::string err;

	ASSERT_TRUE(parse_request("qmp query-status", r, &err));
	EXPECT_EQ(build_command(r, 1), R"({"execute":"query-status","id":1})");
	ASSERT_TRUE(parse_request("qmp qom-get path=/machine property=type", r, &err));
	EXPECT_EQ(build_command(r, 2), R"({"execute":"qom-get","arguments":)"
				       R"({"path":"/machine","property":"type"},"id":2})");
	EXPECT_FALSE(parse_request("qmp", r, &err));
	EXPECT_FALSE(parse_request("qmp x novalue", r, &err));
}

TEST(Request, EchoAndNoiseAreIgnored)
{
	Request r;
	std::string err;

	for (const char *line : {"ok", "error no such device", "", "   ", "qmpx device_del ua",
				 "garbage"}) {
		ASSERT_TRUE(parse_request(line, r, &err)) << line;
		EXPECT_EQ(r.kind, Request::Kind::Ignore) << line;
	}
}

TEST(Classify, Messages)
{
	Message m = classify(*parse_json(R"({"return": {}, "id": 4})"));
	EXPECT_EQ(m.kind, Message::Kind::Return);
	EXPECT_EQ(m.id, 4);

	m = classify(*parse_json(R"({"id": 5, "error": {"class": "DeviceNotFound",)"
				 R"( "desc": "Device 'ub' not found"}})"));
	EXPECT_EQ(m.kind, Message::Kind::Error);
	EXPECT_EQ(m.id, 5);
	EXPECT_EQ(m.error, "DeviceNotFound: Device 'ub' not found");

	m = classify(*parse_json(R"({"timestamp": {"seconds": 1, "microseconds": 2},)"
				 R"( "event": "DEVICE_DELETED", "data": {"device": "ua",)"
				 R"( "path": "/machine/peripheral/ua"}})"));
	EXPECT_EQ(m.kind, Message::Kind::Event);
	EXPECT_EQ(m.event, "DEVICE_DELETED");
	EXPECT_EQ(m.device, "ua");
	EXPECT_EQ(m.id, -1);

	m = classify(*parse_json(R"({"QMP": {}})"));
	EXPECT_EQ(m.kind, Message::Kind::Greeting);
	EXPECT_EQ(classify(*parse_json("[1]")).kind, Message::Kind::Other);
}

TEST(LineBuffer, SplitsAndDropsCr)
{
	LineBuffer lb(16);

	lb.feed("ab\r\ncd\nef", 10);
	EXPECT_EQ(lb.next(), "ab");
	EXPECT_EQ(lb.next(), "cd");
	EXPECT_FALSE(lb.next());
	lb.feed("\n", 1);
	EXPECT_EQ(lb.next(), "ef");
}

TEST(LineBuffer, DropsOverlongLine)
{
	LineBuffer lb(8);
	std::string longline(20, 'x');

	lb.feed(longline.data(), longline.size());
	lb.feed("yy\nok\n", 6);
	EXPECT_TRUE(lb.overflowed());
	EXPECT_EQ(lb.next(), "ok");
	EXPECT_FALSE(lb.next());
}

namespace {

std::string id_of(const std::string &cmd)
{
	auto j = parse_json(cmd);

	return j && j->get("id") ? j->get("id")->dump() : "-1";
}

// A scripted QEMU: answers each command line of the relay through a
// callback that returns the lines to send back.
class FakeQemu {
public:
	using Script = std::function<std::vector<std::string>(const std::string &cmd)>;

	explicit FakeQemu(Script s) : script_(std::move(s))
	{
		int qmp[2], ser[2];

		EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, qmp), 0);
		EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, ser), 0);
		relay_qmp = qmp[0];
		qemu_qmp_ = qmp[1];
		relay_serial = ser[0];
		guest = ser[1];
		thread_ = std::thread([this] { run(); });
	}
	~FakeQemu()
	{
		::shutdown(qemu_qmp_, SHUT_RDWR);
		thread_.join();
		for (int fd : {relay_qmp, qemu_qmp_, relay_serial, guest})
			::close(fd);
	}

	// Guest side: one request, one reply line (empty when none in 5 s).
	std::string ask(const std::string &line)
	{
		std::string data = line + "\n";

		EXPECT_EQ(::write(guest, data.data(), data.size()), (ssize_t)data.size());
		return read_line(guest, 5000);
	}

	int relay_qmp, relay_serial, guest;
	std::vector<std::string> commands;

private:
	static std::string read_line(int fd, int timeout_ms)
	{
		std::string out;
		char c;

		for (;;) {
			struct pollfd p = {fd, POLLIN, 0};

			if (::poll(&p, 1, timeout_ms) <= 0 || ::read(fd, &c, 1) != 1)
				return out;
			if (c == '\n')
				return out;
			if (c != '\r')
				out += c;
		}
	}

	void send(const std::string &line)
	{
		std::string data = line + "\r\n";

		if (::write(qemu_qmp_, data.data(), data.size()) < 0)
			return;
	}

	void run()
	{
		send(R"({"QMP": {"version": {}, "capabilities": []}})");
		for (;;) {
			std::string cmd = read_line(qemu_qmp_, 10000);

			if (cmd.empty())
				return;
			commands.push_back(cmd);
			if (cmd.find("qmp_capabilities") != std::string::npos) {
				send(R"({"return": {}, "id": )" + id_of(cmd) + "}");
				continue;
			}
			for (const auto &l : script_(cmd))
				send(l);
		}
	}

	Script script_;
	int qemu_qmp_;
	std::thread thread_;
};

const char *deleted_event = R"({"timestamp": {"seconds": 1, "microseconds": 0},)"
			    R"( "event": "DEVICE_DELETED", "data": {"device": "ua"}})";

struct RelayRun {
	explicit RelayRun(FakeQemu &q, Timeouts t = {})
		: relay(q.relay_qmp, q.relay_serial, [this](const std::string &l) { log.push_back(l); },
			t)
	{
		std::string err;

		EXPECT_TRUE(relay.handshake(&err)) << err;
		thread = std::thread([this] { end = relay.serve(stop); });
	}
	~RelayRun()
	{
		stop.store(true);
		thread.join();
	}

	Relay relay;
	std::atomic<bool> stop{false};
	std::vector<std::string> log;
	std::string end;
	std::thread thread;
};

} // namespace

TEST(Relay, DeviceDelWaitsForEvent)
{
	FakeQemu q([](const std::string &cmd) -> std::vector<std::string> {
		std::string id = id_of(cmd);

		if (cmd.find("device_del") != std::string::npos)
			return {R"({"return": {}, "id": )" + id + "}", deleted_event};
		return {R"({"return": {}, "id": )" + id + "}"};
	});
	RelayRun r(q);

	EXPECT_EQ(q.ask("ping"), "ok");
	EXPECT_EQ(q.ask("qmp device_del ua"), "ok");
	EXPECT_EQ(q.ask("qmp device_add usb-audio,id=ua,bus=xhci.0,audiodev=snd0"), "ok");
}

TEST(Relay, EventBeforeReturnCounts)
{
	FakeQemu q([](const std::string &cmd) -> std::vector<std::string> {
		return {deleted_event, R"({"return": {}, "id": )" + id_of(cmd) + "}"};
	});
	RelayRun r(q);

	EXPECT_EQ(q.ask("qmp device_del ua"), "ok");
}

TEST(Relay, MissingEventIsAnError)
{
	FakeQemu q([](const std::string &cmd) -> std::vector<std::string> {
		return {R"({"return": {}, "id": )" + id_of(cmd) + "}"};
	});
	Timeouts t;
	t.event = Millis(300);
	RelayRun r(q, t);

	EXPECT_EQ(q.ask("qmp device_del ua"), "error no DEVICE_DELETED for ua within 300 ms");
}

TEST(Relay, StaleEventDoesNotCompleteNextDelete)
{
	int n = 0;
	FakeQemu q([&n](const std::string &cmd) -> std::vector<std::string> {
		std::string ret = R"({"return": {}, "id": )" + id_of(cmd) + "}";

		// The first device_del's event comes late, after its timeout.
		if (cmd.find("device_del") != std::string::npos && n++ == 0)
			return {ret};
		if (cmd.find("query-status") != std::string::npos)
			return {deleted_event, ret};
		return {ret};
	});
	Timeouts t;
	t.event = Millis(300);
	RelayRun r(q, t);

	EXPECT_EQ(q.ask("qmp device_del ua").rfind("error no DEVICE_DELETED", 0), 0u);
	EXPECT_EQ(q.ask("qmp query-status"), "ok");
	EXPECT_EQ(q.ask("qmp device_del ua").rfind("error no DEVICE_DELETED", 0), 0u);
}

TEST(Relay, QmpErrorAndReturnValue)
{
	FakeQemu q([](const std::string &cmd) -> std::vector<std::string> {
		std::string id = id_of(cmd);

		if (cmd.find("device_del") != std::string::npos)
			return {R"({"id": )" + id +
				R"(, "error": {"class": "DeviceNotFound", "desc": "Device 'ub' not found"}})"};
		return {R"({"return": {"status": "running", "running": true}, "id": )" + id + "}"};
	});
	RelayRun r(q);

	EXPECT_EQ(q.ask("qmp device_del ub"), "error DeviceNotFound: Device 'ub' not found");
	EXPECT_EQ(q.ask("qmp query-status"), R"(ok {"status":"running","running":true})");
}

TEST(Relay, ReplyTimeout)
{
	FakeQemu q([](const std::string &) -> std::vector<std::string> { return {}; });
	Timeouts t;
	t.reply = Millis(200);
	RelayRun r(q, t);

	EXPECT_EQ(q.ask("qmp query-status"), "error no QMP reply within 200 ms");
}

TEST(Relay, EchoedRepliesGetNoAnswer)
{
	FakeQemu q([](const std::string &cmd) -> std::vector<std::string> {
		return {R"({"return": {}, "id": )" + id_of(cmd) + "}"};
	});
	RelayRun r(q);

	// An echo of "ok" must not be answered, else guest and relay ping-pong.
	ASSERT_EQ(::write(q.guest, "ok\nerror x\n", 11), 11);
	EXPECT_EQ(q.ask("ping"), "ok");
	EXPECT_EQ(q.ask("qmp device_del"), "error usage: qmp device_del ID");
}

TEST(Relay, EndsWhenGuestSideCloses)
{
	FakeQemu q([](const std::string &) -> std::vector<std::string> { return {}; });
	Relay relay(q.relay_qmp, q.relay_serial, [](const std::string &) {});
	std::atomic<bool> stop{false};
	std::string err;

	ASSERT_TRUE(relay.handshake(&err)) << err;
	::shutdown(q.guest, SHUT_WR);
	EXPECT_EQ(relay.serve(stop), "serial connection closed");
}

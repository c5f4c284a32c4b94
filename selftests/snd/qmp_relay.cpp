// SPDX-License-Identifier: GPL-2.0
// mct-qmp-relay: a HOST sidecar of the usb-audio VM profile. It connects to
// QEMU's QMP socket and to the socket behind the guest's second serial port
// (ttyS1), and turns the guest's request lines into QMP commands (see
// relay.hpp for the line protocol). Everything it does goes to --log.
//
// mct-qmp-relay --qmp SOCK --serial SOCK --log FILE
//               [--connect-timeout S] [--reply-timeout S] [--event-timeout S]
//
// QEMU is started after the relay, so both connections are retried for
// --connect-timeout seconds (default 60). Exit status: 0 when the serial or
// QMP connection closed (QEMU exited) or on SIGTERM/SIGINT, 1 when it could
// not connect, 2 on bad usage, 3 when the QMP handshake failed.
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

#include "relay.hpp"

using namespace mct::qmp;

namespace {

std::atomic<bool> g_stop{false};

void on_signal(int)
{
	g_stop.store(true);
}

struct Options {
	std::string qmp, serial, log;
	int connect_s = 60;
	Timeouts t;
};

class FileLog {
public:
	explicit FileLog(const std::string &path)
		: f_(std::fopen(path.c_str(), "a")), t0_(monotonic_ms()) {}
	~FileLog()
	{
		if (f_)
			std::fclose(f_);
	}
	bool ok() const { return f_ != nullptr; }
	void operator()(const std::string &msg)
	{
		long long t = monotonic_ms() - t0_;

		std::fprintf(f_, "[%6lld.%03lld] %s\n", t / 1000, t % 1000, msg.c_str());
		std::fflush(f_);
	}

private:
	FILE *f_;
	long long t0_;
};

int usage()
{
	std::fprintf(stderr, "usage: mct-qmp-relay --qmp SOCK --serial SOCK --log FILE "
			     "[--connect-timeout S] [--reply-timeout S] [--event-timeout S]\n");
	return 2;
}

bool parse_seconds(const char *s, int &out)
{
	char *end = nullptr;
	long v = std::strtol(s, &end, 10);

	if (!*s || *end || v <= 0 || v > 3600)
		return false;
	out = static_cast<int>(v);
	return true;
}

bool parse_options(int argc, char **argv, Options &o)
{
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		int secs = 0;

		if (i + 1 >= argc)
			return false;
		const char *v = argv[++i];
		if (a == "--qmp")
			o.qmp = v;
		else if (a == "--serial")
			o.serial = v;
		else if (a == "--log")
			o.log = v;
		else if (a == "--connect-timeout" && parse_seconds(v, secs))
			o.connect_s = secs;
		else if (a == "--reply-timeout" && parse_seconds(v, secs))
			o.t.reply = Millis(secs * 1000);
		else if (a == "--event-timeout" && parse_seconds(v, secs))
			o.t.event = Millis(secs * 1000);
		else
			return false;
	}
	return !o.qmp.empty() && !o.serial.empty() && !o.log.empty();
}

// One connect attempt to a unix socket; -1 with errno on failure.
int connect_unix(const std::string &path)
{
	struct sockaddr_un sa {};
	int fd;

	if (path.size() >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	sa.sun_family = AF_UNIX;
	std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
	if (::connect(fd, reinterpret_cast<struct sockaddr *>(&sa), sizeof(sa)) == 0)
		return fd;
	int e = errno;
	::close(fd);
	errno = e;
	return -1;
}

// Retries every 100 ms until deadline_ms; -1 when it never succeeded.
int connect_retry(const std::string &path, long long deadline_ms, FileLog &log)
{
	for (;;) {
		int fd = connect_unix(path);

		if (fd >= 0) {
			log("connected to " + path);
			return fd;
		}
		if (monotonic_ms() >= deadline_ms || g_stop.load()) {
			log("cannot connect to " + path + ": " + std::strerror(errno));
			return -1;
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(100));
	}
}

void install_signals()
{
	struct sigaction sa {};

	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, nullptr);
	sigaction(SIGINT, &sa, nullptr);
	signal(SIGPIPE, SIG_IGN);
}

} // namespace

int main(int argc, char **argv)
{
	Options o;

	if (!parse_options(argc, argv, o))
		return usage();
	FileLog log(o.log);
	if (!log.ok()) {
		std::fprintf(stderr, "mct-qmp-relay: cannot open %s: %s\n", o.log.c_str(),
			     std::strerror(errno));
		return 1;
	}
	install_signals();
	log("start: qmp=" + o.qmp + " serial=" + o.serial);
	long long deadline = monotonic_ms() + o.connect_s * 1000LL;
	int qmp = connect_retry(o.qmp, deadline, log);
	int serial = qmp < 0 ? -1 : connect_retry(o.serial, deadline, log);
	if (qmp < 0 || serial < 0)
		return 1;
	Relay relay(qmp, serial, std::ref(log), o.t);
	std::string err;
	if (!relay.handshake(&err)) {
		log("handshake failed: " + err);
		return 3;
	}
	log("QMP ready, serving the serial line");
	log("end: " + relay.serve(g_stop));
	::close(serial);
	::close(qmp);
	return 0;
}

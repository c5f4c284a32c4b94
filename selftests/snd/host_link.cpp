// SPDX-License-Identifier: GPL-2.0
#include "host_link.hpp"

#include <cerrno>
#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

namespace mct::snd {

bool HostLink::open(const std::string &tty, std::string *err)
{
	SysResult r;
	struct termios t {};

	fd_ = open_node(tty, O_RDWR | O_NOCTTY | O_NONBLOCK, &r);
	if (!fd_) {
		*err = "open " + tty + ": " + r.str();
		return false;
	}
	if (::tcgetattr(fd_.get(), &t) < 0) {
		*err = "tcgetattr " + tty + ": " + errno_name(errno);
		return false;
	}
	::cfmakeraw(&t);
	t.c_cflag |= CLOCAL | CREAD;
	::cfsetispeed(&t, B115200);
	::cfsetospeed(&t, B115200);
	if (::tcsetattr(fd_.get(), TCSANOW, &t) < 0) {
		*err = "tcsetattr " + tty + ": " + errno_name(errno);
		return false;
	}
	::tcflush(fd_.get(), TCIOFLUSH);
	return true;
}

bool HostLink::send(const std::string &line, long long deadline, std::string *err)
{
	std::string data = line + "\n";
	size_t done = 0;

	while (done < data.size()) {
		ssize_t n = ::write(fd_.get(), data.data() + done, data.size() - done);

		if (n > 0) {
			done += static_cast<size_t>(n);
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			*err = "write: " + errno_name(errno);
			return false;
		}
		struct pollfd p = {fd_.get(), POLLOUT, 0};
		long long left = deadline - now_ms();
		if (left <= 0) {
			*err = "write: tty not writable in time";
			return false;
		}
		::poll(&p, 1, static_cast<int>(left));
	}
	return true;
}

bool HostLink::read_line(long long deadline, std::string &line)
{
	for (;;) {
		size_t nl = buf_.find('\n');

		if (nl != std::string::npos) {
			line = buf_.substr(0, nl);
			buf_.erase(0, nl + 1);
			if (!line.empty() && line.back() == '\r')
				line.pop_back();
			return true;
		}
		long long left = deadline - now_ms();
		if (left <= 0)
			return false;
		struct pollfd p = {fd_.get(), POLLIN, 0};
		if (::poll(&p, 1, static_cast<int>(left)) <= 0)
			continue;
		char tmp[256];
		ssize_t n = ::read(fd_.get(), tmp, sizeof(tmp));
		if (n > 0)
			buf_.append(tmp, static_cast<size_t>(n));
	}
}

bool HostLink::request(const std::string &line, Millis timeout, std::string *reply)
{
	long long deadline = now_ms() + timeout.count();
	std::string answer;

	if (!fd_) {
		*reply = "host link not open";
		return false;
	}
	// A late answer to an earlier request that timed out must not be
	// taken for the answer to this one.
	::tcflush(fd_.get(), TCIFLUSH);
	buf_.clear();
	if (!send(line, deadline, reply))
		return false;
	while (read_line(deadline, answer)) {
		if (answer.rfind("ok", 0) == 0) {
			*reply = answer;
			return true;
		}
		if (answer.rfind("error", 0) == 0) {
			*reply = answer;
			return false;
		}
	}
	*reply = "no answer from the host within " + std::to_string(timeout.count()) + " ms";
	return false;
}

} // namespace mct::snd

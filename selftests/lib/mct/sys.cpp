// SPDX-License-Identifier: GPL-2.0
#include "mct/sys.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <future>
#include <glob.h>
#include <linux/media.h>
#include <sstream>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <thread>
#include <time.h>
#include <unistd.h>

#include "mct/tap.hpp"

namespace mct {

int UniqueFd::reset(int fd)
{
	int rc = 0;

	if (fd_ >= 0)
		rc = ::close(fd_);
	fd_ = fd;
	return rc;
}

void Mapping::reset()
{
	if (addr_)
		::munmap(addr_, len_);
	addr_ = nullptr;
	len_ = 0;
}

int errno_value()
{
	return errno;
}

std::string errno_name(int err)
{
	const char *name = strerrorname_np(err);

	if (name)
		return name;
	std::string unknown = "E";
	unknown += std::to_string(err);
	return unknown;
}

std::string SysResult::str() const
{
	if (ok())
		return "ok (rc=" + std::to_string(rc) + ")";
	return errno_name(err) + " (" + std::strerror(err) + ")";
}

SysResult xioctl(int fd, unsigned long req, void *arg)
{
	return sys([&] { return ::ioctl(fd, req, arg); });
}

UniqueFd open_node(const std::string &path, int flags, SysResult *res)
{
	SysResult r = sys([&] { return ::open(path.c_str(), flags | O_CLOEXEC); });

	if (res)
		*res = r;
	return UniqueFd(r.ok() ? static_cast<int>(r.rc) : -1);
}

bool write_file(const std::string &path, const std::string &text, std::string *err)
{
	UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));

	if (!fd) {
		if (err)
			*err = "open " + path + ": " + errno_name(errno);
		return false;
	}
	ssize_t n = ::write(fd.get(), text.data(), text.size());
	if (n != static_cast<ssize_t>(text.size())) {
		if (err)
			*err = "write '" + text + "' to " + path + ": " +
			       (n < 0 ? errno_name(errno) : "short write");
		return false;
	}
	return true;
}

std::optional<std::string> read_file(const std::string &path)
{
	std::ifstream in(path);

	if (!in)
		return std::nullopt;
	std::stringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

bool path_exists(const std::string &path)
{
	struct stat st;

	return ::stat(path.c_str(), &st) == 0;
}

std::vector<std::string> glob_paths(const std::string &pattern)
{
	std::vector<std::string> out;
	glob_t g{};

	if (::glob(pattern.c_str(), 0, nullptr, &g) == 0)
		for (size_t i = 0; i < g.gl_pathc; i++)
			out.emplace_back(g.gl_pathv[i]);
	globfree(&g);
	return out;
}

bool wait_until(const std::function<bool()> &cond, Millis timeout)
{
	auto end = std::chrono::steady_clock::now() + timeout;

	for (;;) {
		if (cond())
			return true;
		if (std::chrono::steady_clock::now() >= end)
			return false;
		std::this_thread::sleep_for(10ms);
	}
}

static std::string trim(std::string s)
{
	while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
		s.pop_back();
	return s;
}

static std::vector<std::string> class_nodes_named(const std::string &cls,
						  const std::string &prefix)
{
	std::vector<std::string> out;

	for (const auto &dir : glob_paths("/sys/class/" + cls + "/*")) {
		auto name = read_file(dir + "/name");

		if (name && trim(*name).rfind(prefix, 0) == 0)
			out.push_back("/dev/" + dir.substr(dir.rfind('/') + 1));
	}
	return out;
}

std::vector<std::string> video_nodes_named(const std::string &name_prefix)
{
	std::vector<std::string> out;

	for (auto &p : class_nodes_named("video4linux", name_prefix))
		if (p.find("/dev/video") == 0)
			out.push_back(p);
	return out;
}

std::vector<std::string> subdev_nodes_named(const std::string &name_prefix)
{
	std::vector<std::string> out;

	for (auto &p : class_nodes_named("video4linux", name_prefix))
		if (p.find("/dev/v4l-subdev") == 0)
			out.push_back(p);
	return out;
}

std::vector<std::string> media_nodes_of_driver(const std::string &driver)
{
	std::vector<std::string> out;

	for (const auto &node : glob_paths("/dev/media*")) {
		UniqueFd fd = open_node(node, O_RDWR);
		struct media_device_info info {};

		if (fd && ::ioctl(fd.get(), MEDIA_IOC_DEVICE_INFO, &info) == 0 &&
		    driver == info.driver)
			out.push_back(node);
	}
	return out;
}

bool unbind(const std::string &bus, const std::string &driver, const std::string &dev,
	    std::string *err)
{
	return write_file("/sys/bus/" + bus + "/drivers/" + driver + "/unbind", dev, err);
}

bool bind(const std::string &bus, const std::string &driver, const std::string &dev,
	  std::string *err)
{
	return write_file("/sys/bus/" + bus + "/drivers/" + driver + "/bind", dev, err);
}

std::vector<std::string> bound_devices(const std::string &bus, const std::string &driver)
{
	std::vector<std::string> out;

	for (const auto &p : glob_paths("/sys/bus/" + bus + "/drivers/" + driver + "/*")) {
		std::string base = p.substr(p.rfind('/') + 1);
		struct stat st;

		if (base == "module" || base == "bind" || base == "unbind" ||
		    base == "uevent" || base == "new_id" || base == "remove_id")
			continue;
		if (::lstat(p.c_str(), &st) == 0 && S_ISLNK(st.st_mode))
			out.push_back(base);
	}
	return out;
}

int run_command(const std::string &cmd)
{
	int rc = std::system(cmd.c_str());

	return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

bool modprobe(const std::string &module_and_args)
{
	return run_command("modprobe " + module_and_args) == 0;
}

bool run_bounded(const std::function<void()> &fn, Millis timeout)
{
	auto task = std::make_shared<std::packaged_task<void()>>(fn);
	auto done = task->get_future();
	std::thread t([task] { (*task)(); });

	if (done.wait_for(timeout) != std::future_status::ready) {
		t.detach();
		return false;
	}
	t.join();
	return true;
}

long long now_ms()
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

} // namespace mct

// SPDX-License-Identifier: GPL-2.0
#include "util.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace mct::torture {

std::string ms_str(Millis m)
{
	return std::to_string(m.count()) + " ms";
}

bool check(Tap &tap, bool cond, const std::string &name, const std::string &why)
{
	return tap.check(cond, name, cond ? "" : why);
}

std::string CallResult::str() const
{
	if (!finished)
		return "still blocked after " + std::to_string(ms) + " ms";
	return res.str() + " after " + std::to_string(ms) + " ms";
}

long ioctl_raw(int fd, unsigned long req, void *arg)
{
	return ::ioctl(fd, req, arg);
}

struct BoundedCall::State {
	std::mutex mu;
	std::condition_variable cv;
	bool done = false;
	SysResult res;
	long long t0 = 0;
	long long t1 = 0;
};

BoundedCall::~BoundedCall()
{
	if (!thr_.joinable())
		return;
	if (finished())
		thr_.join();
	else
		thr_.detach();
}

void BoundedCall::start(std::function<long()> fn)
{
	st_ = std::make_shared<State>();
	st_->t0 = now_ms();
	thr_ = std::thread([st = st_, fn = std::move(fn)] {
		SysResult r = sys(fn);
		std::lock_guard<std::mutex> lock(st->mu);

		st->res = r;
		st->t1 = now_ms();
		st->done = true;
		st->cv.notify_all();
	});
}

bool BoundedCall::finished() const
{
	if (!st_)
		return false;
	std::lock_guard<std::mutex> lock(st_->mu);
	return st_->done;
}

CallResult BoundedCall::wait(Millis timeout)
{
	CallResult out;

	if (!st_)
		return out;
	std::unique_lock<std::mutex> lock(st_->mu);
	st_->cv.wait_for(lock, timeout, [this] { return st_->done; });
	out.finished = st_->done;
	out.res = st_->res;
	out.ms = (st_->done ? st_->t1 : now_ms()) - st_->t0;
	return out;
}

CallResult bounded(std::function<long()> fn, Millis timeout)
{
	BoundedCall call;

	call.start(std::move(fn));
	return call.wait(timeout);
}

bool expect_error(Tap &tap, const std::string &what, const CallResult &r)
{
	tap.diag(what + ": " + r.str());
	if (!r.finished)
		return check(tap, false, what + " returns within its bound", r.str());
	return check(tap, !r.res.ok(), what + " fails on the gone device",
		     "succeeded: " + r.str());
}

bool expect_ok(Tap &tap, const std::string &what, const CallResult &r)
{
	return check(tap, r.finished && r.res.ok(), what, r.str());
}

UniqueFd open_checked(Tap &tap, const std::string &path, int extra_flags)
{
	SysResult r;
	UniqueFd fd = open_node(path, O_RDWR | extra_flags, &r);

	check(tap, bool(fd), "open " + path, r.str());
	return fd;
}

bool close_checked(Tap &tap, UniqueFd &fd, const std::string &what)
{
	int raw = fd.release();

	if (raw < 0)
		return true;
	CallResult r = bounded([raw] { return ::close(raw); }, kSyscallBound);
	if (!r.finished)
		tap.diag("close(" + what + "): " + r.str());
	return check(tap, r.finished && r.res.ok(), "close(" + what + ")", r.str());
}

bool expect_poll_gone(Tap &tap, int fd, const std::string &what)
{
	auto revents = std::make_shared<short>(0);
	CallResult r = bounded(
		[fd, revents] {
			struct pollfd p = {fd, POLLIN | POLLOUT | POLLPRI, 0};
			int rc = ::poll(&p, 1, 0);

			*revents = p.revents;
			return rc;
		},
		kSyscallBound);
	std::string got = r.str();
	char hex[16];

	if (r.finished) {
		std::snprintf(hex, sizeof(hex), "0x%x", static_cast<unsigned>(*revents) & 0xffff);
		got += ", revents " + std::string(hex);
	}
	tap.diag("poll(" + what + "): " + got);
	return check(tap, r.finished && r.res.ok() && (*revents & (POLLERR | POLLHUP)),
		     "poll(" + what + ") reports POLLERR or POLLHUP on the gone device", got);
}

static std::string trim(std::string s)
{
	while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
		s.pop_back();
	return s;
}

static std::string basename_of(const std::string &p)
{
	return p.substr(p.rfind('/') + 1);
}

std::vector<Node> platform_nodes(const std::string &pdev)
{
	std::vector<Node> out;
	std::string base = "/sys/bus/platform/devices/" + pdev;

	for (const auto &p : glob_paths(base + "/media*")) {
		std::string k = basename_of(p);

		out.push_back({"/dev/" + k, k, ""});
	}
	for (const auto &p : glob_paths(base + "/video4linux/*")) {
		std::string k = basename_of(p);

		out.push_back({"/dev/" + k, k, trim(read_file(p + "/name").value_or(""))});
	}
	return out;
}

std::string nodes_str(const std::vector<Node> &nodes)
{
	std::string s;

	for (const auto &n : nodes) {
		if (!s.empty())
			s += ", ";
		s += n.dev;
		if (!n.name.empty())
			s += " (" + n.name + ")";
	}
	return s.empty() ? "none" : s;
}

std::vector<std::string> kobj_names(const std::vector<Node> &nodes)
{
	std::vector<std::string> out;

	for (const auto &n : nodes)
		out.push_back(n.kobj);
	return out;
}

const Node *find_node(const std::vector<Node> &nodes, const std::string &name)
{
	for (const auto &n : nodes)
		if (n.name == name)
			return &n;
	return nullptr;
}

const Node *find_media(const std::vector<Node> &nodes)
{
	for (const auto &n : nodes)
		if (n.is_media())
			return &n;
	return nullptr;
}

bool module_loaded(const std::string &module)
{
	return path_exists("/sys/module/" + module + "/initstate");
}

std::string CmdResult::str() const
{
	std::string s;

	if (!finished)
		s = "still running after " + std::to_string(ms) + " ms";
	else
		s = "exit status " + std::to_string(status) + " after " + std::to_string(ms) + " ms";
	return output.empty() ? s : s + ": " + output;
}

CmdResult run_cmd(const std::string &cmd, Millis timeout)
{
	auto out = std::make_shared<std::string>();
	CallResult r = bounded(
		[cmd, out] {
			FILE *p = ::popen((cmd + " 2>&1").c_str(), "r");
			char buf[256];

			if (!p)
				return -1L;
			while (std::fgets(buf, sizeof(buf), p))
				*out += buf;
			int rc = ::pclose(p);
			return WIFEXITED(rc) ? long(WEXITSTATUS(rc)) : 128L;
		},
		timeout);
	CmdResult c;

	c.finished = r.finished;
	c.ms = r.ms;
	c.status = r.finished ? static_cast<int>(r.res.rc) : -1;
	if (r.finished)
		c.output = trim(*out);
	return c;
}

CmdResult rmmod(const std::string &module)
{
	return run_cmd("rmmod " + module, kLoadBound);
}

std::string load_driver(Tap &tap, const std::string &module, const std::string &args,
			const std::string &driver)
{
	if (module_loaded(module)) {
		tap.diag("unloading the " + module + " already loaded: " + rmmod(module).str());
	}
	std::string cmd = "modprobe " + module + (args.empty() ? "" : " " + args);
	CmdResult r = run_cmd(cmd, kLoadBound);
	if (!check(tap, r.ok(), cmd, r.str()))
		return "";
	std::vector<std::string> devs;
	wait_until(
		[&] {
			devs = bound_devices("platform", driver);
			return !devs.empty();
		},
		kNodesBound);
	if (!check(tap, devs.size() == 1, "one platform device bound to " + driver,
		   std::to_string(devs.size()) + " bound"))
		return "";
	tap.diag(cmd + " took " + std::to_string(r.ms) + " ms, device " + devs[0]);
	return devs[0];
}

static bool all_dev_nodes_exist(const std::vector<Node> &nodes)
{
	for (const auto &n : nodes)
		if (!path_exists(n.dev))
			return false;
	return true;
}

std::vector<Node> wait_nodes(Tap &tap, const std::string &pdev, size_t min_nodes,
			     const std::string &what)
{
	std::vector<Node> nodes;
	bool ok = wait_until(
		[&] {
			nodes = platform_nodes(pdev);
			return nodes.size() >= min_nodes && all_dev_nodes_exist(nodes);
		},
		kNodesBound);

	check(tap, ok, what + ": " + pdev + " has its nodes",
	      "after " + ms_str(kNodesBound) + ": " + nodes_str(nodes));
	tap.diag(pdev + " nodes: " + nodes_str(nodes));
	if (!ok)
		nodes.clear();
	return nodes;
}

bool wait_nodes_gone(Tap &tap, const std::string &pdev, const std::vector<Node> &nodes,
		     const std::string &what)
{
	std::string left;
	bool gone = wait_until(
		[&] {
			left.clear();
			for (const auto &n : platform_nodes(pdev))
				left += " " + n.kobj;
			for (const auto &n : nodes)
				if (path_exists(n.dev))
					left += " " + n.dev;
			return left.empty();
		},
		kNodesBound);

	return check(tap, gone, what + ": the nodes of " + pdev + " left sysfs and /dev",
		     "still there after " + ms_str(kNodesBound) + ":" + left);
}

static long sysfs_write(const std::string &path, const std::string &text)
{
	int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	ssize_t n = ::write(fd, text.data(), text.size());
	int err = errno;
	::close(fd);
	errno = err;
	if (n >= 0 && n != static_cast<ssize_t>(text.size())) {
		errno = EIO;
		return -1;
	}
	return n < 0 ? -1 : 0;
}

void start_unbind(BoundedCall &call, const std::string &driver, const std::string &dev)
{
	std::string path = "/sys/bus/platform/drivers/" + driver + "/unbind";

	call.start([path, dev] { return sysfs_write(path, dev); });
}

static bool write_driver_file(Tap &tap, const std::string &driver, const std::string &file,
			      const std::string &dev)
{
	std::string path = "/sys/bus/platform/drivers/" + driver + "/" + file;
	CallResult r = bounded([path, dev] { return sysfs_write(path, dev); }, kUnbindBound);

	tap.diag(file + " " + dev + ": " + r.str());
	return check(tap, r.finished && r.res.ok(), file + " " + dev + " from " + driver,
		     r.str());
}

bool unbind_checked(Tap &tap, const std::string &driver, const std::string &dev)
{
	return write_driver_file(tap, driver, "unbind", dev);
}

bool bind_checked(Tap &tap, const std::string &driver, const std::string &dev)
{
	return write_driver_file(tap, driver, "bind", dev);
}

bool ReleaseWatch::open_checked(Tap &tap)
{
	std::string err;

	return check(tap, open(&err), "/dev/kmsg opened", err);
}

std::optional<std::string> kobject_release_name(const std::string &record)
{
	size_t msg = record.find(';');

	if (msg == std::string::npos || record.find("kobject_release", msg) == std::string::npos)
		return std::nullopt;
	size_t q1 = record.find('\'', msg);
	size_t q2 = q1 == std::string::npos ? q1 : record.find('\'', q1 + 1);
	if (q2 == std::string::npos)
		return std::nullopt;
	return record.substr(q1 + 1, q2 - q1 - 1);
}

void ReleaseWatch::drain()
{
	kmsg_.drain([this](const std::string &record) {
		auto name = kobject_release_name(record);
		if (name)
			seen_[*name] = now_ms();
	});
}

std::vector<std::string> ReleaseWatch::wait_released(const std::vector<std::string> &names,
						     Millis timeout)
{
	std::vector<std::string> missing;
	auto last_seen = [&] {
		long long last = 0;

		missing.clear();
		for (const auto &n : names) {
			auto it = seen_.find(n);

			if (it == seen_.end())
				missing.push_back(n);
			else
				last = std::max(last, it->second);
		}
		return last;
	};

	wait_until(
		[&] {
			drain();
			last_seen();
			return missing.empty();
		},
		timeout);
	if (!missing.empty())
		return missing;
	// A chain (cdev, then its parent device) logs one name twice.
	for (;;) {
		long long deadline = last_seen() + kReleaseDelay.count();

		if (now_ms() >= deadline)
			return missing;
		std::this_thread::sleep_for(Millis(std::min(200LL, deadline - now_ms())));
		drain();
	}
}

void wait_driver_freed(Tap &tap, ReleaseWatch &watch, const std::vector<Node> &nodes)
{
	long long t0 = now_ms();
	auto missing = watch.wait_released(kobj_names(nodes), kReleaseLogBound);

	if (missing.empty()) {
		tap.diag("delayed releases of " + nodes_str(nodes) + " done after " +
			 std::to_string(now_ms() - t0) + " ms");
		return;
	}
	std::string m;
	for (const auto &n : missing)
		m += " " + n;
	tap.diag("no kobject_release logged within " + ms_str(kReleaseLogBound) + " for:" + m +
		 " (still held, or no CONFIG_DEBUG_KOBJECT_RELEASE); waiting " +
		 ms_str(kReleaseDelay) + " more");
	std::this_thread::sleep_for(kReleaseDelay);
}

struct Hammer::Shared {
	struct Stat {
		long ok = 0;
		std::map<int, long> errs;
	};
	std::atomic<bool> stop{false};
	std::vector<std::pair<std::string, Op>> ops;
	std::mutex mu;
	std::condition_variable cv;
	int running = 0;
	std::map<std::string, Stat> stats;
};

Hammer::Hammer() : sh_(std::make_shared<Shared>()) {}

Hammer::~Hammer()
{
	sh_->stop = true;
	for (auto &t : threads_)
		if (t.joinable())
			t.detach();
}

void Hammer::add(const std::string &name, Op op)
{
	sh_->ops.emplace_back(name, std::move(op));
}

void Hammer::start(int nthreads)
{
	sh_->running = nthreads;
	for (int i = 0; i < nthreads; i++) {
		threads_.emplace_back([sh = sh_, i, nthreads] {
			std::map<std::string, Shared::Stat> local;

			while (!sh->stop) {
				for (size_t k = i; k < sh->ops.size(); k += nthreads) {
					SysResult r = sys(sh->ops[k].second);
					auto &s = local[sh->ops[k].first];

					if (r.ok())
						s.ok++;
					else
						s.errs[r.err]++;
				}
				if (static_cast<size_t>(i) >= sh->ops.size())
					std::this_thread::sleep_for(10ms);
			}
			std::lock_guard<std::mutex> lock(sh->mu);
			for (auto &[name, s] : local) {
				sh->stats[name].ok += s.ok;
				for (auto &[e, c] : s.errs)
					sh->stats[name].errs[e] += c;
			}
			sh->running--;
			sh->cv.notify_all();
		});
	}
}

bool Hammer::stop(Millis timeout)
{
	sh_->stop = true;
	std::unique_lock<std::mutex> lock(sh_->mu);
	bool all = sh_->cv.wait_for(lock, timeout, [this] { return sh_->running == 0; });
	lock.unlock();
	for (auto &t : threads_) {
		if (all)
			t.join();
		else
			t.detach();
	}
	threads_.clear();
	return all;
}

std::string Hammer::summary() const
{
	std::lock_guard<std::mutex> lock(sh_->mu);
	std::string out;

	for (const auto &[name, s] : sh_->stats) {
		out += (out.empty() ? "" : "; ") + name + ": " + std::to_string(s.ok) + " ok";
		for (const auto &[e, c] : s.errs)
			out += ", " + errno_name(e) + " " + std::to_string(c);
	}
	return out;
}

} // namespace mct::torture

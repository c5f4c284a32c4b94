// SPDX-License-Identifier: GPL-2.0
// Unregister latency: how long the sysfs unbind of vimc takes with no fd
// open (idle) and with fds open on its media, video and subdev nodes while
// threads loop ioctls on them (busy). A series that waits for syscalls in
// flight before it tears a device down makes the busy figure grow.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fcntl.h>
#include <linux/media.h>
#include <linux/v4l2-subdev.h>
#include <linux/videodev2.h>
#include <map>
#include <memory>
#include <sys/ioctl.h>
#include <thread>

#include "bench_metrics.hpp"
#include "mct/sys.hpp"

namespace mct::bench {

namespace {

enum class Kind { media, video, subdev };

struct Handle {
	UniqueFd fd;
	Kind kind;
	std::string path;
};

struct Counts {
	std::atomic<long> ok_before{0};
	std::atomic<long> err_before{0};
	std::atomic<long> ok_after{0};
	std::atomic<long> err_after{0};
	std::atomic<int> last_err_after{0};
	std::atomic<int> first_err_before{0};
};

// fds and the threads that loop ioctls on them. Left allocated (leaked)
// when a step hangs: the threads may still use it.
struct Busy {
	std::vector<Handle> handles;
	std::unique_ptr<Counts[]> counts;
	std::vector<std::thread> threads;
	std::atomic<bool> stop{false};
	std::atomic<bool> unbinding{false};

	~Busy()
	{
		stop = true;
		for (auto &t : threads)
			if (t.joinable())
				t.join();
	}
};

int call(const Handle &h)
{
	switch (h.kind) {
	case Kind::media: {
		media_device_info info{};
		return ::ioctl(h.fd.get(), MEDIA_IOC_DEVICE_INFO, &info);
	}
	case Kind::video: {
		v4l2_capability cap{};
		return ::ioctl(h.fd.get(), VIDIOC_QUERYCAP, &cap);
	}
	case Kind::subdev: {
		v4l2_subdev_format f{};
		f.which = V4L2_SUBDEV_FORMAT_ACTIVE;
		return ::ioctl(h.fd.get(), VIDIOC_SUBDEV_G_FMT, &f);
	}
	}
	return -1;
}

void loop(Busy *b, int j, int m)
{
	Counts &c = b->counts[j];

	while (!b->stop.load(std::memory_order_relaxed)) {
		for (std::size_t i = j; i < b->handles.size(); i += m) {
			bool after = b->unbinding.load(std::memory_order_relaxed);
			int rc = call(b->handles[i]);
			int err = rc < 0 ? errno_value() : 0;
			if (!after) {
				(rc < 0 ? c.err_before : c.ok_before)++;
				if (rc < 0 && !c.first_err_before)
					c.first_err_before = err;
			} else {
				(rc < 0 ? c.err_after : c.ok_after)++;
				if (rc < 0)
					c.last_err_after = err;
			}
		}
	}
}

struct Rep {
	double ms = 0;
	std::string why;
	bool hung = false;
	std::string diag;
};

std::vector<std::pair<Kind, NodeRef>> vimc_nodes(std::string *why)
{
	std::vector<std::pair<Kind, NodeRef>> nodes;

	nodes.emplace_back(Kind::media, find_vimc_media());
	for (const auto &n : kVimcVideos)
		nodes.emplace_back(Kind::video, find_video(n));
	for (const auto &n : kVimcPadSubdevs)
		nodes.emplace_back(Kind::subdev, find_subdev(n));
	for (const auto &[k, n] : nodes)
		if (!n) {
			*why = n.why;
			return {};
		}
	return nodes;
}

// Opens K fds round-robin over vimc's nodes, starts M threads on them and
// checks that every thread's ioctls succeed before the unbind.
std::string start_busy(Busy *b, const UnbindConfig &cfg)
{
	std::string why;
	auto nodes = vimc_nodes(&why);

	if (nodes.empty())
		return why;
	for (int i = 0; i < cfg.handles; i++) {
		const auto &[kind, node] = nodes[i % nodes.size()];
		SysResult r;
		UniqueFd fd = open_node(node.path, O_RDWR, &r);
		if (!fd)
			return "open " + node.path + ": " + r.str();
		b->handles.push_back({std::move(fd), kind, node.path});
	}
	int m = std::min(cfg.threads, cfg.handles);
	b->counts = std::make_unique<Counts[]>(m);
	for (int j = 0; j < m; j++)
		b->threads.emplace_back(loop, b, j, m);
	std::this_thread::sleep_for(200ms);
	for (int j = 0; j < m; j++) {
		const Counts &c = b->counts[j];
		if (c.err_before || !c.ok_before)
			return "before the unbind, thread " + std::to_string(j) + ": " +
			       std::to_string(c.ok_before) + " ioctls ok, " +
			       std::to_string(c.err_before) + " failed (first: " +
			       errno_name(c.first_err_before) + ")";
	}
	return "";
}

// Stops the threads (bounded) and describes what their ioctls returned
// during and after the unbind.
bool stop_busy(Busy *b, std::string *diag)
{
	std::this_thread::sleep_for(100ms);
	b->stop = true;
	if (!run_bounded([b] {
		    for (auto &t : b->threads)
			    t.join();
	    }, 10000ms))
		return false;
	long ok = 0, err = 0;
	std::map<int, int> errs;
	for (std::size_t j = 0; j < b->threads.size(); j++) {
		ok += b->counts[j].ok_after;
		err += b->counts[j].err_after;
		if (b->counts[j].last_err_after)
			errs[b->counts[j].last_err_after]++;
	}
	*diag = "ioctls from the unbind on: " + std::to_string(ok) + " ok, " +
		std::to_string(err) + " failed";
	for (const auto &[e, n] : errs)
		*diag += ", " + std::to_string(n) + " thread(s) ended on " + errno_name(e);
	return run_bounded([b] { b->handles.clear(); }, 10000ms);
}

struct UnbindResult {
	std::atomic<bool> ok{false};
	std::atomic<long long> ns{0};
	std::string err;
};

Rep unbind_once(const std::string &pdev, bool busy, const UnbindConfig &cfg)
{
	Rep rep;
	auto b = std::make_unique<Busy>();

	if (busy) {
		rep.why = start_busy(b.get(), cfg);
		if (!rep.why.empty())
			return rep;
	}
	auto res = std::make_shared<UnbindResult>();
	b->unbinding = true;
	bool done = run_bounded([res, pdev] {
		long long t0 = now_ns();
		bool ok = mct::unbind("platform", "vimc", pdev, &res->err);
		res->ns = now_ns() - t0;
		res->ok = ok;
	}, Millis(cfg.bound_ms));
	if (!done) {
		(void)b.release();
		rep.hung = true;
		rep.why = "unbind of " + pdev + " did not return within " +
			  std::to_string(cfg.bound_ms) + " ms";
		return rep;
	}
	if (!res->ok) {
		rep.why = res->err;
		return rep;
	}
	rep.ms = static_cast<double>(res->ns) / 1e6;
	if (busy && !stop_busy(b.get(), &rep.diag)) {
		(void)b.release();
		rep.hung = true;
		rep.why = "after the unbind, the ioctl threads or close() did not finish within 10 s";
		return rep;
	}
	b.reset();

	std::string err;
	if (!mct::bind("platform", "vimc", pdev, &err)) {
		rep.why = "rebind: " + err;
		return rep;
	}
	if (!wait_until([] { return static_cast<bool>(find_vimc_media()); }, 5000ms))
		rep.why = "rebind: no vimc media node within 5 s";
	return rep;
}

} // namespace

std::vector<Outcome> unbind_metrics(Tap &tap, const std::string &pdev, const UnbindConfig &cfg)
{
	const std::string names[2] = {"vimc.unbind.idle", "vimc.unbind.busy"};
	std::vector<double> ms[2];

	if (pdev.empty())
		return {Outcome::failed(names[0], "no vimc platform device", "ms"),
			Outcome::failed(names[1], "no vimc platform device", "ms")};
	for (int r = 0; r < cfg.reps; r++) {
		for (int busy = 0; busy < 2; busy++) {
			Rep rep = unbind_once(pdev, busy, cfg);
			if (!rep.why.empty()) {
				std::string why = "rep " + std::to_string(r + 1) + " " +
						  (busy ? "busy" : "idle") + ": " + rep.why;
				std::vector<Outcome> out;
				for (const auto &n : names) {
					out.push_back(Outcome::failed(n, why, "ms"));
					out.back().hung = rep.hung;
				}
				return out;
			}
			char line[160];
			std::snprintf(line, sizeof(line), "unbind rep %d %s: %.3f ms", r + 1,
				      busy ? "busy" : "idle", rep.ms);
			tap.diag(std::string(line) + (rep.diag.empty() ? "" : "; " + rep.diag));
			ms[busy].push_back(rep.ms);
		}
	}
	std::vector<Outcome> out;
	for (int busy = 0; busy < 2; busy++) {
		Outcome o;
		o.metric = names[busy];
		o.unit = "ms";
		o.stats = summarize(ms[busy]);
		o.extra.emplace_back("handles", std::to_string(busy ? cfg.handles : 0));
		o.extra.emplace_back("threads",
				     std::to_string(busy ? std::min(cfg.threads, cfg.handles) : 0));
		out.push_back(std::move(o));
	}
	return out;
}

} // namespace mct::bench

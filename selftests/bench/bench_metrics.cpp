// SPDX-License-Identifier: GPL-2.0
#include "bench_metrics.hpp"

#include <cstring>
#include <fcntl.h>
#include <linux/media.h>
#include <linux/v4l2-subdev.h>
#include <linux/videodev2.h>
#include <unistd.h>

#include "mct/sys.hpp"

namespace mct::bench {

Outcome timer_metric(const LoopConfig &cfg)
{
	std::vector<double> rounds;
	const int samples = 10000;

	empty_interval_ns(samples);	// warm-up
	for (int r = 0; r < cfg.rounds; r++)
		rounds.push_back(empty_interval_ns(samples));
	Outcome o;
	o.metric = "clock.empty_interval";
	o.stats = summarize(rounds);
	o.extra.emplace_back("iters", std::to_string(samples));
	return o;
}

// The node opened for a metric, or the failed outcomes of all its metrics.
static UniqueFd open_for(const NodeRef &node, const std::vector<std::string> &metrics,
			 std::vector<Outcome> *out, int flags = O_RDWR)
{
	SysResult r;

	if (!node) {
		for (const auto &m : metrics)
			out->push_back(Outcome::failed(m, node.why));
		return UniqueFd();
	}
	UniqueFd fd = open_node(node.path, flags, &r);
	if (!fd)
		for (const auto &m : metrics)
			out->push_back(Outcome::failed(m, "open " + node.path + ": " + r.str()));
	return fd;
}

// Loops ioctl(req) with a fresh copy of arg each call (the kernel may
// write to it), after checking that one call succeeds.
template <class T>
static Outcome ioctl_metric(const std::string &metric, int fd, const std::string &what,
			    unsigned long req, const T &arg, const LoopConfig &cfg)
{
	T a = arg;

	return measure_loop(metric, what, cfg, [&] {
		std::memcpy(&a, &arg, sizeof(a));
		return xioctl(fd, req, &a);
	});
}

static std::string on(const char *ioctl, const NodeRef &n)
{
	return std::string("ioctl(") + ioctl + ") on " + n.path;
}

std::vector<Outcome> media_metrics(const NodeRef &media, const std::string &prefix,
				   const LoopConfig &cfg)
{
	std::vector<Outcome> out;
	UniqueFd fd = open_for(media, {prefix + ".device_info", prefix + ".g_topology",
				       prefix + ".enum_entities"}, &out);
	if (!fd)
		return out;

	media_device_info info{};
	out.push_back(ioctl_metric(prefix + ".device_info", fd.get(),
				   on("MEDIA_IOC_DEVICE_INFO", media),
				   MEDIA_IOC_DEVICE_INFO, info, cfg));

	// G_TOPOLOGY as applications call it: counts first, then the graph
	// into arrays sized from the counts (allocated once, outside the loop).
	media_v2_topology t{};
	SysResult r = xioctl(fd.get(), MEDIA_IOC_G_TOPOLOGY, &t);
	if (!r.ok()) {
		out.push_back(Outcome::failed(prefix + ".g_topology",
					      on("MEDIA_IOC_G_TOPOLOGY", media) + ": " + r.str()));
	} else {
		std::vector<media_v2_entity> ents(t.num_entities + 8);
		std::vector<media_v2_interface> intfs(t.num_interfaces + 8);
		std::vector<media_v2_pad> pads(t.num_pads + 8);
		std::vector<media_v2_link> links(t.num_links + 8);
		out.push_back(measure_loop(
			prefix + ".g_topology", on("MEDIA_IOC_G_TOPOLOGY", media), cfg, [&] {
				media_v2_topology q{};
				SysResult c = xioctl(fd.get(), MEDIA_IOC_G_TOPOLOGY, &q);
				if (!c.ok())
					return c;
				if (q.num_entities > ents.size() || q.num_interfaces > intfs.size() ||
				    q.num_pads > pads.size() || q.num_links > links.size())
					return SysResult{-1, ENOSPC};	// graph grew
				q.ptr_entities = reinterpret_cast<uintptr_t>(ents.data());
				q.ptr_interfaces = reinterpret_cast<uintptr_t>(intfs.data());
				q.ptr_pads = reinterpret_cast<uintptr_t>(pads.data());
				q.ptr_links = reinterpret_cast<uintptr_t>(links.data());
				return xioctl(fd.get(), MEDIA_IOC_G_TOPOLOGY, &q);
			}));
		out.back().extra.emplace_back("entities", std::to_string(t.num_entities));
		out.back().extra.emplace_back("links", std::to_string(t.num_links));
	}

	media_entity_desc desc{};
	desc.id = MEDIA_ENT_ID_FLAG_NEXT;	// the first entity
	out.push_back(ioctl_metric(prefix + ".enum_entities", fd.get(),
				   on("MEDIA_IOC_ENUM_ENTITIES", media),
				   MEDIA_IOC_ENUM_ENTITIES, desc, cfg));
	return out;
}

std::vector<Outcome> video_metrics(const NodeRef &video, const std::string &prefix,
				   const LoopConfig &cfg)
{
	std::vector<Outcome> out;
	UniqueFd fd = open_for(video, {prefix + ".querycap", prefix + ".g_fmt"}, &out);
	if (!fd)
		return out;

	v4l2_capability cap{};
	SysResult r = xioctl(fd.get(), VIDIOC_QUERYCAP, &cap);
	out.push_back(ioctl_metric(prefix + ".querycap", fd.get(), on("VIDIOC_QUERYCAP", video),
				   VIDIOC_QUERYCAP, cap, cfg));

	v4l2_format fmt{};
	if (!r.ok()) {
		out.push_back(Outcome::failed(prefix + ".g_fmt",
					      on("VIDIOC_QUERYCAP", video) + ": " + r.str()));
		return out;
	}
	if (cap.device_caps & V4L2_CAP_VIDEO_CAPTURE)
		fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	else if (cap.device_caps & V4L2_CAP_VIDEO_CAPTURE_MPLANE)
		fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE;
	else {
		out.push_back(Outcome::failed(prefix + ".g_fmt", video.path +
					      " is not a video capture node"));
		return out;
	}
	out.push_back(ioctl_metric(prefix + ".g_fmt", fd.get(), on("VIDIOC_G_FMT", video),
				   VIDIOC_G_FMT, fmt, cfg));
	return out;
}

std::vector<Outcome> subdev_metrics(const NodeRef &subdev, const std::string &prefix,
				    const LoopConfig &cfg)
{
	std::vector<Outcome> out;
	UniqueFd fd = open_for(subdev, {prefix + ".g_fmt"}, &out);
	if (!fd)
		return out;

	v4l2_subdev_format fmt{};
	fmt.which = V4L2_SUBDEV_FORMAT_ACTIVE;
	fmt.pad = 0;
	out.push_back(ioctl_metric(prefix + ".g_fmt", fd.get(), on("VIDIOC_SUBDEV_G_FMT", subdev),
				   VIDIOC_SUBDEV_G_FMT, fmt, cfg));
	return out;
}

Outcome open_close_metric(const NodeRef &node, const std::string &prefix,
			  const LoopConfig &cfg)
{
	const std::string metric = prefix + ".open_close";

	if (!node)
		return Outcome::failed(metric, node.why);
	const char *path = node.path.c_str();
	return measure_loop(metric, "open+close of " + node.path, cfg, [&] {
		SysResult r = sys([&] { return ::open(path, O_RDWR | O_CLOEXEC); });
		if (!r.ok())
			return r;
		return sys([&] { return ::close(static_cast<int>(r.rc)); });
	});
}

} // namespace mct::bench

// SPDX-License-Identifier: GPL-2.0
#include "bench_metrics.hpp"

#include <cstring>
#include <optional>
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

	// A control of the subdev that its driver applies: the value alternates,
	// so that the control framework calls the driver's s_ctrl each time.
	bool flip = false;
	out.push_back(measure_loop(prefix + ".s_ctrl", on("VIDIOC_S_CTRL(HFLIP)", subdev), cfg, [&] {
		v4l2_control c{};
		c.id = V4L2_CID_HFLIP;
		c.value = flip;
		flip = !flip;
		return xioctl(fd.get(), VIDIOC_S_CTRL, &c);
	}));
	v4l2_control off{};
	off.id = V4L2_CID_HFLIP;
	xioctl(fd.get(), VIDIOC_S_CTRL, &off);
	return out;
}

// Sensor A feeds Raw Capture 0 and Debayer A through immutable enabled
// links, and STREAMON validates both: the raw path goes on SRGGB8 640x480,
// Debayer A's default sink format (Sensor A's default, RGB888, matches
// neither). Returns the failed outcome, or nothing.
static std::optional<Outcome> raw_path_format(const std::string &metric, int sensor_fd,
					      const NodeRef &sensor, int video_fd,
					      const NodeRef &video, unsigned int code)
{
	v4l2_subdev_format sf{};
	sf.which = V4L2_SUBDEV_FORMAT_ACTIVE;
	sf.pad = 0;
	sf.format.width = 640;
	sf.format.height = 480;
	sf.format.code = code;
	sf.format.field = V4L2_FIELD_NONE;
	sf.format.colorspace = V4L2_COLORSPACE_SRGB;
	SysResult r = xioctl(sensor_fd, VIDIOC_SUBDEV_S_FMT, &sf);
	if (!r.ok())
		return Outcome::failed(metric, on("VIDIOC_SUBDEV_S_FMT", sensor) + ": " + r.str());
	v4l2_format f{};
	f.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	f.fmt.pix.width = 640;
	f.fmt.pix.height = 480;
	f.fmt.pix.pixelformat = code == MEDIA_BUS_FMT_SRGGB8_1X8 ? V4L2_PIX_FMT_SRGGB8
								  : V4L2_PIX_FMT_RGB24;
	f.fmt.pix.field = V4L2_FIELD_NONE;
	f.fmt.pix.colorspace = V4L2_COLORSPACE_SRGB;
	r = xioctl(video_fd, VIDIOC_S_FMT, &f);
	if (!r.ok())
		return Outcome::failed(metric, on("VIDIOC_S_FMT", video) + ": " + r.str());
	return std::nullopt;
}

Outcome stream_on_off_metric(const NodeRef &video, const NodeRef &sensor,
			     const std::string &prefix, const LoopConfig &cfg)
{
	const std::string metric = prefix + ".streamon_off";
	std::vector<Outcome> out;
	UniqueFd fd = open_for(video, {metric}, &out);
	if (!fd)
		return out.front();
	UniqueFd sfd = open_for(sensor, {metric}, &out);
	if (!sfd)
		return out.front();
	if (auto failed = raw_path_format(metric, sfd.get(), sensor, fd.get(), video,
					  MEDIA_BUS_FMT_SRGGB8_1X8))
		return *failed;

	// Buffers must exist for STREAMON; none is queued, so that STREAMOFF
	// has nothing to return and each STREAMON starts the pipeline again
	// (vimc needs no queued buffer to start): s_stream on each subdev.
	v4l2_requestbuffers rb{};
	rb.count = 2;
	rb.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	rb.memory = V4L2_MEMORY_MMAP;
	SysResult r = xioctl(fd.get(), VIDIOC_REQBUFS, &rb);
	if (!r.ok())
		return Outcome::failed(metric, on("VIDIOC_REQBUFS", video) + ": " + r.str());
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	Outcome o = measure_loop(metric, on("VIDIOC_STREAMON+STREAMOFF", video), cfg, [&] {
		SysResult on_r = xioctl(fd.get(), VIDIOC_STREAMON, &type);
		if (!on_r.ok())
			return on_r;
		return xioctl(fd.get(), VIDIOC_STREAMOFF, &type);
	});
	rb.count = 0;
	xioctl(fd.get(), VIDIOC_REQBUFS, &rb);
	// Back to the defaults, for the metrics after this one.
	raw_path_format(metric, sfd.get(), sensor, fd.get(), video, MEDIA_BUS_FMT_RGB888_1X24);
	return o;
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

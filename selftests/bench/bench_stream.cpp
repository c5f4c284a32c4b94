// SPDX-License-Identifier: GPL-2.0
// QBUF/DQBUF on vivid: the buffers cycle at vivid's frame rate, so the
// calls cannot be looped back to back; each one is timed alone.
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <poll.h>

#include "bench_metrics.hpp"
#include "mct/sys.hpp"

namespace mct::bench {

namespace {

struct Stream {
	int fd;
	std::string path;
	std::string why;	// first failure

	bool call(const char *name, unsigned long req, void *arg)
	{
		SysResult r = xioctl(fd, req, arg);
		if (!r.ok() && why.empty())
			why = std::string("ioctl(") + name + ") on " + path + ": " + r.str();
		return r.ok();
	}

	// 320x180 YUYV (vivid's smallest webcam size, cheapest to fill) at
	// fps frames per second, count MMAP buffers, all queued, streaming.
	bool start(unsigned fps, unsigned count, std::string *diag)
	{
		v4l2_format f{};
		f.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		f.fmt.pix.width = 320;
		f.fmt.pix.height = 180;
		f.fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;
		f.fmt.pix.field = V4L2_FIELD_NONE;
		if (!call("VIDIOC_S_FMT", VIDIOC_S_FMT, &f))
			return false;
		v4l2_streamparm p{};
		p.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		p.parm.capture.timeperframe = {1, fps};
		if (!call("VIDIOC_S_PARM", VIDIOC_S_PARM, &p))
			return false;
		*diag = std::to_string(f.fmt.pix.width) + "x" + std::to_string(f.fmt.pix.height) +
			" at " + std::to_string(p.parm.capture.timeperframe.numerator) + "/" +
			std::to_string(p.parm.capture.timeperframe.denominator) + " s per frame";
		v4l2_requestbuffers rb{};
		rb.count = count;
		rb.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		rb.memory = V4L2_MEMORY_MMAP;
		if (!call("VIDIOC_REQBUFS", VIDIOC_REQBUFS, &rb))
			return false;
		*diag += ", " + std::to_string(rb.count) + " buffers";
		for (unsigned i = 0; i < rb.count; i++)
			if (!qbuf(i, nullptr))
				return false;
		int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		return call("VIDIOC_STREAMON", VIDIOC_STREAMON, &type);
	}

	bool qbuf(unsigned index, long long *ns)
	{
		v4l2_buffer b{};
		b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		b.memory = V4L2_MEMORY_MMAP;
		b.index = index;
		long long t0 = now_ns();
		SysResult r = xioctl(fd, VIDIOC_QBUF, &b);
		long long t1 = now_ns();
		if (!r.ok()) {
			if (why.empty())
				why = "ioctl(VIDIOC_QBUF) on " + path + ": " + r.str();
			return false;
		}
		if (ns)
			*ns = t1 - t0;
		return true;
	}

	// Waits (poll, 2 s bound) for a done buffer, then times DQBUF alone.
	bool dqbuf(unsigned *index, long long *ns)
	{
		for (int spurious = 0; spurious < 100; spurious++) {
			pollfd p{fd, POLLIN, 0};
			SysResult pr = sys([&] { return ::poll(&p, 1, 2000); });
			if (!pr.ok() || pr.rc == 0 || (p.revents & (POLLERR | POLLNVAL))) {
				if (why.empty())
					why = "poll on " + path + ": " +
					      (!pr.ok() ? pr.str() : pr.rc == 0 ?
					       "no frame within 2 s" : "POLLERR");
				return false;
			}
			v4l2_buffer b{};
			b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
			b.memory = V4L2_MEMORY_MMAP;
			long long t0 = now_ns();
			SysResult r = xioctl(fd, VIDIOC_DQBUF, &b);
			long long t1 = now_ns();
			if (r.ok()) {
				*index = b.index;
				*ns = t1 - t0;
				return true;
			}
			if (r.err != EAGAIN) {
				if (why.empty())
					why = "ioctl(VIDIOC_DQBUF) on " + path + ": " + r.str();
				return false;
			}
		}
		if (why.empty())
			why = "poll on " + path + " said readable 100 times, DQBUF said EAGAIN";
		return false;
	}

	// One round: frames DQBUF+QBUF cycles; the medians of the samples.
	bool round(int frames, double *dq_ns, double *q_ns)
	{
		std::vector<double> dq, q;

		for (int i = 0; i < frames; i++) {
			unsigned index;
			long long a, b;
			if (!dqbuf(&index, &a) || !qbuf(index, &b))
				return false;
			dq.push_back(static_cast<double>(a));
			q.push_back(static_cast<double>(b));
		}
		*dq_ns = summarize(dq).median;
		*q_ns = summarize(q).median;
		return true;
	}
};

} // namespace

std::vector<Outcome> stream_metrics(const NodeRef &video, const std::string &prefix,
				    const StreamConfig &cfg)
{
	const std::string mq = prefix + ".qbuf", mdq = prefix + ".dqbuf";
	std::vector<Outcome> out;

	if (!video)
		return {Outcome::failed(mq, video.why), Outcome::failed(mdq, video.why)};
	SysResult r;
	UniqueFd fd = open_node(video.path, O_RDWR | O_NONBLOCK, &r);
	if (!fd) {
		std::string why = "open " + video.path + ": " + r.str();
		return {Outcome::failed(mq, why), Outcome::failed(mdq, why)};
	}
	Stream s{fd.get(), video.path, {}};
	std::string setup;
	std::vector<double> q, dq;
	double a, b;
	bool ok = s.start(cfg.fps, cfg.buffers, &setup) && s.round(cfg.frames, &a, &b);
	for (int i = 0; ok && i < cfg.rounds; i++) {
		ok = s.round(cfg.frames, &a, &b);
		if (!ok)
			break;
		dq.push_back(a - cfg.timer_ns);
		q.push_back(b - cfg.timer_ns);
	}
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	s.call("VIDIOC_STREAMOFF", VIDIOC_STREAMOFF, &type);
	if (!ok || !s.why.empty())
		return {Outcome::failed(mq, s.why), Outcome::failed(mdq, s.why)};

	for (auto [metric, v] : {std::pair{mq, &q}, std::pair{mdq, &dq}}) {
		Outcome o;
		o.metric = metric;
		o.stats = summarize(*v);
		o.extra.emplace_back("iters", std::to_string(cfg.frames));
		o.extra.emplace_back("per_call", "median");
		char t[32];
		std::snprintf(t, sizeof(t), "%.1f", cfg.timer_ns);
		o.extra.emplace_back("timer_ns", t);
		out.push_back(std::move(o));
	}
	out.front().note = "vivid " + setup;
	return out;
}

} // namespace mct::bench

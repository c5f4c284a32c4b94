// SPDX-License-Identifier: GPL-2.0
// The metrics of mct-bench. Each returns its outcome(s); a node that is
// missing or an ioctl that fails gives a failed outcome with the reason.
#pragma once

#include <string>
#include <vector>

#include "bench_devices.hpp"
#include "bench_timing.hpp"

namespace mct::bench {

// clock.empty_interval: an empty clock_gettime() interval (per-call
// metrics subtract it).
Outcome timer_metric(const LoopConfig &cfg);

// vimc.media.{device_info,g_topology,enum_entities}
std::vector<Outcome> media_metrics(const NodeRef &media, const std::string &prefix,
				   const LoopConfig &cfg);
// PREFIX.{querycap,g_fmt} on a capture video node.
std::vector<Outcome> video_metrics(const NodeRef &video, const std::string &prefix,
				   const LoopConfig &cfg);
// PREFIX.g_fmt: VIDIOC_SUBDEV_G_FMT, pad 0, active format; PREFIX.s_ctrl:
// VIDIOC_S_CTRL of V4L2_CID_HFLIP, alternating 0 and 1.
std::vector<Outcome> subdev_metrics(const NodeRef &subdev, const std::string &prefix,
				    const LoopConfig &cfg);
// PREFIX.streamon_off: VIDIOC_STREAMON then VIDIOC_STREAMOFF of vimc's Raw
// Capture 0 with two MMAP buffers and none queued (the pipeline starts and
// stops: s_stream of each subdev), the raw path set to SRGGB8 through
// SENSOR (Sensor A) first and back to the defaults after.
Outcome stream_on_off_metric(const NodeRef &video, const NodeRef &sensor,
			     const std::string &prefix, const LoopConfig &cfg);
// PREFIX.open_close: open(O_RDWR) + close of the node.
Outcome open_close_metric(const NodeRef &node, const std::string &prefix,
			  const LoopConfig &cfg);

struct StreamConfig {
	int rounds = 5;
	int frames = 120;	// frames per round
	unsigned fps = 120;	// asked of vivid (its webcam input allows 120)
	unsigned buffers = 4;
	double timer_ns = 0;	// empty interval subtracted from each sample
};

// PREFIX.qbuf and PREFIX.dqbuf on a streaming vivid capture node: each
// call timed alone (DQBUF only once poll() says a buffer is done, on a
// non-blocking fd); a round's figure is the median of its samples minus
// the empty clock interval.
std::vector<Outcome> stream_metrics(const NodeRef &video, const std::string &prefix,
				    const StreamConfig &cfg);

struct UnbindConfig {
	int reps = 5;		// unbinds per mode (idle, busy), alternating
	int handles = 16;	// fds open on vimc nodes in busy mode
	int threads = 4;	// threads looping ioctls on them
	long bound_ms = 10000;	// an unbind that takes longer is a hang
};

// vimc.unbind.idle and vimc.unbind.busy (ms of the sysfs unbind write);
// vimc is bound again after each. A hung unbind sets Outcome::hung.
std::vector<Outcome> unbind_metrics(Tap &tap, const std::string &pdev,
				    const UnbindConfig &cfg);

} // namespace mct::bench

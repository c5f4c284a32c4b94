// SPDX-License-Identifier: GPL-2.0
// The test drivers (vivid, vimc, vim2m) as mct-torture loads them, and a
// set of open nodes with the checks done on all of them.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "util.hpp"

namespace mct::torture {

// vivid with only its video capture node (and the media node): quick to
// probe, and one video_device holds the vivid_dev. Requests are
// supported by default (supports_requests=1).
constexpr const char *kVividOneCapture = "n_devs=1 node_types=0x1";
constexpr const char *kVividCapture = "vivid-000-vid-cap";
// vimc: media, 3 video (Raw Capture 0/1, RGB/YUV Capture) and 8 subdev
// nodes (Sensor A/B, Debayer A/B, RGB/YUV Input, Scaler, Lens A/B).
constexpr size_t kVimcNodes = 12;
constexpr const char *kVimcRawCapture = "Raw Capture 0";

// A loaded driver's platform device (module = driver name) and nodes.
struct Driver {
	std::string driver;
	std::string pdev;
	std::vector<Node> nodes;

	bool load(Tap &tap, const std::string &module, const std::string &args,
		  size_t min_nodes);
};

const Node *vivid_vid_cap(const std::vector<Node> &nodes);

struct OpenNodes {
	std::vector<std::pair<Node, UniqueFd>> list;

	// open(O_RDWR | extra_flags) of every node, each a check.
	bool open(Tap &tap, const std::vector<Node> &nodes, int extra_flags = 0);
	int fd_of(const Node &n) const;
	// QUERYCAP / SUBDEV_QUERYCAP / DEVICE_INFO answer on every node.
	bool work(Tap &tap);
	// expect_node_gone() on every node.
	void expect_gone(Tap &tap);
	void close_all(Tap &tap);
};

// Unbinds with hammer's threads running (started before, stopped after)
// so that their ioctls race the unregistration.
void unbind_under_hammer(Tap &tap, Hammer &hammer, int nthreads, const std::string &driver,
			 const std::string &pdev);

} // namespace mct::torture

// SPDX-License-Identifier: GPL-2.0
// The test drivers (vivid, vimc, vim2m) as mct-torture loads them, and a
// set of open nodes with the checks done on all of them.
#pragma once

#include <cstdint>
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
	// Unbinds the device, waits until its nodes left ("after unbind") and
	// until the delayed releases of all of them but still_open ran (see
	// wait_driver_freed()).
	void unbind_and_wait_freed(Tap &tap, ReleaseWatch &watch,
				   const Node *still_open = nullptr);
	// unbind_and_wait_freed(), then rmmod: the check "rmmod <module>" that
	// it succeeded and the module is gone. Unbinding and waiting first: a
	// release that CONFIG_DEBUG_KOBJECT_RELEASE delays past the module's
	// exit would run the driver's release callback from freed module text.
	void unbind_and_unload(Tap &tap, ReleaseWatch &watch);
};

const Node *vivid_vid_cap(const std::vector<Node> &nodes);
// Loads vivid with kVividOneCapture into v and finds its video capture
// node and, when media is given, its media node: the check "vivid has a
// video capture node" ("... capture and a media node"). False on failure
// (reported).
bool load_vivid_capture(Tap &tap, Driver &v, const Node **cap, const Node **media = nullptr);

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

// Runs the loop of start_dqbuf_loop() on fd (streaming types) until 3
// frames went round, the check frames_check; then unbinds d under it,
// checks that the loop ends in an error and waits until d's nodes left
// ("after unbind"). False when the frames did not come (reported, d not
// unbound).
bool unbind_under_dqbuf_loop(Tap &tap, const Driver &d, int fd,
			     const std::vector<uint32_t> &types, unsigned out_bytesused,
			     const std::string &frames_check);

} // namespace mct::torture

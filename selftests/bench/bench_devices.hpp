// SPDX-License-Identifier: GPL-2.0
// The device nodes the benchmark measures: vimc's media node, a capture
// video node and a sensor subdev, and vivid's capture node.
#pragma once

#include <string>
#include <vector>

#include "mct/tap.hpp"

namespace mct::bench {

inline constexpr const char *kVimcVideo = "Raw Capture 0";
inline constexpr const char *kVimcSubdev = "Sensor A";
inline constexpr const char *kVividVideo = "vivid-000-vid-cap";
// vimc subdevs that have pads (the lenses have none, so G_FMT fails).
inline const std::vector<std::string> kVimcPadSubdevs = {
	"Sensor A", "Sensor B", "Debayer A", "Debayer B", "Scaler",
};
inline const std::vector<std::string> kVimcVideos = {
	"Raw Capture 0", "Raw Capture 1", "RGB/YUV Capture",
};

// A node, or why it is not there.
struct NodeRef {
	std::string path;
	std::string why;	// set when path is empty
	explicit operator bool() const { return !path.empty(); }
};

struct Devices {
	NodeRef vimc_media;
	NodeRef vimc_video;
	NodeRef vimc_subdev;
	NodeRef vivid_video;
	std::string vimc_pdev;	// platform device bound to vimc ("vimc.0")
	std::string vimc_why;	// why vimc_pdev is empty
};

// Loads vimc and vivid (one instance, video capture node only) and finds
// their nodes; one TAP check per module and node.
Devices setup_devices(Tap &tap, const std::string &vivid_args);

// vimc's nodes again (after a rebind the numbers may change).
NodeRef find_vimc_media();
NodeRef find_video(const std::string &name);
NodeRef find_subdev(const std::string &name);

} // namespace mct::bench

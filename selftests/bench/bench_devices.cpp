// SPDX-License-Identifier: GPL-2.0
#include "bench_devices.hpp"

#include "mct/sys.hpp"

namespace mct::bench {

static NodeRef first_or(const std::vector<std::string> &paths, const std::string &why)
{
	NodeRef n;

	if (paths.empty())
		n.why = why;
	else
		n.path = paths.front();
	return n;
}

NodeRef find_vimc_media()
{
	return first_or(media_nodes_of_driver("vimc"), "no /dev/media* of driver vimc");
}

// Exact name: video_nodes_named() matches a prefix ("Raw Capture 0" is
// not a prefix of another vimc node, but be strict anyway).
NodeRef find_video(const std::string &name)
{
	std::vector<std::string> exact;

	for (const auto &p : video_nodes_named(name)) {
		auto n = read_file("/sys/class/video4linux/" + p.substr(5) + "/name");
		if (n && n->substr(0, n->find('\n')) == name)
			exact.push_back(p);
	}
	return first_or(exact, "no /dev/video* named '" + name + "'");
}

NodeRef find_subdev(const std::string &name)
{
	std::vector<std::string> exact;

	for (const auto &p : subdev_nodes_named(name)) {
		auto n = read_file("/sys/class/video4linux/" + p.substr(5) + "/name");
		if (n && n->substr(0, n->find('\n')) == name)
			exact.push_back(p);
	}
	return first_or(exact, "no /dev/v4l-subdev* named '" + name + "'");
}

static NodeRef wait_node(Tap &tap, const std::string &what, NodeRef (*find)(const std::string &),
			 const std::string &name)
{
	NodeRef n;

	wait_until([&] { return static_cast<bool>(n = find(name)); }, 5000ms);
	tap.check(static_cast<bool>(n), "setup: " + what + " " + (n ? n.path : name), n.why);
	return n;
}

Devices setup_devices(Tap &tap, const std::string &vivid_args)
{
	Devices d;
	bool vimc = tap.check(modprobe("vimc"), "setup: modprobe vimc", "modprobe failed");
	bool vivid = tap.check(modprobe("vivid " + vivid_args),
			       "setup: modprobe vivid " + vivid_args, "modprobe failed");

	if (vimc) {
		wait_until([&] { return static_cast<bool>(d.vimc_media = find_vimc_media()); },
			   5000ms);
		tap.check(static_cast<bool>(d.vimc_media),
			  "setup: vimc media node " + d.vimc_media.path, d.vimc_media.why);
		d.vimc_video = wait_node(tap, "vimc video node", find_video, kVimcVideo);
		d.vimc_subdev = wait_node(tap, "vimc subdev node", find_subdev, kVimcSubdev);
		auto bound = bound_devices("platform", "vimc");
		if (bound.size() == 1)
			d.vimc_pdev = bound.front();
		else
			d.vimc_why = std::to_string(bound.size()) +
				     " devices bound to platform driver vimc, expected 1";
		tap.check(!d.vimc_pdev.empty(), "setup: vimc platform device " + d.vimc_pdev,
			  d.vimc_why);
	} else {
		d.vimc_media.why = d.vimc_video.why = d.vimc_subdev.why = d.vimc_why =
			"modprobe vimc failed";
	}
	if (vivid)
		d.vivid_video = wait_node(tap, "vivid video node", find_video, kVividVideo);
	else
		d.vivid_video.why = "modprobe vivid failed";
	return d;
}

} // namespace mct::bench

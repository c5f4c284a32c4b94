// SPDX-License-Identifier: GPL-2.0
// vimc scenarios: unbind/bind of the vimc platform device with media,
// video and subdev nodes open, while streaming, and under subdev ioctls.
#include <functional>
#include <linux/videodev2.h>
#include <thread>

#include "drivers.hpp"
#include "mct/scenario.hpp"
#include "util.hpp"
#include "v4l2.hpp"

using namespace mct;
using namespace mct::torture;

namespace {

constexpr int kOpenNodesCycles = 5;
constexpr int kSubdevRaceCycles = 10;

std::string cycle_tag(int i, int n)
{
	return "cycle " + std::to_string(i + 1) + "/" + std::to_string(n);
}

// The ioctls of vimc-unbind-open-nodes on every open node.
void add_node_ops(Hammer &hammer, OpenNodes &open)
{
	for (auto &[n, fd] : open.list) {
		int f = fd.get();

		if (n.is_media()) {
			hammer.add("G_TOPOLOGY " + n.dev, op_g_topology(f));
			hammer.add("ENUM_ENTITIES " + n.dev, op_enum_entities(f));
			hammer.add("ENUM_LINKS " + n.dev, op_enum_links(f, first_entity(f)));
		} else if (n.is_subdev()) {
			hammer.add("SUBDEV_G_FMT " + n.dev, op_subdev_g_fmt(f));
			hammer.add("SUBDEV_ENUM_MBUS_CODE " + n.dev, op_subdev_enum_mbus_code(f));
		} else {
			hammer.add("QUERYCAP " + n.dev, op_querycap(f));
			hammer.add("G_FMT " + n.dev, op_g_fmt(f, V4L2_BUF_TYPE_VIDEO_CAPTURE));
		}
	}
}

// The ioctls of vimc-subdev-ioctl-race on every open subdev node.
void add_subdev_ops(Hammer &hammer, OpenNodes &open)
{
	for (auto &[n, fd] : open.list) {
		int f = fd.get();

		hammer.add("G_FMT " + n.dev, op_subdev_g_fmt(f));
		hammer.add("S_FMT " + n.dev, op_subdev_s_fmt(f));
		hammer.add("ENUM_MBUS_CODE " + n.dev, op_subdev_enum_mbus_code(f));
		hammer.add("G_SELECTION " + n.dev, op_subdev_g_selection(f));
	}
}

// After an unbind: the nodes left, bind brings the same number back.
bool rebind(Tap &tap, Driver &d, const std::string &tag)
{
	if (!bind_checked(tap, d.driver, d.pdev))
		return false;
	auto again = wait_nodes(tap, d.pdev, kVimcNodes, tag + ": after bind");
	if (again.empty())
		return false;
	d.nodes = again;
	return true;
}

// Sensor A feeds both Raw Capture 0 and Debayer A (immutable enabled
// links), so STREAMON validates both links: Sensor A's default RGB888
// does not match Debayer A's default SRGGB8 sink. Put the raw path on
// SRGGB8 640x480 (Debayer A's default).
bool configure_raw_path(Tap &tap, const OpenNodes &open, const std::vector<Node> &nodes)
{
	const Node *sensor = find_node(nodes, "Sensor A");
	const Node *raw = find_node(nodes, kVimcRawCapture);

	if (!check(tap, sensor && raw, "vimc has Sensor A and Raw Capture 0", nodes_str(nodes)))
		return false;
	v4l2_subdev_format sf{};
	sf.which = V4L2_SUBDEV_FORMAT_ACTIVE;
	sf.pad = 0;
	sf.format.width = 640;
	sf.format.height = 480;
	sf.format.code = MEDIA_BUS_FMT_SRGGB8_1X8;
	sf.format.field = V4L2_FIELD_NONE;
	sf.format.colorspace = V4L2_COLORSPACE_SRGB;
	if (!expect_ok(tap, "SUBDEV_S_FMT Sensor A pad 0 SRGGB8_1X8 640x480",
		       subdev_s_fmt(open.fd_of(*sensor), &sf)))
		return false;
	v4l2_format f{};
	f.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	f.fmt.pix.width = 640;
	f.fmt.pix.height = 480;
	f.fmt.pix.pixelformat = V4L2_PIX_FMT_SRGGB8;
	f.fmt.pix.field = V4L2_FIELD_NONE;
	f.fmt.pix.colorspace = V4L2_COLORSPACE_SRGB;
	if (!expect_ok(tap, "S_FMT Raw Capture 0 RGGB 640x480", s_fmt(open.fd_of(*raw), &f)))
		return false;
	tap.diag("Raw Capture 0: " + std::to_string(f.fmt.pix.width) + "x" +
		 std::to_string(f.fmt.pix.height) + " " + fourcc_str(f.fmt.pix.pixelformat));
	return true;
}

std::vector<Node> subdevs_of(const std::vector<Node> &nodes)
{
	std::vector<Node> out;

	for (const auto &n : nodes)
		if (n.is_subdev())
			out.push_back(n);
	return out;
}

// Loads vimc into d and finds Raw Capture 0 and the media node: the check
// "vimc has Raw Capture 0 and a media node". False on failure (reported).
bool load_vimc_raw_capture(Tap &tap, Driver &d, const Node **raw, const Node **media)
{
	if (!d.load(tap, "vimc", "", kVimcNodes))
		return false;
	*raw = find_node(d.nodes, kVimcRawCapture);
	*media = find_media(d.nodes);
	return check(tap, *raw && *media, "vimc has Raw Capture 0 and a media node",
		     nodes_str(d.nodes));
}

// Opens nodes of d and adds the hammer ops on them; false to stop.
using CycleSetup = std::function<bool(const Driver &d, OpenNodes &open, Hammer &hammer)>;

// Loads vimc, then `cycles` times: setup() opens nodes and adds ops, the
// unbind races nthreads threads running them, the open nodes must be gone;
// close them and bind again.
void unbind_bind_cycles(Tap &tap, int cycles, int nthreads, const CycleSetup &setup)
{
	Driver d;

	if (!d.load(tap, "vimc", "", kVimcNodes))
		return;
	for (int i = 0; i < cycles; i++) {
		std::string tag = cycle_tag(i, cycles);
		OpenNodes open;
		Hammer hammer;

		tap.diag(tag);
		if (!setup(d, open, hammer))
			return;
		unbind_under_hammer(tap, hammer, nthreads, d.driver, d.pdev);
		wait_nodes_gone(tap, d.pdev, d.nodes, tag);
		open.expect_gone(tap);
		open.close_all(tap);
		if (!rebind(tap, d, tag))
			return;
	}
}

} // namespace

MCT_SCENARIO(vimc_smoke, "vimc-smoke",
	     "load vimc, open all its nodes, a few ioctls, stream Raw Capture 0, close, unload")
{
	const uint32_t type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	Driver d;
	OpenNodes open;
	ReleaseWatch watch;
	const Node *raw = nullptr, *media = nullptr;

	watch.open_checked(tap);
	if (!load_vimc_raw_capture(tap, d, &raw, &media))
		return;
	if (!open.open(tap, d.nodes) || !open.work(tap))
		return;
	int mfd = open.fd_of(*media), vfd = open.fd_of(*raw);
	expect_ok(tap, "MEDIA_IOC_G_TOPOLOGY", g_topology(mfd));
	for (const auto &n : subdevs_of(d.nodes))
		if (n.name.rfind("Lens", 0) != 0)
			expect_ok(tap, "VIDIOC_SUBDEV_G_FMT " + n.dev + " (" + n.name + ")",
				  subdev_g_fmt(open.fd_of(n), 0));
	expect_ok(tap, "VIDIOC_G_FMT Raw Capture 0", g_fmt(vfd, type));
	if (configure_raw_path(tap, open, d.nodes) &&
	    start_streaming(tap, vfd, type, 4, raw->dev)) {
		for (int i = 0; i < 3; i++) {
			v4l2_buffer b{};
			CallResult r = dqbuf(vfd, type, &b, 20s);

			if (!check(tap, r.finished && r.res.ok() && b.bytesused > 0,
				   "DQBUF frame " + std::to_string(i),
				   r.str() + ", bytesused " + std::to_string(b.bytesused)))
				break;
			expect_ok(tap, "QBUF again", qbuf(vfd, type, b.index));
		}
		expect_ok(tap, "STREAMOFF", streamoff(vfd, type));
		expect_ok(tap, "REQBUFS 0", reqbufs(vfd, type, 0));
	}
	open.close_all(tap);
	d.unbind_and_unload(tap, watch);
}

MCT_SCENARIO(vimc_unbind_open_nodes, "vimc-unbind-open-nodes",
	     "5 cycles: unbind vimc with media, video and subdev nodes open and 4 ioctl "
	     "threads, close, bind")
{
	auto setup = [&](const Driver &d, OpenNodes &open, Hammer &hammer) {
		if (!open.open(tap, d.nodes) || !open.work(tap))
			return false;
		add_node_ops(hammer, open);
		return true;
	};

	unbind_bind_cycles(tap, kOpenNodesCycles, 4, setup);
}

MCT_SCENARIO(vimc_unbind_streaming, "vimc-unbind-streaming",
	     "unbind vimc while Raw Capture 0 streams and a thread loops DQBUF/QBUF")
{
	const uint32_t type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	Driver d;
	OpenNodes open;
	const Node *raw = nullptr, *media = nullptr;

	if (!load_vimc_raw_capture(tap, d, &raw, &media))
		return;
	if (!open.open(tap, d.nodes))
		return;
	int vfd = open.fd_of(*raw);
	if (!configure_raw_path(tap, open, d.nodes) ||
	    !start_streaming(tap, vfd, type, 4, raw->dev))
		return;
	if (!unbind_under_dqbuf_loop(tap, d, vfd, {type}, 0,
				     "3 frames captured before the unbind"))
		return;
	expect_error(tap, "STREAMOFF " + raw->dev, streamoff(vfd, type));
	open.expect_gone(tap);
	open.close_all(tap);
}

MCT_SCENARIO(vimc_subdev_ioctl_race, "vimc-subdev-ioctl-race",
	     "10 unbind/bind cycles of vimc under 8 threads of subdev ioctls")
{
	auto setup = [&](const Driver &d, OpenNodes &open, Hammer &hammer) {
		if (!open.open(tap, subdevs_of(d.nodes)))
			return false;
		add_subdev_ops(hammer, open);
		return true;
	};

	unbind_bind_cycles(tap, kSubdevRaceCycles, 8, setup);
}

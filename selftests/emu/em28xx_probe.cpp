// SPDX-License-Identifier: GPL-2.0
// em28xx scenarios of the probe and of the disconnect that undoes it:
//
// em28xx-dual-ts-unplug: the board poses as a Hauppauge WinTV-dualHD
//   (card=99), whose probe makes a second em28xx device for the second
//   transport stream (dev->dev_next, em28xx_duplicate_dev()). That copy of
//   dev is taken before em28xx_init_extension() puts dev on em28xx_devlist
//   and is never put there itself, yet em28xx_close_extension() does
//   list_del() of its devlist: with DEBUG_LIST a "list_del corruption"
//   WARNING at every disconnect, without it a NULL dereference. Two plugs
//   and unplugs, so that a list the first disconnect corrupted shows in
//   the second probe (which adds to it) and disconnect.
//
// em28xx-disconnect-during-init: the default board is unplugged at a sweep
//   of delays after the plug, so that the disconnect lands before the
//   enumeration, in the probe, and in the extension init that the probe's
//   request_module work runs (em28xx_v4l is loaded beforehand: the guest
//   has no modprobe helper). Each round must end with the USB device and
//   every node gone, and a last plug must probe as usual: a disconnect
//   that leaked a device slot or left the driver's lists inconsistent
//   shows there.
//
// em28xx-rmmod-after-unplug: the board is unplugged with its video and
//   media nodes open, the nodes are closed, and em28xx_v4l and em28xx are
//   removed at once. The last closes drop the last references, and the
//   releases that DEBUG_KOBJECT_RELEASE defers run the code of both
//   modules: the video device's release ends in em28xx_free_v4l2()
//   (em28xx_v4l), the media device's in em28xx's release operation. The
//   removal of each module must wait for them.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "em28xx_device.hpp"
#include "em28xx_host.hpp"
#include "em28xx_proto.hpp"
#include "em28xx_steps.hpp"
#include "mct/scenario.hpp"
#include "mct/sys.hpp"

using namespace mct;
using namespace mct::emu;

namespace {

constexpr int kDualTsCycles = 2;
// The primary device of card 99 registers I2C buses 0 and 1 on the
// interface. The second TS device registers its own bus 0 there too: its
// board is the one of the USB id (em28xx_usb_probe() sets dev_next->model
// from id->driver_info, not from card=), the Live2, with bus 0 only.
constexpr size_t kPrimaryI2cBuses = 2;

} // namespace

MCT_SCENARIO(em28xx_dual_ts_unplug, "em28xx-dual-ts-unplug",
	     "plug and unplug a dual-TS em28xx board (WinTV-dualHD, card=99) twice")
{
	if (!load_dual_ts_modules(tap))
		return;

	for (int i = 1; i <= kDualTsCycles; i++) {
		std::string tag = "cycle " + std::to_string(i);
		std::string err;
		Em28xxDevice dev(dual_ts_options());
		Em28xxNodes n;
		long long t0 = now_ms();
		if (!check(tap, dev.plug(&err), prefixed(tag, "emulated board plugged as an EM28174"),
			   err))
			return;
		// The media device is registered at the very end of the
		// probe, after the second TS device was made.
		bool bound = wait_until(
			[&] {
				n = find_em28xx();
				return n.driver == "em28xx" && !n.media.empty() &&
				       path_exists(n.media);
			},
			kProbeBound);
		if (!check(tap, bound, prefixed(tag, "em28xx bound and registered its media device"),
			   n.str() + "; device: " + dev.stats().str()))
			return;
		tap.diag(prefixed(tag, "probed in " + std::to_string(now_ms() - t0) + " ms: " +
					       n.str()));
		auto adapters = i2c_adapters(n.intf);
		tap.diag(prefixed(tag, "I2C adapters on " + n.intf + ": " + joined(adapters)));
		if (!check(tap, adapters.size() > kPrimaryI2cBuses,
			   prefixed(tag, "the second TS device registered its I2C bus on the interface"),
			   std::to_string(adapters.size()) + " adapters, the primary device has " +
				   std::to_string(kPrimaryI2cBuses)))
			return;
		// The disconnect flushes the request_module work, which put dev
		// on em28xx_devlist; no need to wait for it here.
		if (!unplug(tap, dev, n, tag))
			return;
	}
}

namespace {

// Milliseconds from the plug to the unplug: the enumeration takes about
// 0.5 s under TCG, the probe 0.3 s, the v4l2 init 1.2 s more.
constexpr int kSweepStepMs = 250;
constexpr int kSweepEndMs = 3000;
// One round: 13 unplugs, about 100 s under TCG, in every make check.
constexpr int kSweepRounds = 1;

// Where the plug got before the unplug, for the diagnostic of a round.
std::string reached(const Em28xxNodes &n)
{
	if (n.usb_dev.empty())
		return "not enumerated";
	if (n.driver != "em28xx")
		return "enumerated, not bound";
	if (n.video.empty() && n.media.empty())
		return "bound, no node";
	return n.complete() ? "all nodes" : "some nodes";
}

// Until no emulated board, no V4L2 node and no media device is left: the
// guest has no other V4L2 or media device, and a node registered by an
// extension init that the disconnect overtook has no name to look for
// once the interface is gone.
bool wait_all_gone(Millis bound, std::string *left)
{
	return wait_until(
		[&] {
			*left = "";
			Em28xxNodes n = find_em28xx();
			if (!n.usb_dev.empty())
				*left += " usb:" + n.usb_dev;
			for (const auto &p : glob_paths("/sys/class/video4linux/*"))
				*left += " " + p.substr(p.rfind('/') + 1);
			for (const auto &p : glob_paths("/sys/bus/media/devices/*"))
				*left += " " + p.substr(p.rfind('/') + 1);
			return left->empty();
		},
		bound);
}

} // namespace

MCT_SCENARIO(em28xx_disconnect_during_init, "em28xx-disconnect-during-init",
	     "unplug em28xx 0 to 3 s after the plug, in the probe and the extension init")
{
	if (!load_modules(tap))
		return;
	for (int round = 1; round <= kSweepRounds; round++) {
		for (int delay = 0; delay <= kSweepEndMs; delay += kSweepStepMs) {
			std::string tag = "round " + std::to_string(round) + " (+" +
					  std::to_string(delay) + " ms)";
			Em28xxDevice dev;
			std::string err;

			if (!check(tap, dev.plug(&err), prefixed(tag, "emulated 2040:c220 plugged"),
				   err))
				return;
			std::this_thread::sleep_for(Millis(delay));
			Em28xxNodes n = find_em28xx();
			long long t0 = now_ms();
			bool stopped = dev.unplug(kUnplugBound, &err);
			std::string left;
			bool gone = wait_all_gone(kGoneBound, &left);
			tap.diag(prefixed(tag, "unplugged at " + reached(n) + " (" + n.str() +
						       "), gone after " +
						       std::to_string(now_ms() - t0) + " ms"));
			check(tap, stopped, prefixed(tag, "emulator threads stopped"), err);
			if (!check(tap, gone, prefixed(tag, "USB device and every node left sysfs"),
				   "still there after " + std::to_string(kGoneBound.count()) +
					   " ms:" + left))
				return;
		}
	}
	// The driver is still whole: a plug left alone probes as usual.
	Em28xxDevice dev;
	Em28xxNodes n;
	if (plug(tap, dev, &n, "after the sweep"))
		unplug(tap, dev, n, "after the sweep");
}

MCT_SCENARIO(em28xx_rmmod_after_unplug, "em28xx-rmmod-after-unplug",
	     "unplug em28xx with its nodes open, close them, rmmod em28xx_v4l and em28xx at once")
{
	Em28xxDevice dev;
	Em28xxNodes n;

	if (!load_modules(tap) || !plug(tap, dev, &n, ""))
		return;
	UniqueFd video = open_checked(tap, n.video, "");
	UniqueFd media = open_checked(tap, n.media, "");
	if (!video || !media || !unplug(tap, dev, n, ""))
		return;
	if (!close_bounded(tap, video, n.video) || !close_bounded(tap, media, n.media))
		return;
	for (const char *m : { "em28xx_v4l", "em28xx" }) {
		auto rc = std::make_shared<int>(-1);
		std::string cmd = std::string("rmmod ") + m;
		bool done = run_bounded([rc, cmd] { *rc = run_command(cmd); }, 30s);

		if (!check(tap, done && *rc == 0, cmd + " right after the last close",
			   done ? "exit status " + std::to_string(*rc) : "hung > 30 s"))
			return;
	}
	// A release that outlived its module runs on freed code by now.
	std::this_thread::sleep_for(2 * kReleaseDelay);
	tap.ok("waited 10 s for the deferred releases");
}

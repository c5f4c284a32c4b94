// SPDX-License-Identifier: GPL-2.0
// The host side of the emulated em28xx board as the guest kernel shows it:
// modules to load, the USB device and interface in sysfs, the device nodes
// em28xx registered for it, and bounded waits for them to appear or go.
#pragma once

#include <string>

#include "mct/sys.hpp"

namespace mct::emu {

// Loads dummy_hcd, raw_gadget, em28xx and em28xx_v4l unless already
// loaded. The guest has no udev and no /sbin/modprobe for request_module(),
// so em28xx cannot pull in its v4l extension by itself.
bool load_em28xx_modules(std::string *err);

struct Em28xxNodes {
	std::string usb_dev;	// "1-1"
	std::string intf;	// "1-1:1.0"
	std::string driver;	// driver bound to intf, "" when none
	std::string video;	// "/dev/video0"
	std::string vbi;	// "/dev/vbi0"
	std::string media;	// "/dev/media0"

	// The board is bound to em28xx and all three nodes exist.
	bool complete() const;
	std::string str() const;
};

// The first 2040:c220 device in /sys/bus/usb/devices and what hangs off it.
Em28xxNodes find_em28xx();
// Polls find_em28xx() until complete(); *out gets the last state seen.
bool wait_em28xx_nodes(Em28xxNodes *out, Millis timeout);
// Until the USB device and the nodes of n have left sysfs (unplug).
bool wait_em28xx_gone(const Em28xxNodes &n, Millis timeout, std::string *left);
// Until n.intf has no driver and the nodes of n have left sysfs (unbind);
// the USB device stays.
bool wait_em28xx_unbound(const Em28xxNodes &n, Millis timeout, std::string *left);

} // namespace mct::emu

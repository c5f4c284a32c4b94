// SPDX-License-Identifier: GPL-2.0
#include "em28xx_host.hpp"

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>

#include "em28xx_proto.hpp"

namespace mct::emu {

static std::string trimmed(const std::string &path)
{
	auto s = read_file(path);

	if (!s)
		return "";
	while (!s->empty() && (s->back() == '\n' || s->back() == ' '))
		s->pop_back();
	return *s;
}

static std::string basename_of(const std::string &p)
{
	size_t slash = p.rfind('/');

	return slash == std::string::npos ? p : p.substr(slash + 1);
}

static std::string link_basename(const std::string &link)
{
	char buf[PATH_MAX];
	ssize_t n = ::readlink(link.c_str(), buf, sizeof(buf) - 1);

	if (n <= 0)
		return "";
	buf[n] = 0;
	return basename_of(buf);
}

// Name of the folder holding what path resolves to.
static std::string parent_basename(const std::string &path)
{
	char buf[PATH_MAX];

	if (!::realpath(path.c_str(), buf))
		return "";
	std::string real = buf;
	size_t slash = real.rfind('/');
	return slash == std::string::npos ? "" : basename_of(real.substr(0, slash));
}

bool load_em28xx_modules(std::string *err)
{
	for (const char *m : { "dummy_hcd", "raw_gadget", "em28xx", "em28xx_v4l" }) {
		std::string sysfs = std::string("/sys/module/") + m;

		if (path_exists(sysfs))
			continue;
		int rc = run_command(std::string("modprobe ") + m);
		if (!path_exists(sysfs)) {
			*err = std::string("modprobe ") + m + " failed (exit " + std::to_string(rc) +
			       "), " + sysfs + " missing";
			return false;
		}
	}
	if (!path_exists("/dev/raw-gadget")) {
		*err = "/dev/raw-gadget missing after loading raw_gadget";
		return false;
	}
	return true;
}

bool Em28xxNodes::complete() const
{
	return !intf.empty() && driver == "em28xx" && !video.empty() && !vbi.empty() &&
	       !media.empty();
}

std::string Em28xxNodes::str() const
{
	auto or_none = [](const std::string &s) { return s.empty() ? std::string("-") : s; };

	return "usb=" + or_none(usb_dev) + " intf=" + or_none(intf) + " driver=" + or_none(driver) +
	       " video=" + or_none(video) + " vbi=" + or_none(vbi) + " media=" + or_none(media);
}

static std::string hex4(uint16_t v)
{
	char buf[8];

	std::snprintf(buf, sizeof(buf), "%04x", v);
	return buf;
}

Em28xxNodes find_em28xx()
{
	Em28xxNodes n;

	for (const auto &dir : glob_paths("/sys/bus/usb/devices/*")) {
		if (trimmed(dir + "/idVendor") == hex4(kVendorId) &&
		    trimmed(dir + "/idProduct") == hex4(kProductId)) {
			n.usb_dev = basename_of(dir);
			break;
		}
	}
	if (n.usb_dev.empty())
		return n;
	n.intf = n.usb_dev + ":1.0";
	n.driver = link_basename("/sys/bus/usb/devices/" + n.intf + "/driver");
	for (const auto &dir : glob_paths("/sys/class/video4linux/*")) {
		std::string node = basename_of(dir);
		std::string name = trimmed(dir + "/name");

		if (name == n.intf + " video" && node.rfind("video", 0) == 0)
			n.video = "/dev/" + node;
		else if (name == n.intf + " vbi" && node.rfind("vbi", 0) == 0)
			n.vbi = "/dev/" + node;
	}
	// em28xx registers the media device on the USB device: the bus link
	// points to .../<usb_dev>/mediaN.
	for (const auto &link : glob_paths("/sys/bus/media/devices/media*"))
		if (parent_basename(link) == n.usb_dev)
			n.media = "/dev/" + basename_of(link);
	return n;
}

bool wait_em28xx_nodes(Em28xxNodes *out, Millis timeout)
{
	// The nodes are created by devtmpfs a moment after sysfs shows them.
	return wait_until(
		[&] {
			*out = find_em28xx();
			return out->complete() && path_exists(out->video) && path_exists(out->vbi) &&
			       path_exists(out->media);
		},
		timeout);
}

// Nodes of n still present in sysfs, "" when none.
static std::string nodes_left(const Em28xxNodes &n)
{
	std::string left;

	for (const auto *node : { &n.video, &n.vbi })
		if (!node->empty() && path_exists("/sys/class/video4linux/" + basename_of(*node)))
			left += " " + *node;
	if (!n.media.empty() && path_exists("/sys/bus/media/devices/" + basename_of(n.media)))
		left += " " + n.media;
	return left;
}

bool wait_em28xx_gone(const Em28xxNodes &n, Millis timeout, std::string *left)
{
	return wait_until(
		[&] {
			*left = nodes_left(n);
			if (path_exists("/sys/bus/usb/devices/" + n.usb_dev))
				*left += " usb:" + n.usb_dev;
			return left->empty();
		},
		timeout);
}

bool wait_em28xx_unbound(const Em28xxNodes &n, Millis timeout, std::string *left)
{
	return wait_until(
		[&] {
			*left = nodes_left(n);
			if (path_exists("/sys/bus/usb/devices/" + n.intf + "/driver"))
				*left += " driver-link:" + n.intf;
			return left->empty();
		},
		timeout);
}

} // namespace mct::emu

// SPDX-License-Identifier: GPL-2.0
#include "em28xx_steps.hpp"

#include <fcntl.h>
#include <linux/videodev2.h>
#include <sys/mman.h>
#include <unistd.h>

namespace mct::emu {

bool check(Tap &tap, bool cond, const std::string &name, const std::string &why)
{
	return tap.check(cond, name, cond ? "" : why);
}

std::string prefixed(const std::string &tag, const std::string &what)
{
	return tag.empty() ? what : tag + ": " + what;
}

bool load_modules(Tap &tap)
{
	std::string err;

	return check(tap, load_em28xx_modules(&err),
			 "modules dummy_hcd raw_gadget em28xx em28xx_v4l loaded", err);
}

bool load_dual_ts_modules(Tap &tap)
{
	std::string card = "em28xx card=" + std::to_string(kDualHdCard);

	for (const char *m : { "dummy_hcd", "raw_gadget" })
		if (!check(tap, modprobe(m), std::string("modprobe ") + m))
			return false;
	for (int i = 1; i < kCardSlots; i++)
		card += "," + std::to_string(kDualHdCard);
	return check(tap, modprobe(card), "modprobe " + card);
}

Em28xxDeviceOptions dual_ts_options()
{
	Em28xxDeviceOptions opt;

	opt.chip_id = kChipIdEm28174;
	// No V4L2 on this board (no decoder): the analog endpoint is never
	// used, nothing to stream.
	opt.stream = false;
	return opt;
}

std::vector<std::string> i2c_adapters(const std::string &intf)
{
	return glob_paths("/sys/bus/usb/devices/" + intf + "/i2c-*");
}

std::string joined(const std::vector<std::string> &v)
{
	std::string s;

	for (const auto &x : v)
		s += (s.empty() ? "" : " ") + x.substr(x.rfind('/') + 1);
	return s.empty() ? "none" : s;
}

bool plug(Tap &tap, Em28xxDevice &dev, Em28xxNodes *n, const std::string &tag)
{
	std::string err;
	long long t0 = now_ms();

	if (!check(tap, dev.plug(&err), prefixed(tag, "emulated 2040:c220 plugged"), err))
		return false;
	bool up = wait_em28xx_nodes(n, kProbeBound);
	check(tap, up, prefixed(tag, "em28xx probed and registered video, vbi and media nodes"),
		  "after " + std::to_string(kProbeBound.count()) + " ms: " + n->str() +
			  "; device: " + dev.stats().str());
	if (up)
		tap.diag(prefixed(tag, "plugged in " + std::to_string(now_ms() - t0) + " ms: " +
					       n->str()));
	return up;
}

bool unplug(Tap &tap, Em28xxDevice &dev, const Em28xxNodes &n, const std::string &tag)
{
	std::string err;
	long long t0 = now_ms();

	tap.diag(prefixed(tag, "device before unplug: " + dev.stats().str()));
	bool stopped = dev.unplug(kUnplugBound, &err);
	check(tap, stopped, prefixed(tag, "emulator threads stopped and raw-gadget fd released"), err);
	std::string left;
	bool gone = wait_em28xx_gone(n, kGoneBound, &left);
	check(tap, gone, prefixed(tag, "USB device and its nodes left sysfs after unplug"),
		  "still there after " + std::to_string(kGoneBound.count()) + " ms:" + left);
	if (gone)
		tap.diag(prefixed(tag, "unplug to gone: " + std::to_string(now_ms() - t0) + " ms"));
	return stopped && gone;
}

UniqueFd open_checked(Tap &tap, const std::string &path, const std::string &tag)
{
	SysResult r;
	UniqueFd fd = open_node(path, O_RDWR, &r);

	check(tap, bool(fd), prefixed(tag, "open " + path), r.str());
	return fd;
}

bool close_bounded(Tap &tap, UniqueFd &fd, const std::string &name)
{
	int raw = fd.release();
	auto r = std::make_shared<SysResult>();

	if (raw < 0)
		return true;
	bool done = run_bounded([raw, r] { *r = sys([&] { return ::close(raw); }); }, kSyscallBound);
	if (!check(tap, done, "close(" + name + ") returns in time",
		       "hung > " + std::to_string(kSyscallBound.count()) + " ms"))
		return false;
	return check(tap, r->ok(), "close(" + name + ") succeeds", r->str());
}

std::optional<SysResult> bounded_read(int fd, size_t len, Millis bound)
{
	struct Call {
		std::vector<char> buf;
		SysResult r;
	};
	auto c = std::make_shared<Call>(Call{ std::vector<char>(len), {} });

	if (!run_bounded([c, fd] { c->r = sys([&] { return ::read(fd, c->buf.data(),
								 c->buf.size()); }); },
			 bound))
		return std::nullopt;
	return c->r;
}

bool sysfs_write_bounded(Tap &tap, const std::string &path, const std::string &text)
{
	auto err = std::make_shared<std::string>();
	auto ok = std::make_shared<bool>(false);
	bool done = run_bounded([=] { *ok = write_file(path, text, err.get()); }, kGoneBound);

	if (!check(tap, done, "write " + text + " > " + path + " returns in time",
		       "hung > " + std::to_string(kGoneBound.count()) + " ms"))
		return false;
	return check(tap, *ok, "write " + text + " > " + path, *err);
}

bool start_streaming(Tap &tap, int fd, std::vector<Mapping> *maps)
{
	v4l2_requestbuffers req{};

	req.count = 4;
	req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	req.memory = V4L2_MEMORY_MMAP;
	SysResult r = xioctl(fd, VIDIOC_REQBUFS, &req);
	if (!check(tap, r.ok() && req.count >= 2, "REQBUFS MMAP", r.str() + " count " +
								 std::to_string(req.count)))
		return false;
	for (unsigned i = 0; i < req.count; i++) {
		v4l2_buffer b{};

		b.index = i;
		b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		b.memory = V4L2_MEMORY_MMAP;
		r = xioctl(fd, VIDIOC_QUERYBUF, &b);
		if (!check(tap, r.ok(), "QUERYBUF " + std::to_string(i), r.str()))
			return false;
		void *p = ::mmap(nullptr, b.length, PROT_READ, MAP_SHARED, fd, b.m.offset);
		if (!check(tap, p != MAP_FAILED, "mmap buffer " + std::to_string(i),
			       errno_name(errno_value())))
			return false;
		maps->emplace_back(p, b.length);
		r = xioctl(fd, VIDIOC_QBUF, &b);
		if (!check(tap, r.ok(), "QBUF " + std::to_string(i), r.str()))
			return false;
	}
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	r = xioctl(fd, VIDIOC_STREAMON, &type);
	return check(tap, r.ok(), "STREAMON", r.str());
}

} // namespace mct::emu

// SPDX-License-Identifier: GPL-2.0
// em28xx scenarios in which an I2C subdev goes while em28xx stays. The
// emulated board poses as an EM2860/SAA711X reference design (card=19,
// chip id EM2860) with an SAA7113 decoder at 0x4a (Decoder::Saa7113).
// saa7115 binds it when em28xx_v4l registers its subdevs, and
// v4l2_device_register_subdev() merges the decoder's controls into
// em28xx's handler: the brightness of the video node is the decoder's
// (em28xx adds its own image controls only when no subdev has them). The
// decoder then goes through its own driver, a write to
// /sys/bus/i2c/drivers/saa7115/unbind, with the video node open.
//
// em28xx-decoder-unbind-ctrls: after the unbind the control ioctls of the
//   video node must no longer find the decoder's controls (EINVAL), and
//   the video ioctls that call the decoder must return. On the base kernel
//   the G_CTRL after the unbind reads the decoder's freed control:
//   saa711x_remove() frees its controls with v4l2_ctrl_handler_free(),
//   which leaves the references em28xx's handler holds to them, and the
//   lookup of the brightness follows one (KASAN slab-use-after-free, from
//   the console detectors).
//
// em28xx-decoder-unbind-stalled-ctrl: while streaming, an S_CTRL of the
//   brightness is held by the emulator inside its I2C write to the
//   decoder (saa711x_s_ctrl()), and the decoder is unbound meanwhile: the
//   unbind must wait for the call in flight; the call must then return,
//   and the control be gone. On the base kernel the unbind waits too, in
//   v4l2_ctrl_handler_free() of saa711x_remove(), which takes the
//   decoder's handler lock that the S_CTRL holds from set_ctrl_lock(): the
//   S_CTRL ends before the controls are freed, and the scenario fails at
//   the G_CTRL after the unbind, as em28xx-decoder-unbind-ctrls (KASAN).
//   The kernel stack of the waiting unbind is reported in a diagnostic.
//
// em28xx-decoder-unbind-stalled-std: the same with VIDIOC_S_STD, held in
//   saa711x_s_std()'s first write (on an SAA7113, R_15_VGATE_START_FID_CHG
//   of the 50 and 60 Hz tables), without streaming (em28xx refuses S_STD
//   while streaming). The call goes through v4l2_device_call_all(), the
//   guarded subdev call. On the base kernel the unbind returns while the
//   S_STD runs in the decoder (v4l2_device_unregister_subdev() does not
//   wait, and nothing holds the handler lock), and the scenario fails on
//   that check; then saa711x_s_std() resumes in the decoder's state, which
//   the unbind freed (devm): KASAN slab-use-after-free, and the walk of the
//   subdev list goes on from the entry list_del() poisoned.
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <functional>
#include <linux/videodev2.h>
#include <memory>
#include <optional>
#include <string>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>
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

const std::string kSaa7115Driver = "/sys/bus/i2c/drivers/saa7115/";
// How long an unbind must stay blocked while the call it waits for is held
// in the decoder; kDecoderStallBound must leave room for it.
constexpr Millis kUnbindWaits{ 300 };
static_assert(kUnbindWaits * 2 < kDecoderStallBound);
// More controls than em28xx and the decoder have together.
constexpr int kMaxCtrls = 64;

std::string hex(unsigned long long v)
{
	char buf[24];

	std::snprintf(buf, sizeof(buf), "0x%llx", v);
	return buf;
}

std::string hung(Millis bound)
{
	return "hung > " + std::to_string(bound.count()) + " ms";
}

// dummy_hcd, raw_gadget, em28xx with the reference design in every slot of
// card= (see kCardSlots), saa7115, then em28xx_v4l. The guest has no
// modprobe helper for request_module(): saa7115 must be loaded when
// em28xx_v4l registers its subdevs.
bool load_decoder_modules(Tap &tap)
{
	const std::string slot = std::to_string(kSaa711xReferenceCard);
	std::string card = "em28xx card=" + slot;

	for (const char *m : { "dummy_hcd", "raw_gadget" })
		if (!check(tap, modprobe(m), std::string("modprobe ") + m))
			return false;
	for (int i = 1; i < kCardSlots; i++)
		card += "," + slot;
	if (!check(tap, modprobe(card), "modprobe " + card))
		return false;
	// A module loaded before keeps its parameters.
	std::string param = read_file("/sys/module/em28xx/parameters/card").value_or("");
	if (!check(tap, param.rfind(slot + "," + slot + ",", 0) == 0,
		   "em28xx runs with card=" + slot, "card=" + param))
		return false;
	return check(tap, modprobe("saa7115"), "modprobe saa7115") &&
	       check(tap, modprobe("em28xx_v4l"), "modprobe em28xx_v4l");
}

Em28xxDeviceOptions decoder_options()
{
	Em28xxDeviceOptions opt;

	opt.chip_id = kChipIdEm2860;
	opt.decoder = Decoder::Saa7113;
	return opt;
}

// Plugs the board and finds the decoder's I2C client bound to saa7115:
// *client gets its name, "<bus>-0025".
bool plug_with_decoder(Tap &tap, Em28xxDevice &dev, Em28xxNodes *n, std::string *client)
{
	if (!plug(tap, dev, n, ""))
		return false;
	auto adapters = i2c_adapters(n->intf);
	for (const auto &a : adapters) {
		std::string name = a.substr(a.rfind("i2c-") + 4) + "-0025";

		if (path_exists(kSaa7115Driver + name))
			*client = name;
	}
	if (!client->empty())
		tap.diag("decoder: " + kSaa7115Driver + *client + "; device: " + dev.stats().str());
	return check(tap, !client->empty(), "saa7115 bound the decoder's I2C client (<bus>-0025)",
		     "adapters of " + n->intf + ": " + joined(adapters) + "; bound to saa7115: " +
			     joined(glob_paths(kSaa7115Driver + "*-*")) +
			     "; device: " + dev.stats().str());
}

// Writes the client's name to saa7115's unbind, and checks it is gone.
bool unbind_decoder(Tap &tap, const std::string &client)
{
	if (!sysfs_write_bounded(tap, kSaa7115Driver + "unbind", client))
		return false;
	return check(tap, !path_exists(kSaa7115Driver + client),
		     "the decoder's client left saa7115", client + " still bound");
}

v4l2_queryctrl brightness_query()
{
	v4l2_queryctrl q{};

	q.id = V4L2_CID_BRIGHTNESS;
	return q;
}

v4l2_control brightness(int32_t value)
{
	v4l2_control c{};

	c.id = V4L2_CID_BRIGHTNESS;
	c.value = value;
	return c;
}

// QUERYCTRL of the brightness on the video node finds the decoder's control
// (0..255, default 128: saa711x_probe()), not em28xx's own (-128..127).
bool expect_decoder_brightness(Tap &tap, int fd)
{
	v4l2_queryctrl q = brightness_query();
	auto r = bounded_ioctl_io(fd, VIDIOC_QUERYCTRL, &q, kSyscallBound);

	if (!check(tap, r.has_value(), "QUERYCTRL brightness returns in time",
		   hung(kSyscallBound)) ||
	    !check(tap, r->ok(), "QUERYCTRL brightness succeeds", r->str()))
		return false;
	return check(tap, q.minimum == 0 && q.maximum == 255 && q.default_value == 128,
		     "the brightness is the decoder's (0..255, default 128), in em28xx's handler",
		     std::to_string(q.minimum) + ".." + std::to_string(q.maximum) + ", default " +
			     std::to_string(q.default_value));
}

// The current brightness, as a check.
bool get_brightness(Tap &tap, int fd, int32_t *value)
{
	v4l2_control c = brightness(0);
	auto r = bounded_ioctl_io(fd, VIDIOC_G_CTRL, &c, kSyscallBound);

	if (!check(tap, r && r->ok(), "G_CTRL brightness", r ? r->str() : hung(kSyscallBound)))
		return false;
	*value = c.value;
	tap.diag("brightness " + std::to_string(c.value));
	return true;
}

// An ioctl that must fail with err, within kSyscallBound.
template <class T>
bool expect_errno(Tap &tap, const std::string &name, int fd, unsigned long req, T arg, int err)
{
	auto r = bounded_ioctl(fd, req, arg, kSyscallBound);

	if (!check(tap, r.has_value(), name + " returns in time", hung(kSyscallBound)))
		return false;
	tap.diag(name + ": " + r->str());
	return check(tap, !r->ok() && r->err == err, name + " fails with " + errno_name(err),
		     r->str());
}

// G_EXT_CTRLS of the brightness alone; the control array lives with the
// call's thread.
std::optional<SysResult> g_ext_brightness(int fd, Millis bound)
{
	struct Call {
		v4l2_ext_control c{};
		v4l2_ext_controls cs{};
		SysResult r;
	};
	auto call = std::make_shared<Call>();

	call->c.id = V4L2_CID_BRIGHTNESS;
	call->cs.which = V4L2_CTRL_WHICH_CUR_VAL;
	call->cs.count = 1;
	call->cs.controls = &call->c;
	if (!run_bounded([call, fd] { call->r = xioctl(fd, VIDIOC_G_EXT_CTRLS, &call->cs); },
			 bound))
		return std::nullopt;
	return call->r;
}

// The controls of a node, enumerated by QUERYCTRL with
// V4L2_CTRL_FLAG_NEXT_CTRL.
struct CtrlList {
	bool ended = false;	// the enumeration ended with EINVAL
	std::string why;	// how it did not end
	std::vector<uint32_t> ids;

	bool has(uint32_t id) const
	{
		for (uint32_t i : ids)
			if (i == id)
				return true;
		return false;
	}

	std::string str() const
	{
		std::string s;

		for (uint32_t i : ids)
			s += (s.empty() ? "" : " ") + hex(i);
		return s.empty() ? "none" : s;
	}
};

// Each step bounded, at most kMaxCtrls steps, ids increasing.
CtrlList enumerate_ctrls(int fd)
{
	CtrlList l;
	uint32_t id = 0;

	for (int i = 0; i <= kMaxCtrls; i++) {
		v4l2_queryctrl q{};

		q.id = id | V4L2_CTRL_FLAG_NEXT_CTRL;
		auto r = bounded_ioctl_io(fd, VIDIOC_QUERYCTRL, &q, kSyscallBound);
		if (!r) {
			l.why = "QUERYCTRL after " + hex(id) + " " + hung(kSyscallBound);
			return l;
		}
		if (!r->ok()) {
			l.ended = r->err == EINVAL;
			if (!l.ended)
				l.why = "QUERYCTRL after " + hex(id) + ": " + r->str();
			return l;
		}
		if (q.id <= id) {
			l.why = "QUERYCTRL after " + hex(id) + " gave " + hex(q.id);
			return l;
		}
		id = q.id;
		l.ids.push_back(id);
	}
	l.why = "more than " + std::to_string(kMaxCtrls) + " controls";
	return l;
}

// A norm other than cur.
v4l2_std_id other_norm(v4l2_std_id cur)
{
	return cur == V4L2_STD_NTSC_M ? V4L2_STD_PAL_B : V4L2_STD_NTSC_M;
}

// G_STD as a check.
bool get_std(Tap &tap, int fd, v4l2_std_id *norm)
{
	auto r = bounded_ioctl_io(fd, VIDIOC_G_STD, norm, kSyscallBound);

	if (!check(tap, r && r->ok(), "G_STD", r ? r->str() : hung(kSyscallBound)))
		return false;
	tap.diag("norm " + hex(*norm));
	return true;
}

// write(2) of text to a sysfs file as a SysResult.
SysResult sysfs_write(const std::string &path, const std::string &text)
{
	UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));

	if (!fd)
		return { -1, errno };
	return sys([&] { return ::write(fd.get(), text.data(), text.size()); });
}

// A call on its own thread, detached (it may stay in the kernel): r holds
// its result once done.
struct Background {
	std::atomic<bool> done{ false };
	std::atomic<pid_t> tid{ 0 };
	SysResult r;

	static std::shared_ptr<Background> start(std::function<SysResult()> fn)
	{
		auto b = std::make_shared<Background>();

		std::thread([b, fn = std::move(fn)] {
			b->tid = static_cast<pid_t>(::syscall(SYS_gettid));
			b->r = fn();
			b->done = true;
		}).detach();
		wait_until([&] { return b->tid.load() != 0; }, 5s);
		return b;
	}

	bool wait(Millis bound) const
	{
		return wait_until([&] { return done.load(); }, bound);
	}

	std::string str() const { return done ? r.str() : "still running"; }

	// The kernel stack of the thread on one line, "" when unreadable.
	std::string stack() const
	{
		std::string s = read_file("/proc/self/task/" + std::to_string(tid) + "/stack")
					.value_or("");

		for (auto &c : s)
			if (c == '\n')
				c = ' ';
		return s;
	}
};

// Runs call on its own thread with the decoder write of subaddr stalled,
// and unbinds the decoder while the call is held there: the unbind must
// not have returned kUnbindWaits later, and must return once the stall is
// released and the call returned. False when the call or the unbind did
// not return (or the call was never held).
bool unbind_under_stalled_call(Tap &tap, Em28xxDevice &dev, const std::string &client,
			       uint8_t subaddr, const std::string &what,
			       std::function<SysResult()> call)
{
	dev.arm_decoder_stall(subaddr);
	auto c = Background::start(std::move(call));
	bool stalled = dev.wait_decoder_stalled(kSyscallBound);
	if (!check(tap, stalled && !c->done,
		   what + " is held in its I2C write of decoder register " + hex(subaddr),
		   (c->done ? "returned: " + c->r.str() : "no stall") +
			   "; device: " + dev.stats().str())) {
		dev.release_decoder_stall();
		c->wait(kSyscallBound);
		return false;
	}

	const std::string path = kSaa7115Driver + "unbind";
	auto u = Background::start([path, client] { return sysfs_write(path, client); });
	std::this_thread::sleep_for(kUnbindWaits);
	bool waits = !u->done;
	std::string stack = waits ? u->stack() : "";
	Em28xxDeviceStats st = dev.stats();
	bool held = st.decoder_stalled && !c->done;
	dev.release_decoder_stall();

	std::string window = std::to_string(kUnbindWaits.count()) + " ms";
	check(tap, held, what + " was still held in the decoder " + window + " into the unbind",
	      (c->done ? "returned: " + c->r.str() : "the stall ended by its bound") +
		      "; device: " + st.str());
	if (waits)
		tap.diag("the unbind waits in: " + stack);
	check(tap, waits,
	      "the unbind waits for " + what + " in flight in the decoder (not returned after " +
		      window + ")",
	      "returned: " + u->r.str());

	bool returned = c->wait(kSyscallBound);
	check(tap, returned, what + " returns once the stall is released", hung(kSyscallBound));
	if (returned)
		tap.diag(what + ": " + c->r.str());
	bool unbound = u->wait(kGoneBound);
	check(tap, unbound && u->r.ok(), "the unbind returns after " + what, u->str());
	if (unbound)
		check(tap, !path_exists(kSaa7115Driver + client),
		      "the decoder's client left saa7115", client + " still bound");
	tap.diag("device after the release: " + dev.stats().str());
	return returned && unbound;
}

} // namespace

MCT_SCENARIO(em28xx_decoder_unbind_ctrls, "em28xx-decoder-unbind-ctrls",
	     "unbind em28xx's saa7115 decoder with the video node open; control and video ioctls")
{
	Em28xxDevice dev(decoder_options());
	Em28xxNodes n;
	std::string client;

	if (!load_decoder_modules(tap) || !plug_with_decoder(tap, dev, &n, &client))
		return;
	UniqueFd video = open_checked(tap, n.video, "");
	if (!video || !expect_decoder_brightness(tap, video.get()))
		return;
	int fd = video.get();
	CtrlList before = enumerate_ctrls(fd);
	tap.diag("controls before the unbind: " + before.str());
	check(tap, before.ended && before.has(V4L2_CID_BRIGHTNESS),
	      "the controls of the video node include the brightness",
	      before.ended ? before.str() : before.why);

	if (!unbind_decoder(tap, client))
		return;
	// The base kernel reads the freed control here.
	expect_errno(tap, "G_CTRL brightness after the unbind", fd, VIDIOC_G_CTRL, brightness(0),
		     EINVAL);
	expect_errno(tap, "S_CTRL brightness after the unbind", fd, VIDIOC_S_CTRL,
		     brightness(100), EINVAL);
	expect_errno(tap, "QUERYCTRL brightness after the unbind", fd, VIDIOC_QUERYCTRL,
		     brightness_query(), EINVAL);
	auto ext = g_ext_brightness(fd, kSyscallBound);
	if (check(tap, ext.has_value(), "G_EXT_CTRLS brightness after the unbind returns in time",
		  hung(kSyscallBound))) {
		tap.diag("G_EXT_CTRLS brightness after the unbind: " + ext->str());
		check(tap, !ext->ok() && ext->err == EINVAL,
		      "G_EXT_CTRLS brightness after the unbind fails with EINVAL", ext->str());
	}
	CtrlList after = enumerate_ctrls(fd);
	tap.diag("controls after the unbind: " + after.str());
	check(tap, after.ended, "the enumeration of the controls ends after the unbind", after.why);
	check(tap, !after.has(V4L2_CID_BRIGHTNESS),
	      "the controls of the video node no longer include the brightness", after.str());

	// The video ioctls that call the decoder: they must return, whatever
	// they answer.
	v4l2_std_id norm = 0;
	if (get_std(tap, fd, &norm)) {
		v4l2_std_id other = other_norm(norm);
		auto r = bounded_ioctl(fd, VIDIOC_S_STD, other, kSyscallBound);

		if (check(tap, r.has_value(), "S_STD after the unbind returns in time",
			  hung(kSyscallBound)))
			tap.diag("S_STD " + hex(other) + " after the unbind: " + r->str());
	}
	auto r = bounded_ioctl(fd, VIDIOC_S_INPUT, 0, kSyscallBound);
	if (check(tap, r.has_value(), "S_INPUT 0 after the unbind returns in time",
		  hung(kSyscallBound)))
		tap.diag("S_INPUT 0 after the unbind: " + r->str());
	v4l2_format fmt{};
	fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	expect_ok(tap, "G_FMT after the unbind", fd, VIDIOC_G_FMT, fmt);

	unplug(tap, dev, n, "");
	close_bounded(tap, video, n.video);
}

MCT_SCENARIO(em28xx_decoder_unbind_stalled_ctrl, "em28xx-decoder-unbind-stalled-ctrl",
	     "unbind em28xx's saa7115 decoder while a streaming S_CTRL is held in its I2C write")
{
	Em28xxDevice dev(decoder_options());
	Em28xxNodes n;
	std::string client;
	int32_t cur = 0;

	if (!load_decoder_modules(tap) || !plug_with_decoder(tap, dev, &n, &client))
		return;
	UniqueFd video = open_checked(tap, n.video, "");
	if (!video || !expect_decoder_brightness(tap, video.get()))
		return;
	int fd = video.get();
	std::vector<Mapping> maps;
	if (!get_brightness(tap, fd, &cur) || !start_streaming(tap, fd, &maps))
		return;
	check(tap, dev.wait_stream_writes(4, 30s), "bulk IN transfers flow to em28xx URBs",
	      dev.stats().str());

	// saa711x_s_ctrl() writes the new value to R_0A_LUMA_BRIGHT_CNTL; the
	// control framework calls it only for a value that changes.
	int32_t value = cur != 64 ? 64 : 192;
	std::string what = "S_CTRL brightness " + std::to_string(value);
	bool done = unbind_under_stalled_call(tap, dev, client, kSaa7113RegBrightness, what,
					      [fd, value] {
						      v4l2_control c = brightness(value);
						      return xioctl(fd, VIDIOC_S_CTRL, &c);
					      });
	// The base kernel reads the freed control here.
	if (done)
		expect_errno(tap, "G_CTRL brightness after the unbind", fd, VIDIOC_G_CTRL,
			     brightness(0), EINVAL);

	unplug(tap, dev, n, "");
	maps.clear();
	close_bounded(tap, video, n.video);
}

MCT_SCENARIO(em28xx_decoder_unbind_stalled_std, "em28xx-decoder-unbind-stalled-std",
	     "unbind em28xx's saa7115 decoder while an S_STD is held in its I2C write")
{
	Em28xxDevice dev(decoder_options());
	Em28xxNodes n;
	std::string client;
	v4l2_std_id norm = 0;

	if (!load_decoder_modules(tap) || !plug_with_decoder(tap, dev, &n, &client))
		return;
	UniqueFd video = open_checked(tap, n.video, "");
	if (!video || !expect_decoder_brightness(tap, video.get()))
		return;
	int fd = video.get();
	if (!get_std(tap, fd, &norm))
		return;

	// em28xx's vidioc_s_std() calls the decoder only for a norm that
	// changes; saa711x_set_v4lstd() writes only when it differs from the
	// decoder's, which em28xx set to the same norm at init.
	v4l2_std_id other = other_norm(norm);
	std::string what = "S_STD " + hex(other);
	bool done = unbind_under_stalled_call(tap, dev, client, kSaa7113RegVgateStart, what,
					      [fd, other] {
						      v4l2_std_id s = other;
						      return xioctl(fd, VIDIOC_S_STD, &s);
					      });
	if (done)
		expect_errno(tap, "G_CTRL brightness after the unbind", fd, VIDIOC_G_CTRL,
			     brightness(0), EINVAL);

	unplug(tap, dev, n, "");
	close_bounded(tap, video, n.video);
}

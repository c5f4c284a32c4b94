// SPDX-License-Identifier: GPL-2.0
#include "em28xx_device.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <endian.h>
#include <linux/usb/ch9.h>
#include <mutex>
#include <pthread.h>

#include "raw_gadget.hpp"

namespace mct::emu {

// The signal that interrupts the serving threads' raw-gadget ioctls.
static constexpr int kWakeSignal = SIGUSR1;
// raw_gadget registers its gadget driver as raw-gadget.N on the gadget bus.
static const char kGadgetDrivers[] = "/sys/bus/gadget/drivers/raw-gadget.*";
// DEBUG_KOBJECT_RELEASE delays a release by HZ + HZ * (0..3) jiffies: 1-4 s.
static constexpr Millis kDriverGoneBound = 8s;

static void wake_handler(int)
{
}

static bool install_wake_signal(std::string *err)
{
	static std::once_flag once;
	static int rc = 0;
	static int saved_errno = 0;

	std::call_once(once, [] {
		struct sigaction sa {};

		sa.sa_handler = wake_handler;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = 0;	// no SA_RESTART: blocked ioctls return EINTR
		rc = ::sigaction(kWakeSignal, &sa, nullptr);
		saved_errno = errno;
	});
	if (rc && err)
		*err = "sigaction(SIGUSR1): " + errno_name(saved_errno);
	return rc == 0;
}

std::string Em28xxDeviceStats::str() const
{
	std::string s;

	s += "ctrl=" + std::to_string(model.requests);
	s += " stalls=" + std::to_string(model.stalls);
	s += " reg_rd=" + std::to_string(model.reg_reads);
	s += " reg_wr=" + std::to_string(model.reg_writes);
	s += " i2c=" + std::to_string(model.i2c_transfers);
	if (model.decoder_transfers)
		s += " i2c_decoder=" + std::to_string(model.decoder_transfers);
	s += " set_config=" + std::to_string(model.set_configuration);
	s += " set_intf=" + std::to_string(model.set_interface);
	s += " resets=" + std::to_string(resets);
	s += " bulk_xfers=" + std::to_string(stream_writes);
	s += " bulk_bytes=" + std::to_string(stream_bytes);
	s += " bulk_errors=" + std::to_string(stream_errors);
	s += " ep0_errors=" + std::to_string(ep0_errors);
	if (decoder_stalls)
		s += " decoder_stalls=" + std::to_string(decoder_stalls) + " timed_out=" +
		     std::to_string(decoder_stall_timeouts) + (decoder_stalled ? " held" : "");
	if (!last_error.empty())
		s += " last_error=\"" + last_error + "\"";
	if (!recent.empty()) {
		s += " recent:";
		for (const auto &r : recent) {
			s += " [";
			s += r;
			s += ']';
		}
	}
	return s;
}

// State shared with the serving threads; they hold a reference so that a
// thread that does not stop in time never sees freed memory.
struct Em28xxDevice::Shared {
	Em28xxDeviceOptions opt;
	RawGadget gadget;
	mutable std::mutex mu;
	mutable std::condition_variable cv;
	Em28xxModel model;		// under mu
	Em28xxDeviceStats stats;	// under mu
	int ep_handle = -1;		// under mu; bulk IN once configured
	// The decoder stall, under mu: armed for the subaddress, released.
	bool stall_armed = false;
	uint8_t stall_subaddr = 0;
	bool stall_released = false;
	std::atomic<bool> stop{ false };
	std::atomic<bool> ep0_running{ false };
	std::atomic<bool> stream_running{ false };

	void error(const std::string &what, const SysResult &r);
	void ep0_loop();
	void control(const struct usb_ctrlrequest &req);
	bool apply(const Ep0Reply &reply);
	bool take_decoder_stall(const SetupPacket &s, std::span<const uint8_t> data);
	void hold_decoder_stall();
	void release_decoder_stall();
	void stream_loop();
	int wait_endpoint();
};

void Em28xxDevice::Shared::error(const std::string &what, const SysResult &r)
{
	std::lock_guard<std::mutex> lock(mu);

	stats.last_error = what + ": " + r.str();
}

// Device-side work a request needs before its status stage.
bool Em28xxDevice::Shared::apply(const Ep0Reply &reply)
{
	if (reply.effect != Ep0Effect::SetConfiguration)
		return true;

	std::unique_lock<std::mutex> lock(mu);
	bool enabled = ep_handle >= 0;

	lock.unlock();
	if (reply.effect_value && !enabled) {
		SysResult r = gadget.ep_enable(stream_endpoint_descriptor());

		if (!r.ok()) {
			error("EP_ENABLE 0x82", r);
			return false;
		}
		lock.lock();
		ep_handle = static_cast<int>(r.rc);
		lock.unlock();
	}
	SysResult r = gadget.vbus_draw(kMaxPower2mA);
	if (!r.ok())
		error("VBUS_DRAW", r);
	r = gadget.configure();
	if (!r.ok()) {
		error("CONFIGURE", r);
		return false;
	}
	lock.lock();
	stats.configured = reply.effect_value != 0;
	cv.notify_all();
	return true;
}

// Whether the OUT request s with its data stage is the write to stall;
// disarms the stall when it is. Under mu.
bool Em28xxDevice::Shared::take_decoder_stall(const SetupPacket &s, std::span<const uint8_t> data)
{
	if (!stall_armed || !model.is_decoder_write(s) || data.empty() || data[0] != stall_subaddr)
		return false;
	stall_armed = false;
	stall_released = false;
	return true;
}

// Holds the ep0 thread until the release, the unplug or kDecoderStallBound.
void Em28xxDevice::Shared::hold_decoder_stall()
{
	std::unique_lock<std::mutex> lock(mu);

	stats.decoder_stalls++;
	stats.decoder_stalled = true;
	cv.notify_all();
	if (!cv.wait_for(lock, kDecoderStallBound, [&] { return stall_released || stop; }))
		stats.decoder_stall_timeouts++;
	stats.decoder_stalled = false;
}

void Em28xxDevice::Shared::release_decoder_stall()
{
	std::lock_guard<std::mutex> lock(mu);

	stall_armed = false;
	stall_released = true;
	cv.notify_all();
}

void Em28xxDevice::Shared::control(const struct usb_ctrlrequest &req)
{
	SetupPacket s{ req.bRequestType, req.bRequest, le16toh(req.wValue), le16toh(req.wIndex),
		       le16toh(req.wLength) };
	Ep0Reply reply;
	SysResult r;
	bool stall = false;

	{
		std::lock_guard<std::mutex> lock(mu);
		reply = model.setup(s);
	}
	if (reply.action != Ep0Action::Stall && !apply(reply))
		reply.action = Ep0Action::Stall;

	switch (reply.action) {
	case Ep0Action::Stall:
		r = gadget.ep0_stall();
		break;
	case Ep0Action::Send:
		r = gadget.ep0_write(reply.data, reply.zlp);
		break;
	case Ep0Action::Ack:
		r = gadget.ep0_read({});
		break;
	case Ep0Action::Receive: {
		std::vector<uint8_t> buf(s.length);

		r = gadget.ep0_read(buf);
		if (r.ok()) {
			std::lock_guard<std::mutex> lock(mu);

			buf.resize(static_cast<size_t>(r.rc));
			model.receive(s, buf);
			stall = take_decoder_stall(s, buf);
		}
		// The data stage is in: the host's next control message (the
		// I2C status read) waits for the stall to end.
		if (stall)
			hold_decoder_stall();
		break;
	}
	}
	if (!r.ok() && !(r.err == EINTR && stop)) {
		error("ep0 answer to " + s.str(), r);
		std::lock_guard<std::mutex> lock(mu);
		stats.ep0_errors++;
	}
	static const char *const names[] = { "stall", "send", "ack", "receive" };
	std::lock_guard<std::mutex> lock(mu);
	stats.model = model.counters();
	if (stats.recent.size() >= Em28xxDeviceStats::kRecent)
		stats.recent.erase(stats.recent.begin());
	std::string line = s.str();
	line += '>';
	line += names[static_cast<int>(reply.action)];
	if (!r.ok()) {
		line += ' ';
		line += errno_name(r.err);
	}
	stats.recent.push_back(std::move(line));
}

void Em28xxDevice::Shared::ep0_loop()
{
	while (!stop) {
		RawEvent ev;
		SysResult r = gadget.fetch_event(&ev);

		if (!r.ok()) {
			if (r.err == EINTR)
				continue;
			error("EVENT_FETCH", r);
			break;
		}
		{
			std::lock_guard<std::mutex> lock(mu);

			stats.events++;
			if (ev.type == kRawEventReset)
				stats.resets++;
			if (ev.type == kRawEventDisconnect)
				stats.disconnects++;
		}
		if (ev.type == kRawEventControl && ev.length >= sizeof(struct usb_ctrlrequest)) {
			struct usb_ctrlrequest req;

			std::memcpy(&req, ev.data, sizeof(req));
			control(req);
		}
	}
	ep0_running = false;
}

// The bulk endpoint handle once the host configured the device, -1 when
// asked to stop first.
int Em28xxDevice::Shared::wait_endpoint()
{
	std::unique_lock<std::mutex> lock(mu);

	while (!stop && ep_handle < 0)
		cv.wait_for(lock, 50ms);
	return stop ? -1 : ep_handle;
}

void Em28xxDevice::Shared::stream_loop()
{
	int handle = wait_endpoint();
	uint32_t seq = 0;

	while (handle >= 0 && !stop) {
		std::vector<uint8_t> chunk = stream_chunk(seq, opt.chunk_len);
		// Blocks until the host's URBs took the data.
		SysResult r = gadget.ep_write(handle, chunk);

		if (r.ok()) {
			std::lock_guard<std::mutex> lock(mu);

			stats.stream_writes++;
			stats.stream_bytes += static_cast<unsigned long long>(r.rc);
			seq++;
			continue;
		}
		if (r.err == EINTR)
			continue;
		// ESHUTDOWN/ECONNRESET when the host reset or dropped the
		// endpoint: try again a little later.
		{
			std::lock_guard<std::mutex> lock(mu);

			stats.stream_errors++;
			stats.last_error = "EP_WRITE 0x82: " + r.str();
		}
		std::this_thread::sleep_for(20ms);
	}
	stream_running = false;
}

Em28xxDevice::Em28xxDevice(Em28xxDeviceOptions opt) : opt_(std::move(opt))
{
}

Em28xxDevice::~Em28xxDevice()
{
	std::string err;

	if (plugged_)
		unplug(5s, &err);
}

bool Em28xxDevice::plug(std::string *err)
{
	if (plugged_) {
		*err = "already plugged";
		return false;
	}
	if (!install_wake_signal(err))
		return false;
	sh_ = std::make_shared<Shared>();
	sh_->opt = opt_;
	sh_->model = Em28xxModel(opt_.chip_id, opt_.decoder);

	SysResult r = sh_->gadget.open(opt_.udc_driver, opt_.udc_device, kDeviceSpeed);
	if (!r.ok()) {
		*err = "raw-gadget open/INIT on " + opt_.udc_driver + "/" + opt_.udc_device + ": " +
		       r.str();
		sh_.reset();
		return false;
	}
	// EVENT_FETCH refuses to run before RUN; the events RUN causes
	// (connect, the host's first requests) wait in the gadget's queue.
	auto before = glob_paths(kGadgetDrivers);
	r = sh_->gadget.run();
	if (!r.ok()) {
		*err = "raw-gadget RUN on " + opt_.udc_device + ": " + r.str();
		sh_->gadget.close();
		sh_.reset();
		return false;
	}
	driver_dir_.clear();
	for (const auto &d : glob_paths(kGadgetDrivers))
		if (std::find(before.begin(), before.end(), d) == before.end())
			driver_dir_ = d;
	sh_->ep0_running = true;
	sh_->stream_running = opt_.stream;
	ep0_ = std::thread([sh = sh_] { sh->ep0_loop(); });
	if (opt_.stream)
		stream_ = std::thread([sh = sh_] { sh->stream_loop(); });
	plugged_ = true;
	return true;
}

bool Em28xxDevice::unplug(Millis timeout, std::string *err)
{
	if (!plugged_) {
		*err = "not plugged";
		return false;
	}
	plugged_ = false;
	sh_->stop = true;
	// A held decoder stall waits on cv, not in an ioctl: no signal ends it.
	sh_->release_decoder_stall();

	// A signal may land just before a thread enters its ioctl: repeat it
	// until both threads are out.
	long long end = now_ms() + timeout.count();
	while (sh_->ep0_running || sh_->stream_running) {
		if (now_ms() >= end)
			break;
		if (sh_->ep0_running && ep0_.joinable())
			pthread_kill(ep0_.native_handle(), kWakeSignal);
		if (sh_->stream_running && stream_.joinable())
			pthread_kill(stream_.native_handle(), kWakeSignal);
		std::this_thread::sleep_for(2ms);
	}
	bool stuck = sh_->ep0_running || sh_->stream_running;
	for (std::thread *t : { &ep0_, &stream_ }) {
		if (!t->joinable())
			continue;
		if (stuck)
			t->detach();
		else
			t->join();
	}
	// Releasing the fd unregisters the gadget: the host sees the unplug.
	sh_->gadget.close();
	if (stuck) {
		*err = std::string("raw-gadget thread did not stop within ") +
		       std::to_string(timeout.count()) + " ms:" +
		       (sh_->ep0_running ? " ep0" : "") + (sh_->stream_running ? " stream" : "");
		return false;
	}
	if (!driver_dir_.empty() &&
	    !wait_until([&] { return !path_exists(driver_dir_); }, kDriverGoneBound)) {
		*err = driver_dir_ + " still present " + std::to_string(kDriverGoneBound.count()) +
		       " ms after the release";
		return false;
	}
	return true;
}

bool Em28xxDevice::wait_configured(Millis timeout) const
{
	if (!sh_)
		return false;
	std::unique_lock<std::mutex> lock(sh_->mu);
	return sh_->cv.wait_for(lock, timeout, [&] { return sh_->stats.configured; });
}

bool Em28xxDevice::wait_stream_writes(unsigned long n, Millis timeout) const
{
	if (!sh_)
		return false;
	return wait_until(
		[&] {
			std::lock_guard<std::mutex> lock(sh_->mu);
			return sh_->stats.stream_writes >= n;
		},
		timeout);
}

void Em28xxDevice::arm_decoder_stall(uint8_t subaddr)
{
	if (!sh_)
		return;
	std::lock_guard<std::mutex> lock(sh_->mu);
	sh_->stall_armed = true;
	sh_->stall_subaddr = subaddr;
}

bool Em28xxDevice::wait_decoder_stalled(Millis timeout) const
{
	if (!sh_)
		return false;
	std::unique_lock<std::mutex> lock(sh_->mu);
	return sh_->cv.wait_for(lock, timeout, [&] { return sh_->stats.decoder_stalled; });
}

void Em28xxDevice::release_decoder_stall()
{
	if (sh_)
		sh_->release_decoder_stall();
}

Em28xxDeviceStats Em28xxDevice::stats() const
{
	if (!sh_)
		return {};
	std::lock_guard<std::mutex> lock(sh_->mu);
	return sh_->stats;
}

} // namespace mct::emu

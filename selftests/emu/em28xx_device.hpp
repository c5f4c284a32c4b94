// SPDX-License-Identifier: GPL-2.0
// An emulated Hauppauge USB Live2 (em2828X) on dummy_hcd + raw_gadget,
// run in-process by a scenario:
//
//	Em28xxDevice dev;
//	dev.plug(&err);		// em28xx probes, /dev/video*, vbi*, media* appear
//	...
//	dev.unplug(2s, &err);	// the host sees a disconnect
//
// Two threads serve the device: the ep0 thread answers control requests
// with Em28xxModel, the stream thread feeds the bulk IN endpoint 0x82 with
// stream_chunk()s whenever the host has URBs queued (so URBs are in flight
// when the device goes away during streaming).
//
// Unplug releases the raw-gadget fd. A close() alone does not release it
// while a thread sits in a raw-gadget ioctl (the ioctl holds the file), so
// unplug() interrupts the threads with a signal installed without
// SA_RESTART, joins them, then closes the fd.
//
// With the decoder on, a scenario can hold the kernel inside one I2C write
// to it:
//
//	dev.arm_decoder_stall(kSaa7113RegBrightness);
//	... an ioctl on its own thread writes the brightness ...
//	dev.wait_decoder_stalled(10s);	// the ioctl is inside the transfer
//	...
//	dev.release_decoder_stall();	// the transfer completes
//
// The ep0 thread takes the data stage of that write, then answers nothing
// until the release: em28xx_i2c_send_bytes() does not see the transfer end
// (it waits for its read of the I2C status register), and the I2C adapter
// stays locked.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "em28xx_proto.hpp"
#include "mct/sys.hpp"

namespace mct::emu {

struct Em28xxDeviceOptions {
	std::string udc_driver = "dummy_udc";
	std::string udc_device = "dummy_udc.0";
	// Feed the bulk endpoint; without it every host URB stays pending.
	bool stream = true;
	size_t chunk_len = kStreamChunkLen;
	// What register 0x0a answers: the chip em28xx drives.
	uint8_t chip_id = kChipIdEm2828x;
	// The chip on the I2C bus (Decoder::None: every transfer NACKs).
	Decoder decoder = Decoder::None;
};

// The longest a decoder stall holds the ep0 thread, from the end of the
// write's data stage. em28xx gives every control message 1000 ms (the
// usb_control_msg() calls of em28xx-core.c), the status read that the
// stall holds among them: the bound keeps the stall below that, so that
// the kernel never sees a timeout. When it passes, the ep0 thread goes on
// by itself, the transfer completes late but without an error, and
// decoder_stall_timeouts counts it: what the scenario meant to check
// while the kernel was held, it checked (partly) after the transfer.
// Were the bound past 1000 ms, em28xx would get -ETIMEDOUT from its status
// read and fail the I2C write, and the late answer would go to a request
// the host has given up on.
constexpr Millis kDecoderStallBound{ 800 };

struct Em28xxDeviceStats {
	ModelCounters model;
	unsigned long events = 0;
	unsigned long resets = 0;
	unsigned long disconnects = 0;
	unsigned long ep0_errors = 0;
	unsigned long stream_writes = 0;	// completed bulk transfers
	unsigned long long stream_bytes = 0;
	unsigned long stream_errors = 0;
	unsigned long decoder_stalls = 0;		// stalls entered
	unsigned long decoder_stall_timeouts = 0;	// ended by kDecoderStallBound
	bool decoder_stalled = false;			// one is held now
	bool configured = false;
	std::string last_error;		// "" or the last failed raw-gadget call
	// The last kRecent control requests, "c0 00 0000 000a 0001>send".
	static constexpr size_t kRecent = 8;
	std::vector<std::string> recent;

	// One line for a TAP diagnostic.
	std::string str() const;
};

class Em28xxDevice {
public:
	explicit Em28xxDevice(Em28xxDeviceOptions opt = {});
	~Em28xxDevice();
	Em28xxDevice(const Em28xxDevice &) = delete;
	Em28xxDevice &operator=(const Em28xxDevice &) = delete;

	// Opens /dev/raw-gadget, INIT + RUN on the UDC, starts the threads.
	// The host enumerates asynchronously.
	bool plug(std::string *err);
	// Stops the threads (bounded by timeout), releases the fd and waits
	// (bounded too) until the gadget driver has left sysfs: its name
	// raw-gadget.N is reused by the next plug, and DEBUG_KOBJECT_RELEASE
	// keeps the old one around for up to 4 s (RUN then fails with
	// EEXIST). Returns false when a thread did not stop or the driver did
	// not go in time (a stuck thread is left behind, the fd is released
	// anyway).
	bool unplug(Millis timeout, std::string *err);
	bool plugged() const { return plugged_; }

	// Bounded waits on what the host did.
	bool wait_configured(Millis timeout) const;
	bool wait_stream_writes(unsigned long n, Millis timeout) const;

	// Stalls the next I2C write to the decoder whose subaddress (first data
	// byte) is subaddr, once: the ep0 thread takes its data stage and then
	// holds until release_decoder_stall() or kDecoderStallBound. Arming
	// again replaces the subaddress. Needs the decoder on and the device
	// plugged.
	void arm_decoder_stall(uint8_t subaddr);
	// Until the ep0 thread holds a stall.
	bool wait_decoder_stalled(Millis timeout) const;
	// Ends the stall held, or disarms one not reached yet. unplug() does it
	// first.
	void release_decoder_stall();

	Em28xxDeviceStats stats() const;

	struct Shared;

private:
	Em28xxDeviceOptions opt_;
	std::shared_ptr<Shared> sh_;
	std::thread ep0_;
	std::thread stream_;
	bool plugged_ = false;
	// /sys/bus/gadget/drivers/raw-gadget.N of this device, "" if unknown.
	std::string driver_dir_;
};

} // namespace mct::emu

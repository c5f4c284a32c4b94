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
};

struct Em28xxDeviceStats {
	ModelCounters model;
	unsigned long events = 0;
	unsigned long resets = 0;
	unsigned long disconnects = 0;
	unsigned long ep0_errors = 0;
	unsigned long stream_writes = 0;	// completed bulk transfers
	unsigned long long stream_bytes = 0;
	unsigned long stream_errors = 0;
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

// SPDX-License-Identifier: GPL-2.0
// Thin checked wrappers around /dev/raw-gadget (CONFIG_USB_RAW_GADGET,
// UAPI linux/usb/raw_gadget.h). One RawGadget is one emulated USB device
// on a UDC (here dummy_hcd's dummy_udc.0); releasing its fd unplugs it.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "mct/fd.hpp"
#include "mct/sys.hpp"

namespace mct::emu {

// Event types of USB_RAW_IOCTL_EVENT_FETCH (the older UAPI headers lack
// the last four).
enum RawEventType : uint32_t {
	kRawEventInvalid = 0,
	kRawEventConnect = 1,
	kRawEventControl = 2,
	kRawEventSuspend = 3,
	kRawEventResume = 4,
	kRawEventReset = 5,
	kRawEventDisconnect = 6,
};

const char *raw_event_name(uint32_t type);

struct RawEvent {
	uint32_t type = kRawEventInvalid;
	uint32_t length = 0;
	// For kRawEventControl: the 8-byte struct usb_ctrlrequest.
	uint8_t data[64] = {};
};

class RawGadget {
public:
	// open("/dev/raw-gadget") + USB_RAW_IOCTL_INIT; speed is an enum
	// usb_device_speed value.
	SysResult open(const std::string &udc_driver, const std::string &udc_device, uint8_t speed);
	// USB_RAW_IOCTL_RUN: registers the gadget, the host sees a connect.
	SysResult run();
	// Blocks until an event comes; EINTR when a signal interrupted it.
	SysResult fetch_event(RawEvent *ev);
	// ep0 data stages: IN data (zlp: end with a zero-length packet), OUT
	// data (rc = bytes received; an empty buf acknowledges a request
	// without data stage), or a protocol stall.
	SysResult ep0_write(std::span<const uint8_t> data, bool zlp);
	SysResult ep0_read(std::span<uint8_t> buf);
	SysResult ep0_stall();
	// Non-control endpoints: rc of ep_enable is the handle for ep_write.
	SysResult ep_enable(std::span<const uint8_t> endpoint_descriptor);
	SysResult ep_disable(int handle);
	SysResult ep_write(int handle, std::span<const uint8_t> data);
	SysResult vbus_draw(uint32_t max_power_2ma);
	SysResult configure();

	int fd() const { return fd_.get(); }
	// Releases the fd: the gadget unregisters and the host sees a
	// disconnect once no ioctl holds the file any more.
	int close() { return fd_.reset(); }

private:
	UniqueFd fd_;
};

} // namespace mct::emu

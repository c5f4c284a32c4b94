// SPDX-License-Identifier: GPL-2.0
#include "raw_gadget.hpp"

#include <algorithm>
#include <cstring>
#include <fcntl.h>
#include <linux/usb/ch9.h>
#include <linux/usb/raw_gadget.h>
#include <sys/ioctl.h>
#include <vector>

namespace mct::emu {

const char *raw_event_name(uint32_t type)
{
	switch (type) {
	case kRawEventConnect:
		return "connect";
	case kRawEventControl:
		return "control";
	case kRawEventSuspend:
		return "suspend";
	case kRawEventResume:
		return "resume";
	case kRawEventReset:
		return "reset";
	case kRawEventDisconnect:
		return "disconnect";
	default:
		return "invalid";
	}
}

SysResult RawGadget::open(const std::string &udc_driver, const std::string &udc_device,
			  uint8_t speed)
{
	SysResult r;
	struct usb_raw_init init {};

	fd_ = open_node("/dev/raw-gadget", O_RDWR, &r);
	if (!fd_)
		return r;
	if (udc_driver.size() >= UDC_NAME_LENGTH_MAX || udc_device.size() >= UDC_NAME_LENGTH_MAX)
		return { -1, ENAMETOOLONG };
	std::memcpy(init.driver_name, udc_driver.c_str(), udc_driver.size() + 1);
	std::memcpy(init.device_name, udc_device.c_str(), udc_device.size() + 1);
	init.speed = speed;
	return xioctl(fd_.get(), USB_RAW_IOCTL_INIT, &init);
}

SysResult RawGadget::run()
{
	return sys([&] { return ::ioctl(fd_.get(), USB_RAW_IOCTL_RUN, 0); });
}

SysResult RawGadget::fetch_event(RawEvent *ev)
{
	// struct usb_raw_event ends with a flexible array: use raw storage.
	alignas(struct usb_raw_event) uint8_t buf[sizeof(struct usb_raw_event) + sizeof(ev->data)];
	auto *raw = reinterpret_cast<struct usb_raw_event *>(buf);

	std::memset(buf, 0, sizeof(buf));
	raw->length = sizeof(ev->data);
	SysResult r = xioctl(fd_.get(), USB_RAW_IOCTL_EVENT_FETCH, raw);
	if (!r.ok())
		return r;
	ev->type = raw->type;
	ev->length = std::min<uint32_t>(raw->length, sizeof(ev->data));
	std::memcpy(ev->data, buf + sizeof(*raw), ev->length);
	return r;
}

// A struct usb_raw_ep_io followed by its data.
static std::vector<uint8_t> make_io(uint16_t ep, uint16_t flags, size_t len)
{
	std::vector<uint8_t> io(sizeof(struct usb_raw_ep_io) + len);
	auto *hdr = reinterpret_cast<struct usb_raw_ep_io *>(io.data());

	hdr->ep = ep;
	hdr->flags = flags;
	hdr->length = static_cast<uint32_t>(len);
	return io;
}

SysResult RawGadget::ep0_write(std::span<const uint8_t> data, bool zlp)
{
	auto io = make_io(0, zlp ? USB_RAW_IO_FLAGS_ZERO : 0, data.size());

	std::memcpy(io.data() + sizeof(struct usb_raw_ep_io), data.data(), data.size());
	return xioctl(fd_.get(), USB_RAW_IOCTL_EP0_WRITE, io.data());
}

SysResult RawGadget::ep0_read(std::span<uint8_t> buf)
{
	auto io = make_io(0, 0, buf.size());
	SysResult r = xioctl(fd_.get(), USB_RAW_IOCTL_EP0_READ, io.data());

	if (r.ok()) {
		size_t n = std::min<size_t>(static_cast<size_t>(r.rc), buf.size());

		std::memcpy(buf.data(), io.data() + sizeof(struct usb_raw_ep_io), n);
	}
	return r;
}

SysResult RawGadget::ep0_stall()
{
	return sys([&] { return ::ioctl(fd_.get(), USB_RAW_IOCTL_EP0_STALL, 0); });
}

SysResult RawGadget::ep_enable(std::span<const uint8_t> endpoint_descriptor)
{
	struct usb_endpoint_descriptor d {};

	if (endpoint_descriptor.size() != USB_DT_ENDPOINT_SIZE)
		return { -1, EINVAL };
	std::memcpy(&d, endpoint_descriptor.data(), USB_DT_ENDPOINT_SIZE);
	return xioctl(fd_.get(), USB_RAW_IOCTL_EP_ENABLE, &d);
}

SysResult RawGadget::ep_disable(int handle)
{
	return sys([&] {
		return ::ioctl(fd_.get(), USB_RAW_IOCTL_EP_DISABLE, static_cast<unsigned long>(handle));
	});
}

SysResult RawGadget::ep_write(int handle, std::span<const uint8_t> data)
{
	auto io = make_io(static_cast<uint16_t>(handle), 0, data.size());

	std::memcpy(io.data() + sizeof(struct usb_raw_ep_io), data.data(), data.size());
	return xioctl(fd_.get(), USB_RAW_IOCTL_EP_WRITE, io.data());
}

SysResult RawGadget::vbus_draw(uint32_t max_power_2ma)
{
	return sys([&] {
		return ::ioctl(fd_.get(), USB_RAW_IOCTL_VBUS_DRAW, static_cast<unsigned long>(max_power_2ma));
	});
}

SysResult RawGadget::configure()
{
	return sys([&] { return ::ioctl(fd_.get(), USB_RAW_IOCTL_CONFIGURE, 0); });
}

} // namespace mct::emu

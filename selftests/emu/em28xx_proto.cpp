// SPDX-License-Identifier: GPL-2.0
#include "em28xx_proto.hpp"

#include <algorithm>
#include <cstdio>
#include <linux/usb/ch9.h>

namespace mct::emu {

static constexpr uint8_t lo(uint16_t x)
{
	return x & 0xff;
}

static constexpr uint8_t hi(uint16_t x)
{
	return x >> 8;
}

std::string SetupPacket::str() const
{
	char buf[48];

	std::snprintf(buf, sizeof(buf), "%02x %02x %04x %04x %04x", request_type,
		      request, value, index, length);
	return buf;
}

std::vector<uint8_t> device_descriptor()
{
	return {
		USB_DT_DEVICE_SIZE, USB_DT_DEVICE,
		lo(0x0200), hi(0x0200),		// bcdUSB
		0, 0, 0,			// class/subclass/protocol: per interface
		kEp0MaxPacket,
		lo(kVendorId), hi(kVendorId),
		lo(kProductId), hi(kProductId),
		lo(0x0100), hi(0x0100),		// bcdDevice
		0, 0, 0,			// no manufacturer/product/serial strings
		1,				// bNumConfigurations
	};
}

std::vector<uint8_t> stream_endpoint_descriptor()
{
	return {
		USB_DT_ENDPOINT_SIZE, USB_DT_ENDPOINT, kStreamEndpoint, USB_ENDPOINT_XFER_BULK,
		lo(kBulkMaxPacket), hi(kBulkMaxPacket),
		0,				// bInterval
	};
}

std::vector<uint8_t> config_descriptor()
{
	constexpr uint16_t total = USB_DT_CONFIG_SIZE + USB_DT_INTERFACE_SIZE + USB_DT_ENDPOINT_SIZE;

	return {
		USB_DT_CONFIG_SIZE, USB_DT_CONFIG, lo(total), hi(total),
		1,				// bNumInterfaces
		kConfigValue,
		0,				// iConfiguration
		USB_CONFIG_ATT_ONE,
		kMaxPower2mA,
		// Interface 0, alternate 0: vendor specific, the bulk video
		// endpoint. No USB audio interface: em28xx would hand it to
		// snd-usb-audio.
		USB_DT_INTERFACE_SIZE, USB_DT_INTERFACE, 0, 0, 1, USB_CLASS_VENDOR_SPEC, 0, 0xff, 0,
		// Bulk IN 0x82, as stream_endpoint_descriptor().
		USB_DT_ENDPOINT_SIZE, USB_DT_ENDPOINT, kStreamEndpoint, USB_ENDPOINT_XFER_BULK,
		lo(kBulkMaxPacket), hi(kBulkMaxPacket), 0,
	};
}

std::vector<uint8_t> qualifier_descriptor()
{
	return {
		sizeof(struct usb_qualifier_descriptor), USB_DT_DEVICE_QUALIFIER,
		lo(0x0200), hi(0x0200),
		0, 0, 0,
		kEp0MaxPacket,
		1,				// bNumConfigurations
		0,				// bRESERVED
	};
}

void Saa7113Model::write(std::span<const uint8_t> data)
{
	if (data.empty())
		return;
	sub_ = data[0];
	for (uint8_t b : data.subspan(1))
		regs_[sub_++] = b;
}

std::vector<uint8_t> Saa7113Model::read(size_t len)
{
	std::vector<uint8_t> d;

	for (size_t i = 0; i < len; i++, sub_++)
		d.push_back(sub_ == 0 ? kChipVersion[regs_[0] & 0x0f] : regs_[sub_]);
	return d;
}

Em28xxModel::Em28xxModel(uint8_t chip_id, Decoder decoder)
	: regs_(0x10000, 0), chip_id_(chip_id), decoder_(decoder)
{
}

bool Em28xxModel::to_decoder(const SetupPacket &s) const
{
	return decoder_ == Decoder::Saa7113 && s.index == kSaa7113Address;
}

bool Em28xxModel::is_decoder_write(const SetupPacket &s) const
{
	return s.type() == USB_TYPE_VENDOR && !s.dir_in() && (s.request == 2 || s.request == 3) &&
	       to_decoder(s);
}

uint8_t Em28xxModel::reg(uint16_t r) const
{
	if (r == kRegChipId)
		return chip_id_;
	if (r == kRegI2cStatus)
		return i2c_status_;
	return regs_[r];
}

Ep0Reply Em28xxModel::stall()
{
	counters_.stalls++;
	return {};
}

Ep0Reply Em28xxModel::send(std::vector<uint8_t> data, uint16_t length)
{
	Ep0Reply r;

	if (data.size() > length)
		data.resize(length);
	r.action = Ep0Action::Send;
	r.zlp = data.size() < length && data.size() % kEp0MaxPacket == 0;
	r.data = std::move(data);
	return r;
}

Ep0Reply Em28xxModel::setup(const SetupPacket &s)
{
	counters_.requests++;
	switch (s.type()) {
	case USB_TYPE_STANDARD:
		return standard(s);
	case USB_TYPE_VENDOR:
		return vendor(s);
	default:
		return stall();
	}
}

Ep0Reply Em28xxModel::get_descriptor(const SetupPacket &s)
{
	uint8_t type = s.value >> 8;
	uint8_t index = s.value & 0xff;

	if (s.recipient() != USB_RECIP_DEVICE)
		return stall();
	switch (type) {
	case USB_DT_DEVICE:
		return send(device_descriptor(), s.length);
	case USB_DT_CONFIG:
		if (index != 0)
			return stall();
		return send(config_descriptor(), s.length);
	case USB_DT_DEVICE_QUALIFIER:
		return send(qualifier_descriptor(), s.length);
	default:
		// No strings (all i* fields are 0), no BOS (bcdUSB 2.00),
		// no other-speed configuration.
		return stall();
	}
}

Ep0Reply Em28xxModel::standard(const SetupPacket &s)
{
	Ep0Reply r;

	if (s.dir_in() && s.length == 0)
		return stall();
	switch (s.request) {
	case USB_REQ_GET_DESCRIPTOR:
		if (!s.dir_in())
			return stall();
		return get_descriptor(s);
	case USB_REQ_GET_STATUS:
		if (!s.dir_in())
			return stall();
		return send({ 0, 0 }, s.length);
	case USB_REQ_GET_CONFIGURATION:
		if (!s.dir_in() || s.recipient() != USB_RECIP_DEVICE)
			return stall();
		return send({ config_ }, s.length);
	case USB_REQ_SET_CONFIGURATION:
		if (s.dir_in() || s.recipient() != USB_RECIP_DEVICE || s.length ||
		    (s.value != 0 && s.value != kConfigValue))
			return stall();
		counters_.set_configuration++;
		config_ = s.value;
		alt_ = 0;
		r.action = Ep0Action::Ack;
		r.effect = Ep0Effect::SetConfiguration;
		r.effect_value = s.value;
		return r;
	case USB_REQ_GET_INTERFACE:
		if (!s.dir_in() || s.recipient() != USB_RECIP_INTERFACE || s.index != 0 ||
		    !config_)
			return stall();
		return send({ alt_ }, s.length);
	case USB_REQ_SET_INTERFACE:
		// One interface with one alternate setting.
		if (s.dir_in() || s.recipient() != USB_RECIP_INTERFACE || s.length ||
		    s.index != 0 || s.value != 0 || !config_)
			return stall();
		counters_.set_interface++;
		alt_ = s.value;
		r.action = Ep0Action::Ack;
		r.effect = Ep0Effect::SetInterface;
		r.effect_value = s.value;
		return r;
	default:
		return stall();
	}
}

Ep0Reply Em28xxModel::vendor(const SetupPacket &s)
{
	Ep0Reply r;

	if (s.recipient() != USB_RECIP_DEVICE || s.length == 0)
		return stall();
	if (s.dir_in()) {
		switch (s.request) {
		case 0:		// register read
			if (s.length > kMaxVendorLength)
				return stall();
			counters_.reg_reads++;
			for (uint32_t i = 0; i < s.length; i++)
				r.data.push_back(reg(static_cast<uint16_t>(s.index + i)));
			return send(std::move(r.data), s.length);
		case 2:		// I2C read: only the decoder answers
			if (s.length > kMaxI2cLength)
				return stall();
			counters_.i2c_transfers++;
			if (to_decoder(s)) {
				counters_.decoder_transfers++;
				i2c_status_ = kI2cAck;
				return send(saa7113_.read(s.length), s.length);
			}
			i2c_status_ = kI2cNack;
			return send(std::vector<uint8_t>(s.length, 0xff), s.length);
		default:
			return stall();
		}
	}
	switch (s.request) {
	case 0:
		if (s.length > kMaxVendorLength)
			return stall();
		break;
	case 2:
	case 3:
		if (s.length > kMaxI2cLength)
			return stall();
		break;
	default:
		return stall();
	}
	r.action = Ep0Action::Receive;
	return r;
}

void Em28xxModel::receive(const SetupPacket &s, std::span<const uint8_t> data)
{
	if (s.request == 0) {
		counters_.reg_writes++;
		for (size_t i = 0; i < data.size(); i++) {
			uint16_t r = static_cast<uint16_t>(s.index + i);

			// Chip id and I2C status are read-only.
			if (r != kRegChipId && r != kRegI2cStatus)
				regs_[r] = data[i];
		}
	} else {
		counters_.i2c_transfers++;
		if (to_decoder(s)) {
			counters_.decoder_transfers++;
			saa7113_.write(data);
			i2c_status_ = kI2cAck;
		} else {
			i2c_status_ = kI2cNack;
		}
	}
	if (writes_.size() >= kWriteLogMax)
		writes_.erase(writes_.begin());
	writes_.push_back({ s.request, s.index, { data.begin(), data.end() } });
}

std::vector<uint8_t> stream_chunk(uint32_t seq, size_t len)
{
	len = std::max<size_t>(len, 5);
	if (len % kBulkMaxPacket == 0)
		len--;

	std::vector<uint8_t> d(len);

	d[0] = 0x22;
	d[1] = 0x5a;
	d[2] = seq & 1;		// 0: top field (new frame), 1: bottom field
	d[3] = 0;
	for (size_t i = 4; i < len; i++)
		d[i] = static_cast<uint8_t>(seq + i);
	return d;
}

} // namespace mct::emu

// SPDX-License-Identifier: GPL-2.0
// Host unit tests of the em28xx protocol model.
#include <cstring>
#include <gtest/gtest.h>
#include <linux/usb/ch9.h>
#include <string>

#include "em28xx_proto.hpp"

using namespace mct::emu;

namespace {

SetupPacket pkt(uint8_t type, uint8_t req, uint16_t value, uint16_t index, uint16_t len)
{
	return { type, req, value, index, len };
}

SetupPacket get_descriptor(uint8_t dt, uint16_t len)
{
	return pkt(0x80, USB_REQ_GET_DESCRIPTOR, static_cast<uint16_t>(dt << 8), 0, len);
}

SetupPacket reg_read(uint16_t reg, uint16_t len)
{
	return pkt(0xc0, 0, 0, reg, len);
}

SetupPacket vendor_out(uint8_t req, uint16_t index, uint16_t len)
{
	return pkt(0x40, req, 0, index, len);
}

uint16_t le16(const std::vector<uint8_t> &d, size_t off)
{
	return static_cast<uint16_t>(d[off] | d[off + 1] << 8);
}

// Sends an OUT vendor request with its data stage through the model.
Ep0Reply write_out(Em28xxModel &m, uint8_t req, uint16_t index, std::vector<uint8_t> data)
{
	SetupPacket s = vendor_out(req, index, static_cast<uint16_t>(data.size()));
	Ep0Reply r = m.setup(s);

	if (r.action == Ep0Action::Receive)
		m.receive(s, data);
	return r;
}

SetupPacket i2c_read(uint16_t addr, uint16_t len)
{
	return pkt(0xc0, 2, 0, addr, len);
}

// What em28xx_i2c_send_bytes() and em28xx_i2c_recv_bytes() read after the
// transfer.
uint8_t i2c_status(Em28xxModel &m)
{
	return m.setup(reg_read(kRegI2cStatus, 1)).data.at(0);
}

// i2c_smbus_write_byte_data() through em28xx_i2c_xfer(): one message with
// stop. False when the bus did not ACK.
bool smbus_write_byte_data(Em28xxModel &m, uint16_t addr, uint8_t reg, uint8_t val)
{
	write_out(m, 2, addr, { reg, val });
	return i2c_status(m) == kI2cAck;
}

// i2c_smbus_read_byte_data(): the subaddress without stop, then a one-byte
// read. -1 when the bus did not ACK.
int smbus_read_byte_data(Em28xxModel &m, uint16_t addr, uint8_t reg)
{
	write_out(m, 3, addr, { reg });
	if (i2c_status(m) != kI2cAck)
		return -1;
	auto r = m.setup(i2c_read(addr, 1));
	if (r.action != Ep0Action::Send || r.data.size() != 1 || i2c_status(m) != kI2cAck)
		return -1;
	return r.data[0];
}

// The chip name saa711x_detect_chip() (drivers/media/i2c/saa7115.c) makes
// of the chip version register, and the type it decides on ("" for none of
// the Philips/NXP chips).
struct Detected {
	std::string name;	// the 16 nibbles
	std::string chip;	// "saa7113"
};

Detected saa711x_detect_chip(Em28xxModel &m)
{
	char name[17];
	Detected d;

	for (int i = 0; i < 16; i++) {
		smbus_write_byte_data(m, kSaa7113Address, 0, static_cast<uint8_t>(i));
		char chip_ver = static_cast<char>(smbus_read_byte_data(m, kSaa7113Address, 0));

		name[i] = static_cast<char>((chip_ver & 0x0f) + '0');
		if (name[i] > '9')
			name[i] += 'a' - '9' - 1;
	}
	name[16] = '\0';
	d.name = name;
	if (!std::memcmp(name + 1, "f711", 4))
		d.chip = std::string("saa711") + name[5];
	return d;
}

} // namespace

TEST(Em28xxDescriptors, Device)
{
	auto d = device_descriptor();

	ASSERT_EQ(d.size(), 18u);
	EXPECT_EQ(d[0], 18);
	EXPECT_EQ(d[1], USB_DT_DEVICE);
	EXPECT_EQ(le16(d, 2), 0x0200);
	EXPECT_EQ(d[7], 64);
	EXPECT_EQ(le16(d, 8), 0x2040);
	EXPECT_EQ(le16(d, 10), 0xc220);
	EXPECT_EQ(d[14], 0);	// no strings
	EXPECT_EQ(d[15], 0);
	EXPECT_EQ(d[16], 0);
	EXPECT_EQ(d[17], 1);
}

TEST(Em28xxDescriptors, Configuration)
{
	auto d = config_descriptor();

	ASSERT_EQ(d.size(), 25u);
	EXPECT_EQ(d[0], 9);
	EXPECT_EQ(d[1], USB_DT_CONFIG);
	EXPECT_EQ(le16(d, 2), 25);
	EXPECT_EQ(d[4], 1);			// bNumInterfaces
	EXPECT_EQ(d[5], kConfigValue);
	EXPECT_EQ(d[7] & 0x80, 0x80);
	// Interface 0, alt 0, one endpoint, vendor class.
	EXPECT_EQ(d[9], 9);
	EXPECT_EQ(d[10], USB_DT_INTERFACE);
	EXPECT_EQ(d[11], 0);
	EXPECT_EQ(d[12], 0);
	EXPECT_EQ(d[13], 1);
	EXPECT_EQ(d[14], 0xff);
	// Bulk IN 0x82, 512 bytes.
	EXPECT_EQ(d[18], 7);
	EXPECT_EQ(d[19], USB_DT_ENDPOINT);
	EXPECT_EQ(d[20], 0x82);
	EXPECT_EQ(d[21], USB_ENDPOINT_XFER_BULK);
	EXPECT_EQ(le16(d, 22), 512);
	EXPECT_EQ(std::vector<uint8_t>(d.begin() + 18, d.end()), stream_endpoint_descriptor());
}

TEST(Em28xxDescriptors, HighSpeed)
{
	// em28xx rejects full speed; a high-speed device has a qualifier.
	EXPECT_EQ(kDeviceSpeed, USB_SPEED_HIGH);
	EXPECT_EQ(device_descriptor()[7], 64);	// ep0 max packet at high speed
	EXPECT_EQ(le16(config_descriptor(), 22), 512);	// bulk max packet at high speed
}

TEST(Em28xxDescriptors, Qualifier)
{
	Em28xxModel m;
	auto r = m.setup(get_descriptor(USB_DT_DEVICE_QUALIFIER, 10));

	ASSERT_EQ(r.action, Ep0Action::Send);
	ASSERT_EQ(r.data.size(), 10u);
	EXPECT_EQ(r.data[0], 10);
	EXPECT_EQ(r.data[1], USB_DT_DEVICE_QUALIFIER);
	EXPECT_EQ(le16(r.data, 2), 0x0200);
	EXPECT_EQ(r.data[7], 64);	// bMaxPacketSize0
	EXPECT_EQ(r.data[8], 1);	// bNumConfigurations
}

TEST(Em28xxEp0, GetDescriptorFullAndTruncated)
{
	Em28xxModel m;

	// The host first asks 64 bytes of the device descriptor, then 18.
	auto r = m.setup(get_descriptor(USB_DT_DEVICE, 64));
	ASSERT_EQ(r.action, Ep0Action::Send);
	EXPECT_EQ(r.data, device_descriptor());
	EXPECT_FALSE(r.zlp);

	r = m.setup(get_descriptor(USB_DT_DEVICE, 8));
	ASSERT_EQ(r.action, Ep0Action::Send);
	ASSERT_EQ(r.data.size(), 8u);
	auto dev = device_descriptor();
	EXPECT_EQ(std::vector<uint8_t>(dev.begin(), dev.begin() + 8), r.data);

	// Config: 9 bytes (header), then the whole 25.
	r = m.setup(get_descriptor(USB_DT_CONFIG, 9));
	ASSERT_EQ(r.action, Ep0Action::Send);
	ASSERT_EQ(r.data.size(), 9u);
	EXPECT_EQ(le16(r.data, 2), 25);
	r = m.setup(get_descriptor(USB_DT_CONFIG, 255));
	ASSERT_EQ(r.action, Ep0Action::Send);
	EXPECT_EQ(r.data, config_descriptor());
}

TEST(Em28xxEp0, UnknownDescriptorsStall)
{
	Em28xxModel m;

	EXPECT_EQ(m.setup(get_descriptor(USB_DT_STRING, 255)).action, Ep0Action::Stall);
	EXPECT_EQ(m.setup(get_descriptor(USB_DT_BOS, 5)).action, Ep0Action::Stall);
	EXPECT_EQ(m.setup(get_descriptor(USB_DT_OTHER_SPEED_CONFIG, 9)).action, Ep0Action::Stall);
	// Config index 1 does not exist.
	EXPECT_EQ(m.setup(pkt(0x80, USB_REQ_GET_DESCRIPTOR, USB_DT_CONFIG << 8 | 1, 0, 9)).action,
		  Ep0Action::Stall);
	EXPECT_EQ(m.counters().stalls, 4u);
}

TEST(Em28xxEp0, SetConfigurationAndInterface)
{
	Em28xxModel m;

	// SET_INTERFACE before any configuration is refused.
	EXPECT_EQ(m.setup(pkt(0x01, USB_REQ_SET_INTERFACE, 0, 0, 0)).action, Ep0Action::Stall);

	auto r = m.setup(pkt(0x00, USB_REQ_SET_CONFIGURATION, 1, 0, 0));
	EXPECT_EQ(r.action, Ep0Action::Ack);
	EXPECT_EQ(r.effect, Ep0Effect::SetConfiguration);
	EXPECT_EQ(r.effect_value, 1);
	EXPECT_EQ(m.configuration(), 1);

	r = m.setup(pkt(0x80, USB_REQ_GET_CONFIGURATION, 0, 0, 1));
	ASSERT_EQ(r.action, Ep0Action::Send);
	EXPECT_EQ(r.data, std::vector<uint8_t>{ 1 });

	r = m.setup(pkt(0x01, USB_REQ_SET_INTERFACE, 0, 0, 0));
	EXPECT_EQ(r.action, Ep0Action::Ack);
	EXPECT_EQ(r.effect, Ep0Effect::SetInterface);
	EXPECT_EQ(m.counters().set_interface, 1u);

	// Only interface 0 alternate 0 exists.
	EXPECT_EQ(m.setup(pkt(0x01, USB_REQ_SET_INTERFACE, 1, 0, 0)).action, Ep0Action::Stall);
	EXPECT_EQ(m.setup(pkt(0x01, USB_REQ_SET_INTERFACE, 0, 1, 0)).action, Ep0Action::Stall);
	EXPECT_EQ(m.setup(pkt(0x00, USB_REQ_SET_CONFIGURATION, 2, 0, 0)).action, Ep0Action::Stall);

	r = m.setup(pkt(0x81, USB_REQ_GET_INTERFACE, 0, 0, 1));
	ASSERT_EQ(r.action, Ep0Action::Send);
	EXPECT_EQ(r.data, std::vector<uint8_t>{ 0 });
}

TEST(Em28xxRegisters, ChipId)
{
	Em28xxModel m;
	auto r = m.setup(reg_read(kRegChipId, 1));

	ASSERT_EQ(r.action, Ep0Action::Send);
	EXPECT_EQ(r.data, std::vector<uint8_t>{ 0x94 });
	// The chip id is read-only.
	write_out(m, 0, kRegChipId, { 0x12 });
	EXPECT_EQ(m.reg(kRegChipId), 0x94);
}

TEST(Em28xxRegisters, ChipIdChosen)
{
	Em28xxModel m(kChipIdEm2860);
	auto r = m.setup(reg_read(kRegChipId, 1));

	ASSERT_EQ(r.action, Ep0Action::Send);
	EXPECT_EQ(r.data, std::vector<uint8_t>{ 0x22 });

	// The dual-TS board's bridge, read-only as the others.
	Em28xxModel m2(kChipIdEm28174);
	write_out(m2, 0, kRegChipId, { 0x94 });
	r = m2.setup(reg_read(kRegChipId, 1));
	ASSERT_EQ(r.action, Ep0Action::Send);
	EXPECT_EQ(r.data, std::vector<uint8_t>{ 113 });	// CHIP_ID_EM28174
}

TEST(Em28xxRegisters, I2cNacksAndStatusRegister)
{
	Em28xxModel m;

	EXPECT_EQ(m.setup(reg_read(kRegI2cStatus, 1)).data, std::vector<uint8_t>{ 0x00 });

	// I2C write with stop to the eeprom address: ACKed at USB level,
	// NACKed on the bus.
	auto r = write_out(m, 2, 0xa0, { 0x00 });
	EXPECT_EQ(r.action, Ep0Action::Receive);
	EXPECT_EQ(m.setup(reg_read(kRegI2cStatus, 1)).data, std::vector<uint8_t>{ 0x10 });

	// I2C read: data stage answered, status NACK.
	Em28xxModel m2;
	r = m2.setup(pkt(0xc0, 2, 0, 0xa0, 16));
	ASSERT_EQ(r.action, Ep0Action::Send);
	EXPECT_EQ(r.data.size(), 16u);
	EXPECT_EQ(m2.reg(kRegI2cStatus), kI2cNack);
	EXPECT_EQ(m2.counters().i2c_transfers, 1u);

	// Write without stop (bRequest 3) NACKs too.
	Em28xxModel m3;
	write_out(m3, 3, 0x42, { 1, 2 });
	EXPECT_EQ(m3.reg(kRegI2cStatus), kI2cNack);

	// I2C messages longer than 64 bytes are not em28xx's.
	EXPECT_EQ(m3.setup(pkt(0xc0, 2, 0, 0xa0, 65)).action, Ep0Action::Stall);
}

TEST(Em28xxRegisters, WritesAckedAndRecorded)
{
	Em28xxModel m;

	auto r = write_out(m, 0, 0x10, { 0x11, 0x22, 0x33 });
	EXPECT_EQ(r.action, Ep0Action::Receive);
	EXPECT_EQ(r.effect, Ep0Effect::None);
	ASSERT_EQ(m.writes().size(), 1u);
	EXPECT_EQ(m.writes()[0].request, 0);
	EXPECT_EQ(m.writes()[0].index, 0x10);
	EXPECT_EQ(m.writes()[0].data, (std::vector<uint8_t>{ 0x11, 0x22, 0x33 }));
	EXPECT_EQ(m.counters().reg_writes, 1u);
	EXPECT_EQ(m.reg(0x10), 0x11);
	EXPECT_EQ(m.reg(0x12), 0x33);

	// High register addresses (em28xx writes 0x7a3f) are kept too.
	write_out(m, 0, 0x7a3f, { 0x5a });
	EXPECT_EQ(m.reg(0x7a3f), 0x5a);
}

TEST(Em28xxRegisters, MultiRegisterRead)
{
	Em28xxModel m;

	write_out(m, 0, 0x08, { 0xa1, 0xa2 });
	auto r = m.setup(reg_read(0x08, 4));
	ASSERT_EQ(r.action, Ep0Action::Send);
	// 0x08, 0x09 written; 0x0a is the chip id; 0x0b never written.
	EXPECT_EQ(r.data, (std::vector<uint8_t>{ 0xa1, 0xa2, 0x94, 0x00 }));
	EXPECT_EQ(m.counters().reg_reads, 1u);

	// Unwritten registers read 0.
	r = m.setup(reg_read(0x40, 2));
	EXPECT_EQ(r.data, (std::vector<uint8_t>{ 0, 0 }));
}

TEST(Em28xxEp0, ZeroLengthPacketWhenShortOnPacketBoundary)
{
	Em28xxModel m;
	auto r = m.setup(reg_read(0, 64));

	// Exactly wLength: no ZLP needed.
	EXPECT_EQ(r.data.size(), 64u);
	EXPECT_FALSE(r.zlp);
}

TEST(Em28xxEp0, UnknownRequestsStall)
{
	Em28xxModel m;

	// Unknown vendor requests, both directions.
	EXPECT_EQ(m.setup(pkt(0xc0, 0x06, 0, 0xa0, 1)).action, Ep0Action::Stall);
	EXPECT_EQ(m.setup(pkt(0xc0, 0x08, 0, 0, 1)).action, Ep0Action::Stall);
	EXPECT_EQ(m.setup(vendor_out(0x04, 0, 1)).action, Ep0Action::Stall);
	// Vendor requests without data stage, or to an interface.
	EXPECT_EQ(m.setup(vendor_out(0, 0x10, 0)).action, Ep0Action::Stall);
	EXPECT_EQ(m.setup(pkt(0xc1, 0, 0, 0x0a, 1)).action, Ep0Action::Stall);
	// Class requests.
	EXPECT_EQ(m.setup(pkt(0xa1, 0x01, 0, 0, 4)).action, Ep0Action::Stall);
	EXPECT_EQ(m.setup(pkt(0x21, 0x0a, 0, 0, 0)).action, Ep0Action::Stall);
	// Unknown standard request, and an OUT GET_DESCRIPTOR.
	EXPECT_EQ(m.setup(pkt(0x00, USB_REQ_SET_SEL, 0, 0, 6)).action, Ep0Action::Stall);
	EXPECT_EQ(m.setup(pkt(0x00, USB_REQ_GET_DESCRIPTOR, 0x0100, 0, 18)).action,
		  Ep0Action::Stall);
	// Register reads longer than any em28xx request.
	EXPECT_EQ(m.setup(reg_read(0, kMaxVendorLength + 1)).action, Ep0Action::Stall);
	EXPECT_EQ(m.counters().stalls, 10u);
	EXPECT_EQ(m.counters().requests, 10u);
	EXPECT_TRUE(m.writes().empty());
}

TEST(Em28xxStream, ChunkHeaderAndLength)
{
	auto a = stream_chunk(0, kStreamChunkLen);
	auto b = stream_chunk(1, kStreamChunkLen);

	ASSERT_EQ(a.size(), kStreamChunkLen);
	EXPECT_NE(a.size() % kBulkMaxPacket, 0u);
	EXPECT_EQ(a[0], 0x22);
	EXPECT_EQ(a[1], 0x5a);
	EXPECT_EQ(a[2], 0);	// top field
	EXPECT_EQ(b[2], 1);	// bottom field
	// A multiple of the packet size would not end the URB: shortened.
	EXPECT_EQ(stream_chunk(0, 1024).size(), 1023u);
}

TEST(Em28xxDecoder, DetectedAsSaa7113)
{
	Em28xxModel m(kChipIdEm2860, Decoder::Saa7113);

	// i2c_default_probe() of 0x25: an SMBus quick write, which em28xx
	// turns into a one-byte read (em28xx_i2c_check_for_device()).
	auto r = m.setup(i2c_read(kSaa7113Address, 1));
	ASSERT_EQ(r.action, Ep0Action::Send);
	EXPECT_EQ(i2c_status(m), kI2cAck);

	Detected d = saa711x_detect_chip(m);
	EXPECT_EQ(d.name.substr(0, 6), "1f7113");
	EXPECT_EQ(d.name, "1f7113d0e1000000");
	EXPECT_EQ(d.chip, "saa7113");
	// Neither a gm7113c ("0000...") nor a cjc7113 (sixteen '1').
	EXPECT_NE(d.name.substr(0, 4), "0000");
	EXPECT_NE(d.name, std::string(16, '1'));
	// 1 probe + 16 x (write, subaddress, read).
	EXPECT_EQ(m.counters().decoder_transfers, 49u);
	EXPECT_EQ(m.counters().i2c_transfers, 49u);
	EXPECT_EQ(m.saa7113().reg(0), 15);
}

TEST(Em28xxDecoder, WriteAndReadBackWithAutoincrement)
{
	Em28xxModel m(kChipIdEm2860, Decoder::Saa7113);

	// saa711x_s_ctrl() of the brightness: subaddress 0x0a, one value.
	EXPECT_TRUE(smbus_write_byte_data(m, kSaa7113Address, kSaa7113RegBrightness, 0x40));
	EXPECT_EQ(m.saa7113().reg(kSaa7113RegBrightness), 0x40);
	EXPECT_EQ(smbus_read_byte_data(m, kSaa7113Address, kSaa7113RegBrightness), 0x40);

	// A longer write fills consecutive registers.
	auto r = write_out(m, 2, kSaa7113Address, { 0x10, 0x11, 0x22, 0x33 });
	EXPECT_EQ(r.action, Ep0Action::Receive);
	EXPECT_EQ(i2c_status(m), kI2cAck);
	EXPECT_EQ(m.saa7113().reg(0x10), 0x11);
	EXPECT_EQ(m.saa7113().reg(0x12), 0x33);
	EXPECT_EQ(m.saa7113().subaddress(), 0x13);

	// A read goes on from the subaddress, and each byte advances it.
	write_out(m, 3, kSaa7113Address, { 0x10 });
	r = m.setup(i2c_read(kSaa7113Address, 3));
	ASSERT_EQ(r.action, Ep0Action::Send);
	EXPECT_EQ(r.data, (std::vector<uint8_t>{ 0x11, 0x22, 0x33 }));
	r = m.setup(i2c_read(kSaa7113Address, 2));
	EXPECT_EQ(r.data, (std::vector<uint8_t>{ 0x00, 0x00 }));	// 0x13, 0x14
	EXPECT_EQ(m.saa7113().subaddress(), 0x15);
	EXPECT_EQ(i2c_status(m), kI2cAck);

	// Subaddress 0 reads the version nibble, not the selector written.
	EXPECT_TRUE(smbus_write_byte_data(m, kSaa7113Address, 0, 5));
	EXPECT_EQ(smbus_read_byte_data(m, kSaa7113Address, 0), 0x3);

	// The subaddress wraps after register 0xff.
	write_out(m, 2, kSaa7113Address, { 0xff, 0xa5, 0x06 });
	EXPECT_EQ(m.saa7113().reg(0xff), 0xa5);
	EXPECT_EQ(m.saa7113().reg(0), 0x06);
	EXPECT_EQ(m.saa7113().subaddress(), 0x01);
}

TEST(Em28xxDecoder, OtherAddressesNack)
{
	Em28xxModel m(kChipIdEm2860, Decoder::Saa7113);

	// The eeprom, the other saa711x addresses, a tuner: nobody.
	for (uint16_t addr : { 0xa0, 0x48, 0x42, 0x40, 0xc2 }) {
		SCOPED_TRACE(addr);
		write_out(m, 2, addr, { 0x00, 0x01 });
		EXPECT_EQ(i2c_status(m), kI2cNack);
		write_out(m, 3, addr, { 0x00 });
		EXPECT_EQ(i2c_status(m), kI2cNack);
		auto r = m.setup(i2c_read(addr, 4));
		ASSERT_EQ(r.action, Ep0Action::Send);
		EXPECT_EQ(r.data, std::vector<uint8_t>(4, 0xff));
		EXPECT_EQ(i2c_status(m), kI2cNack);
		// The status follows the last transfer.
		EXPECT_TRUE(smbus_write_byte_data(m, kSaa7113Address, 0x01, 0x08));
	}
	EXPECT_EQ(m.counters().i2c_transfers, 20u);
	EXPECT_EQ(m.counters().decoder_transfers, 5u);
	// Nothing written elsewhere reached the decoder.
	EXPECT_EQ(m.saa7113().reg(0), 0);
	EXPECT_FALSE(m.is_decoder_write(vendor_out(2, 0x48, 2)));
	EXPECT_TRUE(m.is_decoder_write(vendor_out(2, kSaa7113Address, 2)));
	EXPECT_TRUE(m.is_decoder_write(vendor_out(3, kSaa7113Address, 1)));
	EXPECT_FALSE(m.is_decoder_write(i2c_read(kSaa7113Address, 1)));
	EXPECT_FALSE(m.is_decoder_write(vendor_out(0, kSaa7113Address, 1)));	// a register
}

TEST(Em28xxDecoder, OffByDefault)
{
	for (Em28xxModel m : { Em28xxModel(), Em28xxModel(kChipIdEm2860),
			       Em28xxModel(kChipIdEm2860, Decoder::None) }) {
		EXPECT_FALSE(smbus_write_byte_data(m, kSaa7113Address, 0, 1));
		EXPECT_EQ(smbus_read_byte_data(m, kSaa7113Address, 0), -1);
		auto r = m.setup(i2c_read(kSaa7113Address, 2));
		ASSERT_EQ(r.action, Ep0Action::Send);
		EXPECT_EQ(r.data, (std::vector<uint8_t>{ 0xff, 0xff }));
		EXPECT_EQ(i2c_status(m), kI2cNack);
		EXPECT_EQ(m.counters().i2c_transfers, 3u);
		EXPECT_EQ(m.counters().decoder_transfers, 0u);
		EXPECT_EQ(m.saa7113().reg(0), 0);
		EXPECT_FALSE(m.is_decoder_write(vendor_out(2, kSaa7113Address, 2)));
	}
}

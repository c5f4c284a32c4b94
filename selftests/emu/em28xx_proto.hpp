// SPDX-License-Identifier: GPL-2.0
// The protocol side of an emulated Empia em2828X board (Hauppauge USB Live2,
// 2040:c220): its USB descriptors and the answers to the control requests
// the em28xx driver sends on ep0. Pure logic, no syscalls: the raw-gadget
// transport (raw_gadget.hpp) feeds it setup packets and carries out the
// replies, and the host unit tests drive it directly.
//
// Facts from drivers/media/usb/em28xx (v7.3-rc7):
// - registers are vendor requests: IN 0xc0/bRequest 0 reads wLength
//   consecutive registers from wIndex, OUT 0x40/bRequest 0 writes them;
// - I2C: IN 0xc0/bRequest 2 reads from the slave wIndex, OUT 0x40/bRequest
//   2 (with stop) or 3 (no stop) writes; afterwards the driver reads
//   register 0x05: 0x00 = ACK, 0x10 = NACK (-ENXIO);
// - register 0x0a is the chip id, 0x94 = EM2828X (0x22 = EM2860 or 0x71 =
//   EM28174 on request);
// - em28xx rejects full speed; bulk endpoint 0x82 is the analog video
//   stream (dummy_hcd has no isochronous transfers).
//
// With Decoder::Saa7113 an SAA7113 video decoder answers on the I2C bus at
// the 8-bit address 0x4a, the first address em28xx-video.c's
// saa711x_addrs[] probes; every other address NACKs as without it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace mct::emu {

inline constexpr uint16_t kVendorId = 0x2040;
inline constexpr uint16_t kProductId = 0xc220;
inline constexpr uint8_t kChipIdEm2828x = 0x94;
// CHIP_ID_EM2860: em28xx gives it a VBI node whatever the decoder.
inline constexpr uint8_t kChipIdEm2860 = 0x22;
// CHIP_ID_EM28174, the bridge em28xx reads on the Hauppauge WinTV-dualHD.
inline constexpr uint8_t kChipIdEm28174 = 0x71;
inline constexpr uint16_t kRegI2cStatus = 0x05;
inline constexpr uint16_t kRegChipId = 0x0a;
inline constexpr uint8_t kI2cAck = 0x00;
inline constexpr uint8_t kI2cNack = 0x10;
inline constexpr uint8_t kStreamEndpoint = 0x82;
inline constexpr uint16_t kBulkMaxPacket = 512;
inline constexpr uint8_t kEp0MaxPacket = 64;
inline constexpr uint8_t kConfigValue = 1;
inline constexpr uint8_t kMaxPower2mA = 250;	// bMaxPower: 500 mA
// enum usb_device_speed USB_SPEED_HIGH: em28xx refuses anything slower.
inline constexpr uint8_t kDeviceSpeed = 3;
// Longest data stage we answer; em28xx uses at most URB_MAX_CTRL_SIZE (80).
inline constexpr uint16_t kMaxVendorLength = 256;
// em28xx limits an I2C message to 64 bytes.
inline constexpr uint16_t kMaxI2cLength = 64;
// The decoder's 8-bit I2C address, as em28xx puts it in wIndex (the 7-bit
// address 0x25 shifted left).
inline constexpr uint16_t kSaa7113Address = 0x4a;
// Decoder registers saa7115.c writes: luma brightness (saa711x_s_ctrl() of
// V4L2_CID_BRIGHTNESS), and the first register of the 50 and 60 Hz
// tables that saa711x_s_std() writes on an SAA7113 (R_15_VGATE_START_FID_CHG;
// the tables' 0x80 and 0x88 come first, but saa711x_has_reg() skips them).
inline constexpr uint8_t kSaa7113RegBrightness = 0x0a;
inline constexpr uint8_t kSaa7113RegVgateStart = 0x15;

// A setup packet in host byte order (struct usb_ctrlrequest is little
// endian on the wire; the transport converts).
struct SetupPacket {
	uint8_t request_type = 0;
	uint8_t request = 0;
	uint16_t value = 0;
	uint16_t index = 0;
	uint16_t length = 0;

	bool dir_in() const { return request_type & 0x80; }
	unsigned type() const { return request_type & 0x60; }
	unsigned recipient() const { return request_type & 0x1f; }
	// "c0 00 0000 000a 0001" for logs.
	std::string str() const;
};

enum class Ep0Action {
	Stall,		// protocol stall
	Send,		// IN data stage with Ep0Reply::data
	Ack,		// no data stage: acknowledge the status stage
	Receive,	// OUT data stage of wLength bytes, then Em28xxModel::receive()
};

// What the transport must do on the device side before it completes the
// status stage.
enum class Ep0Effect {
	None,
	SetConfiguration,	// effect_value: bConfigurationValue (0 = deconfigure)
	SetInterface,		// effect_value: bAlternateSetting
};

struct Ep0Reply {
	Ep0Action action = Ep0Action::Stall;
	std::vector<uint8_t> data;
	Ep0Effect effect = Ep0Effect::None;
	uint16_t effect_value = 0;
	// The IN data is shorter than wLength and ends on a full ep0 packet:
	// the transport must end it with a zero-length packet.
	bool zlp = false;
};

// Descriptors of the emulated board: device (18 bytes), the whole
// configuration (config + interface + endpoint, 25 bytes), the device
// qualifier (10 bytes) and the bulk IN endpoint alone (7 bytes).
std::vector<uint8_t> device_descriptor();
std::vector<uint8_t> config_descriptor();
std::vector<uint8_t> qualifier_descriptor();
std::vector<uint8_t> stream_endpoint_descriptor();

// Counters of what the model has seen.
struct ModelCounters {
	unsigned long requests = 0;
	unsigned long stalls = 0;
	unsigned long reg_reads = 0;
	unsigned long reg_writes = 0;
	unsigned long i2c_transfers = 0;	// to any address, the decoder's too
	unsigned long decoder_transfers = 0;	// those to the emulated decoder
	unsigned long set_configuration = 0;
	unsigned long set_interface = 0;
};

// One OUT vendor request as it was received.
struct VendorWrite {
	uint8_t request = 0;
	uint16_t index = 0;
	std::vector<uint8_t> data;
};

// The I2C chips on the bridge's bus besides the (absent) eeprom.
enum class Decoder {
	None,		// nothing answers: every I2C transfer NACKs
	Saa7113,	// Saa7113Model at kSaa7113Address
};

// An SAA7113 video decoder as drivers/media/i2c/saa7115.c sees it: 256
// registers behind a subaddress that each byte advances. A write sets the
// subaddress from its first byte and stores the next ones at consecutive
// registers; a read answers from the subaddress on. Subaddress 0 reads the
// chip version: the nibble kChipVersion[v & 0x0f], v being the value
// last written to register 0. saa711x_detect_chip() writes i to register 0
// and reads it back for i = 0..15, and names the chip after the low nibbles:
// "1f7113..." is a Philips/NXP "saa7113".
class Saa7113Model {
public:
	// The low nibbles register 0 answers, in the order of its selector.
	// saa711x_detect_chip() decides on the first six ("?f711" and the
	// type digit); the others are arbitrary.
	static constexpr std::array<uint8_t, 16> kChipVersion = {
		0x1, 0xf, 0x7, 0x1, 0x1, 0x3, 0xd, 0x0, 0xe, 0x1, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0,
	};

	// An I2C write: subaddress, then data.
	void write(std::span<const uint8_t> data);
	// An I2C read of len bytes from the subaddress on.
	std::vector<uint8_t> read(size_t len);

	// Register r as written (register 0: the chip version selector).
	uint8_t reg(uint8_t r) const { return regs_[r]; }
	uint8_t subaddress() const { return sub_; }

private:
	std::array<uint8_t, 256> regs_{};
	uint8_t sub_ = 0;
};

// The state of the emulated bridge: register file, I2C status, current
// configuration and alternate setting, and the decoder on its I2C bus.
class Em28xxModel {
public:
	// How many OUT requests writes() keeps (the oldest are dropped).
	static constexpr size_t kWriteLogMax = 1024;

	explicit Em28xxModel(uint8_t chip_id = kChipIdEm2828x, Decoder decoder = Decoder::None);

	// Decides the answer to a setup packet. For Ep0Action::Receive the
	// transport reads the data stage and passes it to receive().
	Ep0Reply setup(const SetupPacket &s);
	// The data stage of an OUT request setup() answered with Receive.
	void receive(const SetupPacket &s, std::span<const uint8_t> data);

	// Register value as the driver would read it.
	uint8_t reg(uint16_t r) const;
	uint8_t configuration() const { return config_; }
	uint8_t alt_setting() const { return alt_; }
	const ModelCounters &counters() const { return counters_; }
	const std::vector<VendorWrite> &writes() const { return writes_; }
	const Saa7113Model &saa7113() const { return saa7113_; }
	// s is an I2C write (OUT bRequest 2 or 3) that the emulated decoder
	// answers; its data stage starts with the subaddress.
	bool is_decoder_write(const SetupPacket &s) const;

private:
	bool to_decoder(const SetupPacket &s) const;
	Ep0Reply standard(const SetupPacket &s);
	Ep0Reply get_descriptor(const SetupPacket &s);
	Ep0Reply vendor(const SetupPacket &s);
	Ep0Reply stall();
	static Ep0Reply send(std::vector<uint8_t> data, uint16_t length);

	std::vector<uint8_t> regs_;
	uint8_t chip_id_;
	Decoder decoder_;
	Saa7113Model saa7113_;
	uint8_t i2c_status_ = kI2cAck;
	uint8_t config_ = 0;
	uint8_t alt_ = 0;
	ModelCounters counters_;
	std::vector<VendorWrite> writes_;
};

// Bytes of the n-th bulk transfer of the video stream: a 4-byte em28xx
// field start header (0x22 0x5a, bit 0 of byte 2 = bottom field; fields
// alternate top/bottom so that every other transfer starts a new frame)
// followed by a pattern. len is kept off multiples of kBulkMaxPacket so
// that each transfer ends with a short packet and completes one URB.
std::vector<uint8_t> stream_chunk(uint32_t seq, size_t len);
// The chunk length the device uses by default.
inline constexpr size_t kStreamChunkLen = 8000;

} // namespace mct::emu

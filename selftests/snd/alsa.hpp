// SPDX-License-Identifier: GPL-2.0
// ALSA and media controller helpers of the snd-usb-audio scenarios.
#pragma once

#include <linux/media.h>
#include <sound/asound.h>
#include <string>
#include <vector>

#include "mct/sys.hpp"

namespace mct::snd {

// The nodes of the one USB audio card and of its shared media device.
struct UsbAudioNodes {
	int card = -1;
	std::string control;	// /dev/snd/controlCN
	std::string pcm;	// /dev/snd/pcmCND0p
	std::string media;	// /dev/mediaM (driver snd_usb_audio)

	// Present in sysfs until the disconnect unregisters them.
	std::string card_sysfs() const;
	std::string media_sysfs() const;
};

// Looks the nodes up once; false (with *why) while one is missing.
bool find_usb_audio(UsbAudioNodes &n, std::string *why);

// Interleaved S16_LE playback: HW_PARAMS with these values, then PREPARE.
struct PcmConfig {
	unsigned rate = 48000;
	unsigned channels = 2;
	unsigned period_frames = 960;
	unsigned periods = 4;
};

SysResult pcm_hw_params(int fd, const PcmConfig &c);
SysResult pcm_prepare(int fd);
// One non-blocking WRITEI of frames of silence; EAGAIN is no error (the
// buffer is full), an xrun is recovered with PREPARE.
SysResult pcm_write_silence(int fd, const PcmConfig &c, unsigned frames);

struct Topology {
	std::vector<media_v2_entity> entities;
	std::vector<media_v2_interface> interfaces;
	std::vector<media_v2_link> links;
};

// MEDIA_IOC_G_TOPOLOGY twice: counts, then the arrays.
SysResult get_topology(int fd, Topology &t);
bool has_entity_function(const Topology &t, unsigned function);

} // namespace mct::snd

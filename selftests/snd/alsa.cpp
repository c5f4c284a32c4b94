// SPDX-License-Identifier: GPL-2.0
#include "alsa.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <vector>

namespace mct::snd {

std::string UsbAudioNodes::card_sysfs() const
{
	return "/sys/class/sound/card" + std::to_string(card);
}

std::string UsbAudioNodes::media_sysfs() const
{
	return "/sys/bus/media/devices/" + media.substr(media.rfind('/') + 1);
}

static int usb_audio_card(std::string *control)
{
	for (const auto &node : glob_paths("/dev/snd/controlC*")) {
		UniqueFd fd = open_node(node, O_RDONLY);
		struct snd_ctl_card_info info {};

		if (fd && xioctl(fd.get(), SNDRV_CTL_IOCTL_CARD_INFO, &info).ok() &&
		    !std::strcmp(reinterpret_cast<const char *>(info.driver), "USB-Audio")) {
			*control = node;
			return info.card;
		}
	}
	return -1;
}

bool find_usb_audio(UsbAudioNodes &n, std::string *why)
{
	n = UsbAudioNodes();
	n.card = usb_audio_card(&n.control);
	if (n.card < 0) {
		*why = "no USB-Audio card under /dev/snd";
		return false;
	}
	n.pcm = "/dev/snd/pcmC" + std::to_string(n.card) + "D0p";
	if (!path_exists(n.pcm)) {
		*why = n.pcm + " missing";
		return false;
	}
	auto media = media_nodes_of_driver("snd_usb_audio");
	if (media.size() != 1) {
		*why = std::to_string(media.size()) + " media devices of driver snd_usb_audio";
		return false;
	}
	n.media = media[0];
	return true;
}

static snd_mask *mask(snd_pcm_hw_params &p, int var)
{
	return &p.masks[var - SNDRV_PCM_HW_PARAM_FIRST_MASK];
}

static snd_interval *interval(snd_pcm_hw_params &p, int var)
{
	return &p.intervals[var - SNDRV_PCM_HW_PARAM_FIRST_INTERVAL];
}

static void mask_only(snd_pcm_hw_params &p, int var, unsigned bit)
{
	snd_mask *m = mask(p, var);

	std::memset(m->bits, 0, sizeof(m->bits));
	m->bits[bit / 32] = 1u << (bit % 32);
}

static void interval_exact(snd_pcm_hw_params &p, int var, unsigned v)
{
	snd_interval *i = interval(p, var);

	*i = {};
	i->min = i->max = v;
	i->integer = 1;
}

// What alsa-lib calls "any": every mask full, every interval unbounded.
static void hw_params_any(snd_pcm_hw_params &p)
{
	std::memset(&p, 0, sizeof(p));
	for (int v = SNDRV_PCM_HW_PARAM_FIRST_MASK; v <= SNDRV_PCM_HW_PARAM_LAST_MASK; v++)
		std::memset(mask(p, v)->bits, 0xff, sizeof(mask(p, v)->bits));
	for (int v = SNDRV_PCM_HW_PARAM_FIRST_INTERVAL; v <= SNDRV_PCM_HW_PARAM_LAST_INTERVAL; v++)
		interval(p, v)->max = ~0u;
	p.rmask = ~0u;
	p.info = ~0u;
}

SysResult pcm_hw_params(int fd, const PcmConfig &c)
{
	snd_pcm_hw_params p;

	hw_params_any(p);
	mask_only(p, SNDRV_PCM_HW_PARAM_ACCESS, SNDRV_PCM_ACCESS_RW_INTERLEAVED);
	mask_only(p, SNDRV_PCM_HW_PARAM_FORMAT, static_cast<unsigned>(SNDRV_PCM_FORMAT_S16_LE));
	interval_exact(p, SNDRV_PCM_HW_PARAM_CHANNELS, c.channels);
	interval_exact(p, SNDRV_PCM_HW_PARAM_RATE, c.rate);
	interval_exact(p, SNDRV_PCM_HW_PARAM_PERIOD_SIZE, c.period_frames);
	interval_exact(p, SNDRV_PCM_HW_PARAM_PERIODS, c.periods);
	return xioctl(fd, SNDRV_PCM_IOCTL_HW_PARAMS, &p);
}

SysResult pcm_prepare(int fd)
{
	return xioctl(fd, SNDRV_PCM_IOCTL_PREPARE, nullptr);
}

SysResult pcm_write_silence(int fd, const PcmConfig &c, unsigned frames)
{
	std::vector<short> buf(static_cast<size_t>(frames) * c.channels, 0);
	struct snd_xferi x {};

	x.buf = buf.data();
	x.frames = frames;
	SysResult r = xioctl(fd, SNDRV_PCM_IOCTL_WRITEI_FRAMES, &x);
	if (r.ok() || r.err == EAGAIN) {
		struct pollfd p = {fd, POLLOUT, 0};

		if (!r.ok())
			::poll(&p, 1, 20);
		return SysResult{};
	}
	if (r.err == EPIPE)
		return pcm_prepare(fd);
	return r;
}

SysResult get_topology(int fd, Topology &t)
{
	struct media_v2_topology topo {};
	SysResult r = xioctl(fd, MEDIA_IOC_G_TOPOLOGY, &topo);

	if (!r.ok())
		return r;
	t.entities.resize(topo.num_entities);
	t.interfaces.resize(topo.num_interfaces);
	t.links.resize(topo.num_links);
	topo.ptr_entities = reinterpret_cast<uintptr_t>(t.entities.data());
	topo.ptr_interfaces = reinterpret_cast<uintptr_t>(t.interfaces.data());
	topo.ptr_links = reinterpret_cast<uintptr_t>(t.links.data());
	topo.ptr_pads = 0;
	topo.num_pads = 0;
	r = xioctl(fd, MEDIA_IOC_G_TOPOLOGY, &topo);
	if (r.ok()) {
		t.entities.resize(std::min<size_t>(t.entities.size(), topo.num_entities));
		t.interfaces.resize(std::min<size_t>(t.interfaces.size(), topo.num_interfaces));
		t.links.resize(std::min<size_t>(t.links.size(), topo.num_links));
	}
	return r;
}

bool has_entity_function(const Topology &t, unsigned function)
{
	for (const auto &e : t.entities)
		if (e.function == function)
			return true;
	return false;
}

} // namespace mct::snd

// SPDX-License-Identifier: GPL-2.0
// mct-em28xx: hot-unplug scenarios of em28xx, driven by an in-process
// emulated Hauppauge USB Live2 on dummy_hcd + raw_gadget.
//
// Every scenario loads the modules, plugs the emulated board, waits
// (bounded) for /dev/videoN, /dev/vbiN and /dev/mediaN, then takes the
// device away under open file descriptors. After that every syscall on the
// gone device must return an error within kSyscallBound (a hang is a
// failure); the errno is reported in a TAP diagnostic. Memory errors in
// the kernel (the base kernel's use-after-free in v4l2_release) are for
// the console detectors to report.
#include <atomic>
#include <climits>
#include <cstdint>
#include <fcntl.h>
#include <functional>
#include <linux/media.h>
#include <linux/videodev2.h>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "em28xx_device.hpp"
#include "em28xx_host.hpp"
#include "em28xx_steps.hpp"
#include "mct/scenario.hpp"
#include "mct/sys.hpp"

using namespace mct;
using namespace mct::emu;

namespace {

constexpr int kReplugCycles = 5;

v4l2_format vbi_format()
{
	v4l2_format f{};

	f.type = V4L2_BUF_TYPE_VBI_CAPTURE;
	return f;
}

struct OpenNodes {
	UniqueFd video, vbi, media;

	bool open(Tap &tap, const Em28xxNodes &n, const std::string &tag)
	{
		video = open_checked(tap, n.video, tag);
		vbi = open_checked(tap, n.vbi, tag);
		media = open_checked(tap, n.media, tag);
		return video && vbi && media;
	}

	// The nodes answer while the device is there.
	bool work(Tap &tap, const Em28xxNodes &n, const std::string &tag)
	{
		bool ok = expect_ok<v4l2_capability>(tap, prefixed(tag, "QUERYCAP " + n.video),
						     video.get(), VIDIOC_QUERYCAP);
		// Not QUERYCAP on vbi: em28xx gives the vbi node V4L2_CAP_TUNER
		// exactly when the board has no tuner, v4l_querycap() WARNs.
		ok &= expect_ok(tap, prefixed(tag, "G_FMT " + n.vbi), vbi.get(), VIDIOC_G_FMT,
				vbi_format());
		ok &= expect_ok<media_device_info>(tap, prefixed(tag, "MEDIA_IOC_DEVICE_INFO " + n.media),
						   media.get(), MEDIA_IOC_DEVICE_INFO);
		return ok;
	}

	void expect_gone(Tap &tap, const Em28xxNodes &n, const std::string &tag)
	{
		v4l2_format fmt{};

		fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		expect_gone_error<v4l2_capability>(tap, prefixed(tag, "QUERYCAP " + n.video),
						   video.get(), VIDIOC_QUERYCAP);
		expect_gone_error(tap, prefixed(tag, "G_FMT " + n.video), video.get(), VIDIOC_G_FMT,
				  fmt);
		expect_gone_error(tap, prefixed(tag, "G_FMT " + n.vbi), vbi.get(), VIDIOC_G_FMT,
				  vbi_format());
		expect_gone_error<media_device_info>(tap,
						     prefixed(tag, "MEDIA_IOC_DEVICE_INFO " + n.media),
						     media.get(), MEDIA_IOC_DEVICE_INFO);
	}

	void close(Tap &tap, const Em28xxNodes &n, const std::string &tag)
	{
		close_bounded(tap, video, prefixed(tag, n.video));
		close_bounded(tap, vbi, prefixed(tag, n.vbi));
		close_bounded(tap, media, prefixed(tag, n.media));
	}
};

} // namespace

MCT_SCENARIO(em28xx_unplug_close_video, "em28xx-unplug-close-video",
	     "unplug em28xx with /dev/video and /dev/media open; ioctls fail; close")
{
	Em28xxDevice dev;
	Em28xxNodes n;

	if (!load_modules(tap) || !plug(tap, dev, &n, ""))
		return;
	UniqueFd video = open_checked(tap, n.video, "");
	UniqueFd media = open_checked(tap, n.media, "");
	if (!video || !media)
		return;
	expect_ok<v4l2_capability>(tap, "QUERYCAP " + n.video, video.get(), VIDIOC_QUERYCAP);
	expect_ok<media_device_info>(tap, "MEDIA_IOC_DEVICE_INFO " + n.media, media.get(),
				     MEDIA_IOC_DEVICE_INFO);
	if (!unplug(tap, dev, n, ""))
		return;

	v4l2_format fmt{};
	fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	expect_gone_error<v4l2_capability>(tap, "QUERYCAP " + n.video, video.get(), VIDIOC_QUERYCAP);
	expect_gone_error(tap, "G_FMT " + n.video, video.get(), VIDIOC_G_FMT, fmt);
	expect_gone_error<media_device_info>(tap, "MEDIA_IOC_DEVICE_INFO " + n.media, media.get(),
					     MEDIA_IOC_DEVICE_INFO);
	// Give the USB interface time to be freed too: DEBUG_KOBJECT_RELEASE
	// delays its release by up to 4 s after the disconnect (the media
	// device is kfree'd at once and stays in the KASAN quarantine).
	std::this_thread::sleep_for(kReleaseDelay);
	// The base kernel freed the media device at disconnect while the
	// v4l2_device still points to it: v4l2_release reads it here, then
	// em28xx_v4l2_close reads the freed dev->intf.
	close_bounded(tap, video, n.video);
	close_bounded(tap, media, n.media);
}

namespace {

// One thread issuing the same syscall in a loop until told to stop.
struct Hammer {
	std::string name;
	std::function<SysResult()> call;
	std::atomic<bool> stop{ false };
	std::atomic<bool> done{ false };
	std::atomic<long long> gone_at{ LLONG_MAX };	// device gone from this time on
	std::atomic<unsigned long> ok_before{ 0 };
	std::atomic<unsigned long> ok_after_gone{ 0 };
	std::atomic<unsigned long> errors{ 0 };
	std::mutex mu;
	std::map<int, unsigned long> errnos;		// under mu

	void loop()
	{
		while (!stop) {
			long long t = now_ms();
			SysResult r = call();

			if (r.ok()) {
				if (t >= gone_at)
					ok_after_gone++;
				else
					ok_before++;
				continue;
			}
			errors++;
			std::lock_guard<std::mutex> lock(mu);
			errnos[r.err]++;
		}
		done = true;
	}

	std::string errno_summary()
	{
		std::lock_guard<std::mutex> lock(mu);
		std::string s;

		for (const auto &[err, count] : errnos) {
			s += ' ';
			s += errno_name(err);
			s += 'x';
			s += std::to_string(count);
		}
		return s.empty() ? " none" : s;
	}
};

std::shared_ptr<Hammer> start_hammer(const std::string &name, std::function<SysResult()> call)
{
	auto h = std::make_shared<Hammer>();

	h->name = name;
	h->call = std::move(call);
	// Detached: a hammer stuck in the kernel must not block the scenario.
	std::thread([h] { h->loop(); }).detach();
	return h;
}

template <class T> std::function<SysResult()> ioctl_call(int fd, unsigned long req, T arg)
{
	auto a = std::make_shared<T>(arg);

	return [fd, req, a] {
		T copy = *a;
		return xioctl(fd, req, &copy);
	};
}

struct TopologyBuffers {
	static constexpr unsigned kMax = 64;
	media_v2_entity entities[kMax];
	media_v2_interface interfaces[kMax];
	media_v2_pad pads[kMax];
	media_v2_link links[kMax];
};

std::function<SysResult()> topology_call(int fd)
{
	auto b = std::make_shared<TopologyBuffers>();

	return [fd, b] {
		media_v2_topology t{};

		t.num_entities = t.num_interfaces = t.num_pads = t.num_links = TopologyBuffers::kMax;
		t.ptr_entities = reinterpret_cast<uintptr_t>(b->entities);
		t.ptr_interfaces = reinterpret_cast<uintptr_t>(b->interfaces);
		t.ptr_pads = reinterpret_cast<uintptr_t>(b->pads);
		t.ptr_links = reinterpret_cast<uintptr_t>(b->links);
		return xioctl(fd, MEDIA_IOC_G_TOPOLOGY, &t);
	};
}

} // namespace

MCT_SCENARIO(em28xx_unplug_ioctls, "em28xx-unplug-ioctls",
	     "unplug em28xx while threads hammer video and media ioctls")
{
	Em28xxDevice dev;
	Em28xxNodes n;
	OpenNodes fds;

	if (!load_modules(tap) || !plug(tap, dev, &n, "") || !fds.open(tap, n, ""))
		return;

	v4l2_format fmt{};
	v4l2_fmtdesc fdesc{};
	fmt.type = fdesc.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	int v = fds.video.get(), m = fds.media.get();
	std::vector<std::shared_ptr<Hammer>> hammers = {
		start_hammer("QUERYCAP " + n.video, ioctl_call(v, VIDIOC_QUERYCAP, v4l2_capability{})),
		start_hammer("G_FMT " + n.video, ioctl_call(v, VIDIOC_G_FMT, fmt)),
		start_hammer("ENUM_FMT " + n.video, ioctl_call(v, VIDIOC_ENUM_FMT, fdesc)),
		start_hammer("MEDIA_IOC_G_TOPOLOGY " + n.media, topology_call(m)),
		start_hammer("MEDIA_IOC_DEVICE_INFO " + n.media,
			     ioctl_call(m, MEDIA_IOC_DEVICE_INFO, media_device_info{})),
	};
	std::this_thread::sleep_for(1s);
	bool gone = unplug(tap, dev, n, "");
	long long gone_at = now_ms();
	for (auto &h : hammers)
		h->gone_at = gone_at;
	// Let every hammer meet the gone device a few times.
	std::this_thread::sleep_for(500ms);
	for (auto &h : hammers)
		h->stop = true;

	for (auto &h : hammers) {
		bool done = wait_until([&] { return h->done.load(); }, kSyscallBound);

		check(tap, done, h->name + " thread finished in time",
			  "stuck in the kernel > " + std::to_string(kSyscallBound.count()) + " ms");
		tap.diag(h->name + ": ok before gone " + std::to_string(h->ok_before) +
			 ", ok after gone " + std::to_string(h->ok_after_gone) + ", errors:" +
			 h->errno_summary());
		check(tap, h->ok_before > 0, h->name + " worked before the unplug");
		if (gone) {
			check(tap, h->errors > 0, h->name + " failed once the device was gone");
			check(tap, h->ok_after_gone == 0, h->name + " never succeeded on the gone device",
				  std::to_string(h->ok_after_gone) + " calls succeeded");
		}
	}
	fds.close(tap, n, "");
}

namespace {

// Dequeues and requeues buffers until DQBUF fails.
struct Dequeuer {
	int fd = -1;
	std::atomic<bool> done{ false };
	std::atomic<unsigned long> frames{ 0 };
	std::atomic<long long> failed_at{ 0 };
	SysResult last;		// valid once done
	std::string what;	// "DQBUF" or "QBUF"

	void loop()
	{
		for (;;) {
			v4l2_buffer b{};

			b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
			b.memory = V4L2_MEMORY_MMAP;
			last = xioctl(fd, VIDIOC_DQBUF, &b);
			what = "DQBUF";
			if (!last.ok())
				break;
			frames++;
			last = xioctl(fd, VIDIOC_QBUF, &b);
			what = "QBUF";
			if (!last.ok())
				break;
		}
		failed_at = now_ms();
		done = true;
	}
};

} // namespace

MCT_SCENARIO(em28xx_unplug_streaming, "em28xx-unplug-streaming",
	     "unplug em28xx while streaming, with DQBUF blocked in another thread")
{
	Em28xxDevice dev;
	Em28xxNodes n;

	if (!load_modules(tap) || !plug(tap, dev, &n, ""))
		return;
	UniqueFd video = open_checked(tap, n.video, "");
	if (!video)
		return;
	std::vector<Mapping> maps;
	if (!start_streaming(tap, video.get(), &maps))
		return;

	auto dq = std::make_shared<Dequeuer>();
	dq->fd = video.get();
	std::thread([dq] { dq->loop(); }).detach();

	// Bulk URBs in flight and completing: the emulator's writes go through
	// and em28xx turns the fields into frames.
	check(tap, dev.wait_stream_writes(16, 30s), "bulk IN transfers flow to em28xx URBs",
		  dev.stats().str());
	check(tap, wait_until([&] { return dq->frames >= 2 || dq->done; }, 30s),
		  "DQBUF returns captured frames", "frames " + std::to_string(dq->frames));
	bool stopped_early = dq->done;
	check(tap, !stopped_early, "streaming still running before unplug",
		  stopped_early ? dq->what + ": " + dq->last.str() : "");

	long long t0 = now_ms();
	bool gone = unplug(tap, dev, n, "");
	bool ended = wait_until([&] { return dq->done.load(); }, kSyscallBound);
	check(tap, ended, "blocked DQBUF returns after unplug",
		  "still blocked " + std::to_string(kSyscallBound.count()) + " ms after unplug");
	if (ended) {
		tap.diag("frames captured " + std::to_string(dq->frames) + "; " + dq->what +
			 " after unplug: " + dq->last.str() + " after " +
			 std::to_string(dq->failed_at - t0) + " ms");
		check(tap, !dq->last.ok(), dq->what + " after unplug fails");
	}
	if (gone) {
		int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		v4l2_buffer b{};

		b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		b.memory = V4L2_MEMORY_MMAP;
		expect_gone_error(tap, "QBUF " + n.video, video.get(), VIDIOC_QBUF, b);
		expect_gone_error(tap, "STREAMOFF " + n.video, video.get(), VIDIOC_STREAMOFF, type);
	}
	maps.clear();
	if (ended)
		close_bounded(tap, video, n.video);
	else
		video.release();	// a thread still uses it
}

MCT_SCENARIO(em28xx_replug_cycles, "em28xx-replug-cycles",
	     "plug/unplug em28xx 5 times with video, vbi and media open across unplug")
{
	if (!load_modules(tap))
		return;
	for (int i = 1; i <= kReplugCycles; i++) {
		std::string tag = "cycle " + std::to_string(i);
		Em28xxDevice dev;
		Em28xxNodes n;
		OpenNodes fds;

		if (!plug(tap, dev, &n, tag) || !fds.open(tap, n, tag))
			return;
		fds.work(tap, n, tag);
		if (!unplug(tap, dev, n, tag))
			return;
		fds.expect_gone(tap, n, tag);
		fds.close(tap, n, tag);
	}
}

MCT_SCENARIO(em28xx_unbind_bind, "em28xx-unbind-bind",
	     "sysfs unbind of em28xx with nodes open, ioctls, close, bind again, unplug")
{
	const std::string drv = "/sys/bus/usb/drivers/em28xx/";
	Em28xxDevice dev;
	Em28xxNodes n;
	OpenNodes fds;

	if (!load_modules(tap) || !plug(tap, dev, &n, "") || !fds.open(tap, n, ""))
		return;
	fds.work(tap, n, "");
	if (!sysfs_write_bounded(tap, drv + "unbind", n.intf))
		return;
	std::string left;
	bool unbound = wait_em28xx_unbound(n, kGoneBound, &left);
	check(tap, unbound, "em28xx unbound and its nodes left sysfs", "still there:" + left);
	if (!unbound)
		return;
	fds.expect_gone(tap, n, "unbound");
	fds.close(tap, n, "unbound");

	if (!sysfs_write_bounded(tap, drv + "bind", n.intf))
		return;
	Em28xxNodes again;
	if (!check(tap, wait_em28xx_nodes(&again, kProbeBound), "nodes are back after bind",
		       again.str()))
		return;
	tap.diag("after bind: " + again.str());
	OpenNodes fds2;
	if (fds2.open(tap, again, "rebound"))
		fds2.work(tap, again, "rebound");
	fds2.close(tap, again, "rebound");
	unplug(tap, dev, again, "");
}

int main(int argc, char **argv)
{
	return scenario_main(argc, argv);
}

// SPDX-License-Identifier: GPL-2.0
// mct-snd: snd-usb-audio hot-unplug with the shared media device open.
//
// Runs in the VM of the usb-audio profile: QEMU's usb-audio (46f4:0002) on
// xhci, and the host relay on ttyS1 that unplugs/replugs it over QMP. With
// the share_media_device quirk snd-usb-audio gets its media device from
// media_device_usb_allocate(); on disconnect the allocator's last kref put
// unregisters, cleans up and kfree()s it whatever userspace still holds.
//
// Every round holds /dev/mediaN, /dev/snd/controlCN and the playback PCM
// (configured and streaming; on v7.3 its open fails, see open_held()) open,
// runs ioctl loops on them from threads, holds one media ioctl in flight
// (stalled by userfaultfd in its copy_from_user(), after
// media_device_ioctl() has read devnode->media_dev), asks the host to
// unplug, resumes the stalled ioctl once the guest has seen the disconnect,
// then checks that every syscall on the gone device fails within a bound
// and that close() returns. On v7.3 the resumed ioctl locks the freed
// media device's graph_mutex: KASAN slab-use-after-free in __mutex_lock.
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <memory>
#include <optional>
#include <poll.h>
#include <sys/ioctl.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "alsa.hpp"
#include "host_link.hpp"
#include "mct/scenario.hpp"
#include "mct/sys.hpp"
#include "mct/uffd_page.hpp"

using namespace mct;
using namespace mct::snd;

namespace {

const char *const kTty = "/dev/ttyS1";
const char *const kModule = "snd-usb-audio quirk_flags=46f4:0002:share_media_device";
const char *const kUnplug = "qmp device_del ua";
const char *const kReplug = "qmp device_add usb-audio,id=ua,bus=xhci.0,audiodev=snd0";

const Millis kProbeTimeout = 30s;	// device nodes after modprobe/replug
const Millis kHostTimeout = 25s;	// relay: QMP reply + DEVICE_DELETED
const Millis kGoneTimeout = 15s;	// guest disconnect after the host unplug
const Millis kErrorBound = 5s;		// loops must fail this soon after it
const Millis kSyscallBound = 5s;	// any single syscall on the gone device

// Errors that say "the device is gone".
bool gone_errno(int err)
{
	switch (err) {
	case ENODEV: case EIO: case ENXIO: case EPIPE: case EBADFD: case ESHUTDOWN:
		return true;
	default:
		return false;
	}
}

// A check whose reason is printed only when it fails.
bool expect(Tap &tap, bool cond, const std::string &name, const std::string &why = "")
{
	return tap.check(cond, name, cond ? "" : why);
}

// A syscall that does not come back cannot be cancelled: report what we
// have and end the program (the VM timeout then catches a stuck exit).
[[noreturn]] void abort_on_hang(Tap &tap, const std::string &what)
{
	tap.fail(what + " returns within the bound", "hung: stopping here");
	tap.finish();
	std::fflush(stdout);
	::_exit(1);
}

bool connect_host(Tap &tap, HostLink &link)
{
	std::string err;
	bool ok = false;

	if (!expect(tap, link.open(kTty, &err), std::string("open host link ") + kTty, err))
		return false;
	for (int i = 0; i < 3 && !ok; i++)
		ok = link.request("ping", 5s, &err);
	return tap.check(ok, "host relay answers ping", ok ? "" : err);
}

bool load_driver(Tap &tap)
{
	bool loaded = path_exists("/sys/module/snd_usb_audio");

	if (!tap.check(!loaded, "snd-usb-audio not loaded before the test",
		       loaded ? "already loaded: the device probed without the quirk" : ""))
		return false;
	if (!expect(tap, modprobe(kModule), std::string("modprobe ") + kModule))
		return false;
	auto v = read_file("/sys/module/snd_usb_audio/parameters/quirk_flags");
	tap.diag("quirk_flags parameter: " + (v ? v->substr(0, v->find(',')) : "unreadable"));
	return true;
}

bool wait_device(Tap &tap, UsbAudioNodes &n, const std::string &what)
{
	std::string why;
	long long t0 = now_ms();
	bool ok = wait_until([&] { return find_usb_audio(n, &why); }, kProbeTimeout);

	return tap.check(ok, what + ": card, PCM and media nodes appear",
			 ok ? n.control + " " + n.pcm + " " + n.media + " after " +
				      std::to_string(now_ms() - t0) + " ms"
			    : why + " after " + std::to_string(kProbeTimeout.count()) + " ms");
}

bool wait_gone(const UsbAudioNodes &n, Millis timeout)
{
	return wait_until([&] { return !path_exists(n.media_sysfs()) && !path_exists(n.card_sysfs()); },
			  timeout);
}

struct Held {
	UniqueFd media, control, pcm;
};

bool open_held(Tap &tap, const std::string &tag, const UsbAudioNodes &n, Held &h)
{
	SysResult r;

	h.media = open_node(n.media, O_RDWR, &r);
	if (!expect(tap, bool(h.media), tag + "open " + n.media, r.str()))
		return false;
	h.control = open_node(n.control, O_RDWR, &r);
	if (!expect(tap, bool(h.control), tag + "open " + n.control, r.str()))
		return false;
	// On v7.3 this open fails with EINVAL and a WARNING: with a media
	// device, snd_media_stream_init() links the mixer's source pad to
	// the playback entity's source pad. The round goes on without it.
	h.pcm = open_node(n.pcm, O_RDWR | O_NONBLOCK, &r);
	tap.check(bool(h.pcm), tag + "open " + n.pcm,
		  h.pcm ? "" : r.str() + " (going on without the PCM)");
	return true;
}

bool start_pcm(Tap &tap, const std::string &tag, int fd, const PcmConfig &cfg)
{
	SysResult r = pcm_hw_params(fd, cfg);

	if (!expect(tap, r.ok(), tag + "PCM HW_PARAMS S16_LE 2ch 48 kHz", r.str()))
		return false;
	r = pcm_prepare(fd);
	if (!expect(tap, r.ok(), tag + "PCM PREPARE", r.str()))
		return false;
	r = pcm_write_silence(fd, cfg, cfg.period_frames);
	return expect(tap, r.ok(), tag + "PCM WRITEI starts the stream", r.str());
}

// The mixer entity, and the playback entity the PCM open added.
bool check_graph(Tap &tap, const std::string &tag, int fd, bool pcm_open, Topology &t)
{
	SysResult r = get_topology(fd, t);

	if (!expect(tap, r.ok(), tag + "MEDIA_IOC_G_TOPOLOGY", r.str()))
		return false;
	tap.diag(tag + std::to_string(t.entities.size()) + " entities, " +
		 std::to_string(t.interfaces.size()) + " interfaces, " +
		 std::to_string(t.links.size()) + " links");
	if (!expect(tap, has_entity_function(t, MEDIA_ENT_F_AUDIO_MIXER),
		    tag + "graph has the mixer entity"))
		return false;
	return !pcm_open || expect(tap, has_entity_function(t, MEDIA_ENT_F_AUDIO_PLAYBACK),
				   tag + "graph has the playback entity");
}

// A thread repeating one operation until it fails or is told to stop.
class Worker {
public:
	Worker(std::string name, std::function<SysResult()> op)
		: name_(std::move(name)), op_(std::move(op)) {}
	Worker(const Worker &) = delete;
	Worker &operator=(const Worker &) = delete;
	// A thread still in the kernel cannot be joined or abandoned safely:
	// give it the bound, then end the program.
	~Worker()
	{
		if (!thread_.joinable())
			return;
		stop();
		if (!wait_until([this] { return done(); }, kSyscallBound)) {
			std::printf("# %s does not return: exiting\n", name_.c_str());
			std::fflush(stdout);
			::_exit(1);
		}
		thread_.join();
	}

	void start() { thread_ = std::thread([this] { run(); }); }
	void stop() { stop_.store(true); }
	bool done() const { return done_.load(); }
	long ops() const { return ops_.load(); }
	bool failed() const { return failed_.load(); }
	const std::string &name() const { return name_; }
	// Valid once done().
	SysResult error() const { return err_; }
	long long error_ms() const { return err_ms_; }
	void join()
	{
		if (thread_.joinable())
			thread_.join();
	}

private:
	void run()
	{
		while (!stop_.load()) {
			SysResult r = op_();

			ops_++;
			if (!r.ok()) {
				err_ = r;
				err_ms_ = now_ms();
				failed_.store(true);
				break;
			}
		}
		done_.store(true);
	}

	std::string name_;
	std::function<SysResult()> op_;
	std::atomic<bool> stop_{false}, done_{false}, failed_{false};
	std::atomic<long> ops_{0};
	SysResult err_;
	long long err_ms_ = 0;
	std::thread thread_;
};

using Workers = std::vector<std::unique_ptr<Worker>>;

Workers make_workers(const Held &h, const PcmConfig &cfg)
{
	int m = h.media.get(), c = h.control.get(), p = h.pcm.get();
	Workers w;

	w.push_back(std::make_unique<Worker>(
		"media DEVICE_INFO/G_TOPOLOGY loop", [m]() -> SysResult {
			struct media_device_info info {};
			struct media_v2_topology topo {};
			SysResult r = xioctl(m, MEDIA_IOC_DEVICE_INFO, &info);

			return r.ok() ? xioctl(m, MEDIA_IOC_G_TOPOLOGY, &topo) : r;
		}));
	w.push_back(std::make_unique<Worker>(
		"control CARD_INFO/ELEM_LIST loop", [c]() -> SysResult {
			struct snd_ctl_card_info info {};
			struct snd_ctl_elem_list list {};
			SysResult r = xioctl(c, SNDRV_CTL_IOCTL_CARD_INFO, &info);

			return r.ok() ? xioctl(c, SNDRV_CTL_IOCTL_ELEM_LIST, &list) : r;
		}));
	if (p >= 0)
		w.push_back(std::make_unique<Worker>("PCM WRITEI loop", [p, cfg]() -> SysResult {
			return pcm_write_silence(p, cfg, cfg.period_frames);
		}));
	return w;
}

// Every loop ran and none failed before the unplug.
bool workers_running(Tap &tap, const std::string &tag, const Workers &w)
{
	bool ok = wait_until([&] {
		for (const auto &x : w)
			if (x->ops() < 2 && !x->done())
				return false;
		return true;
	}, 5s);

	for (const auto &x : w)
		if (x->failed() || !ok)
			return expect(tap, false, tag + "ioctl loops run before the unplug",
				      x->name() + (x->failed() ? ": " + x->error().str()
								: ": no progress"));
	tap.ok(tag + "ioctl loops run before the unplug");
	return true;
}

// The loops must all end with a "gone" errno, after the unplug request and
// at most kErrorBound after the guest saw the disconnect.
void check_workers(Tap &tap, const std::string &tag, Workers &w, long long t_req,
		   long long t_gone, const std::function<bool(int)> &gone = gone_errno)
{
	long long deadline = t_gone + kErrorBound.count();

	wait_until([&] {
		for (const auto &x : w)
			if (!x->done())
				return now_ms() >= deadline;
		return true;
	}, kErrorBound + kGoneTimeout);
	for (auto &x : w)
		x->stop();
	if (!wait_until([&] {
		    for (const auto &x : w)
			    if (!x->done())
				    return false;
		    return true;
	    }, kSyscallBound))
		abort_on_hang(tap, tag + "an ioctl loop");
	for (auto &x : w) {
		x->join();
		std::string n = tag + x->name();

		if (!expect(tap, x->failed(), n + " fails after the unplug",
			    "still succeeding " + std::to_string(kErrorBound.count()) +
				    " ms after the disconnect, " + std::to_string(x->ops()) + " ops"))
			continue;
		expect(tap, x->error_ms() >= t_req, n + " did not fail before the unplug",
		       x->error().str() + " " + std::to_string(t_req - x->error_ms()) +
			       " ms before the unplug request");
		tap.check(x->error_ms() <= deadline, n + " fails within the bound",
			  std::to_string(x->error_ms() - t_gone) + " ms after the disconnect");
		tap.check(gone(x->error().err), n + " fails with a device-gone errno",
			  x->error().str() + " after " + std::to_string(x->ops()) + " ops");
	}
}

// One media ioctl held inside copy_from_user() across the unplug, with
// the argument it will read once resumed.
struct StalledIoctl {
	const char *name;
	unsigned long cmd;
	std::vector<char> arg;
};

StalledIoctl stalled_ioctl(int kind, const Topology &t)
{
	if (kind == 1) {
		struct media_entity_desc d {};

		d.id = MEDIA_ENT_ID_FLAG_NEXT;
		const char *p = reinterpret_cast<const char *>(&d);
		return {"MEDIA_IOC_ENUM_ENTITIES", MEDIA_IOC_ENUM_ENTITIES, {p, p + sizeof(d)}};
	}
	if (kind == 2) {
		struct media_links_enum l {};

		l.entity = t.entities.empty() ? 0 : t.entities[0].id;
		const char *p = reinterpret_cast<const char *>(&l);
		return {"MEDIA_IOC_ENUM_LINKS", MEDIA_IOC_ENUM_LINKS, {p, p + sizeof(l)}};
	}
	struct media_v2_topology topo {};
	const char *p = reinterpret_cast<const char *>(&topo);
	return {"MEDIA_IOC_G_TOPOLOGY", MEDIA_IOC_G_TOPOLOGY, {p, p + sizeof(topo)}};
}

class Stall {
public:
	Stall(StalledIoctl s, int fd) : s_(std::move(s)), fd_(fd) {}
	Stall(const Stall &) = delete;
	Stall &operator=(const Stall &) = delete;
	// On an early exit the ioctl may still wait for its page.
	~Stall()
	{
		std::string err;

		if (worker_ && !resumed_)
			uffd_.resolve(s_.arg.data(), s_.arg.size(), &err);
		worker_.reset();
	}

	bool start(Tap &tap, const std::string &tag)
	{
		std::string err;

		if (!expect(tap, uffd_.init(&err), tag + "userfaultfd page", err))
			return false;
		worker_ = std::make_unique<Worker>(s_.name, [this]() -> SysResult {
			SysResult r = xioctl(fd_, s_.cmd, uffd_.page());

			result_ = r;
			return SysResult{-1, 0}; // one shot
		});
		worker_->start();
		bool ok = uffd_.wait_fault(5s, &err);
		if (!ok && worker_->done())
			err += "; the ioctl returned " + result_.str();
		return expect(tap, ok, tag + s_.name + " stalls in copy_from_user", err);
	}

	// Lets the ioctl read its argument: on the base kernel it goes on with
	// the media_device pointer it read before the unplug.
	void resume(Tap &tap, const std::string &tag)
	{
		std::string err;

		resumed_ = true;
		tap.diag(tag + "resuming the stalled " + s_.name + " (base kernel: it now uses the "
			 "media device the allocator freed)");
		if (!expect(tap, uffd_.resolve(s_.arg.data(), s_.arg.size(), &err),
			    tag + "resolve the fault", err))
			return;
		if (!wait_until([&] { return worker_->done(); }, kSyscallBound))
			abort_on_hang(tap, tag + "the resumed " + s_.name);
		worker_->join();
		tap.check(result_.ok() || gone_errno(result_.err),
			  tag + "the resumed " + s_.name + " completes or fails cleanly", result_.str());
	}

private:
	StalledIoctl s_;
	int fd_;
	UffdPage uffd_;
	std::unique_ptr<Worker> worker_;
	SysResult result_;
	bool resumed_ = false;
};

// One syscall on a gone device: it must fail with a "gone" errno in time.
void probe_gone(Tap &tap, const std::string &what, const std::function<SysResult()> &op)
{
	SysResult r;

	if (!run_bounded([&] { r = op(); }, kSyscallBound))
		abort_on_hang(tap, what);
	tap.check(!r.ok() && gone_errno(r.err), what + " fails with a device-gone errno", r.str());
}

void probe_poll(Tap &tap, const std::string &what, int fd)
{
	struct pollfd p = {fd, POLLIN | POLLOUT, 0};
	int rc = 0;

	if (!run_bounded([&] { rc = ::poll(&p, 1, 1000); }, kSyscallBound))
		abort_on_hang(tap, what);
	tap.check(rc == 1 && (p.revents & (POLLERR | POLLHUP | POLLNVAL)),
		  what + " reports an error or hang-up",
		  "rc=" + std::to_string(rc) + " revents=" + std::to_string(p.revents));
}

void probe_all(Tap &tap, const std::string &tag, const UsbAudioNodes &n, const Held &h,
	       const PcmConfig &cfg)
{
	int m = h.media.get(), c = h.control.get(), p = h.pcm.get();

	probe_gone(tap, tag + "MEDIA_IOC_DEVICE_INFO on " + n.media, [m] {
		struct media_device_info info {};
		return xioctl(m, MEDIA_IOC_DEVICE_INFO, &info);
	});
	probe_gone(tap, tag + "MEDIA_IOC_G_TOPOLOGY on " + n.media, [m] {
		struct media_v2_topology topo {};
		return xioctl(m, MEDIA_IOC_G_TOPOLOGY, &topo);
	});
	probe_gone(tap, tag + "CARD_INFO on " + n.control, [c] {
		struct snd_ctl_card_info info {};
		return xioctl(c, SNDRV_CTL_IOCTL_CARD_INFO, &info);
	});
	probe_poll(tap, tag + "poll " + n.media, m);
	probe_poll(tap, tag + "poll " + n.control, c);
	if (p < 0)
		return;
	probe_gone(tap, tag + "HW_PARAMS on " + n.pcm, [p, cfg] { return pcm_hw_params(p, cfg); });
	probe_gone(tap, tag + "PREPARE on " + n.pcm, [p] { return pcm_prepare(p); });
	probe_poll(tap, tag + "poll " + n.pcm, p);
}

void close_all(Tap &tap, const std::string &tag, const UsbAudioNodes &n, Held &h)
{
	struct Item {
		UniqueFd *fd;
		std::string path;
	} items[] = {{&h.media, n.media}, {&h.pcm, n.pcm}, {&h.control, n.control}};

	for (auto &it : items) {
		int rc = 0, err = 0;

		if (!*it.fd)
			continue;
		tap.diag(tag + "closing " + it.path);
		if (!run_bounded([&] {
			    rc = it.fd->reset();
			    err = errno;
		    }, kSyscallBound))
			abort_on_hang(tap, tag + "close " + it.path);
		expect(tap, rc == 0, tag + "close " + it.path, rc ? errno_name(err) : "");
	}
}

// Asks the host to unplug; returns the time the guest saw the disconnect,
// or -1. A stalled ioctl is resumed as soon as the disconnect is seen.
long long unplug(Tap &tap, const std::string &tag, HostLink &link, const UsbAudioNodes &n,
		 Stall *stall, long long *t_req)
{
	std::string reply;

	*t_req = now_ms();
	if (!expect(tap, link.request(kUnplug, kHostTimeout, &reply),
		    tag + "host unplugs the device", reply))
		return -1;
	bool gone = wait_gone(n, kGoneTimeout);
	if (!gone && stall) {
		// A kernel that waits for in-flight ioctls before it tears the
		// device down would wait for us here: let the ioctl go on.
		tap.diag(tag + "disconnect not finished while an ioctl is stalled");
		stall->resume(tap, tag);
		stall = nullptr;
		gone = wait_gone(n, kGoneTimeout);
	}
	if (!expect(tap, gone, tag + "guest sees the disconnect",
		    n.media_sysfs() + " or " + n.card_sysfs() + " still there"))
		return -1;
	long long t_gone = now_ms();
	tap.diag(tag + "disconnect seen " + std::to_string(t_gone - *t_req) +
		 " ms after the unplug request");
	if (stall) {
		// The allocator freed the media device right after unregistering
		// it; touch it before KASAN's quarantine recycles it.
		std::this_thread::sleep_for(100ms);
		stall->resume(tap, tag);
	}
	return t_gone;
}

// Opens everything, starts the loops (and the stalled ioctl when stall_kind
// >= 0), unplugs, checks, closes. False when the round could not start.
bool unplug_round(Tap &tap, HostLink &link, const UsbAudioNodes &n, const std::string &tag,
		  int stall_kind)
{
	Held h;
	PcmConfig cfg;
	Topology topo;

	if (!open_held(tap, tag, n, h) || (h.pcm && !start_pcm(tap, tag, h.pcm.get(), cfg)) ||
	    !check_graph(tap, tag, h.media.get(), bool(h.pcm), topo))
		return false;
	Workers w = make_workers(h, cfg);
	for (auto &x : w)
		x->start();
	bool running = workers_running(tap, tag, w);
	std::unique_ptr<Stall> stall;
	if (running && stall_kind >= 0) {
		stall = std::make_unique<Stall>(stalled_ioctl(stall_kind, topo), h.media.get());
		if (!stall->start(tap, tag))
			stall.reset();
	}
	long long t_req = now_ms();
	long long t_gone = running ? unplug(tap, tag, link, n, stall.get(), &t_req) : -1;
	if (t_gone < 0)
		return false; // ~Worker stops and joins the loops
	check_workers(tap, tag, w, t_req, t_gone);
	probe_all(tap, tag, n, h, cfg);
	close_all(tap, tag, n, h);
	return true;
}

// The id of the first entity of the function in the graph, or 0.
unsigned entity_id(const Topology &t, unsigned function)
{
	for (const auto &e : t.entities)
		if (e.function == function)
			return e.id;
	return 0;
}

// The topology of a graph that may grow between the two calls of
// get_topology(): ENOSPC then only means "again".
SysResult get_topology_racing(int fd, Topology &t)
{
	SysResult r;

	for (int i = 0; i < 16; i++) {
		r = get_topology(fd, t);
		if (r.ok() || r.err != ENOSPC)
			break;
	}
	return r;
}

// The links of an entity, from MEDIA_IOC_ENUM_ENTITIES and ENUM_LINKS.
// ENUM_LINKS fills the arrays without a bound: a PCM open may add a link
// between the two calls, hence the room.
SysResult enum_links(int fd, unsigned id, std::vector<media_link_desc> &links)
{
	struct media_entity_desc d {};
	struct media_links_enum l {};
	std::vector<media_pad_desc> pads;

	d.id = id;
	SysResult r = xioctl(fd, MEDIA_IOC_ENUM_ENTITIES, &d);
	if (!r.ok())
		return r;
	pads.resize(d.pads + 8u);
	links.resize(d.links + 64u);
	l.entity = id;
	l.pads = pads.data();
	l.links = links.data();
	// The entries it did not fill stay zero: no entity has id 0.
	return xioctl(fd, MEDIA_IOC_ENUM_LINKS, &l);
}

// Set when the unplug is requested. From then on the disconnect removes the
// PCM entities (snd_media_stream_delete()) before the media device goes: a
// call on an entity found before may get EINVAL, as for any entity removed
// at runtime, and the loop goes on until the calls fail with a "gone" errno.
std::atomic<bool> g_unplugging{false};

bool entity_removed(const SysResult &r)
{
	return !r.ok() && r.err == EINVAL && g_unplugging.load();
}

// The media ioctls that walk the graph and change its links, while PCM opens
// add the playback entity and its links to it. Every one succeeds until the
// unplug.
Workers make_graph_workers(int m)
{
	Workers w;

	w.push_back(std::make_unique<Worker>("media G_TOPOLOGY walk loop", [m]() -> SysResult {
		Topology t;

		return get_topology_racing(m, t);
	}));
	w.push_back(std::make_unique<Worker>(
		"media ENUM_ENTITIES/ENUM_LINKS walk loop", [m]() -> SysResult {
			struct media_entity_desc d {};

			d.id = MEDIA_ENT_ID_FLAG_NEXT;
			for (;;) {
				std::vector<media_link_desc> links;
				SysResult r = xioctl(m, MEDIA_IOC_ENUM_ENTITIES, &d);

				if (!r.ok())
					return r.err == EINVAL ? SysResult{} : r; // the end
				r = enum_links(m, d.id, links);
				if (!r.ok() && !entity_removed(r))
					return r;
				d.id |= MEDIA_ENT_ID_FLAG_NEXT;
			}
		}));
	w.push_back(std::make_unique<Worker>(
		"media SETUP_LINK loop on the playback links", [m]() -> SysResult {
			std::vector<media_link_desc> links;
			Topology t;
			SysResult r = get_topology_racing(m, t);
			unsigned id = r.ok() ? entity_id(t, MEDIA_ENT_F_AUDIO_PLAYBACK) : 0;

			if (!r.ok() || !id)
				return r; // no PCM open yet
			r = enum_links(m, id, links);
			for (auto &l : links) {
				if (!r.ok())
					break;
				if (l.source.entity != id || (l.flags & MEDIA_LNK_FL_IMMUTABLE))
					continue;
				l.flags ^= MEDIA_LNK_FL_ENABLED;
				r = xioctl(m, MEDIA_IOC_SETUP_LINK, &l);
				if (r.ok()) {
					l.flags ^= MEDIA_LNK_FL_ENABLED;
					r = xioctl(m, MEDIA_IOC_SETUP_LINK, &l);
				}
			}
			return entity_removed(r) ? SysResult{} : r;
		}));
	return w;
}

// The open of a PCM whose card was disconnected may also find its node
// removed, and the USB transfers of HW_PARAMS and PREPARE to the device
// that is being unplugged time out.
bool open_gone_errno(int err)
{
	return gone_errno(err) || err == ENOENT || err == ETIMEDOUT;
}

// Opens the nodes, runs the graph loops against a loop of PCM opens (the
// first one adds the playback entity), stalls one media ioctl, unplugs.
bool pcm_open_race_round(Tap &tap, HostLink &link, const UsbAudioNodes &n,
			 const std::string &tag, int stall_kind)
{
	PcmConfig cfg;
	Topology topo;
	Held h;
	SysResult r;

	h.media = open_node(n.media, O_RDWR, &r);
	if (!expect(tap, bool(h.media), tag + "open " + n.media, r.str()))
		return false;
	h.control = open_node(n.control, O_RDWR, &r);
	if (!expect(tap, bool(h.control), tag + "open " + n.control, r.str()))
		return false;
	r = get_topology(h.media.get(), topo);
	if (!expect(tap, r.ok(), tag + "MEDIA_IOC_G_TOPOLOGY", r.str()) ||
	    !expect(tap, !has_entity_function(topo, MEDIA_ENT_F_AUDIO_PLAYBACK),
		    tag + "no playback entity before the first PCM open",
		    "the PCM was opened before: the race cannot be run"))
		return false;

	Workers w = make_graph_workers(h.media.get());
	Workers pcm;
	std::string path = n.pcm;
	auto busy = std::make_shared<std::atomic<long>>(0);
	pcm.push_back(std::make_unique<Worker>(
		"PCM open/HW_PARAMS/PREPARE/WRITEI/close loop", [path, cfg, busy]() -> SysResult {
			SysResult r;
			UniqueFd fd = open_node(path, O_RDWR | O_NONBLOCK, &r);

			// snd_usb_pcm_close() that finds the chip shutting down
			// returns before it clears subs->opened: until the card
			// is disconnected, the next open gets EBUSY (ALSA, not the
			// media device). Counted, and the loop goes on.
			if (!fd && r.err == EBUSY && g_unplugging.load()) {
				(*busy)++;
				return SysResult{};
			}
			if (!fd)
				return r;
			r = pcm_hw_params(fd.get(), cfg);
			if (r.ok())
				r = pcm_prepare(fd.get());
			if (r.ok())
				r = pcm_write_silence(fd.get(), cfg, cfg.period_frames);
			return r;
		}));
	for (auto &x : w)
		x->start();
	pcm[0]->start();
	bool running = workers_running(tap, tag, w) && workers_running(tap, tag + "PCM: ", pcm);
	if (running) {
		r = get_topology(h.media.get(), topo);
		running = expect(tap, r.ok() && has_entity_function(topo, MEDIA_ENT_F_AUDIO_PLAYBACK),
				 tag + "the PCM open added the playback entity", r.str());
	}
	std::unique_ptr<Stall> stall;
	if (running) {
		stall = std::make_unique<Stall>(stalled_ioctl(stall_kind, topo), h.media.get());
		if (!stall->start(tap, tag))
			stall.reset();
	}
	long long t_req = now_ms();
	// Cleared when the round ends, however it ends (on an early return,
	// the workers are only stopped and joined after it).
	struct Unplugging {
		Unplugging() { g_unplugging.store(true); }
		~Unplugging() { g_unplugging.store(false); }
	};
	std::optional<Unplugging> unplugging;
	if (running)
		unplugging.emplace();
	long long t_gone = running ? unplug(tap, tag, link, n, stall.get(), &t_req) : -1;
	if (t_gone < 0)
		return false; // ~Worker stops and joins the loops
	check_workers(tap, tag, w, t_req, t_gone);
	check_workers(tap, tag, pcm, t_req, t_gone, open_gone_errno);
	tap.diag(tag + "PCM opens that got EBUSY during the disconnect: " +
		 std::to_string(busy->load()));
	probe_all(tap, tag, n, h, cfg);
	close_all(tap, tag, n, h);
	return true;
}

bool setup(Tap &tap, HostLink &link, UsbAudioNodes &n)
{
	return connect_host(tap, link) && load_driver(tap) && wait_device(tap, n, "probe");
}

} // namespace

MCT_SCENARIO(unplug_open_media, "snd-usb-audio-unplug-open-media",
	     "unplug the USB audio device with media/control/PCM open, ioctl loops and a "
	     "G_TOPOLOGY stalled in flight; everything must fail cleanly")
{
	HostLink link;
	UsbAudioNodes n;

	if (setup(tap, link, n))
		unplug_round(tap, link, n, "", 0);
}

MCT_SCENARIO(unplug_hold_close, "snd-usb-audio-unplug-hold-close",
	     "unplug the USB audio device with media/control/PCM open and ioctl loops (nothing "
	     "stalled); later syscalls must fail, close must work")
{
	HostLink link;
	UsbAudioNodes n;

	if (setup(tap, link, n))
		unplug_round(tap, link, n, "", -1);
}

// @cycles rounds, each followed by a replug; false if one did not complete.
bool replug_cycles(Tap &tap, HostLink &link, UsbAudioNodes &n, int cycles,
		   const std::function<bool(const std::string &tag, int i)> &round)
{
	std::string reply;

	for (int i = 0; i < cycles; i++) {
		std::string tag = "cycle " + std::to_string(i + 1) + ": ";

		if (!round(tag, i))
			return false;
		if (!expect(tap, link.request(kReplug, kHostTimeout, &reply),
			    tag + "host replugs", reply) ||
		    !wait_device(tap, n, tag + "replug"))
			return false;
	}
	return true;
}

MCT_SCENARIO(replug_cycles, "snd-usb-audio-replug-cycles",
	     "3 unplug/replug cycles, nodes held open across each unplug with a different media "
	     "ioctl stalled in flight, closed after each")
{
	HostLink link;
	UsbAudioNodes n;

	if (!setup(tap, link, n) ||
	    !replug_cycles(tap, link, n, 3, [&](const std::string &tag, int i) {
		    return unplug_round(tap, link, n, tag, i);
	    }))
		return;
	UniqueFd fd = open_node(n.media, O_RDWR);
	struct media_device_info info {};
	SysResult r = fd ? xioctl(fd.get(), MEDIA_IOC_DEVICE_INFO, &info) : SysResult{-1, ENOENT};
	expect(tap, r.ok(), "the replugged media device answers DEVICE_INFO", r.str());
}

// Only the first PCM open of a plug cycle adds the entity: a cycle is one
// window, which the loops hit by chance (3 oopses in 6 runs of 2 cycles
// without the locking of snd_media_stream_init()), hence 6 cycles.
MCT_SCENARIO(pcm_open_race, "snd-usb-audio-pcm-open-race",
	     "6 plug cycles: PCM opens, the first of which adds the playback entity and its "
	     "links, race media ioctls that walk the graph and set the links (by chance, not "
	     "widened); then an unplug with a media ioctl stalled in flight, and every loop "
	     "must fail cleanly")
{
	HostLink link;
	UsbAudioNodes n;

	if (setup(tap, link, n))
		replug_cycles(tap, link, n, 6, [&](const std::string &tag, int i) {
			return pcm_open_race_round(tap, link, n, tag, 1 + i % 2);
		});
}

int main(int argc, char **argv)
{
	return scenario_main(argc, argv);
}

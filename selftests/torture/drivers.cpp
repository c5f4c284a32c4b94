// SPDX-License-Identifier: GPL-2.0
#include "drivers.hpp"

#include <thread>

#include "v4l2.hpp"

namespace mct::torture {

bool Driver::load(Tap &tap, const std::string &module, const std::string &args,
		  size_t min_nodes)
{
	driver = module;
	pdev = load_driver(tap, module, args, module);
	if (pdev.empty())
		return false;
	nodes = wait_nodes(tap, pdev, min_nodes, module + " loaded");
	return !nodes.empty();
}

namespace {

std::vector<Node> without(const std::vector<Node> &nodes, const Node *skip)
{
	std::vector<Node> out;

	for (const auto &n : nodes)
		if (!skip || n.dev != skip->dev)
			out.push_back(n);
	return out;
}

} // namespace

void Driver::unbind_and_wait_freed(Tap &tap, ReleaseWatch &watch, const Node *still_open)
{
	unbind_checked(tap, driver, pdev);
	wait_nodes_gone(tap, pdev, nodes, "after unbind");
	wait_driver_freed(tap, watch, without(nodes, still_open));
}

void Driver::unbind_and_unload(Tap &tap, ReleaseWatch &watch)
{
	unbind_and_wait_freed(tap, watch);
	CmdResult r = rmmod(driver);
	check(tap, r.ok() && !module_loaded(driver), "rmmod " + driver, r.str());
}

const Node *vivid_vid_cap(const std::vector<Node> &nodes)
{
	return find_node(nodes, kVividCapture);
}

bool load_vivid_capture(Tap &tap, Driver &v, const Node **cap, const Node **media)
{
	if (!v.load(tap, "vivid", kVividOneCapture, 2))
		return false;
	*cap = vivid_vid_cap(v.nodes);
	if (!media)
		return check(tap, *cap, "vivid has a video capture node", nodes_str(v.nodes));
	*media = find_media(v.nodes);
	return check(tap, *cap && *media, "vivid has a video capture and a media node",
		     nodes_str(v.nodes));
}

bool OpenNodes::open(Tap &tap, const std::vector<Node> &nodes, int extra_flags)
{
	bool ok = true;

	for (const auto &n : nodes) {
		UniqueFd fd = open_checked(tap, n.dev, extra_flags);

		ok &= bool(fd);
		list.emplace_back(n, std::move(fd));
	}
	return ok;
}

int OpenNodes::fd_of(const Node &n) const
{
	for (const auto &[node, fd] : list)
		if (node.dev == n.dev)
			return fd.get();
	return -1;
}

bool OpenNodes::work(Tap &tap)
{
	bool ok = true;

	for (auto &[n, fd] : list)
		ok &= fd && expect_node_works(tap, fd.get(), n);
	return ok;
}

void OpenNodes::expect_gone(Tap &tap)
{
	for (auto &[n, fd] : list)
		if (fd)
			expect_node_gone(tap, fd.get(), n);
}

void OpenNodes::close_all(Tap &tap)
{
	for (auto &[n, fd] : list)
		close_checked(tap, fd, n.dev);
	list.clear();
}

void unbind_under_hammer(Tap &tap, Hammer &hammer, int nthreads, const std::string &driver,
			 const std::string &pdev)
{
	hammer.start(nthreads);
	std::this_thread::sleep_for(200ms);
	unbind_checked(tap, driver, pdev);
	std::this_thread::sleep_for(200ms);
	check(tap, hammer.stop(kSyscallBound),
	      "the " + std::to_string(nthreads) + " ioctl threads stop after the unbind",
	      "a thread is still blocked in an ioctl after " + ms_str(kSyscallBound));
	tap.diag("ioctls: " + hammer.summary());
}

bool unbind_under_dqbuf_loop(Tap &tap, const Driver &d, int fd,
			     const std::vector<uint32_t> &types, unsigned out_bytesused,
			     const std::string &frames_check)
{
	auto stats = std::make_shared<LoopStats>();
	BoundedCall loop;

	start_dqbuf_loop(loop, fd, types, out_bytesused, stats);
	bool flowing = wait_until([&] { return stats->frames >= 3 || loop.finished(); }, 30s);
	if (!check(tap, flowing && !loop.finished(), frames_check,
		   std::to_string(stats->frames) + " frames, loop: " + loop.wait(0ms).str()))
		return false;
	unbind_checked(tap, d.driver, d.pdev);
	CallResult r = loop.wait(kSyscallBound);
	tap.diag("DQBUF/QBUF loop: " + std::to_string(stats->frames) + " frames, ended in " +
		 (stats->stage ? "QBUF" : "DQBUF"));
	expect_error(tap, "the DQBUF/QBUF loop", r);
	wait_nodes_gone(tap, d.pdev, d.nodes, "after unbind");
	return true;
}

} // namespace mct::torture

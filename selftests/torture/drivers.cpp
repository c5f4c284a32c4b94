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

const Node *vivid_vid_cap(const std::vector<Node> &nodes)
{
	return find_node(nodes, kVividCapture);
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

} // namespace mct::torture

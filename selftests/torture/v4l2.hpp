// SPDX-License-Identifier: GPL-2.0
// The V4L2, subdev and media ioctls of mct-torture, each bounded (any of
// them may block on a device that is going away), and the checks that
// every syscall on a node whose device is gone fails in time.
#pragma once

#include <atomic>
#include <cstdint>
#include <linux/media.h>
#include <linux/v4l2-subdev.h>
#include <linux/videodev2.h>
#include <memory>
#include <string>
#include <vector>

#include "util.hpp"

namespace mct::torture {

CallResult querycap(int fd);
CallResult g_fmt(int fd, uint32_t type, v4l2_format *f = nullptr);
CallResult s_fmt(int fd, v4l2_format *f);
CallResult enum_fmt(int fd, uint32_t type);
CallResult reqbufs(int fd, uint32_t type, unsigned count, unsigned *got = nullptr);
CallResult qbuf(int fd, uint32_t type, unsigned index, unsigned bytesused = 0,
		int request_fd = -1);
CallResult dqbuf(int fd, uint32_t type, v4l2_buffer *out, Millis timeout);
CallResult streamon(int fd, uint32_t type);
CallResult streamoff(int fd, uint32_t type);

CallResult device_info(int fd);
CallResult g_topology(int fd);		// counts, then the whole graph
CallResult enum_entities(int fd, uint32_t id_next, media_entity_desc *out = nullptr);
CallResult enum_links(int fd, uint32_t entity);

CallResult subdev_querycap(int fd);
CallResult subdev_g_fmt(int fd, uint32_t pad, v4l2_subdev_format *out = nullptr);
CallResult subdev_s_fmt(int fd, v4l2_subdev_format *fmt);
CallResult subdev_enum_mbus_code(int fd, uint32_t pad, uint32_t index);
CallResult subdev_g_selection(int fd, uint32_t pad, uint32_t target);

// Hammer ops on one fd.
Hammer::Op op_querycap(int fd);
Hammer::Op op_g_fmt(int fd, uint32_t type);
Hammer::Op op_enum_fmt(int fd, uint32_t type);
Hammer::Op op_g_topology(int fd);
Hammer::Op op_enum_entities(int fd);
Hammer::Op op_enum_links(int fd, uint32_t entity);
Hammer::Op op_subdev_g_fmt(int fd);
Hammer::Op op_subdev_s_fmt(int fd);
Hammer::Op op_subdev_enum_mbus_code(int fd);
Hammer::Op op_subdev_g_selection(int fd);

// The first entity id of a media graph, 0 when none answered.
uint32_t first_entity(int media_fd);

// The node answers while its device is there (QUERYCAP / DEVICE_INFO).
bool expect_node_works(Tap &tap, int fd, const Node &n);
// Every syscall tried on a node whose device is gone (ioctls fitting its
// type, then poll) fails within its bound, errno in diag lines.
void expect_node_gone(Tap &tap, int fd, const Node &n);

// REQBUFS(count, MMAP) + QBUF of every buffer + STREAMON; returns the
// number of buffers, 0 on failure (reported).
unsigned start_streaming(Tap &tap, int fd, uint32_t type, unsigned count,
			 const std::string &what, unsigned bytesused = 0);

std::string fourcc_str(uint32_t f);

} // namespace mct::torture

namespace mct::torture {

// Counters of a streaming loop running on a BoundedCall.
struct LoopStats {
	std::atomic<long> frames{0};
	std::atomic<int> stage{0};	// 0 DQBUF, 1 QBUF: where the loop ended
};

// Starts on call: DQBUF (blocking) one buffer of each type in turn, then
// QBUF them back (OUTPUT buffers with out_bytesused), until an ioctl
// fails; the call's result is that ioctl's.
void start_dqbuf_loop(BoundedCall &call, int fd, const std::vector<uint32_t> &types,
		      unsigned out_bytesused, std::shared_ptr<LoopStats> stats);

} // namespace mct::torture

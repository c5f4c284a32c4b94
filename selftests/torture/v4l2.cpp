// SPDX-License-Identifier: GPL-2.0
#include "v4l2.hpp"

#include <cerrno>
#include <memory>
#include <sys/ioctl.h>
#include <vector>

namespace mct::torture {

CallResult querycap(int fd)
{
	v4l2_capability cap{};

	return bounded_ioctl(fd, VIDIOC_QUERYCAP, &cap);
}

CallResult g_fmt(int fd, uint32_t type, v4l2_format *f)
{
	v4l2_format fmt{};

	fmt.type = type;
	CallResult r = bounded_ioctl(fd, VIDIOC_G_FMT, &fmt);
	if (f)
		*f = fmt;
	return r;
}

CallResult s_fmt(int fd, v4l2_format *f)
{
	return bounded_ioctl(fd, VIDIOC_S_FMT, f);
}

CallResult enum_fmt(int fd, uint32_t type)
{
	v4l2_fmtdesc d{};

	d.type = type;
	return bounded_ioctl(fd, VIDIOC_ENUM_FMT, &d);
}

CallResult reqbufs(int fd, uint32_t type, unsigned count, unsigned *got)
{
	v4l2_requestbuffers rb{};

	rb.count = count;
	rb.type = type;
	rb.memory = V4L2_MEMORY_MMAP;
	CallResult r = bounded_ioctl(fd, VIDIOC_REQBUFS, &rb);
	if (got)
		*got = rb.count;
	return r;
}

CallResult qbuf(int fd, uint32_t type, unsigned index, unsigned bytesused, int request_fd)
{
	v4l2_buffer b{};

	b.type = type;
	b.memory = V4L2_MEMORY_MMAP;
	b.index = index;
	b.bytesused = bytesused;
	if (request_fd >= 0) {
		b.flags = V4L2_BUF_FLAG_REQUEST_FD;
		b.request_fd = request_fd;
	}
	return bounded_ioctl(fd, VIDIOC_QBUF, &b);
}

CallResult dqbuf(int fd, uint32_t type, v4l2_buffer *out, Millis timeout)
{
	v4l2_buffer b{};

	b.type = type;
	b.memory = V4L2_MEMORY_MMAP;
	CallResult r = bounded_ioctl(fd, VIDIOC_DQBUF, &b, timeout);
	if (out)
		*out = b;
	return r;
}

CallResult streamon(int fd, uint32_t type)
{
	int t = static_cast<int>(type);

	return bounded_ioctl(fd, VIDIOC_STREAMON, &t);
}

CallResult streamoff(int fd, uint32_t type)
{
	int t = static_cast<int>(type);

	return bounded_ioctl(fd, VIDIOC_STREAMOFF, &t);
}

CallResult device_info(int fd)
{
	media_device_info info{};

	return bounded_ioctl(fd, MEDIA_IOC_DEVICE_INFO, &info);
}

// MEDIA_IOC_G_TOPOLOGY twice: the counts, then every array filled.
static long g_topology_raw(int fd)
{
	media_v2_topology t{};

	if (::ioctl(fd, MEDIA_IOC_G_TOPOLOGY, &t) < 0)
		return -1;
	std::vector<media_v2_entity> ents(t.num_entities + 8);
	std::vector<media_v2_interface> intfs(t.num_interfaces + 8);
	std::vector<media_v2_pad> pads(t.num_pads + 8);
	std::vector<media_v2_link> links(t.num_links + 8);
	t.num_entities = ents.size();
	t.num_interfaces = intfs.size();
	t.num_pads = pads.size();
	t.num_links = links.size();
	t.ptr_entities = reinterpret_cast<uintptr_t>(ents.data());
	t.ptr_interfaces = reinterpret_cast<uintptr_t>(intfs.data());
	t.ptr_pads = reinterpret_cast<uintptr_t>(pads.data());
	t.ptr_links = reinterpret_cast<uintptr_t>(links.data());
	return ::ioctl(fd, MEDIA_IOC_G_TOPOLOGY, &t);
}

CallResult g_topology(int fd)
{
	return bounded([fd] { return g_topology_raw(fd); }, kSyscallBound);
}

CallResult enum_entities(int fd, uint32_t id_next, media_entity_desc *out)
{
	media_entity_desc d{};

	d.id = id_next | MEDIA_ENT_ID_FLAG_NEXT;
	CallResult r = bounded_ioctl(fd, MEDIA_IOC_ENUM_ENTITIES, &d);
	if (out)
		*out = d;
	return r;
}

CallResult enum_links(int fd, uint32_t entity)
{
	media_links_enum l{};

	l.entity = entity;
	return bounded_ioctl(fd, MEDIA_IOC_ENUM_LINKS, &l);
}

CallResult subdev_querycap(int fd)
{
	v4l2_subdev_capability cap{};

	return bounded_ioctl(fd, VIDIOC_SUBDEV_QUERYCAP, &cap);
}

CallResult subdev_g_fmt(int fd, uint32_t pad, v4l2_subdev_format *out)
{
	v4l2_subdev_format f{};

	f.which = V4L2_SUBDEV_FORMAT_ACTIVE;
	f.pad = pad;
	CallResult r = bounded_ioctl(fd, VIDIOC_SUBDEV_G_FMT, &f);
	if (out)
		*out = f;
	return r;
}

CallResult subdev_s_fmt(int fd, v4l2_subdev_format *fmt)
{
	return bounded_ioctl(fd, VIDIOC_SUBDEV_S_FMT, fmt);
}

CallResult subdev_enum_mbus_code(int fd, uint32_t pad, uint32_t index)
{
	v4l2_subdev_mbus_code_enum c{};

	c.pad = pad;
	c.index = index;
	c.which = V4L2_SUBDEV_FORMAT_ACTIVE;
	return bounded_ioctl(fd, VIDIOC_SUBDEV_ENUM_MBUS_CODE, &c);
}

CallResult subdev_g_selection(int fd, uint32_t pad, uint32_t target)
{
	v4l2_subdev_selection s{};

	s.which = V4L2_SUBDEV_FORMAT_ACTIVE;
	s.pad = pad;
	s.target = target;
	return bounded_ioctl(fd, VIDIOC_SUBDEV_G_SELECTION, &s);
}

Hammer::Op op_querycap(int fd)
{
	return [fd] {
		v4l2_capability cap{};

		return ::ioctl(fd, VIDIOC_QUERYCAP, &cap);
	};
}

Hammer::Op op_g_fmt(int fd, uint32_t type)
{
	return [fd, type] {
		v4l2_format f{};

		f.type = type;
		return ::ioctl(fd, VIDIOC_G_FMT, &f);
	};
}

Hammer::Op op_enum_fmt(int fd, uint32_t type)
{
	return [fd, type] {
		v4l2_fmtdesc d{};

		d.type = type;
		return ::ioctl(fd, VIDIOC_ENUM_FMT, &d);
	};
}

Hammer::Op op_g_topology(int fd)
{
	return [fd] { return g_topology_raw(fd); };
}

Hammer::Op op_enum_entities(int fd)
{
	return [fd] {
		media_entity_desc d{};
		long rc;

		// Walks the whole graph, one entity per call.
		d.id = MEDIA_ENT_ID_FLAG_NEXT;
		while ((rc = ::ioctl(fd, MEDIA_IOC_ENUM_ENTITIES, &d)) == 0)
			d.id |= MEDIA_ENT_ID_FLAG_NEXT;
		return errno == EINVAL ? 0L : rc;
	};
}

Hammer::Op op_enum_links(int fd, uint32_t entity)
{
	return [fd, entity] {
		media_links_enum l{};
		media_pad_desc pads[16];
		media_link_desc links[64];

		l.entity = entity;
		l.pads = pads;
		l.links = links;
		return ::ioctl(fd, MEDIA_IOC_ENUM_LINKS, &l);
	};
}

Hammer::Op op_subdev_g_fmt(int fd)
{
	return [fd] {
		v4l2_subdev_format f{};

		f.which = V4L2_SUBDEV_FORMAT_ACTIVE;
		return ::ioctl(fd, VIDIOC_SUBDEV_G_FMT, &f);
	};
}

Hammer::Op op_subdev_s_fmt(int fd)
{
	return [fd] {
		v4l2_subdev_format f{};

		// Sets what it reads: races the driver's state, changes nothing.
		f.which = V4L2_SUBDEV_FORMAT_ACTIVE;
		if (::ioctl(fd, VIDIOC_SUBDEV_G_FMT, &f) < 0)
			return -1;
		return ::ioctl(fd, VIDIOC_SUBDEV_S_FMT, &f);
	};
}

Hammer::Op op_subdev_enum_mbus_code(int fd)
{
	return [fd] {
		v4l2_subdev_mbus_code_enum c{};

		c.which = V4L2_SUBDEV_FORMAT_ACTIVE;
		return ::ioctl(fd, VIDIOC_SUBDEV_ENUM_MBUS_CODE, &c);
	};
}

Hammer::Op op_subdev_g_selection(int fd)
{
	return [fd] {
		v4l2_subdev_selection s{};

		s.which = V4L2_SUBDEV_FORMAT_ACTIVE;
		s.target = V4L2_SEL_TGT_CROP;
		return ::ioctl(fd, VIDIOC_SUBDEV_G_SELECTION, &s);
	};
}

uint32_t first_entity(int media_fd)
{
	media_entity_desc d{};

	if (!enum_entities(media_fd, 0, &d).res.ok())
		return 0;
	return d.id;
}

bool expect_node_works(Tap &tap, int fd, const Node &n)
{
	if (n.is_media())
		return expect_ok(tap, "MEDIA_IOC_DEVICE_INFO " + n.dev, device_info(fd));
	if (n.is_subdev())
		return expect_ok(tap, "VIDIOC_SUBDEV_QUERYCAP " + n.dev, subdev_querycap(fd));
	return expect_ok(tap, "VIDIOC_QUERYCAP " + n.dev, querycap(fd));
}

void expect_node_gone(Tap &tap, int fd, const Node &n)
{
	const std::string &d = n.dev;

	if (n.is_media()) {
		expect_error(tap, "MEDIA_IOC_DEVICE_INFO " + d, device_info(fd));
		expect_error(tap, "MEDIA_IOC_G_TOPOLOGY " + d, g_topology(fd));
		expect_error(tap, "MEDIA_IOC_ENUM_ENTITIES " + d, enum_entities(fd, 0));
		expect_error(tap, "MEDIA_IOC_REQUEST_ALLOC " + d, [&] {
			int req = -1;
			CallResult r = bounded_ioctl(fd, MEDIA_IOC_REQUEST_ALLOC, &req);

			if (r.finished && r.res.ok())
				::close(req);
			return r;
		}());
	} else if (n.is_subdev()) {
		expect_error(tap, "VIDIOC_SUBDEV_QUERYCAP " + d, subdev_querycap(fd));
		expect_error(tap, "VIDIOC_SUBDEV_G_FMT " + d, subdev_g_fmt(fd, 0));
		expect_error(tap, "VIDIOC_SUBDEV_ENUM_MBUS_CODE " + d,
			     subdev_enum_mbus_code(fd, 0, 0));
	} else {
		expect_error(tap, "VIDIOC_QUERYCAP " + d, querycap(fd));
		expect_error(tap, "VIDIOC_G_FMT " + d, g_fmt(fd, V4L2_BUF_TYPE_VIDEO_CAPTURE));
		expect_error(tap, "VIDIOC_ENUM_FMT " + d,
			     enum_fmt(fd, V4L2_BUF_TYPE_VIDEO_CAPTURE));
	}
	expect_poll_gone(tap, fd, d);
}

unsigned start_streaming(Tap &tap, int fd, uint32_t type, unsigned count,
			 const std::string &what, unsigned bytesused)
{
	unsigned got = 0;
	CallResult r = reqbufs(fd, type, count, &got);

	if (!check(tap, r.finished && r.res.ok() && got > 0,
		   what + ": REQBUFS " + std::to_string(count) + " MMAP",
		   r.str() + ", count " + std::to_string(got)))
		return 0;
	for (unsigned i = 0; i < got; i++) {
		r = qbuf(fd, type, i, bytesused);
		if (!check(tap, r.finished && r.res.ok(),
			   what + ": QBUF " + std::to_string(i), r.str()))
			return 0;
	}
	r = streamon(fd, type);
	if (!check(tap, r.finished && r.res.ok(), what + ": STREAMON", r.str()))
		return 0;
	return got;
}

std::string fourcc_str(uint32_t f)
{
	std::string s;

	for (int i = 0; i < 4; i++)
		s += static_cast<char>((f >> (8 * i)) & 0xff);
	return s;
}

} // namespace mct::torture

namespace mct::torture {

void start_dqbuf_loop(BoundedCall &call, int fd, const std::vector<uint32_t> &types,
		      unsigned out_bytesused, std::shared_ptr<LoopStats> stats)
{
	call.start([fd, types, out_bytesused, stats]() -> long {
		for (;;) {
			std::vector<v4l2_buffer> bufs;

			stats->stage = 0;
			for (uint32_t t : types) {
				v4l2_buffer b{};

				b.type = t;
				b.memory = V4L2_MEMORY_MMAP;
				if (::ioctl(fd, VIDIOC_DQBUF, &b) < 0)
					return -1;
				bufs.push_back(b);
			}
			stats->stage = 1;
			for (auto &b : bufs) {
				if (b.type == V4L2_BUF_TYPE_VIDEO_OUTPUT)
					b.bytesused = out_bytesused;
				b.flags = 0;
				if (::ioctl(fd, VIDIOC_QBUF, &b) < 0)
					return -1;
			}
			stats->frames++;
		}
	});
}

} // namespace mct::torture

// SPDX-License-Identifier: GPL-2.0
/*
 * Compiled to assembly only (never linked or loaded) by sizes.sh with the
 * flags of the kernel build under test: each SIZE() leaves a marker line
 * "->MCT_SIZE name bytes" in the .s file, as the kernel's asm-offsets do.
 */
#include <linux/percpu-refcount.h>
#include <linux/srcu.h>
#include <media/media-device.h>
#include <media/media-devnode.h>
#include <media/media-entity.h>
#include <media/media-request.h>
#include <media/v4l2-dev.h>
#include <media/v4l2-device.h>
#include <media/v4l2-fh.h>
#include <media/v4l2-subdev.h>

#define SIZE(s) asm volatile("\n.ascii \"->MCT_SIZE " #s " %c0\"" : : "i" (sizeof(struct s)))

void mct_sizes(void);
void mct_sizes(void)
{
	SIZE(media_device);
	SIZE(media_devnode);
	SIZE(media_entity);
	SIZE(media_pad);
	SIZE(media_link);
	SIZE(media_intf_devnode);
	SIZE(media_request);
	SIZE(video_device);
	SIZE(v4l2_device);
	SIZE(v4l2_subdev);
	SIZE(v4l2_fh);
	SIZE(v4l2_subdev_fh);
	SIZE(percpu_ref);
	SIZE(percpu_ref_data);		/* kzalloc'ed by percpu_ref_init() */
	SIZE(srcu_struct);
#ifdef CONFIG_TREE_SRCU
	SIZE(srcu_usage);		/* kzalloc'ed by init_srcu_struct() */
	SIZE(srcu_data);		/* per possible CPU (alloc_percpu) */
#endif
#ifdef MCT_SIZES_EXTRA
	MCT_SIZES_EXTRA
#endif
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The dm-suspend method.  A suspended device-mapper device queues the I/O
 * that reaches it, and a writer waiting for its direct write sleeps in
 * io_schedule(), TASK_UNINTERRUPTIBLE: a D that SIGKILL does not end, and
 * one that counts in iowait and in /proc/stat's procs_blocked, as a
 * stalled disk's waiters do (a module sleeper in D does not).  The map is
 * made with the kernel's dm ioctls: create, load a linear table, resume;
 * no libdevmapper, no udev.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "dmsuspend.h"
#include "kmodload.h"
#include "loopdev.h"
#include "tmpdir.h"

#define IMAGE_KB	1024
#define BLOCK		4096

struct dm_req {
	struct dm_ioctl io;
	char data[512];
};

static void dm_init(struct dm_req *r, const char *name, unsigned int flags)
{
	memset(r, 0, sizeof(*r));
	r->io.version[0] = DM_VERSION_MAJOR;
	r->io.data_size = sizeof(*r);
	r->io.data_start = sizeof(r->io);
	r->io.flags = flags;
	snprintf(r->io.name, sizeof(r->io.name), "%s", name);
}

static int dm_control(void)
{
	int fd = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT && !kmodload_probe("dm_mod"))
		fd = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* One dm ioctl on @r; 0 or -errno. */
static int dm_call(unsigned long cmd, struct dm_req *r)
{
	int fd = dm_control(), ret = 0;

	if (fd < 0)
		return fd;
	if (ioctl(fd, cmd, r) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* The map's one target: all of the loop device, linear. */
static int dm_load(const struct dmsuspend *d)
{
	struct dm_target_spec *t;
	struct stat st;
	struct dm_req r;
	char *params;

	if (stat(d->loop, &st) < 0)
		return -errno;
	dm_init(&r, d->name, 0);
	r.io.target_count = 1;
	t = (struct dm_target_spec *)r.data;
	t->sector_start = 0;
	t->length = (__u64)IMAGE_KB * 2;	/* 512-byte sectors */
	snprintf(t->target_type, sizeof(t->target_type), "linear");
	params = (char *)(t + 1);
	snprintf(params, sizeof(r.data) - sizeof(*t), "%u:%u 0",
		 major(st.st_rdev), minor(st.st_rdev));
	/* The next spec would start here, 8-byte aligned; there is none. */
	t->next = 0;
	return dm_call(DM_TABLE_LOAD, &r);
}

int dmsuspend_setup(struct dmsuspend *d, char *err, size_t errlen)
{
	struct dm_req r;
	int fd, ret;

	memset(d, 0, sizeof(*d));
	d->loop_fd = -1;
	ret = tmpdir_make(d->dir, sizeof(d->dir), "dstate-dm", err, errlen);
	if (ret)
		return ret;
	snprintf(d->image, sizeof(d->image), "%s/image", d->dir);
	snprintf(d->node, sizeof(d->node), "%s/dev", d->dir);
	snprintf(d->name, sizeof(d->name), "dstate-%s",
		 d->dir + strlen(d->dir) - 6);
	fd = loop_image_create(d->image, IMAGE_KB, err, errlen);
	if (fd < 0) {
		ret = fd;
		goto fail;
	}
	ret = loop_attach(fd, d->loop, sizeof(d->loop));
	close(fd);
	if (ret < 0) {
		snprintf(err, errlen, "could not attach a loop device: %s",
			 strerror(-ret));
		goto fail;
	}
	d->loop_fd = ret;

	fd = dm_control();
	if (fd < 0) {
		ret = fd;
		snprintf(err, errlen, "could not open /dev/mapper/control: %s%s",
			 strerror(-ret), ret == -ENOENT ?
			 " (no device-mapper in this kernel)" : "");
		goto fail;
	}
	close(fd);
	dm_init(&r, d->name, 0);
	ret = dm_call(DM_DEV_CREATE, &r);
	if (ret) {
		snprintf(err, errlen, "could not create the device-mapper device %s: %s",
			 d->name, strerror(-ret));
		goto fail;
	}
	d->created = true;
	d->devt = (dev_t)r.io.dev;
	ret = dm_load(d);
	if (!ret)
		ret = dmsuspend_resume(d);	/* activates the table */
	if (ret) {
		snprintf(err, errlen, "could not load and activate %s: %s",
			 d->name, strerror(-ret));
		goto fail;
	}
	if (mknod(d->node, S_IFBLK | 0600, d->devt) < 0) {
		ret = -errno;
		snprintf(err, errlen, "could not make %s: %s", d->node,
			 strerror(-ret));
		goto fail;
	}
	return 0;
fail:
	dmsuspend_teardown(d, 0);
	return ret;
}

int dmsuspend_suspend(struct dmsuspend *d)
{
	struct dm_req r;
	int ret;

	dm_init(&r, d->name, DM_SUSPEND_FLAG);
	ret = dm_call(DM_DEV_SUSPEND, &r);
	if (!ret)
		d->suspended = true;
	return ret;
}

int dmsuspend_resume(struct dmsuspend *d)
{
	struct dm_req r;
	int ret;

	dm_init(&r, d->name, 0);
	ret = dm_call(DM_DEV_SUSPEND, &r);
	if (!ret)
		d->suspended = false;
	return ret;
}

/* Remove @name, retrying while the last opener closes it. */
static int dm_remove(const char *name, unsigned int busy_ms)
{
	struct timespec ms1 = { 0, 1000000 };
	unsigned int waited = 0;
	struct dm_req r;
	int ret;

	for (;;) {
		dm_init(&r, name, 0);
		ret = dm_call(DM_DEV_REMOVE, &r);
		if (ret != -EBUSY || waited >= busy_ms)
			break;
		nanosleep(&ms1, NULL);
		waited++;
	}
	if (ret == -EBUSY) {
		/* Gone when the last opener closes it. */
		dm_init(&r, name, DM_DEFERRED_REMOVE);
		ret = dm_call(DM_DEV_REMOVE, &r);
	}
	return ret;
}

int dmsuspend_remove_by_name(const char *name)
{
	struct dm_req r;
	int ret;

	dm_init(&r, name, 0);
	dm_call(DM_DEV_SUSPEND, &r);	/* resume: its writers finish */
	ret = dm_remove(name, 2000);
	/* ENXIO: its own writer, resumed, removed it meanwhile. */
	return ret == -ENXIO ? 0 : ret;
}

void dmsuspend_teardown(struct dmsuspend *d, unsigned int busy_ms)
{
	if (d->created) {
		if (d->suspended)
			dmsuspend_resume(d);
		dm_remove(d->name, busy_ms);
		d->created = false;
	}
	if (d->loop_fd >= 0) {
		close(d->loop_fd);
		d->loop_fd = -1;
	}
	if (d->node[0]) {
		unlink(d->node);
		d->node[0] = '\0';
	}
	if (d->image[0]) {
		unlink(d->image);
		d->image[0] = '\0';
	}
	if (d->dir[0]) {
		rmdir(d->dir);
		d->dir[0] = '\0';
	}
}

int dmsuspend_write(const struct dmsuspend *d)
{
	void *buf;
	int fd, ret = 0;

	if (posix_memalign(&buf, BLOCK, BLOCK))
		return -ENOMEM;
	memset(buf, 'd', BLOCK);
	fd = open(d->node, O_WRONLY | O_DIRECT | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	/* The bio waits in the map's queue: the sleep is here. */
	if (pwrite(fd, buf, BLOCK, 0) < 0)
		ret = -errno;
	close(fd);
out:
	free(buf);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/* A free loop device over an image file, for fsfreeze and dm-suspend. */
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kmodload.h"
#include "loopdev.h"

int loop_attach(int image_fd, char *path, size_t len)
{
	struct loop_config cfg;
	int ctl, n, fd, tries, ret = -EBUSY;

	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0 && errno == ENOENT && !kmodload_probe("loop"))
		ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return -errno;
	/* Another user may take the free device first: ask again. */
	for (tries = 0; tries < 10 && ret == -EBUSY; tries++) {
		n = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (n < 0) {
			ret = -errno;
			break;
		}
		snprintf(path, len, "/dev/loop%d", n);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			ret = -errno;
			continue;
		}
		memset(&cfg, 0, sizeof(cfg));
		cfg.fd = (__u32)image_fd;
		cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
		if (ioctl(fd, LOOP_CONFIGURE, &cfg) == 0) {
			ret = fd;
			break;
		}
		ret = -errno;
		if (ret == -EINVAL || ret == -ENOTTY) {
			/* Before 5.8: set the fd, then the flags. */
			struct loop_info64 info;

			memset(&info, 0, sizeof(info));
			info.lo_flags = LO_FLAGS_AUTOCLEAR;
			if (ioctl(fd, LOOP_SET_FD, image_fd) == 0) {
				ioctl(fd, LOOP_SET_STATUS64, &info);
				ret = fd;
				break;
			}
			ret = -errno;
		}
		close(fd);
	}
	close(ctl);
	if (ret < 0)
		path[0] = '\0';
	return ret;
}

int loop_image_create(const char *path, size_t kb, char *err, size_t errlen)
{
	int fd, ret;

	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0 && ftruncate(fd, (off_t)kb * 1024) == 0)
		return fd;
	ret = -errno;
	snprintf(err, errlen, "could not create %s: %s", path, strerror(-ret));
	if (fd >= 0)
		close(fd);
	return ret;
}

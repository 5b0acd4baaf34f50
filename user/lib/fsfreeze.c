// SPDX-License-Identifier: GPL-2.0
/*
 * The fsfreeze method.  A write to a frozen filesystem waits in
 * sb_start_write(), a percpu rwsem taken in TASK_UNINTERRUPTIBLE: a D that
 * not even SIGKILL ends until the filesystem is thawed.  No module needed,
 * but root is, and everything made here must be undone however we exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fsfreeze.h"
#include "kmodload.h"
#include "loopdev.h"
#include "tmpdir.h"

#define IMAGE_KB	2048

/* Run a program quietly; 0 when it exited 0. */
static int run_quiet(char *const argv[])
{
	pid_t pid;
	int status;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

/* e2fsprogs' mke2fs where there is one, else busybox's (the VM has it). */
static int make_ext2(const char *image)
{
	char kb[16];
	char *e2fs[] = { "mke2fs", "-F", "-q", "-t", "ext2", (char *)image,
			 kb, NULL };
	char *bb[] = { "busybox", "mke2fs", "-F", (char *)image, kb, NULL };
	char *bb2[] = { "mke2fs", "-F", (char *)image, kb, NULL };

	snprintf(kb, sizeof(kb), "%d", IMAGE_KB);
	if (!run_quiet(e2fs) || !run_quiet(bb) || !run_quiet(bb2))
		return 0;
	return -ENOENT;
}

/* ext2, by the ext2 driver or by ext4's; load either if need be. */
static int mount_ext2(struct fsfreeze *f)
{
	static const char *const types[] = { "ext2", "ext4" };
	int i, ret = -ENODEV;

	for (i = 0; i < 2; i++) {
		if (!mount(f->loop, f->mnt, types[i], MS_NOATIME, NULL))
			return 0;
		ret = -errno;
		if (ret != -ENODEV || kmodload_probe(types[i]))
			continue;
		if (!mount(f->loop, f->mnt, types[i], MS_NOATIME, NULL))
			return 0;
		ret = -errno;
	}
	return ret;
}

int fsfreeze_setup(struct fsfreeze *f, char *err, size_t errlen)
{
	int fd, ret;

	memset(f, 0, sizeof(*f));
	f->loop_fd = -1;
	ret = tmpdir_make(f->dir, sizeof(f->dir), "dstate-fsfreeze", err, errlen);
	if (ret)
		return ret;
	snprintf(f->image, sizeof(f->image), "%s/image", f->dir);
	snprintf(f->mnt, sizeof(f->mnt), "%s/mnt", f->dir);
	if (mkdir(f->mnt, 0700) < 0) {
		ret = -errno;
		snprintf(err, errlen, "could not create %s: %s", f->mnt,
			 strerror(-ret));
		goto fail;
	}
	fd = loop_image_create(f->image, IMAGE_KB, err, errlen);
	if (fd < 0) {
		ret = fd;
		goto fail;
	}
	close(fd);
	ret = make_ext2(f->image);
	if (ret) {
		snprintf(err, errlen,
			 "could not make an ext2 filesystem: no working mke2fs (install e2fsprogs or busybox)");
		goto fail;
	}
	fd = open(f->image, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "could not open %s: %s", f->image,
			 strerror(-ret));
		goto fail;
	}
	ret = loop_attach(fd, f->loop, sizeof(f->loop));
	close(fd);
	if (ret >= 0) {
		f->loop_fd = ret;
		ret = 0;
	}
	if (ret) {
		snprintf(err, errlen, "could not attach a loop device: %s%s",
			 strerror(-ret),
			 ret == -EPERM || ret == -EACCES ?
			 " (it needs CAP_SYS_ADMIN)" : "");
		goto fail;
	}
	ret = mount_ext2(f);
	if (ret) {
		snprintf(err, errlen, "could not mount %s on %s: %s%s", f->loop,
			 f->mnt, strerror(-ret),
			 ret == -EPERM ? " (it needs CAP_SYS_ADMIN)" : "");
		goto fail;
	}
	f->mounted = true;
	return 0;
fail:
	fsfreeze_teardown(f, 0);
	return ret;
}

static int mnt_ioctl(const struct fsfreeze *f, unsigned long req)
{
	int fd, ret = 0;

	fd = open(f->mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, req, 0) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

int fsfreeze_freeze(struct fsfreeze *f)
{
	int ret;

	if (!f->mounted)
		return -EINVAL;
	ret = mnt_ioctl(f, FIFREEZE);
	if (!ret)
		f->frozen = true;
	return ret;
}

int fsfreeze_thaw(struct fsfreeze *f)
{
	int ret;

	if (!f->frozen)
		return 0;
	ret = mnt_ioctl(f, FITHAW);
	if (!ret || ret == -EINVAL)	/* EINVAL: not frozen */
		f->frozen = false;
	return ret == -EINVAL ? 0 : ret;
}

void fsfreeze_teardown(struct fsfreeze *f, unsigned int busy_ms)
{
	struct timespec ms1 = { 0, 1000000 };
	unsigned int waited = 0;

	if (f->mounted) {
		fsfreeze_thaw(f);
		/* The last writers may still be closing their files. */
		while (umount2(f->mnt, 0) < 0) {
			if (errno != EBUSY || waited >= busy_ms) {
				if (errno == EBUSY)
					umount2(f->mnt, MNT_DETACH);
				break;
			}
			nanosleep(&ms1, NULL);
			waited++;
		}
		f->mounted = false;
	}
	if (f->loop_fd >= 0) {
		/* AUTOCLEAR detaches it at this close; CLR_FD if it did not. */
		ioctl(f->loop_fd, LOOP_CLR_FD, 0);
		close(f->loop_fd);
		f->loop_fd = -1;
	}
	if (f->image[0]) {
		unlink(f->image);
		f->image[0] = '\0';
	}
	if (f->mnt[0]) {
		rmdir(f->mnt);
		f->mnt[0] = '\0';
	}
	if (f->dir[0]) {
		rmdir(f->dir);
		f->dir[0] = '\0';
	}
}

int fsfreeze_write(const struct fsfreeze *f, const char *name)
{
	char path[256];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", f->mnt, name);
	/* Opening for create takes sb_start_write: the sleep is here. */
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, "dstate\n", 7) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

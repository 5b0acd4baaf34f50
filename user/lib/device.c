// SPDX-License-Identifier: GPL-2.0
/* /dev/dstate and its ioctls, with errors a person can act on. */
#include <errno.h>
#include <linux/capability.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "caps.h"
#include "device.h"

const char *dstate_device = DSTATE_DEVICE;

int dev_open(void)
{
	int fd = open(dstate_device, O_RDWR | O_CLOEXEC);

	if (fd < 0 && errno == EACCES)
		fd = open(dstate_device, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/*
 * The module answers EPERM for what needs CAP_SYS_ADMIN (uapi: "Who may do
 * what"), whatever the uid; EACCES comes from the device file's mode.
 */
static const char *perm_hint(int err)
{
	if (err == EACCES)
		return " (the device is root's and group dstate's, mode 0660: see 60-dstate.rules)";
	if (cap_effective(CAP_SYS_ADMIN) == 1)
		return " (needs CAP_SYS_ADMIN in the initial user namespace)";
	return " (needs CAP_SYS_ADMIN)";
}

void dev_complain(const char *what, int err)
{
	const char *hint = "";

	/* Loading the module makes its own node, not one named by --device. */
	if ((err == ENOENT || err == ENODEV || err == ENXIO) &&
	    !strcmp(dstate_device, DSTATE_DEVICE))
		hint = " (is the module loaded? try 'dstate load')";
	else if (err == EACCES || err == EPERM)
		hint = perm_hint(err);
	else if (err == EAGAIN)
		hint = " (max_sleepers, or without CAP_SYS_ADMIN user_max_sleepers of your uid, reached? see 'dstate info')";
	else if (err == ENOTTY)
		hint = " (is it the dstate device, of the same ABI version?)";
	fprintf(stderr, "dstate: could not %s: %s%s\n", what, strerror(err), hint);
}

int dev_open_or_complain(void)
{
	int fd = dev_open();
	char what[300];

	if (fd >= 0)
		return fd;
	snprintf(what, sizeof(what), "open %s", dstate_device);
	dev_complain(what, -fd);
	return -1;
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

int dev_info(int fd, struct dstate_info *info)
{
	memset(info, 0, sizeof(*info));
	return xioctl(fd, DSTATE_IOC_INFO, info);
}

int dev_sleep(int fd, unsigned int mode, uint64_t timeout_ns, uint64_t tag)
{
	struct dstate_sleep_args a = {
		.mode = mode,
		.timeout_ns = timeout_ns,
		.tag = tag,
	};

	return xioctl(fd, DSTATE_IOC_SLEEP, &a);
}

int dev_release(int fd, unsigned int how, pid_t pid, uint64_t tag,
		unsigned int *released)
{
	struct dstate_release_args a = {
		.how = how,
		.pid = (__u32)pid,
		.tag = tag,
	};
	int ret = xioctl(fd, DSTATE_IOC_RELEASE, &a);

	if (released)
		*released = ret ? 0 : a.released;
	return ret;
}

int dev_list(int fd, struct dstate_sleeper **out, size_t *count)
{
	struct dstate_sleeper *buf = NULL, *nbuf;
	struct dstate_list_args a;
	__u32 cap = 64;
	int ret;

	/* Size, fetch, and ask again if more appeared in between. */
	for (;;) {
		nbuf = realloc(buf, (size_t)cap * sizeof(*buf));
		if (!nbuf) {
			free(buf);
			return -ENOMEM;
		}
		buf = nbuf;
		memset(&a, 0, sizeof(a));
		a.sleepers = (__u64)(uintptr_t)buf;
		a.count = cap;
		ret = xioctl(fd, DSTATE_IOC_LIST, &a);
		if (ret) {
			free(buf);
			return ret;
		}
		if (a.total <= cap || a.count >= a.total)
			break;
		cap = a.total + a.total / 4 + 16;
	}
	*out = buf;
	*count = a.count;
	return 0;
}

int dev_kthread(int fd, unsigned int mode, uint64_t timeout_ns, uint64_t tag,
		pid_t *pid)
{
	struct dstate_kthread_args a = {
		.mode = mode,
		.timeout_ns = timeout_ns,
		.tag = tag,
	};
	int ret = xioctl(fd, DSTATE_IOC_KTHREAD, &a);

	if (!ret)
		*pid = (pid_t)a.pid;
	return ret;
}

int dev_task_state(int fd, pid_t tid, struct dstate_task_state *ts)
{
	memset(ts, 0, sizeof(*ts));
	ts->pid = (__u32)tid;
	return xioctl(fd, DSTATE_IOC_TASK_STATE, ts);
}

// SPDX-License-Identifier: GPL-2.0
/* The kernel log, read from /dev/kmsg one record at a time. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "kmsg.h"

int kmsg_open(struct kmsg *k)
{
	k->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (k->fd < 0)
		return -errno;
	kmsg_skip(k);
	return 0;
}

void kmsg_close(struct kmsg *k)
{
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}

void kmsg_skip(struct kmsg *k)
{
	if (k->fd >= 0)
		lseek(k->fd, 0, SEEK_END);
}

void kmsg_read_new(struct kmsg *k, void (*fn)(const char *msg, void *arg),
		   void *arg)
{
	/* One record per read(); a longer one fails with EINVAL. */
	char rec[8192];
	ssize_t n;
	char *msg, *end;

	if (k->fd < 0)
		return;
	for (;;) {
		n = read(k->fd, rec, sizeof(rec) - 1);
		if (n < 0 && (errno == EPIPE || errno == EINTR))
			continue;	/* overwritten before read: go on */
		if (n <= 0)
			return;
		rec[n] = '\0';
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		end = strchr(msg, '\n');
		if (end)
			*end = '\0';
		fn(msg, arg);
	}
}

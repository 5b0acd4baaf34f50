// SPDX-License-Identifier: GPL-2.0
/*
 * The FUSE methods.  dstate serves a one-file filesystem itself, speaking
 * the kernel's protocol on /dev/fuse: a handful of requests to answer, so
 * no libfuse.  A reader of the file waits in the kernel's
 * request_wait_answer() until the daemon answers, and how it waits is the
 * lesson:
 *
 *  - fuse-noreply: the daemon has read the READ and holds it.  The reader
 *    sleeps in S.  A fatal signal cannot take back a request user space
 *    already has, so SIGKILL moves the reader to an uninterruptible D
 *    until the daemon answers or the connection is aborted.
 *  - fuse-noread: the daemon stops reading before the READ comes.  The
 *    request is still queued, so a fatal signal takes it back and SIGKILL
 *    ends the reader at once.
 *
 * Closing /dev/fuse aborts the connection: every waiter then fails with
 * ENOTCONN, which is how a killed daemon frees its readers.  From Linux
 * 6.14 (protocol 7.43) the daemon may also ask the kernel for a request
 * timeout: a request unanswered that long aborts the connection, even
 * one the daemon has read, which SIGKILL cannot end.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fusefs.h"
#include "kmodload.h"
#include "tmpdir.h"

#define ROOT_ID		FUSE_ROOT_ID	/* 1 */
#define FILE_ID		2
#define FILE_NAME	"file"
#define FILE_TEXT	"dstate: the daemon answered\n"
#define FILE_SIZE	(sizeof(FILE_TEXT) - 1)

/* Big enough for any request the kernel sends with max_write 4096. */
#define REQ_BUF		(FUSE_MIN_READ_BUFFER + 4096)

/*
 * The request timeout (protocol 7.43, Linux 6.14) is newer than the build
 * host's <linux/fuse.h>: its flag, and the INIT reply laid out as 7.43
 * has it, the same 64 bytes with request_timeout where older headers have
 * reserved space.
 */
#define REQUEST_TIMEOUT_MINOR	43
#define INIT_REQUEST_TIMEOUT	(1ULL << 42)	/* FUSE_REQUEST_TIMEOUT */
/* Where the kernel that has it shows its limits. */
#define REQUEST_TIMEOUT_SYSCTL	"/proc/sys/fs/fuse/max_request_timeout"

struct init_out_743 {
	uint32_t major;
	uint32_t minor;
	uint32_t max_readahead;
	uint32_t flags;
	uint16_t max_background;
	uint16_t congestion_threshold;
	uint32_t max_write;
	uint32_t time_gran;
	uint16_t max_pages;
	uint16_t map_alignment;
	uint32_t flags2;
	uint32_t max_stack_depth;
	uint16_t request_timeout;
	uint16_t unused[11];
};

_Static_assert(sizeof(struct init_out_743) == sizeof(struct fuse_init_out),
	       "the INIT reply keeps its size across protocol versions");

int fusefs_setup(struct fusefs *f, bool noread, unsigned int request_timeout_s,
		 char *err, size_t errlen)
{
	char opts[128];
	int ret;

	memset(f, 0, sizeof(*f));
	f->dev_fd = -1;
	f->noread = noread;
	f->request_timeout_s = request_timeout_s;
	ret = tmpdir_make(f->dir, sizeof(f->dir), "dstate-fuse", err, errlen);
	if (ret)
		return ret;
	snprintf(f->mnt, sizeof(f->mnt), "%s/mnt", f->dir);
	snprintf(f->file, sizeof(f->file), "%s/" FILE_NAME, f->mnt);
	if (mkdir(f->mnt, 0700)) {
		ret = -errno;
		snprintf(err, errlen, "could not make %s: %s", f->mnt, strerror(errno));
		goto fail;
	}
	f->dev_fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (f->dev_fd < 0 && errno == ENOENT && !kmodload_probe("fuse"))
		f->dev_fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (f->dev_fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "could not open /dev/fuse: %s", strerror(errno));
		goto fail;
	}
	/* Asked for and not there, the sleep would have no end: refuse. */
	if (request_timeout_s && access(REQUEST_TIMEOUT_SYSCTL, F_OK)) {
		ret = -EOPNOTSUPP;
		snprintf(err, errlen,
			 "could not set a FUSE request timeout: this kernel has none (it came in Linux 6.14; no %s)",
			 REQUEST_TIMEOUT_SYSCTL);
		goto fail;
	}
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0",
		 f->dev_fd);
	if (mount("dstate", f->mnt, "fuse.dstate", MS_NOSUID | MS_NODEV, opts)) {
		ret = -errno;
		snprintf(err, errlen, "could not mount FUSE on %s: %s", f->mnt,
			 strerror(errno));
		goto fail;
	}
	f->mounted = true;
	return 0;
fail:
	fusefs_teardown(f);
	return ret;
}

static int reply(const struct fusefs *f, uint64_t unique, int error,
		 const void *arg, size_t len)
{
	struct fuse_out_header h = {
		.len = (uint32_t)(sizeof(h) + (error ? 0 : len)),
		.error = error,
		.unique = unique,
	};
	struct iovec iov[2] = {
		{ .iov_base = &h, .iov_len = sizeof(h) },
		{ .iov_base = (void *)arg, .iov_len = error ? 0 : len },
	};

	/* ENOENT: the request was interrupted and is gone; not an error. */
	if (writev(f->dev_fd, iov, 2) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

static void fill_attr(struct fuse_attr *a, uint64_t id)
{
	memset(a, 0, sizeof(*a));
	a->ino = id;
	a->mode = id == ROOT_ID ? S_IFDIR | 0755 : S_IFREG | 0444;
	a->nlink = id == ROOT_ID ? 2 : 1;
	a->size = id == ROOT_ID ? 0 : FILE_SIZE;
	a->blksize = 4096;
}

static int answer_read(const struct fusefs *f, uint64_t unique,
		       const struct fuse_read_in *in)
{
	size_t off = in->offset < FILE_SIZE ? (size_t)in->offset : FILE_SIZE;
	size_t n = FILE_SIZE - off;

	if (n > in->size)
		n = in->size;
	return reply(f, unique, 0, FILE_TEXT + off, n);
}

/*
 * Read one request and answer it, unless it is the reader's READ to hold.
 * 0, -EAGAIN when none was there, or -errno (ENODEV: unmounted).
 */
static int serve_one(struct fusefs *f, char *buf, bool holding)
{
	struct fuse_in_header *in = (struct fuse_in_header *)buf;
	void *arg = in + 1;
	ssize_t n;

	n = read(f->dev_fd, buf, REQ_BUF);
	if (n < 0)
		return errno == EINTR ? -EAGAIN : -errno;
	if ((size_t)n < sizeof(*in))
		return -EIO;

	switch (in->opcode) {
	case FUSE_INIT: {
		const struct fuse_init_in *ii = arg;
		struct init_out_743 o = {
			.major = FUSE_KERNEL_VERSION,
			.minor = ii->minor < FUSE_KERNEL_MINOR_VERSION ?
				 ii->minor : FUSE_KERNEL_MINOR_VERSION,
			.max_write = 4096,
		};

		/* The kernel reads the timeout by its flag, not the minor. */
		if (f->request_timeout_s && ii->minor >= REQUEST_TIMEOUT_MINOR &&
		    (ii->flags & FUSE_INIT_EXT) &&
		    (((uint64_t)ii->flags2 << 32) & INIT_REQUEST_TIMEOUT)) {
			o.flags = FUSE_INIT_EXT;
			o.flags2 = INIT_REQUEST_TIMEOUT >> 32;
			o.request_timeout = f->request_timeout_s;
		}
		/* Kernels before 7.23 know the short reply only. */
		return reply(f, in->unique, 0, &o, ii->minor < 23 ?
			     FUSE_COMPAT_22_INIT_OUT_SIZE : sizeof(o));
	}
	case FUSE_LOOKUP: {
		struct fuse_entry_out e = { .nodeid = FILE_ID };

		if (in->nodeid != ROOT_ID || strcmp(arg, FILE_NAME) != 0)
			return reply(f, in->unique, -ENOENT, NULL, 0);
		fill_attr(&e.attr, FILE_ID);
		return reply(f, in->unique, 0, &e, sizeof(e));
	}
	case FUSE_GETATTR: {
		struct fuse_attr_out a = { 0 };

		fill_attr(&a.attr, in->nodeid);
		return reply(f, in->unique, 0, &a, sizeof(a));
	}
	case FUSE_OPEN:
	case FUSE_OPENDIR: {
		/* Direct I/O: every read reaches the daemon, none the cache. */
		struct fuse_open_out o = { .fh = 1, .open_flags = FOPEN_DIRECT_IO };
		int ret = reply(f, in->unique, 0, &o, sizeof(o));

		/* Read nothing more: the READ waits, unread. */
		if (!ret && holding && f->noread && f->no_flush &&
		    in->opcode == FUSE_OPEN)
			f->unread = true;
		return ret;
	}
	case FUSE_READ:
		if (holding && !f->noread && in->nodeid == FILE_ID && !f->held) {
			f->held = true;
			f->held_unique = in->unique;
			return 0;
		}
		return answer_read(f, in->unique, arg);
	case FUSE_FLUSH:
		/*
		 * ENOSYS: the kernel sends no FLUSH again on this connection.
		 * A FLUSH is one request a fatal signal cannot take back, and
		 * a killed reader closes its file as it exits: with FLUSH on,
		 * it would wait there, in D, for a daemon that reads nothing.
		 */
		f->no_flush = true;
		return reply(f, in->unique, -ENOSYS, NULL, 0);
	case FUSE_READDIR:
	case FUSE_RELEASE:
	case FUSE_RELEASEDIR:
		return reply(f, in->unique, 0, NULL, 0);
	case FUSE_INTERRUPT:	/* the held READ stays held: no answer */
	case FUSE_FORGET:
	case FUSE_BATCH_FORGET:
		return 0;
	default:
		return reply(f, in->unique, -ENOSYS, NULL, 0);
	}
}

int fusefs_serve(struct fusefs *f, int release_fd, bool (*stop)(void))
{
	struct pollfd pfd[2] = {
		{ .fd = release_fd, .events = POLLIN },
		{ .fd = f->dev_fd, .events = POLLIN },
	};
	static char buf[REQ_BUF];
	bool holding = true;
	int ret;

	for (;;) {
		/* fuse-noread: once the file is open, /dev/fuse is not read. */
		pfd[1].fd = holding && f->unread ? -1 : f->dev_fd;
		if (poll(pfd, 2, 10) < 0 && errno != EINTR)
			return -errno;
		/* The reader closed its end: done, or gone. */
		if (pfd[0].revents & (POLLHUP | POLLERR))
			return 0;
		if (holding && ((pfd[0].revents & POLLIN) || (stop && stop()))) {
			holding = false;
			if (f->held) {
				struct fuse_read_in r = { .size = FILE_SIZE };

				f->held = false;
				ret = answer_read(f, f->held_unique, &r);
				if (ret)
					return ret;
			}
		}
		if (pfd[1].fd >= 0 && (pfd[1].revents & POLLIN)) {
			ret = serve_one(f, buf, holding);
			if (ret && ret != -EAGAIN)
				return ret;
		}
		if (pfd[1].revents & (POLLHUP | POLLERR))
			return -ENOTCONN;
	}
}

int fusefs_read(const struct fusefs *f)
{
	char buf[64];
	int fd, ret = 0;

	/* An open and close first, whose FLUSH turns FLUSH off (see above). */
	fd = open(f->file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	close(fd);
	fd = open(f->file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (read(fd, buf, sizeof(buf)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

void fusefs_teardown(struct fusefs *f)
{
	/* Unmounting a FUSE filesystem sends its daemon no request. */
	/* Busy while a reader still holds the file: then lazily. */
	if (f->mounted && umount2(f->mnt, 0))
		umount2(f->mnt, MNT_DETACH);
	f->mounted = false;
	if (f->dev_fd >= 0) {
		close(f->dev_fd);
		f->dev_fd = -1;
	}
	if (f->dir[0]) {
		rmdir(f->mnt);
		rmdir(f->dir);
		f->dir[0] = '\0';
	}
}

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DSTATE_FUSEFS_H
#define DSTATE_FUSEFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A one-file FUSE filesystem that dstate serves itself, under a private
 * temporary directory, whose daemon can stop answering.
 */
struct fusefs {
	char dir[128];		/* mkdtemp: $TMPDIR/dstate-fuse.XXXXXX */
	char mnt[160];
	char file[176];		/* mnt/file, the one file */
	int dev_fd;		/* /dev/fuse: closing it aborts the connection */
	bool mounted;
	bool noread;		/* stop reading before the READ (fuse-noread) */
	bool no_flush;		/* FLUSH answered ENOSYS: the kernel sends no more */
	bool held;		/* a READ is held unanswered (fuse-noreply) */
	uint64_t held_unique;
	bool unread;		/* noread: the file is open, nothing more is read */
	unsigned int request_timeout_s;	/* asked of the kernel at INIT; 0: none */
};

/*
 * Make the directory, open /dev/fuse (loading fuse if need be) and mount.
 * @request_timeout_s, when not 0, is asked of the kernel at INIT: a
 * request unanswered that long aborts the connection (Linux 6.14 on;
 * -EOPNOTSUPP before).  Undoes what it did when it fails; @err gets
 * "could not X: reason".
 */
int fusefs_setup(struct fusefs *f, bool noread, unsigned int request_timeout_s,
		 char *err, size_t errlen);

/*
 * The daemon: answer what comes on /dev/fuse, except the reader's READ,
 * which is held (noreply) or left unread (noread: nothing more is read once
 * the file is open), until @release_fd is readable or closed, or @stop()
 * says so; then answer everything, the held READ first, until @release_fd
 * is closed.  Polls every 10 ms.  0, or -errno when the connection is
 * gone.
 */
int fusefs_serve(struct fusefs *f, int release_fd, bool (*stop)(void));

/*
 * The reader: open and close the file (which turns FLUSH off), open it
 * again and read it, which sleeps while the daemon does not answer.  0, or -errno (ENOTCONN: the connection was aborted).
 */
int fusefs_read(const struct fusefs *f);

/* Unmount (lazily if busy), close and delete whatever exists. */
void fusefs_teardown(struct fusefs *f);

#endif

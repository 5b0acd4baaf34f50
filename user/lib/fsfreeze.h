/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DSTATE_FSFREEZE_H
#define DSTATE_FSFREEZE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A small ext2 image, loop-mounted under a private temporary directory,
 * that can be frozen so that writers to it sleep in D.
 */
struct fsfreeze {
	char dir[128];		/* mkdtemp: $TMPDIR/dstate-fsfreeze.XXXXXX */
	char image[160];
	char mnt[160];
	char loop[32];		/* /dev/loopN */
	int loop_fd;		/* held until unmounted: the loop is AUTOCLEAR */
	bool mounted;
	bool frozen;
};

/*
 * Make the image, attach it to a free loop device and mount it.  Undoes
 * what it did when it fails; @err gets "could not X: reason".
 */
int fsfreeze_setup(struct fsfreeze *f, char *err, size_t errlen);
int fsfreeze_freeze(struct fsfreeze *f);
int fsfreeze_thaw(struct fsfreeze *f);
/*
 * Thaw, unmount (lazily if it stays busy past @busy_ms), detach and delete
 * whatever exists.  Safe to call more than once, and from a child that
 * inherited the structure.
 */
void fsfreeze_teardown(struct fsfreeze *f, unsigned int busy_ms);
/* Open a new file in the filesystem and write to it: sleeps while frozen. */
int fsfreeze_write(const struct fsfreeze *f, const char *name);

#endif

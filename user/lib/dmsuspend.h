/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DSTATE_DMSUSPEND_H
#define DSTATE_DMSUSPEND_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * A device-mapper device (a linear map over a loop device over an image
 * file, all under a private temporary directory) that can be suspended,
 * so that writers to it wait for their I/O in D.
 */
struct dmsuspend {
	char dir[128];		/* mkdtemp: $TMPDIR/dstate-dm.XXXXXX */
	char image[160];
	char node[160];		/* dir/dev: our own node, no udev needed */
	char name[64];		/* the dm name: dstate-XXXXXX, as the dir's */
	char loop[32];		/* /dev/loopN */
	int loop_fd;		/* held until the map is gone: autoclear */
	dev_t devt;
	bool created;
	bool suspended;
};

/*
 * Make the image and the loop device, create the map and activate it.
 * Undoes what it did when it fails; @err gets "could not X: reason".
 */
int dmsuspend_setup(struct dmsuspend *d, char *err, size_t errlen);
int dmsuspend_suspend(struct dmsuspend *d);
int dmsuspend_resume(struct dmsuspend *d);
/*
 * Resume, remove the map (waiting up to @busy_ms for its last opener),
 * detach and delete whatever exists.  Safe more than once.
 */
void dmsuspend_teardown(struct dmsuspend *d, unsigned int busy_ms);
/* Write one block to the device, O_DIRECT: sleeps while suspended. */
int dmsuspend_write(const struct dmsuspend *d);

/* For 'dstate cleanup': resume and remove the map called @name. */
int dmsuspend_remove_by_name(const char *name);

#endif

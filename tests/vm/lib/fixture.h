/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The start and end most VM tests share.  Inline, and in a header of its
 * own, because the TAP counters of tap.h belong to the test's own file.
 */
#ifndef DSTATE_TESTS_FIXTURE_H
#define DSTATE_TESTS_FIXTURE_H

#include <string.h>
#include <unistd.h>

#include "dtest.h"
#include "tap.h"

/*
 * Read the kernel log from here on, insert dstate.ko and open the device:
 * the fd, or -1 after a failed case.
 */
static inline int ds_setup(struct kmsg *k)
{
	int ret, fd;

	kmsg_begin(k);
	ret = mod_load(NULL);
	if (!tap_result(ret == 0, "insmod dstate.ko (%s)", strerror(-ret)))
		return -1;
	fd = dev_open();
	if (!tap_result(fd >= 0, "open %s", DSTATE_DEV))
		return -1;
	return fd;
}

/* Close @fd, remove the module, and no kernel bug logged since the start. */
static inline void ds_teardown(struct kmsg *k, int fd)
{
	int ret;

	close(fd);
	ret = mod_unload();
	tap_result(ret == 0, "rmmod succeeds (%s)", strerror(-ret));
	tap_result(kmsg_clean(k), "no BUG, WARNING or Oops in the kernel log");
	kmsg_end(k);
}

#endif

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DSTATE_KMSG_H
#define DSTATE_KMSG_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The kernel log's new lines: /dev/kmsg opened at its end, so that only
 * what the kernel logs from then on is read, never an older report.
 */
struct kmsg {
	int fd;
};

/* 0 or -errno (root only on most systems: dmesg_restrict). */
int kmsg_open(struct kmsg *k);
void kmsg_close(struct kmsg *k);
/*
 * Each record logged since the last call (or the open), its text without
 * the header and continuation lines, passed to @fn; never blocks.
 * Records the kernel overwrote before they were read are skipped.
 */
void kmsg_read_new(struct kmsg *k, void (*fn)(const char *msg, void *arg),
		   void *arg);
/* Forget what is there: the next read starts from now. */
void kmsg_skip(struct kmsg *k);

#endif

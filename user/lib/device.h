/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DSTATE_DEVICE_H
#define DSTATE_DEVICE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dstate_uapi.h"

#define DSTATE_DEVICE	"/dev/dstate"

/* The device every call uses; --device changes it. */
extern const char *dstate_device;

/* Open the device: an fd or -errno.  Prints nothing. */
int dev_open(void);
/*
 * Open it or say why not, as "dstate: could not open /dev/dstate: ...",
 * with a hint when the module is not loaded.  Returns the fd or -1.
 */
int dev_open_or_complain(void);
void dev_complain(const char *what, int err);

/* The ioctls: 0 or -errno. */
int dev_info(int fd, struct dstate_info *info);
int dev_sleep(int fd, unsigned int mode, uint64_t timeout_ns, uint64_t tag);
int dev_release(int fd, unsigned int how, pid_t pid, uint64_t tag,
		unsigned int *released);
/* All sleepers, malloc'd into *out (free it); *count is set. */
int dev_list(int fd, struct dstate_sleeper **out, size_t *count);
int dev_kthread(int fd, unsigned int mode, uint64_t timeout_ns, uint64_t tag,
		pid_t *pid);
int dev_task_state(int fd, pid_t tid, struct dstate_task_state *ts);

#endif

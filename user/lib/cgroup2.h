/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DSTATE_CGROUP2_H
#define DSTATE_CGROUP2_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define CGROUP2_ROOT	"/sys/fs/cgroup"

/* Is a cgroup v2 hierarchy mounted at CGROUP2_ROOT? */
bool cgroup2_mounted(void);
/* Write @val to @dir/@file: 0 or -errno. */
int cgroup2_write(const char *dir, const char *file, const char *val);
/* A "key value" of @dir/@file (cgroup.events: populated, frozen), or -errno. */
int cgroup2_key(const char *dir, const char *file, const char *key, long *val);
/* Move @pid into @dir: 0 or -errno. */
int cgroup2_move(const char *dir, pid_t pid);
/* Has the kernel cgroup.kill (5.14 on)?  Asked of the root's child @dir. */
bool cgroup2_has_kill(const char *dir);
/*
 * Empty and remove @dir, a leaf: thaw it, kill what is in it
 * (cgroup.kill, or SIGKILL to each of cgroup.procs), wait up to
 * @timeout_ns for it to be unpopulated, rmdir.  0 or -errno (-EBUSY when
 * something in it would not die: a task in D).
 */
int cgroup2_remove(const char *dir, uint64_t timeout_ns);

#endif

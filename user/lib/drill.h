/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DSTATE_DRILL_H
#define DSTATE_DRILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "modes.h"

/*
 * What 'dstate drill' is built from: a target that stays after its wake,
 * shell commands in process groups of their own, the end of every
 * descendant, and a cgroup of its own.
 */

/* Can the drill make a target of @m?  (module modes but permanent and
 * the lock modes, vfork, stopped, the FUSE methods, dm-suspend, and
 * fsfreeze, which the drill starts with spawn.h rather than
 * drill_target_start()) */
bool drill_method_ok(const struct dstate_method *m);

/*
 * Is @m one that 'dstate sleep' keeps with a helper, the target's child
 * (the FUSE daemon, the dm-suspend keeper)?  Such a target ends by itself
 * once woken, and its helper must be let finish its teardown.
 */
bool drill_method_kept(const struct dstate_method *m);

/*
 * Fork a target in @m, a child of this process in a session of its own.
 * It sleeps until woken (drill_wake()), and then lives on, as the
 * workload it stands for would, until a signal ends it, its parent dies
 * (PDEATHSIG SIGKILL) or @safety_ns pass; module sleeps time out then too.
 * A kept method's target is 'dstate sleep METHOD --timeout @safety_ns':
 * woken, it ends by itself (unless a signal it got ends it first), and
 * its parent's death undoes it (PDEATHSIG SIGTERM), and its stderr is a
 * pipe whose read end (non-blocking) is *err_rd (-1 for the others).
 * Returns 0 with *pid, or -errno.
 */
int drill_target_start(const struct dstate_method *m, uint64_t safety_ns,
		       uint64_t tag, pid_t *pid, int *err_rd);

/*
 * Wake @pid the method's own way: the module's release, SIGKILL to the
 * vfork child, SIGCONT, SIGTERM to the FUSE daemon, the dm keeper or the
 * fsfreeze keeper (the writer's parent).  *how says which ("release", ...).  0 or -errno.
 */
int drill_wake(const struct dstate_method *m, int dev_fd, pid_t pid,
	       const char **how);

/* The first child of @pid (its /proc children file), or 0. */
pid_t drill_child_of(pid_t pid);

/*
 * Run "sh -c @cmd" in a new session (so its process group is its pid),
 * with @env ("NAME=VALUE", NULL-ended) added, stdin on /dev/null and
 * stdout and stderr on @out_fd (-1: /dev/null), in the cgroup v2
 * directory @cgroup unless it is NULL (the child moves itself before the
 * exec, so that all it starts is in there; if it cannot, it says why on
 * @out_fd and exits 126).  0 with *pid, or -errno.
 */
int drill_run_shell(const char *cmd, char *const env[], int out_fd,
		    const char *cgroup, pid_t *pid);

/* SIGKILL (and SIGCONT) every descendant of this process.  Returns how
 * many were signalled. */
unsigned int drill_kill_descendants(void);

/*
 * The cgroup v2 hierarchy's mount point, from /proc/self/mountinfo, into
 * @buf.  0, or -ENOENT when none is mounted.
 */
int cgroup2_root(char *buf, size_t len);
/* Is there a mount at or under @path (/proc/self/mountinfo)? */
bool mounts_under(const char *path);

#endif

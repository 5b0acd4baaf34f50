/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DSTATE_SPAWN_H
#define DSTATE_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/types.h>

#include "modes.h"

/*
 * The shape of each spawned process around its sleeping thread:
 *   threads        the process has this many threads (0 or 1: one); the
 *                  last one made is in the state, the others wait in S
 *                  with every signal blocked, so that a signal to the
 *                  process reaches the sleeping thread as it would a
 *                  single-threaded process
 *   zombie_leader  the main thread leaves by SYS_exit (itself only): /proc
 *                  shows the leader Z and the process cannot be reaped
 *                  while the sleeping thread lives
 *   pidns          the process is pid 2 of a new pid namespace, a child of
 *                  its init (comm dstate-nsinit), which reaps it and
 *                  exits when it is gone
 */
struct spawn_shape {
	unsigned int threads;
	bool zombie_leader;
	bool pidns;
};

struct spawn_req {
	const struct dstate_method *m;
	uint64_t timeout_ns;	/* 0: none; where the method has one */
	uint64_t tag;		/* module modes */
	bool kthread;		/* module modes: a dstate/N kernel thread */
	int dev_fd;		/* open /dev/dstate, or -1 */
	struct spawn_shape shape;
	/*
	 * fuse-noreply, fuse-noread, dm-suspend: the kept sleep of 'dstate
	 * sleep' (cmd_sleep.c), run in the forked child; must not return.
	 */
	void (*kept)(const struct dstate_method *m, uint64_t timeout_ns,
		     int owner_fd);
};

/* Is any shape asked for? */
static inline bool spawn_shaped(const struct spawn_req *r)
{
	return r->shape.threads > 1 || r->shape.zombie_leader || r->shape.pidns;
}

/*
 * One spawned process.  @pid is the one in the state; @helper keeps it
 * there and is what to signal to end it, where there is one:
 *   vfork     the vfork child (the parent @pid waits for it)
 *   traced    the tracer
 *   zombie    the parent that does not reap @pid
 *   fsfreeze  the keeper: SIGTERM thaws, unmounts and deletes
 *   fuse-noreply, fuse-noread, dm-suspend
 *             the daemon or keeper (a child of @pid): SIGTERM to either
 *             answers or resumes, and it unmounts or removes and deletes
 */
struct spawned {
	pid_t pid;
	pid_t tid;		/* the thread in the state (shapes), or 0: @pid */
	pid_t helper;
	pid_t forked;		/* the process dstate forked for it */
	pid_t init;		/* --pidns: the namespace's init, @pid's parent */
	char letter;		/* last seen in /proc */
	int err;		/* errno the child reported, or 0 */
	bool done;		/* reached its state */
	char msg[200];		/* the child's own account of a failure */
};

/*
 * The channel children report on: one pipe, shared, each report a single
 * write smaller than PIPE_BUF.  Created by spawn_begin().
 */
struct spawn_ctx {
	int rd, wr;
	int own_rd, own_wr;	/* the owner pipe: see interrupt.h */
	const sigset_t *stop;	/* signals that end spawn_wait(), or NULL */
	int sig;		/* the one that did */
	char fs_dir[128];	/* fsfreeze: the keeper's, once it said */
};

int spawn_begin(struct spawn_ctx *c);
void spawn_end(struct spawn_ctx *c);

/*
 * Start @n processes for @r into @s (fsfreeze: one keeper for all of them).
 * Returns 0 or -errno; on error, those started are in @s and @*started.
 */
int spawn_start(struct spawn_ctx *c, const struct spawn_req *r,
		struct spawned *s, unsigned int n, unsigned int *started);

/*
 * Poll /proc until each reaches its letter, or @timeout_ns passes.
 * Returns 0, or -ETIMEDOUT / -ECHILD (it died) / the child's -errno, with
 * @*bad the index of the first that failed; -EINTR with @c->sig when a
 * signal of @c->stop came.
 */
int spawn_wait(struct spawn_ctx *c, const struct spawn_req *r,
	       struct spawned *s, unsigned int n, uint64_t timeout_ns,
	       unsigned int *bad);

/* Undo: release module sleepers, SIGKILL the rest (not permanent ones). */
void spawn_kill(const struct spawn_req *r, struct spawned *s, unsigned int n);

/*
 * After spawn_kill(), as a child subreaper: reap every descendant (the
 * keeper once it has torn down) until none is left or @timeout_ns passes.
 * Returns 0, or -ETIMEDOUT when some remain.
 */
int spawn_reap(uint64_t timeout_ns);

/*
 * fsfreeze, before spawn_kill(): if the keeper is already gone (SIGKILL),
 * thaw, unmount and delete its filesystem here, so that its writers end.
 */
void spawn_rescue(struct spawn_ctx *c, const struct spawn_req *r,
		  const struct spawned *s);

/* Tell the helpers to stay after dstate exits (spawn succeeded). */
void spawn_commit(struct spawn_ctx *c, const struct spawn_req *r,
		  unsigned int n);

/*
 * Wait for @pid to show one of @letters, with a deadline, polling /proc
 * from 100us up to 5ms apart.  Returns 0 with *seen, -ETIMEDOUT with the
 * last *seen, or -ESRCH.
 */
int wait_for_state(pid_t pid, const char *letters, uint64_t timeout_ns,
		   char *seen);

/* The setup each long-lived child does: its own session, stdio on
 * /dev/null, default signal actions, nothing blocked, no stray fds but
 * @keep_fd and @keep_fd2 (-1: none). */
void child_detach(int keep_fd, int keep_fd2);

#endif

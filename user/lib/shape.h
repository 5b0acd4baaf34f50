/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DSTATE_SHAPE_H
#define DSTATE_SHAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * The process shapes around a sleeping thread, as the kernel shows them:
 * one thread of several, a thread group whose leader has exited (a zombie
 * its parent cannot reap while another thread lives), and a process in a
 * pid namespace below the reader's whose parent is that namespace's init.
 */
#define SHAPE_NSPID_MAX	8

struct proc_shape {
	int threads;		/* num_threads of /proc/PID/stat */
	char leader;		/* the thread group leader's letter */
	bool leader_zombie;	/* Z while another thread lives */
	int nspid[SHAPE_NSPID_MAX];	/* NSpid: the reader's level first */
	int nlevels;
	int ppid;		/* in the reader's namespace */
	bool parent_ns_init;	/* the parent is pid 1 of a namespace below */
};

/* Read the shape of process @pid; 0 or -errno (-ESRCH when gone). */
int proc_read_shape(pid_t pid, struct proc_shape *sh);

/*
 * "threads=4,leader=zombie,nspid=2,parent=ns-init" for what is unusual;
 * "" for one thread in the reader's namespace.  Returns @buf.
 */
char *shape_words(const struct proc_shape *sh, char *buf, size_t len);

/*
 * Read NSpid of /proc/@pid/status into @v (at most @max): the number of
 * levels, or -errno.  Older kernels (before 4.1) have no NSpid: 0.
 */
int proc_read_nspid(pid_t pid, int *v, int max);

#endif

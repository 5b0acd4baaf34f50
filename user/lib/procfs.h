/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DSTATE_PROCFS_H
#define DSTATE_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* PF_KTHREAD in the flags field: a kernel thread, which no signal ends. */
#define PROC_PF_KTHREAD	0x00200000UL

/* What /proc/PID/stat says that dstate uses. */
struct proc_stat {
	int pid;
	char comm[64];		/* up to TASK_COMM_LEN, any bytes but NUL */
	char state;		/* the letter: R S D T t Z X I ... */
	int ppid;
	int pgrp;
	int session;
	unsigned long flags;	/* PF_* */
	unsigned long long starttime;	/* clock ticks after boot */
};

struct proc_status {
	char state;
	int tgid;
	int ppid;
	int tracer_pid;
	uid_t uid;
	uint64_t sig_pnd;	/* SigPnd: pending for this thread */
	uint64_t shd_pnd;	/* ShdPnd: pending for the process */
	uint64_t sig_blk;
	uint64_t sig_ign;
	uint64_t sig_cgt;
};

/*
 * Parse the text of a stat file.  comm may hold spaces and parentheses, so
 * it runs from the first '(' to the LAST ')'.  Returns 0 or -EINVAL.
 */
int proc_parse_stat(const char *buf, struct proc_stat *st);
/* Returns 0, -ESRCH when the task is gone, or another -errno. */
int proc_read_stat(pid_t pid, struct proc_stat *st);
/* /proc/PID/task/TID/stat, for threads. */
int proc_read_task_stat(pid_t pid, pid_t tid, struct proc_stat *st);

/*
 * Field @field (1-based, as in proc(5)) of a stat file's text, for the
 * numeric fields after comm (field >= 3 is the state letter's place).
 */
int proc_stat_field(const char *buf, int field, long long *v);
/*
 * The exit code of a zombie (field 52): wait status form, or -errno.
 * Without ptrace read access the kernel shows 0 there: see below.
 */
int proc_read_exit_code(pid_t pid, int *code);
/*
 * Does /proc show us @pid's real exit code?  do_task_stat() prints it
 * only when ptrace_may_access(PTRACE_MODE_READ_FSCREDS); /proc/PID/io
 * asks the same and fails with EACCES otherwise, so reading it is the
 * probe.  False when it cannot tell (no such file, task gone).
 */
bool proc_exit_code_visible(pid_t pid);

int proc_parse_status(const char *buf, struct proc_status *st);
int proc_read_status(pid_t pid, struct proc_status *st);

/* wchan: "" when running or unreadable ("0" is mapped to ""). */
int proc_read_wchan(pid_t pid, char *buf, size_t len);
int proc_read_task_wchan(pid_t pid, pid_t tid, char *buf, size_t len);
/* The kernel stack (root only); -EACCES or -ENOENT otherwise. */
int proc_read_stack(pid_t pid, char *buf, size_t len);
int proc_read_task_stack(pid_t pid, pid_t tid, char *buf, size_t len);
/*
 * Does @pid sleep in a function whose name holds @fn?  By its wchan, or,
 * where wchan says nothing (always 0 on 5.10), by its kernel stack.
 */
bool proc_waits_in(pid_t pid, const char *fn);

/*
 * The thread ids of @pid (/proc/PID/task), ascending, malloc'd into *tids
 * (free it).  Returns the count, -ESRCH when the process is gone, or
 * another -errno.  Threads come and go meanwhile: a listed one may be gone
 * when read.
 */
int proc_list_tasks(pid_t pid, pid_t **tids);

/* The state letter, or 0 when the task is gone or unreadable. */
char proc_state(pid_t pid);
/* "disk sleep" for 'D', as fs/proc/array.c names them. */
const char *state_name(char letter);
/*
 * How much a thread in state @letter holds its process back; the process
 * shows the state of its highest-ranked thread: D (waits in the kernel,
 * perhaps unkillably) over T and t (do nothing until continued) over S
 * (waits, interruptibly) over I and P (idle or parked kernel threads) over
 * R (runs) over Z and X (dead: the process shows them only when no thread
 * lives).
 */
int state_rank(char letter);

/* "SIGTERM", "SIGRTMIN+2"; sig counts from 1. */
const char *signal_name(int sig, char *buf, size_t len);
/* "SIGINT,SIGTERM" for a /proc mask (bit n is signal n+1); "" if none. */
char *sigmask_names(uint64_t mask, const char *sep, char *buf, size_t len);

/* Read a whole small file; returns bytes read or -errno. */
ssize_t read_file(const char *path, char *buf, size_t len);
/*
 * Undo the \ooo escapes /proc/mounts and mountinfo put on space, tab,
 * newline and backslash in a path, in place.
 */
void proc_unescape(char *s);
/* Write @val to a /proc or /sys file in one write(); 0 or -errno. */
int write_file(const char *path, const char *val);

#endif

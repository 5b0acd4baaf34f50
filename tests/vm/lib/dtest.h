/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the VM tests written in C.
 *
 * Everything here reads what the kernel shows — /proc, wait statuses, the
 * kernel log, delete_module(2)'s errno — so that a test judges the module
 * by its effects and not by what it says about itself.  Every wait has a
 * deadline: a test that goes wrong fails, it never hangs the VM.
 */
#ifndef DSTATE_TESTS_DTEST_H
#define DSTATE_TESTS_DTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dstate_uapi.h"
#include "tap.h"

#define DSTATE_KO	"/lib/modules/dstate.ko"
#define DSTATE_DEV	"/dev/dstate"

#define NSEC_PER_MSEC	1000000ULL

/* How long any single expected event may take in the emulated guest. */
#define WAIT_MS		10000

/* Exit codes of a sleeper child that failed before or around its ioctl. */
#define CHILD_NO_DEV	250	/* could not open /dev/dstate */
#define CHILD_SETUP	251	/* signal or privilege set-up failed */
#define CHILD_ODD	252	/* the ioctl returned neither 0 nor -1 */
#define CHILD_RETURNED	253	/* a call that must never return did */

#define NOBODY		65534	/* the unprivileged uid and gid */

uint64_t now_ns(void);
void sleep_ms(unsigned int ms);

/* Loading and removing the module, with the kernel's own errno. */
int mod_load(const char *params);
int mod_unload(void);
int mod_refcnt(void);		/* -1 when dstate is not in /proc/modules */
int wait_refcnt(int want, unsigned int ms);
bool mod_live(void);
int run_rmmod(void);		/* exit status of the real rmmod(8) */
int dev_open(void);

/* The ioctls, returning 0 or -errno. */
int ds_ioctl(int fd, unsigned long cmd, void *arg);
int ds_release(int fd, unsigned int how, pid_t pid, uint64_t tag,
	       unsigned int *released);
int ds_release_pid(int fd, pid_t pid, unsigned int ms);
int ds_kthread(int fd, unsigned int mode, uint64_t timeout_ns, uint64_t tag,
	       pid_t *pid);
/* Release everything until no sleeper or kernel thread is left. */
bool ds_wait_empty(int fd, struct dstate_info *info);

/* What /proc says about a task. */
char proc_state(pid_t pid);		/* 0 when there is no such task */
char thread_state(pid_t pid, pid_t tid);
int proc_comm(pid_t pid, char *buf, size_t len);
unsigned long long proc_status_mask(pid_t pid, const char *field);
bool sig_pending(pid_t pid, int sig);
bool in_sleep_ioctl(pid_t pid);
bool thread_in_sleep_ioctl(pid_t pid, pid_t tid);
char wait_state(pid_t pid, const char *letters, unsigned int ms);
char wait_thread_state(pid_t pid, pid_t tid, const char *letters,
		       unsigned int ms);
bool wait_sleeping(pid_t pid, char letter, unsigned int ms);
bool wait_pending(pid_t pid, int sig, unsigned int ms);
bool wait_gone(pid_t pid, unsigned int ms);
bool wait_not_state(pid_t pid, char letter, unsigned int ms);
double loadavg1(void);
long long proc_stat_value(const char *name);
long long cpu_iowait_ticks(void);
bool proc_stack_has(pid_t pid, const char *needle);
const char *proc_stack_line(pid_t pid);
int kconfig_enabled(const char *option);
int sysrq_show_blocked(void);

/* A child process that sleeps in the module. */
struct sleeper_spec {
	unsigned int mode;	/* enum dstate_mode, or any value to try */
	uint32_t flags;
	uint64_t timeout_ns;
	uint64_t tag;
	const char *comm;	/* prctl(PR_SET_NAME) before sleeping */
	int handle_sig;		/* install a handler for this signal... */
	bool restart;		/* ...with SA_RESTART */
	int ignore_sig;		/* SIG_IGN this signal */
	int block_sig;		/* block this signal */
	bool unprivileged;	/* become uid/gid NOBODY first... */
	uid_t uid;		/* ...or this uid and gid, when not 0 */
	bool capless;		/* drop CAP_SYS_ADMIN from every set first */
};

struct sleeper {
	pid_t pid;
	int pipe_rd;		/* the handler writes its signal number here */
	uint64_t started_ns;
	int status;		/* wait status once reaped */
	bool reaped;
};

int spawn_sleeper(struct sleeper *s, const struct sleeper_spec *spec);
int wait_all_sleeping(struct sleeper *s, int n, char letter, unsigned int ms);
int handler_bytes(struct sleeper *s, char *buf, size_t len);
bool wait_exit(struct sleeper *s, unsigned int ms);
bool wait_stopped(struct sleeper *s, unsigned int ms);
bool still_there(struct sleeper *s);
bool exited_with(struct sleeper *s, int code);
bool killed_by(struct sleeper *s, int sig);
const char *status_str(int status);
void sleeper_close(struct sleeper *s);
void sleeper_finish(struct sleeper *s, int fd);
bool wait_handler(struct sleeper *s, char *sig, unsigned int ms);
bool stays_asleep(struct sleeper *s, int sig, char letter);

pid_t fork_unprivileged(void);
int drop_cap_sys_admin(void);
pid_t fork_capless(void);

/*
 * The kernel log since a mark: /dev/kmsg read from its end, so only
 * records written after kmsg_begin() are seen.
 */
struct kmsg {
	int fd;
	char *text;		/* "L message\n" per record, L its level */
	size_t len, cap;
};

void kmsg_begin(struct kmsg *k);
void kmsg_update(struct kmsg *k);
int kmsg_count(struct kmsg *k, const char *needle);
int kmsg_count_level(struct kmsg *k, const char *needle, int max_level);
/* A record of the new kernel log that holds both @a and @b. */
bool kmsg_line_has(struct kmsg *k, const char *a, const char *b);
bool kmsg_clean(struct kmsg *k);
void kmsg_dump(struct kmsg *k, const char *needle, int max);
void kmsg_end(struct kmsg *k);
int kmsg_trace_has(struct kmsg *k, pid_t pid, const char *needles);

int write_file(const char *path, const char *text);
int read_file(const char *path, char *buf, size_t len);

#endif /* DSTATE_TESTS_DTEST_H */

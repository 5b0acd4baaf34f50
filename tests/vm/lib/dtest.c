// SPDX-License-Identifier: GPL-2.0
/*
 * Shared helpers of the VM tests written in C; see dtest.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dtest.h"

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * 1000000L,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int write_file(const char *path, const char *text)
{
	int fd, ret = 0;
	size_t len = strlen(text);

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		ret = -errno;
	close(fd);
	return ret;
}

int read_file(const char *path, char *buf, size_t len)
{
	int fd;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return (int)n;
}

int mod_load(const char *params)
{
	int fd, ret = 0;

	fd = open(DSTATE_KO, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, params ? params : "", 0))
		ret = -errno;
	close(fd);
	return ret;
}

/* O_NONBLOCK: fail at once when the module is in use, never force it. */
int mod_unload(void)
{
	if (syscall(SYS_delete_module, "dstate", O_NONBLOCK))
		return -errno;
	return 0;
}

/* The "used by" count the kernel shows in /proc/modules, -1 if absent. */
int mod_refcnt(void)
{
	char line[512], name[64];
	int refcnt = -1, count;
	unsigned long size;
	FILE *f;

	f = fopen("/proc/modules", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %lu %d", name, &size, &count) == 3 &&
		    !strcmp(name, "dstate")) {
			refcnt = count;
			break;
		}
	}
	fclose(f);
	return refcnt;
}

/*
 * Until the module's use count is @want, or @ms pass; returns the last
 * count read.  A released kernel thread drops its reference from the
 * module's reaper, a work item, after the thread has left /proc.
 */
int wait_refcnt(int want, unsigned int ms)
{
	uint64_t end = now_ns() + ms * NSEC_PER_MSEC;
	int refcnt;

	for (;;) {
		refcnt = mod_refcnt();
		if (refcnt == want || now_ns() > end)
			return refcnt;
		sleep_ms(10);
	}
}

bool mod_live(void)
{
	char line[512];
	bool live = false;
	FILE *f;

	f = fopen("/proc/modules", "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "dstate ", 7) && strstr(line, " Live "))
			live = true;
	fclose(f);
	return live;
}

/* Run the real rmmod(8), quietly, and return its exit status. */
int run_rmmod(void)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execl("/usr/sbin/rmmod", "rmmod", "dstate", (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int dev_open(void)
{
	return open(DSTATE_DEV, O_RDWR | O_CLOEXEC);
}

int ds_ioctl(int fd, unsigned long cmd, void *arg)
{
	int ret = ioctl(fd, cmd, arg);

	if (ret < 0)
		return -errno;
	return ret;
}

int ds_release(int fd, unsigned int how, pid_t pid, uint64_t tag,
	       unsigned int *released)
{
	struct dstate_release_args args = {
		.how = how,
		.pid = (__u32)pid,
		.tag = tag,
	};
	int ret;

	ret = ds_ioctl(fd, DSTATE_IOC_RELEASE, &args);
	if (released)
		*released = ret ? 0 : args.released;
	return ret;
}

/* Start a dstate/N kernel thread sleeping in @mode; *pid is its pid. */
int ds_kthread(int fd, unsigned int mode, uint64_t timeout_ns, uint64_t tag,
	       pid_t *pid)
{
	struct dstate_kthread_args args = {
		.mode = mode,
		.timeout_ns = timeout_ns,
		.tag = tag,
	};
	int ret;

	ret = ds_ioctl(fd, DSTATE_IOC_KTHREAD, &args);
	if (pid)
		*pid = ret ? -1 : (pid_t)args.pid;
	return ret;
}

/*
 * Release one sleeper by pid, retrying while it is not (or not yet again,
 * after an SA_RESTART) registered; returns 0 once one was woken.
 */
int ds_release_pid(int fd, pid_t pid, unsigned int ms)
{
	uint64_t end = now_ns() + ms * NSEC_PER_MSEC;
	unsigned int released;
	int ret;

	for (;;) {
		ret = ds_release(fd, DSTATE_RELEASE_PID, pid, 0, &released);
		if (!ret && released == 1)
			return 0;
		if (ret && ret != -ESRCH)
			return ret;
		if (now_ns() > end)
			return ret ? ret : -ETIMEDOUT;
		sleep_ms(10);
	}
}

/* The state letter: the first field after the last ')' of a stat file. */
static char stat_letter(const char *path)
{
	char buf[1024], *p;

	if (read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return 0;
	return p[2];
}

char proc_state(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	return stat_letter(path);
}

char thread_state(pid_t pid, pid_t tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	return stat_letter(path);
}

int proc_comm(pid_t pid, char *buf, size_t len)
{
	char path[64];
	int n;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	n = read_file(path, buf, len);
	if (n <= 0)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* A hexadecimal mask line of a status file ("SigPnd", "CapEff"). */
static unsigned long long status_mask(const char *path, const char *field)
{
	char buf[4096], *line;
	size_t flen = strlen(field);

	if (read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (!strncmp(line, field, flen) && line[flen] == ':')
			return strtoull(line + flen + 1, NULL, 16);
	return 0;
}

/* A signal mask line of /proc/PID/status ("SigPnd", "ShdPnd", "SigIgn"). */
unsigned long long proc_status_mask(pid_t pid, const char *field)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	return status_mask(path, field);
}

/*
 * Pending for the thread or for the whole process: kill(2) queues on the
 * shared set, and a fatal signal also puts SIGKILL on each thread's own.
 */
bool sig_pending(pid_t pid, int sig)
{
	unsigned long long bit = 1ULL << (sig - 1);

	return (proc_status_mask(pid, "SigPnd") | proc_status_mask(pid, "ShdPnd")) & bit;
}

/*
 * The task is inside ioctl(fd, DSTATE_IOC_SLEEP, ...), as the kernel's own
 * /proc/PID/syscall shows: "16 0xFD 0xCMD ..." (16 is ioctl on x86-64).
 * This tells a sleeper from a child still on its way to the call.
 */
static bool syscall_is_sleep(const char *path)
{
	char buf[512];
	unsigned long long nr, fd, cmd;

	if (read_file(path, buf, sizeof(buf)) <= 0)
		return false;
	if (sscanf(buf, "%llu %llx %llx", &nr, &fd, &cmd) != 3)
		return false;
	return nr == SYS_ioctl && cmd == DSTATE_IOC_SLEEP;
}

bool in_sleep_ioctl(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
	return syscall_is_sleep(path);
}

bool thread_in_sleep_ioctl(pid_t pid, pid_t tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", pid, tid);
	return syscall_is_sleep(path);
}

/* Gone, a zombie or dead: a task in no state it can leave again. */
static bool final_state(char c)
{
	return !c || c == 'Z' || c == 'X';
}

/*
 * Until /proc shows one of @letters; gives up at once when the task
 * reaches a final state not asked for, so that a wrong module costs no
 * deadline where the answer is already known.
 */
char wait_state(pid_t pid, const char *letters, unsigned int ms)
{
	uint64_t end = now_ns() + ms * NSEC_PER_MSEC;
	char c;

	for (;;) {
		c = proc_state(pid);
		if (c && strchr(letters, c))
			return c;
		if (final_state(c) || now_ns() > end)
			return 0;
		sleep_ms(10);
	}
}

char wait_thread_state(pid_t pid, pid_t tid, const char *letters,
		       unsigned int ms)
{
	uint64_t end = now_ns() + ms * NSEC_PER_MSEC;
	char c;

	for (;;) {
		c = thread_state(pid, tid);
		if (c && strchr(letters, c))
			return c;
		if (now_ns() > end)
			return 0;
		sleep_ms(10);
	}
}

/* Until /proc shows @letter and the task is in the sleep ioctl. */
bool wait_sleeping(pid_t pid, char letter, unsigned int ms)
{
	uint64_t end = now_ns() + ms * NSEC_PER_MSEC;
	char c;

	for (;;) {
		c = proc_state(pid);
		if (c == letter && in_sleep_ioctl(pid))
			return true;
		if (final_state(c) || now_ns() > end)
			return false;
		sleep_ms(10);
	}
}

/* wait_sleeping() for @n sleepers, under one deadline for them all. */
int wait_all_sleeping(struct sleeper *s, int n, char letter, unsigned int ms)
{
	uint64_t end = now_ns() + ms * NSEC_PER_MSEC;
	int i, asleep = 0;
	uint64_t now;

	for (i = 0; i < n; i++) {
		if (s[i].pid <= 0)
			continue;
		now = now_ns();
		asleep += wait_sleeping(s[i].pid, letter,
					now < end ? (end - now) / NSEC_PER_MSEC : 0);
	}
	return asleep;
}

bool wait_pending(pid_t pid, int sig, unsigned int ms)
{
	uint64_t end = now_ns() + ms * NSEC_PER_MSEC;

	for (;;) {
		if (sig_pending(pid, sig))
			return true;
		if (final_state(proc_state(pid)) || now_ns() > end)
			return false;
		sleep_ms(10);
	}
}

/* Until the task has left state @letter, or is gone altogether. */
bool wait_not_state(pid_t pid, char letter, unsigned int ms)
{
	uint64_t end = now_ns() + ms * NSEC_PER_MSEC;

	for (;;) {
		if (proc_state(pid) != letter)
			return true;
		if (now_ns() > end)
			return false;
		sleep_ms(10);
	}
}

/*
 * Release all, again and again (a sleeper may arrive late), until the
 * module counts no sleeper and no kernel thread, or WAIT_MS has passed.
 * @info holds the last counts either way.
 */
bool ds_wait_empty(int fd, struct dstate_info *info)
{
	uint64_t deadline = now_ns() + WAIT_MS * NSEC_PER_MSEC;

	for (;;) {
		ds_release(fd, DSTATE_RELEASE_ALL, 0, 0, NULL);
		memset(info, 0, sizeof(*info));
		if (!ds_ioctl(fd, DSTATE_IOC_INFO, info) && !info->sleepers &&
		    !info->kthreads)
			return true;
		if (now_ns() >= deadline)
			return false;
		sleep_ms(5);
	}
}

/* Until /proc no longer lists the task (reaped, or a thread that ended). */
bool wait_gone(pid_t pid, unsigned int ms)
{
	uint64_t end = now_ns() + ms * NSEC_PER_MSEC;

	for (;;) {
		if (!proc_state(pid))
			return true;
		if (now_ns() > end)
			return false;
		sleep_ms(10);
	}
}

double loadavg1(void)
{
	char buf[128];

	if (read_file("/proc/loadavg", buf, sizeof(buf)) <= 0)
		return -1.0;
	return strtod(buf, NULL);
}

/* A "name value" line of /proc/stat ("procs_blocked"); -1 if missing. */
long long proc_stat_value(const char *name)
{
	char buf[16384], *line, *save = NULL;
	size_t n = strlen(name);

	if (read_file("/proc/stat", buf, sizeof(buf)) <= 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, name, n) && line[n] == ' ')
			return strtoll(line + n + 1, NULL, 10);
	return -1;
}

/* The iowait time of all CPUs, in USER_HZ ticks (/proc/stat's "cpu"). */
long long cpu_iowait_ticks(void)
{
	unsigned long long user, nice, sys, idle, iowait;
	char buf[512];

	if (read_file("/proc/stat", buf, sizeof(buf)) <= 0)
		return -1;
	if (sscanf(buf, "cpu %llu %llu %llu %llu %llu", &user, &nice, &sys,
		   &idle, &iowait) != 5)
		return -1;
	return (long long)iowait;
}

/*
 * Whether a frame of /proc/PID/stack ("[<0>] name+0x1/0x2 [module]") has
 * @needle in its function name.  The kernel's own unwinder says where the
 * task sleeps, on every series (5.10's wchan reads 0).
 */
/* The function of a /proc/PID/stack line, cut out in place; NULL if none. */
static const char *stack_frame(char *line)
{
	char *fn = strchr(line, ' '), *end;

	if (!fn)
		return NULL;
	fn++;
	end = strchr(fn, '+');
	if (end)
		*end = '\0';
	return fn;
}

bool proc_stack_has(pid_t pid, const char *needle)
{
	char path[64], buf[4096], *line, *save = NULL;
	const char *fn;

	snprintf(path, sizeof(path), "/proc/%d/stack", pid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return false;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		fn = stack_frame(line);
		if (fn && strstr(fn, needle))
			return true;
	}
	return false;
}

/* The frames of /proc/PID/stack on one line, for a diagnostic. */
const char *proc_stack_line(pid_t pid)
{
	static char out[512];
	char path[64], buf[4096], *line, *save = NULL;
	const char *fn;
	size_t off = 0;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/stack", pid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return "(no stack)";
	for (line = strtok_r(buf, "\n", &save); line && off < sizeof(out) - 1;
	     line = strtok_r(NULL, "\n", &save)) {
		fn = stack_frame(line);
		if (fn)
			off += snprintf(out + off, sizeof(out) - off, "%s%s",
					off ? " < " : "", fn);
	}
	return out;
}

/*
 * Whether the running kernel was built with CONFIG_@option=y, from the
 * series' config file, which the initramfs carries as /tests/kconfig
 * (Debian's kernels have no /proc/config.gz): 1 yes, 0 no, -1 when there
 * is no config to read.
 */
int kconfig_enabled(const char *option)
{
	char line[256], want[128];
	FILE *f = fopen("/tests/kconfig", "r");
	int found = 0;

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "CONFIG_%s=y\n", option);
	while (fgets(line, sizeof(line), f))
		if (!strcmp(line, want)) {
			found = 1;
			break;
		}
	fclose(f);
	return found;
}

/*
 * SysRq w: the kernel logs every task in D with its whole call trace.
 * /proc/PID/stack and wchan leave out the scheduler's functions (those
 * marked __sched: io_schedule, mutex_lock, down, ...), this does not.
 */
int sysrq_show_blocked(void)
{
	return write_file("/proc/sysrq-trigger", "w");
}

/* Whether frame @fn ("name") matches one of @needles ("a|b|c"). */
static bool frame_matches(const char *fn, const char *needles)
{
	char alt[128], *tok, *save = NULL;

	snprintf(alt, sizeof(alt), "%s", needles);
	for (tok = strtok_r(alt, "|", &save); tok;
	     tok = strtok_r(NULL, "|", &save))
		if (strstr(fn, tok))
			return true;
	return false;
}

/*
 * In the last dump of task @pid in the kernel log since kmsg_begin() (a
 * "task:COMM state:D ... pid:N" line and its "Call Trace:", as SysRq w
 * and the hung-task detector print them), whether a reliable frame's
 * function matches @needles ("a|b": either).  -1 when no dump of @pid is
 * there.
 */
int kmsg_trace_has(struct kmsg *k, pid_t pid, const char *needles)
{
	const char *line, *end, *p;
	char buf[256], fn[128];
	int found = -1;
	bool in = false;
	size_t n;

	kmsg_update(k);
	for (line = k->text; line && *line; line = end ? end + 1 : NULL) {
		end = strchr(line, '\n');
		n = end ? (size_t)(end - line) : strlen(line);
		if (n >= sizeof(buf))
			n = sizeof(buf) - 1;
		memcpy(buf, line, n);
		buf[n] = '\0';
		/* Records are "L message": skip the level. */
		p = buf[0] && buf[1] == ' ' ? buf + 2 : buf;
		if (!strncmp(p, "task:", 5)) {
			const char *pp = strstr(p, " pid:");

			in = pp && strtol(pp + 5, NULL, 10) == pid;
			if (in)
				found = 0;
			continue;
		}
		if (!in)
			continue;
		if (strstr(p, "</TASK>")) {
			in = false;
			continue;
		}
		/* " name+0x1/0x2 [mod]"; "? name" is a guess: not taken. */
		while (*p == ' ')
			p++;
		if (*p == '?' || *p == '<' || !strchr(p, '+'))
			continue;
		snprintf(fn, sizeof(fn), "%.*s", (int)strcspn(p, "+ "), p);
		if (frame_matches(fn, needles))
			found = 1;
	}
	return found;
}

static int handler_fd = -1;

/* Async-signal-safe: record which signal's handler ran, nothing else. */
static void sleeper_handler(int sig)
{
	char c = (char)sig;
	int saved = errno;
	ssize_t n;

	n = write(handler_fd, &c, 1);
	(void)n;
	errno = saved;
}

static int drop_privileges(uid_t uid)
{
	if (setgroups(0, NULL) || setgid(uid) || setuid(uid))
		return -1;
	return 0;
}

/*
 * Give up CAP_SYS_ADMIN in every capability set and stay uid 0: the
 * module must judge privilege by the capability, not by the uid, and a
 * root without it must be as unprivileged as anyone.  The bounding and
 * ambient sets go first, while CAP_SETPCAP is still effective; then the
 * effective, permitted and inheritable sets, with the raw capset(2) since
 * libcap is not in the VM.  0 once /proc/self/status shows the bit in
 * none of the five sets, -1 otherwise.
 */
int drop_cap_sys_admin(void)
{
	static const char *const sets[] = {
		"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb",
	};
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	const unsigned int i = CAP_TO_INDEX(CAP_SYS_ADMIN);
	const __u32 bit = CAP_TO_MASK(CAP_SYS_ADMIN);
	size_t n;

	if (prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0) ||
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0))
		return -1;
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[i].effective &= ~bit;
	data[i].permitted &= ~bit;
	data[i].inheritable &= ~bit;
	if (syscall(SYS_capset, &hdr, data))
		return -1;
	/* /proc/self: right in a child pid namespace too, unlike getpid(). */
	for (n = 0; n < sizeof(sets) / sizeof(sets[0]); n++)
		if (status_mask("/proc/self/status", sets[n]) &
		    (1ULL << CAP_SYS_ADMIN))
			return -1;
	return 0;
}

static void __attribute__((noreturn))
sleeper_child(const struct sleeper_spec *spec, int wr)
{
	struct dstate_sleep_args args = {
		.mode = spec->mode,
		.flags = spec->flags,
		.timeout_ns = spec->timeout_ns,
		.tag = spec->tag,
	};
	struct sigaction sa;
	int fd, ret, i;

	/* Hold no fd of the parent's: only our own open pins the module. */
	for (i = 3; i < 256; i++)
		if (i != wr)
			close(i);
	handler_fd = wr;
	if (spec->comm)
		prctl(PR_SET_NAME, spec->comm);
	if (spec->handle_sig) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = sleeper_handler;
		sa.sa_flags = spec->restart ? SA_RESTART : 0;
		sigemptyset(&sa.sa_mask);
		if (sigaction(spec->handle_sig, &sa, NULL))
			_exit(CHILD_SETUP);
	}
	if (spec->ignore_sig && signal(spec->ignore_sig, SIG_IGN) == SIG_ERR)
		_exit(CHILD_SETUP);
	if (spec->block_sig) {
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, spec->block_sig);
		if (sigprocmask(SIG_BLOCK, &set, NULL))
			_exit(CHILD_SETUP);
	}
	if (spec->capless && drop_cap_sys_admin())
		_exit(CHILD_SETUP);
	if (spec->unprivileged &&
	    drop_privileges(spec->uid ? spec->uid : NOBODY))
		_exit(CHILD_SETUP);
	fd = open(DSTATE_DEV, O_RDWR);
	if (fd < 0)
		_exit(CHILD_NO_DEV);
	ret = ioctl(fd, DSTATE_IOC_SLEEP, &args);
	if (ret == 0)
		_exit(0);
	if (ret == -1 && errno > 0 && errno < CHILD_NO_DEV)
		_exit(errno);
	_exit(CHILD_ODD);
}

int spawn_sleeper(struct sleeper *s, const struct sleeper_spec *spec)
{
	int p[2];

	memset(s, 0, sizeof(*s));
	s->pid = -1;
	s->pipe_rd = -1;
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	fflush(stdout);
	s->started_ns = now_ns();
	s->pid = fork();
	if (s->pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (s->pid == 0) {
		close(p[0]);
		sleeper_child(spec, p[1]);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	s->pipe_rd = p[0];
	return 0;
}

/* What the child's signal handler has written so far (never blocks). */
int handler_bytes(struct sleeper *s, char *buf, size_t len)
{
	ssize_t n = read(s->pipe_rd, buf, len);

	return n < 0 ? 0 : (int)n;
}

/* Reap the child if it has ended within @ms; never waits longer. */
bool wait_exit(struct sleeper *s, unsigned int ms)
{
	uint64_t end = now_ns() + ms * NSEC_PER_MSEC;
	pid_t r;

	if (s->reaped)
		return true;
	for (;;) {
		r = waitpid(s->pid, &s->status, WNOHANG);
		if (r == s->pid) {
			s->reaped = true;
			return true;
		}
		if (r < 0 || now_ns() > end)
			return false;
		sleep_ms(10);
	}
}

/* The child's stop as waitpid(WUNTRACED) reports it. */
bool wait_stopped(struct sleeper *s, unsigned int ms)
{
	uint64_t end = now_ns() + ms * NSEC_PER_MSEC;
	int status;
	pid_t r;

	for (;;) {
		r = waitpid(s->pid, &status, WNOHANG | WUNTRACED);
		if (r == s->pid) {
			if (WIFSTOPPED(status))
				return WSTOPSIG(status) == SIGSTOP;
			s->status = status;
			s->reaped = true;
			return false;
		}
		if (r < 0 || now_ns() > end)
			return false;
		sleep_ms(10);
	}
}

/* Not ended: waitpid has nothing to report and /proc still lists it. */
bool still_there(struct sleeper *s)
{
	int status;

	if (s->reaped)
		return false;
	if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
		s->status = status;
		s->reaped = true;
		return false;
	}
	return proc_state(s->pid) != 0;
}

bool exited_with(struct sleeper *s, int code)
{
	return s->reaped && WIFEXITED(s->status) &&
	       WEXITSTATUS(s->status) == code;
}

bool killed_by(struct sleeper *s, int sig)
{
	return s->reaped && WIFSIGNALED(s->status) &&
	       WTERMSIG(s->status) == sig;
}

const char *status_str(int status)
{
	static char buf[64];

	if (WIFEXITED(status))
		snprintf(buf, sizeof(buf), "exited %d (%s)", WEXITSTATUS(status),
			 WEXITSTATUS(status) < CHILD_NO_DEV ?
			 strerror(WEXITSTATUS(status)) : "test child code");
	else if (WIFSIGNALED(status))
		snprintf(buf, sizeof(buf), "killed by %s",
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, sizeof(buf), "status 0x%x", status);
	return buf;
}

/* Until the child's handler has written a byte; *sig is that byte. */
bool wait_handler(struct sleeper *s, char *sig, unsigned int ms)
{
	uint64_t end = now_ns() + ms * NSEC_PER_MSEC;

	for (;;) {
		if (handler_bytes(s, sig, 1) == 1)
			return true;
		if (now_ns() > end)
			return false;
		sleep_ms(10);
	}
}

/*
 * The signal has had its chance: the kernel shows it pending on the task
 * (so the sender's wake-up, if any, has been done), and yet the task is
 * still in the sleep ioctl in state @letter and has not ended.
 */
bool stays_asleep(struct sleeper *s, int sig, char letter)
{
	bool pending = wait_pending(s->pid, sig, WAIT_MS);
	char now = proc_state(s->pid);
	bool in_call = in_sleep_ioctl(s->pid);
	bool there = still_there(s);

	if (pending && now == letter && in_call && there)
		return true;
	tap_diag("pid %d after signal %d: pending %d, state '%c', in the sleep ioctl %d, %s",
		 s->pid, sig, pending, now ? now : '-', in_call,
		 there ? "not ended" : (s->reaped ? status_str(s->status) : "gone"));
	return false;
}

/*
 * End a case's child whatever happened to it: release it, and kill it if
 * that was not enough; say so when even that fails (a task left in D).
 */
void sleeper_finish(struct sleeper *s, int fd)
{
	if (s->pid > 0 && !s->reaped) {
		kill(s->pid, SIGCONT);
		if (fd >= 0)
			ds_release(fd, DSTATE_RELEASE_PID, s->pid, 0, NULL);
		if (!wait_exit(s, 2000)) {
			kill(s->pid, SIGKILL);
			if (!wait_exit(s, 5000))
				tap_diag("pid %d left behind in state '%c'",
					 s->pid, proc_state(s->pid));
		}
	}
	sleeper_close(s);
}

void sleeper_close(struct sleeper *s)
{
	if (s->pipe_rd >= 0)
		close(s->pipe_rd);
	s->pipe_rd = -1;
}

/* fork() a child that runs as uid and gid NOBODY, with no capabilities. */
pid_t fork_unprivileged(void)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0 && drop_privileges(NOBODY))
		_exit(CHILD_SETUP);
	return pid;
}

/* fork() a child that runs as root without CAP_SYS_ADMIN in any set. */
pid_t fork_capless(void)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0 && drop_cap_sys_admin())
		_exit(CHILD_SETUP);
	return pid;
}

void kmsg_begin(struct kmsg *k)
{
	memset(k, 0, sizeof(*k));
	k->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (k->fd >= 0)
		lseek(k->fd, 0, SEEK_END);
	else
		tap_diag("cannot open /dev/kmsg: %s", strerror(errno));
}

static void kmsg_append(struct kmsg *k, const char *s, size_t n)
{
	if (k->len + n + 1 > k->cap) {
		size_t cap = (k->cap ? k->cap * 2 : 65536) + n;
		char *text = realloc(k->text, cap);

		if (!text)
			return;
		k->text = text;
		k->cap = cap;
	}
	memcpy(k->text + k->len, s, n);
	k->len += n;
	k->text[k->len] = '\0';
}

/*
 * Read every record written since the mark: "PRI,SEQ,TS,FLAGS;message"
 * then optional " KEY=value" lines, which are not part of the message.
 */
void kmsg_update(struct kmsg *k)
{
	char rec[8192], lvl[2];
	char *msg, *nl;
	ssize_t n;

	if (k->fd < 0)
		return;
	for (;;) {
		n = read(k->fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			break;
		rec[n] = '\0';
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		*msg++ = '\0';
		nl = strchr(msg, '\n');
		if (nl)
			*nl = '\0';
		lvl[0] = '0' + (char)(atoi(rec) & 7);
		lvl[1] = ' ';
		kmsg_append(k, lvl, 2);
		kmsg_append(k, msg, strlen(msg));
		kmsg_append(k, "\n", 1);
	}
}

int kmsg_count_level(struct kmsg *k, const char *needle, int max_level)
{
	const char *line, *end;
	int count = 0;
	size_t nlen = strlen(needle);

	kmsg_update(k);
	if (!k->text)
		return 0;
	for (line = k->text; *line; line = end + 1) {
		end = strchr(line, '\n');
		if (!end)
			break;
		if (line[0] - '0' <= max_level &&
		    memmem(line + 2, end - line - 2, needle, nlen))
			count++;
	}
	return count;
}

bool kmsg_line_has(struct kmsg *k, const char *a, const char *b)
{
	const char *line, *end;

	kmsg_update(k);
	if (!k->text)
		return false;
	for (line = k->text; *line; line = end + 1) {
		end = strchr(line, '\n');
		if (!end)
			break;
		if (memmem(line, end - line, a, strlen(a)) &&
		    memmem(line, end - line, b, strlen(b)))
			return true;
	}
	return false;
}

int kmsg_count(struct kmsg *k, const char *needle)
{
	return kmsg_count_level(k, needle, 7);
}

/* Print up to @max new lines containing @needle ("" for all) as diags. */
void kmsg_dump(struct kmsg *k, const char *needle, int max)
{
	const char *line, *end;

	kmsg_update(k);
	if (!k->text)
		return;
	for (line = k->text; *line && max > 0; line = end + 1) {
		end = strchr(line, '\n');
		if (!end)
			break;
		if (memmem(line + 2, end - line - 2, needle, strlen(needle))) {
			tap_diag("kmsg: %.*s", (int)(end - line - 2), line + 2);
			max--;
		}
	}
}

/* The signs of a kernel bug, as tests/vm/lib.sh looks for them. */
static const char *const kmsg_bad[] = {
	"BUG", "WARNING", "Oops", "refcount_t", "list_add corruption",
	"list_del corruption", "general protection", "Call Trace",
};

bool kmsg_clean(struct kmsg *k)
{
	bool clean = true;
	size_t i;

	for (i = 0; i < sizeof(kmsg_bad) / sizeof(kmsg_bad[0]); i++) {
		if (kmsg_count(k, kmsg_bad[i])) {
			kmsg_dump(k, kmsg_bad[i], 10);
			clean = false;
		}
	}
	return clean;
}

void kmsg_end(struct kmsg *k)
{
	if (k->fd >= 0)
		close(k->fd);
	free(k->text);
	memset(k, 0, sizeof(*k));
	k->fd = -1;
}

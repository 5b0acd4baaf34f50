// SPDX-License-Identifier: GPL-2.0
/*
 * The parts of 'dstate drill': a target in D that stays after its wake,
 * shell commands in sessions of their own, the end of every descendant,
 * cgroup and mount lookups.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup2.h"
#include "device.h"
#include "drill.h"
#include "duration.h"
#include "interrupt.h"
#include "procfs.h"
#include "spawn.h"

bool drill_method_ok(const struct dstate_method *m)
{
	switch (m->kind) {
	case METHOD_MODULE:
		/* Nothing wakes permanent; a lock waiter needs a holder. */
		return m->mode != DSTATE_MODE_PERMANENT && !(m->flags & METHOD_LOCK);
	case METHOD_VFORK:
	case METHOD_STOPPED:
	case METHOD_FUSE:
	case METHOD_DM_SUSPEND:
	case METHOD_FSFREEZE:
		return true;
	default:
		return false;
	}
}

bool drill_method_kept(const struct dstate_method *m)
{
	return m->kind == METHOD_FUSE || m->kind == METHOD_DM_SUSPEND;
}

/*
 * The FUSE methods and dm-suspend are 'dstate sleep METHOD' itself, run
 * from this binary: the target sleeps in the read or the write, and its
 * child, the daemon or keeper, holds it there.  SIGTERM, should the drill
 * die, is what 'dstate sleep' undoes everything on.
 */
static void __attribute__((noreturn)) target_sleep(const struct dstate_method *m,
						   uint64_t safety_ns)
{
	char t[32];

	snprintf(t, sizeof(t), "%llums", (unsigned long long)(safety_ns / NSEC_PER_MSEC));
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	execl("/proc/self/exe", "dstate", "sleep", m->name, "--timeout", t, (char *)NULL);
	_exit(errno);
}

/* Until @deadline (CLOCK_MONOTONIC ns), or a signal that ends us. */
static void __attribute__((noreturn)) linger(uint64_t deadline)
{
	struct timespec ts = {
		.tv_sec = (time_t)(deadline / NSEC_PER_SEC),
		.tv_nsec = (long)(deadline % NSEC_PER_SEC),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
	_exit(0);
}

/* What the vfork child reads: statics, not the parent's stack frame. */
static uint64_t target_deadline;
static pid_t target_pid;

/*
 * The vfork parent waits in D (killable) until its child exits: the wake
 * is SIGKILL to that child.  Every signal is blocked meanwhile, as in
 * 'dstate spawn vfork', so only SIGKILL ends the wait early; afterwards
 * the target takes what is pending, as a woken workload would.
 */
static void __attribute__((noreturn)) target_vfork(void)
{
	sigset_t all, none;
	pid_t v;

	sigfillset(&all);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &all, NULL);
	v = vfork(); /* NOLINT(clang-analyzer-security.insecureAPI.vfork) */
	if (v == 0) {
		/* NOLINTBEGIN(clang-analyzer-unix.Vfork) */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != target_pid)
			_exit(0);
		helper_name("dstate-vfork");
		sigprocmask(SIG_SETMASK, &none, NULL);
		linger(target_deadline);
		/* NOLINTEND(clang-analyzer-unix.Vfork) */
	}
	if (v < 0)
		_exit(errno);
	sigprocmask(SIG_SETMASK, &none, NULL);
	linger(target_deadline);
}

int drill_target_start(const struct dstate_method *m, uint64_t safety_ns,
		       uint64_t tag, pid_t *pid, int *err_rd)
{
	pid_t parent = getpid(), p;
	int fd, ret, err[2] = { -1, -1 };

	*err_rd = -1;
	if (!drill_method_ok(m))
		return -EINVAL;
	if (drill_method_kept(m) && pipe2(err, O_CLOEXEC) < 0)
		return -errno;
	target_deadline = now_ns() + safety_ns;
	p = fork();
	if (p < 0) {
		ret = -errno;
		if (err[0] >= 0) {
			close(err[0]);
			close(err[1]);
		}
		return ret;
	}
	if (p > 0) {
		*pid = p;
		if (err[0] >= 0) {
			close(err[1]);
			fcntl(err[0], F_SETFL, O_NONBLOCK);
			*err_rd = err[0];
		}
		return 0;
	}
	child_detach(err[1], -1);
	if (drill_method_kept(m)) {
		/* Its complaints, for the drill to pass on should it fail. */
		dup2(err[1], STDERR_FILENO);
		if (getppid() != parent)
			_exit(0);
		target_sleep(m, safety_ns);
	}
	/* Whatever ends the drill ends its target (module sleeps: later). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	helper_name("dstate-target");
	target_pid = getpid();
	switch (m->kind) {
	case METHOD_MODULE:
		fd = dev_open();
		if (fd < 0)
			_exit(-fd);
		ret = dev_sleep(fd, m->mode, safety_ns, tag);
		close(fd);
		if (ret && ret != -ETIMEDOUT && ret != -EINTR)
			_exit(-ret);
		linger(target_deadline);
	case METHOD_VFORK:
		target_vfork();
	case METHOD_STOPPED:
		raise(SIGSTOP);
		linger(target_deadline);
	default:
		_exit(EINVAL);
	}
}

pid_t drill_child_of(pid_t pid)
{
	char path[64], buf[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	return (pid_t)atoi(buf);
}

int drill_wake(const struct dstate_method *m, int dev_fd, pid_t pid,
	       const char **how)
{
	pid_t child;

	switch (m->kind) {
	case METHOD_MODULE:
		*how = "release";
		return dev_release(dev_fd, DSTATE_RELEASE_PID, pid, 0, NULL);
	case METHOD_VFORK:
		*how = "SIGKILL to the vfork child";
		child = drill_child_of(pid);
		if (!child)
			return -ESRCH;
		return kill(child, SIGKILL) ? -errno : 0;
	case METHOD_STOPPED:
		*how = "SIGCONT";
		return kill(pid, SIGCONT) ? -errno : 0;
	case METHOD_FSFREEZE: {
		struct proc_stat st;

		/* The writer's parent is the keeper ('dstate spawn fsfreeze'). */
		*how = "SIGTERM to the keeper: it thaws";
		if (proc_read_stat(pid, &st))
			return -ESRCH;
		return kill(st.ppid, SIGTERM) ? -errno : 0;
	}
	case METHOD_FUSE:
	case METHOD_DM_SUSPEND:
		*how = m->kind == METHOD_FUSE ? "SIGTERM to the daemon: it answers" :
		       "SIGTERM to the keeper: it resumes the map";
		child = drill_child_of(pid);
		if (!child)
			return -ESRCH;
		return kill(child, SIGTERM) ? -errno : 0;
	default:
		*how = "none";
		return -EINVAL;
	}
}

int drill_run_shell(const char *cmd, char *const env[], int out_fd,
		    const char *cgroup, pid_t *pid)
{
	unsigned int i;
	pid_t p;
	int ret;

	p = fork();
	if (p < 0)
		return -errno;
	if (p > 0) {
		*pid = p;
		return 0;
	}
	/* A session of its own: its process group is its pid. */
	child_detach(out_fd, -1);
	if (out_fd >= 0) {
		dup2(out_fd, STDOUT_FILENO);
		dup2(out_fd, STDERR_FILENO);
	}
	for (i = 0; env && env[i]; i++)
		putenv(env[i]);
	if (cgroup) {
		ret = cgroup2_move(cgroup, getpid());
		if (ret) {
			dprintf(STDERR_FILENO, "dstate: could not move the command into %s: %s\n",
				cgroup, strerror(-ret));
			_exit(126);
		}
	}
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

/*
 * Each child of @pid (every thread's children file), its own descendants
 * first read, then it signalled: a process killed first could let its
 * children go to the subreaper before they were seen.
 */
static unsigned int kill_below(pid_t pid, unsigned int depth)
{
	char path[64], *buf, *p, *end;
	unsigned int n = 0;
	struct dirent *de;
	DIR *d;
	FILE *f;
	long c;

	if (depth > 64)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return 0;
	buf = malloc(65536);
	while (buf && (de = readdir(d))) {
		size_t len;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/children",
			 (int)pid, de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		len = fread(buf, 1, 65535, f);
		fclose(f);
		buf[len] = '\0';
		for (p = buf;; p = end) {
			c = strtol(p, &end, 10);
			if (end == p || c <= 0)
				break;
			n += kill_below((pid_t)c, depth + 1);
			kill((pid_t)c, SIGKILL);
			kill((pid_t)c, SIGCONT);
			n++;
		}
	}
	free(buf);
	closedir(d);
	return n;
}

unsigned int drill_kill_descendants(void)
{
	return kill_below(getpid(), 0);
}

/*
 * Each mount of /proc/self/mountinfo: its mount point (field 5) and its
 * type (the first field after " - ").  Returns true when @fn says stop.
 */
static bool each_mount(bool (*fn)(const char *mnt, const char *type, void *arg),
		       void *arg)
{
	char *line = NULL, *mnt, *type, *sep, *save;
	size_t cap = 0;
	bool stop = false;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int i;

	if (!f)
		return false;
	while (!stop && getline(&line, &cap, f) > 0) {
		sep = strstr(line, " - ");
		if (!sep)
			continue;
		*sep = '\0';
		type = strtok_r(sep + 3, " ", &save);
		mnt = strtok_r(line, " ", &save);
		for (i = 0; mnt && i < 4; i++)
			mnt = strtok_r(NULL, " ", &save);
		if (!mnt || !type)
			continue;
		proc_unescape(mnt);
		stop = fn(mnt, type, arg);
	}
	free(line);
	fclose(f);
	return stop;
}

struct root_arg {
	char *buf;
	size_t len;
};

static bool is_cgroup2(const char *mnt, const char *type, void *arg)
{
	struct root_arg *r = arg;

	if (strcmp(type, "cgroup2") != 0)
		return false;
	snprintf(r->buf, r->len, "%s", mnt);
	return true;
}

int cgroup2_root(char *buf, size_t len)
{
	struct root_arg r = { buf, len };

	return each_mount(is_cgroup2, &r) ? 0 : -ENOENT;
}

static bool is_under(const char *mnt, const char *type, void *arg)
{
	const char *path = arg;
	size_t n = strlen(path);

	(void)type;
	while (n > 1 && path[n - 1] == '/')
		n--;
	return !strncmp(mnt, path, n) && (mnt[n] == '\0' || mnt[n] == '/');
}

bool mounts_under(const char *path)
{
	return each_mount(is_under, (void *)path);
}

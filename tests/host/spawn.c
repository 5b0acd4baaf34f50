// SPDX-License-Identifier: GPL-2.0
/*
 * Host test: 'dstate spawn' for every module-free method, and the process
 * shapes (--threads, --zombie-leader, --pidns) of those that take them.  Each process
 * must reach its state letter, as /proc shows it (read here directly, not
 * through dstate's library), outlive dstate, and end the documented way.
 * The test is a child subreaper, so whatever dstate leaves comes back to it
 * to be reaped: nothing is left behind.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "run_dstate.h"

#define MAXP 8

static long long ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The state letter of a stat file: after the last ')'.  0 if gone. */
static char stat_letter(const char *path)
{
	char buf[1024], *p;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/* The letter of /proc/PID/stat. */
static char letter(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	return stat_letter(path);
}

/* Reap whatever of ours has ended. */
static void reap(void)
{
	while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
		;
}

static bool gone(pid_t pid)
{
	reap();
	return kill(pid, 0) < 0 && errno == ESRCH;
}

/* Poll until @pid is gone (reaped, by us or its parent), within @ms. */
static bool wait_gone(pid_t pid, int ms)
{
	long long end = ms_now() + ms;

	while (!gone(pid)) {
		if (ms_now() > end)
			return false;
		usleep(1000);
	}
	return true;
}

/* Does @pid keep letter @l for the whole of @ms?  (A stays-check.) */
static bool stays(pid_t pid, char l, int ms)
{
	long long end = ms_now() + ms;

	while (ms_now() < end) {
		if (letter(pid) != l)
			return false;
		usleep(2000);
	}
	return true;
}

/* The values of "key": N in dstate's JSON, in order. */
static int json_ints(const char *out, const char *key, pid_t *v, int max)
{
	char pat[32];
	const char *p = out;
	int n = 0;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	while (n < max && (p = strstr(p, pat))) {
		p += strlen(pat);
		v[n++] = (pid_t)atoi(p);	/* null reads as 0 */
	}
	return n;
}

struct spawned {
	int n;
	pid_t pid[MAXP], helper[MAXP];
};

static bool spawn(const char *method, const char *count, char want,
		  struct spawned *s)
{
	const char *args[] = { "--json", "spawn", method, "-n", count, NULL };
	char out[8192];
	int ret, i, nh;
	bool ok;

	memset(s, 0, sizeof(*s));
	ret = run_dstate(args, out, sizeof(out));
	s->n = json_ints(out, "pid", s->pid, MAXP);
	nh = json_ints(out, "helper", s->helper, MAXP);
	ok = ret == 0 && s->n == atoi(count) && nh == s->n;
	for (i = 0; i < s->n; i++) {
		char l = letter(s->pid[i]);

		ok = ok && s->pid[i] > 0 && l == want;
		tap_diag("%s: pid %d helper %d /proc says %c", method,
			 (int)s->pid[i], (int)s->helper[i], l ? l : '-');
	}
	tap_result(ok, "spawn %s -n %s: exit 0, each in %c per /proc (exit %d)",
		   method, count, want, ret);
	if (!ok)
		tap_diag("output: %s", out);
	return ok;
}

static void kill_all(const struct spawned *s)
{
	int i;

	for (i = 0; i < s->n; i++) {
		if (s->helper[i] > 0)
			kill(s->helper[i], SIGKILL);
		if (s->pid[i] > 0) {
			kill(s->pid[i], SIGKILL);
			kill(s->pid[i], SIGCONT);
		}
	}
}

static void test_vfork(void)
{
	struct spawned s;

	if (!spawn("vfork", "2", 'D', &s))
		goto out;
	kill(s.pid[0], SIGTERM);
	tap_result(stays(s.pid[0], 'D', 200), "vfork: SIGTERM is blocked, stays D");
	kill(s.pid[0], SIGKILL);
	tap_result(wait_gone(s.pid[0], 5000) && wait_gone(s.helper[0], 5000),
		   "vfork: SIGKILL ends the parent (killable), and its child with it");
	kill(s.helper[1], SIGTERM);
	tap_result(wait_gone(s.pid[1], 5000) && wait_gone(s.helper[1], 5000),
		   "vfork: killing the vfork child releases the parent");
out:
	kill_all(&s);
}

static void test_stopped(void)
{
	struct spawned s;

	if (!spawn("stopped", "2", 'T', &s))
		goto out;
	kill(s.pid[0], SIGTERM);
	tap_result(stays(s.pid[0], 'T', 100), "stopped: SIGTERM stays pending while T");
	kill(s.pid[1], SIGCONT);
	tap_result(wait_gone(s.pid[1], 5000), "stopped: SIGCONT ends it");
out:
	kill_all(&s);
}

static void test_traced(void)
{
	struct spawned s;

	if (!spawn("traced", "2", 't', &s))
		goto out;
	kill(s.pid[0], SIGTERM);
	tap_result(stays(s.pid[0], 't', 100), "traced: SIGTERM does not end a ptrace stop");
	kill(s.pid[0], SIGKILL);
	tap_result(wait_gone(s.pid[0], 5000) && wait_gone(s.helper[0], 5000),
		   "traced: SIGKILL ends the tracee and its tracer goes too");
	kill(s.helper[1], SIGKILL);
	tap_result(wait_gone(s.pid[1], 5000), "traced: the tracee dies with its tracer");
out:
	kill_all(&s);
}

static void test_zombie(void)
{
	struct spawned s;

	if (!spawn("zombie", "2", 'Z', &s))
		goto out;
	kill(s.pid[0], SIGKILL);
	tap_result(stays(s.pid[0], 'Z', 100), "zombie: SIGKILL does not remove a zombie");
	kill(s.helper[0], SIGTERM);
	tap_result(wait_gone(s.helper[0], 5000) && wait_gone(s.pid[0], 5000),
		   "zombie: killing its parent lets it be reaped");
out:
	kill_all(&s);
}

static void test_running(void)
{
	struct spawned s;

	if (!spawn("running", "2", 'R', &s))
		goto out;
	kill(s.pid[0], SIGTERM);
	tap_result(wait_gone(s.pid[0], 5000), "running: SIGTERM ends it");
out:
	kill_all(&s);
}

static bool fsfreeze_leftovers(void)
{
	char buf[65536];
	glob_t g;
	bool left;
	ssize_t n;
	int fd;

	fd = open("/proc/self/mounts", O_RDONLY);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	left = strstr(buf, "dstate-fsfreeze") != NULL;
	if (!glob("/tmp/dstate-fsfreeze.*", 0, NULL, &g)) {
		left = true;
		globfree(&g);
	}
	return left;
}

static void test_fsfreeze(void)
{
	struct spawned s;

	if (geteuid() != 0 || access("/dev/loop-control", F_OK)) {
		tap_skip("spawn fsfreeze", "needs root and loop devices");
		return;
	}
	if (fsfreeze_leftovers()) {
		tap_skip("spawn fsfreeze", "an earlier fsfreeze is still mounted");
		return;
	}
	if (!spawn("fsfreeze", "2", 'D', &s))
		goto out;
	kill(s.pid[0], SIGKILL);
	tap_result(stays(s.pid[0], 'D', 200), "fsfreeze: the writer survives SIGKILL in D");
	kill(s.helper[0], SIGTERM);
	tap_result(wait_gone(s.pid[0], 5000) && wait_gone(s.pid[1], 5000) &&
		   wait_gone(s.helper[0], 5000),
		   "fsfreeze: SIGTERM to the keeper thaws; writers and keeper end");
	tap_result(!fsfreeze_leftovers(), "fsfreeze: nothing left mounted or in /tmp");
out:
	kill_all(&s);
}

static int children(void);

/* The letter of thread @tid of @pid; 0 if gone. */
static char tletter(pid_t pid, pid_t tid)
{
	char path[80];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, (int)tid);
	return stat_letter(path);
}

/*
 * The threads of @pid but @tid, each checked for a letter in @others:
 * how many there are, or -1 when one is not.  Into @seen, "TID:L ...".
 */
static int other_threads(pid_t pid, pid_t tid, const char *others, char *seen,
			 size_t len)
{
	char path[64];
	struct dirent *d;
	int n = 0, bad = 0;
	size_t off = 0;
	DIR *dir;

	seen[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	while (dir && (d = readdir(dir))) {
		pid_t t = atoi(d->d_name);
		char l;

		if (t <= 0)
			continue;
		l = tletter(pid, t);
		if (off < len)
			off += (size_t)snprintf(seen + off, len - off, "%s%d:%c",
						off ? " " : "", (int)t, l ? l : '-');
		if (t == tid)
			continue;
		n++;
		if (!l || !strchr(others, l))
			bad++;
	}
	if (dir)
		closedir(dir);
	return bad ? -1 : n;
}

/*
 * spawn METHOD with shape options (JSON): one process, its thread @tid in
 * @want and @nothers threads in one of @others, per /proc.
 */
static bool spawn_shaped(const char *const *args, char want, int nothers,
			 const char *others, pid_t *pid, pid_t *tid, pid_t *helper)
{
	char out[4096], seen[256];
	int ret, n;

	*pid = *tid = *helper = 0;
	ret = run_dstate(args, out, sizeof(out));
	json_ints(out, "pid", pid, 1);
	json_ints(out, "tid", tid, 1);
	json_ints(out, "helper", helper, 1);
	n = *pid > 0 ? other_threads(*pid, *tid, others, seen, sizeof(seen)) : -1;
	tap_diag("%s: pid %d tid %d helper %d; threads %s", args[2], (int)*pid,
		 (int)*tid, (int)*helper, seen);
	return tap_result(ret == 0 && *tid > 0 && tletter(*pid, *tid) == want &&
			  n == nothers,
			  "spawn %s %s%s%s: exit 0, thread %d in %c, %d others in %s per /proc/PID/task (exit %d)",
			  args[2], args[3], args[4] && args[4][0] != '-' ? " " : "",
			  args[4] && args[4][0] != '-' ? args[4] : "", (int)*tid,
			  want, nothers, others, ret);
}

static void test_shapes(void)
{
	const char *vf[] = { "--json", "spawn", "vfork", "--threads", "3", NULL };
	const char *st[] = { "--json", "spawn", "stopped", "--zombie-leader",
			     "--threads", "3", NULL };
	const char *rn[] = { "--json", "spawn", "running", "--threads", "2",
			     "-t", "5s", NULL };
	pid_t pid, tid, helper;

	/* vfork: the vfork caller is one of three threads; ps shows S. */
	if (spawn_shaped(vf, 'D', 2, "S", &pid, &tid, &helper)) {
		tap_result(letter(pid) == 'S' && tid != pid,
			   "vfork --threads: /proc/PID/stat (the main thread) says %c, the D is thread %d",
			   letter(pid), (int)tid);
		kill(pid, SIGTERM);
		tap_result(stays(pid, 'S', 100) && tletter(pid, tid) == 'D',
			   "vfork --threads: SIGTERM is blocked in every thread: the thread stays D");
		kill(helper, SIGKILL);
		tap_result(wait_gone(pid, 5000),
			   "vfork --threads: killing the vfork child ends the process");
	}
	kill(helper, SIGKILL);
	kill(pid, SIGKILL);

	/* stopped, leader gone: Z over two stopped threads. */
	if (spawn_shaped(st, 'T', 2, "TZ", &pid, &tid, &helper)) {
		tap_result(letter(pid) == 'Z',
			   "stopped --zombie-leader: /proc/PID/stat shows the leader %c",
			   letter(pid));
		reap();
		tap_result(!gone(pid) && letter(pid) == 'Z',
			   "stopped --zombie-leader: not reaped while its threads live");
		kill(pid, SIGCONT);
		tap_result(wait_gone(pid, 5000),
			   "stopped --zombie-leader: SIGCONT ends it, then it is reaped");
	}
	kill(pid, SIGKILL);

	if (spawn_shaped(rn, 'R', 1, "S", &pid, &tid, &helper)) {
		kill(pid, SIGTERM);
		tap_result(wait_gone(pid, 5000), "running --threads: SIGTERM ends it");
	}
	kill(pid, SIGKILL);
}

/* A shape where it does not fit: exit 2, a reason, nothing started. */
static void test_shape_refused(const char *method, const char *opt,
			       const char *opt_arg, const char *why)
{
	const char *args[] = { "spawn", method, opt, opt_arg, NULL };
	char cmd[256], out[1024];
	FILE *f;
	int ret;

	out[0] = '\0';
	snprintf(cmd, sizeof(cmd), "'%s' spawn %s %s %s 2>&1 >/dev/null",
		 dstate_bin(), method, opt, opt_arg ? opt_arg : "");
	f = popen(cmd, "r");
	if (f) {
		size_t n = fread(out, 1, sizeof(out) - 1, f);

		out[n] = '\0';
		ret = pclose(f);
		ret = WIFEXITED(ret) ? WEXITSTATUS(ret) : -1;
	} else {
		ret = -1;
	}
	(void)args;
	tap_result(ret == 2 && strstr(out, why) && children() == 0,
		   "spawn %s %s%s%s: exit 2 (%d), says why ('%s'), starts nothing",
		   method, opt, opt_arg ? " " : "", opt_arg ? opt_arg : "", ret, why);
	if (ret != 2 || !strstr(out, why))
		tap_diag("it said: %s", out);
}

/* --pidns (root): pid 2 of a namespace; SIGKILL to its init ends both. */
static void test_pidns(void)
{
	const char *args[] = { "--json", "spawn", "stopped", "--pidns", NULL };
	char out[4096], path[64], buf[4096], *p;
	pid_t pid = 0, init = 0;
	int ret, fd;
	ssize_t n;

	if (geteuid() != 0 || access("/proc/self/ns/pid", F_OK)) {
		tap_skip("spawn --pidns", "needs root and pid namespaces");
		return;
	}
	ret = run_dstate(args, out, sizeof(out));
	json_ints(out, "pid", &pid, 1);
	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fd = pid > 0 ? open(path, O_RDONLY) : -1;
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : 0;
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	p = strstr(buf, "PPid:");
	if (p)
		init = atoi(p + 5);
	p = strstr(buf, "NSpid:");
	tap_result(ret == 0 && letter(pid) == 'T' && p &&
		   strstr(p, "\t2\n") && strstr(out, "parent=ns-init"),
		   "spawn stopped --pidns: T, NSpid ends in 2, SHAPE says parent=ns-init (exit %d)",
		   ret);
	kill(init, SIGKILL);
	tap_result(init > 1 && wait_gone(init, 5000) && wait_gone(pid, 5000),
		   "SIGKILL to its init (%d) kills the namespace: both gone", (int)init);
	kill(pid, SIGKILL);
}

/* Our children, per /proc: none must be left. */
static int children(void)
{
	char path[64], buf[4096];
	ssize_t n;
	int fd, count = 0;
	char *p;

	snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	for (p = strtok(buf, " \n"); p; p = strtok(NULL, " \n"))
		count++;
	return count;
}

int main(void)
{
	long long end;
	int left;

	tap_header();
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		tap_diag("could not become a subreaper: %s", strerror(errno));
	test_vfork();
	test_stopped();
	test_traced();
	test_zombie();
	test_running();
	test_fsfreeze();
	test_shapes();
	test_shape_refused("zombie", "--threads", "2", "a zombie has no thread left");
	test_shape_refused("traced", "--zombie-leader", NULL, "not made for traced");
	test_shape_refused("fsfreeze", "--pidns", NULL, "not made for fsfreeze");
	test_shape_refused("vfork", "--threads", "1", "bad --threads '1'");
	test_pidns();

	end = ms_now() + 5000;
	while ((left = children()) > 0 && ms_now() < end) {
		reap();
		usleep(1000);
	}
	tap_result(left == 0, "no processes left behind (%d)", left);
	return tap_finish();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Host test: 'dstate spawn' for every module-free method.  Each process
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

/* The state letter from /proc/PID/stat: after the last ')'.  0 if gone. */
static char letter(pid_t pid)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
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

	end = ms_now() + 5000;
	while ((left = children()) > 0 && ms_now() < end) {
		reap();
		usleep(1000);
	}
	tap_result(left == 0, "no processes left behind (%d)", left);
	return tap_finish();
}

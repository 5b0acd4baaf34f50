// SPDX-License-Identifier: GPL-2.0
/*
 * The process shapes of 'dstate spawn' around a module sleeper, judged by
 * what the kernel shows, not by what dstate prints:
 *
 * - --threads 4: /proc/PID/task has four threads; the one dstate names is
 *   in the mode's letter, the three others (the main thread among them,
 *   which is all /proc/PID/stat and ps show) in S.
 * - --zombie-leader: /proc/PID/stat shows the leader Z while its other
 *   thread sleeps; waitpid(WNOHANG) by the parent (this test, a child
 *   subreaper) reaps nothing, even after SIGKILL, until the release.
 * - --pidns: the sleeper is pid 2 of a new pid namespace (NSpid), a child
 *   of that namespace's init; SIGKILL to the init makes the kernel kill
 *   the namespace (zap_pid_ns_processes), and the init waits there for
 *   its child in D, never reaped before the release; a killable child
 *   dies at once and the init with it.
 *
 * The expectations are arguments, KEY=VALUE, whose defaults are the
 * contract, so that a wrong claim makes a case fail:
 *   mode=uninterruptible   the module mode spawned
 *   thread=D               the letter of the sleeping thread
 *   others=S               the letter of the other threads
 *   leader=Z               the letter of an exited leader
 *   init=S                 the letters the killed init may show
 *   init_stack=zap_pid_ns_processes   a frame of the killed init's stack
 *   killed=SIGKILL         what ends a SIGKILLed sleeper once released
 *                          ("none": it ends by itself, exit 0)
 */
/* vm-options: -t 300 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dtest.h"
#include "fixture.h"

#define TAG	1801

static const char *exp_mode = "uninterruptible";
static const char *exp_thread = "D";
static const char *exp_others = "S";
static const char *exp_leader = "Z";
static const char *exp_init = "S";
static const char *exp_init_stack = "zap_pid_ns_processes";
static const char *exp_killed = "SIGKILL";

static int devfd = -1;

/*
 * Run dstate with @args (NULL-terminated) and its stdout into @out: the
 * wait status.  stderr goes to the test's, as a diagnostic.
 */
static int run_dstate(char *out, size_t len, const char *const *args)
{
	const char *argv[24] = { "dstate" };
	int p[2], status = 0, i;
	size_t off = 0;
	ssize_t n;
	pid_t pid;

	for (i = 0; args[i] && i < 22; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	out[0] = '\0';
	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execvp("dstate", (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	while (off < len - 1 && (n = read(p[0], out + off, len - 1 - off)) > 0)
		off += (size_t)n;
	/* One line, as a message says it. */
	while (off && out[off - 1] == '\n')
		off--;
	out[off] = '\0';
	close(p[0]);
	waitpid(pid, &status, 0);
	return status;
}

/* What spawn printed: -r --noheadings -o PID,TID,STATE,SHAPE. */
struct spawned {
	pid_t pid, tid;
	char state[8], shape[128];
};

static bool spawn_shape(struct spawned *s, const char *mode, const char *a1,
			const char *a2)
{
	char out[512], tag[16];
	const char *args[] = { "spawn", mode, "--tag", tag, "-r", "--noheadings",
			       "-o", "PID,TID,STATE,SHAPE", a1, a2, NULL };
	int st;

	snprintf(tag, sizeof(tag), "%d", TAG);
	memset(s, 0, sizeof(*s));
	st = run_dstate(out, sizeof(out), args);
	if (!tap_result(st == 0 && sscanf(out, "%d %d %7s %127s", &s->pid, &s->tid,
					   s->state, s->shape) == 4,
			"spawn %s %s%s%s: exit 0, one line (%s: %s)", mode, a1,
			a2 ? " " : "", a2 ? a2 : "", status_str(st), out))
		return false;
	tap_diag("spawned: %s", out);
	return true;
}

static int count_threads(pid_t pid)
{
	char path[64], buf[4096];
	long long v = -1;
	char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	p = strrchr(buf, ')');
	/* Field 20, num_threads: the 18th after the comm's ')'. */
	if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %lld",
			&v) == 1)
		return (int)v;
	return -1;
}

/* SIGKILL pending for thread @tid of @pid (its own set or the group's). */
static bool thread_kill_pending(pid_t pid, pid_t tid)
{
	char path[80], buf[4096], *l;
	unsigned long long m = 0, v;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return false;
	for (l = buf; l; l = strchr(l, '\n')) {
		if (*l == '\n')
			l++;
		if ((sscanf(l, "SigPnd: %llx", &v) == 1) ||
		    (sscanf(l, "ShdPnd: %llx", &v) == 1))
			m |= v;
	}
	return m & (1ULL << (SIGKILL - 1));
}

/* The last value of NSpid: the pid in the task's own namespace. */
static int own_nspid(pid_t pid)
{
	char path[64], buf[4096], *p, *end;
	long v = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	p = strstr(buf, "\nNSpid:");
	if (!p)
		return -1;
	p += 7;
	for (;;) {
		long x = strtol(p, &end, 10);

		if (end == p)
			break;
		v = x;
		p = end;
	}
	return (int)v;
}

/* waitpid(@pid, WNOHANG) polled for @ms: true once it reaps it, with *st. */
static bool reaped_within(pid_t pid, unsigned int ms, int *st)
{
	uint64_t end = now_ns() + ms * NSEC_PER_MSEC;

	while (now_ns() < end) {
		if (waitpid(pid, st, WNOHANG) == pid)
			return true;
		sleep_ms(10);
	}
	return false;
}

/* Polled for @ms, never reaped (the kernel would not); else *st. */
static bool never_reaped(pid_t pid, unsigned int ms, int *st)
{
	return !reaped_within(pid, ms, st);
}

/* Reap @pid within the deadline: true with *st. */
static bool reaped(pid_t pid, int *st)
{
	return reaped_within(pid, WAIT_MS, st);
}

/* The wait status as claimed: "none" (exit 0) or a signal, "SIGKILL". */
static bool killed_as_claimed(int st)
{
	const char *abbrev;

	if (!strcmp(exp_killed, "none"))
		return WIFEXITED(st) && WEXITSTATUS(st) == 0;
	if (!WIFSIGNALED(st) || strncmp(exp_killed, "SIG", 3))
		return false;
	abbrev = sigabbrev_np(WTERMSIG(st));
	return abbrev && !strcmp(exp_killed + 3, abbrev);
}

static bool has_word(const char *shape, const char *word)
{
	size_t n = strlen(word);
	const char *p = shape;

	while ((p = strstr(p, word))) {
		if ((p == shape || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return true;
		p += n;
	}
	return false;
}

static void release_all(void)
{
	char out[128];
	const char *args[] = { "release", "--all", NULL };

	run_dstate(out, sizeof(out), args);
}

/* --threads 4: one thread in the mode's state, the three others in S. */
static void case_threads(void)
{
	struct spawned s;
	struct dirent *d;
	char out[4096], word[32];
	const char *ls[] = { "ls", "--pid", word, "-r", "--noheadings",
			     "-o", "PID,TID,STATE,SHAPE", NULL };
	const char *rel[] = { "release", "--pid", word, NULL };
	char path[64], letters[128] = "";
	int st, n = 0, others = 0, bad = 0;
	bool ok;
	DIR *dir;

	tap_diag("== --threads 4: a %s thread among threads in %s", exp_mode, exp_others);
	if (!spawn_shape(&s, exp_mode, "--threads", "4"))
		return;
	snprintf(path, sizeof(path), "/proc/%d/task", s.pid);
	dir = opendir(path);
	while (dir && (d = readdir(dir))) {
		pid_t t = atoi(d->d_name);
		size_t off = strlen(letters);
		char c;

		if (t <= 0)
			continue;
		n++;
		c = thread_state(s.pid, t);
		snprintf(letters + off, sizeof(letters) - off, "%s%d:%c",
			 off ? " " : "", t, c ? c : '?');
		if (t == s.tid)
			continue;
		others++;
		if (!c || !strchr(exp_others, c))
			bad++;
	}
	if (dir)
		closedir(dir);
	tap_result(n == 4 && count_threads(s.pid) == 4,
		   "/proc/%d/task holds 4 threads, num_threads 4 (%s)", s.pid, letters);
	tap_result(s.tid != s.pid && strchr(exp_thread, thread_state(s.pid, s.tid)) &&
		   thread_state(s.pid, s.tid),
		   "the thread spawn names (%d, not the main one) is %s in /proc/PID/task/TID/stat",
		   s.tid, exp_thread);
	tap_result(others == 3 && !bad, "the 3 others are %s", exp_others);
	tap_result(proc_state(s.pid) && strchr(exp_others, proc_state(s.pid)),
		   "/proc/%d/stat, the main thread that ps shows, says %c, not the sleeper's %c",
		   s.pid, proc_state(s.pid), thread_state(s.pid, s.tid));
	tap_result(s.state[0] == thread_state(s.pid, s.tid) && has_word(s.shape, "threads=4"),
		   "spawn's STATE is the thread's, SHAPE says threads=4 (%s %s)",
		   s.state, s.shape);
	snprintf(word, sizeof(word), "%d", s.pid);
	st = run_dstate(out, sizeof(out), ls);
	{
		pid_t p = 0, t = 0;
		char l[8] = "", sh[128] = "";

		sscanf(out, "%d %d %7s %127s", &p, &t, l, sh);
		tap_result(st == 0 && p == s.pid && t == s.tid &&
			   l[0] == thread_state(s.pid, s.tid) && has_word(sh, "threads=4"),
			   "ls --pid %d: that thread, its letter as /proc has it, threads=4 (%s)",
			   s.pid, out);
	}
	tap_result(never_reaped(s.pid, 300, &st), "not reapable while it sleeps (WNOHANG)");
	st = run_dstate(out, sizeof(out), rel);
	tap_result(st == 0 && strstr(out, "released: 1") != NULL,
		   "release --pid %d (the process) releases its sleeping thread (%s)",
		   s.pid, out);
	ok = reaped(s.pid, &st);
	tap_result(ok && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		   "then the process exits 0 and is reaped (%s)",
		   ok ? status_str(st) : "not reaped");
}

/* --zombie-leader: Z leader, sleeping thread; no reaping until release. */
static void case_zombie_leader(void)
{
	struct spawned s;
	char out[4096], word[32];
	const char *state[] = { "state", word, NULL };
	int st = 0;
	bool ok;
	char c;

	tap_diag("== --zombie-leader: the leader exits, a %s thread stays", exp_mode);
	if (!spawn_shape(&s, exp_mode, "--zombie-leader", NULL))
		return;
	c = proc_state(s.pid);
	tap_result(c && strchr(exp_leader, c), "/proc/%d/stat (the leader) shows %c, claimed %s",
		   s.pid, c ? c : '?', exp_leader);
	c = thread_state(s.pid, s.tid);
	tap_result(c && strchr(exp_thread, c), "its thread %d shows %c, claimed %s",
		   s.tid, c ? c : '?', exp_thread);
	tap_result(count_threads(s.pid) == 2 && has_word(s.shape, "leader=zombie"),
		   "num_threads still 2 (the zombie leader counts); SHAPE %s", s.shape);
	snprintf(word, sizeof(word), "%d", s.pid);
	run_dstate(out, sizeof(out), state);
	{
		char want[32];

		snprintf(want, sizeof(want), "state:     %c", thread_state(s.pid, s.tid));
		tap_result(strstr(out, "leader:") && strstr(out, "is Z (zombie)") &&
			   strstr(out, want),
			   "dstate state %d says the leader is Z, the process in its thread's %s",
			   s.pid, want);
	}
	tap_result(never_reaped(s.pid, 500, &st),
		   "waitpid(WNOHANG) reaps nothing for 0.5 s");
	kill(s.pid, SIGKILL);
	tap_result(never_reaped(s.pid, 500, &st) && thread_kill_pending(s.pid, s.tid) &&
		   (c = thread_state(s.pid, s.tid)) && strchr(exp_thread, c),
		   "after SIGKILL: still not reaped, the thread still %s with SIGKILL pending",
		   exp_thread);
	release_all();
	ok = reaped(s.pid, &st);
	tap_result(ok && killed_as_claimed(st),
		   "released: the parent reaps it, %s (claimed %s)",
		   ok ? status_str(st) : "not reaped", exp_killed);
}

/* --pidns: the init killed while its child sleeps. */
static void case_pidns(const char *mode, bool child_stays)
{
	struct spawned s;
	char out[4096], word[32], c, comm[32] = "";
	const char *state[] = { "state", word, NULL };
	pid_t init;
	int st = 0;
	bool ok;

	tap_diag("== --pidns: %s sleeper, its namespace's init killed", mode);
	if (!spawn_shape(&s, mode, "--pidns", NULL))
		return;
	{
		char path[64], buf[512], *p;

		snprintf(path, sizeof(path), "/proc/%d/stat", s.pid);
		read_file(path, buf, sizeof(buf));
		p = strrchr(buf, ')');
		init = 0;
		if (p)
			sscanf(p + 2, "%*c %d", &init);
	}
	proc_comm(init, comm, sizeof(comm));
	tap_result(own_nspid(s.pid) == 2 && own_nspid(init) == 1,
		   "NSpid: the sleeper %d is 2 in its namespace, its parent %d (%s) is 1 there",
		   s.pid, init, comm);
	c = proc_state(s.pid);
	tap_result(c && strchr(child_stays ? exp_thread : "D", c), "the sleeper shows %c", c);
	snprintf(word, sizeof(word), "%d", s.pid);
	run_dstate(out, sizeof(out), state);
	tap_result(strstr(out, "pid 2 in its own pid namespace") &&
		   strstr(out, "its parent is that namespace's init") &&
		   has_word(s.shape, "nspid=2") && has_word(s.shape, "parent=ns-init"),
		   "state and SHAPE (%s) say pid 2 of a namespace, parent its init", s.shape);
	kill(init, SIGKILL);
	if (!child_stays) {
		ok = reaped(init, &st);
		tap_result(ok && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
			   "SIGKILL to the init: the %s child dies at once, the init is reaped (%s)",
			   mode, ok ? status_str(st) : "not reaped");
		tap_result(wait_gone(s.pid, WAIT_MS), "the sleeper is gone");
		return;
	}
	tap_result(never_reaped(init, 1000, &st),
		   "SIGKILL to the init: it is not reaped while its child sleeps (1 s of WNOHANG)");
	c = proc_state(s.pid);
	tap_result(thread_kill_pending(s.pid, s.pid) && c && strchr(exp_thread, c),
		   "the kernel sent the child SIGKILL (pending) and it stays %c", c);
	c = proc_state(init);
	tap_diag("the killed init: /proc letter %c, stack %s", c ? c : '?',
		 proc_stack_line(init));
	tap_result(c && strchr(exp_init, c), "the killed init shows %c (claimed %s)",
		   c ? c : '?', exp_init);
	tap_result(proc_stack_has(init, exp_init_stack), "its stack has %s", exp_init_stack);
	release_all();
	ok = reaped(init, &st);
	tap_result(ok && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		   "released: the child dies, then the init is reaped, killed by SIGKILL (%s)",
		   ok ? status_str(st) : "not reaped");
	tap_result(wait_gone(s.pid, WAIT_MS), "the sleeper is gone");
}

static void parse_args(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		char *v = strchr(argv[i], '=');

		if (!v)
			continue;
		*v++ = '\0';
		if (!strcmp(argv[i], "mode"))
			exp_mode = v;
		else if (!strcmp(argv[i], "thread"))
			exp_thread = v;
		else if (!strcmp(argv[i], "others"))
			exp_others = v;
		else if (!strcmp(argv[i], "leader"))
			exp_leader = v;
		else if (!strcmp(argv[i], "init"))
			exp_init = v;
		else if (!strcmp(argv[i], "init_stack"))
			exp_init_stack = v;
		else if (!strcmp(argv[i], "killed"))
			exp_killed = v;
		else
			tap_diag("unknown argument %s", argv[i]);
	}
}

int main(int argc, char **argv)
{
	struct dstate_info info;
	struct kmsg k;
	char out[256];
	pid_t left;

	tap_header();
	parse_args(argc, argv);
	/* Orphans come here: the parent that reaps, or cannot. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	devfd = ds_setup(&k);
	if (devfd < 0)
		goto out;

	case_threads();
	case_zombie_leader();
	if (access("/proc/self/ns/pid", F_OK)) {
		tap_skip("--pidns", "this kernel has no pid namespaces (CONFIG_PID_NS)");
	} else {
		case_pidns(exp_mode, true);
		case_pidns("killable", false);
	}

	tap_result(ds_wait_empty(devfd, &info), "no sleeper left in the module");
	{
		int st;

		left = waitpid(-1, &st, WNOHANG);
		tap_result(left < 0 && errno == ECHILD,
			   "no child of this test left (waitpid: %d)", (int)left);
	}
	{
		const char *args[] = { "ls", "--noheadings", NULL };

		run_dstate(out, sizeof(out), args);
		tap_result(!out[0], "dstate ls lists nothing (%s)", out);
	}
	ds_teardown(&k, devfd);
out:
	printf("1..%u\n", tap_count);
	return tap_failed ? 1 : 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel-thread sleepers, the sleeper list and the task-state query.
 *
 * - A dstate/N kernel thread shows in /proc with its name and the letter
 *   of its mode, is a child of kthreadd with PF_KTHREAD, and is released
 *   by tag or pid like any sleeper; one with a timeout ends by itself.
 * - LIST agrees with /proc: the same pids and tids (a sleeping thread of
 *   a multithreaded process too), modes matching the /proc letters, the
 *   tags and comms given, timeouts and ages that make sense, oldest first.
 * - TASK_STATE tells killable from uninterruptible where /proc says D for
 *   both: a vfork parent, which is no dstate sleeper, is killable; dstate
 *   sleepers decode as their mode; and the other letters as theirs.
 * - A process the cgroup v1 freezer holds decodes as frozen, whether the
 *   kernel says so with TASK_FROZEN (6.1 on) or, before, with PF_FROZEN.
 */
/* vm-options: -t 300 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dtest.h"
#include "fixture.h"
#include "../../user/lib/modes.h"	/* task_kind_name() */

/* The kernel's TASK_* bits, which the uapi promises are passed raw. */
#define K_TASK_INTERRUPTIBLE	0x0001
#define K_TASK_UNINTERRUPTIBLE	0x0002
#define K_TASK_STOPPED		0x0004
#define K_TASK_TRACED		0x0008
#define K_TASK_WAKEKILL		0x0100
#define K_TASK_NOLOAD		0x0400
#define K_EXIT_ZOMBIE		0x0020

#define PF_KTHREAD		0x00200000

static int devfd = -1;

static const char mode_letter[DSTATE_MODE_COUNT] = {
	[DSTATE_MODE_UNINTERRUPTIBLE] = 'D',
	[DSTATE_MODE_KILLABLE] = 'D',
	[DSTATE_MODE_INTERRUPTIBLE] = 'S',
	[DSTATE_MODE_IDLE] = 'I',
	[DSTATE_MODE_PERMANENT] = 'D',
};

/* Field @n (1-based, n >= 4) of /proc/PID/stat, counted after the comm. */
static unsigned long long stat_field(pid_t pid, int n)
{
	char path[64], buf[1024], *p;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return ~0ULL;
	p = strrchr(buf, ')');
	if (!p)
		return ~0ULL;
	p += 2;				/* field 3, the state */
	for (i = 3; i < n && p; i++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	return p ? strtoull(p, NULL, 10) : ~0ULL;
}

/* LIST into @sl (@max entries); returns the number filled or -errno. */
static int list(struct dstate_sleeper *sl, unsigned int max, unsigned int *total)
{
	struct dstate_list_args args = {
		.sleepers = (uintptr_t)sl, .count = max,
	};
	int ret;

	ret = ds_ioctl(devfd, DSTATE_IOC_LIST, &args);
	if (ret)
		return ret;
	if (total)
		*total = args.total;
	return (int)args.count;
}

static const struct dstate_sleeper *find(const struct dstate_sleeper *sl,
					 int n, pid_t tid)
{
	int i;

	for (i = 0; i < n; i++)
		if (sl[i].tid == (__u32)tid)
			return &sl[i];
	return NULL;
}

static bool listed(pid_t tid)
{
	struct dstate_sleeper sl[64];
	int n = list(sl, 64, NULL);

	return n > 0 && find(sl, n, tid);
}

/*
 * A released kernel thread has ended its sleep once /proc no longer lists
 * it, or once it has left its sleeping state and LIST no longer has it.
 */
static bool ended(pid_t pid, char letter)
{
	uint64_t end = now_ns() + WAIT_MS * NSEC_PER_MSEC;
	char now;

	for (;;) {
		now = proc_state(pid);
		if (!now || (now != letter && !listed(pid)))
			return true;
		if (now_ns() > end)
			return false;
		sleep_ms(10);
	}
}

static int task_state(pid_t pid, struct dstate_task_state *ts)
{
	memset(ts, 0, sizeof(*ts));
	ts->pid = pid;
	return ds_ioctl(devfd, DSTATE_IOC_TASK_STATE, ts);
}

static void case_kthreads(void)
{
	static const struct {
		unsigned int mode;
		const char *name;
		unsigned int how;
	} kt[] = {
		{ DSTATE_MODE_UNINTERRUPTIBLE, "uninterruptible", DSTATE_RELEASE_TAG },
		{ DSTATE_MODE_KILLABLE, "killable", DSTATE_RELEASE_PID },
		{ DSTATE_MODE_IDLE, "idle", DSTATE_RELEASE_TAG },
		{ DSTATE_MODE_INTERRUPTIBLE, "interruptible", DSTATE_RELEASE_PID },
	};
	const uint64_t tag = 0x6b7468ULL;
	unsigned int released, i, n;
	char comm[32], letters[2] = { 0 };
	pid_t pid, timed;
	int ret;
	bool ok;

	for (i = 0; i < sizeof(kt) / sizeof(kt[0]); i++) {
		ret = ds_kthread(devfd, kt[i].mode, 0, tag + i, &pid);
		if (!tap_result(!ret && pid > 0, "%s kernel thread starts (%s)",
				kt[i].name, strerror(-ret)))
			continue;
		letters[0] = mode_letter[kt[i].mode];
		ok = wait_state(pid, letters, WAIT_MS) &&
		     !proc_comm(pid, comm, sizeof(comm)) &&
		     sscanf(comm, "dstate/%u", &n) == 1;
		tap_result(ok, "%s kernel thread %d shows '%c' as %s in /proc",
			   kt[i].name, pid, letters[0], ok ? comm : "?");
		tap_result(stat_field(pid, 4) == 2 &&
			   (stat_field(pid, 9) & PF_KTHREAD),
			   "%s: a kernel thread (child of kthreadd, PF_KTHREAD)",
			   comm);
		/* The field the release does not use must be 0. */
		if (kt[i].how == DSTATE_RELEASE_PID)
			ret = ds_release(devfd, kt[i].how, pid, 0, &released);
		else
			ret = ds_release(devfd, kt[i].how, 0, tag + i, &released);
		ok = !ret && released == 1 && ended(pid, letters[0]);
		tap_result(ok, "%s released by %s: it leaves '%c' and the list (%s)",
			   comm, kt[i].how == DSTATE_RELEASE_TAG ? "tag" : "pid",
			   letters[0], proc_state(pid) ? "still in /proc" :
			   "gone from /proc");
	}

	ret = ds_kthread(devfd, DSTATE_MODE_UNINTERRUPTIBLE, 500 * NSEC_PER_MSEC,
			 0, &timed);
	ok = !ret && wait_state(timed, "D", WAIT_MS) && ended(timed, 'D');
	tap_result(ok,
		   "a kernel thread with a 500 ms timeout leaves D by itself (%s)",
		   strerror(-ret));
}

/* A process whose second thread sleeps; the tid comes back by a pipe. */
struct thread_sleeper {
	pid_t pid, tid;
	struct sleeper s;
};

static int thread_wr = -1;

static void *thread_fn(void *arg)
{
	struct dstate_sleep_args *a = arg;
	pid_t tid = gettid();
	long ret;
	int fd;

	pthread_setname_np(pthread_self(), "ls-thread");
	if (write(thread_wr, &tid, sizeof(tid)) != sizeof(tid))
		return (void *)(long)CHILD_SETUP;
	fd = open(DSTATE_DEV, O_RDWR);
	if (fd < 0)
		return (void *)(long)CHILD_NO_DEV;
	ret = ioctl(fd, DSTATE_IOC_SLEEP, a);
	return (void *)(ret ? (long)errno : 0L);
}

static bool spawn_thread_sleeper(struct thread_sleeper *t, uint64_t tag)
{
	struct dstate_sleep_args a = {
		.mode = DSTATE_MODE_UNINTERRUPTIBLE, .tag = tag,
	};
	struct pollfd pfd;
	pthread_t th;
	void *res;
	int p[2];

	memset(t, 0, sizeof(*t));
	if (pipe(p))
		return false;
	fflush(stdout);
	t->pid = fork();
	if (t->pid == 0) {
		close(p[0]);
		thread_wr = p[1];
		if (pthread_create(&th, NULL, thread_fn, &a))
			_exit(CHILD_SETUP);
		pthread_join(th, &res);
		_exit((int)(long)res);
	}
	close(p[1]);
	t->s.pid = t->pid;
	t->s.pipe_rd = -1;
	pfd.fd = p[0];
	pfd.events = POLLIN;
	if (poll(&pfd, 1, WAIT_MS) != 1 ||
	    read(p[0], &t->tid, sizeof(t->tid)) != sizeof(t->tid))
		t->tid = -1;
	close(p[0]);
	return t->tid > 0;
}

static void case_list(void)
{
	static const struct {
		unsigned int mode;
		const char *comm;
		uint64_t timeout_ns;
	} procs[] = {
		{ DSTATE_MODE_UNINTERRUPTIBLE, "ls-unint", 0 },
		{ DSTATE_MODE_KILLABLE, "ls-killable", 0 },
		{ DSTATE_MODE_INTERRUPTIBLE, "ls-intr", 0 },
		{ DSTATE_MODE_IDLE, "ls-idle", 0 },
		{ DSTATE_MODE_UNINTERRUPTIBLE, "ls-timed", 60000 * NSEC_PER_MSEC },
	};
	const int np = sizeof(procs) / sizeof(procs[0]);
	const uint64_t tag0 = 0xa1a1a1a100ULL;
	struct dstate_sleeper sl[16];
	const struct dstate_sleeper *e;
	struct sleeper_spec spec = { 0 };
	struct thread_sleeper th;
	struct sleeper s[5];
	unsigned int total = 0;
	char comm[32], letter;
	pid_t kpid = -1;
	int i, n, ret, good;
	uint64_t t0;
	bool ok;

	t0 = now_ns();
	for (i = 0; i < np; i++) {
		spec.mode = procs[i].mode;
		spec.comm = procs[i].comm;
		spec.tag = tag0 + i;
		spec.timeout_ns = procs[i].timeout_ns;
		spawn_sleeper(&s[i], &spec);
		wait_sleeping(s[i].pid, mode_letter[procs[i].mode], WAIT_MS);
	}
	ok = spawn_thread_sleeper(&th, tag0 + np) &&
	     wait_thread_state(th.pid, th.tid, "D", WAIT_MS) &&
	     thread_in_sleep_ioctl(th.pid, th.tid);
	tap_result(ok, "a sleeping thread %d of process %d shows D", th.tid, th.pid);
	ret = ds_kthread(devfd, DSTATE_MODE_KILLABLE, 0, tag0 + np + 1, &kpid);
	if (!ret)
		wait_state(kpid, "D", WAIT_MS);

	n = list(sl, 16, &total);
	tap_result(n == np + 2 && total == (unsigned int)n,
		   "LIST returns the %d sleepers (count %d, total %u)",
		   np + 2, n, total);
	good = 0;
	for (i = 0; i < np; i++) {
		e = find(sl, n, s[i].pid);
		letter = proc_state(s[i].pid);
		ok = e && e->pid == (__u32)s[i].pid && e->mode == procs[i].mode &&
		     e->tag == tag0 + (uint64_t)i && e->flags == 0 &&
		     !strcmp(e->comm, procs[i].comm) && e->uid == 0 &&
		     letter == mode_letter[e->mode] && in_sleep_ioctl(s[i].pid) &&
		     e->age_ns > 0 && e->age_ns <= now_ns() - t0 &&
		     (procs[i].timeout_ns ?
		      e->left_ns > 0 && e->left_ns < procs[i].timeout_ns :
		      e->left_ns == DSTATE_NO_TIMEOUT);
		if (!ok)
			tap_diag("pid %d /proc '%c': listed %s mode %u tag 0x%llx comm %s age %llu left %llu",
				 s[i].pid, letter ?: '-', e ? "yes" : "no",
				 e ? e->mode : 0, e ? (unsigned long long)e->tag : 0,
				 e ? e->comm : "-", e ? (unsigned long long)e->age_ns : 0,
				 e ? (unsigned long long)e->left_ns : 0);
		good += ok;
	}
	tap_result(good == np,
		   "LIST agrees with /proc for the %d processes: pid, mode vs letter, tag, comm, age, time left (%d)",
		   np, good);

	e = find(sl, n, th.tid);
	ok = e && e->pid == (__u32)th.pid && e->tid == (__u32)th.tid &&
	     e->tag == tag0 + np && !strcmp(e->comm, "ls-thread") &&
	     thread_state(th.pid, th.tid) == 'D';
	tap_result(ok, "LIST names the sleeping thread by pid %d and tid %d",
		   th.pid, th.tid);

	e = kpid > 0 ? find(sl, n, kpid) : NULL;
	ok = e && e->pid == (__u32)kpid && (e->flags & DSTATE_SLEEPER_KTHREAD) &&
	     e->mode == DSTATE_MODE_KILLABLE && e->tag == tag0 + np + 1 &&
	     !proc_comm(kpid, comm, sizeof(comm)) && !strcmp(comm, e->comm) &&
	     proc_state(kpid) == 'D';
	tap_result(ok, "LIST marks the kernel thread %s as one, with its pid and tag",
		   e ? e->comm : "-");

	ok = true;
	for (i = 1; i < n; i++)
		ok = ok && sl[i].age_ns <= sl[i - 1].age_ns;
	tap_result(ok, "LIST is oldest first");

	ret = list(sl, 2, &total);
	tap_result(ret == 2 && total == (unsigned int)np + 2,
		   "LIST into 2 entries fills 2 and says %d exist (%d, %u)",
		   np + 2, ret, total);

	ret = ds_release(devfd, DSTATE_RELEASE_PID, th.tid, 0, NULL);
	wait_exit(&th.s, WAIT_MS);
	tap_result(!ret && exited_with(&th.s, 0),
		   "release by tid wakes the thread; its call returns 0 (%s)",
		   th.s.reaped ? status_str(th.s.status) : "not ended");
	sleeper_finish(&th.s, devfd);

	ds_release(devfd, DSTATE_RELEASE_ALL, 0, 0, NULL);
	good = 0;
	for (i = 0; i < np; i++) {
		wait_exit(&s[i], WAIT_MS);
		good += exited_with(&s[i], 0);
		sleeper_finish(&s[i], devfd);
	}
	if (kpid > 0)
		wait_not_state(kpid, 'D', WAIT_MS);
	n = list(sl, 16, &total);
	tap_result(good == np && n == 0 && total == 0,
		   "after release all, every call returned 0 (%d) and LIST is empty (%u)",
		   good, total);
}

/* The CLI's name for a task kind, for messages. */
static const char *kname(unsigned int kind)
{
	const char *name = task_kind_name(kind);

	return name ? name : "?";
}

/*
 * Query @pid and check the decoded kind, the raw bits under @mask, and
 * whether the module calls it one of its own sleepers.
 */
static void check_state(const char *what, pid_t pid, char letter,
			unsigned int kind, unsigned int mask, unsigned int bits,
			unsigned int mode)
{
	struct dstate_task_state ts;
	char now = proc_state(pid);
	int ret = task_state(pid, &ts);

	tap_result(!ret && now == letter && ts.kind == kind &&
		   (ts.state & mask) == bits && ts.is_dstate == (mode != 0) &&
		   ts.mode == mode,
		   "TASK_STATE of %s ('%c' in /proc): %s (got %s, /proc '%c', state 0x%x, exit_state 0x%x, dstate %u mode %u%s%s)",
		   what, letter, kname(kind), kname(ts.kind), now ?: '-', ts.state,
		   ts.exit_state, ts.is_dstate, ts.mode, ret ? ", " : "",
		   ret ? strerror(-ret) : "");
}

static void case_task_state(void)
{
	static const struct {
		unsigned int mode, kind, mask, bits;
		const char *what;
	} ds[] = {
		{ DSTATE_MODE_UNINTERRUPTIBLE, DSTATE_TASK_UNINTERRUPTIBLE,
		  0x0503, K_TASK_UNINTERRUPTIBLE, "a dstate uninterruptible sleeper" },
		{ DSTATE_MODE_KILLABLE, DSTATE_TASK_KILLABLE,
		  0x0503, K_TASK_UNINTERRUPTIBLE | K_TASK_WAKEKILL,
		  "a dstate killable sleeper" },
		{ DSTATE_MODE_IDLE, DSTATE_TASK_IDLE,
		  0x0503, K_TASK_UNINTERRUPTIBLE | K_TASK_NOLOAD,
		  "a dstate idle sleeper" },
		{ DSTATE_MODE_INTERRUPTIBLE, DSTATE_TASK_INTERRUPTIBLE,
		  0x0503, K_TASK_INTERRUPTIBLE, "a dstate interruptible sleeper" },
	};
	struct sleeper_spec spec = { .comm = "ts-sleeper" };
	struct sleeper s, o = { .pid = -1, .pipe_rd = -1 };
	int p[2];
	pid_t vparent, vchild = -1, kpid;
	char buf[64];
	size_t i;
	int ret;

	/*
	 * The vfork parent: it sleeps killable (and freezable) in the
	 * kernel's wait_for_vfork_done() until the child exits.  The child
	 * blocks reading a pipe until told to go.
	 */
	if (pipe(p))
		return;
	fflush(stdout);
	vparent = fork();
	if (vparent == 0) {
		char c;

		if (vfork() == 0) {
			if (read(p[0], &c, 1) < 0)
				_exit(1);
			_exit(0);
		}
		_exit(0);
	}
	close(p[0]);
	o.pid = vparent;
	if (wait_state(vparent, "D", WAIT_MS)) {
		snprintf(buf, sizeof(buf), "/proc/%d/task/%d/children", vparent,
			 vparent);
		if (read_file(buf, buf, sizeof(buf)) > 0)
			vchild = atoi(buf);
		check_state("a vfork parent", vparent, 'D', DSTATE_TASK_KILLABLE,
			    K_TASK_UNINTERRUPTIBLE | K_TASK_WAKEKILL,
			    K_TASK_UNINTERRUPTIBLE | K_TASK_WAKEKILL, 0);
		if (vchild > 0 && wait_state(vchild, "S", WAIT_MS))
			check_state("the vfork child, reading a pipe", vchild,
				    'S', DSTATE_TASK_INTERRUPTIBLE, 0x0503,
				    K_TASK_INTERRUPTIBLE, 0);
		else
			tap_result(0, "the vfork child %d shows S, reading a pipe",
				   vchild);
	} else {
		tap_result(0, "a vfork parent shows D (state '%c')",
			   proc_state(vparent) ?: '-');
	}
	if (write(p[1], "x", 1) != 1)
		tap_diag("cannot wake the vfork child");
	close(p[1]);
	wait_exit(&o, WAIT_MS);
	tap_result(exited_with(&o, 0), "the vfork child let go, its parent exits (%s)",
		   o.reaped ? status_str(o.status) : "not ended");
	sleeper_finish(&o, devfd);

	for (i = 0; i < sizeof(ds) / sizeof(ds[0]); i++) {
		spec.mode = ds[i].mode;
		if (spawn_sleeper(&s, &spec) ||
		    !wait_sleeping(s.pid, mode_letter[ds[i].mode], WAIT_MS)) {
			tap_result(0, "%s asleep", ds[i].what);
		} else {
			check_state(ds[i].what, s.pid, mode_letter[ds[i].mode],
				    ds[i].kind, ds[i].mask, ds[i].bits, ds[i].mode);
		}
		sleeper_finish(&s, devfd);
	}

	ret = ds_kthread(devfd, DSTATE_MODE_UNINTERRUPTIBLE, 0, 0, &kpid);
	if (!ret && wait_state(kpid, "D", WAIT_MS))
		check_state("an uninterruptible dstate/N kernel thread", kpid, 'D',
			    DSTATE_TASK_UNINTERRUPTIBLE, 0x0503,
			    K_TASK_UNINTERRUPTIBLE, DSTATE_MODE_UNINTERRUPTIBLE);
	else
		tap_result(0, "a kernel thread asleep (%s)", strerror(-ret));
	ds_release(devfd, DSTATE_RELEASE_ALL, 0, 0, NULL);

	/* The other letters, from processes that are no sleepers of ours. */
	fflush(stdout);
	o.pid = fork();
	o.reaped = false;
	if (o.pid == 0) {
		pause();
		_exit(0);
	}
	if (wait_state(o.pid, "S", WAIT_MS))
		check_state("a process in pause()", o.pid, 'S',
			    DSTATE_TASK_INTERRUPTIBLE, 0x0503, K_TASK_INTERRUPTIBLE, 0);
	kill(o.pid, SIGSTOP);
	if (wait_state(o.pid, "T", WAIT_MS))
		check_state("a stopped process", o.pid, 'T', DSTATE_TASK_STOPPED,
			    K_TASK_STOPPED, K_TASK_STOPPED, 0);
	else
		tap_result(0, "a stopped process shows T");
	kill(o.pid, SIGCONT);
	if (ptrace(PTRACE_ATTACH, o.pid, NULL, NULL) == 0 &&
	    wait_stopped(&o, WAIT_MS) && wait_state(o.pid, "t", WAIT_MS)) {
		check_state("a traced process", o.pid, 't', DSTATE_TASK_TRACED,
			    K_TASK_TRACED, K_TASK_TRACED, 0);
		ptrace(PTRACE_DETACH, o.pid, NULL, NULL);
	} else {
		tap_result(0, "a traced process shows t (%s)", strerror(errno));
	}
	kill(o.pid, SIGKILL);
	/* Not reaped yet: a zombie. */
	if (wait_state(o.pid, "Z", WAIT_MS)) {
		struct dstate_task_state ts;

		ret = task_state(o.pid, &ts);
		tap_result(!ret && ts.kind == DSTATE_TASK_ZOMBIE &&
			   (ts.exit_state & K_EXIT_ZOMBIE) && !ts.is_dstate,
			   "TASK_STATE of a zombie ('Z' in /proc): zombie (got %s, exit_state 0x%x)",
			   kname(ts.kind), ts.exit_state);
	} else {
		tap_result(0, "an unreaped child shows Z");
	}
	wait_exit(&o, WAIT_MS);

	o.pid = fork();
	o.reaped = false;
	if (o.pid == 0)
		for (;;)
			;
	if (wait_state(o.pid, "R", WAIT_MS))
		check_state("a busy process", o.pid, 'R', DSTATE_TASK_RUNNING,
			    0xffff, 0, 0);
	kill(o.pid, SIGKILL);
	wait_exit(&o, WAIT_MS);
}

/*
 * A process in pause(), frozen by the cgroup v1 freezer (mounted for the
 * purpose: the VM's /sys/fs/cgroup is cgroup2, whose freezer traps tasks
 * on their way to user space instead).  The freezer holds it in the
 * kernel's refrigerator, which 6.1 marks with TASK_FROZEN and older
 * kernels with TASK_UNINTERRUPTIBLE and PF_FROZEN: frozen either way.
 */
static void case_frozen(void)
{
	static const char dir[] = "/tmp/ts-freezer";
	static const char procs[] = "/tmp/ts-freezer/ts/cgroup.procs";
	static const char state[] = "/tmp/ts-freezer/ts/freezer.state";
	struct sleeper o = { .pid = -1, .pipe_rd = -1 };
	struct dstate_task_state ts;
	char buf[32] = "", pid[16];
	bool frozen = false;
	uint64_t end;
	int ret;

	if ((mkdir(dir, 0755) && errno != EEXIST) ||
	    mount("freezer", dir, "cgroup", 0, "freezer") ||
	    (mkdir("/tmp/ts-freezer/ts", 0755) && errno != EEXIST)) {
		tap_result(0, "the cgroup v1 freezer mounts on %s (%s)", dir,
			   strerror(errno));
		return;
	}
	fflush(stdout);
	o.pid = fork();
	if (o.pid == 0) {
		pause();
		_exit(0);
	}
	snprintf(pid, sizeof(pid), "%d", o.pid);
	if (wait_state(o.pid, "S", WAIT_MS) && !write_file(procs, pid) &&
	    !write_file(state, "FROZEN")) {
		end = now_ns() + WAIT_MS * NSEC_PER_MSEC;
		while (!(frozen = read_file(state, buf, sizeof(buf)) > 0 &&
				  !strncmp(buf, "FROZEN", 6)) &&
		       now_ns() < end)
			sleep_ms(10);
	}
	buf[strcspn(buf, "\n")] = '\0';
	ret = task_state(o.pid, &ts);
	tap_result(frozen && !ret && ts.kind == DSTATE_TASK_FROZEN &&
		   !ts.is_dstate,
		   "TASK_STATE of a process the cgroup v1 freezer holds ('%c' in /proc, freezer.state %s): frozen (got %s, state 0x%x%s%s)",
		   proc_state(o.pid) ?: '-', buf[0] ? buf : "?", kname(ts.kind),
		   ts.state, ret ? ", " : "", ret ? strerror(-ret) : "");

	write_file(state, "THAWED");
	kill(o.pid, SIGKILL);
	wait_exit(&o, WAIT_MS);
	tap_result(killed_by(&o, SIGKILL),
		   "thawed, it dies of SIGKILL (%s)",
		   o.reaped ? status_str(o.status) : "not ended");
	rmdir("/tmp/ts-freezer/ts");
	umount(dir);
	rmdir(dir);
}

/*
 * Kernel threads stopped by module exit, at once after they are started:
 * each sleep is unregistered before its task reference is dropped, every
 * thread is gone, and no task is said to be stranded.  norefcount=1 lets
 * rmmod go while the threads live; no file is open then, so nothing
 * oopses.  A thread stopped before it ever ran its function is the case
 * the order matters for, but user space could not force it: exit sleeps
 * before it stops the threads (misc_deregister() waits for devtmpfs, it
 * seems), and they run then (even with both CPUs held by SCHED_FIFO
 * tasks, all 8 had run on 6.1 and 6.12); the diagnostic line says how
 * many had.  With KASAN, a record
 * left listed with a freed task would be caught here.
 */
static void case_unload_unrun(void)
{
	static const unsigned int modes[] = {
		DSTATE_MODE_UNINTERRUPTIBLE, DSTATE_MODE_KILLABLE,
		DSTATE_MODE_INTERRUPTIBLE, DSTATE_MODE_IDLE,
	};
	const int want = 8;
	int i, n = 0, ret, fd, ran;
	pid_t pid[8];
	struct kmsg k;
	bool gone = true;

	kmsg_begin(&k);
	ret = mod_load("norefcount=1");
	if (!tap_result(ret == 0, "unload: insmod dstate.ko norefcount=1 (%s)",
			strerror(-ret)))
		goto end;
	fd = dev_open();
	for (i = 0; fd >= 0 && i < want; i++)
		if (!ds_kthread(fd, modes[i % 4], 0, 0, &pid[n]))
			n++;
	if (fd >= 0)
		close(fd);
	ret = mod_unload();
	tap_result(n == want && ret == 0,
		   "unload: %d kernel threads started, and rmmod at once succeeds (%d started; %s)",
		   want, n, strerror(-ret));
	for (i = 0; i < n; i++)
		gone = wait_gone(pid[i], WAIT_MS) && gone;
	kmsg_update(&k);
	ran = kmsg_count(&k, "woke from");
	tap_diag("%d of %d threads had run their function when stopped",
		 ran, n);
	tap_result(gone && kmsg_count(&k, "stopped 8 kernel thread(s)") == 1 &&
		   !kmsg_count(&k, "still sleep inside"),
		   "unload: every thread stopped and gone, none left asleep (%s)",
		   gone ? "gone" : "some left");
	tap_result(kmsg_clean(&k),
		   "unload: no BUG, WARNING or Oops in the kernel log");
end:
	kmsg_end(&k);
}

int main(void)
{
	struct dstate_info info;
	struct kmsg k;
	bool empty;

	tap_header();
	devfd = ds_setup(&k);
	if (devfd < 0)
		return tap_finish();

	case_kthreads();
	case_list();
	case_task_state();
	case_frozen();

	/* The reaper drops a released thread's module reference later. */
	empty = ds_wait_empty(devfd, &info);
	tap_result(empty,
		   "every sleeper and kernel thread is gone before rmmod (%u, %u)",
		   info.sleepers, info.kthreads);
	ds_teardown(&k, devfd);
	case_unload_unrun();
	return tap_finish();
}

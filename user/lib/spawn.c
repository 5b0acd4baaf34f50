// SPDX-License-Identifier: GPL-2.0
/*
 * Starting processes in each state and proving, from /proc, that they got
 * there.  The processes outlive dstate: each starts its own session with
 * stdio on /dev/null, so that neither a closing terminal nor a shell's
 * $(...) waits on them.  What each must do to be ended is in spawn.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "device.h"
#include "duration.h"
#include "fsfreeze.h"
#include "interrupt.h"
#include "procfs.h"
#include "spawn.h"

/* What a child says on the report pipe; one write, below PIPE_BUF. */
struct spawn_msg {
	int pid;		/* the process dstate forked */
	int child;		/* a process it made for the state, or 0 */
	int sleeper;		/* shapes: the process in the state... */
	int tid;		/* ... and its thread in the state, or 0 */
	int err;		/* errno of a failure, or 0 */
	char text[200];		/* what failed, if anything */
};

int spawn_begin(struct spawn_ctx *c)
{
	int fds[2];

	memset(c, 0, sizeof(*c));
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	c->rd = fds[0];
	c->wr = fds[1];
	/* Children write in blocking mode: clear it on their side only. */
	fcntl(c->wr, F_SETFL, 0);
	if (pipe2(fds, O_CLOEXEC) < 0) {
		close(c->rd);
		close(c->wr);
		return -errno;
	}
	c->own_rd = fds[0];
	c->own_wr = fds[1];
	/* A helper gone meanwhile leaves its byte: never block on it. */
	fcntl(c->own_wr, F_SETFL, O_NONBLOCK);
	return 0;
}

void spawn_end(struct spawn_ctx *c)
{
	close(c->rd);
	close(c->wr);
	close(c->own_rd);
	if (c->own_wr >= 0)
		close(c->own_wr);
}

static void report_full(int fd, int pid, int child, int sleeper, int tid,
			int err, const char *text)
{
	struct spawn_msg m;
	ssize_t n;

	memset(&m, 0, sizeof(m));
	m.pid = pid;
	m.child = child;
	m.sleeper = sleeper;
	m.tid = tid;
	m.err = err;
	if (text)
		snprintf(m.text, sizeof(m.text), "%s", text);
	do {
		n = write(fd, &m, sizeof(m));
	} while (n < 0 && errno == EINTR);
}

static void report(int fd, int pid, int child, int err, const char *text)
{
	report_full(fd, pid, child, 0, 0, err, text);
}

/*
 * The pid of this process (@link "/proc/self") or the id of this thread
 * ("/proc/thread-self", which reads "PID/task/TID") as dstate sees them:
 * /proc is the procfs of dstate's pid namespace, so in a new namespace
 * below it these are not getpid()'s and gettid()'s.  Only system calls
 * and the caller's stack: safe in a vfork child.  0 when unreadable.
 */
static pid_t proc_self_id(const char *link)
{
	char buf[64];
	const char *p;
	ssize_t n;

	n = readlink(link, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, '/');
	return (pid_t)atoi(p ? p + 1 : buf);
}

/*
 * The pid dstate forked for this sleeper, as dstate knows it: what the
 * reports of its processes are matched by.  Set in each child right after
 * the fork (in a new pid namespace by its init, from /proc/self).
 */
static pid_t slot_pid;

static void close_fds_from(unsigned int first, unsigned int last)
{
	unsigned int fd;

	if (first > last)
		return;
	if (!syscall(SYS_close_range, first, last, 0))
		return;
	for (fd = first; fd <= last && fd < 4096; fd++)
		close((int)fd);
}

void child_detach(int keep_fd, int keep_fd2)
{
	sigset_t none;
	int sig, devnull;

	if (keep_fd2 > keep_fd) {
		int t = keep_fd;

		keep_fd = keep_fd2;
		keep_fd2 = t;
	}

	setsid();
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull >= 0) {
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(devnull, 2);
		if (devnull > 2)
			close(devnull);
	}
	/* SIGCHLD especially: if ignored, a zombie would reap itself. */
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Here keep_fd >= keep_fd2: close around both. */
	if (keep_fd2 >= 3) {
		close_fds_from(3, (unsigned int)keep_fd2 - 1);
		close_fds_from((unsigned int)keep_fd2 + 1,
			       (unsigned int)keep_fd - 1);
		fcntl(keep_fd2, F_SETFD, FD_CLOEXEC);
	} else if (keep_fd >= 3) {
		close_fds_from(3, (unsigned int)keep_fd - 1);
	}
	if (keep_fd >= 3) {
		close_fds_from((unsigned int)keep_fd + 1, ~0U);
		fcntl(keep_fd, F_SETFD, FD_CLOEXEC);
	} else {
		close_fds_from(3, ~0U);
	}
}

/* Sleep until @deadline (CLOCK_MONOTONIC ns), or forever when 0. */
static void sleep_until(uint64_t deadline)
{
	struct timespec ts;

	if (!deadline) {
		for (;;)
			pause();
	}
	ts.tv_sec = (time_t)(deadline / NSEC_PER_SEC);
	ts.tv_nsec = (long)(deadline % NSEC_PER_SEC);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static uint64_t deadline_of(uint64_t timeout_ns)
{
	return timeout_ns ? now_ns() + timeout_ns : 0;
}

/* Shapes: say which process and thread are to reach the state. */
static void report_ready(const struct spawn_req *r, int wr)
{
	if (spawn_shaped(r))
		report_full(wr, slot_pid, 0, proc_self_id("/proc/self"),
			    proc_self_id("/proc/thread-self"), 0, NULL);
}

static void __attribute__((noreturn)) child_module(const struct spawn_req *r, int wr)
{
	int fd, ret;

	report_ready(r, wr);
	fd = dev_open();
	if (fd < 0) {
		report(wr, slot_pid, 0, -fd, "could not open the device");
		_exit(1);
	}
	ret = dev_sleep(fd, r->m->mode, r->timeout_ns, r->tag);
	if (ret) {
		report(wr, slot_pid, 0, -ret, "could not sleep");
		_exit(1);
	}
	_exit(0);
}

/*
 * The parent of a vfork waits in D (killable) until its child execs or
 * exits.  With every signal blocked, only SIGKILL ends the wait early.  The
 * child borrows the parent's memory and stack, so it only makes system
 * calls and leaves by _exit; it dies with its parent (PDEATHSIG), so
 * SIGKILL to either ends both.
 */
/* What the vfork child reads: statics, not the parent's stack frame. */
static uint64_t vfork_deadline;
static int vfork_wr, vfork_own;
static pid_t vfork_parent;
/* The parent and its thread as dstate sees them (see proc_self_id()). */
static pid_t vfork_sleeper, vfork_tid;

static void __attribute__((noreturn)) child_vfork(const struct spawn_req *r, int wr,
						  int own)
{
	sigset_t all;
	pid_t v;

	vfork_deadline = deadline_of(r->timeout_ns);
	vfork_wr = wr;
	vfork_own = own;
	vfork_parent = getpid();
	vfork_sleeper = proc_self_id("/proc/self");
	vfork_tid = proc_self_id("/proc/thread-self");
	helper_name("dstate-vfork");
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	/* As in cmd_sleep.c: the child does more than POSIX allows, safely. */
	v = vfork(); /* NOLINT(clang-analyzer-security.insecureAPI.vfork) */
	if (v == 0) {
		/* NOLINTBEGIN(clang-analyzer-unix.Vfork) */
		sigset_t none;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != vfork_parent)
			_exit(0);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		report_full(vfork_wr, slot_pid, proc_self_id("/proc/self"),
			    vfork_sleeper, vfork_tid, 0, NULL);
		/* dstate gone before it said "stay": end the vfork. */
		if (owner_wait(vfork_own, vfork_deadline) == OWNER_GONE)
			_exit(0);
		sleep_until(vfork_deadline);
		_exit(0);
		/* NOLINTEND(clang-analyzer-unix.Vfork) */
	}
	if (v < 0) {
		report(vfork_wr, slot_pid, 0, errno, "could not vfork");
		_exit(1);
	}
	_exit(0);
}

static void __attribute__((noreturn)) child_stopped(const struct spawn_req *r,
						    int wr)
{
	helper_name("dstate-stopped");
	report_ready(r, wr);
	raise(SIGSTOP);
	/* Continued: that is the end of it. */
	_exit(0);
}

/*
 * A tracer keeps its tracee in a ptrace stop ('t') for as long as it
 * lives; if the tracer went away the tracee would run on, so the tracer
 * stays and the tracee dies with it (PDEATHSIG).
 */
static void __attribute__((noreturn)) child_traced(int wr, int own)
{
	pid_t tracer = getpid(), c;
	int status;

	helper_name("dstate-tracer");
	c = fork();
	if (c < 0) {
		report(wr, tracer, 0, errno, "could not fork");
		_exit(1);
	}
	if (c == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != tracer)
			_exit(0);
		helper_name("dstate-traced");
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0) {
			report(wr, tracer, getpid(), errno,
			       "could not PTRACE_TRACEME");
			_exit(1);
		}
		raise(SIGSTOP);
		_exit(0);
	}
	report(wr, tracer, c, 0, NULL);
	/* dstate gone before it said "stay": the tracee dies with us. */
	if (owner_wait(own, 0) == OWNER_GONE)
		_exit(0);
	/* Every stop is left as it is: the tracee runs again only by SIGKILL. */
	for (;;) {
		if (waitpid(c, &status, __WALL) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (WIFEXITED(status) || WIFSIGNALED(status))
			_exit(0);
	}
}

/* A parent that never reaps its exited child; ends after the timeout. */
static void __attribute__((noreturn)) child_zombie(const struct spawn_req *r, int wr,
						   int own)
{
	uint64_t deadline = deadline_of(r->timeout_ns);
	pid_t z;

	helper_name("dstate-zparent");
	z = fork();
	if (z < 0) {
		report(wr, getpid(), 0, errno, "could not fork");
		_exit(1);
	}
	if (z == 0) {
		helper_name("dstate-zombie");
		_exit(0);
	}
	report(wr, getpid(), z, 0, NULL);
	if (owner_wait(own, deadline) == OWNER_GONE)
		_exit(0);	/* init reaps the zombie */
	sleep_until(deadline);
	_exit(0);
}

static void __attribute__((noreturn)) child_running(const struct spawn_req *r,
						    int wr, int own)
{
	uint64_t deadline = deadline_of(r->timeout_ns);
	volatile unsigned long spin = 0;
	struct pollfd p = { .fd = own, .events = POLLIN };
	char c;

	helper_name("dstate-running");
	report_ready(r, wr);
	for (;;) {
		for (spin = 0; spin < 1000000; spin++)
			;
		/* Until dstate says "stay", end if it is gone. */
		if (p.fd >= 0 && poll(&p, 1, 0) > 0) {
			if (read(p.fd, &c, 1) != 1)
				_exit(0);
			close(p.fd);
			p.fd = -1;
		}
		if (deadline && now_ns() >= deadline)
			_exit(0);
	}
}

/* What the sleeping process (or thread) runs: its method's child. */
static const struct spawn_req *body_req;
static int body_wr, body_own;

static void __attribute__((noreturn)) run_body(void)
{
	switch (body_req->m->kind) {
	case METHOD_MODULE:
		child_module(body_req, body_wr);
	case METHOD_VFORK:
		child_vfork(body_req, body_wr, body_own);
	case METHOD_STOPPED:
		child_stopped(body_req, body_wr);
	case METHOD_RUNNING:
		child_running(body_req, body_wr, body_own);
	default:
		_exit(1);
	}
}

static const char *body_comm(const struct spawn_req *r)
{
	switch (r->m->kind) {
	case METHOD_VFORK:
		return "dstate-vfork";
	case METHOD_STOPPED:
		return "dstate-stopped";
	case METHOD_RUNNING:
		return "dstate-running";
	default:
		return "dstate";
	}
}

static void *sleeper_thread(void *unused)
{
	sigset_t none;

	(void)unused;
	sigemptyset(&none);
	pthread_sigmask(SIG_SETMASK, &none, NULL);
	run_body();
}

/* The other threads wait, harmlessly, in S. */
static void *waiter_thread(void *unused)
{
	(void)unused;
	for (;;)
		pause();
	return NULL;
}

/*
 * The sleeping process in its shape: its threads, and a main thread that
 * waits or, for a zombie leader, leaves by SYS_exit, which ends the
 * calling thread only (exit(3) and _exit(2) end them all).  Every thread
 * but the sleeping one blocks every signal, so that a signal to the
 * process is the sleeping thread's, as in a process of one thread.
 */
static void __attribute__((noreturn)) run_shaped(const struct spawn_req *r,
						 int wr, int own)
{
	unsigned int i, n = r->shape.threads > 1 ? r->shape.threads : 1;
	sigset_t all;
	pthread_t t;
	int ret;

	body_req = r;
	body_wr = wr;
	body_own = own;
	/* Threads take their comm from the thread that makes them. */
	helper_name(body_comm(r));
	if (n < 2)
		run_body();
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (i = 1; i < n; i++) {
		ret = pthread_create(&t, NULL, i == n - 1 ? sleeper_thread :
				     waiter_thread, NULL);
		if (ret) {
			report(wr, slot_pid, 0, ret, "could not make a thread");
			_exit(1);
		}
	}
	if (r->shape.zombie_leader)
		syscall(SYS_exit, 0);
	for (;;)
		pause();
}

/*
 * --pidns: pid 1 of a new pid namespace, whose child (pid 2) is the
 * sleeper.  It says nothing itself; until dstate says "stay" it ends the
 * namespace when dstate is gone (its death kills every process in it).
 * Then it reaps until no child is left and exits with its sleeper's
 * status, as a container's init would.
 */
static void __attribute__((noreturn)) child_ns_init(const struct spawn_req *r,
						    int wr, int own)
{
	int status, code = 0;
	pid_t s, w;

	helper_name("dstate-nsinit");
	slot_pid = proc_self_id("/proc/self");
	s = fork();
	if (s < 0) {
		report(wr, slot_pid, 0, errno,
		       "could not fork in the new pid namespace");
		_exit(1);
	}
	if (s == 0)
		run_shaped(r, wr, own);
	if (owner_wait(own, 0) == OWNER_GONE) {
		kill(-1, SIGKILL);
		_exit(1);
	}
	for (;;) {
		w = waitpid(-1, &status, __WALL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			break;
		if (w == s)
			code = WIFEXITED(status) ? WEXITSTATUS(status) :
			       128 + WTERMSIG(status);
	}
	_exit(code);
}

/* fork(), or with CLONE_NEWPID a child that is pid 1 of a new namespace. */
static pid_t fork_shaped(const struct spawn_req *r)
{
	if (!r->shape.pidns)
		return fork();
	/* Like fork(), the child going on from here on a copy of the stack. */
	return (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0);
}

/*
 * The fsfreeze keeper: makes and freezes the filesystem, starts @n writers
 * that sleep in it, and holds it frozen until SIGTERM, SIGINT, SIGHUP or
 * SIGQUIT, or the timeout; then thaws, lets the writers finish, unmounts
 * and deletes everything before it exits.
 */
/*
 * The keeper's wait: until the deadline, a signal to end, the last writer
 * gone, or dstate gone before it said "stay" (@own at end of file).
 */
static void keeper_wait(const sigset_t *set, int own, uint64_t deadline,
			unsigned int alive)
{
	struct signalfd_siginfo si;
	struct pollfd p[2];
	int sfd, status, ms, r;
	uint64_t now;
	char c;

	sfd = signalfd(-1, set, SFD_CLOEXEC);
	if (sfd < 0)
		return;		/* cannot wait: thaw now */
	while (alive) {
		ms = -1;
		if (deadline) {
			now = now_ns();
			if (now >= deadline)
				break;
			ms = (int)((deadline - now) / NSEC_PER_MSEC) + 1;
		}
		p[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = own, .events = POLLIN };
		r = poll(p, own >= 0 ? 2 : 1, ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		if (own >= 0 && p[1].revents) {
			if (read(own, &c, 1) != 1)
				break;		/* dstate is gone */
			close(own);
			own = -1;
		}
		if (!(p[0].revents & POLLIN))
			continue;
		if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
			continue;
		if (si.ssi_signo != SIGCHLD)
			break;			/* told to end */
		while (waitpid(-1, &status, WNOHANG) > 0)
			alive--;
	}
	close(sfd);
	if (own >= 0)
		close(own);
}

static void __attribute__((noreturn)) child_fsfreeze(const struct spawn_req *r, int wr,
						     int own, unsigned int n)
{
	struct fsfreeze f;
	uint64_t deadline = deadline_of(r->timeout_ns);
	char err[200], name[32];
	sigset_t set;
	unsigned int i, alive = 0;
	pid_t w, keeper = getpid();
	int ret, status;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* Its reports to a dead dstate must not kill it before it thaws. */
	signal(SIGPIPE, SIG_IGN);
	helper_name("dstate-keeper");

	ret = fsfreeze_setup(&f, err, sizeof(err));
	if (ret) {
		report(wr, getpid(), 0, -ret, err);
		_exit(1);
	}
	/* Where it is, for dstate to undo should this process be killed. */
	report(wr, getpid(), 0, 0, f.dir);
	ret = fsfreeze_freeze(&f);
	if (ret) {
		report(wr, getpid(), 0, -ret, "could not freeze the filesystem (FIFREEZE)");
		fsfreeze_teardown(&f, 1000);
		_exit(1);
	}
	for (i = 0; i < n; i++) {
		w = fork();
		if (w < 0) {
			report(wr, getpid(), 0, errno, "could not fork a writer");
			break;
		}
		if (w == 0) {
			child_detach(-1, -1);
			helper_name("dstate-writer");
			/*
			 * A keeper killed before this writer reached the
			 * frozen filesystem: spawn then thaws and unmounts it,
			 * and a write after that would land in the directory
			 * under the mount point, which is then left behind.
			 * Die with the keeper instead; once in the frozen
			 * write, the SIGKILL waits for the thaw.
			 */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != keeper)
				_exit(1);
			snprintf(name, sizeof(name), "writer%u", i);
			_exit(fsfreeze_write(&f, name) ? 1 : 0);
		}
		alive++;
		report(wr, getpid(), w, 0, NULL);
	}
	close(wr);
	keeper_wait(&set, own, deadline, alive);
	fsfreeze_thaw(&f);
	while (alive && waitpid(-1, &status, 0) > 0)
		alive--;
	fsfreeze_teardown(&f, 2000);
	_exit(0);
}

int spawn_start(struct spawn_ctx *c, const struct spawn_req *r,
		struct spawned *s, unsigned int n, unsigned int *started)
{
	unsigned int i;
	pid_t pid;

	*started = 0;
	memset(s, 0, n * sizeof(*s));
	if (r->m->kind == METHOD_MODULE && r->kthread) {
		for (i = 0; i < n; i++) {
			int ret = dev_kthread(r->dev_fd, r->m->mode,
					      r->timeout_ns, r->tag, &s[i].pid);

			if (ret)
				return ret;
			(*started)++;
		}
		return 0;
	}
	if (r->m->kind == METHOD_FSFREEZE) {
		pid = fork();
		if (pid < 0)
			return -errno;
		if (pid == 0) {
			child_detach(c->wr, c->own_rd);
			child_fsfreeze(r, c->wr, c->own_rd, n);
		}
		for (i = 0; i < n; i++) {
			s[i].helper = pid;
			s[i].forked = pid;
		}
		*started = n;
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (c->stop) {
			c->sig = interrupt_pending(c->stop);
			if (c->sig)
				return -EINTR;
		}
		pid = fork_shaped(r);
		if (pid < 0)
			return -errno;
		if (pid == 0) {
			child_detach(c->wr, c->own_rd);
			slot_pid = getpid();
			if (r->shape.pidns)
				child_ns_init(r, c->wr, c->own_rd);
			switch (r->m->kind) {
			case METHOD_MODULE:
			case METHOD_VFORK:
			case METHOD_STOPPED:
			case METHOD_RUNNING:
				run_shaped(r, c->wr, c->own_rd);
			case METHOD_TRACED:
				child_traced(c->wr, c->own_rd);
			case METHOD_ZOMBIE:
				child_zombie(r, c->wr, c->own_rd);
			case METHOD_FUSE:
			case METHOD_DM_SUSPEND:
				if (r->kept)
					r->kept(r->m, r->timeout_ns, c->own_rd);
				_exit(1);
			default:
				_exit(1);
			}
		}
		s[i].forked = pid;
		if (r->shape.pidns) {
			s[i].init = pid;	/* the sleeper comes by report */
		} else {
			switch (r->m->kind) {
			case METHOD_TRACED:
			case METHOD_ZOMBIE:
				s[i].helper = pid;	/* the pid comes by report */
				break;
			default:
				s[i].pid = pid;
			}
		}
		(*started)++;
	}
	return 0;
}

/* The pid dstate forked for this entry. */
static pid_t forked_pid(const struct spawn_req *r, const struct spawned *s)
{
	(void)r;
	return s->forked;
}

static void read_reports(struct spawn_ctx *c, const struct spawn_req *r,
			 struct spawned *s, unsigned int n)
{
	struct spawn_msg m;
	unsigned int i;

	while (read(c->rd, &m, sizeof(m)) == (ssize_t)sizeof(m)) {
		if (r->m->kind == METHOD_FSFREEZE && !m.err && !m.child) {
			snprintf(c->fs_dir, sizeof(c->fs_dir), "%.127s", m.text);
			continue;
		}
		for (i = 0; i < n; i++) {
			if (forked_pid(r, &s[i]) != m.pid)
				continue;
			if (m.err) {
				s[i].err = m.err;
				snprintf(s[i].msg, sizeof(s[i].msg), "%s", m.text);
				if (r->m->kind != METHOD_FSFREEZE)
					break;
				continue;	/* the keeper failed: all fail */
			}
			if (m.sleeper)
				s[i].pid = m.sleeper;
			if (m.tid)
				s[i].tid = m.tid;
			if (r->m->kind == METHOD_VFORK) {
				s[i].helper = m.child;
				break;
			}
			if (m.sleeper)
				break;		/* a shaped sleeper is ready */
			if (s[i].pid)
				continue;	/* fsfreeze: the next free slot */
			s[i].pid = m.child;
			break;
		}
	}
}

/*
 * The kept sleeps (FUSE, dm-suspend): in the call that sleeps, by the
 * kernel stack, as their VM tests judge them (5.10's wchan is always 0,
 * and io_schedule() never shows); and their helper, a child of @pid.
 */
static bool kept_in_state(const struct spawn_req *r, struct spawned *s)
{
	const char *comm = r->m->kind == METHOD_FUSE ? "dstate-fuse" : "dstate-dm";
	char stack[4096];
	struct proc_stat st;
	struct dirent *d;
	DIR *dir;

	if (proc_read_stack(s->pid, stack, sizeof(stack)))
		return false;
	if (r->m->kind == METHOD_FUSE ? !strstr(stack, "request_wait_answer") :
	    !strstr(stack, "blkdev_direct_IO") && !strstr(stack, "submit_bio_wait"))
		return false;
	if (s->helper)
		return true;
	dir = opendir("/proc");
	while (dir && (d = readdir(dir))) {
		pid_t p = (pid_t)atoi(d->d_name);

		if (p > 0 && !proc_read_stat(p, &st) && st.ppid == s->pid &&
		    !strcmp(st.comm, comm)) {
			s->helper = p;
			break;
		}
	}
	if (dir)
		closedir(dir);
	return s->helper != 0;
}

/* Is this the sleep we asked for?  The module can say so; /proc cannot. */
static bool in_state(const struct spawn_req *r, struct spawned *s)
{
	struct dstate_task_state ts;
	struct proc_stat st;
	pid_t *tids = NULL;
	int n;

	if (!s->pid || (spawn_shaped(r) && !s->tid))
		return false;
	if (proc_read_task_stat(s->pid, s->tid ? s->tid : s->pid, &st))
		return false;
	s->letter = st.state;
	if (st.state != r->m->letter)
		return false;
	if (r->m->kind == METHOD_VFORK && !s->helper)
		return false;
	if (r->m->kind == METHOD_ZOMBIE && st.ppid != s->helper)
		return false;
	/* Every shape as the kernel shows it, not as it was asked for. */
	if (r->shape.threads > 1) {
		n = proc_list_tasks(s->pid, &tids);
		free(tids);
		if (n != (int)r->shape.threads)
			return false;
	}
	if (r->shape.zombie_leader && proc_state(s->pid) != 'Z')
		return false;
	if (r->shape.pidns && st.ppid != s->init)
		return false;
	if ((r->m->kind == METHOD_FUSE || r->m->kind == METHOD_DM_SUSPEND) &&
	    !kept_in_state(r, s))
		return false;
	if (r->m->kind == METHOD_MODULE && r->dev_fd >= 0 &&
	    !dev_task_state(r->dev_fd, s->tid ? s->tid : s->pid, &ts) &&
	    !ts.is_dstate)
		return false;
	return true;
}

static int child_died(const struct spawn_req *r, struct spawned *s)
{
	pid_t pid = forked_pid(r, s);
	int status;

	if (r->kthread || !pid)
		return 0;
	if (waitpid(pid, &status, WNOHANG) == pid)
		return 1;
	return 0;
}

int spawn_wait(struct spawn_ctx *c, const struct spawn_req *r,
	       struct spawned *s, unsigned int n, uint64_t timeout_ns,
	       unsigned int *bad)
{
	uint64_t deadline = now_ns() + timeout_ns;
	long delay = 100000;	/* 100us, doubling to 5ms */
	unsigned int i, left;

	for (;;) {
		read_reports(c, r, s, n);
		left = 0;
		for (i = 0; i < n; i++) {
			if (s[i].done)
				continue;
			if (s[i].err) {
				*bad = i;
				return -s[i].err;
			}
			if (in_state(r, &s[i])) {
				s[i].done = true;
				continue;
			}
			if (child_died(r, &s[i])) {
				read_reports(c, r, s, n);
				*bad = i;
				return s[i].err ? -s[i].err : -ECHILD;
			}
			left++;
		}
		if (!left)
			return 0;
		if (now_ns() >= deadline) {
			for (i = 0; i < n && s[i].done; i++)
				;
			*bad = i;
			return -ETIMEDOUT;
		}
		{
			struct timespec ts = { 0, delay };

			if (c->stop) {
				c->sig = sigtimedwait(c->stop, NULL, &ts);
				if (c->sig > 0)
					return -EINTR;
				c->sig = 0;
			} else {
				nanosleep(&ts, NULL);
			}
			if (delay < 5000000)
				delay *= 2;
		}
	}
}

void spawn_kill(const struct spawn_req *r, struct spawned *s, unsigned int n)
{
	unsigned int i;
	pid_t pid;

	for (i = 0; i < n; i++) {
		/* A namespace's init takes every process in it along. */
		if (s[i].init)
			kill(s[i].init, SIGKILL);
		if (r->m->kind == METHOD_MODULE) {
			if (r->dev_fd >= 0 && s[i].pid)
				dev_release(r->dev_fd, DSTATE_RELEASE_PID,
					    s[i].tid ? s[i].tid : s[i].pid,
					    0, NULL);
			if (!r->kthread && s[i].pid)
				kill(s[i].pid, SIGKILL);
			continue;
		}
		/*
		 * A kept sleep blocks SIGTERM while its keeper watches for it:
		 * the keeper lets go, then tears down, and the sleeper dies of
		 * it.  SIGKILL would leave a held FUSE read or a suspended map.
		 */
		if (r->m->kind == METHOD_FUSE || r->m->kind == METHOD_DM_SUSPEND) {
			if (s[i].pid)
				kill(s[i].pid, SIGTERM);
			continue;
		}
		/* The helper first: a keeper thaws, a tracer lets go. */
		if (s[i].helper)
			kill(s[i].helper, r->m->kind == METHOD_FSFREEZE ?
			     SIGTERM : SIGKILL);
		if (s[i].pid && r->m->kind != METHOD_FSFREEZE)
			kill(s[i].pid, SIGKILL);
	}
	for (i = 0; i < n; i++) {
		pid = forked_pid(r, &s[i]);
		if (pid > 0 && !r->kthread)
			waitpid(pid, NULL, WNOHANG);
	}
}

int wait_for_state(pid_t pid, const char *letters, uint64_t timeout_ns,
		   char *seen)
{
	uint64_t deadline = now_ns() + timeout_ns;
	long delay = 100000;
	struct proc_stat st;
	int ret;

	for (;;) {
		ret = proc_read_stat(pid, &st);
		if (ret)
			return ret;
		if (seen)
			*seen = st.state;
		if (strchr(letters, st.state))
			return 0;
		if (now_ns() >= deadline)
			return -ETIMEDOUT;
		{
			struct timespec ts = { 0, delay };

			nanosleep(&ts, NULL);
			if (delay < 5000000)
				delay *= 2;
		}
	}
}

int spawn_reap(uint64_t timeout_ns)
{
	uint64_t deadline = now_ns() + timeout_ns;
	struct timespec ms1 = { 0, 1000000 };
	pid_t pid;

	for (;;) {
		pid = waitpid(-1, NULL, __WALL | WNOHANG);
		if (pid > 0)
			continue;
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			return 0;	/* ECHILD: none left */
		if (now_ns() >= deadline)
			return -ETIMEDOUT;
		nanosleep(&ms1, NULL);
	}
}

void spawn_rescue(struct spawn_ctx *c, const struct spawn_req *r,
		  const struct spawned *s)
{
	struct fsfreeze f;
	pid_t keeper = s->helper;

	if (r->m->kind != METHOD_FSFREEZE || keeper <= 0)
		return;
	read_reports(c, r, NULL, 0);
	if (!c->fs_dir[0])
		return;
	/* Alive, it undoes it all itself on SIGTERM. */
	if (waitpid(keeper, NULL, WNOHANG) != keeper && kill(keeper, 0) == 0)
		return;
	memset(&f, 0, sizeof(f));
	f.loop_fd = -1;		/* the keeper's closed as it died: AUTOCLEAR */
	f.mounted = true;
	f.frozen = true;
	snprintf(f.dir, sizeof(f.dir), "%s", c->fs_dir);
	snprintf(f.image, sizeof(f.image), "%s/image", c->fs_dir);
	snprintf(f.mnt, sizeof(f.mnt), "%s/mnt", c->fs_dir);
	fsfreeze_teardown(&f, 2000);
}

void spawn_commit(struct spawn_ctx *c, const struct spawn_req *r,
		  unsigned int n)
{
	static const char stay[256];
	unsigned int left;
	ssize_t w;

	switch (r->m->kind) {
	case METHOD_FSFREEZE:
		left = 1;
		break;
	case METHOD_VFORK:
	case METHOD_TRACED:
	case METHOD_ZOMBIE:
	case METHOD_RUNNING:
	case METHOD_FUSE:	/* their keeper reads it */
	case METHOD_DM_SUSPEND:
		left = n;
		break;
	default:
		left = 0;
	}
	/* A namespace's init waits for its own byte. */
	if (r->shape.pidns)
		left += n;
	/* One byte each; the pipe holds 64k, and they read as we write. */
	while (left) {
		w = write(c->own_wr, stay, left < sizeof(stay) ? left : sizeof(stay));
		if (w > 0) {
			left -= (unsigned int)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = c->own_wr, .events = POLLOUT };

			if (poll(&p, 1, 1000) > 0)
				continue;
		}
		break;
	}
	close(c->own_wr);
	c->own_wr = -1;
}

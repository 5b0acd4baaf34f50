// SPDX-License-Identifier: GPL-2.0
/*
 * Host test: a process whose D thread is not its main thread.  Without
 * the module, the D comes from vfork semantics: a thread that clones with
 * CLONE_VFORK waits (killably, in D) until its child exits, while the
 * main thread sleeps in S.  dstate state must report the process as D and
 * never as killable "yes" (without the module a D is "unknown"), -L must
 * show the thread, and dstate watch must report the thread's change.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "duration.h"
#include "procfs.h"
#include "host/run_dstate.h"

static int go_rd, hold_rd;

/* The vfork child: wait for the test to close the pipe, then exit. */
static int held_child(void *arg)
{
	char c;

	(void)arg;
	return read(hold_rd, &c, 1) < 0;
}

static void *vforker(void *arg)
{
	static char stack[64 * 1024] __attribute__((aligned(16)));
	char c;

	(void)arg;
	if (read(go_rd, &c, 1) != 1)
		return NULL;
	/* Until held_child returns, this thread is in D (TASK_KILLABLE). */
	clone(held_child, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD,
	      NULL);
	return NULL;
}

/* The process under test: the main thread sleeps in S, a second thread vforks. */
static pid_t victim(int *go_wr, int *hold_wr)
{
	int go[2], hold[2];
	pthread_t t;
	pid_t pid;

	if (pipe(go) || pipe(hold))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(go[1]);
		close(hold[1]);
		go_rd = go[0];
		hold_rd = hold[0];
		if (pthread_create(&t, NULL, vforker, NULL))
			_exit(1);
		for (;;)
			pause();
	}
	close(go[0]);
	close(hold[0]);
	*go_wr = go[1];
	*hold_wr = hold[1];
	return pid;
}

/* The tid of @pid's thread other than the main one, polled for 5 s. */
static pid_t other_thread(pid_t pid)
{
	uint64_t deadline = now_ns() + 5 * NSEC_PER_SEC;
	struct proc_stat st;
	char path[64];
	pid_t tid;

	do {
		for (tid = pid + 1; tid < pid + 64; tid++) {
			snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)pid, (int)tid);
			if (!access(path, F_OK) &&
			    !proc_read_task_stat(pid, tid, &st) && st.state == 'S')
				return tid;
		}
		usleep(1000);
	} while (now_ns() < deadline);
	return -1;
}

/* Poll thread @tid of @pid for state @letter for up to 5 s. */
static bool thread_in(pid_t pid, pid_t tid, char letter)
{
	uint64_t deadline = now_ns() + 5 * NSEC_PER_SEC;
	struct proc_stat st;

	do {
		if (!proc_read_task_stat(pid, tid, &st) && st.state == letter)
			return true;
		usleep(1000);
	} while (now_ns() < deadline);
	return false;
}

/* dstate watch PID in the background; its stdout in *fd (non-blocking). */
static pid_t start_watch(pid_t pid, int *fd)
{
	char arg[16];
	int pfd[2];
	pid_t w;

	snprintf(arg, sizeof(arg), "%d", (int)pid);
	if (pipe(pfd))
		return -1;
	w = fork();
	if (w == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execl(dstate_bin(), dstate_bin(), "watch", arg, "--interval", "5ms",
		      (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	*fd = pfd[0];
	return w;
}

/* Read watch's output into @buf until it holds @want, for up to 5 s. */
static bool watch_says(int fd, char *buf, size_t len, const char *want)
{
	uint64_t deadline = now_ns() + 5 * NSEC_PER_SEC;
	size_t off = strlen(buf);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	while (!strstr(buf, want) && now_ns() < deadline && off + 1 < len) {
		poll(&p, 1, 10);
		n = read(fd, buf + off, len - 1 - off);
		if (n > 0)
			off += (size_t)n;
		else if (n == 0)
			break;
		buf[off] = '\0';
	}
	return strstr(buf, want);
}

int main(void)
{
	char out[16384], wout[8192] = "", pidarg[16], line[64];
	int go_wr = -1, hold_wr = -1, wfd = -1;
	pid_t pid, tid, w;
	int r;

	tap_header();
	pid = victim(&go_wr, &hold_wr);
	tid = pid > 0 ? other_thread(pid) : -1;
	if (!tap_result(tid > 0, "a process with a second thread, both in S")) {
		if (pid > 0)
			kill(pid, SIGKILL);
		return tap_finish();
	}
	snprintf(pidarg, sizeof(pidarg), "%d", (int)pid);

	w = start_watch(pid, &wfd);
	tap_result(w > 0 && watch_says(wfd, wout, sizeof(wout), "S (sleeping)"),
		   "watch shows the process in S first");

	/* The second thread vforks: it alone is in D. */
	r = write(go_wr, "g", 1);
	tap_result(r == 1 && thread_in(pid, tid, 'D') && proc_state(pid) == 'S',
		   "thread %d is in D, the main thread in S", (int)tid);

	snprintf(line, sizeof(line), "tid %d  D (disk sleep)", (int)tid);
	tap_result(watch_says(wfd, wout, sizeof(wout), line),
		   "watch reports the thread's change to D ('%s')", line);

	r = run_dstate((const char *const[]){ "state", pidarg, NULL }, out, sizeof(out));
	tap_result(r == 0 && strstr(out, "state:     D (disk sleep)"),
		   "state reports the process in D (exit %d)", r);
	if (!tap_result(r == 0 && strstr(out, "killable:  ") &&
			!strstr(out, "killable:  yes"),
			"state does not call it killable: yes"))
		tap_diag("%s", out);
	if (access("/dev/dstate", F_OK))
		tap_result(strstr(out, "killable:  unknown") != NULL,
			   "without the module, a D thread is killable: unknown");
	else
		tap_skip("without the module, a D thread is killable: unknown",
			 "/dev/dstate exists");

	r = run_dstate((const char *const[]){ "--json", "state", pidarg, NULL },
		       out, sizeof(out));
	tap_result(r == 0 && strstr(out, "\"state\": \"D\"") &&
		   !strstr(out, "\"killable\": true"),
		   "state --json: state D, killable not true (exit %d)", r);

	r = run_dstate((const char *const[]){ "state", "-L", pidarg, NULL },
		       out, sizeof(out));
	snprintf(line, sizeof(line), "%d", (int)tid);
	tap_result(r == 0 && strstr(out, line) && strstr(out, "threads:"),
		   "state -L lists thread %d (exit %d)", (int)tid, r);
	if (r == 0) {
		char *l = strstr(out, "threads:");

		/* The thread's own line says D. */
		l = l ? strstr(l, line) : NULL;
		tap_result(l && strchr(l, '\n') && memchr(l, 'D', (size_t)(strchr(l, '\n') - l)),
			   "state -L shows thread %d in D", (int)tid);
	} else {
		tap_result(0, "state -L shows thread %d in D", (int)tid);
	}

	/* Let the vfork child go; the thread leaves D. */
	close(hold_wr);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	if (w > 0) {
		watch_says(wfd, wout, sizeof(wout), "ended");
		tap_result(strstr(wout, "ended") != NULL, "watch reports the end");
		kill(w, SIGKILL);
		waitpid(w, NULL, 0);
	}
	if (wfd >= 0)
		close(wfd);
	close(go_wr);
	return tap_finish();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Host test: waiting for processes to end (user/lib/pidwait.c), with a
 * pidfd and with the polling fallback: an exit is seen within
 * milliseconds, a timeout is a timeout, a missing pid is ESRCH.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "duration.h"
#include "pidwait.h"

/* A child that exits when its pipe closes: no sleeps to guess with. */
static pid_t child(int *wr)
{
	int pfd[2];
	pid_t pid;
	char c;

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(pfd[1]);
		_exit(read(pfd[0], &c, 1) == 0 ? 7 : 1);
	}
	close(pfd[0]);
	*wr = pfd[1];
	return pid;
}

static void run(bool no_pidfd)
{
	const char *how = no_pidfd ? "poll" : "pidfd";
	struct pid_wait_result res;
	uint64_t t0, latency;
	int wr, ret;
	pid_t pid;

	pidwait_no_pidfd = no_pidfd;

	pid = child(&wr);
	ret = pid_wait(pid, 100 * NSEC_PER_MSEC, &res);
	tap_result(ret == -ETIMEDOUT && res.elapsed_ns >= 100 * NSEC_PER_MSEC &&
		   res.elapsed_ns < 2 * NSEC_PER_SEC,
		   "%s: a live process times out after 100ms (%d, %llu ns)", how, ret,
		   (unsigned long long)res.elapsed_ns);
	tap_result(res.pidfd == !no_pidfd, "%s: reports the method it used", how);

	/* End it from a grandchild-free helper: close the pipe, then wait. */
	t0 = now_ns();
	close(wr);
	ret = pid_wait(pid, 5 * NSEC_PER_SEC, &res);
	latency = now_ns() - t0;
	tap_result(ret == 0 && latency < 50 * NSEC_PER_MSEC,
		   "%s: an exit is seen within milliseconds (%.2f ms)", how,
		   (double)latency / NSEC_PER_MSEC);
	tap_result(res.child && res.have_status && WIFEXITED(res.status) &&
		   WEXITSTATUS(res.status) == 7,
		   "%s: a child is reaped with its status (exit 7)", how);
	tap_result(pid_wait(pid, NSEC_PER_SEC, &res) == -ESRCH,
		   "%s: a reaped pid is ESRCH", how);

	/* A zombie has ended: at once. */
	pid = child(&wr);
	close(wr);
	while (waitid(P_PID, (id_t)pid, NULL, WEXITED | WNOWAIT) < 0 && errno == EINTR)
		;
	ret = pid_wait(pid, NSEC_PER_SEC, &res);
	tap_result(ret == 0 && res.elapsed_ns < 50 * NSEC_PER_MSEC,
		   "%s: a zombie has already ended (%d)", how, ret);
	waitpid(pid, NULL, WNOHANG);
}

int main(void)
{
	tap_header();
	run(false);
	run(true);
	return tap_finish();
}

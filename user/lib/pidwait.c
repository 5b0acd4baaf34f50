// SPDX-License-Identifier: GPL-2.0
/*
 * Waiting for a process to end, with a deadline.  A pidfd becomes readable
 * the moment its process exits, child or not, so nothing sleeps longer than
 * it must; older kernels get a 1 ms poll of waitpid or kill(pid, 0).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "duration.h"
#include "pidwait.h"
#include "procfs.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

bool pidwait_no_pidfd;

int pidfd_open_pid(pid_t pid)
{
	long fd;

	if (pidwait_no_pidfd)
		return -ENOSYS;
	fd = syscall(SYS_pidfd_open, pid, 0);
	return fd < 0 ? -errno : (int)fd;
}

static bool is_our_child(pid_t pid)
{
	struct proc_stat st;

	return !proc_read_stat(pid, &st) && st.ppid == getpid();
}

/* Has it ended?  1 yes (child reaped into *status), 0 no, -errno. */
static int ended(pid_t pid, bool child, int *status)
{
	struct proc_stat st;
	pid_t r;

	if (child) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 1;
		if (r < 0)
			return errno == ECHILD ? 1 : -errno;
		return 0;
	}
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return 1;
	/* A zombie, or a task on its way out, has ended running. */
	if (proc_read_stat(pid, &st) == -ESRCH)
		return 1;
	return st.state == 'Z' || st.state == 'X' || st.state == 'x';
}

static uint64_t left_ms(uint64_t deadline, int *ms)
{
	uint64_t now = now_ns();
	uint64_t left = deadline > now ? deadline - now : 0;

	if (deadline == PIDWAIT_FOREVER)
		*ms = -1;
	else if (left / NSEC_PER_MSEC > 60000)
		*ms = 60000;
	else	/* round up: never wake before the deadline */
		*ms = (int)((left + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC);
	return left;
}

/* How it ended: reap a child; read a zombie's exit code from /proc. */
static void collect(pid_t pid, struct pid_wait_result *res)
{
	if (res->child) {
		res->have_status = waitpid(pid, &res->status, 0) == pid;
		return;
	}
	res->have_status = !proc_read_exit_code(pid, &res->status) &&
			   (res->status || proc_exit_code_visible(pid));
}

int pid_wait(pid_t pid, uint64_t timeout_ns, struct pid_wait_result *res)
{
	uint64_t start = now_ns(), deadline;
	int fd, ret, ms;

	res->elapsed_ns = 0;
	res->pidfd = false;
	res->status = 0;
	res->have_status = false;
	res->was_zombie = false;
	if (pid <= 0)
		return -EINVAL;
	deadline = timeout_ns == PIDWAIT_FOREVER || timeout_ns > UINT64_MAX - start ?
		   PIDWAIT_FOREVER : start + timeout_ns;
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return -ESRCH;
	res->child = is_our_child(pid);
	res->was_zombie = proc_state(pid) == 'Z';

	fd = pidfd_open_pid(pid);
	if (fd == -ESRCH)
		return -ESRCH;
	if (fd >= 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		res->pidfd = true;
		for (;;) {
			left_ms(deadline, &ms);
			ret = poll(&pfd, 1, ms);
			if (ret < 0 && errno != EINTR) {
				ret = -errno;
				break;
			}
			if (ret > 0) {
				ret = 0;
				res->elapsed_ns = now_ns() - start;
				collect(pid, res);
				break;
			}
			if (deadline != PIDWAIT_FOREVER && now_ns() >= deadline) {
				ret = -ETIMEDOUT;
				break;
			}
		}
		close(fd);
		if (ret)
			res->elapsed_ns = now_ns() - start;
		return ret;
	}
	if (fd != -ENOSYS && fd != -EINVAL && fd != -EPERM)
		return fd;

	/* No pidfds: poll each millisecond. */
	for (;;) {
		struct timespec ms1 = { 0, (long)NSEC_PER_MSEC };

		ret = ended(pid, res->child, &res->status);
		if (ret > 0) {
			res->elapsed_ns = now_ns() - start;
			if (res->child)
				res->have_status = true;
			else
				collect(pid, res);
			return 0;
		}
		if (ret)
			break;
		if (deadline != PIDWAIT_FOREVER && now_ns() >= deadline) {
			ret = -ETIMEDOUT;
			break;
		}
		nanosleep(&ms1, NULL);
	}
	res->elapsed_ns = now_ns() - start;
	return ret < 0 ? ret : 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Interruptions: the signals that must undo what dstate is making, and
 * how helpers learn that the dstate that made them is gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "duration.h"
#include "interrupt.h"

void interrupt_block(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigprocmask(SIG_BLOCK, set, NULL);
}

int interrupt_pending(const sigset_t *set)
{
	struct timespec zero = { 0, 0 };
	int sig;

	do {
		sig = sigtimedwait(set, NULL, &zero);
	} while (sig < 0 && errno == EINTR);
	return sig > 0 ? sig : 0;
}

void interrupt_exit(int sig)
{
	sigset_t one;

	fflush(NULL);
	signal(sig, SIG_DFL);
	sigemptyset(&one);
	sigaddset(&one, sig);
	raise(sig);
	sigprocmask(SIG_UNBLOCK, &one, NULL);
	_exit(128 + sig);
}

/* Statics, not the stack: a vfork child shares its parent's. */
static char status_buf[4096];
static char status_path[32];

static uint64_t hex_after(const char *key)
{
	const char *p = strstr(status_buf, key);

	return p ? strtoull(p + strlen(key), NULL, 16) : 0;
}

bool proc_signal_pending(pid_t pid, uint64_t mask)
{
	ssize_t n;
	int fd;

	snprintf(status_path, sizeof(status_path), "/proc/%d/status", (int)pid);
	fd = open(status_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, status_buf, sizeof(status_buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	status_buf[n] = '\0';
	return ((hex_after("\nSigPnd:") | hex_after("\nShdPnd:")) & mask) != 0;
}

bool proc_stop_pending(pid_t pid)
{
	return proc_signal_pending(pid, STOP_SIGNALS | SIGNAL_BIT(SIGKILL));
}

enum owner_word owner_wait(int fd, uint64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t now;
	int ms, r;
	char c;

	for (;;) {
		ms = -1;
		if (deadline) {
			now = now_ns();
			if (now >= deadline)
				return OWNER_TIMEOUT;
			ms = (int)((deadline - now + NSEC_PER_MSEC - 1) /
				   NSEC_PER_MSEC);
		}
		r = poll(&p, 1, ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			continue;	/* the deadline is checked above */
		if (r < 0)
			return OWNER_GONE;
		r = (int)read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		return r == 1 ? OWNER_STAY : OWNER_GONE;
	}
}

void helper_name(const char *comm)
{
	prctl(PR_SET_NAME, comm);
}

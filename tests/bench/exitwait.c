// SPDX-License-Identifier: GPL-2.0
/*
 * exitwait-bench: four ways for a parent to learn that its child ended,
 * measured on the host itself (no module, no VM, no emulation):
 *
 *   poll50    waitpid(WNOHANG) every 50 ms, the loop the article
 *             "Monitoring for process completion in 2021" (Ariadne
 *             Conill) starts from;
 *   selfpipe  a SIGCHLD handler writes a byte to a pipe the waiter
 *             poll()s, the self-pipe trick;
 *   signalfd  SIGCHLD blocked and read from a signalfd the waiter poll()s;
 *   pidfd     poll() on a pidfd_open() of the child (Linux 5.3).
 *
 * Latency: the child stamps CLOCK_MONOTONIC into shared memory just
 * before _exit(); the waiter stamps it again once waitpid() has returned
 * the child's pid, the exit known and its status read.  For poll50 the
 * child first sleeps a random part of the period, so that exits fall at
 * every phase of the loop, as real ones do; the others need no such
 * help.  Cost: the waiter's CPU time (CLOCK_PROCESS_CPUTIME_ID) while it
 * waits, over a child that lives a set time, per second of waiting.
 * Nothing here asserts a timing.
 *
 * Usage: exitwait-bench [ROUNDS [COST_MS]]	(defaults 1000 and 1000)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define POLL_PERIOD_NS	50000000ULL	/* the loop's 50 ms */
#define NSEC_PER_SEC	1000000000ULL
#define COST_ROUNDS	3

enum method { POLL50, SELFPIPE, SIGNALFD, PIDFD, NR_METHODS };

static const char *const method_name[NR_METHODS] = {
	"poll50", "selfpipe", "signalfd", "pidfd",
};

static int selfpipe[2] = { -1, -1 };

static void die(const char *what)
{
	fprintf(stderr, "exitwait-bench: %s: %s\n", what, strerror(errno));
	exit(EXIT_FAILURE);
}

static uint64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static void on_sigchld(int sig)
{
	int saved = errno;
	char c = 0;

	(void)sig;
	/* Full or not, the pipe is readable: a lost byte loses nothing. */
	if (write(selfpipe[1], &c, 1) < 0)
		errno = saved;
	errno = saved;
}

/* Empty the self-pipe, so that an old byte never answers for a new exit. */
static void drain_selfpipe(void)
{
	char buf[64];

	while (read(selfpipe[0], buf, sizeof(buf)) > 0)
		;
}

/* poll() one descriptor until it is readable. */
static void wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (poll(&p, 1, -1) < 0)
		if (errno != EINTR)
			die("poll");
}

/*
 * Wait, by @m, for @pid to end and reap it; @sfd is the signalfd for
 * SIGNALFD.  The pidfd is opened before the child is let go, as a waiter
 * that knows the pid would.
 */
static void wait_by(enum method m, pid_t pid, int pidfd, int sfd)
{
	struct signalfd_siginfo si;
	struct timespec period = { 0, POLL_PERIOD_NS };
	int status;
	pid_t got;

	for (;;) {
		got = waitpid(pid, &status, WNOHANG);
		if (got == pid)
			return;
		if (got < 0 && errno != EINTR)
			die("waitpid");
		switch (m) {
		case POLL50:
			nanosleep(&period, NULL);
			break;
		case SELFPIPE:
			wait_readable(selfpipe[0]);
			drain_selfpipe();
			break;
		case SIGNALFD:
			wait_readable(sfd);
			if (read(sfd, &si, sizeof(si)) < 0 && errno != EAGAIN)
				die("read signalfd");
			break;
		case PIDFD:
			wait_readable(pidfd);
			break;
		case NR_METHODS:
			break;
		}
	}
}

/*
 * One child, let go through @go, that lives @life_ns and stamps its exit
 * into *@exited; returns the waiter's view: when it knew, in ns.
 */
static uint64_t one_round(enum method m, uint64_t life_ns,
			  volatile uint64_t *exited, int sfd, uint64_t *cpu_ns)
{
	int go[2], pidfd = -1;
	uint64_t known, cpu0;
	pid_t pid;
	char c;

	if (pipe(go))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		struct timespec life = {
			(time_t)(life_ns / NSEC_PER_SEC),
			(long)(life_ns % NSEC_PER_SEC),
		};

		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		if (life_ns)
			nanosleep(&life, NULL);
		*exited = clock_ns(CLOCK_MONOTONIC);
		_exit(0);
	}
	close(go[0]);
	if (m == PIDFD) {
		pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		if (pidfd < 0)
			die("pidfd_open");
	}
	cpu0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	if (write(go[1], "g", 1) != 1)
		die("write");
	close(go[1]);
	wait_by(m, pid, pidfd, sfd);
	known = clock_ns(CLOCK_MONOTONIC);
	*cpu_ns += clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
	if (pidfd >= 0)
		close(pidfd);
	return known;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct_us(uint64_t *v, unsigned int n, unsigned int pct)
{
	unsigned int i = (unsigned int)((uint64_t)n * pct / 100);

	return (double)v[i < n ? i : n - 1] / 1000.0;
}

int main(int argc, char **argv)
{
	unsigned int rounds = argc > 1 ? (unsigned int)atoi(argv[1]) : 1000;
	unsigned int cost_ms = argc > 2 ? (unsigned int)atoi(argv[2]) : 1000;
	double p50[NR_METHODS], p99[NR_METHODS], cpu[NR_METHODS];
	volatile uint64_t *exited;
	struct sigaction sa;
	uint64_t *lat, cpu_ns, life;
	unsigned int i;
	sigset_t chld;
	int m, sfd;

	if (!rounds || !cost_ms) {
		fprintf(stderr, "usage: exitwait-bench [ROUNDS [COST_MS]]\n");
		return 2;
	}
	exited = mmap(NULL, sizeof(*exited), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	lat = calloc(rounds, sizeof(*lat));
	if (exited == MAP_FAILED || !lat)
		die("setup");
	if (pipe2(selfpipe, O_NONBLOCK | O_CLOEXEC))
		die("pipe2");

	for (m = 0; m < NR_METHODS; m++) {
		/* Each method gets SIGCHLD as it needs it, and no other. */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = m == SELFPIPE ? on_sigchld : SIG_DFL;
		sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
		sigaction(SIGCHLD, &sa, NULL);
		sigemptyset(&chld);
		sigaddset(&chld, SIGCHLD);
		sigprocmask(m == SIGNALFD ? SIG_BLOCK : SIG_UNBLOCK, &chld, NULL);
		sfd = -1;
		if (m == SIGNALFD) {
			sfd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
			if (sfd < 0)
				die("signalfd");
		}
		drain_selfpipe();

		for (i = 0; i < rounds; i++) {
			life = m == POLL50 ? (uint64_t)random() % POLL_PERIOD_NS : 0;
			lat[i] = one_round(m, life, exited, sfd, &cpu_ns) -
				 *exited;
		}
		qsort(lat, rounds, sizeof(*lat), cmp_u64);
		p50[m] = pct_us(lat, rounds, 50);
		p99[m] = pct_us(lat, rounds, 99);

		cpu_ns = 0;
		for (i = 0; i < COST_ROUNDS; i++)
			one_round(m, cost_ms * 1000000ULL, exited, sfd, &cpu_ns);
		/* us of CPU per second waited: ns / (rounds * ms) */
		cpu[m] = (double)cpu_ns / (COST_ROUNDS * (double)cost_ms);
		if (sfd >= 0)
			close(sfd);
	}

	printf("Exit detection on the host: a child that _exit()s, %u rounds per method;\n"
	       "latency from its _exit() to waitpid() returning it in the waiter\n", rounds);
	printf("   %-10s %12s %12s %14s %20s\n", "method", "p50 (us)", "p99 (us)",
	       "p50 ratio", "waiter CPU (us/s)");
	for (m = 0; m < NR_METHODS; m++)
		printf("   %-10s %12.1f %12.1f %13.0fx %20.1f\n", method_name[m],
		       p50[m], p99[m], p50[POLL50] / p50[m], cpu[m]);
	printf("   (p50 ratio: poll50's p50 over the method's; waiter CPU: while it\n"
	       "   waited for %u children that each lived %u ms, per second waited)\n",
	       COST_ROUNDS, cost_ms);
	return 0;
}

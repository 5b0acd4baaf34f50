// SPDX-License-Identifier: GPL-2.0
/*
 * dstate-bench: what dstate costs, measured inside the VM (make bench).
 *
 *  1. wake latency: from a release to the sleeper running again, per mode,
 *     against the floor of the same machine, a write that wakes a read
 *     blocked on a pipe;
 *  2. entry: from fork to the child seen in its state, as dstate spawn
 *     starts it (the spawn library), for the module modes, vfork and
 *     fsfreeze;
 *  3. scale: many sleepers at once (how long until all are seen in D, a
 *     listing and what dstate ls spends on it, release of all), each
 *     against as many processes blocked on a pipe, memory included;
 *  4. exit detection: dstate wait's pidfd against the 50 ms waitpid()
 *     poll loop of the article "Monitoring for process completion in
 *     2021" (Ariadne Conill), from a release to the exit seen, and
 *     an ftrace function_graph of do_exit() to show where an exit's time
 *     goes.
 *
 * Every figure is a time on the guest's CLOCK_MONOTONIC; under software
 * emulation absolute times are slow, so each figure that has a floor is
 * also given as a ratio to it.  Nothing here asserts a timing.
 *
 * With --lock it only works the module's lock, for a measuring build
 * (scripts/lock-hold.sh): SCALE sleepers, each ioctl that takes the lock
 * while they all sleep, then release and reaping; the module reports the
 * longest holds when it is removed.  With DSTATE_BENCH_PHASE set to a
 * command, that command is run with each phase's name as it begins (and
 * "end" after the last), so that the kernel's tracers can tell the phases
 * apart (scripts/lock-trace.sh).
 *
 * The module must be loaded with max_sleepers at least SCALE.
 *
 * Usage: dstate-bench [ROUNDS [SCALE]]	(defaults 1000 and 10000)
 *        dstate-bench --lock [SCALE]
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/device.h"
#include "lib/duration.h"
#include "lib/modes.h"
#include "lib/pidwait.h"
#include "lib/procfs.h"
#include "lib/spawn.h"

#define ENTRY_ROUNDS	200
#define EXIT_ROUNDS	200
#define POLL_PERIOD_US	50000		/* the poll loop's, as in that article */
#define STATE_DEADLINE	(30 * NSEC_PER_SEC)
#define TAG		0xbe

static int devfd = -1;
static bool two_cpus;

static void die(const char *what, int err)
{
	fprintf(stderr, "dstate-bench: %s: %s\n", what, strerror(err));
	exit(EXIT_FAILURE);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The @pct percentile of @v (sorted here), in ns. */
static uint64_t percentile(uint64_t *v, unsigned int n, unsigned int pct)
{
	unsigned int i = (unsigned int)((uint64_t)n * pct / 100);

	qsort(v, n, sizeof(*v), cmp_u64);
	return v[i < n ? i : n - 1];
}

static double us(uint64_t ns)
{
	return (double)ns / 1e3;
}

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

/*
 * With two CPUs or more, the sleeper runs on CPU 1 and the waker on CPU 0,
 * so that every wakeup crosses CPUs the same way, the pipe's included.
 */
static void pin(int cpu)
{
	cpu_set_t set;

	if (!two_cpus)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void sleep_us(unsigned int n)
{
	struct timespec ts = { n / 1000000, (long)(n % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* voluntary_ctxt_switches of @pid, or -1. */
static long nvcsw_of(pid_t pid)
{
	char path[64], buf[2048], *p;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	n = read_file(path, buf, sizeof(buf));
	if (n <= 0)
		return -1;
	p = strstr(buf, "\nvoluntary_ctxt_switches:");
	return p ? strtol(p + 25, NULL, 10) : -1;
}

/* --- 1. wake latency ------------------------------------------------------ */

struct wake_shared {
	long nvcsw;		/* the sleeper's count before it sleeps */
	unsigned int armed;	/* round + 1, once nvcsw is set */
	uint64_t woke[];	/* per round: when the sleeper ran again */
};

/* The sleeper: @rounds times, block (module @mode, or the pipe if 0). */
static void __attribute__((noreturn))
wake_sleeper(struct wake_shared *sh, unsigned int rounds, unsigned int mode,
	     int rfd)
{
	struct rusage ru;
	unsigned int r;
	char c;

	pin(1);
	for (r = 0; r < rounds; r++) {
		getrusage(RUSAGE_SELF, &ru);
		sh->nvcsw = ru.ru_nvcsw;
		__atomic_store_n(&sh->armed, r + 1, __ATOMIC_RELEASE);
		if (mode) {
			if (dev_sleep(devfd, mode, 0, TAG))
				_exit(EXIT_FAILURE);
		} else if (read(rfd, &c, 1) != 1) {
			_exit(EXIT_FAILURE);
		}
		__atomic_store_n(&sh->woke[r], now_ns(), __ATOMIC_RELEASE);
	}
	_exit(0);
}

/*
 * One series: p50 and p99 of the wake latency, in ns.  The waker releases
 * only once the sleeper has switched out (its voluntary context switches
 * went up), so that every round times a real wakeup, not a sleep that had
 * not begun.
 */
static int wake_series(unsigned int rounds, unsigned int mode,
		       uint64_t *p50, uint64_t *p99)
{
	size_t size = sizeof(struct wake_shared) + rounds * sizeof(uint64_t);
	struct wake_shared *sh;
	uint64_t *lat, t0, deadline;
	int pfd[2], status, ret = 0;
	unsigned int r;
	pid_t pid;

	sh = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		  -1, 0);
	lat = calloc(rounds, sizeof(*lat));
	if (sh == MAP_FAILED || !lat || pipe(pfd))
		die("wake: setup", errno);
	pid = fork();
	if (pid < 0)
		die("fork", errno);
	if (pid == 0) {
		close(pfd[1]);
		wake_sleeper(sh, rounds, mode, pfd[0]);
	}
	close(pfd[0]);
	pin(0);
	for (r = 0; r < rounds && !ret; r++) {
		deadline = now_ns() + STATE_DEADLINE;
		while (__atomic_load_n(&sh->armed, __ATOMIC_ACQUIRE) != r + 1 ||
		       nvcsw_of(pid) <= sh->nvcsw) {
			if (now_ns() > deadline) {
				ret = -ETIMEDOUT;
				break;
			}
			sched_yield();
		}
		if (ret)
			break;
		t0 = now_ns();
		if (mode)
			ret = dev_release(devfd, DSTATE_RELEASE_PID, pid, 0, NULL);
		else if (write(pfd[1], "x", 1) != 1)
			ret = -errno;
		while (!ret && !__atomic_load_n(&sh->woke[r], __ATOMIC_ACQUIRE)) {
			if (now_ns() > deadline) {
				ret = -ETIMEDOUT;
				break;
			}
			sched_yield();
		}
		lat[r] = sh->woke[r] - t0;
	}
	close(pfd[1]);
	if (ret) {
		kill(pid, SIGKILL);
		dev_release(devfd, DSTATE_RELEASE_PID, pid, 0, NULL);
	}
	waitpid(pid, &status, 0);
	if (!ret) {
		*p50 = percentile(lat, rounds, 50);
		*p99 = percentile(lat, rounds, 99);
	}
	free(lat);
	munmap(sh, size);
	return ret;
}

static void unpin_all(void)
{
	cpu_set_t set;
	int i;

	CPU_ZERO(&set);
	for (i = 0; i < CPU_SETSIZE; i++)
		CPU_SET(i, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static const unsigned int wake_modes[] = {
	DSTATE_MODE_UNINTERRUPTIBLE, DSTATE_MODE_KILLABLE,
	DSTATE_MODE_INTERRUPTIBLE, DSTATE_MODE_IDLE,
};

static void bench_wake(unsigned int rounds)
{
	uint64_t p50, p99, floor50, floor99;
	unsigned int i;
	int ret;

	printf("\n1. Wake latency: release (or pipe write) to the sleeper running, %u rounds\n",
	       rounds);
	printf("   %-26s %10s %10s %14s\n", "", "p50 us", "p99 us", "p50 / pipe");
	ret = wake_series(rounds, 0, &floor50, &floor99);
	if (ret)
		die("wake: pipe", -ret);
	unpin_all();
	printf("   %-26s %10.1f %10.1f %14s\n", "pipe write -> read (floor)",
	       us(floor50), us(floor99), "1.00");
	for (i = 0; i < sizeof(wake_modes) / sizeof(wake_modes[0]); i++) {
		ret = wake_series(rounds, wake_modes[i], &p50, &p99);
		unpin_all();
		if (ret)
			die("wake", -ret);
		printf("   %-26s %10.1f %10.1f %14.2f\n", mode_name(wake_modes[i]),
		       us(p50), us(p99), (double)p50 / (double)floor50);
	}
	fflush(stdout);
}

/* --- 2. entry ------------------------------------------------------------- */

/* Undo what spawn_start() started, and reap all of it. */
static void entry_undo(const struct spawn_req *r, struct spawned *s)
{
	spawn_kill(r, s, 1);
	if (r->m->kind == METHOD_FSFREEZE) {
		/* The keeper thaws, reaps its writer and cleans up. */
		waitpid(s->helper, NULL, 0);
		return;
	}
	if (s->pid > 0)
		waitpid(s->pid, NULL, 0);
	/* vfork's child is the vfork parent's, gone with it. */
}

static int entry_series(const char *method, unsigned int rounds, uint64_t *p50)
{
	struct spawn_req r = { .dev_fd = devfd, .tag = TAG };
	struct spawn_ctx ctx;
	struct spawned s;
	unsigned int i, started, bad;
	uint64_t *lat, t0;
	int ret = 0;

	r.m = method_lookup(method);
	lat = calloc(rounds, sizeof(*lat));
	if (!r.m || !lat)
		return -EINVAL;
	for (i = 0; i < rounds && !ret; i++) {
		ret = spawn_begin(&ctx);
		if (ret)
			break;
		t0 = now_ns();
		ret = spawn_start(&ctx, &r, &s, 1, &started);
		if (!ret)
			ret = spawn_wait(&ctx, &r, &s, 1, STATE_DEADLINE, &bad);
		lat[i] = now_ns() - t0;
		if (started)
			entry_undo(&r, &s);
		spawn_end(&ctx);
		if (ret)
			fprintf(stderr, "dstate-bench: %s: %s\n", method,
				s.msg[0] ? s.msg : strerror(-ret));
	}
	if (!ret)
		*p50 = percentile(lat, rounds, 50);
	free(lat);
	return ret;
}

static void bench_entry(void)
{
	static const char * const methods[] = {
		"uninterruptible", "killable", "interruptible", "idle",
		"vfork", "fsfreeze",
	};
	uint64_t p50;
	unsigned int i;

	printf("\n2. Entry: fork to the child seen in its state (the spawn library), %u rounds\n",
	       ENTRY_ROUNDS);
	printf("   %-26s %10s\n", "", "p50 ms");
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		if (entry_series(methods[i], ENTRY_ROUNDS, &p50))
			die("entry", EIO);
		printf("   %-26s %10.2f\n", methods[i], ms(p50));
		fflush(stdout);
	}
}

/* --- 3. scale ------------------------------------------------------------- */

/* A /proc/meminfo field, in kB. */
static long meminfo(const char *key)
{
	char buf[8192], *p;
	size_t len = strlen(key);

	if (read_file("/proc/meminfo", buf, sizeof(buf)) <= 0)
		return -1;
	for (p = buf; p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (!strncmp(p, key, len) && p[len] == ':')
			return strtol(p + len + 1, NULL, 10);
	}
	return -1;
}

static void write_str(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, value, strlen(value)) < 0)
		fprintf(stderr, "dstate-bench: %s: %s\n", path, strerror(errno));
	close(fd);
}

struct mem {
	long used, slab, stack, ptables;	/* kB */
};

static void mem_read(struct mem *m)
{
	/* Settle the per-CPU counters and drop what can be dropped first. */
	sync();
	write_str("/proc/sys/vm/drop_caches", "3");
	m->used = meminfo("MemTotal") - meminfo("MemFree");
	m->slab = meminfo("Slab");
	m->stack = meminfo("KernelStack");
	m->ptables = meminfo("PageTables");
}

/* Bytes per task between two readings. */
static double per_task(long before, long after, unsigned int n)
{
	return (double)(after - before) * 1024.0 / n;
}

/* Until every pid of @pids shows @letter in /proc; false at the deadline. */
static bool all_in(const pid_t *pids, unsigned int n, char letter)
{
	uint64_t deadline = now_ns() + STATE_DEADLINE;
	unsigned int i = 0;

	while (i < n) {
		if (proc_state(pids[i]) == letter) {
			i++;
			continue;
		}
		if (now_ns() > deadline)
			return false;
		sleep_us(1000);
	}
	return true;
}

/* @n children that block in the module (@fd >= 0) or on the pipe @rfd. */
static int scale_start(pid_t *pids, unsigned int n, int rfd, int wfd)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			return -errno;
		if (pids[i] == 0) {
			char c;

			if (rfd < 0)
				_exit(dev_sleep(devfd, DSTATE_MODE_UNINTERRUPTIBLE,
						0, TAG) ? 1 : 0);
			close(wfd);
			_exit(read(rfd, &c, 1) == 0 ? 0 : 1);
		}
	}
	return 0;
}

static unsigned int reap_all(const pid_t *pids, unsigned int n)
{
	unsigned int i, bad = 0;
	int status;

	for (i = 0; i < n; i++)
		if (waitpid(pids[i], &status, 0) != pids[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			bad++;
	return bad;
}

/* Run @argv (the dstate CLI, or ps), output thrown away; its wall time in ns. */
static uint64_t time_cli(char *const argv[])
{
	uint64_t t0 = now_ns();
	int status, fd;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		die("fork", errno);
	if (pid == 0) {
		fd = open("/dev/null", O_WRONLY);
		if (fd >= 0)
			dup2(fd, 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		die(argv[0], EIO);
	return now_ns() - t0;
}

static uint64_t median3(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t v[3] = { a, b, c };

	return percentile(v, 3, 50);
}

/* One run of @n blocked processes: memory around them, and times. */
struct scale_run {
	struct mem before, after;
	uint64_t seen;		/* fork of the first until all seen asleep */
	uint64_t gone;		/* the wakeup until all are reaped */
	uint64_t wake_call;	/* the release ioctl (or close) itself */
};

/* --lock: the command that marks each phase, from DSTATE_BENCH_PHASE. */
static const char *phase_cmd;

static void lock_phase(const char *name)
{
	char cmd[512];

	if (!phase_cmd)
		return;
	snprintf(cmd, sizeof(cmd), "%s %s", phase_cmd, name);
	if (system(cmd) != 0)
		die("lock: the phase command failed", EIO);
}

/*
 * @n processes blocked in a read of one pipe (@dstate false) or asleep in
 * the module, uninterruptible; @between runs while they all sleep.
 */
static void scale_run(pid_t *pids, unsigned int n, bool dstate,
		      struct scale_run *r, void (*between)(unsigned int n))
{
	int pfd[2] = { -1, -1 };
	struct dstate_info info;
	uint64_t t0;

	if (!dstate && pipe(pfd))
		die("scale: pipe", errno);
	mem_read(&r->before);
	lock_phase("SLEEP");
	t0 = now_ns();
	if (scale_start(pids, n, pfd[0], pfd[1]))
		die("scale: fork", errno);
	if (!all_in(pids, n, dstate ? 'D' : 'S'))
		die("scale: not all asleep", ETIMEDOUT);
	r->seen = now_ns() - t0;
	if (dstate && (dev_info(devfd, &info) || info.sleepers != n))
		die("scale: the module does not count them all", EIO);
	mem_read(&r->after);
	if (between)
		between(n);

	t0 = now_ns();
	if (dstate) {
		if (dev_release(devfd, DSTATE_RELEASE_ALL, 0, 0, NULL))
			die("scale: release", EIO);
		lock_phase("EXITS");
	} else {
		close(pfd[1]);		/* EOF for every reader */
	}
	r->wake_call = now_ns() - t0;
	if (reap_all(pids, n))
		die("scale: a sleeper failed", EIO);
	r->gone = now_ns() - t0;
	lock_phase("end");
	if (!dstate)
		close(pfd[0]);
}

/* Read a /proc file of each sleeper, as dstate ls does; the time in ns. */
static uint64_t time_proc_reads(const struct dstate_sleeper *sl, size_t n,
				bool wchan)
{
	uint64_t t0 = now_ns();
	struct proc_stat st;
	char buf[128];
	size_t i;

	for (i = 0; i < n; i++) {
		if (wchan)
			proc_read_wchan((pid_t)sl[i].tid, buf, sizeof(buf));
		else
			proc_read_task_stat((pid_t)sl[i].pid, (pid_t)sl[i].tid, &st);
	}
	return now_ns() - t0;
}

static struct {
	uint64_t list, ls, json, module, version, stat, wchan, ps;
	bool have_ps;
} listing;

/* While @n sleep: the listing, and what dstate ls spends its time on. */
static void measure_listing(unsigned int n)
{
	static char *ls[] = { "dstate", "ls", NULL };
	static char *ls_json[] = { "dstate", "--json", "ls", NULL };
	/* The module's own view: columns that read no /proc file. */
	static char *ls_module[] = {
		"dstate", "ls", "-o", "PID,TID,COMM,MODE,TAG,AGE,LEFT", NULL,
	};
	static char *version[] = { "dstate", "--version", NULL };
	/* What a user would run instead: procps reads the same /proc files. */
	static char *ps[] = {
		"procps-ps", "-eLo", "pid,tid,stat,wchan:32,comm", NULL,
	};
	struct dstate_sleeper *list = NULL;
	size_t count;
	uint64_t t0;
	int i;

	listing.list = UINT64_MAX;
	for (i = 0; i < 3; i++) {
		free(list);
		t0 = now_ns();
		if (dev_list(devfd, &list, &count) || count != n)
			die("scale: list", EIO);
		t0 = now_ns() - t0;
		if (t0 < listing.list)
			listing.list = t0;
	}
	listing.ls = median3(time_cli(ls), time_cli(ls), time_cli(ls));
	listing.json = median3(time_cli(ls_json), time_cli(ls_json),
			       time_cli(ls_json));
	listing.module = median3(time_cli(ls_module), time_cli(ls_module),
				 time_cli(ls_module));
	listing.version = median3(time_cli(version), time_cli(version),
				  time_cli(version));
	listing.have_ps = !access("/usr/bin/procps-ps", X_OK);
	if (listing.have_ps)
		listing.ps = median3(time_cli(ps), time_cli(ps), time_cli(ps));
	listing.stat = time_proc_reads(list, count, false);
	listing.wchan = time_proc_reads(list, count, true);
	free(list);
}

static double mean2(long a0, long a1, long b0, long b1, unsigned int n)
{
	return (per_task(a0, a1, n) + per_task(b0, b1, n)) / 2;
}

static void print_mem(const char *what, const struct scale_run *a,
		      const struct scale_run *b, unsigned int n)
{
	printf("   %-30s %9.0f %9.0f %9.0f %9.0f\n", what,
	       mean2(a->before.used, a->after.used, b->before.used, b->after.used, n),
	       mean2(a->before.slab, a->after.slab, b->before.slab, b->after.slab, n),
	       mean2(a->before.stack, a->after.stack, b->before.stack, b->after.stack, n),
	       mean2(a->before.ptables, a->after.ptables, b->before.ptables,
		     b->after.ptables, n));
}

static void bench_scale(unsigned int n)
{
	struct scale_run warm, p[2], d[2];
	pid_t *pids = calloc(n, sizeof(*pids));
	int i;

	if (!pids)
		die("scale: setup", ENOMEM);
	/*
	 * Pipe readers and dstate sleepers by turns, twice each, after a run
	 * that is not counted: every counted run finds the slab caches grown
	 * alike, and the means smooth what the per-CPU caches hold.
	 */
	scale_run(pids, n, false, &warm, NULL);
	for (i = 0; i < 2; i++) {
		scale_run(pids, n, false, &p[i], NULL);
		scale_run(pids, n, true, &d[i], i ? NULL : measure_listing);
	}

	printf("\n3. Scale: %u processes at once, each blocked on one pipe or asleep in\n"
	       "   dstate.ko (uninterruptible); times are the mean of two runs, in ms\n", n);
	printf("   %-44s %9s %9s %7s\n", "", "pipe", "dstate", "ratio");
	printf("   %-44s %9.0f %9.0f %7.2f\n", "fork all until /proc shows every one asleep",
	       ms(p[0].seen + p[1].seen) / 2, ms(d[0].seen + d[1].seen) / 2,
	       (double)(d[0].seen + d[1].seen) / (double)(p[0].seen + p[1].seen));
	printf("   %-44s %9.1f %9.1f\n", "the wakeup call (close / RELEASE all)",
	       ms(p[0].wake_call + p[1].wake_call) / 2,
	       ms(d[0].wake_call + d[1].wake_call) / 2);
	printf("   %-44s %9.0f %9.0f %7.2f\n", "wakeup until all have exited and are reaped",
	       ms(p[0].gone + p[1].gone) / 2, ms(d[0].gone + d[1].gone) / 2,
	       (double)(d[0].gone + d[1].gone) / (double)(p[0].gone + p[1].gone));
	printf("   listing all %u, in ms\n", n);
	printf("   %-44s %9.1f\n", "LIST ioctl (best of 3)", ms(listing.list));
	printf("   %-44s %9.1f\n", "dstate ls > /dev/null (median of 3)", ms(listing.ls));
	printf("   %-44s %9.1f\n", "dstate --json ls > /dev/null (median of 3)",
	       ms(listing.json));
	printf("   %-44s %9.1f   / LIST %.2f\n",
	       "dstate ls -o PID,TID,COMM,MODE,TAG,AGE,LEFT", ms(listing.module),
	       (double)listing.module / (double)listing.list);
	printf("   %-44s %9.1f   / LIST %.2f\n", "  the same, less starting dstate",
	       ms(listing.module - listing.version),
	       (double)(listing.module - listing.version) / (double)listing.list);
	printf("   %-44s %9.1f\n", "  of which: starting dstate (--version)",
	       ms(listing.version));
	if (listing.have_ps)
		printf("   %-44s %9.1f   dstate ls / ps %.2f\n",
		       "ps -eLo pid,tid,stat,wchan:32,comm (median of 3)",
		       ms(listing.ps), (double)listing.ls / (double)listing.ps);
	else
		printf("   %-44s %9s\n", "ps -eLo ... (procps)", "not in the VM");
	printf("   %-44s %9.1f\n", "  of which: reading every /proc/P/task/T/stat",
	       ms(listing.stat));
	printf("   %-44s %9.1f\n", "  of which: reading every /proc/T/wchan", ms(listing.wchan));
	printf("   memory per process, bytes (mean of two runs)\n");
	printf("   %-30s %9s %9s %9s %9s\n", "", "used", "slab", "stacks", "ptables");
	print_mem("blocked on a pipe", &p[0], &p[1], n);
	print_mem("asleep in dstate.ko", &d[0], &d[1], n);
	printf("   %-30s %9.0f %9.0f\n", "difference (dstate - pipe)",
	       mean2(d[0].before.used, d[0].after.used, d[1].before.used, d[1].after.used, n) -
	       mean2(p[0].before.used, p[0].after.used, p[1].before.used, p[1].after.used, n),
	       mean2(d[0].before.slab, d[0].after.slab, d[1].before.slab, d[1].after.slab, n) -
	       mean2(p[0].before.slab, p[0].after.slab, p[1].before.slab, p[1].after.slab, n));
	free(pids);
	fflush(stdout);
}

/*
 * While @n sleep: every ioctl that takes the module's lock, each with all
 * of them listed (a release by pid, last, ends a hundred of them).
 */
static void lock_workload(unsigned int n)
{
	struct dstate_sleeper *list = NULL;
	struct dstate_task_state ts;
	struct dstate_info info;
	size_t count = 0, i;
	int round;

	lock_phase("LIST");
	for (round = 0; round < 3; round++) {
		free(list);
		if (dev_list(devfd, &list, &count) || count != n)
			die("lock: list", EIO);
	}
	lock_phase("INFO");
	for (round = 0; round < 3; round++)
		if (dev_info(devfd, &info))
			die("lock: info", EIO);
	lock_phase("TASK_STATE");
	for (i = 0; i < count; i++)
		if (dev_task_state(devfd, (pid_t)list[i].tid, &ts) ||
		    !ts.is_dstate)
			die("lock: task state", EIO);
	lock_phase("RELEASE_PID");
	for (i = 0; i < count && i < 100; i++)
		if (dev_release(devfd, DSTATE_RELEASE_PID, (pid_t)list[i].tid, 0,
				NULL))
			die("lock: release by pid", EIO);
	free(list);
	lock_phase("RELEASE_ALL");
}

static void bench_lock(unsigned int n)
{
	pid_t *pids = calloc(n, sizeof(*pids));
	struct scale_run r;

	if (!pids)
		die("lock: setup", ENOMEM);
	scale_run(pids, n, true, &r, lock_workload);
	printf("lock workload: %u sleepers, 3 LIST and INFO, %u TASK_STATE, %u RELEASE by pid, RELEASE all\n",
	       n, n, n < 100 ? n : 100);
	free(pids);
}

/* --- 4. exit detection ---------------------------------------------------- */

/*
 * A child asleep in the module, uninterruptible, that exits when released
 * (stamping *@exiting, if given, as it calls _exit()); its pid once /proc
 * shows it in D, or -errno.
 */
static pid_t sleeper_in_d(uint64_t *exiting)
{
	pid_t pid = fork();
	int ret;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		ret = dev_sleep(devfd, DSTATE_MODE_UNINTERRUPTIBLE, 0, TAG);
		if (exiting)
			*exiting = now_ns();
		_exit(ret ? 1 : 0);
	}
	if (wait_for_state(pid, "D", STATE_DEADLINE, NULL))
		return -ETIMEDOUT;
	return pid;
}

struct exit_watch {
	pid_t pid;
	uint64_t *exiting;	/* shared: when the sleeper called _exit() */
	bool pidfd;		/* dstate wait's way, else the poll loop */
	uint64_t seen;		/* when the exit was seen */
	int err;
};

static void *exit_watcher(void *arg)
{
	struct exit_watch *w = arg;
	struct pid_wait_result res;
	int status;

	if (w->pidfd) {
		w->err = pid_wait(w->pid, PIDWAIT_FOREVER, &res);
		if (!w->err && !res.pidfd)
			w->err = -ENOSYS;
	} else {
		/* The article's portable loop, as it stands there. */
		for (;;) {
			usleep(50);
			if (waitpid(w->pid, &status, WNOHANG) == w->pid)
				break;
			usleep(POLL_PERIOD_US - 50);
		}
	}
	w->seen = now_ns();
	return NULL;
}

/*
 * @p50: from the release to the exit seen; @tail50: from the sleeper's
 * _exit() call to the exit seen, the part that is the exit and its
 * detection alone.
 */
static int exit_series(bool use_pidfd, unsigned int rounds, uint64_t *p50,
		       uint64_t *tail50)
{
	struct exit_watch w = { .pidfd = use_pidfd };
	uint64_t *lat, *tail, t0, rnd = now_ns() | 1;
	unsigned int i;
	pthread_t th;
	int ret = 0;

	lat = calloc(rounds, sizeof(*lat));
	tail = calloc(rounds, sizeof(*tail));
	w.exiting = mmap(NULL, sizeof(uint64_t), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!lat || !tail || w.exiting == MAP_FAILED)
		return -ENOMEM;
	for (i = 0; i < rounds && !ret; i++) {
		w.pid = sleeper_in_d(w.exiting);
		if (w.pid < 0)
			return w.pid;
		w.err = 0;
		if (pthread_create(&th, NULL, exit_watcher, &w))
			return -EAGAIN;
		/*
		 * Release at a random point of the poll loop's period: an exit
		 * does not wait for the watcher to be ready.
		 */
		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		sleep_us((unsigned int)(rnd % POLL_PERIOD_US));
		t0 = now_ns();
		ret = dev_release(devfd, DSTATE_RELEASE_PID, w.pid, 0, NULL);
		pthread_join(th, NULL);
		if (!ret)
			ret = w.err;
		lat[i] = w.seen - t0;
		tail[i] = w.seen - *w.exiting;
	}
	if (!ret) {
		*p50 = percentile(lat, rounds, 50);
		*tail50 = percentile(tail, rounds, 50);
	}
	munmap(w.exiting, sizeof(uint64_t));
	free(tail);
	free(lat);
	return ret;
}

static void bench_exit(void)
{
	uint64_t poll50, pidfd50, poll_tail, pidfd_tail;

	if (exit_series(true, EXIT_ROUNDS, &pidfd50, &pidfd_tail) ||
	    exit_series(false, EXIT_ROUNDS, &poll50, &poll_tail))
		die("exit detection", EIO);
	printf("\n4. Exit detection: a sleeper released, it exits, the watcher sees it; %u exits\n",
	       EXIT_ROUNDS);
	printf("   %-34s %14s %14s\n", "p50, ms", "from release", "from _exit()");
	printf("   %-34s %14.2f %14.2f\n", "dstate wait's pidfd + poll()",
	       ms(pidfd50), ms(pidfd_tail));
	printf("   %-34s %14.2f %14.2f\n", "waitpid(WNOHANG) every 50 ms",
	       ms(poll50), ms(poll_tail));
	printf("   %-34s %13.0fx %13.0fx\n", "pidfd faster by",
	       (double)poll50 / (double)pidfd50, (double)poll_tail / (double)pidfd_tail);
	fflush(stdout);
}

/* --- 4b. where an exit's time goes ---------------------------------------- */

#define TRACE_EXITS	20
#define TRACE_TOP	8

static const char *tracing_dir(void)
{
	if (!access("/sys/kernel/tracing/trace", W_OK))
		return "/sys/kernel/tracing";
	if (!access("/sys/kernel/debug/tracing/trace", W_OK))
		return "/sys/kernel/debug/tracing";
	if (!mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL))
		return "/sys/kernel/tracing";
	return NULL;
}

static void trace_set(const char *dir, const char *file, const char *value)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	write_str(path, value);
}

struct fn_time {
	char name[64];
	double us;
};

static int cmp_fn_time(const void *a, const void *b)
{
	const struct fn_time *x = a, *y = b;

	return x->us < y->us ? 1 : x->us > y->us ? -1 : 0;
}

/*
 * Sum the time of do_exit()'s direct callees over the function_graph
 * trace: leaf lines ("  1.234 us |    exit_mm();"), markers (+ ! # * @ $)
 * allowed before the figure.
 */
static unsigned int trace_sum(FILE *f, struct fn_time *fn, unsigned int max,
			      unsigned int *exits)
{
	char line[512], name[64], *bar, *p;
	unsigned int n = 0, i;
	double t;

	*exits = 0;
	while (fgets(line, sizeof(line), f)) {
		bar = strchr(line, '|');
		if (!bar)
			continue;
		if (strstr(bar, "do_exit() {")) {
			(*exits)++;
			continue;
		}
		p = strstr(bar, "();");
		if (!p || p - bar < 2)
			continue;
		*p = '\0';
		while (p > bar && p[-1] != ' ')
			p--;
		snprintf(name, sizeof(name), "%s", p);
		for (p = line; *p && *p != '|' && !(*p >= '0' && *p <= '9' && p[1] != ')'); p++)
			;
		if (sscanf(p, "%lf us", &t) != 1)
			continue;
		for (i = 0; i < n && strcmp(fn[i].name, name); i++)
			;
		if (i == n) {
			if (n == max)
				continue;
			snprintf(fn[n].name, sizeof(fn[n].name), "%s", name);
			fn[n++].us = 0;
		}
		fn[i].us += t;
	}
	return n;
}

/*
 * @rounds sleepers released and watched by pidfd from this thread alone,
 * so that the only exits are theirs; p50 from release to exit seen.
 */
static int traced_exits(unsigned int rounds, uint64_t *p50)
{
	struct pid_wait_result res;
	uint64_t lat[TRACE_EXITS], t0;
	unsigned int i;
	pid_t pid;

	for (i = 0; i < rounds && i < TRACE_EXITS; i++) {
		pid = sleeper_in_d(NULL);
		if (pid < 0)
			return pid;
		t0 = now_ns();
		if (dev_release(devfd, DSTATE_RELEASE_PID, pid, 0, NULL) ||
		    pid_wait(pid, PIDWAIT_FOREVER, &res))
			return -EIO;
		lat[i] = now_ns() - t0;
	}
	*p50 = percentile(lat, i, 50);
	return 0;
}

static void bench_exit_trace(void)
{
	struct fn_time fn[64];
	unsigned int n, exits, i;
	uint64_t tail50 = 0;
	const char *dir = tracing_dir();
	char path[256];
	double total = 0;
	FILE *f;

	printf("\n4b. Where an exit's time goes: ftrace function_graph of do_exit(), depth 2,\n"
	       "    %u exits watched by pidfd (tracing slows every call it sees)\n", TRACE_EXITS);
	if (!dir) {
		printf("    no tracefs here\n");
		return;
	}
	trace_set(dir, "tracing_on", "0");
	trace_set(dir, "current_tracer", "nop");
	trace_set(dir, "set_graph_function", "do_exit");
	trace_set(dir, "max_graph_depth", "2");
	trace_set(dir, "trace", "");
	trace_set(dir, "current_tracer", "function_graph");
	trace_set(dir, "tracing_on", "1");
	if (traced_exits(TRACE_EXITS, &tail50))
		die("exit trace", EIO);
	trace_set(dir, "tracing_on", "0");

	snprintf(path, sizeof(path), "%s/trace", dir);
	f = fopen(path, "re");
	if (!f)
		die(path, errno);
	n = trace_sum(f, fn, sizeof(fn) / sizeof(fn[0]), &exits);
	fclose(f);
	trace_set(dir, "current_tracer", "nop");
	trace_set(dir, "set_graph_function", "");
	if (!exits) {
		printf("    no do_exit() in the trace\n");
		return;
	}
	qsort(fn, n, sizeof(fn[0]), cmp_fn_time);
	for (i = 0; i < n; i++)
		total += fn[i].us;
	printf("    %u exits traced (the sleepers', and any other in the guest); per exit:\n",
	       exits);
	printf("    %-34s %10.1f us\n", "do_exit()'s callees in all", total / exits);
	for (i = 0; i < n && i < TRACE_TOP; i++)
		printf("      %-32s %10.1f us  %3.0f%%\n", fn[i].name, fn[i].us / exits,
		       100.0 * fn[i].us / total);
	printf("    with tracing on, release to exit seen: %.2f ms (p50)\n", ms(tail50));
	fflush(stdout);
}

int main(int argc, char **argv)
{
	bool lock = argc > 1 && !strcmp(argv[1], "--lock");
	unsigned int rounds = 1000, scale = 10000;

	if (lock) {
		if (argc > 2)
			scale = (unsigned int)atoi(argv[2]);
	} else {
		if (argc > 1)
			rounds = (unsigned int)atoi(argv[1]);
		if (argc > 2)
			scale = (unsigned int)atoi(argv[2]);
	}
	if (!rounds || !scale) {
		fprintf(stderr, "usage: dstate-bench [ROUNDS [SCALE]]\n"
				"       dstate-bench --lock [SCALE]\n");
		return 2;
	}
	devfd = dev_open();
	if (devfd < 0)
		die("open /dev/dstate", -devfd);
	two_cpus = sysconf(_SC_NPROCESSORS_ONLN) >= 2;
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (lock) {
		phase_cmd = getenv("DSTATE_BENCH_PHASE");
		bench_lock(scale);
		return 0;
	}

	bench_wake(rounds);
	bench_entry();
	bench_scale(scale);
	bench_exit();
	bench_exit_trace();
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * effects: what each kind of sleep moves in what the kernel shows.  For
 * each kind, start fresh instances ('dstate sleep KIND', this same
 * program, as children) and measure: the /proc letter, whether SIGKILL
 * would end it (the verdict of 'dstate state'), the load average,
 * procs_blocked and iowait, the hung-task report and its blocker line,
 * SysRq w, and what SIGKILL, cgroup.kill and cgroup.freeze do.  Nothing
 * is typed in: a cell is what was seen, or says why it was not measured.
 *
 * One row: a holder first for a lock wait, then COUNT instances in one
 * cgroup (the measured group) and one more in each of three cgroups
 * (SIGKILL, cgroup.kill, cgroup.freeze), all under a parent cgroup of
 * dstate's own.  The helpers a method forks (a keeper, a FUSE daemon, a
 * vfork child) are moved to a sibling cgroup, so that each cgroup holds
 * the sleeper alone, and are stopped while the row is measured, so that
 * they add nothing to the load and what ends or keeps a sleeper is the
 * kernel, never a helper that noticed the signal.  Everything is undone after the row, and on
 * SIGINT, SIGTERM or SIGHUP, which are blocked and taken only where
 * effects waits.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "columns.h"
#include "dstate.h"
#include "lib/caps.h"
#include "lib/cgroup2.h"
#include "lib/cleanup.h"
#include "lib/device.h"
#include "lib/duration.h"
#include "lib/interrupt.h"
#include "lib/kmsg.h"
#include "lib/modes.h"
#include "lib/procfs.h"
#include "lib/pstate.h"
#include "lib/spawn.h"

#define COUNT_DEFAULT	3
#define COUNT_MAX	32
#define NCELL		3		/* SIGKILL, cgroup.kill, cgroup.freeze */
#define INST_MAX	(COUNT_MAX + NCELL)
#define HELPERS_MAX	8
/* A safety net: what a SIGKILLed effects leaves ends by itself. */
#define SLEEP_TIMEOUT	"120s"
#define START_NS	(20 * NSEC_PER_SEC)
#define STABLE_NS	(200 * NSEC_PER_MSEC)
/* The kernel samples the load every 5 s (LOAD_FREQ, plus a tick). */
#define LOAD_WAIT_NS	(5600 * NSEC_PER_MSEC)
/* 1 - e^(-5/60) as the kernel has it: EXP_1 = 1884 of FIXED_1 = 2048. */
#define LOAD_EXP	(1884.0 / 2048.0)
#define HUNG_TIMEOUT	"1"
/* After the timeout is lowered: a first look, a second a second later. */
#define HUNG_WAIT_NS	(4 * NSEC_PER_SEC)
#define CELL_NS		(1500 * NSEC_PER_MSEC)
#define END_NS		(15 * NSEC_PER_SEC)

enum { EF_KIND, EF_LETTER, EF_KILLABLE, EF_LOADAVG, EF_PROCS_BLOCKED,
       EF_IOWAIT, EF_HUNG, EF_BLOCKER, EF_SYSRQ, EF_SIGKILL, EF_CGKILL,
       EF_FREEZE, EF_TIME, EF_NOTE, EF_NCOLS };

static const struct col_info effects_cols[] = {
	[EF_KIND] = { "KIND", SCOLS_JSON_STRING, 0, COL_BOTH,
		      "the kind of sleep: a mode, a lock wait, a method, frozen" },
	[EF_LETTER] = { "LETTER", SCOLS_JSON_STRING, 0, COL_BOTH,
			"the /proc state letter of its sleepers" },
	[EF_KILLABLE] = { "KILLABLE", SCOLS_JSON_STRING, 0, COL_BOTH,
			  "would SIGKILL end it, as 'dstate state' judges" },
	[EF_LOADAVG] = { "LOADAVG", SCOLS_JSON_STRING, 0, COL_BOTH,
			 "counted in the load average: tasks the 5-s sample added" },
	[EF_PROCS_BLOCKED] = { "PROCS_BLOCKED", SCOLS_JSON_STRING, 0, COL_BOTH,
			       "the rise of procs_blocked (nr_iowait) in /proc/stat" },
	[EF_IOWAIT] = { "IOWAIT", SCOLS_JSON_STRING, 0, COL_BOTH,
			"iowait CPU time in /proc/stat while they slept" },
	[EF_HUNG] = { "HUNG_TASK", SCOLS_JSON_STRING, 0, COL_BOTH,
		      "reported by the hung-task detector (with --hung-task)" },
	[EF_BLOCKER] = { "BLOCKER", SCOLS_JSON_STRING, 0, COL_BOTH,
			 "lock waits: the report names the holder's pid" },
	[EF_SYSRQ] = { "SYSRQ_W", SCOLS_JSON_STRING, 0, COL_BOTH,
		       "listed by SysRq w (show blocked tasks)" },
	[EF_SIGKILL] = { "SIGKILL", SCOLS_JSON_STRING, 0, COL_BOTH,
			 "what SIGKILL does: ends it, or it stays" },
	[EF_CGKILL] = { "CGROUP_KILL", SCOLS_JSON_STRING, 0, COL_BOTH,
			"what writing 1 to cgroup.kill does" },
	[EF_FREEZE] = { "CGROUP_FREEZE", SCOLS_JSON_STRING, 0, COL_BOTH,
			"whether cgroup.events reaches frozen 1" },
	[EF_TIME] = { "TIME", SCOLS_JSON_STRING, 0, COL_BOTH,
		      "how long the row took" },
	[EF_NOTE] = { "NOTE", SCOLS_JSON_STRING, 0, COL_JSON,
		      "why a row or cell was not measured" },
};

#define KIND_LOCK	(1U << 0)	/* a lock wait: a holder first */
#define KIND_FROZEN	(1U << 1)	/* frozen by the cgroup v2 freezer */

struct kind {
	const char *name;
	const char *method;	/* for 'dstate sleep' */
	const char *holder;	/* lock waits: the holder's mode */
	unsigned int flags;
	/* The first kernel whose hung-task report names this lock's holder. */
	int blocker_major, blocker_minor;
};

static const struct kind kinds[] = {
	{ "uninterruptible", "uninterruptible", NULL, 0, 0, 0 },
	{ "killable", "killable", NULL, 0, 0, 0 },
	{ "interruptible", "interruptible", NULL, 0, 0, 0 },
	{ "idle", "idle", NULL, 0, 0, 0 },
	{ "io", "io", NULL, 0, 0, 0 },
	{ "mutex", "mutex", "mutex_hold", KIND_LOCK, 6, 15 },
	{ "mutex_killable", "mutex_killable", "mutex_hold", KIND_LOCK, 6, 15 },
	{ "mutex_interruptible", "mutex_interruptible", "mutex_hold", KIND_LOCK, 6, 15 },
	{ "rwsem_read", "rwsem_read", "rwsem_hold_write", KIND_LOCK, 6, 17 },
	{ "rwsem_write", "rwsem_write", "rwsem_hold_write", KIND_LOCK, 6, 17 },
	{ "semaphore", "semaphore", "semaphore_hold", KIND_LOCK, 6, 16 },
	{ "semaphore_killable", "semaphore_killable", "semaphore_hold", KIND_LOCK, 6, 16 },
	{ "vfork", "vfork", NULL, 0, 0, 0 },
	{ "fsfreeze", "fsfreeze", NULL, 0, 0, 0 },
	{ "fuse-noreply", "fuse-noreply", NULL, 0, 0, 0 },
	{ "fuse-noread", "fuse-noread", NULL, 0, 0, 0 },
	{ "dm-suspend", "dm-suspend", NULL, 0, 0, 0 },
	{ "frozen", "running", NULL, KIND_FROZEN, 0, 0 },
};

#define NKINDS	(sizeof(kinds) / sizeof(kinds[0]))

/* The hung-task sysctls --hung-task sets, and what they were. */
static const struct {
	const char *name;
	const char *value;
} hung_sysctls[] = {
	{ "hung_task_panic", "0" },
	{ "hung_task_warnings", "-1" },
	{ "hung_task_check_interval_secs", "1" },
	{ "hung_task_timeout_secs", HUNG_TIMEOUT },
};

#define NHUNG	(sizeof(hung_sysctls) / sizeof(hung_sysctls[0]))

static char hung_saved[NHUNG][32];
static bool hung_lowered;
static sigset_t stop_set;
static int stop_sig;
static int dev_fd = -1;
static char cg_top[PATH_MAX];	/* the parent cgroup; "" without one */
static struct kmsg kmsg = { .fd = -1 };
static unsigned int opt_count = COUNT_DEFAULT;
static bool opt_hung;
static bool opt_brief;
/* This program, for its sleepers: named so, their comm is dstate, not exe. */
static char self_exe[PATH_MAX] = "/proc/self/exe";

struct inst {
	pid_t pid;
	char cg[PATH_MAX];
	bool gone;		/* reaped */
	int status;
	char letter;
	uint64_t since;		/* when it first showed its letter */
	pid_t helpers[HELPERS_MAX];
	unsigned int nhelpers;
	uint64_t ended_ns;	/* when seen gone, for the cells */
};

struct row {
	const struct kind *k;
	char want;		/* the letter it must reach */
	uint64_t tag;
	char dir[PATH_MAX];	/* its cgroup directory */
	char helpers_cg[PATH_MAX];
	struct inst holder;
	bool have_holder;
	struct inst in[INST_MAX];
	unsigned int n;		/* opt_count + NCELL */
	int err_rd;		/* the instances' stderr */
	long long pb0;		/* procs_blocked before they started */
	char cell[EF_NCOLS][160];
	char note[240];
	bool failed;
	/* What the kernel log says about the measured ones. */
	unsigned int sysrq_seen, hung_seen, blocker_seen, blocker_other;
	bool sysrq_reading;
	bool hung_pid[COUNT_MAX], sysrq_pid[COUNT_MAX], blocker_pid[COUNT_MAX];
};

static void effects_usage(void)
{
	unsigned int i;

	printf("Usage:\n dstate effects [KIND...] [-n COUNT] [--hung-task] [-b] [-o LIST]\n"
	       "                [--noheadings] [-r|-P|-J]\n\n"
	       "For each KIND of sleep (default: all), start fresh sleepers as children\n"
	       "('dstate sleep KIND') and measure what the kernel shows of them: the\n"
	       "/proc letter; whether SIGKILL would end it (as 'dstate state' judges);\n"
	       "whether the load average counts them (the 1-minute figure across the\n"
	       "kernel's 5-s sample); the rise of /proc/stat procs_blocked and of\n"
	       "iowait; the hung-task report and, for lock waits, its line naming the\n"
	       "holder (with --hung-task only); whether SysRq w lists them; and, each\n"
	       "on a fresh sleeper in a cgroup of its own, what SIGKILL, cgroup.kill and\n"
	       "cgroup.freeze do.  A lock wait gets a holder first, released after.\n"
	       "Kinds this machine cannot run (no module, no FUSE, no device-mapper,\n"
	       "no cgroup v2) are reported as such.  Needs root.  About 6 to 10 s a row.\n\n"
	       "Kinds:");
	for (i = 0; i < NKINDS; i++)
		printf("%s%s", i % 5 ? " " : "\n  ", kinds[i].name);
	printf("\n\nOptions:\n"
	       " -n, --count COUNT   sleepers measured together (default %d, at most %d);\n"
	       "                     three more are started for the signal columns\n"
	       "     --hung-task     lower kernel.hung_task_timeout_secs to %s s while\n"
	       "                     each row waits (machine-wide; put back on every\n"
	       "                     way out), so that HUNG_TASK and BLOCKER are measured\n"
	       " -b, --brief         each cell's answer alone, without what it rests on\n"
	       COLS_OPTIONS_HELP
	       " -J, --json          JSON output\n"
	       " -h, --help          this text\n"
	       " -V, --version       the version\n",
	       COUNT_DEFAULT, COUNT_MAX, HUNG_TIMEOUT);
	cols_help(effects_cols, sizeof(effects_cols) / sizeof(effects_cols[0]));
}

/*
 * Sleep @ns, or less when SIGINT, SIGTERM or SIGHUP comes: false then,
 * and from then on.
 */
static bool nap_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / NSEC_PER_SEC),
			       (long)(ns % NSEC_PER_SEC) };
	int sig;

	if (stop_sig)
		return false;
	do {
		sig = sigtimedwait(&stop_set, NULL, &ts);
	} while (sig < 0 && errno == EINTR);
	if (sig > 0)
		stop_sig = sig;
	return !stop_sig;
}

#define nap_ms(ms)	nap_ns((uint64_t)(ms) * NSEC_PER_MSEC)

#define CELL(r, col, ...) \
	snprintf((r)->cell[col], sizeof((r)->cell[col]), __VA_ARGS__)

/* --- the hung-task sysctls ----------------------------------------- */

static int sysctl_path(const char *name, char *path, size_t len)
{
	return snprintf(path, len, "/proc/sys/kernel/%s", name) >= (int)len;
}

static int sysctl_write(const char *name, const char *val)
{
	char path[128];

	sysctl_path(name, path, sizeof(path));
	return write_file(path, val);
}

/* Read what the sysctls are now, before anything is changed. */
static int hung_save(void)
{
	char path[128];
	unsigned int i;
	ssize_t n;

	for (i = 0; i < NHUNG; i++) {
		sysctl_path(hung_sysctls[i].name, path, sizeof(path));
		n = read_file(path, hung_saved[i], sizeof(hung_saved[i]));
		if (n <= 0)
			return n < 0 ? (int)n : -EIO;
		hung_saved[i][strcspn(hung_saved[i], "\n")] = '\0';
	}
	return 0;
}

/*
 * What they were, in $TMPDIR/dstate-effects.PID.sysctl while they are
 * lowered (cleanup.h): if this process is killed by SIGKILL, 'dstate
 * cleanup' puts them back from it.  Written whole, then renamed.
 */
static char hung_record[PATH_MAX];

static void hung_record_write(void)
{
	const char *tmp = getenv("TMPDIR");
	char part[PATH_MAX + 8];
	unsigned int i;
	int fd, ok;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	snprintf(hung_record, sizeof(hung_record), EFFECTS_SYSCTL_FMT, tmp,
		 (int)getpid());
	snprintf(part, sizeof(part), "%s.part", hung_record);
	fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	ok = fd >= 0;
	for (i = 0; ok && i < NHUNG; i++)
		ok = dprintf(fd, "%s %s\n", hung_sysctls[i].name, hung_saved[i]) > 0;
	if (fd >= 0)
		ok = !close(fd) && ok;
	if (ok && !rename(part, hung_record))
		return;
	pr_warn("could not keep the hung-task sysctls in %s (%s): if this process is killed by SIGKILL, 'dstate cleanup' cannot put them back",
		hung_record, strerror(errno));
	unlink(part);
	hung_record[0] = '\0';
}

static int hung_lower(void)
{
	unsigned int i;
	int ret;

	if (!hung_lowered)
		hung_record_write();
	hung_lowered = true;
	for (i = 0; i < NHUNG; i++) {
		ret = sysctl_write(hung_sysctls[i].name, hung_sysctls[i].value);
		if (ret)
			return ret;
	}
	return 0;
}

/* Put them back, the timeout first so that no more reports come. */
static void hung_restore(void)
{
	int i;

	if (!hung_lowered)
		return;
	for (i = (int)NHUNG - 1; i >= 0; i--)
		if (sysctl_write(hung_sysctls[i].name, hung_saved[i]))
			pr_warn("could not put kernel.%s back to %s",
				hung_sysctls[i].name, hung_saved[i]);
	hung_lowered = false;
	if (hung_record[0])
		unlink(hung_record);
}

/* --- /proc ----------------------------------------------------------- */

/* A "name value" line of /proc/stat. */
static long long proc_stat_value(const char *key)
{
	static char buf[16384];
	size_t klen = strlen(key);
	char *p;

	if (read_file("/proc/stat", buf, sizeof(buf)) <= 0)
		return -1;
	for (p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, klen) && p[klen] == ' ')
			return strtoll(p + klen + 1, NULL, 10);
	return -1;
}

/* All CPUs' iowait, in clock ticks (the fifth field of "cpu"). */
static long long iowait_ticks(void)
{
	char buf[512];
	unsigned long long v[5];

	if (read_file("/proc/stat", buf, sizeof(buf)) <= 0)
		return -1;
	if (sscanf(buf, "cpu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
		   &v[3], &v[4]) != 5)
		return -1;
	return (long long)v[4];
}

static double loadavg1(void)
{
	char buf[128];

	if (read_file("/proc/loadavg", buf, sizeof(buf)) <= 0)
		return -1;
	return strtod(buf, NULL);
}

/* The pids of @pid's children, from /proc/PID/task/PID/children. */
static unsigned int children_of(pid_t pid, pid_t *out, unsigned int max)
{
	char path[64], buf[1024], *p, *end;
	unsigned int n = 0;
	long c;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	for (p = buf; n < max; p = end) {
		c = strtol(p, &end, 10);
		if (end == p)
			break;
		out[n++] = (pid_t)c;
	}
	return n;
}

/* --- the instances --------------------------------------------------- */

/*
 * Start 'dstate sleep @method' in cgroup @cg (none when empty) as our
 * child, dying with us (PDEATHSIG): its stderr to @err_wr.
 */
static int inst_start(struct inst *in, const char *cg, const char *method,
		      uint64_t tag, int err_wr)
{
	char tagbuf[32];
	pid_t parent = getpid(), pid;
	sigset_t none;
	int null;

	memset(in, 0, sizeof(*in));
	snprintf(in->cg, sizeof(in->cg), "%s", cg);
	snprintf(tagbuf, sizeof(tagbuf), "%llu", (unsigned long long)tag);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		char *argv[] = { "dstate", "sleep", (char *)method, "--timeout",
				 SLEEP_TIMEOUT, tag ? "--tag" : NULL, tagbuf, NULL };
		int sig;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		if (cg[0] && cgroup2_move(cg, getpid()))
			_exit(126);
		null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
		}
		if (err_wr >= 0)
			dup2(err_wr, 2);
		for (sig = 1; sig < NSIG; sig++)
			signal(sig, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execv(self_exe, argv);
		_exit(127);
	}
	in->pid = pid;
	return 0;
}

/* Reap it if it ended; true when it is gone. */
static bool inst_gone(struct inst *in)
{
	if (in->gone || !in->pid)
		return true;
	if (waitpid(in->pid, &in->status, WNOHANG) == in->pid) {
		in->gone = true;
		in->ended_ns = now_ns();
	}
	return in->gone;
}

/*
 * Asleep as the row wants?  A module sleeper must be in the module (its
 * letter alone could be a page fault's D); a method's sleeper must have
 * forked its helper and shown the letter for a while (a FUSE reader is
 * in S briefly while its open is answered, too).
 */
static bool inst_asleep(const struct row *r, struct inst *in, const char *method)
{
	const struct dstate_method *m = method_lookup(method);
	struct dstate_task_state ts;
	char l = proc_state(in->pid);
	pid_t c;

	/* A lock's holder sleeps in D whatever its waiters show. */
	if (l != (m->flags & METHOD_LOCK && !(m->flags & METHOD_LOCK_WAITER) ?
		  m->letter : r->want)) {
		in->since = 0;
		return false;
	}
	if (m->kind == METHOD_MODULE)
		return dev_fd >= 0 && !dev_task_state(dev_fd, in->pid, &ts) &&
		       ts.is_dstate;
	if (m->kind == METHOD_RUNNING)
		return true;
	if (!children_of(in->pid, &c, 1))
		return false;
	if (!in->since)
		in->since = now_ns();
	return now_ns() - in->since >= STABLE_NS;
}

/* The first line a failed instance wrote, for the note. */
static void failure_note(struct row *r, const struct inst *in, const char *what)
{
	char buf[512];
	ssize_t n = read(r->err_rd, buf, sizeof(buf) - 1);

	if (n > 0) {
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(r->note, sizeof(r->note), "%.40s: %.190s", what,
			 strncmp(buf, "dstate: ", 8) ? buf : buf + 8);
	} else if (in && in->gone && WIFEXITED(in->status)) {
		snprintf(r->note, sizeof(r->note), "%s (exit %d)", what,
			 WEXITSTATUS(in->status));
	} else {
		snprintf(r->note, sizeof(r->note), "%s", what);
	}
}

/* Move every descendant of @in but itself to the helpers' cgroup. */
static void inst_park_helpers(struct row *r, struct inst *in)
{
	pid_t kids[HELPERS_MAX];
	unsigned int i, n, done = 0;

	in->nhelpers = children_of(in->pid, in->helpers, HELPERS_MAX);
	/* Their own children (a FUSE daemon's), one level more. */
	n = in->nhelpers;
	for (i = 0; i < n && in->nhelpers < HELPERS_MAX; i++) {
		unsigned int j, m = children_of(in->helpers[i], kids, HELPERS_MAX);

		for (j = 0; j < m && in->nhelpers < HELPERS_MAX; j++)
			in->helpers[in->nhelpers++] = kids[j];
	}
	if (!cg_top[0])
		return;
	for (i = 0; i < in->nhelpers; i++)
		done += !cgroup2_move(r->helpers_cg, in->helpers[i]);
	(void)done;
}

static void inst_signal_helpers(const struct inst *in, int sig);

/* Until every helper shows T (or is gone); false if one does not in 2 s. */
static bool helpers_stopped(struct row *r)
{
	uint64_t deadline = now_ns() + 2 * NSEC_PER_SEC;
	unsigned int i, j, left;
	char l;

	for (;;) {
		left = 0;
		for (i = 0; i < r->n; i++)
			for (j = 0; j < r->in[i].nhelpers; j++) {
				l = proc_state(r->in[i].helpers[j]);
				left += l && l != 'T' && l != 'Z' && l != 'X';
			}
		if (!left)
			return true;
		if (now_ns() >= deadline) {
			snprintf(r->note, sizeof(r->note),
				 "%u helpers did not stop on SIGSTOP", left);
			r->failed = true;
			return false;
		}
		if (!nap_ms(5))
			return false;
	}
}

static void inst_signal_helpers(const struct inst *in, int sig)
{
	unsigned int i;

	for (i = 0; i < in->nhelpers; i++)
		kill(in->helpers[i], sig);
}

/* --- the kernel log -------------------------------------------------- */

/* The number after " pid:" in a sched_show_task() line, or 0. */
static long shown_pid(const char *msg)
{
	const char *p = strstr(msg, " pid:");

	return p && !strncmp(msg, "task:", 5) ? strtol(p + 5, NULL, 10) : 0;
}

/* Does @msg hold ":@pid" followed by something that is not a digit? */
static bool has_pid(const char *msg, const char *after, pid_t pid)
{
	char needle[32];
	const char *p = after ? strstr(msg, after) : msg;
	size_t n;

	if (!p)
		return false;
	n = (size_t)snprintf(needle, sizeof(needle), ":%d", (int)pid);
	while ((p = strstr(p, needle))) {
		if (p[n] < '0' || p[n] > '9')
			return true;
		p += n;
	}
	return false;
}

static void kmsg_line(const char *msg, void *arg)
{
	struct row *r = arg;
	unsigned int i;
	long pid;

	if (strstr(msg, "Show Blocked State"))
		r->sysrq_reading = true;
	for (i = 0; i < opt_count; i++) {
		const struct inst *in = &r->in[i];
		char who[48];

		pid = shown_pid(msg);
		if (r->sysrq_reading && pid == in->pid && !r->sysrq_pid[i]) {
			r->sysrq_pid[i] = true;
			r->sysrq_seen++;
		}
		if (strncmp(msg, "INFO: task ", 11) != 0)
			continue;
		snprintf(who, sizeof(who), ":%d blocked for more than", (int)in->pid);
		if (!strstr(msg, who))
			snprintf(who, sizeof(who), ":%d blocked in I/O wait", (int)in->pid);
		if (strstr(msg, who) && !r->hung_pid[i]) {
			r->hung_pid[i] = true;
			r->hung_seen++;
		}
		/* "INFO: task C:P is blocked on a mutex likely owned by task C:H." */
		if (strstr(msg, "likely") && has_pid(msg, NULL, in->pid) &&
		    !has_pid(msg, "by task", in->pid) && !r->blocker_pid[i]) {
			r->blocker_pid[i] = true;
			if (r->have_holder && has_pid(msg, "by task", r->holder.pid))
				r->blocker_seen++;
			else
				r->blocker_other++;
		}
	}
}

/* --- one row --------------------------------------------------------- */

static bool kernel_at_least(int major, int minor)
{
	struct utsname u;
	int a = 0, b = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &a, &b) != 2)
		return true;	/* cannot tell: measure */
	return a > major || (a == major && b >= minor);
}

/* Can this machine run @k at all?  NULL, or why not. */
static const char *unavailable(const struct kind *k)
{
	const struct dstate_method *m = method_lookup(k->method);

	if (m->kind == METHOD_MODULE && dev_fd < 0)
		return "not run: the module is not loaded (dstate load)";
	if ((k->flags & KIND_FROZEN) && !cg_top[0])
		return "not run: no cgroup v2 to freeze in";
	return NULL;
}

static int row_cgroup(struct row *r, const char *leaf, char *out, size_t len)
{
	if (!cg_top[0]) {
		out[0] = '\0';
		return 0;
	}
	if ((size_t)snprintf(out, len, "%s/%s", r->dir, leaf) >= len)
		return -ENAMETOOLONG;
	if (mkdir(out, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/* Wait until each of @in[0..n) sleeps as it must; false on failure. */
static bool wait_asleep(struct row *r, struct inst *in, unsigned int n,
			const char *method)
{
	uint64_t deadline = now_ns() + START_NS;
	unsigned int i, left;

	for (;;) {
		left = 0;
		for (i = 0; i < n; i++) {
			if (inst_gone(&in[i])) {
				/*
				 * What this machine cannot do (no FUSE, no
				 * device-mapper): the method says why.
				 */
				failure_note(r, &in[i], "not run: 'dstate sleep' ended before it slept");
				return false;
			}
			left += !inst_asleep(r, &in[i], method);
		}
		if (!left)
			return true;
		if (now_ns() >= deadline) {
			char where[128] = "";
			pid_t bad;

			for (i = 0; i < n && inst_asleep(r, &in[i], method); i++)
				;
			bad = in[i < n ? i : 0].pid;
			if (proc_read_wchan(bad, where, sizeof(where)) || !where[0]) {
				char stack[512];

				if (!proc_read_stack(bad, stack, sizeof(stack)))
					snprintf(where, sizeof(where), "%.*s",
						 (int)strcspn(stack, "\n"), stack);
			}
			snprintf(r->note, sizeof(r->note),
				 "pid %d did not reach %c in %llu s (%c%s%.100s)",
				 (int)bad, r->want,
				 (unsigned long long)(START_NS / NSEC_PER_SEC),
				 proc_state(bad) ?: '?', where[0] ? ", in " : "", where);
			r->failed = true;
			return false;
		}
		if (!nap_ms(10))
			return false;
	}
}

static bool freeze_wait(const char *cg, uint64_t ns, uint64_t *took)
{
	uint64_t t0 = now_ns(), deadline = t0 + ns;
	long frozen;

	for (;;) {
		if (!cgroup2_key(cg, "cgroup.events", "frozen", &frozen) && frozen) {
			*took = now_ns() - t0;
			return true;
		}
		if (now_ns() >= deadline || !nap_ms(5))
			return false;
	}
}

/* The letters of the measured ones: "D", or "D,S" if they differ. */
static void letters_cell(struct row *r)
{
	char seen[8] = "";
	unsigned int i;
	size_t n = 0;

	for (i = 0; i < opt_count; i++) {
		char l = proc_state(r->in[i].pid);

		if (l && !strchr(seen, l) && n < sizeof(seen) - 1)
			seen[n++] = l;
	}
	if (!n) {
		CELL(r, EF_LETTER, "?");
		return;
	}
	r->cell[EF_LETTER][0] = '\0';
	for (i = 0; i < n; i++)
		snprintf(r->cell[EF_LETTER] + strlen(r->cell[EF_LETTER]),
			 sizeof(r->cell[EF_LETTER]) - strlen(r->cell[EF_LETTER]),
			 "%s%c", i ? "," : "", seen[i]);
}

static void killable_cell(struct row *r)
{
	struct pstate p;

	memset(&p, 0, sizeof(p));
	if (pstate_read(&p, r->in[0].pid, dev_fd)) {
		CELL(r, EF_KILLABLE, "? (could not read pid %d)", (int)r->in[0].pid);
	} else {
		CELL(r, EF_KILLABLE, "%s%s%.140s%s",
		     p.killable < 0 ? "unknown" : p.killable ? "yes" : "no",
		     p.why[0] ? " (" : "", p.why, p.why[0] ? ")" : "");
	}
	pstate_free(&p);
}

static const char *share(unsigned int seen, unsigned int of)
{
	return seen >= of ? "yes" : seen ? "partly" : "no";
}

/*
 * How many tasks a load sample counted: it moved the 1-minute figure from
 * @before towards their number n, @after = @before * e + n * (1 - e), so
 * n = (@after - @before * e) / (1 - e), within about 0.15 for /proc's two
 * decimals; the others running then add to it, never take from it.  A
 * lock's holder sleeps uninterruptibly: it counts, and is taken off.
 */
static double load_counted(double before, double after, bool holder)
{
	return (after - before * LOAD_EXP) / (1.0 - LOAD_EXP) - (holder ? 1.0 : 0);
}

/*
 * The measurements that need all of them asleep: letter, killable,
 * procs_blocked, SysRq w, then across one load sample (and the hung-task
 * detector's look, with --hung-task) load average and iowait.
 */
static void measure(struct row *r)
{
	unsigned int all = r->n, i;
	long long pb, pbs[5] = { 0 }, io0, io1;
	uint64_t t0, hung_t0 = 0, load_end, hung_end = 0;
	double la[3], n[2];
	unsigned int samples = 0;
	bool load_done = false, hung_done = !opt_hung;
	long hz = sysconf(_SC_CLK_TCK);

	letters_cell(r);
	killable_cell(r);

	/*
	 * The median of five reads: an io sleeper is out of nr_iowait for
	 * the instant of a spurious wakeup (seen on 6.12-rt), another task
	 * in it for the instant of its own I/O.
	 */
	for (i = 0; i < 5; i++) {
		unsigned int j = i;

		pb = proc_stat_value("procs_blocked");
		while (j > 0 && pbs[j - 1] > pb) {
			pbs[j] = pbs[j - 1];
			j--;
		}
		pbs[j] = pb;
		if (i < 4 && !nap_ms(20))
			return;
	}
	pb = pbs[2] - r->pb0;
	CELL(r, EF_PROCS_BLOCKED, "%s (%+lld of %u)",
	     share(pb > 0 ? (unsigned int)pb : 0, all), pb, all);

	if (kmsg.fd >= 0) {
		kmsg_read_new(&kmsg, kmsg_line, r);	/* anything before: not ours */
		r->sysrq_reading = false;
		memset(r->sysrq_pid, 0, sizeof(r->sysrq_pid));
		r->sysrq_seen = 0;
		if (write_file("/proc/sysrq-trigger", "w") == 0) {
			kmsg_read_new(&kmsg, kmsg_line, r);
			CELL(r, EF_SYSRQ, "%s (%u of %u)",
			     share(r->sysrq_seen, opt_count), r->sysrq_seen, opt_count);
		} else {
			CELL(r, EF_SYSRQ, "not measured (could not write /proc/sysrq-trigger)");
		}
		r->sysrq_reading = false;
	} else {
		CELL(r, EF_SYSRQ, "not measured (cannot read /dev/kmsg)");
	}

	if (opt_hung) {
		if (kmsg.fd < 0) {
			hung_done = true;
			CELL(r, EF_HUNG, "not measured (cannot read /dev/kmsg)");
		} else if (hung_lower()) {
			hung_done = true;
			CELL(r, EF_HUNG, "not measured (could not lower kernel.hung_task_timeout_secs)");
		} else {
			hung_t0 = now_ns();
			hung_end = hung_t0 + HUNG_WAIT_NS;
		}
	}

	la[0] = loadavg1();
	io0 = iowait_ticks();
	t0 = now_ns();
	load_end = t0 + LOAD_WAIT_NS;
	while (!load_done || !hung_done) {
		if (!nap_ms(50))
			break;
		if (!load_done) {
			double v = loadavg1();

			/* A sample: the figure moved, or 5 s passed and it did not. */
			if (v != la[samples] || now_ns() >= load_end) {
				la[++samples] = v;
				n[samples - 1] = load_counted(la[samples - 1],
							      la[samples],
							      r->have_holder);
				/*
				 * With NO_HZ a sample can miss tasks that went
				 * to sleep on a CPU that then idled (their count
				 * is folded in at the next one), and the tasks
				 * running at a sample (kernel workers in D too)
				 * add to it: one that does not count them all
				 * gets a second, and they count if either does.
				 * The kernel counts all of a kind or none.
				 */
				if (n[samples - 1] >= all - 0.5 || samples == 2)
					load_done = true;
				else
					load_end = now_ns() + LOAD_WAIT_NS;
			}
		}
		if (!hung_done) {
			kmsg_read_new(&kmsg, kmsg_line, r);
			if (r->hung_seen >= opt_count || now_ns() >= hung_end)
				hung_done = true;
		}
	}
	if (stop_sig)
		return;
	io1 = iowait_ticks();
	if (samples == 1) {
		CELL(r, EF_LOADAVG, "%s (%.1f counted of %u%s; %.2f -> %.2f)",
		     n[0] >= all - 0.5 ? "yes" : "no",
		     n[0], all, r->have_holder ? ", the holder's 1 taken off" : "",
		     la[0], la[1]);
	} else {
		CELL(r, EF_LOADAVG, "%s (%.1f, then %.1f counted of %u%s; %.2f -> %.2f -> %.2f)",
		     n[0] >= all - 0.5 || n[1] >= all - 0.5 ? "yes" : "no",
		     n[0], n[1], all, r->have_holder ? ", the holder's 1 taken off" : "",
		     la[0], la[1], la[2]);
	}
	if (io0 >= 0 && io1 >= 0 && hz > 0) {
		double s = (double)(io1 - io0) / (double)hz;
		double w = (double)(now_ns() - t0) / NSEC_PER_SEC;

		CELL(r, EF_IOWAIT, "%s (%.2f s in %.1f s)",
		     s >= 0.1 ? "yes" : "no", s, w);
	}
	if (opt_hung && hung_t0) {
		kmsg_read_new(&kmsg, kmsg_line, r);
		hung_restore();
		CELL(r, EF_HUNG, "%s (%u of %u in %.1f s)",
		     share(r->hung_seen, opt_count), r->hung_seen, opt_count,
		     (double)(now_ns() - hung_t0) / NSEC_PER_SEC);
	}
	/* Still asleep at the end, or what was measured is not theirs. */
	for (i = 0; i < all; i++)
		if (inst_gone(&r->in[i]) || proc_state(r->in[i].pid) != r->want) {
			snprintf(r->note, sizeof(r->note),
				 "pid %d left %c while it was measured",
				 (int)r->in[i].pid, r->want);
			r->failed = true;
		}
}

static void blocker_cell(struct row *r)
{
	const struct kind *k = r->k;

	if (!(k->flags & KIND_LOCK)) {
		CELL(r, EF_BLOCKER, "-");
	} else if (!opt_hung) {
		CELL(r, EF_BLOCKER, "not measured (--hung-task not given)");
	} else if (!r->hung_seen) {
		CELL(r, EF_BLOCKER, "- (no hung-task report)");
	} else if (r->blocker_seen) {
		CELL(r, EF_BLOCKER, "yes (%u of %u name holder %d)",
		     r->blocker_seen, r->hung_seen, (int)r->holder.pid);
	} else if (r->blocker_other) {
		CELL(r, EF_BLOCKER, "other (%u lines name another task)",
		     r->blocker_other);
	} else if (!kernel_at_least(k->blocker_major, k->blocker_minor)) {
		CELL(r, EF_BLOCKER, "n/a (the kernel has none before %d.%d)",
		     k->blocker_major, k->blocker_minor);
	} else {
		CELL(r, EF_BLOCKER, "no (reported without a blocker line)");
	}
}

/*
 * The three cells, on their own sleepers at once: SIGKILL, cgroup.kill,
 * cgroup.freeze.  The helpers that keep them asleep are stopped first.
 */
static void act(struct row *r)
{
	struct inst *sk = &r->in[opt_count], *ck = sk + 1, *fz = sk + 2;
	bool have_kill = cg_top[0] && cgroup2_has_kill(ck->cg);
	uint64_t t0, deadline, froze = 0;
	bool frozen = false;
	long fr;
	int i;

	for (i = 0; i < NCELL; i++)
		inst_signal_helpers(&sk[i], SIGSTOP);
	t0 = now_ns();
	kill(sk->pid, SIGKILL);
	if (have_kill)
		cgroup2_write(ck->cg, "cgroup.kill", "1");
	if (cg_top[0] && !(r->k->flags & KIND_FROZEN))
		cgroup2_write(fz->cg, "cgroup.freeze", "1");
	deadline = t0 + CELL_NS;
	for (;;) {
		inst_gone(sk);
		if (have_kill)
			inst_gone(ck);
		if (!frozen && cg_top[0] &&
		    !cgroup2_key(fz->cg, "cgroup.events", "frozen", &fr) && fr) {
			frozen = true;
			froze = now_ns() - t0;
		}
		if ((sk->gone && (!have_kill || ck->gone) && frozen) ||
		    now_ns() >= deadline || !nap_ms(5))
			break;
	}
	if (stop_sig)
		return;
	if (sk->gone)
		CELL(r, EF_SIGKILL, "ends (%llu ms)",
		     (unsigned long long)((sk->ended_ns - t0) / NSEC_PER_MSEC));
	else
		CELL(r, EF_SIGKILL, "stays (%c after %.1f s, SIGKILL %spending)",
		     proc_state(sk->pid) ?: '?', (double)CELL_NS / NSEC_PER_SEC,
		     proc_signal_pending(sk->pid, SIGNAL_BIT(SIGKILL)) ? "" : "not ");
	if (!cg_top[0])
		CELL(r, EF_CGKILL, "not measured (no cgroup v2)");
	else if (!have_kill)
		CELL(r, EF_CGKILL, "n/a (no cgroup.kill: it came in 5.14)");
	else if (ck->gone)
		CELL(r, EF_CGKILL, "ends (%llu ms)",
		     (unsigned long long)((ck->ended_ns - t0) / NSEC_PER_MSEC));
	else
		CELL(r, EF_CGKILL, "stays (%c after %.1f s, SIGKILL %spending)",
		     proc_state(ck->pid) ?: '?', (double)CELL_NS / NSEC_PER_SEC,
		     proc_signal_pending(ck->pid, SIGNAL_BIT(SIGKILL)) ? "" : "not ");
	if (!cg_top[0])
		CELL(r, EF_FREEZE, "not measured (no cgroup v2)");
	else if (frozen)
		CELL(r, EF_FREEZE, "yes (frozen 1 in %llu ms)",
		     (unsigned long long)(froze / NSEC_PER_MSEC));
	else
		CELL(r, EF_FREEZE, "no (frozen 0; %c after %.1f s)",
		     proc_state(fz->pid) ?: '?', (double)CELL_NS / NSEC_PER_SEC);
}

/*
 * Undo the row: thaw, let the helpers go on, release the module's
 * sleepers and the holder, tell the helpers to let go, wait for all to
 * end, then kill what is left and remove the cgroups.
 */
static void teardown(struct row *r)
{
	const struct dstate_method *m = method_lookup(r->k->method);
	uint64_t deadline;
	unsigned int i, left;
	const char *leaves[] = { "measured", "sigkill", "cgkill", "freeze",
				 "holder", "helpers" };
	char dir[PATH_MAX + 16];

	if (cg_top[0])
		for (i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
			snprintf(dir, sizeof(dir), "%s/%s", r->dir, leaves[i]);
			cgroup2_write(dir, "cgroup.freeze", "0");
		}
	for (i = 0; i < r->n; i++)
		inst_signal_helpers(&r->in[i], SIGCONT);
	if (dev_fd >= 0 && m->kind == METHOD_MODULE)
		dev_release(dev_fd, DSTATE_RELEASE_TAG, 0, r->tag, NULL);
	for (i = 0; i < r->n; i++) {
		if (!r->in[i].pid || inst_gone(&r->in[i]))
			continue;
		/* Keepers and daemons let go on SIGTERM; so does a vfork. */
		inst_signal_helpers(&r->in[i], SIGTERM);
		if (m->kind == METHOD_RUNNING)
			kill(r->in[i].pid, SIGKILL);
		else if (m->kind != METHOD_MODULE)
			kill(r->in[i].pid, SIGTERM);
	}
	deadline = now_ns() + END_NS;
	for (;;) {
		left = 0;
		for (i = 0; i < r->n; i++)
			left += !inst_gone(&r->in[i]);
		left += r->have_holder && !inst_gone(&r->holder);
		if (!left || now_ns() >= deadline)
			break;
		/* Not nap_ms(): the undoing goes on after an interruption. */
		{
			struct timespec ms10 = { 0, 10000000 };

			nanosleep(&ms10, NULL);
		}
	}
	for (i = 0; i < r->n; i++)
		if (!inst_gone(&r->in[i])) {
			pr_warn("pid %d (%s) did not end; killing it", (int)r->in[i].pid,
				r->k->name);
			kill(r->in[i].pid, SIGKILL);
		}
	if (r->have_holder && !inst_gone(&r->holder))
		kill(r->holder.pid, SIGKILL);
	/* The keepers, reparented to us as they outlive their sleepers. */
	if (spawn_reap(END_NS))
		pr_warn("some helpers of %s did not end", r->k->name);
	if (cg_top[0]) {
		for (i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
			snprintf(dir, sizeof(dir), "%s/%s", r->dir, leaves[i]);
			if (cgroup2_remove(dir, 5 * NSEC_PER_SEC))
				pr_warn("could not remove the cgroup %s", dir);
		}
		if (rmdir(r->dir) && errno != ENOENT)
			pr_warn("could not remove the cgroup %s: %s", r->dir,
				strerror(errno));
	}
	if (r->err_rd >= 0)
		close(r->err_rd);
}

static void run_row(struct row *r, unsigned int index)
{
	const struct kind *k = r->k;
	const char *why = unavailable(k);
	char cg[INST_MAX][PATH_MAX], holder_cg[PATH_MAX];
	uint64_t t0 = now_ns();
	int pfd[2] = { -1, -1 }, ret = 0;
	unsigned int i;

	for (i = 0; i < EF_NCOLS; i++)
		snprintf(r->cell[i], sizeof(r->cell[i]), "-");
	r->err_rd = -1;
	if (why) {
		snprintf(r->note, sizeof(r->note), "%s", why);
		return;
	}
	if (k->flags & KIND_FROZEN)
		r->want = 'S';
	else
		r->want = method_lookup(k->method)->letter;
	r->n = opt_count + NCELL;
	r->tag = 0x6566660000000000ULL | ((uint64_t)getpid() << 8) | index; /* "eff" */
	if (cg_top[0]) {
		if ((size_t)snprintf(r->dir, sizeof(r->dir), "%.*s/%s",
				     (int)(sizeof(r->dir) - 64), cg_top, k->name) >= sizeof(r->dir))
			ret = -ENAMETOOLONG;
		else if (mkdir(r->dir, 0755) && errno != EEXIST)
			ret = -errno;
	}
	for (i = 0; !ret && i < r->n; i++)
		ret = row_cgroup(r, i < opt_count ? "measured" : i == opt_count ?
				 "sigkill" : i == opt_count + 1 ? "cgkill" : "freeze",
				 cg[i], sizeof(cg[i]));
	if (!ret)
		ret = row_cgroup(r, "holder", holder_cg, sizeof(holder_cg));
	if (!ret)
		ret = row_cgroup(r, "helpers", r->helpers_cg, sizeof(r->helpers_cg));
	if (ret) {
		snprintf(r->note, sizeof(r->note), "could not make a cgroup under %.120s: %s",
			 cg_top, strerror(-ret));
		r->failed = true;
		goto out;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		snprintf(r->note, sizeof(r->note), "could not make a pipe: %s",
			 strerror(errno));
		r->failed = true;
		goto out;
	}
	r->err_rd = pfd[0];
	fcntl(r->err_rd, F_SETFL, O_NONBLOCK);

	if (k->flags & KIND_LOCK) {
		r->have_holder = true;
		ret = inst_start(&r->holder, holder_cg, k->holder, r->tag, pfd[1]);
		if (ret || !wait_asleep(r, &r->holder, 1, k->holder)) {
			if (ret)
				snprintf(r->note, sizeof(r->note), "could not start the holder: %s",
					 strerror(-ret));
			r->failed = !stop_sig;
			goto out;
		}
	}
	r->pb0 = proc_stat_value("procs_blocked");
	for (i = 0; i < r->n; i++) {
		ret = inst_start(&r->in[i], cg[i], k->method,
				 method_lookup(k->method)->kind == METHOD_MODULE ? r->tag : 0,
				 pfd[1]);
		if (ret) {
			snprintf(r->note, sizeof(r->note), "could not start a sleeper: %s",
				 strerror(-ret));
			r->failed = true;
			goto out;
		}
	}
	close(pfd[1]);
	pfd[1] = -1;
	if (k->flags & KIND_FROZEN) {
		/*
		 * Running first, then frozen, the freeze cell's too: its
		 * cell then says what its cgroup.events shows.
		 */
		r->want = 'R';
		if (!wait_asleep(r, r->in, r->n, k->method))
			goto out;
		for (i = 0; i < r->n; i++) {
			uint64_t took;

			if (i && !strcmp(cg[i], cg[i - 1]))
				continue;
			cgroup2_write(cg[i], "cgroup.freeze", "1");
			if (!freeze_wait(cg[i], START_NS, &took)) {
				snprintf(r->note, sizeof(r->note), "%s did not freeze", cg[i]);
				r->failed = !stop_sig;
				goto out;
			}
		}
		r->want = 'S';
		for (i = 0; i < r->n; i++)
			if (proc_state(r->in[i].pid) != r->want)
				r->want = proc_state(r->in[i].pid);
	} else if (!wait_asleep(r, r->in, r->n, k->method)) {
		goto out;
	}
	/*
	 * The helpers out of the way, and stopped while all is measured: a
	 * keeper or FUSE daemon that polls every 10 ms is running now and
	 * then, and six of them, slowed by emulation, added up to 5 to a
	 * load sample.  Nothing the kernel shows of the sleepers needs them
	 * running until they are told to let go.
	 */
	for (i = 0; i < r->n; i++) {
		inst_park_helpers(r, &r->in[i]);
		inst_signal_helpers(&r->in[i], SIGSTOP);
	}
	if (!helpers_stopped(r))
		goto out;
	measure(r);
	if (r->failed || stop_sig)
		goto out;
	blocker_cell(r);
	if (!opt_hung)
		CELL(r, EF_HUNG, "not measured (needs --hung-task)");
	act(r);
	if (!r->failed && (k->flags & KIND_FROZEN))
		snprintf(r->note, sizeof(r->note),
			 "a busy loop ('dstate sleep running') frozen in its cgroup");
out:
	if (pfd[1] >= 0)
		close(pfd[1]);
	teardown(r);
	CELL(r, EF_TIME, "%.1f s", (double)(now_ns() - t0) / NSEC_PER_SEC);
}

static void print_row(const struct cols *cs, struct libscols_table *tb,
		      const struct row *r)
{
	struct libscols_line *ln = scols_table_new_line(tb, NULL);
	unsigned int i;

	cols_set(cs, ln, EF_KIND, "%s", r->k->name);
	for (i = EF_LETTER; i < EF_NOTE; i++) {
		/* --brief: the answer, without what it rests on. */
		int len = opt_brief && i != EF_TIME ?
			  (int)strcspn(r->cell[i], "(") : (int)sizeof(r->cell[i]);

		while (opt_brief && len > 1 && r->cell[i][len - 1] == ' ')
			len--;
		cols_set(cs, ln, i, "%.*s", len, r->cell[i]);
	}
	cols_set(cs, ln, EF_NOTE, "%s", r->note[0] ? r->note : cols_none(cs));
}

/* The parent cgroup of dstate's own, or none (cells say why). */
static void top_cgroup(void)
{
	cg_top[0] = '\0';
	if (!cgroup2_mounted())
		return;
	snprintf(cg_top, sizeof(cg_top), "%s/dstate-effects.%d", CGROUP2_ROOT,
		 (int)getpid());
	if (mkdir(cg_top, 0755)) {
		pr_warn("could not make the cgroup %s: %s", cg_top, strerror(errno));
		cg_top[0] = '\0';
	}
}

int cmd_effects(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "hung-task", no_argument, NULL, 0x200 },
		{ "brief", no_argument, NULL, 'b' },
		COLS_LONGOPTS,
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct cols cs = COLS_INIT("effects", effects_cols);
	const struct kind *chosen[NKINDS];
	unsigned int nchosen = 0, i, j, failed = 0;
	struct libscols_table *tb;
	struct row *rows;
	uint64_t v;
	int c, ret;

	while ((c = getopt_long(argc, argv, ":" COMMON_SHORTOPTS COLS_SHORTOPTS "bn:",
				opts, NULL)) != -1) {
		if (cols_option(&cs, c, optarg))
			continue;
		switch (c) {
		case 'n':
			if (parse_u64(optarg, &v) || !v || v > COUNT_MAX)
				return usage_error("effects", "bad count '%s' (1 to %d)",
						   optarg, COUNT_MAX);
			opt_count = (unsigned int)v;
			break;
		case 0x200:
			opt_hung = true;
			break;
		case 'b':
			opt_brief = true;
			break;
		default:
			ret = common_option(c, "effects", argv, effects_usage);
			if (ret >= 0)
				return ret;
		}
	}
	if (cols_setup(&cs))
		return EXIT_USAGE;
	if (cs.list) {
		cols_list(&cs);
		return EXIT_SUCCESS;
	}
	for (; optind < argc; optind++) {
		for (j = 0; j < NKINDS && strcmp(kinds[j].name, argv[optind]) != 0; j++)
			;
		if (j == NKINDS)
			return usage_error("effects", "unknown kind '%s'", argv[optind]);
		for (i = 0; i < nchosen && chosen[i] != &kinds[j]; i++)
			;
		if (i == nchosen)
			chosen[nchosen++] = &kinds[j];
	}
	if (!nchosen)
		for (j = 0; j < NKINDS; j++)
			chosen[nchosen++] = &kinds[j];
	if (cap_effective(CAP_SYS_ADMIN) == 0) {
		pr_err("effects needs root: it moves processes between cgroups, reads the kernel log and writes /proc/sysrq-trigger");
		return EXIT_FAILURE;
	}
	if (opt_hung && (ret = hung_save())) {
		pr_err("could not read the hung-task sysctls: %s (is the detector in this kernel?)",
		       strerror(-ret));
		return EXIT_FAILURE;
	}
	rows = calloc(nchosen, sizeof(*rows));
	if (!rows) {
		pr_err("out of memory");
		return EXIT_FAILURE;
	}

	{
		ssize_t n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);

		if (n > 0)
			self_exe[n] = '\0';
		else
			snprintf(self_exe, sizeof(self_exe), "/proc/self/exe");
	}
	interrupt_block(&stop_set);
	signal(SIGPIPE, SIG_IGN);
	/* The keepers outlive their sleepers: they are ours to reap. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	dev_fd = dev_open();
	if (kmsg_open(&kmsg))
		kmsg.fd = -1;
	top_cgroup();

	for (i = 0; i < nchosen; i++)
		rows[i].k = chosen[i];
	for (i = 0; i < nchosen && !stop_sig; i++) {
		run_row(&rows[i], i);
		failed += rows[i].failed;
	}
	hung_restore();
	if (cg_top[0] && rmdir(cg_top))
		pr_warn("could not remove the cgroup %s: %s", cg_top, strerror(errno));
	kmsg_close(&kmsg);
	if (dev_fd >= 0)
		close(dev_fd);
	if (stop_sig) {
		free(rows);
		interrupt_exit(stop_sig);
	}

	tb = cols_table(&cs, "effects");
	for (i = 0; i < nchosen; i++)
		print_row(&cs, tb, &rows[i]);
	scols_print_table(tb);
	scols_unref_table(tb);
	for (i = 0; i < nchosen; i++)
		if (rows[i].failed)
			pr_err("%s: %s", rows[i].k->name, rows[i].note);
		else if (!strncmp(rows[i].note, "not run", 7))
			pr_warn("%s: %s", rows[i].k->name, rows[i].note);
	free(rows);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * matrix: for each mode and each signal, start a sleeper, send the signal,
 * watch what the kernel does, release it, watch again, and compare with
 * the behaviour contract (README.md, "The states").  What happened is judged from /proc, the
 * wait status and the sleeper's own report of its ioctl's return.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "columns.h"
#include "dstate.h"
#include "lib/device.h"
#include "lib/duration.h"
#include "lib/modes.h"
#include "lib/procfs.h"
#include "lib/spawn.h"

/* Long enough that a signal's effect, if any, has shown. */
#define SETTLE_NS	(300 * NSEC_PER_MSEC)
#define REACT_NS	(2 * NSEC_PER_SEC)
/*
 * A safety net: a sleeper left behind by an interrupted run wakes.  Not
 * for interruptible sleepers: a timed interruptible sleep fails with EINTR
 * on a stop and continue instead of restarting (a timeout is a deadline),
 * which is not the cell the contract describes; the SIGKILL they get when
 * the matrix dies (PR_SET_PDEATHSIG) ends them anyway.
 */
#define CELL_TIMEOUT_NS	(120 * NSEC_PER_SEC)

enum sig_case { CASE_TERM, CASE_TERM_HANDLED, CASE_TERM_IGNORED, CASE_KILL,
		CASE_STOP, CASE_COUNT };

static const char *const case_names[CASE_COUNT] = {
	"SIGTERM", "SIGTERM handled", "SIGTERM ignored", "SIGKILL",
	"SIGSTOP/SIGCONT",
};

static int matrix_fd = -1;
static uint64_t matrix_tag;
static int report_wr = -1;

enum { MX_MODE, MX_SIGNAL, MX_EXPECTED, MX_OBSERVED, MX_MATCH };

static const struct col_info matrix_cols[] = {
	[MX_MODE] = { "MODE", SCOLS_JSON_STRING, 0, COL_BOTH,
		      "dstate mode of the sleeper" },
	[MX_SIGNAL] = { "SIGNAL", SCOLS_JSON_STRING, 0, COL_BOTH,
			"what was sent: SIGTERM, SIGTERM handled, ..." },
	[MX_EXPECTED] = { "EXPECTED", SCOLS_JSON_STRING, 0, COL_BOTH,
			  "what the behaviour contract says happens" },
	[MX_OBSERVED] = { "OBSERVED", SCOLS_JSON_STRING, 0, COL_BOTH,
			  "what the kernel showed" },
	[MX_MATCH] = { "MATCH", SCOLS_JSON_BOOLEAN, 0, COL_BOTH,
		       "whether they agree (yes or NO; JSON: true or false)" },
};

static void matrix_usage(void)
{
	printf("Usage:\n dstate matrix [MODE...] [-o LIST] [--noheadings] [-r|-P|-J]\n\n"
	       "For each module MODE (default: uninterruptible killable interruptible\n"
	       "idle io; permanent only when named, and its sleepers never go away;\n"
	       "not the lock modes) and\n"
	       "each of SIGTERM (default action), SIGTERM with a handler, SIGTERM\n"
	       "ignored, SIGKILL and SIGSTOP/SIGCONT: start a sleeper, send the signal,\n"
	       "observe, release it, observe again, and print what happened next to\n"
	       "what the behaviour contract says: stays, dies, wakes, stops.\n\n"
	       "Exit status: 0 when every cell matches, 1 otherwise.  Needs the module.\n\n"
	       "Options:\n"
	       COLS_OPTIONS_HELP
	       " -J, --json          JSON output\n"
	       " -h, --help          this text\n"
	       " -V, --version       the version\n");
	cols_help(matrix_cols, sizeof(matrix_cols) / sizeof(matrix_cols[0]));
}

/* The contract: what each cell must show. */
static void expected(const struct dstate_method *m, enum sig_case c,
		     char *buf, size_t len)
{
	char l = m->letter;

	switch (m->mode) {
	case DSTATE_MODE_PERMANENT:
		snprintf(buf, len, "stays D; never wakes");
		return;
	case DSTATE_MODE_INTERRUPTIBLE:
		switch (c) {
		case CASE_TERM:
		case CASE_KILL:
			snprintf(buf, len, "dies at once");
			return;
		case CASE_TERM_HANDLED:
			snprintf(buf, len, "wakes at once (EINTR)");
			return;
		case CASE_TERM_IGNORED:
			snprintf(buf, len, "stays S; wakes when released");
			return;
		default:
			snprintf(buf, len,
				 "stops at once; S again after SIGCONT; wakes when released");
			return;
		}
	case DSTATE_MODE_KILLABLE:
		if (c == CASE_TERM || c == CASE_KILL) {
			snprintf(buf, len, "dies at once");
			return;
		}
		/* otherwise as uninterruptible */
		__attribute__((fallthrough));
	default:
		switch (c) {
		case CASE_TERM:
		case CASE_KILL:
			snprintf(buf, len, "stays %c; dies when released", l);
			return;
		case CASE_TERM_HANDLED:
			snprintf(buf, len, "stays %c; handler runs when released", l);
			return;
		case CASE_TERM_IGNORED:
			snprintf(buf, len, "stays %c; wakes when released", l);
			return;
		default:
			snprintf(buf, len, "stays %c; stops when released", l);
			return;
		}
	}
}

static void on_term(int sig)
{
	char h = 'h';
	ssize_t n;

	(void)sig;
	n = write(report_wr, &h, 1);
	(void)n;
}

/* Interrupted: wake our sleepers, then die of the same signal. */
static void on_interrupt(int sig)
{
	struct dstate_release_args a = { .how = DSTATE_RELEASE_TAG, .tag = matrix_tag };

	/*
	 * ioctl() is a bare system call, safe in a signal handler though
	 * POSIX's list does not name it.
	 */
	if (matrix_fd >= 0)
		ioctl(matrix_fd, DSTATE_IOC_RELEASE, &a); /* NOLINT(bugprone-signal-handler) */
	signal(sig, SIG_DFL);
	raise(sig);
}

static void __attribute__((noreturn)) sleeper(const struct dstate_method *m,
					      enum sig_case c, int wr)
{
	struct sigaction sa;
	char msg[1 + sizeof(int)];
	int err;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	report_wr = wr;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = c == CASE_TERM_HANDLED ? on_term :
			c == CASE_TERM_IGNORED ? SIG_IGN : SIG_DFL;
	sigaction(SIGTERM, &sa, NULL);	/* no SA_RESTART: see the EINTR */
	err = -dev_sleep(matrix_fd, m->mode,
			 m->mode == DSTATE_MODE_INTERRUPTIBLE ? 0 : CELL_TIMEOUT_NS,
			 matrix_tag);
	msg[0] = 'r';
	memcpy(msg + 1, &err, sizeof(err));
	if (write(wr, msg, sizeof(msg)) < 0)
		_exit(2);
	_exit(0);
}

struct cell_obs {
	pid_t pid;
	int rd;
	bool dead, handler, returned;
	int err, status;
	char letter;
};

/* Take in what happened since last time. */
static void observe(struct cell_obs *o)
{
	char buf[64];
	ssize_t n;
	int i;

	while ((n = read(o->rd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++) {
			if (buf[i] == 'h') {
				o->handler = true;
			} else if (buf[i] == 'r' && i + (int)sizeof(int) < n) {
				memcpy(&o->err, buf + i + 1, sizeof(int));
				o->returned = true;
				i += (int)sizeof(int);
			}
		}
	}
	if (!o->dead && waitpid(o->pid, &o->status, WNOHANG) == o->pid)
		o->dead = true;
	if (!o->dead)
		o->letter = proc_state(o->pid);
}

/*
 * Watch for up to @ns for something to happen: death, the call returning,
 * a stop (if @stop_counts), or a letter other than @sleeping.  Returns
 * true if something did.
 */
static bool watch_for(struct cell_obs *o, uint64_t ns, char sleeping)
{
	uint64_t deadline = now_ns() + ns;
	struct timespec ms = { 0, 1000000 };

	for (;;) {
		observe(o);
		if (o->dead || o->returned || o->handler ||
		    (o->letter && o->letter != sleeping))
			return true;
		if (now_ns() >= deadline)
			return false;
		nanosleep(&ms, NULL);
	}
}

/* Killed by a signal, as opposed to exiting after its report. */
static bool died_of_signal(const struct cell_obs *o)
{
	return o->dead && WIFSIGNALED(o->status);
}

static bool is_sleeper(pid_t pid)
{
	struct dstate_task_state ts;

	return !dev_task_state(matrix_fd, pid, &ts) && ts.is_dstate;
}

/* Until it sleeps in the module showing @l; false if it ends or time's up. */
static bool wait_asleep(struct cell_obs *o, char l, uint64_t ns)
{
	uint64_t deadline = now_ns() + ns;
	struct timespec ms = { 0, 500000 };

	for (;;) {
		observe(o);
		if (o->dead || o->returned)
			return false;
		if (o->letter == l && is_sleeper(o->pid))
			return true;
		if (now_ns() >= deadline)
			return false;
		nanosleep(&ms, NULL);
	}
}

/* Until the call has returned or the process died, within @ns. */
static void watch_for_end(struct cell_obs *o, uint64_t ns)
{
	uint64_t deadline = now_ns() + ns;
	struct timespec ms = { 0, 1000000 };

	for (;;) {
		observe(o);
		if (o->dead || o->returned || o->letter == 'T' || now_ns() >= deadline)
			return;
		nanosleep(&ms, NULL);
	}
}

static void run_cell(const struct dstate_method *m, enum sig_case c,
		     char *seen, size_t len)
{
	static const int sigs[CASE_COUNT] = { SIGTERM, SIGTERM, SIGTERM, SIGKILL, SIGSTOP };
	struct cell_obs o = { 0 };
	char l = m->letter;
	int pfd[2], ret;
	size_t off = 0;

#define SAY(...) (off += (size_t)snprintf(seen + off, off < len ? len - off : 0, __VA_ARGS__))
	seen[0] = '\0';
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		snprintf(seen, len, "could not make a pipe: %s", strerror(errno));
		return;
	}
	fflush(stdout);
	o.pid = fork();
	if (o.pid < 0) {
		snprintf(seen, len, "could not fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return;
	}
	if (o.pid == 0) {
		close(pfd[0]);
		sleeper(m, c, pfd[1]);
	}
	close(pfd[1]);
	o.rd = pfd[0];
	fcntl(o.rd, F_SETFL, O_NONBLOCK);

	/* In the module's sleep, and showing its letter. */
	if (!wait_asleep(&o, l, 5 * NSEC_PER_SEC)) {
		if (o.dead || o.returned)
			SAY("did not sleep (%s)", o.returned ? strerror(o.err) : "died");
		else
			SAY("did not reach %c (%c)", l, o.letter ? o.letter : '?');
		goto out;
	}

	kill(o.pid, sigs[c]);
	/* Phase 1: what the signal does by itself. */
	if (watch_for(&o, SETTLE_NS, l))
		watch_for_end(&o, REACT_NS);	/* something happened: let it finish */
	/*
	 * A sleeper that woke reports it and exits at once: what it wrote
	 * says how it ended, so read all of it before judging by its death.
	 */
	observe(&o);
	if (!o.dead && !o.returned && !o.handler && o.letter == l) {
		SAY("stays %c", l);
	} else if (o.returned) {
		SAY("wakes at once (%s)", o.err == EINTR ? "EINTR" :
		    o.err ? strerror(o.err) : "0");
		goto out;
	} else if (o.dead) {
		SAY("%s at once", died_of_signal(&o) ? "dies" : "exits");
		goto out;
	} else if (o.letter == 'T') {
		SAY("stops at once");
		kill(o.pid, SIGCONT);
		if (wait_asleep(&o, l, REACT_NS)) {
			SAY("; %c again after SIGCONT", l);
		} else {
			observe(&o);
			SAY("; after SIGCONT %s", o.dead ? "dies" : o.returned ?
			    "wakes" : "is not asleep");
			goto out;
		}
	} else if (o.handler) {
		SAY("handler runs at once; stays %c", o.letter);
	} else {
		SAY("goes to %c", o.letter);
		goto out;
	}

	/* Phase 2: release it. */
	ret = dev_release(matrix_fd, DSTATE_RELEASE_PID, o.pid, 0, NULL);
	if (ret && ret != -ESRCH) {
		SAY("; could not release: %s", strerror(-ret));
		goto out;
	}
	if (!watch_for(&o, m->mode == DSTATE_MODE_PERMANENT ? SETTLE_NS : REACT_NS, l)) {
		SAY(m->mode == DSTATE_MODE_PERMANENT ? "; never wakes" :
		    "; stays %c after release", l);
		goto out;
	}
	watch_for_end(&o, REACT_NS);
	observe(&o);
	if (o.handler) {
		SAY("; handler runs when released");
	} else if (o.returned && !o.err) {
		SAY("; wakes when released");
	} else if (o.returned) {
		SAY("; wakes when released (%s)", strerror(o.err));
	} else if (o.dead) {
		SAY("; %s when released", died_of_signal(&o) ? "dies" : "exits");
	} else if (o.letter == 'T') {
		SAY("; stops when released");
		kill(o.pid, SIGCONT);
	} else {
		SAY("; goes to %c when released", o.letter);
	}
out:
	if (!o.dead && m->mode != DSTATE_MODE_PERMANENT) {
		dev_release(matrix_fd, DSTATE_RELEASE_PID, o.pid, 0, NULL);
		kill(o.pid, SIGKILL);
		kill(o.pid, SIGCONT);
		waitpid(o.pid, NULL, 0);
	}
	close(o.rd);
#undef SAY
}

int cmd_matrix(int argc, char **argv)
{
	static const struct option opts[] = {
		COLS_LONGOPTS,
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct cols cs = COLS_INIT("matrix", matrix_cols);
	const struct dstate_method *modes[DSTATE_MODE_COUNT + 1];
	unsigned int nmodes = 0, i, bad = 0;
	struct libscols_table *tb;
	int c, ret;

	while ((c = getopt_long(argc, argv, ":" COMMON_SHORTOPTS COLS_SHORTOPTS,
				opts, NULL)) != -1) {
		if (cols_option(&cs, c, optarg))
			continue;
		ret = common_option(c, "matrix", argv, matrix_usage);
		if (ret >= 0)
			return ret;
	}
	if (cols_setup(&cs))
		return EXIT_USAGE;
	if (cs.list) {
		cols_list(&cs);
		return EXIT_SUCCESS;
	}
	for (; optind < argc; optind++) {
		const struct dstate_method *m = method_lookup(argv[optind]);

		if (!m)
			return usage_error("matrix", "unknown mode '%s'", argv[optind]);
		if (m->kind != METHOD_MODULE)
			return usage_error("matrix", "'%s' is not a module mode; matrix checks module modes",
					   m->name);
		/*
		 * A waiter alone takes its lock at once and returns, and
		 * a holder is a lock's, not a sleep state's: both are
		 * checked against the kernel's lock code in the VM tests.
		 */
		if (m->flags & METHOD_LOCK)
			return usage_error("matrix", "'%s' is a lock mode; matrix checks the sleep states",
					   m->name);
		if (nmodes < DSTATE_MODE_COUNT)
			modes[nmodes++] = m;
	}
	if (!nmodes) {
		for (i = 0; i < dstate_method_count; i++) {
			const struct dstate_method *m = &dstate_methods[i];

			if (m->kind == METHOD_MODULE && m->mode != DSTATE_MODE_PERMANENT &&
			    !(m->flags & METHOD_LOCK) && nmodes < DSTATE_MODE_COUNT)
				modes[nmodes++] = m;
		}
	}
	for (i = 0; i < nmodes; i++)
		if (modes[i]->mode == DSTATE_MODE_PERMANENT)
			pr_warn("permanent sleepers never wake: this leaves %d processes in D until reboot",
				CASE_COUNT);

	matrix_fd = dev_open_or_complain();
	if (matrix_fd < 0)
		return EXIT_FAILURE;
	matrix_tag = 0x6d61747200000000ULL | (uint64_t)getpid();	/* "matr" */
	signal(SIGINT, on_interrupt);
	signal(SIGTERM, on_interrupt);
	signal(SIGHUP, on_interrupt);

	tb = cols_table(&cs, "matrix");
	for (i = 0; i < nmodes; i++) {
		enum sig_case sc;

		for (sc = 0; sc < CASE_COUNT; sc++) {
			struct libscols_line *ln = scols_table_new_line(tb, NULL);
			char want[128], seen[256];
			bool ok;

			expected(modes[i], sc, want, sizeof(want));
			run_cell(modes[i], sc, seen, sizeof(seen));
			ok = !strcmp(want, seen);
			bad += !ok;
			cols_set(&cs, ln, MX_MODE, "%s", modes[i]->name);
			cols_set(&cs, ln, MX_SIGNAL, "%s", case_names[sc]);
			cols_set(&cs, ln, MX_EXPECTED, "%s", want);
			cols_set(&cs, ln, MX_OBSERVED, "%s", seen);
			cols_set(&cs, ln, MX_MATCH, "%s",
				 opt_json ? (ok ? "1" : "0") : (ok ? "yes" : "NO"));
		}
	}
	scols_print_table(tb);
	scols_unref_table(tb);
	close(matrix_fd);
	if (bad)
		pr_err("%u of %u cells differ from the contract", bad, nmodes * CASE_COUNT);
	return bad ? EXIT_FAILURE : EXIT_SUCCESS;
}

// SPDX-License-Identifier: GPL-2.0
/* sleep: this process sleeps in MODE, then says how it woke. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dstate.h"
#include "lib/caps.h"
#include "lib/device.h"
#include "lib/duration.h"
#include "lib/fsfreeze.h"
#include "lib/interrupt.h"
#include "lib/kmodload.h"
#include "lib/modes.h"
#include "lib/procfs.h"

static void sleep_usage(void)
{
	unsigned int i;

	printf("Usage:\n dstate sleep MODE [--timeout DUR] [--tag N]\n\n"
	       "Sleep in MODE in this process; when it ends, print how it woke and how\n"
	       "long it slept.  Module modes end on 'dstate release', the timeout, or a\n"
	       "signal as the mode allows.\n\nModes:\n");
	for (i = 0; i < dstate_method_count; i++) {
		const struct dstate_method *m = &dstate_methods[i];

		if (m->kind == METHOD_TRACED || m->kind == METHOD_ZOMBIE)
			continue;
		printf(" %-19s %c  %s\n", m->name, m->letter, m->what);
	}
	printf(" (traced and zombie need a second process: use 'dstate spawn')\n\n"
	       "vfork ends when the timeout passes or its child is killed; stopped on\n"
	       "SIGCONT; running after the timeout; fsfreeze thaws after the timeout or\n"
	       "when its keeper (the child printed on stderr) gets SIGTERM or SIGINT.\n"
	       "SIGINT, SIGTERM or SIGHUP to this process undo what it made (the keeper\n"
	       "thaws, unmounts and deletes), and it dies of the signal (128+N).\n\n"
	       "Options:\n"
	       " -t, --timeout DUR   wake after DUR (500ms, 2s, 1m, plain seconds)\n"
	       " -g, --tag N         a tag, for 'dstate release --tag N' (module modes)\n"
	       " -J, --json          JSON output\n"
	       " -h, --help          this text\n"
	       " -V, --version       the version\n");
}

static void announce(const char *mode, pid_t other, const char *role)
{
	if (!isatty(STDERR_FILENO))
		return;
	if (other)
		fprintf(stderr, "dstate: pid %d sleeps (%s); %s: %d\n",
			(int)getpid(), mode, role, (int)other);
	else
		fprintf(stderr, "dstate: pid %d sleeps (%s)\n", (int)getpid(), mode);
}

/*
 * Without CAP_SYS_ADMIN the module bounds the sleeps no signal ends (see
 * "Who may do what" in dstate_uapi.h): say by how much.
 */
static void explain_user_timeout(const char *mode)
{
	char buf[32];

	if (read_file("/sys/module/" DSTATE_MODULE_NAME "/parameters/user_timeout_max_ms",
		      buf, sizeof(buf)) <= 0)
		snprintf(buf, sizeof(buf), "user_timeout_max_ms");
	buf[strcspn(buf, "\n")] = '\0';
	fprintf(stderr,
		"dstate: without CAP_SYS_ADMIN, a %s sleep needs --timeout of at most %s ms (the module's user_timeout_max_ms)\n",
		mode, buf);
}

static int sleep_module(const struct dstate_method *m, uint64_t timeout,
			uint64_t tag, const char **how)
{
	int fd, ret;

	fd = dev_open_or_complain();
	if (fd < 0)
		return -1;
	announce(m->name, 0, NULL);
	ret = dev_sleep(fd, m->mode, timeout, tag);
	close(fd);
	switch (ret) {
	case 0:
		/* A lock waiter is never released: it got its lock. */
		*how = m->flags & METHOD_LOCK_WAITER ?
			"took the lock and dropped it" : "released";
		return 0;
	case -ETIMEDOUT:
		*how = "timed out";
		return 0;
	case -EINTR:
		*how = "interrupted by a signal";
		return 0;
	default:
		dev_complain("sleep", -ret);
		if (ret == -EPERM && (m->flags & METHOD_NEEDS_ROOT))
			fprintf(stderr, "dstate: %s needs CAP_SYS_ADMIN\n",
				m->name);
		else if (ret == -EPERM)
			explain_user_timeout(m->name);
		return -1;
	}
}

static uint64_t vfork_deadline;
static pid_t vfork_parent;

/* The parent of a vfork sleeps in D (killable) until the child exits. */
static int sleep_vfork(uint64_t timeout, const char **how)
{
	sigset_t all, old;
	pid_t v;
	int status;

	vfork_deadline = timeout ? now_ns() + timeout : 0;
	vfork_parent = getpid();
	announce("vfork", 0, NULL);
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	/*
	 * The vfork child does more than exec or _exit, which POSIX forbids;
	 * on Linux it is safe for the little it does here (no allocation,
	 * no return from this function), and the parent's D state is the
	 * point.  Hence the NOLINTs.
	 */
	v = vfork(); /* NOLINT(clang-analyzer-security.insecureAPI.vfork) */
	if (v == 0) {
		/* NOLINTBEGIN(clang-analyzer-unix.Vfork) */
		sigset_t none;
		struct timespec ms10 = { 0, 10000000 };

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		helper_name("dstate-vfork");
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/*
		 * The parent, in D with every signal blocked, cannot act on
		 * SIGINT, SIGTERM or SIGHUP: this child ends the vfork when
		 * one is pending there, and the parent then dies of it.
		 */
		while (!vfork_deadline || now_ns() < vfork_deadline) {
			if (proc_stop_pending(vfork_parent))
				break;
			nanosleep(&ms10, NULL);
		}
		_exit(0);
		/* NOLINTEND(clang-analyzer-unix.Vfork) */
	}
	if (v < 0) {
		pr_err("could not vfork: %s", strerror(errno));
		sigprocmask(SIG_SETMASK, &old, NULL);
		return -1;
	}
	waitpid(v, &status, 0);
	sigprocmask(SIG_SETMASK, &old, NULL);
	*how = WIFEXITED(status) ? "child exited (timeout)" : "child killed";
	return 0;
}

static int sleep_stopped(const char **how)
{
	announce("stopped", 0, NULL);
	raise(SIGSTOP);
	*how = "continued";
	return 0;
}

static int sleep_running(uint64_t timeout, const char **how)
{
	uint64_t deadline = timeout ? now_ns() + timeout : 0;
	volatile unsigned long spin;

	announce("running", 0, NULL);
	for (;;) {
		for (spin = 0; spin < 1000000; spin++)
			;
		if (deadline && now_ns() >= deadline)
			break;
	}
	*how = "timed out";
	return 0;
}

/*
 * This process writes to a frozen filesystem and sleeps in D; a keeper
 * child thaws it on the timeout or a signal, waits for the write to finish
 * (the pipe closes when this process closes its end or dies), then
 * unmounts and deletes everything.
 */
/*
 * The keeper's wait: until the timeout, a signal to itself, or one pending
 * for the writer, its parent, which sleeps in D and cannot act on it
 * (SIGKILL included: it too waits for the thaw).
 */
static void keeper_wait(uint64_t timeout)
{
	uint64_t deadline = timeout ? now_ns() + timeout : 0;
	struct timespec ms10 = { 0, 10000000 };
	pid_t writer = getppid();
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* The writer dying cannot happen while frozen, but be sure. */
	prctl(PR_SET_PDEATHSIG, SIGHUP);
	while (!deadline || now_ns() < deadline) {
		sig = sigtimedwait(&set, NULL, &ms10);
		if (sig > 0 || getppid() != writer ||
		    proc_stop_pending(writer))
			return;
	}
}

static int sleep_fsfreeze(uint64_t timeout, const char **how)
{
	struct fsfreeze f;
	sigset_t stop;
	char err[200];
	int pfd[2], ret, status, sig;
	pid_t keeper;

	/*
	 * Until the keeper is there to undo it, a signal waits: what is
	 * made is undone, then this process dies of it.  A write to a
	 * closed stdout must not kill it either.
	 */
	interrupt_block(&stop);
	signal(SIGPIPE, SIG_IGN);
	ret = fsfreeze_setup(&f, err, sizeof(err));
	if (ret) {
		pr_err("%s", err);
		return -1;
	}
	sig = interrupt_pending(&stop);
	if (sig) {
		fsfreeze_teardown(&f, 0);
		interrupt_exit(sig);
	}
	if (pipe(pfd) < 0) {
		pr_err("could not make a pipe: %s", strerror(errno));
		fsfreeze_teardown(&f, 0);
		return -1;
	}
	ret = fsfreeze_freeze(&f);
	if (ret) {
		pr_err("could not freeze %s: %s", f.mnt, strerror(-ret));
		fsfreeze_teardown(&f, 1000);
		return -1;
	}
	keeper = fork();
	if (keeper < 0) {
		pr_err("could not fork: %s", strerror(errno));
		fsfreeze_teardown(&f, 1000);
		return -1;
	}
	if (keeper == 0) {
		char c;

		close(pfd[1]);
		helper_name("dstate-keeper");
		keeper_wait(timeout);
		fsfreeze_thaw(&f);
		while (read(pfd[0], &c, 1) < 0 && errno == EINTR)
			;
		fsfreeze_teardown(&f, 2000);
		_exit(0);
	}
	close(pfd[0]);
	announce("fsfreeze", keeper, "thaw with: kill");
	ret = fsfreeze_write(&f, "writer");
	close(pfd[1]);
	waitpid(keeper, &status, 0);
	/* The keeper has undone it all: now die of what stopped it. */
	sig = interrupt_pending(&stop);
	if (sig)
		interrupt_exit(sig);
	if (ret) {
		pr_err("could not write to %s: %s", f.mnt, strerror(-ret));
		return -1;
	}
	*how = "thawed";
	return 0;
}

int cmd_sleep(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "tag", required_argument, NULL, 'g' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const struct dstate_method *m;
	uint64_t timeout = 0, tag = 0, start;
	bool have_tag = false;
	const char *how = "";
	char dur[32];
	struct kv kv;
	int c, ret;

	while ((c = getopt_long(argc, argv, ":" COMMON_SHORTOPTS "t:g:", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (parse_dur_arg("sleep", "--timeout", optarg, &timeout))
				return EXIT_USAGE;
			if (timeout > DSTATE_TIMEOUT_MAX_NS)
				return usage_error("sleep", "--timeout %s is over a year", optarg);
			break;
		case 'g':
			if (parse_u64(optarg, &tag))
				return usage_error("sleep", "bad tag '%s' (a number)", optarg);
			have_tag = true;
			break;
		default:
			ret = common_option(c, "sleep", argv, sleep_usage);
			if (ret >= 0)
				return ret;
		}
	}
	if (optind >= argc)
		return usage_error("sleep", "no mode given");
	if (argc - optind > 1)
		return usage_error("sleep", "unexpected argument '%s'", argv[optind + 1]);
	m = method_lookup(argv[optind]);
	if (!m)
		return usage_error("sleep", "unknown mode '%s'", argv[optind]);
	if (m->kind == METHOD_TRACED || m->kind == METHOD_ZOMBIE)
		return usage_error("sleep", "a process cannot make itself %s; use 'dstate spawn %s'",
				   m->name, m->name);
	if (have_tag && m->kind != METHOD_MODULE)
		return usage_error("sleep", "--tag is for module modes, not %s", m->name);
	if (timeout && m->kind == METHOD_STOPPED)
		return usage_error("sleep", "stopped has no timeout: it ends on SIGCONT");
	if (m->kind == METHOD_FSFREEZE && cap_effective(CAP_SYS_ADMIN) == 0) {
		pr_err("could not sleep in fsfreeze: it needs CAP_SYS_ADMIN (loop devices, mount)");
		return EXIT_FAILURE;
	}

	start = now_ns();
	switch (m->kind) {
	case METHOD_MODULE:
		ret = sleep_module(m, timeout, tag, &how);
		break;
	case METHOD_VFORK:
		ret = sleep_vfork(timeout, &how);
		break;
	case METHOD_STOPPED:
		ret = sleep_stopped(&how);
		break;
	case METHOD_RUNNING:
		ret = sleep_running(timeout, &how);
		break;
	case METHOD_FSFREEZE:
		ret = sleep_fsfreeze(timeout, &how);
		break;
	default:
		ret = -1;
	}
	if (ret)
		return EXIT_FAILURE;
	kv_init(&kv, "sleep");
	kv_add(&kv, "pid", SCOLS_JSON_NUMBER, "%d", (int)getpid());
	kv_add(&kv, "mode", SCOLS_JSON_STRING, "%s", m->name);
	kv_add(&kv, "woke", SCOLS_JSON_STRING, "%s", how);
	kv_add(&kv, "slept", SCOLS_JSON_STRING, "%s",
	       format_duration(now_ns() - start, dur, sizeof(dur)));
	kv_add(&kv, "slept_ns", SCOLS_JSON_NUMBER, "%llu",
	       (unsigned long long)(now_ns() - start));
	kv_print(&kv);
	return EXIT_SUCCESS;
}

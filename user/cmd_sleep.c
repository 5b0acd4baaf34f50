// SPDX-License-Identifier: GPL-2.0
/* sleep: this process sleeps in MODE, then says how it woke. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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
#include "lib/dmsuspend.h"
#include "lib/fusefs.h"
#include "lib/interrupt.h"
#include "lib/kmodload.h"
#include "lib/modes.h"
#include "lib/procfs.h"

static void sleep_usage(void)
{
	unsigned int i;

	printf("Usage:\n dstate sleep MODE [--timeout DUR] [--tag N] [--request-timeout DUR]\n\n"
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
	       "when its keeper (the child printed on stderr) gets SIGTERM or SIGINT;\n"
	       "fuse-noreply and fuse-noread are answered after the timeout or when\n"
	       "their daemon (likewise printed) gets SIGTERM or SIGINT, not on SIGKILL\n"
	       "to this process: a read the daemon took leaves it in D until then.\n"
	       "dm-suspend is resumed likewise by its keeper (printed on stderr).\n"
	       "SIGINT, SIGTERM or SIGHUP to this process undo what it made (the keeper\n"
	       "thaws, unmounts and deletes), and it dies of the signal (128+N).\n\n"
	       "Options:\n"
	       " -t, --timeout DUR   wake after DUR (500ms, 2s, 1m, plain seconds)\n"
	       " -g, --tag N         a tag, for 'dstate release --tag N' (module modes)\n"
	       " -R, --request-timeout DUR\n"
	       "                     fuse-noreply, fuse-noread: ask the kernel to abort\n"
	       "                     the connection when a request waits DUR (whole\n"
	       "                     seconds; Linux 6.14 on; checked every 15s or so)\n"
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
 * When a helper (a fuse daemon, the keeper of fsfreeze or dm-suspend) lets
 * its sleeper, its parent, go: at the timeout, on SIGINT, SIGTERM, SIGHUP
 * or SIGQUIT to itself (blocked by helper_block()), when the sleeper is
 * gone, or when one of the first three is pending for the sleeper, which
 * cannot act on it.  SIGKILL to the sleeper counts only where @on_kill
 * says (fsfreeze): that a FUSE read or a suspended map's write outlives
 * SIGKILL is what those show.
 */
static uint64_t release_deadline;
static pid_t release_sleeper;
static uint64_t release_signals;

static void helper_block(uint64_t timeout, bool on_kill)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	release_deadline = timeout ? now_ns() + timeout : 0;
	release_sleeper = getppid();
	release_signals = STOP_SIGNALS | (on_kill ? SIGNAL_BIT(SIGKILL) : 0);
}

/* spawn's owner pipe (interrupt.h), in a kept sleep that spawn started. */
static int release_owner_fd = -1;

static bool owner_gone(void);

static bool release_due(void)
{
	sigset_t pending;

	if (owner_gone())
		return true;

	if (release_deadline && now_ns() >= release_deadline)
		return true;
	if (!sigpending(&pending) &&
	    (sigismember(&pending, SIGINT) || sigismember(&pending, SIGTERM) ||
	     sigismember(&pending, SIGHUP) || sigismember(&pending, SIGQUIT)))
		return true;
	return getppid() != release_sleeper ||
	       proc_signal_pending(release_sleeper, release_signals);
}

/*
 * fsfreeze, dm-suspend and the FUSE methods: this process sleeps in a
 * call on something stalled (a write to a frozen filesystem or a
 * suspended map, a read its FUSE daemon does not answer).  A helper child
 * keeps it stalled until release_due(), lets it go, and once this process
 * has closed its end of a pipe (it is done, or dead) undoes and deletes
 * everything.
 */
struct kept_sleep {
	const char *mode;		/* the method */
	const char *keeper;		/* the helper's comm */
	const char *role;		/* how to end it, for announce() */
	const char *stall_verb;		/* "freeze", for messages */
	const char *act_verb;		/* "write to", for messages */
	const char *woke;		/* how this process woke */
	const char *aborted;		/* woke so when the call got ENOTCONN */
	/* SIGKILL pending for the sleeper lets it go too (fsfreeze). */
	bool kill_releases;
	int (*setup)(void *obj, char *err, size_t errlen);
	/* Stall it before the fork; NULL when the helper is the stall. */
	int (*stall)(void *obj);
	/* The helper: hold, let go, return at EOF on @done_fd. */
	void (*keep)(void *obj, int done_fd);
	/* This process, right after the fork; may be NULL. */
	void (*forked)(void *obj);
	void (*teardown)(void *obj, unsigned int busy_ms);
	int (*act)(void *obj);		/* the call that sleeps */
	const char *(*what)(const void *obj);
};

static int sleep_kept(const struct kept_sleep *k, void *obj, uint64_t timeout,
		      const char **how)
{
	sigset_t stop;
	char err[200];
	int pfd[2], ret, status, sig;
	pid_t keeper;

	/*
	 * Until the helper is there to undo it, a signal waits: what is
	 * made is undone, then this process dies of it.  A write to a
	 * closed stdout must not kill it either.
	 */
	interrupt_block(&stop);
	signal(SIGPIPE, SIG_IGN);
	ret = k->setup(obj, err, sizeof(err));
	if (ret) {
		pr_err("%s", err);
		return -1;
	}
	sig = interrupt_pending(&stop);
	if (sig) {
		k->teardown(obj, 0);
		interrupt_exit(sig);
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		pr_err("could not make a pipe: %s", strerror(errno));
		k->teardown(obj, 0);
		return -1;
	}
	ret = k->stall ? k->stall(obj) : 0;
	if (ret) {
		pr_err("could not %s %s: %s", k->stall_verb, k->what(obj),
		       strerror(-ret));
		k->teardown(obj, 1000);
		return -1;
	}
	keeper = fork();
	if (keeper < 0) {
		pr_err("could not fork: %s", strerror(errno));
		k->teardown(obj, 1000);
		return -1;
	}
	if (keeper == 0) {
		close(pfd[1]);
		helper_name(k->keeper);
		helper_block(timeout, k->kill_releases);
		k->keep(obj, pfd[0]);
		k->teardown(obj, 2000);
		_exit(0);
	}
	close(pfd[0]);
	if (k->forked)
		k->forked(obj);
	announce(k->mode, keeper, k->role);
	ret = k->act(obj);
	close(pfd[1]);
	waitpid(keeper, &status, 0);
	/* A helper killed before its teardown leaves that to this process. */
	if (!WIFEXITED(status))
		k->teardown(obj, 2000);
	/* All is undone: now die of what stopped it. */
	sig = interrupt_pending(&stop);
	if (sig)
		interrupt_exit(sig);
	if (k->aborted && (ret == -ENOTCONN || ret == -ECONNABORTED)) {
		*how = k->aborted;
		return 0;
	}
	if (ret) {
		pr_err("could not %s %s: %s", k->act_verb, k->what(obj),
		       strerror(-ret));
		return -1;
	}
	*how = k->woke;
	return 0;
}

/* The keepers of fsfreeze and dm-suspend: wait, let go, wait for EOF. */
static void keep_until_due(int done_fd, int (*release)(void *), void *obj)
{
	struct timespec ms10 = { 0, 10000000 };
	char c;

	while (!release_due())
		nanosleep(&ms10, NULL);
	release(obj);
	while (read(done_fd, &c, 1) < 0 && errno == EINTR)
		;
}

static int ff_setup(void *f, char *err, size_t len)
{
	return fsfreeze_setup(f, err, len);
}

static int ff_freeze(void *f)
{
	return fsfreeze_freeze(f);
}

static int ff_thaw(void *f)
{
	return fsfreeze_thaw(f);
}

static void ff_keep(void *f, int done_fd)
{
	keep_until_due(done_fd, ff_thaw, f);
}

static void ff_teardown(void *f, unsigned int ms)
{
	fsfreeze_teardown(f, ms);
}

static int ff_write(void *f)
{
	return fsfreeze_write(f, "writer");
}

static const char *ff_what(const void *f)
{
	return ((const struct fsfreeze *)f)->mnt;
}

static const struct kept_sleep fsfreeze_sleep = {
	.mode = "fsfreeze", .keeper = "dstate-keeper", .role = "thaw with: kill",
	.stall_verb = "freeze", .act_verb = "write to", .woke = "thawed",
	.kill_releases = true,
	.setup = ff_setup, .stall = ff_freeze, .keep = ff_keep,
	.teardown = ff_teardown, .act = ff_write, .what = ff_what,
};

static int dm_setup(void *d, char *err, size_t len)
{
	return dmsuspend_setup(d, err, len);
}

static int dm_suspend(void *d)
{
	return dmsuspend_suspend(d);
}

static int dm_resume(void *d)
{
	return dmsuspend_resume(d);
}

static void dm_keep(void *d, int done_fd)
{
	keep_until_due(done_fd, dm_resume, d);
}

static void dm_teardown(void *d, unsigned int ms)
{
	dmsuspend_teardown(d, ms);
}

static int dm_write(void *d)
{
	return dmsuspend_write(d);
}

static const char *dm_what(const void *d)
{
	return ((const struct dmsuspend *)d)->name;
}

static const struct kept_sleep dm_sleep = {
	.mode = "dm-suspend", .keeper = "dstate-dm", .role = "resume with: kill",
	.stall_verb = "suspend", .act_verb = "write to", .woke = "resumed",
	.setup = dm_setup, .stall = dm_suspend, .keep = dm_keep,
	.teardown = dm_teardown, .act = dm_write, .what = dm_what,
};

/* --request-timeout, in whole seconds, as the kernel takes it; 0: none. */
static unsigned int fuse_request_timeout_s;

static int fz_setup_noreply(void *f, char *err, size_t len)
{
	return fusefs_setup(f, false, fuse_request_timeout_s, err, len);
}

static int fz_setup_noread(void *f, char *err, size_t len)
{
	return fusefs_setup(f, true, fuse_request_timeout_s, err, len);
}

/* The daemon holds the READ, or reads nothing, until release_due(). */
static void fz_keep(void *f, int done_fd)
{
	fusefs_serve(f, done_fd, release_due);
}

/* Only the daemon holds /dev/fuse: its death aborts the connection. */
static void fz_forked(void *obj)
{
	struct fusefs *f = obj;

	close(f->dev_fd);
	f->dev_fd = -1;
}

static void fz_teardown(void *f, unsigned int ms)
{
	(void)ms;
	fusefs_teardown(f);
}

static int fz_read(void *f)
{
	return fusefs_read(f);
}

static const char *fz_what(const void *f)
{
	return ((const struct fusefs *)f)->file;
}

#define FUSE_SLEEP(name, setup_fn)					\
	{								\
		.mode = (name), .keeper = "dstate-fuse",		\
		.role = "answer with: kill", .act_verb = "read",	\
		.woke = "answered", .aborted = "connection aborted",	\
		.setup = (setup_fn), .keep = fz_keep, .forked = fz_forked, \
		.teardown = fz_teardown, .act = fz_read, .what = fz_what, \
	}

static const struct kept_sleep fuse_noreply_sleep =
	FUSE_SLEEP("fuse-noreply", fz_setup_noreply);
static const struct kept_sleep fuse_noread_sleep =
	FUSE_SLEEP("fuse-noread", fz_setup_noread);

/*
 * For 'dstate spawn': the keeper of a kept sleep that spawn started also
 * lets go when spawn is gone before it said "stay" (end of file on the
 * owner pipe without its byte).
 */
static bool owner_gone(void)
{
	struct pollfd p = { .fd = release_owner_fd, .events = POLLIN };
	char c;

	if (release_owner_fd < 0 || poll(&p, 1, 0) <= 0)
		return false;
	if (read(release_owner_fd, &c, 1) == 1) {
		close(release_owner_fd);
		release_owner_fd = -1;
		return false;
	}
	return true;
}

void sleep_kept_spawned(const struct dstate_method *m, uint64_t timeout,
			int owner_fd)
{
	struct dmsuspend dm;
	struct fusefs fz;
	const char *how;
	int ret = -1;

	release_owner_fd = owner_fd;
	if (m->kind == METHOD_FUSE)
		ret = sleep_kept(m->flags & METHOD_FUSE_NOREAD ?
				 &fuse_noread_sleep : &fuse_noreply_sleep,
				 &fz, timeout, &how);
	else if (m->kind == METHOD_DM_SUSPEND)
		ret = sleep_kept(&dm_sleep, &dm, timeout, &how);
	_exit(ret ? 1 : 0);
}

int cmd_sleep(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "tag", required_argument, NULL, 'g' },
		{ "request-timeout", required_argument, NULL, 'R' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const struct dstate_method *m;
	struct fsfreeze ff;
	struct dmsuspend dm;
	struct fusefs fz;
	uint64_t timeout = 0, tag = 0, request_timeout = 0, start;
	bool have_tag = false;
	const char *how = "";
	char dur[32];
	struct kv kv;
	int c, ret;

	while ((c = getopt_long(argc, argv, ":" COMMON_SHORTOPTS "t:g:R:", opts, NULL)) != -1) {
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
		case 'R':
			if (parse_dur_arg("sleep", "--request-timeout", optarg,
					  &request_timeout))
				return EXIT_USAGE;
			/* The kernel's field: whole seconds, 16 bits. */
			if (request_timeout < NSEC_PER_SEC ||
			    request_timeout > 65535 * NSEC_PER_SEC)
				return usage_error("sleep", "--request-timeout %s is not within 1s..65535s",
						   optarg);
			fuse_request_timeout_s = (request_timeout + NSEC_PER_SEC - 1) /
						 NSEC_PER_SEC;
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
	if (request_timeout && m->kind != METHOD_FUSE)
		return usage_error("sleep", "--request-timeout is for the FUSE methods, not %s",
				   m->name);
	if (timeout && m->kind == METHOD_STOPPED)
		return usage_error("sleep", "stopped has no timeout: it ends on SIGCONT");
	if (m->kind == METHOD_FSFREEZE && cap_effective(CAP_SYS_ADMIN) == 0) {
		pr_err("could not sleep in fsfreeze: it needs CAP_SYS_ADMIN (loop devices, mount)");
		return EXIT_FAILURE;
	}
	if ((m->kind == METHOD_FUSE || m->kind == METHOD_DM_SUSPEND) &&
	    cap_effective(CAP_SYS_ADMIN) == 0) {
		pr_err("could not sleep in %s: it needs CAP_SYS_ADMIN (%s)", m->name,
		       m->kind == METHOD_FUSE ? "mount" : "device-mapper, loop devices");
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
		ret = sleep_kept(&fsfreeze_sleep, &ff, timeout, &how);
		break;
	case METHOD_FUSE:
		ret = sleep_kept(m->flags & METHOD_FUSE_NOREAD ?
				 &fuse_noread_sleep : &fuse_noreply_sleep,
				 &fz, timeout, &how);
		break;
	case METHOD_DM_SUSPEND:
		ret = sleep_kept(&dm_sleep, &dm, timeout, &how);
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

// SPDX-License-Identifier: GPL-2.0
/*
 * drill: judge a supervisor's stop against a process in D.  A target is
 * put in a state, the user's stop command runs under a deadline while a
 * probe command checks that the supervisor still answers, the target is
 * woken late, and what happened is held against the user's expectations.
 * Whatever the stop does, nothing is left: its process group and every
 * descendant are killed, the target is woken and reaped, the cgroup made
 * for it removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dstate.h"
#include "lib/caps.h"
#include "lib/cgroup2.h"
#include "lib/device.h"
#include "lib/drill.h"
#include "lib/duration.h"
#include "lib/interrupt.h"
#include "lib/modes.h"
#include "lib/pidwait.h"
#include "lib/procfs.h"
#include "lib/spawn.h"
#include "lib/text.h"

#define DRILL_STATE_NS		(10 * NSEC_PER_SEC)
#define DRILL_OUTPUT_MAX	65536
#define DRILL_UNDO_NS		(10 * NSEC_PER_SEC)
/* A module sleeper's own timeout, beyond everything the drill waits. */
#define DRILL_SAFETY_NS		(60 * NSEC_PER_SEC)
/* How many sleepers a --target-cmd may be asked for. */
#define DRILL_TARGETS_MAX	64

struct drill_opts {
	const struct dstate_method *m;
	const char *stop, *probe, *cgroup_parent, *mounts, *target_cmd;
	uint64_t stop_deadline, wake_after, settle;
	uint64_t probe_interval, probe_timeout, target_wait;
	unsigned int target_count;
	bool cgroup;
	char in_cgroup[PATH_MAX];	/* --in-cgroup, resolved; or "" */
	/* expectations; have_* says which were given */
	bool have_within, have_status, have_message, have_probe_ok, have_gone,
	     have_cg_removed, have_honest;
	uint64_t within;
	int status;
	const char *message;
	regex_t message_re;
};

/* A sleeper a --target-cmd started: the process, its sleeping thread. */
struct drill_tgt {
	unsigned long long start;	/* its starttime: not a reused pid */
	uint64_t gone_ns;
	pid_t pid, tid;
	bool gone, fatal_at_wake;
};

struct drill {
	/* Ordered by size, as clang-tidy's padding check wants. */
	const struct drill_opts *o;
	struct drill_tgt tg[DRILL_TARGETS_MAX];	/* --target-cmd's */
	/* fsfreeze: a writer and its keeper, as 'dstate spawn' makes them */
	struct spawn_ctx sc;
	struct spawn_req sr;
	struct spawned sp;
	char *out;		/* the stop's output */
	size_t out_len;
	const char *wake_how;
	uint64_t t0;		/* the stop's start */
	uint64_t stop_ns;
	uint64_t probe_start, next_probe;
	uint64_t worst;
	uint64_t woke_ns;
	uint64_t gone_ns;
	uint64_t tag;		/* --target-cmd: DSTATE_TAG */

	int dev_fd;
	pid_t target;
	pid_t helper;		/* a kept method's daemon or keeper */
	int err_rd;		/* ... and its target's stderr */
	pid_t stop_pid;
	pid_t cmd_pid;		/* --target-cmd's shell, until it ended */
	int cmd_status;
	unsigned int ntg;
	int out_rd;
	int stop_status;
	pid_t probe_pid;
	unsigned int answered, failed;
	int wake_err;
	int tstatus;
	int sig;		/* INT, TERM or HUP that came */

	bool spawned;
	bool fatal_at_wake;	/* a fatal signal was pending then */
	bool stop_done, stop_killed, alive_at_return;
	bool woken;
	bool gone, have_tstatus;
	bool cg_removed;	/* by the time it was judged */
	bool cg_given;		/* --in-cgroup: not ours to remove */
	bool cmd_done;
	bool mounts_left;
	char cg[4096];		/* the cgroup made, or "" */
};

static void drill_usage(void)
{
	unsigned int i;

	printf("Usage:\n dstate drill MODE --stop CMD [--stop-deadline DUR] [--wake-after DUR]\n"
	       "              [--probe CMD [--probe-interval DUR] [--probe-timeout DUR]]\n"
	       "              [--cgroup [--cgroup-parent DIR] | --in-cgroup DIR]\n"
	       "              [--target-cmd CMD [--target-wait DUR] [--target-count N]]\n"
	       "              [--settle DUR] [--expect-... ] [-J]\n\n"
	       "Judge a supervisor's stop against a process in D.  Start a target in\n"
	       "MODE, then run the stop command CMD (sh -c, in a session of its own,\n"
	       "with DSTATE_PID, DSTATE_MODE and DSTATE_CGROUP in its environment)\n"
	       "under a deadline; meanwhile run the probe command every interval, each\n"
	       "under a deadline of its own, to see that the supervisor still answers;\n"
	       "wake the target --wake-after DUR from the stop's start (the late wake:\n"
	       "the module's release, SIGKILL to the vfork child, SIGCONT, SIGTERM to\n"
	       "the FUSE daemon or the dm-suspend keeper); then see whether the target\n"
	       "ends, and judge each expectation given.  Woken, the target lives on, as\n"
	       "the workload it stands for would, unless a signal ends it (the FUSE\n"
	       "and dm-suspend ones, 'dstate sleep METHOD', end by themselves: that is\n"
	       "not \"gone\").\n\n"
	       "With --target-cmd the drill starts no target of its own: it runs CMD\n"
	       "(sh -c, in a session of its own, with DSTATE_TAG, DSTATE_MODE and\n"
	       "DSTATE_CGROUP in its environment; its output goes to dstate's stderr)\n"
	       "and waits for N module sleepers tagged DSTATE_TAG, in MODE, such as\n"
	       "'dstate sleep \"$DSTATE_MODE\" --tag \"$DSTATE_TAG\"' started in a\n"
	       "container: those are the target, and the late wake is the release of\n"
	       "that tag.  MODE is then a module mode.  They are gone when every one\n"
	       "has ended; one that ends after the wake with no fatal signal pending\n"
	       "then ended by itself, which is not \"gone\".\n\n"
	       "Nothing is left: at the deadline the stop's process group is killed,\n"
	       "then every process the drill made or inherited (it is a subreaper),\n"
	       "and the cgroup it made is removed (never an --in-cgroup one); with\n"
	       "--target-cmd, the tag is released and the sleepers still there are\n"
	       "killed too, in whatever pid namespace (the rest of a container is\n"
	       "its runtime's); on SIGINT, SIGTERM or SIGHUP too, after which dstate\n"
	       "dies of the signal (128+N).\n\n"
	       "Modes:");
	for (i = 0; i < dstate_method_count; i++)
		if (drill_method_ok(&dstate_methods[i]))
			printf(" %s", dstate_methods[i].name);
	printf("\n\nExit status: 0 every expectation held, 1 one failed (or the drill\n"
	       "could not be run), 2 usage error.\n\n"
	       "Options:\n"
	       " -s, --stop CMD            the supervisor's stop (required)\n"
	       " -d, --stop-deadline DUR   kill the stop's process group after DUR (30s)\n"
	       " -w, --wake-after DUR      the late wake, after the stop's start (5s)\n"
	       "     --probe CMD           \"still responsive?\": exit 0 is an answer\n"
	       "     --probe-interval DUR  start a probe every DUR (500ms)\n"
	       "     --probe-timeout DUR   a probe not done in DUR failed; killed (1s)\n"
	       " -c, --cgroup              put the target in a new cgroup (v2), removed\n"
	       "                           at the end if the stop left it\n"
	       "     --cgroup-parent DIR   make it under DIR (the cgroup2 mount's root)\n"
	       "     --in-cgroup DIR       put the target in DIR, an existing cgroup v2\n"
	       "                           directory (a unit's, a container's), which\n"
	       "                           dstate never removes\n"
	       "     --target-cmd CMD      CMD starts the target (above); with a cgroup,\n"
	       "                           CMD runs in it\n"
	       "     --target-wait DUR     how long CMD has to start them (10s)\n"
	       "     --target-count N      how many sleepers it starts (1; at most 64)\n"
	       "     --settle DUR          after the wake, how long the target may take\n"
	       "                           to end (2s)\n"
	       " -J, --json                JSON output\n"
	       " -h, --help                this text\n"
	       " -V, --version             the version\n\n"
	       "Expectations (each is one line of the report, held or FAILED):\n"
	       "     --expect-stop-within DUR   the stop returned within DUR\n"
	       "     --expect-status N          ... with exit status N\n"
	       "     --expect-message REGEX     its output (stdout and stderr) matches\n"
	       "                                REGEX (extended, per line)\n"
	       "     --expect-honest            its status is true: 0 only if the target\n"
	       "                                was gone when it returned, else not 0\n"
	       "     --expect-probe ok          every probe answered within its deadline\n"
	       "     --expect-gone              the target ended (each of them), by the\n"
	       "                                settle after the wake at the latest\n"
	       "     --expect-cgroup-removed    the cgroup (made or given) was removed,\n"
	       "                                by the stop\n"
	       "     --expect-mounts-gone PATH  no mount at or under PATH at the end\n");
}

enum {
	OPT_PROBE = 0x200, OPT_PROBE_INTERVAL, OPT_PROBE_TIMEOUT, OPT_CGROUP_PARENT,
	OPT_SETTLE, OPT_WITHIN, OPT_STATUS, OPT_MESSAGE, OPT_HONEST,
	OPT_PROBE_OK, OPT_GONE, OPT_CG_REMOVED, OPT_MOUNTS, OPT_IN_CGROUP,
	OPT_TARGET_CMD, OPT_TARGET_WAIT, OPT_TARGET_COUNT,
};

/*
 * --in-cgroup DIR: an existing directory of a cgroup v2 hierarchy,
 * resolved into o->in_cgroup.  -1, or a usage error's status.
 */
static int parse_in_cgroup(const char *dir, struct drill_opts *o)
{
	struct statfs fs;
	struct stat sb;

	if (stat(dir, &sb) < 0)
		return usage_error("drill", "--in-cgroup %s: %s", dir, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return usage_error("drill", "--in-cgroup %s: not a directory", dir);
	if (statfs(dir, &fs) < 0 || fs.f_type != CGROUP2_SUPER_MAGIC)
		return usage_error("drill", "--in-cgroup %s: not a cgroup v2 directory", dir);
	if (!realpath(dir, o->in_cgroup))
		return usage_error("drill", "--in-cgroup %s: %s", dir, strerror(errno));
	return -1;
}

static int parse_opts(int argc, char **argv, struct drill_opts *o)
{
	static const struct option opts[] = {
		{ "stop", required_argument, NULL, 's' },
		{ "stop-deadline", required_argument, NULL, 'd' },
		{ "wake-after", required_argument, NULL, 'w' },
		{ "probe", required_argument, NULL, OPT_PROBE },
		{ "probe-interval", required_argument, NULL, OPT_PROBE_INTERVAL },
		{ "probe-timeout", required_argument, NULL, OPT_PROBE_TIMEOUT },
		{ "cgroup", no_argument, NULL, 'c' },
		{ "cgroup-parent", required_argument, NULL, OPT_CGROUP_PARENT },
		{ "in-cgroup", required_argument, NULL, OPT_IN_CGROUP },
		{ "target-cmd", required_argument, NULL, OPT_TARGET_CMD },
		{ "target-wait", required_argument, NULL, OPT_TARGET_WAIT },
		{ "target-count", required_argument, NULL, OPT_TARGET_COUNT },
		{ "settle", required_argument, NULL, OPT_SETTLE },
		{ "expect-stop-within", required_argument, NULL, OPT_WITHIN },
		{ "expect-status", required_argument, NULL, OPT_STATUS },
		{ "expect-message", required_argument, NULL, OPT_MESSAGE },
		{ "expect-honest", no_argument, NULL, OPT_HONEST },
		{ "expect-probe", required_argument, NULL, OPT_PROBE_OK },
		{ "expect-gone", no_argument, NULL, OPT_GONE },
		{ "expect-cgroup-removed", no_argument, NULL, OPT_CG_REMOVED },
		{ "expect-mounts-gone", required_argument, NULL, OPT_MOUNTS },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	bool have_wait = false, have_count = false;
	uint64_t v;
	int c, ret;

	o->stop_deadline = 30 * NSEC_PER_SEC;
	o->target_wait = 10 * NSEC_PER_SEC;
	o->target_count = 1;
	o->wake_after = 5 * NSEC_PER_SEC;
	o->settle = 2 * NSEC_PER_SEC;
	o->probe_interval = 500 * NSEC_PER_MSEC;
	o->probe_timeout = NSEC_PER_SEC;
	while ((c = getopt_long(argc, argv, ":" COMMON_SHORTOPTS "s:d:w:c",
				opts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->stop = optarg;
			break;
		case 'd':
			if (parse_dur_arg("drill", "--stop-deadline", optarg, &o->stop_deadline))
				return EXIT_USAGE;
			break;
		case 'w':
			if (parse_dur_arg("drill", "--wake-after", optarg, &o->wake_after))
				return EXIT_USAGE;
			break;
		case OPT_PROBE:
			o->probe = optarg;
			break;
		case OPT_PROBE_INTERVAL:
			if (parse_dur_arg("drill", "--probe-interval", optarg, &o->probe_interval))
				return EXIT_USAGE;
			if (o->probe_interval < NSEC_PER_MSEC)
				return usage_error("drill", "--probe-interval %s is under 1ms", optarg);
			break;
		case OPT_PROBE_TIMEOUT:
			if (parse_dur_arg("drill", "--probe-timeout", optarg, &o->probe_timeout))
				return EXIT_USAGE;
			break;
		case 'c':
			o->cgroup = true;
			break;
		case OPT_CGROUP_PARENT:
			o->cgroup_parent = optarg;
			o->cgroup = true;
			break;
		case OPT_IN_CGROUP:
			ret = parse_in_cgroup(optarg, o);
			if (ret >= 0)
				return ret;
			break;
		case OPT_TARGET_CMD:
			o->target_cmd = optarg;
			break;
		case OPT_TARGET_WAIT:
			if (parse_dur_arg("drill", "--target-wait", optarg, &o->target_wait))
				return EXIT_USAGE;
			have_wait = true;
			break;
		case OPT_TARGET_COUNT:
			if (parse_u64(optarg, &v) || v < 1 || v > DRILL_TARGETS_MAX)
				return usage_error("drill", "bad --target-count '%s' (1 to %d)",
						   optarg, DRILL_TARGETS_MAX);
			o->target_count = (unsigned int)v;
			have_count = true;
			break;
		case OPT_SETTLE:
			if (parse_dur_arg("drill", "--settle", optarg, &o->settle))
				return EXIT_USAGE;
			break;
		case OPT_WITHIN:
			if (parse_dur_arg("drill", "--expect-stop-within", optarg, &o->within))
				return EXIT_USAGE;
			o->have_within = true;
			break;
		case OPT_STATUS:
			if (parse_u64(optarg, &v) || v > 255)
				return usage_error("drill", "bad status '%s' (0 to 255)", optarg);
			o->status = (int)v;
			o->have_status = true;
			break;
		case OPT_MESSAGE:
			if (o->have_message)
				regfree(&o->message_re);
			ret = regcomp(&o->message_re, optarg,
				      REG_EXTENDED | REG_NOSUB | REG_NEWLINE);
			if (ret) {
				char err[128];

				regerror(ret, &o->message_re, err, sizeof(err));
				return usage_error("drill", "bad --expect-message '%s': %s",
						   optarg, err);
			}
			o->message = optarg;
			o->have_message = true;
			break;
		case OPT_HONEST:
			o->have_honest = true;
			break;
		case OPT_PROBE_OK:
			if (strcmp(optarg, "ok") != 0)
				return usage_error("drill", "--expect-probe takes 'ok', not '%s'",
						   optarg);
			o->have_probe_ok = true;
			break;
		case OPT_GONE:
			o->have_gone = true;
			break;
		case OPT_CG_REMOVED:
			o->have_cg_removed = true;
			break;
		case OPT_MOUNTS:
			if (optarg[0] != '/')
				return usage_error("drill", "--expect-mounts-gone needs an absolute path, not '%s'",
						   optarg);
			o->mounts = optarg;
			break;
		default:
			ret = common_option(c, "drill", argv, drill_usage);
			if (ret >= 0)
				return ret;
		}
	}
	if (optind >= argc)
		return usage_error("drill", "no mode given");
	if (argc - optind > 1)
		return usage_error("drill", "unexpected argument '%s'", argv[optind + 1]);
	o->m = method_lookup(argv[optind]);
	if (!o->m)
		return usage_error("drill", "unknown mode '%s'", argv[optind]);
	if (!drill_method_ok(o->m))
		return usage_error("drill", "drill does not start %s targets (see 'dstate drill --help')",
				   o->m->name);
	if (o->target_cmd && o->m->kind != METHOD_MODULE)
		return usage_error("drill", "--target-cmd needs a module mode, not %s: its target is the sleepers of a tag",
				   o->m->name);
	if ((have_wait || have_count) && !o->target_cmd)
		return usage_error("drill", "%s needs --target-cmd",
				   have_wait ? "--target-wait" : "--target-count");
	if (o->cgroup && o->in_cgroup[0])
		return usage_error("drill", "--in-cgroup and --cgroup (or --cgroup-parent) exclude each other");
	if (!o->stop)
		return usage_error("drill", "no --stop command given");
	if (o->have_probe_ok && !o->probe)
		return usage_error("drill", "--expect-probe needs --probe");
	if (o->have_cg_removed && !o->cgroup && !o->in_cgroup[0])
		return usage_error("drill", "--expect-cgroup-removed needs --cgroup or --in-cgroup");
	if (o->have_within && o->within > o->stop_deadline)
		return usage_error("drill", "--expect-stop-within is beyond --stop-deadline");
	return -1;
}

/* A helper that tears down what the target sleeps in, after it. */
static bool has_keeper(const struct dstate_method *m)
{
	return drill_method_kept(m) || m->kind == METHOD_FSFREEZE;
}

/* Has this one of --target-cmd's sleepers ended (or its pid been reused)? */
static bool tgt_ended(struct drill *d, struct drill_tgt *t)
{
	struct proc_stat st;

	if (t->gone)
		return true;
	if (!proc_read_stat(t->pid, &st) && st.starttime == t->start &&
	    st.state != 'Z' && st.state != 'X')
		return false;
	t->gone = true;
	t->gone_ns = now_ns() - d->t0;
	return true;
}

static bool target_ended(struct drill *d)
{
	unsigned int i;
	bool all = true;
	char l;

	if (d->gone)
		return true;
	if (d->ntg) {
		/* Every one of them; the last to end says when. */
		for (i = 0; i < d->ntg; i++)
			all = tgt_ended(d, &d->tg[i]) && all;
		if (!all)
			return false;
		d->gone = true;
		for (i = 0; i < d->ntg; i++)
			if (d->tg[i].gone_ns > d->gone_ns)
				d->gone_ns = d->tg[i].gone_ns;
		return true;
	}
	l = proc_state(d->target);
	if (l && l != 'Z' && l != 'X')
		return false;
	d->gone = true;
	d->gone_ns = now_ns() - d->t0;
	return true;
}

static void read_output(struct drill *d)
{
	char buf[4096];
	ssize_t n;

	if (d->out_rd < 0)
		return;
	for (;;) {
		n = read(d->out_rd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (d->out_len < DRILL_OUTPUT_MAX) {
			size_t k = (size_t)n;

			if (k > DRILL_OUTPUT_MAX - d->out_len)
				k = DRILL_OUTPUT_MAX - d->out_len;
			memcpy(d->out + d->out_len, buf, k);
			d->out_len += k;
			d->out[d->out_len] = '\0';
		}
	}
	if (n == 0) {
		close(d->out_rd);
		d->out_rd = -1;
	}
}

/* Reap what ended: the stop, the probe, the target, orphans. */
static void reap(struct drill *d)
{
	uint64_t now = now_ns();
	int status;
	pid_t p;

	while ((p = waitpid(-1, &status, WNOHANG | __WALL)) > 0) {
		if (p == d->target && d->ntg > 1) {
			/* One of several: target_ended() looks at each. */
			continue;
		} else if (p == d->target) {
			if (!d->gone && !d->ntg) {
				d->gone = true;
				d->gone_ns = now - d->t0;
			}
			d->have_tstatus = true;
			d->tstatus = status;
		} else if (p == d->stop_pid) {
			d->stop_pid = 0;
			if (d->stop_done)
				continue;	/* killed at its deadline */
			d->stop_done = true;
			d->stop_status = status;
			d->stop_ns = now - d->t0;
			d->alive_at_return = !target_ended(d);
		} else if (p == d->cmd_pid) {
			d->cmd_pid = 0;
			d->cmd_done = true;
			d->cmd_status = status;
		} else if (p == d->probe_pid) {
			uint64_t took = now - d->probe_start;

			d->probe_pid = 0;
			if (took > d->worst)
				d->worst = took;
			if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
			    took <= d->o->probe_timeout)
				d->answered++;
			else
				d->failed++;
		}
	}
}

/*
 * The late wake: the method's own, or for --target-cmd the release of its
 * tag.  *fatal says whether every target still there then had a fatal
 * signal pending.  0 or -errno.
 */
static int wake_target(struct drill *d, bool *fatal, const char **how)
{
	unsigned int i;

	if (!d->ntg) {
		*fatal = proc_stop_pending(d->target);
		return drill_wake(d->o->m, d->dev_fd, d->target, how);
	}
	*fatal = true;
	for (i = 0; i < d->ntg; i++) {
		if (tgt_ended(d, &d->tg[i]))
			continue;
		d->tg[i].fatal_at_wake = proc_stop_pending(d->tg[i].pid);
		*fatal = *fatal && d->tg[i].fatal_at_wake;
	}
	*how = "release of the tag";
	return dev_release(d->dev_fd, DSTATE_RELEASE_TAG, 0, d->tag, NULL);
}

static void env_set(char **env, size_t i, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void env_set(char **env, size_t i, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&env[i], fmt, ap) < 0)
		env[i] = NULL;
	va_end(ap);
}

/* The drill's loop: until the stop is done and the target's end judged. */
static int run(struct drill *d, char **env, const sigset_t *stop_sigs)
{
	const struct drill_opts *o = d->o;
	int pipefd[2], sfd, ret;
	sigset_t set = *stop_sigs;
	int tfd = -1;

	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		pr_err("could not make a signalfd: %s", strerror(errno));
		return -1;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		pr_err("could not make a pipe: %s", strerror(errno));
		close(sfd);
		return -1;
	}
	d->out_rd = pipefd[0];
	fcntl(d->out_rd, F_SETFL, O_NONBLOCK);
	/* --target-cmd's sleepers are looked at every 5 ms instead. */
	tfd = d->ntg ? -1 : pidfd_open_pid(d->target);

	d->t0 = now_ns();
	d->next_probe = d->t0;
	ret = drill_run_shell(o->stop, env, pipefd[1], NULL, &d->stop_pid);
	close(pipefd[1]);
	if (ret) {
		pr_err("could not run the stop command: %s", strerror(-ret));
		close(sfd);
		if (tfd >= 0)
			close(tfd);
		return -1;
	}

	for (;;) {
		struct signalfd_siginfo si;
		struct pollfd p[3];
		uint64_t now = now_ns(), next = UINT64_MAX, rel = now - d->t0;
		bool hang_over;
		int np = 0, ms;

		/* The stop's deadline: its whole process group goes. */
		if (!d->stop_done && rel >= o->stop_deadline) {
			kill(-d->stop_pid, SIGKILL);
			kill(d->stop_pid, SIGKILL);
			d->stop_done = true;
			d->stop_killed = true;
			d->stop_ns = rel;
			d->alive_at_return = !target_ended(d);
		}
		if (!d->woken && !target_ended(d) && rel >= o->wake_after) {
			d->woken = true;
			d->woke_ns = rel;
			d->wake_err = -wake_target(d, &d->fatal_at_wake, &d->wake_how);
		}
		if (d->probe_pid && now - d->probe_start >= o->probe_timeout) {
			kill(-d->probe_pid, SIGKILL);
			kill(d->probe_pid, SIGKILL);
		}
		hang_over = d->stop_done &&
			    (target_ended(d) || (d->woken && rel >= d->woke_ns + o->settle));
		if (hang_over && !d->probe_pid)
			break;
		if (o->probe && !hang_over && !d->probe_pid && now >= d->next_probe) {
			d->probe_start = now;
			d->next_probe = now + o->probe_interval;
			if (drill_run_shell(o->probe, env, -1, NULL, &d->probe_pid)) {
				d->probe_pid = 0;
				d->failed++;
			}
		}

		/* When something is next due. */
		if (!d->stop_done)
			next = d->t0 + o->stop_deadline;
		if (!d->woken && !d->gone && d->t0 + o->wake_after < next)
			next = d->t0 + o->wake_after;
		if (d->woken && !d->gone && d->t0 + d->woke_ns + o->settle < next)
			next = d->t0 + d->woke_ns + o->settle;
		if (d->probe_pid && d->probe_start + o->probe_timeout < next)
			next = d->probe_start + o->probe_timeout;
		if (o->probe && !hang_over && !d->probe_pid && d->next_probe < next)
			next = d->next_probe;
		/* Without a pidfd for the target, look at it every 5 ms. */
		if (tfd < 0 && !d->gone && now + 5 * NSEC_PER_MSEC < next)
			next = now + 5 * NSEC_PER_MSEC;
		now = now_ns();
		ms = next == UINT64_MAX ? -1 : next <= now ? 0 :
		     (int)((next - now + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC);

		p[np++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		p[np++] = (struct pollfd){ .fd = d->out_rd, .events = POLLIN };
		p[np++] = (struct pollfd){ .fd = d->gone ? -1 : tfd, .events = POLLIN };
		if (poll(p, (nfds_t)np, ms) < 0 && errno != EINTR)
			break;
		read_output(d);
		while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo != SIGCHLD && !d->sig)
				d->sig = (int)si.ssi_signo;
		}
		if (p[2].revents)
			target_ended(d);
		reap(d);
		if (d->sig)
			break;
	}
	read_output(d);
	/* Seen gone as a zombie: its status, our child's, is a reap away. */
	if (d->gone && !d->have_tstatus && d->ntg <= 1) {
		uint64_t deadline = now_ns() + NSEC_PER_SEC;
		struct timespec ms1 = { 0, 1000000 };
		int status;
		pid_t p;

		while ((p = waitpid(d->target, &status, WNOHANG | __WALL)) == 0 &&
		       now_ns() < deadline)
			nanosleep(&ms1, NULL);
		if (p == d->target) {
			d->have_tstatus = true;
			d->tstatus = status;
		}
	}
	close(sfd);
	if (tfd >= 0)
		close(tfd);
	return 0;
}

/*
 * The sleepers tagged d->tag (no kernel thread) into @t, at most
 * DRILL_TARGETS_MAX of them: how many there are, or -errno.  *asleep
 * counts those of MODE that are asleep: the module says the thread is
 * in its sleep, and /proc shows MODE's letter.  *other is the index of
 * one in another mode, or -1.
 */
static int find_tagged(struct drill *d, struct drill_tgt *t, unsigned int *asleep,
		       int *other, unsigned int *other_mode)
{
	const struct dstate_method *m = d->o->m;
	struct dstate_sleeper *sl = NULL;
	struct dstate_task_state ts;
	struct proc_stat st;
	size_t count, i;
	unsigned int n = 0;
	int ret;

	*asleep = 0;
	*other = -1;
	ret = dev_list(d->dev_fd, &sl, &count);
	if (ret)
		return ret;
	for (i = 0; i < count && n < DRILL_TARGETS_MAX; i++) {
		if (sl[i].tag != d->tag || (sl[i].flags & DSTATE_SLEEPER_KTHREAD))
			continue;
		t[n] = (struct drill_tgt){ .pid = (pid_t)sl[i].pid, .tid = (pid_t)sl[i].tid };
		if (proc_read_stat(t[n].pid, &st))
			continue;	/* gone already */
		t[n].start = st.starttime;
		if (sl[i].mode != m->mode) {
			*other = (int)n;
			*other_mode = sl[i].mode;
		} else if (!proc_read_task_stat(t[n].pid, t[n].tid, &st) &&
			   st.state == m->letter &&
			   !dev_task_state(d->dev_fd, t[n].tid, &ts) && ts.is_dstate) {
			(*asleep)++;
		}
		n++;
	}
	free(sl);
	return (int)n;
}

/* Add to d->tg the tagged sleepers it lacks, for the undo. */
static void collect_tagged(struct drill *d)
{
	struct drill_tgt t[DRILL_TARGETS_MAX] = { 0 };
	unsigned int asleep, mode, i, j;
	int n, other;

	if (d->dev_fd < 0 || !d->tag)
		return;
	n = find_tagged(d, t, &asleep, &other, &mode);
	for (i = 0; n > 0 && i < (unsigned int)n && d->ntg < DRILL_TARGETS_MAX; i++) {
		for (j = 0; j < d->ntg && d->tg[j].pid != t[i].pid; j++)
			;
		if (j == d->ntg)
			d->tg[d->ntg++] = t[i];
	}
}

/*
 * A kept method's helper tears down (unmounts, removes) after its target
 * ended: let it, reaping what ends meanwhile, for up to @ns.
 */
static void wait_helper(struct drill *d, uint64_t ns)
{
	uint64_t deadline = now_ns() + ns;
	struct timespec ms5 = { 0, 5000000 };
	char l;

	if (!d->helper)
		return;
	for (;;) {
		while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
			;
		l = proc_state(d->helper);
		if (!l || l == 'Z' || now_ns() >= deadline)
			return;
		nanosleep(&ms5, NULL);
	}
}

/*
 * Leave nothing: the stop's and the probe's groups, the target (woken,
 * then killed), every other descendant; reap them all; remove the cgroup.
 */
static void undo(struct drill *d)
{
	struct timespec ms5 = { 0, 5000000 };
	const char *how;
	uint64_t deadline;
	struct stat sb;
	unsigned int i;
	bool left;

	if (d->stop_pid > 0) {
		kill(-d->stop_pid, SIGKILL);
		kill(d->stop_pid, SIGKILL);
	}
	if (d->probe_pid > 0) {
		kill(-d->probe_pid, SIGKILL);
		kill(d->probe_pid, SIGKILL);
	}
	if (d->cmd_pid > 0) {
		kill(-d->cmd_pid, SIGKILL);
		kill(d->cmd_pid, SIGKILL);
	}
	if (d->o->target_cmd) {
		/* Its sleepers, wherever they are: woken, and killed. */
		collect_tagged(d);
		if (d->dev_fd >= 0 && d->tag)
			dev_release(d->dev_fd, DSTATE_RELEASE_TAG, 0, d->tag, NULL);
		for (i = 0; i < d->ntg; i++) {
			if (tgt_ended(d, &d->tg[i]))
				continue;
			kill(d->tg[i].pid, SIGKILL);
			kill(d->tg[i].pid, SIGCONT);
		}
	} else if (d->target > 0 && !d->gone) {
		drill_wake(d->o->m, d->dev_fd, d->target, &how);
		/* 'dstate sleep' undoes what it made on SIGTERM, then dies. */
		kill(d->target, drill_method_kept(d->o->m) ? SIGTERM : SIGKILL);
		kill(d->target, SIGCONT);
	}
	if (d->spawned && d->helper && !d->target)
		kill(d->helper, SIGTERM);	/* no writer yet: thaw anyway */
	if (has_keeper(d->o->m))
		wait_helper(d, DRILL_UNDO_NS);
	/* A keeper killed by the stop leaves its filesystem to us. */
	if (d->spawned && d->helper)
		spawn_rescue(&d->sc, &d->sr, &d->sp);
	deadline = now_ns() + DRILL_UNDO_NS;
	do {
		drill_kill_descendants();
		if (!spawn_reap(100 * NSEC_PER_MSEC))
			break;
	} while (now_ns() < deadline);
	/* Sleepers in a container are not ours to reap: see them end. */
	do {
		left = false;
		for (i = 0; i < d->ntg; i++)
			left = !tgt_ended(d, &d->tg[i]) || left;
		if (!left)
			break;
		while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
			;
		nanosleep(&ms5, NULL);
	} while (now_ns() < deadline);
	for (i = 0; i < d->ntg; i++)
		if (!d->tg[i].gone)
			pr_err("pid %d, tagged %llu, is still there", (int)d->tg[i].pid,
			       (unsigned long long)d->tag);
	if (d->out_rd >= 0) {
		close(d->out_rd);
		d->out_rd = -1;
	}
	if (d->err_rd >= 0) {
		close(d->err_rd);
		d->err_rd = -1;
	}
	if (d->spawned) {
		spawn_end(&d->sc);
		d->spawned = false;
	}
	if (!d->cg[0] || d->cg_given)
		return;
	/* Its last process may still be on its way out: rmdir says EBUSY. */
	deadline = now_ns() + 2 * NSEC_PER_SEC;
	while (rmdir(d->cg) < 0 && errno == EBUSY && now_ns() < deadline) {
		struct timespec ms10 = { 0, 10000000 };

		nanosleep(&ms10, NULL);
	}
	if (!stat(d->cg, &sb))
		pr_err("could not remove the cgroup %s: %s", d->cg, strerror(errno));
}

static void describe_status(int status, char *buf, size_t len)
{
	char sig[16];

	if (WIFEXITED(status))
		snprintf(buf, len, "exited %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by %s",
			 signal_name(WTERMSIG(status), sig, sizeof(sig)));
	else
		snprintf(buf, len, "ended");
}

struct verdict {
	const char *name;
	char expected[128];
	char measured[256];
	bool held;
};

#define VERDICT_MAX	8

/*
 * A kept method's target ends by itself once woken ('dstate sleep' exits
 * 0): that is not the stop's doing.  Before the wake, or by a signal, it is.
 */
static bool self_ended(const struct drill *d)
{
	if (!d->gone || !d->woken || d->gone_ns < d->woke_ns)
		return false;
	if (d->ntg)
		return !d->fatal_at_wake;
	if (d->have_tstatus)
		return WIFEXITED(d->tstatus);
	/* An fsfreeze writer is its keeper's child: what was pending tells. */
	return !d->fatal_at_wake;
}


/* How many of --target-cmd's sleepers were still there. */
static unsigned int tgt_left(const struct drill *d)
{
	unsigned int i, n = 0;

	for (i = 0; i < d->ntg; i++)
		n += !d->tg[i].gone;
	return n;
}

static unsigned int judge(const struct drill *d, struct verdict *v)
{
	const struct drill_opts *o = d->o;
	char a[32], how[64];
	unsigned int n = 0;

	if (d->stop_killed)
		snprintf(how, sizeof(how), "still running at the deadline (%s): killed",
			 format_duration(o->stop_deadline, a, sizeof(a)));
	else
		describe_status(d->stop_status, how, sizeof(how));
	if (o->have_within) {
		v[n].name = "stop-within";
		format_duration(o->within, v[n].expected, sizeof(v[n].expected));
		if (d->stop_killed)
			snprintf(v[n].measured, sizeof(v[n].measured), "%s", how);
		else
			format_duration(d->stop_ns, v[n].measured, sizeof(v[n].measured));
		v[n].held = !d->stop_killed && d->stop_ns <= o->within;
		n++;
	}
	if (o->have_status) {
		v[n].name = "status";
		snprintf(v[n].expected, sizeof(v[n].expected), "%d", o->status);
		snprintf(v[n].measured, sizeof(v[n].measured), "%s", how);
		v[n].held = !d->stop_killed && WIFEXITED(d->stop_status) &&
			    WEXITSTATUS(d->stop_status) == o->status;
		n++;
	}
	if (o->have_message) {
		const char *nl;
		size_t len;

		v[n].name = "message";
		snprintf(v[n].expected, sizeof(v[n].expected), "%s", o->message);
		nl = strchr(d->out, '\n');
		len = nl ? (size_t)(nl - d->out) : strlen(d->out);
		if (!d->out_len)
			snprintf(v[n].measured, sizeof(v[n].measured), "no output");
		else
			snprintf(v[n].measured, sizeof(v[n].measured), "\"%.*s\"%s",
				 (int)(len > 200 ? 200 : len), d->out,
				 nl && nl[1] ? " ..." : "");
		v[n].held = !regexec(&o->message_re, d->out, 0, NULL, 0);
		n++;
	}
	if (o->have_honest) {
		bool said_ok = !d->stop_killed && WIFEXITED(d->stop_status) &&
			       WEXITSTATUS(d->stop_status) == 0;

		v[n].name = "honest";
		snprintf(v[n].expected, sizeof(v[n].expected),
			 "status 0 only with the target gone");
		snprintf(v[n].measured, sizeof(v[n].measured), "%s; the target %s then",
			 how, d->alive_at_return ? "still lived" : "was gone");
		v[n].held = d->stop_killed || said_ok != d->alive_at_return;
		n++;
	}
	if (o->have_probe_ok) {
		v[n].name = "probe";
		snprintf(v[n].expected, sizeof(v[n].expected), "ok");
		snprintf(v[n].measured, sizeof(v[n].measured),
			 "%u answered, %u failed, worst %s", d->answered, d->failed,
			 format_duration(d->worst, a, sizeof(a)));
		v[n].held = d->answered > 0 && !d->failed;
		n++;
	}
	if (o->have_gone) {
		v[n].name = "gone";
		snprintf(v[n].expected, sizeof(v[n].expected), "by %s after the wake",
			 format_duration(o->settle, a, sizeof(a)));
		if (self_ended(d))
			snprintf(v[n].measured, sizeof(v[n].measured),
				 "it ended by itself at %s, after the wake: no signal ended it",
				 format_duration(d->gone_ns, a, sizeof(a)));
		else if (d->gone)
			snprintf(v[n].measured, sizeof(v[n].measured), "gone at %s",
				 format_duration(d->gone_ns, a, sizeof(a)));
		else if (d->ntg)
			snprintf(v[n].measured, sizeof(v[n].measured), "%u of %u still there",
				 tgt_left(d), d->ntg);
		else
			snprintf(v[n].measured, sizeof(v[n].measured), "still there (%c)",
				 proc_state(d->target) ? proc_state(d->target) : '?');
		v[n].held = d->gone && !self_ended(d);
		n++;
	}
	if (o->have_cg_removed) {
		v[n].name = "cgroup-removed";
		snprintf(v[n].expected, sizeof(v[n].expected), "removed");
		snprintf(v[n].measured, sizeof(v[n].measured), "%s",
			 d->cg_removed ? "removed" : "left behind");
		v[n].held = d->cg_removed;
		n++;
	}
	if (o->mounts) {
		v[n].name = "mounts-gone";
		snprintf(v[n].expected, sizeof(v[n].expected), "none under %.100s",
			 o->mounts);
		snprintf(v[n].measured, sizeof(v[n].measured), "%s",
			 d->mounts_left ? "still mounted" : "none");
		v[n].held = !d->mounts_left;
		n++;
	}
	return n;
}

static void report_json(const struct drill *d, const struct verdict *v,
			unsigned int n, bool all)
{
	const struct drill_opts *o = d->o;
	struct json_object *r = json_object_new_object();
	struct json_object *s, *e, *a;
	char how[64], sig[16];
	unsigned int i;

	json_object_object_add(r, "mode", json_text(o->m->name));
	json_object_object_add(r, "pid", json_object_new_int(d->target));
	a = json_object_new_array();
	if (!d->ntg)
		json_object_array_add(a, json_object_new_int(d->target));
	for (i = 0; i < d->ntg; i++)
		json_object_array_add(a, json_object_new_int(d->tg[i].pid));
	json_object_object_add(r, "pids", a);
	json_object_object_add(r, "target_command", o->target_cmd ?
			       json_text(o->target_cmd) : NULL);
	json_object_object_add(r, "tag", o->target_cmd ?
			       json_object_new_uint64(d->tag) : NULL);
	json_object_object_add(r, "cgroup", d->cg[0] ? json_text(d->cg) : NULL);
	json_object_object_add(r, "cgroup_given", json_object_new_boolean(d->cg_given));

	s = json_object_new_object();
	json_object_object_add(s, "command", json_text(o->stop));
	json_object_object_add(s, "killed_at_deadline",
			       json_object_new_boolean(d->stop_killed));
	if (!d->stop_killed) {
		describe_status(d->stop_status, how, sizeof(how));
		json_object_object_add(s, "how", json_text(how));
	} else {
		json_object_object_add(s, "how", json_text("killed at the deadline"));
	}
	json_object_object_add(s, "exit_code", !d->stop_killed && WIFEXITED(d->stop_status) ?
			       json_object_new_int(WEXITSTATUS(d->stop_status)) : NULL);
	json_object_object_add(s, "signal", !d->stop_killed && WIFSIGNALED(d->stop_status) ?
			       json_text(signal_name(WTERMSIG(d->stop_status), sig,
						     sizeof(sig))) : NULL);
	json_object_object_add(s, "elapsed_ns", json_object_new_int64((int64_t)d->stop_ns));
	json_object_object_add(s, "output", json_text(d->out));
	json_object_object_add(s, "target_alive_at_return",
			       json_object_new_boolean(d->alive_at_return));
	json_object_object_add(r, "stop", s);

	if (o->probe) {
		s = json_object_new_object();
		json_object_object_add(s, "command", json_text(o->probe));
		json_object_object_add(s, "answered", json_object_new_int((int)d->answered));
		json_object_object_add(s, "failed", json_object_new_int((int)d->failed));
		json_object_object_add(s, "worst_ns", json_object_new_int64((int64_t)d->worst));
		json_object_object_add(r, "probe", s);
	} else {
		json_object_object_add(r, "probe", NULL);
	}

	s = json_object_new_object();
	json_object_object_add(s, "woken", json_object_new_boolean(d->woken));
	json_object_object_add(s, "after_ns", json_object_new_int64((int64_t)o->wake_after));
	json_object_object_add(s, "how", d->woken ? json_text(d->wake_how) : NULL);
	json_object_object_add(s, "at_ns", d->woken ?
			       json_object_new_int64((int64_t)d->woke_ns) : NULL);
	json_object_object_add(r, "wake", s);

	s = json_object_new_object();
	json_object_object_add(s, "gone", json_object_new_boolean(d->gone));
	json_object_object_add(s, "at_ns", d->gone ?
			       json_object_new_int64((int64_t)d->gone_ns) : NULL);
	if (d->have_tstatus)
		describe_status(d->tstatus, how, sizeof(how));
	json_object_object_add(s, "how", d->have_tstatus ? json_text(how) : NULL);
	json_object_object_add(s, "fatal_signal_pending_at_wake", d->woken ?
			       json_object_new_boolean(d->fatal_at_wake) : NULL);
	json_object_object_add(r, "target", s);
	json_object_object_add(r, "cgroup_removed", d->cg[0] ?
			       json_object_new_boolean(d->cg_removed) : NULL);

	a = json_object_new_array();
	for (i = 0; i < n; i++) {
		e = json_object_new_object();
		json_object_object_add(e, "name", json_text(v[i].name));
		json_object_object_add(e, "expected", json_text(v[i].expected));
		json_object_object_add(e, "measured", json_text(v[i].measured));
		json_object_object_add(e, "held", json_object_new_boolean(v[i].held));
		json_object_array_add(a, e);
	}
	json_object_object_add(r, "expectations", a);
	json_object_object_add(r, "held", json_object_new_boolean(all));
	s = json_object_new_object();
	json_object_object_add(s, "drill", r);
	json_print(s, false);
}

static void report_text(const struct drill *d, const struct verdict *v,
			unsigned int n)
{
	const struct drill_opts *o = d->o;
	char a[32], b[32], how[64], line[512];
	unsigned int i;

	printf("target:  pid %d, %s (%c)", (int)d->target, o->m->name, o->m->letter);
	if (d->ntg) {
		printf(", tag %llu: the target command's %u sleeper%s, pid%s",
		       (unsigned long long)d->tag, d->ntg, d->ntg > 1 ? "s" : "",
		       d->ntg > 1 ? "s" : "");
		for (i = 0; i < d->ntg; i++)
			printf(" %d", (int)d->tg[i].pid);
	}
	putchar('\n');
	if (d->cg[0]) {
		printf("cgroup:  ");
		fputs_visible(d->cg, stdout);
		if (d->cg_given)
			printf(" (given: %s)\n", d->cg_removed ? "removed by the stop" :
			       "still there, left to its owner");
		else
			printf(" (%s)\n", d->cg_removed ? "removed by the stop" :
			       "left: removed by dstate");
	}
	if (d->stop_killed)
		printf("stop:    still running at the deadline (%s): its process group killed\n",
		       format_duration(o->stop_deadline, a, sizeof(a)));
	else {
		describe_status(d->stop_status, how, sizeof(how));
		printf("stop:    %s after %s; the target %s then\n", how,
		       format_duration(d->stop_ns, a, sizeof(a)),
		       d->alive_at_return ? "still lived" : "was gone");
	}
	if (d->out_len) {
		const char *s = d->out, *nl;

		while (*s) {
			nl = strchr(s, '\n');
			snprintf(line, sizeof(line), "%.*s",
				 (int)(nl ? nl - s : (long)strlen(s)), s);
			printf("output:  ");
			fputs_visible(line, stdout);
			putchar('\n');
			if (!nl)
				break;
			s = nl + 1;
		}
	}
	if (o->probe)
		printf("probe:   %u answered, %u failed, worst %s\n", d->answered,
		       d->failed, format_duration(d->worst, a, sizeof(a)));
	if (d->woken)
		printf("wake:    at %s: %s%s%s\n", format_duration(d->woke_ns, a, sizeof(a)),
		       d->wake_how, d->wake_err ? ": " : "",
		       d->wake_err ? strerror(d->wake_err) : "");
	else
		printf("wake:    not needed (%s after the start)\n",
		       format_duration(o->wake_after, a, sizeof(a)));
	if (d->gone) {
		if (d->have_tstatus)
			describe_status(d->tstatus, how, sizeof(how));
		if (!d->have_tstatus && d->woken)
			snprintf(how, sizeof(how), "%s fatal signal pending at the wake",
				 d->fatal_at_wake ? "a" : "no");
		printf("end:     the target ended at %s%s%s\n",
		       format_duration(d->gone_ns, b, sizeof(b)),
		       d->have_tstatus || d->woken ? ": " : "",
		       d->have_tstatus || d->woken ? how : "");
	} else {
		printf("end:     the target still lived %s after the wake: killed by dstate\n",
		       format_duration(o->settle, a, sizeof(a)));
	}
	for (i = 0; i < n; i++) {
		printf("%-7s %s %s: ", v[i].held ? "held" : "FAILED", v[i].name,
		       v[i].expected);
		fputs_visible(v[i].measured, stdout);
		putchar('\n');
	}
}

/*
 * The letter is not enough: a module sleeper must be asleep in the module
 * (the module says so), a vfork parent must have its child, a FUSE reader
 * must wait in request_wait_answer (it shows S), a dm-suspend writer must
 * have its keeper.
 */
static bool in_fuse_wait(pid_t pid)
{
	return proc_waits_in(pid, "request_wait_answer");
}

/*
 * The FUSE daemon asleep in poll() once its reader waits: the request was
 * queued, which woke the daemon, before the reader began to wait, and a
 * daemon back asleep in poll() has read it (fuse-noreply holds it), since
 * poll() on /dev/fuse with a request queued returns at once.  Before
 * that, SIGKILL would take the request back and end the reader at once.
 */
static bool in_poll(pid_t pid)
{
	return proc_state(pid) == 'S' && proc_waits_in(pid, "poll");
}

static int wait_in_method(const struct drill *d, char *seen)
{
	uint64_t deadline = now_ns() + DRILL_STATE_NS;
	struct timespec ms1 = { 0, 1000000 };
	struct dstate_task_state ts;
	bool in;

	for (;;) {
		*seen = proc_state(d->target);
		if (!*seen || *seen == 'Z' || *seen == 'X')
			return -ESRCH;
		in = *seen == d->o->m->letter;
		switch (d->o->m->kind) {
		case METHOD_MODULE:
			in = in && !dev_task_state(d->dev_fd, d->target, &ts) &&
			     ts.is_dstate;
			break;
		case METHOD_FUSE:
			in = in && in_fuse_wait(d->target) && drill_child_of(d->target) &&
			     in_poll(drill_child_of(d->target));
			break;
		case METHOD_VFORK:
		case METHOD_DM_SUSPEND:
			in = in && drill_child_of(d->target);
			break;
		default:
			break;
		}
		if (in)
			return 0;
		if (now_ns() >= deadline)
			return -ETIMEDOUT;
		nanosleep(&ms1, NULL);
	}
}

/*
 * fsfreeze as 'dstate spawn fsfreeze' makes it: a keeper that freezes a
 * loop-mounted filesystem, and a writer in D in it, the keeper's child,
 * which SIGKILL does not end before the thaw.  The owner pipe stays open
 * until the end: should the drill die, the keeper thaws and tears down.
 * 0, or -1 said (or d->sig set).
 */
static int start_fsfreeze(struct drill *d, const sigset_t *stop, uint64_t safety_ns)
{
	unsigned int started = 0, bad = 0;
	int ret;

	d->sr = (struct spawn_req){ .m = d->o->m, .timeout_ns = safety_ns, .dev_fd = -1 };
	if (spawn_begin(&d->sc)) {
		pr_err("could not start the target: %s", strerror(errno));
		return -1;
	}
	d->spawned = true;
	d->sc.stop = stop;
	ret = spawn_start(&d->sc, &d->sr, &d->sp, 1, &started);
	if (started)
		d->helper = d->sp.helper;
	if (!ret)
		ret = spawn_wait(&d->sc, &d->sr, &d->sp, 1, DRILL_STATE_NS, &bad);
	d->target = d->sp.pid;
	if (ret == -EINTR) {
		d->sig = d->sc.sig;
		return -1;
	}
	if (ret) {
		pr_err("could not put the target in fsfreeze: %s%s%s",
		       d->sp.msg[0] ? d->sp.msg : "", d->sp.msg[0] ? ": " : "",
		       ret == -ETIMEDOUT ? "not in D after 10s" : strerror(-ret));
		return -1;
	}
	return 0;
}

/*
 * --target-cmd: run it, with its tag, and wait for its sleepers.  They
 * are the target once --target-count of them sleep in MODE.  A command
 * that fails first, or a sleeper of that tag in another mode, ends the
 * wait.  0, or -1 said (or d->sig set).
 */
static int start_target_cmd(struct drill *d, const sigset_t *stop)
{
	const struct drill_opts *o = d->o;
	struct drill_tgt t[DRILL_TARGETS_MAX] = { 0 };
	struct timespec ms5 = { 0, 5000000 };
	char *env[4] = { NULL }, a[32], how[64];
	unsigned int asleep = 0, mode, i;
	uint64_t deadline;
	int n = 0, other, status, err_fd, ret = -1;

	/* Unique among the drills that run: our pid; among past ones: the time. */
	d->tag = ((uint64_t)getpid() << 32) | (uint32_t)(now_ns() / NSEC_PER_MSEC);
	env_set(env, 0, "DSTATE_TAG=%llu", (unsigned long long)d->tag);
	env_set(env, 1, "DSTATE_MODE=%s", o->m->name);
	env_set(env, 2, "DSTATE_CGROUP=%s", d->cg);
	/* Its output on our stderr: child_detach() leaves fds 0-2 to /dev/null. */
	err_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (!env[0] || !env[1] || !env[2]) {
		pr_err("could not run the drill: %s", strerror(ENOMEM));
		goto out;
	}
	ret = drill_run_shell(o->target_cmd, env, err_fd, d->cg[0] ? d->cg : NULL,
			      &d->cmd_pid);
	if (ret) {
		pr_err("could not run the target command: %s", strerror(-ret));
		ret = -1;
		goto out;
	}
	ret = -1;
	deadline = now_ns() + o->target_wait;
	for (;;) {
		n = find_tagged(d, t, &asleep, &other, &mode);
		if (n < 0) {
			pr_err("could not list the module's sleepers: %s", strerror(-n));
			break;
		}
		if (other >= 0) {
			pr_err("pid %d, tagged %llu, sleeps %s, not %s", (int)t[other].pid,
			       (unsigned long long)d->tag, mode_name(mode), o->m->name);
			break;
		}
		if (asleep >= o->target_count) {
			ret = 0;
			break;
		}
		if (!d->cmd_done && waitpid(d->cmd_pid, &status, WNOHANG) == d->cmd_pid) {
			d->cmd_pid = 0;
			d->cmd_done = true;
			d->cmd_status = status;
		}
		if (d->cmd_done && !(WIFEXITED(d->cmd_status) && !WEXITSTATUS(d->cmd_status))) {
			describe_status(d->cmd_status, how, sizeof(how));
			pr_err("the target command %s with %u of %u sleepers tagged %llu asleep in %s",
			       how, asleep, o->target_count, (unsigned long long)d->tag,
			       o->m->name);
			break;
		}
		d->sig = interrupt_pending(stop);
		if (d->sig)
			break;
		if (now_ns() >= deadline) {
			pr_err("%u of %u sleepers tagged %llu asleep in %s after %s (--target-wait)",
			       asleep, o->target_count, (unsigned long long)d->tag, o->m->name,
			       format_duration(o->target_wait, a, sizeof(a)));
			break;
		}
		nanosleep(&ms5, NULL);
	}
	/* Whatever appeared is the undo's even when the wait failed. */
	for (i = 0; n > 0 && i < (unsigned int)n; i++)
		d->tg[d->ntg++] = t[i];
	if (d->ntg)
		d->target = d->tg[0].pid;
out:
	if (err_fd >= 0)
		close(err_fd);
	for (i = 0; i < 3; i++)
		free(env[i]);
	return ret;
}

/* "DSTATE_PIDS=PID PID ...", malloc'd, or NULL. */
static char *pids_env(const struct drill *d)
{
	size_t len = sizeof("DSTATE_PIDS=") + (size_t)(d->ntg + 1) * 12, off;
	char *e = malloc(len);
	unsigned int i;

	if (!e)
		return NULL;
	off = (size_t)snprintf(e, len, "DSTATE_PIDS=");
	if (!d->ntg)
		snprintf(e + off, len - off, "%d", (int)d->target);
	for (i = 0; i < d->ntg; i++)
		off += (size_t)snprintf(e + off, len - off, "%s%d", i ? " " : "",
					(int)d->tg[i].pid);
	return e;
}

static int make_cgroup(struct drill *d)
{
	char root[4096];
	const char *parent = d->o->cgroup_parent;

	if (!parent) {
		if (cgroup2_root(root, sizeof(root))) {
			pr_err("could not find a cgroup v2 mount for --cgroup");
			return -1;
		}
		parent = root;
	}
	if (snprintf(d->cg, sizeof(d->cg), "%s/dstate-drill.%d", parent,
		     (int)getpid()) >= (int)sizeof(d->cg) || mkdir(d->cg, 0755) < 0) {
		pr_err("could not make the cgroup %s: %s", d->cg, strerror(errno));
		d->cg[0] = '\0';
		return -1;
	}
	return 0;
}

int cmd_drill(int argc, char **argv)
{
	struct drill_opts o = { 0 };
	struct drill d = { .o = &o, .dev_fd = -1, .out_rd = -1, .err_rd = -1 };
	struct verdict v[VERDICT_MAX];
	char *env[6] = { NULL };
	unsigned int n, i;
	sigset_t stop;
	bool all = true;
	char seen = 0;
	int ret, status = EXIT_FAILURE;

	ret = parse_opts(argc, argv, &o);
	if (ret >= 0 || !o.m)
		return ret >= 0 ? ret : EXIT_USAGE;
	d.out = calloc(1, DRILL_OUTPUT_MAX + 1);
	if (!d.out) {
		pr_err("could not run the drill: %s", strerror(ENOMEM));
		return EXIT_FAILURE;
	}
	if ((o.m->flags & METHOD_NEEDS_ROOT) && cap_effective(CAP_SYS_ADMIN) == 0) {
		pr_err("could not start a %s target: it needs CAP_SYS_ADMIN", o.m->name);
		goto out;
	}
	if (o.m->kind == METHOD_MODULE) {
		d.dev_fd = dev_open_or_complain();
		if (d.dev_fd < 0)
			goto out;
	}

	/*
	 * From here on SIGINT, SIGTERM and SIGHUP are taken where the drill
	 * waits, and undo it all; as a subreaper it inherits whatever the
	 * stop command leaves, and ends it.
	 */
	interrupt_block(&stop);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (o.cgroup && make_cgroup(&d))
		goto undo;
	if (o.in_cgroup[0]) {
		snprintf(d.cg, sizeof(d.cg), "%s", o.in_cgroup);
		d.cg_given = true;
	}
	if (o.target_cmd) {
		if (start_target_cmd(&d, &stop))
			goto undo;
		goto in_state;
	}
	if (o.m->kind == METHOD_FSFREEZE) {
		ret = start_fsfreeze(&d, &stop, o.stop_deadline + o.wake_after + o.settle +
				     DRILL_SAFETY_NS);
		if (ret)
			goto undo;
		goto in_state;
	}
	ret = drill_target_start(o.m, o.stop_deadline + o.wake_after + o.settle +
				 DRILL_SAFETY_NS, 0, &d.target, &d.err_rd);
	if (ret) {
		pr_err("could not start the target: %s", strerror(-ret));
		goto undo;
	}
	ret = wait_in_method(&d, &seen);
	d.helper = drill_child_of(d.target);
	if (ret) {
		char why[512] = "";
		ssize_t k = d.err_rd >= 0 ? read(d.err_rd, why, sizeof(why) - 1) : 0;

		if (k > 0) {
			why[k] = '\0';
			why[strcspn(why, "\n")] = '\0';
			/* Its own "dstate: " once is enough. */
			if (!strncmp(why, "dstate: ", 8))
				memmove(why, why + 8, strlen(why + 8) + 1);
		}
		if (ret == -ETIMEDOUT)
			pr_err("could not put the target in %s: pid %d still %c after 10s",
			       o.m->name, (int)d.target, seen ? seen : '?');
		else
			pr_err("could not put the target in %s: pid %d ended first%s%s",
			       o.m->name, (int)d.target, k > 0 ? ": " : "", k > 0 ? why : "");
		goto undo;
	}
in_state:
	d.sig = interrupt_pending(&stop);
	if (d.sig)
		goto undo;
	if (d.cg[0] && !o.target_cmd) {
		ret = cgroup2_move(d.cg, d.target);
		if (ret) {
			/* The rule of no internal processes, most likely. */
			pr_err("could not move pid %d into %s: %s%s", (int)d.target, d.cg,
			       strerror(-ret), ret == -EBUSY ?
			       " (a cgroup with controllers in cgroup.subtree_control takes no process)" :
			       "");
			goto undo;
		}
	}
	env_set(env, 0, "DSTATE_PID=%d", (int)d.target);
	env_set(env, 1, "DSTATE_MODE=%s", o.m->name);
	env_set(env, 2, "DSTATE_CGROUP=%s", d.cg);
	env_set(env, 3, "DSTATE_PIDS=%s", "");
	if (env[3]) {
		/* Every pid of the target, for a stop that wants them all. */
		free(env[3]);
		env[3] = pids_env(&d);
	}
	if (o.target_cmd)
		env_set(env, 4, "DSTATE_TAG=%llu", (unsigned long long)d.tag);
	if (!env[0] || !env[1] || !env[2] || !env[3] || (o.target_cmd && !env[4])) {
		pr_err("could not run the drill: %s", strerror(ENOMEM));
		goto undo;
	}
	if (run(&d, env, &stop))
		goto undo;
	if (d.sig)
		goto undo;

	/* What the stop left is judged before dstate undoes it. */
	if (d.gone && has_keeper(o.m))
		wait_helper(&d, DRILL_UNDO_NS);
	if (d.cg[0]) {
		struct stat sb;

		d.cg_removed = stat(d.cg, &sb) < 0 && errno == ENOENT;
	}
	if (o.mounts)
		d.mounts_left = mounts_under(o.mounts);
	n = judge(&d, v);
	for (i = 0; i < n; i++)
		all = all && v[i].held;
	signal(SIGPIPE, SIG_IGN);
	if (opt_json)
		report_json(&d, v, n, all);
	else
		report_text(&d, v, n);
	status = all ? EXIT_SUCCESS : EXIT_FAILURE;
undo:
	if (!d.sig)
		d.sig = interrupt_pending(&stop);
	undo(&d);
	if (d.sig) {
		fflush(stdout);
		interrupt_exit(d.sig);
	}
out:
	for (i = 0; i < 5; i++)
		free(env[i]);
	if (o.have_message)
		regfree(&o.message_re);
	if (d.dev_fd >= 0)
		close(d.dev_fd);
	free(d.out);
	return status;
}

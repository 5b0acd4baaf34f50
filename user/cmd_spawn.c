// SPDX-License-Identifier: GPL-2.0
/* spawn: start processes in a state, prove they are there, leave them. */
#include <errno.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "columns.h"
#include "dstate.h"
#include "lib/caps.h"
#include "lib/device.h"
#include "lib/duration.h"
#include "lib/interrupt.h"
#include "lib/modes.h"
#include "lib/procfs.h"
#include "lib/shape.h"
#include "lib/spawn.h"

/* How long a process may take to reach its state. */
#define SPAWN_DEADLINE_NS	(10 * NSEC_PER_SEC)
#define SPAWN_MAX		100000
/* Threads of one process: enough to show, not to exhaust. */
#define SPAWN_THREADS_MAX	1024

enum {
	SP_PID, SP_COMM, SP_MODE, SP_STATE, SP_STATE_NAME, SP_HELPER, SP_TID,
	SP_SHAPE,
};

/* Not const: TID and SHAPE are in the default set when a shape is asked for. */
static struct col_info spawn_cols[] = {
	[SP_PID] = { "PID", SCOLS_JSON_NUMBER, SCOLS_FL_RIGHT, COL_BOTH,
		     "process id (or the kernel thread's)" },
	[SP_COMM] = { "COMM", SCOLS_JSON_STRING, 0, COL_BOTH,
		      "command name" },
	[SP_MODE] = { "MODE", SCOLS_JSON_STRING, 0, COL_BOTH,
		      "dstate mode or method: uninterruptible, fsfreeze, ..." },
	[SP_STATE] = { "STATE", SCOLS_JSON_STRING, 0, COL_BOTH,
		       "state letter in /proc (D, S, T, ...)" },
	[SP_STATE_NAME] = { "STATE_NAME", SCOLS_JSON_STRING, 0, COL_BOTH,
			    "name of the state letter (disk sleep, ...)" },
	[SP_HELPER] = { "HELPER", SCOLS_JSON_NUMBER, SCOLS_FL_RIGHT, COL_BOTH,
			"process that keeps it in its state (none: -, JSON null)" },
	[SP_TID] = { "TID", SCOLS_JSON_NUMBER, SCOLS_FL_RIGHT, 0,
		     "thread in the state (its STATE), from /proc/PID/task" },
	[SP_SHAPE] = { "SHAPE", SCOLS_JSON_STRING, 0, 0,
		       "threads=N,leader=zombie,nspid=N,parent=ns-init (none: -)" },
};

static void spawn_usage(void)
{
	unsigned int i;

	printf("Usage:\n dstate spawn MODE [-n N] [--timeout DUR] [--tag N] [--kthread]\n"
	       "                  [--threads N] [--zombie-leader] [--pidns]\n"
	       "                  [-o LIST] [--noheadings] [-r|-P|-J]\n\n"
	       "Start N processes (or kernel threads) in MODE, wait until /proc shows\n"
	       "each in its state, print them and exit 0, leaving them there.  Fails\n"
	       "(and undoes what it started) if a state is not reached in %llus.\n"
	       "SIGINT, SIGTERM or SIGHUP before the table is printed undo it all\n"
	       "too, and dstate dies of the signal (exit status 128+N).\n\n"
	       "Modes:\n", (unsigned long long)(SPAWN_DEADLINE_NS / NSEC_PER_SEC));
	for (i = 0; i < dstate_method_count; i++)
		printf(" %-19s %c  %s\n", dstate_methods[i].name,
		       dstate_methods[i].letter, dstate_methods[i].what);
	printf("\nEnding them: module modes with 'dstate release' (or SIGKILL, as the\n"
	       "mode allows); the others with kill(1):\n"
	       " vfork      SIGKILL to PID or HELPER (the vfork child)\n"
	       " stopped    SIGCONT (it exits) or SIGKILL\n"
	       " traced     SIGKILL to PID or HELPER (the tracer)\n"
	       " zombie     kill HELPER (the parent that does not reap it)\n"
	       " running    any fatal signal\n"
	       " fsfreeze   SIGTERM to HELPER (the keeper): it thaws, the writers finish,\n"
	       "            and it unmounts and deletes the filesystem; SIGKILL to a\n"
	       "            writer waits for the thaw\n"
	       " fuse-noreply, fuse-noread, dm-suspend\n"
	       "            SIGTERM to PID or HELPER (the daemon or keeper): it\n"
	       "            answers or resumes, PID ends, and it unmounts or removes\n"
	       "            the map and deletes; SIGKILL to a fuse-noreply PID leaves\n"
	       "            it in D until then\n"
	       "All the above: 'dstate cleanup' (also after SIGKILL to a helper)\n\n"
	       "Options:\n"
	       " -n, --count N       how many (default 1)\n"
	       " -t, --timeout DUR   module modes: the sleep's timeout; vfork, zombie,\n"
	       "                     running, fsfreeze, fuse-*, dm-suspend: end after DUR\n"
	       " -g, --tag N         module modes: a tag for 'dstate release --tag N'\n"
	       " -k, --kthread       module modes: kernel threads dstate/N (root)\n"
	       "\nShapes (module modes, vfork, stopped, running; STATE and TID are the\n"
	       "sleeping thread's; SHAPE says what /proc shows):\n"
	       "     --threads N     each process has N threads: the last one made is\n"
	       "                     in the state, the others wait in S with every\n"
	       "                     signal blocked (stopped: SIGSTOP stops them all)\n"
	       "     --zombie-leader the main thread exits (SYS_exit, itself only):\n"
	       "                     /proc/PID/stat shows Z and the parent cannot reap\n"
	       "                     the process while its sleeping thread lives;\n"
	       "                     2 threads unless --threads says more\n"
	       "     --pidns         each process is pid 2 of a new pid namespace,\n"
	       "                     a child of its init (dstate-nsinit, root); SIGKILL\n"
	       "                     to the init kills the namespace, and the init\n"
	       "                     waits for a sleeper in D to end\n"
	       COLS_OPTIONS_HELP
	       " -J, --json          JSON output\n"
	       " -h, --help          this text\n"
	       " -V, --version       the version\n");
	cols_help(spawn_cols, sizeof(spawn_cols) / sizeof(spawn_cols[0]));
}

enum { OPT_THREADS = 0x200, OPT_ZOMBIE_LEADER, OPT_PIDNS };

/*
 * Which shapes a method can take, and why not: a usage error (exit 2)
 * that names the reason, before anything is started.
 */
static int check_shape(const struct spawn_req *r)
{
	const char *opt = r->shape.zombie_leader ? "--zombie-leader" :
			  r->shape.threads > 1 ? "--threads" : "--pidns";

	if (!spawn_shaped(r))
		return 0;
	if (r->kthread)
		return usage_error("spawn", "%s is for processes, not --kthread: a kernel thread has no thread group or pid namespace of its own",
				   opt);
	switch (r->m->kind) {
	case METHOD_MODULE:
	case METHOD_VFORK:
	case METHOD_STOPPED:
	case METHOD_RUNNING:
		return 0;
	case METHOD_ZOMBIE:
		return usage_error("spawn", "%s does not fit zombie: a zombie has no thread left, and its parent is the helper",
				   opt);
	case METHOD_TRACED:
		return usage_error("spawn", "%s is not made for traced: its tracer waits for the one thread it traces, which must be its child",
				   opt);
	case METHOD_FSFREEZE:
		return usage_error("spawn", "%s is not made for fsfreeze: its writers are children of its keeper, which starts them all",
				   opt);
	case METHOD_FUSE:
	case METHOD_DM_SUSPEND:
		return usage_error("spawn", "%s is not made for %s: its daemon or keeper watches the one process it was forked from",
				   opt, r->m->name);
	default:
		return usage_error("spawn", "%s is not made for %s", opt, r->m->name);
	}
}

int cmd_spawn(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "tag", required_argument, NULL, 'g' },
		{ "kthread", no_argument, NULL, 'k' },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "zombie-leader", no_argument, NULL, OPT_ZOMBIE_LEADER },
		{ "pidns", no_argument, NULL, OPT_PIDNS },
		COLS_LONGOPTS,
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct cols cs = COLS_INIT("spawn", spawn_cols);
	struct spawn_req r = { .dev_fd = -1 };
	struct libscols_table *tb;
	struct spawn_ctx ctx;
	struct spawned *s;
	sigset_t stop;
	bool have_tag = false;
	unsigned int i, started = 0, bad = 0;
	uint64_t count = 1, count_threads = 0;
	int c, ret, status = EXIT_FAILURE;

	while ((c = getopt_long(argc, argv, ":" COMMON_SHORTOPTS COLS_SHORTOPTS
				"n:t:g:k", opts, NULL)) != -1) {
		if (cols_option(&cs, c, optarg))
			continue;
		switch (c) {
		case 'n':
			if (parse_u64(optarg, &count) || !count || count > SPAWN_MAX)
				return usage_error("spawn", "bad count '%s' (1 to %d)",
						   optarg, SPAWN_MAX);
			break;
		case 't':
			if (parse_dur_arg("spawn", "--timeout", optarg, &r.timeout_ns))
				return EXIT_USAGE;
			if (r.timeout_ns > DSTATE_TIMEOUT_MAX_NS)
				return usage_error("spawn", "--timeout %s is over a year", optarg);
			break;
		case 'g':
			if (parse_u64(optarg, &r.tag))
				return usage_error("spawn", "bad tag '%s' (a number)", optarg);
			have_tag = true;
			break;
		case 'k':
			r.kthread = true;
			break;
		case OPT_THREADS:
			if (parse_u64(optarg, &count_threads) || count_threads < 2 ||
			    count_threads > SPAWN_THREADS_MAX)
				return usage_error("spawn", "bad --threads '%s' (2 to %d)",
						   optarg, SPAWN_THREADS_MAX);
			r.shape.threads = (unsigned int)count_threads;
			break;
		case OPT_ZOMBIE_LEADER:
			r.shape.zombie_leader = true;
			break;
		case OPT_PIDNS:
			r.shape.pidns = true;
			break;
		default:
			ret = common_option(c, "spawn", argv, spawn_usage);
			if (ret >= 0)
				return ret;
		}
	}
	/* A zombie leader needs a thread that lives on. */
	if (r.shape.zombie_leader && r.shape.threads < 2)
		r.shape.threads = 2;
	if (spawn_shaped(&r))
		spawn_cols[SP_SHAPE].dflt = COL_BOTH;
	if (r.shape.threads > 1)
		spawn_cols[SP_TID].dflt = COL_BOTH;
	if (cols_setup(&cs))
		return EXIT_USAGE;
	if (cs.list) {
		cols_list(&cs);
		return EXIT_SUCCESS;
	}
	if (optind >= argc)
		return usage_error("spawn", "no mode given");
	if (argc - optind > 1)
		return usage_error("spawn", "unexpected argument '%s'", argv[optind + 1]);
	r.m = method_lookup(argv[optind]);
	if (!r.m)
		return usage_error("spawn", "unknown mode '%s'", argv[optind]);
	r.kept = sleep_kept_spawned;
	if (r.m->kind != METHOD_MODULE) {
		if (have_tag)
			return usage_error("spawn", "--tag is for module modes, not %s", r.m->name);
		if (r.kthread)
			return usage_error("spawn", "--kthread is for module modes, not %s", r.m->name);
	}
	ret = check_shape(&r);
	if (ret)
		return ret;
	if (r.shape.pidns && cap_effective(CAP_SYS_ADMIN) == 0) {
		pr_err("could not spawn with --pidns: a new pid namespace needs CAP_SYS_ADMIN");
		return EXIT_FAILURE;
	}
	if (r.kthread && r.m->mode == DSTATE_MODE_PERMANENT)
		return usage_error("spawn", "permanent kernel threads are refused: the module must stop its threads");
	if (r.timeout_ns && (r.m->kind == METHOD_STOPPED || r.m->kind == METHOD_TRACED))
		return usage_error("spawn", "%s has no timeout: end it with a signal", r.m->name);
	if (!r.timeout_ns && r.m->kind == METHOD_RUNNING)
		pr_warn("running without --timeout spins a CPU each until killed");
	if ((r.m->flags & METHOD_NEEDS_ROOT || r.kthread) &&
	    cap_effective(CAP_SYS_ADMIN) == 0)
		pr_warn("%s needs CAP_SYS_ADMIN; trying anyway",
			r.kthread ? "--kthread" : r.m->name);
	if (r.m->kind == METHOD_MODULE) {
		r.dev_fd = dev_open_or_complain();
		if (r.dev_fd < 0)
			return EXIT_FAILURE;
	}

	/*
	 * Until the table is printed, SIGINT, SIGTERM and SIGHUP undo what
	 * was started; as a subreaper, this process then reaps every
	 * descendant, so that nothing is left when it dies of the signal.
	 */
	interrupt_block(&stop);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	s = calloc(count, sizeof(*s));
	if (!s || spawn_begin(&ctx)) {
		pr_err("could not spawn: %s", strerror(errno ? errno : ENOMEM));
		free(s);
		return EXIT_FAILURE;
	}
	ctx.stop = &stop;
	ret = spawn_start(&ctx, &r, s, (unsigned int)count, &started);
	if (ret == -EINTR)
		goto undo;
	if (ret) {
		if (r.kthread)
			dev_complain("start a kernel thread", -ret);
		else
			pr_err("could not start process %u of %llu: %s", started + 1,
			       (unsigned long long)count, strerror(-ret));
		goto undo;
	}
	ret = spawn_wait(&ctx, &r, s, started, SPAWN_DEADLINE_NS, &bad);
	if (!ctx.sig)
		ctx.sig = interrupt_pending(&stop);
	if (ctx.sig)
		goto undo;	/* a child may have died of it: say nothing */
	if (ret) {
		struct spawned *b = &s[bad];

		if (ret == -ETIMEDOUT)
			pr_err("could not spawn %s: pid %d still in state %c, not %c, after %llus",
			       r.m->name, (int)b->pid, b->letter ? b->letter : '?',
			       r.m->letter,
			       (unsigned long long)(SPAWN_DEADLINE_NS / NSEC_PER_SEC));
		else if (ret == -ECHILD)
			pr_err("could not spawn %s: pid %d ended before reaching %c",
			       r.m->name, (int)(b->pid ? b->pid : b->helper), r.m->letter);
		else if (r.m->kind == METHOD_MODULE)
			dev_complain(b->msg[0] ? b->msg + strlen("could not ") : "sleep", -ret);
		else
			pr_err("%s: %s", b->msg[0] ? b->msg : "could not spawn",
			       strerror(-ret));
		goto undo;
	}

	/*
	 * What is printed stays, so the table must reach its reader first:
	 * if it cannot (a full disk, a closed pipe), the pids are lost and
	 * what was started is undone, as on an interruption.
	 */
	signal(SIGPIPE, SIG_IGN);
	tb = cols_table(&cs, "spawned");
	for (i = 0; i < started; i++) {
		struct libscols_line *ln = scols_table_new_line(tb, NULL);
		struct proc_shape sh;
		struct proc_stat st;
		char words[128] = "";

		if (proc_read_stat(s[i].pid, &st))
			snprintf(st.comm, sizeof(st.comm), "?");
		if (cols_has(&cs, SP_SHAPE) && !r.kthread &&
		    !proc_read_shape(s[i].pid, &sh))
			shape_words(&sh, words, sizeof(words));
		cols_set(&cs, ln, SP_PID, "%d", (int)s[i].pid);
		cols_set(&cs, ln, SP_COMM, "%s", st.comm);
		cols_set(&cs, ln, SP_MODE, "%s", r.m->name);
		cols_set(&cs, ln, SP_STATE, "%c", s[i].letter);
		cols_set(&cs, ln, SP_STATE_NAME, "%s", state_name(s[i].letter));
		if (s[i].helper)
			cols_set(&cs, ln, SP_HELPER, "%d", (int)s[i].helper);
		else if (!opt_json)
			cols_set(&cs, ln, SP_HELPER, "%s", cols_none(&cs));
		cols_set(&cs, ln, SP_TID, "%d", (int)(s[i].tid ? s[i].tid : s[i].pid));
		if (words[0])
			cols_set(&cs, ln, SP_SHAPE, "%s", words);
		else if (!opt_json)
			cols_set(&cs, ln, SP_SHAPE, "%s", cols_none(&cs));
	}
	scols_print_table(tb);
	scols_unref_table(tb);
	if (fflush(stdout) || ferror(stdout)) {
		pr_err("could not write the table of what was started: %s; undoing it",
		       strerror(errno ? errno : EIO));
		/* Said once: drop the table, so that exit has nothing to add. */
		__fpurge(stdout);
		clearerr(stdout);
		goto undo;
	}
	spawn_commit(&ctx, &r, started);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	status = EXIT_SUCCESS;
	goto out;
undo:
	if (!ctx.sig)
		ctx.sig = interrupt_pending(&stop);
	if (started)
		spawn_rescue(&ctx, &r, s);
	spawn_kill(&r, s, started);
	if (!r.kthread && spawn_reap(SPAWN_DEADLINE_NS))
		pr_err("some processes outlived the undo: see 'dstate cleanup'");
	if (ctx.sig) {
		spawn_end(&ctx);
		interrupt_exit(ctx.sig);
	}
out:
	spawn_end(&ctx);
	if (r.dev_fd >= 0)
		close(r.dev_fd);
	free(s);
	return status;
}

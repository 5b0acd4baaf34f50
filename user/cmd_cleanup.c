// SPDX-License-Identifier: GPL-2.0
/* cleanup: undo what a killed dstate left of the module-free methods. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "columns.h"
#include "dstate.h"
#include "lib/caps.h"
#include "lib/cleanup.h"

enum { CL_ACTION, CL_WHAT };

static const struct col_info cleanup_cols[] = {
	[CL_ACTION] = { "ACTION", SCOLS_JSON_STRING, 0, COL_BOTH,
			"what was done: thawed, killed, unmounted, ..." },
	[CL_WHAT] = { "WHAT", SCOLS_JSON_STRING, 0, COL_BOTH,
		      "to what: a mount point, a process, a loop device, ..." },
};

/* The table's lines come from cleanup_run()'s callback. */
struct cleanup_out {
	const struct cols *cs;
	struct libscols_table *tb;
};

static void cleanup_usage(void)
{
	printf("Usage:\n dstate cleanup [-o LIST] [--noheadings] [-r|-P|-J]\n\n"
	       "Undo what the module-free methods left behind when dstate or one of\n"
	       "its helpers was killed by SIGKILL (or what 'dstate spawn' left on\n"
	       "purpose): thaw dstate's frozen filesystems (the writers in D then\n"
	       "finish), kill its helper processes (dstate-keeper, -writer, -tracer,\n"
	       "-traced, -zparent, -vfork, -stopped, -running), unmount, detach the loop\n"
	       "devices and remove the directories $TMPDIR/dstate-fsfreeze.XXXXXX\n"
	       "(TMPDIR as when they were made; default /tmp), and the cgroups\n"
	       "/sys/fs/cgroup/dstate-effects.PID of a killed 'dstate effects'\n"
	       "(killing what is left in them), and the hung-task sysctls it had\n"
	       "lowered, from its $TMPDIR/dstate-effects.PID.sysctl.  Nothing else is\n"
	       "touched.  Prints one line per thing undone, nothing when there was\n"
	       "nothing; running it again does nothing.  Do not run it while another\n"
	       "dstate is starting processes: it would undo them too.\n\n"
	       "Options:\n"
	       COLS_OPTIONS_HELP
	       " -J, --json          JSON output\n"
	       " -h, --help          this text\n"
	       " -V, --version       the version\n\n"
	       "Exit status: 0 when nothing is left, 1 when something could not be\n"
	       "undone (said on stderr).\n");
	cols_help(cleanup_cols, sizeof(cleanup_cols) / sizeof(cleanup_cols[0]));
}

static void add_line(const char *action, const char *what, int err, void *arg)
{
	struct cleanup_out *out = arg;
	struct libscols_line *ln;

	if (err) {
		pr_err("could not %s %s: %s", action, what, strerror(err));
		return;
	}
	ln = scols_table_new_line(out->tb, NULL);
	cols_set(out->cs, ln, CL_ACTION, "%s", action);
	cols_set(out->cs, ln, CL_WHAT, "%s", what);
}

int cmd_cleanup(int argc, char **argv)
{
	static const struct option opts[] = {
		COLS_LONGOPTS,
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct cols cs = COLS_INIT("cleanup", cleanup_cols);
	const char *tmp = getenv("TMPDIR");
	struct cleanup_out out = { .cs = &cs };
	int c, ret, failed;

	while ((c = getopt_long(argc, argv, ":" COMMON_SHORTOPTS COLS_SHORTOPTS,
				opts, NULL)) != -1) {
		if (cols_option(&cs, c, optarg))
			continue;
		ret = common_option(c, "cleanup", argv, cleanup_usage);
		if (ret >= 0)
			return ret;
	}
	if (optind < argc)
		return usage_error("cleanup", "unexpected argument '%s'", argv[optind]);
	if (cols_setup(&cs))
		return EXIT_USAGE;
	if (cs.list) {
		cols_list(&cs);
		return EXIT_SUCCESS;
	}
	if (!tmp || !*tmp)
		tmp = "/tmp";
	if (cap_effective(CAP_SYS_ADMIN) == 0)
		pr_warn("cleanup needs CAP_SYS_ADMIN to thaw, unmount and detach; trying anyway");

	out.tb = cols_table(&cs, "cleanup");
	failed = cleanup_run(tmp, add_line, &out);
	/* Nothing undone: nothing said (JSON still says an empty list). */
	if (opt_json || scols_table_get_nlines(out.tb))
		scols_print_table(out.tb);
	scols_unref_table(out.tb);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

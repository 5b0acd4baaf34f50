// SPDX-License-Identifier: GPL-2.0
/* cleanup: undo what a killed dstate left of the module-free methods. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dstate.h"
#include "lib/caps.h"
#include "lib/cleanup.h"

static void cleanup_usage(void)
{
	printf("Usage:\n dstate cleanup\n\n"
	       "Undo what the module-free methods left behind when dstate or one of\n"
	       "its helpers was killed by SIGKILL (or what 'dstate spawn' left on\n"
	       "purpose): thaw dstate's frozen filesystems (the writers in D then\n"
	       "finish), kill its helper processes (dstate-keeper, -writer, -tracer,\n"
	       "-traced, -zparent, -vfork, -stopped, -running), unmount, detach the loop\n"
	       "devices and remove the directories $TMPDIR/dstate-fsfreeze.XXXXXX\n"
	       "(TMPDIR as when they were made; default /tmp).  Nothing else is\n"
	       "touched.  Prints one line per thing undone, nothing when there was\n"
	       "nothing; running it again does nothing.  Do not run it while another\n"
	       "dstate is starting processes: it would undo them too.\n\n"
	       "Options:\n"
	       " -J, --json          JSON output\n"
	       " -h, --help          this text\n"
	       " -V, --version       the version\n\n"
	       "Exit status: 0 when nothing is left, 1 when something could not be\n"
	       "undone (said on stderr).\n");
}

static void add_line(const char *action, const char *what, int err, void *arg)
{
	struct libscols_table *tb = arg;
	struct libscols_line *ln;

	if (err) {
		pr_err("could not %s %s: %s", action, what, strerror(err));
		return;
	}
	ln = scols_table_new_line(tb, NULL);
	line_set(ln, 0, "%s", action);
	line_set(ln, 1, "%s", what);
}

int cmd_cleanup(int argc, char **argv)
{
	static const struct option opts[] = {
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char *tmp = getenv("TMPDIR");
	struct libscols_table *tb;
	int c, ret, failed;

	while ((c = getopt_long(argc, argv, ":" COMMON_SHORTOPTS, opts, NULL)) != -1) {
		ret = common_option(c, "cleanup", argv, cleanup_usage);
		if (ret >= 0)
			return ret;
	}
	if (optind < argc)
		return usage_error("cleanup", "unexpected argument '%s'", argv[optind]);
	if (!tmp || !*tmp)
		tmp = "/tmp";
	if (cap_effective(CAP_SYS_ADMIN) == 0)
		pr_warn("cleanup needs CAP_SYS_ADMIN to thaw, unmount and detach; trying anyway");

	tb = table_new("cleanup");
	table_col(tb, "ACTION", SCOLS_JSON_STRING, 0);
	table_col(tb, "WHAT", SCOLS_JSON_STRING, 0);
	failed = cleanup_run(tmp, add_line, tb);
	/* Nothing undone: nothing said (JSON still says an empty list). */
	if (opt_json || scols_table_get_nlines(tb))
		scols_print_table(tb);
	scols_unref_table(tb);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

// SPDX-License-Identifier: GPL-2.0
/* ls: the module's sleepers, with what /proc says of each. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dstate.h"
#include "lib/device.h"
#include "lib/duration.h"
#include "lib/modes.h"
#include "lib/procfs.h"

static void ls_usage(void)
{
	printf("Usage:\n dstate ls\n\n"
	       "List the module's sleepers, oldest first: PID, TID, COMM, MODE, the\n"
	       "/proc STATE letter, TAG, AGE, time LEFT until the timeout, WCHAN.\n"
	       "Without root only your own sleepers are listed.\n\n"
	       "Options:\n"
	       " -J, --json      JSON output (adds state_name, uid, kthread)\n"
	       " -h, --help      this text\n"
	       " -V, --version   the version\n");
}

static void set_duration(struct libscols_line *ln, int col, uint64_t ns)
{
	char buf[32];

	if (opt_json)
		line_set(ln, col, "%.3f", (double)ns / NSEC_PER_SEC);
	else
		line_set(ln, col, "%s", format_duration(ns, buf, sizeof(buf)));
}

int cmd_ls(int argc, char **argv)
{
	static const struct option opts[] = {
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct dstate_sleeper *sl = NULL;
	struct libscols_table *tb;
	size_t i, n = 0;
	int c, ret, fd;

	while ((c = getopt_long(argc, argv, ":" COMMON_SHORTOPTS, opts, NULL)) != -1) {
		ret = common_option(c, "ls", argv, ls_usage);
		if (ret >= 0)
			return ret;
	}
	if (optind < argc)
		return usage_error("ls", "unexpected argument '%s'", argv[optind]);
	fd = dev_open_or_complain();
	if (fd < 0)
		return EXIT_FAILURE;
	ret = dev_list(fd, &sl, &n);
	close(fd);
	if (ret) {
		dev_complain("list the sleepers", -ret);
		return EXIT_FAILURE;
	}

	tb = table_new("sleepers");
	table_col(tb, "PID", SCOLS_JSON_NUMBER, SCOLS_FL_RIGHT);
	table_col(tb, "TID", SCOLS_JSON_NUMBER, SCOLS_FL_RIGHT);
	table_col(tb, "COMM", SCOLS_JSON_STRING, 0);
	table_col(tb, "MODE", SCOLS_JSON_STRING, 0);
	table_col(tb, "STATE", SCOLS_JSON_STRING, 0);
	table_col(tb, "TAG", SCOLS_JSON_NUMBER, SCOLS_FL_RIGHT);
	table_col(tb, "AGE", SCOLS_JSON_NUMBER, SCOLS_FL_RIGHT);
	table_col(tb, "LEFT", SCOLS_JSON_NUMBER, SCOLS_FL_RIGHT);
	table_col(tb, "WCHAN", SCOLS_JSON_STRING, 0);
	if (opt_json) {
		table_col(tb, "STATE_NAME", SCOLS_JSON_STRING, 0);
		table_col(tb, "UID", SCOLS_JSON_NUMBER, 0);
		table_col(tb, "KTHREAD", SCOLS_JSON_BOOLEAN, 0);
	}
	for (i = 0; i < n; i++) {
		struct libscols_line *ln = scols_table_new_line(tb, NULL);
		const struct dstate_sleeper *p = &sl[i];
		const char *mode = mode_name(p->mode);
		struct proc_stat st;
		char wchan[128] = "";
		char letter = '?';

		if (!proc_read_task_stat((pid_t)p->pid, (pid_t)p->tid, &st))
			letter = st.state;
		proc_read_wchan((pid_t)p->tid, wchan, sizeof(wchan));
		line_set(ln, 0, "%u", p->pid);
		line_set(ln, 1, "%u", p->tid);
		line_set(ln, 2, "%.16s", p->comm);
		if (mode)
			line_set(ln, 3, "%s", mode);
		else
			line_set(ln, 3, "mode%u", p->mode);
		line_set(ln, 4, "%c", letter);
		line_set(ln, 5, "%llu", (unsigned long long)p->tag);
		set_duration(ln, 6, p->age_ns);
		if (p->left_ns != DSTATE_NO_TIMEOUT)
			set_duration(ln, 7, p->left_ns);
		else if (!opt_json)
			line_set(ln, 7, "-");
		line_set(ln, 8, "%s", wchan[0] ? wchan : (opt_json ? "" : "-"));
		if (opt_json) {
			line_set(ln, 9, "%s", state_name(letter));
			line_set(ln, 10, "%u", p->uid);
			line_set(ln, 11, "%d", !!(p->flags & DSTATE_SLEEPER_KTHREAD));
		}
	}
	scols_print_table(tb);
	scols_unref_table(tb);
	free(sl);
	return EXIT_SUCCESS;
}

// SPDX-License-Identifier: GPL-2.0
/* ls: the module's sleepers, with what /proc says of each. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "columns.h"
#include "dstate.h"
#include "lib/device.h"
#include "lib/duration.h"
#include "lib/modes.h"
#include "lib/procfs.h"
#include "lib/shape.h"

enum {
	LS_PID, LS_TID, LS_COMM, LS_MODE, LS_STATE, LS_TAG, LS_AGE, LS_LEFT,
	LS_WCHAN, LS_SHAPE, LS_STATE_NAME, LS_UID, LS_KTHREAD,
};

static const struct col_info ls_cols[] = {
	[LS_PID] = { "PID", SCOLS_JSON_NUMBER, SCOLS_FL_RIGHT, COL_BOTH,
		     "process id (thread group)" },
	[LS_TID] = { "TID", SCOLS_JSON_NUMBER, SCOLS_FL_RIGHT, COL_BOTH,
		     "thread id of the sleeper" },
	[LS_COMM] = { "COMM", SCOLS_JSON_STRING, 0, COL_BOTH,
		      "command name" },
	[LS_MODE] = { "MODE", SCOLS_JSON_STRING, 0, COL_BOTH,
		      "dstate mode: uninterruptible, killable, ..." },
	[LS_STATE] = { "STATE", SCOLS_JSON_STRING, 0, COL_BOTH,
		       "state letter in /proc (D, S, I, ...)" },
	[LS_TAG] = { "TAG", SCOLS_JSON_NUMBER, SCOLS_FL_RIGHT, COL_BOTH,
		     "tag given to the sleep" },
	[LS_AGE] = { "AGE", SCOLS_JSON_NUMBER, SCOLS_FL_RIGHT, COL_BOTH,
		     "time asleep (JSON: seconds)" },
	[LS_LEFT] = { "LEFT", SCOLS_JSON_NUMBER, SCOLS_FL_RIGHT, COL_BOTH,
		      "time left until the timeout (JSON: seconds, null if none)" },
	[LS_WCHAN] = { "WCHAN", SCOLS_JSON_STRING, 0, COL_BOTH,
		       "kernel function it waits in, from /proc" },
	[LS_SHAPE] = { "SHAPE", SCOLS_JSON_STRING, 0, COL_BOTH,
		       "threads=N,leader=zombie,nspid=N,parent=ns-init (none: -)" },
	[LS_STATE_NAME] = { "STATE_NAME", SCOLS_JSON_STRING, 0, COL_JSON,
			    "name of the state letter (disk sleep, ...)" },
	[LS_UID] = { "UID", SCOLS_JSON_NUMBER, SCOLS_FL_RIGHT, COL_JSON,
		     "real user id" },
	[LS_KTHREAD] = { "KTHREAD", SCOLS_JSON_BOOLEAN, 0, COL_JSON,
			 "a dstate/N kernel thread (1 or 0; JSON: true or false)" },
};

#define LS_LIST_MAX	4096

/* --pid, --tag and --mode: each a list, any of which matches. */
struct ls_filter {
	uint64_t pid[LS_LIST_MAX], tag[LS_LIST_MAX];
	size_t npid, ntag;
	unsigned int modes;	/* bit per enum dstate_mode; 0: any */
};

static void ls_usage(void)
{
	printf("Usage:\n dstate ls [--pid PID] [--tag N] [--mode MODE] [-o LIST]\n"
	       "           [--noheadings] [-r|-P|-J]\n\n"
	       "List the module's sleepers, oldest first.  Without root only your own\n"
	       "sleepers are listed.  Each is a thread (TID) of its process (PID);\n"
	       "STATE and WCHAN are the thread's, SHAPE says what is unusual about\n"
	       "its process (more threads, a zombie leader, a pid namespace).\n"
	       "--pid, --tag and --mode may be repeated or given comma-separated\n"
	       "lists; a sleeper is listed if it matches one value of each given.\n\n"
	       "Options:\n"
	       " -p, --pid PID       sleepers whose PID or TID is PID\n"
	       " -g, --tag N         sleepers tagged N\n"
	       " -m, --mode MODE     sleepers in MODE (uninterruptible, killable,\n"
	       "                     interruptible, idle, permanent)\n"
	       COLS_OPTIONS_HELP
	       " -J, --json          JSON output\n"
	       " -h, --help          this text\n"
	       " -V, --version       the version\n");
	cols_help(ls_cols, sizeof(ls_cols) / sizeof(ls_cols[0]));
}

static void set_duration(const struct cols *cs, struct libscols_line *ln,
			 size_t id, uint64_t ns)
{
	char buf[32];

	if (opt_json)
		cols_set(cs, ln, id, "%.3f", (double)ns / NSEC_PER_SEC);
	else
		cols_set(cs, ln, id, "%s", format_duration(ns, buf, sizeof(buf)));
}

/* "1,2" into @v; a usage error (printed) for anything but numbers. */
static int parse_list(const char *opt, const char *arg, uint64_t *v,
		      size_t *n)
{
	bool pids = !strcmp(opt, "--pid");
	char *dup = strdup(arg), *tok, *save = NULL;
	int ret = 0;

	if (!dup) {
		pr_err("%s", strerror(ENOMEM));
		return EXIT_FAILURE;
	}
	if (!*arg || arg[strlen(arg) - 1] == ',' || strstr(arg, ",,") || *arg == ',')
		ret = usage_error("ls", "bad %s '%s'", opt, arg);
	for (tok = strtok_r(dup, ",", &save); !ret && tok;
	     tok = strtok_r(NULL, ",", &save)) {
		pid_t pid;

		if (*n >= LS_LIST_MAX)
			ret = usage_error("ls", "more than %d values for %s",
					  LS_LIST_MAX, opt);
		else if (pids ? parse_pid(tok, &pid) : parse_u64(tok, &v[*n]))
			ret = usage_error("ls", "bad %s '%s'", opt, tok);
		else if (pids)
			v[(*n)++] = (uint64_t)pid;
		else
			(*n)++;
	}
	free(dup);
	return ret;
}

static int parse_modes(const char *arg, unsigned int *modes)
{
	char *dup = strdup(arg), *tok, *save = NULL;
	int ret = 0;

	if (!dup) {
		pr_err("%s", strerror(ENOMEM));
		return EXIT_FAILURE;
	}
	if (!*arg || arg[strlen(arg) - 1] == ',' || strstr(arg, ",,") || *arg == ',')
		ret = usage_error("ls", "bad --mode '%s'", arg);
	for (tok = strtok_r(dup, ",", &save); !ret && tok;
	     tok = strtok_r(NULL, ",", &save)) {
		const struct dstate_method *m = method_lookup(tok);

		if (!m)
			ret = usage_error("ls", "unknown mode '%s'", tok);
		else if (m->kind != METHOD_MODULE)
			ret = usage_error("ls", "'%s' is not a module mode; ls lists the module's sleepers",
					  tok);
		else
			*modes |= 1U << m->mode;
	}
	free(dup);
	return ret;
}

static bool in_list(const uint64_t *v, size_t n, uint64_t x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

static bool ls_match(const struct ls_filter *f, const struct dstate_sleeper *p)
{
	if (f->npid && !in_list(f->pid, f->npid, p->pid) &&
	    !in_list(f->pid, f->npid, p->tid))
		return false;
	if (f->ntag && !in_list(f->tag, f->ntag, p->tag))
		return false;
	return !f->modes || (p->mode < 32 && f->modes & 1U << p->mode);
}

static void ls_line(const struct cols *cs, struct libscols_table *tb,
		    const struct dstate_sleeper *p)
{
	struct libscols_line *ln = scols_table_new_line(tb, NULL);
	const char *mode = mode_name(p->mode);
	struct proc_shape sh;
	struct proc_stat st;
	char wchan[128] = "", shape[128] = "";
	char letter = '?';

	/* /proc is most of ls's time: read only what is printed. */
	if ((cols_has(cs, LS_STATE) || cols_has(cs, LS_STATE_NAME)) &&
	    !proc_read_task_stat((pid_t)p->pid, (pid_t)p->tid, &st))
		letter = st.state;
	if (cols_has(cs, LS_WCHAN))
		proc_read_wchan((pid_t)p->tid, wchan, sizeof(wchan));
	if (cols_has(cs, LS_SHAPE) && !(p->flags & DSTATE_SLEEPER_KTHREAD) &&
	    !proc_read_shape((pid_t)p->pid, &sh))
		shape_words(&sh, shape, sizeof(shape));
	cols_set(cs, ln, LS_PID, "%u", p->pid);
	cols_set(cs, ln, LS_TID, "%u", p->tid);
	cols_set(cs, ln, LS_COMM, "%.16s", p->comm);
	if (mode)
		cols_set(cs, ln, LS_MODE, "%s", mode);
	else
		cols_set(cs, ln, LS_MODE, "mode%u", p->mode);
	cols_set(cs, ln, LS_STATE, "%c", letter);
	cols_set(cs, ln, LS_TAG, "%llu", (unsigned long long)p->tag);
	set_duration(cs, ln, LS_AGE, p->age_ns);
	if (p->left_ns != DSTATE_NO_TIMEOUT)
		set_duration(cs, ln, LS_LEFT, p->left_ns);
	else if (!opt_json)
		cols_set(cs, ln, LS_LEFT, "%s", cols_none(cs));
	cols_set(cs, ln, LS_WCHAN, "%s", wchan[0] ? wchan :
		 opt_json ? "" : cols_none(cs));
	if (shape[0])
		cols_set(cs, ln, LS_SHAPE, "%s", shape);
	else if (!opt_json)
		cols_set(cs, ln, LS_SHAPE, "%s", cols_none(cs));
	cols_set(cs, ln, LS_STATE_NAME, "%s", state_name(letter));
	cols_set(cs, ln, LS_UID, "%u", p->uid);
	cols_set(cs, ln, LS_KTHREAD, "%d", !!(p->flags & DSTATE_SLEEPER_KTHREAD));
}

int cmd_ls(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "tag", required_argument, NULL, 'g' },
		{ "mode", required_argument, NULL, 'm' },
		COLS_LONGOPTS,
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct cols cs = COLS_INIT("ls", ls_cols);
	struct dstate_sleeper *sl = NULL;
	struct libscols_table *tb;
	struct ls_filter *f;
	size_t i, n = 0;
	int c, ret = 0, fd;

	f = calloc(1, sizeof(*f));
	if (!f) {
		pr_err("%s", strerror(ENOMEM));
		return EXIT_FAILURE;
	}
	while (!ret && (c = getopt_long(argc, argv, ":" COMMON_SHORTOPTS
					COLS_SHORTOPTS "p:g:m:", opts, NULL)) != -1) {
		if (cols_option(&cs, c, optarg))
			continue;
		switch (c) {
		case 'p':
			ret = parse_list("--pid", optarg, f->pid, &f->npid);
			break;
		case 'g':
			ret = parse_list("--tag", optarg, f->tag, &f->ntag);
			break;
		case 'm':
			ret = parse_modes(optarg, &f->modes);
			break;
		default:
			ret = common_option(c, "ls", argv, ls_usage);
			if (ret < 0)
				ret = 0;
			else if (ret == EXIT_SUCCESS)
				goto out;	/* --help, --version */
		}
	}
	if (ret)
		goto out;
	if (optind < argc) {
		ret = usage_error("ls", "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	ret = cols_setup(&cs);
	if (ret)
		goto out;
	if (cs.list) {
		cols_list(&cs);
		goto out;
	}
	fd = dev_open_or_complain();
	if (fd < 0) {
		ret = EXIT_FAILURE;
		goto out;
	}
	ret = dev_list(fd, &sl, &n);
	close(fd);
	if (ret) {
		dev_complain("list the sleepers", -ret);
		ret = EXIT_FAILURE;
		goto out;
	}

	tb = cols_table(&cs, "sleepers");
	for (i = 0; i < n; i++)
		if (ls_match(f, &sl[i]))
			ls_line(&cs, tb, &sl[i]);
	scols_print_table(tb);
	scols_unref_table(tb);
out:
	free(sl);
	free(f);
	return ret;
}

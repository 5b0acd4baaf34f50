// SPDX-License-Identifier: GPL-2.0
/*
 * state: what the kernel shows of a process.  /proc gives the letter, wchan,
 * stack and signal masks; only the module can tell killable from
 * uninterruptible, since /proc shows both as D.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dstate.h"
#include "lib/device.h"
#include "lib/modes.h"
#include "lib/procfs.h"

static void state_usage(void)
{
	printf("Usage:\n dstate state PID...\n\n"
	       "For each process: its state letter and name, the kernel-side state\n"
	       "(killable or uninterruptible, from the module when it is loaded; /proc\n"
	       "shows both as D), wchan, the kernel stack where readable (root), and\n"
	       "its pending, blocked, ignored and caught signals by name.\n\n"
	       "Options:\n"
	       " -J, --json    JSON: {\"processes\": [{pid, comm, state, state_name,\n"
	       "               mode, sleeper, killable, wchan, stack, signals}]}\n"
	       " -h, --help    this text\n");
}

struct pstate {
	pid_t pid;
	struct proc_stat st;
	struct proc_status status;
	char wchan[128];
	char stack[4096];
	bool have_stack;
	bool have_ts;		/* the module answered */
	struct dstate_task_state ts;
};

/*
 * Would SIGKILL end what it is doing now?  1 yes, 0 no, -1 unknown: a D
 * without the module's word could be either.
 */
static int killable(const struct pstate *p)
{
	if (p->have_ts) {
		switch (p->ts.kind) {
		case DSTATE_TASK_RUNNING:
		case DSTATE_TASK_INTERRUPTIBLE:
		case DSTATE_TASK_KILLABLE:
		case DSTATE_TASK_STOPPED:
		case DSTATE_TASK_TRACED:
			return 1;
		case DSTATE_TASK_UNINTERRUPTIBLE:
		case DSTATE_TASK_IDLE:
			return 0;
		default:
			return -1;
		}
	}
	switch (p->st.state) {
	case 'R':
	case 'S':
	case 'T':
	case 't':
		return 1;
	case 'I':
		return 0;	/* TASK_IDLE is uninterruptible */
	default:
		return -1;
	}
}

static const char *kind(const struct pstate *p)
{
	return p->have_ts ? task_kind_name(p->ts.kind) : NULL;
}

static const char *sleeper_mode(const struct pstate *p)
{
	return p->have_ts && p->ts.is_dstate ? mode_name(p->ts.mode) : NULL;
}

static void json_sigs(const char *key, uint64_t mask, bool comma)
{
	char name[32];
	bool first = true;
	int bit;

	printf("\"%s\": [", key);
	for (bit = 0; bit < 64; bit++) {
		if (!(mask & (1ULL << bit)))
			continue;
		printf("%s", first ? "" : ", ");
		json_str(signal_name(bit + 1, name, sizeof(name)));
		first = false;
	}
	printf("]%s", comma ? ", " : "");
}

static void print_json(const struct pstate *p, bool first)
{
	int k = killable(p);
	const char *s;

	printf("%s      {\n", first ? "" : ",\n");
	printf("         \"pid\": %d,\n", (int)p->pid);
	printf("         \"comm\": ");
	json_str(p->st.comm);
	printf(",\n         \"state\": \"%c\",\n", p->st.state);
	printf("         \"state_name\": ");
	json_str(state_name(p->st.state));
	printf(",\n         \"mode\": ");
	s = kind(p);
	if (s)
		json_str(s);
	else
		printf("null");
	printf(",\n         \"sleeper\": ");
	s = sleeper_mode(p);
	if (s)
		json_str(s);
	else
		printf("null");
	printf(",\n         \"killable\": %s,\n",
	       k < 0 ? "null" : k ? "true" : "false");
	printf("         \"wchan\": ");
	if (p->wchan[0])
		json_str(p->wchan);
	else
		printf("null");
	printf(",\n         \"stack\": ");
	if (p->have_stack) {
		const char *line = p->stack;
		bool f = true;

		printf("[");
		while (*line) {
			size_t n = strcspn(line, "\n");
			char buf[256];

			snprintf(buf, sizeof(buf), "%.*s", (int)n, line);
			printf("%s", f ? "" : ", ");
			json_str(buf);
			f = false;
			line += n;
			if (*line)
				line++;
		}
		printf("]");
	} else {
		printf("null");
	}
	printf(",\n         \"ppid\": %d,\n", p->st.ppid);
	printf("         \"signals\": {");
	json_sigs("pending", p->status.sig_pnd | p->status.shd_pnd, true);
	json_sigs("blocked", p->status.sig_blk, true);
	json_sigs("ignored", p->status.sig_ign, true);
	json_sigs("caught", p->status.sig_cgt, false);
	printf("}\n      }");
}

static void print_text(const struct pstate *p)
{
	char sigs[1024];
	int k = killable(p);
	const char *s;

	printf("pid %d (%s)\n", (int)p->pid, p->st.comm);
	printf("  state:     %c (%s)\n", p->st.state, state_name(p->st.state));
	s = kind(p);
	printf("  kernel:    %s%s\n", s ? s : "unknown",
	       s ? "" : " (load the module to tell killable from uninterruptible)");
	s = sleeper_mode(p);
	if (s)
		printf("  sleeper:   dstate %s\n", s);
	printf("  killable:  %s\n", k < 0 ? "unknown" : k ? "yes" : "no");
	printf("  wchan:     %s\n", p->wchan[0] ? p->wchan : "-");
	printf("  ppid:      %d\n", p->st.ppid);
	printf("  pending:   %s\n", sigmask_names(p->status.sig_pnd | p->status.shd_pnd,
					       " ", sigs, sizeof(sigs))[0] ? sigs : "-");
	printf("  blocked:   %s\n", sigmask_names(p->status.sig_blk, " ", sigs,
					       sizeof(sigs))[0] ? sigs : "-");
	printf("  ignored:   %s\n", sigmask_names(p->status.sig_ign, " ", sigs,
					       sizeof(sigs))[0] ? sigs : "-");
	printf("  caught:    %s\n", sigmask_names(p->status.sig_cgt, " ", sigs,
					       sizeof(sigs))[0] ? sigs : "-");
	if (p->have_stack && p->stack[0]) {
		const char *line = p->stack;

		printf("  stack:\n");
		while (*line) {
			size_t n = strcspn(line, "\n");

			printf("    %.*s\n", (int)n, line);
			line += n;
			if (*line)
				line++;
		}
	}
}

int cmd_state(int argc, char **argv)
{
	static const struct option opts[] = {
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct pstate *ps;
	int c, i, ret, fd, n, status = EXIT_SUCCESS;
	bool first = true;

	while ((c = getopt_long(argc, argv, ":" COMMON_SHORTOPTS, opts, NULL)) != -1) {
		ret = common_option(c, "state", argv, state_usage);
		if (ret >= 0)
			return ret;
	}
	if (optind >= argc)
		return usage_error("state", "no pid given");
	n = argc - optind;
	for (i = 0; i < n; i++) {
		pid_t pid;

		if (parse_pid(argv[optind + i], &pid))
			return usage_error("state", "bad pid '%s'", argv[optind + i]);
	}
	ps = calloc((size_t)n, sizeof(*ps));
	if (!ps) {
		pr_err("could not read states: %s", strerror(ENOMEM));
		return EXIT_FAILURE;
	}
	/* Quietly: without the module, killable is just unknown. */
	fd = dev_open();
	if (opt_json)
		printf("{\n   \"processes\": [\n");
	for (i = 0; i < n; i++) {
		struct pstate *p = &ps[i];

		parse_pid(argv[optind + i], &p->pid);
		ret = proc_read_stat(p->pid, &p->st);
		if (!ret)
			ret = proc_read_status(p->pid, &p->status);
		if (ret) {
			pr_err("could not read the state of pid %d: %s", (int)p->pid,
			       strerror(ret == -ESRCH ? ESRCH : -ret));
			status = EXIT_FAILURE;
			continue;
		}
		proc_read_wchan(p->pid, p->wchan, sizeof(p->wchan));
		p->have_stack = !proc_read_stack(p->pid, p->stack, sizeof(p->stack));
		if (fd >= 0 && !dev_task_state(fd, p->pid, &p->ts))
			p->have_ts = true;
		if (opt_json) {
			print_json(p, first);
		} else {
			if (!first)
				putchar('\n');
			print_text(p);
		}
		first = false;
	}
	if (opt_json)
		printf("%s   ]\n}\n", first ? "" : "\n");
	if (fd >= 0)
		close(fd);
	free(ps);
	return status;
}

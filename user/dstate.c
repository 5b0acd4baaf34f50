// SPDX-License-Identifier: GPL-2.0
/*
 * dstate - put processes to sleep in the state you choose, and tell the
 * truth about the states that result.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dstate.h"
#include "lib/device.h"
#include "lib/modes.h"
#include "lib/pidwait.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;
	const char *what;
} commands[] = {
	{ "load", cmd_load, "[--norefcount] [--max-sleepers N] [-q] [MODULE] [PARAM=VALUE...]",
	  "insert the module with libkmod" },
	{ "unload", cmd_unload, "[--force]", "remove the module" },
	{ "info", cmd_info, "", "the module: loaded, version, refcount, sleepers, taint" },
	{ "sleep", cmd_sleep, "MODE [--timeout DUR] [--tag N] [--request-timeout DUR]",
	  "sleep in MODE; say how it ended" },
	{ "spawn", cmd_spawn,
	  "MODE [-n N] [--timeout DUR] [--tag N] [--kthread]\n"
	  "        [--threads N] [--zombie-leader] [--pidns] [-o LIST] [-r|-P]",
	  "start N processes in MODE and leave them there" },
	{ "release", cmd_release, "(--all | --pid PID | --tag N)",
	  "wake module sleepers" },
	{ "ls", cmd_ls, "[--pid PID] [--tag N] [--mode MODE] [-o LIST] [-r|-P]",
	  "list the module's sleepers" },
	{ "state", cmd_state, "[-L] PID...",
	  "what the kernel shows of a process and its threads" },
	{ "watch", cmd_watch, "PID [--interval DUR]",
	  "print each state change of any thread until it ends" },
	{ "wait", cmd_wait, "PID [--timeout DUR]", "wait for any process to end" },
	{ "matrix", cmd_matrix, "[MODE...] [-o LIST] [-r|-P]",
	  "check each mode against each signal" },
	{ "drill", cmd_drill, "MODE --stop CMD [--probe CMD] [--wake-after DUR] [--expect-...]",
	  "judge a supervisor's stop against a process in D" },
	{ "effects", cmd_effects, "[KIND...] [-n COUNT] [--hung-task] [-b] [-o LIST] [-r|-P]",
	  "measure what each kind of sleep moves: load, procs_blocked, hung task, kill, freeze" },
	{ "cleanup", cmd_cleanup, "[-o LIST] [-r|-P]",
	  "undo what a killed dstate left (frozen mounts, helpers, loops)" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(void)
{
	unsigned int i;

	printf("Usage:\n dstate [--json] [--device PATH] COMMAND [ARGS]\n\n");
	printf("Put processes to sleep in a chosen state, really, and report what the\n"
	       "kernel shows of them.\n\nCommands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		printf(" %s%s%s\n        %s\n", commands[i].name,
		       commands[i].args[0] ? " " : "", commands[i].args,
		       commands[i].what);
	printf("\nModes (module):");
	for (i = 0; i < dstate_method_count; i++)
		if (dstate_methods[i].kind == METHOD_MODULE)
			printf(" %s", dstate_methods[i].name);
	printf("\nMethods (no module):");
	for (i = 0; i < dstate_method_count; i++)
		if (dstate_methods[i].kind != METHOD_MODULE)
			printf(" %s", dstate_methods[i].name);
	printf("\n\nOptions:\n"
	       " -J, --json           JSON output (also after COMMAND)\n"
	       "     --device PATH    the device, instead of %s\n"
	       " -h, --help           this text; COMMAND --help for a command's\n"
	       " -V, --version        the version\n\n"
	       "DUR is 500ms, 2s, 1m or plain seconds.  Exit status: 0 success,\n"
	       "1 failure, 2 usage error, 124 timeout (wait).  The commands that\n"
	       "print a table (spawn, ls, matrix, effects, cleanup) take -o, --list-columns,\n"
	       "--noheadings, -r and -P as util-linux's do.  See dstate(1).\n",
	       DSTATE_DEVICE);
}

/*
 * As util-linux's close_stdout(): output that could not be written is a
 * failure, whatever the command said.  EPIPE is no news: the reader left.
 */
static void close_stdout(void)
{
	bool failed = ferror(stdout);

	errno = 0;
	if (fclose(stdout) && !failed)
		failed = errno != EPIPE;
	if (failed) {
		pr_err("could not write the output: %s",
		       errno ? strerror(errno) : "error on stdout");
		_exit(EXIT_FAILURE);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char *env = getenv("DSTATE_NO_PIDFD");
	unsigned int i;
	int c, ret;

	atexit(close_stdout);
	if (env && *env && strcmp(env, "0") != 0)
		pidwait_no_pidfd = true;
	env = getenv("DSTATE_DEVICE");
	if (env && *env)
		dstate_device = env;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:" COMMON_SHORTOPTS, opts, NULL)) != -1) {
		ret = common_option(c, NULL, argv, usage);
		if (ret >= 0)
			return ret;
	}
	if (optind >= argc)
		return usage_error(NULL, "no command given");
	for (i = 0; i < NCOMMANDS; i++) {
		if (!strcmp(argv[optind], commands[i].name)) {
			argc -= optind;
			argv += optind;
			optind = 0;	/* glibc: start afresh for the command */
			return commands[i].fn(argc, argv);
		}
	}
	/* "dstate help CMD" is "dstate CMD --help", as git and ip have it. */
	if (!strcmp(argv[optind], "help")) {
		if (optind + 1 < argc) {
			char *help[] = { argv[optind + 1], "--help", NULL };

			for (i = 0; i < NCOMMANDS; i++)
				if (!strcmp(help[0], commands[i].name)) {
					optind = 0;
					return commands[i].fn(2, help);
				}
			return usage_error(NULL, "no command '%s' to help with",
					   help[0]);
		}
		usage();
		return EXIT_SUCCESS;
	}
	return usage_error(NULL, "unknown command '%s'", argv[optind]);
}

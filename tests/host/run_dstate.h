/* SPDX-License-Identifier: GPL-2.0 */
/*
 * For the host tests: run the dstate command built in this tree and
 * capture what it prints.
 */
#ifndef DSTATE_TESTS_RUN_DSTATE_H
#define DSTATE_TESTS_RUN_DSTATE_H

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* $DSTATE, else user/dstate beside this test binary's tests/host/. */
static inline const char *dstate_bin(void)
{
	static char path[PATH_MAX + 32];
	char exe[PATH_MAX];
	const char *env = getenv("DSTATE");
	ssize_t n;

	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return "dstate";
	exe[n] = '\0';
	snprintf(path, sizeof(path), "%s/../../user/dstate", dirname(exe));
	return path;
}

/*
 * Run dstate with @args (at most 14, NULL-terminated), capture stdout into
 * @out; its exit status, 128 + the signal that killed it, or -1.
 */
static inline int run_dstate(const char *const args[], char *out, size_t len)
{
	const char *argv[16];
	int pfd[2], status, i;
	size_t off = 0;
	ssize_t n;
	pid_t pid;

	argv[0] = dstate_bin();
	for (i = 0; args[i] && i < 14; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	/* EOF arrives when dstate exits: its children must not hold stdout. */
	while (off + 1 < len && (n = read(pfd[0], out + off, len - 1 - off)) > 0)
		off += (size_t)n;
	out[off] = '\0';
	close(pfd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

#endif

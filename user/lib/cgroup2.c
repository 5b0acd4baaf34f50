// SPDX-License-Identifier: GPL-2.0
/* cgroup v2, as much as dstate uses: make, move, freeze, kill, remove. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "cgroup2.h"
#include "duration.h"
#include "procfs.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC	0x63677270
#endif

bool cgroup2_mounted(void)
{
	struct statfs sf;

	return !statfs(CGROUP2_ROOT, &sf) && sf.f_type == CGROUP2_SUPER_MAGIC;
}

int cgroup2_write(const char *dir, const char *file, const char *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return write_file(path, val);
}

int cgroup2_key(const char *dir, const char *file, const char *key, long *val)
{
	char path[PATH_MAX], buf[1024], *p;
	size_t klen = strlen(key);
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	n = read_file(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, key, klen) && p[klen] == ' ') {
			*val = strtol(p + klen + 1, NULL, 10);
			return 0;
		}
	}
	return -ENOENT;
}

int cgroup2_move(const char *dir, pid_t pid)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	return cgroup2_write(dir, "cgroup.procs", buf);
}

bool cgroup2_has_kill(const char *dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/cgroup.kill", dir);
	return access(path, F_OK) == 0;
}

/* SIGKILL to each process listed in @dir/cgroup.procs. */
static void kill_each(const char *dir)
{
	char path[PATH_MAX], buf[4096], *p, *end;
	long pid;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return;
	for (p = buf; *p; p = end) {
		pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid > 0)
			kill((pid_t)pid, SIGKILL);
	}
}

int cgroup2_remove(const char *dir, uint64_t timeout_ns)
{
	uint64_t deadline = now_ns() + timeout_ns;
	struct timespec ms5 = { 0, 5000000 };
	bool killed = false;
	long pop;

	if (access(dir, F_OK))
		return 0;
	cgroup2_write(dir, "cgroup.freeze", "0");
	for (;;) {
		if (cgroup2_key(dir, "cgroup.events", "populated", &pop) || !pop)
			break;
		if (!killed) {
			if (cgroup2_write(dir, "cgroup.kill", "1"))
				kill_each(dir);
			killed = true;
		}
		if (now_ns() >= deadline)
			return -EBUSY;
		nanosleep(&ms5, NULL);
	}
	if (rmdir(dir) && errno != ENOENT)
		return -errno;
	return 0;
}

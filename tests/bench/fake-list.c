// SPDX-License-Identifier: GPL-2.0
/*
 * An LD_PRELOAD shim for profiling `dstate ls` on a host without the
 * module: /dev/dstate opens /dev/null, and DSTATE_IOC_LIST returns FAKE_N
 * sleepers (default 10000) that are the host's real tasks, over and over,
 * so that the command reads real /proc files for each as it does in the
 * VM.  Every other call goes through.
 *
 *   gcc -O2 -shared -fPIC -Ikmod -o fake-list.so tests/bench/fake-list.c -ldl
 *   LD_PRELOAD=./fake-list.so perf record -g user/dstate ls > /dev/null
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "dstate_uapi.h"

#define MAX_PIDS	4096

static int fake_fd = -1;

int open(const char *path, int flags, ...)
{
	static int (*real_open)(const char *, int, ...);
	mode_t mode;
	va_list ap;

	if (!real_open)
		real_open = dlsym(RTLD_NEXT, "open");
	va_start(ap, flags);
	mode = va_arg(ap, int);
	va_end(ap);
	if (!strcmp(path, "/dev/dstate")) {
		fake_fd = real_open("/dev/null", O_RDWR | O_CLOEXEC);
		return fake_fd;
	}
	return real_open(path, flags, mode);
}

/* The host's tasks, once. */
static unsigned int host_pids(int *pids)
{
	unsigned int n = 0;
	struct dirent *e;
	DIR *d = opendir("/proc");

	while (d && (e = readdir(d)) && n < MAX_PIDS)
		if (atoi(e->d_name) > 0)
			pids[n++] = atoi(e->d_name);
	if (d)
		closedir(d);
	return n;
}

int ioctl(int fd, unsigned long req, ...)
{
	static int (*real_ioctl)(int, unsigned long, ...);
	static int pids[MAX_PIDS];
	static unsigned int npids;
	const char *env = getenv("FAKE_N");
	unsigned int n = env ? (unsigned int)atoi(env) : 10000, i;
	struct dstate_list_args *a;
	struct dstate_sleeper *s;
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!real_ioctl)
		real_ioctl = dlsym(RTLD_NEXT, "ioctl");
	if (fd != fake_fd || req != DSTATE_IOC_LIST)
		return real_ioctl(fd, req, arg);
	if (!npids)
		npids = host_pids(pids);
	if (!npids)
		return -1;

	a = arg;
	s = (struct dstate_sleeper *)(unsigned long)a->sleepers;
	for (i = 0; i < a->count && i < n; i++) {
		memset(&s[i], 0, sizeof(s[i]));
		s[i].pid = s[i].tid = (__u32)pids[i % npids];
		s[i].mode = DSTATE_MODE_UNINTERRUPTIBLE;
		s[i].tag = i;
		s[i].age_ns = 123456789;
		s[i].left_ns = DSTATE_NO_TIMEOUT;
		strcpy(s[i].comm, "dstate");
	}
	a->count = i;
	a->total = n;
	return 0;
}

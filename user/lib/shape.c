// SPDX-License-Identifier: GPL-2.0
/*
 * What /proc shows of a process's shape: its thread count and its leader's
 * letter (/proc/PID/stat, which is the leader's), and its pids in each pid
 * namespace (NSpid in /proc/PID/status), and its parent's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procfs.h"
#include "shape.h"

int proc_read_nspid(pid_t pid, int *v, int max)
{
	char path[64], buf[4096], *p, *end;
	ssize_t n;
	int i = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	n = read_file(path, buf, sizeof(buf));
	if (n < 0)
		return n == -ENOENT ? -ESRCH : (int)n;
	p = strstr(buf, "\nNSpid:");
	if (!p)
		return 0;
	p += strlen("\nNSpid:");
	while (i < max) {
		long x = strtol(p, &end, 10);

		if (end == p)
			break;
		v[i++] = (int)x;
		p = end;
		if (*p == '\n')
			break;
	}
	return i;
}

int proc_read_shape(pid_t pid, struct proc_shape *sh)
{
	char path[64], buf[1024];
	struct proc_stat st;
	long long threads;
	int pv[SHAPE_NSPID_MAX], n;
	ssize_t len;

	memset(sh, 0, sizeof(*sh));
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	len = read_file(path, buf, sizeof(buf));
	if (len < 0)
		return len == -ENOENT ? -ESRCH : (int)len;
	if (proc_parse_stat(buf, &st) || proc_stat_field(buf, 20, &threads))
		return -EINVAL;
	sh->threads = (int)threads;
	sh->leader = st.state;
	sh->ppid = st.ppid;
	/* A zombie leader still counts in num_threads until it is reaped. */
	sh->leader_zombie = (st.state == 'Z' || st.state == 'X') && threads > 1;
	n = proc_read_nspid(pid, sh->nspid, SHAPE_NSPID_MAX);
	if (n < 0)
		return n;
	sh->nlevels = n;
	if (n > 1 && st.ppid > 0) {
		n = proc_read_nspid(st.ppid, pv, SHAPE_NSPID_MAX);
		sh->parent_ns_init = n > 1 && pv[n - 1] == 1;
	}
	return 0;
}

char *shape_words(const struct proc_shape *sh, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
#define ADD(...)							\
	do {								\
		int w_ = snprintf(buf + off, len - off, "%s", off ? "," : ""); \
		if (w_ > 0 && (size_t)w_ < len - off)			\
			off += (size_t)w_;				\
		w_ = snprintf(buf + off, len - off, __VA_ARGS__);	\
		if (w_ > 0 && (size_t)w_ < len - off)			\
			off += (size_t)w_;				\
	} while (0)
	if (sh->threads > 1)
		ADD("threads=%d", sh->threads);
	if (sh->leader_zombie)
		ADD("leader=zombie");
	if (sh->nlevels > 1)
		ADD("nspid=%d", sh->nspid[sh->nlevels - 1]);
	if (sh->parent_ns_init)
		ADD("parent=ns-init");
#undef ADD
	return buf;
}

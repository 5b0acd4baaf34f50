// SPDX-License-Identifier: GPL-2.0
/*
 * Reading /proc.  The kernel is the witness for every claim dstate makes,
 * so parse it carefully: a comm can be "a) b (c", and a task can vanish
 * between any two reads (ESRCH, never a crash).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"

ssize_t read_file(const char *path, char *buf, size_t len)
{
	ssize_t n, total = 0;
	int fd;

	if (!len)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((size_t)total < len - 1) {
		n = read(fd, buf + total, len - 1 - (size_t)total);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return n;
		}
		if (!n)
			break;
		total += n;
	}
	buf[total] = '\0';
	close(fd);
	return total;
}

bool proc_waits_in(pid_t pid, const char *fn)
{
	char buf[4096];

	if (!proc_read_wchan(pid, buf, sizeof(buf)) && strstr(buf, fn))
		return true;
	return !proc_read_stack(pid, buf, sizeof(buf)) && strstr(buf, fn);
}

void proc_unescape(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
				      (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

int write_file(const char *path, const char *val)
{
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		err = -errno;
	close(fd);
	return err;
}

/* A vanished task reads as ENOENT or ESRCH, depending on the moment. */
static int gone(int err)
{
	return err == -ENOENT || err == -ESRCH ? -ESRCH : err;
}

int proc_parse_stat(const char *buf, struct proc_stat *st)
{
	const char *open, *close;
	size_t n;
	int i;
	char *end;
	const char *p;

	memset(st, 0, sizeof(*st));
	st->pid = (int)strtol(buf, &end, 10);
	if (end == buf || *end != ' ')
		return -EINVAL;
	open = strchr(buf, '(');
	close = strrchr(buf, ')');
	if (!open || !close || close < open || close[1] != ' ')
		return -EINVAL;
	n = (size_t)(close - open - 1);
	if (n >= sizeof(st->comm))
		n = sizeof(st->comm) - 1;
	memcpy(st->comm, open + 1, n);
	st->comm[n] = '\0';

	p = close + 2;
	if (!*p || p[1] != ' ')
		return -EINVAL;
	st->state = *p;
	p += 2;
	/* Fields 4..: ppid pgrp session tty_nr tpgid flags ... starttime(22) */
	for (i = 4; i <= 22 && *p; i++) {
		unsigned long long v = strtoull(p, &end, 10);

		if (end == p) {
			/* Negative numbers (tpgid -1) are fine too. */
			v = (unsigned long long)strtoll(p, &end, 10);
			if (end == p)
				return -EINVAL;
		}
		switch (i) {
		case 4:
			st->ppid = (int)v;
			break;
		case 5:
			st->pgrp = (int)v;
			break;
		case 6:
			st->session = (int)v;
			break;
		case 9:
			st->flags = (unsigned long)v;
			break;
		case 22:
			st->starttime = v;
			break;
		}
		p = end;
		while (*p == ' ')
			p++;
	}
	return i > 22 ? 0 : -EINVAL;
}

static int read_stat_path(const char *path, struct proc_stat *st)
{
	char buf[1024];
	ssize_t n = read_file(path, buf, sizeof(buf));

	if (n < 0)
		return gone((int)n);
	if (n == 0)
		return -ESRCH;
	return proc_parse_stat(buf, st);
}

int proc_read_stat(pid_t pid, struct proc_stat *st)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	return read_stat_path(path, st);
}

int proc_read_task_stat(pid_t pid, pid_t tid, struct proc_stat *st)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, (int)tid);
	return read_stat_path(path, st);
}

int proc_stat_field(const char *buf, int field, long long *v)
{
	const char *p = strrchr(buf, ')');
	char *end;
	int i;

	if (!p || field < 4)
		return -EINVAL;
	p += 2;				/* field 3, the state */
	for (i = 3; i < field; i++) {
		p = strchr(p, ' ');
		if (!p)
			return -EINVAL;
		p++;
	}
	*v = strtoll(p, &end, 10);
	return end == p ? -EINVAL : 0;
}

int proc_read_exit_code(pid_t pid, int *code)
{
	char path[64], buf[1024];
	long long v;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	n = read_file(path, buf, sizeof(buf));
	if (n <= 0)
		return n ? gone((int)n) : -ESRCH;
	if (proc_stat_field(buf, 52, &v))
		return -EINVAL;
	*code = (int)v;
	return 0;
}

bool proc_exit_code_visible(pid_t pid)
{
	char path[64], buf[512];

	/* The check is made on read, not open. */
	snprintf(path, sizeof(path), "/proc/%d/io", (int)pid);
	return read_file(path, buf, sizeof(buf)) > 0;
}

static int parse_mask(const char *v, uint64_t *mask)
{
	char *end;

	errno = 0;
	*mask = strtoull(v, &end, 16);
	return errno || end == v ? -EINVAL : 0;
}

int proc_parse_status(const char *buf, struct proc_status *st)
{
	const char *line = buf;
	int seen = 0;

	memset(st, 0, sizeof(*st));
	while (line && *line) {
		const char *colon = strchr(line, ':');
		const char *next = strchr(line, '\n');
		const char *v;
		size_t klen;

		if (!colon || (next && colon > next))
			goto next;
		klen = (size_t)(colon - line);
		v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
#define KEY(k) (klen == sizeof(k) - 1 && !strncmp(line, k, klen))
		if (KEY("State"))
			st->state = *v, seen |= 1;
		else if (KEY("Tgid"))
			st->tgid = atoi(v);
		else if (KEY("PPid"))
			st->ppid = atoi(v);
		else if (KEY("TracerPid"))
			st->tracer_pid = atoi(v);
		else if (KEY("Uid"))
			st->uid = (uid_t)strtoul(v, NULL, 10);
		else if (KEY("SigPnd"))
			seen |= parse_mask(v, &st->sig_pnd) ? 0 : 2;
		else if (KEY("ShdPnd"))
			seen |= parse_mask(v, &st->shd_pnd) ? 0 : 4;
		else if (KEY("SigBlk"))
			seen |= parse_mask(v, &st->sig_blk) ? 0 : 8;
		else if (KEY("SigIgn"))
			seen |= parse_mask(v, &st->sig_ign) ? 0 : 16;
		else if (KEY("SigCgt"))
			seen |= parse_mask(v, &st->sig_cgt) ? 0 : 32;
#undef KEY
next:
		line = next ? next + 1 : NULL;
	}
	return seen == 63 ? 0 : -EINVAL;
}

int proc_read_status(pid_t pid, struct proc_status *st)
{
	char path[64], buf[4096];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	n = read_file(path, buf, sizeof(buf));
	if (n < 0)
		return gone((int)n);
	if (n == 0)
		return -ESRCH;
	return proc_parse_status(buf, st);
}

static int read_wchan_path(const char *path, char *buf, size_t len)
{
	ssize_t n = read_file(path, buf, len);

	if (n < 0) {
		buf[0] = '\0';
		return gone((int)n);
	}
	buf[strcspn(buf, "\n")] = '\0';
	if (!strcmp(buf, "0"))
		buf[0] = '\0';
	return 0;
}

int proc_read_wchan(pid_t pid, char *buf, size_t len)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/wchan", (int)pid);
	return read_wchan_path(path, buf, len);
}

int proc_read_task_wchan(pid_t pid, pid_t tid, char *buf, size_t len)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/wchan", (int)pid, (int)tid);
	return read_wchan_path(path, buf, len);
}

static int read_stack_path(const char *path, char *buf, size_t len)
{
	ssize_t n = read_file(path, buf, len);

	if (n < 0) {
		buf[0] = '\0';
		return gone((int)n);
	}
	return 0;
}

int proc_read_stack(pid_t pid, char *buf, size_t len)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stack", (int)pid);
	return read_stack_path(path, buf, len);
}

int proc_read_task_stack(pid_t pid, pid_t tid, char *buf, size_t len)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stack", (int)pid, (int)tid);
	return read_stack_path(path, buf, len);
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

int proc_list_tasks(pid_t pid, pid_t **tids)
{
	pid_t *list = NULL, *nlist;
	size_t n = 0, cap = 0;
	struct dirent *de;
	char path[64];
	DIR *dir;

	*tids = NULL;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return gone(-errno);
	while ((de = readdir(dir))) {
		char *end;
		long tid = strtol(de->d_name, &end, 10);

		if (*end || tid <= 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			nlist = realloc(list, cap * sizeof(*list));
			if (!nlist) {
				free(list);
				closedir(dir);
				return -ENOMEM;
			}
			list = nlist;
		}
		list[n++] = (pid_t)tid;
	}
	closedir(dir);
	/* A process that exited between opendir and readdir lists nothing. */
	if (!n) {
		free(list);
		return -ESRCH;
	}
	qsort(list, n, sizeof(*list), cmp_pid);
	*tids = list;
	return (int)n;
}

char proc_state(pid_t pid)
{
	struct proc_stat st;

	if (proc_read_stat(pid, &st))
		return '\0';
	return st.state;
}

const char *state_name(char letter)
{
	switch (letter) {
	case 'R': return "running";
	case 'S': return "sleeping";
	case 'D': return "disk sleep";
	case 'T': return "stopped";
	case 't': return "tracing stop";
	case 'X': return "dead";
	case 'Z': return "zombie";
	case 'P': return "parked";
	case 'I': return "idle";
	case 'W': return "waking";
	case 'K': return "wakekill";
	case 'x': return "dead";
	default: return "unknown";
	}
}

int state_rank(char letter)
{
	switch (letter) {
	case 'D': return 6;
	case 'T':
	case 't': return 5;
	case 'S': return 4;
	case 'I':
	case 'P': return 3;
	case 'R':
	case 'W':
	case 'K': return 2;
	case 'Z': return 1;
	default: return 0;	/* X, x, and what this code does not know */
	}
}

const char *signal_name(int sig, char *buf, size_t len)
{
	const char *abbrev = NULL;

	if (sig >= SIGRTMIN && sig <= SIGRTMAX) {
		if (sig == SIGRTMIN)
			snprintf(buf, len, "SIGRTMIN");
		else
			snprintf(buf, len, "SIGRTMIN+%d", sig - SIGRTMIN);
		return buf;
	}
	if (sig > 0 && sig < SIGRTMIN)
		abbrev = sigabbrev_np(sig);
	if (abbrev)
		snprintf(buf, len, "SIG%s", abbrev);
	else
		snprintf(buf, len, "SIG%d", sig);	/* glibc-reserved 32, 33 */
	return buf;
}

char *sigmask_names(uint64_t mask, const char *sep, char *buf, size_t len)
{
	size_t off = 0;
	int bit;

	buf[0] = '\0';
	for (bit = 0; bit < 64; bit++) {
		char name[32];
		int n;

		if (!(mask & (1ULL << bit)))
			continue;
		signal_name(bit + 1, name, sizeof(name));
		n = snprintf(buf + off, len - off, "%s%s", off ? sep : "", name);
		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
	}
	return buf;
}

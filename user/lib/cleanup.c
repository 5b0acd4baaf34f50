// SPDX-License-Identifier: GPL-2.0
/*
 * dstate cleanup: find and undo what a killed dstate left.  The order
 * matters: a frozen filesystem is thawed before anything is killed (its
 * writers sleep in D, deaf even to SIGKILL until then), the helpers are
 * killed before the unmount (a keeper holds the loop device open; a FUSE
 * daemon's death aborts its connection, which frees its readers), and the
 * directories go last.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup2.h"
#include "cleanup.h"
#include "dmsuspend.h"
#include "duration.h"
#include "procfs.h"

#define FSFREEZE_PREFIX	"dstate-fsfreeze."
#define EFFECTS_PREFIX	"dstate-effects."
#define DM_PREFIX	"dstate-dm."
#define DIR_SUFFIX_LEN	6		/* mkdtemp's XXXXXX */
#define MAX_ITEMS	64
#define MAX_PIDS	4096

/* The names spawn.c and cmd_sleep.c give their processes. */
static const char *const helper_comms[] = {
	"dstate-keeper", "dstate-writer", "dstate-tracer", "dstate-traced",
	"dstate-zparent", "dstate-vfork", "dstate-stopped", "dstate-running",
	"dstate-fuse", "dstate-dm",
};

/* The directories fsfreeze_setup() and fusefs_setup() make. */
static const char *const dir_prefixes[] = {
	FSFREEZE_PREFIX, "dstate-fuse.", DM_PREFIX,
};

struct cleanup {
	const char *tmpdir;
	cleanup_report_fn report;
	void *arg;
	int failed;
};

static void say(struct cleanup *c, const char *action, const char *what,
		int err)
{
	if (err)
		c->failed++;
	c->report(action, what, err, c->arg);
}

/*
 * Is @path one of our directories, or inside one?  Returns the length of
 * the directory part, or 0.  @prefix, when not NULL, is the only kind
 * asked about.
 */
static size_t our_dir_of(const struct cleanup *c, const char *path,
			 const char *prefix)
{
	size_t t = strlen(c->tmpdir), p, i, k;
	const char *s;

	while (t > 1 && c->tmpdir[t - 1] == '/')
		t--;
	if (strncmp(path, c->tmpdir, t) != 0 || path[t] != '/')
		return 0;
	for (k = 0; k < sizeof(dir_prefixes) / sizeof(dir_prefixes[0]); k++) {
		if (prefix && strcmp(prefix, dir_prefixes[k]) != 0)
			continue;
		p = strlen(dir_prefixes[k]);
		if (strncmp(path + t + 1, dir_prefixes[k], p) != 0)
			continue;
		s = path + t + 1 + p;
		for (i = 0; i < DIR_SUFFIX_LEN; i++)
			if (!isalnum((unsigned char)s[i]))
				return 0;
		if (s[i] && s[i] != '/')
			return 0;
		return (size_t)(s + i - path);
	}
	return 0;
}

static size_t our_dir(const struct cleanup *c, const char *path)
{
	return our_dir_of(c, path, NULL);
}

/*
 * Our mount points (of @prefix's kind only, unless NULL), deepest last in
 * /proc/mounts order.  Returns how many.
 */
static int our_mounts(const struct cleanup *c, const char *prefix,
		      char mnt[][256], int max)
{
	char line[1024], dev[256], dir[256];
	FILE *f = fopen("/proc/mounts", "re");
	int n = 0;

	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%255s %255s", dev, dir) != 2)
			continue;
		proc_unescape(dir);
		if (our_dir_of(c, dir, prefix))
			snprintf(mnt[n++], 256, "%s", dir);
	}
	fclose(f);
	return n;
}

/*
 * Only fsfreeze's mounts: opening a FUSE mount would wait for a daemon
 * that may never answer.
 */
static void thaw_mounts(struct cleanup *c)
{
	static char mnt[MAX_ITEMS][256];
	int i, n = our_mounts(c, FSFREEZE_PREFIX, mnt, MAX_ITEMS), fd;

	for (i = 0; i < n; i++) {
		fd = open(mnt[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			say(c, "thaw", mnt[i], errno);
			continue;
		}
		if (!ioctl(fd, FITHAW, 0))
			say(c, "thawed", mnt[i], 0);
		else if (errno != EINVAL)	/* EINVAL: it was not frozen */
			say(c, "thaw", mnt[i], errno);
		close(fd);
	}
}

/*
 * dm-suspend's maps, named dstate-XXXXXX after their directory
 * dstate-dm.XXXXXX: only those whose directory is under our TMPDIR.
 * Resumed (their writers finish) and removed, or removed once their last
 * opener closes them.
 */
static void undo_maps(struct cleanup *c)
{
	char path[300], name[128], dir[512];
	struct dirent *e;
	DIR *d;
	int err;

	d = opendir("/sys/block");
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "dm-", 3) != 0)
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s/dm/name", e->d_name);
		if (read_file(path, name, sizeof(name)) <= 0)
			continue;
		name[strcspn(name, "\n")] = '\0';
		if (strncmp(name, "dstate-", 7) != 0 || strlen(name) != 7 + DIR_SUFFIX_LEN)
			continue;
		snprintf(dir, sizeof(dir), "%s/" DM_PREFIX "%s", c->tmpdir, name + 7);
		if (access(dir, F_OK) != 0 || our_dir_of(c, dir, DM_PREFIX) != strlen(dir))
			continue;
		err = -dmsuspend_remove_by_name(name);
		say(c, err ? "remove" : "removed", name, err);
	}
	closedir(d);
}

/* Is @pid one of ours?  Its name in @comm (16 bytes) if so. */
static bool is_helper(pid_t pid, char *comm)
{
	char path[32];
	ssize_t n;
	size_t i;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	n = read_file(path, comm, 16);
	if (n <= 0)
		return false;
	comm[strcspn(comm, "\n")] = '\0';
	for (i = 0; i < sizeof(helper_comms) / sizeof(helper_comms[0]); i++)
		if (!strcmp(comm, helper_comms[i]))
			return true;
	return false;
}

/* Gone, or a zombie (its parent, if ours, was killed too). */
static bool gone(pid_t pid)
{
	struct proc_stat st;

	return proc_read_stat(pid, &st) || st.state == 'Z' || st.state == 'X';
}

/* One pass over /proc; returns how many were killed. */
static int kill_helpers(struct cleanup *c)
{
	static pid_t pids[MAX_PIDS];
	static char comms[MAX_PIDS][16];
	uint64_t deadline;
	struct timespec ms1 = { 0, 1000000 };
	struct dirent *e;
	char what[64];
	int n = 0, i, left;
	DIR *d;
	pid_t pid;

	d = opendir("/proc");
	if (!d)
		return 0;
	while ((e = readdir(d)) && n < MAX_PIDS) {
		pid = (pid_t)atoi(e->d_name);
		if (pid <= 1 || pid == getpid() || !is_helper(pid, comms[n]) ||
		    gone(pid))
			continue;
		if (kill(pid, SIGKILL) < 0) {
			if (errno != ESRCH) {
				snprintf(what, sizeof(what), "pid %d (%.15s)",
					 (int)pid, comms[n]);
				say(c, "kill", what, errno);
			}
			continue;
		}
		pids[n++] = pid;
	}
	closedir(d);
	/* Writers die only once thawed, and keepers close the loop device. */
	deadline = now_ns() + 5 * NSEC_PER_SEC;
	do {
		for (i = 0, left = 0; i < n; i++)
			left += !gone(pids[i]);
		if (left)
			nanosleep(&ms1, NULL);
	} while (left && now_ns() < deadline);
	for (i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "pid %d (%.15s)", (int)pids[i],
			 comms[i]);
		say(c, "killed", what, gone(pids[i]) ? 0 : ETIMEDOUT);
	}
	return n;
}

/* 0, or an errno; EINVAL: it was not mounted (any more). */
static int umount_patiently(const char *mnt)
{
	uint64_t deadline = now_ns() + 2 * NSEC_PER_SEC;
	struct timespec ms1 = { 0, 1000000 };

	for (;;) {
		if (!umount2(mnt, 0))
			return 0;
		if (errno != EBUSY)
			return errno;
		/* The last writers may still be closing their files. */
		if (now_ns() >= deadline)
			return umount2(mnt, MNT_DETACH) ? errno : 0;
		nanosleep(&ms1, NULL);
	}
}

static void unmount_all(struct cleanup *c)
{
	static char mnt[MAX_ITEMS][256];
	int i, n = our_mounts(c, NULL, mnt, MAX_ITEMS), err;

	for (i = n - 1; i >= 0; i--) {
		err = umount_patiently(mnt[i]);
		if (err != EINVAL)
			say(c, err ? "unmount" : "unmounted", mnt[i], err);
	}
}

static void detach_loops(struct cleanup *c)
{
	char path[300], file[512], dev[300], what[900];
	struct dirent *e;
	char *p;
	DIR *d;
	int fd;

	d = opendir("/sys/block");
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "loop", 4) != 0)
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s/loop/backing_file",
			 e->d_name);
		if (read_file(path, file, sizeof(file)) <= 0)
			continue;
		file[strcspn(file, "\n")] = '\0';
		p = strstr(file, " (deleted)");
		if (p)
			*p = '\0';
		if (!our_dir(c, file))
			continue;
		snprintf(dev, sizeof(dev), "/dev/%s", e->d_name);
		snprintf(what, sizeof(what), "%s (%s)", dev, file);
		fd = open(dev, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			say(c, "detach", what, errno);
			continue;
		}
		/* ENXIO: autoclear detached it meanwhile. */
		if (!ioctl(fd, LOOP_CLR_FD, 0) || errno == ENXIO)
			say(c, "detached", what, 0);
		else
			say(c, "detach", what, errno);
		close(fd);
	}
	closedir(d);
}

/*
 * Only what fsfreeze_setup() and fusefs_setup() put there: never a
 * recursive delete.
 */
static void remove_dirs(struct cleanup *c)
{
	char dir[512], path[600];
	struct dirent *e;
	DIR *d;

	d = opendir(c->tmpdir);
	if (!d)
		return;
	while ((e = readdir(d))) {
		snprintf(dir, sizeof(dir), "%s/%s", c->tmpdir, e->d_name);
		if (our_dir(c, dir) != strlen(dir))
			continue;
		snprintf(path, sizeof(path), "%s/image", dir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/dev", dir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/mnt", dir);
		rmdir(path);
		if (rmdir(dir) == 0)
			say(c, "removed", dir, 0);
		else
			say(c, "remove", dir, errno);
	}
	closedir(d);
}

/* Remove the cgroup @dir, a leaf, and say so: what is in it is killed. */
static void remove_cgroup(struct cleanup *c, const char *dir)
{
	int ret = cgroup2_remove(dir, 2 * NSEC_PER_SEC);

	say(c, "removed", dir, ret ? -ret : 0);
}

/* Is the 'dstate effects' of pid @owner still running (named dstate)? */
static bool effects_alive(pid_t owner)
{
	char path[64], comm[32];

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)owner);
	return owner > 0 && read_file(path, comm, sizeof(comm)) > 0 &&
	       !strcmp(comm, "dstate\n");
}

/* A hung-task sysctl's name, and a decimal value: nothing else is written. */
static bool hung_sysctl_ok(const char *name, const char *value)
{
	size_t i;

	if (strncmp(name, "hung_task_", 10) != 0 || strlen(name) > 40)
		return false;
	for (i = 0; name[i]; i++)
		if (!islower((unsigned char)name[i]) && name[i] != '_')
			return false;
	i = value[0] == '-';
	if (!value[i] || strlen(value) > 20)
		return false;
	for (; value[i]; i++)
		if (!isdigit((unsigned char)value[i]))
			return false;
	return true;
}

/*
 * The hung-task sysctls a killed 'dstate effects' left lowered: put back
 * what its record says they were, the timeout first (the record's last
 * line), then delete the record.  Only a record this user owns, that no
 * one else may write, and only hung_task_* names with decimal values.
 */
static void restore_effects_sysctls(struct cleanup *c)
{
	char path[PATH_MAX], buf[512], what[128], names[8][48], values[8][24];
	struct dirent *e;
	struct stat st;
	int owner, end, n, i, fd, ret;
	ssize_t len;
	char *line, *save;
	DIR *d;

	d = opendir(c->tmpdir);
	if (!d)
		return;
	while ((e = readdir(d))) {
		end = 0;
		if (sscanf(e->d_name, "dstate-effects.%d.sysctl%n", &owner, &end) != 1 ||
		    effects_alive(owner))
			continue;
		snprintf(path, sizeof(path), EFFECTS_SYSCTL_FMT, c->tmpdir, owner);
		/* Killed while writing it, before it lowered anything. */
		if (!strcmp(e->d_name + end, ".part")) {
			strncat(path, ".part", sizeof(path) - strlen(path) - 1);
			say(c, "removed", path, unlink(path) ? errno : 0);
			continue;
		}
		if (e->d_name[end] != '\0')
			continue;
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = -1;
		if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
		    !(st.st_mode & 022))
			len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len < 0)
			continue;
		buf[len] = '\0';
		n = 0;
		for (line = strtok_r(buf, "\n", &save); line && n < 8;
		     line = strtok_r(NULL, "\n", &save))
			if (sscanf(line, "%47s %23s", names[n], values[n]) == 2 &&
			    hung_sysctl_ok(names[n], values[n]))
				n++;
		for (i = n - 1; i >= 0; i--) {
			char sysctl[96];

			snprintf(sysctl, sizeof(sysctl), "/proc/sys/kernel/%s", names[i]);
			ret = write_file(sysctl, values[i]);
			snprintf(what, sizeof(what), "kernel.%s=%s", names[i], values[i]);
			say(c, "restored", what, ret ? -ret : 0);
		}
		say(c, "removed", path, unlink(path) ? errno : 0);
	}
	closedir(d);
}

/*
 * What 'dstate effects' leaves when it is killed: its cgroups,
 * /sys/fs/cgroup/dstate-effects.PID/KIND/LEAF, with its sleepers in them,
 * whose helpers kill_helpers() has ended.  Not those of an effects still
 * running (its pid alive, named dstate).
 */
static void remove_effects_cgroups(struct cleanup *c)
{
	char top[PATH_MAX], row[PATH_MAX], leaf[PATH_MAX];
	struct dirent *e, *k, *l;
	DIR *d, *dk, *dl;
	pid_t owner;

	d = opendir(CGROUP2_ROOT);
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, EFFECTS_PREFIX, strlen(EFFECTS_PREFIX)) != 0)
			continue;
		owner = (pid_t)atoi(e->d_name + strlen(EFFECTS_PREFIX));
		if (effects_alive(owner))
			continue;
		snprintf(top, sizeof(top), "%s/%s", CGROUP2_ROOT, e->d_name);
		dk = opendir(top);
		while (dk && (k = readdir(dk))) {
			if (k->d_type != DT_DIR || k->d_name[0] == '.')
				continue;
			snprintf(row, sizeof(row), "%.2000s/%.200s", top, k->d_name);
			dl = opendir(row);
			while (dl && (l = readdir(dl))) {
				if (l->d_type != DT_DIR || l->d_name[0] == '.')
					continue;
				snprintf(leaf, sizeof(leaf), "%.2200s/%.200s", row,
					 l->d_name);
				remove_cgroup(c, leaf);
			}
			if (dl)
				closedir(dl);
			remove_cgroup(c, row);
		}
		if (dk)
			closedir(dk);
		remove_cgroup(c, top);
	}
	closedir(d);
}

int cleanup_run(const char *tmpdir, cleanup_report_fn report, void *arg)
{
	struct cleanup c = {
		.tmpdir = tmpdir, .report = report, .arg = arg,
	};
	int rounds = 0;

	thaw_mounts(&c);
	undo_maps(&c);
	/*
	 * A helper may fork, or freeze, while it is being killed: look
	 * again until a pass finds none, and thaw again after.
	 */
	while (kill_helpers(&c) && ++rounds < 10)
		;
	thaw_mounts(&c);
	undo_maps(&c);
	unmount_all(&c);
	detach_loops(&c);
	remove_dirs(&c);
	remove_effects_cgroups(&c);
	restore_effects_sysctls(&c);
	return c.failed;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Bad input gets an errno, never an oops: ENOTTY for an unknown ioctl,
 * EINVAL for an unknown mode, flags, padding, release kind, a field the
 * request does not use, or an absurd timeout, EFAULT for a NULL or
 * unmapped pointer, EPERM for what needs CAP_SYS_ADMIN, ESRCH for another
 * user's task (to an unprivileged caller it does not exist), EAGAIN past
 * max_sleepers, and a failed request changes nothing the caller can see.
 *
 * A sleep request the module wrongly accepts would put the caller to
 * sleep, so every sleep that must fail is made by a child with a deadline;
 * where the mode under test is not the point it is killable and has a
 * short timeout, so that a wrong acceptance is a failed case, not a hang.
 */
/* vm-options: -t 300 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dtest.h"
#include "fixture.h"

#define SLEPT	(-1)	/* the call did not return: it slept */

static int devfd = -1;
static void *unmapped;	/* a PROT_NONE page: any access faults */

/*
 * ioctl(cmd, arg) in a child, which opens the device itself (as nobody if
 * @unprivileged); returns its errno, 0 on success, or SLEPT if it had not
 * returned after 3 s.  @arg may be NULL or unmapped: fork keeps both so.
 */
static int child_ioctl(unsigned long cmd, void *arg, bool unprivileged)
{
	struct sleeper s = { .pid = -1, .pipe_rd = -1 };
	int fd, ret;

	fflush(stdout);
	if (unprivileged)
		s.pid = fork_unprivileged();
	else
		s.pid = fork();
	if (s.pid < 0)
		return -2;
	if (s.pid == 0) {
		fd = open(DSTATE_DEV, O_RDWR);
		if (fd < 0)
			_exit(CHILD_NO_DEV);
		ret = ioctl(fd, cmd, arg);
		_exit(ret == 0 ? 0 : ret == -1 ? errno : CHILD_ODD);
	}
	if (!wait_exit(&s, 3000)) {
		tap_diag("pid %d did not return: state '%c'", s.pid,
			 proc_state(s.pid) ?: '-');
		sleeper_finish(&s, devfd);
		return SLEPT;
	}
	return WIFEXITED(s.status) ? WEXITSTATUS(s.status) : -3;
}

static const char *errname(int e)
{
	return e == SLEPT ? "it slept" : e < 0 ? "child failed" :
	       e == 0 ? "success" : strerror(e);
}

/* One bad sleep request: killable, 200 ms, unless the case says else. */
static void bad_sleep(const char *what, struct dstate_sleep_args args, int want)
{
	int got = child_ioctl(DSTATE_IOC_SLEEP, &args, false);

	tap_result(got == want, "sleep with %s: %s (%s)", what, strerror(want),
		   errname(got));
}

static void expect(const char *what, int ret, int want)
{
	tap_result(ret == -want, "%s: %s (%s)", what, strerror(want),
		   ret ? strerror(-ret) : "success");
}

static void case_enotty(void)
{
	int dummy = 0;

	expect("unknown ioctl number 0x7f", ds_ioctl(devfd,
	       _IO(DSTATE_IOC_MAGIC, 0x7f), NULL), ENOTTY);
	expect("another magic", ds_ioctl(devfd, _IOW('x', 1, int), &dummy),
	       ENOTTY);
	/* The sleep number with the wrong size is another command. */
	expect("sleep number with a wrong size", ds_ioctl(devfd,
	       _IOW(DSTATE_IOC_MAGIC, 0x01, __u32), &dummy), ENOTTY);
}

static void case_einval(void)
{
	const struct dstate_sleep_args ok = {
		.mode = DSTATE_MODE_KILLABLE,
		.timeout_ns = 200 * NSEC_PER_MSEC,
	};
	struct dstate_sleep_args a;
	struct dstate_release_args r;
	struct dstate_kthread_args kt;
	struct dstate_task_state ts;
	pid_t pid;
	int got;

	a = ok, a.mode = DSTATE_MODE_NONE;
	bad_sleep("mode 0", a, EINVAL);
	a = ok, a.mode = 99;
	bad_sleep("mode 99", a, EINVAL);
	a = ok, a.mode = DSTATE_MODE_COUNT;
	bad_sleep("mode DSTATE_MODE_COUNT", a, EINVAL);
	a = ok, a.flags = 1;
	bad_sleep("flags 1", a, EINVAL);
	a = ok, a.flags = 0x80000000;
	bad_sleep("flags 0x80000000", a, EINVAL);
	a = ok, a.timeout_ns = DSTATE_TIMEOUT_MAX_NS + 1;
	bad_sleep("timeout DSTATE_TIMEOUT_MAX_NS + 1", a, EINVAL);
	a = ok, a.timeout_ns = ~0ULL;
	bad_sleep("timeout 2^64 - 1", a, EINVAL);

	/* The limit itself is allowed: that sleep must happen. */
	a = ok, a.timeout_ns = DSTATE_TIMEOUT_MAX_NS;
	got = child_ioctl(DSTATE_IOC_SLEEP, &a, false);
	tap_result(got == SLEPT,
		   "sleep with timeout DSTATE_TIMEOUT_MAX_NS is accepted: it sleeps (%s)",
		   errname(got));

	memset(&r, 0, sizeof(r));
	r.how = 3;
	expect("release how 3", ds_ioctl(devfd, DSTATE_IOC_RELEASE, &r), EINVAL);
	r.how = ~0U;
	expect("release how 2^32 - 1", ds_ioctl(devfd, DSTATE_IOC_RELEASE, &r),
	       EINVAL);
	r.how = DSTATE_RELEASE_ALL;
	r.pad = 1;
	expect("release with pad 1", ds_ioctl(devfd, DSTATE_IOC_RELEASE, &r),
	       EINVAL);

	memset(&kt, 0, sizeof(kt));
	kt.timeout_ns = 200 * NSEC_PER_MSEC;
	expect("kernel thread mode 0", ds_ioctl(devfd, DSTATE_IOC_KTHREAD, &kt),
	       EINVAL);
	kt.mode = 99;
	expect("kernel thread mode 99", ds_ioctl(devfd, DSTATE_IOC_KTHREAD, &kt),
	       EINVAL);
	kt.mode = DSTATE_MODE_PERMANENT;
	expect("kernel thread mode permanent (the module could not stop it)",
	       ds_ioctl(devfd, DSTATE_IOC_KTHREAD, &kt), EINVAL);
	kt.mode = DSTATE_MODE_KILLABLE;
	kt.flags = 1;
	expect("kernel thread flags 1", ds_ioctl(devfd, DSTATE_IOC_KTHREAD, &kt),
	       EINVAL);
	kt.flags = 0;
	kt.pad = 1;
	expect("kernel thread pad 1", ds_ioctl(devfd, DSTATE_IOC_KTHREAD, &kt),
	       EINVAL);
	kt.pad = 0;
	kt.timeout_ns = DSTATE_TIMEOUT_MAX_NS + 1;
	expect("kernel thread timeout DSTATE_TIMEOUT_MAX_NS + 1",
	       ds_ioctl(devfd, DSTATE_IOC_KTHREAD, &kt), EINVAL);

	memset(&ts, 0, sizeof(ts));
	ts.pid = getpid();
	ts.flags = 1;
	expect("task state flags 1", ds_ioctl(devfd, DSTATE_IOC_TASK_STATE, &ts),
	       EINVAL);
	ts.flags = 0;
	ts.pad = 1;
	expect("task state pad 1", ds_ioctl(devfd, DSTATE_IOC_TASK_STATE, &ts),
	       EINVAL);

	/* A pid that no task has: fork one and reap it. */
	pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	memset(&ts, 0, sizeof(ts));
	ts.pid = pid;
	expect("task state of a pid no task has", ds_ioctl(devfd,
	       DSTATE_IOC_TASK_STATE, &ts), ESRCH);
	expect("release by a pid that does not sleep here",
	       ds_release(devfd, DSTATE_RELEASE_PID, pid, 0, NULL), ESRCH);
}

/* What the module says about itself: the ABI these tests are written for. */
static void case_abi_version(void)
{
	struct dstate_info info;
	int ret;

	memset(&info, 0, sizeof(info));
	ret = ds_ioctl(devfd, DSTATE_IOC_INFO, &info);
	tap_result(!ret && info.abi_version == 3,
		   "INFO reports ABI version 3 (%s, version %u)",
		   ret ? strerror(-ret) : "success", info.abi_version);
}

/*
 * A release with a field its kind does not use is refused as a whole,
 * not read as another kind: a sleeper the fields would name stays asleep.
 */
static void release_unused(const char *what, unsigned int how, bool pid,
			   bool tag)
{
	struct sleeper_spec spec = {
		.mode = DSTATE_MODE_KILLABLE, .tag = 0x50, .comm = "unused",
	};
	struct dstate_release_args r;
	struct sleeper s;
	int ret;

	if (spawn_sleeper(&s, &spec) || !wait_sleeping(s.pid, 'D', WAIT_MS)) {
		tap_result(0, "release %s: a sleeper to name", what);
		sleeper_finish(&s, devfd);
		return;
	}
	memset(&r, 0, sizeof(r));
	r.how = how;
	r.pid = pid ? (__u32)s.pid : 0;
	r.tag = tag ? spec.tag : 0;
	ret = ds_ioctl(devfd, DSTATE_IOC_RELEASE, &r);
	tap_result(ret == -EINVAL && proc_state(s.pid) == 'D' &&
		   in_sleep_ioctl(s.pid) && still_there(&s),
		   "release %s: EINVAL, and the sleeper it names stays asleep (%s, %u released, state '%c')",
		   what, ret ? strerror(-ret) : "success", ret ? 0 : r.released,
		   proc_state(s.pid) ?: '-');
	sleeper_finish(&s, devfd);
}

static void list_v2(const char *what, __u32 flags, __u32 pad, int want)
{
	struct dstate_list_args l;
	int ret;

	memset(&l, 0, sizeof(l));
	l.flags = flags;
	l.pad = pad;
	ret = ds_ioctl(devfd, DSTATE_IOC_LIST, &l);
	tap_result(ret == -want, "LIST with %s: %s (%s)", what,
		   want ? strerror(want) : "success",
		   ret ? strerror(-ret) : "success");
}

static void case_unused_fields(void)
{
	release_unused("all with the sleeper's pid", DSTATE_RELEASE_ALL,
		       true, false);
	release_unused("all with the sleeper's tag", DSTATE_RELEASE_ALL,
		       false, true);
	release_unused("by pid with a tag as well", DSTATE_RELEASE_PID,
		       true, true);
	release_unused("by tag with a pid as well", DSTATE_RELEASE_TAG,
		       true, true);

	/* Counting only, so that an EINVAL below is the fields' alone. */
	list_v2("flags 0 and pad 0 (ABI 2's layout)", 0, 0, 0);
	list_v2("flags 1", 1, 0, EINVAL);
	list_v2("flags 0x80000000", 0x80000000, 0, EINVAL);
	list_v2("pad 1", 0, 1, EINVAL);
}

static void case_efault(void)
{
	static const struct {
		const char *name;
		unsigned long cmd;
	} cmds[] = {
		{ "INFO", DSTATE_IOC_INFO },
		{ "SLEEP", DSTATE_IOC_SLEEP },
		{ "RELEASE", DSTATE_IOC_RELEASE },
		{ "LIST", DSTATE_IOC_LIST },
		{ "KTHREAD", DSTATE_IOC_KTHREAD },
		{ "TASK_STATE", DSTATE_IOC_TASK_STATE },
	};
	struct sleeper_spec spec = {
		.mode = DSTATE_MODE_KILLABLE, .timeout_ns = 10000 * NSEC_PER_MSEC,
	};
	struct dstate_list_args list;
	struct sleeper s;
	size_t i;
	int got;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		got = child_ioctl(cmds[i].cmd, NULL, false);
		tap_result(got == EFAULT, "%s with a NULL pointer: EFAULT (%s)",
			   cmds[i].name, errname(got));
		got = child_ioctl(cmds[i].cmd, unmapped, false);
		tap_result(got == EFAULT, "%s with an unmapped pointer: EFAULT (%s)",
			   cmds[i].name, errname(got));
	}

	/* A list to copy out needs a sleeper to list. */
	if (spawn_sleeper(&s, &spec) || !wait_sleeping(s.pid, 'D', WAIT_MS)) {
		tap_result(0, "LIST: a sleeper to list");
		sleeper_finish(&s, devfd);
		return;
	}
	memset(&list, 0, sizeof(list));
	list.sleepers = (uintptr_t)unmapped;
	list.count = 4;
	expect("LIST into an unmapped array", ds_ioctl(devfd, DSTATE_IOC_LIST,
	       &list), EFAULT);
	memset(&list, 0, sizeof(list));
	got = ds_ioctl(devfd, DSTATE_IOC_LIST, &list);
	tap_result(!got && list.count == 0 && list.total == 1,
		   "LIST with no array and count 0 only counts: total %u (%s)",
		   list.total, got ? strerror(-got) : "success");
	sleeper_finish(&s, devfd);
}

/* What an unprivileged process gets, reported through its exit code. */
struct nobody_job {
	pid_t root_sleeper;
	pid_t own_sleeper;
};

static int nobody_release_root(struct nobody_job *j)
{
	int fd = open(DSTATE_DEV, O_RDWR);
	int ret;

	if (fd < 0)
		return CHILD_NO_DEV;
	ret = ds_release(fd, DSTATE_RELEASE_PID, j->root_sleeper, 0, NULL);
	return -ret;
}

static int nobody_release_all(struct nobody_job *j)
{
	int fd = open(DSTATE_DEV, O_RDWR);
	unsigned int released;
	int ret;

	(void)j;
	if (fd < 0)
		return CHILD_NO_DEV;
	ret = ds_release(fd, DSTATE_RELEASE_ALL, 0, 0, &released);
	return ret ? 100 + -ret : (int)released;
}

static int nobody_release_own(struct nobody_job *j)
{
	int fd = open(DSTATE_DEV, O_RDWR);
	unsigned int released;
	int ret;

	if (fd < 0)
		return CHILD_NO_DEV;
	ret = ds_release(fd, DSTATE_RELEASE_PID, j->own_sleeper, 0, &released);
	return ret ? 100 + -ret : (int)released;
}

static int nobody_task_state(struct nobody_job *j)
{
	struct dstate_task_state ts = { .pid = j->root_sleeper };
	int fd = open(DSTATE_DEV, O_RDWR);

	if (fd < 0)
		return CHILD_NO_DEV;
	return -ds_ioctl(fd, DSTATE_IOC_TASK_STATE, &ts);
}

/* How many sleepers an unprivileged LIST sees; 200 + errno on failure. */
static int nobody_list(struct nobody_job *j)
{
	struct dstate_sleeper sl[8];
	struct dstate_list_args list = {
		.sleepers = (uintptr_t)sl, .count = 8,
	};
	int fd = open(DSTATE_DEV, O_RDWR);
	int ret;

	if (fd < 0)
		return CHILD_NO_DEV;
	ret = ds_ioctl(fd, DSTATE_IOC_LIST, &list);
	if (ret)
		return 200 + -ret;
	if (list.count == 1 && list.total == 1 &&
	    sl[0].pid != (__u32)j->own_sleeper)
		return 99;	/* one, but not its own */
	return list.total;
}

static int as_nobody(int (*fn)(struct nobody_job *), struct nobody_job *j)
{
	struct sleeper s = { .pid = -1, .pipe_rd = -1 };

	s.pid = fork_unprivileged();
	if (s.pid == 0)
		_exit(fn(j));
	if (!wait_exit(&s, 5000)) {
		sleeper_finish(&s, devfd);
		return SLEPT;
	}
	return WIFEXITED(s.status) ? WEXITSTATUS(s.status) : -3;
}

static void case_eperm(void)
{
	struct sleeper_spec rspec = {
		.mode = DSTATE_MODE_KILLABLE, .comm = "root-sleeper",
	};
	/* Without a timeout nobody may not sleep where no signal ends it. */
	struct sleeper_spec uspec = {
		.mode = DSTATE_MODE_UNINTERRUPTIBLE, .comm = "nobody-sleeper",
		.timeout_ns = 30000 * NSEC_PER_MSEC, .unprivileged = true,
	};
	struct dstate_sleep_args perm = { .mode = DSTATE_MODE_PERMANENT };
	struct dstate_kthread_args kt = {
		.mode = DSTATE_MODE_KILLABLE, .timeout_ns = 200 * NSEC_PER_MSEC,
	};
	struct nobody_job job = { 0 };
	struct sleeper r, u;
	int got;

	got = child_ioctl(DSTATE_IOC_INFO, &kt, true);
	tap_result(got == CHILD_NO_DEV,
		   "nobody cannot open /dev/dstate while it is 0600 (%s)",
		   errname(got));
	if (!tap_result(chmod(DSTATE_DEV, 0666) == 0, "chmod 0666 %s", DSTATE_DEV))
		return;

	got = child_ioctl(DSTATE_IOC_SLEEP, &perm, true);
	tap_result(got == EPERM, "permanent sleep without CAP_SYS_ADMIN: EPERM (%s)",
		   errname(got));
	got = child_ioctl(DSTATE_IOC_KTHREAD, &kt, true);
	tap_result(got == EPERM, "kernel thread without CAP_SYS_ADMIN: EPERM (%s)",
		   errname(got));

	if (spawn_sleeper(&r, &rspec) || !wait_sleeping(r.pid, 'D', WAIT_MS)) {
		tap_result(0, "root's sleeper asleep");
		sleeper_finish(&r, devfd);
		return;
	}
	if (spawn_sleeper(&u, &uspec) || !wait_sleeping(u.pid, 'D', WAIT_MS)) {
		wait_exit(&u, 0);
		tap_result(0, "nobody can sleep in D itself (state '%c', %s)",
			   proc_state(u.pid) ?: '-',
			   u.reaped ? status_str(u.status) : "not ended");
		sleeper_finish(&u, devfd);
		sleeper_finish(&r, devfd);
		return;
	}
	tap_result(1, "nobody can sleep in D itself");
	job.root_sleeper = r.pid;
	job.own_sleeper = u.pid;

	got = as_nobody(nobody_list, &job);
	tap_result(got == 1, "nobody's LIST shows its own sleeper only (%d)", got);
	/* Another user's sleeper does not exist for nobody. */
	got = as_nobody(nobody_task_state, &job);
	tap_result(got == ESRCH, "nobody's TASK_STATE of root's sleeper: ESRCH (%s)",
		   errname(got));
	got = as_nobody(nobody_release_root, &job);
	tap_result(got == ESRCH, "nobody releasing root's sleeper by pid: ESRCH (%s)",
		   errname(got));
	tap_result(proc_state(r.pid) == 'D' && in_sleep_ioctl(r.pid) &&
		   still_there(&r), "root's sleeper is still asleep in D");
	got = as_nobody(nobody_release_own, &job);
	wait_exit(&u, WAIT_MS);
	tap_result(got == 1 && exited_with(&u, 0),
		   "nobody releases its own sleeper by pid: one woken, its call returns 0 (%d, %s)",
		   got, u.reaped ? status_str(u.status) : "not ended");

	/* Release all, as nobody, must not reach root's sleeper. */
	got = as_nobody(nobody_release_all, &job);
	tap_result(got == 0 && proc_state(r.pid) == 'D' &&
		   in_sleep_ioctl(r.pid) && still_there(&r),
		   "nobody's release all wakes none of root's (%d woken)", got);
	ds_release_pid(devfd, r.pid, WAIT_MS);
	wait_exit(&r, WAIT_MS);
	tap_result(exited_with(&r, 0), "root releases its own sleeper (%s)",
		   r.reaped ? status_str(r.status) : "not ended");
	sleeper_finish(&u, devfd);
	sleeper_finish(&r, devfd);
	chmod(DSTATE_DEV, 0600);
}

/* dstate/N kernel threads /proc lists. */
static int dstate_threads(void)
{
	struct dirent *d;
	char comm[32];
	int n = 0;
	DIR *dir;

	dir = opendir("/proc");
	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		if (d->d_name[0] >= '1' && d->d_name[0] <= '9' &&
		    !proc_comm(atoi(d->d_name), comm, sizeof(comm)) &&
		    !strncmp(comm, "dstate/", 7))
			n++;
	closedir(dir);
	return n;
}

/* Until no more than @n dstate/N threads are left; the last count. */
static int wait_dstate_threads(int n, unsigned int ms)
{
	uint64_t end = now_ns() + ms * NSEC_PER_MSEC;
	int got;

	for (;;) {
		got = dstate_threads();
		if ((got >= 0 && got <= n) || now_ns() > end)
			return got;
		sleep_ms(10);
	}
}

/*
 * A kernel thread refused for want of room leaves nothing behind: the
 * caller's pid field as it was (0), and no dstate/N thread.
 */
static void kthread_full(void)
{
	struct dstate_kthread_args kt = {
		.mode = DSTATE_MODE_KILLABLE, .timeout_ns = 200 * NSEC_PER_MSEC,
	};
	int before, after, ret;

	before = dstate_threads();
	ret = ds_ioctl(devfd, DSTATE_IOC_KTHREAD, &kt);
	tap_result(ret == -EAGAIN && kt.pid == 0,
		   "a kernel thread past max_sleepers: EAGAIN, and the caller's pid field is left 0 (%s, pid %u)",
		   ret ? strerror(-ret) : "success", kt.pid);
	after = wait_dstate_threads(before, WAIT_MS);
	tap_result(before >= 0 && after == before,
		   "no dstate/N thread is left in /proc by the refused kernel thread (%d before, %d after)",
		   before, after);
}

static int start_full(struct sleeper *s, int nr, uint64_t timeout_ns)
{
	struct sleeper_spec spec = {
		.mode = DSTATE_MODE_KILLABLE, .comm = "max",
		.timeout_ns = timeout_ns,
	};
	int i;

	for (i = 0; i < nr; i++)
		spawn_sleeper(&s[i], &spec);
	return wait_all_sleeping(s, nr, 'D', WAIT_MS);
}

static void case_max_sleepers(void)
{
	struct dstate_sleep_args one_more = {
		.mode = DSTATE_MODE_KILLABLE, .timeout_ns = 200 * NSEC_PER_MSEC,
	};
	struct sleeper s[3];
	int ret, got, i, clean, round;
	pid_t kt;

	close(devfd);
	devfd = -1;
	ret = mod_unload();
	if (!tap_result(ret == 0, "rmmod (%s)", strerror(-ret)))
		return;
	ret = mod_load("max_sleepers=3");
	if (!tap_result(ret == 0, "insmod max_sleepers=3 (%s)", strerror(-ret)))
		return;
	devfd = dev_open();

	/* The count of dstate/N threads below can see one at all. */
	ret = ds_kthread(devfd, DSTATE_MODE_KILLABLE, 0, 0, &kt);
	got = ret ? -1 : dstate_threads();
	if (!ret)
		ds_release(devfd, DSTATE_RELEASE_PID, kt, 0, NULL);
	tap_result(got == 1 && wait_dstate_threads(0, WAIT_MS) == 0,
		   "/proc shows the one dstate/N thread while it runs, and none once released (%d)",
		   got);

	for (round = 0; round < 2; round++) {
		got = start_full(s, 3, 0);
		tap_result(got == 3, "%s3 sleepers asleep in D (%d)",
			   round ? "after release, again " : "", got);
		got = child_ioctl(DSTATE_IOC_SLEEP, &one_more, false);
		tap_result(got == EAGAIN, "a 4th sleep fails with EAGAIN (%s)",
			   errname(got));
		if (!round)
			kthread_full();
		ds_release(devfd, DSTATE_RELEASE_ALL, 0, 0, NULL);
		clean = 0;
		for (i = 0; i < 3; i++) {
			wait_exit(&s[i], WAIT_MS);
			clean += exited_with(&s[i], 0);
			sleeper_finish(&s[i], devfd);
		}
		tap_result(clean == 3, "released, the 3 calls return 0 (%d)", clean);
	}

	/* Slots come back after timeouts as well. */
	start_full(s, 3, 300 * NSEC_PER_MSEC);
	clean = 0;
	for (i = 0; i < 3; i++) {
		wait_exit(&s[i], WAIT_MS);
		clean += exited_with(&s[i], ETIMEDOUT);
		sleeper_finish(&s[i], devfd);
	}
	got = start_full(s, 3, 0);
	tap_result(clean == 3 && got == 3,
		   "after 3 timeouts (%d ETIMEDOUT) 3 new sleepers fit (%d)",
		   clean, got);
	ds_release(devfd, DSTATE_RELEASE_ALL, 0, 0, NULL);
	for (i = 0; i < 3; i++)
		sleeper_finish(&s[i], devfd);
}

/*
 * norefcount is chosen at load time only: even root cannot switch a
 * loaded module into the unsafe mode through sysfs.
 */
static void case_norefcount_fixed(void)
{
	const char *path = "/sys/module/dstate/parameters/norefcount";
	char val[16] = "";
	int ret;

	ret = write_file(path, "1");
	read_file(path, val, sizeof(val));
	tap_result(ret < 0 && val[0] == 'N',
		   "root cannot turn norefcount on after load (write: %s, value now %c)",
		   ret < 0 ? strerror(-ret) : "accepted", val[0] ? val[0] : '?');
}

int main(void)
{
	struct kmsg k;
	int ret;

	tap_header();
	kmsg_begin(&k);
	unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	ret = mod_load(NULL);
	if (!tap_result(ret == 0, "insmod dstate.ko (%s)", strerror(-ret)))
		return tap_finish();
	devfd = dev_open();
	if (!tap_result(devfd >= 0 && unmapped != MAP_FAILED, "open %s", DSTATE_DEV))
		return tap_finish();

	case_enotty();
	case_abi_version();
	case_einval();
	case_unused_fields();
	case_efault();
	case_eperm();
	case_max_sleepers();
	case_norefcount_fixed();

	/* Whatever a wrong acceptance left (kernel threads), stop it. */
	ds_release(devfd, DSTATE_RELEASE_ALL, 0, 0, NULL);
	ds_teardown(&k, devfd);
	return tap_finish();
}

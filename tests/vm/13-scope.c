// SPDX-License-Identifier: GPL-2.0
/*
 * What a caller without CAP_SYS_ADMIN may see and touch: only sleepers
 * that are not dstate/N kernel threads, have its real uid and have a pid
 * in its pid namespace.  Anything else is invisible to it: LIST neither
 * lists nor counts it, INFO counts only what it could list and no kernel
 * thread, release all and release by tag pass it by, and naming it by pid
 * (RELEASE, TASK_STATE) fails with ESRCH, as for a pid that sleeps
 * nowhere, so that the caller learns nothing of it.
 *
 * The caller is root (uid 0) with CAP_SYS_ADMIN dropped from every
 * capability set.  The kernel threads and root's own sleepers have its
 * uid, so only the missing capability, and in the second half a pid
 * namespace of its own, may hide them from it.
 *
 * Each call is made by a child, whose exit code is its answer; /proc,
 * read by the test with every privilege, shows what was woken and what
 * still sleeps.
 */
/* vm-options: -t 300 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dtest.h"
#include "fixture.h"

/* Of the kernel thread and root's first sleeper; of root's second. */
#define TAG_ONE		0x5c09e1ULL
#define TAG_TWO		0x5c09e2ULL

/*
 * A child's answer, as its exit code: a count below ERR_BASE, or
 * ERR_BASE + errno when the call failed.
 */
#define ERR_BASE	100
#define HUNG		249	/* the child had not ended in time */

/* Who the capless caller must not see, in the test's pid namespace. */
struct job {
	pid_t kthread;		/* the dstate/N kernel thread */
	pid_t sleeper;		/* root's process sleeper */
	uint64_t tag;
};

typedef int (*answer_fn)(const struct job *j);

static int devfd = -1;
static struct job job;
static struct sleeper root_sleeper = { .pid = -1, .pipe_rd = -1 };

static int answer(int ret, unsigned int count)
{
	if (ret < 0)
		return -ret < HUNG - ERR_BASE ? ERR_BASE - ret : CHILD_ODD;
	return count < ERR_BASE ? (int)count : ERR_BASE - 1;
}

/* What an answer means, for a message; four may be in use at once. */
static const char *answer_str(int code)
{
	static char bufs[4][48];
	static unsigned int next;
	char *buf = bufs[next++ % 4];

	switch (code) {
	case HUNG:
		return "the child did not end";
	case CHILD_NO_DEV:
		return "the child could not open the device";
	case CHILD_SETUP:
		return "the child could not drop CAP_SYS_ADMIN";
	}
	if (code < ERR_BASE)
		snprintf(buf, sizeof(bufs[0]), "%d", code);
	else if (code < HUNG)
		snprintf(buf, sizeof(bufs[0]), "%s", strerror(code - ERR_BASE));
	else
		snprintf(buf, sizeof(bufs[0]), "child code %d", code);
	return buf;
}

#define ERRNO(e)	(ERR_BASE + (e))

/* The capless caller's LIST, into @sl of @room entries. */
static int list(struct dstate_sleeper *sl, unsigned int room,
		struct dstate_list_args *out)
{
	int fd = dev_open();
	int ret;

	memset(out, 0, sizeof(*out));
	if (fd < 0)
		return -ENODEV;
	out->sleepers = (uintptr_t)sl;
	out->count = room;
	ret = ds_ioctl(fd, DSTATE_IOC_LIST, out);
	close(fd);
	return ret;
}

static int list_total(const struct job *j)
{
	struct dstate_sleeper sl[8];
	struct dstate_list_args l;
	int ret = list(sl, 8, &l);

	(void)j;
	return answer(ret, l.total);
}

/* Entries that are the kernel thread, by its flag or by its pid. */
static int list_kthreads(const struct job *j)
{
	struct dstate_sleeper sl[8];
	struct dstate_list_args l;
	unsigned int i, n = 0;
	int ret = list(sl, 8, &l);

	for (i = 0; !ret && i < l.count; i++)
		if ((sl[i].flags & DSTATE_SLEEPER_KTHREAD) ||
		    sl[i].tid == (__u32)j->kthread)
			n++;
	return answer(ret, n);
}

static int list_sleeper(const struct job *j)
{
	struct dstate_sleeper sl[8];
	struct dstate_list_args l;
	unsigned int i, n = 0;
	int ret = list(sl, 8, &l);

	for (i = 0; !ret && i < l.count; i++)
		if (sl[i].pid == (__u32)j->sleeper &&
		    !(sl[i].flags & DSTATE_SLEEPER_KTHREAD))
			n++;
	return answer(ret, n);
}

static int info(struct dstate_info *in)
{
	int fd = dev_open();
	int ret;

	memset(in, 0, sizeof(*in));
	if (fd < 0)
		return -ENODEV;
	ret = ds_ioctl(fd, DSTATE_IOC_INFO, in);
	close(fd);
	return ret;
}

static int info_sleepers(const struct job *j)
{
	struct dstate_info in;
	int ret = info(&in);

	(void)j;
	return answer(ret, in.sleepers);
}

static int info_kthreads(const struct job *j)
{
	struct dstate_info in;
	int ret = info(&in);

	(void)j;
	return answer(ret, in.kthreads);
}

static int release(unsigned int how, pid_t pid, uint64_t tag)
{
	unsigned int released = 0;
	int fd = dev_open();
	int ret;

	if (fd < 0)
		return CHILD_NO_DEV;
	ret = ds_release(fd, how, pid, tag, &released);
	close(fd);
	return answer(ret, released);
}

static int release_kthread(const struct job *j)
{
	return release(DSTATE_RELEASE_PID, j->kthread, 0);
}

static int release_tag(const struct job *j)
{
	return release(DSTATE_RELEASE_TAG, 0, j->tag);
}

static int release_all(const struct job *j)
{
	(void)j;
	return release(DSTATE_RELEASE_ALL, 0, 0);
}

static int task_state_kthread(const struct job *j)
{
	struct dstate_task_state ts = { .pid = j->kthread };
	int fd = dev_open();
	int ret;

	if (fd < 0)
		return CHILD_NO_DEV;
	ret = ds_ioctl(fd, DSTATE_IOC_TASK_STATE, &ts);
	close(fd);
	return answer(ret, 0);
}

/* A short, killable thread: one wrongly started ends by itself. */
static int start_kthread(const struct job *j)
{
	int fd = dev_open();
	int ret;

	(void)j;
	if (fd < 0)
		return CHILD_NO_DEV;
	ret = ds_kthread(fd, DSTATE_MODE_KILLABLE, 200 * NSEC_PER_MSEC, 0,
			 NULL);
	close(fd);
	return answer(ret, 0);
}

/* Bits of own_sleeper()'s answer. */
#define OWN_LISTED	1	/* LIST: total 1, and that one is it */
#define OWN_RELEASED	2	/* release all: exactly 1 released */
#define OWN_RETURNED	4	/* its sleep returned 0 */

/*
 * A sleeper of the caller's own, in the caller's namespace, must be
 * visible to it under its pid there, and released by its release all.
 * No /proc of the namespace is mounted, so the listing itself says when
 * the sleeper has arrived; a killable one dies with the namespace if
 * anything goes wrong.
 */
static int own_sleeper(const struct job *j)
{
	struct sleeper_spec spec = {
		.mode = DSTATE_MODE_KILLABLE, .tag = j->tag, .comm = "scope-ns",
	};
	uint64_t end = now_ns() + WAIT_MS * NSEC_PER_MSEC;
	struct dstate_sleeper sl[8];
	struct dstate_list_args l;
	unsigned int i, released = 0;
	bool found = false;
	struct sleeper s;
	int fd, ret, bits = 0;

	fd = dev_open();
	if (fd < 0)
		return CHILD_NO_DEV;
	if (spawn_sleeper(&s, &spec))
		return CHILD_SETUP;
	for (;;) {
		ret = list(sl, 8, &l);
		for (i = 0; !ret && i < l.count; i++)
			found |= sl[i].pid == (__u32)s.pid;
		if (ret || found || now_ns() > end)
			break;
		sleep_ms(10);
	}
	tap_diag("in the new pid namespace, its own sleeper is pid %d there; LIST: %s, total %u, first entry pid %u tid %u",
		 s.pid, ret ? strerror(-ret) : "success", ret ? 0 : l.total,
		 !ret && l.count ? sl[0].pid : 0,
		 !ret && l.count ? sl[0].tid : 0);
	if (!ret && l.total == 1 && l.count == 1 &&
	    sl[0].pid == (__u32)s.pid && sl[0].tid == (__u32)s.pid)
		bits |= OWN_LISTED;

	ret = ds_release(fd, DSTATE_RELEASE_ALL, 0, 0, &released);
	if (!ret && released == 1)
		bits |= OWN_RELEASED;
	wait_exit(&s, WAIT_MS);
	if (exited_with(&s, 0))
		bits |= OWN_RETURNED;
	tap_diag("in the new pid namespace, release all: %s, %u released; its sleeper %s",
		 ret ? strerror(-ret) : "success", released,
		 s.reaped ? status_str(s.status) : "did not end");
	sleeper_finish(&s, fd);
	close(fd);
	return bits;
}

/*
 * unshare(CLONE_NEWPID) puts the caller's next child, not the caller,
 * in a new pid namespace, as its pid 1.  It needs CAP_SYS_ADMIN, so the
 * child drops it only after.  When pid 1 ends, the kernel kills whatever
 * else is left in its namespace.
 */
static int in_new_pidns(answer_fn fn, const struct job *j)
{
	struct sleeper c = { .pid = -1, .pipe_rd = -1 };

	if (unshare(CLONE_NEWPID))
		return CHILD_SETUP;
	fflush(stdout);
	c.pid = fork();
	if (c.pid < 0)
		return CHILD_SETUP;
	if (c.pid == 0) {
		if (getpid() != 1 || drop_cap_sys_admin())
			_exit(CHILD_SETUP);
		_exit(fn(j));
	}
	if (!wait_exit(&c, 3 * WAIT_MS)) {
		kill(c.pid, SIGKILL);
		wait_exit(&c, WAIT_MS);
		return HUNG;
	}
	return WIFEXITED(c.status) ? WEXITSTATUS(c.status) : CHILD_ODD;
}

/* @fn's answer as a capless root, in the test's or a new pid namespace. */
static int capless(answer_fn fn, bool new_pidns)
{
	struct sleeper s = { .pid = -1, .pipe_rd = -1 };

	if (new_pidns) {
		fflush(stdout);
		s.pid = fork();
		if (s.pid == 0)
			_exit(in_new_pidns(fn, &job));
	} else {
		s.pid = fork_capless();
		if (s.pid == 0)
			_exit(fn(&job));
	}
	if (s.pid < 0)
		return CHILD_SETUP;
	if (!wait_exit(&s, 4 * WAIT_MS)) {
		kill(s.pid, SIGKILL);
		wait_exit(&s, WAIT_MS);
		return HUNG;
	}
	return WIFEXITED(s.status) ? WEXITSTATUS(s.status) : CHILD_ODD;
}

static bool kthread_asleep(void)
{
	char comm[32];

	return proc_state(job.kthread) == 'D' &&
	       !proc_comm(job.kthread, comm, sizeof(comm)) &&
	       !strncmp(comm, "dstate/", 7);
}

static bool sleeper_asleep(void)
{
	return proc_state(root_sleeper.pid) == 'D' &&
	       in_sleep_ioctl(root_sleeper.pid) && still_there(&root_sleeper);
}

/* Root's kernel thread, uninterruptible, tag TAG_ONE; true once in D. */
static bool start_root_kthread(void)
{
	int ret = ds_kthread(devfd, DSTATE_MODE_UNINTERRUPTIBLE, 0, TAG_ONE,
			     &job.kthread);

	if (ret) {
		tap_diag("root's KTHREAD: %s", strerror(-ret));
		return false;
	}
	return wait_state(job.kthread, "D", WAIT_MS) && kthread_asleep();
}

/* Root's process sleeper: killable, so that a kill can end it. */
static bool start_root_sleeper(uint64_t tag)
{
	struct sleeper_spec spec = {
		.mode = DSTATE_MODE_KILLABLE, .tag = tag, .comm = "scope-root",
	};

	sleeper_finish(&root_sleeper, devfd);
	job.tag = tag;
	if (spawn_sleeper(&root_sleeper, &spec))
		return false;
	job.sleeper = root_sleeper.pid;
	return wait_sleeping(root_sleeper.pid, 'D', WAIT_MS);
}

/*
 * A wrong release (a module that lets the capless caller through) ends
 * what the next case needs: start it again, and say so.
 */
static void again_if_woken(void)
{
	if (!kthread_asleep()) {
		tap_diag("the kernel thread was woken; starting another");
		start_root_kthread();
	}
	if (!sleeper_asleep()) {
		tap_diag("root's sleeper was woken; starting another");
		start_root_sleeper(job.tag);
	}
}

/* The set-up itself: the module must see such a root as unprivileged. */
static void case_capless_is_unprivileged(void)
{
	int got = capless(start_kthread, false);

	tap_result(got == ERRNO(EPERM),
		   "root without CAP_SYS_ADMIN in any capability set is unprivileged to the module: its KTHREAD fails with EPERM (%s)",
		   answer_str(got));
}

static void case_same_pidns(void)
{
	int total, kthreads, mine, sleepers;
	bool ok;

	ok = start_root_kthread();
	ok = start_root_sleeper(TAG_ONE) && ok;
	if (!tap_result(ok, "root starts a dstate/N kernel thread (pid %d) and a process sleeper (pid %d), both in D with tag %#llx",
			job.kthread, job.sleeper, TAG_ONE))
		return;

	total = capless(list_total, false);
	kthreads = capless(list_kthreads, false);
	mine = capless(list_sleeper, false);
	tap_result(total == 1 && kthreads == 0 && mine == 1,
		   "capless root's LIST: root's process sleeper is listed, the kernel thread is neither listed nor counted, total 1 (total %s, kernel thread entries %s, root's sleeper %s)",
		   answer_str(total), answer_str(kthreads), answer_str(mine));

	sleepers = capless(info_sleepers, false);
	kthreads = capless(info_kthreads, false);
	tap_result(sleepers == 1 && kthreads == 0,
		   "capless root's INFO counts what it may list: sleepers 1, kthreads 0 (sleepers %s, kthreads %s)",
		   answer_str(sleepers), answer_str(kthreads));

	total = capless(task_state_kthread, false);
	tap_result(total == ERRNO(ESRCH),
		   "capless root's TASK_STATE of the kernel thread: ESRCH (%s)",
		   answer_str(total));

	total = capless(release_kthread, false);
	tap_result(total == ERRNO(ESRCH) && kthread_asleep(),
		   "capless root's RELEASE PID of the kernel thread: ESRCH, and it stays in D (%s, state '%c')",
		   answer_str(total), proc_state(job.kthread) ?: '-');
	again_if_woken();

	/* The kernel thread and root's sleeper share the tag. */
	total = capless(release_tag, false);
	tap_result(total == 1,
		   "capless root's RELEASE TAG %#llx releases 1, root's process sleeper only (%s)",
		   TAG_ONE, answer_str(total));
	wait_exit(&root_sleeper, WAIT_MS);
	tap_result(exited_with(&root_sleeper, 0),
		   "root's process sleeper, released by tag, returns 0 (%s)",
		   root_sleeper.reaped ? status_str(root_sleeper.status) :
		   "did not end");
	/*
	 * Woken together, the thread would be out of D long before the
	 * process had exited and been reaped.
	 */
	tap_result(kthread_asleep(),
		   "the kernel thread with the same tag is still in D after the release by tag (state '%c')",
		   proc_state(job.kthread) ?: '-');
	if (!kthread_asleep())
		again_if_woken();
}

/*
 * Whether this kernel has pid namespaces (CONFIG_PID_NS): the debug
 * kernel, built from allnoconfig, has not.  Asked in a child, whose next
 * child it would affect, and that never comes.
 */
static int pidns_errno(void)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(unshare(CLONE_NEWPID) ? errno : 0);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return ECHILD;
	return WEXITSTATUS(status);
}

static void case_child_pidns(void)
{
	static const char *const cases[] = {
		"capless root in a child pid namespace: LIST, INFO, RELEASE ALL and RELEASE TAG see nothing outside it",
		"capless root in a child pid namespace sees and releases its own sleeper there",
	};
	int got, kthreads, ret;
	char why[96];
	unsigned int i;

	ret = pidns_errno();
	if (ret) {
		snprintf(why, sizeof(why),
			 "unshare(CLONE_NEWPID): %s: no pid namespaces (CONFIG_PID_NS) in this kernel",
			 strerror(ret));
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			tap_skip(cases[i], why);
		return;
	}

	if (!tap_result(start_root_sleeper(TAG_TWO),
			"root starts a fresh process sleeper (pid %d) in D, tag %#llx",
			job.sleeper, TAG_TWO))
		return;

	got = capless(list_total, true);
	tap_result(got == 0,
		   "capless root in a child pid namespace: LIST total 0, root's sleeper and the kernel thread outside are not counted (%s)",
		   answer_str(got));

	got = capless(info_sleepers, true);
	kthreads = capless(info_kthreads, true);
	tap_result(got == 0 && kthreads == 0,
		   "capless root in a child pid namespace: INFO sleepers 0, kthreads 0 (sleepers %s, kthreads %s)",
		   answer_str(got), answer_str(kthreads));

	got = capless(release_all, true);
	tap_result(got == 0 && sleeper_asleep() && kthread_asleep(),
		   "capless root in a child pid namespace: RELEASE ALL releases 0, root's sleeper and the kernel thread stay in D (%s, states '%c' '%c')",
		   answer_str(got), proc_state(job.sleeper) ?: '-',
		   proc_state(job.kthread) ?: '-');
	again_if_woken();

	got = capless(release_tag, true);
	tap_result(got == 0 && sleeper_asleep(),
		   "capless root in a child pid namespace: RELEASE TAG %#llx releases 0, root's sleeper with that tag stays in D (%s, state '%c')",
		   TAG_TWO, answer_str(got), proc_state(job.sleeper) ?: '-');
	again_if_woken();

	/* The namespace's pid 1 prints what it saw; here only the verdict. */
	got = capless(own_sleeper, true);
	tap_result(got < ERR_BASE && (got & OWN_LISTED),
		   "capless root in a child pid namespace sees its own sleeper there: LIST total 1, under its pid in that namespace (%s)",
		   got >= ERR_BASE ? answer_str(got) :
		   got & OWN_LISTED ? "so" : "not so");
	tap_result(got < ERR_BASE && (got & OWN_RELEASED) &&
		   (got & OWN_RETURNED),
		   "capless root in a child pid namespace: RELEASE ALL releases exactly its own sleeper, whose call returns 0 (%s)",
		   got >= ERR_BASE ? answer_str(got) :
		   !(got & OWN_RELEASED) ? "not exactly 1 released" :
		   !(got & OWN_RETURNED) ? "1 released, did not return 0" :
		   "so");
	tap_result(sleeper_asleep() && kthread_asleep(),
		   "root's sleeper and the kernel thread outside the namespace are still in D after it all (states '%c' '%c')",
		   proc_state(job.sleeper) ?: '-',
		   proc_state(job.kthread) ?: '-');
	again_if_woken();

	ret = ds_release_pid(devfd, root_sleeper.pid, WAIT_MS);
	wait_exit(&root_sleeper, WAIT_MS);
	tap_result(!ret && exited_with(&root_sleeper, 0),
		   "root releases its sleeper by pid; the call returns 0 (%s, %s)",
		   ret ? strerror(-ret) : "released",
		   root_sleeper.reaped ? status_str(root_sleeper.status) :
		   "did not end");
}

/*
 * Root sees and releases everything: the kernel thread, asleep through
 * all the capless caller did, is still registered and released now.
 */
static void case_root_releases(void)
{
	struct dstate_info info;
	unsigned int released = 0;
	bool empty;
	int ret;

	ret = ds_release(devfd, DSTATE_RELEASE_PID, job.kthread, 0, &released);
	tap_result(!ret && released == 1 && wait_gone(job.kthread, WAIT_MS),
		   "root's RELEASE PID of the kernel thread releases 1 and it leaves /proc (%s, %u released)",
		   ret ? strerror(-ret) : "success", released);
	/* The reaper drops a released thread's module reference later. */
	empty = ds_wait_empty(devfd, &info);
	tap_result(empty,
		   "every sleeper and kernel thread is gone before rmmod (%u, %u)",
		   info.sleepers, info.kthreads);
}

int main(void)
{
	struct kmsg k;

	tap_header();
	devfd = ds_setup(&k);
	if (devfd < 0)
		return tap_finish();

	case_capless_is_unprivileged();
	case_same_pidns();
	case_child_pidns();
	case_root_releases();

	sleeper_finish(&root_sleeper, devfd);
	ds_teardown(&k, devfd);
	return tap_finish();
}

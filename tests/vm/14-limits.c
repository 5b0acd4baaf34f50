// SPDX-License-Identifier: GPL-2.0
/*
 * What a caller without CAP_SYS_ADMIN cannot do to the machine through
 * /dev/dstate, even when it is given the device:
 *
 * - sleep where no signal ends it (uninterruptible, idle) without a
 *   timeout, or for longer than user_timeout_max_ms: EPERM.  Killable
 *   and interruptible sleeps, which a kill ends, need no timeout.
 * - have more than user_max_sleepers sleepers per real uid, whoever
 *   started them (kernel threads are not counted): EAGAIN.  A caller with
 *   CAP_SYS_ADMIN is not limited per uid.
 * - and root cannot set the limits out of their bounds: max_sleepers and
 *   user_max_sleepers at most 65536, user_timeout_max_ms from 1 ms to a
 *   year; a write out of bounds fails with EINVAL and changes nothing.
 *
 * The unprivileged callers are nobody and root with CAP_SYS_ADMIN dropped
 * from every set: the rules follow the capability, not the uid.  Sleeps
 * are judged by the child's exit code and /proc; every refusal that does
 * not come is a sleep that the test releases.
 */
/* vm-options: -t 300 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dtest.h"
#include "fixture.h"

#define SLEPT		(-1)	/* the call did not return: it slept */
#define PARAMS		"/sys/module/dstate/parameters/"
#define BOUND_SLEEPERS	65536ULL
#define ONE_YEAR_MS	(365ULL * 24 * 3600 * 1000)
#define PER_UID		3	/* user_max_sleepers, second load */

struct who {
	const char *name;
	bool unprivileged;	/* become uid @uid (0: NOBODY) */
	uid_t uid;
	bool capless;		/* root without CAP_SYS_ADMIN */
};

static const struct who nobody = { "nobody", true, 0, false };
static const struct who other_uid = { "uid 65533", true, 65533, false };
static const struct who capless_root = { "capless root", false, 0, true };
static const struct who root = { "root", false, 0, false };

static int devfd = -1;

static int param_read(const char *name, unsigned long long *val)
{
	char path[128], buf[64];
	int ret;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	ret = read_file(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	*val = strtoull(buf, NULL, 10);
	return 0;
}

static int param_write(const char *name, unsigned long long val)
{
	char path[128], text[32];

	snprintf(path, sizeof(path), PARAMS "%s", name);
	snprintf(text, sizeof(text), "%llu", val);
	return write_file(path, text);
}

static const char *errname(int e)
{
	return e == SLEPT ? "it slept" : e < 0 ? "child failed" :
	       e == 0 ? "success" : e >= CHILD_NO_DEV ? "test child code" :
	       strerror(e);
}

static int spawn_as(struct sleeper *s, const struct who *w, unsigned int mode,
		    uint64_t timeout_ns)
{
	struct sleeper_spec spec = {
		.mode = mode, .timeout_ns = timeout_ns, .comm = "limits",
		.unprivileged = w->unprivileged, .uid = w->uid,
		.capless = w->capless,
	};

	return spawn_sleeper(s, &spec);
}

/*
 * A sleep that must be refused: the child's errno, or SLEPT when it had
 * not returned after 3 s (it is then released).
 */
static int refused(const struct who *w, unsigned int mode,
		   uint64_t timeout_ns)
{
	struct sleeper s;

	if (spawn_as(&s, w, mode, timeout_ns))
		return -2;
	if (!wait_exit(&s, 3000)) {
		tap_diag("%s's sleep, pid %d, did not return: state '%c'",
			 w->name, s.pid, proc_state(s.pid) ?: '-');
		sleeper_finish(&s, devfd);
		return SLEPT;
	}
	sleeper_close(&s);
	return WIFEXITED(s.status) ? WEXITSTATUS(s.status) : -3;
}

static void must_refuse(const struct who *w, const char *what,
			unsigned int mode, uint64_t timeout_ns, int want)
{
	int got = refused(w, mode, timeout_ns);

	tap_result(got == want, "%s: %s: %s (%s)", w->name, what,
		   strerror(want), errname(got));
}

/* Until @s sleeps in @letter; says so and reaps it if it ended instead. */
static bool asleep_in(struct sleeper *s, char letter)
{
	if (wait_sleeping(s->pid, letter, WAIT_MS))
		return true;
	wait_exit(s, 0);
	tap_diag("pid %d: state '%c', %s", s->pid, proc_state(s->pid) ?: '-',
		 s->reaped ? status_str(s->status) : "not ended");
	return false;
}

/* Root releases @s by pid; true when its call returned 0. */
static bool released_clean(struct sleeper *s)
{
	ds_release_pid(devfd, s->pid, WAIT_MS);
	wait_exit(s, WAIT_MS);
	return exited_with(s, 0);
}

/* A sleep that must be accepted: in @letter, and 0 once released. */
static void must_sleep(const struct who *w, const char *what,
		       unsigned int mode, uint64_t timeout_ns, char letter)
{
	struct sleeper s;
	bool asleep, clean = false;

	if (spawn_as(&s, w, mode, timeout_ns)) {
		tap_result(0, "%s: %s: fork", w->name, what);
		return;
	}
	asleep = asleep_in(&s, letter);
	if (asleep)
		clean = released_clean(&s);
	tap_result(asleep && clean,
		   "%s: %s sleeps in %c, and returns 0 when released (%s)",
		   w->name, what, letter,
		   !asleep ? "did not sleep" : s.reaped ?
		   status_str(s.status) : "not ended");
	sleeper_finish(&s, devfd);
}

static void case_timeouts(const struct who *w, unsigned long long limit_ms)
{
	char what[96];

	must_refuse(w, "uninterruptible without a timeout",
		    DSTATE_MODE_UNINTERRUPTIBLE, 0, EPERM);
	must_refuse(w, "idle without a timeout", DSTATE_MODE_IDLE, 0, EPERM);
	snprintf(what, sizeof(what),
		 "uninterruptible for user_timeout_max_ms + 1 ms (%llu ms)",
		 limit_ms + 1);
	must_refuse(w, what, DSTATE_MODE_UNINTERRUPTIBLE,
		    (limit_ms + 1) * NSEC_PER_MSEC, EPERM);
	snprintf(what, sizeof(what),
		 "idle for user_timeout_max_ms + 1 ms (%llu ms)", limit_ms + 1);
	must_refuse(w, what, DSTATE_MODE_IDLE, (limit_ms + 1) * NSEC_PER_MSEC,
		    EPERM);

	/* The limit itself is allowed. */
	snprintf(what, sizeof(what),
		 "uninterruptible for user_timeout_max_ms (%llu ms)", limit_ms);
	must_sleep(w, what, DSTATE_MODE_UNINTERRUPTIBLE,
		   limit_ms * NSEC_PER_MSEC, 'D');
	snprintf(what, sizeof(what), "idle for user_timeout_max_ms (%llu ms)",
		 limit_ms);
	must_sleep(w, what, DSTATE_MODE_IDLE, limit_ms * NSEC_PER_MSEC, 'I');

	/* A kill ends these: they need no timeout. */
	must_sleep(w, "killable without a timeout", DSTATE_MODE_KILLABLE, 0,
		   'D');
	must_sleep(w, "interruptible without a timeout",
		   DSTATE_MODE_INTERRUPTIBLE, 0, 'S');
}

/*
 * root may change the limit at runtime, and it applies to the next sleep.
 * Long enough that the sleep at the limit is released before it ends.
 */
static void case_timeout_runtime(unsigned long long dflt_ms)
{
	const unsigned long long ms = 5000;
	unsigned long long now = 0;
	char what[96];
	int ret;

	ret = param_write("user_timeout_max_ms", ms);
	param_read("user_timeout_max_ms", &now);
	tap_result(!ret && now == ms,
		   "root sets user_timeout_max_ms to %llu at runtime (write: %s, reads %llu)",
		   ms, ret ? strerror(-ret) : "success", now);
	snprintf(what, sizeof(what),
		 "with user_timeout_max_ms %llu, uninterruptible for %llu ms",
		 ms, ms + 1);
	must_refuse(&nobody, what, DSTATE_MODE_UNINTERRUPTIBLE,
		    (ms + 1) * NSEC_PER_MSEC, EPERM);
	snprintf(what, sizeof(what),
		 "with user_timeout_max_ms %llu, uninterruptible for %llu ms",
		 ms, ms);
	must_sleep(&nobody, what, DSTATE_MODE_UNINTERRUPTIBLE,
		   ms * NSEC_PER_MSEC, 'D');
	ret = param_write("user_timeout_max_ms", dflt_ms);
	param_read("user_timeout_max_ms", &now);
	tap_result(!ret && now == dflt_ms,
		   "root sets user_timeout_max_ms back to %llu (write: %s, reads %llu)",
		   dflt_ms, ret ? strerror(-ret) : "success", now);
}

/*
 * One write to a parameter: out of bounds it must fail with EINVAL and
 * leave the value; in bounds it must take.  The value is put back.
 */
static void bound(const char *name, unsigned long long val, bool in_bounds)
{
	unsigned long long before = 0, after = 0;
	int ret, rd;

	rd = param_read(name, &before);
	ret = param_write(name, val);
	param_read(name, &after);
	if (in_bounds)
		tap_result(!rd && !ret && after == val,
			   "root writes %llu to %s: accepted (write: %s, reads %llu)",
			   val, name, ret ? strerror(-ret) : "success", after);
	else
		tap_result(!rd && ret == -EINVAL && after == before,
			   "root writes %llu to %s: EINVAL, and it still reads %llu (write: %s, reads %llu)",
			   val, name, before, ret ? strerror(-ret) : "success",
			   after);
	if (!rd && after != before)
		param_write(name, before);
}

static void case_bounds(void)
{
	bound("max_sleepers", BOUND_SLEEPERS + 1, false);
	bound("max_sleepers", 70000, false);
	bound("max_sleepers", BOUND_SLEEPERS, true);
	bound("user_max_sleepers", BOUND_SLEEPERS + 1, false);
	bound("user_max_sleepers", 1000000, false);
	bound("user_max_sleepers", BOUND_SLEEPERS, true);
	bound("user_timeout_max_ms", 0, false);
	bound("user_timeout_max_ms", ONE_YEAR_MS + 1, false);
	bound("user_timeout_max_ms", ONE_YEAR_MS, true);
}

/* Start @n sleepers as @w; how many are seen asleep in @letter. */
static int start_n(struct sleeper *s, int n, const struct who *w,
		   unsigned int mode, char letter)
{
	int i;

	for (i = 0; i < n; i++)
		spawn_as(&s[i], w, mode, 0);
	return wait_all_sleeping(s, n, letter, WAIT_MS);
}

static void finish_n(struct sleeper *s, int n)
{
	int i;

	for (i = 0; i < n; i++)
		sleeper_finish(&s[i], devfd);
}

static bool reload(const char *params)
{
	int ret;

	close(devfd);
	devfd = -1;
	ret = mod_unload();
	if (!tap_result(ret == 0, "rmmod (%s)", strerror(-ret)))
		return false;
	ret = mod_load(params);
	if (!tap_result(ret == 0, "insmod %s (%s)", params, strerror(-ret)))
		return false;
	devfd = dev_open();
	/* A new device node: 0600 again. */
	return tap_result(devfd >= 0 && chmod(DSTATE_DEV, 0666) == 0,
			  "open and chmod 0666 %s", DSTATE_DEV);
}

static void case_per_uid(void)
{
	struct sleeper mine[PER_UID], rs[PER_UID + 1], extra, other, cr;
	unsigned long long val = 0;
	pid_t kt[PER_UID];
	int got, i, n;
	bool ok;

	if (!reload("user_max_sleepers=3"))
		return;
	got = param_read("user_max_sleepers", &val);
	tap_result(!got && val == PER_UID,
		   "sysfs reads user_max_sleepers %d (%s, %llu)", PER_UID,
		   got ? strerror(-got) : "read", val);

	got = start_n(mine, PER_UID, &nobody, DSTATE_MODE_INTERRUPTIBLE, 'S');
	tap_result(got == PER_UID, "nobody: %d interruptible sleepers, all in S (%d)",
		   PER_UID, got);
	must_refuse(&nobody, "one sleeper more than user_max_sleepers",
		    DSTATE_MODE_INTERRUPTIBLE, 0, EAGAIN);

	/* The limit is per uid: another user is not held back by nobody's. */
	spawn_as(&other, &other_uid, DSTATE_MODE_INTERRUPTIBLE, 0);
	tap_result(asleep_in(&other, 'S'),
		   "uid 65533 still sleeps while nobody is at its limit");

	/* Privileged callers are not limited per uid. */
	got = start_n(rs, PER_UID + 1, &root, DSTATE_MODE_KILLABLE, 'D');
	tap_result(got == PER_UID + 1,
		   "root with CAP_SYS_ADMIN: %d sleepers, one more than user_max_sleepers, all in D (%d)",
		   PER_UID + 1, got);
	/* ...but they count for uid 0, whoever started them. */
	must_refuse(&capless_root,
		    "with root's sleepers asleep, one more sleeper of uid 0",
		    DSTATE_MODE_INTERRUPTIBLE, 0, EAGAIN);
	for (i = 0, n = 0; i < PER_UID + 1; i++)
		n += released_clean(&rs[i]);
	tap_result(n == PER_UID + 1, "root releases its %d sleepers: all return 0 (%d)",
		   PER_UID + 1, n);
	finish_n(rs, PER_UID + 1);

	/* Kernel threads, uid 0 too, are not counted. */
	for (i = 0, n = 0; i < PER_UID; i++)
		n += !ds_kthread(devfd, DSTATE_MODE_KILLABLE, 0, 0, &kt[i]) &&
		     wait_state(kt[i], "D", WAIT_MS);
	spawn_as(&cr, &capless_root, DSTATE_MODE_INTERRUPTIBLE, 0);
	ok = asleep_in(&cr, 'S');
	tap_result(n == PER_UID && ok,
		   "with %d dstate/N kernel threads asleep (%d), a capless root still sleeps: kernel threads are not counted",
		   PER_UID, n);
	ok = ok && released_clean(&cr);
	sleeper_finish(&cr, devfd);
	for (i = 0; i < PER_UID; i++)
		ds_release(devfd, DSTATE_RELEASE_PID, kt[i], 0, NULL);

	/* A slot comes back when one of nobody's sleepers ends. */
	ok = released_clean(&mine[0]);
	sleeper_finish(&mine[0], devfd);
	spawn_as(&extra, &nobody, DSTATE_MODE_INTERRUPTIBLE, 0);
	tap_result(ok && asleep_in(&extra, 'S'),
		   "one of nobody's released (returned 0: %s), nobody can sleep again",
		   ok ? "yes" : "no");
	must_refuse(&nobody, "at the limit again, one sleeper more",
		    DSTATE_MODE_INTERRUPTIBLE, 0, EAGAIN);

	sleeper_finish(&extra, devfd);
	sleeper_finish(&other, devfd);
	finish_n(mine, PER_UID);
}

int main(void)
{
	unsigned long long limit_ms = 0, per_uid = 0, max = 0;
	struct dstate_info info;
	struct kmsg k;
	int r1, r2, r3;

	tap_header();
	devfd = ds_setup(&k);
	if (devfd < 0)
		return tap_finish();

	r1 = param_read("user_timeout_max_ms", &limit_ms);
	r2 = param_read("user_max_sleepers", &per_uid);
	r3 = param_read("max_sleepers", &max);
	tap_diag("default user_timeout_max_ms: %llu%s%s", limit_ms,
		 r1 ? ", unreadable: " : "", r1 ? strerror(-r1) : "");
	tap_diag("default user_max_sleepers: %llu%s%s", per_uid,
		 r2 ? ", unreadable: " : "", r2 ? strerror(-r2) : "");
	tap_diag("default max_sleepers: %llu%s%s", max,
		 r3 ? ", unreadable: " : "", r3 ? strerror(-r3) : "");
	tap_result(!r1 && !r2 && limit_ms && per_uid,
		   "the module has the parameters user_timeout_max_ms and user_max_sleepers in sysfs");
	if (r1 || !limit_ms) {
		limit_ms = 60000;
		tap_diag("no user_timeout_max_ms to read: going on with the documented default, %llu",
			 limit_ms);
	}

	if (tap_result(chmod(DSTATE_DEV, 0666) == 0, "chmod 0666 %s",
		       DSTATE_DEV)) {
		case_timeouts(&nobody, limit_ms);
		case_timeouts(&capless_root, limit_ms);
		must_sleep(&root, "with CAP_SYS_ADMIN, uninterruptible without a timeout",
			   DSTATE_MODE_UNINTERRUPTIBLE, 0, 'D');
		case_timeout_runtime(limit_ms);
		case_bounds();
		case_per_uid();
	}

	/* The reaper drops a released thread's module reference later. */
	if (devfd >= 0) {
		bool empty = ds_wait_empty(devfd, &info);

		tap_result(empty,
			   "every sleeper and kernel thread is gone before rmmod (%u, %u)",
			   info.sleepers, info.kthreads);
		chmod(DSTATE_DEV, 0600);
	}
	ds_teardown(&k, devfd);
	return tap_finish();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The behaviour contract (README.md, "The states"), for the four modes a sleeper can
 * leave: uninterruptible, killable, interruptible and idle (permanent,
 * which pins the module for good, has a VM of its own: 11-permanent).
 *
 * Each cell is proved by what the kernel shows: the /proc letter, the
 * signal pending in /proc/PID/status, /proc/PID/syscall (still inside the
 * sleep ioctl), the wait status and the bytes a signal handler writes to a
 * pipe.  "Stays asleep" is only claimed once the signal is visible as
 * pending, i.e. after the kernel has done whatever wake-up it was going to.
 */
/* vm-options: -t 300 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "dtest.h"
#include "fixture.h"

struct mode_info {
	const char *name;
	unsigned int mode;
	char letter;		/* what /proc shows */
	bool fatal_wakes;	/* a fatal signal ends the sleep at once */
	bool any_wakes;		/* any signal ends it (interruptible) */
};

static const struct mode_info modes[] = {
	{ "uninterruptible", DSTATE_MODE_UNINTERRUPTIBLE, 'D', false, false },
	{ "killable", DSTATE_MODE_KILLABLE, 'D', true, false },
	{ "interruptible", DSTATE_MODE_INTERRUPTIBLE, 'S', true, true },
	{ "idle", DSTATE_MODE_IDLE, 'I', false, false },
};

static int devfd = -1;

static const char *how_ended(struct sleeper *s)
{
	return s->reaped ? status_str(s->status) : "not ended";
}

/* Start a sleeper; false (and a failed case) when it never sleeps. */
static bool start(struct sleeper *s, const struct sleeper_spec *spec,
		  const struct mode_info *m, const char *what)
{
	if (spawn_sleeper(s, spec)) {
		tap_result(0, "%s: %s: fork", m->name, what);
		return false;
	}
	if (wait_sleeping(s->pid, m->letter, WAIT_MS))
		return true;
	wait_exit(s, 0);
	tap_result(0, "%s: %s: never seen asleep as '%c' (state '%c', %s)",
		   m->name, what, m->letter, proc_state(s->pid) ?: '-',
		   how_ended(s));
	sleeper_finish(s, devfd);
	return false;
}

static void release_and_reap(struct sleeper *s)
{
	int ret = ds_release_pid(devfd, s->pid, WAIT_MS);

	if (ret)
		tap_diag("release of pid %d: %s", s->pid, strerror(-ret));
	wait_exit(s, WAIT_MS);
}

static void case_release(const struct mode_info *m)
{
	struct sleeper_spec spec = { .mode = m->mode, .comm = "c-release" };
	unsigned int released = 0;
	struct sleeper s;
	int ret;

	if (!start(&s, &spec, m, "release"))
		return;
	tap_result(1, "%s: /proc shows '%c' while it sleeps in the ioctl",
		   m->name, m->letter);
	ret = ds_release(devfd, DSTATE_RELEASE_PID, s.pid, 0, &released);
	tap_result(!ret && released == 1,
		   "%s: release by pid returns 0 and counts one (%s, %u)",
		   m->name, strerror(-ret), released);
	wait_exit(&s, WAIT_MS);
	tap_result(exited_with(&s, 0),
		   "%s: released, the sleep call returns 0 (%s)",
		   m->name, how_ended(&s));
	sleeper_finish(&s, devfd);
}

static void case_timeout(const struct mode_info *m)
{
	const uint64_t timeout = 500 * NSEC_PER_MSEC;
	struct sleeper_spec spec = {
		.mode = m->mode, .timeout_ns = timeout, .comm = "c-timeout",
	};
	struct sleeper s;
	uint64_t took;

	if (!start(&s, &spec, m, "timeout"))
		return;
	wait_exit(&s, WAIT_MS);
	took = now_ns() - s.started_ns;
	tap_result(exited_with(&s, ETIMEDOUT) && took >= timeout,
		   "%s: a 500 ms timeout ends the sleep with ETIMEDOUT (%s after %llu ms)",
		   m->name, how_ended(&s),
		   (unsigned long long)(took / NSEC_PER_MSEC));
	sleeper_finish(&s, devfd);
}

/* SIGTERM and SIGKILL with their default action: both are fatal. */
static void case_fatal(const struct mode_info *m, int sig)
{
	struct sleeper_spec spec = { .mode = m->mode, .comm = "c-fatal" };
	const char *sname = sig == SIGKILL ? "SIGKILL" : "SIGTERM";
	struct sleeper s;

	if (!start(&s, &spec, m, sname))
		return;
	kill(s.pid, sig);
	if (m->fatal_wakes) {
		wait_exit(&s, WAIT_MS);
		tap_result(killed_by(&s, sig), "%s: %s kills it at once (%s)",
			   m->name, sname, how_ended(&s));
	} else {
		tap_result(stays_asleep(&s, sig, m->letter),
			   "%s: %s pending, it stays '%c' in the call",
			   m->name, sname, m->letter);
		release_and_reap(&s);
		tap_result(killed_by(&s, sig),
			   "%s: released, it dies of the %s (%s)",
			   m->name, sname, how_ended(&s));
	}
	sleeper_finish(&s, devfd);
}

/* SIGUSR1 caught by a handler: not fatal. */
static void case_handled(const struct mode_info *m, int sig, bool restart)
{
	struct sleeper_spec spec = {
		.mode = m->mode, .comm = "c-handled",
		.handle_sig = sig, .restart = restart,
	};
	const char *sname = sig == SIGUSR1 ? "SIGUSR1" : "SIGTERM";
	char got = 0;
	struct sleeper s;
	bool ok;

	if (!start(&s, &spec, m, sname))
		return;
	kill(s.pid, sig);
	if (m->any_wakes && !restart) {
		wait_exit(&s, WAIT_MS);
		handler_bytes(&s, &got, 1);
		tap_result(exited_with(&s, EINTR) && got == sig,
			   "%s: %s with a handler: the call fails with EINTR after the handler ran (%s, handler %s)",
			   m->name, sname, how_ended(&s), got ? "ran" : "did not run");
	} else if (m->any_wakes) {
		/* The handler runs, then the kernel restarts the ioctl. */
		ok = wait_handler(&s, &got, WAIT_MS) && got == sig;
		ok = ok && wait_sleeping(s.pid, m->letter, WAIT_MS);
		ok = ok && still_there(&s) && !sig_pending(s.pid, sig);
		tap_result(ok,
			   "%s: %s under SA_RESTART: the handler ran and the call is back asleep as '%c' (state '%c', %s)",
			   m->name, sname, m->letter, proc_state(s.pid) ?: '-',
			   how_ended(&s));
		release_and_reap(&s);
		tap_result(exited_with(&s, 0),
			   "%s: the restarted call returns 0 only when released (%s)",
			   m->name, how_ended(&s));
	} else {
		ok = stays_asleep(&s, sig, m->letter);
		ok = ok && handler_bytes(&s, &got, 1) == 0;
		tap_result(ok,
			   "%s: %s with a handler pending, it stays '%c' and the handler has not run",
			   m->name, sname, m->letter);
		release_and_reap(&s);
		handler_bytes(&s, &got, 1);
		tap_result(exited_with(&s, 0) && got == sig,
			   "%s: released, the call returns 0 and then the handler runs (%s, handler %s)",
			   m->name, how_ended(&s), got ? "ran" : "did not run");
	}
	sleeper_finish(&s, devfd);
}

static void case_sigstop(const struct mode_info *m)
{
	struct sleeper_spec spec = { .mode = m->mode, .comm = "c-stop" };
	struct sleeper s;
	bool ok;

	if (!start(&s, &spec, m, "SIGSTOP"))
		return;
	kill(s.pid, SIGSTOP);
	if (m->any_wakes) {
		ok = wait_state(s.pid, "T", WAIT_MS) && wait_stopped(&s, WAIT_MS);
		tap_result(ok,
			   "%s: SIGSTOP stops it at once: 'T', waitpid reports it stopped (state '%c')",
			   m->name, proc_state(s.pid) ?: '-');
		kill(s.pid, SIGCONT);
		ok = wait_sleeping(s.pid, m->letter, WAIT_MS) && still_there(&s);
		tap_result(ok, "%s: after SIGCONT it is back in the call as '%c' (state '%c', %s)",
			   m->name, m->letter, proc_state(s.pid) ?: '-',
			   how_ended(&s));
		release_and_reap(&s);
		tap_result(exited_with(&s, 0),
			   "%s: the restarted call returns 0 when released (%s)",
			   m->name, how_ended(&s));
	} else {
		tap_result(stays_asleep(&s, SIGSTOP, m->letter),
			   "%s: SIGSTOP pending, it stays '%c' in the call",
			   m->name, m->letter);
		ds_release_pid(devfd, s.pid, WAIT_MS);
		ok = wait_state(s.pid, "T", WAIT_MS) && wait_stopped(&s, WAIT_MS);
		tap_result(ok,
			   "%s: released, it stops: 'T', waitpid reports it stopped (state '%c')",
			   m->name, proc_state(s.pid) ?: '-');
		kill(s.pid, SIGCONT);
		wait_exit(&s, WAIT_MS);
		tap_result(exited_with(&s, 0),
			   "%s: continued, the call had returned 0 (%s)",
			   m->name, how_ended(&s));
	}
	sleeper_finish(&s, devfd);
}

/* A killable sleeper whose SIGTERM is ignored: kill(2) discards it. */
static void case_killable_ignored(const struct mode_info *m)
{
	struct sleeper_spec spec = {
		.mode = m->mode, .comm = "c-ign", .ignore_sig = SIGTERM,
	};
	unsigned long long bit = 1ULL << (SIGTERM - 1);
	struct sleeper s;
	bool ok;

	if (!start(&s, &spec, m, "SIGTERM ignored"))
		return;
	ok = proc_status_mask(s.pid, "SigIgn") & bit;
	/*
	 * The kernel drops an ignored signal inside kill(2), before any
	 * wake-up: once kill() has returned there is nothing left to wait
	 * for, and a wake-up would already show as a state other than D.
	 */
	ok = ok && kill(s.pid, SIGTERM) == 0;
	ok = ok && proc_state(s.pid) == 'D' && in_sleep_ioctl(s.pid) &&
	     still_there(&s) && !sig_pending(s.pid, SIGTERM);
	tap_result(ok, "%s: SIGTERM ignored (SigIgn), it stays D in the call (state '%c', %s)",
		   m->name, proc_state(s.pid) ?: '-', how_ended(&s));
	release_and_reap(&s);
	tap_result(exited_with(&s, 0),
		   "%s: SIGTERM ignored: the call returns 0 when released (%s)",
		   m->name, how_ended(&s));
	sleeper_finish(&s, devfd);
}

static void case_killable_blocked(const struct mode_info *m)
{
	struct sleeper_spec spec = {
		.mode = m->mode, .comm = "c-blk", .block_sig = SIGTERM,
	};
	unsigned long long bit = 1ULL << (SIGTERM - 1);
	struct sleeper s;
	bool ok;

	if (!start(&s, &spec, m, "SIGTERM blocked"))
		return;
	kill(s.pid, SIGTERM);
	ok = stays_asleep(&s, SIGTERM, 'D');
	ok = ok && (proc_status_mask(s.pid, "SigBlk") & bit);
	tap_result(ok, "%s: SIGTERM blocked (SigBlk) and pending, it stays D in the call",
		   m->name);
	release_and_reap(&s);
	tap_result(exited_with(&s, 0),
		   "%s: SIGTERM blocked: the call returns 0 when released (%s)",
		   m->name, how_ended(&s));
	sleeper_finish(&s, devfd);
}

/* Release by tag wakes exactly the tagged ones; release all the rest. */
static void case_release_tag(void)
{
	const struct mode_info *m = &modes[1];
	struct sleeper_spec spec = { .mode = m->mode, .comm = "c-tag" };
	const uint64_t tag = 0x5eed0000feedULL;
	unsigned int released = 0;
	struct sleeper s[3];
	int ret, i;
	bool ok;

	for (i = 0; i < 3; i++) {
		spec.tag = i < 2 ? tag : 7;
		if (!start(&s[i], &spec, m, "release by tag")) {
			while (i--)
				sleeper_finish(&s[i], devfd);
			return;
		}
	}
	ret = ds_release(devfd, DSTATE_RELEASE_TAG, 0, tag, &released);
	ok = !ret && released == 2;
	ok = wait_exit(&s[0], WAIT_MS) && ok;
	ok = wait_exit(&s[1], WAIT_MS) && ok;
	ok = ok && exited_with(&s[0], 0) && exited_with(&s[1], 0);
	tap_result(ok, "release by tag wakes the two tagged sleepers and counts them (%s, %u; %s)",
		   strerror(-ret), released, how_ended(&s[0]));
	tap_result(proc_state(s[2].pid) == 'D' && in_sleep_ioctl(s[2].pid) &&
		   still_there(&s[2]),
		   "release by tag leaves the sleeper with another tag asleep");
	ret = ds_release(devfd, DSTATE_RELEASE_ALL, 0, 0, &released);
	wait_exit(&s[2], WAIT_MS);
	tap_result(!ret && released == 1 && exited_with(&s[2], 0),
		   "release all wakes the last one (%s, %u; %s)",
		   strerror(-ret), released, how_ended(&s[2]));
	for (i = 0; i < 3; i++)
		sleeper_finish(&s[i], devfd);

	ret = ds_release(devfd, DSTATE_RELEASE_PID, getpid(), 0, &released);
	tap_result(ret == -ESRCH,
		   "release of a pid that does not sleep here fails with ESRCH (%s)",
		   strerror(-ret));
}

int main(void)
{
	struct kmsg k;
	size_t i;
	int ret;

	tap_header();
	devfd = ds_setup(&k);
	if (devfd < 0)
		return tap_finish();

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		const struct mode_info *m = &modes[i];

		tap_diag("mode %s", m->name);
		case_release(m);
		case_timeout(m);
		case_fatal(m, SIGTERM);
		case_fatal(m, SIGKILL);
		case_handled(m, SIGUSR1, false);
		if (m->any_wakes)
			case_handled(m, SIGUSR1, true);
		case_sigstop(m);
		if (m->mode == DSTATE_MODE_KILLABLE) {
			case_handled(m, SIGTERM, false);
			case_killable_ignored(m);
			case_killable_blocked(m);
		}
	}
	case_release_tag();

	close(devfd);
	ret = mod_unload();
	tap_result(ret == 0 && mod_refcnt() < 0,
		   "every sleeper gone, rmmod succeeds (%s)", strerror(-ret));
	tap_result(kmsg_clean(&k), "no BUG, WARNING or Oops in the kernel log");
	kmsg_end(&k);
	return tap_finish();
}

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DSTATE_CLEANUP_H
#define DSTATE_CLEANUP_H

/*
 * Undo what the module-free methods leave when dstate or a helper is
 * killed by SIGKILL: frozen mounts (thawed first, so that the writers in
 * D finish), helper processes, mounts, loop devices and the temporary
 * directories.  Only dstate's own are touched: directories named
 * dstate-fsfreeze.XXXXXX right under @tmpdir (what fsfreeze_setup()
 * makes), the mounts and loop devices inside them, and processes whose
 * comm is one of the names in cleanup.c that dstate gives its helpers, and
 * the cgroups /sys/fs/cgroup/dstate-effects.PID of an 'effects' that is
 * gone (what is still in them is killed), and the hung-task sysctls it had
 * lowered.
 */

/*
 * While 'dstate effects --hung-task' has the hung-task sysctls lowered, it
 * keeps what they were in $TMPDIR/dstate-effects.PID.sysctl, one "name
 * value" line each (names under kernel.), so that cleanup can put them
 * back if it is killed by SIGKILL.
 */
#define EFFECTS_SYSCTL_FMT	"%s/dstate-effects.%d.sysctl"

/* What was undone (@err 0) or could not be (@err a positive errno). */
typedef void (*cleanup_report_fn)(const char *action, const char *what,
				  int err, void *arg);

/* Returns how many things could not be undone. */
int cleanup_run(const char *tmpdir, cleanup_report_fn report, void *arg);

#endif

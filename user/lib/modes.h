/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DSTATE_MODES_H
#define DSTATE_MODES_H

#include <stdbool.h>

#include "dstate_uapi.h"

/* How a method puts a process to sleep. */
enum dstate_method_kind {
	METHOD_MODULE,		/* DSTATE_IOC_SLEEP in a module mode */
	METHOD_VFORK,
	METHOD_FSFREEZE,
	METHOD_FUSE,		/* fuse-noreply, fuse-noread */
	METHOD_DM_SUSPEND,
	METHOD_STOPPED,
	METHOD_TRACED,
	METHOD_ZOMBIE,
	METHOD_RUNNING,
};

#define METHOD_NEEDS_MODULE	(1U << 0)
#define METHOD_NEEDS_ROOT	(1U << 1)	/* or CAP_SYS_ADMIN */
#define METHOD_LOCK		(1U << 2)	/* a module lock mode, by tag */
#define METHOD_LOCK_WAITER	(1U << 3)	/* ... that waits, never holds */
#define METHOD_FUSE_NOREAD	(1U << 4)	/* fuse: the READ is never read */

struct dstate_method {
	const char *name;
	enum dstate_method_kind kind;
	unsigned int mode;	/* enum dstate_mode, METHOD_MODULE only */
	char letter;		/* the /proc state letter it must reach */
	unsigned int flags;
	const char *what;	/* one line for --help */
};

extern const struct dstate_method dstate_methods[];
extern const unsigned int dstate_method_count;

const struct dstate_method *method_lookup(const char *name);
/* The module's name for an enum dstate_mode, or NULL. */
const char *mode_name(unsigned int mode);
/* The name of an enum dstate_task_kind, or NULL. */
const char *task_kind_name(unsigned int kind);
/* "uninterruptible killable ..." for messages. */
const char *method_names(void);

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * The modes and methods by name.  The module's modes come from
 * DSTATE_MODE_LIST in the uapi header, so the names cannot drift from the
 * module's; a mode added there shows up here as 'D' until given a letter.
 */
#include <stddef.h>
#include <string.h>

#include "modes.h"

#define MODE_IS(token, m)	(DSTATE_MODE_##token == DSTATE_MODE_##m)

/* The /proc letter each module mode shows. */
#define MODE_LETTER(token)						\
	(MODE_IS(token, INTERRUPTIBLE) ||				\
	 MODE_IS(token, MUTEX_INTERRUPTIBLE) ? 'S' :			\
	 MODE_IS(token, IDLE) ? 'I' : 'D')

/* The lock modes: they sleep in the kernel's lock code (dstate_uapi.h). */
#define MODE_LOCK(token)						\
	(MODE_IS(token, MUTEX_HOLD) || MODE_IS(token, MUTEX) ||		\
	 MODE_IS(token, MUTEX_KILLABLE) ||				\
	 MODE_IS(token, MUTEX_INTERRUPTIBLE) ||				\
	 MODE_IS(token, RWSEM_HOLD_READ) ||				\
	 MODE_IS(token, RWSEM_HOLD_WRITE) ||				\
	 MODE_IS(token, RWSEM_READ) || MODE_IS(token, RWSEM_WRITE) ||	\
	 MODE_IS(token, SEMAPHORE_HOLD) || MODE_IS(token, SEMAPHORE) ||	\
	 MODE_IS(token, SEMAPHORE_KILLABLE))

#define MODE_HOLDER(token)						\
	(MODE_IS(token, MUTEX_HOLD) || MODE_IS(token, RWSEM_HOLD_READ) ||	\
	 MODE_IS(token, RWSEM_HOLD_WRITE) || MODE_IS(token, SEMAPHORE_HOLD))

/* What only CAP_SYS_ADMIN may ask for: nothing bounds these waits. */
#define MODE_ROOT(token)						\
	(MODE_IS(token, PERMANENT) || MODE_IS(token, MUTEX) ||		\
	 MODE_IS(token, RWSEM_READ) || MODE_IS(token, RWSEM_WRITE) ||	\
	 MODE_IS(token, SEMAPHORE))

#define MODE_WHAT(token)						\
	(MODE_IS(token, UNINTERRUPTIBLE) ?				\
		"TASK_UNINTERRUPTIBLE: no signal ends it" :		\
	 MODE_IS(token, KILLABLE) ?					\
		"TASK_KILLABLE: only a fatal signal ends it" :		\
	 MODE_IS(token, INTERRUPTIBLE) ?				\
		"TASK_INTERRUPTIBLE: any signal ends it" :		\
	 MODE_IS(token, IDLE) ?						\
		"TASK_IDLE: like uninterruptible, not in loadavg" :	\
	 MODE_IS(token, PERMANENT) ?					\
		"uninterruptible forever, until reboot (root)" :	\
	 MODE_IS(token, IO) ?						\
		"uninterruptible in io_schedule(): iowait, procs_blocked" : \
	 MODE_IS(token, MUTEX_HOLD) ?					\
		"holds the tag's mutex, uninterruptible, until released" : \
	 MODE_IS(token, MUTEX) ?					\
		"waits for the tag's mutex: mutex_lock() (root)" :	\
	 MODE_IS(token, MUTEX_KILLABLE) ?				\
		"waits for the tag's mutex: mutex_lock_killable()" :	\
	 MODE_IS(token, MUTEX_INTERRUPTIBLE) ?				\
		"waits for the tag's mutex: mutex_lock_interruptible()" : \
	 MODE_IS(token, RWSEM_HOLD_READ) ?				\
		"holds the tag's rwsem for reading until released" :	\
	 MODE_IS(token, RWSEM_HOLD_WRITE) ?				\
		"holds the tag's rwsem for writing until released" :	\
	 MODE_IS(token, RWSEM_READ) ?					\
		"waits to read the tag's rwsem: down_read() (root)" :	\
	 MODE_IS(token, RWSEM_WRITE) ?					\
		"waits to write the tag's rwsem: down_write() (root)" :	\
	 MODE_IS(token, SEMAPHORE_HOLD) ?				\
		"holds the tag's semaphore until released" :		\
	 MODE_IS(token, SEMAPHORE) ?					\
		"waits for the tag's semaphore: down() (root)" :	\
	 MODE_IS(token, SEMAPHORE_KILLABLE) ?				\
		"waits for the tag's semaphore: down_killable()" :	\
		"a module mode")

#define MODE_METHOD(token, nm)						\
	{								\
		.name = #nm,						\
		.kind = METHOD_MODULE,					\
		.mode = DSTATE_MODE_##token,				\
		.letter = MODE_LETTER(token),				\
		.flags = METHOD_NEEDS_MODULE |				\
			 (MODE_ROOT(token) ? METHOD_NEEDS_ROOT : 0) |	\
			 (MODE_LOCK(token) ? METHOD_LOCK : 0) |		\
			 (MODE_LOCK(token) && !MODE_HOLDER(token) ?	\
			  METHOD_LOCK_WAITER : 0),			\
		.what = MODE_WHAT(token),				\
	},

const struct dstate_method dstate_methods[] = {
	DSTATE_MODE_LIST(MODE_METHOD)
	{ "vfork", METHOD_VFORK, 0, 'D', 0,
	  "killable D: a vfork parent with signals blocked" },
	{ "fsfreeze", METHOD_FSFREEZE, 0, 'D', METHOD_NEEDS_ROOT,
	  "uninterruptible D: a write to a frozen filesystem (root)" },
	{ "fuse-noreply", METHOD_FUSE, 0, 'S',
	  METHOD_NEEDS_ROOT,
	  "S: a FUSE read its daemon took and never answers; SIGKILL gives D (root)" },
	{ "fuse-noread", METHOD_FUSE, 0, 'S',
	  METHOD_NEEDS_ROOT | METHOD_FUSE_NOREAD,
	  "S: a FUSE read its daemon never takes; SIGKILL ends it (root)" },
	{ "dm-suspend", METHOD_DM_SUSPEND, 0, 'D',
	  METHOD_NEEDS_ROOT,
	  "uninterruptible D in io_schedule: a write to a suspended dm device (root)" },
	{ "stopped", METHOD_STOPPED, 0, 'T', 0, "T: stopped by SIGSTOP" },
	{ "traced", METHOD_TRACED, 0, 't', 0, "t: in a ptrace stop" },
	{ "zombie", METHOD_ZOMBIE, 0, 'Z', 0,
	  "Z: exited, not reaped by its parent" },
	{ "running", METHOD_RUNNING, 0, 'R', 0, "R: a busy loop" },
};

const unsigned int dstate_method_count =
	sizeof(dstate_methods) / sizeof(dstate_methods[0]);

const struct dstate_method *method_lookup(const char *name)
{
	unsigned int i;

	for (i = 0; i < dstate_method_count; i++)
		if (!strcmp(dstate_methods[i].name, name))
			return &dstate_methods[i];
	return NULL;
}

const char *mode_name(unsigned int mode)
{
	unsigned int i;

	for (i = 0; i < dstate_method_count; i++)
		if (dstate_methods[i].kind == METHOD_MODULE &&
		    dstate_methods[i].mode == mode)
			return dstate_methods[i].name;
	return NULL;
}

static const char *const task_kinds[] = {
	[DSTATE_TASK_RUNNING]		= "running",
	[DSTATE_TASK_INTERRUPTIBLE]	= "interruptible",
	[DSTATE_TASK_UNINTERRUPTIBLE]	= "uninterruptible",
	[DSTATE_TASK_KILLABLE]		= "killable",
	[DSTATE_TASK_IDLE]		= "idle",
	[DSTATE_TASK_STOPPED]		= "stopped",
	[DSTATE_TASK_TRACED]		= "traced",
	[DSTATE_TASK_FROZEN]		= "frozen",
	[DSTATE_TASK_ZOMBIE]		= "zombie",
	[DSTATE_TASK_DEAD]		= "dead",
	[DSTATE_TASK_OTHER]		= "other",
};

const char *task_kind_name(unsigned int kind)
{
	if (kind >= sizeof(task_kinds) / sizeof(task_kinds[0]))
		return NULL;
	return task_kinds[kind];
}

const char *method_names(void)
{
	static char buf[512];
	size_t off = 0;
	unsigned int i;

	if (buf[0])
		return buf;
	for (i = 0; i < dstate_method_count && off < sizeof(buf); i++) {
		size_t n = strlen(dstate_methods[i].name);

		if (off + n + 2 > sizeof(buf))
			break;
		if (off)
			buf[off++] = ' ';
		memcpy(buf + off, dstate_methods[i].name, n);
		off += n;
	}
	buf[off] = '\0';
	return buf;
}

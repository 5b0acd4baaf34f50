/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DSTATE_KMODLOAD_H
#define DSTATE_KMODLOAD_H

#include <stdbool.h>
#include <stddef.h>

#define DSTATE_MODULE_NAME	"dstate"

/*
 * Insert the module from @path (a .ko file) or, when NULL, the installed
 * one found by name, with @params ("norefcount=1 max_sleepers=8").
 * Returns 0 or -errno (-EEXIST: already loaded).
 */
int kmodload_insert(const char *path, const char *params);

/* Remove it; @force uses KMOD_REMOVE_FORCE.  0 or -errno. */
int kmodload_remove(bool force);

/* Is it loaded (live)?  Its refcount, or -1 when not loaded. */
bool kmodload_loaded(void);
long kmodload_refcnt(void);

/* Load a kernel module by name or alias (loop, ext2), as modprobe would. */
int kmodload_probe(const char *name);

#endif

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

/*
 * What modinfo(8) reads from a module file, its .modinfo section: each
 * parameter with its type (parmtype=) and description (parm=, from
 * MODULE_PARM_DESC), in the file's order.  Strings are NULL when absent.
 */
struct kmodload_parm {
	char *name;
	char *type;
	char *desc;
};

struct kmodload_modinfo {
	char *path;
	char *version;
	char *srcversion;
	char *vermagic;
	struct kmodload_parm *parm;
	unsigned int nparm;
};

/*
 * Read the modinfo of @path or, when NULL, of the dstate.ko that libkmod's
 * lookup finds (installed for the running kernel, in modules.dep).
 * 0 or -errno (-ENOENT: nothing found); free with kmodload_modinfo_free().
 */
int kmodload_modinfo(const char *path, struct kmodload_modinfo *mi);
void kmodload_modinfo_free(struct kmodload_modinfo *mi);

/* What lsmod(8) and /sys/module show of the loaded module. */
struct kmodload_live {
	const char *initstate;	/* "live", "coming", "going" */
	long refcnt;
	long size;		/* lsmod's Size, bytes; -1 when unknown */
	char **holders;		/* lsmod's "Used by" modules */
	unsigned int nholders;
};

/* 0, or -ENOENT when it is not loaded; free with kmodload_live_free(). */
int kmodload_live(struct kmodload_live *live);
void kmodload_live_free(struct kmodload_live *live);

/* Load a kernel module by name or alias (loop, ext2), as modprobe would. */
int kmodload_probe(const char *name);

#endif

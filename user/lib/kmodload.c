// SPDX-License-Identifier: GPL-2.0
/* Loading and removing dstate.ko with libkmod, as kmod's own tools do. */
#include <errno.h>
#include <libkmod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmodload.h"

static struct kmod_ctx *ctx_new(void)
{
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);

	if (ctx) {
		/* dstate says what failed itself, in its own words. */
		kmod_set_log_priority(ctx, 0);
		kmod_load_resources(ctx);
	}
	return ctx;
}

/* The module libkmod's lookup finds by name that has a file, as insert. */
static struct kmod_module *module_lookup(struct kmod_ctx *ctx)
{
	struct kmod_list *list = NULL, *it;
	struct kmod_module *mod = NULL;

	if (kmod_module_new_from_lookup(ctx, DSTATE_MODULE_NAME, &list) < 0)
		return NULL;
	kmod_list_foreach(it, list) {
		mod = kmod_module_get_module(it);
		if (kmod_module_get_path(mod))
			break;
		kmod_module_unref(mod);
		mod = NULL;
	}
	kmod_module_unref_list(list);
	return mod;
}

int kmodload_insert(const char *path, const char *params)
{
	struct kmod_module *mod = NULL;
	struct kmod_ctx *ctx;
	int ret;

	ctx = ctx_new();
	if (!ctx)
		return -ENOMEM;
	if (path) {
		ret = kmod_module_new_from_path(ctx, path, &mod);
		if (ret < 0)
			goto out_ctx;
		ret = kmod_module_insert_module(mod, 0, params);
		goto out_mod;
	}
	mod = module_lookup(ctx);
	if (!mod) {
		ret = -ENOENT;
		goto out_ctx;
	}
	ret = kmod_module_probe_insert_module(mod, KMOD_PROBE_FAIL_ON_LOADED,
					      params, NULL, NULL, NULL);
	if (ret > 0)		/* KMOD_PROBE_APPLY_BLACKLIST: refused by config */
		ret = -EPERM;
out_mod:
	kmod_module_unref(mod);
out_ctx:
	kmod_unref(ctx);
	return ret;
}

static struct kmod_module *module_get(struct kmod_ctx *ctx)
{
	struct kmod_module *mod = NULL;

	if (kmod_module_new_from_name(ctx, DSTATE_MODULE_NAME, &mod) < 0)
		return NULL;
	return mod;
}

int kmodload_remove(bool force)
{
	struct kmod_module *mod;
	struct kmod_ctx *ctx;
	int ret, state;

	ctx = ctx_new();
	if (!ctx)
		return -ENOMEM;
	mod = module_get(ctx);
	if (!mod) {
		kmod_unref(ctx);
		return -ENOMEM;
	}
	state = kmod_module_get_initstate(mod);
	if (state < 0) {
		ret = -ENOENT;
	} else {
		ret = kmod_module_remove_module(mod,
				force ? KMOD_REMOVE_FORCE : 0);
		/*
		 * delete_module() says EWOULDBLOCK for a module in use;
		 * call it EBUSY ("in use"), as rmmod(8) does.
		 */
		if (ret == -EAGAIN)
			ret = -EBUSY;
	}
	kmod_module_unref(mod);
	kmod_unref(ctx);
	return ret;
}

bool kmodload_loaded(void)
{
	struct kmod_module *mod;
	struct kmod_ctx *ctx;
	int state = -1;

	ctx = ctx_new();
	if (!ctx)
		return false;
	mod = module_get(ctx);
	if (mod) {
		state = kmod_module_get_initstate(mod);
		kmod_module_unref(mod);
	}
	kmod_unref(ctx);
	return state == KMOD_MODULE_LIVE || state == KMOD_MODULE_COMING;
}

long kmodload_refcnt(void)
{
	struct kmod_module *mod;
	struct kmod_ctx *ctx;
	long ref = -1;

	ctx = ctx_new();
	if (!ctx)
		return -1;
	mod = module_get(ctx);
	if (mod) {
		if (kmod_module_get_initstate(mod) >= 0)
			ref = kmod_module_get_refcnt(mod);
		kmod_module_unref(mod);
	}
	kmod_unref(ctx);
	return ref;
}

/* The parameter @name of @mi, added if it is new; NULL if out of memory. */
static struct kmodload_parm *parm_get(struct kmodload_modinfo *mi,
				      const char *name, size_t len)
{
	struct kmodload_parm *p;
	unsigned int i;

	for (i = 0; i < mi->nparm; i++)
		if (strlen(mi->parm[i].name) == len &&
		    !strncmp(mi->parm[i].name, name, len))
			return &mi->parm[i];
	p = realloc(mi->parm, (mi->nparm + 1) * sizeof(*p));
	if (!p)
		return NULL;
	mi->parm = p;
	p = &mi->parm[mi->nparm];
	memset(p, 0, sizeof(*p));
	p->name = strndup(name, len);
	if (!p->name)
		return NULL;
	mi->nparm++;
	return p;
}

/* One key of .modinfo: "parm" and "parmtype" are "NAME:TEXT". */
static int modinfo_add(struct kmodload_modinfo *mi, const char *key,
		       const char *value)
{
	struct kmodload_parm *p;
	const char *colon;
	char **field;

	if (!strcmp(key, "version"))
		field = &mi->version;
	else if (!strcmp(key, "srcversion"))
		field = &mi->srcversion;
	else if (!strcmp(key, "vermagic"))
		field = &mi->vermagic;
	else if (!strcmp(key, "parm") || !strcmp(key, "parmtype")) {
		colon = strchr(value, ':');
		if (!colon || colon == value)
			return 0;	/* malformed: modinfo skips it too */
		p = parm_get(mi, value, (size_t)(colon - value));
		if (!p)
			return -ENOMEM;
		field = !strcmp(key, "parm") ? &p->desc : &p->type;
		value = colon + 1;
	} else {
		return 0;
	}
	/* The first wins, as for the kernel's own lookup of a key. */
	if (*field)
		return 0;
	*field = strdup(value);
	return *field ? 0 : -ENOMEM;
}

void kmodload_modinfo_free(struct kmodload_modinfo *mi)
{
	unsigned int i;

	for (i = 0; i < mi->nparm; i++) {
		free(mi->parm[i].name);
		free(mi->parm[i].type);
		free(mi->parm[i].desc);
	}
	free(mi->parm);
	free(mi->path);
	free(mi->version);
	free(mi->srcversion);
	free(mi->vermagic);
	memset(mi, 0, sizeof(*mi));
}

int kmodload_modinfo(const char *path, struct kmodload_modinfo *mi)
{
	struct kmod_list *info = NULL, *it;
	struct kmod_module *mod = NULL;
	struct kmod_ctx *ctx;
	int ret;

	memset(mi, 0, sizeof(*mi));
	ctx = ctx_new();
	if (!ctx)
		return -ENOMEM;
	if (path) {
		ret = kmod_module_new_from_path(ctx, path, &mod);
	} else {
		mod = module_lookup(ctx);
		ret = mod ? 0 : -ENOENT;
	}
	if (ret < 0)
		goto out_ctx;
	mi->path = kmod_module_get_path(mod) ?
		   strdup(kmod_module_get_path(mod)) : NULL;
	ret = mi->path ? kmod_module_get_info(mod, &info) : -ENOMEM;
	if (ret < 0)
		goto out_mod;
	ret = 0;
	kmod_list_foreach(it, info) {
		ret = modinfo_add(mi, kmod_module_info_get_key(it),
				  kmod_module_info_get_value(it));
		if (ret)
			break;
	}
	kmod_module_info_free_list(info);
out_mod:
	kmod_module_unref(mod);
out_ctx:
	kmod_unref(ctx);
	if (ret)
		kmodload_modinfo_free(mi);
	return ret;
}

void kmodload_live_free(struct kmodload_live *live)
{
	unsigned int i;

	for (i = 0; i < live->nholders; i++)
		free(live->holders[i]);
	free(live->holders);
	memset(live, 0, sizeof(*live));
}

static int live_read(struct kmod_module *mod, struct kmodload_live *live)
{
	struct kmod_list *holders, *it;
	unsigned int n = 0;
	int state;

	state = kmod_module_get_initstate(mod);
	if (state < 0 || state == KMOD_MODULE_BUILTIN)
		return -ENOENT;
	live->initstate = kmod_module_initstate_str(state);
	live->refcnt = kmod_module_get_refcnt(mod);
	live->size = kmod_module_get_size(mod);
	if (live->size <= 0)
		live->size = -1;
	holders = kmod_module_get_holders(mod);
	kmod_list_foreach(it, holders)
		n++;
	if (n) {
		live->holders = calloc(n, sizeof(*live->holders));
		if (!live->holders) {
			kmod_module_unref_list(holders);
			return -ENOMEM;
		}
	}
	kmod_list_foreach(it, holders) {
		struct kmod_module *h = kmod_module_get_module(it);
		char *name = strdup(kmod_module_get_name(h));

		kmod_module_unref(h);
		if (!name)
			break;
		live->holders[live->nholders++] = name;
	}
	kmod_module_unref_list(holders);
	return live->nholders == n ? 0 : -ENOMEM;
}

int kmodload_live(struct kmodload_live *live)
{
	struct kmod_module *mod;
	struct kmod_ctx *ctx;
	int ret;

	memset(live, 0, sizeof(*live));
	ctx = ctx_new();
	if (!ctx)
		return -ENOMEM;
	mod = module_get(ctx);
	if (!mod) {
		kmod_unref(ctx);
		return -ENOMEM;
	}
	ret = live_read(mod, live);
	kmod_module_unref(mod);
	kmod_unref(ctx);
	if (ret)
		kmodload_live_free(live);
	return ret;
}

int kmodload_probe(const char *name)
{
	struct kmod_list *list = NULL, *it;
	struct kmod_ctx *ctx;
	int ret;

	ctx = ctx_new();
	if (!ctx)
		return -ENOMEM;
	ret = kmod_module_new_from_lookup(ctx, name, &list);
	if (ret >= 0 && !list)
		ret = -ENOENT;
	kmod_list_foreach(it, list) {
		struct kmod_module *mod = kmod_module_get_module(it);

		ret = kmod_module_probe_insert_module(mod, 0, NULL, NULL,
						      NULL, NULL);
		kmod_module_unref(mod);
		if (ret >= 0)
			break;
	}
	kmod_module_unref_list(list);
	kmod_unref(ctx);
	return ret < 0 ? ret : 0;
}

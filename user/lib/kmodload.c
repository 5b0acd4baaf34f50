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

int kmodload_insert(const char *path, const char *params)
{
	struct kmod_list *list = NULL, *it;
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
	ret = kmod_module_new_from_lookup(ctx, DSTATE_MODULE_NAME, &list);
	if (ret < 0)
		goto out_ctx;
	ret = -ENOENT;
	kmod_list_foreach(it, list) {
		mod = kmod_module_get_module(it);
		if (!kmod_module_get_path(mod)) {
			kmod_module_unref(mod);
			mod = NULL;
			continue;
		}
		ret = kmod_module_probe_insert_module(mod,
				KMOD_PROBE_FAIL_ON_LOADED, params,
				NULL, NULL, NULL);
		break;
	}
	kmod_module_unref_list(list);
	if (ret > 0)		/* KMOD_PROBE_APPLY_BLACKLIST: refused by config */
		ret = -EPERM;
out_mod:
	if (mod)
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

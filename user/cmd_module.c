// SPDX-License-Identifier: GPL-2.0
/* load, unload, info: the module's life, through libkmod and sysfs. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dstate.h"
#include "lib/device.h"
#include "lib/duration.h"
#include "lib/kmodload.h"
#include "lib/procfs.h"

#define SYSFS_MODULE	"/sys/module/" DSTATE_MODULE_NAME

static void load_usage(void)
{
	printf("Usage:\n dstate load [--norefcount] [--max-sleepers N] [-q] [MODULE] [PARAM=VALUE...]\n\n"
	       "Insert the dstate module with libkmod.  MODULE is a .ko file; the\n"
	       "default is dstate.ko beside the dstate binary (or in ../, ../kmod/),\n"
	       "then /lib/modules/dstate.ko, then the one installed for this kernel.\n"
	       "PARAM=VALUE is passed to the module as it is (user_max_sleepers=8;\n"
	       "see 'modinfo dstate.ko').  Like modprobe, a module already loaded is\n"
	       "success when no parameter is asked for; with parameters it is an\n"
	       "error, since they would not take effect.\n\n"
	       "Options:\n"
	       "     --norefcount       load with norefcount=1: DELIBERATELY UNSAFE, the\n"
	       "                        module can then be removed while in use (oops);\n"
	       "                        for a throwaway VM only\n"
	       "     --max-sleepers N   the most tasks that may sleep at once\n"
	       " -q, --quiet            print nothing when it is already loaded\n"
	       " -J, --json             JSON output\n"
	       " -h, --help             this text\n"
	       " -V, --version          the version\n");
}

static bool is_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode);
}

/* dstate.ko beside the binary, as a build tree or the VM has it. */
static char *default_module(void)
{
	static const char *const rel[] = {
		"dstate.ko", "../dstate.ko", "../kmod/dstate.ko",
	};
	char exe[PATH_MAX], path[PATH_MAX + 32];
	ssize_t n;
	unsigned int i;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		dirname(exe);
		for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
			snprintf(path, sizeof(path), "%s/%s", exe, rel[i]);
			if (is_file(path))
				return realpath(path, NULL);
		}
	}
	if (is_file("/lib/modules/dstate.ko"))
		return strdup("/lib/modules/dstate.ko");
	return NULL;
}

/* NAME=VALUE, NAME a C identifier, as the kernel's parameters are named. */
static bool is_param(const char *a)
{
	const char *eq = strchr(a, '=');
	const char *p;

	if (!eq || eq == a || (*a >= '0' && *a <= '9'))
		return false;
	for (p = a; p < eq; p++)
		if (!(*p == '_' || (*p >= 'a' && *p <= 'z') ||
		      (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			return false;
	return !strchr(eq + 1, ' ');
}

/* devtmpfs makes the node at once; udev may take a moment. */
static void wait_for_device(void)
{
	uint64_t deadline = now_ns() + 2 * NSEC_PER_SEC;
	struct timespec ms = { 0, 2000000 };

	while (access(dstate_device, F_OK) && now_ns() < deadline)
		nanosleep(&ms, NULL);
}

int cmd_load(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "norefcount", no_argument, NULL, 'N' },
		{ "max-sleepers", required_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct dstate_info info;
	char params[512] = "", *path = NULL;
	const char *module = NULL;
	bool norefcount = false, quiet = false;
	uint64_t max = 0;
	bool have_max = false;
	struct kv kv;
	int c, ret, fd;

	while ((c = getopt_long(argc, argv, ":" COMMON_SHORTOPTS "m:q", opts, NULL)) != -1) {
		switch (c) {
		case 'N':
			norefcount = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'm':
			if (parse_u64(optarg, &max) || !max || max > UINT32_MAX)
				return usage_error("load", "bad --max-sleepers '%s' (a number from 1)",
						   optarg);
			have_max = true;
			break;
		default:
			ret = common_option(c, "load", argv, load_usage);
			if (ret >= 0)
				return ret;
		}
	}
	snprintf(params, sizeof(params), "%s", norefcount ? "norefcount=1" : "");
	if (have_max)
		snprintf(params + strlen(params), sizeof(params) - strlen(params),
			 "%smax_sleepers=%llu", params[0] ? " " : "",
			 (unsigned long long)max);
	/* A word with '=' is a parameter; one other word is the module. */
	for (; optind < argc; optind++) {
		const char *a = argv[optind];

		if (strchr(a, '=')) {
			if (!is_param(a))
				return usage_error("load", "bad parameter '%s' (NAME=VALUE)", a);
			if (strlen(params) + strlen(a) + 2 > sizeof(params))
				return usage_error("load", "too many parameters");
			snprintf(params + strlen(params), sizeof(params) - strlen(params),
				 "%s%s", params[0] ? " " : "", a);
		} else if (module) {
			return usage_error("load", "too many arguments");
		} else {
			module = a;
		}
	}
	if (kmodload_loaded() && !params[0]) {
		if (!quiet)
			pr_warn("the module is loaded already");
		return EXIT_SUCCESS;
	}
	if (module) {
		if (!is_file(module)) {
			pr_err("could not load %s: %s", module, strerror(ENOENT));
			return EXIT_FAILURE;
		}
		path = realpath(module, NULL);
	} else {
		path = default_module();
	}
	if (norefcount)
		pr_warn("norefcount=1 is deliberately unsafe: removing the module while a task sleeps in it or holds /dev/dstate open will oops the kernel; use a throwaway VM");

	ret = kmodload_insert(path, params);
	if (ret) {
		const char *hint = "";

		if (ret == -EEXIST)
			hint = " (it is already loaded, and the parameters would not take effect; 'dstate unload' first)";
		else if (ret == -EPERM)
			hint = " (needs CAP_SYS_MODULE)";
		else if (ret == -EACCES)
			hint = " (the .ko file is not readable)";
		else if (ret == -EINVAL && params[0])
			hint = " (an unknown parameter or a value out of bounds? see dmesg)";
		else if (ret == -ENOEXEC || ret == -EINVAL)
			hint = " (built for another kernel? see dmesg)";
		else if (ret == -ENOENT && !path)
			hint = " (no dstate.ko beside dstate and none installed; build it with 'make', or name the .ko)";
		pr_err("could not load the module%s%s: %s%s", path ? " " : "",
		       path ? path : "", strerror(-ret), hint);
		free(path);
		return EXIT_FAILURE;
	}
	wait_for_device();
	kv_init(&kv, "load");
	kv_add(&kv, "module", SCOLS_JSON_STRING, "%s", path ? path : "(installed)");
	kv_add(&kv, "parameters", SCOLS_JSON_STRING, "%s", params);
	fd = dev_open();
	if (fd >= 0 && !dev_info(fd, &info)) {
		kv_add(&kv, "version", SCOLS_JSON_STRING, "%.16s", info.version);
		kv_add(&kv, "max_sleepers", SCOLS_JSON_NUMBER, "%u", info.max_sleepers);
	}
	if (fd >= 0)
		close(fd);
	kv_add(&kv, "device", SCOLS_JSON_STRING, "%s", fd >= 0 ? dstate_device : "");
	kv_print(&kv);
	free(path);
	return EXIT_SUCCESS;
}

static void unload_usage(void)
{
	printf("Usage:\n dstate unload [--force]\n\n"
	       "Remove the dstate module with libkmod.  While a task sleeps in it or\n"
	       "holds /dev/dstate open the kernel refuses (the module is in use).\n\n"
	       "Options:\n"
	       " -f, --force     remove it anyway (KMOD_REMOVE_FORCE, needs a kernel with\n"
	       "                 CONFIG_MODULE_FORCE_UNLOAD): the sleepers and open files\n"
	       "                 then run freed code, an oops; taints the kernel\n"
	       " -J, --json      JSON output\n"
	       " -h, --help      this text\n"
	       " -V, --version   the version\n");
}

static long read_long(const char *path)
{
	char buf[64];

	if (read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	return strtol(buf, NULL, 0);
}

int cmd_unload(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct dstate_info info;
	bool force = false;
	long refcnt;
	struct kv kv;
	int c, ret, fd;
	unsigned int sleepers = 0;

	while ((c = getopt_long(argc, argv, ":" COMMON_SHORTOPTS "f", opts, NULL)) != -1) {
		if (c == 'f') {
			force = true;
			continue;
		}
		ret = common_option(c, "unload", argv, unload_usage);
		if (ret >= 0)
			return ret;
	}
	if (optind < argc)
		return usage_error("unload", "unexpected argument '%s'", argv[optind]);
	if (!kmodload_loaded()) {
		pr_err("could not unload the module: it is not loaded");
		return EXIT_FAILURE;
	}
	refcnt = kmodload_refcnt();
	fd = dev_open();
	if (fd >= 0) {
		if (!dev_info(fd, &info))
			sleepers = info.sleepers;
		close(fd);
	}
	if (refcnt > 0 && !force) {
		pr_err("could not unload the module: it is in use (refcount %ld, %u sleeper%s); "
		       "release them ('dstate release --all') and close /dev/dstate, or use --force",
		       refcnt, sleepers, sleepers == 1 ? "" : "s");
		return EXIT_FAILURE;
	}
	if (force && refcnt > 0)
		pr_warn("forcing removal with refcount %ld: %u sleeper%s and any open /dev/dstate will run freed code (an oops); the kernel is tainted",
			refcnt, sleepers, sleepers == 1 ? "" : "s");
	ret = kmodload_remove(force);
	if (ret) {
		const char *hint = "";

		if (ret == -EBUSY)
			hint = force ? " (in use, and this kernel does not force)" :
				       " (it is in use; release the sleepers, or --force)";
		else if (ret == -EPERM)
			hint = " (needs CAP_SYS_MODULE)";
		pr_err("could not unload the module: %s%s", strerror(-ret), hint);
		return EXIT_FAILURE;
	}
	kv_init(&kv, "unload");
	kv_add(&kv, "unloaded", SCOLS_JSON_BOOLEAN, "%s", "true");
	kv_add(&kv, "forced", SCOLS_JSON_BOOLEAN, "%s", force && refcnt > 0 ? "true" : "false");
	kv_add(&kv, "refcount", SCOLS_JSON_NUMBER, "%ld", refcnt);
	kv_print(&kv);
	return EXIT_SUCCESS;
}

static void info_usage(void)
{
	printf("Usage:\n dstate info\n\n"
	       "Whether the module is loaded, its version, parameters, reference count\n"
	       "(read before dstate opens the device), sleepers, and the kernel's taint.\n\n"
	       "Options:\n"
	       " -J, --json      JSON output\n"
	       " -h, --help      this text\n"
	       " -V, --version   the version\n");
}

/* The kernel's taint flags, as letters in the order of its taint_flags[]. */
static void taint_letters(unsigned long t, char *buf, size_t len)
{
	static const char letters[] = "PFSRMBUDAWCIOELKXTNJ";
	size_t i, o = 0;

	for (i = 0; i < sizeof(letters) - 1 && o + 1 < len; i++)
		if (t & (1UL << i))
			buf[o++] = letters[i];
	buf[o] = '\0';
}

int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	static const char *const number_params[] = {
		"max_sleepers", "user_max_sleepers", "user_timeout_max_ms",
	};
	struct dstate_info info;
	char buf[256], letters[32];
	bool loaded, have_info;
	long refcnt, taint;
	struct kv kv;
	int c, ret, fd;
	unsigned int i;

	while ((c = getopt_long(argc, argv, ":" COMMON_SHORTOPTS, opts, NULL)) != -1) {
		ret = common_option(c, "info", argv, info_usage);
		if (ret >= 0)
			return ret;
	}
	if (optind < argc)
		return usage_error("info", "unexpected argument '%s'", argv[optind]);

	kv_init(&kv, "info");
	loaded = kmodload_loaded();
	refcnt = loaded ? kmodload_refcnt() : -1;
	kv_add(&kv, "loaded", SCOLS_JSON_BOOLEAN, "%s", loaded ? "true" : "false");
	/*
	 * Every key, always: what is not known (not loaded, no device) is
	 * empty, which --json gives as null, so that scripts meet one schema.
	 */
	if (!loaded || read_file(SYSFS_MODULE "/version", buf, sizeof(buf)) <= 0)
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	kv_add(&kv, "version", SCOLS_JSON_STRING, "%s", buf);
	if (loaded)
		kv_add(&kv, "refcount", SCOLS_JSON_NUMBER, "%ld", refcnt);
	else
		kv_add(&kv, "refcount", SCOLS_JSON_NUMBER, "%s", "");
	if (!loaded || read_file(SYSFS_MODULE "/parameters/norefcount", buf, sizeof(buf)) <= 0)
		kv_add(&kv, "norefcount", SCOLS_JSON_BOOLEAN_OPTIONAL, "%s", "");
	else
		kv_add(&kv, "norefcount", SCOLS_JSON_BOOLEAN_OPTIONAL, "%s",
		       buf[0] == 'Y' || buf[0] == '1' ? "true" : "false");
	for (i = 0; i < sizeof(number_params) / sizeof(number_params[0]); i++) {
		char path[128];

		snprintf(path, sizeof(path), SYSFS_MODULE "/parameters/%s",
			 number_params[i]);
		if (!loaded || read_file(path, buf, sizeof(buf)) <= 0)
			buf[0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		kv_add(&kv, number_params[i], SCOLS_JSON_NUMBER, "%s", buf);
	}
	if (!loaded || read_file(SYSFS_MODULE "/taint", buf, sizeof(buf)) < 0)
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	kv_add(&kv, "module_taint", SCOLS_JSON_STRING, "%s", buf);

	fd = loaded ? dev_open() : -ENOENT;
	have_info = fd >= 0 && !dev_info(fd, &info);
	if (loaded && !have_info)
		pr_warn("could not open %s: %s", dstate_device,
			strerror(fd < 0 ? -fd : ENOTTY));
	if (have_info && info.abi_version != DSTATE_ABI_VERSION)
		pr_warn("the module speaks ABI %u, this dstate ABI %d",
			info.abi_version, DSTATE_ABI_VERSION);
	kv_add(&kv, "device", SCOLS_JSON_STRING, "%s", have_info ? dstate_device : "");
	if (have_info) {
		kv_add(&kv, "abi_version", SCOLS_JSON_NUMBER, "%u", info.abi_version);
		kv_add(&kv, "sleepers", SCOLS_JSON_NUMBER, "%u", info.sleepers);
		kv_add(&kv, "kthreads", SCOLS_JSON_NUMBER, "%u", info.kthreads);
		kv_add(&kv, "sleeps_total", SCOLS_JSON_NUMBER, "%llu",
		       (unsigned long long)info.sleeps_total);
	} else {
		kv_add(&kv, "abi_version", SCOLS_JSON_NUMBER, "%s", "");
		kv_add(&kv, "sleepers", SCOLS_JSON_NUMBER, "%s", "");
		kv_add(&kv, "kthreads", SCOLS_JSON_NUMBER, "%s", "");
		kv_add(&kv, "sleeps_total", SCOLS_JSON_NUMBER, "%s", "");
	}
	if (fd >= 0)
		close(fd);
	taint = read_long("/proc/sys/kernel/tainted");
	taint_letters(taint < 0 ? 0 : (unsigned long)taint, letters, sizeof(letters));
	kv_add(&kv, "kernel_taint", SCOLS_JSON_NUMBER, "%ld", taint < 0 ? 0 : taint);
	kv_add(&kv, "kernel_taint_flags", SCOLS_JSON_STRING, "%s", letters);
	kv_print(&kv);
	return EXIT_SUCCESS;
}

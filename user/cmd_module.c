// SPDX-License-Identifier: GPL-2.0
/* load, unload, info: the module's life, through libkmod and sysfs. */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
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
	       "What modinfo and lsmod show of the module, and what it says of itself:\n"
	       "whether it is loaded, its file, version, srcversion and vermagic, its\n"
	       "size, reference count (read before dstate opens the device) and\n"
	       "holders, each parameter with its value and description, the sleepers,\n"
	       "and the kernel's taint.  When it is not loaded, the file, versions and\n"
	       "parameters are those of the dstate.ko that 'dstate load' would insert.\n\n"
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

/* A sysfs file of the module, its first line; "" when unreadable. */
static void read_line(const char *path, char *buf, size_t len)
{
	if (read_file(path, buf, len) <= 0)
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

/*
 * Is @mi the file the loaded module came from?  The kernel keeps no path,
 * so compare what it does keep: the srcversion (a hash of the sources),
 * and the kernel release the vermagic names, since one source builds for
 * many kernels and only one of those could have been loaded here.
 */
static bool is_loaded_file(const struct kmodload_modinfo *mi,
			   const char *srcversion)
{
	struct utsname u;
	size_t n;

	if (!srcversion[0] || !mi->srcversion ||
	    strcmp(mi->srcversion, srcversion) != 0 || !mi->vermagic ||
	    uname(&u))
		return false;
	n = strlen(u.release);
	return !strncmp(mi->vermagic, u.release, n) &&
	       (mi->vermagic[n] == ' ' || mi->vermagic[n] == '\0');
}

/*
 * The file info describes, read into @mi: of the files 'dstate load' would
 * try, in its order (the default beside the binary, then libkmod's lookup
 * by name), the first whose modinfo can be read; when the module is loaded,
 * the first that is the loaded module's, so that no description of another
 * build is shown as this one's.  0 or -ENOENT.
 */
static int info_file(bool loaded, const char *srcversion,
		     struct kmodload_modinfo *mi)
{
	char *cand[2] = { default_module(), NULL };
	struct kmodload_modinfo other = { 0 };
	unsigned int i;
	int ret = -ENOENT;

	for (i = cand[0] ? 0 : 1; i < 2 && ret; i++) {
		struct kmodload_modinfo c;
		int err = kmodload_modinfo(cand[i], &c);

		if (err) {
			if (cand[i])
				pr_warn("could not read the modinfo of %s: %s",
					cand[i], strerror(-err));
		} else if (!loaded || is_loaded_file(&c, srcversion)) {
			*mi = c;
			ret = 0;
		} else if (!other.path) {
			other = c;
		} else {
			kmodload_modinfo_free(&c);
		}
	}
	/* A file, but of another build: say so, as a stale build misleads. */
	if (ret && other.path) {
		const char *vm = other.vermagic ? other.vermagic : "none";
		int len = (int)strlen(vm);

		while (len > 0 && vm[len - 1] == ' ')	/* modpost ends it so */
			len--;
		pr_warn("the loaded module (srcversion %s) is not %s (srcversion %s, vermagic %.*s): rebuilt, or built for another kernel, since it was loaded?",
			srcversion[0] ? srcversion : "unknown", other.path,
			other.srcversion ? other.srcversion : "none", len, vm);
	}
	kmodload_modinfo_free(&other);
	free(cand[0]);
	return ret;
}

/* A module parameter: from the file's modinfo, sysfs, or both. */
struct info_param {
	char *name;
	const char *type;	/* parmtype=, in the modinfo */
	const char *desc;	/* parm=, MODULE_PARM_DESC */
	char *value;		/* /sys/module/dstate/parameters/NAME */
};

static int param_cmp(const void *a, const void *b)
{
	return strcmp(((const struct info_param *)a)->name,
		      ((const struct info_param *)b)->name);
}

/*
 * Every parameter, by name: those the file's modinfo describes and any
 * other that sysfs shows (one without a description).  Their values when
 * loaded.  The count, or -ENOMEM.
 */
static int info_params(bool loaded, const struct kmodload_modinfo *mi,
		       struct info_param **out)
{
	struct info_param *ps = NULL, *tmp;
	unsigned int n = 0, nfile, i;
	struct dirent *d;
	DIR *dir;

	ps = calloc(mi->nparm ? mi->nparm : 1, sizeof(*ps));
	if (!ps)
		return -ENOMEM;
	for (i = 0; i < mi->nparm; i++, n++) {
		ps[n].name = strdup(mi->parm[i].name);
		if (!ps[n].name)
			goto nomem;
		ps[n].type = mi->parm[i].type;
		ps[n].desc = mi->parm[i].desc;
	}
	nfile = n;
	dir = loaded ? opendir(SYSFS_MODULE "/parameters") : NULL;
	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		for (i = 0; i < nfile; i++)
			if (!strcmp(ps[i].name, d->d_name))
				break;
		if (i < nfile)
			continue;
		tmp = realloc(ps, (n + 1) * sizeof(*ps));
		if (!tmp)
			goto nomem_dir;
		ps = tmp;
		memset(&ps[n], 0, sizeof(*ps));
		ps[n].name = strdup(d->d_name);
		if (!ps[n].name)
			goto nomem_dir;
		n++;
	}
	if (dir)
		closedir(dir);
	qsort(ps, n, sizeof(*ps), param_cmp);
	for (i = 0; loaded && i < n; i++) {
		char path[PATH_MAX], buf[4096];

		snprintf(path, sizeof(path), SYSFS_MODULE "/parameters/%s",
			 ps[i].name);
		/* A parameter with mode 0 is in the modinfo, not in sysfs. */
		if (read_file(path, buf, sizeof(buf)) < 0)
			continue;
		buf[strcspn(buf, "\n")] = '\0';
		ps[i].value = strdup(buf);
		if (!ps[i].value)
			goto nomem;
	}
	*out = ps;
	return (int)n;
nomem_dir:
	closedir(dir);
nomem:
	for (i = 0; i < n; i++) {
		free(ps[i].name);
		free(ps[i].value);
	}
	free(ps);
	return -ENOMEM;
}

static void params_free(struct info_param *ps, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(ps[i].name);
		free(ps[i].value);
	}
	free(ps);
}

/* A decimal number as JSON, or NULL when @v is not one. */
static struct json_object *json_number(const char *v)
{
	char *end;

	errno = 0;
	if (v[0] == '-') {
		long long n = strtoll(v, &end, 10);

		if (!errno && end != v && !*end)
			return json_object_new_int64(n);
	} else if (v[0] >= '0' && v[0] <= '9') {
		unsigned long long n = strtoull(v, &end, 10);

		if (!errno && !*end)
			return json_object_new_uint64(n);
	}
	return NULL;
}

/*
 * A parameter's value in JSON as its type says: bool Y/N as a boolean, an
 * integer type's decimal digits as a number, anything else as the string
 * sysfs shows.
 */
static struct json_object *param_value_json(const struct info_param *p)
{
	static const char *const ints[] = {
		"byte", "short", "ushort", "int", "uint", "long", "ulong",
		"ullong",
	};
	const char *v = p->value, *t = p->type ? p->type : "";
	struct json_object *o;
	unsigned int i;

	if (!v)
		return NULL;
	if ((!strcmp(t, "bool") || !strcmp(t, "invbool")) &&
	    (!strcmp(v, "Y") || !strcmp(v, "N")))
		return json_object_new_boolean(v[0] == 'Y');
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		if (!strcmp(t, ints[i])) {
			o = json_number(v);
			if (o)
				return o;
		}
	return json_text(v);
}

/* One kv value in JSON, as kv_print() has libsmartcols write it. */
static struct json_object *kv_value_json(int type, const char *v)
{
	struct json_object *o;

	if (type == SCOLS_JSON_ARRAY_STRING) {
		/* Items one per line; "" is an empty array. */
		o = json_object_new_array();
		while (v && *v) {
			const char *nl = strchrnul(v, '\n');
			char *item = strndup(v, (size_t)(nl - v));

			json_object_array_add(o, json_text(item ? item : ""));
			free(item);
			v = *nl ? nl + 1 : nl;
		}
		return o;
	}
	if (type == SCOLS_JSON_BOOLEAN)
		return json_object_new_boolean(v && !strcmp(v, "true"));
	if (!v || !*v)
		return NULL;
	if (type == SCOLS_JSON_BOOLEAN_OPTIONAL)
		return json_object_new_boolean(!strcmp(v, "true"));
	if (type == SCOLS_JSON_NUMBER) {
		o = json_number(v);
		return o ? o : json_text(v);
	}
	return json_text(v);
}

/*
 * info's JSON, the shape kv_print() gives: {"info": [ {KEYS} ]}, and in
 * it the parameters, an array of objects, which libsmartcols cannot nest
 * in a line; so the whole of it through json-c.
 */
static void info_print_json(struct kv *kv, const struct info_param *ps,
			    int n)
{
	struct json_object *root = json_object_new_object();
	struct json_object *list = json_object_new_array();
	struct json_object *o = json_object_new_object();
	struct json_object *params = json_object_new_array();
	unsigned int i;
	int j;

	for (i = 0; i < kv->n; i++) {
		json_object_object_add(o, kv->key[i],
				       kv_value_json(kv->type[i], kv->val[i]));
		free(kv->val[i]);
	}
	kv->n = 0;
	for (j = 0; j < n; j++) {
		struct json_object *p = json_object_new_object();

		json_object_object_add(p, "name", json_text(ps[j].name));
		json_object_object_add(p, "value", param_value_json(&ps[j]));
		json_object_object_add(p, "type", json_text(ps[j].type));
		json_object_object_add(p, "description", json_text(ps[j].desc));
		json_object_array_add(params, p);
	}
	json_object_object_add(o, "parameters", params);
	json_object_array_add(list, o);
	json_object_object_add(root, kv->name, list);
	json_print(root, false);
	fflush(stdout);
}

/* lsmod's "Used by" names, one per line for JSON, else comma-separated. */
static char *holders_str(const struct kmodload_live *live)
{
	size_t len = 1;
	unsigned int i;
	char *s;

	for (i = 0; i < live->nholders; i++)
		len += strlen(live->holders[i]) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	len = 0;
	for (i = 0; i < live->nholders; i++) {
		size_t n = strlen(live->holders[i]);

		if (i)
			s[len++] = opt_json ? '\n' : ',';
		memcpy(s + len, live->holders[i], n);
		len += n;
	}
	s[len] = '\0';
	return s;
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
	struct kmodload_modinfo mi = { 0 };
	struct kmodload_live live = { 0 };
	struct info_param *ps = NULL;
	struct dstate_info info;
	char buf[256], srcversion[64], letters[32], *holders;
	bool loaded, have_info, have_file;
	long taint;
	struct kv kv;
	int c, ret, fd, nparams;
	unsigned int i;

	while ((c = getopt_long(argc, argv, ":" COMMON_SHORTOPTS, opts, NULL)) != -1) {
		ret = common_option(c, "info", argv, info_usage);
		if (ret >= 0)
			return ret;
	}
	if (optind < argc)
		return usage_error("info", "unexpected argument '%s'", argv[optind]);

	kv_init(&kv, "info");
	/* Loaded is live or coming, as for load; going is on its way out. */
	loaded = !kmodload_live(&live) && strcmp(live.initstate, "going") != 0;
	/*
	 * Every key, always: what is not known (not loaded, no device) is
	 * empty, which --json gives as null, so that scripts meet one schema.
	 * Loaded, what the kernel keeps (version, srcversion) comes from
	 * sysfs; the rest of modinfo from the file, when it is that module's.
	 */
	srcversion[0] = '\0';
	if (loaded)
		read_line(SYSFS_MODULE "/srcversion", srcversion,
			  sizeof(srcversion));
	have_file = !info_file(loaded, srcversion, &mi);
	if (!loaded && have_file && mi.srcversion)
		snprintf(srcversion, sizeof(srcversion), "%s", mi.srcversion);
	kv_add(&kv, "loaded", SCOLS_JSON_BOOLEAN, "%s", loaded ? "true" : "false");
	kv_add(&kv, "filename", SCOLS_JSON_STRING, "%s", have_file ? mi.path : "");
	buf[0] = '\0';
	if (loaded)
		read_line(SYSFS_MODULE "/version", buf, sizeof(buf));
	else if (have_file && mi.version)
		snprintf(buf, sizeof(buf), "%s", mi.version);
	kv_add(&kv, "version", SCOLS_JSON_STRING, "%s", buf);
	kv_add(&kv, "srcversion", SCOLS_JSON_STRING, "%s", srcversion);
	kv_add(&kv, "vermagic", SCOLS_JSON_STRING, "%s",
	       have_file && mi.vermagic ? mi.vermagic : "");
	kv_add(&kv, "initstate", SCOLS_JSON_STRING, "%s",
	       loaded ? live.initstate : "");
	if (loaded && live.size >= 0)
		kv_add(&kv, "size", SCOLS_JSON_NUMBER, "%ld", live.size);
	else
		kv_add(&kv, "size", SCOLS_JSON_NUMBER, "%s", "");
	if (loaded)
		kv_add(&kv, "refcount", SCOLS_JSON_NUMBER, "%ld", live.refcnt);
	else
		kv_add(&kv, "refcount", SCOLS_JSON_NUMBER, "%s", "");
	/* Loaded, an array, empty when nothing holds it; else null. */
	holders = loaded ? holders_str(&live) : NULL;
	kv_add(&kv, "holders", holders ? SCOLS_JSON_ARRAY_STRING : SCOLS_JSON_STRING,
	       "%s", holders ? holders : "");
	free(holders);
	if (!loaded || read_file(SYSFS_MODULE "/parameters/norefcount", buf, sizeof(buf)) <= 0)
		kv_add(&kv, "norefcount", SCOLS_JSON_BOOLEAN_OPTIONAL, "%s", "");
	else
		kv_add(&kv, "norefcount", SCOLS_JSON_BOOLEAN_OPTIONAL, "%s",
		       buf[0] == 'Y' || buf[0] == '1' ? "true" : "false");
	for (i = 0; i < sizeof(number_params) / sizeof(number_params[0]); i++) {
		char path[128];

		snprintf(path, sizeof(path), SYSFS_MODULE "/parameters/%s",
			 number_params[i]);
		buf[0] = '\0';
		if (loaded)
			read_line(path, buf, sizeof(buf));
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

	nparams = info_params(loaded, &mi, &ps);
	if (nparams < 0) {
		pr_warn("could not list the parameters: %s", strerror(-nparams));
		nparams = 0;
	}
	if (opt_json) {
		info_print_json(&kv, ps, nparams);
	} else {
		/* As modinfo's "parm:" lines, with the value after the name. */
		for (c = 0; c < nparams; c++)
			kv_add(&kv, "parm", SCOLS_JSON_STRING, "%s%s%s%s%s%s%s%s",
			       ps[c].name, ps[c].value ? "=" : "",
			       ps[c].value ? ps[c].value : "",
			       ps[c].desc ? ": " : "",
			       ps[c].desc ? ps[c].desc : "",
			       ps[c].type ? " (" : "",
			       ps[c].type ? ps[c].type : "",
			       ps[c].type ? ")" : "");
		kv_print(&kv);
	}
	params_free(ps, nparams);
	kmodload_modinfo_free(&mi);
	kmodload_live_free(&live);
	return EXIT_SUCCESS;
}

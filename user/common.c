// SPDX-License-Identifier: GPL-2.0
/* Option handling, messages and output shared by the commands. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dstate.h"
#include "lib/device.h"
#include "lib/duration.h"
#include "lib/text.h"

bool opt_json;

/*
 * "dstate: PREFIX message" on stderr, without the newline, after what
 * stdout holds so far.
 */
static void vpr(const char *prefix, const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "dstate: %s", prefix);
	vfprintf(stderr, fmt, ap);
}

void pr_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vpr("", fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void pr_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vpr("warning: ", fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vpr("", fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try 'dstate %s%s--help')\n", cmd ? cmd : "",
		cmd ? " " : "");
	return EXIT_USAGE;
}

int common_option(int c, const char *cmd, char **argv, void (*usage)(void))
{
	switch (c) {
	case 'h':
		usage();
		return EXIT_SUCCESS;
	case 'J':
		opt_json = true;
		return -1;
	case 'V':
		printf("dstate %s (ABI %d)\n", DSTATE_VERSION, DSTATE_ABI_VERSION);
		return EXIT_SUCCESS;
	case 0x100:
		dstate_device = optarg;
		return -1;
	case ':':
		return usage_error(cmd, "option '%s' needs an argument",
				   argv[optind - 1]);
	case '?':
	default:
		if (optopt && optopt < 0x100)
			return usage_error(cmd, "unknown option '-%c'", optopt);
		return usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
	}
}

/*
 * Decimal only, as util-linux reads counts: a leading 0 is no octal and
 * 0x no hex, so "-n 010" is ten, and "--tag 0x10" an error.
 */
int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno)
		return -errno;
	return *end ? -EINVAL : 0;
}

int parse_pid(const char *s, pid_t *pid)
{
	uint64_t v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v == 0 || v > 0x3fffffff)
		return -EINVAL;
	*pid = (pid_t)v;
	return 0;
}

int parse_dur_arg(const char *cmd, const char *opt, const char *s, uint64_t *ns)
{
	int ret = parse_duration(s, ns);

	if (ret == -ERANGE)
		return usage_error(cmd, "duration '%s' for %s is too long", s, opt);
	if (ret)
		return usage_error(cmd, "bad duration '%s' for %s; say 500ms, 2s, 1m or plain seconds",
				   s, opt);
	return 0;
}

struct libscols_table *table_new(const char *json_name)
{
	struct libscols_table *tb = scols_new_table();

	if (!tb) {
		pr_err("could not make a table: %s", strerror(ENOMEM));
		exit(EXIT_FAILURE);
	}
	scols_table_set_name(tb, json_name);
	scols_table_enable_json(tb, opt_json);
	return tb;
}

struct libscols_column *table_col(struct libscols_table *tb, const char *name,
				  int json_type, int flags)
{
	struct libscols_column *cl;
	char lower[64];
	size_t i;

	/* JSON keys are lower case, as lsblk's are. */
	if (opt_json) {
		for (i = 0; i < sizeof(lower) - 1 && name[i]; i++)
			lower[i] = (char)tolower((unsigned char)name[i]);
		lower[i] = '\0';
		name = lower;
	}
	cl = scols_table_new_column(tb, name, 0, flags);
	if (!cl) {
		pr_err("could not make a table: %s", strerror(ENOMEM));
		exit(EXIT_FAILURE);
	}
	scols_column_set_json_type(cl, json_type);
	return cl;
}

/* @s, malloc'd, as valid UTF-8: every value dstate prints passes here. */
static char *valid_or_free(char *s)
{
	char *v = utf8_valid_dup(s);

	free(s);
	return v;
}

void line_set(struct libscols_line *ln, int col, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	s = valid_or_free(s);
	if (s && scols_line_refer_data(ln, (size_t)col, s))
		free(s);
}

void kv_init(struct kv *kv, const char *json_name)
{
	memset(kv, 0, sizeof(*kv));
	kv->name = json_name;
}

void kv_add(struct kv *kv, const char *key, int json_type, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (kv->n >= KV_MAX)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	kv->key[kv->n] = key;
	s = valid_or_free(s);
	kv->type[kv->n] = json_type;
	kv->val[kv->n] = s;
	kv->n++;
}

void kv_print(struct kv *kv)
{
	unsigned int i;
	size_t w = 0;

	if (opt_json) {
		struct libscols_table *tb = table_new(kv->name);
		struct libscols_line *ln;

		for (i = 0; i < kv->n; i++)
			table_col(tb, kv->key[i], kv->type[i], 0);
		ln = scols_table_new_line(tb, NULL);
		for (i = 0; i < kv->n; i++) {
			/* libsmartcols reads "0", "N" or "n" as false, not "false". */
			if ((kv->type[i] == SCOLS_JSON_BOOLEAN ||
			     kv->type[i] == SCOLS_JSON_BOOLEAN_OPTIONAL) && kv->val[i] &&
			    !strcmp(kv->val[i], "false"))
				kv->val[i][0] = '0', kv->val[i][1] = '\0';
			if (kv->val[i])
				scols_line_set_data(ln, i, kv->val[i]);
		}
		scols_print_table(tb);
		scols_unref_table(tb);
	} else {
		for (i = 0; i < kv->n; i++)
			if (strlen(kv->key[i]) > w)
				w = strlen(kv->key[i]);
		for (i = 0; i < kv->n; i++) {
			printf("%s:%*s ", kv->key[i],
			       (int)(w - strlen(kv->key[i])), "");
			fputs_visible(kv->val[i] && *kv->val[i] ? kv->val[i] : "-",
				      stdout);
			putchar('\n');
		}
	}
	for (i = 0; i < kv->n; i++)
		free(kv->val[i]);
	kv->n = 0;
	fflush(stdout);
}

struct json_object *json_text(const char *s)
{
	struct json_object *o;
	char *v;

	if (!s)
		return NULL;
	v = utf8_valid_dup(s);
	o = json_object_new_string(v ? v : "");
	free(v);
	if (!o) {
		pr_err("could not write JSON: %s", strerror(ENOMEM));
		exit(EXIT_FAILURE);
	}
	return o;
}

void json_print(struct json_object *o, bool one_line)
{
	int flags = JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE;

	if (!one_line)
		flags |= JSON_C_TO_STRING_PRETTY;
	puts(json_object_to_json_string_ext(o, flags));
	json_object_put(o);
}

void json_print_element(struct json_object *o, bool first)
{
	const char *s = json_object_to_json_string_ext(o,
				JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_PRETTY |
				JSON_C_TO_STRING_NOSLASHESCAPE);

	/* A JSON text holds no raw newline but json-c's own, between values. */
	printf("%s\n    ", first ? "" : ",");
	for (; *s; s++) {
		putchar(*s);
		if (*s == '\n')
			fputs("    ", stdout);
	}
	json_object_put(o);
}

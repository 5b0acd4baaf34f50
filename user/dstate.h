/* SPDX-License-Identifier: GPL-2.0 */
/* What the commands of the dstate CLI share. */
#ifndef DSTATE_CLI_H
#define DSTATE_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>
#include <libsmartcols.h>

#define EXIT_USAGE	2
#define EXIT_TIMEDOUT	124

#ifndef DSTATE_VERSION
#define DSTATE_VERSION	"0.1.0"
#endif

/* Global options, also accepted after the command name. */
extern bool opt_json;

#define COMMON_SHORTOPTS	"hJV"
#define COMMON_LONGOPTS						\
	{ "help",	no_argument,		NULL, 'h' },	\
	{ "json",	no_argument,		NULL, 'J' },	\
	{ "version",	no_argument,		NULL, 'V' },	\
	{ "device",	required_argument,	NULL, 0x100 }

/*
 * Handle an option every command takes, or getopt's complaint.  Returns
 * -1 to go on parsing, otherwise the exit status to return now.
 */
int common_option(int c, const char *cmd, char **argv, void (*usage)(void));

void pr_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "dstate: MSG (try 'dstate CMD --help')"; returns EXIT_USAGE. */
int usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

int parse_pid(const char *s, pid_t *pid);
int parse_u64(const char *s, uint64_t *v);
/* A DUR argument: 0 or a usage error already printed (EXIT_USAGE). */
int parse_dur_arg(const char *cmd, const char *opt, const char *s, uint64_t *ns);

/* libsmartcols: a table that prints as text or, with --json, as JSON. */
struct libscols_table *table_new(const char *json_name);
struct libscols_column *table_col(struct libscols_table *tb, const char *name,
				  int json_type, int flags);
void line_set(struct libscols_line *ln, int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Key/value reports (info, sleep, wait, ...): aligned text or JSON. */
#define KV_MAX	32
struct kv {
	const char *name;
	unsigned int n;
	const char *key[KV_MAX];
	int type[KV_MAX];
	char *val[KV_MAX];
};
void kv_init(struct kv *kv, const char *json_name);
void kv_add(struct kv *kv, const char *key, int json_type, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void kv_print(struct kv *kv);

/*
 * JSON objects (state, watch) through json-c.  json_text() is a JSON
 * string of @s made valid UTF-8, or JSON null (NULL) for NULL.
 * json_print() prints @o, pretty or as one line (JSON lines), and drops
 * the reference.
 */
struct json_object *json_text(const char *s);
void json_print(struct json_object *o, bool one_line);
/*
 * @o as an element of a list whose opening the caller printed, indented
 * to its place, after a comma unless @first; so that a long list can be
 * printed as it is read.
 */
void json_print_element(struct json_object *o, bool first);

/*
 * spawn's child for fuse-noreply, fuse-noread and dm-suspend: the kept
 * sleep of 'dstate sleep', whose keeper also ends it when @owner_fd (the
 * owner pipe) reaches end of file before spawn said "stay".  Exits.
 */
struct dstate_method;
void sleep_kept_spawned(const struct dstate_method *m, uint64_t timeout,
			int owner_fd) __attribute__((noreturn));

int cmd_load(int argc, char **argv);
int cmd_unload(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_sleep(int argc, char **argv);
int cmd_spawn(int argc, char **argv);
int cmd_release(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_state(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_wait(int argc, char **argv);
int cmd_matrix(int argc, char **argv);
int cmd_cleanup(int argc, char **argv);
int cmd_drill(int argc, char **argv);
int cmd_effects(int argc, char **argv);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The output columns of the commands that print a table (ls, spawn,
 * matrix, cleanup), chosen and printed as util-linux's lsblk does:
 * -o/--output, --list-columns, --noheadings, -r/--raw, -P/--pairs.
 */
#ifndef DSTATE_COLUMNS_H
#define DSTATE_COLUMNS_H

#include <stdbool.h>
#include <stddef.h>

#include <libsmartcols.h>

/* In which default set a column is. */
#define COL_TEXT	(1U << 0)	/* the text table (and --raw, --pairs) */
#define COL_JSON	(1U << 1)	/* the JSON one */
#define COL_BOTH	(COL_TEXT | COL_JSON)

/* One column a command can print. */
struct col_info {
	const char *name;	/* header and -o name; lower case in JSON */
	int json_type;		/* SCOLS_JSON_* */
	int flags;		/* SCOLS_FL_* */
	unsigned int dflt;	/* COL_TEXT, COL_JSON */
	const char *help;	/* one line for --help and --list-columns */
};

#define COLS_MAX	64

/* A command's columns and how it was asked to print them. */
struct cols {
	const char *cmd;		/* for messages */
	const struct col_info *info;	/* indexed by the command's ids */
	size_t ninfo;
	const char *output;		/* -o LIST, as given */
	bool list, noheadings, raw, pairs;
	size_t id[COLS_MAX];		/* the columns printed, in order */
	size_t n;
};

#define COLS_INIT(cmd_, info_) \
	{ .cmd = (cmd_), .info = (info_), \
	  .ninfo = sizeof(info_) / sizeof((info_)[0]) }

/*
 * The options of every table command.  --noheadings has no short form:
 * spawn's -n is --count, and it means the same in every command.
 */
#define COLS_SHORTOPTS	"o:rP"
#define COLS_OPT_LIST		0x180
#define COLS_OPT_NOHEADINGS	0x181
#define COLS_LONGOPTS							\
	{ "output",	  required_argument, NULL, 'o' },		\
	{ "list-columns", no_argument,	     NULL, COLS_OPT_LIST },	\
	{ "noheadings",	  no_argument,	     NULL, COLS_OPT_NOHEADINGS },	\
	{ "raw",	  no_argument,	     NULL, 'r' },		\
	{ "pairs",	  no_argument,	     NULL, 'P' }

/* The lines of --help that describe the options above. */
#define COLS_OPTIONS_HELP						\
	" -o, --output LIST   the columns to print (comma-separated;\n"	\
	"                     +LIST adds to the default ones)\n"		\
	"     --list-columns  list the columns and exit\n"		\
	"     --noheadings    no header line\n"				\
	" -r, --raw           raw output: one space between values, each\n" \
	"                     space in a value as \\x20\n"		\
	" -P, --pairs         NAME=\"value\" pairs, for the shell's eval\n"

/* Take option @c if it is one of the above: true if it was. */
bool cols_option(struct cols *cs, int c, const char *arg);
/*
 * After the options: choose the columns (-o, or the default set for
 * text or JSON).  0, or EXIT_USAGE with the message printed.
 */
int cols_setup(struct cols *cs);
/* --list-columns: name, JSON type and description of each column. */
void cols_list(const struct cols *cs);
/* "Available output columns:" and a line per column, for --help. */
void cols_help(const struct col_info *info, size_t n);

/* The table, its columns made, in the format asked for. */
struct libscols_table *cols_table(const struct cols *cs, const char *json_name);
/* Whether column @id is printed: what is not need not be read. */
bool cols_has(const struct cols *cs, size_t id);
/* Set column @id of @ln, wherever -o put it (nothing if not printed). */
void cols_set(const struct cols *cs, struct libscols_line *ln, size_t id,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/*
 * What a text cell shows for "none": "-" in the table and --raw, where
 * an empty cell would shift awk's fields; "" in --pairs.
 */
const char *cols_none(const struct cols *cs);

#endif

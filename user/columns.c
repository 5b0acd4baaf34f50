// SPDX-License-Identifier: GPL-2.0
/*
 * Output columns, as util-linux's tools choose and print them: -o LIST
 * (names in any case; "+LIST" appends to the default set, as lsblk's
 * does), --list-columns, --noheadings, -r/--raw and -P/--pairs, all
 * done by libsmartcols.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "columns.h"
#include "dstate.h"

bool cols_option(struct cols *cs, int c, const char *arg)
{
	switch (c) {
	case 'o':
		cs->output = arg;
		return true;
	case COLS_OPT_LIST:
		cs->list = true;
		return true;
	case COLS_OPT_NOHEADINGS:
		cs->noheadings = true;
		return true;
	case 'r':
		cs->raw = true;
		return true;
	case 'P':
		cs->pairs = true;
		return true;
	default:
		return false;
	}
}

static int col_lookup(const struct cols *cs, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < cs->ninfo; i++)
		if (strlen(cs->info[i].name) == len &&
		    !strncasecmp(cs->info[i].name, name, len))
			return (int)i;
	return -1;
}

bool cols_has(const struct cols *cs, size_t id)
{
	size_t i;

	for (i = 0; i < cs->n; i++)
		if (cs->id[i] == id)
			return true;
	return false;
}

/* A column named twice is printed once: JSON keys must be unique. */
static int cols_add(struct cols *cs, size_t id)
{
	if (cols_has(cs, id))
		return 0;
	if (cs->n >= COLS_MAX)
		return usage_error(cs->cmd, "more than %d columns in --output",
				   COLS_MAX);
	cs->id[cs->n++] = id;
	return 0;
}

int cols_setup(struct cols *cs)
{
	unsigned int want = opt_json ? COL_JSON : COL_TEXT;
	const char *p = cs->output;
	size_t i;

	/* One format: which one would win is libsmartcols' accident. */
	if (opt_json + cs->raw + cs->pairs > 1)
		return usage_error(cs->cmd, "--json, --raw and --pairs exclude each other");
	cs->n = 0;
	if (!p || *p == '+') {
		for (i = 0; i < cs->ninfo; i++)
			if (cs->info[i].dflt & want && cols_add(cs, i))
				return EXIT_USAGE;
		if (!p)
			return 0;
		p++;
	}
	for (;;) {
		size_t len = strcspn(p, ",");
		int id = col_lookup(cs, p, len);

		if (!len)
			return usage_error(cs->cmd, "an empty column name in --output '%s'",
					   cs->output);
		if (id < 0)
			return usage_error(cs->cmd, "unknown column '%.*s' (see --list-columns)",
					   (int)len, p);
		if (cols_add(cs, (size_t)id))
			return EXIT_USAGE;
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

static const char *json_type_name(int type)
{
	switch (type) {
	case SCOLS_JSON_NUMBER:
		return "<number>";
	case SCOLS_JSON_BOOLEAN:
	case SCOLS_JSON_BOOLEAN_OPTIONAL:
		return "<boolean>";
	default:
		return "<string>";
	}
}

static struct libscols_table *table_format(struct libscols_table *tb,
					   const struct cols *cs)
{
	scols_table_enable_raw(tb, cs->raw);
	scols_table_enable_export(tb, cs->pairs);
	scols_table_enable_shellvar(tb, cs->pairs);
	scols_table_enable_noheadings(tb, cs->noheadings);
	return tb;
}

/*
 * As util-linux 2.39's --list-columns: no header, the name and its type
 * right-aligned, then the description; with --json an object
 * "CMD-columns" of holder, type and description.
 */
void cols_list(const struct cols *cs)
{
	struct libscols_table *tb;
	char name[64];
	size_t i;

	snprintf(name, sizeof(name), "%s-columns", cs->cmd);
	tb = table_format(table_new(name), cs);
	scols_table_enable_noheadings(tb, !cs->pairs);
	table_col(tb, "HOLDER", SCOLS_JSON_STRING, SCOLS_FL_RIGHT);
	table_col(tb, "TYPE", SCOLS_JSON_STRING, SCOLS_FL_RIGHT);
	table_col(tb, "DESCRIPTION", SCOLS_JSON_STRING, 0);
	for (i = 0; i < cs->ninfo; i++) {
		struct libscols_line *ln = scols_table_new_line(tb, NULL);

		line_set(ln, 0, "%s", cs->info[i].name);
		line_set(ln, 1, "%s", json_type_name(cs->info[i].json_type));
		line_set(ln, 2, "%s", cs->info[i].help);
	}
	scols_print_table(tb);
	scols_unref_table(tb);
}

void cols_help(const struct col_info *info, size_t n)
{
	size_t i, w = 0;

	for (i = 0; i < n; i++)
		if (strlen(info[i].name) > w)
			w = strlen(info[i].name);
	printf("\nAvailable output columns (*: printed by default; J: by default\n"
	       "with --json):\n");
	for (i = 0; i < n; i++)
		printf(" %*s %c %s\n", (int)w, info[i].name,
		       info[i].dflt & COL_TEXT ? '*' :
		       info[i].dflt & COL_JSON ? 'J' : ' ', info[i].help);
}

struct libscols_table *cols_table(const struct cols *cs, const char *json_name)
{
	struct libscols_table *tb = table_format(table_new(json_name), cs);
	size_t i;

	for (i = 0; i < cs->n; i++) {
		const struct col_info *ci = &cs->info[cs->id[i]];

		table_col(tb, ci->name, ci->json_type, ci->flags);
	}
	return tb;
}

void cols_set(const struct cols *cs, struct libscols_line *ln, size_t id,
	      const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	size_t i;

	if (!cols_has(cs, id))
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	for (i = 0; s && i < cs->n; i++)
		if (cs->id[i] == id)
			line_set(ln, (int)i, "%s", s);
	free(s);
}

const char *cols_none(const struct cols *cs)
{
	return cs->pairs ? "" : "-";
}

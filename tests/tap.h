/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A few TAP helpers in the manner of kselftest.h, for the tests written in
 * C.  Each test program prints "ok N - name" or "not ok N - name" per case
 * and "# ..." for diagnostics; tests/run gathers and renumbers them.
 */
#ifndef DSTATE_TESTS_TAP_H
#define DSTATE_TESTS_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned int tap_count, tap_failed;

static inline void tap_header(void)
{
	printf("TAP version 13\n");
	fflush(stdout);
}

static inline void tap_diag(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

/* Report one case; returns @pass so callers can chain on it. */
static inline int tap_result(int pass, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline int tap_result(int pass, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	if (!pass)
		tap_failed++;
	printf("%sok %u - ", pass ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	return pass;
}

static inline void tap_skip(const char *name, const char *why)
{
	tap_count++;
	printf("ok %u - %s # SKIP %s\n", tap_count, name, why);
	fflush(stdout);
}

/* Print the plan and exit with the status the runner expects. */
static inline int tap_finish(void)
{
	printf("1..%u\n", tap_count);
	fflush(stdout);
	return tap_failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif /* DSTATE_TESTS_TAP_H */

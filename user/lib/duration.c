// SPDX-License-Identifier: GPL-2.0
/*
 * Durations as people type them.  Parsed with integer arithmetic only, so
 * that "0.1s" is exactly 100000000 ns and overflow is detected, not wrapped.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "duration.h"

static const struct {
	const char *suffix;
	uint64_t mult;
} units[] = {
	{ "ns", 1 },
	{ "us", NSEC_PER_USEC },
	{ "ms", NSEC_PER_MSEC },
	{ "s", NSEC_PER_SEC },
	{ "m", 60 * NSEC_PER_SEC },
	{ "h", 3600 * NSEC_PER_SEC },
	{ "d", 86400 * NSEC_PER_SEC },
};

int parse_duration(const char *s, uint64_t *ns)
{
	uint64_t whole = 0, frac = 0, frac_div = 1, mult = 0, total;
	const char *p = s;
	size_t i;

	if (!s || !isdigit((unsigned char)*p))
		return -EINVAL;		/* empty, sign, space, or a bare "." */
	for (; isdigit((unsigned char)*p); p++) {
		if (whole > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		for (; isdigit((unsigned char)*p); p++) {
			/* Digits beyond nanoseconds add nothing; ignore them. */
			if (frac_div >= NSEC_PER_SEC)
				continue;
			frac = frac * 10 + (uint64_t)(*p - '0');
			frac_div *= 10;
		}
	}
	if (!*p) {
		mult = NSEC_PER_SEC;
	} else {
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			if (!strcmp(p, units[i].suffix)) {
				mult = units[i].mult;
				break;
			}
		}
		if (!mult)
			return -EINVAL;
	}
	if (whole > UINT64_MAX / mult)
		return -ERANGE;
	total = whole * mult;
	/* frac / frac_div of a unit; frac_div <= 1e9 and mult <= 8.64e13. */
	{
		unsigned __int128 f = (unsigned __int128)frac * mult / frac_div;

		if (f > UINT64_MAX - total)
			return -ERANGE;
		total += (uint64_t)f;
	}
	*ns = total;
	return 0;
}

char *format_duration(uint64_t ns, char *buf, size_t len)
{
	if (ns < NSEC_PER_USEC)
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
	else if (ns < NSEC_PER_MSEC)
		snprintf(buf, len, "%.1fus", (double)ns / NSEC_PER_USEC);
	else if (ns < NSEC_PER_SEC)
		snprintf(buf, len, "%.1fms", (double)ns / NSEC_PER_MSEC);
	else if (ns < 60 * NSEC_PER_SEC)
		snprintf(buf, len, "%.3fs", (double)ns / NSEC_PER_SEC);
	else if (ns < 3600 * NSEC_PER_SEC)
		snprintf(buf, len, "%llum%04.1fs",
			 (unsigned long long)(ns / (60 * NSEC_PER_SEC)),
			 (double)(ns % (60 * NSEC_PER_SEC)) / NSEC_PER_SEC);
	else
		snprintf(buf, len, "%lluh%02llum",
			 (unsigned long long)(ns / (3600 * NSEC_PER_SEC)),
			 (unsigned long long)(ns / (60 * NSEC_PER_SEC) % 60));
	return buf;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

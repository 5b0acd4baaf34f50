// SPDX-License-Identifier: GPL-2.0
/* Host test: parsing and printing durations (user/lib/duration.c). */
#include <errno.h>
#include <string.h>

#include "tap.h"
#include "duration.h"

static void good(const char *s, uint64_t want)
{
	uint64_t ns = 0;
	int ret = parse_duration(s, &ns);

	tap_result(!ret && ns == want, "parse '%s' = %llu ns (got %d, %llu)", s,
		   (unsigned long long)want, ret, (unsigned long long)ns);
}

static void bad(const char *s, int want)
{
	uint64_t ns = 12345;
	int ret = parse_duration(s, &ns);

	tap_result(ret == want && ns == 12345, "reject '%s' with %s (got %d)", s,
		   strerror(-want), ret);
}

int main(void)
{
	char buf[32];

	tap_header();
	good("500ms", 500 * NSEC_PER_MSEC);
	good("2s", 2 * NSEC_PER_SEC);
	good("1m", 60 * NSEC_PER_SEC);
	good("1h", 3600 * NSEC_PER_SEC);
	good("3", 3 * NSEC_PER_SEC);
	good("0", 0);
	good("0.5", NSEC_PER_SEC / 2);
	good("1.5s", 1500 * NSEC_PER_MSEC);
	good("0.1s", 100 * NSEC_PER_MSEC);
	good("250us", 250 * NSEC_PER_USEC);
	good("10ns", 10);
	good("1.0000000001s", NSEC_PER_SEC);	/* beyond ns: dropped */
	good("18446744073ms", 18446744073ULL * NSEC_PER_MSEC);
	bad("", -EINVAL);
	bad("-1", -EINVAL);
	bad("-1s", -EINVAL);
	bad("+1s", -EINVAL);
	bad(" 1s", -EINVAL);
	bad("1s ", -EINVAL);
	bad("abc", -EINVAL);
	bad("2x", -EINVAL);
	bad("1.s", -EINVAL);
	bad(".5", -EINVAL);
	bad("1ss", -EINVAL);
	bad("ms", -EINVAL);
	bad("1e3", -EINVAL);
	bad("0x10", -EINVAL);
	bad("18446744074s", -ERANGE);
	bad("99999999999999999999", -ERANGE);
	bad("99999999999999999999999999ns", -ERANGE);
	bad("307445734562m", -ERANGE);

	tap_result(!strcmp(format_duration(1500 * NSEC_PER_MSEC, buf, sizeof(buf)), "1.500s"),
		   "format 1.5s as '1.500s' (%s)", buf);
	tap_result(!strcmp(format_duration(12 * NSEC_PER_MSEC, buf, sizeof(buf)), "12.0ms"),
		   "format 12ms as '12.0ms' (%s)", buf);
	tap_result(!strcmp(format_duration(999, buf, sizeof(buf)), "999ns"),
		   "format 999ns (%s)", buf);
	tap_result(!strcmp(format_duration(125 * NSEC_PER_SEC, buf, sizeof(buf)), "2m05.0s"),
		   "format 125s as '2m05.0s' (%s)", buf);
	return tap_finish();
}

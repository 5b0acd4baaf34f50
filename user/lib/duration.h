/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DSTATE_DURATION_H
#define DSTATE_DURATION_H

#include <stddef.h>
#include <stdint.h>

#define NSEC_PER_USEC	1000ULL
#define NSEC_PER_MSEC	1000000ULL
#define NSEC_PER_SEC	1000000000ULL

/*
 * Parse a duration: "500ms", "2s", "1m", "1h", "250us", "10ns", or plain
 * seconds ("2", "0.5").  Returns 0, -EINVAL for garbage (empty, negative,
 * unknown unit, trailing junk) or -ERANGE when it overflows 64-bit ns.
 */
int parse_duration(const char *s, uint64_t *ns);

/* "1.234s", "12.5ms", "830us", "2m03.5s": short and human. */
char *format_duration(uint64_t ns, char *buf, size_t len);

/* CLOCK_MONOTONIC in ns. */
uint64_t now_ns(void);

#endif

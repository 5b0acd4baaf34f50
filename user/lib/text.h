/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DSTATE_TEXT_H
#define DSTATE_TEXT_H

#include <stddef.h>
#include <stdio.h>

/*
 * Text from the kernel (a comm, a wchan) is bytes, not UTF-8: a process
 * may name itself "\xff\x1b[31m".  What dstate prints must still be valid
 * UTF-8, and what reaches a terminal must not be able to drive it.
 */

/* Length of the valid UTF-8 sequence at @s, or 0 if it is not one. */
size_t utf8_seq_len(const char *s);

/* A copy of @s with each byte of an invalid sequence as U+FFFD. */
char *utf8_valid_dup(const char *s);

/* Print @s with control characters as \xNN, as util-linux does. */
void fputs_visible(const char *s, FILE *f);

/*
 * @s for a terminal, in @buf: valid UTF-8 (U+FFFD for what is not) with
 * control characters as \xNN.  Cut short to fit; returns @buf.
 */
const char *text_visible(const char *s, char *buf, size_t len);

#endif

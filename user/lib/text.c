// SPDX-License-Identifier: GPL-2.0
/* Printing text that came from the kernel: valid UTF-8, nothing that a
 * terminal obeys. */
#include <stdlib.h>
#include <string.h>

#include "text.h"

#define REPLACEMENT	"\xef\xbf\xbd"	/* U+FFFD */

size_t utf8_seq_len(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned int cp;
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and what lies past U+10FFFF are not text. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

char *utf8_valid_dup(const char *s)
{
	char *out, *o;
	size_t n;

	if (!s)
		return NULL;
	out = malloc(strlen(s) * 3 + 1);
	if (!out)
		return NULL;
	for (o = out; *s; s += n) {
		n = utf8_seq_len(s);
		if (n) {
			memcpy(o, s, n);
			o += n;
		} else {
			memcpy(o, REPLACEMENT, 3);
			o += 3;
			n = 1;
		}
	}
	*o = '\0';
	return out;
}

const char *text_visible(const char *s, char *buf, size_t len)
{
	size_t o = 0, n;

	for (; *s; s += n) {
		unsigned char c = (unsigned char)*s;

		n = utf8_seq_len(s);
		if (!n) {
			if (o + 3 >= len)
				break;
			memcpy(buf + o, REPLACEMENT, 3);
			o += 3;
			n = 1;
		} else if (c < 0x20 || c == 0x7f) {
			if (o + 4 >= len)
				break;
			snprintf(buf + o, 5, "\\x%02x", c);
			o += 4;
		} else {
			if (o + n >= len)
				break;
			memcpy(buf + o, s, n);
			o += n;
		}
	}
	if (len)
		buf[o] = '\0';
	return buf;
}

void fputs_visible(const char *s, FILE *f)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

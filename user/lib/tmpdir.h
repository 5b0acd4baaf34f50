/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DSTATE_TMPDIR_H
#define DSTATE_TMPDIR_H

#include <stddef.h>

/*
 * Make $TMPDIR/@prefix.XXXXXX (/tmp without TMPDIR), mode 0700, into @dir:
 * the directory the fsfreeze, FUSE and dm-suspend methods keep all they
 * make in, and by whose name 'dstate cleanup' knows it.  0, or -errno with
 * @err set ("could not create a directory in ...") and @dir "".
 */
int tmpdir_make(char *dir, size_t len, const char *prefix, char *err,
		size_t errlen);

#endif

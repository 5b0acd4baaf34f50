// SPDX-License-Identifier: GPL-2.0
/* The private temporary directory of a module-free method. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpdir.h"

int tmpdir_make(char *dir, size_t len, const char *prefix, char *err,
		size_t errlen)
{
	const char *tmp = getenv("TMPDIR");
	int ret;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	snprintf(dir, len, "%s/%s.XXXXXX", tmp, prefix);
	if (mkdtemp(dir))
		return 0;
	ret = -errno;
	snprintf(err, errlen, "could not create a directory in %s: %s", tmp,
		 strerror(-ret));
	dir[0] = '\0';
	return ret;
}

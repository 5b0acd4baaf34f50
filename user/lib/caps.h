/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DSTATE_CAPS_H
#define DSTATE_CAPS_H

#include <linux/capability.h>	/* the CAP_* numbers */

/*
 * Is capability @cap (CAP_SYS_ADMIN, ...) in our effective set?  1 yes,
 * 0 no, -errno when the kernel would not say.  Privilege is a capability,
 * not uid 0: a root in a container, or under capsh --drop, may lack it.
 */
int cap_effective(int cap);

/* "CAP_SYS_ADMIN" for the capabilities dstate's messages name. */
const char *cap_name(int cap);

#endif

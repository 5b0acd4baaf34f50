// SPDX-License-Identifier: GPL-2.0
/*
 * Capabilities, read with capget(2) directly: dstate only asks whether one
 * bit is in the effective set, which needs no more than the syscall, and
 * libcap would be one more library to build against and install.
 */
#include <errno.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"

int cap_effective(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { 0 };

	if (cap < 0 || cap >= 32 * _LINUX_CAPABILITY_U32S_3)
		return -EINVAL;
	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	return !!(data[cap / 32].effective & (1U << (cap % 32)));
}

const char *cap_name(int cap)
{
	switch (cap) {
	case CAP_SYS_ADMIN:
		return "CAP_SYS_ADMIN";
	case CAP_SYS_MODULE:
		return "CAP_SYS_MODULE";
	case CAP_SYS_PTRACE:
		return "CAP_SYS_PTRACE";
	case CAP_DAC_OVERRIDE:
		return "CAP_DAC_OVERRIDE";
	default:
		return "a capability";
	}
}

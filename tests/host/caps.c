// SPDX-License-Identifier: GPL-2.0
/*
 * Host test: privilege is a capability, not uid 0.  A root that dropped
 * CAP_SYS_ADMIN (as under capsh --drop=cap_sys_admin) must be told that
 * CAP_SYS_ADMIN is missing when the module answers EPERM, never "are you
 * root?", which it is.
 */
#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "caps.h"
#include "device.h"

/* Take @cap out of the effective set (it stays permitted). */
static int drop_effective(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &hdr, d))
		return -errno;
	d[cap / 32].effective &= ~(1U << (cap % 32));
	return syscall(SYS_capset, &hdr, d) ? -errno : 0;
}

/* What dev_complain(@what, @err) prints, in a child without @cap. */
static int complaint_without(int cap, int err, char *buf, size_t len)
{
	int pfd[2], status;
	size_t off = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(pfd))
		return -errno;
	pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 2);
		close(pfd[0]);
		close(pfd[1]);
		if (drop_effective(cap) || cap_effective(cap) != 0)
			_exit(2);
		dev_complain("release the sleepers", err);
		_exit(0);
	}
	close(pfd[1]);
	while (off + 1 < len && (n = read(pfd[0], buf + off, len - 1 - off)) > 0)
		off += (size_t)n;
	buf[off] = '\0';
	close(pfd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(void)
{
	char out[1024];
	int r;

	tap_header();
	if (geteuid() != 0 || cap_effective(CAP_SYS_ADMIN) != 1) {
		tap_skip("EPERM names CAP_SYS_ADMIN", "not root with CAP_SYS_ADMIN");
		return tap_finish();
	}
	r = complaint_without(CAP_SYS_ADMIN, EPERM, out, sizeof(out));
	tap_result(r == 0, "a root child dropped CAP_SYS_ADMIN (exit %d)", r);
	if (!tap_result(strstr(out, "needs CAP_SYS_ADMIN") && !strstr(out, "are you root"),
			"root without CAP_SYS_ADMIN, EPERM: told the capability"))
		tap_diag("%s", out);
	r = complaint_without(CAP_SYS_ADMIN, EACCES, out, sizeof(out));
	if (!tap_result(r == 0 && !strstr(out, "are you root"),
			"EACCES on the device: no 'are you root?'"))
		tap_diag("%s", out);
	return tap_finish();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Host test: /proc parsing (user/lib/procfs.c), above all a comm with
 * spaces and parentheses, "a) b (c", parsed from text and from a live
 * process, and reported by 'dstate state'.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "run_dstate.h"
#include "procfs.h"
#include "modes.h"

#define WEIRD "a) b (c"

static void test_parse_text(void)
{
	struct proc_stat st;
	const char *text = "4242 (" WEIRD ") S 1 4242 4242 0 -1 4194560 100 0 0 0 "
			   "1 2 0 0 20 0 1 0 987654 1000 100 18446744073709551615\n";
	const char *paren = "7 ()) ) R 2 3 4 0 -1 64 0 0 0 0 0 0 0 0 20 0 1 0 55 0 0\n";

	int ret = proc_parse_stat(text, &st);

	tap_result(!ret && st.pid == 4242 &&
		   !strcmp(st.comm, WEIRD) && st.state == 'S' && st.ppid == 1 &&
		   st.starttime == 987654,
		   "parse stat text with comm '%s' (comm '%s', state %c, ppid %d, start %llu)",
		   WEIRD, st.comm, st.state, st.ppid, st.starttime);
	ret = proc_parse_stat(paren, &st);
	tap_result(!ret && !strcmp(st.comm, ")) ") &&
		   st.state == 'R' && st.ppid == 2,
		   "parse stat text with comm ')) ' (got '%s' %c %d)", st.comm,
		   st.state, st.ppid);
	tap_result(proc_parse_stat("12 (x S 1", &st) == -EINVAL,
		   "reject stat text without ')'");
	tap_result(proc_parse_stat("garbage", &st) == -EINVAL, "reject garbage stat text");
	tap_result(proc_parse_stat("12 (x) S", &st) == -EINVAL, "reject truncated stat text");
}

static void test_parse_status(void)
{
	const char *text =
		"Name:\ta) b (c\nState:\tD (disk sleep)\nTgid:\t77\nPid:\t77\n"
		"PPid:\t1\nTracerPid:\t0\nUid:\t0\t0\t0\t0\n"
		"SigQ:\t0/1000\nSigPnd:\t0000000000000100\nShdPnd:\t0000000000004000\n"
		"SigBlk:\tfffffffe7ffbfeff\nSigIgn:\t0000000000001000\n"
		"SigCgt:\t0000000380000002\n";
	struct proc_status st;
	char buf[2048];
	int ret = proc_parse_status(text, &st);

	tap_result(!ret && st.state == 'D' &&
		   st.tgid == 77 && st.ppid == 1 && st.sig_pnd == 0x100 &&
		   st.shd_pnd == 0x4000 && st.sig_ign == 0x1000,
		   "parse status text (state %c, masks)", st.state);
	tap_result(!strcmp(sigmask_names(st.sig_pnd | st.shd_pnd, ",", buf, sizeof(buf)),
			   "SIGKILL,SIGTERM"),
		   "decode pending SigPnd|ShdPnd as SIGKILL,SIGTERM (%s)", buf);
	tap_result(!strcmp(sigmask_names(st.sig_ign, ",", buf, sizeof(buf)), "SIGPIPE"),
		   "decode SigIgn as SIGPIPE (%s)", buf);
	sigmask_names(st.sig_cgt, ",", buf, sizeof(buf));
	tap_result(!strcmp(buf, "SIGINT,SIG32,SIG33,SIGRTMIN"),
		   "decode SigCgt with glibc's reserved and RT signals (%s)", buf);
	sigmask_names(st.sig_blk, ",", buf, sizeof(buf));
	tap_result(!strstr(buf, "SIGKILL") && !strstr(buf, "SIGSTOP") &&
		   strstr(buf, "SIGTERM") && strstr(buf, "SIGRTMIN+30"),
		   "decode a full SigBlk without KILL and STOP");
	tap_result(proc_parse_status("Name:\tx\n", &st) == -EINVAL,
		   "reject status text without masks");
}

static void test_live(void)
{
	const char *args_txt[] = { "state", NULL, NULL };
	const char *args_json[] = { "--json", "state", NULL, NULL };
	struct proc_status status;
	struct proc_stat st;
	char pidstr[16], out[16384], wchan[64];
	int pfd[2], ret;
	pid_t pid;
	char c;

	if (pipe(pfd)) {
		tap_result(0, "pipe");
		return;
	}
	pid = fork();
	if (pid == 0) {
		struct sigaction sa = { .sa_handler = SIG_IGN };

		close(pfd[1]);
		prctl(PR_SET_NAME, WEIRD);
		sigaction(SIGPIPE, &sa, NULL);
		/* Sleeps in read() until the test closes its end. */
		_exit(read(pfd[0], &c, 1) < 0);
	}
	close(pfd[0]);
	/* Wait, with a deadline, until it has renamed itself and sleeps. */
	for (ret = 0; ret < 5000; ret++) {
		if (!proc_read_stat(pid, &st) && !strcmp(st.comm, WEIRD) && st.state == 'S')
			break;
		usleep(1000);
	}
	tap_result(!proc_read_stat(pid, &st) && !strcmp(st.comm, WEIRD) &&
		   st.state == 'S' && st.ppid == getpid(),
		   "read a live process named '%s' (comm '%s', state %c)", WEIRD,
		   st.comm, st.state);
	tap_result(!proc_read_status(pid, &status) && (status.sig_ign & (1ULL << (SIGPIPE - 1))),
		   "its SigIgn shows SIGPIPE");
	proc_read_wchan(pid, wchan, sizeof(wchan));
	tap_diag("wchan %s", wchan);

	snprintf(pidstr, sizeof(pidstr), "%d", (int)pid);
	args_txt[1] = pidstr;
	ret = run_dstate(args_txt, out, sizeof(out));
	tap_result(ret == 0 && strstr(out, "(" WEIRD ")") && strstr(out, "S (sleeping)"),
		   "'dstate state' shows comm '%s' and S (exit %d)", WEIRD, ret);
	tap_result(strstr(out, "SIGPIPE") != NULL, "'dstate state' names the ignored SIGPIPE");
	args_json[2] = pidstr;
	ret = run_dstate(args_json, out, sizeof(out));
	tap_result(ret == 0 && strstr(out, "\"comm\": \"" WEIRD "\"") &&
		   strstr(out, "\"state\": \"S\"") &&
		   strstr(out, "\"state_name\": \"sleeping\"") &&
		   strstr(out, "\"ignored\": [") && strstr(out, "\"SIGPIPE\""),
		   "'dstate --json state' has comm, state, state_name, signals (exit %d)", ret);
	if (ret || !strstr(out, WEIRD))
		tap_diag("%s", out);

	close(pfd[1]);
	waitpid(pid, NULL, 0);
	tap_result(proc_read_stat(pid, &st) == -ESRCH, "a reaped process reads as ESRCH");
	tap_result(proc_state(pid) == 0, "proc_state of a gone pid is 0");
}

static void test_modes(void)
{
	const struct dstate_method *m;

	m = method_lookup("killable");
	tap_result(m && m->kind == METHOD_MODULE && m->mode == DSTATE_MODE_KILLABLE &&
		   m->letter == 'D', "mode killable from the uapi list");
	m = method_lookup("interruptible");
	tap_result(m && m->letter == 'S', "interruptible shows S");
	m = method_lookup("idle");
	tap_result(m && m->letter == 'I', "idle shows I");
	m = method_lookup("traced");
	tap_result(m && m->kind == METHOD_TRACED && m->letter == 't', "traced shows t");
	tap_result(!method_lookup("foo") && !method_lookup(""), "unknown modes are refused");
	tap_result(!strcmp(mode_name(DSTATE_MODE_PERMANENT), "permanent") &&
		   !mode_name(0) && !mode_name(DSTATE_MODE_COUNT), "mode_name");
}

int main(void)
{
	tap_header();
	test_parse_text();
	test_parse_status();
	test_live();
	test_modes();
	return tap_finish();
}

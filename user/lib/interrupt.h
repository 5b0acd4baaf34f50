/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DSTATE_INTERRUPT_H
#define DSTATE_INTERRUPT_H

#include <stdbool.h>
#include <stdint.h>
#include <signal.h>
#include <sys/types.h>

/*
 * What dstate does when told to stop while it is still making something:
 * SIGINT, SIGTERM and SIGHUP are blocked while it works and taken with
 * sigtimedwait() where it waits, so that it can undo what it made and
 * then die of the signal (exit status 128+N to a shell).
 */
void interrupt_block(sigset_t *set);
/* The first of @set pending, taken; 0 when none is. */
int interrupt_pending(const sigset_t *set);
/* Die of @sig as if it had not been blocked. */
void __attribute__((noreturn)) interrupt_exit(int sig);

/* A signal's bit in /proc's masks, and those dstate takes as "stop". */
#define SIGNAL_BIT(sig)	(1ULL << ((sig) - 1))
#define STOP_SIGNALS	(SIGNAL_BIT(SIGINT) | SIGNAL_BIT(SIGTERM) | SIGNAL_BIT(SIGHUP))

/*
 * Has @pid one of the signals in @mask pending (SigPnd or ShdPnd)?  Only
 * system calls and a static buffer: safe in a vfork child.
 */
bool proc_signal_pending(pid_t pid, uint64_t mask);

/*
 * Has @pid a fatal signal pending (INT, TERM, HUP or KILL)?  For a
 * helper whose owner sleeps in D and cannot act on it.  Only system
 * calls and a static buffer: safe in a vfork child.
 */
bool proc_stop_pending(pid_t pid);

/*
 * The owner pipe.  dstate holds the write end while it works; helpers
 * that could outlive it hold the read end.  One byte each says "stay"
 * (spawn succeeded); end of file without it says dstate is gone and the
 * helper must undo itself.
 */
enum owner_word { OWNER_STAY, OWNER_GONE, OWNER_TIMEOUT };
/* Wait for the word until @deadline (CLOCK_MONOTONIC ns; 0 = none). */
enum owner_word owner_wait(int fd, uint64_t deadline);

/* Name this process (comm) so that 'dstate cleanup' can know it. */
void helper_name(const char *comm);

#endif

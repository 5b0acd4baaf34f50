/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dstate: how long dstate_lock is held, in a measuring build only.
 *
 * Built with DSTATE_HOLD_TIMES=1 (scripts/lock-hold.sh does), the module
 * notes the longest hold of its spinlock in each function that takes it,
 * and reports them when it is removed.  Preemption is off for all of a
 * hold, so this is the latency the lock adds.  Normal builds compile
 * every call here to nothing.
 */
#ifndef _DSTATE_HOLDTIME_H
#define _DSTATE_HOLDTIME_H

#ifdef DSTATE_HOLD_TIMES
void dstate_hold_begin(void);
void dstate_hold_end(const char *func);
void dstate_hold_report(void);
#else
static inline void dstate_hold_begin(void) { }
static inline void dstate_hold_end(const char *func) { }
static inline void dstate_hold_report(void) { }
#endif

#endif /* _DSTATE_HOLDTIME_H */

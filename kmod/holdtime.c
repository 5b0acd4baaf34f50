// SPDX-License-Identifier: GPL-2.0
/*
 * dstate: the measuring build's record of dstate_lock's holds (holdtime.h).
 *
 * Called with dstate_lock held, so the record needs no lock of its own.
 * The clock is read twice per hold, which the figures include.
 */
#include "dstate.h"
#include "holdtime.h"

#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/timekeeping.h>

#define DSTATE_HOLD_SITES	16

struct dstate_hold_site {
	const char *func;
	u64 max_ns;
	u64 total_ns;
	u64 holds;
};

static struct dstate_hold_site dstate_hold_sites[DSTATE_HOLD_SITES];
static u64 dstate_hold_since;

void dstate_hold_begin(void)
{
	dstate_hold_since = ktime_get_ns();
}

void dstate_hold_end(const char *func)
{
	u64 held = ktime_get_ns() - dstate_hold_since;
	struct dstate_hold_site *site;

	for (site = dstate_hold_sites;
	     site < dstate_hold_sites + DSTATE_HOLD_SITES; site++) {
		if (!site->func)
			site->func = func;
		if (site->func != func)
			continue;
		site->max_ns = max(site->max_ns, held);
		site->total_ns += held;
		site->holds++;
		return;
	}
}

/* At unload: one line per function that took the lock. */
void dstate_hold_report(void)
{
	struct dstate_hold_site *site;

	for (site = dstate_hold_sites;
	     site < dstate_hold_sites + DSTATE_HOLD_SITES && site->func; site++)
		pr_info("hold: %s: longest %llu ns, mean %llu ns, %llu holds\n",
			site->func, site->max_ns,
			div64_u64(site->total_ns, site->holds), site->holds);
}

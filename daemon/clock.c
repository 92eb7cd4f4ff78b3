// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "clock.h"

_Atomic uint64_t wg_clock_fake;

void wg_clock_set_fake(uint64_t ns)
{
	atomic_store(&wg_clock_fake, ns);
}

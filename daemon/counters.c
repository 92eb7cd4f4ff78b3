// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "counters.h"

#include <string.h>

static const char *const names[WG_COUNTER_MAX] = {
#define WG_COUNTER_NAME(name, text) #name,
	WG_COUNTERS(WG_COUNTER_NAME)
#undef WG_COUNTER_NAME
};

const char *wg_counter_name(enum wg_counter i)
{
	return i < WG_COUNTER_MAX ? names[i] : "?";
}

void wg_counters_sum(struct wg_counters *const *blocks, unsigned int n,
		     uint64_t sum[WG_COUNTER_MAX])
{
	memset(sum, 0, sizeof(uint64_t) * WG_COUNTER_MAX);
	for (unsigned int b = 0; b < n; b++) {
		if (!blocks[b])
			continue;
		for (unsigned int i = 0; i < WG_COUNTER_MAX; i++)
			sum[i] += atomic_load_explicit(&blocks[b]->v[i],
						       memory_order_relaxed);
	}
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "txsel.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int wg_txsel_parse(const char *s, enum wg_tx_mode *mode)
{
	if (!s || !*s || !strcmp(s, "auto"))
		*mode = WG_TX_AUTO;
	else if (!strcmp(s, "xdp"))
		*mode = WG_TX_XDP;
	else if (!strcmp(s, "udp"))
		*mode = WG_TX_UDP;
	else
		return -EINVAL;
	return 0;
}

void wg_txsel_init(struct wg_txsel *t, enum wg_tx_mode mode, bool zerocopy)
{
	unsigned int state = mode != WG_TX_AUTO ? WG_TXSEL_SET :
			     zerocopy		? WG_TXSEL_ZEROCOPY :
						  WG_TXSEL_MEASURING;

	for (int i = 0; i < WG_TXSEL_WAYS; i++) {
		atomic_store(&t->ns[i], 0);
		atomic_store(&t->bytes[i], 0);
	}
	atomic_store(&t->way, mode == WG_TX_UDP ? WG_TXSEL_UDP : WG_TXSEL_XDP);
	atomic_store(&t->state, state);
}

bool wg_txsel_measuring(const struct wg_txsel *t)
{
	return atomic_load_explicit(&t->state, memory_order_relaxed) ==
	       WG_TXSEL_MEASURING;
}

enum wg_txsel_way wg_txsel_way(const struct wg_txsel *t, unsigned int pass)
{
	if (wg_txsel_measuring(t))
		return pass & 1 ? WG_TXSEL_UDP : WG_TXSEL_XDP;
	return atomic_load_explicit(&t->way, memory_order_relaxed);
}

void wg_txsel_charge(struct wg_txsel *t, enum wg_txsel_way way, uint64_t ns,
		     uint64_t bytes)
{
	uint64_t nx, bx, nu, bu;
	unsigned int measuring = WG_TXSEL_MEASURING;

	if (way >= WG_TXSEL_WAYS || !bytes || !wg_txsel_measuring(t))
		return;
	atomic_fetch_add(&t->ns[way], ns);
	atomic_fetch_add(&t->bytes[way], bytes);
	bx = atomic_load(&t->bytes[WG_TXSEL_XDP]);
	bu = atomic_load(&t->bytes[WG_TXSEL_UDP]);
	if (bx < WG_TXSEL_BYTES || bu < WG_TXSEL_BYTES)
		return;
	/* The first worker to get here decides; the others find it made. */
	if (!atomic_compare_exchange_strong(&t->state, &measuring,
					    WG_TXSEL_CHOSEN))
		return;
	nx = atomic_load(&t->ns[WG_TXSEL_XDP]);
	nu = atomic_load(&t->ns[WG_TXSEL_UDP]);
	/* Per byte, UDP at least the margin cheaper: nu/bu < (1 - m) nx/bx. */
	if ((unsigned __int128)nu * bx * 100 <
	    (unsigned __int128)nx * bu * (100 - WG_TXSEL_MARGIN_PCT))
		atomic_store(&t->way, WG_TXSEL_UDP);
}

static const char *const way_names[WG_TXSEL_WAYS] = { "xdp", "udp" };

const char *wg_txsel_name(const struct wg_txsel *t)
{
	if (wg_txsel_measuring(t))
		return "measuring";
	return way_names[atomic_load(&t->way) & 1];
}

/* ns per byte of a way, in thousandths; 0 when it carried nothing. */
static uint64_t milli_ns_per_byte(const struct wg_txsel *t, int way)
{
	uint64_t b = atomic_load(&t->bytes[way]);

	return b ? atomic_load(&t->ns[way]) * 1000 / b : 0;
}

void wg_txsel_describe(const struct wg_txsel *t, char *buf, size_t len)
{
	uint64_t x = milli_ns_per_byte(t, WG_TXSEL_XDP);
	uint64_t u = milli_ns_per_byte(t, WG_TXSEL_UDP);

	switch (atomic_load(&t->state)) {
	case WG_TXSEL_SET:
		snprintf(buf, len, "set");
		break;
	case WG_TXSEL_ZEROCOPY:
		snprintf(buf, len, "zero-copy");
		break;
	case WG_TXSEL_CHOSEN:
		snprintf(buf, len,
			 "measured: xdp %llu.%03llu ns/B, udp %llu.%03llu ns/B",
			 (unsigned long long)(x / 1000),
			 (unsigned long long)(x % 1000),
			 (unsigned long long)(u / 1000),
			 (unsigned long long)(u % 1000));
		break;
	default:
		snprintf(buf, len, "xdp %llu of %llu bytes, udp %llu",
			 (unsigned long long)atomic_load(&t->bytes[WG_TXSEL_XDP]),
			 (unsigned long long)WG_TXSEL_BYTES,
			 (unsigned long long)atomic_load(&t->bytes[WG_TXSEL_UDP]));
		break;
	}
}

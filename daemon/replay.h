/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The receive-side replay window of a transport keypair: RFC 6479 style, a
 * ring of 8192 bits kept in unsigned longs, one word of which is slack so
 * that sliding forward clears whole words. That leaves WG_REPLAY_WINDOW
 * counters behind the greatest one accepted (8128 on 64-bit, as the Linux
 * module and wireguard-go have it). O(1) per packet, whatever the jump.
 *
 * Not thread safe by itself: the caller serialises calls per window. The
 * transport keypair (noise.h) guards its window with its own replay_lock.
 */
#ifndef WG_REPLAY_H
#define WG_REPLAY_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "crypto.h"

#define WG_REPLAY_BITS_TOTAL 8192
#define WG_REPLAY_WORD_BITS ((unsigned)(sizeof(unsigned long) * CHAR_BIT))
#define WG_REPLAY_WORDS (WG_REPLAY_BITS_TOTAL / WG_REPLAY_WORD_BITS)
/* How far behind the greatest accepted counter a counter may still be. */
#define WG_REPLAY_WINDOW (WG_REPLAY_BITS_TOTAL - WG_REPLAY_WORD_BITS)

struct wg_replay {
	/* One more than the greatest counter accepted; 0 before the first. */
	uint64_t top;
	unsigned long bitmap[WG_REPLAY_WORDS];
};

/* Empty the window: every counter below the reject limit is new again. */
void wg_replay_init(struct wg_replay *r);
/*
 * True, and the counter recorded, when counter is below
 * WG_REJECT_AFTER_MESSAGES, not seen before and at most WG_REPLAY_WINDOW
 * behind the greatest accepted; false otherwise (state then unchanged).
 */
bool wg_replay_check(struct wg_replay *r, uint64_t counter) wg_must_check;

#endif /* WG_REPLAY_H */

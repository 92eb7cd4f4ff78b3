// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Sliding replay window (RFC 6479). Bit n of the ring stands for counter
 * n - 1 (positions are counters plus one, so position 0 means "nothing
 * received yet"). Moving the top forward zeroes the words it passes over,
 * at most the whole ring, so the cost does not depend on the jump.
 */
#include "replay.h"

#include <string.h>

#define WORD_MASK (WG_REPLAY_WORDS - 1)

_Static_assert((WG_REPLAY_WORDS & (WG_REPLAY_WORDS - 1)) == 0,
	       "ring length must be a power of two");

void wg_replay_init(struct wg_replay *r)
{
	memset(r, 0, sizeof(*r));
}

bool wg_replay_check(struct wg_replay *r, uint64_t counter)
{
	uint64_t pos, word, top_word, n;
	unsigned long bit;

	if (counter >= WG_REJECT_AFTER_MESSAGES)
		return false;
	pos = counter + 1;
	/* Too far behind: its bit may already stand for a newer counter. */
	if (pos + WG_REPLAY_WINDOW < r->top)
		return false;

	word = pos / WG_REPLAY_WORD_BITS;
	bit = 1UL << (pos % WG_REPLAY_WORD_BITS);
	if (pos > r->top) {
		top_word = r->top / WG_REPLAY_WORD_BITS;
		n = word - top_word;
		if (n > WG_REPLAY_WORDS)
			n = WG_REPLAY_WORDS;
		for (uint64_t i = 1; i <= n; i++)
			r->bitmap[(top_word + i) & WORD_MASK] = 0;
		r->top = pos;
	}
	if (r->bitmap[word & WORD_MASK] & bit)
		return false;
	r->bitmap[word & WORD_MASK] |= bit;
	return true;
}

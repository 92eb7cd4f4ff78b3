// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Receiver index table (see index.h): linear probing over a power-of-two
 * array of slots, load kept at or below one half (so probe runs are short)
 * and above one eighth once grown (so memory follows the count).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lock.h"
#include "crypto.h"
#include "index.h"

#define SHIFT_MIN 6		/* 64 slots */
#define SHIFT_MAX 31
/* Tries before wg_index_add() gives up: 2^32 - 1 candidates, but a fully
 * random source almost never needs a second try. */
#define ADD_TRIES 4096

/* Fibonacci hashing: spreads sequential injected indexes as well. */
static size_t home(uint32_t index, unsigned int shift)
{
	return (uint32_t)(index * 0x9e3779b1u) >> (32 - shift);
}

static size_t find(const struct wg_index *ix, uint32_t index)
{
	size_t mask = ((size_t)1 << ix->shift) - 1, i;

	for (i = home(index, ix->shift);; i = (i + 1) & mask) {
		if (ix->slots[i].index == index || !ix->slots[i].index)
			return i;
	}
}

/* Move every entry into a table of 1 << shift slots; -ENOMEM leaves it. */
static int resize(struct wg_index *ix, unsigned int shift)
{
	size_t n = (size_t)1 << ix->shift, i;
	struct wg_index_slot *old = ix->slots, *slots;

	slots = ix->alloc((size_t)1 << shift, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	ix->slots = slots;
	ix->shift = shift;
	for (i = 0; i < n; i++) {
		if (old[i].index)
			ix->slots[find(ix, old[i].index)] = old[i];
	}
	free(old);
	return 0;
}

int wg_index_init(struct wg_index *ix)
{
	int ret;

	memset(ix, 0, sizeof(*ix));
	ix->random = wg_random_u32;
	ix->alloc = calloc;
	ix->shift = SHIFT_MIN;
	ix->slots = calloc((size_t)1 << SHIFT_MIN, sizeof(*ix->slots));
	if (!ix->slots)
		return -ENOMEM;
	ret = wg_rwlock_init(&ix->lock);
	if (ret) {
		free(ix->slots);
		ix->slots = NULL;
		return -ret;
	}
	return 0;
}

void wg_index_free(struct wg_index *ix)
{
	free(ix->slots);
	pthread_rwlock_destroy(&ix->lock);
	memset(ix, 0, sizeof(*ix));
}

uint32_t wg_index_add(struct wg_index *ix, void *ptr)
{
	uint32_t index = 0;
	size_t i;
	int tries;

	if (!ptr)
		return 0;
	pthread_rwlock_wrlock(&ix->lock);
	if ((ix->count + 1) * 2 > (size_t)1 << ix->shift &&
	    (ix->shift >= SHIFT_MAX || resize(ix, ix->shift + 1)))
		goto out_unlock;
	for (tries = 0; tries < ADD_TRIES; tries++) {
		uint32_t cand = ix->random();

		if (!cand)
			continue;
		i = find(ix, cand);
		if (ix->slots[i].index)
			continue;	/* in use: draw again */
		ix->slots[i].index = cand;
		ix->slots[i].ptr = ptr;
		ix->count++;
		index = cand;
		break;
	}
out_unlock:
	pthread_rwlock_unlock(&ix->lock);
	return index;
}

void *wg_index_lookup(struct wg_index *ix, uint32_t index)
{
	void *ptr = NULL;
	size_t i;

	if (!index)
		return NULL;
	pthread_rwlock_rdlock(&ix->lock);
	i = find(ix, index);
	if (ix->slots[i].index)
		ptr = ix->slots[i].ptr;
	pthread_rwlock_unlock(&ix->lock);
	return ptr;
}

/*
 * Empty slot i and close the gap: an entry further along the run moves back
 * into the hole unless its home lies cyclically after the hole (then it
 * would become unreachable from its home).
 */
static void erase(struct wg_index *ix, size_t i)
{
	size_t mask = ((size_t)1 << ix->shift) - 1, j = i;

	for (;;) {
		ix->slots[i].index = 0;
		ix->slots[i].ptr = NULL;
		for (;;) {
			size_t h;

			j = (j + 1) & mask;
			if (!ix->slots[j].index)
				return;
			h = home(ix->slots[j].index, ix->shift);
			if (((j - h) & mask) >= ((j - i) & mask))
				break;
		}
		ix->slots[i] = ix->slots[j];
		i = j;
	}
}

int wg_index_remove(struct wg_index *ix, uint32_t index)
{
	int ret = -ENOENT;
	size_t i;

	if (!index)
		return -ENOENT;
	pthread_rwlock_wrlock(&ix->lock);
	i = find(ix, index);
	if (ix->slots[i].index) {
		erase(ix, i);
		ix->count--;
		ret = 0;
		/* Shrinking is optional: on failure keep the big table. */
		if (ix->shift > SHIFT_MIN &&
		    ix->count * 8 < (size_t)1 << ix->shift)
			resize(ix, ix->shift - 1);
	}
	pthread_rwlock_unlock(&ix->lock);
	return ret;
}

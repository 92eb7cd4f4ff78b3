/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Receiver indexes: the random 32-bit numbers we hand to peers in handshake
 * messages (sender index) and that they put in every message back to us
 * (receiver index), mapped to the peer whose handshake or keypair holds it
 * (whitepaper section 5.4.2; wg(4) keeps the same table).
 *
 * An open-addressing hash (linear probing, deletion by backward shift, so no
 * tombstones) kept at most half full: it grows and shrinks by doubling.
 * Index 0 is reserved: it marks an empty slot and is never handed out, so
 * wg_index_add() returns 0 to say it failed.
 *
 * Locking: every function takes the table's own rwlock; lookups (per packet,
 * from workers) take the read side. The pointer a lookup returns stays valid
 * only as long as its owner keeps the object alive.
 */
#ifndef WG_INDEX_H
#define WG_INDEX_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/* calloc-compatible allocator (same type as in allowedips.h). */
typedef void *(*wg_alloc_fn)(size_t nmemb, size_t size);
/* Source of candidate indexes; wg_random_u32 unless a test injects one. */
typedef uint32_t (*wg_index_random_fn)(void);

struct wg_index_slot {
	uint32_t index;		/* 0: empty */
	void *ptr;
};

struct wg_index {
	/* lock: guards slots, shift and count. */
	pthread_rwlock_t lock;
	struct wg_index_slot *slots;	/* 1 << shift of them */
	unsigned int shift;
	size_t count;
	/* Injectable for tests: wg_random_u32 and calloc by default. */
	wg_index_random_fn random;
	wg_alloc_fn alloc;
};

/* Set up an empty table: 0, -ENOMEM, or -errno from the lock. */
int wg_index_init(struct wg_index *ix);
/* Release the table and its lock (the entries' objects are the caller's). */
void wg_index_free(struct wg_index *ix);

/*
 * Map a fresh random index, not 0 and not in use, to ptr and return it.
 * Returns 0 only if ptr is NULL, if the table cannot grow (out of
 * memory), or if the random source keeps repeating indexes in use (a broken
 * injected source); nothing changed then.
 */
uint32_t wg_index_add(struct wg_index *ix, void *ptr);
/* ptr of index, or NULL. */
void *wg_index_lookup(struct wg_index *ix, uint32_t index);
/* Forget index: 0, or -ENOENT (unknown index; nothing happens). */
int wg_index_remove(struct wg_index *ix, uint32_t index);

#endif /* WG_INDEX_H */

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Allowed IPs: the table that maps an inner IPv4/IPv6 address to the peer
 * that owns the most specific prefix covering it (whitepaper section 2,
 * "cryptokey routing"). One path-compressed binary trie per family, so a
 * lookup visits at most address-length + 1 nodes whatever the table size,
 * and memory is at most two nodes per prefix (a prefix node, plus at most one
 * branching node with no peer).
 *
 * Peers are opaque pointers: this module never dereferences them. A prefix
 * belongs to exactly one peer; inserting it for another peer moves it. Each
 * peer's prefixes are also kept on a list (insertion order), reached through
 * a small hash of peer pointers, so removing a peer costs O(its prefixes).
 *
 * Addresses are binary, network byte order: 4 bytes for AF_INET, 16 bytes
 * for AF_INET6. Parsing and printing "a.b.c.d/n" is the config code's job.
 *
 * Locking: every function takes the table's own rwlock (writers for changes,
 * readers for lookups, walks and counts). Workers that look up a batch of
 * packets may instead hold the read side once with wg_allowedips_read_lock()
 * and call wg_allowedips_lookup_locked(). A peer pointer returned by a lookup
 * stays meaningful only as long as the caller keeps that peer alive (the peer
 * code removes a peer in two steps: unpublish, quiesce workers, then free).
 */
#ifndef WG_ALLOWEDIPS_H
#define WG_ALLOWEDIPS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/* calloc-compatible allocator; memory it returns is released with free(). */
typedef void *(*wg_alloc_fn)(size_t nmemb, size_t size);
/*
 * Called by wg_allowedips_walk_peer() once per prefix; addr is the masked
 * prefix (4 or 16 bytes). A non-zero return stops the walk and is passed on.
 * Must not call back into the same table.
 */
typedef int (*wg_allowedips_walk_fn)(int family, const uint8_t *addr,
				     uint8_t cidr, void *arg);

struct wg_aip_node;
struct wg_aip_peer;

struct wg_allowedips {
	/*
	 * lock: guards both tries (root4, root6), the peer hash (peers,
	 * peer_shift, npeers) and the counts (count4, count6).
	 */
	pthread_rwlock_t lock;
	struct wg_aip_node *root4;
	struct wg_aip_node *root6;
	struct wg_aip_peer **peers;	/* 1 << peer_shift buckets */
	unsigned int peer_shift;
	size_t npeers;
	size_t count4;
	size_t count6;
	/* calloc by default; tests replace it to inject allocation failures. */
	wg_alloc_fn alloc;
};

/* Set up an empty table: 0, or -errno if the lock cannot be created. */
int wg_allowedips_init(struct wg_allowedips *t);
/* Release every prefix and the lock; the struct may be init'ed again. */
void wg_allowedips_free(struct wg_allowedips *t);

/*
 * Give addr/cidr (host bits are cleared) to peer. An identical prefix owned
 * by another peer moves to this one (to the end of its list); owned by the
 * same peer it is left as it is. 0, -EINVAL (family not AF_INET/AF_INET6,
 * cidr above 32/128, peer NULL) or -ENOMEM; on error nothing changed.
 */
int wg_allowedips_insert(struct wg_allowedips *t, int family,
			 const void *addr, uint8_t cidr, void *peer);
/*
 * Remove exactly the prefix addr/cidr (host bits cleared) if peer owns it:
 * 0, -EINVAL (bad family/cidr) or -ENOENT (absent or another peer's); on
 * error nothing changed.
 */
int wg_allowedips_remove(struct wg_allowedips *t, int family,
			 const void *addr, uint8_t cidr, void *peer);
/* Remove every prefix of peer (both families); returns how many. */
size_t wg_allowedips_remove_peer(struct wg_allowedips *t, void *peer);

/* The peer owning the most specific prefix covering addr, or NULL. */
void *wg_allowedips_lookup(struct wg_allowedips *t, int family,
			   const void *addr);
/*
 * Take / drop the read side for a batch of wg_allowedips_lookup_locked().
 * The lock prefers writers, so it must not be taken twice by one thread.
 */
void wg_allowedips_read_lock(struct wg_allowedips *t);
void wg_allowedips_read_unlock(struct wg_allowedips *t);
/* As wg_allowedips_lookup(), the caller holding the read side. */
void *wg_allowedips_lookup_locked(struct wg_allowedips *t, int family,
				  const void *addr);

/*
 * Call fn for each prefix of peer in insertion order (IPv4 and IPv6 mixed
 * as inserted); 0, or the first non-zero value fn returned.
 */
int wg_allowedips_walk_peer(struct wg_allowedips *t, void *peer,
			    wg_allowedips_walk_fn fn, void *arg);
/* Number of prefixes peer owns. */
size_t wg_allowedips_count_peer(struct wg_allowedips *t, void *peer);
/* Number of prefixes in the table (both families). */
size_t wg_allowedips_count(struct wg_allowedips *t);

#endif /* WG_ALLOWEDIPS_H */

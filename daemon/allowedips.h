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
 * Threads: one writer at a time (changes take the table's mutex) and any
 * number of lock-free readers: lookups follow the trie with RCU loads
 * (rcu.h), and every change makes its new nodes whole before one pointer
 * store publishes them. With `defer` set (the device sets it), a node
 * taken out is kept until wg_allowedips_reclaim(), which the writer calls
 * after a grace period; without it (single-threaded users) it is freed at
 * once. A peer pointer returned by a lookup stays meaningful only as long
 * as the caller keeps that peer alive (the device frees a removed peer
 * only after a grace period).
 *
 * Prepare then commit: wg_allowedips_reserve() allocates beforehand what
 * inserting some prefixes may need, so the inserts of a commit cannot fail
 * for memory; wg_allowedips_trim() gives back what was left over.
 */
#ifndef WG_ALLOWEDIPS_H
#define WG_ALLOWEDIPS_H

#include <pthread.h>
#include <stdbool.h>
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
	 * lock: taken by writers and walks; guards the peer hash (peers,
	 * peer_shift, npeers), the counts (count4, count6), the spares and
	 * the retired list, and every change to the tries (root4, root6),
	 * which lookups read without it.
	 */
	pthread_mutex_t lock;
	struct wg_aip_node *root4;
	struct wg_aip_node *root6;
	struct wg_aip_peer **peers;	/* 1 << peer_shift buckets */
	unsigned int peer_shift;
	size_t npeers;
	size_t count4;
	size_t count6;
	/* calloc by default; tests replace it to inject allocation failures. */
	wg_alloc_fn alloc;
	bool defer;			/* keep removed nodes until reclaim */
	struct wg_aip_node *retired;	/* removed, waiting for readers */
	struct wg_aip_node *spare;	/* reserved nodes */
	size_t nspare;
	struct wg_aip_peer *spare_peers; /* reserved peer entries */
	size_t nspare_peers;
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
 * Have room for inserting `prefixes` prefixes for at most `peers` peers
 * that own none yet, without allocating. 0 or -ENOMEM.
 */
int wg_allowedips_reserve(struct wg_allowedips *t, size_t prefixes,
			  size_t peers);
/* Free the reserve that was not used. */
void wg_allowedips_trim(struct wg_allowedips *t);
/* Free the nodes removed so far (after the readers' grace period). */
void wg_allowedips_reclaim(struct wg_allowedips *t);

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

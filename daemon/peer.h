/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A peer of the interface: its handshake and keypairs (noise_remote), its
 * cookie maker, endpoint and outer path, timers, packets waiting for a
 * session, counters.
 *
 * Lifetime. Workers find peers through the allowed-IPs trie and the index
 * table and use them until their next quiescent state (rcu.h). Removing a
 * peer (device.c) is two steps: unpublish it from every table and mark it
 * dead, then after a grace period free it.
 *
 * The outer path: a snapshot (struct wg_peer_path) of where the peer's
 * packets go and how, published with RCU so the send path reads it without
 * a lock. Whoever changes it (a worker when the peer roams, the control
 * thread when a route or neighbour changes, a configuration change) takes
 * p->lock, publishes a new one and retires the old (call_rcu).
 */
#ifndef WG_PEER_H
#define WG_PEER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <urcu/urcu-qsbr.h>

#include "cookie.h"
#include "endpoint.h"
#include "heap.h"
#include "noise.h"
#include "timers.h"
#include "transport.h"

struct wg_device;

/* Packets queued while no session exists (the Linux module keeps 1024). */
#define WG_STAGED_MAX 128
#define WG_STAGED_BUF 2048

struct wg_staged {
	uint16_t len;
	uint8_t data[WG_STAGED_BUF];
};

/* Why a path goes where it goes, for `wg-xdp show`. */
#define WG_PATH_WHY_LEN 64

/* Where the peer's packets go now; immutable once published. */
struct wg_peer_path {
	struct rcu_head rcu;
	/* remote: the endpoint; local: our source (sticky); macs for XDP. */
	struct wg_path path;
	bool xdp;	/* resolved for AF_XDP on the NIC; else UDP */
	bool loop;	/* the route to the endpoint enters our own TUN */
	uint32_t mtu;	/* of the route to the endpoint; 0: unknown */
	char why[WG_PATH_WHY_LEN];
};

struct wg_peer {
	struct noise_remote remote; /* first: container_of is a cast */
	struct cookie_maker cookie;
	struct wg_device *dev;
	uint32_t id;		   /* key of the XDP maps' peer entries */
	/*
	 * References: the device's tables hold one, a worker's flush list
	 * one while the peer is on it. The last put frees the peer, which
	 * the device does only after a grace period.
	 */
	atomic_int refs;
	/* Guarded by the device's cfg_mutex (control thread). */
	struct wg_peer *hash_next; /* in the device's public-key hash */
	struct wg_peer *next;	   /* in the device's list, in add order */
	struct wg_peer *prev;
	struct wg_heap_node timer; /* in the control thread's deadline heap */

	/*
	 * lock guards timers, last_handshake, staged*, keepalive_interval,
	 * and the writers of path.
	 */
	pthread_mutex_t lock;
	struct wg_peer_path *path; /* RCU: read with wg_rcu_deref */
	struct wg_timers timers;
	struct timespec last_handshake; /* wall clock; zero: never */
	uint16_t keepalive_interval;
	struct wg_staged *staged; /* ring of WG_STAGED_MAX */
	unsigned int staged_head, staged_count;
	/* WG_PATH_F_* that transports set on this peer's path. */
	_Atomic unsigned int path_flags;
	/*
	 * The earliest timer deadline (0: none), published under lock for
	 * the control thread's heap, and the time that heap will look at
	 * this peer next (0: never): a hook that arms an earlier deadline
	 * asks the control thread to look sooner.
	 */
	_Atomic uint64_t timer_due;
	_Atomic uint64_t timer_sched;

	atomic_bool dead;	  /* removed: take no new work for it */
	/* Requests to the control thread (any thread sets, it clears). */
	atomic_bool want_handshake;
	atomic_bool want_flush;	  /* staged packets or a keepalive */
	atomic_bool want_path;	  /* resolve the outer path again */
	atomic_bool want_timers;  /* a deadline earlier than scheduled */
	atomic_bool svc_queued;	  /* on the device's service list */
	struct wg_peer *svc_next; /* guarded by the device's svc_lock */
	/* Requests to its worker (the control thread sets, it clears). */
	atomic_bool flush_queued; /* on its worker's flush list */
	atomic_bool flush_keepalive; /* a keepalive if nothing is staged */
	struct wg_peer *flush_next; /* guarded by the worker's lock */

	_Atomic uint64_t rx_bytes;
	_Atomic uint64_t tx_bytes;
};

/*
 * A worker's bookkeeping of one pass: the timer hooks and byte counters of
 * the packets it moved run once per peer and pass, not once per packet (a
 * lock and a shared cache line each). Flushed before the worker's next
 * quiescent state, so its peers are still alive then.
 */
#define WG_TALLY_PEERS 8
struct wg_tally_entry {
	struct wg_peer *p;
	uint64_t tx_bytes, rx_bytes;
	bool sent, sent_data, received, received_data, lastminute;
};
struct wg_tally {
	unsigned int n;
	struct wg_tally_entry e[WG_TALLY_PEERS];
};

static inline struct wg_peer *wg_peer_of(struct noise_remote *r)
{
	return (struct wg_peer *)r;
}

/*
 * Release p->lock after changing p->timers: publishes the next deadline,
 * and returns true when the control thread must be told (it is earlier
 * than the time the heap will look next).
 */
bool wg_peer_timers_unlock(struct wg_peer *p);

/* An authenticated packet of len bytes went to p (data: not a keepalive). */
void wg_peer_tally_sent(struct wg_tally *t, struct wg_peer *p, size_t len,
			bool data);
/*
 * One came from p; lastminute: it asks for the last-minute rekey
 * (wg_noise_decrypt's *rekey).
 */
void wg_peer_tally_received(struct wg_tally *t, struct wg_peer *p,
			    size_t len, bool data, bool lastminute);
/* Run the hooks of everything tallied, and empty it. */
void wg_peer_tally_flush(struct wg_tally *t);

/* A new peer with public key pub and id, no endpoint; NULL on ENOMEM. */
struct wg_peer *wg_peer_new(struct wg_device *dev,
			    const uint8_t pub[WG_KEY_LEN], uint32_t id);
/* Another reference. */
void wg_peer_get(struct wg_peer *p);
/* Drop a reference; the last frees the peer (sessions dropped first). */
void wg_peer_put(struct wg_peer *p);
/* "peer 3 (10.0.0.2:51820)" into buf, for logs. */
const char *wg_peer_name(struct wg_peer *p, char *buf, size_t len);
/* Queue a plaintext packet for when a session exists (drops the oldest). */
void wg_peer_stage(struct wg_peer *p, const void *pkt, size_t len);
/* Take the oldest staged packet into buf; its length, or 0 when none. */
size_t wg_peer_unstage(struct wg_peer *p, void *buf, size_t cap);
/* Drop every staged packet. */
void wg_peer_unstage_all(struct wg_peer *p);

/* The endpoint now (AF_UNSPEC: none). RCU reader or any thread. */
union wg_sockaddr wg_peer_endpoint(struct wg_peer *p);
/*
 * Set the endpoint (and our source for it, AF_UNSPEC: unknown): the new
 * path is not resolved for XDP until the control thread looks again (it
 * is asked). Returns true when anything changed. Takes p->lock.
 */
bool wg_peer_set_endpoint(struct wg_peer *p, const union wg_sockaddr *remote,
			  const union wg_sockaddr *local, int ifindex);
/*
 * Roaming: an authenticated packet arrived by rx (remote: its source,
 * local: the address it was sent to). Lock-free when nothing changed.
 */
void wg_peer_roam(struct wg_peer *p, const struct wg_path *rx);
/* Forget our source address (keep the endpoint); the kernel picks one. */
void wg_peer_clear_src(struct wg_peer *p);
/*
 * Publish np, resolved from basis (the endpoint and source it started
 * from): dropped when those changed meanwhile. Takes p->lock.
 */
void wg_peer_set_path(struct wg_peer *p, const struct wg_path *basis,
		      const struct wg_peer_path *np);

#endif /* WG_PEER_H */

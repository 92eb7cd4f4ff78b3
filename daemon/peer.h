/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A peer of the interface: its handshake and keypairs (noise_remote), its
 * cookie maker, endpoint, timers, packets waiting for a session, counters,
 * and the outer-header path the AF_XDP sender uses to reach it.
 */
#ifndef WG_PEER_H
#define WG_PEER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "cookie.h"
#include "endpoint.h"
#include "noise.h"
#include "packet.h"
#include "timers.h"

struct wg_device;

/* Packets queued while no session exists (the Linux module keeps 1024). */
#define WG_STAGED_MAX 128
#define WG_STAGED_BUF 2048

struct wg_staged {
	uint16_t len;
	uint8_t data[WG_STAGED_BUF];
};

struct wg_peer {
	struct noise_remote remote; /* first: container_of is a cast */
	struct cookie_maker cookie;
	struct wg_device *dev;
	uint32_t id;		  /* key of the XDP maps' peer entries */
	struct wg_peer *hash_next; /* in the device's public-key hash */
	struct wg_peer *next;	  /* in the device's list, in add order */
	struct wg_peer *prev;

	/*
	 * lock guards endpoint, timers, last_handshake, staged*, path,
	 * path_ok, keepalive_interval.
	 */
	pthread_mutex_t lock;
	union wg_sockaddr endpoint; /* AF_UNSPEC until known */
	struct wg_timers timers;
	struct timespec last_handshake; /* wall clock; zero: never */
	uint16_t keepalive_interval;
	struct wg_staged *staged; /* ring of WG_STAGED_MAX */
	unsigned int staged_head, staged_count;
	struct wg_outer path; /* how AF_XDP frames reach the endpoint */
	bool path_ok;
	/*
	 * Copies the control thread's tick reads without the lock: the
	 * earliest timer deadline (0: none) and when the path is next due
	 * for a lookup (0: now). Written under lock, read without.
	 */
	_Atomic uint64_t timer_due;
	_Atomic uint64_t path_due;

	/* Set by workers, read by the control thread (no lock). */
	atomic_bool want_handshake;
	atomic_bool want_flush;
	atomic_bool svc_queued;	  /* on the device's service list */
	struct wg_peer *svc_next; /* guarded by the device's svc_lock */
	_Atomic uint64_t rx_bytes;
	_Atomic uint64_t tx_bytes;
};

static inline struct wg_peer *wg_peer_of(struct noise_remote *r)
{
	return (struct wg_peer *)r;
}

/* Release p->lock after changing p->timers: publishes the next deadline. */
static inline void wg_peer_timers_unlock(struct wg_peer *p)
{
	atomic_store(&p->timer_due, wg_timers_next_deadline(&p->timers));
	pthread_mutex_unlock(&p->lock);
}

/* Have the next tick look the path up again (endpoint or neighbour moved). */
static inline void wg_peer_path_stale(struct wg_peer *p)
{
	atomic_store(&p->path_due, 0);
}

/* A new peer with public key pub and id, no endpoint; NULL on ENOMEM. */
struct wg_peer *wg_peer_new(struct wg_device *dev,
			    const uint8_t pub[WG_KEY_LEN], uint32_t id);
/* Drop its sessions and free it (the caller unlinked it). */
void wg_peer_free(struct wg_peer *p);
/* "peer 3 (10.0.0.2:51820)" into buf, for logs. Takes p->lock. */
const char *wg_peer_name(struct wg_peer *p, char *buf, size_t len);
/* Queue a plaintext packet for when a session exists (drops the oldest). */
void wg_peer_stage(struct wg_peer *p, const void *pkt, size_t len);
/* Take the oldest staged packet into buf; its length, or 0 when none. */
size_t wg_peer_unstage(struct wg_peer *p, void *buf, size_t cap);
/* Roaming: the endpoint follows an authenticated packet's source. */
void wg_peer_set_endpoint_from(struct wg_peer *p, const union wg_sockaddr *src);

#endif /* WG_PEER_H */

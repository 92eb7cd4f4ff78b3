/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Per-source token buckets for handshake messages under load, as the Linux
 * module has them: WG_RATELIMIT_PPS packets per second with a burst of
 * WG_RATELIMIT_BURST, IPv4 counted per address and IPv6 per /64. Idle
 * entries are collected after WG_RATELIMIT_IDLE_NS; the table is bounded
 * and refuses new sources when full. Time is injected (monotonic ns).
 */
#ifndef WG_RATELIMITER_H
#define WG_RATELIMITER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WG_RATELIMIT_PPS 20
#define WG_RATELIMIT_BURST 5
#define WG_RATELIMIT_IDLE_NS 1000000000ULL

struct wg_ratelimit_entry;

struct wg_ratelimiter {
	/* lock guards buckets, count, last_gc. */
	pthread_mutex_t lock;
	struct wg_ratelimit_entry **buckets;
	size_t nbuckets;
	size_t count;
	size_t max;
	uint64_t last_gc;
	uint8_t hash_key[16]; /* random: sources cannot aim at one bucket */
};

/* Set up rl for at most max sources. 0 or -ENOMEM. */
int wg_ratelimiter_init(struct wg_ratelimiter *rl, size_t max);
/* Free every entry and the table. */
void wg_ratelimiter_destroy(struct wg_ratelimiter *rl);
/*
 * May a handshake message from addr (struct in_addr or in6_addr bytes, by
 * family AF_INET or AF_INET6) pass now? Consumes a token when it may.
 */
bool wg_ratelimiter_allow(struct wg_ratelimiter *rl, int family,
			  const void *addr, uint64_t now);
/* Drop entries idle for WG_RATELIMIT_IDLE_NS (also done lazily by allow). */
void wg_ratelimiter_gc(struct wg_ratelimiter *rl, uint64_t now);
/* How many sources are tracked. */
size_t wg_ratelimiter_count(struct wg_ratelimiter *rl);

#endif /* WG_RATELIMITER_H */

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Token buckets counted in nanoseconds: a packet costs 1 s / PPS and a
 * bucket holds at most BURST packets' worth. A new source starts full
 * minus the packet that created it. Chained hash table keyed with SipHash
 * under a random key.
 */
#include "ratelimiter.h"

#include <errno.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define PACKET_COST (1000000000ULL / WG_RATELIMIT_PPS)
#define TOKEN_MAX (PACKET_COST * WG_RATELIMIT_BURST)

struct wg_ratelimit_entry {
	struct wg_ratelimit_entry *next;
	int family;
	uint8_t key[8]; /* IPv4 address, or IPv6 /64 prefix */
	uint64_t last;	/* time of the last packet, ns */
	uint64_t tokens;
};

_Static_assert(crypto_shorthash_siphash24_KEYBYTES == 16, "siphash key");

int wg_ratelimiter_init(struct wg_ratelimiter *rl, size_t max)
{
	memset(rl, 0, sizeof(*rl));
	rl->max = max ? max : 1;
	/* Around two entries per bucket when full. */
	rl->nbuckets = rl->max / 2 + 1;
	rl->buckets = calloc(rl->nbuckets, sizeof(*rl->buckets));
	if (!rl->buckets)
		return -ENOMEM;
	randombytes_buf(rl->hash_key, sizeof(rl->hash_key));
	pthread_mutex_init(&rl->lock, NULL);
	return 0;
}

void wg_ratelimiter_destroy(struct wg_ratelimiter *rl)
{
	struct wg_ratelimit_entry *e, *next;

	for (size_t i = 0; i < rl->nbuckets; i++) {
		for (e = rl->buckets[i]; e; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(rl->buckets);
	rl->buckets = NULL;
	pthread_mutex_destroy(&rl->lock);
}

/* Caller holds rl->lock. */
static void collect(struct wg_ratelimiter *rl, uint64_t now)
{
	struct wg_ratelimit_entry **pp, *e;

	rl->last_gc = now;
	for (size_t i = 0; i < rl->nbuckets; i++) {
		pp = &rl->buckets[i];
		while ((e = *pp)) {
			if (now > e->last &&
			    now - e->last >= WG_RATELIMIT_IDLE_NS) {
				*pp = e->next;
				free(e);
				rl->count--;
			} else {
				pp = &e->next;
			}
		}
	}
}

void wg_ratelimiter_gc(struct wg_ratelimiter *rl, uint64_t now)
{
	pthread_mutex_lock(&rl->lock);
	collect(rl, now);
	pthread_mutex_unlock(&rl->lock);
}

size_t wg_ratelimiter_count(struct wg_ratelimiter *rl)
{
	size_t n;

	pthread_mutex_lock(&rl->lock);
	n = rl->count;
	pthread_mutex_unlock(&rl->lock);
	return n;
}

bool wg_ratelimiter_allow(struct wg_ratelimiter *rl, int family,
			  const void *addr, uint64_t now)
{
	uint8_t key[8] = { 0 }, in[9], h[crypto_shorthash_siphash24_BYTES];
	struct wg_ratelimit_entry *e;
	uint64_t b;
	bool ok = false;

	if (family == AF_INET)
		memcpy(key, addr, 4);
	else if (family == AF_INET6)
		memcpy(key, addr, 8); /* the /64 */
	else
		return false;
	in[0] = (uint8_t)family;
	memcpy(in + 1, key, sizeof(key));
	crypto_shorthash_siphash24(h, in, sizeof(in), rl->hash_key);
	memcpy(&b, h, sizeof(b));
	b %= rl->nbuckets;

	pthread_mutex_lock(&rl->lock);
	if (now > rl->last_gc && now - rl->last_gc >= WG_RATELIMIT_IDLE_NS)
		collect(rl, now);
	for (e = rl->buckets[b]; e; e = e->next) {
		if (e->family == family && !memcmp(e->key, key, sizeof(key)))
			break;
	}
	if (e) {
		/* Refill by the time elapsed, at most a full burst. */
		if (now > e->last && now - e->last < TOKEN_MAX - e->tokens)
			e->tokens += now - e->last;
		else if (now > e->last)
			e->tokens = TOKEN_MAX;
		e->last = now;
		ok = e->tokens >= PACKET_COST;
		if (ok)
			e->tokens -= PACKET_COST;
		goto out_unlock;
	}
	if (rl->count >= rl->max)
		goto out_unlock;
	e = calloc(1, sizeof(*e));
	if (!e)
		goto out_unlock;
	e->family = family;
	memcpy(e->key, key, sizeof(key));
	e->last = now;
	e->tokens = TOKEN_MAX - PACKET_COST;
	e->next = rl->buckets[b];
	rl->buckets[b] = e;
	rl->count++;
	ok = true;
out_unlock:
	pthread_mutex_unlock(&rl->lock);
	return ok;
}

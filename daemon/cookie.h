/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * mac1, mac2 and cookie replies (whitepaper section 5.4.4 and 5.4.7).
 *
 * The checker is ours: it verifies mac1 of incoming handshake messages with
 * HASH("mac1----" || our public key), and, under load, mac2 with the cookie
 * MAC(secret, source address) of the sender, where the secret is random and
 * replaced every WG_COOKIE_SECRET_MAX_AGE seconds (lazily, when next used;
 * the one before is still accepted for WG_COOKIE_PREV_NS).
 * The maker is per peer: it stamps mac1/mac2 on our outgoing handshake
 * messages and keeps the cookie the peer last sent us.
 *
 * wg_cookie_checker_admit() is the whole decision on an incoming handshake
 * message, in the Linux module's order: a bad mac1 is dropped; without
 * load nothing more is asked; under load a message without a valid mac2
 * is answered with a cookie reply and never charged; only a message whose
 * mac2 proves its source address is charged to that source's token bucket
 * (ratelimiter.h), and processed while the bucket has tokens. So nothing
 * that has not proved an address can spend that address's budget.
 *
 * No clock is read: `now` is monotonic nanoseconds.
 */
#ifndef WG_COOKIE_H
#define WG_COOKIE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "noise.h"
#include "ratelimiter.h"
#include "wire.h"

/* Stay under load this long after the handshake queue last was long. */
#define WG_COOKIE_UNDER_LOAD_NS WG_NSEC_PER_SEC
/*
 * How long a cookie of the secret before the current one still proves its
 * source. A peer that got a cookie just before the secret was replaced
 * (every WG_COOKIE_SECRET_MAX_AGE) answers REKEY_TIMEOUT (and its jitter)
 * later with it; checking the current secret alone, as the Linux module
 * does, would refuse that proof and cost the peer another cookie round
 * under load. The old cookie proves that the source received a packet we
 * sent it at most two minutes and these ten seconds ago.
 */
#define WG_COOKIE_PREV_NS \
	((uint64_t)(WG_REKEY_TIMEOUT + WG_COOKIE_SECRET_LATENCY) * WG_NSEC_PER_SEC)

/* The outcome of checking the macs of an incoming handshake message. */
enum wg_cookie_mac {
	WG_COOKIE_MAC_VALID,	     /* mac1 good; mac2 absent or bad, no load */
	WG_COOKIE_MAC_VALID_COOKIE,  /* mac1 and mac2 good */
	WG_COOKIE_MAC_INVALID_MAC1,  /* drop */
	WG_COOKIE_MAC_NEED_COOKIE,   /* under load without a good mac2 */
};

/*
 * What wg_cookie_checker_admit() decided, X(name, counter name): name
 * becomes WG_COOKIE_<name>; each verdict is counted in the checker.
 */
#define WG_COOKIE_VERDICTS(X)                                              \
	X(DROP_MAC1, "hs_bad_mac1")		/* drop */                  \
	X(SEND_COOKIE, "hs_cookie_needed")	/* answer with a cookie */  \
	X(RATELIMITED, "hs_ratelimited")	/* proven, over budget */   \
	X(ACCEPT, "hs_accepted")		/* go on to Noise */

enum wg_cookie_verdict {
#define WG_COOKIE_VERDICT_ENUM(name, text) WG_COOKIE_##name,
	WG_COOKIE_VERDICTS(WG_COOKIE_VERDICT_ENUM)
#undef WG_COOKIE_VERDICT_ENUM
	WG_COOKIE_VERDICT_MAX
};

struct cookie_checker {
	/*
	 * lock guards has_keys, mac1_key, cookie_key, secret,
	 * secret_birth, has_secret, prev_secret, prev_until, load_since,
	 * has_load.
	 */
	pthread_mutex_t lock;
	bool has_keys;
	uint8_t mac1_key[WG_KEY_LEN];
	uint8_t cookie_key[WG_KEY_LEN];
	uint8_t secret[WG_HASH_LEN];
	uint64_t secret_birth;
	bool has_secret;
	uint8_t prev_secret[WG_HASH_LEN]; /* the one before, until prev_until */
	uint64_t prev_until; /* 0: none */
	uint64_t load_since; /* last time the queue was long */
	bool has_load;
	/* Bumped (under lock) whenever secret changes; 0: none yet. */
	_Atomic uint64_t secret_gen;
	_Atomic uint64_t verdicts[WG_COOKIE_VERDICT_MAX];
};

struct cookie_maker {
	/*
	 * lock guards cookie, cookie_birth, has_cookie, last_mac1,
	 * has_last_mac1 (the keys are immutable after init).
	 */
	pthread_mutex_t lock;
	uint8_t mac1_key[WG_KEY_LEN];
	uint8_t cookie_key[WG_KEY_LEN];
	uint8_t cookie[WG_COOKIE_LEN];
	uint64_t cookie_birth;
	bool has_cookie;
	uint8_t last_mac1[WG_MAC_LEN];
	bool has_last_mac1;
};

/* Set up cc with no keys (every message then fails mac1). */
void wg_cookie_checker_init(struct cookie_checker *cc);
/* Wipe cc and release its lock. */
void wg_cookie_checker_destroy(struct cookie_checker *cc);
/* Derive the keys from our public key (NULL: none, all macs fail). */
void wg_cookie_checker_update(struct cookie_checker *cc,
			      const uint8_t pub[WG_KEY_LEN]);
/*
 * Are we under load? queued is the length of the handshake queue, limit
 * the length that means load; load lasts WG_COOKIE_UNDER_LOAD_NS after it
 * was last seen. Under load, every handshake message needs a valid mac2.
 */
bool wg_cookie_under_load(struct cookie_checker *cc, size_t queued,
			  size_t limit, uint64_t now);
/* Under load from now on, for WG_COOKIE_UNDER_LOAD_NS (load seen elsewhere). */
void wg_cookie_checker_load_seen(struct cookie_checker *cc, uint64_t now);
/*
 * Check mac1 (and mac2) of the handshake message msg (len bytes, ending in
 * struct wg_msg_macs) that came from the address bytes src (IP then port).
 */
enum wg_cookie_mac wg_cookie_checker_validate(struct cookie_checker *cc,
					      const void *msg, size_t len,
					      const void *src, size_t srclen,
					      bool under_load, uint64_t now);
/*
 * The kernel module's order for the handshake message msg (len bytes) from
 * src (IPv4 address and port, 6 bytes, or IPv6, 18: as
 * wg_send_source_bytes makes them): see the top of this file. rl holds the
 * per-source buckets; it is charged only for WG_COOKIE_ACCEPT and
 * WG_COOKIE_RATELIMITED under load. Counts the verdict.
 */
enum wg_cookie_verdict wg_cookie_checker_admit(struct cookie_checker *cc,
					       struct wg_ratelimiter *rl,
					       const void *msg, size_t len,
					       const void *src, size_t srclen,
					       bool under_load, uint64_t now);
/* The counter name of verdict v ("hs_accepted", ...). */
const char *wg_cookie_verdict_name(enum wg_cookie_verdict v);
/*
 * Copies the current cookie secret to cur and returns its generation
 * (compare with secret_gen), or 0 with cur zeroed when there is none yet;
 * the one before goes to prev with the time it is taken until (0 and
 * zeroes: none).
 */
uint64_t wg_cookie_checker_secrets(struct cookie_checker *cc,
				   uint8_t cur[WG_HASH_LEN],
				   uint8_t prev[WG_HASH_LEN],
				   uint64_t *prev_until);
/* out <- HASH("mac1----" || pub): the key of mac1 for messages to pub. */
void wg_cookie_mac1_key(uint8_t out[WG_KEY_LEN],
			const uint8_t pub[WG_KEY_LEN]);
/*
 * Fill reply with a cookie reply (type 3) to the handshake message msg from
 * src, whose sender index was sender_index. 0 or -errno.
 */
int wg_cookie_checker_create_reply(struct cookie_checker *cc,
				   struct wg_msg_cookie *reply,
				   uint32_t sender_index, const void *msg,
				   size_t len, const void *src, size_t srclen,
				   uint64_t now);

/* Set up cm for the peer with public key pub. */
void wg_cookie_maker_init(struct cookie_maker *cm,
			  const uint8_t pub[WG_KEY_LEN]);
/* Wipe cm and release its lock. */
void wg_cookie_maker_destroy(struct cookie_maker *cm);
/*
 * Stamp mac1 on the outgoing handshake message msg (len bytes), and mac2
 * when we hold a cookie younger than COOKIE_SECRET_MAX_AGE - LATENCY.
 */
void wg_cookie_maker_add_macs(struct cookie_maker *cm, void *msg, size_t len,
			      uint64_t now);
/*
 * Consume a cookie reply: it must answer the last mac1 we sent; the
 * cookie is then stored. Nothing changes on failure.
 */
enum wg_noise_error
wg_cookie_maker_consume_reply(struct cookie_maker *cm,
			      const struct wg_msg_cookie *reply,
			      uint64_t now) wg_must_check;

#endif /* WG_COOKIE_H */

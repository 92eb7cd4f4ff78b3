// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The order in which an incoming handshake is admitted
 * (wg_cookie_checker_admit), on a fake clock: which messages are dropped,
 * which get cookie replies, which are processed and which are limited,
 * with the Linux module as the model. A real peer and a flooder share an
 * address (a NAT); only what proves the address may spend its budget.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "cookie.h"
#include "ratelimiter.h"

#define MS 1000000ULL
#define SEC (1000 * MS)
#define T0 (1000 * SEC)

/* IPv4 address then port, as wg_send_source_bytes makes them. */
static const uint8_t peer_src[6] = { 192, 0, 2, 1, 0xca, 0x6c };
static const uint8_t nat_src[6] = { 192, 0, 2, 1, 0x0f, 0xa0 }; /* same IP */
static const uint8_t other_src[6] = { 192, 0, 2, 2, 0xca, 0x6c };
static const uint8_t v6_a[18] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1,
				  [15] = 1, [16] = 0xca, [17] = 0x6c };
static const uint8_t v6_b[18] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1,
				  [15] = 2, [16] = 0xca, [17] = 0x6c };

struct fixture {
	uint8_t pub[WG_KEY_LEN]; /* ours: the checker's */
	struct cookie_checker cc;
	struct wg_ratelimiter rl;
	struct cookie_maker peer, flooder; /* both know our public key */
	struct cookie_maker stranger; /* has the wrong key for us */
	struct wg_msg_initiation init;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	uint8_t priv[WG_KEY_LEN], wrong[WG_KEY_LEN];

	if (!f)
		return -1;
	wg_genkey(priv);
	wg_pubkey(f->pub, priv);
	wg_cookie_checker_init(&f->cc);
	wg_cookie_checker_update(&f->cc, f->pub);
	if (wg_ratelimiter_init(&f->rl, 64))
		return -1;
	wg_cookie_maker_init(&f->peer, f->pub);
	wg_cookie_maker_init(&f->flooder, f->pub);
	wg_random(wrong, sizeof(wrong));
	wg_cookie_maker_init(&f->stranger, wrong);
	wg_random(&f->init, sizeof(f->init));
	f->init.header.type = htole32(WG_MSG_INITIATION);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	wg_cookie_checker_destroy(&f->cc);
	wg_ratelimiter_destroy(&f->rl);
	wg_cookie_maker_destroy(&f->peer);
	wg_cookie_maker_destroy(&f->flooder);
	wg_cookie_maker_destroy(&f->stranger);
	free(f);
	return 0;
}

/* A fresh initiation from maker cm, sent from src at now: its verdict. */
static enum wg_cookie_verdict send(struct fixture *f, struct cookie_maker *cm,
				   const uint8_t *src, size_t srclen,
				   bool load, uint64_t now)
{
	struct wg_msg_initiation m = f->init;

	wg_random(m.encrypted_timestamp, sizeof(m.encrypted_timestamp));
	wg_cookie_maker_add_macs(cm, &m, sizeof(m), now);
	return wg_cookie_checker_admit(&f->cc, &f->rl, &m, sizeof(m), src,
				       srclen, load, now);
}

/* Under load: cm's message from src gets a cookie reply, which cm takes. */
static void get_cookie(struct fixture *f, struct cookie_maker *cm,
		       const uint8_t *src, size_t srclen, uint64_t now)
{
	struct wg_msg_initiation m = f->init;
	struct wg_msg_cookie reply;

	wg_cookie_maker_add_macs(cm, &m, sizeof(m), now);
	assert_int_equal(wg_cookie_checker_admit(&f->cc, &f->rl, &m,
						 sizeof(m), src, srclen, true,
						 now),
			 WG_COOKIE_SEND_COOKIE);
	assert_int_equal(wg_cookie_checker_create_reply(&f->cc, &reply, 7, &m,
							sizeof(m), src, srclen,
							now),
			 0);
	assert_int_equal(wg_cookie_maker_consume_reply(cm, &reply, now),
			 WG_NOISE_OK);
}

static uint64_t count(struct fixture *f, enum wg_cookie_verdict v)
{
	return atomic_load(&f->cc.verdicts[v]);
}

/* Without load: bad mac1 dropped, everything else processed, no limit. */
static void no_load_no_limit(void **state)
{
	struct fixture *f = *state;

	for (int i = 0; i < 100; i++)
		assert_int_equal(send(f, &f->peer, peer_src, 6, false, T0),
				 WG_COOKIE_ACCEPT);
	assert_int_equal(send(f, &f->stranger, peer_src, 6, false, T0),
			 WG_COOKIE_DROP_MAC1);
	/* A valid mac2 without load is no reason to charge either. */
	get_cookie(f, &f->peer, peer_src, 6, T0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(send(f, &f->peer, peer_src, 6, false, T0),
				 WG_COOKIE_ACCEPT);
	assert_int_equal(wg_ratelimiter_count(&f->rl), 0);
	assert_int_equal(count(f, WG_COOKIE_ACCEPT), 200);
	assert_int_equal(count(f, WG_COOKIE_DROP_MAC1), 1);
	assert_int_equal(count(f, WG_COOKIE_SEND_COOKIE), 1);
	assert_int_equal(count(f, WG_COOKIE_RATELIMITED), 0);
}

/* Under load: no valid mac2, a cookie reply, however many, never charged. */
static void under_load_cookie_reply_first(void **state)
{
	struct fixture *f = *state;

	for (int i = 0; i < 1000; i++)
		assert_int_equal(send(f, &f->peer, peer_src, 6, true, T0),
				 WG_COOKIE_SEND_COOKIE);
	/* Bad mac1 is dropped before anything else, load or not. */
	assert_int_equal(send(f, &f->stranger, peer_src, 6, true, T0),
			 WG_COOKIE_DROP_MAC1);
	assert_int_equal(wg_ratelimiter_count(&f->rl), 0);
}

/*
 * Under load, proven: the burst of WG_RATELIMIT_BURST, then
 * WG_RATELIMIT_PPS a second, the rest limited. Returns how many of n
 * sent every step ns from t were processed.
 */
static int proven_run(struct fixture *f, struct cookie_maker *cm,
		      const uint8_t *src, size_t srclen, int n, uint64_t t,
		      uint64_t step, struct cookie_maker *junk)
{
	int accepted = 0;

	for (int i = 0; i < n; i++) {
		uint64_t now = t + (uint64_t)i * step;
		enum wg_cookie_verdict v;

		if (junk) {
			/* Between every two: junk and unproven ones, same IP. */
			for (int j = 0; j < 20; j++) {
				assert_int_equal(send(f, &f->stranger, nat_src,
						      6, true, now),
						 WG_COOKIE_DROP_MAC1);
				assert_int_equal(send(f, junk, nat_src, 6, true,
						      now),
						 WG_COOKIE_SEND_COOKIE);
			}
		}
		v = send(f, cm, src, srclen, true, now);
		assert_true(v == WG_COOKIE_ACCEPT || v == WG_COOKIE_RATELIMITED);
		accepted += v == WG_COOKIE_ACCEPT;
	}
	return accepted;
}

static void proven_held_to_budget(void **state)
{
	struct fixture *f = *state;
	int got;

	get_cookie(f, &f->peer, peer_src, 6, T0);
	/* All at one instant: exactly the burst. */
	assert_int_equal(proven_run(f, &f->peer, peer_src, 6, 50, T0, 0, NULL),
			 WG_RATELIMIT_BURST);
	assert_int_equal(count(f, WG_COOKIE_RATELIMITED),
			 50 - WG_RATELIMIT_BURST);
	/* 100 a second for 10 s: 20 a second pass (the burst is spent). */
	got = proven_run(f, &f->peer, peer_src, 6, 1000, T0 + 10 * MS,
			 10 * MS, NULL);
	assert_in_range(got, 10 * WG_RATELIMIT_PPS - 1,
			10 * WG_RATELIMIT_PPS + 1);
	/* The cookie binds the port too: replayed from elsewhere, no proof. */
	assert_int_equal(send(f, &f->peer, nat_src, 6, true, T0 + 20 * SEC),
			 WG_COOKIE_SEND_COOKIE);
}

/*
 * A flooder on the peer's own IP (shared NAT) sends junk and valid-mac1
 * messages without cookies between each of the peer's: the peer gets
 * exactly what it gets alone.
 */
static void junk_does_not_spend_the_budget(void **state)
{
	struct fixture *f = *state;
	int alone, flooded;

	get_cookie(f, &f->peer, peer_src, 6, T0);
	alone = proven_run(f, &f->peer, peer_src, 6, 300, T0, 10 * MS, NULL);
	/* A second run, as long after as the bucket needs to be full again. */
	flooded = proven_run(f, &f->peer, peer_src, 6, 300, T0 + 10 * SEC,
			     10 * MS, &f->flooder);
	assert_int_equal(flooded, alone);
	assert_true(alone >= WG_RATELIMIT_BURST + 2 * WG_RATELIMIT_PPS);
	assert_int_equal(count(f, WG_COOKIE_DROP_MAC1), 300 * 20);
	/* One bucket only: the peer's address; nothing else was charged. */
	assert_int_equal(wg_ratelimiter_count(&f->rl), 1);
}

/*
 * A flooder at another address that did get its cookie is held to its
 * own budget and leaves the peer's whole.
 */
static void proven_flood_elsewhere(void **state)
{
	struct fixture *f = *state;

	get_cookie(f, &f->flooder, other_src, 6, T0);
	get_cookie(f, &f->peer, peer_src, 6, T0);
	assert_int_equal(proven_run(f, &f->flooder, other_src, 6, 10000, T0, 0,
				    NULL),
			 WG_RATELIMIT_BURST);
	assert_int_equal(proven_run(f, &f->peer, peer_src, 6, 10, T0, 0, NULL),
			 WG_RATELIMIT_BURST);
}

/* IPv6 sources share a bucket per /64, as in the module. */
static void ipv6_per_64(void **state)
{
	struct fixture *f = *state;

	get_cookie(f, &f->peer, v6_a, 18, T0);
	get_cookie(f, &f->flooder, v6_b, 18, T0);
	assert_int_equal(proven_run(f, &f->peer, v6_a, 18, 3, T0, 0, NULL), 3);
	assert_int_equal(proven_run(f, &f->flooder, v6_b, 18, 10, T0, 0, NULL),
			 WG_RATELIMIT_BURST - 3);
}

/*
 * The load signal: a long queue puts the checker under load for
 * WG_COOKIE_UNDER_LOAD_NS; load seen elsewhere (XDP shedding) extends it;
 * once it is over, an exhausted source is processed again, unlimited.
 */
static void load_comes_and_goes(void **state)
{
	struct fixture *f = *state;
	struct cookie_checker *cc = &f->cc;
	uint64_t t = T0;
	bool load;

	assert_false(wg_cookie_under_load(cc, 10, 64, t));
	assert_true(wg_cookie_under_load(cc, 64, 64, t));
	load = wg_cookie_under_load(cc, 0, 64, t + SEC - 1);
	assert_true(load);
	assert_int_equal(send(f, &f->peer, peer_src, 6, load, t + SEC - 1),
			 WG_COOKIE_SEND_COOKIE);
	assert_false(wg_cookie_under_load(cc, 0, 64, t + SEC));

	get_cookie(f, &f->peer, peer_src, 6, t);
	assert_int_equal(proven_run(f, &f->peer, peer_src, 6, 20, t, 0, NULL),
			 WG_RATELIMIT_BURST);
	t += 2 * SEC;
	wg_cookie_checker_load_seen(cc, t);
	assert_true(wg_cookie_under_load(cc, 0, 64, t + SEC - 1));
	assert_false(wg_cookie_under_load(cc, 0, 64, t + SEC));
	/* No load: the same source, budget or not, is processed. */
	for (int i = 0; i < 20; i++)
		assert_int_equal(send(f, &f->peer, peer_src, 6, false, t + SEC),
				 WG_COOKIE_ACCEPT);
}

/*
 * A cookie of the secret just replaced still proves its source for
 * WG_COOKIE_PREV_NS: the peer that got it a second before the change and
 * answers REKEY_TIMEOUT later is not sent round for another.
 */
static void cookie_across_a_new_secret(void **state)
{
	struct fixture *f = *state;
	const uint64_t change = T0 + WG_COOKIE_SECRET_MAX_AGE * SEC;
	uint8_t cur[WG_HASH_LEN], cur2[WG_HASH_LEN], prev[WG_HASH_LEN];
	uint64_t gen, until;

	/* The secret is born with the first cookie, at T0. */
	get_cookie(f, &f->flooder, other_src, 6, T0);
	get_cookie(f, &f->peer, peer_src, 6, change - SEC);
	/* Someone else's message at change replaces the secret. */
	gen = wg_cookie_checker_secrets(&f->cc, cur, prev, &until);
	assert_int_equal(until, 0);
	assert_int_equal(send(f, &f->flooder, other_src, 6, true, change),
			 WG_COOKIE_SEND_COOKIE);
	/* What XDP is given: the new one, and the old one with its end. */
	assert_int_equal(wg_cookie_checker_secrets(&f->cc, cur2, prev, &until),
			 gen + 1);
	assert_memory_equal(prev, cur, sizeof(cur));
	assert_memory_not_equal(cur2, cur, sizeof(cur));
	assert_int_equal(until, change + WG_COOKIE_PREV_NS);
	assert_int_equal(send(f, &f->peer, peer_src, 6, true,
			      change + WG_REKEY_TIMEOUT * SEC),
			 WG_COOKIE_ACCEPT);
	assert_int_equal(send(f, &f->peer, peer_src, 6, true,
			      change + WG_COOKIE_PREV_NS - 1),
			 WG_COOKIE_ACCEPT);
	/* Then only the current secret's cookies prove anything. */
	assert_int_equal(send(f, &f->peer, peer_src, 6, true,
			      change + WG_COOKIE_PREV_NS),
			 WG_COOKIE_SEND_COOKIE);
	get_cookie(f, &f->peer, peer_src, 6, change + WG_COOKIE_PREV_NS);
	assert_int_equal(send(f, &f->peer, peer_src, 6, true,
			      change + WG_COOKIE_PREV_NS + SEC),
			 WG_COOKIE_ACCEPT);
}

/* Responses go through the same order. */
static void responses_too(void **state)
{
	struct fixture *f = *state;
	struct wg_msg_response r;
	int accepted = 0;

	wg_random(&r, sizeof(r));
	r.header.type = htole32(WG_MSG_RESPONSE);
	get_cookie(f, &f->peer, peer_src, 6, T0);
	wg_cookie_maker_add_macs(&f->stranger, &r, sizeof(r), T0);
	assert_int_equal(wg_cookie_checker_admit(&f->cc, &f->rl, &r, sizeof(r),
						 peer_src, 6, true, T0),
			 WG_COOKIE_DROP_MAC1);
	for (int i = 0; i < 10; i++) {
		wg_cookie_maker_add_macs(&f->peer, &r, sizeof(r), T0);
		accepted += wg_cookie_checker_admit(&f->cc, &f->rl, &r,
						    sizeof(r), peer_src, 6,
						    true, T0) ==
			    WG_COOKIE_ACCEPT;
	}
	assert_int_equal(accepted, WG_RATELIMIT_BURST);
	assert_string_equal(wg_cookie_verdict_name(WG_COOKIE_RATELIMITED),
			    "hs_ratelimited");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(no_load_no_limit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(under_load_cookie_reply_first,
						setup, teardown),
		cmocka_unit_test_setup_teardown(proven_held_to_budget, setup,
						teardown),
		cmocka_unit_test_setup_teardown(junk_does_not_spend_the_budget,
						setup, teardown),
		cmocka_unit_test_setup_teardown(proven_flood_elsewhere, setup,
						teardown),
		cmocka_unit_test_setup_teardown(ipv6_per_64, setup, teardown),
		cmocka_unit_test_setup_teardown(load_comes_and_goes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(cookie_across_a_new_secret,
						setup, teardown),
		cmocka_unit_test_setup_teardown(responses_too, setup, teardown),
	};

	wg_crypto_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

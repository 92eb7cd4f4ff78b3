// SPDX-License-Identifier: GPL-2.0 OR MIT
/* mac1/mac2 and cookie replies between a maker (sender) and a checker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "cookie.h"

#define SEC_NS 1000000000ULL
#define T0 (1000 * SEC_NS)

struct fixture {
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN]; /* the checker's side */
	struct cookie_checker cc;
	struct cookie_maker cm;
	struct wg_msg_initiation init;
	struct wg_msg_response resp;
};

static const uint8_t src[6] = { 192, 0, 2, 1, 0xca, 0x6c };
static const uint8_t other_src[6] = { 192, 0, 2, 2, 0xca, 0x6c };

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	wg_genkey(f->priv);
	wg_pubkey(f->pub, f->priv);
	wg_cookie_checker_init(&f->cc);
	wg_cookie_checker_update(&f->cc, f->pub);
	wg_cookie_maker_init(&f->cm, f->pub);
	wg_random(&f->init, sizeof(f->init));
	f->init.header.type = htole32(WG_MSG_INITIATION);
	wg_random(&f->resp, sizeof(f->resp));
	f->resp.header.type = htole32(WG_MSG_RESPONSE);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	wg_cookie_checker_destroy(&f->cc);
	wg_cookie_maker_destroy(&f->cm);
	free(f);
	return 0;
}

static enum wg_cookie_mac check(struct fixture *f, const void *msg,
				size_t len, const uint8_t *from, bool load,
				uint64_t now)
{
	return wg_cookie_checker_validate(&f->cc, msg, len, from, 6, load,
					  now);
}

/* Under load: a reply for f->init, consumed by the maker at now. */
static void get_cookie(struct fixture *f, uint64_t now)
{
	struct wg_msg_cookie reply;

	wg_cookie_maker_add_macs(&f->cm, &f->init, sizeof(f->init), now);
	assert_int_equal(check(f, &f->init, sizeof(f->init), src, true, now),
			 WG_COOKIE_MAC_NEED_COOKIE);
	assert_int_equal(wg_cookie_checker_create_reply(
				 &f->cc, &reply, 0x1234, &f->init,
				 sizeof(f->init), src, 6, now),
			 0);
	assert_int_equal(wg_cookie_maker_consume_reply(&f->cm, &reply, now),
			 WG_NOISE_OK);
}

static void mac1_valid_without_load(void **state)
{
	struct fixture *f = *state;

	wg_cookie_maker_add_macs(&f->cm, &f->init, sizeof(f->init), T0);
	assert_true(wg_is_zero(f->init.macs.mac2, WG_MAC_LEN));
	assert_int_equal(check(f, &f->init, sizeof(f->init), src, false, T0),
			 WG_COOKIE_MAC_VALID);
	wg_cookie_maker_add_macs(&f->cm, &f->resp, sizeof(f->resp), T0);
	assert_int_equal(check(f, &f->resp, sizeof(f->resp), src, false, T0),
			 WG_COOKIE_MAC_VALID);
}

static void mac1_wrong_key(void **state)
{
	struct fixture *f = *state;
	uint8_t other_priv[WG_KEY_LEN], other_pub[WG_KEY_LEN];
	struct cookie_maker wrong;

	/* The sender has the wrong public key for the receiver. */
	wg_genkey(other_priv);
	wg_pubkey(other_pub, other_priv);
	wg_cookie_maker_init(&wrong, other_pub);
	wg_cookie_maker_add_macs(&wrong, &f->init, sizeof(f->init), T0);
	assert_int_equal(check(f, &f->init, sizeof(f->init), src, false, T0),
			 WG_COOKIE_MAC_INVALID_MAC1);
	assert_int_equal(check(f, &f->init, sizeof(f->init), src, true, T0),
			 WG_COOKIE_MAC_INVALID_MAC1);
	wg_cookie_maker_destroy(&wrong);
	/* Wrong lengths and a checker without keys refuse too. */
	assert_int_equal(check(f, &f->init, sizeof(f->init) - 1, src, false,
			       T0),
			 WG_COOKIE_MAC_INVALID_MAC1);
	wg_cookie_checker_update(&f->cc, NULL);
	wg_cookie_maker_add_macs(&f->cm, &f->init, sizeof(f->init), T0);
	assert_int_equal(check(f, &f->init, sizeof(f->init), src, false, T0),
			 WG_COOKIE_MAC_INVALID_MAC1);
}

static void mac1_every_byte(void **state)
{
	struct fixture *f = *state;
	struct wg_msg_initiation m;

	wg_cookie_maker_add_macs(&f->cm, &f->init, sizeof(f->init), T0);
	for (size_t i = 0; i < offsetof(struct wg_msg_initiation, macs.mac2);
	     i++) {
		for (int b = 0; b < 8; b++) {
			m = f->init;
			((uint8_t *)&m)[i] ^= (uint8_t)(1 << b);
			assert_int_equal(check(f, &m, sizeof(m), src, false,
					       T0),
					 WG_COOKIE_MAC_INVALID_MAC1);
		}
	}
	assert_int_equal(check(f, &f->init, sizeof(f->init), src, false, T0),
			 WG_COOKIE_MAC_VALID);
}

static void under_load_cookie_round_trip(void **state)
{
	struct fixture *f = *state;

	get_cookie(f, T0);
	/* The next message carries mac2 and passes under load. */
	wg_cookie_maker_add_macs(&f->cm, &f->init, sizeof(f->init),
				 T0 + SEC_NS);
	assert_false(wg_is_zero(f->init.macs.mac2, WG_MAC_LEN));
	assert_int_equal(check(f, &f->init, sizeof(f->init), src, true,
			       T0 + SEC_NS),
			 WG_COOKIE_MAC_VALID_COOKIE);
	/* Also without load, it is reported as carrying a cookie. */
	assert_int_equal(check(f, &f->init, sizeof(f->init), src, false,
			       T0 + SEC_NS),
			 WG_COOKIE_MAC_VALID_COOKIE);
	/* Responses use the same cookie. */
	wg_cookie_maker_add_macs(&f->cm, &f->resp, sizeof(f->resp),
				 T0 + SEC_NS);
	assert_int_equal(check(f, &f->resp, sizeof(f->resp), src, true,
			       T0 + SEC_NS),
			 WG_COOKIE_MAC_VALID_COOKIE);
	/* The cookie is bound to the source address. */
	assert_int_equal(check(f, &f->init, sizeof(f->init), other_src, true,
			       T0 + SEC_NS),
			 WG_COOKIE_MAC_NEED_COOKIE);
	/* A bad mac2 under load needs a cookie; mac1 still checked first. */
	f->init.macs.mac2[3] ^= 1;
	assert_int_equal(check(f, &f->init, sizeof(f->init), src, true,
			       T0 + SEC_NS),
			 WG_COOKIE_MAC_NEED_COOKIE);
	assert_int_equal(check(f, &f->init, sizeof(f->init), src, false,
			       T0 + SEC_NS),
			 WG_COOKIE_MAC_VALID);
}

static void reply_layout(void **state)
{
	struct fixture *f = *state;
	struct wg_msg_cookie a, b;

	wg_cookie_maker_add_macs(&f->cm, &f->init, sizeof(f->init), T0);
	assert_int_equal(wg_cookie_checker_create_reply(&f->cc, &a, 0xa1b2c3d4,
							&f->init,
							sizeof(f->init), src,
							6, T0),
			 0);
	assert_int_equal(wg_cookie_checker_create_reply(&f->cc, &b, 0xa1b2c3d4,
							&f->init,
							sizeof(f->init), src,
							6, T0),
			 0);
	assert_int_equal(sizeof(a), 64);
	assert_int_equal(le32toh(a.header.type), WG_MSG_COOKIE);
	assert_int_equal(le32toh(a.receiver_index), 0xa1b2c3d4);
	/* Random nonces: two replies differ. */
	assert_memory_not_equal(a.nonce, b.nonce, sizeof(a.nonce));
	assert_memory_not_equal(a.encrypted_cookie, b.encrypted_cookie,
				sizeof(a.encrypted_cookie));
	assert_int_not_equal(wg_cookie_checker_create_reply(
				     &f->cc, &a, 1, &f->init, 10, src, 6, T0),
			     0);
}

static void reply_every_byte_flipped(void **state)
{
	struct fixture *f = *state;
	struct wg_msg_cookie reply, m;

	wg_cookie_maker_add_macs(&f->cm, &f->init, sizeof(f->init), T0);
	assert_int_equal(wg_cookie_checker_create_reply(&f->cc, &reply, 7,
							&f->init,
							sizeof(f->init), src,
							6, T0),
			 0);
	/*
	 * The receiver index (bytes 4..7) is the caller's to look up and is
	 * not authenticated by the reply itself; every other byte is.
	 */
	for (size_t i = 0; i < sizeof(reply); i++) {
		if (i >= 4 && i < 8)
			continue;
		for (int x = 0; x < 2; x++) {
			m = reply;
			((uint8_t *)&m)[i] ^= x ? 0x80 : 0x01;
			assert_int_not_equal(
				wg_cookie_maker_consume_reply(&f->cm, &m, T0),
				WG_NOISE_OK);
			assert_false(f->cm.has_cookie);
		}
	}
	assert_int_equal(wg_cookie_maker_consume_reply(&f->cm, &reply, T0),
			 WG_NOISE_OK);
	assert_true(f->cm.has_cookie);
}

static void reply_must_answer_last_mac1(void **state)
{
	struct fixture *f = *state;
	struct wg_msg_cookie reply;

	/* Nothing sent yet. */
	wg_cookie_maker_add_macs(&f->cm, &f->resp, sizeof(f->resp), T0);
	assert_int_equal(wg_cookie_checker_create_reply(&f->cc, &reply, 7,
							&f->resp,
							sizeof(f->resp), src,
							6, T0),
			 0);
	/* We have since sent another message: the reply is for the old one. */
	wg_cookie_maker_add_macs(&f->cm, &f->init, sizeof(f->init), T0);
	assert_int_equal(wg_cookie_maker_consume_reply(&f->cm, &reply, T0),
			 WG_NOISE_ERR_DECRYPT);
	assert_false(f->cm.has_cookie);

	/* Answering the current one works, but only once. */
	assert_int_equal(wg_cookie_checker_create_reply(&f->cc, &reply, 7,
							&f->init,
							sizeof(f->init), src,
							6, T0),
			 0);
	assert_int_equal(wg_cookie_maker_consume_reply(&f->cm, &reply, T0),
			 WG_NOISE_OK);
	assert_int_equal(wg_cookie_maker_consume_reply(&f->cm, &reply, T0),
			 WG_NOISE_ERR_COOKIE_UNEXPECTED);

	/* A maker that never sent anything refuses any reply. */
	struct cookie_maker fresh;

	wg_cookie_maker_init(&fresh, f->pub);
	assert_int_equal(wg_cookie_maker_consume_reply(&fresh, &reply, T0),
			 WG_NOISE_ERR_COOKIE_UNEXPECTED);
	wg_cookie_maker_destroy(&fresh);
}

static void secret_rotates(void **state)
{
	struct fixture *f = *state;
	uint8_t first[WG_COOKIE_LEN];

	get_cookie(f, T0);
	memcpy(first, f->cm.cookie, WG_COOKIE_LEN);
	/* Same secret a little later: same cookie. */
	get_cookie(f, T0 + 119 * SEC_NS);
	assert_memory_equal(first, f->cm.cookie, WG_COOKIE_LEN);

	/* A mac2 made with it at 119 s... */
	wg_cookie_maker_add_macs(&f->cm, &f->init, sizeof(f->init),
				 T0 + 119 * SEC_NS);
	assert_int_equal(check(f, &f->init, sizeof(f->init), src, true,
			       T0 + 119 * SEC_NS),
			 WG_COOKIE_MAC_VALID_COOKIE);
	/*
	 * ...still holds while the secret it was made with is the one just
	 * replaced (at 120 s), for WG_COOKIE_PREV_NS, and fails after.
	 */
	assert_int_equal(check(f, &f->init, sizeof(f->init), src, true,
			       T0 + 120 * SEC_NS),
			 WG_COOKIE_MAC_VALID_COOKIE);
	assert_int_equal(check(f, &f->init, sizeof(f->init), src, true,
			       T0 + 120 * SEC_NS + WG_COOKIE_PREV_NS - 1),
			 WG_COOKIE_MAC_VALID_COOKIE);
	assert_int_equal(check(f, &f->init, sizeof(f->init), src, true,
			       T0 + 120 * SEC_NS + WG_COOKIE_PREV_NS),
			 WG_COOKIE_MAC_NEED_COOKIE);
	get_cookie(f, T0 + 120 * SEC_NS + WG_COOKIE_PREV_NS);
	assert_memory_not_equal(first, f->cm.cookie, WG_COOKIE_LEN);
}

static void old_cookie_not_used(void **state)
{
	struct fixture *f = *state;
	const uint64_t limit = (WG_COOKIE_SECRET_MAX_AGE -
				WG_COOKIE_SECRET_LATENCY) * SEC_NS;

	get_cookie(f, T0);
	wg_cookie_maker_add_macs(&f->cm, &f->init, sizeof(f->init),
				 T0 + limit - 1);
	assert_false(wg_is_zero(f->init.macs.mac2, WG_MAC_LEN));
	wg_cookie_maker_add_macs(&f->cm, &f->init, sizeof(f->init),
				 T0 + limit);
	assert_true(wg_is_zero(f->init.macs.mac2, WG_MAC_LEN));
	assert_int_equal(check(f, &f->init, sizeof(f->init), src, false,
			       T0 + limit),
			 WG_COOKIE_MAC_VALID);
}

static void under_load_window(void **state)
{
	struct fixture *f = *state;

	assert_false(wg_cookie_under_load(&f->cc, 0, 128, T0));
	assert_false(wg_cookie_under_load(&f->cc, 127, 128, T0));
	assert_true(wg_cookie_under_load(&f->cc, 128, 128, T0));
	/* Stays under load for a second after the queue drains. */
	assert_true(wg_cookie_under_load(&f->cc, 0, 128, T0 + SEC_NS - 1));
	assert_false(wg_cookie_under_load(&f->cc, 0, 128, T0 + SEC_NS));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(mac1_valid_without_load),
		T(mac1_wrong_key),
		T(mac1_every_byte),
		T(under_load_cookie_round_trip),
		T(reply_layout),
		T(reply_every_byte_flipped),
		T(reply_must_answer_last_mac1),
		T(secret_rotates),
		T(old_cookie_not_used),
		T(under_load_window),
	};
#undef T

	if (wg_crypto_init())
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

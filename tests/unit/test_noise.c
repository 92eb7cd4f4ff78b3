// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The handshake and transport between two in-process peers, A and B, each
 * with its own peer table (a tiny upcall implementation: an array of
 * remotes and an array of random indexes).
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
#include "noise.h"

#define SEC_NS 1000000000ULL
#define MS_NS 1000000ULL
#define T0 (5000 * SEC_NS)
#define MAX_INDEX 16

struct table {
	struct noise_remote *remotes[2];
	struct {
		bool used;
		uint32_t index;
		struct noise_remote *r;
	} idx[MAX_INDEX];
};

static struct noise_remote *t_remote_get(void *arg, const uint8_t pub[32])
{
	struct table *t = arg;

	for (int i = 0; i < 2; i++)
		if (t->remotes[i] && !memcmp(t->remotes[i]->public, pub, 32))
			return t->remotes[i];
	return NULL;
}

static struct noise_remote *t_index_get(void *arg, uint32_t index)
{
	struct table *t = arg;

	for (int i = 0; i < MAX_INDEX; i++)
		if (t->idx[i].used && t->idx[i].index == index)
			return t->idx[i].r;
	return NULL;
}

static uint32_t t_index_set(void *arg, struct noise_remote *r)
{
	struct table *t = arg;
	uint32_t index;

	do
		index = wg_random_u32();
	while (t_index_get(t, index));
	for (int i = 0; i < MAX_INDEX; i++) {
		if (!t->idx[i].used) {
			t->idx[i].used = true;
			t->idx[i].index = index;
			t->idx[i].r = r;
			return index;
		}
	}
	fail_msg("index table full");
	return 0;
}

static void t_index_drop(void *arg, uint32_t index)
{
	struct table *t = arg;

	for (int i = 0; i < MAX_INDEX; i++) {
		if (t->idx[i].used && t->idx[i].index == index) {
			t->idx[i].used = false;
			return;
		}
	}
	fail_msg("dropping unknown index %u", index);
}

static int live_indexes(const struct table *t)
{
	int n = 0;

	for (int i = 0; i < MAX_INDEX; i++)
		n += t->idx[i].used;
	return n;
}

/* One interface with one peer configured. */
struct side {
	struct table t;
	struct noise_local l;
	struct noise_remote r; /* the other side, as seen from here */
	struct cookie_checker cc;
	struct cookie_maker cm;
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN];
};

struct pair {
	struct side a, b;
	struct timespec wall;
	uint64_t now;
};

static void side_init(struct side *s)
{
	struct noise_upcall u = {
		.arg = &s->t,
		.remote_get = t_remote_get,
		.index_set = t_index_set,
		.index_get = t_index_get,
		.index_drop = t_index_drop,
	};

	memset(&s->t, 0, sizeof(s->t));
	wg_genkey(s->priv);
	wg_pubkey(s->pub, s->priv);
	wg_noise_local_init(&s->l, &u);
	wg_noise_local_set_private(&s->l, s->priv);
	wg_cookie_checker_init(&s->cc);
	wg_cookie_checker_update(&s->cc, s->pub);
}

static void side_peer(struct side *s, const uint8_t pub[WG_KEY_LEN])
{
	wg_noise_remote_init(&s->r, &s->l, pub);
	wg_cookie_maker_init(&s->cm, pub);
	s->t.remotes[0] = &s->r;
}

static void side_destroy(struct side *s)
{
	wg_noise_remote_destroy(&s->r);
	assert_int_equal(live_indexes(&s->t), 0);
	wg_noise_local_destroy(&s->l);
	wg_cookie_checker_destroy(&s->cc);
	wg_cookie_maker_destroy(&s->cm);
}

static int setup(void **state)
{
	struct pair *p = calloc(1, sizeof(*p));

	if (!p)
		return -1;
	side_init(&p->a);
	side_init(&p->b);
	side_peer(&p->a, p->b.pub);
	side_peer(&p->b, p->a.pub);
	p->wall.tv_sec = 1700000000;
	p->now = T0;
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	struct pair *p = *state;

	side_destroy(&p->a);
	side_destroy(&p->b);
	free(p);
	return 0;
}

static void set_psk(struct pair *p)
{
	uint8_t psk[WG_KEY_LEN];

	wg_random(psk, sizeof(psk));
	wg_noise_remote_set_psk(&p->a.r, psk);
	wg_noise_remote_set_psk(&p->b.r, psk);
}

/* Build an initiation from `from` with macs, advancing the wall clock. */
static void make_init(struct pair *p, struct side *from,
		      struct wg_msg_initiation *m)
{
	p->wall.tv_sec++;
	assert_int_equal(wg_noise_create_initiation(&from->r, m, &p->wall,
						    p->now),
			 0);
	wg_cookie_maker_add_macs(&from->cm, m, sizeof(*m), p->now);
}

static const uint8_t src[6] = { 198, 51, 100, 7, 0x1f, 0x90 };

/* The receive path for handshake messages: macs, then the handshake. */
static enum wg_noise_error deliver_init(struct pair *p, struct side *to,
					const struct wg_msg_initiation *m,
					bool load)
{
	struct noise_remote *r = NULL;
	enum wg_noise_error err;

	switch (wg_cookie_checker_validate(&to->cc, m, sizeof(*m), src, 6,
					   load, p->now)) {
	case WG_COOKIE_MAC_INVALID_MAC1:
		return WG_NOISE_ERR_MAC1;
	case WG_COOKIE_MAC_NEED_COOKIE:
		return WG_NOISE_ERR_COOKIE_NEEDED;
	default:
		break;
	}
	err = wg_noise_consume_initiation(&to->l, m, p->now, &r);
	if (err == WG_NOISE_OK)
		assert_ptr_equal(r, &to->r);
	return err;
}

static enum wg_noise_error deliver_resp(struct pair *p, struct side *to,
					const struct wg_msg_response *m,
					bool load)
{
	struct noise_remote *r = NULL;
	enum wg_noise_error err;

	switch (wg_cookie_checker_validate(&to->cc, m, sizeof(*m), src, 6,
					   load, p->now)) {
	case WG_COOKIE_MAC_INVALID_MAC1:
		return WG_NOISE_ERR_MAC1;
	case WG_COOKIE_MAC_NEED_COOKIE:
		return WG_NOISE_ERR_COOKIE_NEEDED;
	default:
		break;
	}
	err = wg_noise_consume_response(&to->l, m, p->now, &r);
	if (err == WG_NOISE_OK)
		assert_ptr_equal(r, &to->r);
	return err;
}

static void make_resp(struct pair *p, struct side *from,
		      struct wg_msg_response *m)
{
	assert_int_equal(wg_noise_create_response(&from->r, m, p->now), 0);
	wg_cookie_maker_add_macs(&from->cm, m, sizeof(*m), p->now);
}

/* A full handshake, i initiating to r; time moves past the flood limit. */
static void handshake(struct pair *p, struct side *i, struct side *r)
{
	struct wg_msg_initiation init;
	struct wg_msg_response resp;

	make_init(p, i, &init);
	assert_int_equal(deliver_init(p, r, &init, false), WG_NOISE_OK);
	make_resp(p, r, &resp);
	assert_int_equal(deliver_resp(p, i, &resp, false), WG_NOISE_OK);
	p->now += SEC_NS;
}

static void keys_match(struct noise_keypair *x, struct noise_keypair *y)
{
	assert_non_null(x);
	assert_non_null(y);
	assert_memory_equal(x->send_key, y->recv_key, WG_KEY_LEN);
	assert_memory_equal(x->recv_key, y->send_key, WG_KEY_LEN);
	assert_memory_not_equal(x->send_key, x->recv_key, WG_KEY_LEN);
	assert_int_equal(x->local_index, y->remote_index);
	assert_int_equal(x->remote_index, y->local_index);
	assert_true(x->is_initiator != y->is_initiator);
}

#define BUF_LEN 2048

/*
 * from sends plen bytes to `to` with its current keypair; `to` decrypts with
 * the keypair the receiver index names and confirms it. Returns the
 * message length.
 */
static size_t send_data(struct pair *p, struct side *from, struct side *to,
			size_t plen, size_t mtu)
{
	uint8_t buf[BUF_LEN], plain[BUF_LEN];
	struct noise_keypair *kp;
	size_t len, out;
	bool rekey;

	assert_true(plen + WG_MSG_DATA_MIN_LEN + WG_PADDING <= BUF_LEN);
	wg_random(plain, plen);
	memcpy(buf + WG_DATA_HEADER_LEN, plain, plen);
	kp = wg_noise_keypair_current(&from->r);
	assert_non_null(kp);
	assert_int_equal(wg_noise_encrypt(kp, buf, sizeof(buf), plen, mtu,
					  p->now, &len, &rekey),
			 WG_NOISE_OK);
	wg_noise_keypair_put(kp);

	kp = wg_noise_keypair_lookup(
		&to->r, le32toh(((struct wg_msg_data *)buf)->receiver_index));
	assert_non_null(kp);
	assert_int_equal(wg_noise_decrypt(kp, buf, len, p->now, &out, &rekey),
			 WG_NOISE_OK);
	assert_int_equal(out, len - WG_MSG_DATA_MIN_LEN);
	assert_memory_equal(buf + WG_DATA_HEADER_LEN, plain, plen);
	for (size_t i = plen; i < out; i++)
		assert_int_equal(buf[WG_DATA_HEADER_LEN + i], 0);
	wg_noise_keypair_received_with(&to->r, kp);
	wg_noise_keypair_put(kp);
	return len;
}

/* x (the initiator, or any side once confirmed) speaks first. */
static void round_trips(struct pair *p, struct side *x, struct side *y)
{
	static const size_t lens[] = { 0, 1, 15, 16, 17, 31, 100, 1280, 1419 };

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t want = (lens[i] + 15) / 16 * 16 + WG_MSG_DATA_MIN_LEN;

		assert_int_equal(send_data(p, x, y, lens[i], 0), want);
		assert_int_equal(send_data(p, y, x, lens[i], 0), want);
	}
}

static void handshake_no_psk(void **state)
{
	struct pair *p = *state;

	handshake(p, &p->a, &p->b);
	assert_non_null(p->a.r.current);
	assert_null(p->a.r.next);
	assert_null(p->b.r.current);
	assert_non_null(p->b.r.next);
	keys_match(p->a.r.current, p->b.r.next);
	assert_true(p->a.r.current->is_initiator);
	assert_int_equal(p->a.r.hs.state, NOISE_STATE_ZEROED);
	assert_int_equal(p->b.r.hs.state, NOISE_STATE_ZEROED);
	assert_true(wg_is_zero(&p->a.r.hs.chaining_key, WG_HASH_LEN));
	round_trips(p, &p->a, &p->b);
}

static void handshake_psk(void **state)
{
	struct pair *p = *state;
	uint8_t nopsk_send[WG_KEY_LEN];

	/* Same handshake without psk first, to see the psk changes keys. */
	handshake(p, &p->a, &p->b);
	memcpy(nopsk_send, p->a.r.current->send_key, WG_KEY_LEN);
	set_psk(p);
	handshake(p, &p->a, &p->b);
	keys_match(p->a.r.current, p->b.r.next);
	assert_memory_not_equal(nopsk_send, p->a.r.current->send_key,
				WG_KEY_LEN);
	round_trips(p, &p->a, &p->b);
}

static void handshake_other_role(void **state)
{
	struct pair *p = *state;

	handshake(p, &p->b, &p->a);
	keys_match(p->b.r.current, p->a.r.next);
	round_trips(p, &p->b, &p->a);
	set_psk(p);
	handshake(p, &p->b, &p->a);
	keys_match(p->b.r.current, p->a.r.next);
	round_trips(p, &p->b, &p->a);
}

static void psk_mismatch(void **state)
{
	struct pair *p = *state;
	uint8_t psk[WG_KEY_LEN];
	struct wg_msg_initiation init;
	struct wg_msg_response resp;
	struct noise_handshake before;

	wg_random(psk, sizeof(psk));
	wg_noise_remote_set_psk(&p->b.r, psk);
	make_init(p, &p->a, &init);
	/* The psk only enters in the response. */
	assert_int_equal(deliver_init(p, &p->b, &init, false), WG_NOISE_OK);
	make_resp(p, &p->b, &resp);
	before = p->a.r.hs;
	assert_int_equal(deliver_resp(p, &p->a, &resp, false),
			 WG_NOISE_ERR_DECRYPT);
	assert_memory_equal(&before, &p->a.r.hs, sizeof(before));
	assert_null(p->a.r.current);
}

static void padding_and_mtu(void **state)
{
	struct pair *p = *state;

	handshake(p, &p->a, &p->b);
	/* Keepalive: header and tag only. */
	assert_int_equal(send_data(p, &p->a, &p->b, 0, 1420), 32);
	/* MTU 1420 (not a multiple of 16): padding stops at the MTU. */
	assert_int_equal(send_data(p, &p->a, &p->b, 1409, 1420), 32 + 1420);
	assert_int_equal(send_data(p, &p->a, &p->b, 1419, 1420), 32 + 1420);
	assert_int_equal(send_data(p, &p->a, &p->b, 1420, 1420), 32 + 1420);
	assert_int_equal(send_data(p, &p->a, &p->b, 1408, 1420), 32 + 1408);
	assert_int_equal(send_data(p, &p->a, &p->b, 1407, 1420), 32 + 1408);
	/* Beyond the MTU nothing is padded. */
	assert_int_equal(send_data(p, &p->b, &p->a, 1421, 1420), 32 + 1421);
	assert_int_equal(send_data(p, &p->b, &p->a, 33, 40), 32 + 40);
	assert_int_equal(send_data(p, &p->b, &p->a, 33, 0), 32 + 48);
}

static void encrypt_buffer_too_small(void **state)
{
	struct pair *p = *state;
	uint8_t buf[64] = { 0 };
	struct noise_keypair *kp;
	size_t len;
	bool rekey;

	handshake(p, &p->a, &p->b);
	kp = wg_noise_keypair_current(&p->a.r);
	assert_int_equal(wg_noise_encrypt(kp, buf, 63, 17, 0, p->now, &len,
					  &rekey),
			 WG_NOISE_ERR_LENGTH);
	assert_int_equal(atomic_load(&kp->send_counter), 0);
	assert_int_equal(wg_noise_encrypt(kp, buf, 64, 17, 0, p->now, &len,
					  &rekey),
			 WG_NOISE_OK);
	assert_int_equal(len, 64);
	wg_noise_keypair_put(kp);
}

/* Flip byte i of a message with 0x01 and 0x80. */
static void flip(void *m, size_t i, int x)
{
	((uint8_t *)m)[i] ^= x ? 0x80 : 0x01;
}

static void initiation_flipped(void **state)
{
	struct pair *p = *state;
	struct wg_msg_initiation init, m;
	struct wg_msg_cookie reply;
	struct noise_handshake hs;
	uint8_t ts[WG_TAI64N_LEN];

	/* Hold a cookie so mac2 is set and checked (under load). */
	make_init(p, &p->a, &init);
	assert_int_equal(deliver_init(p, &p->b, &init, true),
			 WG_NOISE_ERR_COOKIE_NEEDED);
	assert_int_equal(wg_cookie_checker_create_reply(&p->b.cc, &reply,
							le32toh(init.sender_index),
							&init, sizeof(init),
							src, 6, p->now),
			 0);
	assert_int_equal(wg_cookie_maker_consume_reply(&p->a.cm, &reply,
						       p->now),
			 WG_NOISE_OK);
	make_init(p, &p->a, &init);

	hs = p->b.r.hs;
	memcpy(ts, p->b.r.last_timestamp, sizeof(ts));
	for (size_t i = 0; i < sizeof(init); i++) {
		for (int x = 0; x < 2; x++) {
			m = init;
			flip(&m, i, x);
			assert_int_not_equal(deliver_init(p, &p->b, &m, true),
					     WG_NOISE_OK);
			/* The handshake alone refuses the encrypted parts. */
			if (i >= offsetof(struct wg_msg_initiation,
					  unencrypted_ephemeral) &&
			    i < offsetof(struct wg_msg_initiation, macs))
				assert_int_not_equal(
					wg_noise_consume_initiation(
						&p->b.l, &m, p->now,
						&(struct noise_remote *){ 0 }),
					WG_NOISE_OK);
			assert_memory_equal(&hs, &p->b.r.hs, sizeof(hs));
			assert_memory_equal(ts, p->b.r.last_timestamp,
					    sizeof(ts));
			assert_false(p->b.r.has_last_initiation);
		}
	}
	assert_int_equal(deliver_init(p, &p->b, &init, true), WG_NOISE_OK);
	assert_int_equal(p->b.r.hs.state, NOISE_STATE_CONSUMED_INITIATION);
}

static void response_flipped(void **state)
{
	struct pair *p = *state;
	struct wg_msg_initiation init;
	struct wg_msg_response resp, m;
	struct noise_handshake hs;
	enum wg_noise_error err;

	make_init(p, &p->a, &init);
	assert_int_equal(deliver_init(p, &p->b, &init, false), WG_NOISE_OK);
	make_resp(p, &p->b, &resp);
	hs = p->a.r.hs;
	for (size_t i = 0; i < sizeof(resp); i++) {
		for (int x = 0; x < 2; x++) {
			m = resp;
			flip(&m, i, x);
			/* mac2 bytes are only checked under load. */
			err = deliver_resp(p, &p->a, &m,
					   i >= offsetof(struct wg_msg_response,
							 macs.mac2));
			assert_int_not_equal(err, WG_NOISE_OK);
			if (i >= offsetof(struct wg_msg_response,
					  receiver_index) &&
			    i < offsetof(struct wg_msg_response, macs))
				assert_int_not_equal(
					wg_noise_consume_response(
						&p->a.l, &m, p->now,
						&(struct noise_remote *){ 0 }),
					WG_NOISE_OK);
			assert_memory_equal(&hs, &p->a.r.hs, sizeof(hs));
			assert_null(p->a.r.current);
			assert_null(p->a.r.previous);
		}
	}
	assert_int_equal(deliver_resp(p, &p->a, &resp, false), WG_NOISE_OK);
	keys_match(p->a.r.current, p->b.r.next);
	/* A second delivery finds no handshake waiting for it. */
	assert_int_equal(deliver_resp(p, &p->a, &resp, false),
			 WG_NOISE_ERR_STATE);
}

static void data_flipped(void **state)
{
	struct pair *p = *state;
	uint8_t msg[WG_DATA_HEADER_LEN + 48 + WG_AEAD_TAG_LEN], m[sizeof(msg)];
	struct noise_keypair *tx, *rx;
	size_t len, out;
	bool rekey;

	handshake(p, &p->a, &p->b);
	tx = wg_noise_keypair_current(&p->a.r);
	rx = wg_noise_keypair_lookup(&p->b.r, tx->remote_index);
	assert_non_null(rx);
	wg_random(msg + WG_DATA_HEADER_LEN, 33);
	assert_int_equal(wg_noise_encrypt(tx, msg, sizeof(msg), 33, 0, p->now,
					  &len, &rekey),
			 WG_NOISE_OK);
	assert_int_equal(len, sizeof(msg));
	for (size_t i = 0; i < len; i++) {
		for (int x = 0; x < 2; x++) {
			memcpy(m, msg, len);
			flip(m, i, x);
			assert_int_not_equal(wg_noise_decrypt(rx, m, len,
							      p->now, &out,
							      &rekey),
					     WG_NOISE_OK);
		}
	}
	assert_int_equal(rx->replay.top, 0);
	/* Truncated: refused too. */
	memcpy(m, msg, len);
	assert_int_not_equal(wg_noise_decrypt(rx, m, len - 1, p->now, &out,
					      &rekey),
			     WG_NOISE_OK);
	assert_int_not_equal(wg_noise_decrypt(rx, m, 31, p->now, &out,
					      &rekey),
			     WG_NOISE_OK);
	memcpy(m, msg, len);
	assert_int_equal(wg_noise_decrypt(rx, m, len, p->now, &out, &rekey),
			 WG_NOISE_OK);
	/* And exactly once. */
	memcpy(m, msg, len);
	assert_int_equal(wg_noise_decrypt(rx, m, len, p->now, &out, &rekey),
			 WG_NOISE_ERR_COUNTER_REPLAY);
	wg_noise_keypair_put(tx);
	wg_noise_keypair_put(rx);
}

static void initiation_replay_and_flood(void **state)
{
	struct pair *p = *state;
	struct wg_msg_initiation first, second, third;

	make_init(p, &p->a, &first);
	make_init(p, &p->a, &second);
	make_init(p, &p->a, &third);
	assert_int_equal(deliver_init(p, &p->b, &second, false), WG_NOISE_OK);
	/* The same initiation again, even much later: replayed timestamp. */
	p->now += 10 * SEC_NS;
	assert_int_equal(deliver_init(p, &p->b, &second, false),
			 WG_NOISE_ERR_REPLAY);
	/* An older one: also replayed. */
	assert_int_equal(deliver_init(p, &p->b, &first, false),
			 WG_NOISE_ERR_REPLAY);
	assert_int_equal(deliver_init(p, &p->b, &third, false), WG_NOISE_OK);
	/* A newer one inside 1/INITIATIONS_PER_SECOND: flood. */
	make_init(p, &p->a, &first);
	p->now += WG_NSEC_PER_SEC / WG_INITIATIONS_PER_SECOND - 1;
	assert_int_equal(deliver_init(p, &p->b, &first, false),
			 WG_NOISE_ERR_FLOOD);
	p->now += 1;
	assert_int_equal(deliver_init(p, &p->b, &first, false), WG_NOISE_OK);
	assert_string_equal(wg_noise_diagnostic(WG_MSG_INITIATION,
						WG_NOISE_ERR_FLOOD),
			    "Invalid handshake initiation");
}

static void wrong_keys(void **state)
{
	struct pair *p = *state;
	struct wg_msg_initiation init;
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN];
	struct noise_remote *r;
	struct side c;
	enum wg_noise_error err;

	/* A thinks B has another public key: mac1 fails at B. */
	wg_genkey(priv);
	wg_pubkey(pub, priv);
	wg_noise_remote_destroy(&p->a.r);
	wg_cookie_maker_destroy(&p->a.cm);
	side_peer(&p->a, pub);
	make_init(p, &p->a, &init);
	err = deliver_init(p, &p->b, &init, false);
	assert_int_equal(err, WG_NOISE_ERR_MAC1);
	assert_string_equal(wg_noise_diagnostic(WG_MSG_INITIATION, err),
			    "Invalid initiation MAC");
	/* Past mac1 (forged), the handshake itself cannot decrypt it. */
	err = wg_noise_consume_initiation(&p->b.l, &init, p->now, &r);
	assert_int_equal(err, WG_NOISE_ERR_DECRYPT);
	assert_string_equal(wg_noise_diagnostic(WG_MSG_INITIATION, err),
			    "Invalid handshake initiation");

	/* C knows B's key but B does not know C: unknown peer. */
	side_init(&c);
	side_peer(&c, p->b.pub);
	p->wall.tv_sec++;
	assert_int_equal(wg_noise_create_initiation(&c.r, &init, &p->wall,
						    p->now),
			 0);
	wg_cookie_maker_add_macs(&c.cm, &init, sizeof(init), p->now);
	err = deliver_init(p, &p->b, &init, false);
	assert_int_equal(err, WG_NOISE_ERR_UNKNOWN_PEER);
	assert_string_equal(wg_noise_diagnostic(WG_MSG_INITIATION, err),
			    "Invalid handshake initiation");
	side_destroy(&c);

	assert_string_equal(wg_noise_diagnostic(WG_MSG_RESPONSE,
						WG_NOISE_ERR_MAC1),
			    "Invalid response MAC");
	assert_string_equal(wg_noise_diagnostic(WG_MSG_RESPONSE,
						WG_NOISE_ERR_DECRYPT),
			    "Invalid handshake response");
}

static void no_private_key(void **state)
{
	struct pair *p = *state;
	struct wg_msg_initiation init;
	struct noise_remote *r;

	make_init(p, &p->a, &init);
	wg_noise_local_set_private(&p->b.l, NULL);
	wg_noise_remote_precompute(&p->b.r);
	assert_int_equal(wg_noise_consume_initiation(&p->b.l, &init, p->now,
						     &r),
			 WG_NOISE_ERR_NO_KEY);
	assert_int_not_equal(wg_noise_create_initiation(&p->b.r, &init,
							&p->wall, p->now),
			     0);
	assert_int_equal(p->b.r.hs.state, NOISE_STATE_ZEROED);
	/* A response without a consumed initiation is refused. */
	assert_int_not_equal(
		wg_noise_create_response(&p->b.r, &(struct wg_msg_response){ 0 },
					 p->now),
		0);
	/* Low-order peer key: zero static-static DH. */
	uint8_t zero[WG_KEY_LEN] = { 0 };

	wg_noise_remote_destroy(&p->a.r);
	wg_noise_remote_init(&p->a.r, &p->a.l, zero);
	assert_false(p->a.r.ss_ok);
	assert_int_not_equal(wg_noise_create_initiation(&p->a.r, &init,
							&p->wall, p->now),
			     0);
	assert_int_equal(live_indexes(&p->a.t), 0);
	/* A zero ephemeral in an initiation: es is zero. */
	wg_noise_local_set_private(&p->b.l, p->b.priv);
	wg_noise_remote_precompute(&p->b.r);
	memset(init.unencrypted_ephemeral, 0, WG_KEY_LEN);
	assert_int_equal(wg_noise_consume_initiation(&p->b.l, &init, p->now,
						     &r),
			 WG_NOISE_ERR_DH);
	assert_string_equal(wg_noise_strerror(WG_NOISE_ERR_DH),
			    "zero Diffie-Hellman result");
	assert_string_equal(wg_noise_strerror((enum wg_noise_error)999),
			    "unknown error");
}

static void pending_initiation_replaced(void **state)
{
	struct pair *p = *state;
	struct wg_msg_initiation one, two;
	struct wg_msg_response resp;

	make_init(p, &p->a, &one);
	assert_int_equal(live_indexes(&p->a.t), 1);
	make_init(p, &p->a, &two);
	/* The first handshake's index is gone: one pending at a time. */
	assert_int_equal(live_indexes(&p->a.t), 1);
	assert_int_equal(deliver_init(p, &p->b, &one, false), WG_NOISE_OK);
	make_resp(p, &p->b, &resp);
	/* A response to the replaced initiation is refused. */
	assert_int_equal(deliver_resp(p, &p->a, &resp, false),
			 WG_NOISE_ERR_UNKNOWN_INDEX);
	assert_null(p->a.r.current);
}

static void slots_rotate(void **state)
{
	struct pair *p = *state;
	struct noise_keypair *a1, *b1, *a2, *b2, *b3, *a3;

	/* A initiates: A's current at once, B's in next until data. */
	handshake(p, &p->a, &p->b);
	a1 = p->a.r.current;
	b1 = p->b.r.next;
	assert_null(wg_noise_keypair_current(&p->b.r));
	assert_int_equal(live_indexes(&p->a.t), 1);
	assert_int_equal(live_indexes(&p->b.t), 1);
	send_data(p, &p->a, &p->b, 10, 0);
	assert_ptr_equal(p->b.r.current, b1);
	assert_null(p->b.r.next);
	/* Confirming again changes nothing. */
	assert_false(wg_noise_keypair_received_with(&p->b.r, b1));

	/* A initiates again: current moves to previous. */
	handshake(p, &p->a, &p->b);
	a2 = p->a.r.current;
	b2 = p->b.r.next;
	assert_ptr_equal(p->a.r.previous, a1);
	assert_ptr_equal(p->b.r.current, b1);
	assert_null(p->b.r.previous);
	keys_match(a2, b2);
	/* B still sends with the old session until A uses the new one. */
	send_data(p, &p->b, &p->a, 10, 0);
	send_data(p, &p->a, &p->b, 10, 0);
	assert_ptr_equal(p->b.r.current, b2);
	assert_ptr_equal(p->b.r.previous, b1);
	assert_null(p->b.r.next);
	assert_int_equal(live_indexes(&p->a.t), 2);
	assert_int_equal(live_indexes(&p->b.t), 2);

	/* B initiates: A's previous (a1) is dropped, A's new one waits. */
	handshake(p, &p->b, &p->a);
	b3 = p->b.r.current;
	a3 = p->a.r.next;
	keys_match(b3, a3);
	assert_ptr_equal(p->b.r.previous, b2);
	assert_ptr_equal(p->a.r.current, a2);
	assert_null(p->a.r.previous); /* a1 dropped */
	assert_int_equal(live_indexes(&p->a.t), 2);
	assert_int_equal(live_indexes(&p->b.t), 2);

	/* A initiates while its next is unconfirmed: next to previous. */
	handshake(p, &p->a, &p->b);
	assert_ptr_equal(p->a.r.previous, a3);
	assert_null(p->a.r.next);
	keys_match(p->a.r.current, p->b.r.next);
	assert_int_equal(live_indexes(&p->a.t), 2);
	round_trips(p, &p->a, &p->b);

	wg_noise_remote_clear(&p->a.r);
	assert_null(p->a.r.current);
	assert_int_equal(live_indexes(&p->a.t), 0);
}

static void keypair_outlives_slot(void **state)
{
	struct pair *p = *state;
	struct noise_keypair *held;
	uint8_t buf[64] = { 0 };
	size_t len;
	bool rekey;

	handshake(p, &p->a, &p->b);
	held = wg_noise_keypair_current(&p->a.r);
	/* Two more sessions push it out of every slot. */
	handshake(p, &p->a, &p->b);
	handshake(p, &p->a, &p->b);
	assert_ptr_not_equal(p->a.r.previous, held);
	assert_false(atomic_load(&held->valid));
	/* Still readable by its holder (ASan checks), but refuses to work. */
	assert_int_equal(wg_noise_encrypt(held, buf, sizeof(buf), 0, 0,
					  p->now, &len, &rekey),
			 WG_NOISE_ERR_NO_KEYPAIR);
	wg_noise_keypair_put(held);
}

static void expire_current_stops_sending(void **state)
{
	struct pair *p = *state;

	handshake(p, &p->a, &p->b);
	send_data(p, &p->a, &p->b, 1, 0);
	wg_noise_remote_expire_current(&p->a.r);
	assert_null(wg_noise_keypair_current(&p->a.r));
	/* Receiving still works. */
	send_data(p, &p->b, &p->a, 1, 0);
}

static void counter_limits(void **state)
{
	struct pair *p = *state;
	uint8_t buf[64] = { 0 };
	struct noise_keypair *kp;
	size_t len;
	bool rekey;

	handshake(p, &p->a, &p->b);
	kp = wg_noise_keypair_current(&p->a.r);

	atomic_store(&kp->send_counter, WG_REKEY_AFTER_MESSAGES - 1);
	assert_int_equal(wg_noise_encrypt(kp, buf, sizeof(buf), 0, 0, p->now,
					  &len, &rekey),
			 WG_NOISE_OK);
	assert_false(rekey);
	assert_int_equal(wg_noise_encrypt(kp, buf, sizeof(buf), 0, 0, p->now,
					  &len, &rekey),
			 WG_NOISE_OK);
	assert_true(rekey);

	atomic_store(&kp->send_counter, WG_REJECT_AFTER_MESSAGES - 1);
	assert_int_equal(wg_noise_encrypt(kp, buf, sizeof(buf), 0, 0, p->now,
					  &len, &rekey),
			 WG_NOISE_OK);
	assert_int_equal(le64toh(((struct wg_msg_data *)buf)->counter),
			 WG_REJECT_AFTER_MESSAGES - 1);
	for (int i = 0; i < 3; i++)
		assert_int_equal(wg_noise_encrypt(kp, buf, sizeof(buf), 0, 0,
						  p->now, &len, &rekey),
				 WG_NOISE_ERR_COUNTER);
	/* Refusing does not advance the counter towards a wrap. */
	assert_int_equal(atomic_load(&kp->send_counter),
			 WG_REJECT_AFTER_MESSAGES);
	wg_noise_keypair_put(kp);
}

static void decrypt_counter_limit(void **state)
{
	struct pair *p = *state;
	uint8_t buf[64] = { 0 };
	struct noise_keypair *tx, *rx;
	size_t len, out;
	bool rekey;

	handshake(p, &p->a, &p->b);
	tx = wg_noise_keypair_current(&p->a.r);
	rx = wg_noise_keypair_lookup(&p->b.r, tx->remote_index);
	/* A genuine message sealed at the last allowed counter... */
	atomic_store(&tx->send_counter, WG_REJECT_AFTER_MESSAGES - 1);
	assert_int_equal(wg_noise_encrypt(tx, buf, sizeof(buf), 0, 0, p->now,
					  &len, &rekey),
			 WG_NOISE_OK);
	assert_int_equal(wg_noise_decrypt(rx, buf, len, p->now, &out, &rekey),
			 WG_NOISE_OK);
	/* ...and one claiming the limit is refused before any crypto. */
	((struct wg_msg_data *)buf)->counter =
		htole64(WG_REJECT_AFTER_MESSAGES);
	assert_int_equal(wg_noise_decrypt(rx, buf, len, p->now, &out, &rekey),
			 WG_NOISE_ERR_COUNTER);
	wg_noise_keypair_put(tx);
	wg_noise_keypair_put(rx);
}

static void time_limits(void **state)
{
	struct pair *p = *state;
	uint8_t buf[64] = { 0 }, copy[64];
	struct noise_keypair *ia, *rb;
	uint64_t birth;
	size_t len, out;
	bool rekey;

	handshake(p, &p->a, &p->b);
	send_data(p, &p->a, &p->b, 0, 0); /* confirm B's keypair */
	ia = wg_noise_keypair_current(&p->a.r);
	rb = wg_noise_keypair_current(&p->b.r);
	birth = ia->birthdate;

	/* REKEY_AFTER_TIME: the initiator wants a new handshake. */
	assert_int_equal(wg_noise_encrypt(ia, buf, sizeof(buf), 0, 0,
					  birth + 119 * SEC_NS, &len, &rekey),
			 WG_NOISE_OK);
	assert_false(rekey);
	assert_int_equal(wg_noise_encrypt(ia, buf, sizeof(buf), 0, 0,
					  birth + 120 * SEC_NS, &len, &rekey),
			 WG_NOISE_OK);
	assert_true(rekey);
	/* The responder does not. */
	assert_int_equal(wg_noise_encrypt(rb, buf, sizeof(buf), 0, 0,
					  birth + 150 * SEC_NS, &len, &rekey),
			 WG_NOISE_OK);
	assert_false(rekey);

	/* Receiving near REJECT_AFTER_TIME: the initiator wants one too. */
	memcpy(copy, buf, len);
	assert_int_equal(wg_noise_decrypt(ia, copy, len, birth + 150 * SEC_NS,
					  &out, &rekey),
			 WG_NOISE_OK);
	assert_false(rekey);
	assert_int_equal(wg_noise_encrypt(rb, buf, sizeof(buf), 0, 0,
					  birth + 165 * SEC_NS, &len, &rekey),
			 WG_NOISE_OK);
	memcpy(copy, buf, len);
	assert_int_equal(wg_noise_decrypt(ia, copy, len, birth + 165 * SEC_NS,
					  &out, &rekey),
			 WG_NOISE_OK);
	assert_true(rekey);

	/* REJECT_AFTER_TIME: neither sends nor receives. */
	assert_int_equal(wg_noise_encrypt(rb, buf, sizeof(buf), 0, 0,
					  birth + 179 * SEC_NS, &len, &rekey),
			 WG_NOISE_OK);
	memcpy(copy, buf, len);
	assert_int_equal(wg_noise_decrypt(ia, copy, len, birth + 180 * SEC_NS,
					  &out, &rekey),
			 WG_NOISE_ERR_EXPIRED);
	memcpy(copy, buf, len);
	assert_int_equal(wg_noise_decrypt(ia, copy, len, birth + 179 * SEC_NS,
					  &out, &rekey),
			 WG_NOISE_OK);
	assert_int_equal(wg_noise_encrypt(ia, buf, sizeof(buf), 0, 0,
					  birth + 180 * SEC_NS, &len, &rekey),
			 WG_NOISE_ERR_EXPIRED);
	assert_int_equal(wg_noise_encrypt(rb, buf, sizeof(buf), 0, 0,
					  birth + 180 * SEC_NS, &len, &rekey),
			 WG_NOISE_ERR_EXPIRED);
	wg_noise_keypair_put(ia);
	wg_noise_keypair_put(rb);
}

static void message_layout(void **state)
{
	struct pair *p = *state;
	struct wg_msg_initiation init;
	struct wg_msg_response resp;

	make_init(p, &p->a, &init);
	assert_int_equal(le32toh(init.header.type), WG_MSG_INITIATION);
	assert_ptr_equal(wg_noise_keypair_lookup(&p->a.r, 0), NULL);
	assert_ptr_equal(t_index_get(&p->a.t, le32toh(init.sender_index)),
			 &p->a.r);
	assert_int_equal(deliver_init(p, &p->b, &init, false), WG_NOISE_OK);
	make_resp(p, &p->b, &resp);
	assert_int_equal(le32toh(resp.header.type), WG_MSG_RESPONSE);
	assert_int_equal(resp.receiver_index, init.sender_index);
	assert_ptr_equal(t_index_get(&p->b.t, le32toh(resp.sender_index)),
			 &p->b.r);
	/* Wrong types are refused up front. */
	init.header.type = htole32(WG_MSG_RESPONSE);
	assert_int_equal(wg_noise_consume_initiation(
				 &p->b.l, &init, p->now,
				 &(struct noise_remote *){ 0 }),
			 WG_NOISE_ERR_LENGTH);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(handshake_no_psk),
		T(handshake_psk),
		T(handshake_other_role),
		T(psk_mismatch),
		T(padding_and_mtu),
		T(encrypt_buffer_too_small),
		T(initiation_flipped),
		T(response_flipped),
		T(data_flipped),
		T(initiation_replay_and_flood),
		T(wrong_keys),
		T(no_private_key),
		T(pending_initiation_replaced),
		T(slots_rotate),
		T(keypair_outlives_slot),
		T(expire_current_stops_sending),
		T(counter_limits),
		T(decrypt_counter_limit),
		T(time_limits),
		T(message_layout),
	};
#undef T

	if (wg_crypto_init())
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

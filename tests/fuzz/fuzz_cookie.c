// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Cookie reply consumer: A's cookie maker for B has stamped mac1 on a fixed
 * initiation-sized message and takes the input, zero-padded or cut to 64
 * bytes, as B's cookie reply. A refusal must leave the maker as it was and
 * repeat identically; an accepted cookie must be used for mac2 next, and a
 * second copy of the reply must be refused (it answered one mac1 only).
 */
#include <string.h>

#include "fuzz.h"

static const uint8_t src[18] = { 0xfd, 0, 0, 0, 0, 0, 0, 0,
				 0, 0, 0, 0, 0, 0, 0, 1, 0xca, 0x6c };

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct maker_state {
	uint8_t cookie[WG_COOKIE_LEN];
	uint64_t cookie_birth;
	bool has_cookie;
	uint8_t last_mac1[WG_MAC_LEN];
	bool has_last_mac1;
};

static void snap(struct cookie_maker *cm, struct maker_state *st)
{
	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&cm->lock);
	memcpy(st->cookie, cm->cookie, WG_COOKIE_LEN);
	st->cookie_birth = cm->cookie_birth;
	st->has_cookie = cm->has_cookie;
	memcpy(st->last_mac1, cm->last_mac1, WG_MAC_LEN);
	st->has_last_mac1 = cm->has_last_mac1;
	pthread_mutex_unlock(&cm->lock);
}

/* A's maker after stamping the fixed message msg. */
static void start(struct cookie_maker *cm, uint8_t msg[WG_MSG_INITIATION_LEN])
{
	uint8_t pub[WG_KEY_LEN];

	wg_fuzz_rng_reset();
	fz_pubkey(1, pub);
	wg_cookie_maker_init(cm, pub);
	memset(msg, 0x42, WG_MSG_INITIATION_LEN);
	msg[0] = WG_MSG_INITIATION;
	msg[1] = msg[2] = msg[3] = 0;
	memset(msg + WG_MSG_INITIATION_LEN - 32, 0, 32);
	wg_cookie_maker_add_macs(cm, msg, WG_MSG_INITIATION_LEN, FZ_NOW);
}

static void write_seeds(const char *dir)
{
	uint8_t msg[WG_MSG_INITIATION_LEN], pub[WG_KEY_LEN];
	struct wg_msg_cookie reply;
	struct cookie_checker cc;
	struct cookie_maker cm;

	start(&cm, msg);
	wg_cookie_checker_init(&cc);
	fz_pubkey(1, pub);
	wg_cookie_checker_update(&cc, pub);
	FZ_CHECK(!wg_cookie_checker_create_reply(&cc, &reply, 0x01000001, msg,
						 sizeof(msg), src, sizeof(src),
						 FZ_NOW));
	wg_fuzz_write_seed(dir, "from_b", &reply, sizeof(reply));
	reply.encrypted_cookie[3] ^= 1;
	wg_fuzz_write_seed(dir, "bad_tag", &reply, sizeof(reply));
	wg_cookie_checker_destroy(&cc);
	wg_cookie_maker_destroy(&cm);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	wg_fuzz_init();
	wg_fuzz_seeds(write_seeds);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t msg[WG_MSG_INITIATION_LEN], zero[WG_MAC_LEN] = { 0 };
	struct maker_state before, after;
	enum wg_noise_error err, err2;
	struct wg_msg_cookie reply;
	struct cookie_maker cm;

	memset(&reply, 0, sizeof(reply));
	memcpy(&reply, data, size < sizeof(reply) ? size : sizeof(reply));
	start(&cm, msg);

	snap(&cm, &before);
	err = wg_cookie_maker_consume_reply(&cm, &reply, FZ_NOW);
	snap(&cm, &after);
	FZ_TRACE("cookie: %s\n", wg_noise_strerror(err));
	if (err != WG_NOISE_OK) {
		FZ_CHECK(!memcmp(&before, &after, sizeof(before)));
		err2 = wg_cookie_maker_consume_reply(&cm, &reply, FZ_NOW);
		FZ_CHECK(err2 == err);
		goto out;
	}
	FZ_CHECK(after.has_cookie);
	err2 = wg_cookie_maker_consume_reply(&cm, &reply, FZ_NOW);
	FZ_CHECK(err2 != WG_NOISE_OK);
	memset(msg + WG_MSG_INITIATION_LEN - 32, 0, 32);
	wg_cookie_maker_add_macs(&cm, msg, sizeof(msg), FZ_NOW);
	FZ_CHECK(memcmp(msg + WG_MSG_INITIATION_LEN - WG_MAC_LEN, zero,
			WG_MAC_LEN));
out:
	wg_cookie_maker_destroy(&cm);
	return 0;
}

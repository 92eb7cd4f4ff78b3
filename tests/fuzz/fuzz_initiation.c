// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Handshake initiation consumer: interface B (peers A and C) takes the
 * input, zero-padded or cut to 148 bytes, as an initiation. The macs are
 * checked as the receive path does (result only exercised: a mutated seed
 * has a bad mac1), then wg_noise_consume_initiation() runs. A refused
 * message must leave every remote as it was and be refused the same way
 * again; an accepted one must be refused as a replay when repeated, and
 * B must then be able to answer it.
 */
#include <string.h>

#include "fuzz.h"

static const uint8_t src[6] = { 192, 0, 2, 1, 0xca, 0x6c };

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void write_seeds(const char *dir)
{
	struct timespec wall = { .tv_sec = FZ_WALL_SEC };
	struct wg_msg_initiation m;
	struct fz_side a, c;

	/* From A and from C, each at two wall clock times. */
	for (int later = 0; later < 2; later++) {
		char name[32];

		wall.tv_sec += later;
		wg_fuzz_rng_reset();
		fz_side_init(&a, 0, 1, -1);
		fz_side_init(&c, 2, 1, -1);
		FZ_CHECK(!wg_noise_create_initiation(&a.r[0], &m, &wall,
						     FZ_NOW));
		wg_cookie_maker_add_macs(&a.cm, &m, sizeof(m), FZ_NOW);
		snprintf(name, sizeof(name), "from_a%s", later ? "_later" : "");
		wg_fuzz_write_seed(dir, name, &m, sizeof(m));
		FZ_CHECK(!wg_noise_create_initiation(&c.r[0], &m, &wall,
						     FZ_NOW));
		wg_cookie_maker_add_macs(&c.cm, &m, sizeof(m), FZ_NOW);
		snprintf(name, sizeof(name), "from_c%s", later ? "_later" : "");
		wg_fuzz_write_seed(dir, name, &m, sizeof(m));
		fz_side_destroy(&a);
		fz_side_destroy(&c);
	}
	memset(&m, 0, sizeof(m));
	m.header.type = htole32(WG_MSG_INITIATION);
	wg_fuzz_write_seed(dir, "zero", &m, sizeof(m));
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
	struct fz_remote_state before[2], after[2];
	struct noise_remote *rp = NULL, *rp2 = NULL;
	enum wg_noise_error err, err2;
	struct wg_msg_response resp;
	struct wg_msg_initiation m;
	struct fz_side b;
	uint8_t key[WG_KEY_LEN];

	memset(&m, 0, sizeof(m));
	memcpy(&m, data, size < sizeof(m) ? size : sizeof(m));

	wg_fuzz_rng_reset();
	fz_side_init(&b, 1, 0, 2);
	/* A psk on C's remote, the one used by the _psk seeds. */
	memset(key, 0x77, sizeof(key));
	wg_noise_remote_set_psk(&b.r[1], key);

	(void)wg_cookie_checker_validate(&b.cc, data, size, src, sizeof(src),
					 size & 1, FZ_NOW);

	for (int i = 0; i < 2; i++)
		fz_remote_state(&b.r[i], &before[i]);
	err = wg_noise_consume_initiation(&b.l, &m, FZ_NOW, &rp);
	for (int i = 0; i < 2; i++)
		fz_remote_state(&b.r[i], &after[i]);
	FZ_TRACE("initiation: %s\n", wg_noise_strerror(err));
	if (err != WG_NOISE_OK) {
		FZ_CHECK(rp == NULL);
		for (int i = 0; i < 2; i++)
			FZ_CHECK(fz_remote_state_eq(&before[i], &after[i]));
		err2 = wg_noise_consume_initiation(&b.l, &m, FZ_NOW, &rp2);
		FZ_CHECK(err2 == err);
		FZ_CHECK(rp2 == NULL);
		FZ_CHECK(fz_live_indexes(&b) == 0);
		goto out;
	}
	FZ_CHECK(rp == &b.r[0] || rp == &b.r[1]);
	FZ_CHECK(rp->hs.state == NOISE_STATE_CONSUMED_INITIATION);
	FZ_CHECK(rp->hs.remote_index == le32toh(m.sender_index));
	/* The same initiation again: same timestamp, so a replay. */
	err2 = wg_noise_consume_initiation(&b.l, &m, FZ_NOW + WG_NSEC_PER_SEC,
					   &rp2);
	FZ_CHECK(err2 == WG_NOISE_ERR_REPLAY);
	FZ_CHECK(!wg_noise_create_response(rp, &resp, FZ_NOW));
	FZ_CHECK(le32toh(resp.header.type) == WG_MSG_RESPONSE);
	FZ_CHECK(le32toh(resp.receiver_index) == le32toh(m.sender_index));
	FZ_CHECK(rp->next != NULL);
out:
	fz_side_destroy(&b);
	return 0;
}

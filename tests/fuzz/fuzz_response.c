// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Handshake response consumer: interface A (peers B and C) has sent B an
 * initiation (the same ephemeral and index every time, the random stream
 * being reset) and takes the input, zero-padded or cut to 92 bytes, as the
 * response. A refusal must leave both remotes as they were and repeat
 * identically; an accepted response must yield a current keypair that
 * seals, and a second copy must be refused (the handshake is used up).
 */
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A after its initiation to B, into *m; B's psk with A is psk. */
static void start(struct fz_side *a, struct wg_msg_initiation *m)
{
	struct timespec wall = { .tv_sec = FZ_WALL_SEC };
	uint8_t key[WG_KEY_LEN];

	wg_fuzz_rng_reset();
	fz_side_init(a, 0, 1, 2);
	memset(key, 0x55, sizeof(key));
	wg_noise_remote_set_psk(&a->r[1], key);
	FZ_CHECK(!wg_noise_create_initiation(&a->r[0], m, &wall, FZ_NOW));
	wg_cookie_maker_add_macs(&a->cm, m, sizeof(*m), FZ_NOW);
}

static void write_seeds(const char *dir)
{
	struct wg_msg_initiation m;
	struct wg_msg_response resp;
	struct noise_remote *rp = NULL;
	struct fz_side a, b;

	start(&a, &m);
	fz_side_init(&b, 1, 0, -1);
	FZ_CHECK(wg_noise_consume_initiation(&b.l, &m, FZ_NOW, &rp) ==
		 WG_NOISE_OK);
	FZ_CHECK(!wg_noise_create_response(rp, &resp, FZ_NOW));
	wg_cookie_maker_add_macs(&b.cm, &resp, sizeof(resp), FZ_NOW);
	wg_fuzz_write_seed(dir, "from_b", &resp, sizeof(resp));
	resp.receiver_index ^= htole32(1);
	wg_fuzz_write_seed(dir, "wrong_index", &resp, sizeof(resp));
	fz_side_destroy(&b);
	fz_side_destroy(&a);
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
	struct wg_msg_initiation init;
	struct wg_msg_response m;
	struct noise_keypair *kp;
	uint8_t msg[WG_MSG_DATA_MIN_LEN + 64];
	size_t len;
	bool rekey;
	struct fz_side a;

	memset(&m, 0, sizeof(m));
	memcpy(&m, data, size < sizeof(m) ? size : sizeof(m));
	start(&a, &init);

	for (int i = 0; i < 2; i++)
		fz_remote_state(&a.r[i], &before[i]);
	err = wg_noise_consume_response(&a.l, &m, FZ_NOW, &rp);
	for (int i = 0; i < 2; i++)
		fz_remote_state(&a.r[i], &after[i]);
	FZ_TRACE("response: %s\n", wg_noise_strerror(err));
	if (err != WG_NOISE_OK) {
		FZ_CHECK(rp == NULL);
		for (int i = 0; i < 2; i++)
			FZ_CHECK(fz_remote_state_eq(&before[i], &after[i]));
		err2 = wg_noise_consume_response(&a.l, &m, FZ_NOW, &rp2);
		FZ_CHECK(err2 == err);
		FZ_CHECK(fz_live_indexes(&a) == 1);
		goto out;
	}
	FZ_CHECK(rp == &a.r[0]);
	FZ_CHECK(rp->current != NULL);
	FZ_CHECK(rp->current->remote_index == le32toh(m.sender_index));
	err2 = wg_noise_consume_response(&a.l, &m, FZ_NOW, &rp2);
	FZ_CHECK(err2 == WG_NOISE_ERR_STATE);
	kp = wg_noise_keypair_current(rp);
	FZ_CHECK(kp != NULL);
	FZ_CHECK(wg_noise_encrypt(kp, msg, sizeof(msg), 0, 0, FZ_NOW, &len,
				  &rekey) == WG_NOISE_OK);
	FZ_CHECK(len == WG_MSG_DATA_MIN_LEN);
	wg_noise_keypair_put(kp);
out:
	fz_side_destroy(&a);
	return 0;
}

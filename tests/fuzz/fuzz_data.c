// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Data message decryption. A real handshake between A and B runs once at
 * start (deterministically, so seeds made from it stay valid); every input
 * then meets B's new session with an empty replay window. The first input
 * byte picks how the rest is used:
 *
 *   0  the whole message: B finds the keypair by receiver index, as the
 *      receive path does, and decrypts;
 *   1  counter (8 bytes, little-endian) and ciphertext: the header is
 *      B's own receiver index, so the fuzzer always reaches the AEAD;
 *   2  3-byte counters: A seals a packet under each, B opens it, and the
 *      result must match a naive replay window (never seen, at most
 *      WG_REPLAY_WINDOW behind the greatest accepted).
 *
 * Failures must leave the keypair's replay window untouched.
 */
#include <string.h>

#include "fuzz.h"

#define MAX_MSG 2048
#define MAX_SEQ 64

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fz_side a, b;
static struct noise_keypair *akp, *bkp; /* A's current, B's next */
static struct wg_replay fresh;

static void handshake(void)
{
	struct timespec wall = { .tv_sec = FZ_WALL_SEC };
	struct noise_remote *rp = NULL;
	struct wg_msg_initiation init;
	struct wg_msg_response resp;

	wg_fuzz_rng_reset();
	fz_side_init(&a, 0, 1, -1);
	fz_side_init(&b, 1, 0, -1);
	FZ_CHECK(!wg_noise_create_initiation(&a.r[0], &init, &wall, FZ_NOW));
	FZ_CHECK(wg_noise_consume_initiation(&b.l, &init, FZ_NOW, &rp) ==
		 WG_NOISE_OK);
	FZ_CHECK(!wg_noise_create_response(rp, &resp, FZ_NOW));
	FZ_CHECK(wg_noise_consume_response(&a.l, &resp, FZ_NOW, &rp) ==
		 WG_NOISE_OK);
	akp = wg_noise_keypair_current(&a.r[0]);
	FZ_CHECK(akp != NULL);
	bkp = b.r[0].next;
	FZ_CHECK(bkp != NULL);
	wg_noise_keypair_get(bkp);
	fresh = bkp->replay;
}

/* A seals plen bytes of pattern under counter c into msg; the length. */
static size_t seal(uint8_t *msg, size_t plen, uint64_t c)
{
	size_t len;
	bool rekey;

	memset(msg + WG_DATA_HEADER_LEN, 0x45, plen);
	atomic_store(&akp->send_counter, c);
	FZ_CHECK(wg_noise_encrypt(akp, msg, MAX_MSG, plen, 0, FZ_NOW, &len,
				  &rekey) == WG_NOISE_OK);
	return len;
}

static void write_seeds(const char *dir)
{
	static const struct {
		const char *name;
		size_t plen;
		uint64_t counter;
	} pk[] = {
		{ "keepalive", 0, 0 },
		{ "ping", 84, 1 },
		{ "jump", 40, 100000 },
		{ "unpadded", 1419, 7 },
	};
	uint8_t buf[1 + MAX_MSG], *msg = buf + 1;
	size_t len;

	for (size_t i = 0; i < sizeof(pk) / sizeof(pk[0]); i++) {
		char name[64];

		len = seal(msg, pk[i].plen, pk[i].counter);
		buf[0] = 0;
		snprintf(name, sizeof(name), "msg_%s", pk[i].name);
		wg_fuzz_write_seed(dir, name, buf, len + 1);
		/* Mode 1: counter and ciphertext, without type and index. */
		memmove(msg, msg + 8, len - 8);
		buf[0] = 1;
		snprintf(name, sizeof(name), "ct_%s", pk[i].name);
		wg_fuzz_write_seed(dir, name, buf, len - 8 + 1);
	}
	/* Mode 2: in order, a repeat, a jump, the window's edge, too old. */
	{
		static const uint32_t seq[] = { 0, 1, 2, 1, 9000, 872, 871,
						9000, 8999, 5 };
		uint8_t s[1 + 3 * 10];

		s[0] = 2;
		for (size_t i = 0; i < 10; i++) {
			s[1 + 3 * i] = (uint8_t)seq[i];
			s[2 + 3 * i] = (uint8_t)(seq[i] >> 8);
			s[3 + 3 * i] = (uint8_t)(seq[i] >> 16);
		}
		wg_fuzz_write_seed(dir, "replay_seq", s, sizeof(s));
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	wg_fuzz_init();
	handshake();
	wg_fuzz_seeds(write_seeds);
	return 0;
}

/* B's receive path for msg: the keypair by index, then decrypt. */
static enum wg_noise_error receive(uint8_t *msg, size_t len)
{
	const struct wg_msg_data *hdr = (const struct wg_msg_data *)msg;
	struct noise_keypair *kp = NULL;
	struct wg_replay before;
	struct noise_remote *r;
	enum wg_noise_error err;
	size_t plen = 0;
	bool rekey = false;

	if (len < WG_MSG_DATA_MIN_LEN)
		return WG_NOISE_ERR_LENGTH;
	r = b.l.upcall.index_get(b.l.upcall.arg, le32toh(hdr->receiver_index));
	if (r)
		kp = wg_noise_keypair_lookup(r, le32toh(hdr->receiver_index));
	if (!kp)
		return WG_NOISE_ERR_UNKNOWN_INDEX;
	FZ_CHECK(kp == bkp);
	before = kp->replay;
	err = wg_noise_decrypt(kp, msg, len, FZ_NOW, &plen, &rekey);
	if (err != WG_NOISE_OK) {
		FZ_CHECK(!memcmp(&before, &kp->replay, sizeof(before)));
	} else {
		FZ_CHECK(plen == len - WG_MSG_DATA_MIN_LEN);
		FZ_CHECK(!rekey); /* B is the responder */
	}
	wg_noise_keypair_put(kp);
	return err;
}

static void replay_model(const uint8_t *data, size_t size)
{
	uint64_t seen[MAX_SEQ], max = 0;
	uint8_t msg[MAX_MSG];
	size_t n = 0;
	bool any = false;

	for (size_t i = 0; i + 3 <= size && i / 3 < MAX_SEQ; i += 3) {
		uint64_t c = data[i] | (uint64_t)data[i + 1] << 8 |
			     (uint64_t)data[i + 2] << 16;
		bool expect = !any || c > max || max - c <= WG_REPLAY_WINDOW;
		enum wg_noise_error err;
		size_t len = seal(msg, 0, c);

		for (size_t j = 0; j < n; j++)
			if (seen[j] == c)
				expect = false;
		err = receive(msg, len);
		FZ_TRACE("data: counter %llu: %s\n", (unsigned long long)c,
			 wg_noise_strerror(err));
		if (expect) {
			FZ_CHECK(err == WG_NOISE_OK);
			seen[n++] = c;
			if (!any || c > max)
				max = c;
			any = true;
		} else {
			FZ_CHECK(err == WG_NOISE_ERR_COUNTER_REPLAY);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t msg[MAX_MSG];
	enum wg_noise_error err, err2;
	size_t len;

	if (size < 1 || size > MAX_MSG)
		return 0;
	bkp->replay = fresh;
	switch (data[0] % 3) {
	case 0:
		len = size - 1;
		memcpy(msg, data + 1, len);
		break;
	case 1:
		len = size - 1 + 8;
		if (len > MAX_MSG)
			return 0;
		msg[0] = WG_MSG_DATA;
		msg[1] = msg[2] = msg[3] = 0;
		memcpy(msg + 4, &(uint32_t){ htole32(bkp->local_index) }, 4);
		memcpy(msg + 8, data + 1, size - 1);
		break;
	default:
		replay_model(data + 1, size - 1);
		return 0;
	}
	{
		uint8_t copy[MAX_MSG];

		memcpy(copy, msg, len);
		err = receive(msg, len);
		FZ_TRACE("data: %s\n", wg_noise_strerror(err));
		/* Again: a success is now a replay, a failure the same. */
		err2 = receive(copy, len);
		if (err == WG_NOISE_OK)
			FZ_CHECK(err2 == WG_NOISE_ERR_COUNTER_REPLAY);
		else
			FZ_CHECK(err2 == err);
	}
	return 0;
}

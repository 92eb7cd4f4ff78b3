// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * WireGuard's primitives over libb2 and libsodium. See crypto.h for the
 * contract of each; the only constructions composed here are HMAC (RFC 2104)
 * over BLAKE2s and the HKDF expansion of the whitepaper's KDF_n.
 *
 * The transport AEAD (wg_aead_seal/open, ChaCha20-Poly1305 with a counter
 * nonce: every data packet) goes through OpenSSL's libcrypto for large
 * packets, whose assembly streams faster than libsodium's on x86-64
 * (bench/aead.c); each thread keeps one EVP context and sets key and nonce
 * per call. But EVP costs several hundred ns per call whatever the length
 * (the provider's init, final and tag parameters), about twice libsodium's
 * fixed cost, so small packets (TCP ACKs, keepalives, small datagrams) are
 * faster with libsodium: wg_crypto_calibrate() times both at start and
 * sets the length from which OpenSSL takes over. Should OpenSSL fail,
 * libsodium does the job. Everything else stays libsodium.
 */
#include "crypto.h"

#include <blake2.h>
#include <endian.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#define BLAKE2S_BLOCK_LEN 64

_Static_assert(crypto_aead_chacha20poly1305_ietf_ABYTES == WG_AEAD_TAG_LEN,
	       "tag length");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES ==
		       WG_COOKIE_NONCE_LEN,
	       "xchacha nonce length");
_Static_assert(crypto_scalarmult_curve25519_BYTES == WG_KEY_LEN, "key length");

int wg_crypto_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void wg_hash(uint8_t out[WG_HASH_LEN], const void *in, size_t len)
{
	blake2s_state s;

	blake2s_init(&s, WG_HASH_LEN);
	blake2s_update(&s, in, len);
	blake2s_final(&s, out, WG_HASH_LEN);
}

void wg_hash2(uint8_t out[WG_HASH_LEN], const void *a, size_t alen,
	      const void *b, size_t blen)
{
	blake2s_state s;

	blake2s_init(&s, WG_HASH_LEN);
	blake2s_update(&s, a, alen);
	blake2s_update(&s, b, blen);
	blake2s_final(&s, out, WG_HASH_LEN);
}

void wg_mac(uint8_t out[WG_MAC_LEN], const uint8_t *key, size_t keylen,
	    const void *in, size_t len)
{
	blake2s_state s;

	blake2s_init_key(&s, WG_MAC_LEN, key, keylen);
	blake2s_update(&s, in, len);
	blake2s_final(&s, out, WG_MAC_LEN);
	sodium_memzero(&s, sizeof(s));
}

void wg_hmac(uint8_t out[WG_HASH_LEN], const uint8_t *key, size_t keylen,
	     const void *in, size_t len)
{
	uint8_t k[BLAKE2S_BLOCK_LEN] = { 0 }, pad[BLAKE2S_BLOCK_LEN];
	uint8_t inner[WG_HASH_LEN];
	blake2s_state s;

	if (keylen > BLAKE2S_BLOCK_LEN)
		wg_hash(k, key, keylen);
	else
		memcpy(k, key, keylen);

	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = k[i] ^ 0x36;
	blake2s_init(&s, WG_HASH_LEN);
	blake2s_update(&s, pad, sizeof(pad));
	blake2s_update(&s, in, len);
	blake2s_final(&s, inner, sizeof(inner));

	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = k[i] ^ 0x5c;
	blake2s_init(&s, WG_HASH_LEN);
	blake2s_update(&s, pad, sizeof(pad));
	blake2s_update(&s, inner, sizeof(inner));
	blake2s_final(&s, out, WG_HASH_LEN);

	sodium_memzero(k, sizeof(k));
	sodium_memzero(pad, sizeof(pad));
	sodium_memzero(inner, sizeof(inner));
	sodium_memzero(&s, sizeof(s));
}

void wg_kdf(uint8_t *t1, uint8_t *t2, uint8_t *t3,
	    const uint8_t key[WG_HASH_LEN], const void *in, size_t len)
{
	uint8_t prk[WG_HASH_LEN], buf[WG_HASH_LEN + 1];
	uint8_t *outs[3] = { t1, t2, t3 };

	/* Extract: PRK = HMAC(key, in). Expand: T_i = HMAC(PRK, T_{i-1} || i). */
	wg_hmac(prk, key, WG_HASH_LEN, in, len);
	for (int i = 0; i < 3 && outs[i]; i++) {
		size_t n = 0;

		if (i > 0) {
			memcpy(buf, outs[i - 1], WG_HASH_LEN);
			n = WG_HASH_LEN;
		}
		buf[n++] = (uint8_t)(i + 1);
		wg_hmac(outs[i], prk, WG_HASH_LEN, buf, n);
	}
	sodium_memzero(prk, sizeof(prk));
	sodium_memzero(buf, sizeof(buf));
}

static void counter_nonce(uint8_t nonce[12], uint64_t counter)
{
	uint64_t le = htole64(counter);

	memset(nonce, 0, 4);
	memcpy(nonce + 4, &le, sizeof(le));
}

/* Packets of at least this many bytes go through OpenSSL (0: all). */
static _Atomic size_t evp_from;

static pthread_key_t evp_key;
static pthread_once_t evp_once = PTHREAD_ONCE_INIT;
static bool evp_ok;

/* Thread exit: the context holds the last key used. */
static void evp_free(void *ctx)
{
	EVP_CIPHER_CTX_free(ctx);
}

static void evp_init(void)
{
	evp_ok = pthread_key_create(&evp_key, evp_free) == 0;
}

/* This thread's ChaCha20-Poly1305 context, NULL when OpenSSL fails. */
static EVP_CIPHER_CTX *evp_ctx(void)
{
	EVP_CIPHER_CTX *ctx;

	pthread_once(&evp_once, evp_init);
	if (!evp_ok)
		return NULL;
	ctx = pthread_getspecific(evp_key);
	if (ctx)
		return ctx;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return NULL;
	if (EVP_CipherInit_ex(ctx, EVP_chacha20_poly1305(), NULL, NULL, NULL,
			      1) != 1 ||
	    pthread_setspecific(evp_key, ctx)) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/*
 * One ChaCha20-Poly1305 pass with OpenSSL: seal len bytes (tag written
 * after them) or open them (tag read after them). 0 on success, 1 when
 * the tag is wrong, -1 when OpenSSL fails before touching dst, -2 after.
 */
static int evp_aead(EVP_CIPHER_CTX *ctx, bool seal, uint8_t *dst,
		    const uint8_t *src, size_t len, const uint8_t *nonce,
		    const uint8_t *key, const uint8_t *ad, size_t adlen)
{
	uint8_t tag[WG_AEAD_TAG_LEN];
	int l;

	if (len > INT32_MAX || adlen > INT32_MAX ||
	    EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, seal) != 1)
		return -1;
	if (!seal) {
		memcpy(tag, src + len, sizeof(tag));
		if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, sizeof(tag),
					tag) != 1)
			return -1;
	}
	if (adlen && EVP_CipherUpdate(ctx, NULL, &l, ad, (int)adlen) != 1)
		return -1;
	if (len && EVP_CipherUpdate(ctx, dst, &l, src, (int)len) != 1)
		return -2;
	if (EVP_CipherFinal_ex(ctx, dst + len, &l) != 1)
		return seal ? -2 : 1;
	if (seal && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG,
				       WG_AEAD_TAG_LEN, dst + len) != 1)
		return -2;
	return 0;
}

void wg_aead_seal(uint8_t *dst, const uint8_t *src, size_t len,
		  uint64_t counter, const uint8_t key[WG_KEY_LEN],
		  const uint8_t *ad, size_t adlen)
{
	uint8_t nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES];
	EVP_CIPHER_CTX *ctx;
	int ret = -1;

	counter_nonce(nonce, counter);
	if (len < atomic_load_explicit(&evp_from, memory_order_relaxed))
		ctx = NULL;
	else
		ctx = evp_ctx();
	if (ctx)
		ret = evp_aead(ctx, true, dst, src, len, nonce, key, ad, adlen);
	if (ret == -2) /* src may be gone (in place): send nothing readable */
		wg_wipe(dst, len + WG_AEAD_TAG_LEN);
	if (ret != -1)
		return;
	crypto_aead_chacha20poly1305_ietf_encrypt(dst, NULL, src, len, ad, adlen,
						  NULL, nonce, key);
}

bool wg_aead_open(uint8_t *dst, const uint8_t *src, size_t len,
		  uint64_t counter, const uint8_t key[WG_KEY_LEN],
		  const uint8_t *ad, size_t adlen)
{
	uint8_t nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES];

	EVP_CIPHER_CTX *ctx;
	int ret;

	if (len < WG_AEAD_TAG_LEN)
		return false;
	counter_nonce(nonce, counter);
	ctx = len - WG_AEAD_TAG_LEN < atomic_load_explicit(&evp_from,
							  memory_order_relaxed) ?
		      NULL :
		      evp_ctx();
	if (ctx) {
		ret = evp_aead(ctx, false, dst, src, len - WG_AEAD_TAG_LEN,
			       nonce, key, ad, adlen);
		if (ret == 0)
			return true;
		if (ret != -1) {
			/* Never leave unauthenticated plaintext behind. */
			wg_wipe(dst, len - WG_AEAD_TAG_LEN);
			return false;
		}
	}
	return crypto_aead_chacha20poly1305_ietf_decrypt(
		       dst, NULL, NULL, src, len, ad, adlen, nonce, key) == 0;
}

void wg_crypto_set_evp_from(size_t len)
{
	atomic_store(&evp_from, len);
}

size_t wg_crypto_evp_from(void)
{
	return atomic_load(&evp_from);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The fastest of five rounds of CAL_SEALS seals of len bytes, in ns. */
#define CAL_SEALS 32
static uint64_t time_seals(bool openssl, uint8_t *buf, size_t len,
			   const uint8_t *key)
{
	uint64_t best = UINT64_MAX;

	wg_crypto_set_evp_from(openssl ? 0 : SIZE_MAX);
	for (int round = 0; round < 5; round++) {
		uint64_t t0 = mono_ns(), t;

		for (uint64_t i = 0; i < CAL_SEALS; i++)
			wg_aead_seal(buf, buf, len, i, key, NULL, 0);
		t = mono_ns() - t0;
		if (t < best)
			best = t;
	}
	return best;
}

/*
 * Per packet, EVP has the larger fixed cost and libsodium the larger cost
 * per byte, but not in a straight line: OpenSSL's assembly is slow on a
 * tail short of a 64-byte block (1420 bytes, a full packet at the default
 * MTU, seals slower than 1536 here). So time both at the lengths packets
 * have (the tunnel's MTU among them) and let OpenSSL take the longest run
 * of lengths it wins, from the top.
 */
size_t wg_crypto_calibrate(size_t mtu)
{
	size_t sizes[] = { 64, 256, 512, 768, 1024, 1280, 1420, 1536, 0 };
	const size_t n = sizeof(sizes) / sizeof(sizes[0]);
	uint8_t key[WG_KEY_LEN], *buf;
	size_t from = SIZE_MAX, max = 1536;

	/* The MTU's packet, where it is none of the above (sorted in). */
	if (mtu > 1536 && mtu <= 65535)
		max = mtu;
	sizes[n - 1] = mtu >= 64 && mtu <= 65535 ? mtu : 1420;
	for (size_t i = n - 1; i > 0 && sizes[i] < sizes[i - 1]; i--) {
		size_t t = sizes[i];

		sizes[i] = sizes[i - 1];
		sizes[i - 1] = t;
	}
	buf = calloc(1, max + WG_AEAD_TAG_LEN);
	if (!buf || !evp_ctx()) {
		free(buf);
		wg_crypto_set_evp_from(buf ? SIZE_MAX : 0);
		return wg_crypto_evp_from();
	}
	randombytes_buf(key, sizeof(key));
	/* Warm both up (first calls fault pages and fill caches). */
	time_seals(true, buf, max, key);
	time_seals(false, buf, max, key);
	for (size_t i = n; i-- > 0;) {
		if (time_seals(true, buf, sizes[i], key) >=
		    time_seals(false, buf, sizes[i], key))
			break;
		from = sizes[i];
	}
	sodium_memzero(key, sizeof(key));
	free(buf);
	/* OpenSSL wins even the shortest: it takes all. */
	if (from == sizes[0])
		from = 0;
	wg_crypto_set_evp_from(from);
	return from;
}

void wg_xaead_seal(uint8_t *dst, const uint8_t *src, size_t len,
		   const uint8_t nonce[WG_COOKIE_NONCE_LEN],
		   const uint8_t key[WG_KEY_LEN], const uint8_t *ad,
		   size_t adlen)
{
	crypto_aead_xchacha20poly1305_ietf_encrypt(dst, NULL, src, len, ad,
						   adlen, NULL, nonce, key);
}

bool wg_xaead_open(uint8_t *dst, const uint8_t *src, size_t len,
		   const uint8_t nonce[WG_COOKIE_NONCE_LEN],
		   const uint8_t key[WG_KEY_LEN], const uint8_t *ad,
		   size_t adlen)
{
	if (len < WG_AEAD_TAG_LEN)
		return false;
	return crypto_aead_xchacha20poly1305_ietf_decrypt(
		       dst, NULL, NULL, src, len, ad, adlen, nonce, key) == 0;
}

void wg_clamp(uint8_t key[WG_KEY_LEN])
{
	key[0] &= 248;
	key[31] = (key[31] & 127) | 64;
}

void wg_pubkey(uint8_t pub[WG_KEY_LEN], const uint8_t priv[WG_KEY_LEN])
{
	uint8_t k[WG_KEY_LEN];

	memcpy(k, priv, sizeof(k));
	wg_clamp(k);
	crypto_scalarmult_curve25519_base(pub, k);
	sodium_memzero(k, sizeof(k));
}

bool wg_dh(uint8_t out[WG_KEY_LEN], const uint8_t priv[WG_KEY_LEN],
	   const uint8_t pub[WG_KEY_LEN])
{
	uint8_t k[WG_KEY_LEN];
	int ret;

	memcpy(k, priv, sizeof(k));
	wg_clamp(k);
	/* libsodium fails (-1) when the shared point is all zero. */
	ret = crypto_scalarmult_curve25519(out, k, pub);
	sodium_memzero(k, sizeof(k));
	if (ret != 0) {
		sodium_memzero(out, WG_KEY_LEN);
		return false;
	}
	return true;
}

void wg_genkey(uint8_t priv[WG_KEY_LEN])
{
	randombytes_buf(priv, WG_KEY_LEN);
	wg_clamp(priv);
}

void wg_tai64n(uint8_t out[WG_TAI64N_LEN], const struct timespec *now)
{
	uint64_t secs = htobe64(0x400000000000000aULL + (uint64_t)now->tv_sec);
	/*
	 * Round the nanoseconds down to a multiple of the largest power of two
	 * not above the flood interval (2^24 ns), as the Linux module and
	 * wireguard-go do, so the timestamp does not leak a fine-grained clock.
	 */
	uint32_t step = 1000000000u / WG_INITIATIONS_PER_SECOND;
	uint32_t nsec;

	while (step & (step - 1))
		step &= step - 1;
	nsec = htobe32((uint32_t)now->tv_nsec & ~(step - 1));

	memcpy(out, &secs, sizeof(secs));
	memcpy(out + sizeof(secs), &nsec, sizeof(nsec));
}

bool wg_ct_eq(const void *a, const void *b, size_t len)
{
	return sodium_memcmp(a, b, len) == 0;
}

bool wg_is_zero(const void *buf, size_t len)
{
	return sodium_is_zero(buf, len) == 1;
}

void wg_random(void *buf, size_t len)
{
	randombytes_buf(buf, len);
}

uint32_t wg_random_u32(void)
{
	return randombytes_random();
}

void wg_wipe(void *buf, size_t len)
{
	sodium_memzero(buf, len);
}

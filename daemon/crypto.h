/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The cryptographic primitives of WireGuard (whitepaper section 5.4), as thin
 * wrappers over libb2 (BLAKE2s) and libsodium (X25519, ChaCha20-Poly1305,
 * XChaCha20-Poly1305, randomness, wiping). Nothing here is hand-written
 * cryptography: only the HMAC and HKDF constructions are composed here.
 */
#ifndef WG_CRYPTO_H
#define WG_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "wire.h"

#define wg_must_check __attribute__((warn_unused_result))

/* Must be called once before any other function here (sodium_init). */
int wg_crypto_init(void);

/* HASH(in): unkeyed BLAKE2s-256. */
void wg_hash(uint8_t out[WG_HASH_LEN], const void *in, size_t len);
/* HASH(a || b): the Noise "mix hash" step without a temporary buffer. */
void wg_hash2(uint8_t out[WG_HASH_LEN], const void *a, size_t alen,
	      const void *b, size_t blen);
/* MAC(key, in): keyed BLAKE2s with a 16-byte output. */
void wg_mac(uint8_t out[WG_MAC_LEN], const uint8_t *key, size_t keylen,
	    const void *in, size_t len);
/* HMAC(key, in) with BLAKE2s-256 (block size 64). */
void wg_hmac(uint8_t out[WG_HASH_LEN], const uint8_t *key, size_t keylen,
	     const void *in, size_t len);
/*
 * KDF_n(key, in) (HKDF with HMAC-BLAKE2s): writes up to three 32-byte
 * outputs; pass NULL for those not wanted (KDF1 = t1 only, KDF2 = t1, t2).
 */
void wg_kdf(uint8_t *t1, uint8_t *t2, uint8_t *t3,
	    const uint8_t key[WG_HASH_LEN], const void *in, size_t len);

/*
 * AEAD(key, counter, plain, ad): ChaCha20-Poly1305 IETF with the nonce
 * 4 zero bytes || 64-bit little-endian counter. dst receives len + 16
 * bytes; dst == src is allowed (in place).
 */
void wg_aead_seal(uint8_t *dst, const uint8_t *src, size_t len,
		  uint64_t counter, const uint8_t key[WG_KEY_LEN],
		  const uint8_t *ad, size_t adlen);
/* src holds len bytes including the tag; dst receives len - 16 bytes. */
bool wg_aead_open(uint8_t *dst, const uint8_t *src, size_t len,
		  uint64_t counter, const uint8_t key[WG_KEY_LEN],
		  const uint8_t *ad, size_t adlen) wg_must_check;

/*
 * Which library wg_aead_seal/open use: OpenSSL for packets of at least
 * wg_crypto_evp_from() bytes (0, the default: all), libsodium below (the
 * same bytes either way). wg_crypto_calibrate() times both on this machine
 * and sets it (SIZE_MAX: OpenSSL never wins or fails) for packets up to
 * the tunnel's mtu among others; a few ms, once.
 */
size_t wg_crypto_calibrate(size_t mtu);
void wg_crypto_set_evp_from(size_t len);
size_t wg_crypto_evp_from(void);

/* XAEAD: XChaCha20-Poly1305 with a 24-byte random nonce (cookie replies). */
void wg_xaead_seal(uint8_t *dst, const uint8_t *src, size_t len,
		   const uint8_t nonce[WG_COOKIE_NONCE_LEN],
		   const uint8_t key[WG_KEY_LEN], const uint8_t *ad,
		   size_t adlen);
bool wg_xaead_open(uint8_t *dst, const uint8_t *src, size_t len,
		   const uint8_t nonce[WG_COOKIE_NONCE_LEN],
		   const uint8_t key[WG_KEY_LEN], const uint8_t *ad,
		   size_t adlen) wg_must_check;

/* Clamp a Curve25519 private key in place (RFC 7748 section 5). */
void wg_clamp(uint8_t key[WG_KEY_LEN]);
/* Public key of any 32-byte private key (clamped on a copy). */
void wg_pubkey(uint8_t pub[WG_KEY_LEN], const uint8_t priv[WG_KEY_LEN]);
/* DH(priv, pub) = X25519; false for an all-zero (low-order) result. */
bool wg_dh(uint8_t out[WG_KEY_LEN], const uint8_t priv[WG_KEY_LEN],
	   const uint8_t pub[WG_KEY_LEN]) wg_must_check;
/* A fresh random private key, clamped as `wg genkey` prints it. */
void wg_genkey(uint8_t priv[WG_KEY_LEN]);

/* TAI64N of a wall-clock time: 8-byte big-endian 2^62 + s, 4-byte ns. */
void wg_tai64n(uint8_t out[WG_TAI64N_LEN], const struct timespec *now);

/* Constant-time equality of two buffers of the same length. */
bool wg_ct_eq(const void *a, const void *b, size_t len) wg_must_check;
/* Constant-time test for all zero bytes. */
bool wg_is_zero(const void *buf, size_t len) wg_must_check;
void wg_random(void *buf, size_t len);
uint32_t wg_random_u32(void);
/* Wipe a secret (sodium_memzero: never optimised away). */
void wg_wipe(void *buf, size_t len);

#endif /* WG_CRYPTO_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * aead: the ceiling for any WireGuard data path on this machine, the rate at
 * which one core seals 1420-byte packets with ChaCha20-Poly1305 (IETF), the
 * transport AEAD: first with libsodium, then with OpenSSL's EVP interface
 * the way daemon/crypto.c calls it (key and nonce set per packet on a
 * reused context). Prints two lines:
 *   aead: <GB/s> GB/s <packets/s> packets/s (<bytes>-byte packets, 1 core)
 *   aead-openssl: <GB/s> GB/s <packets/s> packets/s (...)
 * Usage: aead [seconds] [packet-bytes]
 */
#include <openssl/evp.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2.0;
	size_t len = argc > 2 ? (size_t)atol(argv[2]) : 1420;
	unsigned char key[crypto_aead_chacha20poly1305_IETF_KEYBYTES];
	unsigned char nonce[crypto_aead_chacha20poly1305_IETF_NPUBBYTES] = { 0 };
	unsigned char *buf;
	unsigned long long clen, n = 0;
	uint64_t counter = 0;
	double t0, t1;
	EVP_CIPHER_CTX *ctx;
	int l;

	if (sodium_init() < 0 || len == 0 || len > 65535 || secs <= 0) {
		fprintf(stderr, "usage: aead [seconds] [packet-bytes]\n");
		return 1;
	}
	buf = calloc(1, len + crypto_aead_chacha20poly1305_IETF_ABYTES);
	if (!buf)
		return 1;
	randombytes_buf(key, sizeof(key));
	t0 = now();
	do {
		/* Batches of 1024 between clock reads; a fresh nonce per packet
		 * as in WireGuard (counter in the last 8 bytes). */
		for (int i = 0; i < 1024; i++, counter++) {
			for (int b = 0; b < 8; b++)
				nonce[4 + b] = (unsigned char)(counter >> (8 * b));
			crypto_aead_chacha20poly1305_ietf_encrypt(buf, &clen,
				buf, len, NULL, 0, NULL, nonce, key);
		}
		n += 1024;
		t1 = now();
	} while (t1 - t0 < secs);
	printf("aead: %.3f GB/s %.0f packets/s (%zu-byte packets, 1 core)\n",
	       (double)n * (double)len / (t1 - t0) / 1e9,
	       (double)n / (t1 - t0), len);

	ctx = EVP_CIPHER_CTX_new();
	if (!ctx || EVP_EncryptInit_ex(ctx, EVP_chacha20_poly1305(), NULL, NULL,
				       NULL) != 1)
		return 1;
	n = 0;
	t0 = now();
	do {
		for (int i = 0; i < 1024; i++, counter++) {
			for (int b = 0; b < 8; b++)
				nonce[4 + b] = (unsigned char)(counter >> (8 * b));
			if (EVP_EncryptInit_ex(ctx, NULL, NULL, key, nonce) != 1 ||
			    EVP_EncryptUpdate(ctx, buf, &l, buf, (int)len) != 1 ||
			    EVP_EncryptFinal_ex(ctx, buf + len, &l) != 1 ||
			    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16,
						buf + len) != 1)
				return 1;
		}
		n += 1024;
		t1 = now();
	} while (t1 - t0 < secs);
	printf("aead-openssl: %.3f GB/s %.0f packets/s (%zu-byte packets, 1 core)\n",
	       (double)n * (double)len / (t1 - t0) / 1e9,
	       (double)n / (t1 - t0), len);
	EVP_CIPHER_CTX_free(ctx);
	sodium_memzero(key, sizeof(key));
	free(buf);
	return 0;
}

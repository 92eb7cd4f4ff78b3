// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Key encodings: round trips checked against libsodium's own encoders, every
 * single-character corruption of a valid string checked against a naive
 * strict decoder written here, and the RFC 7748 section 6.1 key pairs.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "crypto.h"
#include "keys.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* RFC 7748 section 6.1, as bytes and (computed once, offline) as base64. */
static const uint8_t alice_priv[32] = {
	0x77, 0x07, 0x6d, 0x0a, 0x73, 0x18, 0xa5, 0x7d, 0x3c, 0x16, 0xc1,
	0x72, 0x51, 0xb2, 0x66, 0x45, 0xdf, 0x4c, 0x2f, 0x87, 0xeb, 0xc0,
	0x99, 0x2a, 0xb1, 0x77, 0xfb, 0xa5, 0x1d, 0xb9, 0x2c, 0x2a,
};
static const uint8_t bob_priv[32] = {
	0x5d, 0xab, 0x08, 0x7e, 0x62, 0x4a, 0x8a, 0x4b, 0x79, 0xe1, 0x7f,
	0x8b, 0x83, 0x80, 0x0e, 0xe6, 0x6f, 0x3b, 0xb1, 0x29, 0x26, 0x18,
	0xb6, 0xfd, 0x1c, 0x2f, 0x8b, 0x27, 0xff, 0x88, 0xe0, 0xeb,
};
static const char alice_priv_b64[] =
	"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=";
static const char alice_pub_b64[] =
	"hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=";
static const char bob_priv_b64[] =
	"XasIfmJKikt54X+Lg4AO5m87sSkmGLb9HC+LJ/+I4Os=";
static const char bob_pub_b64[] =
	"3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=";
static const char alice_pub_hex[] =
	"8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";

/* Naive strict decoder: the obvious table version of the rules. */
static int ref_b64(uint8_t key[32], const char *s)
{
	uint32_t acc = 0;
	int bits = 0, n = 0;
	const char *p;

	if (strlen(s) != 44 || s[43] != '=')
		return -1;
	for (int i = 0; i < 43; i++) {
		if (!s[i] || !(p = strchr(alphabet, s[i])))
			return -1;
		acc = acc << 6 | (uint32_t)(p - alphabet);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			key[n++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return acc ? -1 : 0; /* two bits left over must be zero */
}

static int ref_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int setup(void **state)
{
	(void)state;
	return wg_crypto_init();
}

static void b64_roundtrip_matches_libsodium(void **state)
{
	uint8_t key[32], back[32];
	char ours[45], theirs[sodium_base64_ENCODED_LEN(
		32, sodium_base64_VARIANT_ORIGINAL)];

	(void)state;
	for (int i = 0; i < 2000; i++) {
		if (i == 0)
			memset(key, 0, sizeof(key));
		else if (i == 1)
			memset(key, 0xff, sizeof(key));
		else
			randombytes_buf(key, sizeof(key));
		memset(ours, 'X', sizeof(ours));
		wg_key_to_base64(ours, key);
		sodium_bin2base64(theirs, sizeof(theirs), key, sizeof(key),
				  sodium_base64_VARIANT_ORIGINAL);
		assert_int_equal(strlen(ours), 44);
		assert_string_equal(ours, theirs);
		memset(back, 0, sizeof(back));
		assert_int_equal(wg_key_from_base64(back, ours), 0);
		assert_memory_equal(back, key, 32);
	}
}

static void hex_roundtrip_matches_libsodium(void **state)
{
	uint8_t key[32], back[32];
	char ours[65], theirs[65], upper[65];

	(void)state;
	for (int i = 0; i < 2000; i++) {
		randombytes_buf(key, sizeof(key));
		memset(ours, 'X', sizeof(ours));
		wg_key_to_hex(ours, key);
		sodium_bin2hex(theirs, sizeof(theirs), key, sizeof(key));
		assert_string_equal(ours, theirs); /* lowercase */
		memset(back, 0, sizeof(back));
		assert_int_equal(wg_key_from_hex(back, ours), 0);
		assert_memory_equal(back, key, 32);
		for (int j = 0; j < 65; j++)
			upper[j] = (char)(ours[j] >= 'a' ? ours[j] - 32
							  : ours[j]);
		memset(back, 0, sizeof(back));
		assert_int_equal(wg_key_from_hex(back, upper), 0);
		assert_memory_equal(back, key, 32);
	}
}

/*
 * Every byte value at every position of valid strings: ours must accept
 * exactly what the naive decoder accepts (alphabet only, '=' only last,
 * zero low bits in the 43rd character) and decode to the same key; on
 * rejection the output must be untouched.
 */
static void b64_every_single_char_corruption(void **state)
{
	uint8_t key[32], got[32], want[32], sentinel[32];
	char s[45], t[45];
	int accepted = 0, rejected = 0, noncanon = 0;

	(void)state;
	memset(sentinel, 0xa5, sizeof(sentinel));
	for (int round = 0; round < 4; round++) {
		randombytes_buf(key, sizeof(key));
		wg_key_to_base64(s, key);
		for (int pos = 0; pos < 44; pos++) {
			for (int c = 1; c < 256; c++) {
				int rw, rg;

				memcpy(t, s, sizeof(t));
				t[pos] = (char)c;
				rw = ref_b64(want, t);
				memcpy(got, sentinel, sizeof(got));
				rg = wg_key_from_base64(got, t);
				if (rw == 0) {
					assert_int_equal(rg, 0);
					assert_memory_equal(got, want, 32);
					accepted++;
				} else {
					assert_int_equal(rg, -EINVAL);
					assert_memory_equal(got, sentinel, 32);
					rejected++;
					if (pos == 42 && strchr(alphabet, c))
						noncanon++;
				}
			}
		}
	}
	/* Per round: 42 positions x 64 + 16 canonical at 42 + '=' at 43. */
	assert_int_equal(accepted, 4 * (42 * 64 + 16 + 1));
	assert_int_equal(noncanon, 4 * 48);
	assert_true(rejected > 0);
}

static void b64_rejects_bad_shapes(void **state)
{
	uint8_t got[32], sentinel[32];
	char s[64];
	const char *k = alice_priv_b64;

	(void)state;
	memset(sentinel, 0x5a, sizeof(sentinel));
	memcpy(got, sentinel, sizeof(got));
#define REJECT(str)                                                        \
	do {                                                               \
		assert_int_equal(wg_key_from_base64(got, (str)), -EINVAL); \
		assert_memory_equal(got, sentinel, 32);                    \
	} while (0)

	REJECT("");
	REJECT("=");
	REJECT(NULL);
	/* 43: the '=' dropped; 43: a data character dropped. */
	snprintf(s, sizeof(s), "%.43s", k);
	REJECT(s);
	snprintf(s, sizeof(s), "%.42s=", k);
	REJECT(s);
	/* 45: an extra '=', an extra data character, a newline. */
	snprintf(s, sizeof(s), "%s=", k);
	REJECT(s);
	snprintf(s, sizeof(s), "%sA", k);
	REJECT(s);
	snprintf(s, sizeof(s), "%s\n", k);
	REJECT(s);
	/* 44 without any '=' (a data character in its place). */
	snprintf(s, sizeof(s), "%.43sA", k);
	REJECT(s);
	/* 44 with '==' (the last data character replaced by padding). */
	snprintf(s, sizeof(s), "%.42s==", k);
	REJECT(s);
	/* '=' in the middle, the URL-safe alphabet, a space, a NUL inside. */
	snprintf(s, sizeof(s), "%s", k);
	s[10] = '=';
	REJECT(s);
	snprintf(s, sizeof(s), "%s", bob_priv_b64); /* has '+' and '/' */
	for (int i = 0; i < 44; i++)
		s[i] = s[i] == '+' ? '-' : s[i] == '/' ? '_' : s[i];
	REJECT(s);
	snprintf(s, sizeof(s), "%s", k);
	s[0] = ' ';
	REJECT(s);
	snprintf(s, sizeof(s), "%s", k);
	s[20] = '\0';
	REJECT(s);
	/* Non-canonical: low bits of the 43rd character set ('o' -> 'p'). */
	snprintf(s, sizeof(s), "%s", k);
	assert_int_equal(s[42], 'o');
	s[42] = 'p';
	REJECT(s);
	s[42] = 'r';
	REJECT(s);
#undef REJECT
}

static void hex_every_single_char_corruption(void **state)
{
	uint8_t key[32], got[32], sentinel[32];
	char s[65], t[65];
	int accepted = 0;

	(void)state;
	memset(sentinel, 0xa5, sizeof(sentinel));
	randombytes_buf(key, sizeof(key));
	wg_key_to_hex(s, key);
	for (int pos = 0; pos < 64; pos++) {
		for (int c = 1; c < 256; c++) {
			int d = ref_hex_digit(c);

			memcpy(t, s, sizeof(t));
			t[pos] = (char)c;
			memcpy(got, sentinel, sizeof(got));
			if (d < 0) {
				assert_int_equal(wg_key_from_hex(got, t),
						 -EINVAL);
				assert_memory_equal(got, sentinel, 32);
				continue;
			}
			assert_int_equal(wg_key_from_hex(got, t), 0);
			assert_memory_equal(got, key, pos / 2);
			assert_int_equal(got[pos / 2] >> (pos % 2 ? 0 : 4) & 15,
					 d);
			assert_memory_equal(got + pos / 2 + 1,
					    key + pos / 2 + 1, 31 - pos / 2);
			accepted++;
		}
	}
	assert_int_equal(accepted, 64 * 22);
}

static void hex_rejects_bad_shapes(void **state)
{
	uint8_t got[32], sentinel[32];
	char s[80];

	(void)state;
	memset(sentinel, 0x5a, sizeof(sentinel));
	memcpy(got, sentinel, sizeof(got));
	assert_int_equal(wg_key_from_hex(got, NULL), -EINVAL);
	assert_int_equal(wg_key_from_hex(got, ""), -EINVAL);
	snprintf(s, sizeof(s), "%.63s", alice_pub_hex);
	assert_int_equal(wg_key_from_hex(got, s), -EINVAL);
	snprintf(s, sizeof(s), "%s0", alice_pub_hex);
	assert_int_equal(wg_key_from_hex(got, s), -EINVAL);
	snprintf(s, sizeof(s), "0x%.62s", alice_pub_hex);
	assert_int_equal(wg_key_from_hex(got, s), -EINVAL);
	snprintf(s, sizeof(s), "%s", alice_pub_hex);
	s[63] = 'g';
	assert_int_equal(wg_key_from_hex(got, s), -EINVAL);
	assert_memory_equal(got, sentinel, 32);
}

/* RFC 7748 6.1: the scalars give the published public keys via wg_pubkey. */
static void rfc7748_key_pairs(void **state)
{
	uint8_t priv[32], pub[32];
	char b64[45], hex[65];

	(void)state;
	assert_int_equal(wg_key_from_base64(priv, alice_priv_b64), 0);
	assert_memory_equal(priv, alice_priv, 32);
	wg_pubkey(pub, priv);
	wg_key_to_base64(b64, pub);
	assert_string_equal(b64, alice_pub_b64);
	wg_key_to_hex(hex, pub);
	assert_string_equal(hex, alice_pub_hex);

	/* Bob's scalar has the top bit set: wg_pubkey must clamp it. */
	assert_int_equal(wg_key_from_base64(priv, bob_priv_b64), 0);
	assert_memory_equal(priv, bob_priv, 32);
	wg_pubkey(pub, priv);
	wg_key_to_base64(b64, pub);
	assert_string_equal(b64, bob_pub_b64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(b64_roundtrip_matches_libsodium),
		cmocka_unit_test(hex_roundtrip_matches_libsodium),
		cmocka_unit_test(b64_every_single_char_corruption),
		cmocka_unit_test(b64_rejects_bad_shapes),
		cmocka_unit_test(hex_every_single_char_corruption),
		cmocka_unit_test(hex_rejects_bad_shapes),
		cmocka_unit_test(rfc7748_key_pairs),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Key encodings without secret-dependent branches or lookups: every
 * character is mapped to its value with masks computed from comparisons done
 * as arithmetic, and a single error word collects every fault, so the time
 * taken depends only on the length of the input.
 */
#include "keys.h"

#include <errno.h>
#include <string.h>

#include "crypto.h"

/* Full 4-character groups before the last one: 10 groups hold 30 bytes. */
#define B64_GROUPS (WG_KEY_LEN / 3)

/*
 * All ones when lo <= c <= hi, zero otherwise. Both differences are negative
 * only inside the range; with 0 <= c, lo, hi < 256 their AND shifted right by
 * 8 is then -1, and 0 outside.
 */
static int span(int c, int lo, int hi)
{
	return ((lo - 1 - c) & (c - hi - 1)) >> 8;
}

/* The value (0..63) of a base64 character, or -1. The ranges are disjoint. */
static int b64_val(int c)
{
	return -1 + (span(c, 'A', 'Z') & (c - 'A' + 1)) +
	       (span(c, 'a', 'z') & (c - 'a' + 27)) +
	       (span(c, '0', '9') & (c - '0' + 53)) +
	       (span(c, '+', '+') & (62 + 1)) + (span(c, '/', '/') & (63 + 1));
}

/* The character of a 6-bit value: 'A' plus a correction per range passed. */
static char b64_char(int v)
{
	int c = 'A' + v;

	c += ((25 - v) >> 8) & ('a' - 26 - 'A');
	c -= ((51 - v) >> 8) & (('a' - 26) - ('0' - 52));
	c -= ((61 - v) >> 8) & (('0' - 52) - ('+' - 62));
	c += ((62 - v) >> 8) & (('/' - 63) - ('+' - 62));
	return (char)c;
}

/* The value (0..15) of a hex digit of either case, or -1. */
static int hex_val(int c)
{
	return -1 + (span(c, '0', '9') & (c - '0' + 1)) +
	       (span(c, 'a', 'f') & (c - 'a' + 11)) +
	       (span(c, 'A', 'F') & (c - 'A' + 11));
}

/* The lowercase hex digit of a 4-bit value. */
static char hex_char(int n)
{
	return (char)('0' + n + (((9 - n) >> 8) & ('a' - '0' - 10)));
}

int wg_key_from_base64(uint8_t key[WG_KEY_LEN], const char *s)
{
	uint8_t tmp[WG_KEY_LEN];
	uint32_t acc;
	int bad = 0, v, i, j;

	if (!s || strnlen(s, WG_KEY_B64_LEN + 1) != WG_KEY_B64_LEN)
		return -EINVAL;

	for (i = 0; i < B64_GROUPS; i++) {
		acc = 0;
		for (j = 0; j < 4; j++) {
			v = b64_val((unsigned char)s[i * 4 + j]);
			bad |= v >> 8;
			acc = (acc << 6) | (uint32_t)(v & 63);
		}
		tmp[i * 3] = (uint8_t)(acc >> 16);
		tmp[i * 3 + 1] = (uint8_t)(acc >> 8);
		tmp[i * 3 + 2] = (uint8_t)acc;
	}

	/* Three characters carry the last 16 bits, then one '=' of padding. */
	acc = 0;
	for (j = 0; j < 3; j++) {
		v = b64_val((unsigned char)s[B64_GROUPS * 4 + j]);
		bad |= v >> 8;
		acc = (acc << 6) | (uint32_t)(v & 63);
	}
	tmp[WG_KEY_LEN - 2] = (uint8_t)(acc >> 10);
	tmp[WG_KEY_LEN - 1] = (uint8_t)(acc >> 2);
	/* Canonical: the 2 bits of the third character past the key are 0. */
	bad |= (int)(acc & 3);
	bad |= ~span((unsigned char)s[WG_KEY_B64_LEN - 1], '=', '=');

	if (!bad)
		memcpy(key, tmp, WG_KEY_LEN);
	wg_wipe(tmp, sizeof(tmp));
	wg_wipe(&acc, sizeof(acc));
	wg_wipe(&v, sizeof(v));
	return bad ? -EINVAL : 0;
}

void wg_key_to_base64(char out[WG_KEY_B64_LEN + 1],
		      const uint8_t key[WG_KEY_LEN])
{
	uint32_t acc;
	int i, j;

	for (i = 0; i < B64_GROUPS; i++) {
		acc = (uint32_t)key[i * 3] << 16 |
		      (uint32_t)key[i * 3 + 1] << 8 | key[i * 3 + 2];
		for (j = 0; j < 4; j++)
			out[i * 4 + j] = b64_char((acc >> (18 - 6 * j)) & 63);
	}
	acc = (uint32_t)key[WG_KEY_LEN - 2] << 10 |
	      (uint32_t)key[WG_KEY_LEN - 1] << 2;
	for (j = 0; j < 3; j++)
		out[B64_GROUPS * 4 + j] = b64_char((acc >> (12 - 6 * j)) & 63);
	out[WG_KEY_B64_LEN - 1] = '=';
	out[WG_KEY_B64_LEN] = '\0';
	wg_wipe(&acc, sizeof(acc));
}

int wg_key_from_hex(uint8_t key[WG_KEY_LEN], const char *s)
{
	uint8_t tmp[WG_KEY_LEN];
	int bad = 0, hi, lo, i;

	if (!s || strnlen(s, WG_KEY_HEX_LEN + 1) != WG_KEY_HEX_LEN)
		return -EINVAL;

	for (i = 0; i < WG_KEY_LEN; i++) {
		hi = hex_val((unsigned char)s[i * 2]);
		lo = hex_val((unsigned char)s[i * 2 + 1]);
		bad |= (hi | lo) >> 8;
		tmp[i] = (uint8_t)(((hi & 15) << 4) | (lo & 15));
	}

	if (!bad)
		memcpy(key, tmp, WG_KEY_LEN);
	wg_wipe(tmp, sizeof(tmp));
	wg_wipe(&hi, sizeof(hi));
	wg_wipe(&lo, sizeof(lo));
	return bad ? -EINVAL : 0;
}

void wg_key_to_hex(char out[WG_KEY_HEX_LEN + 1],
		   const uint8_t key[WG_KEY_LEN])
{
	for (int i = 0; i < WG_KEY_LEN; i++) {
		out[i * 2] = hex_char(key[i] >> 4);
		out[i * 2 + 1] = hex_char(key[i] & 15);
	}
	out[WG_KEY_HEX_LEN] = '\0';
}

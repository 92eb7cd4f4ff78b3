/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The two text encodings of a 32-byte WireGuard key: base64 (wg(8), config
 * files) and lowercase hex (the cross-platform userspace API). Decoding is
 * strict (only the canonical encoding is accepted, as wireguard-tools does)
 * and runs in constant time with respect to the key: no branch or table
 * lookup depends on a key character, only on the string's length.
 */
#ifndef WG_KEYS_H
#define WG_KEYS_H

#include <stdint.h>

#include "wire.h"

/* 44 characters: 42 data characters, one more holding 4 bits, and '='. */
#define WG_KEY_B64_LEN 44
/* 64 hex digits. */
#define WG_KEY_HEX_LEN 64

/*
 * Decode exactly 44 characters of canonical base64 into key; 0 or -EINVAL.
 * On failure key is left untouched.
 */
int wg_key_from_base64(uint8_t key[WG_KEY_LEN], const char *s);
/* Encode key as 44 base64 characters and a NUL. */
void wg_key_to_base64(char out[WG_KEY_B64_LEN + 1],
		      const uint8_t key[WG_KEY_LEN]);
/*
 * Decode exactly 64 hex digits (either case) into key; 0 or -EINVAL.
 * On failure key is left untouched.
 */
int wg_key_from_hex(uint8_t key[WG_KEY_LEN], const char *s);
/* Encode key as 64 lowercase hex digits and a NUL. */
void wg_key_to_hex(char out[WG_KEY_HEX_LEN + 1],
		   const uint8_t key[WG_KEY_LEN]);

#endif /* WG_KEYS_H */

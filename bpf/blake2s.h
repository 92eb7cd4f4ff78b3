/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The BLAKE2s compression function (RFC 7693), header-only, for the XDP
 * program's mac1/mac2 checks and for the daemon, which precomputes the
 * states the program starts from. The daemon's own MACs come from libb2;
 * tests/bpf compares the two on random messages.
 *
 * Why only the compression function: a keyed BLAKE2s MAC is a chain of
 * compressions over 64-byte blocks, the key padded to a block being the
 * first. The state after that key block depends on the key alone, so the
 * daemon computes it once per key (wg_b2s_key_state) and XDP runs only
 * the message's own blocks: two compressions for an initiation's mac1,
 * one for a response's.
 *
 * Why unrolled: with the message schedule written out round by round every
 * word index is a constant, so the verifier sees straight-line code (about
 * 2,000 instructions, verified once as a global function) with no table
 * lookups to bound, on every kernel from 6.1.
 *
 * Words are little-endian in memory, as on the wire; hosts must be too.
 */
#ifndef WG_BLAKE2S_H
#define WG_BLAKE2S_H

#include <linux/types.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "blake2s.h reads message words in host order: little-endian only"
#endif

enum {
	WG_B2S_BLOCK_LEN = 64,
	WG_B2S_OUT_LEN = 16, /* WireGuard's MAC: BLAKE2s-128 */
};

/* The chaining value h[0..7]; a MAC's tag is h[0..3] as bytes. */
struct wg_b2s_state {
	__u32 h[8];
};

/* One 64-byte block as sixteen little-endian words. */
struct wg_b2s_block {
	__u32 m[16];
};

_Static_assert(sizeof(struct wg_b2s_state) == 32, "b2s state size");
_Static_assert(sizeof(struct wg_b2s_block) == WG_B2S_BLOCK_LEN,
	       "b2s block size");

#define WG_B2S_IV0 0x6a09e667U
#define WG_B2S_IV1 0xbb67ae85U
#define WG_B2S_IV2 0x3c6ef372U
#define WG_B2S_IV3 0xa54ff53aU
#define WG_B2S_IV4 0x510e527fU
#define WG_B2S_IV5 0x9b05688cU
#define WG_B2S_IV6 0x1f83d9abU
#define WG_B2S_IV7 0x5be0cd19U

static inline __attribute__((always_inline)) __u32 wg_b2s_ror(__u32 x,
							      int n)
{
	return (x >> n) | (x << (32 - n));
}

/* The mixing function G on words a, b, c, d with message words x, y. */
#define WG_B2S_G(a, b, c, d, x, y)                    \
	do {                                          \
		a = a + b + (x);                      \
		d = wg_b2s_ror(d ^ a, 16);            \
		c = c + d;                            \
		b = wg_b2s_ror(b ^ c, 12);            \
		a = a + b + (y);                      \
		d = wg_b2s_ror(d ^ a, 8);             \
		c = c + d;                            \
		b = wg_b2s_ror(b ^ c, 7);             \
	} while (0)

/* One round; the sixteen arguments are that round's row of SIGMA. */
#define WG_B2S_ROUND(s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11,  \
		     s12, s13, s14, s15)                                 \
	do {                                                             \
		WG_B2S_G(v0, v4, v8, v12, m[s0], m[s1]);                 \
		WG_B2S_G(v1, v5, v9, v13, m[s2], m[s3]);                 \
		WG_B2S_G(v2, v6, v10, v14, m[s4], m[s5]);                \
		WG_B2S_G(v3, v7, v11, v15, m[s6], m[s7]);                \
		WG_B2S_G(v0, v5, v10, v15, m[s8], m[s9]);                \
		WG_B2S_G(v1, v6, v11, v12, m[s10], m[s11]);              \
		WG_B2S_G(v2, v7, v8, v13, m[s12], m[s13]);               \
		WG_B2S_G(v3, v4, v9, v14, m[s14], m[s15]);               \
	} while (0)

/*
 * Compress block b into s. t is the byte count hashed so far including
 * this block (key block included; WireGuard's messages never reach 2^32
 * bytes, so the high counter word stays zero); last marks the final block.
 */
static inline __attribute__((always_inline)) void
wg_b2s_compress(struct wg_b2s_state *s, const struct wg_b2s_block *b, __u32 t,
		int last)
{
	const __u32 *m = b->m;
	__u32 v0 = s->h[0], v1 = s->h[1], v2 = s->h[2], v3 = s->h[3];
	__u32 v4 = s->h[4], v5 = s->h[5], v6 = s->h[6], v7 = s->h[7];
	__u32 v8 = WG_B2S_IV0, v9 = WG_B2S_IV1, v10 = WG_B2S_IV2;
	__u32 v11 = WG_B2S_IV3, v12 = WG_B2S_IV4 ^ t, v13 = WG_B2S_IV5;
	__u32 v14 = last ? ~WG_B2S_IV6 : WG_B2S_IV6, v15 = WG_B2S_IV7;

	WG_B2S_ROUND(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
	WG_B2S_ROUND(14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3);
	WG_B2S_ROUND(11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4);
	WG_B2S_ROUND(7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8);
	WG_B2S_ROUND(9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13);
	WG_B2S_ROUND(2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9);
	WG_B2S_ROUND(12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11);
	WG_B2S_ROUND(13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10);
	WG_B2S_ROUND(6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5);
	WG_B2S_ROUND(10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0);

	s->h[0] ^= v0 ^ v8;
	s->h[1] ^= v1 ^ v9;
	s->h[2] ^= v2 ^ v10;
	s->h[3] ^= v3 ^ v11;
	s->h[4] ^= v4 ^ v12;
	s->h[5] ^= v5 ^ v13;
	s->h[6] ^= v6 ^ v14;
	s->h[7] ^= v7 ^ v15;
}

/*
 * s <- the initial state of a keyed BLAKE2s with a WG_B2S_OUT_LEN output
 * and a keylen-byte key (1..32), before any block: the parameter block
 * folded into the IV.
 */
static inline __attribute__((always_inline)) void
wg_b2s_init(struct wg_b2s_state *s, __u32 keylen)
{
	s->h[0] = WG_B2S_IV0 ^ 0x01010000U ^ (keylen << 8) ^ WG_B2S_OUT_LEN;
	s->h[1] = WG_B2S_IV1;
	s->h[2] = WG_B2S_IV2;
	s->h[3] = WG_B2S_IV3;
	s->h[4] = WG_B2S_IV4;
	s->h[5] = WG_B2S_IV5;
	s->h[6] = WG_B2S_IV6;
	s->h[7] = WG_B2S_IV7;
}

#ifndef __bpf__
#include <string.h>

/*
 * s <- the state of MAC(key, ...) after its key block, for a message that
 * is not empty (the key block is then not the last). Userspace only: XDP
 * receives these states ready-made.
 */
static inline void wg_b2s_key_state(struct wg_b2s_state *s, const void *key,
				    __u32 keylen)
{
	struct wg_b2s_block b;

	memset(&b, 0, sizeof(b));
	memcpy(b.m, key, keylen);
	wg_b2s_init(s, keylen);
	wg_b2s_compress(s, &b, WG_B2S_BLOCK_LEN, 0);
	memset(&b, 0, sizeof(b));
	__asm__ __volatile__("" : : "r"(&b) : "memory"); /* keep the wipe */
}
#endif

#endif /* WG_BLAKE2S_H */

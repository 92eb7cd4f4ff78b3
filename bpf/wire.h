/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * WireGuard wire formats and protocol constants (whitepaper section 5.4 and
 * section 6). Header-only: compiled by clang's BPF target for the XDP
 * program and by gcc for the daemon, so it uses only <linux/types.h>.
 *
 * All multi-byte integers on the wire are little-endian. The structs are
 * packed because the wire has no padding and the XDP program reads them
 * straight out of the packet.
 */
#ifndef WG_WIRE_H
#define WG_WIRE_H

#include <linux/types.h>

enum wg_msg_type {
	WG_MSG_INITIATION = 1,
	WG_MSG_RESPONSE = 2,
	WG_MSG_COOKIE = 3,
	WG_MSG_DATA = 4,
};

enum wg_sizes {
	WG_KEY_LEN = 32,
	WG_HASH_LEN = 32,
	WG_AEAD_TAG_LEN = 16,
	WG_TAI64N_LEN = 12,
	WG_MAC_LEN = 16,
	WG_COOKIE_LEN = 16,
	WG_COOKIE_NONCE_LEN = 24,
	/* The data message header: type, receiver index, counter. */
	WG_DATA_HEADER_LEN = 16,
	/* Plaintext is padded to a multiple of this before sealing. */
	WG_PADDING = 16,
};

/* Protocol constants, whitepaper section 6.1. Times are in seconds. */
#define WG_REKEY_AFTER_MESSAGES (1ULL << 60)
#define WG_REJECT_AFTER_MESSAGES (~0ULL - (1ULL << 13)) /* 2^64 - 2^13 - 1 */
#define WG_REKEY_AFTER_TIME 120
#define WG_REJECT_AFTER_TIME 180
#define WG_REKEY_ATTEMPT_TIME 90
#define WG_REKEY_TIMEOUT 5
#define WG_REKEY_TIMEOUT_JITTER_MS 333
#define WG_KEEPALIVE_TIMEOUT 10
#define WG_COOKIE_SECRET_MAX_AGE 120
#define WG_COOKIE_SECRET_LATENCY 5
/* Handshake initiations from one peer faster than this are dropped (flood). */
#define WG_INITIATIONS_PER_SECOND 50
#define WG_MAX_TIMER_HANDSHAKES (WG_REKEY_ATTEMPT_TIME / WG_REKEY_TIMEOUT)
#define WG_MAX_QUEUED_PACKETS 1024

/*
 * Every message starts with a 32-bit little-endian type whose upper three
 * bytes are reserved and must be zero; reading it as one word lets the XDP
 * program check type and reserved bytes in a single compare.
 */
struct wg_msg_header {
	__le32 type;
} __attribute__((packed));

/* mac1 covers everything before it; mac2 covers everything before it too. */
struct wg_msg_macs {
	__u8 mac1[WG_MAC_LEN];
	__u8 mac2[WG_MAC_LEN];
} __attribute__((packed));

struct wg_msg_initiation {
	struct wg_msg_header header;
	__le32 sender_index;
	__u8 unencrypted_ephemeral[WG_KEY_LEN];
	__u8 encrypted_static[WG_KEY_LEN + WG_AEAD_TAG_LEN];
	__u8 encrypted_timestamp[WG_TAI64N_LEN + WG_AEAD_TAG_LEN];
	struct wg_msg_macs macs;
} __attribute__((packed));

struct wg_msg_response {
	struct wg_msg_header header;
	__le32 sender_index;
	__le32 receiver_index;
	__u8 unencrypted_ephemeral[WG_KEY_LEN];
	__u8 encrypted_nothing[WG_AEAD_TAG_LEN];
	struct wg_msg_macs macs;
} __attribute__((packed));

struct wg_msg_cookie {
	struct wg_msg_header header;
	__le32 receiver_index;
	__u8 nonce[WG_COOKIE_NONCE_LEN];
	__u8 encrypted_cookie[WG_COOKIE_LEN + WG_AEAD_TAG_LEN];
} __attribute__((packed));

/* Followed by the sealed, padded inner packet (at least the 16-byte tag). */
struct wg_msg_data {
	struct wg_msg_header header;
	__le32 receiver_index;
	__le64 counter;
} __attribute__((packed));

enum wg_msg_len {
	WG_MSG_INITIATION_LEN = 148,
	WG_MSG_RESPONSE_LEN = 92,
	WG_MSG_COOKIE_LEN = 64,
	WG_MSG_DATA_MIN_LEN = 32, /* header + tag: a keepalive */
};

_Static_assert(sizeof(struct wg_msg_header) == 4, "header size");
_Static_assert(sizeof(struct wg_msg_macs) == 32, "macs size");
_Static_assert(sizeof(struct wg_msg_initiation) == WG_MSG_INITIATION_LEN,
	       "initiation size");
_Static_assert(sizeof(struct wg_msg_response) == WG_MSG_RESPONSE_LEN,
	       "response size");
_Static_assert(sizeof(struct wg_msg_cookie) == WG_MSG_COOKIE_LEN,
	       "cookie size");
_Static_assert(sizeof(struct wg_msg_data) == WG_DATA_HEADER_LEN,
	       "data header size");
_Static_assert(WG_DATA_HEADER_LEN + WG_AEAD_TAG_LEN == WG_MSG_DATA_MIN_LEN,
	       "data minimum");

/*
 * Is len a valid on-wire length for a data message? (keepalive included)
 *
 * Senders pad the plaintext to a multiple of WG_PADDING but never beyond the
 * tunnel MTU (Linux, wireguard-go and OpenBSD all cap it), so a full-sized
 * packet on a tunnel whose MTU is not a multiple of 16 (the default 1420 is
 * one) arrives unaligned. Requiring (len - 32) % 16 == 0 would drop exactly
 * the packets that carry bulk TCP; the authenticator is the real check.
 */
static inline int wg_data_len_ok(__u32 len)
{
	return len >= WG_MSG_DATA_MIN_LEN;
}

#endif /* WG_WIRE_H */

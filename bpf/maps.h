/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Every BPF map of wg-xdp, its key and value structs, and the one enum of
 * reasons a packet is passed, dropped or redirected. Header-only: the XDP
 * program (clang -target bpf) declares the maps from it, the daemon's loader
 * (daemon/xdp.c, gcc) fills them with the same structs. The structs carry BTF
 * so `bpftool map dump` prints named fields.
 *
 * Map names are at most 15 characters (BPF_OBJ_NAME_LEN - 1) so that
 * `bpftool map show` and the pins under /sys/fs/bpf/wg-xdp/<ifname>/ show
 * them whole.
 */
#ifndef WG_MAPS_H
#define WG_MAPS_H

#include <linux/types.h>

#include "blake2s.h"
#include "wire.h"

/* Address families as the kernel numbers them (AF_INET, AF_INET6). */
#define WG_XDP_AF_INET 2
#define WG_XDP_AF_INET6 10

/* Map sizes. LPM tries and hashes are not preallocated: memory follows use. */
#define WG_XDP_MAX_QUEUES 64
#define WG_XDP_MAX_ADDRS 256
#define WG_XDP_MAX_AIPS (1U << 20)
#define WG_XDP_MAX_SOURCES (1U << 16)
#define WG_XDP_MAX_LAN_ADDRS 4096

/*
 * `index` and `peers` start small and grow at run time: each sits in a
 * one-slot map of maps (index_of, peers_of) through which the program
 * reaches it, and when an update finds it full the daemon builds one twice
 * the size, copies it, swaps it into the slot and re-pins it under the
 * same name (daemon/xdp.c). A hash's bucket array is allocated whole at
 * creation (16 bytes a slot), so a fixed size large enough for 100,000
 * peers would cost every interface megabytes it may never use.
 */
#define WG_XDP_INDEXES_MIN (1U << 10)
#define WG_XDP_INDEXES_MAX (1U << 24)
#define WG_XDP_PEERS_MIN (1U << 8)
#define WG_XDP_PEERS_MAX (1U << 22)

/*
 * Handshake rate limit per source (IPv4 address or IPv6 /64) while the
 * daemon says it is under load: a token bucket refilled at RATE per second
 * holding at most BURST packets. Tokens are kept in nanoseconds of credit.
 */
#define WG_XDP_RL_RATE 20
#define WG_XDP_RL_BURST 5
#define WG_XDP_RL_COST (1000000000ULL / WG_XDP_RL_RATE)
#define WG_XDP_RL_MAX (WG_XDP_RL_COST * WG_XDP_RL_BURST)

/* config.flags */
enum wg_xdp_flags {
	WG_XDP_F_UNDER_LOAD = 1U << 0, /* rate-limit handshakes per source */
	WG_XDP_F_DEBUG = 1U << 1, /* the daemon logs at debug level */
	/* handshakes reach the daemon with mac1 unchecked (bench knob) */
	WG_XDP_F_MAC1_OFF = 1U << 2,
};

/* config[0]: what the program steals. listen_port 0 steals nothing. */
struct wg_xdp_config {
	__u16 listen_port; /* host order */
	__u16 pad;
	__u32 flags; /* enum wg_xdp_flags */
};

/* lan_config.flags */
enum wg_xdp_lan_flags {
	WG_XDP_LAN_F_MSS_CLAMP = 1U << 0, /* lower the MSS option of TCP SYNs */
};

/*
 * lan_config[0]: what the LAN program needs to forward as a router would.
 * The tunnel's MTU is the TUN device's, read live from tun_ifindex so that
 * `ip link set wg0 mtu N` takes effect at once; mtu is the fallback when
 * that ifindex does not resolve (the device moved to another namespace).
 * An all-zero mac takes nothing.
 */
struct wg_xdp_lan_config {
	__u8 mac[6]; /* the LAN interface's own address */
	__u16 mss; /* MSS clamp (host order); 0: the tunnel MTU less headers */
	__u32 flags; /* enum wg_xdp_lan_flags */
	__u32 tun_ifindex;
	__u32 mtu;
};

/* lan_addrs values: why a destination is not forwarded. */
enum wg_xdp_lan_addr_kind {
	WG_XDP_LAN_ADDR_LOCAL = 1, /* an address of this host */
	WG_XDP_LAN_ADDR_BROADCAST = 2, /* a subnet-directed broadcast address */
};

/*
 * An address of either family; IPv4 uses addr[0..3], the rest is zero.
 * Key of local_addrs and ratelimit (where IPv6 keeps only its /64).
 */
struct wg_xdp_addr {
	__u32 family; /* WG_XDP_AF_INET or WG_XDP_AF_INET6 */
	__u8 addr[16];
};

/* LPM keys: prefixlen first, then the address in network order. */
struct wg_xdp_aip4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct wg_xdp_aip6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/*
 * peers[id]: who a peer id is, for `bpftool map dump` and counters. The XDP
 * program adds to rx_* (atomically) for every message it redirects that
 * names one of the peer's indexes; the daemon owns the other fields.
 */
struct wg_xdp_peer {
	__u8 key_prefix[8]; /* first 8 bytes of the public key */
	__u32 family; /* endpoint; 0 when unknown */
	__u16 port; /* endpoint port, host order */
	__u16 pad;
	__u8 addr[16];
	__u64 rx_packets;
	__u64 rx_bytes;
	__u64 tx_packets;
	__u64 tx_bytes;
};

/* stats[reason], per CPU. */
struct wg_xdp_counter {
	__u64 packets;
	__u64 bytes; /* whole frames, Ethernet header included */
};

/* ratelimit[source]: credit in nanoseconds and when it was last updated. */
struct wg_xdp_bucket {
	__u64 last_ns;
	__u64 tokens;
};

/*
 * hs_keys[]: what XDP needs to check the MACs of handshakes addressed to
 * us, as BLAKE2s states after their key block (bpf/blake2s.h), so that
 * the program hashes only the message's own blocks. The previous cookie
 * secret is there because the daemon accepts it for a while after a
 * change (cookie.h WG_COOKIE_PREV_NS): a flood proven with it must be
 * shed here too, not passed on as unproven.
 */
enum wg_xdp_hs_key_id {
	/* mac1 key, HASH("mac1----" || our public key); unset: no key */
	WG_XDP_KEY_MAC1 = 0,
	/* the daemon's cookie secret; cookies are MAC(secret, ip || port) */
	WG_XDP_KEY_COOKIE = 1,
	/* the secret before it, still proof until its until_ns */
	WG_XDP_KEY_COOKIE_PREV = 2,
	WG_XDP_KEY_MAX
};

struct wg_xdp_hs_key {
	__u32 set; /* 0: no such key (yet) */
	__u32 pad;
	__u64 until_ns; /* CLOCK_MONOTONIC; 0: no end */
	struct wg_b2s_state state;
};

/*
 * hs_scratch: per-CPU working space of the MAC checks (a map value, not
 * the 512-byte stack, and memory that a global function may take).
 */
struct wg_xdp_hs_scratch {
	struct wg_b2s_block msg[3]; /* the message (at most 148 bytes) */
	struct wg_b2s_block tmp; /* a final or key block, zero-padded */
	struct wg_b2s_state st;
};

_Static_assert(sizeof(struct wg_xdp_config) == 8, "config size");
_Static_assert(sizeof(struct wg_xdp_addr) == 20, "addr size");
_Static_assert(sizeof(struct wg_xdp_aip4_key) == 8, "aip4 key size");
_Static_assert(sizeof(struct wg_xdp_aip6_key) == 20, "aip6 key size");
_Static_assert(sizeof(struct wg_xdp_peer) == 64, "peer size");
_Static_assert(sizeof(struct wg_xdp_counter) == 16, "counter size");
_Static_assert(sizeof(struct wg_xdp_bucket) == 16, "bucket size");
_Static_assert(sizeof(struct wg_xdp_lan_config) == 20, "lan config size");
_Static_assert(sizeof(struct wg_xdp_hs_key) == 48, "hs key size");
_Static_assert(sizeof(struct wg_xdp_hs_scratch) >= WG_MSG_INITIATION_LEN +
		       2 * WG_B2S_BLOCK_LEN, "hs scratch size");

/*
 * Every verdict the programs reach, each packet counted under exactly one.
 * X(name, text): name becomes WG_XDP_<name>, text is what `wg-xdp show`
 * prints. PASS_* go to the kernel untouched, DROP_* are XDP_DROP,
 * REDIRECT_* went to an AF_XDP socket.
 */
#define WG_XDP_REASONS(X)                                                    \
	X(PASS_NOT_IP, "pass: not IPv4/IPv6")                                \
	X(PASS_MALFORMED, "pass: headers cut short or invalid")              \
	X(PASS_NOT_UDP, "pass: not UDP")                                     \
	X(PASS_FRAGMENT, "pass: IP fragment")                                \
	X(PASS_IPV6_EXTHDR, "pass: IPv6 extension header")                   \
	X(PASS_OTHER_PORT, "pass: other UDP port")                           \
	X(PASS_NOT_LOCAL, "pass: not to a local address")                    \
	X(PASS_NO_SOCKET, "pass: no AF_XDP socket on queue")                 \
	X(PASS_LAN_LOCAL, "pass: LAN packet for this host")                  \
	X(PASS_LAN_NO_PEER, "pass: LAN packet matches no allowed IP")        \
	X(DROP_TRUNCATED, "drop: frame shorter than its lengths")            \
	X(DROP_BAD_UDP_LEN, "drop: UDP length disagrees with IP")            \
	X(DROP_BAD_TYPE, "drop: unknown message type")                       \
	X(DROP_RESERVED, "drop: reserved bytes not zero")                    \
	X(DROP_BAD_LEN_INITIATION, "drop: initiation of wrong size")         \
	X(DROP_BAD_LEN_RESPONSE, "drop: response of wrong size")             \
	X(DROP_BAD_LEN_COOKIE, "drop: cookie reply of wrong size")           \
	X(DROP_BAD_LEN_DATA, "drop: data message too short")                 \
	X(DROP_UNKNOWN_INDEX, "drop: unknown receiver index")                \
	X(DROP_RATELIMIT, "drop: handshake rate limit")                      \
	X(REDIRECT_INITIATION, "redirect: handshake initiation")             \
	X(REDIRECT_RESPONSE, "redirect: handshake response")                 \
	X(REDIRECT_COOKIE, "redirect: cookie reply")                         \
	X(REDIRECT_DATA, "redirect: data")                                   \
	X(REDIRECT_LAN, "redirect: LAN packet for a peer")                   \
	X(PASS_LAN_NOT_US, "pass: LAN frame not unicast to the LAN's MAC")    \
	X(PASS_LAN_VLAN, "pass: VLAN-tagged LAN frame")                      \
	X(PASS_LAN_BROADCAST, "pass: LAN subnet-directed broadcast")         \
	X(PASS_LAN_IP_OPTIONS, "pass: LAN IPv4 options or IPv6 hop-by-hop")  \
	X(PASS_LAN_TTL, "pass: LAN TTL expires here (kernel: time exceeded)") \
	X(PASS_LAN_TOO_BIG, "pass: LAN packet over the tunnel MTU (kernel)") \
	X(REDIRECT_LAN_MSS, "redirect: LAN TCP SYN, MSS clamped")           \
	X(REDIRECT_LAN_CSUM, "redirect: LAN offloaded checksum completed")   \
	X(PASS_LAN_CSUM_PARTIAL, "pass: LAN offloaded checksum, too long here") \
	X(PASS_TOO_BIG, "pass: larger than an AF_XDP frame (UDP socket)")   \
	X(DROP_BAD_MAC1_INITIATION, "drop: initiation with a bad mac1")      \
	X(DROP_BAD_MAC1_RESPONSE, "drop: response with a bad mac1")          \
	X(DROP_NO_KEY, "drop: handshake while we have no private key")       \
	X(REDIRECT_BAD_MAC1, "redirect: bad mac1, one a second for the log")

/*
 * The most bytes of a frame an AF_XDP socket's UMEM frame holds: 4096-byte
 * frames less the kernel's XDP_PACKET_HEADROOM (256), where copy mode puts
 * received packets. Larger WireGuard packets (a large MTU) pass to the
 * kernel, whose UDP socket the daemon also reads, instead of being lost.
 */
#define WG_XDP_XSK_FRAME_MAX (4096 - 256)

enum wg_xdp_reason {
#define WG_XDP_REASON_ENUM(name, text) WG_XDP_##name,
	WG_XDP_REASONS(WG_XDP_REASON_ENUM)
#undef WG_XDP_REASON_ENUM
	WG_XDP_REASON_MAX
};

#ifndef __bpf__
/* The text for a reason ("?" when out of range); userspace only. */
static inline const char *wg_xdp_reason_name(unsigned int reason)
{
	static const char *const names[] = {
#define WG_XDP_REASON_TEXT(name, text) [WG_XDP_##name] = text,
		WG_XDP_REASONS(WG_XDP_REASON_TEXT)
#undef WG_XDP_REASON_TEXT
	};

	return reason < WG_XDP_REASON_MAX ? names[reason] : "?";
}
#endif

/* The maps themselves, declared once, for the BPF side only. */
#ifdef __bpf__
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* rx queue -> AF_XDP socket of the daemon's worker for that NIC queue. */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, WG_XDP_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

/* rx queue -> AF_XDP socket on the LAN interface (gateway mode). */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, WG_XDP_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xsks_lan SEC(".maps");

/* [0] -> listen port and flags, written by the daemon. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wg_xdp_config);
} config SEC(".maps");

/* The NIC's own addresses (from netlink) -> 1. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WG_XDP_MAX_ADDRS);
	__type(key, struct wg_xdp_addr);
	__type(value, __u8);
} local_addrs SEC(".maps");

/*
 * Receiver index (the 4 wire bytes, little-endian) -> peer id. The daemon
 * replaces it by a larger copy when it fills up: the program reaches the
 * current one through index_of[0] only.
 */
struct wg_xdp_index_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, WG_XDP_INDEXES_MIN);
	__type(key, __u32);
	__type(value, __u32);
} index SEC(".maps");

/* [0] -> the current `index` map. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct wg_xdp_index_map);
} index_of SEC(".maps") = {
	.values = { [0] = &index },
};

/* IPv4 allowed-IPs prefix -> peer id (gateway fast path). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, WG_XDP_MAX_AIPS);
	__type(key, struct wg_xdp_aip4_key);
	__type(value, __u32);
} aip4 SEC(".maps");

/* IPv6 allowed-IPs prefix -> peer id (gateway fast path). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, WG_XDP_MAX_AIPS);
	__type(key, struct wg_xdp_aip6_key);
	__type(value, __u32);
} aip6 SEC(".maps");

/* Peer id -> identity, endpoint and counters; grows like `index`. */
struct wg_xdp_peers_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, WG_XDP_PEERS_MIN);
	__type(key, __u32);
	__type(value, struct wg_xdp_peer);
} peers SEC(".maps");

/* [0] -> the current `peers` map. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct wg_xdp_peers_map);
} peers_of SEC(".maps") = {
	.values = { [0] = &peers },
};

/* enum wg_xdp_reason -> packets and bytes, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WG_XDP_REASON_MAX);
	__type(key, __u32);
	__type(value, struct wg_xdp_counter);
} stats SEC(".maps");

/* [0] -> the LAN's MAC, the TUN device and MSS clamping (gateway mode). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wg_xdp_lan_config);
} lan_config SEC(".maps");

/*
 * Gateway mode: this host's addresses (on any interface) and the directed
 * broadcast addresses of its IPv4 subnets, from netlink -> kind. Frames to
 * them go to the kernel, never into the tunnel.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, WG_XDP_MAX_LAN_ADDRS);
	__type(key, struct wg_xdp_addr);
	__type(value, __u8);
} lan_addrs SEC(".maps");

/*
 * Handshake source (IPv4 address, IPv6 /64) -> token bucket, charged only
 * for messages whose mac2 proves the source (see xdp_wg_nic).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WG_XDP_MAX_SOURCES);
	__type(key, struct wg_xdp_addr);
	__type(value, struct wg_xdp_bucket);
} ratelimit SEC(".maps");
/* enum wg_xdp_hs_key_id -> key state, written by the daemon. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WG_XDP_KEY_MAX);
	__type(key, __u32);
	__type(value, struct wg_xdp_hs_key);
} hs_keys SEC(".maps");

/* [0] -> this CPU's working space for the MAC checks. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wg_xdp_hs_scratch);
} hs_scratch SEC(".maps");
#endif /* __bpf__ */

#endif /* WG_MAPS_H */

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The daemon's packet counters, one list for every use: the struct, the
 * names in the "wgxdp=1" report (counter=NAME VALUE) and `wg-xdp show`.
 *
 * Each worker and the control thread bump their own block (one writer, so
 * a relaxed load and store, no locked instruction per packet); readers sum
 * the blocks (wg_counters_sum). Each drop of a packet bumps exactly one
 * drop_* counter, named for why it was dropped.
 */
#ifndef WG_COUNTERS_H
#define WG_COUNTERS_H

#include <stdatomic.h>
#include <stdint.h>

#define WG_COUNTERS(X)                                                        \
	X(udp_rx, "datagrams received on the UDP transport")                  \
	X(udp_tx, "datagrams sent on the UDP transport")                      \
	X(xsk_rx, "frames received on the NIC's AF_XDP sockets")              \
	X(xsk_tx, "frames sent on the NIC's AF_XDP sockets")                  \
	X(lan_rx, "plaintext frames taken from the LAN (gateway mode)")       \
	X(tun_rx, "packets read from the TUN device, after splitting")        \
	X(tun_tx, "packets written to the TUN device, before coalescing")     \
	X(handshakes_rx, "handshake messages received")                       \
	X(handshakes_tx, "handshake messages sent")                           \
	X(cookies_tx, "cookie replies sent")                                  \
	X(keepalives_tx, "keepalives sent")                                   \
	X(keepalives_rx, "keepalives received")                               \
	X(staged, "packets kept until a session exists")                      \
	X(icmp_tx, "ICMP errors sent back into the tunnel's interface")       \
	X(drop_bad_packet, "malformed outer or inner packet")                 \
	X(drop_no_peer, "no peer has an allowed IP for the destination")      \
	X(drop_no_endpoint, "the peer has no endpoint to send to")            \
	X(drop_no_session, "unknown receiver index or no keypair")            \
	X(drop_decrypt, "did not authenticate")                               \
	X(drop_replay, "counter seen before or too old")                      \
	X(drop_unallowed_src, "inner source not an allowed IP of the peer")   \
	X(drop_too_big, "larger than the path can carry")                     \
	X(drop_no_buffer, "no transmit buffer free")                          \
	X(drop_send, "the transport refused to send")                         \
	X(drop_tun_write, "the TUN device refused the packet")                \
	X(drop_handshake_queue, "handshake queue full")                       \
	X(drop_loop, "outer packet routed into its own tunnel")

enum wg_counter {
#define WG_COUNTER_ENUM(name, text) WG_C_##name,
	WG_COUNTERS(WG_COUNTER_ENUM)
#undef WG_COUNTER_ENUM
	WG_COUNTER_MAX
};

struct wg_counters {
	_Atomic uint64_t v[WG_COUNTER_MAX];
};

/* The owner's bump: single writer, no locked instruction. */
static inline void wg_count(struct wg_counters *c, enum wg_counter i,
			    uint64_t n)
{
	uint64_t v = atomic_load_explicit(&c->v[i], memory_order_relaxed);

	atomic_store_explicit(&c->v[i], v + n, memory_order_relaxed);
}

/* Add the blocks[0..n) into sum (plain numbers). */
void wg_counters_sum(struct wg_counters *const *blocks, unsigned int n,
		     uint64_t sum[WG_COUNTER_MAX]);
/* "drop_decrypt" for WG_C_drop_decrypt. */
const char *wg_counter_name(enum wg_counter i);

#endif /* WG_COUNTERS_H */

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A transport moves outer packets (WireGuard messages in UDP) between the
 * engine and the network, in batches, the way wireguard-go's conn.Bind
 * does. The workers' two loops run over this interface whatever is under
 * it:
 *
 *   afxdp.c   AF_XDP on the NIC: frames in the UMEM, outer headers built
 *             here, no kernel stack (and, in gateway mode, AF_XDP on the
 *             LAN side, which carries plaintext: WG_TRANSPORT_INNER);
 *   udp.c     a UDP socket with recvmmsg/sendmmsg, GSO and GRO, and the
 *             per-packet source and destination addresses (IP_PKTINFO);
 *   memory.c  an in-memory pair, for tests.
 *
 * Buffers. Every packet lives in a buffer that belongs to one transport
 * (its owner): received ones, and those a worker asks for with alloc to
 * read the TUN device into. A buffer has head bytes writable before data
 * and room bytes from data on, so the engine seals in place and the
 * transport prepends its headers without a copy. send takes any buffer:
 * its own it sends as it is, another transport's it copies (AF_XDP needs
 * its own UMEM) or references (a socket copies anyway), then gives the
 * buffer back to its owner. Every buffer ends in exactly one send or
 * release.
 *
 * Threads: a transport instance belongs to one thread (one worker, or the
 * control thread); nothing here locks.
 */
#ifndef WG_TRANSPORT_H
#define WG_TRANSPORT_H

#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "counters.h"
#include "endpoint.h"

/* What a transport can do (wg_transport.caps). */
enum wg_transport_caps {
	WG_TRANSPORT_GSO = 1 << 0,	/* send batches runs to one path */
	WG_TRANSPORT_GRO = 1 << 1,	/* receive splits coalesced batches */
	WG_TRANSPORT_ZEROCOPY = 1 << 2, /* the NIC DMAs into our buffers */
	WG_TRANSPORT_INNER = 1 << 3,	/* carries plaintext IP packets */
	WG_TRANSPORT_ANY_EGRESS = 1 << 4, /* the kernel routes each send */
};

/* wg_path.flags bits, set by a transport about a path (the peer's word). */
enum wg_path_flags {
	WG_PATH_F_NO_GSO = 1 << 0,	/* a batch was refused as too big */
	WG_PATH_F_SRC_BAD = 1 << 1,	/* the source address is gone */
};

/* Where a packet came from or goes to, and how. */
struct wg_path {
	/* The far end: its address and UDP port (and IPv6 scope). */
	union wg_sockaddr remote;
	/*
	 * Ours: received, the address the packet was sent to; to send, the
	 * source to use (AF_UNSPEC: the kernel's choice). Port unused.
	 */
	union wg_sockaddr local;
	/* Received: the ingress interface. To send: 0, or the egress. */
	int ifindex;
	/* Link-layer addresses, for transports that build frames. */
	uint8_t local_mac[6];
	uint8_t remote_mac[6];
	/* The owner's path flags (WG_PATH_F_*), or NULL. */
	_Atomic unsigned int *flags;
};

struct wg_transport;

/* One packet in a batch. */
struct wg_pkt {
	uint8_t *data;
	uint32_t len;
	uint32_t head;	/* bytes writable before data */
	uint32_t room;	/* bytes writable from data on */
	struct wg_transport *owner;
	uint64_t handle; /* the owner's name for the buffer */
	struct wg_path path;
	void *peer;	/* the engine's, while it handles the packet */
};

struct wg_transport_ops {
	/*
	 * Up to max received packets into pkts, each with its path (remote:
	 * the sender, local: the address it was sent to, ifindex: ingress).
	 * 0 when there is nothing; never blocks.
	 */
	unsigned int (*recv)(struct wg_transport *t, struct wg_pkt *pkts,
			     unsigned int max);
	/* A free buffer: data with t->headroom before it. 0 or -ENOBUFS. */
	int (*alloc)(struct wg_transport *t, struct wg_pkt *pkt);
	/* Give a buffer of ours back, unsent. */
	void (*release)(struct wg_transport *t, struct wg_pkt *pkt);
	/*
	 * Send pkts[0..n) (data, len, path), consuming every buffer. Returns
	 * how many went out; the rest were dropped and counted here. With a
	 * flush op they may wait in the transport's queue until flush.
	 */
	unsigned int (*send)(struct wg_transport *t, struct wg_pkt *pkts,
			     unsigned int n);
	/*
	 * Start what send queued on its way; NULL when send does at once.
	 * The engine calls it at the end of every pass, before sleeping.
	 */
	void (*flush)(struct wg_transport *t);
	/* The fds to poll before sleeping, at most max; how many. */
	unsigned int (*pollfds)(struct wg_transport *t, struct pollfd *pfd,
				unsigned int max);
	/* Call emit for each of its counters (name, value). */
	void (*stats)(struct wg_transport *t,
		      void (*emit)(void *ctx, const char *name, uint64_t v),
		      void *ctx);
	void (*destroy)(struct wg_transport *t);
};

struct wg_transport {
	const struct wg_transport_ops *ops;
	const char *name;	/* "xdp", "lan", "udp", "memory" */
	unsigned int caps;	/* WG_TRANSPORT_* */
	uint32_t headroom;	/* before data in alloc'd buffers */
	uint32_t buf_size;	/* room from data in alloc'd buffers */
	int ifindex;		/* the interface it is bound to; 0: any */
	/* The engine counters its packets go to (udp_rx/udp_tx, ...). */
	enum wg_counter rx_counter, tx_counter;
};

/* Give pkt back to whichever transport owns it. */
static inline void wg_pkt_release(struct wg_pkt *pkt)
{
	pkt->owner->ops->release(pkt->owner, pkt);
}

/* Set path flags bits (any thread). */
static inline void wg_path_flag(const struct wg_path *p, unsigned int bits)
{
	if (p->flags)
		atomic_fetch_or_explicit(p->flags, bits, memory_order_relaxed);
}

static inline bool wg_path_flagged(const struct wg_path *p, unsigned int bits)
{
	return p->flags &&
	       (atomic_load_explicit(p->flags, memory_order_relaxed) & bits);
}

#endif /* WG_TRANSPORT_H */

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * In-memory implementations of the transport (transport.h) and of the TUN
 * interface (tunio.h), so that whole engines run in one process: the
 * in-process engine test joins two devices by a wire and feeds their TUNs.
 *
 * A wire has two sides, 0 and 1, each with an address (what the other side
 * sees as the sender, and must send to). Any number of transports attach
 * to a side (a worker's, the control thread's); one of them receives.
 * What one side sends goes through the side's faults (loss, duplication,
 * reordering, from a seeded generator, so a run repeats exactly) into the
 * other side's queue, or is dropped when not addressed to that side.
 * Everything is copied; a mutex per side makes it safe across threads.
 */
#ifndef WG_MEMORY_H
#define WG_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/virtio_net.h>

#include "endpoint.h"
#include "transport.h"
#include "tunio.h"

struct wg_memwire;

/* What crossed a side, counted at the sender. */
struct wg_memwire_stats {
	uint64_t sent, delivered, lost, duplicated, reordered, misaddressed,
		overflowed;
};

/* A wire whose faults draw from seed; 0 or -ENOMEM. */
int wg_memwire_new(struct wg_memwire **out, uint64_t seed);
/* Free the wire (its transports must be destroyed first). */
void wg_memwire_free(struct wg_memwire *w);
/* A transport on side (0 or 1); receive: this one takes the side's queue. */
int wg_memwire_attach(struct wg_memwire *w, int side, bool receive,
		      struct wg_transport **out);
/* The address of side (roaming: change it while traffic flows). */
void wg_memwire_set_addr(struct wg_memwire *w, int side,
			 const union wg_sockaddr *addr);
/* Faults of what side sends, in parts per million of packets. */
void wg_memwire_set_faults(struct wg_memwire *w, int side, uint32_t loss_ppm,
			   uint32_t dup_ppm, uint32_t reorder_ppm);
void wg_memwire_stats(struct wg_memwire *w, int side,
		      struct wg_memwire_stats *st);
/* Packets waiting in side's queue. */
size_t wg_memwire_queued(struct wg_memwire *w, int side);

struct wg_memtun;

/* A TUN with or without virtio_net_hdr; 0 or -ENOMEM. */
int wg_memtun_new(struct wg_memtun **out, bool vnet);
void wg_memtun_free(struct wg_memtun *t);
struct wg_tunio *wg_memtun_io(struct wg_memtun *t);
/*
 * A packet the kernel routed into the device (vh NULL: a plain packet; a
 * zero header is added when the TUN is vnet). 0 or -ENOMEM/-ENOSPC.
 */
int wg_memtun_inject(struct wg_memtun *t, const struct virtio_net_hdr *vh,
		     const void *pkt, size_t len);
/*
 * The oldest packet the engine wrote: its virtio_net_hdr (zero without
 * vnet) into *vh, its bytes into buf; the length, or -ENOENT when none,
 * -ENOSPC when cap is too small (the packet is dropped).
 */
ssize_t wg_memtun_take(struct wg_memtun *t, struct virtio_net_hdr *vh,
		       void *buf, size_t cap);
/* Packets waiting to be read by the engine / written by it. */
size_t wg_memtun_pending_in(struct wg_memtun *t);
size_t wg_memtun_pending_out(struct wg_memtun *t);

#endif /* WG_MEMORY_H */

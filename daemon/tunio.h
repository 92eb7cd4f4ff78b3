/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The TUN interface the workers read plaintext from and write it to, the
 * way wireguard-go has tun.Device: batched, with the offloads done here.
 *
 * An implementation moves one packet per call, as read(2)/readv(2) and
 * writev(2) do on a TUN queue fd (a struct virtio_net_hdr first when vnet
 * is set): the device's queue fds (wg_tunio_fd_init) and the in-memory
 * one (memory.h). Over it:
 *  - wg_tunio_read() reads a batch of packets into transport buffers, each
 *    at the offset the sealer needs, cutting TSO/USO super-packets into
 *    wire-sized packets and completing partial checksums (offload.h);
 *  - wg_tunio_write() writes a batch, coalescing the TCP segments of one
 *    flow into one super-packet (software GRO) when vnet is set.
 */
#ifndef WG_TUNIO_H
#define WG_TUNIO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "counters.h"
#include "offload.h"
#include "transport.h"
#include "wire.h"

/* Room a sealed packet needs after its plaintext: padding and the tag. */
#define WG_SEAL_SLACK (WG_PADDING + WG_AEAD_TAG_LEN)

struct wg_tunio {
	/* One packet into iov: its length, 0 when none, or -errno. */
	ssize_t (*readv)(struct wg_tunio *io, const struct iovec *iov, int n);
	/* One (super-)packet from iov, as writev(2). */
	ssize_t (*writev)(struct wg_tunio *io, const struct iovec *iov, int n);
	int fd;		/* to poll for POLLIN; -1 when there is none */
	bool vnet;	/* every packet carries a virtio_net_hdr */
	bool gone;	/* the device is gone (read failed for good) */
};

/* A TUN queue fd as a wg_tunio. */
void wg_tunio_fd_init(struct wg_tunio *io, int fd, bool vnet);

/* A worker's scratch for wg_tunio_read and wg_tunio_write. */
struct wg_tunio_batch {
	uint8_t *big;		/* one super-packet: WG_OFFLOAD_MAX + 1 bytes */
	struct wg_gro gro;
	/*
	 * A super-packet partly cut: the batch filled, or no buffer was free;
	 * the next read goes on with it before reading anything new.
	 */
	bool cutting;
	struct wg_split split;
	struct wg_transport *split_t; /* whose buffers the segments go in */
};

int wg_tunio_batch_init(struct wg_tunio_batch *b);
void wg_tunio_batch_free(struct wg_tunio_batch *b);

/*
 * Read up to max packets, each into a buffer of t: pkts[i].data is the IP
 * packet, with t's headroom plus WG_DATA_HEADER_LEN before it and room for
 * WG_SEAL_SLACK after it. A single packet too long for t's buffers (a
 * large MTU) goes into a buffer of big instead, when big has larger ones.
 * Returns how many; bad packets, and segments that fit no buffer, are
 * dropped and counted in c.
 */
unsigned int wg_tunio_read(struct wg_tunio *io, struct wg_tunio_batch *b,
			   struct wg_transport *t, struct wg_transport *big,
			   struct wg_pkt *pkts, unsigned int max,
			   struct wg_counters *c);
/*
 * Write pkts[0..n) (data, len: IP packets), coalesced when io->vnet; the
 * buffers stay the caller's. Counts tun_tx and drop_tun_write in c.
 */
void wg_tunio_write(struct wg_tunio *io, struct wg_tunio_batch *b,
		    struct wg_pkt *pkts, unsigned int n,
		    struct wg_counters *c);

#endif /* WG_TUNIO_H */

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * TUN offloads in software, for a TUN device opened with IFF_VNET_HDR and
 * TSO4/TSO6/USO offloads (see tun.h):
 *  - split: a read may return a TSO or USO super-packet (up to 64 KiB) with a
 *    virtio_net_hdr; it is cut into wire-sized IP packets, each with its own
 *    IP length/ID, TCP sequence number and flags, and full checksums. A
 *    plain packet whose L4 checksum the kernel left partial
 *    (VIRTIO_NET_HDR_F_NEEDS_CSUM) is completed in place.
 *  - coalesce (software GRO): decrypted packets written to the TUN device
 *    are gathered per batch; consecutive TCP segments of one flow become one
 *    super-packet with a GSO virtio_net_hdr, written with one writev().
 * Headers are read and written bytewise: packets need no alignment.
 */
#ifndef WG_OFFLOAD_H
#define WG_OFFLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <linux/virtio_net.h>

/* USO (Linux 6.2) in older uapi headers. */
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

/* The virtio_net_hdr that prefixes every packet (TUNSETVNETHDRSZ). */
#define WG_VNET_HDR_LEN ((unsigned int)sizeof(struct virtio_net_hdr))
/* The largest packet a TUN read can return with offloads on. */
#define WG_OFFLOAD_MAX 65535
/* Most packets one coalescing batch holds. */
#define WG_GRO_MAX 64

/* Cutting one super-packet into segments; fill with split_init. */
struct wg_split {
	const uint8_t *pkt;
	size_t len;
	size_t l4;		/* offset of the TCP/UDP header */
	size_t hlen;		/* all headers, copied into every segment */
	size_t mss;		/* payload bytes per segment */
	size_t off;		/* payload bytes emitted so far */
	unsigned int seg;	/* segments emitted so far */
	uint8_t proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	bool v6;
	bool done;
};

/*
 * Prepares to split pkt (len bytes, as read after *vh) into segments of at
 * most cap bytes each. 0, -EINVAL for a header or packet that makes no sense
 * (unknown GSO type, offsets outside the packet, not IPv4/IPv6 TCP/UDP),
 * -EMSGSIZE when a segment would not fit in cap.
 */
int wg_offload_split_init(struct wg_split *s, const struct virtio_net_hdr *vh,
			  const uint8_t *pkt, size_t len, size_t cap);
/*
 * Writes the next segment (headers fixed, checksums complete) to out, which
 * has the cap given to split_init; returns its length, 0 when all are out.
 */
size_t wg_offload_split_next(struct wg_split *s, uint8_t *out);
/*
 * Completes a partial checksum in place (NEEDS_CSUM without GSO): the sum
 * from csum_start to the end goes at csum_start + csum_offset. 0, or
 * -EINVAL when the offsets fall outside the packet.
 */
int wg_offload_csum(uint8_t *pkt, size_t len, const struct virtio_net_hdr *vh);

/*
 * Writes one IP packet to a TUN fd, after a zero virtio_net_hdr when vnet
 * (nothing to offload, the kernel checks the checksums). As write(2).
 */
ssize_t wg_offload_write(int fd, bool vnet, const void *pkt, size_t len);

/* One packet in a coalescing batch (internal to offload.c). */
struct wg_gro_pkt {
	uint8_t *data;
	uint32_t len;
	uint16_t iphlen;	/* IP header bytes */
	uint16_t hlen;		/* IP + TCP header bytes, 0: not coalescable */
	int next;		/* next packet of its group, -1 at the end */
};

/* A run of packets written as one (internal to offload.c). */
struct wg_gro_group {
	int first, last;
	unsigned int count;
	uint32_t total;		/* bytes of the super-packet */
	uint32_t mss;		/* payload of the first packet */
	bool closed;		/* nothing more may join */
};

/* A batch of IP packets on their way to the TUN device. */
struct wg_gro {
	struct wg_gro_pkt pkts[WG_GRO_MAX];
	struct wg_gro_group groups[WG_GRO_MAX];
	unsigned int npkts, ngroups;
};

/* Writes one (super-)packet: iov[0] is the virtio_net_hdr. */
typedef ssize_t (*wg_gro_write_fn)(void *ctx, const struct iovec *iov,
				   int iovcnt);

/* Empties the batch. */
void wg_offload_gro_init(struct wg_gro *g);
/*
 * Adds the IP packet pkt (len bytes), which must stay valid until the next
 * flush; flush may rewrite its headers. -ENOSPC when the batch is full.
 */
int wg_offload_gro_add(struct wg_gro *g, uint8_t *pkt, size_t len);
/* Packets in the batch. */
unsigned int wg_offload_gro_count(const struct wg_gro *g);
/*
 * Writes every group through out in the order its first packet arrived,
 * then empties the batch. Returns how many of the batch's packets were in
 * a write that failed.
 */
unsigned int wg_offload_gro_flush(struct wg_gro *g, wg_gro_write_fn out,
				  void *ctx);

#endif /* WG_OFFLOAD_H */

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Outer headers of WireGuard packets on the AF_XDP path: parsing the
 * Ethernet[/802.1Q/802.1ad]/IPv4-or-IPv6/UDP headers of a received frame
 * (VLAN tags as the XDP program accepts them: at most two), and building
 * them in
 * the headroom before an encrypted message to transmit one. Checksums are
 * computed in full (IPv4 header, UDP over the pseudo-header), since no NIC
 * offload applies to AF_XDP frames.
 */
#ifndef WG_PACKET_H
#define WG_PACKET_H

#include <stddef.h>
#include <stdint.h>

#include "endpoint.h"

#define WG_ETH_HLEN 14
#define WG_IP4_HLEN 20
#define WG_IP6_HLEN 40
#define WG_UDP_HLEN 8
#define WG_VLAN_HLEN 4
/* The most VLAN tags a frame may carry: the XDP program's bound too. */
#define WG_VLAN_MAX 2
/* The most any outer header stack takes: Ethernet + IPv6 + UDP. */
#define WG_OUTER_MAX (WG_ETH_HLEN + WG_IP6_HLEN + WG_UDP_HLEN)

/* How a frame reaches one peer: link-layer and network-layer addresses. */
struct wg_outer {
	uint8_t src_mac[6];
	uint8_t dst_mac[6];
	union wg_sockaddr src; /* our address and listen port */
	union wg_sockaddr dst; /* the peer's endpoint */
};

/*
 * The VLAN tags of a received frame, outermost first, as a reply must
 * repeat them: the TPID (ETH_P_8021AD or ETH_P_8021Q) and the whole TCI
 * (priority, DEI and the VLAN id, WG_VLAN_ID(tci)), in host order.
 */
struct wg_vlan {
	uint8_t count;
	uint16_t tpid[WG_VLAN_MAX];
	uint16_t tci[WG_VLAN_MAX];
};
#define WG_VLAN_ID(tci) ((uint16_t)((tci) & 0x0fff))

/*
 * Parse a received Ethernet frame, untagged or with one or two 802.1Q /
 * 802.1ad tags, holding UDP over IPv4 (options allowed, no fragments) or
 * IPv6 (no extension headers). On success fills the UDP source (the
 * sender's endpoint) and destination, the UDP payload position and, when
 * vlan is not NULL, the tags (count 0 untagged); -EINVAL for anything
 * malformed, not UDP, or with more than WG_VLAN_MAX tags.
 */
int wg_packet_parse_vlan(const uint8_t *frame, size_t len,
			 union wg_sockaddr *src, union wg_sockaddr *dst,
			 size_t *payload_off, size_t *payload_len,
			 struct wg_vlan *vlan);

/* wg_packet_parse_vlan() for a caller that does not need the tags. */
static inline int wg_packet_parse(const uint8_t *frame, size_t len,
				  union wg_sockaddr *src,
				  union wg_sockaddr *dst, size_t *payload_off,
				  size_t *payload_len)
{
	return wg_packet_parse_vlan(frame, len, src, dst, payload_off,
				    payload_len, NULL);
}

/* Bytes of outer headers for the path's family. */
size_t wg_packet_outer_len(const struct wg_outer *o);

/*
 * Write the outer headers immediately before `payload` (which must have
 * wg_packet_outer_len() bytes of headroom, and be 4-byte aligned so the IP
 * header lands aligned: AF_XDP frames' data pointers are) and return the
 * frame start.
 */
uint8_t *wg_packet_build(uint8_t *payload, size_t payload_len,
			 const struct wg_outer *o);

/* The Internet checksum (RFC 1071) of a buffer, folded, not inverted. */
uint32_t wg_csum_add(uint32_t sum, const void *buf, size_t len);
uint16_t wg_csum_fold(uint32_t sum);

#endif /* WG_PACKET_H */

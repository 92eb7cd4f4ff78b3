/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The ICMP errors the engine writes back into the TUN device about a
 * packet it read there, as the kernel module sends them: destination
 * unreachable (host unreachable) when no peer has the destination or the
 * peer has no endpoint, and "fragmentation needed" / "packet too big" when
 * the sealed packet would not fit the path, so PMTU discovery works
 * through the tunnel. The kernel then hands them to the sender (a local
 * socket, or a host behind a gateway).
 *
 * Errors are never sent about ICMP errors, fragments other than the first,
 * or multicast and broadcast destinations (RFC 1122, RFC 4443).
 */
#ifndef WG_ICMP_H
#define WG_ICMP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room an error takes at most (RFC 4443: an IPv6 one fits 1280 bytes). */
#define WG_ICMP_MAX 1280

/* Kinds of error. */
enum wg_icmp_kind {
	WG_ICMP_UNREACH, /* host (v4) / address (v6) unreachable */
	WG_ICMP_TOO_BIG, /* fragmentation needed / packet too big, with mtu */
};

/*
 * Build the error about the IP packet pkt (len bytes) into out (at least
 * WG_ICMP_MAX bytes). Returns its length, or 0 when no error may be sent
 * about this packet.
 */
size_t wg_icmp_build(uint8_t *out, const uint8_t *pkt, size_t len,
		     enum wg_icmp_kind kind, uint32_t mtu);

/* Is pkt an IPv4 packet with DF set, or an IPv6 one (never fragmented)? */
bool wg_icmp_dont_fragment(const uint8_t *pkt, size_t len);

#endif /* WG_ICMP_H */

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The UDP sockets bound to the listen port (IPv4 and IPv6), and the UDP
 * transport over them (transport.h).
 *
 * The sockets keep the port reserved while XDP takes its traffic, carry
 * the control thread's handshake messages, carry data for every peer whose
 * route leaves by another interface than the XDP NIC (or while its next
 * hop is unresolved), and are the whole data path where XDP cannot be
 * used. Each has IP_PKTINFO / IPV6_RECVPKTINFO, so every datagram tells
 * which of our addresses it was sent to and every reply leaves from that
 * address; UDP_GRO, so the kernel hands over runs of datagrams from one
 * sender as one buffer; and SO_MARK for the device's fwmark.
 *
 * The transport sends with sendmmsg, a run of same-sized datagrams to one
 * path as one UDP_SEGMENT (GSO) message. A path whose batch the kernel
 * refuses as too big (EMSGSIZE, EIO, EINVAL) is flagged WG_PATH_F_NO_GSO
 * and that batch is sent again datagram by datagram; a source address the
 * kernel refuses (EINVAL, EADDRNOTAVAIL) is flagged WG_PATH_F_SRC_BAD and
 * the datagram sent again from the kernel's choice.
 */
#ifndef WG_UDP_H
#define WG_UDP_H

#include <stdbool.h>
#include <stdint.h>

#include "transport.h"

/* Largest UDP payload: a datagram of 65535 bytes minus the IPv4+UDP header. */
#define WG_UDP_MAX_PAYLOAD 65507
/* Datagrams in one GSO message (the kernel's UDP_MAX_SEGMENTS on 6.1). */
#define WG_UDP_GSO_MAX_SEGS 64

struct wg_socket {
	int fd4;
	int fd6; /* -1 when the host has no IPv6 */
	uint16_t port;
	uint32_t fwmark;
	bool gro; /* UDP_GRO is on */
};

/*
 * Bind both families to `port` (0 picks one; the v6 socket then takes the
 * same number). On failure returns -errno and leaves *s untouched, so a
 * rejected port change keeps the old sockets.
 */
int wg_socket_open(struct wg_socket *s, uint16_t port, uint32_t fwmark);
void wg_socket_close(struct wg_socket *s);
/* Set SO_MARK on both sockets. */
int wg_socket_set_fwmark(struct wg_socket *s, uint32_t fwmark);

/* wg_udp_create() flags. */
enum {
	WG_UDP_RECV = 1 << 0, /* this instance receives (one per device) */
};

/*
 * A UDP transport over *sockp, which the device may replace (RCU: the old
 * sockets are closed only after a grace period), so every call reads the
 * pointer anew. 0 or -ENOMEM.
 */
int wg_udp_create(struct wg_transport **out, struct wg_socket *const *sockp,
		  unsigned int flags);

#endif /* WG_UDP_H */

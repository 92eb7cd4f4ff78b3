/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The ordinary UDP sockets bound to the listen port (IPv4 and IPv6). They
 * keep the port reserved while XDP steals its traffic, carry handshakes and
 * keepalives sent by the control thread, carry data while a next hop is
 * unresolved, and are the whole data path where XDP/AF_XDP cannot be used.
 * Batched: recvmmsg/sendmmsg.
 */
#ifndef WG_SOCKET_H
#define WG_SOCKET_H

#include <stddef.h>
#include <stdint.h>

#include "endpoint.h"

#define WG_SOCKET_BATCH 32
#define WG_SOCKET_BUF 2048

struct wg_socket {
	int fd4;
	int fd6; /* -1 when the host has no IPv6 */
	uint16_t port;
	uint32_t fwmark;
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
/* Send one datagram to dst from the socket of its family. */
int wg_socket_send(const struct wg_socket *s, const union wg_sockaddr *dst,
		   const void *buf, size_t len);

struct wg_socket_batch {
	unsigned int count;
	union wg_sockaddr addr[WG_SOCKET_BATCH];
	size_t len[WG_SOCKET_BATCH];
	uint8_t buf[WG_SOCKET_BATCH][WG_SOCKET_BUF];
};
/* Receive up to a batch from fd without blocking; count 0 when none. */
int wg_socket_recv(int fd, struct wg_socket_batch *b);
/* Send b->count datagrams (b->addr[i], b->buf[i], b->len[i]) in one call. */
int wg_socket_send_batch(const struct wg_socket *s, struct wg_socket_batch *b);

#endif /* WG_SOCKET_H */

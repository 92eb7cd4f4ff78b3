/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Everything we send: handshake initiations and responses, cookie replies
 * and keepalives (control thread, over the UDP socket), and the sealing of
 * data packets (workers, which then transmit over AF_XDP or UDP).
 */
#ifndef WG_SEND_H
#define WG_SEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "device.h"

/* Control thread. `retry`: a timer retransmission (keeps the count). */
void wg_send_initiation(struct wg_device *dev, struct wg_peer *p, bool retry);
void wg_send_response(struct wg_device *dev, struct wg_peer *p);
void wg_send_cookie(struct wg_device *dev, uint32_t sender_index,
		    const void *msg, size_t len, const union wg_sockaddr *src);
void wg_send_keepalive(struct wg_device *dev, struct wg_peer *p);
/* Seal and send what waited for a session; a keepalive if nothing did. */
void wg_send_staged(struct wg_device *dev, struct wg_peer *p, bool keepalive);

/*
 * Seal the plen-byte packet at buf + WG_DATA_HEADER_LEN into a data message
 * at buf (cap bytes of room) for peer p. Returns the message length, or 0
 * when the packet was staged for a handshake instead (or dropped). The
 * caller holds cfg_lock for reading.
 */
size_t wg_send_seal(struct wg_device *dev, struct wg_peer *p, uint8_t *buf,
		    size_t cap, size_t plen);

/* The source address bytes a cookie is bound to (IP then port). */
size_t wg_send_source_bytes(const union wg_sockaddr *src, uint8_t out[18]);

/* Send a message to p's endpoint over the UDP socket; 0 or -errno. */
int wg_send_udp(struct wg_device *dev, struct wg_peer *p, const void *msg,
		size_t len);

#endif /* WG_SEND_H */

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Everything we send. The control thread makes handshake initiations,
 * responses and cookie replies and sends them on its own transport
 * (dev->ctl_tx). Workers seal data packets in place (wg_send_seal) and
 * hand them to the transport their peer's path names (worker.c).
 */
#ifndef WG_SEND_H
#define WG_SEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "device.h"
#include "transport.h"

/* Control thread. `retry`: a timer retransmission (keeps the count). */
void wg_send_initiation(struct wg_device *dev, struct wg_peer *p, bool retry);
void wg_send_response(struct wg_device *dev, struct wg_peer *p);
/* A cookie reply to the handshake message msg that came by rx. */
void wg_send_cookie(struct wg_device *dev, uint32_t sender_index,
		    const void *msg, size_t len, const struct wg_path *rx);

/*
 * Seal the plaintext of pkt (data, len: an IP packet, or len 0 for a
 * keepalive; WG_DATA_HEADER_LEN free before it and WG_SEAL_SLACK after)
 * in place into a data message for p: pkt->data and len then cover the
 * message. False when there is no session: the plaintext was kept for
 * after a handshake (which is asked for) and the buffer is still the
 * caller's. Its bookkeeping goes into the worker's tally t. Worker, RCU
 * reader.
 */
bool wg_send_seal(struct wg_device *dev, struct wg_counters *c,
		  struct wg_tally *t, struct wg_peer *p, struct wg_pkt *pkt);

/*
 * The path to send p's packets on now: a copy of its snapshot's path into
 * *path, with the listen port as our source port, and the snapshot itself
 * (whether it is resolved for AF_XDP, its MTU, a loop), valid until the
 * caller's next quiescent state; NULL when p has no endpoint. RCU reader.
 */
const struct wg_peer_path *wg_send_path(struct wg_device *dev,
					struct wg_peer *p,
					struct wg_path *path);

/* The source address bytes a cookie is bound to (IP then port). */
size_t wg_send_source_bytes(const union wg_sockaddr *src, uint8_t out[18]);

#endif /* WG_SEND_H */

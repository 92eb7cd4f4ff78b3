/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Everything we receive, whichever transport brought it.
 *
 * Workers hand each outer packet to wg_receive_outer(): it classifies it,
 * queues a handshake message for the control thread (the handshake queue
 * lives here; its length is the load signal for cookies), or opens a data
 * message in place and checks it. The control thread drains the queue
 * with wg_receive_handshakes().
 */
#ifndef WG_RECEIVE_H
#define WG_RECEIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "device.h"
#include "transport.h"

/* Handshake messages waiting for the control thread. */
#define WG_HSQ_LEN 4096
/* More queued than this means we are under load (cookies, rate limits). */
#define WG_HSQ_LOAD (WG_HSQ_LEN / 8)

int wg_receive_init(struct wg_device *dev);
void wg_receive_destroy(struct wg_device *dev);

/*
 * One outer packet (a worker, with its counters c). A data message for a
 * peer is opened in place: returns the inner packet's length, with
 * pkt->data now at the inner packet and pkt->peer set, to be written to
 * the TUN device. 0 when there is nothing to write (a keepalive, a
 * handshake message queued, or a drop, counted). Its bookkeeping goes
 * into the worker's tally t. RCU reader.
 */
size_t wg_receive_outer(struct wg_device *dev, struct wg_counters *c,
			struct wg_tally *t, struct wg_pkt *pkt);

/* Handle what the queue holds now (control thread); how many. */
unsigned int wg_receive_handshakes(struct wg_device *dev);
/*
 * Are we under load? (the queue was long within the last second; also
 * pushes the state to XDP). Control thread.
 */
bool wg_receive_under_load(struct wg_device *dev);

/*
 * A handshake initiation, response or cookie reply from rx (control
 * thread); under_load asks for cookies and rate limits.
 */
void wg_receive_handshake(struct wg_device *dev, const uint8_t *msg,
			  size_t len, const struct wg_path *rx,
			  bool under_load);

#endif /* WG_RECEIVE_H */

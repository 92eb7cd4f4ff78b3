/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The control thread: one epoll loop over signals, the timer tick, worker
 * wake-ups, the UDP sockets, the control socket and rtnetlink events. It
 * runs handshakes, cookie replies, the protocol timers and keepalives.
 */
#ifndef WG_CONTROL_H
#define WG_CONTROL_H

#include "device.h"

/* Hand a handshake message to the control thread (workers); drops when full. */
void wg_control_queue_handshake(struct wg_device *dev, const uint8_t *msg,
				size_t len, const union wg_sockaddr *src);
/* Run until SIGTERM/SIGINT or dev->stopping; 0 or -errno. */
int wg_control_run(struct wg_device *dev);

#endif /* WG_CONTROL_H */

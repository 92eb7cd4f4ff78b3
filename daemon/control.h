/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The control thread: handshakes, timers, the control socket and netlink.
 * It never opens or seals a data packet: it asks workers to (worker.h).
 *
 * wg_control_work() does what is due now: the queued handshake messages,
 * what peers asked for (a handshake, a flush, a path lookup) and the
 * expired timers, in deadline order from a heap, so the thread sleeps
 * until the earliest deadline instead of ticking over every peer. The
 * in-process engine test calls it by hand; wg_control_run() calls it from
 * an epoll loop over signals, the deadline timer, wake-ups, the control
 * socket and rtnetlink events.
 */
#ifndef WG_CONTROL_H
#define WG_CONTROL_H

#include <stdint.h>

#include "device.h"

/* Do what is due; returns the monotonic time of the next deadline (0: none). */
uint64_t wg_control_work(struct wg_device *dev);
/* Run until SIGTERM/SIGINT or dev->stopping; 0 or -errno. */
int wg_control_run(struct wg_device *dev);

#endif /* WG_CONTROL_H */

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Worker threads, one per queue: each owns a TUN queue fd and, on the XDP
 * path, the AF_XDP socket of one NIC RX queue. They move data packets:
 * AF_XDP RX -> decrypt in place -> TUN, and TUN -> seal into a UMEM frame ->
 * outer headers -> AF_XDP TX (or the UDP socket while a path is unknown).
 */
#ifndef WG_WORKER_H
#define WG_WORKER_H

#include "device.h"

/*
 * Default and most of dev->busy_poll_us ($WG_XDP_BUSY_POLL_US). Off by
 * default: on the 2-CPU bench rig a spinning worker takes the CPU the
 * other end needs; idle ping p50 0.137 ms without, 0.148 ms at 50 us,
 * 0.302 ms at 200 us.
 */
#define WG_BUSY_POLL_US 0
#define WG_BUSY_POLL_MAX_US 1000

struct wg_xsk;
struct wg_xsk_stats;

/*
 * Start dev->nqueues workers; xsks[i] may be NULL (UDP path); lan[i] is
 * worker i's gateway-mode socket on the LAN interface, or NULL.
 */
int wg_workers_start(struct wg_device *dev, struct wg_xsk **xsks,
		     struct wg_xsk **lan);
/*
 * Sums the AF_XDP counters of the workers' NIC sockets into *sum (zero on
 * the UDP path). Any thread; 0 or -errno.
 */
int wg_workers_xsk_stats(struct wg_device *dev, struct wg_xsk_stats *sum);
/* Stop and join them (dev->stopping must be set). */
void wg_workers_stop(struct wg_device *dev);

#endif /* WG_WORKER_H */

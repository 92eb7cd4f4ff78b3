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

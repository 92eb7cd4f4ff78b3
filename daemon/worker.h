/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The workers: one per queue, each with its transports (transport.h) and
 * its TUN queue (tunio.h). Whatever the transports are, a worker runs the
 * same two loops:
 *
 *   outer in -> classify -> handshake queue, or open -> coalesce -> TUN
 *   TUN in (or plaintext from the LAN) -> route -> seal -> transport
 *
 * and, when the control thread asks, seals the packets a peer kept for a
 * session (or a keepalive) and sends them the same way. A peer's packets
 * leave by AF_XDP on the NIC when its path is resolved for it, and by the
 * UDP transport otherwise.
 *
 * A worker is a plain object: wg_worker_poll() runs both loops once and
 * wg_worker_wait() sleeps until there is work, so a test drives workers by
 * hand in one thread (the in-process engine test), and wg_workers_start()
 * runs each in a thread of its own. A worker thread is an RCU reader with
 * a quiescent state after every pass and offline while it sleeps.
 */
#ifndef WG_WORKER_H
#define WG_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "counters.h"
#include "device.h"
#include "transport.h"
#include "tunio.h"

/*
 * Default and most of dev->busy_poll_us ($WG_XDP_BUSY_POLL_US). Off by
 * default: on the 2-CPU bench rig a spinning worker takes the CPU the
 * other end needs; idle ping p50 0.137 ms without, 0.148 ms at 50 us,
 * 0.302 ms at 200 us.
 */
#define WG_BUSY_POLL_US 0
#define WG_BUSY_POLL_MAX_US 1000

/* What a worker moves packets with; the worker owns (and destroys) them. */
struct wg_worker_config {
	struct wg_transport *nic; /* AF_XDP on the NIC, or NULL */
	struct wg_transport *udp; /* the UDP transport (always) */
	struct wg_transport *lan; /* gateway mode: plaintext, or NULL */
	struct wg_tunio *tun;	  /* its TUN queue */
};

struct wg_worker;

int wg_worker_create(struct wg_worker **out, struct wg_device *dev,
		     unsigned int index, const struct wg_worker_config *cfg);
/* Destroys its transports too; the thread must be stopped. */
void wg_worker_destroy(struct wg_worker *w);
/* Both loops once, and the flushes asked for; packets handled. */
unsigned int wg_worker_poll(struct wg_worker *w);
/* Sleep until a transport, the TUN or the control thread has work. */
void wg_worker_wait(struct wg_worker *w, int timeout_ms);
/* Its counters (summed by the report). */
struct wg_counters *wg_worker_counters(struct wg_worker *w);
/* Call emit for each counter of each of its transports. */
void wg_worker_stats(struct wg_worker *w,
		     void (*emit)(void *ctx, const char *name, uint64_t v),
		     void *ctx);
/* Wake it from wg_worker_wait (any thread). */
void wg_worker_wake(struct wg_worker *w);

/*
 * Control thread: have p's worker send what p keeps for a session, or a
 * keepalive when keepalive is set and nothing is kept.
 */
void wg_worker_flush(struct wg_device *dev, struct wg_peer *p, bool keepalive);

/* A thread for each of dev->workers; 0 or -errno (none left running). */
int wg_workers_start(struct wg_device *dev);
/* Join them (dev->stopping must be set). */
void wg_workers_stop(struct wg_device *dev);

#endif /* WG_WORKER_H */

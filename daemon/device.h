/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The WireGuard interface: our keys, the peers and their tables, the
 * sockets, the data plane's mirrors and the engine's threads.
 *
 * Threads: one control thread (handshakes, timers, control socket,
 * netlink) and one worker per queue (worker.h). The tables the workers
 * read per packet (allowed IPs, the peers they point at, each peer's
 * path, the UDP sockets) are published with RCU (rcu.h), so a change
 * never makes a worker wait: the control thread prepares it, publishes it
 * with pointer stores, waits for a grace period and frees what it
 * replaced. The receiver-index table has its own lock (index.h), held
 * for a lookup only.
 *
 * Lock order: cfg_mutex, then a peer's lock, then noise's locks (noise.h),
 * then the index table's; svc_lock and the workers' flush locks are leaves.
 */
#ifndef WG_DEVICE_H
#define WG_DEVICE_H

#include <net/if.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "allowedips.h"
#include "clock.h"
#include "config.h"
#include "cookie.h"
#include "counters.h"
#include "dataplane.h"
#include "heap.h"
#include "index.h"
#include "noise.h"
#include "peer.h"
#include "ratelimiter.h"
#include "transport.h"
#include "tun.h"
#include "txsel.h"
#include "udp.h"

#define WG_DEFAULT_MTU 1420
#define WG_PEER_HASH_SIZE 65536
#define WG_MAX_QUEUES 16

enum wg_path_kind { WG_PATH_UDP, WG_PATH_XDP };

struct wg_worker;
struct wg_hs_queue;

struct wg_device {
	char ifname[IFNAMSIZ];
	_Atomic unsigned int mtu; /* the TUN device's, for padding */

	struct noise_local local;
	struct cookie_checker cookie;
	struct wg_ratelimiter ratelimiter;
	struct wg_index index;
	struct wg_allowedips aip;

	/*
	 * cfg_mutex guards peers, peers_tail, peer_hash, npeers,
	 * next_peer_id, fwmark, every change to aip, and the writers of
	 * sock. Held by configuration changes and snapshots (the control
	 * thread, and main before it starts); never by a worker.
	 */
	pthread_mutex_t cfg_mutex;
	struct wg_peer *peers; /* list in add order */
	struct wg_peer *peers_tail;
	struct wg_peer *peer_hash[WG_PEER_HASH_SIZE];
	size_t npeers;
	uint32_t next_peer_id;
	uint32_t fwmark;
	/* The bound sockets; RCU: read with wg_rcu_deref. */
	struct wg_socket *sock;
	_Atomic uint16_t port; /* sock's port, for any thread */
	/* Peers by their next timer deadline (the control thread's). */
	struct wg_heap heap;

	/* The data plane. */
	enum wg_path_kind path;
	struct wg_dataplane dp; /* XDP maps, routes, NIC facts */
	struct wg_tun tun;
	const char *xsk_mode;
	/*
	 * Workers keep polling this long after the last packet before they
	 * sleep in poll() (0: never spin). Set before they start.
	 */
	unsigned int busy_poll_us;
	/* How packets for the NIC leave: AF_XDP or UDP GSO (txsel.h). */
	struct wg_txsel txsel;
	unsigned int nworkers;
	struct wg_worker **workers;
	/* The control thread's transport for handshake messages. */
	struct wg_transport *ctl_tx;
	/*
	 * Handshake messages for the control thread: receive.c owns it
	 * (wg_receive_init after wg_device_init, wg_receive_destroy last).
	 */
	struct wg_hs_queue *hsq;

	/*
	 * svc_lock guards svc_head: the peers that asked the control thread
	 * for something (want_*) since it last looked.
	 */
	pthread_mutex_t svc_lock;
	struct wg_peer *svc_head;
	int wake_fd;  /* eventfd: wakes the control thread */
	int ready_fd; /* written "ok" once the control socket listens */
	/*
	 * When >= 0, a stop request (a signal) is written here (an eventfd)
	 * for main.c, which runs the PreDown hooks while the control socket
	 * still answers and then sets stopping; when -1, it sets stopping.
	 */
	int stop_fd;
	atomic_bool stopping;
	struct wg_counters ctl_counters; /* the control thread's */
};

/* Set up an empty device named ifname (no peers, no key, no sockets). */
int wg_device_init(struct wg_device *dev, const char *ifname);
/* Free peers and tables; the workers must already be stopped. */
void wg_device_destroy(struct wg_device *dev);

/*
 * Apply a configuration change whole or not at all, as a prepare and a
 * commit: everything that can fail (the listen port, memory for peers,
 * prefixes and table slots, map room) is done before anything changes;
 * then the commit publishes it, and the workers never wait. A rejected
 * change leaves the old configuration whole. 0 or -errno.
 */
int wg_device_apply(struct wg_device *dev, const struct wg_config *cfg);
/* Snapshot for `get=1`. */
int wg_device_info(struct wg_device *dev, struct wg_device_info *info);
void wg_device_info_free(struct wg_device *dev, struct wg_device_info *info);

/* The peer with public key pub, or NULL. Caller holds cfg_mutex. */
struct wg_peer *wg_device_peer_lookup(struct wg_device *dev,
				      const uint8_t pub[WG_KEY_LEN]);
/* A signal asked us to stop: tell stop_fd, or set stopping (see above). */
void wg_device_request_stop(struct wg_device *dev);
/* Wake the control thread. */
void wg_device_wake(struct wg_device *dev);
/* Ask the control thread for a handshake with p (any thread). */
void wg_device_want_handshake(struct wg_device *dev, struct wg_peer *p);
/* Ask it to have p's staged packets, or a keepalive, sent (any thread). */
void wg_device_want_flush(struct wg_device *dev, struct wg_peer *p);
/* Ask it to resolve p's outer path again (any thread). */
void wg_device_want_path(struct wg_device *dev, struct wg_peer *p);
/* Ask it to look at p's timers now (any thread). */
void wg_device_want_timers(struct wg_device *dev, struct wg_peer *p);
/* Take the service list (control thread); walk it with svc_next. */
struct wg_peer *wg_device_take_service(struct wg_device *dev);

#endif /* WG_DEVICE_H */

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The WireGuard interface: our keys, the peers and their tables, the sockets
 * and the data plane. The userspace tables here are the authority; the XDP
 * maps mirror them and are updated on every change.
 *
 * Threads: one control thread (handshakes, timers, control socket, netlink)
 * and one worker per AF_XDP queue / TUN queue. Workers hold cfg_lock for
 * reading around each batch, so a writer that holds it has quiesced them:
 * that is how a removed peer is safe to free (unlink under the write lock,
 * free after).
 */
#ifndef WG_DEVICE_H
#define WG_DEVICE_H

#include <net/if.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "allowedips.h"
#include "config.h"
#include "cookie.h"
#include "index.h"
#include "noise.h"
#include "peer.h"
#include "ratelimiter.h"
#include "socket.h"
#include "tun.h"
#include "uapi.h"

#define WG_DEFAULT_MTU 1420
#define WG_PEER_HASH_SIZE 65536
#define WG_MAX_QUEUES 16

/* What a receiver index stands for in the index table. */
enum wg_index_kind { WG_INDEX_HANDSHAKE = 1, WG_INDEX_KEYPAIR = 2 };

enum wg_path_kind { WG_PATH_UDP, WG_PATH_XDP };

/* Daemon counters shown by `wg-xdp show` (all _Atomic, relaxed). */
struct wg_counters {
	_Atomic uint64_t udp_rx, udp_tx, xsk_rx, xsk_tx, tun_rx, tun_tx, lan_rx;
	_Atomic uint64_t drop_no_peer, drop_no_session, drop_decrypt,
		drop_unallowed_src, drop_bad_packet, drop_tun_write,
		handshakes_rx, handshakes_tx, cookies_tx, staged;
};

struct wg_xdp;
struct wg_nl;
struct wg_route;
struct wg_worker;

/* Handshake messages that workers received over AF_XDP, for the control
 * thread; its length is the load signal for cookies. */
#define WG_HSQ_LEN 512
struct wg_hs_item {
	union wg_sockaddr src;
	uint16_t len;
	uint8_t buf[WG_MSG_INITIATION_LEN];
};
struct wg_hs_queue {
	/* lock guards items, head, count. */
	pthread_mutex_t lock;
	unsigned int head, count;
	struct wg_hs_item items[WG_HSQ_LEN];
};

struct wg_device {
	char ifname[IFNAMSIZ];
	int tun_ifindex;
	unsigned int mtu;

	struct noise_local local;
	struct cookie_checker cookie;
	struct wg_ratelimiter ratelimiter;
	struct wg_index index;
	struct wg_allowedips aip;

	/*
	 * cfg_lock guards peers, peer_hash, npeers, next_peer_id, sock,
	 * fwmark and each peer's existence. Workers read-lock it per batch.
	 */
	pthread_rwlock_t cfg_lock;
	struct wg_peer *peers; /* list in add order */
	struct wg_peer *peers_tail;
	struct wg_peer *peer_hash[WG_PEER_HASH_SIZE];
	size_t npeers;
	uint32_t next_peer_id;
	struct wg_socket sock;
	uint32_t fwmark;

	/* Data plane. */
	enum wg_path_kind path;
	struct wg_xdp *xdp; /* NULL on the UDP path */
	char nic[IFNAMSIZ];
	int nic_ifindex;
	uint8_t nic_mac[6];
	char lan[IFNAMSIZ];
	int lan_ifindex;
	struct wg_nl *nl;
	struct wg_tun tun; /* one queue fd per worker */
	/* Routes for allowed IPs (route.h); NULL when wg-quick routes. */
	struct wg_route *route;
	unsigned int nqueues;
	struct wg_worker *workers;
	const char *xsk_mode;
	bool under_load; /* as last told to XDP (control thread only) */
	/*
	 * Workers keep polling their rings this long after the last packet
	 * before they sleep in poll() (0: never spin). Set before they start.
	 */
	unsigned int busy_poll_us;

	struct wg_hs_queue hsq;
	/*
	 * svc_lock guards svc_head: the peers whose want_handshake or
	 * want_flush was set since the control thread last looked, so a
	 * wake-up visits those and not every peer.
	 */
	pthread_mutex_t svc_lock;
	struct wg_peer *svc_head;
	/* Set by workers to wake the control thread (eventfd). */
	int wake_fd;
	int ready_fd; /* written "ok" once the control socket listens */
	/*
	 * When >= 0, a stop request (a signal) is written here (an eventfd)
	 * for main.c, which runs the PreDown hooks while the control socket
	 * still answers and then sets stopping; when -1, it sets stopping.
	 */
	int stop_fd;
	atomic_bool stopping;
	struct wg_counters counters;
};

/* Set up an empty device named ifname (no peers, no key, no sockets). */
int wg_device_init(struct wg_device *dev, const char *ifname);
/* Free peers and tables; the data plane must already be stopped. */
void wg_device_destroy(struct wg_device *dev);

/*
 * Apply a configuration change whole or not at all: everything that can
 * fail (the listen port, memory) is prepared before anything is changed.
 * 0 or -errno. Takes cfg_lock for writing.
 */
int wg_device_apply(struct wg_device *dev, const struct wg_config *cfg);
/* Snapshot for `get=1`. Takes cfg_lock for reading. */
int wg_device_info(struct wg_device *dev, struct wg_device_info *info);
void wg_device_info_free(struct wg_device *dev, struct wg_device_info *info);

/* The peer with public key pub, or NULL. Caller holds cfg_lock. */
struct wg_peer *wg_device_peer_lookup(struct wg_device *dev,
				      const uint8_t pub[WG_KEY_LEN]);
/* A signal asked us to stop: tell stop_fd, or set stopping (see above). */
void wg_device_request_stop(struct wg_device *dev);
/* Wake the control thread (a worker has staged packets or wants a rekey). */
void wg_device_wake(struct wg_device *dev);
/* Ask the control thread for a handshake with p (any thread). */
void wg_device_want_handshake(struct wg_device *dev, struct wg_peer *p);
/* Ask it to send p's staged packets, or a keepalive (any thread). */
void wg_device_want_flush(struct wg_device *dev, struct wg_peer *p);
/* Take the service list (control thread); walk it with svc_next. */
struct wg_peer *wg_device_take_service(struct wg_device *dev);

/* Monotonic nanoseconds. */
uint64_t wg_now(void);

#endif /* WG_DEVICE_H */

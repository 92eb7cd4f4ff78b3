// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "control.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "dataplane.h"
#include "log.h"
#include "offload.h"
#include "netlink.h"
#include "receive.h"
#include "send.h"
#include "uapi.h"
#include "xdp.h"

/* The protocol timers run on this tick (their jitter is 333 ms). */
#define TICK_NS (50 * 1000 * 1000)
/* More queued handshakes than this means we are under load. */
#define HSQ_LOAD_LIMIT (WG_HSQ_LEN / 8)

enum tag { TAG_SIGNAL = 1, TAG_TICK, TAG_WAKE, TAG_UDP4, TAG_UDP6, TAG_UAPI,
	   TAG_NL };

struct control {
	struct wg_device *dev;
	int epfd, sigfd, tickfd;
	int udp4, udp6; /* the fds registered now (the port may change) */
	struct wg_uapi_server *uapi;
	struct wg_socket_batch batch;
	uint8_t tunbuf[WG_SOCKET_BUF];
};

void wg_control_queue_handshake(struct wg_device *dev, const uint8_t *msg,
				size_t len, const union wg_sockaddr *src)
{
	struct wg_hs_queue *q = &dev->hsq;
	struct wg_hs_item *it;

	if (len > sizeof(it->buf))
		return;
	pthread_mutex_lock(&q->lock);
	if (q->count < WG_HSQ_LEN) {
		it = &q->items[(q->head + q->count) % WG_HSQ_LEN];
		it->src = *src;
		it->len = (uint16_t)len;
		memcpy(it->buf, msg, len);
		q->count++;
	}
	pthread_mutex_unlock(&q->lock);
	wg_device_wake(dev);
}

static bool under_load(struct wg_device *dev, size_t queued)
{
	bool load = wg_cookie_under_load(&dev->cookie, queued, HSQ_LOAD_LIMIT,
					 wg_now());

	/* XDP then drops floods per source before they reach the queue. */
	wg_dataplane_load_changed(dev, load);
	return load;
}

static void drain_handshakes(struct wg_device *dev)
{
	struct wg_hs_queue *q = &dev->hsq;
	struct wg_hs_item it;
	unsigned int queued;

	for (;;) {
		pthread_mutex_lock(&q->lock);
		queued = q->count;
		if (!queued) {
			pthread_mutex_unlock(&q->lock);
			return;
		}
		it = q->items[q->head];
		q->head = (q->head + 1) % WG_HSQ_LEN;
		q->count--;
		pthread_mutex_unlock(&q->lock);
		pthread_rwlock_rdlock(&dev->cfg_lock);
		wg_receive_handshake(dev, it.buf, it.len, &it.src,
				     under_load(dev, queued));
		pthread_rwlock_unlock(&dev->cfg_lock);
	}
}

/* Datagrams on the UDP socket: handshakes in place, data decrypted to TUN. */
static void read_udp(struct control *c, int fd)
{
	struct wg_device *dev = c->dev;
	struct wg_socket_batch *b = &c->batch;
	int n;

	do {
		n = wg_socket_recv(fd, b);
		if (n <= 0)
			return;
		atomic_fetch_add_explicit(&dev->counters.udp_rx, (unsigned)n,
					  memory_order_relaxed);
		pthread_rwlock_rdlock(&dev->cfg_lock);
		for (int i = 0; i < n; i++) {
			uint8_t *m = b->buf[i];
			size_t len = b->len[i], ilen;

			if (len < 4 || m[1] || m[2] || m[3])
				continue;
			if (m[0] == WG_MSG_DATA) {
				ilen = wg_receive_data(dev, m, len, &b->addr[i]);
				if (ilen && wg_offload_write(dev->tun.fds[0],
							     dev->tun.vnet_hdr,
							     m + WG_DATA_HEADER_LEN,
							     ilen) < 0)
					atomic_fetch_add_explicit(
						&dev->counters.drop_tun_write, 1,
						memory_order_relaxed);
				else if (ilen)
					atomic_fetch_add_explicit(
						&dev->counters.tun_tx, 1,
						memory_order_relaxed);
			} else {
				wg_receive_handshake(dev, m, len, &b->addr[i],
						     under_load(dev, (size_t)n));
			}
		}
		pthread_rwlock_unlock(&dev->cfg_lock);
	} while (n == WG_SOCKET_BATCH);
}

static void peer_timers(struct wg_device *dev, struct wg_peer *p,
			uint64_t now)
{
	unsigned int act;
	char name[96];

	pthread_mutex_lock(&p->lock);
	act = wg_timers_expire(&p->timers, now);
	wg_peer_timers_unlock(p);
	if (act & WG_TIMERS_LOG_RETRY)
		log_info("Handshake for %s did not complete after %d seconds, "
			 "retrying (try %u)",
			 wg_peer_name(p, name, sizeof(name)), WG_REKEY_TIMEOUT,
			 wg_timers_tries(&p->timers));
	if (act & WG_TIMERS_LOG_STOPPED_HEARING)
		log_info("Retrying handshake with %s because we stopped hearing "
			 "back after %d seconds",
			 wg_peer_name(p, name, sizeof(name)),
			 WG_KEEPALIVE_TIMEOUT + WG_REKEY_TIMEOUT);
	if (act & WG_TIMERS_LOG_GAVE_UP)
		log_info("Handshake for %s did not complete after %u attempts, "
			 "giving up",
			 wg_peer_name(p, name, sizeof(name)),
			 wg_timers_tries(&p->timers));
	if (act & WG_TIMERS_GIVE_UP) {
		uint8_t drop[WG_STAGED_BUF];

		while (wg_peer_unstage(p, drop, sizeof(drop)))
			;
	}
	if (act & WG_TIMERS_ZERO_KEYS) {
		log_dbg("Zeroing out all keys for %s, since we haven't received "
			"a new one in %d seconds",
			wg_peer_name(p, name, sizeof(name)),
			3 * WG_REJECT_AFTER_TIME);
		wg_noise_remote_clear(&p->remote);
	}
	if (act & WG_TIMERS_SEND_INITIATION)
		wg_send_initiation(dev, p, true);
	if (act & WG_TIMERS_SEND_KEEPALIVE)
		wg_send_keepalive(dev, p);
}

static void serve(struct wg_device *dev, struct wg_peer *p)
{
	if (atomic_exchange(&p->want_handshake, false))
		wg_send_initiation(dev, p, false);
	if (atomic_exchange(&p->want_flush, false))
		wg_send_staged(dev, p, true);
}

/*
 * Wake-ups serve the peers that asked (wanted handshakes, flushes); the
 * tick runs every peer's timers and refreshes its path.
 */
static void service_peers(struct wg_device *dev, bool tick)
{
	uint64_t now = wg_now();
	struct wg_peer *p, *next;

	pthread_rwlock_rdlock(&dev->cfg_lock);
	/* Removal unlinks a peer from this list, so every entry is live. */
	for (p = wg_device_take_service(dev); p; p = next) {
		next = p->svc_next;
		atomic_store(&p->svc_queued, false);
		serve(dev, p);
	}
	for (p = tick ? dev->peers : NULL; p; p = p->next) {
		uint64_t due = atomic_load(&p->timer_due);

		/* Only due peers take their lock: 100,000 idle ones are cheap. */
		if (due && due <= now)
			peer_timers(dev, p, now);
		wg_dataplane_refresh_path(dev, p, now, false);
	}
	pthread_rwlock_unlock(&dev->cfg_lock);
	if (tick) {
		wg_ratelimiter_gc(&dev->ratelimiter, now);
		under_load(dev, 0); /* lets the load state expire */
	}
}

static int add_fd(int epfd, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* Follow listen-port changes: register the sockets in use now. */
static void sync_udp(struct control *c)
{
	struct wg_device *dev = c->dev;

	if (c->udp4 == dev->sock.fd4 && c->udp6 == dev->sock.fd6)
		return;
	/* Old fds are closed already, which removed them from epoll. */
	c->udp4 = dev->sock.fd4;
	c->udp6 = dev->sock.fd6;
	if (c->udp4 >= 0)
		add_fd(c->epfd, c->udp4, TAG_UDP4);
	if (c->udp6 >= 0)
		add_fd(c->epfd, c->udp6, TAG_UDP6);
}

static int uapi_set(void *ctx, const struct wg_config *cfg)
{
	return wg_device_apply(ctx, cfg);
}

static int uapi_get(void *ctx, struct wg_device_info *out)
{
	return wg_device_info(ctx, out);
}

static void uapi_get_free(void *ctx, struct wg_device_info *info)
{
	wg_device_info_free(ctx, info);
}

static int uapi_dataplane(void *ctx, struct wg_uapi_buf *out)
{
	return wg_dataplane_report(ctx, out);
}

static void nl_addr(void *ctx, bool removed, int ifindex,
		    const struct wg_nl_ip *addr, unsigned int prefixlen)
{
	struct wg_device *dev = ctx;

	(void)prefixlen;
	if (!dev->xdp || ifindex != dev->nic_ifindex)
		return;
	if (removed)
		wg_xdp_del_local(dev->xdp, addr->family, &addr->v6);
	else
		wg_xdp_add_local(dev->xdp, addr->family, &addr->v6);
}

static void nl_link(void *ctx, bool removed, int ifindex, const char *name,
		    unsigned int flags)
{
	struct wg_device *dev = ctx;

	(void)name;
	(void)flags;
	/*
	 * `ip link del wg0` (what wg-quick down does) ends the daemon, as it
	 * does wireguard-go. A move to another namespace also shows as a
	 * removal here, but then the TUN device still exists.
	 */
	if (removed && ifindex == dev->tun.ifindex &&
	    wg_tun_netns_moved(&dev->tun) == 0) {
		log_info("Interface %s was removed, shutting down", dev->ifname);
		atomic_store(&dev->stopping, true);
	}
}

static void nl_neigh(void *ctx, bool removed, int ifindex,
		     const struct wg_nl_ip *addr, const uint8_t *mac,
		     uint16_t state)
{
	struct wg_device *dev = ctx;
	struct wg_peer *p;

	(void)removed;
	(void)addr;
	(void)mac;
	(void)state;
	if (ifindex != dev->nic_ifindex)
		return;
	/* A neighbour changed on the NIC: recheck the paths soon. */
	pthread_rwlock_rdlock(&dev->cfg_lock);
	for (p = dev->peers; p; p = p->next)
		wg_peer_path_stale(p);
	pthread_rwlock_unlock(&dev->cfg_lock);
}

static const struct wg_nl_monitor_ops nl_ops = {
	.addr = nl_addr,
	.link = nl_link,
	.neigh = nl_neigh,
};

int wg_control_run(struct wg_device *dev)
{
	static const struct wg_uapi_ops ops = {
		.set = uapi_set,
		.get = uapi_get,
		.get_free = uapi_get_free,
		.dataplane = uapi_dataplane,
	};
	struct itimerspec its = {
		.it_interval = { 0, TICK_NS },
		.it_value = { 0, TICK_NS },
	};
	struct control *c = calloc(1, sizeof(*c));
	struct epoll_event evs[16];
	sigset_t mask;
	int ret, nlfd = -1;

	if (!c)
		return -ENOMEM;
	c->dev = dev;
	c->udp4 = c->udp6 = -1;
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	c->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	c->tickfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (c->epfd < 0 || c->sigfd < 0 || c->tickfd < 0) {
		ret = -errno;
		goto out;
	}
	timerfd_settime(c->tickfd, 0, &its, NULL);
	add_fd(c->epfd, c->sigfd, TAG_SIGNAL);
	add_fd(c->epfd, c->tickfd, TAG_TICK);
	add_fd(c->epfd, dev->wake_fd, TAG_WAKE);
	if (dev->nl) {
		nlfd = wg_nl_monitor_open(dev->nl);
		if (nlfd >= 0)
			add_fd(c->epfd, nlfd, TAG_NL);
	}
	sync_udp(c);
	ret = wg_uapi_listen(&c->uapi, dev->ifname, c->epfd,
			     (epoll_data_t){ .u32 = TAG_UAPI }, &ops, dev);
	if (ret) {
		log_err("Could not open the control socket: %s", strerror(-ret));
		goto out;
	}
	if (dev->ready_fd >= 0) {
		/* `wg-xdp up` returns now: the interface is ready. */
		if (write(dev->ready_fd, "ok\n", 3) < 0)
			log_warn("Could not signal readiness: %s",
				 strerror(errno));
		close(dev->ready_fd);
		dev->ready_fd = -1;
	}

	while (!atomic_load(&dev->stopping)) {
		int n = epoll_wait(c->epfd, evs, 16, 1000);

		for (int i = 0; i < n; i++) {
			uint64_t v;

			switch (evs[i].data.u32) {
			case TAG_SIGNAL: {
				struct signalfd_siginfo si;

				if (read(c->sigfd, &si, sizeof(si)) > 0) {
					log_info("Received signal %u, shutting down",
						 si.ssi_signo);
					wg_device_request_stop(dev);
				}
				break;
			}
			case TAG_TICK:
				if (read(c->tickfd, &v, sizeof(v)) > 0)
					service_peers(dev, true);
				break;
			case TAG_WAKE:
				if (read(dev->wake_fd, &v, sizeof(v)) > 0) {
					drain_handshakes(dev);
					service_peers(dev, false);
				}
				break;
			case TAG_UDP4:
				read_udp(c, c->udp4);
				break;
			case TAG_UDP6:
				read_udp(c, c->udp6);
				break;
			case TAG_UAPI:
				wg_uapi_process(c->uapi);
				sync_udp(c);
				break;
			case TAG_NL:
				wg_nl_monitor_read(dev->nl, &nl_ops, dev);
				break;
			}
		}
	}
	ret = 0;
out:
	if (c->uapi)
		wg_uapi_close(c->uapi);
	if (c->sigfd >= 0)
		close(c->sigfd);
	if (c->tickfd >= 0)
		close(c->tickfd);
	if (c->epfd >= 0)
		close(c->epfd);
	free(c);
	return ret;
}

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
#include "gateway.h"
#include "log.h"
#include "netlink.h"
#include "path.h"
#include "rcu.h"
#include "receive.h"
#include "report.h"
#include "send.h"
#include "uapi.h"
#include "worker.h"

/*
 * Housekeeping that is not a peer's timer: idle rate-limiter entries and
 * the under-load state (whether XDP still sheds a flood is read at most
 * every 50 ms, and the load lapses after a second without it). Only while
 * either has something to do.
 */
#define HOUSEKEEPING_NS (200 * WG_NSEC_PER_MSEC)

enum tag { TAG_SIGNAL = 1, TAG_TIMER, TAG_WAKE, TAG_UAPI, TAG_NL };

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
	if (act & WG_TIMERS_GIVE_UP)
		wg_peer_unstage_all(p);
	if (act & WG_TIMERS_ZERO_KEYS) {
		log_dbg("Zeroing out all keys for %s, since we haven't received "
			"a new one in %d seconds",
			wg_peer_name(p, name, sizeof(name)),
			3 * WG_REJECT_AFTER_TIME);
		wg_noise_remote_clear(&p->remote);
	}
	/* Retrying: the cached source may be why (as the kernel does). */
	if (act & WG_TIMERS_CLEAR_ENDPOINT_SRC)
		wg_peer_clear_src(p);
	if (act & WG_TIMERS_SEND_INITIATION)
		wg_send_initiation(dev, p, true);
	if (act & WG_TIMERS_SEND_KEEPALIVE)
		wg_worker_flush(dev, p, true);
}

/* Put p in the heap at its next deadline, or take it out. */
static void schedule(struct wg_device *dev, struct wg_peer *p)
{
	uint64_t due = atomic_load(&p->timer_due);

	if (atomic_load(&p->dead)) {
		wg_heap_del(&dev->heap, &p->timer);
		return;
	}
	if (!due) {
		wg_heap_del(&dev->heap, &p->timer);
		atomic_store(&p->timer_sched, 0);
		return;
	}
	if (wg_heap_set(&dev->heap, &p->timer, due)) {
		log_ratelimited(WG_LOG_WARN, "Timer heap out of memory");
		return;
	}
	atomic_store(&p->timer_sched, due);
}

static void serve(struct wg_device *dev, struct wg_peer *p)
{
	if (atomic_exchange(&p->want_path, false))
		wg_path_resolve(dev, p);
	if (atomic_exchange(&p->want_handshake, false))
		wg_send_initiation(dev, p, false);
	if (atomic_exchange(&p->want_flush, false))
		wg_worker_flush(dev, p, true);
	atomic_store(&p->want_timers, false);
	schedule(dev, p);
}

uint64_t wg_control_work(struct wg_device *dev)
{
	struct wg_heap_node *n;
	struct wg_peer *p, *next;
	uint64_t now;

	wg_receive_handshakes(dev);
	/* Removal unlinks a peer from this list: every entry is live. */
	for (p = wg_device_take_service(dev); p; p = next) {
		next = p->svc_next;
		atomic_store(&p->svc_queued, false);
		serve(dev, p);
	}
	now = wg_now();
	while ((n = wg_heap_min(&dev->heap)) && n->key <= now) {
		p = caa_container_of(n, struct wg_peer, timer);
		wg_heap_del(&dev->heap, n);
		atomic_store(&p->timer_sched, 0);
		peer_timers(dev, p, now);
		schedule(dev, p);
	}
	n = wg_heap_min(&dev->heap);
	return n ? n->key : 0;
}

static int add_fd(int epfd, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* The timer fires at the next deadline, or for housekeeping. */
static void arm(int timerfd, uint64_t next, bool housekeeping)
{
	uint64_t now = wg_now(), at = next;
	struct itimerspec its = { 0 };

	if (housekeeping && (!at || at > now + HOUSEKEEPING_NS))
		at = now + HOUSEKEEPING_NS;
	if (at) {
		uint64_t in = at > now ? at - now : 1;

		its.it_value.tv_sec = (time_t)(in / WG_NSEC_PER_SEC);
		its.it_value.tv_nsec = (long)(in % WG_NSEC_PER_SEC);
	}
	timerfd_settime(timerfd, 0, &its, NULL);
}

static int uapi_set(void *ctx, const struct wg_config *cfg)
{
	struct wg_device *dev = ctx;
	struct wg_socket *old = wg_rcu_deref(dev->sock);
	uint32_t mark = dev->fwmark;
	int ret = wg_device_apply(dev, cfg);

	if (ret)
		return ret;
	/* New sockets: the receiving worker polls their fds from now on. */
	if (wg_rcu_deref(dev->sock) != old)
		for (unsigned int i = 0; i < dev->nworkers; i++)
			wg_worker_wake(dev->workers[i]);
	/* Another fwmark: the kernel routes our packets another way now. */
	if (dev->fwmark != mark)
		wg_path_invalidate_all(dev);
	return 0;
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
	return wg_report(ctx, out);
}

/*
 * Set by the netlink handlers: every outer path must be looked up again,
 * once for the whole burst of events (a NIC going down sends dozens).
 */
static bool paths_stale;
/* Routes into our TUN changed in this read of the monitor (nl_route). */
static struct tun_route {
	struct wg_nl_ip dst;
	unsigned int prefixlen;
} tun_routes[16];
static unsigned int n_tun_routes;

static void nl_addr(void *ctx, bool removed, int ifindex,
		    const struct wg_nl_ip *addr, unsigned int prefixlen)
{
	struct wg_device *dev = ctx;

	/* Gateway mode: this host's addresses (any interface) stay local. */
	if (dev->dp.xdp)
		wg_gateway_addr_changed(dev, removed, ifindex, addr, prefixlen);
	if (ifindex == dev->tun.ifindex)
		return;
	if (ifindex == dev->dp.nic_ifindex)
		wg_dataplane_local(&dev->dp, removed, addr->family, &addr->v6);
	dev->dp.host_addrs_stale = true;
	/* A source address may have come or gone: every path again. */
	paths_stale = true;
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
		return;
	}
	if (ifindex != dev->tun.ifindex)
		paths_stale = true;
	if (dev->dp.xdp)
		wg_gateway_link_changed(dev, ifindex);
}

static void nl_neigh(void *ctx, bool removed, int ifindex,
		     const struct wg_nl_ip *addr, const uint8_t *mac,
		     uint16_t state)
{
	struct wg_device *dev = ctx;

	(void)removed;
	(void)addr;
	(void)mac;
	(void)state;
	if (ifindex == dev->dp.nic_ifindex)
		paths_stale = true;
}

static void nl_route(void *ctx, bool removed, int ifindex,
		     const struct wg_nl_ip *dst, unsigned int prefixlen)
{
	struct wg_device *dev = ctx;

	(void)removed;
	/*
	 * A route into our own TUN (an allowed IP's) matters only to the
	 * endpoints it covers: they would loop. Any other, to every path.
	 * Those into the TUN are taken after the read, in one pass each; a
	 * change of many allowed IPs (20,000 routes for 10,000 peers) gives
	 * more than tun_routes holds, and then one pass over every path.
	 */
	if (ifindex == dev->tun.ifindex &&
	    n_tun_routes < sizeof(tun_routes) / sizeof(tun_routes[0]))
		tun_routes[n_tun_routes++] =
			(struct tun_route){ *dst, prefixlen };
	else
		paths_stale = true;
}

static void nl_rule(void *ctx, bool removed)
{
	(void)ctx;
	(void)removed;
	/* Policy routing changed: any route may be another now. */
	paths_stale = true;
}

static const struct wg_nl_monitor_ops nl_ops = {
	.addr = nl_addr,
	.link = nl_link,
	.neigh = nl_neigh,
	.route = nl_route,
	.rule = nl_rule,
};

int wg_control_run(struct wg_device *dev)
{
	static const struct wg_uapi_ops ops = {
		.set = uapi_set,
		.get = uapi_get,
		.get_free = uapi_get_free,
		.dataplane = uapi_dataplane,
	};
	struct wg_uapi_server *uapi = NULL;
	int epfd, sigfd, timerfd, ret, nlfd = -1;
	struct epoll_event evs[16];
	sigset_t mask;

	wg_rcu_register();
	epfd = epoll_create1(EPOLL_CLOEXEC);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (epfd < 0 || sigfd < 0 || timerfd < 0) {
		ret = -errno;
		goto out;
	}
	add_fd(epfd, sigfd, TAG_SIGNAL);
	add_fd(epfd, timerfd, TAG_TIMER);
	add_fd(epfd, dev->wake_fd, TAG_WAKE);
	if (dev->dp.nl) {
		nlfd = wg_nl_monitor_open(dev->dp.nl);
		if (nlfd >= 0)
			add_fd(epfd, nlfd, TAG_NL);
	}
	ret = wg_uapi_listen(&uapi, dev->ifname, epfd,
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
		uint64_t next = wg_control_work(dev), v;
		bool hk = wg_receive_under_load(dev) ||
			  wg_ratelimiter_count(&dev->ratelimiter);
		int n;

		arm(timerfd, next, hk);
		wg_rcu_offline(); /* also a quiescent state */
		n = epoll_wait(epfd, evs, 16, 1000);
		wg_rcu_online();
		for (int i = 0; i < n; i++) {
			switch (evs[i].data.u32) {
			case TAG_SIGNAL: {
				struct signalfd_siginfo si;

				if (read(sigfd, &si, sizeof(si)) > 0) {
					log_info("Received signal %u, shutting down",
						 si.ssi_signo);
					wg_device_request_stop(dev);
				}
				break;
			}
			case TAG_TIMER:
				if (read(timerfd, &v, sizeof(v)) > 0)
					wg_ratelimiter_gc(&dev->ratelimiter,
							  wg_now());
				break;
			case TAG_WAKE:
				if (read(dev->wake_fd, &v, sizeof(v)) < 0) {
					/* EAGAIN: nothing new. */
				}
				break;
			case TAG_UAPI:
				wg_uapi_process(uapi);
				break;
			case TAG_NL:
				if (wg_nl_monitor_read(dev->dp.nl, &nl_ops, dev) ==
				    -ENOBUFS)
					/* Events were lost: assume anything. */
					paths_stale = true;
				if (paths_stale)
					wg_path_invalidate_all(dev);
				else
					for (unsigned int i = 0;
					     i < n_tun_routes; i++)
						wg_path_invalidate_covered(
							dev, &tun_routes[i].dst,
							tun_routes[i].prefixlen);
				paths_stale = false;
				n_tun_routes = 0;
				break;
			}
		}
	}
	ret = 0;
out:
	if (uapi)
		wg_uapi_close(uapi);
	if (sigfd >= 0)
		close(sigfd);
	if (timerfd >= 0)
		close(timerfd);
	if (epfd >= 0)
		close(epfd);
	wg_rcu_unregister();
	return ret;
}

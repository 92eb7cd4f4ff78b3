// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "dataplane.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "device.h"
#include "log.h"
#include "netlink.h"
#include "uapi.h"
#include "worker.h"
#include "xsk.h"
#include "xdp.h"

/* A resolved path is rechecked this often; an unresolved one each second. */
#define PATH_LIFETIME_NS (30 * WG_NSEC_PER_SEC)
#define PATH_RETRY_NS (WG_NSEC_PER_SEC)

void wg_dataplane_index_add(struct wg_device *dev, uint32_t idx,
			    uint32_t peer_id)
{
	if (dev->xdp && wg_xdp_add_index(dev->xdp, idx, peer_id))
		log_ratelimited(WG_LOG_WARN, "Could not add index to XDP map");
}

void wg_dataplane_index_del(struct wg_device *dev, uint32_t idx)
{
	if (dev->xdp)
		wg_xdp_del_index(dev->xdp, idx);
}

static void to_nl_ip(struct wg_nl_ip *ip, int family, const uint8_t *addr)
{
	memset(ip, 0, sizeof(*ip));
	ip->family = family;
	memcpy(&ip->v6, addr, family == AF_INET6 ? 16 : 4);
}

void wg_dataplane_aip_add(struct wg_device *dev, int family,
			  const uint8_t *addr, uint8_t cidr, struct wg_peer *p)
{
	struct wg_nl_ip dst;
	int ret;

	if (dev->xdp && wg_xdp_add_aip(dev->xdp, family, addr, cidr, p->id))
		log_ratelimited(WG_LOG_WARN, "Could not add allowed IP to XDP map");
	if (dev->configure_routes && dev->nl) {
		to_nl_ip(&dst, family, addr);
		ret = wg_nl_route_add(dev->nl, dev->tun.ifindex, &dst, cidr,
				      NULL);
		if (ret && ret != -EEXIST)
			log_ratelimited(WG_LOG_WARN,
					"Could not add route for an allowed IP: %s",
					strerror(-ret));
	}
}

void wg_dataplane_aip_del(struct wg_device *dev, int family,
			  const uint8_t *addr, uint8_t cidr)
{
	struct wg_nl_ip dst;

	if (dev->xdp)
		wg_xdp_del_aip(dev->xdp, family, addr, cidr);
	if (dev->configure_routes && dev->nl) {
		to_nl_ip(&dst, family, addr);
		wg_nl_route_del(dev->nl, dev->tun.ifindex, &dst, cidr);
	}
}

static int del_one(int family, const uint8_t *addr, uint8_t cidr, void *arg)
{
	wg_dataplane_aip_del(arg, family, addr, cidr);
	return 0;
}

void wg_dataplane_aips_cleared(struct wg_device *dev, struct wg_peer *p)
{
	if (dev->xdp || dev->configure_routes)
		wg_allowedips_walk_peer(&dev->aip, p, del_one, dev);
}

void wg_dataplane_peer_changed(struct wg_device *dev, struct wg_peer *p)
{
	struct wg_xdp_peer xp;

	if (!dev->xdp)
		return;
	memset(&xp, 0, sizeof(xp));
	memcpy(xp.key_prefix, p->remote.public, sizeof(xp.key_prefix));
	pthread_mutex_lock(&p->lock);
	xp.family = p->endpoint.sa.sa_family;
	if (xp.family == AF_INET) {
		xp.port = ntohs(p->endpoint.in.sin_port);
		memcpy(xp.addr, &p->endpoint.in.sin_addr, 4);
	} else if (xp.family == AF_INET6) {
		xp.port = ntohs(p->endpoint.in6.sin6_port);
		memcpy(xp.addr, &p->endpoint.in6.sin6_addr, 16);
	}
	pthread_mutex_unlock(&p->lock);
	xp.tx_bytes = atomic_load(&p->tx_bytes);
	wg_xdp_set_peer(dev->xdp, p->id, &xp);
}

void wg_dataplane_peer_removed(struct wg_device *dev, struct wg_peer *p)
{
	wg_dataplane_aips_cleared(dev, p);
	if (dev->xdp)
		wg_xdp_del_peer(dev->xdp, p->id);
}

static void push_config(struct wg_device *dev)
{
	uint32_t flags = (wg_log_debug_enabled() ? WG_XDP_F_DEBUG : 0) |
			 (dev->under_load ? WG_XDP_F_UNDER_LOAD : 0);

	if (dev->xdp && wg_xdp_set_config(dev->xdp, dev->sock.port, flags))
		log_warn("Could not update the XDP configuration map");
}

void wg_dataplane_port_changed(struct wg_device *dev)
{
	struct wg_peer *p;

	push_config(dev);
	/*
	 * Cached outer paths carry the old port as their UDP source: until
	 * they are rebuilt, send through the socket on the new port.
	 */
	for (p = dev->peers; p; p = p->next) {
		pthread_mutex_lock(&p->lock);
		p->path_ok = false;
		wg_peer_path_stale(p);
		pthread_mutex_unlock(&p->lock);
	}
}

/* XDP's copy of the cookie secret follows the checker's (renewed lazily). */
static void sync_cookie_secret(struct wg_device *dev)
{
	uint8_t secret[WG_HASH_LEN], prev[WG_HASH_LEN];
	uint64_t gen, until;

	if (atomic_load(&dev->cookie.secret_gen) == wg_xdp_cookie_gen(dev->xdp))
		return;
	gen = wg_cookie_checker_secrets(&dev->cookie, secret, prev, &until);
	if (wg_xdp_set_cookie_secret(dev->xdp, gen, secret, prev, until))
		log_ratelimited(WG_LOG_WARN,
				"Could not give XDP the cookie secret");
	wg_wipe(secret, sizeof(secret));
	wg_wipe(prev, sizeof(prev));
}

void wg_dataplane_load_changed(struct wg_device *dev, bool under_load)
{
	if (dev->xdp) {
		sync_cookie_secret(dev);
		/*
		 * XDP shedding proven floods over their budget keeps the
		 * queue short, but the load is still there: stay under it,
		 * or the flood would reach Noise each time it expired. Also
		 * when the queue's own signal has just run out (the control
		 * thread may not have looked for a while): XDP still sheds
		 * under the flag we gave it, so it counts what we missed.
		 */
		if ((under_load || dev->under_load) &&
		    wg_xdp_shedding(dev->xdp, wg_now(),
				    WG_COOKIE_UNDER_LOAD_NS)) {
			wg_cookie_checker_load_seen(&dev->cookie, wg_now());
			under_load = true;
		}
	}
	if (dev->under_load == under_load)
		return;
	dev->under_load = under_load;
	log_dbg("Handshake load %s: XDP rate limiting %s",
		under_load ? "high" : "normal", under_load ? "on" : "off");
	push_config(dev);
}

void wg_dataplane_mac1_key_changed(struct wg_device *dev,
				   const uint8_t *pub)
{
	uint8_t key[WG_KEY_LEN];

	if (!dev->xdp)
		return;
	if (pub)
		wg_cookie_mac1_key(key, pub);
	if (wg_xdp_set_hs_key(dev->xdp, WG_XDP_KEY_MAC1, pub ? key : NULL))
		log_warn("Could not give XDP the mac1 key");
	wg_wipe(key, sizeof(key));
}

void wg_dataplane_debug_changed(struct wg_device *dev, bool on)
{
	(void)on;
	push_config(dev);
}

void wg_dataplane_refresh_path(struct wg_device *dev, struct wg_peer *p,
			       uint64_t now, bool force)
{
	struct wg_nl_route rt;
	struct wg_nl_ip dst, nh;
	union wg_sockaddr ep;
	struct wg_outer path;
	bool ok;
	int ret;

	if (!dev->xdp || !dev->nl)
		return;
	if (!force && now < atomic_load(&p->path_due))
		return;
	pthread_mutex_lock(&p->lock);
	ep = p->endpoint;
	pthread_mutex_unlock(&p->lock);
	if (ep.sa.sa_family == AF_UNSPEC) {
		/* Setting an endpoint marks the path stale again. */
		atomic_store(&p->path_due, now + PATH_LIFETIME_NS);
		return;
	}

	memset(&path, 0, sizeof(path));
	path.dst = ep;
	to_nl_ip(&dst, ep.sa.sa_family,
		 ep.sa.sa_family == AF_INET6 ? (void *)&ep.in6.sin6_addr :
					       (void *)&ep.in.sin_addr);
	ret = wg_nl_route_get(dev->nl, &dst, NULL, 0, &rt);
	/* Only endpoints reached through the attached NIC use AF_XDP. */
	ok = !ret && rt.ifindex == dev->nic_ifindex && rt.has_prefsrc;
	if (ok) {
		nh = rt.has_gateway ? rt.gateway : dst;
		ret = wg_nl_neigh_get(dev->nl, dev->nic_ifindex, &nh,
				      path.dst_mac);
		if (ret) {
			/* The UDP socket carries traffic meanwhile. */
			wg_nl_neigh_resolve(dev->nl, dev->nic_ifindex, &nh);
			ok = false;
		}
	}
	if (ok) {
		memcpy(path.src_mac, dev->nic_mac, 6);
		path.src.sa.sa_family = ep.sa.sa_family;
		if (ep.sa.sa_family == AF_INET6)
			memcpy(&path.src.in6.sin6_addr, &rt.prefsrc.v6, 16);
		else
			memcpy(&path.src.in.sin_addr, &rt.prefsrc.v4, 4);
		path.src.in.sin_port = htons(dev->sock.port);
	}
	pthread_mutex_lock(&p->lock);
	/* The endpoint may have roamed meanwhile: keep only a current answer. */
	if (wg_sockaddr_eq(&p->endpoint, &ep)) {
		if (ok)
			p->path = path;
		p->path_ok = ok;
		atomic_store(&p->path_due,
			     now + (ok ? PATH_LIFETIME_NS : PATH_RETRY_NS));
	}
	pthread_mutex_unlock(&p->lock);
}

static int add_local(void *ctx, int ifindex, const struct wg_nl_ip *addr,
		     unsigned int prefixlen)
{
	struct wg_device *dev = ctx;

	(void)ifindex;
	(void)prefixlen;
	return wg_xdp_add_local(dev->xdp, addr->family, &addr->v6);
}

int wg_dataplane_sync_local(struct wg_device *dev)
{
	if (!dev->xdp || !dev->nl)
		return 0;
	return wg_nl_addr_dump(dev->nl, dev->nic_ifindex, AF_UNSPEC, add_local,
			       dev);
}

static const char *const reason_ids[] = {
#define REASON_ID(name, text) #name,
	WG_XDP_REASONS(REASON_ID)
#undef REASON_ID
};

int wg_dataplane_report(struct wg_device *dev, struct wg_uapi_buf *out)
{
	const struct wg_counters *k = &dev->counters;
	struct wg_xdp_counter st[WG_XDP_REASON_MAX];
	struct wg_xsk_stats xs;
	int ret = 0;

#define P(...)                                          \
	do {                                            \
		if (!ret)                               \
			ret = wg_uapi_printf(out, __VA_ARGS__); \
	} while (0)
	P("path=%s\n", dev->path == WG_PATH_XDP ? "xdp" : "udp");
	if (dev->path == WG_PATH_XDP) {
		P("nic=%s\n", dev->nic);
		P("xdp_mode=%s\n",
		  wg_xdp_mode_name(wg_xdp_mode(dev->xdp, false)));
		P("xsk_mode=%s\n", dev->xsk_mode);
		if (dev->lan[0])
			P("lan=%s\n", dev->lan);
	}
	P("queues=%u\n", dev->nqueues);
	P("debug=%d\n", wg_log_debug_enabled() ? 1 : 0);
	if (dev->xdp && !wg_xdp_read_stats(dev->xdp, st))
		for (unsigned int i = 0; i < WG_XDP_REASON_MAX; i++) {
			char id[48];
			size_t j;

			/* "drop_bad_type": lower case, as show groups them. */
			for (j = 0; reason_ids[i][j] && j < sizeof(id) - 1; j++)
				id[j] = (char)tolower(reason_ids[i][j]);
			id[j] = 0;
			P("stat=%s %llu %llu\n", id,
			  (unsigned long long)st[i].packets,
			  (unsigned long long)st[i].bytes);
		}
#define C(name) P("counter=" #name " %llu\n", \
		  (unsigned long long)atomic_load(&k->name))
	C(udp_rx);
	C(udp_tx);
	C(xsk_rx);
	C(xsk_tx);
	C(tun_rx);
	C(tun_tx);
	C(lan_rx);
	C(handshakes_rx);
	C(handshakes_tx);
	C(cookies_tx);
	C(staged);
	C(drop_no_peer);
	C(drop_no_session);
	C(drop_decrypt);
	C(drop_unallowed_src);
	C(drop_bad_packet);
	C(drop_tun_write);
#undef C
	for (unsigned int v = 0; v < WG_COOKIE_VERDICT_MAX; v++)
		P("counter=%s %llu\n", wg_cookie_verdict_name(v),
		  (unsigned long long)atomic_load(&dev->cookie.verdicts[v]));
	for (unsigned int m = 0; dev->xdp && m < 2; m++) {
		const char *name = m ? "peers" : "index";
		uint32_t n, max;

		if (!wg_xdp_map_usage(dev->xdp, name, &n, &max))
			P("counter=xdp_%s_entries %u\ncounter=xdp_%s_size %u\n",
			  name, n, name, max);
	}
	if (dev->path == WG_PATH_XDP && !wg_workers_xsk_stats(dev, &xs)) {
#define X(name) P("counter=xsk_" #name " %llu\n", \
		  (unsigned long long)xs.name)
		X(tx_kicks);
		X(tx_kick_retries);
		X(tx_ring_full);
		X(rx_wakeups);
		X(fill_empty);
		X(bad_frees);
		X(rx_dropped);
		X(rx_invalid_descs);
		X(tx_invalid_descs);
		X(rx_ring_full);
		X(rx_fill_ring_empty_descs);
		X(tx_ring_empty_descs);
#undef X
	}
#undef P
	return ret;
}

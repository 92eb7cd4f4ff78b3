// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "dataplane.h"

#include <errno.h>
#include <string.h>

#include "device.h"
#include "log.h"
#include "netlink.h"
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

void wg_dataplane_port_changed(struct wg_device *dev)
{
	if (dev->xdp && wg_xdp_set_config(dev->xdp, dev->sock.port, 0))
		log_warn("Could not set the listen port in the XDP map");
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
	pthread_mutex_lock(&p->lock);
	ep = p->endpoint;
	ok = p->path_ok;
	if (!force && p->path_checked &&
	    now - p->path_checked < (ok ? PATH_LIFETIME_NS : PATH_RETRY_NS)) {
		pthread_mutex_unlock(&p->lock);
		return;
	}
	p->path_checked = now;
	pthread_mutex_unlock(&p->lock);
	if (ep.sa.sa_family == AF_UNSPEC)
		return;

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

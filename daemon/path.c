// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "path.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "netlink.h"
#include "rcu.h"

static void to_nl_ip(struct wg_nl_ip *ip, const union wg_sockaddr *a)
{
	memset(ip, 0, sizeof(*ip));
	ip->family = a->sa.sa_family;
	if (a->sa.sa_family == AF_INET6)
		ip->v6 = a->in6.sin6_addr;
	else
		ip->v4 = a->in.sin_addr;
}

static void from_nl_ip(union wg_sockaddr *a, const struct wg_nl_ip *ip)
{
	memset(a, 0, sizeof(*a));
	a->sa.sa_family = (sa_family_t)ip->family;
	if (ip->family == AF_INET6)
		a->in6.sin6_addr = ip->v6;
	else
		a->in.sin_addr = ip->v4;
}

void wg_path_resolve(struct wg_device *dev, struct wg_peer *p)
{
	const struct wg_peer_path *cur = wg_rcu_deref(p->path);
	struct wg_dataplane *dp = &dev->dp;
	struct wg_peer_path np;
	struct wg_nl_route rt;
	struct wg_nl_ip dst, src, nh;
	char ifname[IFNAMSIZ];
	struct wg_path basis;
	uint32_t mark = dev->fwmark;
	struct wg_nl_link link;
	bool have_src;
	int ret, oif = 0;

	if (!cur || cur->path.remote.sa.sa_family == AF_UNSPEC)
		return;
	basis = cur->path;
	memset(&np, 0, sizeof(np));
	np.path.remote = basis.remote;
	np.path.local = basis.local;
	np.path.ifindex = basis.ifindex;
	if (!dp->nl) {
		snprintf(np.why, sizeof(np.why), "no route lookups");
		goto publish;
	}
	to_nl_ip(&dst, &basis.remote);
	have_src = basis.local.sa.sa_family == basis.remote.sa.sa_family;
	if (have_src)
		to_nl_ip(&src, &basis.local);
	/* A link-local endpoint names its link: the route must use it. */
	if (basis.remote.sa.sa_family == AF_INET6 &&
	    IN6_IS_ADDR_LINKLOCAL(&basis.remote.in6.sin6_addr))
		oif = (int)basis.remote.in6.sin6_scope_id;
	ret = wg_nl_route_get(dp->nl, &dst, have_src ? &src : NULL, oif, mark,
			      &rt);
	if (ret && have_src) {
		/* Our source address went away: fall over to the route's. */
		have_src = false;
		memset(&np.path.local, 0, sizeof(np.path.local));
		ret = wg_nl_route_get(dp->nl, &dst, NULL, oif, mark, &rt);
	}
	if (ret) {
		snprintf(np.why, sizeof(np.why), "no route: %s", strerror(-ret));
		goto publish;
	}
	if (!have_src && rt.has_prefsrc)
		from_nl_ip(&np.path.local, &rt.prefsrc);
	np.mtu = rt.mtu;
	if (!np.mtu && !wg_nl_link_get(dp->nl, rt.ifindex, &link))
		np.mtu = link.mtu;
	if (rt.ifindex == dev->tun.ifindex) {
		/* The endpoint is routed into the tunnel itself. */
		np.loop = true;
		snprintf(np.why, sizeof(np.why), "loop: route into %s",
			 dev->ifname);
		log_ratelimited(WG_LOG_WARN,
				"Endpoint of peer %u is routed into %s: its "
				"packets are dropped",
				p->id, dev->ifname);
		goto publish;
	}
	if (!dp->xdp || rt.ifindex != dp->nic_ifindex) {
		if (!if_indextoname((unsigned int)rt.ifindex, ifname))
			snprintf(ifname, sizeof(ifname), "%d", rt.ifindex);
		snprintf(np.why, sizeof(np.why), "route leaves by %s", ifname);
		goto publish;
	}
	if (np.path.local.sa.sa_family != basis.remote.sa.sa_family) {
		snprintf(np.why, sizeof(np.why), "no source address");
		goto publish;
	}
	nh = rt.has_gateway ? rt.gateway : dst;
	if (wg_nl_neigh_get(dp->nl, dp->nic_ifindex, &nh, np.path.remote_mac)) {
		/* The UDP socket carries traffic until the neighbour event. */
		wg_nl_neigh_resolve(dp->nl, dp->nic_ifindex, &nh);
		memset(np.path.remote_mac, 0, 6);
		snprintf(np.why, sizeof(np.why), "next hop unresolved");
		goto publish;
	}
	memcpy(np.path.local_mac, dp->nic_mac, 6);
	np.path.ifindex = dp->nic_ifindex;
	np.xdp = true;
	snprintf(np.why, sizeof(np.why), "route via %s", dp->nic);
publish:
	wg_peer_set_path(p, &basis, &np);
}

void wg_path_invalidate_all(struct wg_device *dev)
{
	pthread_mutex_lock(&dev->cfg_mutex);
	for (struct wg_peer *p = dev->peers; p; p = p->next)
		if (wg_peer_endpoint(p).sa.sa_family != AF_UNSPEC)
			wg_device_want_path(dev, p);
	pthread_mutex_unlock(&dev->cfg_mutex);
}

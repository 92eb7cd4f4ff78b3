// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "path.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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

struct addr_collect {
	struct wg_nl_ip *a;
	size_t n, cap;
};

static int collect(void *ctx, int ifindex, const struct wg_nl_ip *addr,
		   unsigned int prefixlen)
{
	struct addr_collect *c = ctx;

	(void)ifindex;
	(void)prefixlen;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		struct wg_nl_ip *a = realloc(c->a, cap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		c->a = a;
		c->cap = cap;
	}
	c->a[c->n++] = *addr;
	return 0;
}

/* Read this host's addresses again when an event made them stale. */
static void host_addrs(struct wg_dataplane *dp)
{
	struct addr_collect c = { 0 };

	if (!dp->host_addrs_stale && dp->host_addrs)
		return;
	if (wg_nl_addr_dump(dp->nl, 0, AF_UNSPEC, collect, &c)) {
		free(c.a);
		return; /* keep what we knew */
	}
	free(dp->host_addrs);
	dp->host_addrs = c.a;
	dp->n_host_addrs = c.n;
	dp->host_addrs_stale = false;
}

/* Is ip one of this host's addresses (any interface)? */
static bool is_ours(struct wg_dataplane *dp, const struct wg_nl_ip *ip)
{
	host_addrs(dp);
	if (!dp->host_addrs)
		return true; /* cannot tell: let the route lookup judge */
	for (size_t i = 0; i < dp->n_host_addrs; i++) {
		const struct wg_nl_ip *a = &dp->host_addrs[i];

		if (a->family == ip->family &&
		    !memcmp(&a->v6, &ip->v6, ip->family == AF_INET6 ? 16 : 4))
			return true;
	}
	return false;
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
	/*
	 * Only a source learnt from the peer's packet (it has the interface
	 * that packet came in on) sticks; one the route chose is chosen
	 * again each time.
	 */
	have_src = basis.local.sa.sa_family == basis.remote.sa.sa_family &&
		   basis.ifindex;
	if (!have_src) {
		memset(&np.path.local, 0, sizeof(np.path.local));
		np.path.ifindex = 0;
	}
	if (have_src)
		to_nl_ip(&src, &basis.local);
	/* The kernel takes any IPv6 source in a lookup: check it is ours. */
	if (have_src && !is_ours(dp, &src)) {
		have_src = false;
		memset(&np.path.local, 0, sizeof(np.path.local));
		np.path.ifindex = 0;
	}
	/* A link-local endpoint names its link: the route must use it. */
	if (basis.remote.sa.sa_family == AF_INET6 &&
	    IN6_IS_ADDR_LINKLOCAL(&basis.remote.in6.sin6_addr))
		oif = (int)basis.remote.in6.sin6_scope_id;
	ret = wg_nl_route_get(dp->nl, &dst, have_src ? &src : NULL, oif, mark,
			      &rt);
	/*
	 * Sticky, but not too sticky (as the kernel module keeps it): the
	 * source the peer last sent to holds while it is ours and the route
	 * leaves by the interface that packet came in on. Otherwise fall
	 * over to the route's own source until the peer's next packet.
	 */
	if (have_src && (ret || rt.ifindex != basis.ifindex)) {
		have_src = false;
		memset(&np.path.local, 0, sizeof(np.path.local));
		np.path.ifindex = 0;
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

/* Does dst/prefixlen cover the endpoint's address? */
static bool covers(const struct wg_nl_ip *dst, unsigned int prefixlen,
		   const union wg_sockaddr *ep)
{
	const uint8_t *a, *b = (const uint8_t *)&dst->v6;
	unsigned int bits = dst->family == AF_INET6 ? 128 : 32, i;

	if (ep->sa.sa_family != dst->family || prefixlen > bits)
		return false;
	a = dst->family == AF_INET6 ? (const uint8_t *)&ep->in6.sin6_addr :
				      (const uint8_t *)&ep->in.sin_addr;
	for (i = 0; i + 8 <= prefixlen; i += 8)
		if (a[i / 8] != b[i / 8])
			return false;
	return i == prefixlen ||
	       !((a[i / 8] ^ b[i / 8]) & (0xff << (8 - (prefixlen - i))));
}

void wg_path_invalidate_covered(struct wg_device *dev,
				const struct wg_nl_ip *dst,
				unsigned int prefixlen)
{
	pthread_mutex_lock(&dev->cfg_mutex);
	for (struct wg_peer *p = dev->peers; p; p = p->next) {
		union wg_sockaddr ep = wg_peer_endpoint(p);

		if (covers(dst, prefixlen, &ep))
			wg_device_want_path(dev, p);
	}
	pthread_mutex_unlock(&dev->cfg_mutex);
}

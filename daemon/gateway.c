// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "gateway.h"

#include <errno.h>
#include <net/if_arp.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "device.h"
#include "log.h"
#include "netlink.h"
#include "xdp.h"

/* What the dump collects: every address and directed broadcast. */
struct addr_set {
	struct wg_xdp_lan_entry *e;
	size_t n, cap;
};

static void entry(struct wg_xdp_lan_entry *e, int family, const void *addr,
		  enum wg_xdp_lan_addr_kind kind)
{
	memset(e, 0, sizeof(*e));
	e->addr.family = family;
	memcpy(e->addr.addr, addr, family == AF_INET6 ? 16 : 4);
	e->kind = kind;
}

/*
 * The directed broadcast of addr/prefixlen, as the kernel's local table
 * has it (fib_add_ifaddr: prefixes shorter than /31); false when none.
 */
static bool broadcast(const struct wg_nl_ip *addr, unsigned int prefixlen,
		      struct in_addr *out)
{
	uint32_t host;

	if (addr->family != AF_INET || prefixlen >= 31)
		return false;
	host = prefixlen ? 0xffffffffU >> prefixlen : 0xffffffffU;
	out->s_addr = addr->v4.s_addr | htonl(host);
	return true;
}

static int set_add(struct addr_set *s, int family, const void *addr,
		   enum wg_xdp_lan_addr_kind kind)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 32;
		void *p = realloc(s->e, cap * sizeof(*s->e));

		if (!p)
			return -ENOMEM;
		s->e = p;
		s->cap = cap;
	}
	entry(&s->e[s->n++], family, addr, kind);
	return 0;
}

static int collect(void *ctx, int ifindex, const struct wg_nl_ip *addr,
		   unsigned int prefixlen)
{
	struct addr_set *s = ctx;
	struct in_addr bc;
	int ret;

	(void)ifindex;
	if (addr->family != AF_INET && addr->family != AF_INET6)
		return 0;
	ret = set_add(s, addr->family, &addr->v6, WG_XDP_LAN_ADDR_LOCAL);
	if (!ret && broadcast(addr, prefixlen, &bc))
		ret = set_add(s, AF_INET, &bc, WG_XDP_LAN_ADDR_BROADCAST);
	return ret;
}

/* lan_addrs becomes exactly what the kernel has now. */
static int sync_addrs(struct wg_device *dev)
{
	struct addr_set s = { 0 };
	int ret;

	ret = wg_nl_addr_dump(dev->dp.nl, 0, AF_UNSPEC, collect, &s);
	if (!ret)
		ret = wg_xdp_sync_lan_addrs(dev->dp.xdp, s.e, s.n);
	free(s.e);
	return ret;
}

static int read_mac(struct wg_device *dev, uint8_t mac[6])
{
	struct wg_nl_link link;
	int ret = wg_nl_link_get(dev->dp.nl, dev->dp.lan_ifindex, &link);

	if (ret)
		return ret;
	if (link.type != ARPHRD_ETHER || !link.has_mac)
		return -EOPNOTSUPP;
	memcpy(mac, link.mac, 6);
	return 0;
}

int wg_gateway_start(struct wg_device *dev, unsigned int mss_clamp)
{
	struct wg_xdp_lan_config lc = { 0 };
	int ret;

	if (!dev->dp.xdp || !dev->dp.nl || dev->dp.lan_ifindex <= 0)
		return -EINVAL;
	if (mss_clamp && mss_clamp != WG_LAN_MSS_AUTO &&
	    (mss_clamp < WG_LAN_MSS_MIN || mss_clamp > 0xffff))
		return -EINVAL;
	ret = wg_nl_monitor_open(dev->dp.nl);
	if (ret < 0)
		return ret;
	ret = read_mac(dev, lc.mac);
	if (ret)
		return ret;
	lc.tun_ifindex = (uint32_t)dev->tun.ifindex;
	lc.mtu = atomic_load(&dev->mtu);
	if (mss_clamp) {
		lc.flags = WG_XDP_LAN_F_MSS_CLAMP;
		lc.mss = mss_clamp == WG_LAN_MSS_AUTO ? 0 : (uint16_t)mss_clamp;
	}
	ret = wg_xdp_set_lan_config(dev->dp.xdp, &lc);
	if (!ret)
		ret = sync_addrs(dev);
	return ret;
}

void wg_gateway_addr_changed(struct wg_device *dev, bool removed, int ifindex,
			     const struct wg_nl_ip *addr,
			     unsigned int prefixlen)
{
	struct in_addr bc;
	int ret;

	(void)ifindex;
	if (!dev->dp.xdp || !dev->dp.lan[0] ||
	    (addr->family != AF_INET && addr->family != AF_INET6))
		return;
	if (removed) {
		ret = sync_addrs(dev);
	} else {
		ret = wg_xdp_add_lan_addr(dev->dp.xdp, addr->family, &addr->v6,
					  WG_XDP_LAN_ADDR_LOCAL);
		if (!ret && broadcast(addr, prefixlen, &bc))
			ret = wg_xdp_add_lan_addr(dev->dp.xdp, AF_INET, &bc,
						  WG_XDP_LAN_ADDR_BROADCAST);
	}
	if (ret)
		log_ratelimited(WG_LOG_WARN,
				"Gateway: could not update this host's "
				"addresses in XDP (%s): traffic to a new one "
				"may go into the tunnel",
				strerror(-ret));
}

void wg_gateway_link_changed(struct wg_device *dev, int ifindex)
{
	struct wg_xdp_lan_config lc;
	uint8_t mac[6];

	if (!dev->dp.xdp || !dev->dp.lan[0] || ifindex != dev->dp.lan_ifindex ||
	    read_mac(dev, mac) || wg_xdp_get_lan_config(dev->dp.xdp, &lc) ||
	    !memcmp(lc.mac, mac, 6))
		return;
	memcpy(lc.mac, mac, 6);
	if (wg_xdp_set_lan_config(dev->dp.xdp, &lc))
		log_warn("Gateway: could not give XDP the new MAC of %s",
			 dev->dp.lan);
}

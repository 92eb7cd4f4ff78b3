/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Gateway mode (--lan): the LAN program forwards in the kernel's place, so
 * it needs what the kernel's forwarding reads. This module keeps it in
 * step: lan_config (the LAN's MAC, the TUN device whose MTU bounds the
 * tunnel, MSS clamping) and lan_addrs (every address of this host, on any
 * interface, and the directed broadcast of every IPv4 subnet), from a dump
 * at start and from rtnetlink events after that, so an address added at
 * run time (VRRP, SLAAC) is left to the kernel from the moment it exists.
 *
 * Control thread only, like struct wg_xdp.
 */
#ifndef WG_GATEWAY_H
#define WG_GATEWAY_H

#include <stdbool.h>

struct wg_device;
struct wg_nl_ip;

/*
 * Fills lan_config and lan_addrs for dev->lan_ifindex (which must be an
 * Ethernet device) before the LAN program is attached. Subscribes to
 * address events first (wg_nl_monitor_open), so none between the dump
 * and the control thread's first read is lost. mss_clamp: 0 off,
 * WG_LAN_MSS_AUTO, or an upper bound. 0 or -errno.
 */
int wg_gateway_start(struct wg_device *dev, unsigned int mss_clamp);

/*
 * An address event (the control thread's netlink monitor): an address
 * added is left to the kernel at once; on a removal the set is read again,
 * since another interface may hold the same address or broadcast.
 */
void wg_gateway_addr_changed(struct wg_device *dev, bool removed, int ifindex,
			     const struct wg_nl_ip *addr,
			     unsigned int prefixlen);

/*
 * A link event: when ifindex is the LAN interface, its MAC is read again
 * (`ip link set IFACE address ...`). For the netlink monitor's link hook.
 */
void wg_gateway_link_changed(struct wg_device *dev, int ifindex);

#endif /* WG_GATEWAY_H */

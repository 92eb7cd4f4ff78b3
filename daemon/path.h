/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Outer paths: where a peer's packets go, decided as the kernel would
 * decide it for our socket (rtnetlink route and neighbour lookups), and
 * published on the peer (peer.h) for the workers. AF_XDP carries a peer
 * when the route to its endpoint leaves by the attached NIC and the next
 * hop's link-layer address is known; the UDP transport carries it
 * otherwise, with the kernel routing each datagram. Control thread.
 */
#ifndef WG_PATH_H
#define WG_PATH_H

#include "device.h"

/* Look p's path up again now and publish the answer. */
void wg_path_resolve(struct wg_device *dev, struct wg_peer *p);
/* Something the paths depend on changed: look every one up again. */
void wg_path_invalidate_all(struct wg_device *dev);
/* A route to dst/prefixlen changed: look up the endpoints it covers. */
void wg_path_invalidate_covered(struct wg_device *dev,
				const struct wg_nl_ip *dst,
				unsigned int prefixlen);

#endif /* WG_PATH_H */

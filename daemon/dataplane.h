/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Mirrors of the device's tables outside the daemon: the XDP maps (index,
 * allowed IPs, peers, listen port, local addresses) and the TUN device's
 * routes for allowed IPs. Each hook is a no-op for what is not in use (no
 * XDP on the UDP path; no routes when wg-quick manages them). Also the
 * next-hop paths that the AF_XDP sender needs, from rtnetlink.
 */
#ifndef WG_DATAPLANE_H
#define WG_DATAPLANE_H

#include <stdbool.h>
#include <stdint.h>

struct wg_device;
struct wg_peer;

void wg_dataplane_index_add(struct wg_device *dev, uint32_t idx,
			    uint32_t peer_id);
void wg_dataplane_index_del(struct wg_device *dev, uint32_t idx);
void wg_dataplane_aip_add(struct wg_device *dev, int family,
			  const uint8_t *addr, uint8_t cidr, struct wg_peer *p);
void wg_dataplane_aip_del(struct wg_device *dev, int family,
			  const uint8_t *addr, uint8_t cidr);
/* Before every allowed IP of p is removed from the device's table. */
void wg_dataplane_aips_cleared(struct wg_device *dev, struct wg_peer *p);
void wg_dataplane_peer_changed(struct wg_device *dev, struct wg_peer *p);
void wg_dataplane_peer_removed(struct wg_device *dev, struct wg_peer *p);
/* After a new listen port: XDP config map, and every cached path dropped. */
void wg_dataplane_port_changed(struct wg_device *dev);
void wg_dataplane_debug_changed(struct wg_device *dev, bool on);
/*
 * Under handshake load XDP rate-limits proven handshakes per source
 * (control thread, on every load decision). Also keeps XDP's copy of the
 * cookie secret current, and keeps the load on while XDP is shedding.
 */
void wg_dataplane_load_changed(struct wg_device *dev, bool under_load);
/* Our public key changed (NULL: no private key): XDP's mac1 key follows. */
void wg_dataplane_mac1_key_changed(struct wg_device *dev,
				   const uint8_t *pub);

/*
 * Refresh p's AF_XDP path (route, source, next-hop MAC) when it is unknown
 * or older than its lifetime. Control thread; takes p->lock briefly.
 */
void wg_dataplane_refresh_path(struct wg_device *dev, struct wg_peer *p,
			       uint64_t now, bool force);
struct wg_uapi_buf;
/* The "wgxdp=1" answer: data path, modes, XDP stats, daemon counters. */
int wg_dataplane_report(struct wg_device *dev, struct wg_uapi_buf *out);

/* Load the NIC's addresses into the XDP local-address map. */
int wg_dataplane_sync_local(struct wg_device *dev);

#endif /* WG_DATAPLANE_H */

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Mirrors of the device's tables outside the daemon: the XDP maps (index,
 * allowed IPs, peers, listen port, flags, local addresses) and the TUN
 * device's routes for allowed IPs. Each hook is a no-op for what is not in
 * use (no XDP on the UDP path; no routes when wg-quick manages them).
 *
 * The userspace tables are the authority. A mirror update that fails is
 * counted (failures) and logged, and the device goes on: the XDP program
 * then passes what it cannot match to the kernel, where the UDP transport
 * still receives it (a missing index), or the LAN frame takes the kernel's
 * route into the TUN device (a missing allowed IP).
 */
#ifndef WG_DATAPLANE_H
#define WG_DATAPLANE_H

#include <net/if.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "cookie.h"
#include "endpoint.h"
#include "netlink.h"
#include "wire.h"

struct wg_xdp;
struct wg_nl;
struct wg_route;

struct wg_dataplane {
	struct wg_xdp *xdp;	/* NULL on the UDP path */
	struct wg_nl *nl;	/* the control thread's rtnetlink */
	int tun_ifindex;
	/* The routes of allowed IPs (route.h); NULL when wg-quick routes. */
	struct wg_route *route;
	/*
	 * A full tunnel added at run time asks for this fwmark (its table):
	 * the device takes it after the change (0: no request).
	 */
	uint32_t want_fwmark;
	bool under_load;	/* as last told to XDP */
	bool debug;		/* as last told to XDP */
	uint16_t port;		/* as last told to XDP */
	/* The attached NIC and, in gateway mode, the LAN side. */
	char nic[IFNAMSIZ];
	int nic_ifindex;
	uint8_t nic_mac[6];
	char lan[IFNAMSIZ];
	int lan_ifindex;
	_Atomic uint64_t failures; /* mirror updates that failed */
	/*
	 * Every address of this host (any interface), for path.c to check a
	 * sticky source against; read again after an address event. Control
	 * thread only.
	 */
	struct wg_nl_ip *host_addrs;
	size_t n_host_addrs;
	bool host_addrs_stale;
};

void wg_dataplane_index_add(struct wg_dataplane *dp, uint32_t idx,
			    uint32_t peer_id);
void wg_dataplane_index_del(struct wg_dataplane *dp, uint32_t idx);
/* Around one change's allowed-IP hooks: the routes in one batch (route.h). */
void wg_dataplane_aips_begin(struct wg_dataplane *dp);
void wg_dataplane_aips_end(struct wg_dataplane *dp);
/* fwmark: the device's now, for a route the full tunnel adds. */
void wg_dataplane_aip_add(struct wg_dataplane *dp, int family,
			  const uint8_t *addr, uint8_t cidr, uint32_t peer_id,
			  uint32_t fwmark);
void wg_dataplane_aip_del(struct wg_dataplane *dp, int family,
			  const uint8_t *addr, uint8_t cidr);
/* The peers map entry of peer_id: key prefix, endpoint, counters. */
void wg_dataplane_peer_set(struct wg_dataplane *dp, uint32_t peer_id,
			   const uint8_t pub[WG_KEY_LEN],
			   const union wg_sockaddr *endpoint,
			   uint64_t tx_bytes);
void wg_dataplane_peer_del(struct wg_dataplane *dp, uint32_t peer_id);
/* The XDP configuration map: listen port and flags. */
void wg_dataplane_set_port(struct wg_dataplane *dp, uint16_t port);
void wg_dataplane_set_debug(struct wg_dataplane *dp, bool on);
/*
 * Under handshake load XDP rate-limits proven handshakes per source
 * (control thread, on every load decision, with the checker whose cookie
 * secret XDP's copy follows). Returns the load in force: it stays on while
 * XDP is still shedding a flood, even though the queue is short.
 */
bool wg_dataplane_set_load(struct wg_dataplane *dp, struct cookie_checker *cc,
			   bool under_load, uint64_t now);
/* Our public key changed (NULL: no private key): XDP's mac1 key follows. */
void wg_dataplane_mac1_key(struct wg_dataplane *dp, const uint8_t *pub);
/* A local address of the NIC appeared or went (XDP's local map). */
void wg_dataplane_local(struct wg_dataplane *dp, bool removed, int family,
			const void *addr);
/* Load the NIC's addresses into the XDP local-address map. */
int wg_dataplane_sync_local(struct wg_dataplane *dp);

#endif /* WG_DATAPLANE_H */

// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "dataplane.h"

#include <errno.h>
#include <string.h>

#include "log.h"
#include "netlink.h"
#include "route.h"
#include "xdp.h"

static void failed(struct wg_dataplane *dp, int ret, const char *what)
{
	if (!ret)
		return;
	atomic_fetch_add(&dp->failures, 1);
	log_ratelimited(WG_LOG_WARN, "Could not update %s: %s", what,
			strerror(ret < 0 ? -ret : ret));
}

void wg_dataplane_index_add(struct wg_dataplane *dp, uint32_t idx,
			    uint32_t peer_id)
{
	if (dp->xdp)
		failed(dp, wg_xdp_add_index(dp->xdp, idx, peer_id),
		       "the XDP index map");
}

void wg_dataplane_index_del(struct wg_dataplane *dp, uint32_t idx)
{
	if (dp->xdp)
		wg_xdp_del_index(dp->xdp, idx);
}

void wg_dataplane_aip_add(struct wg_dataplane *dp, int family,
			  const uint8_t *addr, uint8_t cidr, uint32_t peer_id,
			  uint32_t fwmark)
{
	if (dp->xdp)
		failed(dp, wg_xdp_add_aip(dp->xdp, family, addr, cidr, peer_id),
		       "the XDP allowed-IPs map");
	if (dp->route)
		wg_route_aip_add(dp->route, fwmark, &dp->want_fwmark, family,
				 addr, cidr);
}

void wg_dataplane_aips_begin(struct wg_dataplane *dp)
{
	if (dp->route)
		wg_route_batch_begin(dp->route);
}

void wg_dataplane_aips_end(struct wg_dataplane *dp)
{
	if (dp->route)
		wg_route_batch_end(dp->route);
}

void wg_dataplane_aip_del(struct wg_dataplane *dp, int family,
			  const uint8_t *addr, uint8_t cidr)
{
	if (dp->xdp)
		wg_xdp_del_aip(dp->xdp, family, addr, cidr);
	if (dp->route)
		wg_route_aip_del(dp->route, family, addr, cidr);
}

void wg_dataplane_peer_set(struct wg_dataplane *dp, uint32_t peer_id,
			   const uint8_t pub[WG_KEY_LEN],
			   const union wg_sockaddr *ep, uint64_t tx_bytes)
{
	struct wg_xdp_peer xp;

	if (!dp->xdp)
		return;
	memset(&xp, 0, sizeof(xp));
	memcpy(xp.key_prefix, pub, sizeof(xp.key_prefix));
	xp.family = ep->sa.sa_family;
	if (xp.family == AF_INET) {
		xp.port = ntohs(ep->in.sin_port);
		memcpy(xp.addr, &ep->in.sin_addr, 4);
	} else if (xp.family == AF_INET6) {
		xp.port = ntohs(ep->in6.sin6_port);
		memcpy(xp.addr, &ep->in6.sin6_addr, 16);
	}
	xp.tx_bytes = tx_bytes;
	failed(dp, wg_xdp_set_peer(dp->xdp, peer_id, &xp), "the XDP peers map");
}

void wg_dataplane_peer_del(struct wg_dataplane *dp, uint32_t peer_id)
{
	if (dp->xdp)
		wg_xdp_del_peer(dp->xdp, peer_id);
}

static void push_config(struct wg_dataplane *dp)
{
	uint32_t flags = (dp->debug ? WG_XDP_F_DEBUG : 0) |
			 (dp->under_load ? WG_XDP_F_UNDER_LOAD : 0);

	if (dp->xdp)
		failed(dp, wg_xdp_set_config(dp->xdp, dp->port, flags),
		       "the XDP configuration map");
}

void wg_dataplane_set_port(struct wg_dataplane *dp, uint16_t port)
{
	dp->port = port;
	push_config(dp);
}

void wg_dataplane_set_debug(struct wg_dataplane *dp, bool on)
{
	dp->debug = on;
	push_config(dp);
}

/* XDP's copy of the cookie secret follows the checker's (renewed lazily). */
static void sync_cookie_secret(struct wg_dataplane *dp,
			       struct cookie_checker *cc)
{
	uint8_t secret[WG_HASH_LEN], prev[WG_HASH_LEN];
	uint64_t gen, until;

	if (atomic_load(&cc->secret_gen) == wg_xdp_cookie_gen(dp->xdp))
		return;
	gen = wg_cookie_checker_secrets(cc, secret, prev, &until);
	failed(dp, wg_xdp_set_cookie_secret(dp->xdp, gen, secret, prev, until),
	       "XDP's cookie secret");
	wg_wipe(secret, sizeof(secret));
	wg_wipe(prev, sizeof(prev));
}

bool wg_dataplane_set_load(struct wg_dataplane *dp, struct cookie_checker *cc,
			   bool under_load, uint64_t now)
{
	if (dp->xdp) {
		sync_cookie_secret(dp, cc);
		/*
		 * XDP shedding proven floods over their budget keeps the
		 * queue short, but the load is still there: stay under it,
		 * or the flood would reach Noise each time it expired. Also
		 * when the queue's own signal has just run out: XDP still
		 * sheds under the flag we gave it, so it counts what we
		 * missed.
		 */
		if ((under_load || dp->under_load) &&
		    wg_xdp_shedding(dp->xdp, now, WG_COOKIE_UNDER_LOAD_NS))
			under_load = true;
	}
	if (dp->under_load == under_load)
		return under_load;
	dp->under_load = under_load;
	log_dbg("Handshake load %s: XDP rate limiting %s",
		under_load ? "high" : "normal", under_load ? "on" : "off");
	push_config(dp);
	return under_load;
}

void wg_dataplane_mac1_key(struct wg_dataplane *dp, const uint8_t *pub)
{
	uint8_t key[WG_KEY_LEN];

	if (!dp->xdp)
		return;
	if (pub)
		wg_cookie_mac1_key(key, pub);
	failed(dp, wg_xdp_set_hs_key(dp->xdp, WG_XDP_KEY_MAC1, pub ? key : NULL),
	       "XDP's mac1 key");
	wg_wipe(key, sizeof(key));
}

void wg_dataplane_local(struct wg_dataplane *dp, bool removed, int family,
			const void *addr)
{
	if (!dp->xdp)
		return;
	if (removed)
		wg_xdp_del_local(dp->xdp, family, addr);
	else
		failed(dp, wg_xdp_add_local(dp->xdp, family, addr),
		       "the XDP local-address map");
}

static int add_local(void *ctx, int ifindex, const struct wg_nl_ip *addr,
		     unsigned int prefixlen)
{
	struct wg_dataplane *dp = ctx;

	(void)ifindex;
	(void)prefixlen;
	return wg_xdp_add_local(dp->xdp, addr->family, &addr->v6);
}

int wg_dataplane_sync_local(struct wg_dataplane *dp)
{
	if (!dp->xdp || !dp->nl)
		return 0;
	return wg_nl_addr_dump(dp->nl, dp->nic_ifindex, AF_UNSPEC, add_local,
			       dp);
}

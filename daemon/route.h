/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The routes, rules and firewall rules of the interface, as wg-quick makes
 * them for `wg-xdp up`:
 *
 *   Table = off     nothing is routed;
 *   Table = N       every allowed IP is routed out of the interface in
 *                   table N;
 *   Table = auto    (or absent) an allowed IP gets a route in the main
 *                   table unless one out of the interface already covers
 *                   it; a /0 instead gets wg-quick's full tunnel: the
 *                   fwmark is the table number T (the device's fwmark, or
 *                   the first of 51820, 51821, ... whose table is empty in
 *                   both families), "/0 dev IFACE table T", the rules
 *                   "not fwmark T table T" and "table main
 *                   suppress_prefixlength 0", net.ipv4.conf.all.
 *                   src_valid_mark=1, and wg-quick's nft table
 *                   "wg-quick-IFACE" (iptables-restore when there is no
 *                   nft) against spoofed packets to our addresses.
 *
 * Everything added is recorded; wg_route_down() removes exactly that and
 * nothing else (a route that was there before is never replaced, and never
 * removed). After wg_route_up() the module follows allowed-IP changes made
 * at run time (`wg set`) with the same rules.
 *
 * The module has its own rtnetlink socket and a lock: start-up calls it
 * from the main thread, the allowed-IP hooks from the control thread.
 */
#ifndef WG_ROUTE_H
#define WG_ROUTE_H

#include <stdint.h>

#include "config.h"

struct wg_nl;
struct wg_route;

/* First table wg-quick tries for a full tunnel (and so the fwmark). */
#define WG_ROUTE_TABLE_FIRST 51820

/* A module for ifname with q's Table; 0 or -ENOMEM. */
int wg_route_new(struct wg_route **out, const char *ifname,
		 const struct wg_quick *q);
/*
 * Before the configuration is applied: when cfg routes a /0 with Table
 * auto and sets no fwmark, pick the table wg-quick would and put it in
 * cfg->fwmark, so that the device's socket carries it from the start.
 */
int wg_route_prepare(struct wg_route *r, struct wg_config *cfg);
/*
 * wg-quick's MTU when the file has none: the largest MTU of the routes to
 * the peers' endpoints (the route's mtu, else its device's), else the
 * default route's, else 1500; minus 80.
 */
unsigned int wg_route_auto_mtu(struct wg_nl *nl, const struct wg_config *cfg);
/*
 * Add the routes of cfg's allowed IPs in wg-quick's order (longest prefix
 * first) out of ifindex, and follow changes from then on. 0 or -errno
 * (what was added is then still recorded: call wg_route_down()).
 */
int wg_route_up(struct wg_route *r, int ifindex, uint32_t fwmark,
		const struct wg_config *cfg);
/*
 * The allowed-IP hooks (no-ops before wg_route_up); fwmark is the
 * device's. A /0 added at run time with Table auto and no fwmark yet
 * picks its table and asks the device to take it as fwmark through
 * *want_fwmark, as `wg set fwmark` would.
 */
void wg_route_aip_add(struct wg_route *r, uint32_t fwmark,
		      uint32_t *want_fwmark, int family, const uint8_t *addr,
		      uint8_t cidr);
void wg_route_aip_del(struct wg_route *r, int family, const uint8_t *addr,
		      uint8_t cidr);
/* Remove everything added, stop following; safe to call twice. */
/*
 * Around many allowed-IP hooks in a row (one configuration change): the
 * main table is read once at begin instead of once per prefix; the table
 * must change only by these hooks in between.
 */
void wg_route_batch_begin(struct wg_route *r);
void wg_route_batch_end(struct wg_route *r);
void wg_route_down(struct wg_route *r);
/* wg_route_down() and free; NULL is a no-op. */
void wg_route_free(struct wg_route *r);

#endif /* WG_ROUTE_H */

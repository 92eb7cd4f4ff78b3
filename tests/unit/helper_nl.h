/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * rtnetlink requests only the tests make (veth pairs, moving links between
 * namespaces, static neighbours, plain main-table routes), built here and
 * sent with wg_nl_request(): the daemon's library has no use for them.
 */
#ifndef WG_TEST_HELPER_NL_H
#define WG_TEST_HELPER_NL_H

#include "netlink.h"

/* Deletes an interface (a veth, or a persistent device). */
int wg_nl_link_del(struct wg_nl *nl, int ifindex);
/* Moves an interface into the network namespace open at netns_fd. */
int wg_nl_link_set_netns(struct wg_nl *nl, int ifindex, int netns_fd);
/*
 * Creates a veth pair name <-> peer; the peer end goes into the namespace
 * open at peer_netns_fd, or stays here when it is -1.
 */
int wg_nl_veth_create(struct wg_nl *nl, const char *name, const char *peer,
		      int peer_netns_fd);
/*
 * Adds (or replaces) the route dst/prefixlen in the main table out of
 * ifindex: scope link when gateway is NULL, else via gateway.
 */
int wg_nl_route_add(struct wg_nl *nl, int ifindex, const struct wg_nl_ip *dst,
		    unsigned int prefixlen, const struct wg_nl_ip *gateway);
/* Deletes the main table's route dst/prefixlen; -ESRCH if none. */
int wg_nl_route_del(struct wg_nl *nl, int ifindex, const struct wg_nl_ip *dst,
		    unsigned int prefixlen);
/* Adds (or replaces) a PERMANENT neighbour entry addr -> mac on ifindex. */
int wg_nl_neigh_add(struct wg_nl *nl, int ifindex, const struct wg_nl_ip *addr,
		    const uint8_t mac[6]);
/* Deletes the neighbour entry for addr on ifindex. */
int wg_nl_neigh_del(struct wg_nl *nl, int ifindex,
		    const struct wg_nl_ip *addr);

#endif /* WG_TEST_HELPER_NL_H */

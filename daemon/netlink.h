/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Everything the daemon asks of rtnetlink (NETLINK_ROUTE), through libmnl:
 * links, addresses, routes, neighbours, the NIC of the default route, and a
 * monitor socket that keeps the XDP local-address map and the next-hop cache
 * in sync.
 *
 * A struct wg_nl is owned by one thread (the control thread) and has no lock:
 * it holds a request socket with its own sequence numbers and, once opened, a
 * separate non-blocking monitor socket, so notifications never interleave
 * with replies. Every request asks for an ACK and returns 0 (or a positive
 * value where stated) or -errno as the kernel reported it. Each request is
 * one netlink message, so the kernel applies it whole or not at all.
 */
#ifndef WG_NETLINK_H
#define WG_NETLINK_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

/* An IPv4 or IPv6 address; family is AF_INET or AF_INET6. */
struct wg_nl_ip {
	int family;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

/* What wg_nl_link_get() reports about one interface. */
struct wg_nl_link {
	int ifindex;
	char name[IFNAMSIZ];
	unsigned int mtu;
	unsigned int flags;	/* IFF_* as the kernel reports them */
	bool up;		/* IFF_UP */
	bool running;		/* IFF_RUNNING */
	unsigned short type;	/* ARPHRD_ETHER, _LOOPBACK, _NONE, ... */
	uint8_t mac[6];
	bool has_mac;		/* an IFLA_ADDRESS of 6 bytes was present */
	unsigned int rx_queues;	/* IFLA_NUM_RX_QUEUES, 0 if absent */
	unsigned int combined_channels; /* ETHTOOL_GCHANNELS, 0 if unknown */
};

/* What wg_nl_route_get() reports about the route to one destination. */
struct wg_nl_route {
	int ifindex;		/* output interface */
	unsigned int mtu;	/* the route's mtu metric; 0 when it has none */
	bool has_gateway;
	struct wg_nl_ip gateway;
	bool has_prefsrc;
	struct wg_nl_ip prefsrc; /* see wg_nl_route_get() for IPv6 */
	unsigned char type;	/* RTN_UNICAST, RTN_LOCAL, RTN_BLACKHOLE, ... */
};

struct wg_nl;
struct nlmsghdr;

/* Opens the request socket; *out is freed with wg_nl_close(). */
int wg_nl_open(struct wg_nl **out);
/* Closes both sockets and frees; NULL is a no-op. */
void wg_nl_close(struct wg_nl *nl);

/*
 * Sends one request that the caller built with libmnl (NLM_F_REQUEST and
 * NLM_F_ACK are added) and waits for its ACK: 0 or the kernel's -errno.
 * For what this file has no function for, such as the tests' veth pairs
 * (tests/unit/helper_nl.c).
 */
int wg_nl_request(struct wg_nl *nl, struct nlmsghdr *nlh);

/* The ifindex (> 0) of the interface called name, or -ENODEV. */
int wg_nl_link_index(struct wg_nl *nl, const char *name);
/* Fills *link for ifindex; -ENODEV when there is no such interface. */
int wg_nl_link_get(struct wg_nl *nl, int ifindex, struct wg_nl_link *link);
/* Sets the MTU; the kernel's -EINVAL for an MTU the device refuses. */
int wg_nl_link_set_mtu(struct wg_nl *nl, int ifindex, unsigned int mtu);
/* Sets the transmit queue length (for TUN: its per-queue packet ring). */
int wg_nl_link_set_txqlen(struct wg_nl *nl, int ifindex, unsigned int qlen);
/* Sets IFF_UP (up) or clears it. */
int wg_nl_link_set_up(struct wg_nl *nl, int ifindex, bool up);

/*
 * Adds addr/prefixlen to ifindex (replacing an identical one, so adding twice
 * is not an error); IPv6 addresses get IFA_F_NODAD so they are usable at once.
 */
int wg_nl_addr_add(struct wg_nl *nl, int ifindex, const struct wg_nl_ip *addr,
		   unsigned int prefixlen);
/* Removes addr/prefixlen from ifindex; -EADDRNOTAVAIL when it is not there. */
int wg_nl_addr_del(struct wg_nl *nl, int ifindex, const struct wg_nl_ip *addr,
		   unsigned int prefixlen);

/* Called once per address; a non-zero return stops the walk with it. */
typedef int (*wg_nl_addr_fn)(void *ctx, int ifindex,
			     const struct wg_nl_ip *addr,
			     unsigned int prefixlen);
/*
 * Calls fn for each address of ifindex (0: of every interface) of the
 * given family (AF_UNSPEC for both); returns 0, fn's non-zero return, or
 * -errno.
 */
int wg_nl_addr_dump(struct wg_nl *nl, int ifindex, int family,
		    wg_nl_addr_fn fn, void *ctx);

/*
 * `ip route add DST/LEN [via GATEWAY] dev IFINDEX table TABLE`: a new
 * route, proto boot, scope link without a gateway, never replacing one:
 * -EEXIST when the table has that route.
 */
int wg_nl_route_create(struct wg_nl *nl, int ifindex,
		       const struct wg_nl_ip *dst, unsigned int prefixlen,
		       const struct wg_nl_ip *gateway, uint32_t table);
/* Deletes the route dst/prefixlen out of ifindex in table; -ESRCH if none. */
int wg_nl_route_remove(struct wg_nl *nl, int ifindex,
		       const struct wg_nl_ip *dst, unsigned int prefixlen,
		       uint32_t table);

/* One route of a dump. */
struct wg_nl_route_entry {
	struct wg_nl_ip dst;	/* family set even for a default route */
	unsigned int prefixlen;
	uint32_t table;
	int ifindex;		/* 0 when none (multipath: the first hop) */
	unsigned char type;	/* RTN_UNICAST, RTN_LOCAL, ... */
	uint32_t metric;
	unsigned int mtu;	/* 0 when none */
};
/* Called per route; non-zero stops the walk (the rest is still read). */
typedef int (*wg_nl_route_fn)(void *ctx, const struct wg_nl_route_entry *r);
/*
 * Calls fn for every route of family in table (0: every table), in the
 * kernel's order; returns 0, fn's first non-zero return, or -errno.
 */
int wg_nl_route_dump(struct wg_nl *nl, int family, uint32_t table,
		     wg_nl_route_fn fn, void *ctx);

/*
 * A policy routing rule, as `ip rule` takes the two wg-quick adds:
 * "not fwmark M table T" and "table main suppress_prefixlength 0".
 */
struct wg_nl_rule {
	int family;
	uint32_t table;
	bool invert;			/* `not` */
	bool has_fwmark;
	uint32_t fwmark;		/* mask all ones, as ip sends it */
	bool has_suppress_prefixlen;
	uint32_t suppress_prefixlen;
};
/* Adds the rule (priority picked by the kernel); -EEXIST if it is there. */
int wg_nl_rule_add(struct wg_nl *nl, const struct wg_nl_rule *rule);
/* Deletes the first rule matching every field; -ENOENT when none. */
int wg_nl_rule_del(struct wg_nl *nl, const struct wg_nl_rule *rule);
/*
 * Asks the kernel which route it would use for dst (optionally from src and
 * out of oif, 0 for any; with firewall mark `mark`, 0 for none, so policy
 * rules see what they would for a socket with that SO_MARK): output
 * ifindex, gateway if any, type, MTU metric, and the preferred source
 * address. A src that is not an address of ours gives -ENETUNREACH. When the kernel gives no RTA_PREFSRC (possible for IPv6),
 * prefsrc is an address of the output interface with the scope dst needs
 * (link for fe80::/10, global otherwise), not tentative, preferring one that
 * is not deprecated; has_prefsrc is false when there is none.
 * -ENETUNREACH (or the kernel's errno) when there is no route.
 */
int wg_nl_route_get(struct wg_nl *nl, const struct wg_nl_ip *dst,
		    const struct wg_nl_ip *src, int oif, uint32_t mark,
		    struct wg_nl_route *route);
/*
 * The NIC of the default route of the main table, IPv4 first, then IPv6
 * (lowest metric wins; first hop of a multipath route): its ifindex, and its
 * name when name is not NULL. -ENOENT when there is no default route.
 */
int wg_nl_default_dev(struct wg_nl *nl, int *ifindex, char name[IFNAMSIZ]);

/*
 * The MAC of next hop addr on ifindex when its neighbour entry is REACHABLE,
 * STALE, DELAY, PROBE or PERMANENT; -EAGAIN when it is missing, INCOMPLETE,
 * FAILED or in any other state (then call wg_nl_neigh_resolve()).
 */
int wg_nl_neigh_get(struct wg_nl *nl, int ifindex, const struct wg_nl_ip *addr,
		    uint8_t mac[6]);
/*
 * Makes the kernel resolve addr on ifindex (ARP or neighbour solicitation)
 * without sending any traffic of ours: RTM_NEWNEIGH with NTF_USE and
 * NLM_F_CREATE, which creates the entry if needed and kicks its state machine.
 * Watch the monitor (or poll wg_nl_neigh_get()) for the answer. IPv6 needs a
 * non-tentative link-local address on ifindex to send the solicitation from.
 */
int wg_nl_neigh_resolve(struct wg_nl *nl, int ifindex,
			const struct wg_nl_ip *addr);

/*
 * Callbacks of the monitor; any may be NULL. removed is true for RTM_DEL*.
 * For link: flags are IFF_*, name may be "" when the kernel omitted it.
 * For neigh: mac is NULL when the entry has no link-layer address; state is
 * NUD_*. For route: dst/prefixlen of the route and its output ifindex (0 if
 * none, e.g. multipath).
 */
struct wg_nl_monitor_ops {
	void (*addr)(void *ctx, bool removed, int ifindex,
		     const struct wg_nl_ip *addr, unsigned int prefixlen);
	void (*link)(void *ctx, bool removed, int ifindex, const char *name,
		     unsigned int flags);
	void (*neigh)(void *ctx, bool removed, int ifindex,
		      const struct wg_nl_ip *addr, const uint8_t *mac,
		      uint16_t state);
	void (*route)(void *ctx, bool removed, int ifindex,
		      const struct wg_nl_ip *dst, unsigned int prefixlen);
	/* A policy rule was added or deleted (any family). */
	void (*rule)(void *ctx, bool removed);
};

/*
 * Opens the monitor socket (once per wg_nl), subscribed to RTNLGRP_LINK,
 * RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, RTNLGRP_NEIGH, RTNLGRP_IPV4_ROUTE,
 * RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV4_RULE and RTNLGRP_IPV6_RULE; returns its non-blocking fd, for epoll (EPOLLIN).
 * The fd belongs to nl: close it with wg_nl_close() only.
 */
int wg_nl_monitor_open(struct wg_nl *nl);
/*
 * Drains the monitor without blocking and calls ops for each notification;
 * returns how many were delivered, or -ENOBUFS when the kernel dropped some
 * (the socket buffer overran: the caller must resync with dumps), or -errno.
 * A link moved to another namespace shows up as an RTM_DELLINK (removed).
 */
int wg_nl_monitor_read(struct wg_nl *nl, const struct wg_nl_monitor_ops *ops,
		       void *ctx);

#endif /* WG_NETLINK_H */

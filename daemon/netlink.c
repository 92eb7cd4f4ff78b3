// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * rtnetlink through libmnl: one request socket (request, then replies until
 * the ACK or NLMSG_DONE) and one monitor socket for notifications.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/ethtool.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>

#include "netlink.h"

/* Large enough for one datagram of any dump (the kernel sends <= 32 KiB). */
#define NL_BUF_LEN 32768
#define NL_MON_RCVBUF (4 << 20)
#define NUD_USABLE \
	(NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT)

struct wg_nl {
	struct mnl_socket *req;	/* requests and their replies */
	struct mnl_socket *mon;	/* notifications; NULL until opened */
	uint32_t portid;	/* of req */
	uint32_t seq;		/* last sequence number used on req */
	char *buf;		/* NL_BUF_LEN bytes: requests and replies */
};

int wg_nl_open(struct wg_nl **out)
{
	struct wg_nl *nl;
	int one = 1, ret;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	nl->buf = malloc(NL_BUF_LEN);
	if (!nl->buf) {
		ret = -ENOMEM;
		goto err_nl;
	}
	nl->req = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->req) {
		ret = -errno;
		goto err_buf;
	}
	if (mnl_socket_bind(nl->req, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto err_sock;
	}
	/* Short error messages (no echo of our request); both are optional. */
	mnl_socket_setsockopt(nl->req, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->req, NETLINK_EXT_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->req);
	nl->seq = (uint32_t)getpid() << 8;
	*out = nl;
	return 0;

err_sock:
	mnl_socket_close(nl->req);
err_buf:
	free(nl->buf);
err_nl:
	free(nl);
	return ret;
}

void wg_nl_close(struct wg_nl *nl)
{
	if (!nl)
		return;
	if (nl->mon)
		mnl_socket_close(nl->mon);
	mnl_socket_close(nl->req);
	free(nl->buf);
	free(nl);
}

/* --- helpers ------------------------------------------------------------ */

static struct nlmsghdr *put_msg(struct wg_nl *nl, uint16_t type,
				uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	return nlh;
}

/*
 * Sends nlh and runs cb over the replies until the ACK, an error or
 * NLMSG_DONE. Callbacks never stop a dump early (that would leave its tail
 * in the socket); they record what they want and return MNL_CB_OK.
 */
static int talk(struct wg_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
		void *data)
{
	uint32_t seq = ++nl->seq;
	ssize_t n;
	int ret;

	if (!seq)
		seq = ++nl->seq;
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl->req, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(nl->req, nl->buf, NL_BUF_LEN);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		/* Skip a stale reply to an earlier, abandoned request. */
		if ((size_t)n >= sizeof(struct nlmsghdr) &&
		    ((struct nlmsghdr *)nl->buf)->nlmsg_seq != seq)
			continue;
		errno = 0;
		ret = mnl_cb_run(nl->buf, n, seq, nl->portid, cb, data);
		if (ret == MNL_CB_STOP)
			return 0;
		if (ret < 0)
			return errno ? -errno : -EPROTO;
	}
}

int wg_nl_request(struct wg_nl *nl, struct nlmsghdr *nlh)
{
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	return talk(nl, nlh, NULL, NULL);
}

struct attrs {
	const struct nlattr **tb;
	unsigned int max;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	struct attrs *t = data;
	unsigned int type = mnl_attr_get_type(a);

	if (type <= t->max)
		t->tb[type] = a;
	return MNL_CB_OK;
}

/* Indexes the attributes after a family header of hdrlen bytes. */
static int parse(const struct nlmsghdr *nlh, size_t hdrlen,
		 const struct nlattr **tb, unsigned int max)
{
	struct attrs t = { tb, max };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(hdrlen))
		return -EPROTO;
	if (mnl_attr_parse(nlh, hdrlen, attr_cb, &t) < 0)
		return -EPROTO;
	return 0;
}

static size_t ip_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

/* Checks an address argument and its prefix length (-1: full length). */
static int check_ip(const struct wg_nl_ip *ip, int prefixlen)
{
	size_t len;

	if (!ip)
		return -EINVAL;
	len = ip_len(ip->family);
	if (!len)
		return -EAFNOSUPPORT;
	if (prefixlen > (int)(len * 8))
		return -EINVAL;
	return 0;
}

static bool get_ip(const struct nlattr *a, int family, struct wg_nl_ip *ip)
{
	size_t len = ip_len(family);

	memset(ip, 0, sizeof(*ip));
	if (!a || !len || mnl_attr_get_payload_len(a) != len)
		return false;
	ip->family = family;
	memcpy(&ip->v6, mnl_attr_get_payload(a), len);
	return true;
}

static void put_ip(struct nlmsghdr *nlh, uint16_t type,
		   const struct wg_nl_ip *ip)
{
	mnl_attr_put(nlh, type, ip_len(ip->family), &ip->v6);
}

/* Clears the host bits of ip beyond prefixlen (the kernel refuses them). */
static void mask_ip(struct wg_nl_ip *ip, unsigned int prefixlen)
{
	uint8_t *b = (uint8_t *)&ip->v6;
	size_t len = ip_len(ip->family), i;

	for (i = 0; i < len; i++) {
		if (prefixlen >= 8) {
			prefixlen -= 8;
			continue;
		}
		b[i] &= (uint8_t)(0xff00 >> prefixlen);
		prefixlen = 0;
	}
}

/* --- links -------------------------------------------------------------- */

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[IFLA_MAX + 1];
	struct wg_nl_link *link = data;
	const struct ifinfomsg *ifm;
	const struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	if (parse(nlh, sizeof(*ifm), tb, IFLA_MAX) < 0) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	ifm = mnl_nlmsg_get_payload(nlh);
	memset(link, 0, sizeof(*link));
	link->ifindex = ifm->ifi_index;
	link->type = ifm->ifi_type;
	link->flags = ifm->ifi_flags;
	link->up = ifm->ifi_flags & IFF_UP;
	link->running = ifm->ifi_flags & IFF_RUNNING;
	a = tb[IFLA_IFNAME];
	if (a && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0 &&
	    mnl_attr_get_payload_len(a) <= IFNAMSIZ)
		strcpy(link->name, mnl_attr_get_str(a));
	if (tb[IFLA_MTU] && mnl_attr_validate(tb[IFLA_MTU], MNL_TYPE_U32) == 0)
		link->mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
	a = tb[IFLA_ADDRESS];
	if (a && mnl_attr_get_payload_len(a) == sizeof(link->mac)) {
		memcpy(link->mac, mnl_attr_get_payload(a), sizeof(link->mac));
		link->has_mac = true;
	}
	a = tb[IFLA_NUM_RX_QUEUES];
	if (a && mnl_attr_validate(a, MNL_TYPE_U32) == 0)
		link->rx_queues = mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

/* ETHTOOL_GCHANNELS by name in our namespace; 0 when not available. */
static unsigned int combined_channels(const char name[IFNAMSIZ])
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr;
	unsigned int n = 0;
	int fd;

	if (!name[0])
		return 0;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, IFNAMSIZ);
	ifr.ifr_data = (void *)&ch;
	if (ioctl(fd, SIOCETHTOOL, &ifr) == 0)
		n = ch.combined_count;
	close(fd);
	return n;
}

static int link_request(struct wg_nl *nl, int ifindex, const char *name,
			struct wg_nl_link *link)
{
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh;
	int ret;

	nlh = put_msg(nl, RTM_GETLINK, 0);
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	memset(link, 0, sizeof(*link));
	ret = talk(nl, nlh, link_cb, link);
	if (ret < 0)
		return ret;
	return link->ifindex > 0 ? 0 : -ENODEV;
}

int wg_nl_link_index(struct wg_nl *nl, const char *name)
{
	struct wg_nl_link link;
	int ret;

	if (!name || !name[0] || strlen(name) >= IFNAMSIZ)
		return -EINVAL;
	ret = link_request(nl, 0, name, &link);
	return ret < 0 ? ret : link.ifindex;
}

int wg_nl_link_get(struct wg_nl *nl, int ifindex, struct wg_nl_link *link)
{
	struct wg_nl_link tmp;
	int ret;

	if (ifindex <= 0)
		return -ENODEV;
	ret = link_request(nl, ifindex, NULL, &tmp);
	if (ret < 0)
		return ret;
	tmp.combined_channels = combined_channels(tmp.name);
	*link = tmp;
	return 0;
}

/* RTM_NEWLINK on an existing ifindex; attributes are added by the caller. */
static struct nlmsghdr *link_msg(struct wg_nl *nl, uint16_t type, int ifindex,
				 struct ifinfomsg **ifmp)
{
	struct nlmsghdr *nlh = put_msg(nl, type, 0);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	if (ifmp)
		*ifmp = ifm;
	return nlh;
}

/* One u32 attribute of a link changed, nothing else. */
static int link_set_u32(struct wg_nl *nl, int ifindex, uint16_t attr,
			uint32_t v)
{
	struct nlmsghdr *nlh;

	if (ifindex <= 0)
		return -ENODEV;
	nlh = link_msg(nl, RTM_NEWLINK, ifindex, NULL);
	mnl_attr_put_u32(nlh, attr, v);
	return talk(nl, nlh, NULL, NULL);
}

int wg_nl_link_set_mtu(struct wg_nl *nl, int ifindex, unsigned int mtu)
{
	return link_set_u32(nl, ifindex, IFLA_MTU, mtu);
}

int wg_nl_link_set_txqlen(struct wg_nl *nl, int ifindex, unsigned int qlen)
{
	return link_set_u32(nl, ifindex, IFLA_TXQLEN, qlen);
}

int wg_nl_link_set_up(struct wg_nl *nl, int ifindex, bool up)
{
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh;

	if (ifindex <= 0)
		return -ENODEV;
	nlh = link_msg(nl, RTM_NEWLINK, ifindex, &ifm);
	ifm->ifi_change = IFF_UP;
	ifm->ifi_flags = up ? IFF_UP : 0;
	return talk(nl, nlh, NULL, NULL);
}

/* --- addresses ---------------------------------------------------------- */

static int addr_req(struct wg_nl *nl, uint16_t type, uint16_t flags,
		    int ifindex, const struct wg_nl_ip *addr,
		    unsigned int prefixlen)
{
	struct ifaddrmsg *ifa;
	struct nlmsghdr *nlh;
	int ret;

	ret = check_ip(addr, (int)prefixlen);
	if (ret < 0)
		return ret;
	if (ifindex <= 0)
		return -ENODEV;
	nlh = put_msg(nl, type, flags);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)addr->family;
	ifa->ifa_prefixlen = (uint8_t)prefixlen;
	ifa->ifa_index = (uint32_t)ifindex;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	put_ip(nlh, IFA_LOCAL, addr);
	put_ip(nlh, IFA_ADDRESS, addr);
	if (type == RTM_NEWADDR && addr->family == AF_INET6) {
		ifa->ifa_flags = IFA_F_NODAD;
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	}
	return talk(nl, nlh, NULL, NULL);
}

int wg_nl_addr_add(struct wg_nl *nl, int ifindex, const struct wg_nl_ip *addr,
		   unsigned int prefixlen)
{
	return addr_req(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, ifindex,
			addr, prefixlen);
}

int wg_nl_addr_del(struct wg_nl *nl, int ifindex, const struct wg_nl_ip *addr,
		   unsigned int prefixlen)
{
	return addr_req(nl, RTM_DELADDR, 0, ifindex, addr, prefixlen);
}

/* One address message: its header, IFA_F_* flags and the local address. */
struct addr_msg {
	const struct ifaddrmsg *ifa;
	uint32_t flags;
	struct wg_nl_ip ip;
};

static int parse_addr(const struct nlmsghdr *nlh, struct addr_msg *m)
{
	const struct nlattr *tb[IFA_MAX + 1];
	const struct nlattr *a;

	if (parse(nlh, sizeof(*m->ifa), tb, IFA_MAX) < 0)
		return -EPROTO;
	m->ifa = mnl_nlmsg_get_payload(nlh);
	m->flags = m->ifa->ifa_flags;
	if (tb[IFA_FLAGS] && mnl_attr_validate(tb[IFA_FLAGS], MNL_TYPE_U32) == 0)
		m->flags = mnl_attr_get_u32(tb[IFA_FLAGS]);
	/* IFA_ADDRESS is the peer on point-to-point links; IFA_LOCAL is ours. */
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!get_ip(a, m->ifa->ifa_family, &m->ip))
		return -EPROTO;
	return 0;
}

struct addr_walk {
	int ifindex;
	int (*fn)(struct addr_walk *w, const struct addr_msg *m);
	int result;		/* first non-zero return of fn */
	wg_nl_addr_fn user_fn;
	void *user_ctx;
	/* for the IPv6 source choice */
	unsigned char want_scope;
	bool found, found_preferred;
	struct wg_nl_ip best;
};

static int addr_walk_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_walk *w = data;
	struct addr_msg m;

	if (nlh->nlmsg_type != RTM_NEWADDR || w->result)
		return MNL_CB_OK;
	if (parse_addr(nlh, &m) < 0)
		return MNL_CB_OK;
	if (w->ifindex && (int)m.ifa->ifa_index != w->ifindex)
		return MNL_CB_OK;
	w->result = w->fn(w, &m);
	return MNL_CB_OK;
}

static int walk_addrs(struct wg_nl *nl, int ifindex, int family,
		      struct addr_walk *w)
{
	struct ifaddrmsg *ifa;
	struct nlmsghdr *nlh;
	int ret;

	if (ifindex < 0)
		return -ENODEV;
	if (family != AF_UNSPEC && !ip_len(family))
		return -EAFNOSUPPORT;
	nlh = put_msg(nl, RTM_GETADDR, NLM_F_DUMP);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)family;
	w->ifindex = ifindex;
	w->result = 0;
	ret = talk(nl, nlh, addr_walk_cb, w);
	return ret < 0 ? ret : w->result;
}

static int user_addr(struct addr_walk *w, const struct addr_msg *m)
{
	return w->user_fn(w->user_ctx, (int)m->ifa->ifa_index, &m->ip,
			  m->ifa->ifa_prefixlen);
}

int wg_nl_addr_dump(struct wg_nl *nl, int ifindex, int family,
		    wg_nl_addr_fn fn, void *ctx)
{
	struct addr_walk w = { .fn = user_addr, .user_fn = fn,
			       .user_ctx = ctx };
	struct wg_nl_link link;
	int ret;

	if (!fn)
		return -EINVAL;
	/* A dump of a missing ifindex is empty, not an error: check first. */
	ret = ifindex > 0  ? link_request(nl, ifindex, NULL, &link) :
	      ifindex == 0 ? 0 :
			     -ENODEV;
	if (ret < 0)
		return ret;
	return walk_addrs(nl, ifindex, family, &w);
}

/* --- routes ------------------------------------------------------------- */

static int route_req(struct wg_nl *nl, uint16_t type, uint16_t flags,
		     int ifindex, const struct wg_nl_ip *dst,
		     unsigned int prefixlen, const struct wg_nl_ip *gateway,
		     uint32_t table, uint8_t proto)
{
	struct wg_nl_ip net;
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	int ret;

	ret = check_ip(dst, (int)prefixlen);
	if (ret < 0)
		return ret;
	if (gateway) {
		ret = check_ip(gateway, -1);
		if (ret < 0)
			return ret;
		if (gateway->family != dst->family)
			return -EINVAL;
	}
	if (ifindex <= 0)
		return -ENODEV;
	net = *dst;
	mask_ip(&net, prefixlen);
	nlh = put_msg(nl, type, flags);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)dst->family;
	rtm->rtm_dst_len = (uint8_t)prefixlen;
	rtm->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = proto;
	if (table >= 256)
		mnl_attr_put_u32(nlh, RTA_TABLE, table);
	if (type == RTM_NEWROUTE) {
		rtm->rtm_type = RTN_UNICAST;
		rtm->rtm_scope = gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	} else {
		/* Delete matches any scope and type, but only our proto. */
		rtm->rtm_scope = RT_SCOPE_NOWHERE;
	}
	put_ip(nlh, RTA_DST, &net);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
	if (gateway)
		put_ip(nlh, RTA_GATEWAY, gateway);
	return talk(nl, nlh, NULL, NULL);
}

int wg_nl_route_create(struct wg_nl *nl, int ifindex,
		       const struct wg_nl_ip *dst, unsigned int prefixlen,
		       const struct wg_nl_ip *gateway, uint32_t table)
{
	if (!table)
		return -EINVAL;
	return route_req(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, ifindex,
			 dst, prefixlen, gateway, table, RTPROT_BOOT);
}

int wg_nl_route_remove(struct wg_nl *nl, int ifindex,
		       const struct wg_nl_ip *dst, unsigned int prefixlen,
		       uint32_t table)
{
	if (!table)
		return -EINVAL;
	return route_req(nl, RTM_DELROUTE, 0, ifindex, dst, prefixlen, NULL,
			 table, RTPROT_UNSPEC);
}

/* RTAX_MTU inside RTA_METRICS, 0 when absent. */
static unsigned int metrics_mtu(const struct nlattr *metrics)
{
	const struct nlattr *a;

	if (!metrics)
		return 0;
	mnl_attr_for_each_nested(a, metrics)
		if (mnl_attr_get_type(a) == RTAX_MTU &&
		    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			return mnl_attr_get_u32(a);
	return 0;
}

struct route_walk {
	int family;
	uint32_t table;
	wg_nl_route_fn fn;
	void *ctx;
	int ret;
};

static int route_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[RTA_MAX + 1];
	struct route_walk *w = data;
	struct wg_nl_route_entry e;
	const struct rtmsg *rtm;
	const struct rtnexthop *nh;

	if (nlh->nlmsg_type != RTM_NEWROUTE || w->ret)
		return MNL_CB_OK;
	if (parse(nlh, sizeof(*rtm), tb, RTA_MAX) < 0)
		return MNL_CB_OK;
	rtm = mnl_nlmsg_get_payload(nlh);
	memset(&e, 0, sizeof(e));
	e.table = rtm->rtm_table;
	if (tb[RTA_TABLE] && mnl_attr_validate(tb[RTA_TABLE], MNL_TYPE_U32) == 0)
		e.table = mnl_attr_get_u32(tb[RTA_TABLE]);
	if (rtm->rtm_family != w->family || (w->table && e.table != w->table))
		return MNL_CB_OK;
	if (!get_ip(tb[RTA_DST], rtm->rtm_family, &e.dst))
		e.dst.family = rtm->rtm_family;
	e.prefixlen = rtm->rtm_dst_len;
	e.type = rtm->rtm_type;
	if (tb[RTA_OIF] && mnl_attr_validate(tb[RTA_OIF], MNL_TYPE_U32) == 0) {
		e.ifindex = (int)mnl_attr_get_u32(tb[RTA_OIF]);
	} else if (tb[RTA_MULTIPATH] &&
		   mnl_attr_get_payload_len(tb[RTA_MULTIPATH]) >= sizeof(*nh)) {
		nh = mnl_attr_get_payload(tb[RTA_MULTIPATH]);
		e.ifindex = nh->rtnh_ifindex;
	}
	if (tb[RTA_PRIORITY] &&
	    mnl_attr_validate(tb[RTA_PRIORITY], MNL_TYPE_U32) == 0)
		e.metric = mnl_attr_get_u32(tb[RTA_PRIORITY]);
	e.mtu = metrics_mtu(tb[RTA_METRICS]);
	w->ret = w->fn(w->ctx, &e);
	return MNL_CB_OK;
}

int wg_nl_route_dump(struct wg_nl *nl, int family, uint32_t table,
		     wg_nl_route_fn fn, void *ctx)
{
	struct route_walk w = { family, table, fn, ctx, 0 };
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	int ret;

	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	nlh = put_msg(nl, RTM_GETROUTE, NLM_F_DUMP);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)family;
	ret = talk(nl, nlh, route_dump_cb, &w);
	return ret ? ret : w.ret;
}

/* --- rules -------------------------------------------------------------- */

static int rule_req(struct wg_nl *nl, uint16_t type, uint16_t flags,
		    const struct wg_nl_rule *r)
{
	struct nlmsghdr *nlh;
	struct fib_rule_hdr *frh;

	if (!r || (r->family != AF_INET && r->family != AF_INET6) ||
	    !r->table)
		return -EINVAL;
	nlh = put_msg(nl, type, flags);
	frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
	frh->family = (uint8_t)r->family;
	frh->action = FR_ACT_TO_TBL;
	frh->flags = r->invert ? FIB_RULE_INVERT : 0;
	/* As ip(8): small tables in the header, others as an attribute. */
	if (r->table < 256) {
		frh->table = (uint8_t)r->table;
	} else {
		frh->table = RT_TABLE_UNSPEC;
		mnl_attr_put_u32(nlh, FRA_TABLE, r->table);
	}
	if (r->has_fwmark) {
		mnl_attr_put_u32(nlh, FRA_FWMARK, r->fwmark);
		mnl_attr_put_u32(nlh, FRA_FWMASK, 0xffffffffu);
	}
	if (r->has_suppress_prefixlen)
		mnl_attr_put_u32(nlh, FRA_SUPPRESS_PREFIXLEN,
				 r->suppress_prefixlen);
	return talk(nl, nlh, NULL, NULL);
}

int wg_nl_rule_add(struct wg_nl *nl, const struct wg_nl_rule *rule)
{
	return rule_req(nl, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, rule);
}

int wg_nl_rule_del(struct wg_nl *nl, const struct wg_nl_rule *rule)
{
	return rule_req(nl, RTM_DELRULE, 0, rule);
}

static int route_get_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[RTA_MAX + 1];
	struct wg_nl_route *r = data;
	const struct rtmsg *rtm;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	if (parse(nlh, sizeof(*rtm), tb, RTA_MAX) < 0) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	rtm = mnl_nlmsg_get_payload(nlh);
	if (tb[RTA_OIF] && mnl_attr_validate(tb[RTA_OIF], MNL_TYPE_U32) == 0)
		r->ifindex = (int)mnl_attr_get_u32(tb[RTA_OIF]);
	r->has_gateway = get_ip(tb[RTA_GATEWAY], rtm->rtm_family, &r->gateway);
	r->mtu = metrics_mtu(tb[RTA_METRICS]);
	r->has_prefsrc = get_ip(tb[RTA_PREFSRC], rtm->rtm_family, &r->prefsrc);
	r->type = rtm->rtm_type;
	return MNL_CB_OK;
}

static bool is_v6_linklocal(const struct wg_nl_ip *ip)
{
	return ip->family == AF_INET6 && ip->v6.s6_addr[0] == 0xfe &&
	       (ip->v6.s6_addr[1] & 0xc0) == 0x80;
}

/* Picks an IPv6 source of the wanted scope: not tentative, not deprecated. */
static int pick_src(struct addr_walk *w, const struct addr_msg *m)
{
	if (m->ifa->ifa_family != AF_INET6 ||
	    m->ifa->ifa_scope != w->want_scope ||
	    (m->flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)))
		return 0;
	if (!(m->flags & IFA_F_DEPRECATED)) {
		w->best = m->ip;
		w->found = w->found_preferred = true;
		return 1;
	}
	if (!w->found) {
		w->best = m->ip;
		w->found = true;
	}
	return 0;
}

int wg_nl_route_get(struct wg_nl *nl, const struct wg_nl_ip *dst,
		    const struct wg_nl_ip *src, int oif, uint32_t mark,
		    struct wg_nl_route *route)
{
	struct wg_nl_route r = { 0 };
	struct addr_walk w = { .fn = pick_src };
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	int ret;

	ret = check_ip(dst, -1);
	if (ret < 0)
		return ret;
	if (src) {
		ret = check_ip(src, -1);
		if (ret < 0)
			return ret;
		if (src->family != dst->family)
			return -EINVAL;
	}
	if (oif < 0)
		return -ENODEV;
	nlh = put_msg(nl, RTM_GETROUTE, 0);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)dst->family;
	rtm->rtm_dst_len = (uint8_t)(ip_len(dst->family) * 8);
	put_ip(nlh, RTA_DST, dst);
	if (src) {
		rtm->rtm_src_len = rtm->rtm_dst_len;
		put_ip(nlh, RTA_SRC, src);
	}
	if (oif)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	/* As the kernel routes our socket's packets: with its SO_MARK. */
	if (mark)
		mnl_attr_put_u32(nlh, RTA_MARK, mark);
	ret = talk(nl, nlh, route_get_cb, &r);
	if (ret < 0)
		return ret;
	if (r.ifindex <= 0)
		return -ENETUNREACH;
	if (!r.has_prefsrc && src) {
		r.prefsrc = *src;
		r.has_prefsrc = true;
	}
	if (!r.has_prefsrc && dst->family == AF_INET6) {
		w.want_scope = is_v6_linklocal(dst) ? RT_SCOPE_LINK :
						      RT_SCOPE_UNIVERSE;
		ret = walk_addrs(nl, r.ifindex, AF_INET6, &w);
		if (ret < 0)
			return ret;
		if (w.found) {
			r.prefsrc = w.best;
			r.has_prefsrc = true;
		}
	}
	*route = r;
	return 0;
}

struct default_walk {
	int family;
	int ifindex;
	uint32_t metric;
};

static int default_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[RTA_MAX + 1];
	struct default_walk *d = data;
	const struct rtmsg *rtm;
	const struct rtnexthop *nh;
	uint32_t table, metric = 0;
	int ifindex = 0;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	if (parse(nlh, sizeof(*rtm), tb, RTA_MAX) < 0)
		return MNL_CB_OK;
	rtm = mnl_nlmsg_get_payload(nlh);
	table = rtm->rtm_table;
	if (tb[RTA_TABLE] && mnl_attr_validate(tb[RTA_TABLE], MNL_TYPE_U32) == 0)
		table = mnl_attr_get_u32(tb[RTA_TABLE]);
	if (rtm->rtm_family != d->family || rtm->rtm_dst_len != 0 ||
	    rtm->rtm_type != RTN_UNICAST || table != RT_TABLE_MAIN)
		return MNL_CB_OK;
	if (tb[RTA_OIF] && mnl_attr_validate(tb[RTA_OIF], MNL_TYPE_U32) == 0) {
		ifindex = (int)mnl_attr_get_u32(tb[RTA_OIF]);
	} else if (tb[RTA_MULTIPATH] &&
		   mnl_attr_get_payload_len(tb[RTA_MULTIPATH]) >= sizeof(*nh)) {
		nh = mnl_attr_get_payload(tb[RTA_MULTIPATH]);
		ifindex = nh->rtnh_ifindex;
	}
	if (tb[RTA_PRIORITY] &&
	    mnl_attr_validate(tb[RTA_PRIORITY], MNL_TYPE_U32) == 0)
		metric = mnl_attr_get_u32(tb[RTA_PRIORITY]);
	if (ifindex > 0 && (!d->ifindex || metric < d->metric)) {
		d->ifindex = ifindex;
		d->metric = metric;
	}
	return MNL_CB_OK;
}

int wg_nl_default_dev(struct wg_nl *nl, int *ifindex, char name[IFNAMSIZ])
{
	static const int families[] = { AF_INET, AF_INET6 };
	struct default_walk d = { 0 };
	struct wg_nl_link link;
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		d.family = families[i];
		nlh = put_msg(nl, RTM_GETROUTE, NLM_F_DUMP);
		rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
		rtm->rtm_family = (uint8_t)d.family;
		ret = talk(nl, nlh, default_cb, &d);
		if (ret < 0)
			return ret;
		if (d.ifindex)
			break;
	}
	if (!d.ifindex)
		return -ENOENT;
	if (name) {
		ret = link_request(nl, d.ifindex, NULL, &link);
		if (ret < 0)
			return ret;
		memcpy(name, link.name, IFNAMSIZ);
	}
	if (ifindex)
		*ifindex = d.ifindex;
	return 0;
}

/* --- neighbours --------------------------------------------------------- */

static struct nlmsghdr *neigh_msg(struct wg_nl *nl, uint16_t type,
				  uint16_t flags, int ifindex,
				  const struct wg_nl_ip *addr,
				  struct ndmsg **ndmp)
{
	struct nlmsghdr *nlh = put_msg(nl, type, flags);
	struct ndmsg *ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));

	ndm->ndm_family = (uint8_t)addr->family;
	ndm->ndm_ifindex = ifindex;
	put_ip(nlh, NDA_DST, addr);
	if (ndmp)
		*ndmp = ndm;
	return nlh;
}

struct neigh_reply {
	bool found;
	uint16_t state;
	bool has_mac;
	uint8_t mac[6];
};

static int neigh_get_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NDA_MAX + 1];
	struct neigh_reply *r = data;
	const struct ndmsg *ndm;

	if (nlh->nlmsg_type != RTM_NEWNEIGH)
		return MNL_CB_OK;
	if (parse(nlh, sizeof(*ndm), tb, NDA_MAX) < 0) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	ndm = mnl_nlmsg_get_payload(nlh);
	r->found = true;
	r->state = ndm->ndm_state;
	if (tb[NDA_LLADDR] &&
	    mnl_attr_get_payload_len(tb[NDA_LLADDR]) == sizeof(r->mac)) {
		memcpy(r->mac, mnl_attr_get_payload(tb[NDA_LLADDR]),
		       sizeof(r->mac));
		r->has_mac = true;
	}
	return MNL_CB_OK;
}

int wg_nl_neigh_get(struct wg_nl *nl, int ifindex, const struct wg_nl_ip *addr,
		    uint8_t mac[6])
{
	struct neigh_reply r = { 0 };
	int ret;

	ret = check_ip(addr, -1);
	if (ret < 0)
		return ret;
	if (ifindex <= 0)
		return -ENODEV;
	ret = talk(nl, neigh_msg(nl, RTM_GETNEIGH, 0, ifindex, addr, NULL),
		   neigh_get_cb, &r);
	if (ret == -ENOENT)
		return -EAGAIN;
	if (ret < 0)
		return ret;
	if (!r.found || !(r.state & NUD_USABLE) || !r.has_mac)
		return -EAGAIN;
	memcpy(mac, r.mac, sizeof(r.mac));
	return 0;
}

int wg_nl_neigh_resolve(struct wg_nl *nl, int ifindex,
			const struct wg_nl_ip *addr)
{
	struct ndmsg *ndm;
	struct nlmsghdr *nlh;
	int ret;

	ret = check_ip(addr, -1);
	if (ret < 0)
		return ret;
	if (ifindex <= 0)
		return -ENODEV;
	nlh = neigh_msg(nl, RTM_NEWNEIGH, NLM_F_CREATE, ifindex, addr, &ndm);
	ndm->ndm_state = NUD_NONE;
	ndm->ndm_flags = NTF_USE;
	return talk(nl, nlh, NULL, NULL);
}

/* --- monitor ------------------------------------------------------------ */

int wg_nl_monitor_open(struct wg_nl *nl)
{
	static const unsigned int groups[] = {
		RTNLGRP_LINK,	   RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
		RTNLGRP_NEIGH,	   RTNLGRP_IPV4_ROUTE,	RTNLGRP_IPV6_ROUTE,
		RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_RULE,
	};
	int size = NL_MON_RCVBUF, ret, fd;
	struct mnl_socket *mon;
	size_t i;

	if (nl->mon)
		return mnl_socket_get_fd(nl->mon);
	mon = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!mon)
		return -errno;
	if (mnl_socket_bind(mon, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto err_sock;
	}
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		if (mnl_socket_setsockopt(mon, NETLINK_ADD_MEMBERSHIP,
					  (void *)&groups[i],
					  sizeof(groups[i])) < 0) {
			ret = -errno;
			goto err_sock;
		}
	}
	fd = mnl_socket_get_fd(mon);
	/* Bursts (a NIC going down) must not overrun; best effort. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	nl->mon = mon;
	return fd;

err_sock:
	mnl_socket_close(mon);
	return ret;
}

struct mon_state {
	const struct wg_nl_monitor_ops *ops;
	void *ctx;
	int count;
};

static void mon_link(struct mon_state *s, const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[IFLA_MAX + 1];
	const struct ifinfomsg *ifm;
	char name[IFNAMSIZ] = "";
	const struct nlattr *a;

	if (!s->ops->link || parse(nlh, sizeof(*ifm), tb, IFLA_MAX) < 0)
		return;
	ifm = mnl_nlmsg_get_payload(nlh);
	a = tb[IFLA_IFNAME];
	if (a && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0 &&
	    mnl_attr_get_payload_len(a) <= IFNAMSIZ)
		strcpy(name, mnl_attr_get_str(a));
	s->ops->link(s->ctx, nlh->nlmsg_type == RTM_DELLINK, ifm->ifi_index,
		     name, ifm->ifi_flags);
	s->count++;
}

static void mon_addr(struct mon_state *s, const struct nlmsghdr *nlh)
{
	struct addr_msg m;

	if (!s->ops->addr || parse_addr(nlh, &m) < 0)
		return;
	s->ops->addr(s->ctx, nlh->nlmsg_type == RTM_DELADDR,
		     (int)m.ifa->ifa_index, &m.ip, m.ifa->ifa_prefixlen);
	s->count++;
}

static void mon_neigh(struct mon_state *s, const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[NDA_MAX + 1];
	const struct ndmsg *ndm;
	const uint8_t *mac = NULL;
	struct wg_nl_ip ip;

	if (!s->ops->neigh || parse(nlh, sizeof(*ndm), tb, NDA_MAX) < 0)
		return;
	ndm = mnl_nlmsg_get_payload(nlh);
	if (!get_ip(tb[NDA_DST], ndm->ndm_family, &ip))
		return;
	if (tb[NDA_LLADDR] && mnl_attr_get_payload_len(tb[NDA_LLADDR]) == 6)
		mac = mnl_attr_get_payload(tb[NDA_LLADDR]);
	s->ops->neigh(s->ctx, nlh->nlmsg_type == RTM_DELNEIGH, ndm->ndm_ifindex,
		      &ip, mac, ndm->ndm_state);
	s->count++;
}

static void mon_route(struct mon_state *s, const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[RTA_MAX + 1];
	const struct rtmsg *rtm;
	struct wg_nl_ip dst;
	int ifindex = 0;

	if (!s->ops->route || parse(nlh, sizeof(*rtm), tb, RTA_MAX) < 0)
		return;
	rtm = mnl_nlmsg_get_payload(nlh);
	if (!ip_len(rtm->rtm_family))
		return;
	if (!get_ip(tb[RTA_DST], rtm->rtm_family, &dst))
		dst.family = rtm->rtm_family; /* default route: all zero */
	if (tb[RTA_OIF] && mnl_attr_validate(tb[RTA_OIF], MNL_TYPE_U32) == 0)
		ifindex = (int)mnl_attr_get_u32(tb[RTA_OIF]);
	s->ops->route(s->ctx, nlh->nlmsg_type == RTM_DELROUTE, ifindex, &dst,
		      rtm->rtm_dst_len);
	s->count++;
}

static int mon_cb(const struct nlmsghdr *nlh, void *data)
{
	struct mon_state *s = data;

	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		mon_link(s, nlh);
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		mon_addr(s, nlh);
		break;
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH:
		mon_neigh(s, nlh);
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		mon_route(s, nlh);
		break;
	case RTM_NEWRULE:
	case RTM_DELRULE:
		if (s->ops->rule) {
			s->ops->rule(s->ctx, nlh->nlmsg_type == RTM_DELRULE);
			s->count++;
		}
		break;
	}
	return MNL_CB_OK;
}

int wg_nl_monitor_read(struct wg_nl *nl, const struct wg_nl_monitor_ops *ops,
		       void *ctx)
{
	struct mon_state s = { .ops = ops, .ctx = ctx };
	bool overrun = false;
	ssize_t n;

	if (!nl->mon || !ops)
		return -EINVAL;
	for (;;) {
		n = mnl_socket_recvfrom(nl->mon, nl->buf, NL_BUF_LEN);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				overrun = true;
				continue;
			}
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -errno;
		}
		/* seq 0 and portid 0: notifications, no request to match. */
		mnl_cb_run(nl->buf, n, 0, 0, mon_cb, &s);
	}
	return overrun ? -ENOBUFS : s.count;
}

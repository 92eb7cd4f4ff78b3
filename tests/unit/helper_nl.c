// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "helper_nl.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

/* One request at a time; the reply goes to the wg_nl's own buffer. */
static char buf[8192];

static struct nlmsghdr *msg(uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	return nlh;
}

static size_t ip_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

/* The daemon's own argument checks: -EINVAL, -EAFNOSUPPORT. */
static int check_ip(const struct wg_nl_ip *ip, int prefixlen)
{
	if (!ip)
		return -EINVAL;
	if (!ip_len(ip->family))
		return -EAFNOSUPPORT;
	if (prefixlen > (int)(ip_len(ip->family) * 8))
		return -EINVAL;
	return 0;
}

static struct nlmsghdr *link_msg(uint16_t type, int ifindex)
{
	struct nlmsghdr *nlh = msg(type, 0);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	return nlh;
}

int wg_nl_link_del(struct wg_nl *nl, int ifindex)
{
	if (ifindex <= 0)
		return -ENODEV;
	return wg_nl_request(nl, link_msg(RTM_DELLINK, ifindex));
}

int wg_nl_link_set_netns(struct wg_nl *nl, int ifindex, int netns_fd)
{
	struct nlmsghdr *nlh;

	if (ifindex <= 0)
		return -ENODEV;
	if (netns_fd < 0)
		return -EBADF;
	nlh = link_msg(RTM_NEWLINK, ifindex);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)netns_fd);
	return wg_nl_request(nl, nlh);
}

int wg_nl_veth_create(struct wg_nl *nl, const char *name, const char *peer,
		      int peer_netns_fd)
{
	struct nlattr *info, *data, *end;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;

	if (!name || !peer || !name[0] || !peer[0] ||
	    strlen(name) >= IFNAMSIZ || strlen(peer) >= IFNAMSIZ)
		return -EINVAL;
	nlh = msg(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	end = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* The peer is described by an ifinfomsg and its own attributes. */
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	if (peer_netns_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd);
	mnl_attr_nest_end(nlh, end);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return wg_nl_request(nl, nlh);
}

/* "Add or replace", over the daemon's exclusive add. */
int wg_nl_route_add(struct wg_nl *nl, int ifindex, const struct wg_nl_ip *dst,
		    unsigned int prefixlen, const struct wg_nl_ip *gateway)
{
	if (dst)
		wg_nl_route_remove(nl, ifindex, dst, prefixlen, RT_TABLE_MAIN);
	return wg_nl_route_create(nl, ifindex, dst, prefixlen, gateway,
				  RT_TABLE_MAIN);
}

int wg_nl_route_del(struct wg_nl *nl, int ifindex, const struct wg_nl_ip *dst,
		    unsigned int prefixlen)
{
	return wg_nl_route_remove(nl, ifindex, dst, prefixlen, RT_TABLE_MAIN);
}

/* A neighbour request; with mac, a PERMANENT entry addr -> mac. */
static int neigh_req(struct wg_nl *nl, uint16_t type, uint16_t flags,
		     int ifindex, const struct wg_nl_ip *addr,
		     const uint8_t *mac)
{
	struct nlmsghdr *nlh;
	struct ndmsg *ndm;
	int ret;

	ret = check_ip(addr, -1);
	if (ret < 0)
		return ret;
	if (ifindex <= 0)
		return -ENODEV;
	nlh = msg(type, flags);
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = (uint8_t)addr->family;
	ndm->ndm_ifindex = ifindex;
	mnl_attr_put(nlh, NDA_DST, ip_len(addr->family), &addr->v6);
	if (mac) {
		ndm->ndm_state = NUD_PERMANENT;
		mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	}
	return wg_nl_request(nl, nlh);
}

int wg_nl_neigh_add(struct wg_nl *nl, int ifindex, const struct wg_nl_ip *addr,
		    const uint8_t mac[6])
{
	return neigh_req(nl, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE,
			 ifindex, addr, mac);
}

int wg_nl_neigh_del(struct wg_nl *nl, int ifindex,
		    const struct wg_nl_ip *addr)
{
	return neigh_req(nl, RTM_DELNEIGH, 0, ifindex, addr, NULL);
}

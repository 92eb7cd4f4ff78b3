// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "packet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <string.h>

uint32_t wg_csum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t acc = sum, a[4] = { 0 };

	/*
	 * Sum 32-bit words into 64-bit accumulators, four independent ones
	 * so the additions overlap; it runs over every sealed packet. No
	 * carry is lost below 2^32 words.
	 */
	while (len >= 16) {
		for (int i = 0; i < 4; i++) {
			uint32_t w;

			memcpy(&w, p + 4 * i, 4);
			a[i] += w;
		}
		p += 16;
		len -= 16;
	}
	acc += a[0] + a[1] + a[2] + a[3];
	while (len >= 4) {
		uint32_t w;

		memcpy(&w, p, 4);
		acc += w;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t w;

		memcpy(&w, p, 2);
		acc += w;
		p += 2;
		len -= 2;
	}
	if (len)
		acc += *p; /* little-endian host: the odd byte is the high half */
	while (acc >> 32)
		acc = (acc & 0xffffffff) + (acc >> 32);
	return (uint32_t)acc;
}

uint16_t wg_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

int wg_packet_parse_vlan(const uint8_t *frame, size_t len,
			 union wg_sockaddr *src, union wg_sockaddr *dst,
			 size_t *payload_off, size_t *payload_len,
			 struct wg_vlan *vlan)
{
	const struct ethhdr *eth = (const void *)frame;
	size_t off = sizeof(*eth), l4_len;
	struct wg_vlan tags = { 0 };
	struct udphdr udp;
	uint16_t proto;

	if (len < sizeof(*eth))
		return -EINVAL;
	proto = ntohs(eth->h_proto);
	memset(src, 0, sizeof(*src));
	memset(dst, 0, sizeof(*dst));
	/* Each tag: TCI, then the ethertype of what follows it. */
	while (proto == ETH_P_8021Q || proto == ETH_P_8021AD) {
		if (tags.count == WG_VLAN_MAX || len < off + WG_VLAN_HLEN)
			return -EINVAL;
		tags.tpid[tags.count] = proto;
		tags.tci[tags.count++] =
			(uint16_t)(frame[off] << 8 | frame[off + 1]);
		proto = (uint16_t)(frame[off + 2] << 8 | frame[off + 3]);
		off += WG_VLAN_HLEN;
	}
	if (proto == ETH_P_IP) {
		struct iphdr ip;
		size_t ihl;

		if (len < off + sizeof(ip))
			return -EINVAL;
		memcpy(&ip, frame + off, sizeof(ip));
		ihl = ip.ihl * 4u;
		if (ip.version != 4 || ihl < sizeof(ip) ||
		    ip.protocol != IPPROTO_UDP ||
		    (ntohs(ip.frag_off) & 0x3fff) ||
		    ntohs(ip.tot_len) < ihl || off + ntohs(ip.tot_len) > len)
			return -EINVAL;
		l4_len = ntohs(ip.tot_len) - ihl;
		src->in.sin_family = dst->in.sin_family = AF_INET;
		src->in.sin_addr.s_addr = ip.saddr;
		dst->in.sin_addr.s_addr = ip.daddr;
		off += ihl;
	} else if (proto == ETH_P_IPV6) {
		struct ipv6hdr ip6;

		if (len < off + sizeof(ip6))
			return -EINVAL;
		memcpy(&ip6, frame + off, sizeof(ip6));
		if (ip6.version != 6 || ip6.nexthdr != IPPROTO_UDP ||
		    off + sizeof(ip6) + ntohs(ip6.payload_len) > len)
			return -EINVAL;
		l4_len = ntohs(ip6.payload_len);
		src->in6.sin6_family = dst->in6.sin6_family = AF_INET6;
		memcpy(&src->in6.sin6_addr, &ip6.saddr, 16);
		memcpy(&dst->in6.sin6_addr, &ip6.daddr, 16);
		off += sizeof(ip6);
	} else {
		return -EINVAL;
	}
	if (l4_len < sizeof(udp))
		return -EINVAL;
	memcpy(&udp, frame + off, sizeof(udp));
	if (ntohs(udp.len) < sizeof(udp) || ntohs(udp.len) > l4_len)
		return -EINVAL;
	/* sin_port and sin6_port sit at the same offset. */
	src->in.sin_port = udp.source;
	dst->in.sin_port = udp.dest;
	*payload_off = off + sizeof(udp);
	*payload_len = ntohs(udp.len) - sizeof(udp);
	if (vlan)
		*vlan = tags;
	return 0;
}

size_t wg_packet_outer_len(const struct wg_outer *o)
{
	return WG_ETH_HLEN + WG_UDP_HLEN +
	       (o->dst.sa.sa_family == AF_INET6 ? WG_IP6_HLEN : WG_IP4_HLEN);
}

uint8_t *wg_packet_build(uint8_t *payload, size_t payload_len,
			 const struct wg_outer *o)
{
	uint8_t *frame = payload - wg_packet_outer_len(o);
	struct ethhdr *eth = (void *)frame;
	struct udphdr *udp = (void *)(payload - WG_UDP_HLEN);
	uint16_t udp_len = (uint16_t)(payload_len + WG_UDP_HLEN);
	uint32_t sum;

	memcpy(eth->h_dest, o->dst_mac, 6);
	memcpy(eth->h_source, o->src_mac, 6);
	udp->source = o->src.in.sin_port;
	udp->dest = o->dst.in.sin_port;
	udp->len = htons(udp_len);
	udp->check = 0;
	/* Pseudo-header: addresses, protocol and UDP length. */
	sum = htons(IPPROTO_UDP) + htons(udp_len);
	if (o->dst.sa.sa_family == AF_INET6) {
		struct ipv6hdr *ip6 = (void *)(frame + WG_ETH_HLEN);

		eth->h_proto = htons(ETH_P_IPV6);
		memset(ip6, 0, sizeof(*ip6));
		ip6->version = 6;
		ip6->payload_len = htons(udp_len);
		ip6->nexthdr = IPPROTO_UDP;
		ip6->hop_limit = 64;
		memcpy(&ip6->saddr, &o->src.in6.sin6_addr, 16);
		memcpy(&ip6->daddr, &o->dst.in6.sin6_addr, 16);
		sum = wg_csum_add(sum, &ip6->saddr, 32);
	} else {
		struct iphdr *ip = (void *)(frame + WG_ETH_HLEN);

		eth->h_proto = htons(ETH_P_IP);
		memset(ip, 0, sizeof(*ip));
		ip->version = 4;
		ip->ihl = 5;
		ip->tot_len = htons(udp_len + WG_IP4_HLEN);
		ip->frag_off = htons(0x4000); /* DF, as the kernel sends UDP */
		ip->ttl = 64;
		ip->protocol = IPPROTO_UDP;
		ip->saddr = o->src.in.sin_addr.s_addr;
		ip->daddr = o->dst.in.sin_addr.s_addr;
		ip->check = (uint16_t)~wg_csum_fold(wg_csum_add(0, ip, WG_IP4_HLEN));
		sum = wg_csum_add(sum, &ip->saddr, 8);
	}
	sum = wg_csum_add(sum, udp, udp_len);
	udp->check = (uint16_t)~wg_csum_fold(sum);
	if (!udp->check)
		udp->check = 0xffff; /* zero means "no checksum" */
	return frame;
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Software TSO/USO splitting and TCP coalescing for the TUN device. See
 * offload.h. Checksums use packet.h's native-order Internet checksum: the
 * folded sum, stored as is, is the field in network order.
 */
#include "offload.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "packet.h"

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_CWR 0x80
#define TCP_CSUM_OFF 16
#define UDP_CSUM_OFF 6

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

/* The pseudo-header sum (not folded) of an L4 segment of l4len bytes. */
static uint32_t pseudo(const uint8_t *ip, bool v6, uint8_t proto,
		       size_t l4len)
{
	uint8_t tail[4] = { (uint8_t)(l4len >> 8), (uint8_t)l4len, 0, proto };
	uint32_t sum;

	sum = v6 ? wg_csum_add(0, ip + 8, 32) : wg_csum_add(0, ip + 12, 8);
	return wg_csum_add(sum, tail, sizeof(tail));
}

static void store_csum(uint8_t *p, uint16_t c)
{
	memcpy(p, &c, sizeof(c));
}

static void ip4_csum(uint8_t *ip)
{
	size_t ihl = (size_t)(ip[0] & 15) * 4;

	ip[10] = ip[11] = 0;
	store_csum(ip + 10, (uint16_t)~wg_csum_fold(wg_csum_add(0, ip, ihl)));
}

int wg_offload_csum(uint8_t *pkt, size_t len, const struct virtio_net_hdr *vh)
{
	size_t start = vh->csum_start, off = vh->csum_offset;
	uint16_t c;

	if (start > len || off + 2 > len - start)
		return -EINVAL;
	/* The field holds the pseudo-header sum already. */
	c = (uint16_t)~wg_csum_fold(wg_csum_add(0, pkt + start, len - start));
	store_csum(pkt + start + off, c ? c : 0xffff);
	return 0;
}

int wg_offload_split_init(struct wg_split *s, const struct virtio_net_hdr *vh,
			  const uint8_t *pkt, size_t len, size_t cap)
{
	uint8_t type = vh->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	size_t iphlen, l4, first;

	memset(s, 0, sizeof(*s));
	s->pkt = pkt;
	s->len = len;
	if (len < 20)
		return -EINVAL;
	switch (pkt[0] >> 4) {
	case 4:
		iphlen = (size_t)(pkt[0] & 15) * 4;
		if (iphlen < 20 || iphlen > len)
			return -EINVAL;
		s->proto = pkt[9];
		break;
	case 6:
		if (len < 40)
			return -EINVAL;
		iphlen = 40;
		s->v6 = true;
		s->proto = pkt[6];
		break;
	default:
		return -EINVAL;
	}
	if (type == VIRTIO_NET_HDR_GSO_NONE) {
		/* One packet; only its checksum may be left to do. */
		if ((vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
		    (vh->csum_start > len ||
		     vh->csum_offset + 2u > len - vh->csum_start))
			return -EINVAL;
		if (len > cap)
			return -EMSGSIZE;
		s->hlen = len;
		return 0;
	}
	/* Where the L4 header is: csum_start when given (IPv6 extensions). */
	l4 = (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) ? vh->csum_start : iphlen;
	if (l4 < iphlen || (!s->v6 && l4 != iphlen))
		return -EINVAL;
	switch (type) {
	case VIRTIO_NET_HDR_GSO_TCPV4:
	case VIRTIO_NET_HDR_GSO_TCPV6:
		if (s->v6 != (type == VIRTIO_NET_HDR_GSO_TCPV6) ||
		    (l4 == iphlen && s->proto != IPPROTO_TCP) || l4 + 20 > len)
			return -EINVAL;
		s->proto = IPPROTO_TCP;
		s->hlen = l4 + (size_t)(pkt[l4 + 12] >> 4) * 4;
		if (s->hlen < l4 + 20)
			return -EINVAL;
		break;
	case VIRTIO_NET_HDR_GSO_UDP_L4:
		if (l4 == iphlen && s->proto != IPPROTO_UDP)
			return -EINVAL;
		s->proto = IPPROTO_UDP;
		s->hlen = l4 + 8;
		break;
	default:
		return -EINVAL;
	}
	if (s->hlen > len || !vh->gso_size)
		return -EINVAL;
	s->l4 = l4;
	s->mss = vh->gso_size;
	first = len - s->hlen < s->mss ? len - s->hlen : s->mss;
	if (s->hlen + first > cap)
		return -EMSGSIZE;
	return 0;
}

size_t wg_offload_split_next(struct wg_split *s, uint8_t *out)
{
	size_t plen = s->len - s->hlen, n, seglen, l4len, csum_off;
	uint8_t *l4 = out + s->l4;
	uint32_t sum;
	uint16_t c;
	bool last;

	if (s->done)
		return 0;
	if (!s->mss) {
		/* Not GSO: the packet itself (its checksum done in place). */
		memcpy(out, s->pkt, s->len);
		s->done = true;
		return s->len;
	}
	n = plen - s->off < s->mss ? plen - s->off : s->mss;
	last = s->off + n >= plen;
	seglen = s->hlen + n;
	memcpy(out, s->pkt, s->hlen);
	memcpy(out + s->hlen, s->pkt + s->hlen + s->off, n);
	if (s->v6) {
		put16(out + 4, (uint32_t)(seglen - 40));
	} else {
		put16(out + 2, (uint32_t)seglen);
		put16(out + 4, get16(s->pkt + 4) + s->seg);
		ip4_csum(out);
	}
	l4len = seglen - s->l4;
	if (s->proto == IPPROTO_TCP) {
		put32(l4 + 4, get32(s->pkt + s->l4 + 4) + (uint32_t)s->off);
		if (!last)
			l4[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
		if (s->seg)
			l4[13] &= (uint8_t)~TCP_CWR;
		csum_off = TCP_CSUM_OFF;
	} else {
		put16(l4 + 4, (uint32_t)l4len);
		csum_off = UDP_CSUM_OFF;
	}
	l4[csum_off] = l4[csum_off + 1] = 0;
	sum = pseudo(out, s->v6, s->proto, l4len);
	c = (uint16_t)~wg_csum_fold(wg_csum_add(sum, l4, l4len));
	if (!c && s->proto == IPPROTO_UDP)
		c = 0xffff;
	store_csum(l4 + csum_off, c);
	s->off += n;
	s->seg++;
	s->done = last;
	return seglen;
}

ssize_t wg_offload_write(int fd, bool vnet, const void *pkt, size_t len)
{
	struct virtio_net_hdr vh;
	struct iovec iov[2] = {
		{ &vh, sizeof(vh) },
		{ (void *)pkt, len },
	};

	if (!vnet)
		return write(fd, pkt, len);
	memset(&vh, 0, sizeof(vh));
	return writev(fd, iov, 2);
}

/* ------------------------------------------------------------ coalesce */

/*
 * Header lengths of a TCP segment that may join a super-packet: IPv4
 * without fragmentation or IPv6 without extension headers, the IP length
 * matching len, only ACK (and PSH) set, and a payload. False otherwise.
 */
static bool coalescable(const uint8_t *pkt, size_t len, uint16_t *iphlen,
			uint16_t *hlen)
{
	size_t ih, th;

	if (len < 40)
		return false;
	if ((pkt[0] >> 4) == 4) {
		ih = (size_t)(pkt[0] & 15) * 4;
		if (ih < 20 || pkt[9] != IPPROTO_TCP || get16(pkt + 2) != len ||
		    (get16(pkt + 6) & 0x3fff))
			return false;
	} else if ((pkt[0] >> 4) == 6) {
		ih = 40;
		if (len < 60 || pkt[6] != IPPROTO_TCP ||
		    get16(pkt + 4) + 40u != len)
			return false;
	} else {
		return false;
	}
	if (ih + 20 > len)
		return false;
	th = (size_t)(pkt[ih + 12] >> 4) * 4;
	if (th < 20 || ih + th >= len)
		return false;
	if ((pkt[ih + 13] & (uint8_t)~TCP_PSH) != TCP_ACK)
		return false;
	*iphlen = (uint16_t)ih;
	*hlen = (uint16_t)(ih + th);
	return true;
}

/* Same addresses and ports (both coalescable, same IP version). */
static bool same_flow(const struct wg_gro_pkt *a, const struct wg_gro_pkt *b)
{
	const uint8_t *x = a->data, *y = b->data;

	if (a->iphlen != b->iphlen || (x[0] >> 4) != (y[0] >> 4))
		return false;
	if ((x[0] >> 4) == 6 ? memcmp(x + 8, y + 8, 32) :
			       memcmp(x + 12, y + 12, 8))
		return false;
	return !memcmp(x + a->iphlen, y + b->iphlen, 4);
}

/* Whether p may follow group grp's last packet in one super-packet. */
static bool joins(const struct wg_gro *g, const struct wg_gro_group *grp,
		  const struct wg_gro_pkt *p)
{
	const struct wg_gro_pkt *l = &g->pkts[grp->last];
	const uint8_t *x = l->data, *y = p->data;
	size_t t = l->iphlen, pay = p->len - p->hlen;

	if (grp->closed || p->hlen != l->hlen || pay > grp->mss ||
	    grp->total + pay > WG_OFFLOAD_MAX)
		return false;
	/* IP: all but the lengths, the ID and the checksum. */
	if ((x[0] >> 4) == 4) {
		if (memcmp(x, y, 2) || memcmp(x + 6, y + 6, 4) ||
		    memcmp(x + 12, y + 12, t - 12))
			return false;
	} else if (memcmp(x, y, 4) || memcmp(x + 6, y + 6, 34)) {
		return false;
	}
	/* TCP: ports, ack, offset, window, urgent pointer, options. */
	if (memcmp(x + t, y + t, 4) || memcmp(x + t + 8, y + t + 8, 5) ||
	    memcmp(x + t + 14, y + t + 14, 2) ||
	    memcmp(x + t + 18, y + t + 18, l->hlen - t - 18))
		return false;
	return get32(y + t + 4) == get32(x + t + 4) + (l->len - l->hlen);
}

void wg_offload_gro_init(struct wg_gro *g)
{
	g->npkts = 0;
	g->ngroups = 0;
}

unsigned int wg_offload_gro_count(const struct wg_gro *g)
{
	return g->npkts;
}

int wg_offload_gro_add(struct wg_gro *g, uint8_t *pkt, size_t len)
{
	struct wg_gro_group *grp;
	struct wg_gro_pkt *p;
	uint32_t pay;
	int i;

	if (g->npkts >= WG_GRO_MAX)
		return -ENOSPC;
	i = (int)g->npkts++;
	p = &g->pkts[i];
	p->data = pkt;
	p->len = (uint32_t)len;
	p->next = -1;
	p->iphlen = p->hlen = 0;
	if (len <= WG_OFFLOAD_MAX && coalescable(pkt, len, &p->iphlen, &p->hlen)) {
		pay = p->len - p->hlen;
		/* Only the newest group of the flow: order within it holds. */
		for (int j = (int)g->ngroups - 1; j >= 0; j--) {
			grp = &g->groups[j];
			if (!g->pkts[grp->first].hlen ||
			    !same_flow(&g->pkts[grp->first], p))
				continue;
			if (!joins(g, grp, p))
				break;
			g->pkts[grp->last].next = i;
			grp->last = i;
			grp->count++;
			grp->total += pay;
			if (pay < grp->mss || (pkt[p->iphlen + 13] & TCP_PSH))
				grp->closed = true;
			return 0;
		}
	}
	grp = &g->groups[g->ngroups++];
	grp->first = grp->last = i;
	grp->count = 1;
	grp->total = p->len;
	grp->mss = p->len - p->hlen;
	grp->closed = !p->hlen || (pkt[p->iphlen + 13] & TCP_PSH);
	return 0;
}

/* Turns the group's first packet into the super-packet's header. */
static void make_head(struct wg_gro *g, const struct wg_gro_group *grp,
		      struct virtio_net_hdr *vh)
{
	struct wg_gro_pkt *h = &g->pkts[grp->first];
	uint8_t *ip = h->data, *th = ip + h->iphlen;
	bool v6 = (ip[0] >> 4) == 6;

	if (v6) {
		put16(ip + 4, grp->total - 40);
	} else {
		put16(ip + 2, grp->total);
		ip4_csum(ip);
	}
	th[13] |= g->pkts[grp->last].data[h->iphlen + 13] & TCP_PSH;
	/* Partial: the pseudo-header sum, not inverted; the kernel ends it. */
	store_csum(th + TCP_CSUM_OFF,
		   wg_csum_fold(pseudo(ip, v6, IPPROTO_TCP,
				       grp->total - h->iphlen)));
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->gso_type = v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
	vh->hdr_len = h->hlen;
	vh->gso_size = (uint16_t)grp->mss;
	vh->csum_start = h->iphlen;
	vh->csum_offset = TCP_CSUM_OFF;
}

unsigned int wg_offload_gro_flush(struct wg_gro *g, wg_gro_write_fn out,
				  void *ctx)
{
	struct iovec iov[WG_GRO_MAX + 1];
	unsigned int failed = 0;

	for (unsigned int k = 0; k < g->ngroups; k++) {
		const struct wg_gro_group *grp = &g->groups[k];
		struct virtio_net_hdr vh;
		struct wg_gro_pkt *p = &g->pkts[grp->first];
		int n = 0;

		memset(&vh, 0, sizeof(vh));
		if (grp->count > 1)
			make_head(g, grp, &vh);
		iov[n].iov_base = &vh;
		iov[n++].iov_len = sizeof(vh);
		iov[n].iov_base = p->data;
		iov[n++].iov_len = p->len;
		for (int i = p->next; i >= 0; i = g->pkts[i].next) {
			iov[n].iov_base = g->pkts[i].data + g->pkts[i].hlen;
			iov[n++].iov_len = g->pkts[i].len - g->pkts[i].hlen;
		}
		if (out(ctx, iov, n) < 0)
			failed += grp->count;
	}
	wg_offload_gro_init(g);
	return failed;
}

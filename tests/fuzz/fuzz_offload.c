// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The TUN offloads (offload.c) on what any local process may write to the
 * TUN device, and on what a peer may send to be written to it. The first
 * input byte picks the mode:
 *
 *   0  split: a struct virtio_net_hdr (10 bytes, host order, as TUN hands
 *      it over), the segment capacity (2 bytes, big-endian), the packet.
 *      An accepted packet comes out as segments that each fit the
 *      capacity and are well-formed IPv4/IPv6: lengths, the IPv4 header
 *      checksum, the TCP/UDP checksum over the pseudo-header, TCP
 *      sequence numbers that follow the stream; their payloads, in order,
 *      are the packet's. Without GSO the packet comes out as it went in.
 *      With NEEDS_CSUM, wg_offload_csum() on the packet accepts exactly
 *      the offsets inside it and leaves a field that makes the covered
 *      bytes sum to zero.
 *   1  coalesce: a byte whose bit (i % 8) makes the i-th write fail, then
 *      packets as [2-byte big-endian length][bytes]. All are added (past
 *      WG_GRO_MAX: -ENOSPC) and flushed. Each write is either one packet
 *      exactly as added, or a GSO super-packet whose virtio_net_hdr and
 *      headers are well-formed (lengths, IPv4 header checksum, the partial
 *      TCP checksum, hdr_len, gso_size) and which wg_offload_split cuts
 *      back into packets that were added (addresses, ports, sequence,
 *      flags, payload). Every packet is written exactly once, each write
 *      starting with the earliest packet not yet written; flush reports
 *      the packets of the failed writes.
 *
 * Checksums are verified with a byte-wise sum of this file's own.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "../unit/ippkt.h"
#include "fuzz.h"
#include "offload.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A malloc'd copy of exactly len bytes (so ASan sees any overrun). */
static uint8_t *dup_exact(const uint8_t *p, size_t len)
{
	uint8_t *c = malloc(len ? len : 1);

	FZ_CHECK(c != NULL);
	if (len)
		memcpy(c, p, len);
	return c;
}

/* ------------------------------------------------------------ split */

/* What every segment of a GSO split must be; off: its payload offset. */
static void check_segment(const struct wg_split *s, const uint8_t *pkt,
			  const uint8_t *seg, size_t len, size_t off)
{
	size_t n = len - s->hlen, l4len = len - s->l4;
	const uint8_t *l4 = seg + s->l4;

	FZ_CHECK(len >= s->hlen);
	if (s->v6) {
		FZ_CHECK((seg[0] >> 4) == 6);
		FZ_CHECK(g16(seg + 4) == len - 40);
		FZ_CHECK(!memcmp(seg + 8, pkt + 8, 32));
	} else {
		size_t ihl = (size_t)(seg[0] & 15) * 4;

		FZ_CHECK((seg[0] >> 4) == 4 && ihl == s->l4);
		FZ_CHECK(g16(seg + 2) == len);
		FZ_CHECK(fold(sum_bytes(seg, ihl, 0)) == 0xffff);
		FZ_CHECK(!memcmp(seg + 12, pkt + 12, 8));
	}
	FZ_CHECK(!memcmp(l4, pkt + s->l4, 4)); /* ports */
	if (s->proto == IPPROTO_TCP) {
		FZ_CHECK(g32(l4 + 4) == (uint32_t)(g32(pkt + s->l4 + 4) + off));
	} else {
		FZ_CHECK(s->proto == IPPROTO_UDP);
		FZ_CHECK(g16(l4 + 4) == l4len);
		FZ_CHECK(g16(l4 + 6) != 0);
	}
	FZ_CHECK(fold(sum_bytes(l4, l4len, pseudo_l4(seg, s->proto, l4len))) ==
		 0xffff);
	FZ_CHECK(!memcmp(seg + s->hlen, pkt + s->hlen + off, n));
}

static void split(const uint8_t *data, size_t size)
{
	struct virtio_net_hdr vh;
	size_t cap, len, seg, off = 0, plen, want;
	unsigned int nseg = 0;
	struct wg_split s;
	uint8_t *pkt, *out;
	int ret;

	if (size < sizeof(vh) + 2)
		return;
	memcpy(&vh, data, sizeof(vh));
	cap = g16(data + sizeof(vh));
	data += sizeof(vh) + 2;
	len = size - sizeof(vh) - 2;
	pkt = dup_exact(data, len);

	/* Checksum completion: in bounds exactly, and then right. */
	if (vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		size_t start = vh.csum_start, coff = vh.csum_offset;
		uint8_t *c = dup_exact(pkt, len);
		bool inside = start <= len && coff + 2 <= len - start;
		uint16_t before = inside ? g16(c + start + coff) : 0;

		ret = wg_offload_csum(c, len, &vh);
		FZ_CHECK(ret == (inside ? 0 : -EINVAL));
		if (!inside)
			FZ_CHECK(!memcmp(c, pkt, len));
		/* An odd offset straddles the sum's words: no claim. */
		if (inside && !(coff & 1))
			FZ_CHECK(fold(sum_bytes(c + start, len - start,
						before)) == 0xffff);
		free(c);
	}

	ret = wg_offload_split_init(&s, &vh, pkt, len, cap);
	FZ_TRACE("offload: split %zu bytes, gso %u size %u cap %zu: %d\n", len,
		 vh.gso_type, vh.gso_size, cap, ret);
	if (ret) {
		FZ_CHECK(ret == -EINVAL || ret == -EMSGSIZE);
		goto out;
	}
	out = malloc(cap ? cap : 1);
	FZ_CHECK(out != NULL);
	if (!s.mss) {
		/* No GSO: the packet itself, once. */
		FZ_CHECK(len <= cap);
		FZ_CHECK(wg_offload_split_next(&s, out) == len);
		FZ_CHECK(!memcmp(out, pkt, len));
		FZ_CHECK(wg_offload_split_next(&s, out) == 0);
		free(out);
		goto out;
	}
	FZ_CHECK(s.l4 >= 20 && s.l4 + 8 <= s.hlen && s.hlen <= len);
	plen = len - s.hlen;
	want = plen ? (plen + s.mss - 1) / s.mss : 1;
	while ((seg = wg_offload_split_next(&s, out))) {
		FZ_CHECK(seg <= cap);
		FZ_CHECK(++nseg <= want);
		check_segment(&s, pkt, out, seg, off);
		off += seg - s.hlen;
		FZ_CHECK(seg - s.hlen == (nseg < want ? s.mss : plen - (want - 1) * s.mss));
	}
	FZ_CHECK(nseg == want && off == plen);
	FZ_CHECK(wg_offload_split_next(&s, out) == 0);
	free(out);
out:
	free(pkt);
}

/* ------------------------------------------------------------ coalesce */

struct added {
	uint8_t *data;		/* given to gro_add (its headers may change) */
	uint8_t *orig;		/* as it was added */
	size_t len;
	bool written;
};

struct flush_ctx {
	struct added *pkts;
	unsigned int n;
	uint8_t fail_mask;
	unsigned int writes;
	unsigned int failed;	/* packets in failed writes */
};

/* The earliest packet not written yet. */
static int first_unwritten(const struct flush_ctx *c)
{
	for (unsigned int i = 0; i < c->n; i++)
		if (!c->pkts[i].written)
			return (int)i;
	return -1;
}

/*
 * Does segment seg (len bytes, cut from a super-packet by split) carry what
 * packet a did: same IP header but lengths/ID/checksum, same TCP header
 * but checksum, same payload? Only a packet whose IP length was right
 * could have joined (a copy with a wrong one is another packet).
 */
static bool same_segment(const uint8_t *seg, size_t len,
			 const struct added *a, size_t iphlen)
{
	const uint8_t *x = a->orig;

	if (len != a->len)
		return false;
	if (iphlen == 40) {
		if (g16(x + 4) + 40u != len || memcmp(seg, x, 4) ||
		    memcmp(seg + 6, x + 6, 34))
			return false;
	} else if (g16(x + 2) != len || memcmp(seg, x, 2) ||
		   memcmp(seg + 6, x + 6, 4) ||
		   memcmp(seg + 12, x + 12, iphlen - 12)) {
		return false;
	}
	return !memcmp(seg + iphlen, x + iphlen, 16) &&
	       !memcmp(seg + iphlen + 18, x + iphlen + 18, len - iphlen - 18);
}

/* A GSO super-packet: well-formed, and cut back into added packets. */
static unsigned int check_super(struct flush_ctx *c,
				const struct virtio_net_hdr *vh,
				uint8_t *buf, size_t total, int head)
{
	bool v6 = (buf[0] >> 4) == 6;
	size_t iphlen = v6 ? 40 : (size_t)(buf[0] & 15) * 4, seg;
	unsigned int nseg = 0;
	struct wg_split s;
	uint8_t *out;
	int last = head;

	FZ_CHECK(vh->flags == VIRTIO_NET_HDR_F_NEEDS_CSUM);
	FZ_CHECK(vh->gso_type == (v6 ? VIRTIO_NET_HDR_GSO_TCPV6 :
				       VIRTIO_NET_HDR_GSO_TCPV4));
	FZ_CHECK(total <= WG_OFFLOAD_MAX);
	FZ_CHECK(vh->csum_start == iphlen && vh->csum_offset == 16);
	FZ_CHECK(iphlen + 20 <= total);
	FZ_CHECK(vh->hdr_len == iphlen + (size_t)(buf[iphlen + 12] >> 4) * 4);
	FZ_CHECK(vh->hdr_len < total);
	FZ_CHECK(vh->gso_size == c->pkts[head].len - vh->hdr_len);
	if (v6) {
		FZ_CHECK(g16(buf + 4) == total - 40);
	} else {
		FZ_CHECK(g16(buf + 2) == total);
		FZ_CHECK(fold(sum_bytes(buf, iphlen, 0)) == 0xffff);
	}
	/* Partial: the pseudo-header sum, folded, not inverted. */
	FZ_CHECK(g16(buf + iphlen + 16) ==
		 fold(pseudo_l4(buf, IPPROTO_TCP, total - iphlen)));

	FZ_CHECK(!wg_offload_split_init(&s, vh, buf, total,
					vh->hdr_len + vh->gso_size));
	out = malloc(vh->hdr_len + vh->gso_size);
	FZ_CHECK(out != NULL);
	while ((seg = wg_offload_split_next(&s, out))) {
		int i = last;

		FZ_CHECK(++nseg <= WG_GRO_MAX);
		/* The next packet not written yet that this segment is. */
		if (nseg > 1)
			for (i = last + 1; i < (int)c->n; i++)
				if (!c->pkts[i].written &&
				    same_segment(out, seg, &c->pkts[i], iphlen))
					break;
		FZ_CHECK(i < (int)c->n);
		FZ_CHECK(same_segment(out, seg, &c->pkts[i], iphlen));
		/* PSH only on the last; never other flags but ACK. */
		FZ_CHECK((out[iphlen + 13] & ~F_PSH) == F_ACK);
		c->pkts[i].written = true;
		last = i;
	}
	FZ_CHECK(nseg >= 2);
	free(out);
	return nseg;
}

static ssize_t flush_write(void *ctx, const struct iovec *iov, int iovcnt)
{
	static const struct virtio_net_hdr zero;
	struct flush_ctx *c = ctx;
	struct virtio_net_hdr vh;
	size_t total = 0, at = 0;
	unsigned int count;
	uint8_t *buf;
	int head;

	FZ_CHECK(iovcnt >= 2 && iovcnt <= WG_GRO_MAX + 1);
	FZ_CHECK(iov[0].iov_len == WG_VNET_HDR_LEN);
	memcpy(&vh, iov[0].iov_base, sizeof(vh));
	for (int i = 1; i < iovcnt; i++)
		total += iov[i].iov_len;
	buf = malloc(total ? total : 1);
	FZ_CHECK(buf != NULL);
	for (int i = 1; i < iovcnt; i++) {
		if (iov[i].iov_len)
			memcpy(buf + at, iov[i].iov_base, iov[i].iov_len);
		at += iov[i].iov_len;
	}
	head = first_unwritten(c);
	FZ_CHECK(head >= 0);
	if (vh.gso_type == VIRTIO_NET_HDR_GSO_NONE) {
		/* One packet, as it was added. */
		FZ_CHECK(!memcmp(&vh, &zero, sizeof(vh)));
		FZ_CHECK(iovcnt == 2);
		FZ_CHECK(total == c->pkts[head].len);
		FZ_CHECK(!memcmp(buf, c->pkts[head].orig, total));
		c->pkts[head].written = true;
		count = 1;
	} else {
		FZ_CHECK(iov[1].iov_base == c->pkts[head].data);
		count = check_super(c, &vh, buf, total, head);
		FZ_CHECK(count == (unsigned int)iovcnt - 1);
	}
	free(buf);
	if (c->fail_mask & (1u << (c->writes++ % 8))) {
		c->failed += count;
		errno = EIO;
		return -1;
	}
	return (ssize_t)total;
}

static void coalesce(const uint8_t *data, size_t size)
{
	static struct wg_gro g;
	struct added pkts[WG_GRO_MAX];
	struct flush_ctx c = { .pkts = pkts };
	unsigned int failed;

	if (!size)
		return;
	c.fail_mask = data[0];
	data++;
	size--;
	wg_offload_gro_init(&g);
	while (size >= 2) {
		size_t len = g16(data);
		uint8_t *p;
		int ret;

		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		p = dup_exact(data, len);
		ret = wg_offload_gro_add(&g, p, len);
		if (c.n == WG_GRO_MAX) {
			FZ_CHECK(ret == -ENOSPC);
			free(p);
		} else {
			FZ_CHECK(ret == 0);
			pkts[c.n].data = p;
			pkts[c.n].orig = dup_exact(data, len);
			pkts[c.n].len = len;
			pkts[c.n++].written = false;
		}
		data += len;
		size -= len;
	}
	FZ_CHECK(wg_offload_gro_count(&g) == c.n);
	FZ_TRACE("offload: coalesce %u packets\n", c.n);
	failed = wg_offload_gro_flush(&g, flush_write, &c);
	FZ_TRACE("offload: %u writes, %u packets failed\n", c.writes, failed);
	FZ_CHECK(failed == c.failed);
	FZ_CHECK(first_unwritten(&c) < 0);
	FZ_CHECK(wg_offload_gro_count(&g) == 0);
	for (unsigned int i = 0; i < c.n; i++) {
		free(pkts[i].data);
		free(pkts[i].orig);
	}
}

/* ------------------------------------------------------------ seeds */

static void write_split_seed(const char *dir, const char *name, bool v6,
			     uint8_t proto, uint8_t gso, size_t pay,
			     uint16_t mss, uint16_t cap, bool partial)
{
	static uint8_t buf[1 + 12 + 4000];
	struct virtio_net_hdr vh = { 0 };
	uint8_t *pkt = buf + 1 + 12;
	size_t len = mk(pkt, v6, proto, 12, pay, 1000, F_ACK | F_PSH, 1);
	size_t h = v6 ? 40 : 20;

	vh.gso_type = gso;
	vh.gso_size = mss;
	vh.hdr_len = (uint16_t)(h + (proto == IPPROTO_TCP ? 32 : 8));
	if (partial) {
		size_t off = proto == IPPROTO_TCP ? 16 : 6;

		vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		vh.csum_start = (uint16_t)h;
		vh.csum_offset = (uint16_t)off;
		p16(pkt + h + off,
		    fold(pseudo_sum(pkt, len, proto)));
	}
	buf[0] = 0;
	memcpy(buf + 1, &vh, sizeof(vh));
	p16(buf + 1 + sizeof(vh), cap);
	wg_fuzz_write_seed(dir, name, buf, 1 + 12 + len);
}

/* Coalescing seed: n segments of one flow (and a second flow if two). */
static void write_gro_seed(const char *dir, const char *name, bool v6,
			   unsigned int n, bool two, uint8_t fail)
{
	static uint8_t buf[65536];
	size_t at = 2, mss = 200;

	buf[0] = 1;
	buf[1] = fail;
	for (unsigned int i = 0; i < n && at + 600 < sizeof(buf); i++) {
		bool last = i == n - 1;
		uint32_t seq = 5000 + (uint32_t)(two ? i / 2 : i) * (uint32_t)mss;
		size_t len = mk(buf + at + 2, v6, IPPROTO_TCP, 12,
				last ? mss / 2 : mss, seq,
				last ? F_ACK | F_PSH : F_ACK, (uint16_t)i);

		/* The second flow: another source port (checksums aside). */
		if (two && (i & 1))
			p16(buf + at + 2 + (v6 ? 40 : 20), 40001);
		p16(buf + at, (uint32_t)len);
		at += 2 + len;
	}
	/* And one UDP packet that joins nothing. */
	{
		size_t len = mk(buf + at + 2, v6, IPPROTO_UDP, 0, 30, 1, 0, 1);

		p16(buf + at, (uint32_t)len);
		at += 2 + len;
	}
	wg_fuzz_write_seed(dir, name, buf, at);
}

static void write_seeds(const char *dir)
{
	write_split_seed(dir, "tso4", false, IPPROTO_TCP,
			 VIRTIO_NET_HDR_GSO_TCPV4, 3000, 1000, 1100, true);
	write_split_seed(dir, "tso6", true, IPPROTO_TCP,
			 VIRTIO_NET_HDR_GSO_TCPV6, 2500, 1200, 1400, true);
	write_split_seed(dir, "uso4", false, IPPROTO_UDP,
			 VIRTIO_NET_HDR_GSO_UDP_L4, 3000, 1400, 1500, true);
	write_split_seed(dir, "uso6", true, IPPROTO_UDP,
			 VIRTIO_NET_HDR_GSO_UDP_L4, 1000, 300, 400, false);
	write_split_seed(dir, "plain_partial", false, IPPROTO_TCP,
			 VIRTIO_NET_HDR_GSO_NONE, 100, 0, 1500, true);
	write_split_seed(dir, "plain", true, IPPROTO_UDP,
			 VIRTIO_NET_HDR_GSO_NONE, 100, 0, 1500, false);
	write_gro_seed(dir, "gro4", false, 6, false, 0);
	write_gro_seed(dir, "gro6_two_flows", true, 10, true, 0x02);
	write_gro_seed(dir, "gro4_full", false, 70, false, 0x81);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	wg_fuzz_init();
	wg_fuzz_seeds(write_seeds);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (data[0] & 1)
		coalesce(data + 1, size - 1);
	else
		split(data + 1, size - 1);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Crafted IPv4/IPv6 TCP and UDP packets and a byte-wise Internet checksum
 * of their own (not packet.c's), for the offload unit tests and the
 * offload fuzz harness (tests/fuzz/fuzz_offload.c).
 */
#ifndef WG_TEST_IPPKT_H
#define WG_TEST_IPPKT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "offload.h"

#define F_FIN 0x01
#define F_SYN 0x02
#define F_PSH 0x08
#define F_ACK 0x10
#define F_CWR 0x80

/* One's complement sum, byte by byte, big-endian words from p. */
static inline uint64_t sum_bytes(const uint8_t *p, size_t len, uint64_t sum)
{
	for (size_t i = 0; i < len; i++)
		sum += (i & 1) ? p[i] : (uint64_t)p[i] << 8;
	return sum;
}

static inline uint16_t fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static inline uint16_t g16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t g32(const uint8_t *p)
{
	return (uint32_t)g16(p) << 16 | g16(p + 2);
}

static inline void p16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline bool is_v6(const uint8_t *ip)
{
	return (ip[0] >> 4) == 6;
}

static inline size_t iphlen(const uint8_t *ip)
{
	return is_v6(ip) ? 40 : (size_t)(ip[0] & 15) * 4;
}

/*
 * Pseudo-header sum of an L4 part of l4len bytes (after any IPv6
 * extension headers).
 */
static inline uint64_t pseudo_l4(const uint8_t *ip, uint8_t proto,
				 size_t l4len)
{
	uint64_t sum = is_v6(ip) ? sum_bytes(ip + 8, 32, 0) :
				   sum_bytes(ip + 12, 8, 0);

	return sum + l4len + proto;
}

/* Pseudo-header sum of the L4 part of ip (len bytes in all). */
static inline uint64_t pseudo_sum(const uint8_t *ip, size_t len,
				  uint8_t proto)
{
	return pseudo_l4(ip, proto, len - iphlen(ip));
}

/* True when the IPv4 header checksum (if any) and the L4 checksum hold. */
static inline bool csums_ok(const uint8_t *ip, size_t len, uint8_t proto)
{
	size_t h = iphlen(ip);

	if (!is_v6(ip) && fold(sum_bytes(ip, h, 0)) != 0xffff)
		return false;
	return fold(sum_bytes(ip + h, len - h, pseudo_sum(ip, len, proto))) ==
	       0xffff;
}

/*
 * An IPv4 or IPv6 packet to 10.0.0.2 / fd00::2 with a TCP header carrying
 * optlen bytes of options (or a UDP header) and pay payload bytes whose
 * values follow from their position in the stream (seq). Checksums right.
 */
static inline size_t mk(uint8_t *b, bool v6, uint8_t proto, size_t optlen,
			size_t pay, uint32_t seq, uint8_t flags, uint16_t id)
{
	size_t h = v6 ? 40 : 20, l4h = proto == IPPROTO_TCP ? 20 + optlen : 8;
	size_t len = h + l4h + pay;
	uint8_t *l4 = b + h;
	uint16_t c;

	memset(b, 0, h + l4h);
	if (v6) {
		b[0] = 0x60;
		p16(b + 4, (uint32_t)(len - 40));
		b[6] = proto;
		b[7] = 64;
		b[8] = 0xfd;
		b[23] = 1;
		b[24] = 0xfd;
		b[39] = 2;
	} else {
		b[0] = 0x45;
		p16(b + 2, (uint32_t)len);
		p16(b + 4, id);
		b[6] = 0x40; /* DF */
		b[8] = 64;
		b[9] = proto;
		b[12] = 10, b[15] = 1;
		b[16] = 10, b[19] = 2;
		c = (uint16_t)~fold(sum_bytes(b, 20, 0));
		p16(b + 10, c);
	}
	p16(l4, 40000);
	p16(l4 + 2, 5201);
	if (proto == IPPROTO_TCP) {
		p16(l4 + 4, seq >> 16);
		p16(l4 + 6, seq);
		p16(l4 + 8, 0x1234);
		p16(l4 + 10, 0x5678);
		l4[12] = (uint8_t)(((20 + optlen) / 4) << 4);
		l4[13] = flags;
		p16(l4 + 14, 512);
		for (size_t i = 0; i < optlen; i++)
			l4[20 + i] = i < optlen - 10 ? 1 : (uint8_t)(0x40 + i);
	} else {
		p16(l4 + 4, (uint32_t)(8 + pay));
	}
	for (size_t i = 0; i < pay; i++)
		l4[l4h + i] = (uint8_t)((seq + i) * 7 + 3);
	c = (uint16_t)~fold(sum_bytes(l4, len - h,
				      pseudo_sum(b, len, proto)));
	if (!c && proto == IPPROTO_UDP)
		c = 0xffff;
	p16(l4 + (proto == IPPROTO_TCP ? 16 : 6), c);
	return len;
}

/* What TSO hands over: the TCP checksum partial (pseudo-header only). */
static inline void make_partial(uint8_t *ip, size_t len, uint8_t proto,
				struct virtio_net_hdr *vh)
{
	size_t h = iphlen(ip), off = proto == IPPROTO_TCP ? 16 : 6;
	uint16_t c = fold(pseudo_sum(ip, len, proto));

	p16(ip + h + off, c);
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->csum_start = (uint16_t)h;
	vh->csum_offset = (uint16_t)off;
}

#endif /* WG_TEST_IPPKT_H */

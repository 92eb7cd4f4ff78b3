// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "icmp.h"

#include <arpa/inet.h>
#include <string.h>

#include "packet.h"

#define IP4_HLEN 20
#define IP6_HLEN 40
#define ICMP_HLEN 8
/* An ICMPv4 error quotes at most this much: 576-byte datagrams (RFC 1812). */
#define ICMP4_MAX 576

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A checksum as packet.h computes it: native order is network order. */
static void put_csum(uint8_t *p, uint32_t sum)
{
	uint16_t c = (uint16_t)~wg_csum_fold(sum);

	memcpy(p, &c, 2);
}

bool wg_icmp_dont_fragment(const uint8_t *pkt, size_t len)
{
	if (len >= IP4_HLEN && pkt[0] >> 4 == 4)
		return pkt[6] & 0x40;
	return len >= IP6_HLEN && pkt[0] >> 4 == 6;
}

/* May an error be sent about this IPv4 packet? */
static bool may4(const uint8_t *pkt, size_t len)
{
	size_t ihl = (size_t)(pkt[0] & 15) * 4;

	if (ihl < IP4_HLEN || len < ihl)
		return false;
	/* Not about a later fragment. */
	if (get16(pkt + 6) & 0x1fff)
		return false;
	/* Not to multicast, broadcast or nowhere. */
	if (pkt[16] >= 224 || !memcmp(pkt + 12, "\0\0\0\0", 4))
		return false;
	/* Not about an ICMP error (only echo, timestamp, ... are queries). */
	if (pkt[9] == 1 && len >= ihl + 1) {
		uint8_t type = pkt[ihl];

		if (type == 3 || type == 4 || type == 5 || type == 11 ||
		    type == 12)
			return false;
	}
	return true;
}

static size_t build4(uint8_t *out, const uint8_t *pkt, size_t len,
		     enum wg_icmp_kind kind, uint32_t mtu)
{
	size_t quote = len, total;
	uint8_t *icmp = out + IP4_HLEN;

	if (!may4(pkt, len))
		return 0;
	if (quote > ICMP4_MAX - IP4_HLEN - ICMP_HLEN)
		quote = ICMP4_MAX - IP4_HLEN - ICMP_HLEN;
	total = IP4_HLEN + ICMP_HLEN + quote;
	memset(out, 0, IP4_HLEN + ICMP_HLEN);
	out[0] = 0x45;
	out[1] = 0xc0; /* internetwork control, as the kernel sends errors */
	put16(out + 2, (uint16_t)total);
	out[8] = 64;
	out[9] = 1;
	memcpy(out + 12, pkt + 16, 4);
	memcpy(out + 16, pkt + 12, 4);
	put_csum(out + 10, wg_csum_add(0, out, IP4_HLEN));
	icmp[0] = 3; /* destination unreachable */
	if (kind == WG_ICMP_TOO_BIG) {
		icmp[1] = 4; /* fragmentation needed and DF set */
		put16(icmp + 6, (uint16_t)(mtu > 0xffff ? 0xffff : mtu));
	} else {
		icmp[1] = 1; /* host unreachable */
	}
	memcpy(icmp + ICMP_HLEN, pkt, quote);
	put_csum(icmp + 2, wg_csum_add(0, icmp, ICMP_HLEN + quote));
	return total;
}

/* May an error be sent about this IPv6 packet? */
static bool may6(const uint8_t *pkt, size_t len)
{
	static const uint8_t zero[16];

	if (len < IP6_HLEN)
		return false;
	/* Not to multicast; not from the unspecified address. */
	if (pkt[24] == 0xff || !memcmp(pkt + 8, zero, 16))
		return false;
	/* Not about an ICMPv6 error (types below 128). */
	if (pkt[6] == 58 && len > IP6_HLEN && pkt[IP6_HLEN] < 128)
		return false;
	return true;
}

static size_t build6(uint8_t *out, const uint8_t *pkt, size_t len,
		     enum wg_icmp_kind kind, uint32_t mtu)
{
	size_t quote = len, plen;
	uint8_t *icmp = out + IP6_HLEN;
	uint32_t sum;

	if (!may6(pkt, len))
		return 0;
	if (quote > WG_ICMP_MAX - IP6_HLEN - ICMP_HLEN)
		quote = WG_ICMP_MAX - IP6_HLEN - ICMP_HLEN;
	plen = ICMP_HLEN + quote;
	memset(out, 0, IP6_HLEN + ICMP_HLEN);
	out[0] = 0x60;
	put16(out + 4, (uint16_t)plen);
	out[6] = 58;
	out[7] = 64;
	memcpy(out + 8, pkt + 24, 16);
	memcpy(out + 24, pkt + 8, 16);
	if (kind == WG_ICMP_TOO_BIG) {
		icmp[0] = 2; /* packet too big */
		icmp[4] = (uint8_t)(mtu >> 24);
		icmp[5] = (uint8_t)(mtu >> 16);
		icmp[6] = (uint8_t)(mtu >> 8);
		icmp[7] = (uint8_t)mtu;
	} else {
		icmp[0] = 1; /* destination unreachable */
		icmp[1] = 3; /* address unreachable */
	}
	memcpy(icmp + ICMP_HLEN, pkt, quote);
	/* Pseudo-header: addresses, length, next header. */
	sum = wg_csum_add(0, out + 8, 32);
	sum += htons((uint16_t)plen) + htons(58);
	sum = wg_csum_add(sum, icmp, plen);
	put_csum(icmp + 2, sum);
	return IP6_HLEN + plen;
}

size_t wg_icmp_build(uint8_t *out, const uint8_t *pkt, size_t len,
		     enum wg_icmp_kind kind, uint32_t mtu)
{
	if (len >= IP4_HLEN && pkt[0] >> 4 == 4)
		return build4(out, pkt, len, kind, mtu);
	if (len >= IP6_HLEN && pkt[0] >> 4 == 6)
		return build6(out, pkt, len, kind, mtu);
	return 0;
}

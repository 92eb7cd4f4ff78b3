// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Outer headers: build then parse, checksums verified independently; VLAN
 * tags (802.1Q, 802.1ad, one or two) parsed around the same payload.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "packet.h"

/* Independent one's-complement sum, byte by byte (big-endian words). */
static uint16_t naive_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i < len; i++)
		sum += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void fill_outer(struct wg_outer *o, int family)
{
	memset(o, 0, sizeof(*o));
	memcpy(o->src_mac, "\x02\x00\x00\x00\x00\x01", 6);
	memcpy(o->dst_mac, "\x02\x00\x00\x00\x00\x02", 6);
	o->src.sa.sa_family = o->dst.sa.sa_family = family;
	if (family == AF_INET) {
		inet_pton(AF_INET, "10.0.0.1", &o->src.in.sin_addr);
		inet_pton(AF_INET, "10.0.0.2", &o->dst.in.sin_addr);
	} else {
		inet_pton(AF_INET6, "fd00::1", &o->src.in6.sin6_addr);
		inet_pton(AF_INET6, "fd00::2", &o->dst.in6.sin6_addr);
	}
	o->src.in.sin_port = htons(51820);
	o->dst.in.sin_port = htons(7222);
}

static void roundtrip(int family, size_t plen)
{
	uint8_t buf[2048], *payload = buf + 128, *frame;
	union wg_sockaddr src, dst;
	size_t off, len, flen, iph;
	struct wg_outer o;

	fill_outer(&o, family);
	for (size_t i = 0; i < plen; i++)
		payload[i] = (uint8_t)(i * 7 + 3);
	frame = wg_packet_build(payload, plen, &o);
	flen = (size_t)(payload - frame) + plen;
	assert_int_equal(flen, wg_packet_outer_len(&o) + plen);
	assert_memory_equal(frame, o.dst_mac, 6);
	assert_int_equal(wg_packet_parse(frame, flen, &src, &dst, &off, &len), 0);
	assert_true(wg_sockaddr_eq(&src, &o.src));
	assert_true(wg_sockaddr_eq(&dst, &o.dst));
	assert_ptr_equal(frame + off, payload);
	assert_int_equal(len, plen);

	iph = family == AF_INET ? WG_IP4_HLEN : WG_IP6_HLEN;
	if (family == AF_INET)
		assert_int_equal(naive_sum(frame + WG_ETH_HLEN, iph, 0), 0xffff);
	/* UDP checksum over pseudo-header + UDP header + payload. */
	{
		uint32_t ps = IPPROTO_UDP + (uint32_t)(plen + WG_UDP_HLEN);
		const uint8_t *ip = frame + WG_ETH_HLEN;

		if (family == AF_INET)
			ps += naive_sum(ip + 12, 8, 0);
		else
			ps += naive_sum(ip + 8, 32, 0);
		assert_int_equal(naive_sum(ip + iph, plen + WG_UDP_HLEN, ps),
				 0xffff);
	}
	/* Every truncation is refused. */
	for (size_t cut = 0; cut < off; cut++)
		assert_int_equal(wg_packet_parse(frame, cut, &src, &dst, &off,
						 &len),
				 -EINVAL);
}

static void v4_roundtrip(void **state)
{
	(void)state;
	for (size_t n = 0; n < 200; n += 13)
		roundtrip(AF_INET, n);
	roundtrip(AF_INET, 1452);
}

static void v6_roundtrip(void **state)
{
	(void)state;
	for (size_t n = 0; n < 200; n += 13)
		roundtrip(AF_INET6, n);
	roundtrip(AF_INET6, 1432);
}

static void rejects_fragments_and_other_protocols(void **state)
{
	uint8_t buf[512], *frame;
	union wg_sockaddr s, d;
	struct wg_outer o;
	size_t off, len, flen = WG_ETH_HLEN + WG_IP4_HLEN + WG_UDP_HLEN + 32;

	(void)state;
	fill_outer(&o, AF_INET);
	frame = wg_packet_build(buf + 128, 32, &o);
	frame[WG_ETH_HLEN + 6] |= 0x20; /* MF */
	assert_int_equal(wg_packet_parse(frame, flen, &s, &d, &off, &len), -EINVAL);
	frame[WG_ETH_HLEN + 6] &= ~0x20;
	frame[WG_ETH_HLEN + 9] = 6; /* TCP */
	assert_int_equal(wg_packet_parse(frame, flen, &s, &d, &off, &len), -EINVAL);
	frame[WG_ETH_HLEN + 9] = 17;
	frame[12] = 0x08; frame[13] = 0x06; /* ARP */
	assert_int_equal(wg_packet_parse(frame, flen, &s, &d, &off, &len), -EINVAL);
}

/*
 * A frame built for family with n tags (tpid[i], tci[i]) inserted after the
 * MAC addresses, as a switch port or a VLAN device sends it; its payload
 * is plen bytes. Returns the frame start; *flen its length.
 */
static uint8_t *tagged(uint8_t *buf, int family, size_t plen, int n,
		       const uint16_t *tpid, const uint16_t *tci, size_t *flen)
{
	uint8_t *payload = buf + 128, *frame;
	struct wg_outer o;

	fill_outer(&o, family);
	for (size_t i = 0; i < plen; i++)
		payload[i] = (uint8_t)(i * 5 + 1);
	frame = wg_packet_build(payload, plen, &o);
	*flen = (size_t)(payload - frame) + plen + (size_t)n * WG_VLAN_HLEN;
	memmove(frame - n * WG_VLAN_HLEN, frame, 12);
	frame -= n * WG_VLAN_HLEN;
	for (int i = 0; i < n; i++) {
		uint8_t *t = frame + 12 + i * WG_VLAN_HLEN;

		t[0] = (uint8_t)(tpid[i] >> 8);
		t[1] = (uint8_t)tpid[i];
		t[2] = (uint8_t)(tci[i] >> 8);
		t[3] = (uint8_t)tci[i];
	}
	return frame;
}

/* One and two tags, both TPIDs, both families: same addresses and payload. */
static void vlan_tags(void **state)
{
	static const struct {
		int n;
		uint16_t tpid[3], tci[3];
	} cases[] = {
		{ 1, { 0x8100 }, { 100 } },
		{ 1, { 0x88a8 }, { 0xe00a } }, /* priority 7, VLAN 10 */
		{ 2, { 0x88a8, 0x8100 }, { 10, 0x3fff } }, /* DEI set, VLAN 4095 */
		{ 2, { 0x8100, 0x8100 }, { 1, 2 } },
	};
	static const int families[] = { AF_INET, AF_INET6 };

	(void)state;
	for (size_t f = 0; f < 2; f++) {
		for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
			uint8_t buf[2048], *frame;
			union wg_sockaddr src, dst;
			size_t off, len, flen;
			struct wg_outer o;
			struct wg_vlan v;
			int n = cases[c].n;

			fill_outer(&o, families[f]);
			frame = tagged(buf, families[f], 48, n, cases[c].tpid,
				       cases[c].tci, &flen);
			memset(&v, 0xaa, sizeof(v));
			assert_int_equal(wg_packet_parse_vlan(frame, flen, &src,
							      &dst, &off, &len,
							      &v),
					 0);
			assert_true(wg_sockaddr_eq(&src, &o.src));
			assert_true(wg_sockaddr_eq(&dst, &o.dst));
			assert_ptr_equal(frame + off, buf + 128);
			assert_int_equal(len, 48);
			assert_int_equal(v.count, n);
			for (int i = 0; i < n; i++) {
				assert_int_equal(v.tpid[i], cases[c].tpid[i]);
				assert_int_equal(v.tci[i], cases[c].tci[i]);
			}
			assert_int_equal(WG_VLAN_ID(v.tci[0]),
					 cases[c].tci[0] & 0xfff);
			/* Without the tags wanted: the same answer. */
			assert_int_equal(wg_packet_parse(frame, flen, &src,
							 &dst, &off, &len),
					 0);
			assert_ptr_equal(frame + off, buf + 128);
			/* Cut anywhere before the payload: refused. */
			for (size_t cut = 0; cut < off; cut++)
				assert_int_equal(wg_packet_parse_vlan(frame, cut,
								      &src, &dst,
								      &off, &len,
								      &v),
						 -EINVAL);
		}
	}
}

/* Untagged frames report no tags; three tags and bad inner types are refused. */
static void vlan_limits(void **state)
{
	static const uint16_t tpid[3] = { 0x88a8, 0x8100, 0x8100 };
	static const uint16_t tci[3] = { 1, 2, 3 };
	uint8_t buf[2048], *frame;
	union wg_sockaddr s, d;
	size_t off, len, flen;
	struct wg_vlan v;

	(void)state;
	frame = tagged(buf, AF_INET, 32, 0, tpid, tci, &flen);
	memset(&v, 0xaa, sizeof(v));
	assert_int_equal(wg_packet_parse_vlan(frame, flen, &s, &d, &off, &len,
					      &v),
			 0);
	assert_int_equal(v.count, 0);
	assert_int_equal(off, WG_ETH_HLEN + WG_IP4_HLEN + WG_UDP_HLEN);

	frame = tagged(buf, AF_INET6, 32, 3, tpid, tci, &flen);
	assert_int_equal(wg_packet_parse_vlan(frame, flen, &s, &d, &off, &len,
					      &v),
			 -EINVAL);
	/* A tag over ARP, and a tag over a tag over nothing. */
	frame = tagged(buf, AF_INET, 32, 1, tpid + 1, tci, &flen);
	frame[16] = 0x08;
	frame[17] = 0x06;
	assert_int_equal(wg_packet_parse(frame, flen, &s, &d, &off, &len),
			 -EINVAL);
	frame = tagged(buf, AF_INET, 32, 2, tpid, tci, &flen);
	assert_int_equal(wg_packet_parse(frame, 12 + 2 * WG_VLAN_HLEN, &s, &d,
					 &off, &len),
			 -EINVAL);
}

/* The fast sum equals the byte-wise one for every length and alignment. */
static void csum_matches_naive(void **state)
{
	static uint8_t buf[2100];
	uint32_t x = 12345;

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245 + 12345;
		buf[i] = (uint8_t)(x >> 16);
	}
	memset(buf + 1500, 0xff, 600); /* carries galore */
	for (size_t off = 0; off < 8; off++) {
		for (size_t len = 0; len < 2090 - off; len += len < 80 ? 1 : 37) {
			uint16_t got = wg_csum_fold(wg_csum_add(0, buf + off, len));
			uint8_t b[2];

			memcpy(b, &got, 2);
			assert_int_equal(b[0] << 8 | b[1],
					 naive_sum(buf + off, len, 0));
		}
	}
	/* Chained over even pieces, from a non-zero start. */
	{
		uint32_t s = wg_csum_add(0xfffffff0u, buf, 600);
		uint16_t got = wg_csum_fold(wg_csum_add(s, buf + 600, 1401));
		uint16_t start = wg_csum_fold(0xfffffff0u);
		uint8_t b[2], sb[2];

		memcpy(b, &got, 2);
		memcpy(sb, &start, 2);
		assert_int_equal(b[0] << 8 | b[1],
				 naive_sum(buf, 2001, (uint32_t)(sb[0] << 8 | sb[1])));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(v4_roundtrip),
		cmocka_unit_test(v6_roundtrip),
		cmocka_unit_test(rejects_fragments_and_other_protocols),
		cmocka_unit_test(vlan_tags),
		cmocka_unit_test(vlan_limits),
		cmocka_unit_test(csum_matches_naive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * TUN offloads on crafted packets: TSO/USO splitting and TCP coalescing,
 * every checksum verified with an independent byte-wise sum.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "ippkt.h"
#include "offload.h"

static uint8_t super[WG_OFFLOAD_MAX + 1];
static uint8_t seg[70000];
static uint8_t want[70000];

static void split_tcp(bool v6, size_t optlen)
{
	struct virtio_net_hdr vh = { 0 };
	struct wg_split s;
	size_t len, n, h = (v6 ? 40 : 20) + 20 + optlen, pay = 2500;
	const size_t mss = 1000;
	unsigned int i = 0;

	len = mk(super, v6, IPPROTO_TCP, optlen, pay, 0xfffffc00,
		 F_ACK | F_PSH | F_FIN | F_CWR, 0xfffe);
	make_partial(super, len, IPPROTO_TCP, &vh);
	vh.gso_type = v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
	vh.gso_size = mss;
	vh.hdr_len = (uint16_t)h;
	assert_int_equal(wg_offload_split_init(&s, &vh, super, len, 1500), 0);
	while ((n = wg_offload_split_next(&s, seg))) {
		size_t p = i < 2 ? mss : 500;
		uint32_t seq = 0xfffffc00 + i * (uint32_t)mss; /* wraps */
		uint8_t *th = seg + (v6 ? 40 : 20);

		assert_true(i < 3);
		assert_int_equal(n, h + p);
		assert_true(csums_ok(seg, n, IPPROTO_TCP));
		if (v6) {
			assert_int_equal(g16(seg + 4), n - 40);
		} else {
			assert_int_equal(g16(seg + 2), n);
			assert_int_equal(g16(seg + 4), (uint16_t)(0xfffe + i));
		}
		assert_int_equal(g32(th + 4), seq);
		assert_int_equal(th[13] & (F_PSH | F_FIN),
				 i == 2 ? F_PSH | F_FIN : 0);
		assert_int_equal(th[13] & F_CWR, i == 0 ? F_CWR : 0);
		assert_int_equal(th[13] & F_ACK, F_ACK);
		/* Options travel in every segment; payload is the stream. */
		assert_memory_equal(th + 20, super + (v6 ? 40 : 20) + 20, optlen);
		mk(want, v6, IPPROTO_TCP, optlen, p, seq, 0, 0);
		assert_memory_equal(seg + h, want + h, p);
		i++;
	}
	assert_int_equal(i, 3);
	assert_int_equal(wg_offload_split_next(&s, seg), 0);
}

static void split_tcp4(void **state)
{
	(void)state;
	split_tcp(false, 0);
}

static void split_tcp4_options(void **state)
{
	(void)state;
	split_tcp(false, 12);
}

static void split_tcp6_options(void **state)
{
	(void)state;
	split_tcp(true, 12);
}

static void split_udp(void **state)
{
	struct virtio_net_hdr vh = { 0 };
	struct wg_split s;
	size_t len, n, total = 0;
	unsigned int i = 0;

	(void)state;
	for (int v6 = 0; v6 < 2; v6++) {
		len = mk(super, v6, IPPROTO_UDP, 0, 4001, 0, 0, 7);
		make_partial(super, len, IPPROTO_UDP, &vh);
		vh.gso_type = VIRTIO_NET_HDR_GSO_UDP_L4;
		vh.gso_size = 1400;
		assert_int_equal(wg_offload_split_init(&s, &vh, super, len,
						       1500), 0);
		i = 0;
		total = 0;
		while ((n = wg_offload_split_next(&s, seg))) {
			size_t h = v6 ? 40 : 20, p = i < 2 ? 1400 : 1201;

			assert_int_equal(n, h + 8 + p);
			assert_int_equal(g16(seg + h + 4), 8 + p);
			assert_true(csums_ok(seg, n, IPPROTO_UDP));
			assert_memory_equal(seg + h + 8,
					    super + h + 8 + i * 1400, p);
			total += p;
			i++;
		}
		assert_int_equal(i, 3);
		assert_int_equal(total, 4001);
	}
}

static void split_plain_and_csum(void **state)
{
	struct virtio_net_hdr vh = { 0 };
	struct wg_split s;
	size_t len;

	(void)state;
	/* Odd length: the trailing byte counts as a high half. */
	len = mk(super, false, IPPROTO_TCP, 0, 333, 5, F_ACK, 1);
	make_partial(super, len, IPPROTO_TCP, &vh);
	assert_false(csums_ok(super, len, IPPROTO_TCP));
	assert_int_equal(wg_offload_csum(super, len, &vh), 0);
	assert_true(csums_ok(super, len, IPPROTO_TCP));
	/* Not GSO: split yields the packet itself, once. */
	assert_int_equal(wg_offload_split_init(&s, &vh, super, len, 1500), 0);
	assert_int_equal(wg_offload_split_next(&s, seg), len);
	assert_memory_equal(seg, super, len);
	assert_int_equal(wg_offload_split_next(&s, seg), 0);
	/* Offsets outside the packet. */
	vh.csum_start = (uint16_t)len;
	assert_int_equal(wg_offload_csum(super, len, &vh), -EINVAL);
	vh.csum_start = 20;
	vh.csum_offset = (uint16_t)(len - 21);
	assert_int_equal(wg_offload_csum(super, len, &vh), -EINVAL);
}

static void split_rejects(void **state)
{
	struct virtio_net_hdr vh = { 0 };
	struct wg_split s;
	size_t len;

	(void)state;
	len = mk(super, false, IPPROTO_TCP, 0, 3000, 1, F_ACK, 1);
	make_partial(super, len, IPPROTO_TCP, &vh);
	vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	vh.gso_size = 1000;
	assert_int_equal(wg_offload_split_init(&s, &vh, super, len, 1500), 0);
	assert_int_equal(wg_offload_split_init(&s, &vh, super, len, 1039),
			 -EMSGSIZE);
	vh.gso_type = VIRTIO_NET_HDR_GSO_UDP; /* UFO: never asked for */
	assert_int_equal(wg_offload_split_init(&s, &vh, super, len, 1500),
			 -EINVAL);
	vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV6; /* on an IPv4 packet */
	assert_int_equal(wg_offload_split_init(&s, &vh, super, len, 1500),
			 -EINVAL);
	vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	vh.gso_size = 0;
	assert_int_equal(wg_offload_split_init(&s, &vh, super, len, 1500),
			 -EINVAL);
	vh.gso_size = 1000;
	vh.csum_start = 24; /* not where the IPv4 header ends */
	assert_int_equal(wg_offload_split_init(&s, &vh, super, len, 1500),
			 -EINVAL);
	vh.csum_start = 20;
	super[20 + 12] = 0x40; /* data offset 16 */
	assert_int_equal(wg_offload_split_init(&s, &vh, super, len, 1500),
			 -EINVAL);
	assert_int_equal(wg_offload_split_init(&s, &vh, super, 39, 1500),
			 -EINVAL);
	super[0] = 0x55;
	assert_int_equal(wg_offload_split_init(&s, &vh, super, len, 1500),
			 -EINVAL);
}

/* ------------------------------------------------------------ coalesce */

struct capture {
	unsigned int n;
	struct virtio_net_hdr vh[16];
	size_t len[16];
	uint8_t *buf[16];
	bool fail;
};

static ssize_t cap_write(void *ctx, const struct iovec *iov, int iovcnt)
{
	struct capture *c = ctx;
	size_t off = 0;

	assert_true(c->n < 16);
	assert_true(iovcnt >= 2);
	assert_int_equal(iov[0].iov_len, sizeof(struct virtio_net_hdr));
	memcpy(&c->vh[c->n], iov[0].iov_base, sizeof(c->vh[0]));
	c->buf[c->n] = malloc(WG_OFFLOAD_MAX + 1);
	assert_non_null(c->buf[c->n]);
	for (int i = 1; i < iovcnt; i++) {
		assert_true(off + iov[i].iov_len <= WG_OFFLOAD_MAX);
		memcpy(c->buf[c->n] + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	c->len[c->n++] = off;
	if (c->fail)
		return -1;
	return (ssize_t)off;
}

static void cap_free(struct capture *c)
{
	for (unsigned int i = 0; i < c->n; i++)
		free(c->buf[i]);
	memset(c, 0, sizeof(*c));
}

static uint8_t pk[WG_GRO_MAX + 2][1600];

/* The coalesced stream resplits into exactly the packets that went in. */
static void check_resplit(const struct capture *c, unsigned int w,
			  unsigned int first, unsigned int count,
			  const size_t *lens)
{
	struct virtio_net_hdr vh = c->vh[w];
	uint8_t *b = c->buf[w];
	struct wg_split s;
	unsigned int i = 0;
	size_t n;

	/* The kernel finishes the partial checksum: so must it check out. */
	memcpy(super, b, c->len[w]);
	assert_int_equal(wg_offload_csum(super, c->len[w], &vh), 0);
	assert_true(csums_ok(super, c->len[w], IPPROTO_TCP));
	assert_int_equal(wg_offload_split_init(&s, &vh, b, c->len[w], 1600),
			 0);
	while ((n = wg_offload_split_next(&s, seg))) {
		assert_true(i < count);
		assert_int_equal(n, lens[first + i]);
		assert_memory_equal(seg, pk[first + i], n);
		i++;
	}
	assert_int_equal(i, count);
}

static void gro_tcp(bool v6, size_t optlen)
{
	struct wg_gro g;
	struct capture c = { 0 };
	size_t lens[8], h = (v6 ? 40 : 20) + 20 + optlen;
	uint32_t seq = 0xfffff000;
	unsigned int i;

	/* Four segments, the last short with PSH: one super-packet. */
	for (i = 0; i < 4; i++) {
		size_t p = i < 3 ? 1300 : 700;

		lens[i] = mk(pk[i], v6, IPPROTO_TCP, optlen, p, seq,
			     F_ACK | (i == 3 ? F_PSH : 0), (uint16_t)(9 + i));
		seq += (uint32_t)p;
	}
	wg_offload_gro_init(&g);
	for (i = 0; i < 4; i++)
		assert_int_equal(wg_offload_gro_add(&g, pk[i], lens[i]), 0);
	assert_int_equal(wg_offload_gro_count(&g), 4);
	/* A fifth would follow a PSH: it starts a new group. */
	lens[4] = mk(pk[4], v6, IPPROTO_TCP, optlen, 1300, seq, F_ACK, 13);
	memcpy(pk[5], pk[4], lens[4]);
	assert_int_equal(wg_offload_gro_add(&g, pk[5], lens[4]), 0);
	assert_int_equal(wg_offload_gro_flush(&g, cap_write, &c), 0);
	assert_int_equal(wg_offload_gro_count(&g), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.vh[0].gso_type, v6 ? VIRTIO_NET_HDR_GSO_TCPV6 :
						VIRTIO_NET_HDR_GSO_TCPV4);
	assert_int_equal(c.vh[0].flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(c.vh[0].gso_size, 1300);
	assert_int_equal(c.vh[0].hdr_len, h);
	assert_int_equal(c.vh[0].csum_start, h - 20 - optlen);
	assert_int_equal(c.vh[0].csum_offset, 16);
	assert_int_equal(c.len[0], h + 3 * 1300 + 700);
	if (v6)
		assert_int_equal(g16(c.buf[0] + 4), c.len[0] - 40);
	else
		assert_int_equal(g16(c.buf[0] + 2), c.len[0]);
	/* PSH of the last segment is on the super-packet. */
	assert_int_equal(c.buf[0][h - 20 - optlen + 13], F_ACK | F_PSH);
	/* The lone packet goes as it came, with an empty header. */
	assert_int_equal(c.vh[1].gso_type, VIRTIO_NET_HDR_GSO_NONE);
	assert_int_equal(c.vh[1].flags, 0);
	assert_int_equal(c.len[1], lens[4]);
	assert_memory_equal(c.buf[1], pk[4], lens[4]);
	/* Rebuild the originals: the head was rewritten in place. */
	seq = 0xfffff000;
	for (i = 0; i < 4; i++) {
		size_t p = i < 3 ? 1300 : 700;

		lens[i] = mk(pk[i], v6, IPPROTO_TCP, optlen, p, seq,
			     F_ACK | (i == 3 ? F_PSH : 0), (uint16_t)(9 + i));
		seq += (uint32_t)p;
	}
	check_resplit(&c, 0, 0, 4, lens);
	cap_free(&c);
}

static void gro_tcp4(void **state)
{
	(void)state;
	gro_tcp(false, 0);
}

static void gro_tcp6_options(void **state)
{
	(void)state;
	gro_tcp(true, 12);
}

static void gro_keeps_apart(void **state)
{
	struct wg_gro g;
	struct capture c = { 0 };
	size_t lens[12];
	unsigned int i;

	(void)state;
	wg_offload_gro_init(&g);
	/* 0,1: one flow; 2: another flow between them; 3 joins 0-1. */
	lens[0] = mk(pk[0], false, IPPROTO_TCP, 0, 1000, 100, F_ACK, 1);
	lens[1] = mk(pk[1], false, IPPROTO_TCP, 0, 1000, 1100, F_ACK, 2);
	lens[2] = mk(pk[2], false, IPPROTO_TCP, 0, 1000, 100, F_ACK, 3);
	pk[2][19] = 3; /* other destination (checksums do not matter here) */
	lens[3] = mk(pk[3], false, IPPROTO_TCP, 0, 1000, 2100, F_ACK, 4);
	/* 4: sequence gap; 5: other ack number; 6: SYN; 7: pure ACK. */
	lens[4] = mk(pk[4], false, IPPROTO_TCP, 0, 1000, 9100, F_ACK, 5);
	lens[5] = mk(pk[5], false, IPPROTO_TCP, 0, 1000, 10100, F_ACK, 6);
	pk[5][20 + 11] ^= 1;
	lens[6] = mk(pk[6], false, IPPROTO_TCP, 0, 1000, 11100,
		     F_ACK | F_SYN, 7);
	lens[7] = mk(pk[7], false, IPPROTO_TCP, 0, 0, 12100, F_ACK, 8);
	/* 8: UDP; 9: a larger segment than the group's first. */
	lens[8] = mk(pk[8], false, IPPROTO_UDP, 0, 1000, 0, 0, 9);
	lens[9] = mk(pk[9], false, IPPROTO_TCP, 0, 1000, 12100, F_ACK, 10);
	lens[10] = mk(pk[10], false, IPPROTO_TCP, 0, 1001, 13100, F_ACK, 11);
	/* 11: different TTL. */
	lens[11] = mk(pk[11], false, IPPROTO_TCP, 0, 1000, 14101, F_ACK, 12);
	pk[11][8] = 63;
	for (i = 0; i < 12; i++)
		assert_int_equal(wg_offload_gro_add(&g, pk[i], lens[i]), 0);
	assert_int_equal(wg_offload_gro_flush(&g, cap_write, &c), 0);
	/* Groups in order: {0,1,3} {2} {4} {5} {6} {7} {8} {9} {10} {11}. */
	assert_int_equal(c.n, 10);
	assert_int_equal(c.len[0], 40 + 3000);
	assert_int_equal(c.vh[0].gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	for (i = 1; i < 10; i++) {
		unsigned int k = i == 1 ? 2 : i + 2;

		assert_int_equal(c.vh[i].gso_type, VIRTIO_NET_HDR_GSO_NONE);
		assert_int_equal(c.len[i], lens[k]);
		assert_memory_equal(c.buf[i], pk[k], lens[k]);
	}
	cap_free(&c);
}

static void gro_limits(void **state)
{
	struct wg_gro g;
	struct capture c = { 0 };
	size_t len = 0;
	uint32_t seq = 1;
	unsigned int i;

	(void)state;
	wg_offload_gro_init(&g);
	/* 64 packets of 1400: a super-packet stops short of 64 KiB. */
	for (i = 0; i < WG_GRO_MAX; i++) {
		len = mk(pk[i], false, IPPROTO_TCP, 0, 1400, seq, F_ACK,
			 (uint16_t)i);
		seq += 1400;
		assert_int_equal(wg_offload_gro_add(&g, pk[i], len), 0);
	}
	assert_int_equal(wg_offload_gro_add(&g, pk[0], len), -ENOSPC);
	c.fail = true;
	/* Every packet was in a failed write. */
	assert_int_equal(wg_offload_gro_flush(&g, cap_write, &c), WG_GRO_MAX);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.len[0], 40 + 46 * 1400); /* 64440 <= 65535 */
	assert_int_equal(c.len[1], 40 + 18 * 1400);
	for (i = 0; i < 2; i++) {
		memcpy(super, c.buf[i], c.len[i]);
		assert_int_equal(wg_offload_csum(super, c.len[i], &c.vh[i]), 0);
		assert_true(csums_ok(super, c.len[i], IPPROTO_TCP));
	}
	cap_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(split_tcp4),
		cmocka_unit_test(split_tcp4_options),
		cmocka_unit_test(split_tcp6_options),
		cmocka_unit_test(split_udp),
		cmocka_unit_test(split_plain_and_csum),
		cmocka_unit_test(split_rejects),
		cmocka_unit_test(gro_tcp4),
		cmocka_unit_test(gro_tcp6_options),
		cmocka_unit_test(gro_keeps_apart),
		cmocka_unit_test(gro_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The outer header parser of the AF_XDP path, wg_packet_parse_vlan(), on
 * the input as an Ethernet frame. An accepted frame's payload must lie
 * inside it and its VLAN tags (at most two) must be the frame's bytes;
 * rebuilding the headers around that payload with wg_packet_build(), with
 * and without the same tags inserted, must give frames that parse to the
 * same addresses, tags and payload.
 */
#include <string.h>

#include "fuzz.h"
#include "packet.h"

/* Room for the outer headers and two tags. */
#define HEADROOM 128

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	wg_fuzz_init();
	return 0;
}

static bool addr_eq(const union wg_sockaddr *a, const union wg_sockaddr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->in.sin_port == b->in.sin_port &&
		       a->in.sin_addr.s_addr == b->in.sin_addr.s_addr;
	return a->in6.sin6_port == b->in6.sin6_port &&
	       !memcmp(&a->in6.sin6_addr, &b->in6.sin6_addr, 16);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The daemon builds before a 256-aligned payload; so do we. */
	static uint8_t out[HEADROOM + 65536] __attribute__((aligned(64)));
	union wg_sockaddr src, dst, src2, dst2;
	size_t off, len, off2, len2, olen, tlen;
	struct wg_vlan vlan, vlan2;
	struct wg_outer o;
	uint8_t *frame, *copy;

	/* An exact-size copy, so ASan sees any read past the frame. */
	copy = malloc(size ? size : 1);
	FZ_CHECK(copy != NULL);
	memcpy(copy, data, size);
	if (wg_packet_parse_vlan(copy, size, &src, &dst, &off, &len, &vlan)) {
		FZ_TRACE("packet: refused\n");
		goto out;
	}
	FZ_TRACE("packet: ok, %u VLAN tags\n", vlan.count);
	FZ_CHECK(src.sa.sa_family == AF_INET || src.sa.sa_family == AF_INET6);
	FZ_CHECK(dst.sa.sa_family == src.sa.sa_family);
	FZ_CHECK(off <= size && len <= size - off);
	FZ_CHECK(len <= 65535 - WG_UDP_HLEN);
	FZ_CHECK(vlan.count <= WG_VLAN_MAX);
	tlen = (size_t)vlan.count * WG_VLAN_HLEN;
	FZ_CHECK(off >= WG_ETH_HLEN + tlen + WG_IP4_HLEN + WG_UDP_HLEN);
	for (unsigned int i = 0; i < vlan.count; i++) {
		const uint8_t *t = copy + 12 + i * WG_VLAN_HLEN;

		FZ_CHECK(vlan.tpid[i] == 0x8100 || vlan.tpid[i] == 0x88a8);
		FZ_CHECK(vlan.tpid[i] == (t[0] << 8 | t[1]));
		FZ_CHECK(vlan.tci[i] == (t[2] << 8 | t[3]));
	}
	/* The parse without tags wanted gives the same answer. */
	FZ_CHECK(!wg_packet_parse(copy, size, &src2, &dst2, &off2, &len2));
	FZ_CHECK(addr_eq(&src, &src2) && addr_eq(&dst, &dst2));
	FZ_CHECK(off2 == off && len2 == len);

	memset(&o, 0, sizeof(o));
	memcpy(o.dst_mac, copy, 6);
	memcpy(o.src_mac, copy + 6, 6);
	o.src = src;
	o.dst = dst;
	olen = wg_packet_outer_len(&o);
	FZ_CHECK(olen <= WG_OUTER_MAX);
	memcpy(out + HEADROOM, copy + off, len);
	frame = wg_packet_build(out + HEADROOM, len, &o);
	FZ_CHECK(frame == out + HEADROOM - olen);
	FZ_CHECK(!wg_packet_parse(frame, olen + len, &src2, &dst2, &off2,
				  &len2));
	FZ_CHECK(addr_eq(&src, &src2) && addr_eq(&dst, &dst2));
	FZ_CHECK(off2 == olen && len2 == len);
	FZ_CHECK(!memcmp(frame + off2, copy + off, len));
	/* The same tags inserted after the MAC addresses. */
	memmove(frame - tlen, frame, 12);
	memcpy(frame - tlen + 12, copy + 12, tlen);
	frame -= tlen;
	FZ_CHECK(!wg_packet_parse_vlan(frame, olen + tlen + len, &src2, &dst2,
				       &off2, &len2, &vlan2));
	FZ_CHECK(addr_eq(&src, &src2) && addr_eq(&dst, &dst2));
	FZ_CHECK(off2 == olen + tlen && len2 == len);
	FZ_CHECK(vlan2.count == vlan.count);
	for (unsigned int i = 0; i < vlan.count; i++)
		FZ_CHECK(vlan2.tpid[i] == vlan.tpid[i] &&
			 vlan2.tci[i] == vlan.tci[i]);
out:
	free(copy);
	return 0;
}

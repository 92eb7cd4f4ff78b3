// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The outer header parser of the AF_XDP path, wg_packet_parse(), on the
 * input as an Ethernet frame. An accepted frame's payload must lie inside
 * it; rebuilding the headers around that payload with wg_packet_build()
 * must give a frame that parses to the same addresses and payload.
 */
#include <string.h>

#include "fuzz.h"
#include "packet.h"

#define HEADROOM 64

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
	size_t off, len, off2, len2, olen;
	struct wg_outer o;
	uint8_t *frame, *copy;

	/* An exact-size copy, so ASan sees any read past the frame. */
	copy = malloc(size ? size : 1);
	FZ_CHECK(copy != NULL);
	memcpy(copy, data, size);
	if (wg_packet_parse(copy, size, &src, &dst, &off, &len)) {
		FZ_TRACE("packet: refused\n");
		goto out;
	}
	FZ_TRACE("packet: ok\n");
	FZ_CHECK(src.sa.sa_family == AF_INET || src.sa.sa_family == AF_INET6);
	FZ_CHECK(dst.sa.sa_family == src.sa.sa_family);
	FZ_CHECK(off <= size && len <= size - off);
	FZ_CHECK(len <= 65535 - WG_UDP_HLEN);

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
out:
	free(copy);
	return 0;
}

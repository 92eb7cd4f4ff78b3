// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * BPF_PROG_TEST_RUN fixtures for xdp_wg_nic and xdp_wg_lan, and the
 * loader's pin and link behaviour. Needs root.
 *
 * Every fixture is a crafted frame, the verdict the program must return
 * and the one stats reason whose counter must move by exactly one packet
 * (and the frame's bytes) while every other counter stays put.
 *
 * Handshakes carry a mac1 made with the daemon's own code (crypto.c
 * wg_mac, cookie.c's key) for the identity whose key is in hs_keys; the
 * random tests compare the program's verdict on thousands of messages with
 * the daemon's wg_cookie_checker_validate (WG_TEST_SEED overrides the
 * seed; a failure names it).
 *
 * The whole test runs in its own network and mount namespaces:
 *
 *     [ test process, unshared netns + mountns ]
 *       wgt0 <==veth==> wgt1     AF_XDP socket (copy mode) on wgt0 queue 0,
 *                                in xsks[0] and xsks_lan[0]
 *       /sys/fs/bpf              a private bpffs (the loader mounts it)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/xsk.h>

#include "cookie.h"
#include "crypto.h"
#include "xdp.h"

static uint64_t seed = 0x6d6163312d786470ULL;
#include "seeded.h"

#define PORT 51820
#define SRC_PORT (PORT + 1000)
#define KNOWN_INDEX 0x11223344u
#define UNKNOWN_INDEX 0x55667788u
#define PEER_ID 3
#define VETH "wgt0"
#define VETH_PEER "wgt1"
#define NUM_FRAMES 64
#define FRAME_MAX 4096

static const uint8_t local4[4] = { 10, 0, 0, 1 };
static const uint8_t other4[4] = { 10, 0, 0, 2 };
static const uint8_t local6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0,
				    0,	  0, 0, 0, 0, 0, 0, 1 };
static const uint8_t other6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0,
				    0,	  0, 0, 0, 0, 0, 0, 2 };

struct env {
	struct wg_xdp *x;
	int ifindex;
	void *umem_area;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp, rx;
	struct xsk_ring_prod tx;
	int xsk_fd;
};

static struct env env;
static unsigned int fixtures, random_cases;

/*
 * The identity the fixtures' handshakes are addressed to, its mac1 key,
 * and the cookie secret that XDP and the reference checker share.
 */
static uint8_t our_pub[WG_KEY_LEN], mac1_key[WG_KEY_LEN];
static uint8_t secret[WG_HASH_LEN];

/* What a crafted frame looks like; zero fields take the defaults. */
struct spec {
	int vlans; /* 802.1Q/802.1ad tags, 0..3 */
	uint16_t ethertype; /* 0: IPv4 or IPv6 by v6 */
	bool v6;
	int ihl; /* 0: 5 */
	bool bad_version;
	uint16_t frag; /* IPv4 frag_off, host order */
	uint8_t proto; /* IPv4 protocol / IPv6 next header; 0: UDP */
	const uint8_t *dst; /* 0: local4/local6 */
	uint8_t src_last; /* last byte of the source address */
	const uint8_t *src6_prefix; /* first 8 bytes of an IPv6 source */
	uint16_t dport; /* 0: PORT */
	int udp_len_delta; /* added to the UDP length field */
	int ip_len_delta; /* added to the IP length field */
	uint32_t word; /* type and reserved bytes, host order */
	size_t msg_len; /* UDP payload length */
	uint32_t index; /* receiver index for types 2..4 (0: KNOWN) */
	size_t trailer; /* bytes after the IP packet (Ethernet padding) */
	int ttl; /* IPv4 TTL / IPv6 hop limit; 0: 64, negative: 0 */
	const uint8_t *dst_mac; /* 0: lan_mac */
	bool bad_mac1; /* handshakes: leave mac1 zero (else it is valid) */
	bool mac2; /* handshakes: a valid mac2 for this source */
	uint16_t sport; /* 0: SRC_PORT */
};

/* The destination MAC of every crafted frame, and the LAN's in lan_config. */
static const uint8_t lan_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static uint16_t csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* The source as cookies bind it (wg_send_source_bytes): IP, then port. */
static size_t src_bytes(const struct spec *s, uint8_t *out)
{
	uint16_t port = htons(s->sport ? s->sport : SRC_PORT);

	if (s->v6) {
		memset(out, 0, 16);
		out[0] = 0xfd;
		if (s->src6_prefix)
			memcpy(out, s->src6_prefix, 8);
		out[15] = s->src_last ? s->src_last : 9;
		memcpy(out + 16, &port, 2);
		return 18;
	}
	memcpy(out, "\x0a\x00\x00", 3);
	out[3] = s->src_last ? s->src_last : 9;
	memcpy(out + 4, &port, 2);
	return 6;
}

/* mac2 of the handshake msg (len bytes) from src, with the shared secret. */
static void stamp_mac2(uint8_t *msg, size_t len, const uint8_t *src,
		       size_t srclen)
{
	uint8_t cookie[WG_COOKIE_LEN];

	wg_mac(cookie, secret, sizeof(secret), src, srclen);
	wg_mac(msg + len - WG_MAC_LEN, cookie, sizeof(cookie), msg,
	       len - WG_MAC_LEN);
}

/* Stamps a valid mac1 (and with s->mac2 a valid mac2) on a handshake. */
static void stamp(const struct spec *s, uint8_t *msg, size_t len)
{
	uint8_t src[18];

	if (s->bad_mac1)
		return;
	wg_mac(msg + len - 2 * WG_MAC_LEN, mac1_key, sizeof(mac1_key), msg,
	       len - 2 * WG_MAC_LEN);
	if (s->mac2)
		stamp_mac2(msg, len, src, src_bytes(s, src));
}

/* Writes the frame for s into buf; returns its length. */
static size_t build(const struct spec *s, uint8_t *buf)
{
	uint16_t tpids[3] = { ETH_P_8021AD, ETH_P_8021Q, ETH_P_8021Q };
	size_t off = 12, ip, udp, msg, iplen, hlen;
	uint32_t word = s->word ? s->word : 1;
	uint32_t type = word & 0xff;
	int i;

	uint8_t ttl = s->ttl < 0 ? 0 : s->ttl ? (uint8_t)s->ttl : 64;

	memset(buf, 0, FRAME_MAX);
	memcpy(buf, s->dst_mac ? s->dst_mac : lan_mac, 6);
	memcpy(buf + 6, "\x02\x00\x00\x00\x00\x02", 6);
	for (i = 0; i < s->vlans; i++) {
		put16(buf + off, s->vlans == 1 ? ETH_P_8021Q : tpids[i]);
		put16(buf + off + 2, 100 + i);
		off += 4;
	}
	put16(buf + off, s->ethertype ? s->ethertype :
			 s->v6	       ? ETH_P_IPV6 :
					 ETH_P_IP);
	ip = off + 2;
	if (s->v6) {
		hlen = 40;
		buf[ip] = s->bad_version ? 0x40 : 0x60;
		buf[ip + 6] = s->proto ? s->proto : IPPROTO_UDP;
		buf[ip + 7] = ttl;
		buf[ip + 8] = 0xfd;
		if (s->src6_prefix)
			memcpy(buf + ip + 8, s->src6_prefix, 8);
		buf[ip + 23] = s->src_last ? s->src_last : 9;
		memcpy(buf + ip + 24, s->dst ? s->dst : local6, 16);
	} else {
		int ihl = s->ihl ? s->ihl : 5;

		hlen = (size_t)ihl * 4;
		buf[ip] = (s->bad_version ? 0x60 : 0x40) | (ihl & 0xf);
		put16(buf + ip + 6, s->frag);
		buf[ip + 8] = ttl;
		buf[ip + 9] = s->proto ? s->proto : IPPROTO_UDP;
		memcpy(buf + ip + 12, "\x0a\x00\x00", 3);
		buf[ip + 15] = s->src_last ? s->src_last : 9;
		memcpy(buf + ip + 16, s->dst ? s->dst : local4, 4);
		for (i = 20; i < (int)hlen; i++)
			buf[ip + i] = 1; /* NOP options */
		if (hlen < 20)
			hlen = 20;
	}
	udp = ip + hlen;
	msg = udp + 8;
	iplen = 8 + s->msg_len;
	put16(buf + udp, s->sport ? s->sport : SRC_PORT);
	put16(buf + udp + 2, s->dport ? s->dport : PORT);
	put16(buf + udp + 4, iplen + s->udp_len_delta);
	put_le32(buf + msg, word);
	if (type == 2 && s->msg_len >= 12) {
		put_le32(buf + msg + 4, UNKNOWN_INDEX); /* sender: not ours */
		put_le32(buf + msg + 8, s->index ? s->index : KNOWN_INDEX);
	} else if ((type == 3 || type == 4) && s->msg_len >= 8) {
		put_le32(buf + msg + 4, s->index ? s->index : KNOWN_INDEX);
	}
	if ((word == 1 && s->msg_len == WG_MSG_INITIATION_LEN) ||
	    (word == 2 && s->msg_len == WG_MSG_RESPONSE_LEN))
		stamp(s, buf + msg, s->msg_len);
	if (s->v6) {
		put16(buf + ip + 4, iplen + s->ip_len_delta);
	} else {
		put16(buf + ip + 2, hlen + iplen + s->ip_len_delta);
		put16(buf + ip + 10, csum(buf + ip, hlen));
	}
	return msg + s->msg_len + s->trailer;
}

/*
 * Runs x's program on frame and checks the verdict and the counters; with
 * out, the frame as the program left it goes there (FRAME_MAX bytes) and
 * its length is returned.
 */
static size_t run_frame_on(struct wg_xdp *x, const char *name, bool lan,
			   const uint8_t *frame, size_t len, int verdict,
			   enum wg_xdp_reason reason, uint8_t *out)
{
	struct wg_xdp_counter before[WG_XDP_REASON_MAX];
	struct wg_xdp_counter after[WG_XDP_REASON_MAX];
	struct xdp_md md = { .data_end = len, .ingress_ifindex = env.ifindex };
	uint8_t scratch[FRAME_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
		    .data_size_in = len, .ctx_in = &md,
		    .ctx_size_in = sizeof(md), .repeat = 1,
		    .data_out = out ? out : scratch,
		    .data_size_out = FRAME_MAX);
	unsigned int r;
	int err;

	fixtures++;
	assert_int_equal(wg_xdp_read_stats(x, before), 0);
	err = bpf_prog_test_run_opts(wg_xdp_prog_fd(x, lan), &opts);
	if (len < ETH_HLEN) {
		/* The kernel refuses to run XDP on less than a header. */
		if (err != -EINVAL)
			fail_msg("%s: len %zu: err %d, want -EINVAL", name, len,
				 err);
		return 0;
	}
	if (err)
		fail_msg("%s: test run failed: %d", name, err);
	if ((int)opts.retval != verdict)
		fail_msg("%s: verdict %u, want %d", name, opts.retval, verdict);
	assert_int_equal(wg_xdp_read_stats(x, after), 0);
	for (r = 0; r < WG_XDP_REASON_MAX; r++) {
		uint64_t dp = after[r].packets - before[r].packets;
		uint64_t db = after[r].bytes - before[r].bytes;

		if (r == reason && (dp != 1 || db != len))
			fail_msg("%s: %s moved by %llu packets %llu bytes",
				 name, wg_xdp_reason_name(r),
				 (unsigned long long)dp,
				 (unsigned long long)db);
		if (r != reason && dp)
			fail_msg("%s: %s moved too (want %s)", name,
				 wg_xdp_reason_name(r),
				 wg_xdp_reason_name(reason));
	}
	return opts.data_size_out;
}

static size_t run_frame_out(const char *name, bool lan, const uint8_t *frame,
			    size_t len, int verdict, enum wg_xdp_reason reason,
			    uint8_t *out)
{
	return run_frame_on(env.x, name, lan, frame, len, verdict, reason, out);
}

static void run_frame(const char *name, bool lan, const uint8_t *frame,
		      size_t len, int verdict, enum wg_xdp_reason reason)
{
	run_frame_on(env.x, name, lan, frame, len, verdict, reason, NULL);
}

static void run(const char *name, const struct spec *s, int verdict,
		enum wg_xdp_reason reason)
{
	uint8_t buf[FRAME_MAX];

	run_frame(name, false, buf, build(s, buf), verdict, reason);
}

static void run_lan(const char *name, const struct spec *s, int verdict,
		    enum wg_xdp_reason reason)
{
	uint8_t buf[FRAME_MAX];

	run_frame(name, true, buf, build(s, buf), verdict, reason);
}

static const struct {
	uint32_t type;
	size_t len;
	enum wg_xdp_reason ok, bad;
} msgs[] = {
	{ 1, WG_MSG_INITIATION_LEN, WG_XDP_REDIRECT_INITIATION,
	  WG_XDP_DROP_BAD_LEN_INITIATION },
	{ 2, WG_MSG_RESPONSE_LEN, WG_XDP_REDIRECT_RESPONSE,
	  WG_XDP_DROP_BAD_LEN_RESPONSE },
	{ 3, WG_MSG_COOKIE_LEN, WG_XDP_REDIRECT_COOKIE,
	  WG_XDP_DROP_BAD_LEN_COOKIE },
	{ 4, WG_MSG_DATA_MIN_LEN, WG_XDP_REDIRECT_DATA,
	  WG_XDP_DROP_BAD_LEN_DATA },
};

static void sizes(void **state)
{
	int v6, i;

	(void)state;
	for (v6 = 0; v6 < 2; v6++) {
		for (i = 0; i < 4; i++) {
			struct spec s = { .v6 = v6, .word = msgs[i].type,
					  .msg_len = msgs[i].len };

			run("exact size", &s, XDP_REDIRECT, msgs[i].ok);
			s.msg_len = msgs[i].len - 1;
			run("size - 1", &s, XDP_DROP, msgs[i].bad);
			s.msg_len = msgs[i].len + 1;
			run("size + 1", &s, i == 3 ? XDP_REDIRECT : XDP_DROP,
			    i == 3 ? msgs[i].ok : msgs[i].bad);
			s.msg_len = msgs[i].len + 16;
			run("size + 16", &s, i == 3 ? XDP_REDIRECT : XDP_DROP,
			    i == 3 ? msgs[i].ok : msgs[i].bad);
			s.msg_len = msgs[i].len - 16;
			run("size - 16", &s, XDP_DROP, msgs[i].bad);
		}
		/* Full-size data on a 1420 MTU tunnel: not a multiple of 16. */
		{
			struct spec s = { .v6 = v6, .word = 4,
					  .msg_len = 1420 + 32 };

			run("data 1452", &s, XDP_REDIRECT,
			    WG_XDP_REDIRECT_DATA);
		}
	}
}

static void types(void **state)
{
	static const uint32_t bad[] = { 0, 5, 6, 0x80, 0xff };
	unsigned int i, t, b;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct spec s = { .word = bad[i], .msg_len = 148 };

		if (!bad[i]) {
			/* word 0 means "default" to build(): type 0 by hand */
			uint8_t buf[FRAME_MAX];
			size_t len = build(&s, buf);

			buf[42] = 0;
			run_frame("type 0", false, buf, len, XDP_DROP,
				  WG_XDP_DROP_BAD_TYPE);
			continue;
		}
		run("bad type", &s, XDP_DROP, WG_XDP_DROP_BAD_TYPE);
	}
	/* Every reserved byte of every type, low and high bits. */
	for (t = 0; t < 4; t++)
		for (b = 1; b < 4; b++) {
			struct spec s = { .word = msgs[t].type | 1u << (8 * b),
					  .msg_len = msgs[t].len };

			run("reserved low bit", &s, XDP_DROP,
			    WG_XDP_DROP_RESERVED);
			s.word = msgs[t].type | 0x80u << (8 * b);
			run("reserved high bit", &s, XDP_DROP,
			    WG_XDP_DROP_RESERVED);
		}
}

static void indexes(void **state)
{
	unsigned int t;

	(void)state;
	for (t = 1; t < 4; t++) {
		struct spec s = { .word = msgs[t].type, .msg_len = msgs[t].len,
				  .index = UNKNOWN_INDEX };

		run("unknown index", &s, XDP_DROP, WG_XDP_DROP_UNKNOWN_INDEX);
		s.index = KNOWN_INDEX;
		run("known index", &s, XDP_REDIRECT, msgs[t].ok);
		/* Removing the index makes it unknown again. */
		assert_int_equal(wg_xdp_del_index(env.x, KNOWN_INDEX), 0);
		run("removed index", &s, XDP_DROP, WG_XDP_DROP_UNKNOWN_INDEX);
		assert_int_equal(wg_xdp_add_index(env.x, KNOWN_INDEX, PEER_ID),
				 0);
	}
}

static void ipv4_headers(void **state)
{
	int ihl;

	(void)state;
	for (ihl = 5; ihl <= 15; ihl++) {
		struct spec s = { .ihl = ihl, .word = 1, .msg_len = 148 };

		run("ihl with options", &s, XDP_REDIRECT,
		    WG_XDP_REDIRECT_INITIATION);
	}
	for (ihl = 0; ihl < 5; ihl++) {
		struct spec s = { .ihl = ihl, .word = 1, .msg_len = 148 };
		uint8_t buf[FRAME_MAX];
		size_t len = build(&s, buf);

		buf[14] = 0x40 | ihl; /* build() wrote a 20-byte header */
		run_frame("ihl < 5", false, buf, len, XDP_PASS,
			  WG_XDP_PASS_MALFORMED);
	}
	{
		struct spec s = { .bad_version = true, .word = 1,
				  .msg_len = 148 };

		run("version 6 in IPv4", &s, XDP_PASS, WG_XDP_PASS_MALFORMED);
		s.v6 = true;
		run("version 4 in IPv6", &s, XDP_PASS, WG_XDP_PASS_MALFORMED);
	}
	{
		struct spec s = { .frag = 0x2000, .word = 1, .msg_len = 148 };

		run("MF", &s, XDP_PASS, WG_XDP_PASS_FRAGMENT);
		s.frag = 1;
		run("offset 1", &s, XDP_PASS, WG_XDP_PASS_FRAGMENT);
		s.frag = 0x2000 | 185;
		run("MF and offset", &s, XDP_PASS, WG_XDP_PASS_FRAGMENT);
		s.frag = 0x1fff;
		run("last offset", &s, XDP_PASS, WG_XDP_PASS_FRAGMENT);
		s.frag = 0x4000;
		run("DF", &s, XDP_REDIRECT, WG_XDP_REDIRECT_INITIATION);
		s.frag = 0x2000;
		s.dport = 53;
		run("fragment of another port", &s, XDP_PASS,
		    WG_XDP_PASS_FRAGMENT);
	}
	{
		static const uint8_t protos[] = { 1, 6, 47, 50, 132 };
		unsigned int i;

		for (i = 0; i < sizeof(protos); i++) {
			struct spec s = { .proto = protos[i], .word = 1,
					  .msg_len = 148 };

			run("IPv4 not UDP", &s, XDP_PASS, WG_XDP_PASS_NOT_UDP);
			s.v6 = true;
			run("IPv6 not UDP", &s, XDP_PASS, WG_XDP_PASS_NOT_UDP);
		}
	}
}

static void ipv6_headers(void **state)
{
	static const uint8_t ext[] = { 43, 60, 51, 135, 139, 140 };
	unsigned int i;

	(void)state;
	{
		/* Hop-by-hop options is next header 0: patched by hand. */
		struct spec s = { .v6 = true, .word = 1, .msg_len = 148 };
		uint8_t buf[FRAME_MAX];
		size_t len = build(&s, buf);

		buf[14 + 6] = 0;
		run_frame("IPv6 hop-by-hop", false, buf, len, XDP_PASS,
			  WG_XDP_PASS_IPV6_EXTHDR);
	}
	for (i = 0; i < sizeof(ext); i++) {
		struct spec s = { .v6 = true, .proto = ext[i], .word = 1,
				  .msg_len = 148 };

		run("IPv6 extension header", &s, XDP_PASS,
		    WG_XDP_PASS_IPV6_EXTHDR);
	}
	{
		struct spec s = { .v6 = true, .proto = 44, .word = 1,
				  .msg_len = 148 };

		run("IPv6 fragment header", &s, XDP_PASS,
		    WG_XDP_PASS_FRAGMENT);
	}
}

static void not_ours(void **state)
{
	static const uint16_t ports[] = { 53, PORT - 1, PORT + 1, 443 };
	static const uint16_t ethertypes[] = { ETH_P_ARP, 0x88cc, 0x86dd + 1,
					       ETH_P_8021Q + 1 };
	unsigned int i;
	int v6;

	(void)state;
	for (v6 = 0; v6 < 2; v6++) {
		for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
			struct spec s = { .v6 = v6, .dport = ports[i],
					  .word = 1, .msg_len = 148 };

			run("other port", &s, XDP_PASS, WG_XDP_PASS_OTHER_PORT);
		}
		{
			struct spec s = { .v6 = v6, .dst = v6 ? other6 : other4,
					  .word = 1, .msg_len = 148 };

			run("other address", &s, XDP_PASS,
			    WG_XDP_PASS_NOT_LOCAL);
			/* Not ours, so not judged: bad messages pass too. */
			s.word = 9;
			run("bad type, other address", &s, XDP_PASS,
			    WG_XDP_PASS_NOT_LOCAL);
		}
	}
	for (i = 0; i < sizeof(ethertypes) / sizeof(ethertypes[0]); i++) {
		struct spec s = { .ethertype = ethertypes[i], .word = 1,
				  .msg_len = 148 };

		run("not IP", &s, XDP_PASS, WG_XDP_PASS_NOT_IP);
	}
	{
		struct spec s = { .word = 1, .msg_len = 148 };

		/* An address the daemon removes is no longer ours. */
		assert_int_equal(wg_xdp_del_local(env.x, AF_INET, local4), 0);
		run("removed address", &s, XDP_PASS, WG_XDP_PASS_NOT_LOCAL);
		assert_int_equal(wg_xdp_add_local(env.x, AF_INET, local4), 0);
		/* Listen port 0: nothing is stolen. */
		assert_int_equal(wg_xdp_set_config(env.x, 0, 0), 0);
		run("no listen port", &s, XDP_PASS, WG_XDP_PASS_OTHER_PORT);
		assert_int_equal(wg_xdp_set_config(env.x, PORT, 0), 0);
		/* No AF_XDP socket on the queue: the kernel gets it. */
		assert_int_equal(wg_xdp_set_xsk(env.x, false, 0, -1), 0);
		run("no socket", &s, XDP_PASS, WG_XDP_PASS_NO_SOCKET);
		assert_int_equal(wg_xdp_set_xsk(env.x, false, 0, env.xsk_fd),
				 0);
		run("socket back", &s, XDP_REDIRECT,
		    WG_XDP_REDIRECT_INITIATION);
	}
}

static void vlans(void **state)
{
	int n, v6;

	(void)state;
	for (v6 = 0; v6 < 2; v6++)
		for (n = 1; n <= 3; n++) {
			struct spec s = { .v6 = v6, .vlans = n, .word = 4,
					  .msg_len = 64 };

			if (n <= 2)
				run("VLAN tags", &s, XDP_REDIRECT,
				    WG_XDP_REDIRECT_DATA);
			else
				run("three VLAN tags", &s, XDP_PASS,
				    WG_XDP_PASS_NOT_IP);
		}
}

static void lengths(void **state)
{
	static const int deltas[] = { 1, -1, 16, -16, -4 };
	unsigned int i;
	int v6;

	(void)state;
	for (v6 = 0; v6 < 2; v6++) {
		for (i = 0; i < sizeof(deltas) / sizeof(deltas[0]); i++) {
			struct spec s = { .v6 = v6, .word = 1, .msg_len = 148,
					  .udp_len_delta = deltas[i] };

			run("UDP length off", &s, XDP_DROP,
			    WG_XDP_DROP_BAD_UDP_LEN);
			s.udp_len_delta = 0;
			s.ip_len_delta = deltas[i];
			run("IP length off", &s, XDP_DROP,
			    WG_XDP_DROP_BAD_UDP_LEN);
			/* Both agree on a longer packet than the frame. */
			s.udp_len_delta = deltas[i];
			if (deltas[i] > 0)
				run("both longer than frame", &s, XDP_DROP,
				    WG_XDP_DROP_TRUNCATED);
		}
		{
			/* UDP length below its own header. */
			struct spec s = { .v6 = v6, .word = 1, .msg_len = 148,
					  .udp_len_delta = -150 };

			run("UDP length 6", &s, XDP_DROP,
			    WG_XDP_DROP_BAD_UDP_LEN);
		}
		{
			/* Ethernet padding after the IP packet is fine. */
			struct spec s = { .v6 = v6, .word = 4, .msg_len = 32,
					  .trailer = 10 };

			run("trailer", &s, XDP_REDIRECT, WG_XDP_REDIRECT_DATA);
		}
		{
			/* Payload too short for the type word. */
			struct spec s = { .v6 = v6, .word = 4, .msg_len = 3 };

			run("3-byte payload", &s, XDP_DROP,
			    WG_XDP_DROP_TRUNCATED);
			s.msg_len = 0;
			run("empty payload", &s, XDP_DROP,
			    WG_XDP_DROP_TRUNCATED);
		}
	}
}

/* Every prefix of a full initiation frame, from 0 bytes up. */
static void truncated(void **state)
{
	int v6;

	(void)state;
	for (v6 = 0; v6 < 2; v6++) {
		struct spec s = { .v6 = v6, .word = 1, .msg_len = 148 };
		size_t full, hdrs = 14 + (v6 ? 40 : 20) + 8, len;
		uint8_t buf[FRAME_MAX];
		char name[64];

		full = build(&s, buf);
		assert_int_equal(full, hdrs + 148);
		for (len = 0; len <= full; len++) {
			snprintf(name, sizeof(name), "truncated v%d to %zu",
				 v6 ? 6 : 4, len);
			if (len < hdrs)
				run_frame(name, false, buf, len, XDP_PASS,
					  WG_XDP_PASS_MALFORMED);
			else if (len < full)
				run_frame(name, false, buf, len, XDP_DROP,
					  WG_XDP_DROP_TRUNCATED);
			else
				run_frame(name, false, buf, len, XDP_REDIRECT,
					  WG_XDP_REDIRECT_INITIATION);
		}
	}
}

static void peer_counters(void **state)
{
	struct wg_xdp_peer p = { .key_prefix = { 1, 2, 3, 4, 5, 6, 7, 8 },
				 .family = AF_INET, .port = 4242,
				 .tx_packets = 5 };
	struct spec s = { .word = 4, .msg_len = 100 };
	struct wg_xdp_peer got;

	(void)state;
	assert_int_equal(wg_xdp_set_peer(env.x, PEER_ID, &p), 0);
	run("data for a peer", &s, XDP_REDIRECT, WG_XDP_REDIRECT_DATA);
	run("data for a peer", &s, XDP_REDIRECT, WG_XDP_REDIRECT_DATA);
	assert_int_equal(wg_xdp_get_peer(env.x, PEER_ID, &got), 0);
	assert_int_equal(got.rx_packets, 2);
	assert_int_equal(got.rx_bytes, 200);
	assert_int_equal(got.tx_packets, 5);
	/* Updating the endpoint keeps what XDP counted. */
	p.port = 4343;
	assert_int_equal(wg_xdp_set_peer(env.x, PEER_ID, &p), 0);
	assert_int_equal(wg_xdp_get_peer(env.x, PEER_ID, &got), 0);
	assert_int_equal(got.rx_packets, 2);
	assert_int_equal(got.port, 4343);
	assert_int_equal(wg_xdp_del_peer(env.x, PEER_ID), 0);
	assert_int_equal(wg_xdp_get_peer(env.x, PEER_ID, &got), -ENOENT);
}

static uint64_t mono_ns(void);

/* The ratelimit key of s's source (IPv4 address, IPv6 /64). */
static struct wg_xdp_addr bucket_key(const struct spec *s)
{
	struct wg_xdp_addr k = { .family = s->v6 ? AF_INET6 : AF_INET };
	uint8_t src[18];

	src_bytes(s, src);
	memcpy(k.addr, src, s->v6 ? 8 : 4);
	return k;
}

/* Reads the bucket of s's source into b: 0, or -ENOENT without one. */
static int bucket(const struct spec *s, struct wg_xdp_bucket *b)
{
	struct wg_xdp_addr k = bucket_key(s);

	memset(b, 0, sizeof(*b));
	return bpf_map_lookup_elem(wg_xdp_map_fd(env.x, "ratelimit"), &k, b);
}

/* Was s's source ever charged (has it a bucket)? */
static bool charged(const struct spec *s)
{
	struct wg_xdp_bucket b;

	return !bucket(s, &b);
}

static void uncharge(const struct spec *s)
{
	struct wg_xdp_addr k = bucket_key(s);

	bpf_map_delete_elem(wg_xdp_map_fd(env.x, "ratelimit"), &k);
}

static void ratelimit(void **state)
{
	static const uint8_t net_a[8] = { 0xfd, 0, 0, 0, 0, 0, 0xaa, 0 };
	static const uint8_t net_b[8] = { 0xfd, 0, 0, 0, 0, 0, 0xbb, 0 };
	int i;

	(void)state;
	assert_int_equal(
		wg_xdp_set_config(env.x, PORT, WG_XDP_F_UNDER_LOAD), 0);
	/* Proven (mac2) handshakes are held to the burst. */
	for (i = 0; i < WG_XDP_RL_BURST; i++) {
		struct spec s = { .src_last = 50, .word = 1, .msg_len = 148,
				  .mac2 = true };

		run("proven burst within limit", &s, XDP_REDIRECT,
		    WG_XDP_REDIRECT_INITIATION);
	}
	{
		struct spec s = { .src_last = 50, .word = 1, .msg_len = 148,
				  .mac2 = true };

		run("6th proven initiation", &s, XDP_DROP,
		    WG_XDP_DROP_RATELIMIT);
		s.word = 2;
		s.msg_len = 92;
		run("proven response over limit", &s, XDP_DROP,
		    WG_XDP_DROP_RATELIMIT);
		/*
		 * A spent source is shed before its mac2 is computed,
		 * unproven messages too, and nothing is charged for them.
		 */
		{
			struct wg_xdp_bucket b0, b1;

			s.mac2 = false;
			bucket(&s, &b0);
			for (i = 0; i < 3 * WG_XDP_RL_BURST; i++)
				run("unproven, bucket spent: shed", &s, XDP_DROP,
				    WG_XDP_DROP_RATELIMIT);
			bucket(&s, &b1);
			assert_memory_equal(&b0, &b1, sizeof(b0));
		}
		/* Elsewhere unproven ones are never charged: cookies first. */
		s.src_last = 52;
		for (i = 0; i < 3 * WG_XDP_RL_BURST; i++)
			run("unproven response", &s, XDP_REDIRECT,
			    WG_XDP_REDIRECT_RESPONSE);
		s.word = 1;
		s.msg_len = 148;
		for (i = 0; i < 3 * WG_XDP_RL_BURST; i++)
			run("unproven initiation", &s, XDP_REDIRECT,
			    WG_XDP_REDIRECT_INITIATION);
		assert_false(charged(&s));
		/* A mac2 made for another port proves nothing. */
		{
			uint8_t buf[FRAME_MAX];
			size_t len;

			s.mac2 = true;
			s.sport = SRC_PORT + 1;
			len = build(&s, buf);
			put16(buf + 14 + 20, SRC_PORT);
			run_frame("mac2 for another port", false, buf, len,
				  XDP_REDIRECT, WG_XDP_REDIRECT_INITIATION);
			assert_false(charged(&s));
			s.sport = 0;
		}
		s.src_last = 50;
		/* Data is never rate limited. */
		s.word = 4;
		s.msg_len = 32;
		run("data over limit", &s, XDP_REDIRECT, WG_XDP_REDIRECT_DATA);
		s.word = 1;
		s.msg_len = 148;
		s.src_last = 51;
		run("another source", &s, XDP_REDIRECT,
		    WG_XDP_REDIRECT_INITIATION);
	}
	/* Junk and unproven messages from a source leave its budget whole. */
	{
		struct spec s = { .src_last = 60, .word = 1, .msg_len = 148,
				  .bad_mac1 = true };

		for (i = 0; i < 4 * WG_XDP_RL_BURST; i++)
			run("junk from the peer's address", &s, XDP_DROP,
			    WG_XDP_DROP_BAD_MAC1_INITIATION);
		s.bad_mac1 = false;
		for (i = 0; i < 4 * WG_XDP_RL_BURST; i++)
			run("valid mac1, no mac2, from the peer's address", &s,
			    XDP_REDIRECT, WG_XDP_REDIRECT_INITIATION);
		assert_false(charged(&s));
		s.mac2 = true;
		for (i = 0; i < WG_XDP_RL_BURST; i++)
			run("the peer still has its whole burst", &s,
			    XDP_REDIRECT, WG_XDP_REDIRECT_INITIATION);
		assert_true(charged(&s));
		run("and no more", &s, XDP_DROP, WG_XDP_DROP_RATELIMIT);
	}
	/* IPv6 sources share a bucket per /64. */
	for (i = 0; i < WG_XDP_RL_BURST; i++) {
		struct spec s = { .v6 = true, .src6_prefix = net_a,
				  .src_last = 10 + i, .word = 1,
				  .msg_len = 148, .mac2 = true };

		run("v6 burst", &s, XDP_REDIRECT, WG_XDP_REDIRECT_INITIATION);
	}
	{
		struct spec s = { .v6 = true, .src6_prefix = net_a,
				  .src_last = 99, .word = 1, .msg_len = 148,
				  .mac2 = true };

		run("6th from the same /64", &s, XDP_DROP,
		    WG_XDP_DROP_RATELIMIT);
		s.src6_prefix = net_b;
		run("another /64", &s, XDP_REDIRECT,
		    WG_XDP_REDIRECT_INITIATION);
	}
	/* Without the cookie secret XDP cannot tell proof: nothing charged. */
	{
		struct spec s = { .src_last = 54, .word = 1, .msg_len = 148,
				  .mac2 = true };

		assert_int_equal(wg_xdp_set_cookie_secret(env.x, 0, NULL, NULL, 0), 0);
		run("no secret: proven one passes uncharged", &s, XDP_REDIRECT,
		    WG_XDP_REDIRECT_INITIATION);
		assert_false(charged(&s));
		assert_int_equal(wg_xdp_set_cookie_secret(env.x, 7, secret, NULL, 0), 0);
		run("secret back: charged", &s, XDP_REDIRECT,
		    WG_XDP_REDIRECT_INITIATION);
		assert_true(charged(&s));
	}
	/* Not under load: no limit at all. */
	assert_int_equal(wg_xdp_set_config(env.x, PORT, 0), 0);
	for (i = 0; i < 3; i++) {
		struct spec s = { .src_last = 50, .word = 1, .msg_len = 148,
				  .mac2 = true };

		run("not under load", &s, XDP_REDIRECT,
		    WG_XDP_REDIRECT_INITIATION);
	}
}

/*
 * The secret just replaced still proves a source until its until_ns, as
 * the daemon takes it (cookie.h WG_COOKIE_PREV_NS); after that, no.
 */
static void prev_secret(void **state)
{
	uint8_t old[WG_HASH_LEN];
	struct spec s = { .src_last = 90, .word = 1, .msg_len = 148,
			  .mac2 = true };
	uint64_t now = mono_ns();

	(void)state;
	assert_int_equal(wg_xdp_set_config(env.x, PORT, WG_XDP_F_UNDER_LOAD),
			 0);
	/* s's mac2 is made with `secret`: make it the previous one. */
	memcpy(old, secret, sizeof(old));
	wg_random(secret, sizeof(secret));
	assert_int_equal(wg_xdp_set_cookie_secret(env.x, 8, secret, old,
						  now + 3600 * 1000000000ULL),
			 0);
	memcpy(secret, old, sizeof(old));
	run("mac2 of the previous secret, in time", &s, XDP_REDIRECT,
	    WG_XDP_REDIRECT_INITIATION);
	assert_true(charged(&s));
	uncharge(&s);
	memcpy(old, secret, sizeof(old));
	wg_random(secret, sizeof(secret));
	assert_int_equal(wg_xdp_set_cookie_secret(env.x, 9, secret, old, now),
			 0);
	memcpy(secret, old, sizeof(old));
	run("mac2 of the previous secret, too late", &s, XDP_REDIRECT,
	    WG_XDP_REDIRECT_INITIATION);
	assert_false(charged(&s));
	/* And as the current one again. */
	assert_int_equal(wg_xdp_set_cookie_secret(env.x, 10, secret, NULL, 0),
			 0);
	run("mac2 of the current secret", &s, XDP_REDIRECT,
	    WG_XDP_REDIRECT_INITIATION);
	assert_true(charged(&s));
	assert_int_equal(wg_xdp_set_config(env.x, PORT, 0), 0);
}

/* Handshakes while we have no private key: dropped, under their reason. */
static void no_key(void **state)
{
	struct spec i = { .word = 1, .msg_len = 148 };
	struct spec r = { .word = 2, .msg_len = 92 };

	(void)state;
	assert_int_equal(wg_xdp_set_hs_key(env.x, WG_XDP_KEY_MAC1, NULL), 0);
	run("initiation, no key", &i, XDP_DROP, WG_XDP_DROP_NO_KEY);
	run("response, no key", &r, XDP_DROP, WG_XDP_DROP_NO_KEY);
	i.word = 4;
	i.msg_len = 32;
	run("data, no key", &i, XDP_REDIRECT, WG_XDP_REDIRECT_DATA);
	assert_int_equal(wg_xdp_set_hs_key(env.x, WG_XDP_KEY_MAC1, mac1_key),
			 0);
	i.word = 1;
	i.msg_len = 148;
	run("initiation, key back", &i, XDP_REDIRECT,
	    WG_XDP_REDIRECT_INITIATION);
	run("response, key back", &r, XDP_REDIRECT, WG_XDP_REDIRECT_RESPONSE);
}

/* The program's clock for its next log sample (a global in .bss). */
static void set_next_log(uint64_t ns)
{
	uint32_t zero = 0;

	assert_int_equal(bpf_map_update_elem(wg_xdp_map_fd(env.x, ".bss"),
					     &zero, &ns, BPF_ANY),
			 0);
}

static uint64_t next_log(void)
{
	uint32_t zero = 0;
	uint64_t ns = 0;

	assert_int_equal(bpf_map_lookup_elem(wg_xdp_map_fd(env.x, ".bss"),
					     &zero, &ns),
			 0);
	return ns;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* One bad-mac1 handshake a second goes to the daemon, for its log. */
static void log_sample(void **state)
{
	struct spec s = { .word = 1, .msg_len = 148, .bad_mac1 = true };
	uint64_t t0, t1, next;

	(void)state;
	run("bad mac1, no sample due", &s, XDP_DROP,
	    WG_XDP_DROP_BAD_MAC1_INITIATION);
	set_next_log(0);
	t0 = mono_ns();
	run("bad mac1, sample due", &s, XDP_REDIRECT,
	    WG_XDP_REDIRECT_BAD_MAC1);
	t1 = mono_ns();
	next = next_log();
	/* The program's clock is CLOCK_MONOTONIC: the next one in a second. */
	assert_true(next >= t0 + 1000000000ULL && next <= t1 + 1000000000ULL);
	set_next_log(t1 + 3600 * 1000000000ULL);
	run("bad mac1 within the second", &s, XDP_DROP,
	    WG_XDP_DROP_BAD_MAC1_INITIATION);
	s.word = 2;
	s.msg_len = 92;
	set_next_log(0);
	run("bad mac1 response, sample due", &s, XDP_REDIRECT,
	    WG_XDP_REDIRECT_BAD_MAC1);
	set_next_log(~0ULL);
	run("bad mac1 response", &s, XDP_DROP, WG_XDP_DROP_BAD_MAC1_RESPONSE);
}

/* A fresh random identity and cookie secret for XDP and the checker. */
static void rekey(struct cookie_checker *cc, uint64_t gen, uint64_t now)
{
	wg_random(our_pub, sizeof(our_pub));
	wg_cookie_mac1_key(mac1_key, our_pub);
	wg_cookie_checker_update(cc, our_pub);
	wg_random(secret, sizeof(secret));
	pthread_mutex_lock(&cc->lock);
	memcpy(cc->secret, secret, sizeof(secret));
	cc->secret_birth = now;
	cc->has_secret = true;
	pthread_mutex_unlock(&cc->lock);
	assert_int_equal(wg_xdp_set_hs_key(env.x, WG_XDP_KEY_MAC1, mac1_key),
			 0);
	assert_int_equal(wg_xdp_set_cookie_secret(env.x, gen, secret, NULL, 0), 0);
}

static void flip_bit(uint8_t *p, size_t len)
{
	uint64_t r = rnd();

	p[(r >> 3) % len] ^= (uint8_t)(1u << (r & 7));
}

#define RANDOM_CASES 4000

/*
 * Random handshakes, random keys, random sources, mac1 and mac2 good or
 * spoilt in every way: the program's verdict, and whether it charged the
 * source, against the daemon's wg_cookie_checker_validate under load, and
 * its mac1 verdict without load.
 */
static void macs_random(void **state)
{
	static const enum wg_xdp_reason ok[] = { WG_XDP_REDIRECT_INITIATION,
						 WG_XDP_REDIRECT_RESPONSE };
	static const enum wg_xdp_reason bad[] = {
		WG_XDP_DROP_BAD_MAC1_INITIATION, WG_XDP_DROP_BAD_MAC1_RESPONSE
	};
	unsigned int seen[4][3] = { { 0 } };
	struct cookie_checker cc;
	uint64_t now = 1000 * 1000000000ULL;
	int n;

	(void)state;
	rng = seed;
	wg_cookie_checker_init(&cc);
	for (n = 0; n < RANDOM_CASES; n++) {
		uint8_t buf[FRAME_MAX], src[18], *msg;
		struct spec s = { 0 };
		enum wg_cookie_mac want;
		size_t len, mlen, off, srclen;
		unsigned int m1 = rnd() % 4, m2 = rnd() % 5;
		int t;

		if (n % 64 == 0)
			rekey(&cc, (uint64_t)n / 64 + 1, now);
		t = rnd() % 2;
		s.word = t ? 2 : 1;
		mlen = t ? WG_MSG_RESPONSE_LEN : WG_MSG_INITIATION_LEN;
		s.msg_len = mlen;
		s.v6 = rnd() % 2;
		s.src_last = 1 + rnd() % 254;
		s.sport = 1024 + rnd() % 60000;
		s.bad_mac1 = true; /* stamped below */
		if (s.v6) {
			static uint8_t pfx[8];
			uint64_t r = rnd();

			memcpy(pfx, &r, 8);
			pfx[0] = 0xfd;
			s.src6_prefix = pfx;
		}
		len = build(&s, buf);
		off = len - mlen;
		msg = buf + off;
		/* Random body behind the type (and the response's index). */
		for (size_t i = 4; i < mlen; i++)
			if (!t || i < 8 || i >= 12)
				msg[i] = (uint8_t)rnd();
		srclen = src_bytes(&s, src);
		wg_mac(msg + mlen - 32, mac1_key, sizeof(mac1_key), msg,
		       mlen - 32);
		if (m2 == 0 || m2 == 2)
			stamp_mac2(msg, mlen, src, srclen);
		else if (m2 == 1)
			memset(msg + mlen - 16, 0, 16);
		else if (m2 == 3) { /* valid for the next port */
			uint8_t other[18];

			memcpy(other, src, srclen);
			other[srclen - 1] ^= 1;
			stamp_mac2(msg, mlen, other, srclen);
		} /* m2 == 4: random, as the body */
		if (m2 == 2)
			flip_bit(msg + mlen - 16, 16);
		/*
		 * Spoilt mac1: a flipped bit in it, in the body it covers
		 * (not the type word or the receiver index, which other
		 * tests own and XDP checks first), or a random one.
		 */
		if (m1 == 1)
			flip_bit(msg + mlen - 32, 16);
		else if (m1 == 2)
			flip_bit(msg + 12, mlen - 32 - 12);
		else if (m1 == 3)
			wg_random(msg + mlen - 32, 16);

		want = wg_cookie_checker_validate(&cc, msg, mlen, src, srclen,
						  true, now);
		uncharge(&s);
		assert_int_equal(wg_xdp_set_config(env.x, PORT,
						   WG_XDP_F_UNDER_LOAD), 0);
		if (want == WG_COOKIE_MAC_INVALID_MAC1) {
			run_frame("random, bad mac1, load", false, buf, len,
				  XDP_DROP, bad[t]);
			check(!charged(&s), "case %d: bad mac1 charged", n);
		} else {
			run_frame("random, good mac1, load", false, buf, len,
				  XDP_REDIRECT, ok[t]);
			check(charged(&s) ==
				      (want == WG_COOKIE_MAC_VALID_COOKIE),
			      "case %d (type %d, mac1 %u, mac2 %u): XDP %s, "
			      "daemon %d", n, s.word, m1, m2,
			      charged(&s) ? "proven" : "unproven", want);
		}
		uncharge(&s);
		assert_int_equal(wg_xdp_set_config(env.x, PORT, 0), 0);
		run_frame("random, no load", false, buf, len,
			  want == WG_COOKIE_MAC_INVALID_MAC1 ? XDP_DROP :
							       XDP_REDIRECT,
			  want == WG_COOKIE_MAC_INVALID_MAC1 ? bad[t] : ok[t]);
		check(!charged(&s), "case %d: charged without load", n);
		seen[m1][want == WG_COOKIE_MAC_INVALID_MAC1 ? 0 :
			 want == WG_COOKIE_MAC_NEED_COOKIE  ? 1 :
							      2]++;
		random_cases++;
	}
	/* Every kind of case came up, and only valid mac1s passed. */
	assert_true(seen[0][1] > 0 && seen[0][2] > 0);
	for (int i = 1; i < 4; i++)
		assert_true(seen[i][0] > 0 && !seen[i][1] && !seen[i][2]);
	/* A last fresh identity for the fixtures that follow. */
	rekey(&cc, (uint64_t)RANDOM_CASES, now);
	wg_cookie_checker_destroy(&cc);
}

/* $WG_XDP_MAC1=0: handshakes reach the daemon unchecked, never charged. */
static void mac1_knob(void **state)
{
	struct spec s = { .word = 1, .msg_len = 148, .bad_mac1 = true };
	uint8_t buf[FRAME_MAX];
	struct wg_xdp *x;

	(void)state;
	setenv("WG_XDP_MAC1", "2", 1);
	assert_int_equal(wg_xdp_open(&x, NULL), -EINVAL);
	setenv("WG_XDP_MAC1", "0", 1);
	assert_int_equal(wg_xdp_open(&x, NULL), 0);
	unsetenv("WG_XDP_MAC1");
	assert_int_equal(wg_xdp_set_config(x, PORT, WG_XDP_F_UNDER_LOAD), 0);
	assert_int_equal(wg_xdp_add_local(x, AF_INET, local4), 0);
	/* No key and a bad mac1: on to the (missing) socket all the same. */
	run_frame_on(x, "knob: bad mac1 goes on", false, buf, build(&s, buf),
		     XDP_PASS, WG_XDP_PASS_NO_SOCKET, NULL);
	assert_int_equal(wg_xdp_set_hs_key(x, WG_XDP_KEY_MAC1, mac1_key), 0);
	assert_int_equal(wg_xdp_set_cookie_secret(x, 1, secret, NULL, 0), 0);
	s.bad_mac1 = false;
	s.mac2 = true;
	s.src_last = 77;
	for (int i = 0; i < 2 * WG_XDP_RL_BURST; i++)
		run_frame_on(x, "knob: proven, never charged", false, buf,
			     build(&s, buf), XDP_PASS, WG_XDP_PASS_NO_SOCKET, NULL);
	wg_xdp_close(x);
}

static uint32_t count_entries(int fd, size_t key_size)
{
	uint8_t key[64], next[64];
	uint32_t n = 0;
	void *prev = NULL;

	assert_true(key_size <= sizeof(key));
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, key_size);
		prev = key;
		n++;
	}
	return n;
}

static uint32_t map_id(int fd);

/* dir/name is the pin of x's current map name, holding n entries. */
static void pinned_whole(struct wg_xdp *x, const char *dir, const char *name,
			 uint32_t n)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	assert_true(fd >= 0);
	assert_int_equal(map_id(fd), map_id(wg_xdp_map_fd(x, name)));
	assert_int_equal(count_entries(fd, 4), n);
	close(fd);
}

/*
 * index and peers grow past their first size: every entry survives, XDP
 * and the pins follow the new maps, removal still works.
 */
static void maps_grow(void **state)
{
	const char *dir = WG_XDP_PIN_ROOT "/wgtestgrow";
	const uint32_t nidx = 5000, npeers = 600;
	struct wg_xdp_peer p = { .family = AF_INET, .port = 1 }, got;
	uint32_t n, max, i;
	uint8_t buf[FRAME_MAX];
	struct wg_xdp *x;
	int sock_ok;

	(void)state;
	assert_int_equal(wg_xdp_open(&x, "wgtestgrow"), 0);
	assert_int_equal(wg_xdp_map_usage(x, "index", &n, &max), 0);
	assert_int_equal(max, WG_XDP_INDEXES_MIN);
	for (i = 0; i < npeers; i++) {
		p.port = (uint16_t)i;
		assert_int_equal(wg_xdp_set_peer(x, 1000 + i, &p), 0);
	}
	for (i = 0; i < nidx; i++)
		assert_int_equal(wg_xdp_add_index(x, 0x10000 + i,
						  1000 + i % npeers), 0);
	/* Replacing an entry does not count it twice. */
	assert_int_equal(wg_xdp_add_index(x, 0x10000, 1000), 0);
	assert_int_equal(wg_xdp_map_usage(x, "index", &n, &max), 0);
	assert_int_equal(n, nidx);
	assert_true(max >= nidx && max <= 2 * nidx);
	assert_int_equal(wg_xdp_map_usage(x, "peers", &n, &max), 0);
	assert_int_equal(n, npeers);
	assert_true(max >= npeers && max <= 2 * npeers);
	for (i = 0; i < npeers; i += 97) {
		assert_int_equal(wg_xdp_get_peer(x, 1000 + i, &got), 0);
		assert_int_equal(got.port, i);
	}
	/* The pins name the grown maps, whole. */
	pinned_whole(x, dir, "index", nidx);
	pinned_whole(x, dir, "peers", npeers);

	/* XDP reads the grown maps: first and last index, peer counters. */
	assert_int_equal(wg_xdp_set_config(x, PORT, 0), 0);
	assert_int_equal(wg_xdp_add_local(x, AF_INET, local4), 0);
	sock_ok = !wg_xdp_set_xsk(x, false, 0, env.xsk_fd);
	for (i = 0; i < nidx; i += nidx - 1) {
		struct spec s = { .word = 4, .msg_len = 64,
				  .index = 0x10000 + i };

		run_frame_on(x, "index after growth", false, buf,
			     build(&s, buf), sock_ok ? XDP_REDIRECT : XDP_PASS,
			     sock_ok ? WG_XDP_REDIRECT_DATA :
				       WG_XDP_PASS_NO_SOCKET, NULL);
	}
	if (sock_ok) {
		assert_int_equal(wg_xdp_get_peer(x, 1000 + (nidx - 1) % npeers,
						 &got), 0);
		assert_int_equal(got.rx_packets, 1);
	}
	assert_int_equal(wg_xdp_del_index(x, 0x10000 + nidx - 1), 0);
	{
		struct spec s = { .word = 4, .msg_len = 64,
				  .index = 0x10000 + nidx - 1 };

		run_frame_on(x, "removed after growth", false, buf,
			     build(&s, buf), XDP_DROP,
			     WG_XDP_DROP_UNKNOWN_INDEX, NULL);
	}
	assert_int_equal(wg_xdp_map_usage(x, "index", &n, &max), 0);
	assert_int_equal(n, nidx - 1);
	wg_xdp_close(x);
	assert_true(access(dir, F_OK) < 0);
}

/* --- the LAN program (gateway mode) ------------------------------------- */

static const uint8_t net4[4] = { 192, 168, 50, 0 };
static const uint8_t hit4[4] = { 192, 168, 50, 9 };
static const uint8_t bcast_net4[4] = { 192, 168, 50, 255 };
static const uint8_t miss4[4] = { 192, 168, 51, 1 };
static const uint8_t net6[16] = { 0xfd, 0x10 };
static const uint8_t hit6[16] = { 0xfd, 0x10, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t miss6[16] = { 0xfd, 0x11, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t zero16[16] = { 0 };
#define ETH_L3 14 /* untagged frames: where the IP header starts */
#define LAN_MTU 1420

static void lan_config(uint32_t mtu, uint32_t tun_ifindex, uint32_t flags,
		       uint16_t mss)
{
	struct wg_xdp_lan_config lc = { .mtu = mtu, .tun_ifindex = tun_ifindex,
					.flags = flags, .mss = mss };

	memcpy(lc.mac, lan_mac, 6);
	assert_int_equal(wg_xdp_set_lan_config(env.x, &lc), 0);
}

/* Allowed IPs for the LAN tests: 192.168.50.0/24 and fd10::/64. */
static void lan_aips(bool add)
{
	if (add) {
		assert_int_equal(wg_xdp_add_aip(env.x, AF_INET, net4, 24, 7), 0);
		assert_int_equal(wg_xdp_add_aip(env.x, AF_INET6, net6, 64, 7),
				 0);
	} else {
		assert_int_equal(wg_xdp_del_aip(env.x, AF_INET, net4, 24), 0);
		assert_int_equal(wg_xdp_del_aip(env.x, AF_INET6, net6, 64), 0);
	}
}

static void default_routes(bool add)
{
	if (add) {
		assert_int_equal(wg_xdp_add_aip(env.x, AF_INET, zero16, 0, 8),
				 0);
		assert_int_equal(wg_xdp_add_aip(env.x, AF_INET6, zero16, 0, 8),
				 0);
	} else {
		assert_int_equal(wg_xdp_del_aip(env.x, AF_INET, zero16, 0), 0);
		assert_int_equal(wg_xdp_del_aip(env.x, AF_INET6, zero16, 0), 0);
	}
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * The pseudo-header of the IP packet at ip: its words, in network order,
 * into pseudo; returns how many bytes (12 or 40).
 */
static size_t pseudo_header(const uint8_t *ip, bool v6, uint8_t *pseudo)
{
	size_t len = v6 ? get16(ip + 4) : get16(ip + 2) - 20;

	if (v6) {
		memcpy(pseudo, ip + 8, 32);
		memset(pseudo + 32, 0, 8);
		pseudo[34] = len >> 8;
		pseudo[35] = len;
		pseudo[39] = ip[6];
		return 40;
	}
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = ip[9];
	pseudo[10] = len >> 8;
	pseudo[11] = len;
	return 12;
}

/*
 * The TCP or UDP checksum over the pseudo-header and the segment of the IP
 * packet at ip, as it stands: 0 when the checksum field is right; with the
 * field zeroed, the value it must hold.
 */
static uint16_t l4_sum(const uint8_t *ip, bool v6)
{
	size_t hl = v6 ? 40 : 20;
	size_t len = v6 ? get16(ip + 4) : get16(ip + 2) - hl;
	uint8_t pseudo[40 + FRAME_MAX + 1];
	size_t n = pseudo_header(ip, v6, pseudo);

	memcpy(pseudo + n, ip + hl, len);
	pseudo[n + len] = 0;
	return csum(pseudo, n + len + (len & 1));
}

static bool tcp_csum_ok(const uint8_t *ip, bool v6)
{
	return l4_sum(ip, v6) == 0;
}

/*
 * What Linux leaves in the checksum field of a segment whose checksum is
 * offloaded (CHECKSUM_PARTIAL): the pseudo-header's sum, folded, not
 * inverted.
 */
static uint16_t partial_of(const uint8_t *ip, bool v6)
{
	uint8_t pseudo[40];

	return ~csum(pseudo, pseudo_header(ip, v6, pseudo));
}

/*
 * A TCP segment from the LAN: flags, then the options (optlen bytes, a
 * multiple of 4) and payload bytes; checksums right. Returns the length.
 */
static size_t build_tcp(struct spec s, uint8_t *buf, uint8_t flags,
			const uint8_t *opts, size_t optlen, size_t payload)
{
	size_t hl = s.v6 ? 40 : 20, l4 = 20 + optlen + payload, len;
	uint8_t *th;

	s.proto = IPPROTO_TCP;
	s.msg_len = l4 - 8;
	len = build(&s, buf);
	th = buf + ETH_L3 + hl;
	memset(th, 0, l4);
	put16(th, 40000);
	put16(th + 2, 443);
	put_le32(th + 4, 0x01020304);
	th[12] = (uint8_t)((5 + optlen / 4) << 4);
	th[13] = flags;
	put16(th + 14, 64240);
	memcpy(th + 20, opts, optlen);
	for (size_t i = 0; i < payload; i++)
		th[20 + optlen + i] = (uint8_t)i;
	put16(th + 16, l4_sum(buf + ETH_L3, s.v6));
	assert_true(tcp_csum_ok(buf + ETH_L3, s.v6));
	return len;
}

/* The MSS option's value in the segment of an untagged frame (0: none). */
static unsigned int mss_of(const uint8_t *frame, bool v6)
{
	const uint8_t *th = frame + ETH_L3 + (v6 ? 40 : 20);
	size_t hl = (size_t)(th[12] >> 4) * 4, i = 20;

	while (i + 1 < hl) {
		if (th[i] == 0)
			break;
		if (th[i] == 1) {
			i++;
			continue;
		}
		if (th[i] == 2 && th[i + 1] == 4)
			return get16(th + i + 2);
		if (th[i + 1] < 2)
			break;
		i += th[i + 1];
	}
	return 0;
}

static void lan_basics(void **state)
{
	static const uint8_t mcast4[4] = { 224, 0, 0, 251 };
	static const uint8_t bcast4[4] = { 255, 255, 255, 255 };
	static const uint8_t loop4[4] = { 127, 0, 0, 1 };
	static const uint8_t mcast6[16] = { 0xff, 0x02, [15] = 1 };
	static const uint8_t ll6[16] = { 0xfe, 0x80, [15] = 1 };
	static const uint8_t loop6[16] = { [15] = 1 };

	(void)state;
	lan_config(LAN_MTU, 0, 0, 0);
	lan_aips(true);
	assert_int_equal(wg_xdp_add_lan_addr(env.x, AF_INET, local4,
					     WG_XDP_LAN_ADDR_LOCAL), 0);
	assert_int_equal(wg_xdp_add_lan_addr(env.x, AF_INET6, local6,
					     WG_XDP_LAN_ADDR_LOCAL), 0);
	{
		struct spec s = { .dst = hit4, .msg_len = 10 };

		run_lan("LAN hit", &s, XDP_REDIRECT, WG_XDP_REDIRECT_LAN);
		s.proto = IPPROTO_TCP;
		run_lan("LAN hit, TCP", &s, XDP_REDIRECT, WG_XDP_REDIRECT_LAN);
		s.dst = miss4;
		run_lan("LAN miss", &s, XDP_PASS, WG_XDP_PASS_LAN_NO_PEER);
		s.dst = local4;
		run_lan("LAN to us", &s, XDP_PASS, WG_XDP_PASS_LAN_LOCAL);
	}
	{
		struct spec s = { .v6 = true, .dst = hit6, .msg_len = 10 };

		run_lan("LAN v6 hit", &s, XDP_REDIRECT, WG_XDP_REDIRECT_LAN);
		s.dst = miss6;
		run_lan("LAN v6 miss", &s, XDP_PASS, WG_XDP_PASS_LAN_NO_PEER);
		s.dst = local6;
		run_lan("LAN v6 to us", &s, XDP_PASS, WG_XDP_PASS_LAN_LOCAL);
	}
	/* A default route through the tunnel still spares local traffic. */
	default_routes(true);
	{
		struct spec s = { .dst = miss4, .msg_len = 10 };

		run_lan("LAN default route", &s, XDP_REDIRECT,
			WG_XDP_REDIRECT_LAN);
		s.dst = local4;
		run_lan("LAN local address", &s, XDP_PASS,
			WG_XDP_PASS_LAN_LOCAL);
		s.dst = mcast4;
		run_lan("LAN multicast", &s, XDP_PASS, WG_XDP_PASS_LAN_LOCAL);
		s.dst = bcast4;
		run_lan("LAN limited broadcast, unicast MAC", &s, XDP_PASS,
			WG_XDP_PASS_LAN_LOCAL);
		s.dst = loop4;
		run_lan("LAN to 127.0.0.1", &s, XDP_PASS,
			WG_XDP_PASS_LAN_LOCAL);
		s.v6 = true;
		s.dst = mcast6;
		run_lan("LAN v6 multicast", &s, XDP_PASS,
			WG_XDP_PASS_LAN_LOCAL);
		s.dst = ll6;
		run_lan("LAN v6 link-local", &s, XDP_PASS,
			WG_XDP_PASS_LAN_LOCAL);
		s.dst = loop6;
		run_lan("LAN v6 loopback", &s, XDP_PASS,
			WG_XDP_PASS_LAN_LOCAL);
		s.dst = zero16;
		run_lan("LAN v6 unspecified", &s, XDP_PASS,
			WG_XDP_PASS_LAN_LOCAL);
		s.dst = local6;
		run_lan("LAN v6 local", &s, XDP_PASS, WG_XDP_PASS_LAN_LOCAL);
		s.dst = miss6;
		run_lan("LAN v6 default", &s, XDP_REDIRECT,
			WG_XDP_REDIRECT_LAN);
		s.ethertype = ETH_P_ARP;
		run_lan("LAN ARP", &s, XDP_PASS, WG_XDP_PASS_NOT_IP);
	}
	{
		struct spec s = { .dst = hit4, .msg_len = 10 };
		uint8_t buf[FRAME_MAX], out[FRAME_MAX];
		size_t len = build(&s, buf);

		run_frame("LAN truncated", true, buf, 20, XDP_PASS,
			  WG_XDP_PASS_MALFORMED);
		assert_int_equal(wg_xdp_set_xsk(env.x, true, 0, -1), 0);
		/* Left to the kernel as it came: the TTL is the kernel's. */
		assert_int_equal(run_frame_out("LAN no socket", true, buf, len,
					       XDP_PASS, WG_XDP_PASS_NO_SOCKET,
					       out),
				 len);
		assert_memory_equal(out, buf, len);
		assert_int_equal(wg_xdp_set_xsk(env.x, true, 0, env.xsk_fd),
				 0);
	}
	default_routes(false);
	lan_aips(false);
	{
		struct spec s = { .dst = hit4, .msg_len = 10 };

		run_lan("LAN after removal", &s, XDP_PASS,
			WG_XDP_PASS_LAN_NO_PEER);
	}
	assert_int_equal(wg_xdp_add_aip(env.x, AF_INET, hit4, 33, 1), -EINVAL);
	assert_int_equal(wg_xdp_add_aip(env.x, AF_UNIX, hit4, 8, 1),
			 -EAFNOSUPPORT);
}

/* Only untagged unicast frames to the LAN's own MAC are a router's. */
static void lan_frames(void **state)
{
	static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff,
					      0xff };
	static const uint8_t mcast_mac[6] = { 0x01, 0x00, 0x5e, 0, 0, 0xfb };
	static const uint8_t mcast6_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	static const uint8_t other_mac[6] = { 0x02, 0, 0, 0, 0, 0x07 };
	struct wg_xdp_lan_config none = { .mtu = LAN_MTU };

	(void)state;
	lan_config(LAN_MTU, 0, 0, 0);
	lan_aips(true);
	for (int v6 = 0; v6 < 2; v6++) {
		struct spec s = { .v6 = v6, .dst = v6 ? hit6 : hit4,
				  .msg_len = 10 };

		s.dst_mac = bcast_mac;
		run_lan("LAN broadcast frame", &s, XDP_PASS,
			WG_XDP_PASS_LAN_NOT_US);
		s.dst_mac = v6 ? mcast6_mac : mcast_mac;
		run_lan("LAN multicast frame", &s, XDP_PASS,
			WG_XDP_PASS_LAN_NOT_US);
		s.dst_mac = other_mac;
		run_lan("LAN frame for another host", &s, XDP_PASS,
			WG_XDP_PASS_LAN_NOT_US);
		s.dst_mac = NULL;
		/* Tagged frames are a VLAN interface's (or, VLAN 0, the
		 * kernel's to untag): never parsed at the wrong offset. */
		s.vlans = 1;
		run_lan("LAN 802.1Q frame", &s, XDP_PASS,
			WG_XDP_PASS_LAN_VLAN);
		s.vlans = 2;
		run_lan("LAN 802.1ad frame", &s, XDP_PASS,
			WG_XDP_PASS_LAN_VLAN);
		s.vlans = 0;
		run_lan("LAN untagged frame", &s, XDP_REDIRECT,
			WG_XDP_REDIRECT_LAN);
		/* Until the daemon writes the MAC, nothing is taken. */
		assert_int_equal(wg_xdp_set_lan_config(env.x, &none), 0);
		s.dst_mac = (const uint8_t *)none.mac;
		run_lan("LAN no MAC configured", &s, XDP_PASS,
			WG_XDP_PASS_LAN_NOT_US);
		s.dst_mac = NULL;
		run_lan("LAN no MAC configured, to ours", &s, XDP_PASS,
			WG_XDP_PASS_LAN_NOT_US);
		lan_config(LAN_MTU, 0, 0, 0);
	}
	{
		struct spec s = { .vlans = 1, .ethertype = ETH_P_ARP };

		run_lan("LAN tagged ARP", &s, XDP_PASS, WG_XDP_PASS_LAN_VLAN);
	}
	lan_aips(false);
}

/* This host's addresses and directed broadcasts, and their resync. */
static void lan_addrs(void **state)
{
	static const uint8_t hit4b[4] = { 192, 168, 50, 10 };
	struct wg_xdp_lan_entry set[4];
	struct spec s = { .dst = bcast_net4, .msg_len = 10 };

	(void)state;
	lan_config(LAN_MTU, 0, 0, 0);
	lan_aips(true);
	/* The subnet's broadcast is inside the allowed IPs: only the map
	 * keeps it on the LAN. */
	run_lan("LAN directed broadcast, unknown", &s, XDP_REDIRECT,
		WG_XDP_REDIRECT_LAN);
	assert_int_equal(wg_xdp_add_lan_addr(env.x, AF_INET, bcast_net4,
					     WG_XDP_LAN_ADDR_BROADCAST), 0);
	run_lan("LAN directed broadcast", &s, XDP_PASS,
		WG_XDP_PASS_LAN_BROADCAST);
	/* A broadcast never hides an address of this host, nor the reverse. */
	assert_int_equal(wg_xdp_add_lan_addr(env.x, AF_INET, bcast_net4,
					     WG_XDP_LAN_ADDR_LOCAL), 0);
	run_lan("LAN address that is also a broadcast", &s, XDP_PASS,
		WG_XDP_PASS_LAN_LOCAL);
	assert_int_equal(wg_xdp_add_lan_addr(env.x, AF_INET, bcast_net4,
					     WG_XDP_LAN_ADDR_BROADCAST), 0);
	run_lan("LAN broadcast added after the address", &s, XDP_PASS,
		WG_XDP_PASS_LAN_LOCAL);
	assert_int_equal(wg_xdp_add_lan_addr(env.x, AF_INET, bcast_net4, 9),
			 -EINVAL);

	/* A resync: what is in the set stays or arrives, the rest goes. */
	memset(set, 0, sizeof(set));
	set[0].addr.family = AF_INET;
	memcpy(set[0].addr.addr, hit4b, 4);
	set[0].kind = WG_XDP_LAN_ADDR_LOCAL;
	set[1].addr.family = AF_INET;
	memcpy(set[1].addr.addr, bcast_net4, 4);
	set[1].kind = WG_XDP_LAN_ADDR_BROADCAST;
	set[2] = set[0]; /* the same address twice (two interfaces) */
	set[3].addr.family = AF_INET6;
	memcpy(set[3].addr.addr, hit6, 16);
	set[3].kind = WG_XDP_LAN_ADDR_LOCAL;
	assert_int_equal(wg_xdp_sync_lan_addrs(env.x, set, 4), 0);
	run_lan("LAN broadcast after resync", &s, XDP_PASS,
		WG_XDP_PASS_LAN_BROADCAST);
	s.dst = hit4b;
	run_lan("LAN address added by resync", &s, XDP_PASS,
		WG_XDP_PASS_LAN_LOCAL);
	s.dst = local4;
	s.v6 = false;
	{
		struct spec v6 = { .v6 = true, .dst = hit6, .msg_len = 10 };

		run_lan("LAN v6 address added by resync", &v6, XDP_PASS,
			WG_XDP_PASS_LAN_LOCAL);
		v6.dst = local6;
		default_routes(true);
		run_lan("LAN v6 address removed by resync", &v6, XDP_REDIRECT,
			WG_XDP_REDIRECT_LAN);
	}
	run_lan("LAN address removed by resync", &s, XDP_REDIRECT,
		WG_XDP_REDIRECT_LAN);
	default_routes(false);
	assert_int_equal(wg_xdp_sync_lan_addrs(env.x, NULL, 0), 0);
	s.dst = hit4b;
	run_lan("LAN empty resync", &s, XDP_REDIRECT, WG_XDP_REDIRECT_LAN);
	lan_aips(false);
}

/* Malformed and option-carrying headers are the kernel's to judge. */
static void lan_headers(void **state)
{
	uint8_t buf[FRAME_MAX];
	size_t len;

	(void)state;
	lan_config(LAN_MTU, 0, 0, 0);
	lan_aips(true);
	{
		struct spec s = { .dst = hit4, .msg_len = 10, .ihl = 6 };

		run_lan("LAN IPv4 options", &s, XDP_PASS,
			WG_XDP_PASS_LAN_IP_OPTIONS);
		s.ihl = 4;
		run_lan("LAN IPv4 ihl 4", &s, XDP_PASS, WG_XDP_PASS_MALFORMED);
		s.ihl = 0;
		s.bad_version = true;
		run_lan("LAN IPv4 bad version", &s, XDP_PASS,
			WG_XDP_PASS_MALFORMED);
		s.bad_version = false;
		s.ip_len_delta = 1;
		run_lan("LAN IPv4 longer than the frame", &s, XDP_PASS,
			WG_XDP_PASS_MALFORMED);
		s.ip_len_delta = -30;
		run_lan("LAN IPv4 length under the header", &s, XDP_PASS,
			WG_XDP_PASS_MALFORMED);
		s.ip_len_delta = 0;
		len = build(&s, buf);
		buf[ETH_L3 + 10] ^= 0x40;
		run_frame("LAN IPv4 bad header checksum", true, buf, len,
			  XDP_PASS, WG_XDP_PASS_MALFORMED);
	}
	{
		struct spec s = { .v6 = true, .dst = hit6, .msg_len = 10 };

		/* Next header 0 (hop-by-hop), which spec cannot say. */
		len = build(&s, buf);
		buf[ETH_L3 + 6] = IPPROTO_HOPOPTS;
		run_frame("LAN IPv6 hop-by-hop", true, buf, len, XDP_PASS,
			  WG_XDP_PASS_LAN_IP_OPTIONS);
		s.proto = IPPROTO_ROUTING; /* only hop-by-hop is a router's */
		run_lan("LAN IPv6 routing header", &s, XDP_REDIRECT,
			WG_XDP_REDIRECT_LAN);
		s.proto = 0;
		s.ip_len_delta = 1;
		run_lan("LAN IPv6 longer than the frame", &s, XDP_PASS,
			WG_XDP_PASS_MALFORMED);
		s.ip_len_delta = 0;
		s.bad_version = true;
		run_lan("LAN IPv6 bad version", &s, XDP_PASS,
			WG_XDP_PASS_MALFORMED);
	}
	lan_aips(false);
}

/* TTL and hop limit: decremented when forwarded, expired left to the kernel. */
static void lan_ttl(void **state)
{
	uint8_t buf[FRAME_MAX], out[FRAME_MAX];
	size_t len, n;

	(void)state;
	lan_config(LAN_MTU, 0, 0, 0);
	lan_aips(true);
	for (int v6 = 0; v6 < 2; v6++) {
		struct spec s = { .v6 = v6, .dst = v6 ? hit6 : hit4,
				  .msg_len = 10 };
		size_t ttl_at = ETH_L3 + (v6 ? 7 : 8);

		s.ttl = 1;
		run_lan("LAN TTL 1", &s, XDP_PASS, WG_XDP_PASS_LAN_TTL);
		s.ttl = -1;
		run_lan("LAN TTL 0", &s, XDP_PASS, WG_XDP_PASS_LAN_TTL);
		for (int ttl = 2; ttl <= 255; ttl += 253 - 2 * (ttl > 2)) {
			s.ttl = ttl;
			len = build(&s, buf);
			n = run_frame_out("LAN TTL decremented", true, buf, len,
					  XDP_REDIRECT, WG_XDP_REDIRECT_LAN,
					  out);
			assert_int_equal(n, len);
			assert_int_equal(out[ttl_at], ttl - 1);
			if (!v6)
				assert_int_equal(csum(out + ETH_L3, 20), 0);
			/* Nothing else changed. */
			out[ttl_at] = buf[ttl_at];
			if (!v6)
				memcpy(out + ETH_L3 + 10, buf + ETH_L3 + 10, 2);
			assert_memory_equal(out, buf, len);
		}
		/* Checksums whose update carries (0xffff and 0x0000 edges). */
		for (unsigned int id = 0; !v6 && id < 0x10000; id += 0x1111) {
			s.ttl = 64;
			len = build(&s, buf);
			put16(buf + ETH_L3 + 4, (uint16_t)id);
			put16(buf + ETH_L3 + 10, 0);
			put16(buf + ETH_L3 + 10, csum(buf + ETH_L3, 20));
			run_frame_out("LAN TTL checksum", true, buf, len,
				      XDP_REDIRECT, WG_XDP_REDIRECT_LAN, out);
			assert_int_equal(csum(out + ETH_L3, 20), 0);
		}
		/* Ethernet padding is trimmed: the tunnel carries the packet. */
		s.ttl = 0;
		s.trailer = 18;
		len = build(&s, buf);
		n = run_frame_out("LAN padding trimmed", true, buf, len,
				  XDP_REDIRECT, WG_XDP_REDIRECT_LAN, out);
		assert_int_equal(n, len - 18);
	}
	lan_aips(false);
}

/* A TUN device in the test's namespace whose MTU the program reads. */
static int make_tun(const char *name, int *fd)
{
	struct ifreq ifr = { .ifr_flags = IFF_TUN | IFF_NO_PI };

	*fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (*fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(*fd, TUNSETIFF, &ifr) < 0) {
		close(*fd);
		return -errno;
	}
	return (int)if_nametoindex(name);
}

static int sh(const char *cmd);

/* A packet of ip_len bytes (IPv4 with DF or not, or IPv6) to a peer. */
static void mtu_case(const char *name, bool v6, bool df, size_t ip_len,
		     enum wg_xdp_reason reason)
{
	struct spec s = { .v6 = v6, .dst = v6 ? hit6 : hit4,
			  .frag = df ? 0x4000 : 0,
			  .msg_len = ip_len - (v6 ? 40 : 20) - 8 };

	run_lan(name, &s, reason == WG_XDP_PASS_LAN_TOO_BIG ? XDP_PASS :
							      XDP_REDIRECT,
		reason);
}

/* Larger than the tunnel: the kernel sends the ICMP error (or fragments). */
static void lan_mtu(void **state)
{
	int fd, tun;

	(void)state;
	lan_aips(true);
	lan_config(LAN_MTU, 0, 0, 0);
	for (int v6 = 0; v6 < 2; v6++) {
		mtu_case("LAN at the MTU", v6, true, LAN_MTU,
			 WG_XDP_REDIRECT_LAN);
		mtu_case("LAN over the MTU, DF", v6, true, LAN_MTU + 1,
			 WG_XDP_PASS_LAN_TOO_BIG);
		mtu_case("LAN over the MTU, full frame", v6, true, 1500,
			 WG_XDP_PASS_LAN_TOO_BIG);
	}
	/* IPv4 without DF: the kernel fragments it into the tunnel. */
	mtu_case("LAN over the MTU, no DF", false, false, LAN_MTU + 1,
		 WG_XDP_PASS_LAN_TOO_BIG);

	/* The TUN device's own MTU, read at every packet. */
	tun = make_tun("wgtun0", &fd);
	assert_true(tun > 0);
	assert_int_equal(sh("ip link set wgtun0 mtu 1300"), 0);
	lan_config(LAN_MTU, (uint32_t)tun, 0, 0);
	mtu_case("LAN at the TUN MTU", false, true, 1300, WG_XDP_REDIRECT_LAN);
	mtu_case("LAN over the TUN MTU", false, true, 1301,
		 WG_XDP_PASS_LAN_TOO_BIG);
	mtu_case("LAN v6 over the TUN MTU", true, true, 1301,
		 WG_XDP_PASS_LAN_TOO_BIG);
	assert_int_equal(sh("ip link set wgtun0 mtu 1400"), 0);
	mtu_case("LAN after the TUN MTU rose", false, true, 1301,
		 WG_XDP_REDIRECT_LAN);
	mtu_case("LAN over the new TUN MTU", false, true, 1401,
		 WG_XDP_PASS_LAN_TOO_BIG);
	close(fd);
	/* The device gone (or in another namespace): the daemon's copy. */
	mtu_case("LAN TUN gone, daemon's MTU", false, true, 1401,
		 WG_XDP_REDIRECT_LAN);
	mtu_case("LAN TUN gone, over the daemon's MTU", false, true,
		 LAN_MTU + 1, WG_XDP_PASS_LAN_TOO_BIG);
	lan_config(LAN_MTU, 0, 0, 0);
	lan_aips(false);
}

/* MSS clamping of SYNs, with the checksum kept right. */
static void lan_mss(void **state)
{
	static const uint8_t mss1460[4] = { 2, 4, 0x05, 0xb4 };
	static const uint8_t mss1200[4] = { 2, 4, 0x04, 0xb0 };
	/* Linux's SYN: MSS, SACK permitted, timestamps, NOP, window scale. */
	static const uint8_t linux_syn[20] = { 2,    4, 0x05, 0xb4, 4, 2, 8,
					       10,   0, 0,	  0,	1, 0, 0,
					       0,    0, 1,	  3,	3, 7 };
	/* MSS last, after NOPs and a timestamp. */
	static const uint8_t mss_last[16] = { 1, 1, 8, 10, 0, 0, 0, 1, 0,
					      0, 0, 0, 2, 4, 0x05, 0xb4 };
	static const uint8_t no_mss[12] = { 1, 1, 8, 10, 0, 0, 0, 1, 0, 0,
					    0, 0 };
	static const uint8_t after_eol[8] = { 0, 0, 0, 0, 2, 4, 0x05, 0xb4 };
	static const uint8_t bad_len[8] = { 3, 0, 2, 4, 0x05, 0xb4, 0, 0 };
	uint8_t buf[FRAME_MAX], out[FRAME_MAX];
	size_t len;

	(void)state;
	lan_aips(true);
	lan_config(LAN_MTU, 0, 0, 0);
	{
		struct spec s = { .dst = hit4 };

		len = build_tcp(s, buf, 0x02, mss1460, 4, 0);
		run_frame_out("LAN SYN, no clamping asked", true, buf, len,
			      XDP_REDIRECT, WG_XDP_REDIRECT_LAN, out);
		assert_int_equal(mss_of(out, false), 1460);
	}
	lan_config(LAN_MTU, 0, WG_XDP_LAN_F_MSS_CLAMP, 0);
	for (int v6 = 0; v6 < 2; v6++) {
		struct spec s = { .v6 = v6, .dst = v6 ? hit6 : hit4 };
		unsigned int want = LAN_MTU - (v6 ? 60 : 40);
		struct {
			const char *name;
			uint8_t flags;
			const uint8_t *opts;
			size_t optlen, payload;
			unsigned int mss;
			enum wg_xdp_reason reason;
		} c[] = {
			{ "LAN SYN clamped", 0x02, mss1460, 4, 0, want,
			  WG_XDP_REDIRECT_LAN_MSS },
			{ "LAN SYN-ACK clamped", 0x12, mss1460, 4, 0, want,
			  WG_XDP_REDIRECT_LAN_MSS },
			{ "LAN Linux SYN clamped", 0x02, linux_syn, 20, 0, want,
			  WG_XDP_REDIRECT_LAN_MSS },
			{ "LAN SYN, MSS last", 0x02, mss_last, 16, 0, want,
			  WG_XDP_REDIRECT_LAN_MSS },
			{ "LAN SYN with data clamped", 0x02, mss1460, 4, 33,
			  want, WG_XDP_REDIRECT_LAN_MSS },
			{ "LAN SYN, MSS already small", 0x02, mss1200, 4, 0,
			  1200, WG_XDP_REDIRECT_LAN },
			{ "LAN SYN without MSS", 0x02, no_mss, 12, 0, 0,
			  WG_XDP_REDIRECT_LAN },
			{ "LAN SYN, MSS after EOL", 0x02, after_eol, 8, 0, 0,
			  WG_XDP_REDIRECT_LAN },
			{ "LAN SYN, bad option length", 0x02, bad_len, 8, 0, 0,
			  WG_XDP_REDIRECT_LAN },
			{ "LAN ACK untouched", 0x10, mss1460, 4, 0, 1460,
			  WG_XDP_REDIRECT_LAN },
			{ "LAN SYN+RST untouched", 0x06, mss1460, 4, 0, 1460,
			  WG_XDP_REDIRECT_LAN },
		};

		for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
			len = build_tcp(s, buf, c[i].flags, c[i].opts,
					c[i].optlen, c[i].payload);
			assert_int_equal(run_frame_out(c[i].name, true, buf,
						       len, XDP_REDIRECT,
						       c[i].reason, out),
					 len);
			if (mss_of(out, v6) != c[i].mss)
				fail_msg("%s (v%d): MSS %u, want %u", c[i].name,
					 v6 ? 6 : 4, mss_of(out, v6), c[i].mss);
			if (!tcp_csum_ok(out + ETH_L3, v6))
				fail_msg("%s: TCP checksum wrong", c[i].name);
			if (!v6)
				assert_int_equal(csum(out + ETH_L3, 20), 0);
		}
	}
	{
		struct spec s = { .dst = hit4 };

		/* A fixed clamp, never above what the MTU allows. */
		lan_config(LAN_MTU, 0, WG_XDP_LAN_F_MSS_CLAMP, 1300);
		len = build_tcp(s, buf, 0x02, mss1460, 4, 0);
		run_frame_out("LAN SYN, fixed clamp", true, buf, len,
			      XDP_REDIRECT, WG_XDP_REDIRECT_LAN_MSS, out);
		assert_int_equal(mss_of(out, false), 1300);
		assert_true(tcp_csum_ok(out + ETH_L3, false));
		lan_config(LAN_MTU, 0, WG_XDP_LAN_F_MSS_CLAMP, 1400);
		run_frame_out("LAN SYN, fixed clamp over the MTU", true, buf,
			      len, XDP_REDIRECT, WG_XDP_REDIRECT_LAN_MSS, out);
		assert_int_equal(mss_of(out, false), LAN_MTU - 40);
		/* A fragment's first bytes are not a whole segment. */
		s.frag = 0x2000;
		len = build_tcp(s, buf, 0x02, mss1460, 4, 0);
		run_frame_out("LAN SYN in a fragment", true, buf, len,
			      XDP_REDIRECT, WG_XDP_REDIRECT_LAN, out);
		assert_int_equal(mss_of(out, false), 1460);
		s.frag = 0;
		/* Options that claim more than the IP packet holds. */
		len = build_tcp(s, buf, 0x02, mss1460, 4, 0);
		buf[ETH_L3 + 20 + 12] = 0xf0; /* doff 15 */
		memset(buf + len, 0, 40);
		run_frame_out("LAN SYN, options past the packet", true, buf,
			      len + 40, XDP_REDIRECT, WG_XDP_REDIRECT_LAN,
			      out);
		assert_int_equal(out[ETH_L3 + 20 + 22], 0x05);
		assert_int_equal(out[ETH_L3 + 20 + 23], 0xb4);
		assert_int_equal(wg_xdp_set_lan_config(env.x, &(struct
			wg_xdp_lan_config){ .flags = 1U << 7 }), -EINVAL);
	}
	lan_config(LAN_MTU, 0, 0, 0);
	lan_aips(false);
}

/*
 * A UDP datagram from the LAN with payload bytes and a right checksum (its
 * last two payload bytes chosen so that the sum is 0xffff, when zero_sum:
 * a checksum that computes to 0 and must be sent as 0xffff).
 */
static size_t build_udp(struct spec s, uint8_t *buf, size_t payload,
			bool zero_sum)
{
	size_t hl = s.v6 ? 40 : 20, len;
	uint8_t *uh;

	s.proto = IPPROTO_UDP;
	s.msg_len = payload;
	len = build(&s, buf);
	uh = buf + ETH_L3 + hl;
	for (size_t i = 0; i < payload; i++)
		uh[8 + i] = (uint8_t)(i * 7 + 1);
	put16(uh + 6, 0);
	if (zero_sum) {
		uint16_t w;

		put16(uh + 8 + payload - 2, 0);
		w = (uint16_t)~l4_sum(buf + ETH_L3, s.v6); /* the fold */
		put16(uh + 8 + payload - 2, (uint16_t)(0xffff - w));
		assert_int_equal(l4_sum(buf + ETH_L3, s.v6), 0);
		put16(uh + 6, 0xffff);
	} else {
		put16(uh + 6, l4_sum(buf + ETH_L3, s.v6));
	}
	assert_true(tcp_csum_ok(buf + ETH_L3, s.v6));
	return len;
}

/*
 * A checksum left to offload (a veth neighbour's) is completed; the rest
 * of the packet is as forwarding leaves it.
 */
static void lan_csum(void **state)
{
	static const uint8_t mss1460[4] = { 2, 4, 0x05, 0xb4 };
	static const size_t sizes[] = { 0, 1, 2, 33, 235, 236, 237, 491, 492,
					493, 1000, 1372 };
	uint8_t buf[FRAME_MAX], out[FRAME_MAX], want[FRAME_MAX];
	size_t len;

	(void)state;
	lan_aips(true);
	lan_config(LAN_MTU, 0, 0, 0);
	for (int v6 = 0; v6 < 2; v6++) {
		struct spec s = { .v6 = v6, .dst = v6 ? hit6 : hit4 };
		size_t hl = v6 ? 40 : 20, csum_at = ETH_L3 + hl;

		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			for (int udp = 0; udp < 2; udp++) {
				size_t pay = sizes[i];

				if (udp)
					len = build_udp(s, buf, pay + 2, false);
				else
					len = build_tcp(s, buf, 0x10, mss1460, 0,
							pay);
				if (len - ETH_L3 > LAN_MTU)
					continue;
				memcpy(want, buf, len);
				/* As the sender's stack leaves it. */
				put16(buf + csum_at + (udp ? 6 : 16),
				      partial_of(buf + ETH_L3, v6));
				assert_false(tcp_csum_ok(buf + ETH_L3, v6));
				run_frame_out(udp ? "LAN UDP offloaded checksum" :
						    "LAN TCP offloaded checksum",
					      true, buf, len, XDP_REDIRECT,
					      WG_XDP_REDIRECT_LAN_CSUM, out);
				if (!tcp_csum_ok(out + ETH_L3, v6))
					fail_msg("%s v%d, %zu bytes: checksum "
						 "not completed",
						 udp ? "UDP" : "TCP", v6 ? 6 : 4,
						 pay);
				/* All else as a whole checksum would have had
				 * it: the same frame, TTL less one. */
				run_frame_out("LAN whole checksum", true, want,
					      len, XDP_REDIRECT,
					      WG_XDP_REDIRECT_LAN, want);
				assert_memory_equal(out, want, len);
			}
		}
		/* A completed UDP checksum of 0 goes out as 0xffff. */
		len = build_udp(s, buf, 40, true);
		put16(buf + csum_at + 6, partial_of(buf + ETH_L3, v6));
		run_frame_out("LAN UDP offloaded checksum, sums to 0", true,
			      buf, len, XDP_REDIRECT, WG_XDP_REDIRECT_LAN_CSUM,
			      out);
		assert_int_equal(get16(out + csum_at + 6), 0xffff);
		/* A SYN: completed, then clamped, and still right. */
		lan_config(LAN_MTU, 0, WG_XDP_LAN_F_MSS_CLAMP, 0);
		len = build_tcp(s, buf, 0x02, mss1460, 4, 0);
		put16(buf + csum_at + 16, partial_of(buf + ETH_L3, v6));
		run_frame_out("LAN SYN offloaded checksum, clamped", true, buf,
			      len, XDP_REDIRECT, WG_XDP_REDIRECT_LAN_MSS, out);
		assert_int_equal(mss_of(out, v6), LAN_MTU - (v6 ? 60 : 40));
		assert_true(tcp_csum_ok(out + ETH_L3, v6));
		lan_config(LAN_MTU, 0, 0, 0);
	}
	{
		struct spec s = { .dst = hit4, .frag = 0x2000 };

		/* A first fragment's checksum covers more than it holds. */
		len = build_udp(s, buf, 100, false);
		put16(buf + ETH_L3 + 20 + 6, partial_of(buf + ETH_L3, false));
		memcpy(want, buf, len);
		run_frame_out("LAN fragment, checksum untouched", true, buf,
			      len, XDP_REDIRECT, WG_XDP_REDIRECT_LAN, out);
		assert_memory_equal(out + ETH_L3 + 26, want + ETH_L3 + 26, 2);
	}
	{
		struct spec s = { .dst = hit4 };

		/* Longer than the program sums (8 chunks of 256 bytes): the
		 * kernel completes it on its way into the TUN device. */
		lan_config(3000, 0, 0, 0);
		len = build_udp(s, buf, 2100, false);
		put16(buf + ETH_L3 + 20 + 6, partial_of(buf + ETH_L3, false));
		memcpy(want, buf, len);
		run_frame_out("LAN offloaded checksum, too long", true, buf,
			      len, XDP_PASS, WG_XDP_PASS_LAN_CSUM_PARTIAL, out);
		assert_memory_equal(out, want, len);
		len = build_udp(s, buf, 2100, false);
		run_frame_out("LAN whole checksum, long", true, buf, len,
			      XDP_REDIRECT, WG_XDP_REDIRECT_LAN, out);
		assert_true(tcp_csum_ok(out + ETH_L3, false));
		len = build_udp(s, buf, 2040, false);
		put16(buf + ETH_L3 + 20 + 6, partial_of(buf + ETH_L3, false));
		run_frame_out("LAN offloaded checksum, 2048-byte segment", true,
			      buf, len, XDP_REDIRECT, WG_XDP_REDIRECT_LAN_CSUM,
			      out);
		assert_true(tcp_csum_ok(out + ETH_L3, false));
		lan_config(LAN_MTU, 0, 0, 0);
	}
	lan_aips(false);
}

static bool attached(int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q))
		return false;
	return q.drv_prog_id || q.skb_prog_id || q.prog_id;
}

static void attach_modes(void **state)
{
	struct wg_xdp_features f;

	(void)state;
	assert_int_equal(wg_xdp_probe(&f), 0);
	assert_true(f.xdp && f.xskmap && f.lpm_trie && f.lru_hash);
	assert_int_equal(wg_xdp_mode(env.x, false), WG_XDP_MODE_NONE);
	assert_int_equal(wg_xdp_attach_nic(env.x, env.ifindex), 0);
	/* veth has native XDP. */
	assert_int_equal(wg_xdp_mode(env.x, false), WG_XDP_MODE_NATIVE);
	assert_string_equal(wg_xdp_mode_name(wg_xdp_mode(env.x, false)),
			    "native");
	assert_true(attached(env.ifindex));
	wg_xdp_detach(env.x, false);
	assert_false(attached(env.ifindex));
	assert_int_equal(wg_xdp_attach_lan(env.x, env.ifindex), 0);
	assert_int_not_equal(wg_xdp_mode(env.x, true), WG_XDP_MODE_NONE);
	wg_xdp_detach(env.x, true);
	assert_false(attached(env.ifindex));
	assert_int_equal(wg_xdp_attach_nic(env.x, 0), -EINVAL);
}

/* A killed daemon must leave nothing attached: the link dies with it. */
static void link_dies_with_process(void **state)
{
	int pipefd[2], status, i;
	char c = 0;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct wg_xdp *x;

		close(pipefd[0]);
		if (wg_xdp_open(&x, NULL) || wg_xdp_attach_nic(x, env.ifindex))
			_exit(1);
		c = 1;
		if (write(pipefd[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(pipefd[1]);
	assert_int_equal(read(pipefd[0], &c, 1), 1);
	close(pipefd[0]);
	assert_int_equal(c, 1);
	assert_true(attached(env.ifindex));
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	for (i = 0; i < 100 && attached(env.ifindex); i++)
		usleep(10000);
	assert_false(attached(env.ifindex));
}

static const char *const map_names[] = {
	"xsks",	 "xsks_lan", "config",	  "index",   "index_of",  "local_addrs",
	"aip4",	 "aip6",     "peers",	  "peers_of", "stats",	  "ratelimit",
	"hs_keys", "hs_scratch"
};

static uint32_t map_id(int fd)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.id;
}

/* Pins, stale pins of a crashed run, and cleanup on close. */
static void pins(void **state)
{
	const char *dir = WG_XDP_PIN_ROOT "/wgtest0";
	char path[128];
	struct statfs sf;
	struct stat st;
	struct wg_xdp *x;
	unsigned int i;
	int status, fd;
	pid_t pid;

	(void)state;
	assert_int_equal(wg_xdp_open(&x, "../x"), -EINVAL);
	/* A crashed daemon leaves its pins behind. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (wg_xdp_open(&x, "wgtest0"))
			_exit(1);
		kill(getpid(), SIGKILL);
		_exit(1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(stat(dir, &st), 0);

	assert_int_equal(wg_xdp_open(&x, "wgtest0"), 0);
	assert_int_equal(statfs("/sys/fs/bpf", &sf), 0);
	assert_true(sf.f_type == BPF_FS_MAGIC);
	for (i = 0; i < sizeof(map_names) / sizeof(map_names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, map_names[i]);
		fd = bpf_obj_get(path);
		if (fd < 0)
			fail_msg("%s not pinned: %d", path, fd);
		/* The pin is this run's map, not the crashed run's. */
		assert_int_equal(map_id(fd),
				 map_id(wg_xdp_map_fd(x, map_names[i])));
		close(fd);
	}
	wg_xdp_close(x);
	assert_int_equal(stat(dir, &st), -1);
	assert_int_equal(errno, ENOENT);
}

static int sh(const char *cmd)
{
	int rc = system(cmd);

	return rc == 0 ? 0 : -1;
}

static int setup(void **state)
{
	struct xsk_socket_config cfg = {
		.rx_size = XSK_RING_CONS__DEFAULT_NUM_DESCS,
		.tx_size = XSK_RING_PROD__DEFAULT_NUM_DESCS,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = XDP_COPY,
	};
	size_t size = NUM_FRAMES * XSK_UMEM__DEFAULT_FRAME_SIZE;

	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "test_bpf_xdp: needs root\n");
		return -1;
	}
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0)
		return -1;
	/* Nothing we mount (bpffs) leaks to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -1;
	if (sh("ip link add " VETH " type veth peer name " VETH_PEER
	       " && ip link set " VETH " up && ip link set " VETH_PEER
	       " up"))
		return -1;
	env.ifindex = if_nametoindex(VETH);
	if (!env.ifindex)
		return -1;
	if (wg_crypto_init() || wg_xdp_open(&env.x, NULL))
		return -1;
	const char *env_seed = getenv("WG_TEST_SEED");

	if (env_seed)
		seed = strtoull(env_seed, NULL, 0);
	wg_random(our_pub, sizeof(our_pub));
	wg_cookie_mac1_key(mac1_key, our_pub);
	wg_random(secret, sizeof(secret));
	env.umem_area = mmap(NULL, size, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (env.umem_area == MAP_FAILED)
		goto err_x;
	if (xsk_umem__create(&env.umem, env.umem_area, size, &env.fill,
			     &env.comp, NULL))
		goto err_mmap;
	if (xsk_socket__create(&env.xsk, VETH, 0, env.umem, &env.rx, &env.tx,
			       &cfg))
		goto err_umem;
	env.xsk_fd = xsk_socket__fd(env.xsk);
	if (wg_xdp_set_xsk(env.x, false, 0, env.xsk_fd) ||
	    wg_xdp_set_xsk(env.x, true, 0, env.xsk_fd) ||
	    wg_xdp_set_config(env.x, PORT, 0) ||
	    wg_xdp_add_local(env.x, AF_INET, local4) ||
	    wg_xdp_add_local(env.x, AF_INET6, local6) ||
	    wg_xdp_add_index(env.x, KNOWN_INDEX, PEER_ID) ||
	    wg_xdp_set_hs_key(env.x, WG_XDP_KEY_MAC1, mac1_key) ||
	    wg_xdp_set_cookie_secret(env.x, 1, secret, NULL, 0))
		goto err_xsk;
	set_next_log(~0ULL); /* no log samples but where a test asks */
	return 0;

err_xsk:
	xsk_socket__delete(env.xsk);
err_umem:
	xsk_umem__delete(env.umem);
err_mmap:
	munmap(env.umem_area, size);
err_x:
	wg_xdp_close(env.x);
	return -1;
}

static int teardown(void **state)
{
	(void)state;
	wg_xdp_close(env.x);
	xsk_socket__delete(env.xsk);
	xsk_umem__delete(env.umem);
	munmap(env.umem_area, NUM_FRAMES * XSK_UMEM__DEFAULT_FRAME_SIZE);
	/* The namespaces (veth, bpffs) go away with the process. */
	printf("test_bpf_xdp: %u fixtures, of which %u random handshakes "
	       "(each under load and without) compared with the daemon\n",
	       fixtures, random_cases);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sizes),
		cmocka_unit_test(types),
		cmocka_unit_test(indexes),
		cmocka_unit_test(ipv4_headers),
		cmocka_unit_test(ipv6_headers),
		cmocka_unit_test(not_ours),
		cmocka_unit_test(vlans),
		cmocka_unit_test(lengths),
		cmocka_unit_test(truncated),
		cmocka_unit_test(peer_counters),
		cmocka_unit_test(ratelimit),
		cmocka_unit_test(lan_basics),
		cmocka_unit_test(lan_frames),
		cmocka_unit_test(lan_addrs),
		cmocka_unit_test(lan_headers),
		cmocka_unit_test(lan_ttl),
		cmocka_unit_test(lan_mtu),
		cmocka_unit_test(lan_mss),
		cmocka_unit_test(lan_csum),
		cmocka_unit_test(prev_secret),
		cmocka_unit_test(no_key),
		cmocka_unit_test(log_sample),
		cmocka_unit_test(macs_random),
		cmocka_unit_test(mac1_knob),
		cmocka_unit_test(maps_grow),
		cmocka_unit_test(attach_modes),
		cmocka_unit_test(link_dies_with_process),
		cmocka_unit_test(pins),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The XDP side of wg-xdp.
 *
 * xdp_wg_nic (physical NIC): steals WireGuard messages addressed to us and
 * redirects them to the AF_XDP socket of their rx queue; everything else goes
 * to the kernel untouched. A message is ours when it is UDP to the listen
 * port in `config`, to an address in `local_addrs`, and not an IP fragment
 * (the daemon does not reassemble: the kernel does, and the daemon's UDP
 * socket receives the result). Ours but malformed is dropped here.
 *
 * xdp_wg_lan (LAN interface, gateway mode): IP packets whose destination is
 * in a peer's allowed IPs go to the LAN AF_XDP socket to be encrypted.
 *
 * Handshakes (types 1 and 2) addressed to us must carry a valid mac1,
 * checked here with BLAKE2s against the key the daemon put in `hs_keys`:
 * whoever does not know our public key is dropped at line rate and never
 * reaches the daemon. Under load a message whose mac2 proves its source
 * address is charged to that source's token bucket; nothing else is.
 *
 * Every packet bumps exactly one counter in `stats` (enum wg_xdp_reason).
 * Headers are read through a cursor that checks bounds before every read.
 * Uses nothing newer than Linux 6.1.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "blake2s.h"
#include "maps.h"
#include "wire.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define MAX_VLAN_TAGS 2
#define IP_MF 0x2000
#define IP_OFFSET 0x1fff

/* At most one bad-mac1 handshake a second goes on to the daemon's log. */
#define LOG_SAMPLE_NS 1000000000ULL

/*
 * When the next bad-mac1 handshake may go to the daemon, which logs the
 * wg(4) diagnostic ("Invalid initiation MAC from ...") that would be lost
 * if XDP dropped them all. One clock for all CPUs: a race lets two through.
 */
__u64 next_log_ns;

/* An 802.1Q / 802.1ad tag (the kernel's struct vlan_hdr is not uapi). */
struct vlan_tag {
	__be16 tci;
	__be16 proto;
};

/* A read position in the packet; every pull checks it against the end. */
struct cursor {
	void *pos;
	void *end;
};

/* Returns a pointer to len bytes at the cursor and advances, or NULL. */
static __always_inline void *pull(struct cursor *c, __u32 len)
{
	void *p = c->pos;

	if (p + len > c->end)
		return NULL;
	c->pos = p + len;
	return p;
}

/* The little-endian 32-bit word at p (wire order) as a host integer. */
static __always_inline __u32 le32_at(const __u8 *p)
{
	return (__u32)p[0] | (__u32)p[1] << 8 | (__u32)p[2] << 16 |
	       (__u32)p[3] << 24;
}

/* The 4 wire bytes at p as they lie in memory (the `index` key). */
static __always_inline __u32 raw32_at(const __u8 *p)
{
	__u32 v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static __always_inline int count(enum wg_xdp_reason reason,
				 struct xdp_md *ctx, int verdict)
{
	__u32 key = reason;
	struct wg_xdp_counter *c = bpf_map_lookup_elem(&stats, &key);

	if (c) {
		c->packets++;
		c->bytes += ctx->data_end - ctx->data;
	}
	return verdict;
}

static __always_inline int drop(enum wg_xdp_reason reason, struct xdp_md *ctx,
				const struct wg_xdp_config *cfg)
{
	(void)cfg; /* drops are read from the stats map, never traced */
	return count(reason, ctx, XDP_DROP);
}

/*
 * Skips the Ethernet header and up to two VLAN tags; returns the ethertype
 * (network order) or 0 when the frame is cut short.
 */
static __always_inline __be16 parse_eth(struct cursor *c)
{
	struct ethhdr *eth = pull(c, sizeof(*eth));
	__be16 proto;
	int i;

	if (!eth)
		return 0;
	proto = eth->h_proto;
#pragma unroll
	for (i = 0; i < MAX_VLAN_TAGS; i++) {
		struct vlan_tag *tag;

		if (proto != bpf_htons(ETH_P_8021Q) &&
		    proto != bpf_htons(ETH_P_8021AD))
			break;
		tag = pull(c, sizeof(*tag));
		if (!tag)
			return 0;
		proto = tag->proto;
	}
	return proto;
}

/* IPv6 next-header values that are extension headers, not transports. */
static __always_inline int is_ipv6_exthdr(__u8 nexthdr)
{
	switch (nexthdr) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS:
	case IPPROTO_AH:
	case IPPROTO_MH:
	case 139: /* HIP */
	case 140: /* Shim6 */
		return 1;
	}
	return 0;
}

/*
 * Token bucket per source; returns 1 when the handshake may pass. Racing
 * CPUs may both spend the same token: the bound is approximate by design.
 */
static __always_inline int ratelimit_ok(const struct wg_xdp_addr *src)
{
	__u64 now = bpf_ktime_get_ns();
	struct wg_xdp_bucket *b = bpf_map_lookup_elem(&ratelimit, src);
	struct wg_xdp_bucket fresh;
	__u64 tokens;

	if (!b) {
		fresh.last_ns = now;
		fresh.tokens = WG_XDP_RL_MAX - WG_XDP_RL_COST;
		bpf_map_update_elem(&ratelimit, src, &fresh, BPF_ANY);
		return 1;
	}
	tokens = b->tokens + (now - b->last_ns);
	if (tokens > WG_XDP_RL_MAX)
		tokens = WG_XDP_RL_MAX;
	b->last_ns = now;
	if (tokens < WG_XDP_RL_COST) {
		b->tokens = tokens;
		return 0;
	}
	b->tokens = tokens - WG_XDP_RL_COST;
	return 1;
}

/*
 * Has src a bucket with less than one packet's credit, refilled to now?
 * Looks only: nothing is charged.
 */
static __always_inline int bucket_spent(const struct wg_xdp_addr *src)
{
	struct wg_xdp_bucket *b = bpf_map_lookup_elem(&ratelimit, src);

	return b && b->tokens + (bpf_ktime_get_ns() - b->last_ns) <
			    WG_XDP_RL_COST;
}

/*
 * One BLAKE2s compression. A global function: the verifier checks its
 * 2,000 straight-line instructions once, not at every call site.
 */
__attribute__((noinline)) int b2s_block(struct wg_b2s_state *s,
					const struct wg_b2s_block *b, __u32 t,
					__u32 last)
{
	if (!s || !b)
		return 0;
	wg_b2s_compress(s, b, t, last);
	return 1;
}

/*
 * Word k of the message in s. k must be a constant: a computed one is a
 * variable offset into the map value, which the verifier refuses.
 */
#define MSG_WORD(s, k) ((s)->msg[(k) / 16].m[(k) % 16])

/*
 * From the key state in s->st, the MAC of the first len bytes of the
 * message (len a constant multiple of 4, 4 to 128 bytes past whole
 * blocks): the tag is left in s->st.h[0..3].
 */
static __always_inline void mac_msg(struct wg_xdp_hs_scratch *s, __u32 len)
{
	const __u32 full = (len - 1) / WG_B2S_BLOCK_LEN;
	const __u32 words = (len - full * WG_B2S_BLOCK_LEN) / 4;
	__u32 i;

#pragma unroll
	for (i = 0; i < 2; i++)
		if (i < full)
			b2s_block(&s->st, &s->msg[i],
				  (i + 2) * WG_B2S_BLOCK_LEN, 0);
#pragma unroll
	for (i = 0; i < 16; i++)
		s->tmp.m[i] = i < words ? s->msg[full].m[i] : 0;
	b2s_block(&s->st, &s->tmp, WG_B2S_BLOCK_LEN + len, 1);
}

/* Does the tag in s->st equal the four message words from word k? */
static __always_inline int tag_ok(const struct wg_xdp_hs_scratch *s, __u32 k)
{
	return !((s->st.h[0] ^ MSG_WORD(s, k)) |
		 (s->st.h[1] ^ MSG_WORD(s, k + 1)) |
		 (s->st.h[2] ^ MSG_WORD(s, k + 2)) |
		 (s->st.h[3] ^ MSG_WORD(s, k + 3)));
}

/* Are the four message words from word k (a constant: see MSG_WORD) zero? */
static __always_inline int zero_tag(const struct wg_xdp_hs_scratch *s,
				    __u32 k)
{
	return !(MSG_WORD(s, k) | MSG_WORD(s, k + 1) | MSG_WORD(s, k + 2) |
		 MSG_WORD(s, k + 3));
}

/* What mac1 of a handshake message says. */
enum mac1 {
	MAC1_NO_KEY, /* we have no private key */
	MAC1_BAD,
	MAC1_GOOD,
};

/*
 * Checks mac1 of the handshake of type (1 or 2) at offset off of the
 * frame, leaving the message in the scratch for check_mac2. The layouts:
 * an initiation's mac1 covers bytes 0..115 and sits at 116, its mac2
 * covers 0..131 and sits at 132; a response's sit at 60 and 76.
 */
static __always_inline enum mac1 check_mac1(struct xdp_md *ctx, __u32 off,
					    __u32 type)
{
	__u32 zero = 0, k = WG_XDP_KEY_MAC1;
	struct wg_xdp_hs_scratch *s;
	struct wg_xdp_hs_key *key;
	int good;

	key = bpf_map_lookup_elem(&hs_keys, &k);
	s = bpf_map_lookup_elem(&hs_scratch, &zero);
	if (!key || !s || !key->set)
		return MAC1_NO_KEY;
	if (type == WG_MSG_INITIATION) {
		if (bpf_xdp_load_bytes(ctx, off, s->msg,
				       WG_MSG_INITIATION_LEN))
			return MAC1_BAD;
	} else if (bpf_xdp_load_bytes(ctx, off, s->msg, WG_MSG_RESPONSE_LEN)) {
		return MAC1_BAD;
	}
	s->st = key->state;
	if (type == WG_MSG_INITIATION) {
		mac_msg(s, 116);
		good = tag_ok(s, 116 / 4);
	} else {
		mac_msg(s, 60);
		good = tag_ok(s, 60 / 4);
	}
	return good ? MAC1_GOOD : MAC1_BAD;
}

/*
 * Does mac2 of the message check_mac1 left in the scratch hold with the
 * cookie that the secret key[id] gives src (IPv4: 4 bytes, IPv6: 16) and
 * sport, MAC(secret, src || port)? No such secret, or one past its end:
 * no.
 */
static __always_inline int mac2_with(__u32 id, __u32 type, const __u8 *src,
				     int v6, __be16 sport)
{
	__u32 zero = 0, i;
	struct wg_xdp_hs_scratch *s;
	struct wg_xdp_hs_key *key;

	key = bpf_map_lookup_elem(&hs_keys, &id);
	s = bpf_map_lookup_elem(&hs_scratch, &zero);
	if (!key || !s || !key->set ||
	    (key->until_ns && bpf_ktime_get_ns() >= key->until_ns))
		return 0;
	/* cookie = MAC(secret, src ip || src port), port in wire order */
	s->st = key->state;
#pragma unroll
	for (i = 0; i < 16; i++)
		s->tmp.m[i] = 0;
	__builtin_memcpy(s->tmp.m, src, 4);
	if (v6) {
		__builtin_memcpy(&s->tmp.m[1], src + 4, 12);
		s->tmp.m[4] = sport;
		b2s_block(&s->st, &s->tmp, WG_B2S_BLOCK_LEN + 18, 1);
	} else {
		s->tmp.m[1] = sport;
		b2s_block(&s->st, &s->tmp, WG_B2S_BLOCK_LEN + 6, 1);
	}
	/* mac2 = MAC(cookie, message up to mac2): the cookie is the key */
#pragma unroll
	for (i = 0; i < 4; i++)
		s->tmp.m[i] = s->st.h[i];
	s->tmp.m[4] = 0; /* the IPv6 source's port */
	wg_b2s_init(&s->st, WG_B2S_OUT_LEN);
	b2s_block(&s->st, &s->tmp, WG_B2S_BLOCK_LEN, 0);
	if (type == WG_MSG_INITIATION) {
		mac_msg(s, 132);
		return tag_ok(s, 132 / 4);
	}
	mac_msg(s, 76);
	return tag_ok(s, 76 / 4);
}

/*
 * Does mac2 of the message check_mac1 left in the scratch prove its
 * source: made with the cookie the daemon would give it, from its current
 * secret or the one before while the daemon still takes that?
 */
static __always_inline int check_mac2(__u32 type, const __u8 *src, int v6,
				      __be16 sport)
{
	__u32 zero = 0;
	struct wg_xdp_hs_scratch *s = bpf_map_lookup_elem(&hs_scratch, &zero);

	if (!s)
		return 0;
	/*
	 * A sender without a cookie sends mac2 zero: nothing to prove, and
	 * the five compressions spared (a forged flood cannot do better).
	 */
	if (type == WG_MSG_INITIATION ? zero_tag(s, 132 / 4) :
					 zero_tag(s, 76 / 4))
		return 0;
	return mac2_with(WG_XDP_KEY_COOKIE, type, src, v6, sport) ||
	       mac2_with(WG_XDP_KEY_COOKIE_PREV, type, src, v6, sport);
}

/* May this bad-mac1 handshake go to the daemon's log? */
static __always_inline int log_sample(void)
{
	__u64 now = bpf_ktime_get_ns();

	if (now < next_log_ns)
		return 0;
	next_log_ns = now + LOG_SAMPLE_NS;
	return 1;
}

/* The current map of an index_of / peers_of slot. */
static __always_inline void *inner(void *outer)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(outer, &zero);
}

static __always_inline void peer_rx(__u32 peer_id, __u32 bytes)
{
	void *map = inner(&peers_of);
	struct wg_xdp_peer *p;

	if (!map)
		return;
	p = bpf_map_lookup_elem(map, &peer_id);

	if (p) {
		__sync_fetch_and_add(&p->rx_packets, 1);
		__sync_fetch_and_add(&p->rx_bytes, bytes);
	}
}

SEC("xdp")
int xdp_wg_nic(struct xdp_md *ctx)
{
	struct cursor c = { (void *)(long)ctx->data,
			    (void *)(long)ctx->data_end };
	struct wg_xdp_addr dst = {}, src = {};
	const struct wg_xdp_config *cfg;
	__u32 key = 0, ip_payload, udp_len, len, word, type, peer_id = 0;
	enum wg_xdp_reason reason;
	struct udphdr *udp;
	__u8 src_ip[16] = {};
	__u8 *msg;
	__be16 proto;
	long ret;

	cfg = bpf_map_lookup_elem(&config, &key);
	if (!cfg)
		return XDP_PASS; /* cannot happen: an array always has [0] */

	proto = parse_eth(&c);
	if (!proto)
		return count(WG_XDP_PASS_MALFORMED, ctx, XDP_PASS);
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = pull(&c, sizeof(*iph));
		__u32 hlen;

		if (!iph || iph->version != 4 || iph->ihl < 5)
			return count(WG_XDP_PASS_MALFORMED, ctx, XDP_PASS);
		hlen = iph->ihl * 4;
		if (!pull(&c, hlen - sizeof(*iph)))
			return count(WG_XDP_PASS_MALFORMED, ctx, XDP_PASS);
		if (iph->protocol != IPPROTO_UDP)
			return count(WG_XDP_PASS_NOT_UDP, ctx, XDP_PASS);
		if (iph->frag_off & bpf_htons(IP_MF | IP_OFFSET))
			return count(WG_XDP_PASS_FRAGMENT, ctx, XDP_PASS);
		ip_payload = bpf_ntohs(iph->tot_len);
		if (ip_payload < hlen)
			ip_payload = 0xffff0000; /* never equals a UDP length */
		else
			ip_payload -= hlen;
		dst.family = WG_XDP_AF_INET;
		__builtin_memcpy(dst.addr, &iph->daddr, 4);
		src.family = WG_XDP_AF_INET;
		__builtin_memcpy(src.addr, &iph->saddr, 4);
		__builtin_memcpy(src_ip, &iph->saddr, 4);
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = pull(&c, sizeof(*ip6));

		if (!ip6 || ip6->version != 6)
			return count(WG_XDP_PASS_MALFORMED, ctx, XDP_PASS);
		if (ip6->nexthdr == IPPROTO_FRAGMENT)
			return count(WG_XDP_PASS_FRAGMENT, ctx, XDP_PASS);
		if (is_ipv6_exthdr(ip6->nexthdr))
			return count(WG_XDP_PASS_IPV6_EXTHDR, ctx, XDP_PASS);
		if (ip6->nexthdr != IPPROTO_UDP)
			return count(WG_XDP_PASS_NOT_UDP, ctx, XDP_PASS);
		ip_payload = bpf_ntohs(ip6->payload_len);
		dst.family = WG_XDP_AF_INET6;
		__builtin_memcpy(dst.addr, &ip6->daddr, 16);
		/* Handshake sources are rate-limited by their /64. */
		src.family = WG_XDP_AF_INET6;
		__builtin_memcpy(src.addr, &ip6->saddr, 8);
		__builtin_memcpy(src_ip, &ip6->saddr, 16);
	} else {
		return count(WG_XDP_PASS_NOT_IP, ctx, XDP_PASS);
	}

	udp = pull(&c, sizeof(*udp));
	if (!udp)
		return count(WG_XDP_PASS_MALFORMED, ctx, XDP_PASS);
	if (!cfg->listen_port || udp->dest != bpf_htons(cfg->listen_port))
		return count(WG_XDP_PASS_OTHER_PORT, ctx, XDP_PASS);
	if (!bpf_map_lookup_elem(&local_addrs, &dst))
		return count(WG_XDP_PASS_NOT_LOCAL, ctx, XDP_PASS);

	/* From here on the packet is ours: malformed means dropped. */
	udp_len = bpf_ntohs(udp->len);
	if (udp_len < sizeof(*udp) || udp_len != ip_payload)
		return drop(WG_XDP_DROP_BAD_UDP_LEN, ctx, cfg);
	len = udp_len - sizeof(*udp);
	if (c.pos + len > c.end || len < sizeof(struct wg_msg_header))
		return drop(WG_XDP_DROP_TRUNCATED, ctx, cfg);
	msg = pull(&c, sizeof(struct wg_msg_header));
	if (!msg)
		return drop(WG_XDP_DROP_TRUNCATED, ctx, cfg);

	/* Type and the three reserved bytes as one little-endian word. */
	word = le32_at(msg);
	type = word & 0xff;
	if (type < WG_MSG_INITIATION || type > WG_MSG_DATA)
		return drop(WG_XDP_DROP_BAD_TYPE, ctx, cfg);
	if (word >> 8)
		return drop(WG_XDP_DROP_RESERVED, ctx, cfg);

	switch (type) {
	case WG_MSG_INITIATION:
		if (len != WG_MSG_INITIATION_LEN)
			return drop(WG_XDP_DROP_BAD_LEN_INITIATION, ctx, cfg);
		reason = WG_XDP_REDIRECT_INITIATION;
		break;
	case WG_MSG_RESPONSE:
		if (len != WG_MSG_RESPONSE_LEN)
			return drop(WG_XDP_DROP_BAD_LEN_RESPONSE, ctx, cfg);
		reason = WG_XDP_REDIRECT_RESPONSE;
		break;
	case WG_MSG_COOKIE:
		if (len != WG_MSG_COOKIE_LEN)
			return drop(WG_XDP_DROP_BAD_LEN_COOKIE, ctx, cfg);
		reason = WG_XDP_REDIRECT_COOKIE;
		break;
	default:
		if (!wg_data_len_ok(len))
			return drop(WG_XDP_DROP_BAD_LEN_DATA, ctx, cfg);
		reason = WG_XDP_REDIRECT_DATA;
		break;
	}

	if (type != WG_MSG_INITIATION) {
		/* The receiver index follows the sender index in a response. */
		__u32 off = type == WG_MSG_RESPONSE ? 4 : 0;
		__u8 *idx = pull(&c, off + 4);
		void *map = inner(&index_of);
		__u32 *id;

		if (!idx)
			return drop(WG_XDP_DROP_TRUNCATED, ctx, cfg);
		key = raw32_at(idx + off);
		id = map ? bpf_map_lookup_elem(map, &key) : NULL;
		if (!id)
			return drop(WG_XDP_DROP_UNKNOWN_INDEX, ctx, cfg);
		peer_id = *id;
	}

	/*
	 * Handshakes: mac1 first, so that whoever does not know our public
	 * key costs the daemon nothing. Under load, the rate limit charges a
	 * source only for what proves it: a mac2 made with the cookie we
	 * would send that address. Charging on the source address alone let
	 * anyone who forges it (or shares a NAT with a peer) spend the peer's
	 * budget with junk; charging after mac1 alone would let anyone who
	 * knows our public key do the same. Messages with a good mac1 and no
	 * proof go on uncharged, for the daemon to answer with a cookie reply
	 * (it checks every MAC again and keeps its own per-source limit, in
	 * the same order, for the paths without XDP).
	 *
	 * Why XDP checks mac2 at all, rather than only dropping bad mac1s
	 * and leaving every limit to the daemon: a flood from an address that
	 * has its cookie (a real one: it must receive the cookie reply) would
	 * otherwise reach the daemon whole, and past the rate at which the
	 * control thread can check and refuse it, its handshake queue
	 * overflows and drops real peers' messages with the flood's. Shed
	 * here, it costs the daemon nothing beyond the budget.
	 *
	 * A source whose bucket is spent is shed before its mac2 is even
	 * computed (three of the five compressions it costs), so that a
	 * proven flood costs XDP no more than junk does and the NIC's ring
	 * keeps up. Nothing is charged for it; what it drops besides the
	 * flood is an unproven message from the same address, which the
	 * proven flood would starve of budget anyway.
	 */
	if (type <= WG_MSG_RESPONSE && !(cfg->flags & WG_XDP_F_MAC1_OFF)) {
		/*
		 * The message's offset for bpf_xdp_load_bytes, kept 64-bit
		 * (the range check): clang narrows a plain (__u32) of the
		 * difference to 32-bit halves of the two pointers, whose
		 * 4-byte spill the verifier refuses.
		 */
		long off = (long)msg - (long)ctx->data;

		if (off < 0 || off > 0xffff)
			return drop(WG_XDP_DROP_TRUNCATED, ctx, cfg);
		switch (check_mac1(ctx, (__u32)off, type)) {
		case MAC1_NO_KEY:
			/*
			 * Without a private key the daemon can answer no
			 * handshake (its checker fails every mac1): passing
			 * them on would only queue work that ends in a drop.
			 */
			return drop(WG_XDP_DROP_NO_KEY, ctx, cfg);
		case MAC1_BAD:
			if (log_sample()) {
				reason = WG_XDP_REDIRECT_BAD_MAC1;
				break;
			}
			return drop(type == WG_MSG_INITIATION ?
					    WG_XDP_DROP_BAD_MAC1_INITIATION :
					    WG_XDP_DROP_BAD_MAC1_RESPONSE,
				    ctx, cfg);
		case MAC1_GOOD:
			if (!(cfg->flags & WG_XDP_F_UNDER_LOAD))
				break;
			if (bucket_spent(&src))
				return drop(WG_XDP_DROP_RATELIMIT, ctx, cfg);
			if (check_mac2(type, src_ip,
				       src.family == WG_XDP_AF_INET6,
				       udp->source) &&
			    !ratelimit_ok(&src))
				return drop(WG_XDP_DROP_RATELIMIT, ctx, cfg);
			break;
		}
	}

	ret = bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS);
	if (ret != XDP_REDIRECT)
		return count(WG_XDP_PASS_NO_SOCKET, ctx, XDP_PASS);
	if (type != WG_MSG_INITIATION && reason != WG_XDP_REDIRECT_BAD_MAC1)
		peer_rx(peer_id, len);
	return count(reason, ctx, XDP_REDIRECT);
}

SEC("xdp")
int xdp_wg_lan(struct xdp_md *ctx)
{
	struct cursor c = { (void *)(long)ctx->data,
			    (void *)(long)ctx->data_end };
	struct wg_xdp_addr dst = {};
	__be16 proto;
	long ret;

	proto = parse_eth(&c);
	if (!proto)
		return count(WG_XDP_PASS_MALFORMED, ctx, XDP_PASS);
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = pull(&c, sizeof(*iph));
		struct wg_xdp_aip4_key k = { .prefixlen = 32 };
		__u8 first;

		if (!iph || iph->version != 4 || iph->ihl < 5)
			return count(WG_XDP_PASS_MALFORMED, ctx, XDP_PASS);
		first = ((__u8 *)&iph->daddr)[0];
		dst.family = WG_XDP_AF_INET;
		__builtin_memcpy(dst.addr, &iph->daddr, 4);
		/* Multicast, limited broadcast, our own addresses. */
		if ((first & 0xf0) == 0xe0 || iph->daddr == 0xffffffff ||
		    bpf_map_lookup_elem(&local_addrs, &dst))
			return count(WG_XDP_PASS_LAN_LOCAL, ctx, XDP_PASS);
		__builtin_memcpy(k.addr, &iph->daddr, 4);
		if (!bpf_map_lookup_elem(&aip4, &k))
			return count(WG_XDP_PASS_LAN_NO_PEER, ctx, XDP_PASS);
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = pull(&c, sizeof(*ip6));
		struct wg_xdp_aip6_key k = { .prefixlen = 128 };

		if (!ip6 || ip6->version != 6)
			return count(WG_XDP_PASS_MALFORMED, ctx, XDP_PASS);
		dst.family = WG_XDP_AF_INET6;
		__builtin_memcpy(dst.addr, &ip6->daddr, 16);
		if (dst.addr[0] == 0xff ||
		    bpf_map_lookup_elem(&local_addrs, &dst))
			return count(WG_XDP_PASS_LAN_LOCAL, ctx, XDP_PASS);
		__builtin_memcpy(k.addr, &ip6->daddr, 16);
		if (!bpf_map_lookup_elem(&aip6, &k))
			return count(WG_XDP_PASS_LAN_NO_PEER, ctx, XDP_PASS);
	} else {
		return count(WG_XDP_PASS_NOT_IP, ctx, XDP_PASS);
	}

	ret = bpf_redirect_map(&xsks_lan, ctx->rx_queue_index, XDP_PASS);
	if (ret != XDP_REDIRECT)
		return count(WG_XDP_PASS_NO_SOCKET, ctx, XDP_PASS);
	return count(WG_XDP_REDIRECT_LAN, ctx, XDP_REDIRECT);
}

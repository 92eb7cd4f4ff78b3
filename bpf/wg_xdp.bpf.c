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
 * in a peer's allowed IPs go to the LAN AF_XDP socket to be encrypted. The
 * kernel would have forwarded them, so the program does a router's duties
 * or leaves the packet to the kernel: it takes only untagged unicast frames
 * to the LAN's MAC, never this host's addresses or a directed broadcast,
 * passes what the kernel must answer (TTL expiring: time exceeded; over
 * the tunnel MTU: fragmentation needed / packet too big, or fragmenting),
 * decrements the TTL or hop limit, optionally clamps the MSS of SYNs, and
 * trims the frame to the IP packet, so the daemon copies exactly that.
 * TCP and UDP from a neighbour with checksum offload (a veth peer) carry
 * only the pseudo-header's sum, which the kernel would complete on the way
 * out; the program completes it, since the daemon sees bytes only.
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
#include <linux/tcp.h>
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
#define TCP_MAX_OPTS 40
/* Offloaded checksums are completed over at most CSUM_CHUNKS * 256 bytes. */
#define CSUM_CHUNK 256
#define CSUM_CHUNKS 8
#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2

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

	if (ctx->data_end - ctx->data > WG_XDP_XSK_FRAME_MAX)
		return count(WG_XDP_PASS_TOO_BIG, ctx, XDP_PASS);
	ret = bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS);
	if (ret != XDP_REDIRECT)
		return count(WG_XDP_PASS_NO_SOCKET, ctx, XDP_PASS);
	if (type != WG_MSG_INITIATION && reason != WG_XDP_REDIRECT_BAD_MAC1)
		peer_rx(peer_id, len);
	return count(reason, ctx, XDP_REDIRECT);
}

/* Folds a 32-bit one's complement sum to 16 bits. */
static __always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/*
 * Updates the checksum at sum for one 16-bit word changing from old to new
 * (RFC 1624, eqn. 3; every value as it lies in the packet).
 */
static __always_inline void csum_replace2(__u16 *sum, __u16 old, __u16 new)
{
	*sum = ~csum_fold((__u32)(__u16)~*sum + (__u16)~old + new);
}

static __always_inline __u16 csum_fold64(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	return csum_fold((__u32)sum);
}

/*
 * The one's complement sum (folded to 16 bits, memory order) of the len
 * bytes at offset off of the packet, a chunk at a time through a stack
 * copy; -1 past the packet or beyond CSUM_CHUNKS chunks. A global function:
 * the verifier checks it once, not once per path of its caller.
 */
__noinline int lan_sum_bytes(struct xdp_md *ctx, __u32 off, __u32 len)
{
	/* One word more than a chunk: the verifier's bound on the rounded-up
	 * size below is a little looser than the value's. */
	__u32 buf[CSUM_CHUNK / 4 + 1] = {};
	__u64 acc = 0;
	int i;

	for (i = 0; i < CSUM_CHUNKS && len; i++) {
		__u32 n = len < CSUM_CHUNK ? len : CSUM_CHUNK;
		long sum;

		/* Bounded where the verifier sees it (clang would fold it). */
		asm volatile("" : "+r"(n));
		n &= 2 * CSUM_CHUNK - 1;
		if (!n || n > CSUM_CHUNK)
			return -1;
		/* A short last chunk: the zeros after it add nothing, and an
		 * odd last byte becomes the first byte of a word, as it must. */
		if (n < CSUM_CHUNK)
			__builtin_memset(buf, 0, sizeof(buf));
		if (bpf_xdp_load_bytes(ctx, off, buf, n))
			return -1;
		sum = bpf_csum_diff(NULL, 0, (__be32 *)buf, ((n + 3) >> 2) << 2,
				    0);
		if (sum < 0)
			return -1;
		acc += (__u32)sum;
		off += n;
		len -= n;
	}
	return len ? -1 : csum_fold64(acc);
}

/* The 20-byte IPv4 header at p sums to 0xffff when its checksum is right. */
static __always_inline int ipv4_csum_ok(const __u16 *p)
{
	__u32 sum = 0;
	int i;

#pragma unroll
	for (i = 0; i < 10; i++)
		sum += p[i];
	return csum_fold(sum) == 0xffff;
}

static __always_inline int mac_is(const __u8 *a, const __u8 *b)
{
	return !((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) |
		 (a[3] ^ b[3]) | (a[4] ^ b[4]) | (a[5] ^ b[5]));
}

/*
 * The TUN device's MTU (the largest packet the tunnel carries): read live
 * from the device, or the daemon's copy when its ifindex does not resolve.
 * Returns 1 when an IP packet of len bytes fits.
 */
static __always_inline int fits_tunnel(struct xdp_md *ctx,
				       const struct wg_xdp_lan_config *lc,
				       __u32 len, __u32 *mtu)
{
	__u32 m = len;

	*mtu = lc->mtu;
	if (lc->tun_ifindex &&
	    bpf_check_mtu(ctx, lc->tun_ifindex, &m, 0, 0) >= 0)
		*mtu = m;
	return len <= *mtu;
}

/*
 * Lowers the MSS option of a TCP SYN (or SYN-ACK) at th to mss, fixing the
 * checksum incrementally, as iptables' TCPMSS target does on a router.
 * l4_len is the segment's length as the IP header gives it.
 * Returns 1 when it changed the segment. The option list is walked byte by
 * byte at constant offsets (next: where the next option starts), which
 * keeps the verifier's work linear in the 40 option bytes.
 */
static __always_inline int clamp_mss(struct tcphdr *th, void *end,
				     __u32 l4_len, __u16 mss)
{
	__u8 *o = (__u8 *)(th + 1);
	__u32 hlen, next = 0;
	__u16 old, new;
	int i;

	if ((void *)(th + 1) > end || !th->syn || th->rst)
		return 0;
	/* Options past the IP packet (into Ethernet padding) are not ours. */
	hlen = th->doff * 4;
	if (hlen <= sizeof(*th) || hlen > l4_len)
		return 0;
	hlen -= sizeof(*th);
#pragma unroll
	for (i = 0; i < TCP_MAX_OPTS; i++) {
		if (i < next)
			continue; /* inside the option before */
		if (i >= hlen || (void *)(o + i + 1) > end ||
		    o[i] == TCPOPT_EOL)
			return 0;
		if (o[i] == TCPOPT_NOP) {
			next = i + 1;
			continue;
		}
		if ((void *)(o + i + 2) > end || o[i + 1] < 2)
			return 0;
		if (o[i] == TCPOPT_MSS) {
			if (o[i + 1] != 4 || i + 4 > hlen ||
			    (void *)(o + i + 4) > end ||
			    ((__u32)o[i + 2] << 8 | o[i + 3]) <= mss)
				return 0;
			__builtin_memcpy(&old, o + i + 2, 2);
			new = bpf_htons(mss);
			__builtin_memcpy(o + i + 2, &new, 2);
			csum_replace2(&th->check, old, new);
			return 1;
		}
		next = i + o[i + 1];
	}
	return 0;
}

/* What xdp_wg_lan found in a packet it may forward. */
struct lan_pkt {
	__u8 *ttl; /* IPv4 TTL or IPv6 hop limit */
	__u16 *ip_csum; /* IPv4 header checksum; NULL for IPv6 */
	struct tcphdr *tcp; /* an unfragmented TCP segment, else NULL */
	__u32 ip_len; /* the IP packet's length; the frame may be longer */
	__u32 l4_len; /* ip_len less the IP header */
	__u32 hdrs; /* IP and TCP header bytes the MSS leaves out */
	__u8 *l4; /* an unfragmented TCP or UDP segment, else NULL */
	__u16 *l4_csum; /* its checksum field */
	__u64 pseudo; /* the pseudo-header's sum, as lan_sum_bytes() counts */
	int udp; /* l4 is UDP */
};

/*
 * Finds the segment's transport checksum: at c->pos, for protocol proto,
 * the pseudo-header sum already in p->pseudo.
 */
static __always_inline void lan_l4(struct cursor *c, struct lan_pkt *p,
				   __u8 proto)
{
	__u8 *l4 = c->pos;

	if (proto == IPPROTO_TCP && p->l4_len >= sizeof(struct tcphdr) &&
	    (void *)(l4 + sizeof(struct tcphdr)) <= c->end) {
		p->tcp = (struct tcphdr *)l4;
		p->l4_csum = &p->tcp->check;
	} else if (proto == IPPROTO_UDP && p->l4_len >= sizeof(struct udphdr) &&
		   (void *)(l4 + sizeof(struct udphdr)) <= c->end) {
		p->l4_csum = &((struct udphdr *)l4)->check;
		p->udp = 1;
	} else {
		return;
	}
	p->l4 = l4;
	p->pseudo += bpf_htons(proto) + bpf_htons((__u16)p->l4_len);
}

/*
 * A checksum left to offload holds the pseudo-header's sum alone (Linux
 * fills it so for CHECKSUM_PARTIAL). Returns 1 with the whole checksum in
 * *csum when the segment's is such, 0 when it is whole (or absent), -1
 * when it is partial but the segment is too long to sum here.
 */
static __always_inline int partial_csum(struct xdp_md *ctx,
					const struct lan_pkt *p, void *end,
					__u16 *csum)
{
	__u16 *f = p->l4_csum;
	__u64 acc;
	int sum;

	if (!p->l4 || (void *)(f + 1) > end || *f != csum_fold64(p->pseudo))
		return 0;
	sum = lan_sum_bytes(ctx,
			    (__u32)((void *)p->l4 - (void *)(long)ctx->data),
			    p->l4_len);
	if (sum < 0)
		return -1;
	/* The segment's sum counts the field: take its value back out. */
	acc = p->pseudo + (__u16)~*f + (__u32)sum;
	*csum = ~csum_fold64(acc);
	if (p->udp && !*csum)
		*csum = 0xffff; /* 0 means no checksum in UDP */
	return 1;
}

/*
 * IPv4 at c: a verdict (a reason to pass), or 0 with p filled when the
 * packet is one the program may forward into the tunnel.
 */
static __always_inline int lan_ipv4(struct cursor *c, struct lan_pkt *p)
{
	struct iphdr *iph = pull(c, sizeof(*iph));
	struct wg_xdp_aip4_key k = { .prefixlen = 32 };
	struct wg_xdp_addr dst = { .family = WG_XDP_AF_INET };
	__u8 *kind, first;
	__u32 len;

	if (!iph || iph->version != 4 || iph->ihl < 5)
		return WG_XDP_PASS_MALFORMED;
	if (iph->ihl != 5)
		return WG_XDP_PASS_LAN_IP_OPTIONS; /* options: the kernel's */
	len = bpf_ntohs(iph->tot_len);
	if (len < sizeof(*iph) || (void *)iph + len > c->end ||
	    !ipv4_csum_ok((__u16 *)iph))
		return WG_XDP_PASS_MALFORMED; /* the kernel drops it */
	first = ((__u8 *)&iph->daddr)[0];
	/* Multicast, limited broadcast, loopback, "this network". */
	if ((first & 0xf0) == 0xe0 || iph->daddr == 0xffffffff ||
	    first == 127 || first == 0)
		return WG_XDP_PASS_LAN_LOCAL;
	__builtin_memcpy(dst.addr, &iph->daddr, 4);
	kind = bpf_map_lookup_elem(&lan_addrs, &dst);
	if (kind)
		return *kind == WG_XDP_LAN_ADDR_BROADCAST ?
			       WG_XDP_PASS_LAN_BROADCAST :
			       WG_XDP_PASS_LAN_LOCAL;
	__builtin_memcpy(k.addr, &iph->daddr, 4);
	if (!bpf_map_lookup_elem(&aip4, &k))
		return WG_XDP_PASS_LAN_NO_PEER;
	p->ttl = &iph->ttl;
	p->ip_csum = &iph->check;
	p->ip_len = len;
	p->l4_len = len - sizeof(*iph);
	p->hdrs = sizeof(*iph) + sizeof(struct tcphdr);
	if (!(iph->frag_off & bpf_htons(IP_MF | IP_OFFSET))) {
		p->pseudo = (iph->saddr & 0xffff) + (iph->saddr >> 16) +
			    (iph->daddr & 0xffff) + (iph->daddr >> 16);
		lan_l4(c, p, iph->protocol);
	}
	return 0;
}

/* IPv6 at c, as lan_ipv4(). */
static __always_inline int lan_ipv6(struct cursor *c, struct lan_pkt *p)
{
	struct ipv6hdr *ip6 = pull(c, sizeof(*ip6));
	struct wg_xdp_aip6_key k = { .prefixlen = 128 };
	struct wg_xdp_addr dst = { .family = WG_XDP_AF_INET6 };
	__u32 len;
	__u8 *d;

	if (!ip6 || ip6->version != 6)
		return WG_XDP_PASS_MALFORMED;
	len = sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
	/* A hop-by-hop header is for every router (and jumbograms use it). */
	if (ip6->nexthdr == IPPROTO_HOPOPTS)
		return WG_XDP_PASS_LAN_IP_OPTIONS;
	if ((void *)ip6 + len > c->end)
		return WG_XDP_PASS_MALFORMED;
	d = ip6->daddr.in6_u.u6_addr8;
	/* Multicast, link-local unicast, loopback and unspecified. */
	if (d[0] == 0xff || (d[0] == 0xfe && (d[1] & 0xc0) == 0x80) ||
	    (!(ip6->daddr.in6_u.u6_addr32[0] | ip6->daddr.in6_u.u6_addr32[1] |
	       ip6->daddr.in6_u.u6_addr32[2]) &&
	     !(ip6->daddr.in6_u.u6_addr32[3] & bpf_htonl(0xfffffffe))))
		return WG_XDP_PASS_LAN_LOCAL;
	__builtin_memcpy(dst.addr, d, 16);
	if (bpf_map_lookup_elem(&lan_addrs, &dst))
		return WG_XDP_PASS_LAN_LOCAL;
	__builtin_memcpy(k.addr, d, 16);
	if (!bpf_map_lookup_elem(&aip6, &k))
		return WG_XDP_PASS_LAN_NO_PEER;
	p->ttl = &ip6->hop_limit;
	p->ip_len = len;
	p->l4_len = len - sizeof(*ip6);
	p->hdrs = sizeof(*ip6) + sizeof(struct tcphdr);
#pragma unroll
	for (int i = 0; i < 8; i++)
		p->pseudo += ip6->saddr.in6_u.u6_addr16[i] +
			     ip6->daddr.in6_u.u6_addr16[i];
	lan_l4(c, p, ip6->nexthdr);
	return 0;
}

SEC("xdp")
int xdp_wg_lan(struct xdp_md *ctx)
{
	struct cursor c = { (void *)(long)ctx->data,
			    (void *)(long)ctx->data_end };
	const struct wg_xdp_lan_config *lc;
	struct lan_pkt p = {};
	enum wg_xdp_reason reason = WG_XDP_REDIRECT_LAN;
	__u32 key = 0, mtu, len;
	struct ethhdr *eth;
	__u16 old, csum = 0;
	int r, partial;

	lc = bpf_map_lookup_elem(&lan_config, &key);
	if (!lc)
		return XDP_PASS; /* cannot happen: an array always has [0] */
	eth = pull(&c, sizeof(*eth));
	if (!eth)
		return count(WG_XDP_PASS_MALFORMED, ctx, XDP_PASS);
	/*
	 * A tagged frame belongs to a VLAN interface, whose addresses and
	 * subnets are not the LAN's: the kernel delivers it there (a priority
	 * tag, VLAN 0, to the LAN itself) and forwards it as usual.
	 */
	if (eth->h_proto == bpf_htons(ETH_P_8021Q) ||
	    eth->h_proto == bpf_htons(ETH_P_8021AD))
		return count(WG_XDP_PASS_LAN_VLAN, ctx, XDP_PASS);
	if (eth->h_proto != bpf_htons(ETH_P_IP) &&
	    eth->h_proto != bpf_htons(ETH_P_IPV6))
		return count(WG_XDP_PASS_NOT_IP, ctx, XDP_PASS);
	/* Broadcast, multicast and other hosts' frames are not routed here. */
	if (!mac_is(eth->h_dest, lc->mac) ||
	    !(lc->mac[0] | lc->mac[1] | lc->mac[2] | lc->mac[3] | lc->mac[4] |
	      lc->mac[5]))
		return count(WG_XDP_PASS_LAN_NOT_US, ctx, XDP_PASS);
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		r = lan_ipv4(&c, &p);
	else
		r = lan_ipv6(&c, &p);
	if (r)
		return count(r, ctx, XDP_PASS);
	/* The TTL and protocol word (IPv4) lie inside the header read. */
	if (!p.ttl || (void *)(p.ttl + 2) > c.end ||
	    (p.ip_csum && (void *)(p.ip_csum + 1) > c.end))
		return count(WG_XDP_PASS_MALFORMED, ctx, XDP_PASS);
	/* The kernel answers with time exceeded, from this router. */
	if (*p.ttl <= 1)
		return count(WG_XDP_PASS_LAN_TTL, ctx, XDP_PASS);
	/*
	 * Too big for the tunnel: the kernel forwards it into the TUN device
	 * and sends fragmentation needed (DF, IPv6: packet too big) with the
	 * MTU, or fragments it (IPv4 without DF).
	 */
	if (!fits_tunnel(ctx, lc, p.ip_len, &mtu))
		return count(WG_XDP_PASS_LAN_TOO_BIG, ctx, XDP_PASS);
	partial = partial_csum(ctx, &p, c.end, &csum);
	if (partial < 0)
		return count(WG_XDP_PASS_LAN_CSUM_PARTIAL, ctx, XDP_PASS);

	if (bpf_redirect_map(&xsks_lan, ctx->rx_queue_index, XDP_PASS) !=
	    XDP_REDIRECT)
		return count(WG_XDP_PASS_NO_SOCKET, ctx, XDP_PASS);
	/*
	 * Redirected: from here on the packet is changed, as forwarding does
	 * (a SYN both completed and clamped counts as clamped).
	 */
	if (partial && p.l4_csum && (void *)(p.l4_csum + 1) <= c.end) {
		*p.l4_csum = csum;
		reason = WG_XDP_REDIRECT_LAN_CSUM;
	}
	if ((lc->flags & WG_XDP_LAN_F_MSS_CLAMP) && p.tcp && mtu > p.hdrs &&
	    clamp_mss(p.tcp, c.end, p.l4_len,
		      lc->mss && lc->mss < mtu - p.hdrs ? lc->mss :
							  mtu - p.hdrs))
		reason = WG_XDP_REDIRECT_LAN_MSS;
	if (p.ip_csum) {
		__builtin_memcpy(&old, p.ttl, 2); /* TTL and protocol */
		(*p.ttl)--;
		csum_replace2(p.ip_csum, old, *(__u16 *)p.ttl);
	} else {
		(*p.ttl)--;
	}
	count(reason, ctx, XDP_REDIRECT);
	/* Ethernet padding is not part of the packet the tunnel carries. */
	len = ctx->data_end - ctx->data;
	if (len > sizeof(struct ethhdr) + p.ip_len)
		bpf_xdp_adjust_tail(ctx, (int)(sizeof(struct ethhdr) + p.ip_len) -
					     (int)len);
	return XDP_REDIRECT;
}

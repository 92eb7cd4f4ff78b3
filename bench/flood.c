// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * flood: handshake initiations at a WireGuard responder, as fast as one
 * core can send them (sendmmsg, 64 a call), for SECONDS; prints one line
 * "flood: mode=M sent=N cookies=C seconds=S pps=P".
 *
 *   flood junk HOST PORT SECONDS [SRCPORT]
 *	148-byte type 1 messages with random contents (random MACs) from
 *	one UDP socket: what anyone can send
 *   flood mix HOST PORT SECONDS
 *	invalid packets of every kind, in turn: random bytes of random
 *	length; handshake types with a wrong size; well-sized initiations
 *	with random contents; data messages of a valid size naming random
 *	receiver indexes
 *   flood spoof HOST PORT SECONDS SRC NSRC
 *	the same from NSRC forged IPv4 source addresses SRC, SRC+1, ...
 *	(random source ports), through a raw socket; needs root
 *   flood spoofmac1 HOST PORT SECONDS PUBKEY SRC NSRC
 *	the same, each message with a valid mac1 for the responder's public
 *	key PUBKEY (base64): forged sources can never answer a cookie
 *	reply, so this is the one flood no source limit can tell apart
 *   flood mac1 HOST PORT SECONDS PUBKEY SRC NSRC
 *	initiations with a valid mac1 for the responder's public key PUBKEY
 *	(base64) from NSRC UDP sockets bound to SRC, SRC+1, ...: what
 *	anyone who knows the public key can send. Each socket answers the
 *	cookie replies it gets, so from then on its messages carry a valid
 *	mac2 and prove their source (which a rate limit then holds to its
 *	budget); "flood: all sources proven" goes to stderr once every
 *	socket has its cookie. The bodies are random: no Noise handshake
 *	completes.
 *
 * SIGTERM or SIGINT ends the flood early, with its line printed. IPv4
 * only. The mac1 mode stamps its MACs with the daemon's own cookie code,
 * like bench/hsload.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cookie.h"
#include "crypto.h"
#include "keys.h"
#include "wire.h"

#define BATCH 64
#define MAX_SRC 256

static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t rnd(void)
{
	uint64_t x = rnd_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rnd_state = x;
}

static void fill(uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = rnd();

		memcpy(p + i, &v, len - i < 8 ? len - i : 8);
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* A type 1 message of the right size with random contents. */
static void junk_initiation(uint8_t *p)
{
	fill(p, WG_MSG_INITIATION_LEN);
	p[0] = WG_MSG_INITIATION;
	p[1] = p[2] = p[3] = 0;
}

/* Mix packet number k into p; returns its length. */
static size_t mix_packet(uint8_t *p, uint64_t k)
{
	size_t len;

	switch (k % 4) {
	case 0: /* random bytes, 1..1400 */
		len = 1 + rnd() % 1400;
		fill(p, len);
		return len;
	case 1: /* a handshake type with a wrong size */
		len = 4 + rnd() % 200;
		fill(p, len);
		p[0] = 1 + rnd() % 3;
		p[1] = p[2] = p[3] = 0;
		if (len == WG_MSG_INITIATION_LEN || len == WG_MSG_RESPONSE_LEN ||
		    len == WG_MSG_COOKIE_LEN)
			len++;
		return len;
	case 2: /* an initiation of the right size, bad mac1 */
		junk_initiation(p);
		return WG_MSG_INITIATION_LEN;
	default: /* data to an unknown receiver index */
		len = 32 + 16 * (rnd() % 80);
		fill(p, len);
		p[0] = WG_MSG_DATA;
		p[1] = p[2] = p[3] = 0;
		return len;
	}
}

struct run {
	const char *mode;
	struct sockaddr_in dst;
	uint64_t end, sent, cookies;
};

static void report(const struct run *r, uint64_t t0)
{
	double secs = (double)(now_ns() - t0) / 1e9;

	printf("flood: mode=%s sent=%llu cookies=%llu seconds=%.2f pps=%.0f\n",
	       r->mode, (unsigned long long)r->sent,
	       (unsigned long long)r->cookies, secs,
	       secs > 0 ? (double)r->sent / secs : 0.0);
}

/* Still flooding? */
static bool going(const struct run *r)
{
	return !stop && now_ns() < r->end;
}

/* Sends the BATCH messages of msgs (lengths set) on fd; counts them. */
static void send_batch(struct run *r, int fd, struct mmsghdr *msgs)
{
	int n = sendmmsg(fd, msgs, BATCH, 0);

	if (n > 0)
		r->sent += (uint64_t)n;
}

static void setup_msgs(struct mmsghdr *msgs, struct iovec *iov,
		       uint8_t (*bufs)[1500], void *name, socklen_t namelen,
		       size_t len)
{
	memset(msgs, 0, sizeof(*msgs) * BATCH);
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = len;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = name;
		msgs[i].msg_hdr.msg_namelen = namelen;
	}
}

static int junk(struct run *r, uint16_t sport, bool mixed)
{
	uint64_t k = 0;
	static uint8_t bufs[BATCH][1500];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0) {
		perror("flood: socket");
		return 1;
	}
	if (sport) {
		struct sockaddr_in sa = { .sin_family = AF_INET,
					  .sin_port = htons(sport) };

		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			perror("flood: bind");
			return 1;
		}
	}
	setup_msgs(msgs, iov, bufs, &r->dst, sizeof(r->dst),
		   WG_MSG_INITIATION_LEN);
	while (going(r)) {
		for (int i = 0; i < BATCH; i++) {
			if (mixed)
				iov[i].iov_len = mix_packet(bufs[i], k++);
			else
				junk_initiation(bufs[i]);
		}
		send_batch(r, fd, msgs);
	}
	close(fd);
	return 0;
}

static uint16_t ip_csum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/*
 * Forged sources; with pub (spoofmac1) every message has a valid mac1 for
 * it (one message, stamped once: mac1 does not cover the IP header).
 */
static int spoof(struct run *r, struct in_addr src, uint32_t nsrc,
		 const uint8_t *pub)
{
	enum { HDRS = sizeof(struct iphdr) + sizeof(struct udphdr) };
	static uint8_t bufs[BATCH][1500];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct wg_msg_initiation valid;
	uint32_t k = 0;
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);

	if (fd < 0) {
		perror("flood: raw socket");
		return 1;
	}
	if (pub) {
		struct cookie_maker cm;

		wg_cookie_maker_init(&cm, pub);
		junk_initiation((uint8_t *)&valid);
		wg_cookie_maker_add_macs(&cm, &valid, sizeof(valid), now_ns());
		wg_cookie_maker_destroy(&cm);
	}
	setup_msgs(msgs, iov, bufs, &r->dst, sizeof(r->dst),
		   HDRS + WG_MSG_INITIATION_LEN);
	while (going(r)) {
		for (int i = 0; i < BATCH; i++) {
			struct iphdr *ip = (void *)bufs[i];
			struct udphdr *udp = (void *)(bufs[i] + sizeof(*ip));

			memset(ip, 0, sizeof(*ip));
			ip->version = 4;
			ip->ihl = 5;
			ip->ttl = 64;
			ip->protocol = IPPROTO_UDP;
			ip->tot_len = htons(HDRS + WG_MSG_INITIATION_LEN);
			ip->saddr = htonl(ntohl(src.s_addr) + k++ % nsrc);
			ip->daddr = r->dst.sin_addr.s_addr;
			ip->check = ip_csum(ip, sizeof(*ip));
			udp->source = htons((uint16_t)(1024 + rnd() % 60000));
			udp->dest = r->dst.sin_port;
			udp->len = htons(sizeof(*udp) + WG_MSG_INITIATION_LEN);
			udp->check = 0; /* optional over IPv4 */
			if (pub)
				memcpy(bufs[i] + HDRS, &valid, sizeof(valid));
			else
				junk_initiation(bufs[i] + HDRS);
		}
		send_batch(r, fd, msgs);
	}
	close(fd);
	return 0;
}

/* One source of the mac1 mode: a socket, its message, its cookie. */
struct source {
	int fd;
	struct cookie_maker cm;
	struct wg_msg_initiation msg;
	uint64_t stamped; /* when the MACs were last made */
	bool proven; /* has had a cookie */
};

/* Takes the cookie replies waiting on s; true when one was accepted. */
static bool take_cookies(struct run *r, struct source *s)
{
	struct wg_msg_cookie reply;
	bool got = false;
	ssize_t n;

	while ((n = recv(s->fd, &reply, sizeof(reply), MSG_DONTWAIT)) > 0) {
		if (n == sizeof(reply) && reply.header.type ==
						  htole32(WG_MSG_COOKIE) &&
		    wg_cookie_maker_consume_reply(&s->cm, &reply, now_ns()) ==
			    WG_NOISE_OK) {
			r->cookies++;
			got = true;
		}
	}
	return got;
}

static int mac1(struct run *r, const uint8_t pub[WG_KEY_LEN],
		struct in_addr src, uint32_t nsrc)
{
	static uint8_t bufs[BATCH][1500];
	static struct source srcs[MAX_SRC];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	uint32_t k = 0, proven = 0;

	for (uint32_t i = 0; i < nsrc; i++) {
		struct sockaddr_in sa = { .sin_family = AF_INET };
		int buf = 1 << 20;

		sa.sin_addr.s_addr = htonl(ntohl(src.s_addr) + i);
		srcs[i].fd = socket(AF_INET, SOCK_DGRAM, 0);
		if (srcs[i].fd < 0 ||
		    bind(srcs[i].fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			perror("flood: bind");
			return 1;
		}
		setsockopt(srcs[i].fd, SOL_SOCKET, SO_RCVBUF, &buf,
			   sizeof(buf));
		wg_cookie_maker_init(&srcs[i].cm, pub);
		junk_initiation((uint8_t *)&srcs[i].msg);
	}
	setup_msgs(msgs, iov, bufs, &r->dst, sizeof(r->dst),
		   WG_MSG_INITIATION_LEN);
	while (going(r)) {
		struct source *s = &srcs[k++ % nsrc];
		bool fresh = take_cookies(r, s);
		uint64_t now = now_ns(); /* after the cookie's birth */

		/*
		 * New MACs when a cookie came (mac2 from now on) and every
		 * 100 ms (add_macs re-arms the maker for the next reply).
		 */
		if (fresh || now - s->stamped > 100000000ULL) {
			wg_cookie_maker_add_macs(&s->cm, &s->msg,
						 sizeof(s->msg), now);
			s->stamped = now;
		}
		if (fresh && !s->proven) {
			s->proven = true;
			if (++proven == nsrc)
				fprintf(stderr, "flood: all sources proven\n");
		}
		for (int i = 0; i < BATCH; i++)
			memcpy(bufs[i], &s->msg, sizeof(s->msg));
		send_batch(r, s->fd, msgs);
	}
	for (uint32_t i = 0; i < nsrc; i++) {
		close(srcs[i].fd);
		wg_cookie_maker_destroy(&srcs[i].cm);
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: flood junk HOST PORT SECONDS [SRCPORT]\n"
		"       flood mix HOST PORT SECONDS\n"
		"       flood spoof HOST PORT SECONDS SRC NSRC\n"
		"       flood spoofmac1 HOST PORT SECONDS PUBKEY SRC NSRC\n"
		"       flood mac1 HOST PORT SECONDS PUBKEY SRC NSRC\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct run r = { .dst = { .sin_family = AF_INET } };
	uint8_t pub[WG_KEY_LEN];
	struct in_addr src;
	uint32_t nsrc;
	uint64_t t0;
	int ret;

	if (argc < 5 || inet_pton(AF_INET, argv[2], &r.dst.sin_addr) != 1)
		usage();
	r.mode = argv[1];
	r.dst.sin_port = htons((uint16_t)atoi(argv[3]));
	if (wg_crypto_init()) {
		fprintf(stderr, "flood: libsodium failed to initialise\n");
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	wg_random(&rnd_state, sizeof(rnd_state));
	rnd_state |= 1;
	t0 = now_ns();
	r.end = t0 + (uint64_t)(atof(argv[4]) * 1e9);
	if (!strcmp(r.mode, "junk") && argc <= 6) {
		ret = junk(&r, argc == 6 ? (uint16_t)atoi(argv[5]) : 0, false);
	} else if (!strcmp(r.mode, "mix") && argc == 5) {
		ret = junk(&r, 0, true);
	} else if (!strcmp(r.mode, "spoof") && argc == 7) {
		nsrc = (uint32_t)strtoul(argv[6], NULL, 0);
		if (inet_pton(AF_INET, argv[5], &src) != 1 || !nsrc)
			usage();
		ret = spoof(&r, src, nsrc, NULL);
	} else if (!strcmp(r.mode, "spoofmac1") && argc == 8) {
		nsrc = (uint32_t)strtoul(argv[7], NULL, 0);
		if (wg_key_from_base64(pub, argv[5]) ||
		    inet_pton(AF_INET, argv[6], &src) != 1 || !nsrc)
			usage();
		ret = spoof(&r, src, nsrc, pub);
	} else if (!strcmp(r.mode, "mac1") && argc == 8) {
		nsrc = (uint32_t)strtoul(argv[7], NULL, 0);
		if (wg_key_from_base64(pub, argv[5]) ||
		    inet_pton(AF_INET, argv[6], &src) != 1 || !nsrc ||
		    nsrc > MAX_SRC)
			usage();
		ret = mac1(&r, pub, src, nsrc);
	} else {
		usage();
	}
	if (!ret)
		report(&r, t0);
	return ret;
}

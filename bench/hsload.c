// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hsload: handshake load against a WireGuard responder.
 *
 *   hsload conf N [v6]
 *	print N [Peer] sections (keys derived from a fixed seed, one /32
 *	each from 10.200.0.0 up, and with v6 one /128 each under
 *	fd00:200::/64) for `wg addconf` on the responder
 *   hsload run N HOST PORT PUBKEY SECONDS SRC NSRC [WINDOW [once]]
 *	from the same N keys, keep WINDOW (default N) initiations in flight to HOST:PORT
 *	(responder public key PUBKEY, base64) for SECONDS, from NSRC UDP
 *	sockets bound to SRC, SRC+1, ... (key i always uses socket i % NSRC,
 *	so its cookie stays valid); print one line of counts. With "once",
 *	every key handshakes once only, and it stops when all have (so the
 *	responder holds a session, and a receiver index, for each)
 *
 * Every initiation is built by the daemon's own Noise and cookie code:
 * mac1 always, mac2 once the responder sent a cookie reply (it does that
 * under load; the initiator then retries at once, as a real peer would).
 * A handshake counts as completed only when wg_noise_consume_response
 * accepts the answer. Several sources are needed because responders limit
 * handshakes per source address under load (20/s in the Linux module).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cookie.h"
#include "crypto.h"
#include "keys.h"
#include "noise.h"
#include "wire.h"

#define TIMEOUT_NS (1000 * 1000 * 1000ULL)
#define KEY_BITS 20 /* low bits of a sender index: the key number */

struct initiator {
	struct noise_local l;
	struct noise_remote r;
	struct cookie_maker cm;
	uint32_t index; /* live sender index, 0 when none */
	uint64_t sent;	/* now at the last initiation, 0 when idle */
	bool done; /* completed a handshake (for "once") */
	int fd;
};

static struct initiator *ini;
static uint32_t nkeys, gen;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * WG_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static void key_of(uint8_t priv[WG_KEY_LEN], uint32_t i)
{
	uint8_t seed[16] = "hsload key";

	memcpy(seed + 12, &i, 4);
	wg_hash(priv, seed, sizeof(seed));
}

/* Upcalls: every local has its one remote; indexes carry the key number. */
static struct noise_remote *up_remote_get(void *arg,
					  const uint8_t pub[WG_KEY_LEN])
{
	struct initiator *in = arg;

	return wg_ct_eq(pub, in->r.public, WG_KEY_LEN) ? &in->r : NULL;
}

static uint32_t up_index_set(void *arg, struct noise_remote *r)
{
	struct initiator *in = arg;

	(void)r;
	gen = (gen + 1) & ((1u << (32 - KEY_BITS)) - 1);
	if (!gen)
		gen = 1;
	in->index = (gen << KEY_BITS) | (uint32_t)(in - ini);
	return in->index;
}

static struct noise_remote *up_index_get(void *arg, uint32_t index)
{
	struct initiator *in = arg;

	return in->index && index == in->index ? &in->r : NULL;
}

static void up_index_drop(void *arg, uint32_t index)
{
	struct initiator *in = arg;

	if (in->index == index)
		in->index = 0;
}

static int conf(uint32_t n, bool v6)
{
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN];
	char b64[WG_KEY_B64_LEN + 1];

	for (uint32_t i = 0; i < n; i++) {
		key_of(priv, i);
		wg_clamp(priv);
		wg_pubkey(pub, priv);
		wg_key_to_base64(b64, pub);
		printf("[Peer]\nPublicKey = %s\nAllowedIPs = 10.%u.%u.%u/32",
		       b64, 200 + (i >> 16), (i >> 8) & 0xff, i & 0xff);
		if (v6)
			printf(", fd00:200::%x:%x/128", i >> 16, i & 0xffff);
		printf("\n\n");
	}
	wg_wipe(priv, sizeof(priv));
	return 0;
}

struct stats {
	uint64_t sent, done, cookies, timeouts, bad, other;
};

static void initiate(struct initiator *in, const struct sockaddr_in *dst,
		     struct stats *st)
{
	struct wg_msg_initiation msg;
	struct timespec wall;
	uint64_t now = now_ns();

	clock_gettime(CLOCK_REALTIME, &wall);
	if (wg_noise_create_initiation(&in->r, &msg, &wall, now))
		return;
	wg_cookie_maker_add_macs(&in->cm, &msg, sizeof(msg), now);
	in->sent = now;
	if (sendto(in->fd, &msg, sizeof(msg), 0, (const void *)dst,
		   sizeof(*dst)) == sizeof(msg))
		st->sent++;
	wg_wipe(&msg, sizeof(msg));
}

static struct initiator *by_index(uint32_t index)
{
	uint32_t k = index & ((1u << KEY_BITS) - 1);

	if (k >= nkeys || ini[k].index != index)
		return NULL;
	return &ini[k];
}

static int run(int argc, char **argv)
{
	uint32_t n = (uint32_t)strtoul(argv[2], NULL, 0);
	double secs = atof(argv[6]);
	uint32_t nsrc = (uint32_t)strtoul(argv[8], NULL, 0);
	uint32_t window = argc > 9 ? (uint32_t)strtoul(argv[9], NULL, 0) : n;
	bool once = argc > 10 && !strcmp(argv[10], "once");
	uint8_t rpub[WG_KEY_LEN], priv[WG_KEY_LEN];
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct in_addr src;
	struct stats st = { 0 };
	uint32_t next = 0, inflight = 0;
	uint64_t t0, end, t1;
	int *fds, ep;

	if (!n || n >= (1u << KEY_BITS) || !nsrc || secs <= 0 ||
	    inet_pton(AF_INET, argv[3], &dst.sin_addr) != 1 ||
	    inet_pton(AF_INET, argv[7], &src) != 1 ||
	    wg_key_from_base64(rpub, argv[5])) {
		fprintf(stderr, "hsload: bad arguments\n");
		return 2;
	}
	if (window > n)
		window = n;
	dst.sin_port = htons((uint16_t)atoi(argv[4]));
	nkeys = n;
	ini = calloc(n, sizeof(*ini));
	fds = calloc(nsrc, sizeof(*fds));
	ep = epoll_create1(0);
	if (!ini || !fds || ep < 0)
		return 1;
	for (uint32_t j = 0; j < nsrc; j++) {
		struct sockaddr_in sa = { .sin_family = AF_INET };
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = j };
		int buf = 1 << 20;

		sa.sin_addr.s_addr = htonl(ntohl(src.s_addr) + j);
		fds[j] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (fds[j] < 0 ||
		    bind(fds[j], (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			perror("hsload: bind");
			return 1;
		}
		setsockopt(fds[j], SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
		epoll_ctl(ep, EPOLL_CTL_ADD, fds[j], &ev);
	}
	for (uint32_t i = 0; i < n; i++) {
		struct noise_upcall u = {
			.arg = &ini[i],
			.remote_get = up_remote_get,
			.index_set = up_index_set,
			.index_get = up_index_get,
			.index_drop = up_index_drop,
		};

		key_of(priv, i);
		wg_noise_local_init(&ini[i].l, &u);
		wg_noise_local_set_private(&ini[i].l, priv);
		wg_noise_remote_init(&ini[i].r, &ini[i].l, rpub);
		wg_noise_remote_precompute(&ini[i].r);
		wg_cookie_maker_init(&ini[i].cm, rpub);
		ini[i].fd = fds[i % nsrc];
	}
	wg_wipe(priv, sizeof(priv));

	t0 = now_ns();
	end = t0 + (uint64_t)(secs * 1e9);
	for (;;) {
		struct epoll_event evs[64];
		uint64_t now = now_ns();
		int ne;

		if (now >= end || (once && st.done >= n))
			break;
		/* Refill the window, oldest key first, round robin. */
		for (uint32_t tries = 0; inflight < window && tries < n;
		     tries++) {
			struct initiator *in = &ini[next];

			next = (next + 1) % n;
			if (in->sent || (once && in->done))
				continue;
			initiate(in, &dst, &st);
			inflight++;
		}
		/* Retry the ones nobody answered (rate limited, lost). */
		for (uint32_t i = 0; i < n; i++) {
			if (ini[i].sent && now - ini[i].sent > TIMEOUT_NS) {
				st.timeouts++;
				initiate(&ini[i], &dst, &st);
			}
		}
		ne = epoll_wait(ep, evs, 64, 10);
		for (int e = 0; e < ne; e++) {
			int fd = fds[evs[e].data.u32];
			uint8_t buf[256];
			ssize_t len;

			while ((len = recv(fd, buf, sizeof(buf), 0)) > 0) {
				struct wg_msg_response *rsp = (void *)buf;
				struct wg_msg_cookie *ck = (void *)buf;
				struct noise_remote *r;
				struct initiator *in;

				now = now_ns();
				if (buf[0] == WG_MSG_RESPONSE &&
				    len == sizeof(*rsp)) {
					in = by_index(le32toh(rsp->receiver_index));
					if (!in || !in->sent) {
						st.other++;
						continue;
					}
					if (wg_noise_consume_response(&in->l, rsp,
								      now, &r)) {
						st.bad++;
						continue;
					}
					st.done++;
					/* Drop the session: only handshakes count. */
					wg_noise_remote_clear(&in->r);
					in->sent = 0;
					in->done = true;
					inflight--;
				} else if (buf[0] == WG_MSG_COOKIE &&
					   len == sizeof(*ck)) {
					in = by_index(le32toh(ck->receiver_index));
					if (!in || !in->sent) {
						st.other++;
						continue;
					}
					if (wg_cookie_maker_consume_reply(&in->cm,
									  ck, now)) {
						st.bad++;
						continue;
					}
					st.cookies++;
					initiate(in, &dst, &st);
				} else {
					st.other++;
				}
			}
		}
	}
	t1 = now_ns();
	printf("hsload: keys=%u sources=%u window=%u seconds=%.2f sent=%llu "
	       "completed=%llu cookies=%llu timeouts=%llu bad=%llu other=%llu "
	       "hs_per_s=%.1f\n",
	       n, nsrc, window, (double)(t1 - t0) / 1e9,
	       (unsigned long long)st.sent, (unsigned long long)st.done,
	       (unsigned long long)st.cookies,
	       (unsigned long long)st.timeouts, (unsigned long long)st.bad,
	       (unsigned long long)st.other,
	       (double)st.done * 1e9 / (double)(t1 - t0));
	for (uint32_t i = 0; i < n; i++) {
		wg_cookie_maker_destroy(&ini[i].cm);
		wg_noise_remote_destroy(&ini[i].r);
		wg_noise_local_destroy(&ini[i].l);
	}
	free(ini);
	for (uint32_t j = 0; j < nsrc; j++)
		close(fds[j]);
	free(fds);
	close(ep);
	return 0;
}

int main(int argc, char **argv)
{
	if (wg_crypto_init())
		return 1;
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "conf"))
		return conf((uint32_t)strtoul(argv[2], NULL, 0), argc == 4);
	if (argc >= 9 && argc <= 11 && !strcmp(argv[1], "run"))
		return run(argc, argv);
	fprintf(stderr, "usage: hsload conf N [v6]\n"
			"       hsload run N HOST PORT PUBKEY SECONDS SRC NSRC "
			"[WINDOW [once]]\n");
	return 2;
}

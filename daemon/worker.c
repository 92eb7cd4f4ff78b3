// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "worker.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "icmp.h"
#include "log.h"
#include "packet.h"
#include "rcu.h"
#include "receive.h"
#include "send.h"
#include "txsel.h"

#define BATCH 64
/* TUN batches one pass may read while the TUN has more (wg_worker_poll). */
#define TUN_ROUNDS 16
/* On the AF_XDP path, the UDP sockets are read at least every this many passes. */
#define UDP_EVERY 64
/* Packets a pass may hand to one transport before it must send them. */
#define OUT_MAX BATCH

/* A batch of sealed packets for one transport. */
struct out {
	struct wg_transport *t;
	unsigned int n;
	struct wg_pkt pkts[OUT_MAX];
};

struct wg_worker {
	struct wg_device *dev;
	unsigned int index;
	struct wg_transport *nic, *udp, *lan;
	struct wg_transport *primary; /* whose buffers TUN reads go into */
	struct wg_tunio *tun;
	struct wg_tunio_batch tb;
	struct wg_counters counters;
	struct wg_tally tally;
	int wake_fd;
	/* lock guards flush_head: peers the control thread wants flushed. */
	pthread_mutex_t lock;
	struct wg_peer *flush_head;
	pthread_t thread;
	bool started;
	uint64_t last_work; /* for the bounded busy poll */
	/*
	 * Beside AF_XDP the UDP sockets see little: read them when poll()
	 * said so, and every UDP_EVERY passes, not with two syscalls a pass.
	 */
	bool udp_ready;
	unsigned int passes;
	uint64_t icmp_at;   /* the ICMP token bucket: last refill */
	unsigned int icmp_tokens;
	struct wg_pkt rx[BATCH];
	struct wg_pkt inner[BATCH];
	struct out out_nic, out_udp;
	/* How this pass sends what could go by AF_XDP (txsel.h). */
	enum wg_txsel_way tx_way;
	unsigned int tx_pass;
};

struct wg_counters *wg_worker_counters(struct wg_worker *w)
{
	return &w->counters;
}

void wg_worker_wake(struct wg_worker *w)
{
	uint64_t one = 1;

	if (write(w->wake_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: saturated, it is awake already. */
	}
}

/* Which peer takes a plaintext packet: most specific allowed-IPs match. */
static struct wg_peer *route(struct wg_device *dev, const struct wg_pkt *pkt)
{
	const uint8_t *ip = pkt->data;

	if (pkt->len >= 20 && (ip[0] >> 4) == 4)
		return wg_allowedips_lookup(&dev->aip, AF_INET, ip + 16);
	if (pkt->len >= 40 && (ip[0] >> 4) == 6)
		return wg_allowedips_lookup(&dev->aip, AF_INET6, ip + 24);
	return NULL;
}

static uint64_t thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * WG_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static void send_out(struct wg_worker *w, struct out *o)
{
	struct wg_txsel *ts = &w->dev->txsel;
	unsigned int n = o->n, sent;
	uint64_t t0 = 0, bytes = 0;
	bool timed;

	if (!n)
		return;
	o->n = 0;
	/*
	 * While the transmit choice is measured: the CPU this send takes,
	 * for the way this pass tries (the UDP batch of an AF_XDP pass holds
	 * only packets that cannot go by AF_XDP: not charged).
	 */
	timed = wg_txsel_measuring(ts) &&
		(o == &w->out_nic || w->tx_way == WG_TXSEL_UDP);
	if (timed) {
		for (unsigned int i = 0; i < n; i++)
			bytes += o->pkts[i].len;
		t0 = thread_ns();
	}
	sent = o->t->ops->send(o->t, o->pkts, n);
	if (timed)
		wg_txsel_charge(ts, o == &w->out_nic ? WG_TXSEL_XDP : WG_TXSEL_UDP,
				thread_ns() - t0, bytes);
	wg_count(&w->counters, o->t->tx_counter, sent);
	if (sent < n)
		wg_count(&w->counters, WG_C_drop_send, n - sent);
	/* A transport that refused our source address said so per path. */
	for (unsigned int i = 0; i < n; i++) {
		struct wg_peer *p = o->pkts[i].peer;

		if (p && (atomic_load_explicit(&p->path_flags,
					       memory_order_relaxed) &
			  WG_PATH_F_SRC_BAD)) {
			atomic_fetch_and(&p->path_flags,
					 ~(unsigned int)WG_PATH_F_SRC_BAD);
			wg_peer_clear_src(p);
		}
	}
}

/* Hand a sealed packet of p to the transport chosen for it. */
static void queue_out(struct wg_worker *w, struct wg_peer *p,
		      struct wg_pkt *pkt, bool xdp)
{
	struct out *o = xdp && w->nic && w->tx_way == WG_TXSEL_XDP ?
				&w->out_nic :
				&w->out_udp;

	pkt->peer = p;
	if (o->n == OUT_MAX)
		send_out(w, o);
	o->pkts[o->n++] = *pkt;
}

static void send_all(struct wg_worker *w)
{
	struct out *os[2] = { &w->out_nic, &w->out_udp };

	for (int i = 0; i < 2; i++) {
		send_out(w, os[i]);
		if (os[i]->t && os[i]->t->ops->flush)
			os[i]->t->ops->flush(os[i]->t);
	}
}

/* ICMP errors back into the TUN: at most this many a second, per worker. */
#define ICMP_PER_SEC 1000
#define ICMP_BURST 100

static bool icmp_allowed(struct wg_worker *w)
{
	uint64_t now = wg_now();

	if (now - w->icmp_at >= WG_NSEC_PER_SEC / ICMP_PER_SEC) {
		uint64_t add = (now - w->icmp_at) / (WG_NSEC_PER_SEC / ICMP_PER_SEC);

		w->icmp_tokens = w->icmp_tokens + add > ICMP_BURST ?
					 ICMP_BURST :
					 w->icmp_tokens + (unsigned int)add;
		w->icmp_at = now;
	}
	if (!w->icmp_tokens)
		return false;
	w->icmp_tokens--;
	return true;
}

/* Tell the sender of pkt (an IP packet read here) why it went nowhere. */
static void icmp_back(struct wg_worker *w, const struct wg_pkt *pkt,
		      enum wg_icmp_kind kind, uint32_t mtu)
{
	uint8_t buf[WG_ICMP_MAX];
	struct wg_pkt out = { 0 };
	size_t len;

	if (!icmp_allowed(w))
		return;
	len = wg_icmp_build(buf, pkt->data, pkt->len, kind, mtu);
	if (!len)
		return;
	out.data = buf;
	out.len = (uint32_t)len;
	wg_tunio_write(w->tun, &w->tb, &out, 1, &w->counters);
	wg_count(&w->counters, WG_C_icmp_tx, 1);
}

/*
 * Is pkt our own outer packet for p (UDP from our listen port to p's
 * endpoint), come back through the TUN? Then the endpoint is routed into
 * the tunnel: sealing it again would loop for ever.
 */
static bool own_outer(struct wg_device *dev, const struct wg_pkt *pkt,
		      const struct wg_path *path)
{
	const uint8_t *ip = pkt->data, *udp;
	uint16_t port = htons(atomic_load_explicit(&dev->port,
						   memory_order_relaxed));

	if (path->remote.sa.sa_family == AF_INET && pkt->len >= 28 &&
	    ip[0] >> 4 == 4 && ip[9] == IPPROTO_UDP) {
		udp = ip + (ip[0] & 15) * 4;
		return udp + 4 <= ip + pkt->len &&
		       !memcmp(ip + 16, &path->remote.in.sin_addr, 4) &&
		       !memcmp(udp, &port, 2) &&
		       !memcmp(udp + 2, &path->remote.in.sin_port, 2);
	}
	if (path->remote.sa.sa_family == AF_INET6 && pkt->len >= 48 &&
	    ip[0] >> 4 == 6 && ip[6] == IPPROTO_UDP) {
		udp = ip + 40;
		return !memcmp(ip + 24, &path->remote.in6.sin6_addr, 16) &&
		       !memcmp(udp, &port, 2) &&
		       !memcmp(udp + 2, &path->remote.in6.sin6_port, 2);
	}
	return false;
}

/* The data message a plaintext of plen bytes becomes (padding, header, tag). */
static size_t sealed_len(size_t plen, unsigned int mtu)
{
	size_t padded = (plen + WG_PADDING - 1) / WG_PADDING * WG_PADDING;

	if (mtu && padded > mtu)
		padded = plen > mtu ? plen : mtu;
	return WG_MSG_DATA_MIN_LEN + padded;
}

enum fit { FIT_OK, FIT_UDP, FIT_TOO_BIG };

/*
 * Can the sealed packet go on its path as it is? FIT_UDP: not in an
 * AF_XDP frame, or bigger than the path but allowed to fragment: the UDP
 * socket sends it (the kernel fragments the outer packet, as the kernel
 * module does). FIT_TOO_BIG: bigger than the path and DF: *inner_mtu is
 * the largest plaintext that fits, for the ICMP error.
 */
static enum fit fits(struct wg_worker *w, const struct wg_pkt *pkt,
		     const struct wg_peer_path *pp, uint32_t *inner_mtu)
{
	unsigned int tun_mtu = atomic_load_explicit(&w->dev->mtu,
						    memory_order_relaxed);
	size_t msg = sealed_len(pkt->len, tun_mtu);
	size_t ip = pp->path.remote.sa.sa_family == AF_INET6 ? WG_IP6_HLEN :
							      WG_IP4_HLEN;
	size_t outer = ip + WG_UDP_HLEN;

	if (pp->mtu && msg + outer > pp->mtu) {
		bool v6 = pkt->len >= 1 && pkt->data[0] >> 4 == 6;
		size_t room = pp->mtu > outer + WG_MSG_DATA_MIN_LEN ?
				      (pp->mtu - outer - WG_MSG_DATA_MIN_LEN) /
					      WG_PADDING * WG_PADDING :
				      0;

		/* A smaller MTU than the inner protocol allows: fragment. */
		if (wg_icmp_dont_fragment(pkt->data, pkt->len) &&
		    room >= (v6 ? 1280u : 68u)) {
			*inner_mtu = (uint32_t)room;
			return FIT_TOO_BIG;
		}
		return FIT_UDP;
	}
	if (pp->xdp && w->nic && msg + WG_OUTER_MAX > w->nic->buf_size)
		return FIT_UDP;
	return FIT_OK;
}

enum out_result { OUT_SENT, OUT_DROPPED, OUT_KEPT };

/*
 * One plaintext packet for p: its path, the checks, seal, queue. With
 * errors, a packet that goes nowhere gets its ICMP error. The buffer is
 * consumed, except with OUT_KEPT (no session yet: the plaintext was kept
 * for after a handshake, the buffer is still the caller's).
 */
static enum out_result out_one(struct wg_worker *w, struct wg_peer *p,
			       struct wg_pkt *pkt, bool errors)
{
	struct wg_device *dev = w->dev;
	const struct wg_peer_path *pp;
	uint32_t inner_mtu = 0;
	bool xdp;

	pp = wg_send_path(dev, p, &pkt->path);
	if (!pp) {
		/* Without an endpoint no handshake can start. */
		wg_count(&w->counters, WG_C_drop_no_endpoint, 1);
		if (errors)
			icmp_back(w, pkt, WG_ICMP_UNREACH, 0);
		goto drop;
	}
	if (pp->loop || own_outer(dev, pkt, &pkt->path)) {
		wg_count(&w->counters, WG_C_drop_loop, 1);
		log_ratelimited(WG_LOG_WARN,
				"Routing loop: the endpoint of peer %u is "
				"routed into %s; dropped",
				p->id, dev->ifname);
		goto drop;
	}
	if (pkt->head < WG_DATA_HEADER_LEN ||
	    pkt->room < pkt->len + WG_SEAL_SLACK) {
		wg_count(&w->counters, WG_C_drop_too_big, 1);
		goto drop;
	}
	xdp = pp->xdp;
	switch (fits(w, pkt, pp, &inner_mtu)) {
	case FIT_TOO_BIG:
		wg_count(&w->counters, WG_C_drop_too_big, 1);
		if (errors)
			icmp_back(w, pkt, WG_ICMP_TOO_BIG, inner_mtu);
		goto drop;
	case FIT_UDP:
		xdp = false;
		break;
	case FIT_OK:
		break;
	}
	if (!wg_send_seal(dev, &w->counters, &w->tally, p, pkt))
		return OUT_KEPT;
	queue_out(w, p, pkt, xdp);
	return OUT_SENT;
drop:
	wg_pkt_release(pkt);
	return OUT_DROPPED;
}

/* Plaintext in: route, then out_one. Consumes every buffer. */
static void inner_out(struct wg_worker *w, struct wg_pkt *pkts, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		struct wg_pkt *pkt = &pkts[i];
		struct wg_peer *p = route(w->dev, pkt);

		if (!p || atomic_load_explicit(&p->dead, memory_order_relaxed)) {
			wg_count(&w->counters, WG_C_drop_no_peer, 1);
			icmp_back(w, pkt, WG_ICMP_UNREACH, 0);
			wg_pkt_release(pkt);
			continue;
		}
		if (out_one(w, p, pkt, true) == OUT_KEPT)
			wg_pkt_release(pkt);
	}
}

/* Outer packets in from t: open, coalesce, write to TUN. */
static unsigned int outer_in(struct wg_worker *w, struct wg_transport *t)
{
	struct wg_device *dev = w->dev;
	unsigned int n, k = 0;

	n = t->ops->recv(t, w->rx, BATCH);
	if (!n)
		return 0;
	wg_count(&w->counters, t->rx_counter, n);
	if (t->caps & WG_TRANSPORT_INNER) {
		/* Plaintext taken from the LAN: straight to the sealer. */
		inner_out(w, w->rx, n);
		return n;
	}
	for (unsigned int i = 0; i < n; i++)
		if (wg_receive_outer(dev, &w->counters, &w->tally, &w->rx[i]))
			w->inner[k++] = w->rx[i];
	if (k)
		wg_tunio_write(w->tun, &w->tb, w->inner, k, &w->counters);
	for (unsigned int i = 0; i < n; i++)
		wg_pkt_release(&w->rx[i]);
	if (w->tun->gone)
		atomic_store(&dev->stopping, true);
	return n;
}

static unsigned int tun_in(struct wg_worker *w)
{
	unsigned int n = wg_tunio_read(w->tun, &w->tb, w->primary, w->udp,
				       w->inner, BATCH, &w->counters);

	if (w->tun->gone)
		atomic_store(&w->dev->stopping, true);
	inner_out(w, w->inner, n);
	/* A super-packet half cut: more to do at once, the fd says nothing. */
	return n + (w->tb.cutting ? 1 : 0);
}

/* A fresh buffer for plaintext made here (staged packets, keepalives). */
static int plain_buf(struct wg_worker *w, struct wg_pkt *pkt)
{
	if (w->primary->ops->alloc(w->primary, pkt)) {
		wg_count(&w->counters, WG_C_drop_no_buffer, 1);
		return -ENOBUFS;
	}
	pkt->data += WG_DATA_HEADER_LEN;
	pkt->head += WG_DATA_HEADER_LEN;
	pkt->room -= WG_DATA_HEADER_LEN;
	pkt->len = 0;
	return 0;
}

/* Send what p kept for a session; a keepalive if nothing and asked. */
static unsigned int flush_peer(struct wg_worker *w, struct wg_peer *p,
			       bool keepalive)
{
	unsigned int sent = 0;
	struct wg_pkt pkt;
	size_t len;

	for (;;) {
		if (plain_buf(w, &pkt))
			return sent;
		len = wg_peer_unstage(p, pkt.data, pkt.room - WG_SEAL_SLACK);
		if (!len)
			break;
		pkt.len = (uint32_t)len;
		switch (out_one(w, p, &pkt, false)) {
		case OUT_KEPT:
			wg_pkt_release(&pkt); /* kept again: still no session */
			return sent;
		case OUT_SENT:
			sent++;
			break;
		case OUT_DROPPED:
			break;
		}
	}
	if (sent || !keepalive) {
		wg_pkt_release(&pkt);
		return sent;
	}
	switch (out_one(w, p, &pkt, false)) {
	case OUT_SENT:
		wg_count(&w->counters, WG_C_keepalives_tx, 1);
		return 1;
	case OUT_KEPT:
		wg_pkt_release(&pkt);
		break;
	case OUT_DROPPED:
		break;
	}
	return 0;
}

static unsigned int flushes(struct wg_worker *w)
{
	struct wg_peer *p, *next;
	unsigned int did = 0;

	pthread_mutex_lock(&w->lock);
	p = w->flush_head;
	w->flush_head = NULL;
	pthread_mutex_unlock(&w->lock);
	for (; p; p = next) {
		bool ka;

		next = p->flush_next;
		atomic_store(&p->flush_queued, false);
		ka = atomic_exchange(&p->flush_keepalive, false);
		if (!atomic_load(&p->dead))
			did += flush_peer(w, p, ka) + 1;
		wg_peer_put(p);
	}
	return did;
}

void wg_worker_flush(struct wg_device *dev, struct wg_peer *p, bool keepalive)
{
	struct wg_worker *w;

	if (!dev->nworkers)
		return;
	w = dev->workers[p->id % dev->nworkers];
	if (keepalive)
		atomic_store(&p->flush_keepalive, true);
	if (atomic_exchange(&p->flush_queued, true))
		return;
	wg_peer_get(p);
	pthread_mutex_lock(&w->lock);
	p->flush_next = w->flush_head;
	w->flush_head = p;
	pthread_mutex_unlock(&w->lock);
	wg_worker_wake(w);
}

unsigned int wg_worker_poll(struct wg_worker *w)
{
	unsigned int did = 0;

	w->tx_way = wg_txsel_way(&w->dev->txsel, w->tx_pass++);
	if (w->nic)
		did += outer_in(w, w->nic);
	if (!w->nic || w->udp_ready || ++w->passes % UDP_EVERY == 0) {
		w->udp_ready = false;
		did += outer_in(w, w->udp);
	}
	if (w->lan)
		did += outer_in(w, w->lan);
	/* The packets in: their timers and counters, before any goes out. */
	wg_peer_tally_flush(&w->tally);
	/*
	 * While the TUN has more, take it in this pass, up to TUN_ROUNDS
	 * batches: a sender sealing faster than it sends in one wakeup of
	 * the transport (send_all), not one per batch.
	 */
	for (unsigned int r = 0, got = BATCH; r < TUN_ROUNDS && got >= BATCH;
	     r++) {
		got = tun_in(w);
		did += got;
	}
	did += flushes(w);
	send_all(w);
	wg_peer_tally_flush(&w->tally);
	return did;
}

void wg_worker_wait(struct wg_worker *w, int timeout_ms)
{
	struct pollfd pfd[8];
	unsigned int n = 0, udp_at, udp_n;
	uint64_t v;

	pfd[n++] = (struct pollfd){ .fd = w->wake_fd, .events = POLLIN };
	if (w->tun->fd >= 0)
		pfd[n++] = (struct pollfd){ .fd = w->tun->fd, .events = POLLIN };
	if (w->nic)
		n += w->nic->ops->pollfds(w->nic, pfd + n, 8 - n);
	udp_at = n;
	udp_n = w->udp->ops->pollfds(w->udp, pfd + n, 8 - n);
	n += udp_n;
	if (w->lan)
		n += w->lan->ops->pollfds(w->lan, pfd + n, 8 - n);
	wg_rcu_offline();
	poll(pfd, n, timeout_ms);
	wg_rcu_online();
	for (unsigned int i = udp_at; i < udp_at + udp_n; i++)
		if (pfd[i].revents)
			w->udp_ready = true;
	if ((pfd[0].revents & POLLIN) &&
	    read(w->wake_fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: someone else read it. */
	}
}

static void *worker_main(void *arg)
{
	struct wg_worker *w = arg;
	struct wg_device *dev = w->dev;
	uint64_t spin = (uint64_t)dev->busy_poll_us * 1000;

	wg_rcu_register();
	while (!atomic_load(&dev->stopping)) {
		unsigned int did = wg_worker_poll(w);

		wg_rcu_quiescent();
		/*
		 * Adaptive, bounded busy poll: after work, keep looking for
		 * spin ns (a reply is often on its way) before paying for a
		 * sleep and a wakeup; an idle worker sleeps in poll(). Each
		 * spin already makes a syscall (the TUN read), so no PAUSE:
		 * in a VM that invites the hypervisor to deschedule us.
		 */
		if (did) {
			if (spin)
				w->last_work = wg_now();
			continue;
		}
		if (spin && wg_now() - w->last_work < spin)
			continue;
		wg_worker_wait(w, 100);
	}
	wg_rcu_unregister();
	return NULL;
}

void wg_worker_stats(struct wg_worker *w,
		     void (*emit)(void *ctx, const char *name, uint64_t v),
		     void *ctx)
{
	struct wg_transport *ts[3] = { w->nic, w->udp, w->lan };

	for (int i = 0; i < 3; i++)
		if (ts[i] && ts[i]->ops->stats)
			ts[i]->ops->stats(ts[i], emit, ctx);
}

int wg_worker_create(struct wg_worker **out, struct wg_device *dev,
		     unsigned int index, const struct wg_worker_config *cfg)
{
	struct wg_worker *w = calloc(1, sizeof(*w));
	int ret;

	if (!w)
		return -ENOMEM;
	ret = wg_tunio_batch_init(&w->tb);
	if (ret)
		goto err;
	w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->wake_fd < 0) {
		ret = -errno;
		goto err;
	}
	pthread_mutex_init(&w->lock, NULL);
	w->dev = dev;
	w->index = index;
	w->nic = cfg->nic;
	w->udp = cfg->udp;
	w->lan = cfg->lan;
	w->tun = cfg->tun;
	w->primary = w->nic ? w->nic : w->udp;
	w->icmp_tokens = ICMP_BURST;
	w->out_nic.t = w->nic;
	w->out_udp.t = w->udp;
	*out = w;
	return 0;
err:
	wg_tunio_batch_free(&w->tb);
	free(w);
	return ret;
}

void wg_worker_destroy(struct wg_worker *w)
{
	struct wg_peer *p, *next;

	if (!w)
		return;
	for (p = w->flush_head; p; p = next) {
		next = p->flush_next;
		atomic_store(&p->flush_queued, false);
		wg_peer_put(p);
	}
	if (w->lan)
		w->lan->ops->destroy(w->lan);
	if (w->nic)
		w->nic->ops->destroy(w->nic);
	if (w->udp)
		w->udp->ops->destroy(w->udp);
	wg_tunio_batch_free(&w->tb);
	close(w->wake_fd);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

int wg_workers_start(struct wg_device *dev)
{
	for (unsigned int i = 0; i < dev->nworkers; i++) {
		struct wg_worker *w = dev->workers[i];
		int ret = pthread_create(&w->thread, NULL, worker_main, w);

		if (ret) {
			atomic_store(&dev->stopping, true);
			wg_workers_stop(dev);
			return -ret;
		}
		w->started = true;
	}
	return 0;
}

void wg_workers_stop(struct wg_device *dev)
{
	for (unsigned int i = 0; i < dev->nworkers; i++) {
		struct wg_worker *w = dev->workers[i];

		if (!w || !w->started)
			continue;
		wg_worker_wake(w);
		pthread_join(w->thread, NULL);
		w->started = false;
	}
}

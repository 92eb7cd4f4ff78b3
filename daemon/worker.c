// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "worker.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"
#include "rcu.h"
#include "receive.h"
#include "send.h"

#define BATCH 64
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
	int wake_fd;
	/* lock guards flush_head: peers the control thread wants flushed. */
	pthread_mutex_t lock;
	struct wg_peer *flush_head;
	pthread_t thread;
	bool started;
	uint64_t last_work; /* for the bounded busy poll */
	struct wg_pkt rx[BATCH];
	struct wg_pkt inner[BATCH];
	struct out out_nic, out_udp;
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

static void send_out(struct wg_worker *w, struct out *o)
{
	unsigned int n = o->n, sent;

	if (!n)
		return;
	o->n = 0;
	sent = o->t->ops->send(o->t, o->pkts, n);
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

/* Hand a sealed packet of p to the transport its path names. */
static void queue_out(struct wg_worker *w, struct wg_peer *p,
		      struct wg_pkt *pkt)
{
	struct out *o;
	bool xdp = false;

	if (!wg_send_path(w->dev, p, &pkt->path, &xdp)) {
		wg_count(&w->counters, WG_C_drop_no_endpoint, 1);
		wg_pkt_release(pkt);
		return;
	}
	pkt->peer = p;
	o = xdp && w->nic ? &w->out_nic : &w->out_udp;
	if (o->n == OUT_MAX)
		send_out(w, o);
	o->pkts[o->n++] = *pkt;
}

static void send_all(struct wg_worker *w)
{
	send_out(w, &w->out_nic);
	send_out(w, &w->out_udp);
}

/* Plaintext in: route, seal, queue. Consumes every buffer. */
static void inner_out(struct wg_worker *w, struct wg_pkt *pkts, unsigned int n)
{
	struct wg_device *dev = w->dev;

	for (unsigned int i = 0; i < n; i++) {
		struct wg_pkt *pkt = &pkts[i];
		struct wg_peer *p = route(dev, pkt);

		if (!p || atomic_load_explicit(&p->dead, memory_order_relaxed)) {
			wg_count(&w->counters, WG_C_drop_no_peer, 1);
			wg_pkt_release(pkt);
			continue;
		}
		if (pkt->head < WG_DATA_HEADER_LEN ||
		    pkt->room < pkt->len + WG_SEAL_SLACK) {
			wg_count(&w->counters, WG_C_drop_too_big, 1);
			wg_pkt_release(pkt);
			continue;
		}
		if (!wg_send_seal(dev, &w->counters, p, pkt)) {
			wg_pkt_release(pkt); /* kept for after a handshake */
			continue;
		}
		queue_out(w, p, pkt);
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
		if (wg_receive_outer(dev, &w->counters, &w->rx[i]))
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
	unsigned int n = wg_tunio_read(w->tun, &w->tb, w->primary, w->inner,
				       BATCH, &w->counters);

	if (w->tun->gone)
		atomic_store(&w->dev->stopping, true);
	inner_out(w, w->inner, n);
	return n;
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
	struct wg_device *dev = w->dev;
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
		if (!wg_send_seal(dev, &w->counters, p, &pkt)) {
			wg_pkt_release(&pkt); /* kept again: still no session */
			return sent;
		}
		queue_out(w, p, &pkt);
		sent++;
	}
	if (sent || !keepalive) {
		wg_pkt_release(&pkt);
		return sent;
	}
	if (wg_send_seal(dev, &w->counters, p, &pkt)) {
		queue_out(w, p, &pkt);
		wg_count(&w->counters, WG_C_keepalives_tx, 1);
		return 1;
	}
	wg_pkt_release(&pkt);
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

	if (w->nic)
		did += outer_in(w, w->nic);
	did += outer_in(w, w->udp);
	if (w->lan)
		did += outer_in(w, w->lan);
	did += tun_in(w);
	did += flushes(w);
	send_all(w);
	return did;
}

void wg_worker_wait(struct wg_worker *w, int timeout_ms)
{
	struct pollfd pfd[8];
	unsigned int n = 0;
	uint64_t v;

	pfd[n++] = (struct pollfd){ .fd = w->wake_fd, .events = POLLIN };
	if (w->tun->fd >= 0)
		pfd[n++] = (struct pollfd){ .fd = w->tun->fd, .events = POLLIN };
	if (w->nic)
		n += w->nic->ops->pollfds(w->nic, pfd + n, 8 - n);
	n += w->udp->ops->pollfds(w->udp, pfd + n, 8 - n);
	if (w->lan)
		n += w->lan->ops->pollfds(w->lan, pfd + n, 8 - n);
	wg_rcu_offline();
	poll(pfd, n, timeout_ms);
	wg_rcu_online();
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

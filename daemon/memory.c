// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "memory.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* A packet in a queue: the bytes and what the receiver learns of them. */
struct item {
	struct item *next;
	struct wg_path path;
	size_t len;
	uint8_t data[];
};

/* A FIFO of items under a mutex. */
struct queue {
	pthread_mutex_t lock; /* guards head, tail, count */
	struct item *head, *tail;
	size_t count, max;
};

static void q_init(struct queue *q, size_t max)
{
	pthread_mutex_init(&q->lock, NULL);
	q->head = q->tail = NULL;
	q->count = 0;
	q->max = max;
}

static void q_free(struct queue *q)
{
	struct item *it, *next;

	for (it = q->head; it; it = next) {
		next = it->next;
		free(it);
	}
	pthread_mutex_destroy(&q->lock);
}

/* Append (takes it); false when the queue is full (it is freed). */
static bool q_push(struct queue *q, struct item *it)
{
	bool ok;

	it->next = NULL;
	pthread_mutex_lock(&q->lock);
	ok = q->count < q->max;
	if (ok) {
		if (q->tail)
			q->tail->next = it;
		else
			q->head = it;
		q->tail = it;
		q->count++;
	}
	pthread_mutex_unlock(&q->lock);
	if (!ok)
		free(it);
	return ok;
}

static struct item *q_pop(struct queue *q)
{
	struct item *it;

	pthread_mutex_lock(&q->lock);
	it = q->head;
	if (it) {
		q->head = it->next;
		if (!q->head)
			q->tail = NULL;
		q->count--;
	}
	pthread_mutex_unlock(&q->lock);
	return it;
}

static size_t q_count(struct queue *q)
{
	size_t n;

	pthread_mutex_lock(&q->lock);
	n = q->count;
	pthread_mutex_unlock(&q->lock);
	return n;
}

static struct item *item_new(const void *data, size_t len)
{
	struct item *it = malloc(sizeof(*it) + len);

	if (!it)
		return NULL;
	memset(it, 0, sizeof(*it));
	memcpy(it->data, data, len);
	it->len = len;
	return it;
}

/* ---------------------------------------------------------------- wire */

#define WIRE_QUEUE 65536

struct side {
	struct queue q; /* what this side receives */
	/* lock guards addr, faults, rng, held, stats */
	pthread_mutex_t lock;
	union wg_sockaddr addr;
	uint32_t loss, dup, reorder;
	uint64_t rng;
	struct item *held; /* a packet held back to be reordered */
	struct wg_memwire_stats st;
};

struct wg_memwire {
	struct side side[2];
};

/* xorshift64*: repeatable, good enough for fault injection. */
static uint32_t draw(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return (uint32_t)((x * 0x2545F4914F6CDD1DULL) >> 32) % 1000000;
}

int wg_memwire_new(struct wg_memwire **out, uint64_t seed)
{
	struct wg_memwire *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	for (int i = 0; i < 2; i++) {
		q_init(&w->side[i].q, WIRE_QUEUE);
		pthread_mutex_init(&w->side[i].lock, NULL);
		w->side[i].rng = (seed | 1) * (uint64_t)(i + 3);
	}
	*out = w;
	return 0;
}

void wg_memwire_free(struct wg_memwire *w)
{
	if (!w)
		return;
	for (int i = 0; i < 2; i++) {
		q_free(&w->side[i].q);
		free(w->side[i].held);
		pthread_mutex_destroy(&w->side[i].lock);
	}
	free(w);
}

void wg_memwire_set_addr(struct wg_memwire *w, int side,
			 const union wg_sockaddr *addr)
{
	pthread_mutex_lock(&w->side[side].lock);
	w->side[side].addr = *addr;
	pthread_mutex_unlock(&w->side[side].lock);
}

void wg_memwire_set_faults(struct wg_memwire *w, int side, uint32_t loss_ppm,
			   uint32_t dup_ppm, uint32_t reorder_ppm)
{
	struct side *s = &w->side[side];

	pthread_mutex_lock(&s->lock);
	s->loss = loss_ppm;
	s->dup = dup_ppm;
	s->reorder = reorder_ppm;
	if (!reorder_ppm && s->held) {
		if (!q_push(&w->side[!side].q, s->held))
			s->st.overflowed++;
		s->held = NULL;
	}
	pthread_mutex_unlock(&s->lock);
}

void wg_memwire_stats(struct wg_memwire *w, int side,
		      struct wg_memwire_stats *st)
{
	pthread_mutex_lock(&w->side[side].lock);
	*st = w->side[side].st;
	pthread_mutex_unlock(&w->side[side].lock);
}

size_t wg_memwire_queued(struct wg_memwire *w, int side)
{
	return q_count(&w->side[side].q);
}

/* Deliver it to the other side (counted in s's stats; s->lock held). */
static void deliver(struct wg_memwire *w, struct side *s, int to,
		    struct item *it)
{
	if (q_push(&w->side[to].q, it))
		s->st.delivered++;
	else
		s->st.overflowed++;
}

/* side `from` sends len bytes to path->remote. */
static void wire_send(struct wg_memwire *w, int from, const void *data,
		      size_t len, const struct wg_path *path)
{
	struct side *s = &w->side[from], *peer = &w->side[!from];
	union wg_sockaddr to_addr;
	struct item *it, *dup = NULL;

	pthread_mutex_lock(&peer->lock);
	to_addr = peer->addr;
	pthread_mutex_unlock(&peer->lock);

	pthread_mutex_lock(&s->lock);
	s->st.sent++;
	if (!wg_sockaddr_eq(&path->remote, &to_addr)) {
		s->st.misaddressed++;
		goto out;
	}
	if (s->loss && draw(&s->rng) < s->loss) {
		s->st.lost++;
		goto out;
	}
	it = item_new(data, len);
	if (!it) {
		s->st.overflowed++;
		goto out;
	}
	it->path.remote = s->addr;
	it->path.local = to_addr;
	it->path.ifindex = 1;
	if (s->dup && draw(&s->rng) < s->dup) {
		dup = item_new(data, len);
		if (dup) {
			dup->path = it->path;
			s->st.duplicated++;
		}
	}
	if (s->reorder && !s->held && draw(&s->rng) < s->reorder) {
		/* Held back: it goes out after the next packet. */
		s->held = it;
		s->st.reordered++;
		it = NULL;
	}
	if (it)
		deliver(w, s, !from, it);
	if (it && s->held) {
		deliver(w, s, !from, s->held);
		s->held = NULL;
	}
	if (dup)
		deliver(w, s, !from, dup);
out:
	pthread_mutex_unlock(&s->lock);
}

/* ------------------------------------------------------- the transport */

#define NBUFS 256
#define HEADROOM 128
#define STRIDE (HEADROOM + 65536)

struct mem {
	struct wg_transport t;
	struct wg_memwire *w;
	int side;
	bool receive;
	uint8_t *area;
	uint32_t stack[NBUFS];
	uint32_t nfree;
};

#define MEM_OF(tp) ((struct mem *)(tp))
/* Received packets' handles are their items, tagged by the low bit. */
#define ITEM_TAG 1u

static unsigned int mem_recv(struct wg_transport *t, struct wg_pkt *pkts,
			     unsigned int max)
{
	struct mem *m = MEM_OF(t);
	unsigned int n = 0;
	struct item *it;

	while (m->receive && n < max && (it = q_pop(&m->w->side[m->side].q))) {
		struct wg_pkt *p = &pkts[n++];

		memset(p, 0, sizeof(*p));
		p->data = it->data;
		p->len = (uint32_t)it->len;
		p->room = (uint32_t)it->len; /* decryption shrinks only */
		p->owner = t;
		p->handle = (uint64_t)(uintptr_t)it | ITEM_TAG;
		p->path = it->path;
	}
	return n;
}

static int mem_alloc(struct wg_transport *t, struct wg_pkt *pkt)
{
	struct mem *m = MEM_OF(t);
	uint32_t i;

	if (!m->nfree)
		return -ENOBUFS;
	i = m->stack[--m->nfree];
	memset(pkt, 0, sizeof(*pkt));
	pkt->data = m->area + (size_t)i * STRIDE + HEADROOM;
	pkt->head = HEADROOM;
	pkt->room = STRIDE - HEADROOM;
	pkt->owner = t;
	pkt->handle = (uint64_t)i << 1;
	return 0;
}

static void mem_release(struct wg_transport *t, struct wg_pkt *pkt)
{
	struct mem *m = MEM_OF(t);

	if (pkt->handle & ITEM_TAG)
		free((void *)(uintptr_t)(pkt->handle & ~(uint64_t)ITEM_TAG));
	else if (m->nfree < NBUFS)
		m->stack[m->nfree++] = (uint32_t)(pkt->handle >> 1);
}

static unsigned int mem_send(struct wg_transport *t, struct wg_pkt *pkts,
			     unsigned int n)
{
	struct mem *m = MEM_OF(t);

	for (unsigned int i = 0; i < n; i++) {
		wire_send(m->w, m->side, pkts[i].data, pkts[i].len,
			  &pkts[i].path);
		wg_pkt_release(&pkts[i]);
	}
	return n;
}

static unsigned int mem_pollfds(struct wg_transport *t, struct pollfd *pfd,
				unsigned int max)
{
	(void)t;
	(void)pfd;
	(void)max;
	return 0;
}

static void mem_stats(struct wg_transport *t,
		      void (*emit)(void *ctx, const char *name, uint64_t v),
		      void *ctx)
{
	struct wg_memwire_stats st;

	wg_memwire_stats(MEM_OF(t)->w, MEM_OF(t)->side, &st);
	emit(ctx, "memory_sent", st.sent);
	emit(ctx, "memory_lost", st.lost);
}

static void mem_destroy(struct wg_transport *t)
{
	struct mem *m = MEM_OF(t);

	free(m->area);
	free(m);
}

static const struct wg_transport_ops mem_ops = {
	.recv = mem_recv,
	.alloc = mem_alloc,
	.release = mem_release,
	.send = mem_send,
	.pollfds = mem_pollfds,
	.stats = mem_stats,
	.destroy = mem_destroy,
};

int wg_memwire_attach(struct wg_memwire *w, int side, bool receive,
		      struct wg_transport **out)
{
	struct mem *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	/* calloc of this size maps pages lazily: only used buffers cost. */
	m->area = calloc(NBUFS, STRIDE);
	if (!m->area) {
		free(m);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < NBUFS; i++)
		m->stack[m->nfree++] = NBUFS - 1 - i;
	m->w = w;
	m->side = side;
	m->receive = receive;
	m->t.ops = &mem_ops;
	m->t.name = "memory";
	m->t.caps = WG_TRANSPORT_ANY_EGRESS;
	m->t.headroom = HEADROOM;
	m->t.buf_size = STRIDE - HEADROOM;
	m->t.rx_counter = WG_C_udp_rx;
	m->t.tx_counter = WG_C_udp_tx;
	*out = &m->t;
	return 0;
}

/* ----------------------------------------------------------------- TUN */

#define TUN_QUEUE 65536

struct wg_memtun {
	struct wg_tunio io; /* first: the io is the memtun */
	struct queue in, out;
};

static size_t gather(const struct iovec *iov, int n)
{
	size_t len = 0;

	for (int i = 0; i < n; i++)
		len += iov[i].iov_len;
	return len;
}

static ssize_t memtun_readv(struct wg_tunio *io, const struct iovec *iov,
			    int n)
{
	struct wg_memtun *t = (struct wg_memtun *)io;
	struct item *it = q_pop(&t->in);
	size_t done = 0;

	if (!it)
		return 0;
	for (int i = 0; i < n && done < it->len; i++) {
		size_t k = it->len - done < iov[i].iov_len ? it->len - done :
							    iov[i].iov_len;

		memcpy(iov[i].iov_base, it->data + done, k);
		done += k;
	}
	free(it);
	return (ssize_t)done;
}

static ssize_t memtun_writev(struct wg_tunio *io, const struct iovec *iov,
			     int n)
{
	struct wg_memtun *t = (struct wg_memtun *)io;
	size_t len = gather(iov, n), off = 0;
	struct item *it = malloc(sizeof(*it) + len);

	if (!it)
		return -1;
	memset(it, 0, sizeof(*it));
	for (int i = 0; i < n; i++) {
		memcpy(it->data + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	it->len = len;
	if (!q_push(&t->out, it)) {
		errno = ENOBUFS;
		return -1;
	}
	return (ssize_t)len;
}

int wg_memtun_new(struct wg_memtun **out, bool vnet)
{
	struct wg_memtun *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->io.readv = memtun_readv;
	t->io.writev = memtun_writev;
	t->io.fd = -1;
	t->io.vnet = vnet;
	q_init(&t->in, TUN_QUEUE);
	q_init(&t->out, TUN_QUEUE);
	*out = t;
	return 0;
}

void wg_memtun_free(struct wg_memtun *t)
{
	if (!t)
		return;
	q_free(&t->in);
	q_free(&t->out);
	free(t);
}

struct wg_tunio *wg_memtun_io(struct wg_memtun *t)
{
	return &t->io;
}

int wg_memtun_inject(struct wg_memtun *t, const struct virtio_net_hdr *vh,
		     const void *pkt, size_t len)
{
	size_t hl = t->io.vnet ? WG_VNET_HDR_LEN : 0;
	struct item *it = malloc(sizeof(*it) + hl + len);

	if (!it)
		return -ENOMEM;
	memset(it, 0, sizeof(*it) + hl);
	if (hl && vh)
		memcpy(it->data, vh, hl);
	memcpy(it->data + hl, pkt, len);
	it->len = hl + len;
	return q_push(&t->in, it) ? 0 : -ENOSPC;
}

ssize_t wg_memtun_take(struct wg_memtun *t, struct virtio_net_hdr *vh,
		       void *buf, size_t cap)
{
	size_t hl = t->io.vnet ? WG_VNET_HDR_LEN : 0;
	struct item *it = q_pop(&t->out);
	ssize_t len;

	if (!it)
		return -ENOENT;
	memset(vh, 0, sizeof(*vh));
	if (it->len < hl || it->len - hl > cap) {
		free(it);
		return -ENOSPC;
	}
	if (hl)
		memcpy(vh, it->data, hl);
	memcpy(buf, it->data + hl, it->len - hl);
	len = (ssize_t)(it->len - hl);
	free(it);
	return len;
}

size_t wg_memtun_pending_in(struct wg_memtun *t)
{
	return q_count(&t->in);
}

size_t wg_memtun_pending_out(struct wg_memtun *t)
{
	return q_count(&t->out);
}

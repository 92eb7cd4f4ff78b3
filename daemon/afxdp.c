// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "afxdp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maps.h"
#include "packet.h"

_Static_assert(WG_XSK_DEF_FRAME_SIZE - WG_XSK_HEADROOM == WG_XDP_XSK_FRAME_MAX,
	       "XDP passes to the kernel what an AF_XDP frame cannot hold");

struct afxdp {
	struct wg_transport t;
	struct wg_xsk *x;
	uint32_t frame_size;
	_Atomic uint64_t unresolved, too_big; /* sends we could not frame */
};

#define AFXDP_OF(tp) ((struct afxdp *)(tp))

static void bump(_Atomic uint64_t *c)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

struct wg_xsk *wg_afxdp_xsk(struct wg_transport *t)
{
	return AFXDP_OF(t)->x;
}

/* The frame base of a UMEM address (frames are frame_size aligned). */
static uint64_t frame_base(const struct afxdp *a, uint64_t addr)
{
	return addr - addr % a->frame_size;
}

static void fill(struct afxdp *a, struct wg_pkt *p, uint8_t *frame_data,
		 uint64_t addr, size_t off, size_t len)
{
	uint64_t in_frame = addr - frame_base(a, addr) + off;

	p->data = frame_data + off;
	p->len = (uint32_t)len;
	p->head = (uint32_t)in_frame;
	p->room = a->frame_size - (uint32_t)in_frame;
	p->owner = &a->t;
	p->handle = addr;
	p->peer = NULL;
}

static unsigned int nic_recv(struct wg_transport *t, struct wg_pkt *pkts,
			     unsigned int max)
{
	struct afxdp *a = AFXDP_OF(t);
	struct wg_xsk_pkt xp[WG_XSK_BATCH];
	unsigned int n;

	if (max > WG_XSK_BATCH)
		max = WG_XSK_BATCH;
	n = wg_xsk_rx_burst(a->x, xp, max);
	/* The frames stay ours until freed: the descriptors can go now. */
	wg_xsk_rx_done(a->x, n);
	for (unsigned int i = 0; i < n; i++) {
		struct wg_pkt *p = &pkts[i];
		size_t off, len;

		memset(&p->path, 0, sizeof(p->path));
		if (wg_packet_parse(xp[i].data, xp[i].len, &p->path.remote,
				    &p->path.local, &off, &len)) {
			/* Length 0: the engine counts it malformed. */
			fill(a, p, xp[i].data, xp[i].addr, 0, 0);
			continue;
		}
		p->path.ifindex = t->ifindex;
		/* A link-local address means nothing without its link. */
		if (p->path.remote.sa.sa_family == AF_INET6 &&
		    IN6_IS_ADDR_LINKLOCAL(&p->path.remote.in6.sin6_addr))
			p->path.remote.in6.sin6_scope_id = (uint32_t)t->ifindex;
		if (p->path.local.sa.sa_family == AF_INET6 &&
		    IN6_IS_ADDR_LINKLOCAL(&p->path.local.in6.sin6_addr))
			p->path.local.in6.sin6_scope_id = (uint32_t)t->ifindex;
		memcpy(p->path.remote_mac, xp[i].data + 6, 6);
		memcpy(p->path.local_mac, xp[i].data, 6);
		fill(a, p, xp[i].data, xp[i].addr, off, len);
	}
	return n;
}

static int afxdp_alloc(struct wg_transport *t, struct wg_pkt *pkt)
{
	struct afxdp *a = AFXDP_OF(t);
	uint64_t addr;
	uint8_t *data = wg_xsk_tx_frame_get(a->x, &addr);

	if (!data)
		return -ENOBUFS;
	memset(pkt, 0, sizeof(*pkt));
	pkt->data = data;
	pkt->head = WG_XSK_HEADROOM;
	pkt->room = a->frame_size - WG_XSK_HEADROOM;
	pkt->owner = t;
	pkt->handle = addr;
	return 0;
}

static void afxdp_release(struct wg_transport *t, struct wg_pkt *pkt)
{
	wg_xsk_frame_free(AFXDP_OF(t)->x, pkt->handle);
}

static bool resolved(const struct wg_path *p)
{
	static const uint8_t zero[6];

	return p->local.sa.sa_family == p->remote.sa.sa_family &&
	       (p->remote.sa.sa_family == AF_INET ||
		p->remote.sa.sa_family == AF_INET6) &&
	       memcmp(p->remote_mac, zero, 6);
}

/* Frame one message and stage it; the buffer is consumed. */
static bool send_one(struct afxdp *a, struct wg_pkt *p)
{
	struct wg_outer o;
	struct wg_pkt own;
	size_t hlen;

	if (!resolved(&p->path)) {
		bump(&a->unresolved);
		goto drop;
	}
	memcpy(o.src_mac, p->path.local_mac, 6);
	memcpy(o.dst_mac, p->path.remote_mac, 6);
	o.src = p->path.local;
	o.dst = p->path.remote;
	hlen = wg_packet_outer_len(&o);
	if (p->owner != &a->t) {
		/* Another transport's buffer: into a frame of ours. */
		if (afxdp_alloc(&a->t, &own))
			goto drop;
		if (p->len > own.room) {
			afxdp_release(&a->t, &own);
			bump(&a->too_big);
			goto drop;
		}
		memcpy(own.data, p->data, p->len);
		own.len = p->len;
		own.path = p->path;
		wg_pkt_release(p);
		*p = own;
	}
	if (p->head < hlen || p->len > p->room) {
		bump(&a->too_big);
		goto drop;
	}
	wg_packet_build(p->data, p->len, &o);
	if (wg_xsk_tx_queue(a->x, p->handle, p->head - (uint32_t)hlen,
			    p->len + (uint32_t)hlen))
		goto drop;
	return true;
drop:
	wg_pkt_release(p);
	return false;
}

static unsigned int nic_send(struct wg_transport *t, struct wg_pkt *pkts,
			     unsigned int n)
{
	struct afxdp *a = AFXDP_OF(t);
	unsigned int sent = 0;

	for (unsigned int i = 0; i < n; i++)
		sent += send_one(a, &pkts[i]);
	return sent;
}

/*
 * One wakeup for a pass's sends: in copy mode each kick makes the kernel
 * deliver on the spot, and a receiver that drained the last kick's few
 * packets sleeps, to be woken again by the next (a cross-CPU wakeup that
 * the sending thread pays for). A full TX ring kicks by itself.
 */
static void nic_flush(struct wg_transport *t)
{
	wg_xsk_tx_flush(AFXDP_OF(t)->x);
}

static unsigned int afxdp_pollfds(struct wg_transport *t, struct pollfd *pfd,
				  unsigned int max)
{
	struct afxdp *a = AFXDP_OF(t);

	if (!max)
		return 0;
	pfd[0].fd = wg_xsk_fd(a->x);
	pfd[0].events = wg_xsk_poll_events(a->x);
	return 1;
}

static void afxdp_stats(struct wg_transport *t,
			void (*emit)(void *ctx, const char *name, uint64_t v),
			void *ctx)
{
	struct afxdp *a = AFXDP_OF(t);
	struct wg_xsk_stats st;
	char name[48];

	if (wg_xsk_stats(a->x, &st))
		return;
#define WG_XSK_EMIT(field, text)                                     \
	snprintf(name, sizeof(name), "%s_%s",                        \
		 t->caps & WG_TRANSPORT_INNER ? "lan" : "xsk", #field); \
	emit(ctx, name, st.field);
	WG_XSK_COUNTERS(WG_XSK_EMIT)
#undef WG_XSK_EMIT
	if (!(t->caps & WG_TRANSPORT_INNER)) {
		emit(ctx, "xsk_unresolved", atomic_load(&a->unresolved));
		emit(ctx, "xsk_too_big", atomic_load(&a->too_big));
	}
}

static void afxdp_destroy(struct wg_transport *t)
{
	struct afxdp *a = AFXDP_OF(t);

	wg_xsk_close(a->x);
	free(a);
}

static const struct wg_transport_ops nic_ops = {
	.recv = nic_recv,
	.alloc = afxdp_alloc,
	.release = afxdp_release,
	.send = nic_send,
	.flush = nic_flush,
	.pollfds = afxdp_pollfds,
	.stats = afxdp_stats,
	.destroy = afxdp_destroy,
};

static unsigned int lan_recv(struct wg_transport *t, struct wg_pkt *pkts,
			     unsigned int max)
{
	struct afxdp *a = AFXDP_OF(t);
	struct wg_xsk_pkt xp[WG_XSK_BATCH];
	unsigned int n;

	if (max > WG_XSK_BATCH)
		max = WG_XSK_BATCH;
	n = wg_xsk_rx_burst(a->x, xp, max);
	wg_xsk_rx_done(a->x, n);
	for (unsigned int i = 0; i < n; i++) {
		size_t len = xp[i].len > WG_ETH_HLEN ? xp[i].len - WG_ETH_HLEN :
						       0;

		memset(&pkts[i].path, 0, sizeof(pkts[i].path));
		pkts[i].path.ifindex = t->ifindex;
		fill(a, &pkts[i], xp[i].data, xp[i].addr,
		     len ? WG_ETH_HLEN : 0, len);
	}
	return n;
}

static unsigned int lan_send(struct wg_transport *t, struct wg_pkt *pkts,
			     unsigned int n)
{
	(void)t;
	for (unsigned int i = 0; i < n; i++)
		wg_pkt_release(&pkts[i]);
	return 0;
}

static const struct wg_transport_ops lan_ops = {
	.recv = lan_recv,
	.alloc = afxdp_alloc,
	.release = afxdp_release,
	.send = lan_send,
	.pollfds = afxdp_pollfds,
	.stats = afxdp_stats,
	.destroy = afxdp_destroy,
};

static int create(struct wg_transport **out, struct wg_xsk *x, int ifindex,
		  bool lan)
{
	struct afxdp *a = calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	a->x = x;
	a->frame_size = wg_xsk_frame_size(x);
	a->t.ops = lan ? &lan_ops : &nic_ops;
	a->t.name = lan ? "lan" : "xdp";
	a->t.caps = (lan ? WG_TRANSPORT_INNER : 0) |
		    (wg_xsk_mode(x) == WG_XSK_MODE_ZEROCOPY ?
			     WG_TRANSPORT_ZEROCOPY : 0);
	a->t.headroom = WG_XSK_HEADROOM;
	a->t.buf_size = a->frame_size - WG_XSK_HEADROOM;
	a->t.ifindex = ifindex;
	a->t.rx_counter = lan ? WG_C_lan_rx : WG_C_xsk_rx;
	a->t.tx_counter = WG_C_xsk_tx;
	*out = &a->t;
	return 0;
}

int wg_afxdp_nic_create(struct wg_transport **out, struct wg_xsk *x,
			int ifindex)
{
	return create(out, x, ifindex, false);
}

int wg_afxdp_lan_create(struct wg_transport **out, struct wg_xsk *x,
			int ifindex)
{
	return create(out, x, ifindex, true);
}

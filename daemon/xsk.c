// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * AF_XDP socket and UMEM of one worker. See xsk.h for the frame life cycle
 * and the worker loop. libxdp owns the ring helpers (xsk_ring_*); the frame
 * allocator, batching and wakeup policy are ours.
 */
#include "xsk.h"

#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_xdp.h>
#include <xdp/xsk.h>

#include "log.h"

/* How long wg_xsk_open() waits out EBUSY: 50 x 10 ms. */
#define BUSY_TRIES 50
#define BUSY_WAIT_NS 10000000L

#ifndef SOL_XDP
#define SOL_XDP 283
#endif

/* Counters written by the owning worker only, readable from any thread. */
struct counters {
#define OWN_FIELD(name, text) _Atomic uint64_t name;
	WG_XSK_OWN_COUNTERS(OWN_FIELD)
#undef OWN_FIELD
};

struct wg_xsk {
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp;
	struct xsk_ring_cons rx;
	struct xsk_ring_prod tx;
	struct xsk_umem *umem;
	struct xsk_socket *sock;
	uint8_t *area;		/* the UMEM: frame_count * frame_size */
	uint64_t area_len;
	uint64_t frame_mask;	/* ~(frame_size - 1): address to base */
	uint32_t frame_size;
	uint32_t frame_count;
	int fd;
	enum wg_xsk_mode mode;	/* set once, before open returns */
	uint32_t fill_target;	/* most frames to lend the kernel for RX */

	uint64_t *stack;	/* free frames (base addresses) */
	uint8_t *is_free;	/* per frame: on the stack (double frees) */
	uint32_t nfree;
	uint32_t kernel_rx;	/* on the fill ring or in the kernel */
	uint32_t tx_out;	/* frames queued for TX, not yet completed */
	uint32_t tx_staged;	/* descriptors reserved, not yet submitted */
	uint32_t rx_unreleased;	/* RX descriptors peeked, not released */
	bool fill_was_empty;

	struct counters c;
};

/* Single writer: a relaxed load and store, no locked instruction. */
static inline void bump(_Atomic uint64_t *c, uint64_t n)
{
	uint64_t v = atomic_load_explicit(c, memory_order_relaxed);

	atomic_store_explicit(c, v + n, memory_order_relaxed);
}

static inline uint64_t get(const _Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

static inline uint32_t load_acq(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static bool pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

static inline void push(struct wg_xsk *x, uint64_t base)
{
	x->is_free[base / x->frame_size] = 1;
	x->stack[x->nfree++] = base;
}

static inline uint64_t pop(struct wg_xsk *x)
{
	uint64_t base = x->stack[--x->nfree];

	x->is_free[base / x->frame_size] = 0;
	return base;
}

/* Gives every completed TX frame back to the free stack, in batches. */
static void reap(struct wg_xsk *x)
{
	uint32_t idx, n, i;

	if (!x->tx_out)
		return;
	n = xsk_ring_cons__peek(&x->comp, x->comp.size, &idx);
	if (!n)
		return;
	for (i = 0; i < n; i++) {
		uint64_t a = *xsk_ring_cons__comp_addr(&x->comp, idx + i);

		/* Never trust the ring to overflow the stack. */
		if (a >= x->area_len || x->is_free[a / x->frame_size])
			bump(&x->c.bad_frees, 1);
		else
			push(x, a & x->frame_mask);
	}
	xsk_ring_cons__release(&x->comp, n);
	x->tx_out -= n;
	bump(&x->c.tx_completed, n);
}

/*
 * Tops up the fill ring from the free stack, WG_XSK_BATCH at a time at
 * least, unless the kernel is about to run dry.
 */
static void refill(struct wg_xsk *x)
{
	uint32_t room, queued, n, idx, i;

	room = xsk_prod_nb_free(&x->fill, x->fill.size);
	queued = x->fill.size - room;
	if (!queued && !x->fill_was_empty) {
		x->fill_was_empty = true;
		bump(&x->c.fill_empty, 1);
	}
	n = room < x->nfree ? room : x->nfree;
	/* Keep frames back for TX: never lend more than fill_target. */
	if (x->kernel_rx + n > x->fill_target)
		n = x->kernel_rx < x->fill_target ?
			    x->fill_target - x->kernel_rx : 0;
	if (!n || (n < WG_XSK_BATCH && queued >= WG_XSK_BATCH))
		return;
	if (xsk_ring_prod__reserve(&x->fill, n, &idx) != n)
		return;
	for (i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&x->fill, idx + i) = pop(x);
	xsk_ring_prod__submit(&x->fill, n);
	x->kernel_rx += n;
	x->fill_was_empty = false;
}

/* True while the kernel has not consumed everything we submitted. */
static bool tx_busy(const struct wg_xsk *x)
{
	return load_acq(x->tx.consumer) != *x->tx.producer;
}

/*
 * Wakes the TX path. In copy mode each sendto() sends a bounded batch and
 * says EAGAIN when more is left, so kick again while the kernel makes
 * progress; in zero-copy mode one wakeup is enough (the driver's NAPI
 * does the rest).
 */
static int kick(struct wg_xsk *x)
{
	uint32_t tries, before;
	int err;

	for (tries = 0; tries <= x->tx.size / 16; tries++) {
		before = load_acq(x->tx.consumer);
		err = 0;
		if (sendto(x->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0)
			err = errno;
		bump(&x->c.tx_kicks, 1);
		reap(x);
		if (err == EAGAIN || err == EBUSY || err == ENOBUFS ||
		    err == EINTR)
			bump(&x->c.tx_kick_retries, 1);
		else if (err)
			return -err;
		if (!tx_busy(x) || x->mode == WG_XSK_MODE_ZEROCOPY ||
		    load_acq(x->tx.consumer) == before)
			break;
	}
	return 0;
}

unsigned wg_xsk_rx_burst(struct wg_xsk *x, struct wg_xsk_pkt *pkts,
			 unsigned max)
{
	uint32_t idx, n, i;

	reap(x);
	refill(x);
	n = xsk_ring_cons__peek(&x->rx, max, &idx);
	if (!n) {
		/* A driver that sleeps waits for us to say the ring has
		 * frames again; only ever when idle, never per packet. */
		if (xsk_ring_prod__needs_wakeup(&x->fill)) {
			recvfrom(x->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
			bump(&x->c.rx_wakeups, 1);
		}
		return 0;
	}
	for (i = 0; i < n; i++) {
		const struct xdp_desc *d;
		uint64_t base;

		d = xsk_ring_cons__rx_desc(&x->rx, idx + i);
		base = d->addr & x->frame_mask;

		pkts[i].data = x->area + d->addr;
		pkts[i].len = d->len;
		pkts[i].headroom = (uint32_t)(d->addr - base);
		pkts[i].addr = d->addr;
	}
	x->kernel_rx -= n;
	x->rx_unreleased += n;
	bump(&x->c.rx_packets, n);
	return n;
}

void wg_xsk_rx_done(struct wg_xsk *x, unsigned n)
{
	if (n > x->rx_unreleased)
		n = x->rx_unreleased;
	if (!n)
		return;
	xsk_ring_cons__release(&x->rx, n);
	x->rx_unreleased -= n;
}

void wg_xsk_frame_free(struct wg_xsk *x, uint64_t addr)
{
	uint64_t base = addr & x->frame_mask;

	if (addr >= x->area_len || x->is_free[base / x->frame_size]) {
		bump(&x->c.bad_frees, 1);
		return;
	}
	push(x, base);
}

void *wg_xsk_tx_frame_get(struct wg_xsk *x, uint64_t *addr)
{
	if (!x->nfree)
		reap(x);
	if (!x->nfree)
		return NULL;
	*addr = pop(x);
	return x->area + *addr + WG_XSK_HEADROOM;
}

int wg_xsk_tx_queue(struct wg_xsk *x, uint64_t addr, uint32_t offset,
		    uint32_t len)
{
	struct xdp_desc *d;
	uint32_t idx;
	int err;

	if (addr >= x->area_len || !len || offset >= x->frame_size ||
	    len > x->frame_size - offset)
		return -EINVAL;
	if (xsk_ring_prod__reserve(&x->tx, 1, &idx) != 1) {
		bump(&x->c.tx_ring_full, 1);
		err = wg_xsk_tx_flush(x);
		if (err)
			return err;
		if (xsk_ring_prod__reserve(&x->tx, 1, &idx) != 1)
			return -ENOBUFS;
	}
	d = xsk_ring_prod__tx_desc(&x->tx, idx);
	d->addr = (addr & x->frame_mask) + offset;
	d->len = len;
	d->options = 0;
	x->tx_staged++;
	x->tx_out++;
	return 0;
}

int wg_xsk_tx_flush(struct wg_xsk *x)
{
	if (x->tx_staged) {
		xsk_ring_prod__submit(&x->tx, x->tx_staged);
		bump(&x->c.tx_packets, x->tx_staged);
		x->tx_staged = 0;
	}
	reap(x);
	if (!tx_busy(x) || !xsk_ring_prod__needs_wakeup(&x->tx))
		return 0;
	return kick(x);
}

int wg_xsk_fd(const struct wg_xsk *x)
{
	return x->fd;
}

short wg_xsk_poll_events(const struct wg_xsk *x)
{
	return tx_busy(x) ? POLLIN | POLLOUT : POLLIN;
}

enum wg_xsk_mode wg_xsk_mode(const struct wg_xsk *x)
{
	return x->mode;
}

uint32_t wg_xsk_frame_size(const struct wg_xsk *x)
{
	return x->frame_size;
}

void *wg_xsk_data(const struct wg_xsk *x, uint64_t addr)
{
	return x->area + addr;
}

int wg_xsk_stats(const struct wg_xsk *x, struct wg_xsk_stats *st)
{
	struct xdp_statistics ks;
	socklen_t len = sizeof(ks);

	memset(st, 0, sizeof(*st));
#define OWN_COPY(name, text) st->name = get(&x->c.name);
	WG_XSK_OWN_COUNTERS(OWN_COPY)
#undef OWN_COPY

	/* Older kernels return a shorter struct: keep the tail zero. */
	memset(&ks, 0, sizeof(ks));
	if (getsockopt(x->fd, SOL_XDP, XDP_STATISTICS, &ks, &len) < 0)
		return -errno;
#define KERNEL_COPY(name, text) st->name = ks.name;
	WG_XSK_KERNEL_COUNTERS(KERNEL_COPY)
#undef KERNEL_COPY
	return 0;
}

void wg_xsk_frames(const struct wg_xsk *x, struct wg_xsk_frames *f)
{
	f->total = x->frame_count;
	f->free = x->nfree;
	f->kernel_rx = x->kernel_rx;
	f->tx = x->tx_out;
}

int wg_xsk_frames_check(const struct wg_xsk *x)
{
	uint32_t i, head, tail;
	uint8_t *seen;
	int err = -EUCLEAN;

	if ((uint64_t)x->nfree + x->kernel_rx + x->tx_out > x->frame_count)
		return -EUCLEAN;
	seen = calloc(x->frame_count, 1);
	if (!seen)
		return -ENOMEM;
	for (i = 0; i < x->nfree; i++) {
		uint64_t a = x->stack[i];

		if (a >= x->area_len || (a & ~x->frame_mask) ||
		    seen[a / x->frame_size]++ || !x->is_free[a / x->frame_size])
			goto out_free;
	}
	/* Entries the kernel has not consumed yet are still frames of ours. */
	head = load_acq(x->fill.consumer);
	tail = *x->fill.producer;
	if (tail - head > x->kernel_rx)
		goto out_free;
	for (i = head; i != tail; i++) {
		uint64_t a = ((const uint64_t *)x->fill.ring)[i & x->fill.mask];

		if (a >= x->area_len || (a & ~x->frame_mask) ||
		    seen[a / x->frame_size]++)
			goto out_free;
	}
	err = 0;
out_free:
	free(seen);
	return err;
}

/*
 * Undoes xsk_umem__create() after a failed socket creation: libxdp keeps
 * the fill and completion rings mapped in that case (they belong to the
 * UMEM until a socket takes them), so unmap them here.
 */
static void umem_destroy(struct wg_xsk *x)
{
	struct xdp_mmap_offsets off;
	socklen_t len = sizeof(off);
	int fd = xsk_umem__fd(x->umem);

	if (getsockopt(fd, SOL_XDP, XDP_MMAP_OFFSETS, &off, &len) == 0 &&
	    len == sizeof(off)) {
		munmap((uint8_t *)x->fill.ring - off.fr.desc,
		       off.fr.desc + x->fill.size * sizeof(uint64_t));
		munmap((uint8_t *)x->comp.ring - off.cr.desc,
		       off.cr.desc + x->comp.size * sizeof(uint64_t));
	}
	xsk_umem__delete(x->umem);
	x->umem = NULL;
}

/* One attempt: UMEM, then the socket bound with bind_flags. */
static int create(struct wg_xsk *x, const char *ifname,
		  const struct wg_xsk_config *cfg, uint16_t bind_flags)
{
	struct xsk_umem_config ucfg = {
		.fill_size = cfg->fill_size ? cfg->fill_size : WG_XSK_DEF_RING,
		.comp_size = cfg->comp_size ? cfg->comp_size : WG_XSK_DEF_RING,
		.frame_size = x->frame_size,
		.frame_headroom = 0,
		.flags = 0,
	};
	struct xsk_socket_config scfg = {
		.rx_size = cfg->rx_size ? cfg->rx_size : WG_XSK_DEF_RING,
		.tx_size = cfg->tx_size ? cfg->tx_size : WG_XSK_DEF_RING,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.xdp_flags = 0,
		.bind_flags = bind_flags,
	};
	int err;

	memset(&x->fill, 0, sizeof(x->fill));
	memset(&x->comp, 0, sizeof(x->comp));
	memset(&x->rx, 0, sizeof(x->rx));
	memset(&x->tx, 0, sizeof(x->tx));
	err = xsk_umem__create(&x->umem, x->area, x->area_len, &x->fill,
			       &x->comp, &ucfg);
	if (err)
		return err < 0 ? err : -EINVAL;
	err = xsk_socket__create(&x->sock, ifname, cfg->queue_id, x->umem,
				 &x->rx, &x->tx, &scfg);
	if (err) {
		umem_destroy(x);
		return err < 0 ? err : -EINVAL;
	}
	return 0;
}

static int check_config(const struct wg_xsk_config *cfg)
{
	const uint32_t *rings[] = { &cfg->fill_size, &cfg->comp_size,
				    &cfg->rx_size, &cfg->tx_size };
	size_t i;

	if (cfg->frame_size && cfg->frame_size != 2048 &&
	    cfg->frame_size != 4096)
		return -EINVAL;
	for (i = 0; i < sizeof(rings) / sizeof(rings[0]); i++)
		if (*rings[i] && !pow2(*rings[i]))
			return -EINVAL;
	if (cfg->frame_count > (1u << 20))
		return -EINVAL;
	if (!cfg->ifname && !cfg->ifindex)
		return -ENODEV;
	return 0;
}

int wg_xsk_open(struct wg_xsk **out, const struct wg_xsk_config *cfg)
{
	char namebuf[IF_NAMESIZE];
	struct xdp_options opts;
	socklen_t optlen = sizeof(opts);
	const char *ifname = cfg->ifname;
	const uint16_t wake = XDP_USE_NEED_WAKEUP;
	const struct timespec busy_wait = { 0, BUSY_WAIT_NS };
	struct wg_xsk *x;
	uint32_t i, tries;
	int err;

	err = check_config(cfg);
	if (err)
		return err;
	if (!ifname) {
		ifname = if_indextoname(cfg->ifindex, namebuf);
		if (!ifname)
			return -ENODEV;
	}
	if (strlen(ifname) >= IF_NAMESIZE)
		return -ENODEV;

	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->frame_size = cfg->frame_size ?: WG_XSK_DEF_FRAME_SIZE;
	x->frame_count = cfg->frame_count ?: WG_XSK_DEF_FRAMES;
	x->frame_mask = ~(uint64_t)(x->frame_size - 1);
	x->area_len = (uint64_t)x->frame_size * x->frame_count;

	x->stack = malloc(x->frame_count * sizeof(*x->stack));
	if (!x->stack) {
		err = -ENOMEM;
		goto err_x;
	}
	x->is_free = calloc(x->frame_count, 1);
	if (!x->is_free) {
		err = -ENOMEM;
		goto err_stack;
	}
	x->area = mmap(NULL, x->area_len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (x->area == MAP_FAILED) {
		err = -errno;
		goto err_stack;
	}

	/*
	 * The kernel frees a closed socket's hold on its queue from a work
	 * item, so binding right after a close (a restart, a test) can see
	 * EBUSY for some milliseconds: retry for a while before believing it.
	 */
	for (tries = 0;; tries++) {
		int zc_err = -EOPNOTSUPP;

		if (cfg->zerocopy)
			zc_err = create(x, ifname, cfg, XDP_ZEROCOPY | wake);
		err = zc_err;
		/* Zero-copy refused or not asked: copy mode, its error wins. */
		if (err)
			err = create(x, ifname, cfg, XDP_COPY | wake);
		/* Say why (once, for queue 0): copy mode costs a copy a packet. */
		if (cfg->zerocopy && zc_err && !err && zc_err != -EBUSY &&
		    !cfg->queue_id)
			log_info("%s: AF_XDP zero-copy refused (%s): copy mode",
				 ifname, strerror(-zc_err));
		if (err != -EBUSY || tries >= BUSY_TRIES)
			break;
		nanosleep(&busy_wait, NULL);
	}
	if (err)
		goto err_area;
	x->fd = xsk_socket__fd(x->sock);

	memset(&opts, 0, sizeof(opts));
	if (getsockopt(x->fd, SOL_XDP, XDP_OPTIONS, &opts, &optlen) == 0 &&
	    (opts.flags & XDP_OPTIONS_ZEROCOPY))
		x->mode = WG_XSK_MODE_ZEROCOPY;
	else
		x->mode = WG_XSK_MODE_COPY;

	for (i = 0; i < x->frame_count; i++)
		push(x, (uint64_t)(x->frame_count - 1 - i) * x->frame_size);
	x->fill_target = x->fill.size < x->frame_count / 2 ?
				 x->fill.size : x->frame_count / 2;
	if (!x->fill_target)
		x->fill_target = 1;
	refill(x);
	x->fill_was_empty = false;
	/* The first refill saw an empty ring: that is not an event. */
	atomic_store_explicit(&x->c.fill_empty, 0, memory_order_relaxed);
	*out = x;
	return 0;

err_area:
	munmap(x->area, x->area_len);
err_stack:
	free(x->is_free);
	free(x->stack);
err_x:
	free(x);
	return err;
}

void wg_xsk_close(struct wg_xsk *x)
{
	if (!x)
		return;
	/* The socket unmaps all four rings; the UMEM then closes its fd. */
	xsk_socket__delete(x->sock);
	xsk_umem__delete(x->umem);
	munmap(x->area, x->area_len);
	free(x->is_free);
	free(x->stack);
	free(x);
}

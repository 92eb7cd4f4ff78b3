// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "tunio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool gone(int err)
{
	return err == EBADFD || err == EIO || err == ENODEV;
}

static ssize_t fd_readv(struct wg_tunio *io, const struct iovec *iov, int n)
{
	ssize_t r = readv(io->fd, iov, n);

	if (r >= 0)
		return r;
	if (gone(errno))
		io->gone = true;
	return errno == EAGAIN || errno == EINTR ? 0 : -errno;
}

static ssize_t fd_writev(struct wg_tunio *io, const struct iovec *iov, int n)
{
	return writev(io->fd, iov, n);
}

void wg_tunio_fd_init(struct wg_tunio *io, int fd, bool vnet)
{
	memset(io, 0, sizeof(*io));
	io->readv = fd_readv;
	io->writev = fd_writev;
	io->fd = fd;
	io->vnet = vnet;
}

int wg_tunio_batch_init(struct wg_tunio_batch *b)
{
	memset(b, 0, sizeof(*b));
	b->big = malloc(WG_OFFLOAD_MAX + 1);
	wg_offload_gro_init(&b->gro);
	return b->big ? 0 : -ENOMEM;
}

void wg_tunio_batch_free(struct wg_tunio_batch *b)
{
	free(b->big);
	b->big = NULL;
}

/* Make a fresh buffer of t hold an inner packet: the seal header before. */
static int get_buf(struct wg_transport *t, struct wg_pkt *p)
{
	if (t->ops->alloc(t, p))
		return -ENOBUFS;
	p->data += WG_DATA_HEADER_LEN;
	p->head += WG_DATA_HEADER_LEN;
	p->room -= WG_DATA_HEADER_LEN;
	return 0;
}

/* Bytes of plaintext a buffer takes, leaving the sealer its slack. */
static size_t cap_of(const struct wg_pkt *p)
{
	return p->room > WG_SEAL_SLACK ? p->room - WG_SEAL_SLACK : 0;
}

/*
 * Segments of the super-packet being cut (b->split) into pkts, at most
 * max, each in a new buffer of b->split_t; the first into pkts[0] when
 * have_first (it holds a buffer already). What does not fit now, for
 * room or for buffers, waits in b for the next call: nothing is lost.
 * Returns the packets made.
 */
static unsigned int emit(struct wg_tunio_batch *b, struct wg_pkt *pkts,
			 unsigned int max, bool have_first)
{
	unsigned int n = 0;
	size_t seg;

	while (!b->split.done && n < max) {
		if (!(have_first && !n) && get_buf(b->split_t, &pkts[n]))
			break; /* none free: the sends in flight give some back */
		seg = wg_offload_split_next(&b->split, pkts[n].data);
		if (!seg) {
			wg_pkt_release(&pkts[n]);
			break;
		}
		pkts[n++].len = (uint32_t)seg;
	}
	if (have_first && !n)
		wg_pkt_release(&pkts[0]);
	b->cutting = !b->split.done;
	return n;
}

/*
 * Start cutting the super-packet (its first `first` bytes in pkts[0], the
 * rest in b->big after them) into segments: the first in pkts[0], the
 * others in new buffers (of big when the segments need larger ones).
 * Returns the packets made now, 0 when it was dropped.
 */
static unsigned int split(struct wg_tunio_batch *b, struct wg_transport *t,
			  struct wg_transport *big, struct wg_pkt *pkts,
			  unsigned int max, size_t len, size_t first,
			  const struct virtio_net_hdr *vh, struct wg_counters *c)
{
	size_t cap = cap_of(&pkts[0]);
	int ret;

	memcpy(b->big, pkts[0].data, first);
	ret = wg_offload_split_init(&b->split, vh, b->big, len, cap);
	if (ret == -EMSGSIZE && big && big != t &&
	    big->buf_size > t->buf_size) {
		/* Segments of a large MTU: cut into the larger buffers. */
		wg_pkt_release(&pkts[0]);
		if (get_buf(big, &pkts[0])) {
			wg_count(c, WG_C_drop_no_buffer, 1);
			return 0;
		}
		t = big;
		cap = cap_of(&pkts[0]);
		ret = wg_offload_split_init(&b->split, vh, b->big, len, cap);
	}
	if (ret) {
		wg_count(c, ret == -EMSGSIZE ? WG_C_drop_too_big :
					       WG_C_drop_bad_packet, 1);
		wg_pkt_release(&pkts[0]);
		return 0;
	}
	b->split_t = t;
	return emit(b, pkts, max, true);
}

/*
 * A plain packet too long for t's buffer (its first cap bytes in p, the
 * rest in b->big after them): into a buffer of big, which is larger.
 * False when there is none (p is then released).
 */
static bool move_big(struct wg_tunio_batch *b, struct wg_transport *big,
		     struct wg_pkt *p, size_t len, size_t cap)
{
	struct wg_pkt q;

	if (!big || get_buf(big, &q)) {
		wg_pkt_release(p);
		return false;
	}
	if (cap_of(&q) < len) {
		wg_pkt_release(&q);
		wg_pkt_release(p);
		return false;
	}
	memcpy(q.data, p->data, cap);
	memcpy(q.data + cap, b->big + cap, len - cap);
	wg_pkt_release(p);
	*p = q;
	return true;
}

unsigned int wg_tunio_read(struct wg_tunio *io, struct wg_tunio_batch *b,
			   struct wg_transport *t, struct wg_transport *big,
			   struct wg_pkt *pkts, unsigned int max,
			   struct wg_counters *c)
{
	unsigned int n = 0;

	/* First what is left of a super-packet cut before. */
	if (b->cutting) {
		n = emit(b, pkts, max, false);
		if (b->cutting)
			return n;
	}
	while (n < max) {
		struct virtio_net_hdr vh;
		struct wg_pkt *p = &pkts[n];
		struct iovec iov[3];
		size_t cap;
		ssize_t r;
		int k = 0;

		if (get_buf(t, p)) {
			wg_count(c, WG_C_drop_no_buffer, 1);
			break;
		}
		cap = cap_of(p);
		memset(&vh, 0, sizeof(vh));
		if (io->vnet) {
			iov[k].iov_base = &vh;
			iov[k++].iov_len = WG_VNET_HDR_LEN;
		}
		iov[k].iov_base = p->data;
		iov[k++].iov_len = cap;
		iov[k].iov_base = b->big + cap;
		iov[k++].iov_len = WG_OFFLOAD_MAX + 1 - cap;
		r = io->readv(io, iov, k);
		if (io->vnet && r > 0)
			r = r < (ssize_t)WG_VNET_HDR_LEN ? 0 :
							  r - WG_VNET_HDR_LEN;
		if (r <= 0) {
			wg_pkt_release(p);
			break;
		}
		wg_count(c, WG_C_tun_rx, 1);
		if (vh.gso_type == VIRTIO_NET_HDR_GSO_NONE && (size_t)r > cap &&
		    big && big != t && big->buf_size > t->buf_size) {
			/* One large packet (a large MTU): a larger buffer. */
			if (!move_big(b, big, p, (size_t)r, cap)) {
				wg_count(c, WG_C_drop_too_big, 1);
				continue;
			}
			cap = cap_of(p);
		} else if (vh.gso_type != VIRTIO_NET_HDR_GSO_NONE ||
			   (size_t)r > cap) {
			n += split(b, t, big, p, max - n, (size_t)r,
				   (size_t)r < cap ? (size_t)r : cap, &vh, c);
			if (b->cutting)
				break; /* the rest next time */
			continue;
		}
		if ((vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
		    wg_offload_csum(p->data, (size_t)r, &vh)) {
			wg_count(c, WG_C_drop_bad_packet, 1);
			wg_pkt_release(p);
			continue;
		}
		p->len = (uint32_t)r;
		n++;
	}
	return n;
}

static ssize_t gro_out(void *ctx, const struct iovec *iov, int n)
{
	struct wg_tunio *io = ctx;

	return io->writev(io, iov, n);
}

static void write_one(struct wg_tunio *io, struct wg_pkt *p,
		      struct wg_counters *c)
{
	struct iovec iov = { p->data, p->len };

	if (io->writev(io, &iov, 1) < 0)
		wg_count(c, WG_C_drop_tun_write, 1);
	else
		wg_count(c, WG_C_tun_tx, 1);
}

static void flush(struct wg_tunio *io, struct wg_tunio_batch *b,
		  struct wg_counters *c)
{
	unsigned int kept = wg_offload_gro_count(&b->gro), failed;

	if (!kept)
		return;
	failed = wg_offload_gro_flush(&b->gro, gro_out, io);
	wg_count(c, WG_C_tun_tx, kept - failed);
	if (failed)
		wg_count(c, WG_C_drop_tun_write, failed);
}

void wg_tunio_write(struct wg_tunio *io, struct wg_tunio_batch *b,
		    struct wg_pkt *pkts, unsigned int n,
		    struct wg_counters *c)
{
	for (unsigned int i = 0; i < n; i++) {
		if (!io->vnet) {
			write_one(io, &pkts[i], c);
			continue;
		}
		if (wg_offload_gro_add(&b->gro, pkts[i].data, pkts[i].len)) {
			flush(io, b, c);
			if (wg_offload_gro_add(&b->gro, pkts[i].data,
					       pkts[i].len))
				wg_count(c, WG_C_drop_tun_write, 1);
		}
	}
	if (io->vnet)
		flush(io, b, c);
}

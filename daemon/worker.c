// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "worker.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "offload.h"
#include "packet.h"
#include "receive.h"
#include "send.h"
#include "xsk.h"

#define BATCH WG_XSK_BATCH
/* Room after the plaintext for padding and the tag. */
#define SEAL_SLACK (WG_PADDING + WG_AEAD_TAG_LEN)

struct wg_worker {
	struct wg_device *dev;
	unsigned int queue;
	int tun_fd;
	struct wg_xsk *xsk;
	struct wg_xsk *lan; /* gateway mode: plaintext from the LAN side */
	pthread_t thread;
	bool started;
	struct wg_socket_batch udp; /* UDP path: a batch of sealed messages */
	bool vnet;		/* TUN packets carry a virtio_net_hdr */
	uint8_t *big;		/* a TUN super-packet, WG_OFFLOAD_MAX + 1 */
	struct wg_gro gro;	/* decrypted packets on their way to TUN */
};

static void count(_Atomic uint64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

/* Which peer takes a plaintext packet: most specific allowed-IPs match. */
static struct wg_peer *route(struct wg_device *dev, const uint8_t *pkt,
			     size_t len)
{
	if (len >= 20 && (pkt[0] >> 4) == 4)
		return wg_allowedips_lookup(&dev->aip, AF_INET, pkt + 16);
	if (len >= 40 && (pkt[0] >> 4) == 6)
		return wg_allowedips_lookup(&dev->aip, AF_INET6, pkt + 24);
	return NULL;
}

static bool tun_gone(int err)
{
	return err == EBADFD || err == EIO || err == ENODEV;
}

/*
 * One TUN read: with a virtio_net_hdr it goes to *vh, the packet to buf
 * (room bytes) and, when longer, on into w->big + room. The packet length,
 * 0 when there was nothing, -errno.
 */
static ssize_t tun_read(struct wg_worker *w, uint8_t *buf, size_t room,
			struct virtio_net_hdr *vh)
{
	struct iovec iov[3] = {
		{ vh, WG_VNET_HDR_LEN },
		{ buf, room },
		{ w->big + room, WG_OFFLOAD_MAX + 1 - room },
	};
	ssize_t r;

	if (!w->vnet) {
		memset(vh, 0, sizeof(*vh));
		r = read(w->tun_fd, buf, room);
	} else {
		r = readv(w->tun_fd, iov, 3);
		if (r >= 0 && r < (ssize_t)WG_VNET_HDR_LEN)
			return 0;
		if (r > 0)
			r -= WG_VNET_HDR_LEN;
	}
	if (r < 0) {
		if (tun_gone(errno))
			atomic_store(&w->dev->stopping, true);
		return -errno;
	}
	return r;
}

static ssize_t tun_writev(void *ctx, const struct iovec *iov, int iovcnt)
{
	return writev(*(const int *)ctx, iov, iovcnt);
}

/* UDP path: TUN -> seal -> sendmmsg. Returns packets handled. */
static unsigned int udp_tx(struct wg_worker *w)
{
	struct wg_device *dev = w->dev;
	struct wg_socket_batch *b = &w->udp;
	unsigned int n = 0;

	b->count = 0;
	pthread_rwlock_rdlock(&dev->cfg_lock);
	while (n < WG_SOCKET_BATCH) {
		uint8_t *m = b->buf[b->count];
		struct virtio_net_hdr vh;
		struct wg_peer *p;
		ssize_t r;
		size_t len;

		r = tun_read(w, m + WG_DATA_HEADER_LEN,
			     WG_SOCKET_BUF - WG_DATA_HEADER_LEN - SEAL_SLACK,
			     &vh);
		if (r <= 0)
			break;
		n++;
		count(&dev->counters.tun_rx, 1);
		/*
		 * Offloads are off on this path (main.c); a super-packet from
		 * before that, or a bad header, is dropped.
		 */
		if (vh.gso_type != VIRTIO_NET_HDR_GSO_NONE ||
		    r > WG_SOCKET_BUF - WG_DATA_HEADER_LEN - SEAL_SLACK ||
		    ((vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
		     wg_offload_csum(m + WG_DATA_HEADER_LEN, (size_t)r, &vh))) {
			count(&dev->counters.drop_bad_packet, 1);
			continue;
		}
		p = route(dev, m + WG_DATA_HEADER_LEN, (size_t)r);
		if (!p) {
			count(&dev->counters.drop_no_peer, 1);
			continue;
		}
		len = wg_send_seal(dev, p, m, WG_SOCKET_BUF, (size_t)r);
		if (!len)
			continue;
		pthread_mutex_lock(&p->lock);
		b->addr[b->count] = p->endpoint;
		pthread_mutex_unlock(&p->lock);
		if (b->addr[b->count].sa.sa_family == AF_UNSPEC)
			continue;
		b->len[b->count++] = len;
	}
	if (b->count) {
		wg_socket_send_batch(&dev->sock, b);
		count(&dev->counters.udp_tx, b->count);
	}
	pthread_rwlock_unlock(&dev->cfg_lock);
	return n;
}

/* XDP path, inbound: AF_XDP RX -> decrypt in place -> TUN. */
static unsigned int xsk_rx(struct wg_worker *w)
{
	struct wg_device *dev = w->dev;
	struct wg_xsk_pkt pkts[BATCH];
	unsigned int n, kept, failed;

	n = wg_xsk_rx_burst(w->xsk, pkts, BATCH);
	if (!n)
		return 0;
	count(&dev->counters.xsk_rx, n);
	wg_offload_gro_init(&w->gro);
	pthread_rwlock_rdlock(&dev->cfg_lock);
	for (unsigned int i = 0; i < n; i++) {
		union wg_sockaddr src, dst;
		size_t off, len, ilen;
		uint8_t *m;

		if (wg_packet_parse(pkts[i].data, pkts[i].len, &src, &dst, &off,
				    &len) || len < 4) {
			count(&dev->counters.drop_bad_packet, 1);
			goto next;
		}
		m = pkts[i].data + off;
		if (m[0] == WG_MSG_DATA) {
			ilen = wg_receive_data(dev, m, len, &src);
			if (!ilen)
				goto next;
			if (w->vnet) {
				/* Written (and its frame freed) below. */
				wg_offload_gro_add(&w->gro,
						   m + WG_DATA_HEADER_LEN, ilen);
				continue;
			}
			if (write(w->tun_fd, m + WG_DATA_HEADER_LEN, ilen) < 0)
				count(&dev->counters.drop_tun_write, 1);
			else
				count(&dev->counters.tun_tx, 1);
		} else {
			wg_control_queue_handshake(dev, m, len, &src);
		}
next:
		wg_xsk_frame_free(w->xsk, pkts[i].addr);
		pkts[i].addr = UINT64_MAX;
	}
	pthread_rwlock_unlock(&dev->cfg_lock);
	kept = wg_offload_gro_count(&w->gro);
	if (kept) {
		failed = wg_offload_gro_flush(&w->gro, tun_writev, &w->tun_fd);
		count(&dev->counters.tun_tx, kept - failed);
		if (failed)
			count(&dev->counters.drop_tun_write, failed);
		for (unsigned int i = 0; i < n; i++)
			if (pkts[i].addr != UINT64_MAX)
				wg_xsk_frame_free(w->xsk, pkts[i].addr);
	}
	wg_xsk_rx_done(w->xsk, n);
	return n;
}

/*
 * Seal the plaintext at m + WG_DATA_HEADER_LEN (plen bytes, in the NIC
 * frame at addr) for p and stage it on the AF_XDP TX ring; while p's next
 * hop is unknown the UDP socket carries it instead. The frame is consumed
 * either way. True when a descriptor was staged. Caller holds cfg_lock.
 */
static bool transmit(struct wg_worker *w, struct wg_peer *p, uint8_t *m,
		     uint64_t addr, size_t plen, uint32_t cap)
{
	struct wg_device *dev = w->dev;
	struct wg_outer path;
	uint8_t *frame;
	size_t len;
	bool ok;

	len = wg_send_seal(dev, p, m, cap, plen);
	if (!len)
		goto free;
	pthread_mutex_lock(&p->lock);
	ok = p->path_ok;
	if (ok)
		path = p->path;
	else
		path.dst = p->endpoint;
	pthread_mutex_unlock(&p->lock);
	if (!ok) {
		/* No next hop yet: the kernel's UDP stack carries it. */
		if (path.dst.sa.sa_family != AF_UNSPEC &&
		    !wg_socket_send(&dev->sock, &path.dst, m, len))
			count(&dev->counters.udp_tx, 1);
		goto free;
	}
	frame = wg_packet_build(m, len, &path);
	if (wg_xsk_tx_queue(w->xsk, addr,
			    (uint32_t)(frame - (uint8_t *)wg_xsk_data(w->xsk,
								      addr)),
			    (uint32_t)(len + wg_packet_outer_len(&path))))
		goto free;
	return true;
free:
	wg_xsk_frame_free(w->xsk, addr);
	return false;
}

/*
 * A TSO/USO super-packet read from TUN: its first room bytes in the frame
 * at m/addr, the rest in w->big + room. Cut it into segments, each sealed
 * in its own frame (the first in this one). Returns segments queued; the
 * frame is consumed.
 */
static unsigned int tx_split(struct wg_worker *w, uint8_t *m, uint64_t addr,
			     size_t len, size_t room,
			     const struct virtio_net_hdr *vh, uint32_t cap)
{
	struct wg_device *dev = w->dev;
	unsigned int queued = 0;
	struct wg_split s;
	struct wg_peer *p;
	size_t seg;

	memcpy(w->big, m + WG_DATA_HEADER_LEN, len < room ? len : room);
	if (wg_offload_split_init(&s, vh, w->big, len, room)) {
		count(&dev->counters.drop_bad_packet, 1);
		goto free;
	}
	p = route(dev, w->big, len);
	if (!p) {
		count(&dev->counters.drop_no_peer, 1);
		goto free;
	}
	for (;;) {
		if (!m) {
			m = wg_xsk_tx_frame_get(w->xsk, &addr);
			if (!m) {
				/* Out of frames: the rest is lost, as on a
				 * full queue; TCP sends it again. */
				count(&dev->counters.drop_tun_write, 1);
				return queued;
			}
		}
		seg = wg_offload_split_next(&s, m + WG_DATA_HEADER_LEN);
		if (!seg)
			goto free;
		if (transmit(w, p, m, addr, seg, cap))
			queued++;
		m = NULL;
	}
free:
	if (m)
		wg_xsk_frame_free(w->xsk, addr);
	return queued;
}

/* XDP path, outbound: TUN -> seal in a UMEM frame -> headers -> AF_XDP TX. */
static unsigned int xsk_tx(struct wg_worker *w)
{
	struct wg_device *dev = w->dev;
	uint32_t cap = wg_xsk_frame_size(w->xsk) - WG_XSK_HEADROOM;
	size_t room = cap - WG_DATA_HEADER_LEN - SEAL_SLACK;
	unsigned int n = 0, queued = 0;

	pthread_rwlock_rdlock(&dev->cfg_lock);
	while (n < BATCH) {
		struct virtio_net_hdr vh;
		struct wg_peer *p;
		uint64_t addr;
		ssize_t r;
		uint8_t *m;

		m = wg_xsk_tx_frame_get(w->xsk, &addr);
		if (!m)
			break;
		r = tun_read(w, m + WG_DATA_HEADER_LEN, room, &vh);
		if (r <= 0) {
			wg_xsk_frame_free(w->xsk, addr);
			break;
		}
		n++;
		count(&dev->counters.tun_rx, 1);
		if (vh.gso_type != VIRTIO_NET_HDR_GSO_NONE ||
		    (size_t)r > room) {
			queued += tx_split(w, m, addr, (size_t)r, room, &vh,
					   cap);
			continue;
		}
		if ((vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
		    wg_offload_csum(m + WG_DATA_HEADER_LEN, (size_t)r, &vh)) {
			count(&dev->counters.drop_bad_packet, 1);
			wg_xsk_frame_free(w->xsk, addr);
			continue;
		}
		p = route(dev, m + WG_DATA_HEADER_LEN, (size_t)r);
		if (!p) {
			count(&dev->counters.drop_no_peer, 1);
			wg_xsk_frame_free(w->xsk, addr);
			continue;
		}
		if (transmit(w, p, m, addr, (size_t)r, cap))
			queued++;
	}
	pthread_rwlock_unlock(&dev->cfg_lock);
	if (queued)
		count(&dev->counters.xsk_tx, queued);
	return n;
}

/*
 * Gateway mode: plaintext frames that XDP on the LAN interface matched to
 * an allowed IP. The IP packet is copied once, into a NIC frame (the two
 * sockets have separate UMEMs), sealed there and sent: no kernel stack,
 * no TUN.
 */
static unsigned int lan_rx(struct wg_worker *w)
{
	struct wg_device *dev = w->dev;
	uint32_t cap = wg_xsk_frame_size(w->xsk) - WG_XSK_HEADROOM;
	struct wg_xsk_pkt pkts[BATCH];
	unsigned int n, queued = 0;

	n = wg_xsk_rx_burst(w->lan, pkts, BATCH);
	if (!n)
		return 0;
	count(&dev->counters.lan_rx, n);
	pthread_rwlock_rdlock(&dev->cfg_lock);
	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *ip = pkts[i].data + WG_ETH_HLEN;
		size_t plen = pkts[i].len > WG_ETH_HLEN ?
				      pkts[i].len - WG_ETH_HLEN : 0;
		struct wg_peer *p = route(dev, ip, plen);
		uint64_t addr;
		uint8_t *m;

		if (!p || plen > cap - WG_DATA_HEADER_LEN - SEAL_SLACK) {
			count(&dev->counters.drop_no_peer, 1);
			goto next;
		}
		m = wg_xsk_tx_frame_get(w->xsk, &addr);
		if (!m)
			goto next; /* TX ring exhausted: drop, as a full queue */
		memcpy(m + WG_DATA_HEADER_LEN, ip, plen);
		if (transmit(w, p, m, addr, plen, cap))
			queued++;
next:
		wg_xsk_frame_free(w->lan, pkts[i].addr);
	}
	pthread_rwlock_unlock(&dev->cfg_lock);
	wg_xsk_rx_done(w->lan, n);
	if (queued)
		count(&dev->counters.xsk_tx, queued);
	return n;
}

static void *worker_main(void *arg)
{
	struct wg_worker *w = arg;
	struct wg_device *dev = w->dev;
	uint64_t spin = (uint64_t)dev->busy_poll_us * 1000, last = 0;
	struct pollfd pfd[3];
	unsigned int did;

	while (!atomic_load(&dev->stopping)) {
		if (w->xsk) {
			did = xsk_rx(w);
			did += xsk_tx(w);
			if (w->lan)
				did += lan_rx(w);
			wg_xsk_tx_flush(w->xsk);
		} else {
			did = udp_tx(w);
		}
		/*
		 * Adaptive, bounded busy poll: after work, keep looking for
		 * spin ns (a reply is often on its way) before paying for a
		 * sleep and a wakeup; an idle worker sleeps in poll(). Each
		 * spin already makes a syscall (the TUN read), so no PAUSE:
		 * in a VM that invites the hypervisor to deschedule us.
		 */
		if (did) {
			if (spin)
				last = wg_now();
			continue;
		}
		if (spin && wg_now() - last < spin)
			continue;
		pfd[0].fd = w->tun_fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = w->xsk ? wg_xsk_fd(w->xsk) : -1;
		pfd[1].events = w->xsk ? wg_xsk_poll_events(w->xsk) : 0;
		pfd[2].fd = w->lan ? wg_xsk_fd(w->lan) : -1;
		pfd[2].events = w->lan ? wg_xsk_poll_events(w->lan) : 0;
		poll(pfd, 3, 100);
	}
	return NULL;
}

int wg_workers_start(struct wg_device *dev, struct wg_xsk **xsks,
		     struct wg_xsk **lan)
{
	struct wg_worker *ws = calloc(dev->nqueues, sizeof(*ws));
	int ret;

	if (!ws)
		return -ENOMEM;
	dev->workers = ws;
	for (unsigned int i = 0; i < dev->nqueues; i++) {
		ws[i].dev = dev;
		ws[i].queue = i;
		ws[i].tun_fd = dev->tun.fds[i % dev->tun.queues];
		ws[i].xsk = xsks ? xsks[i] : NULL;
		ws[i].lan = lan && ws[i].xsk ? lan[i] : NULL;
		ws[i].vnet = dev->tun.vnet_hdr;
		ws[i].big = malloc(WG_OFFLOAD_MAX + 1);
		if (!ws[i].big) {
			atomic_store(&dev->stopping, true);
			wg_workers_stop(dev);
			return -ENOMEM;
		}
		ret = pthread_create(&ws[i].thread, NULL, worker_main, &ws[i]);
		if (ret) {
			atomic_store(&dev->stopping, true);
			wg_workers_stop(dev);
			return -ret;
		}
		ws[i].started = true;
	}
	return 0;
}

int wg_workers_xsk_stats(struct wg_device *dev, struct wg_xsk_stats *sum)
{
	struct wg_worker *ws = dev->workers;
	struct wg_xsk_stats st;
	int ret;

	memset(sum, 0, sizeof(*sum));
	for (unsigned int i = 0; ws && i < dev->nqueues; i++) {
		if (!ws[i].xsk)
			continue;
		ret = wg_xsk_stats(ws[i].xsk, &st);
		if (ret)
			return ret;
#define ADD(f) sum->f += st.f
		ADD(rx_packets);
		ADD(tx_packets);
		ADD(tx_completed);
		ADD(tx_kicks);
		ADD(tx_kick_retries);
		ADD(tx_ring_full);
		ADD(rx_wakeups);
		ADD(fill_empty);
		ADD(bad_frees);
		ADD(rx_dropped);
		ADD(rx_invalid_descs);
		ADD(tx_invalid_descs);
		ADD(rx_ring_full);
		ADD(rx_fill_ring_empty_descs);
		ADD(tx_ring_empty_descs);
#undef ADD
	}
	return 0;
}

void wg_workers_stop(struct wg_device *dev)
{
	struct wg_worker *ws = dev->workers;

	if (!ws)
		return;
	for (unsigned int i = 0; i < dev->nqueues; i++)
		if (ws[i].started)
			pthread_join(ws[i].thread, NULL);
	for (unsigned int i = 0; i < dev->nqueues; i++)
		free(ws[i].big);
	free(ws);
	dev->workers = NULL;
}

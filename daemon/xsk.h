/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * One AF_XDP socket and its UMEM, over libxdp's xsk API (<xdp/xsk.h>).
 *
 * A struct wg_xsk belongs to exactly one worker thread: nothing in here
 * locks, and no function makes a syscall per packet. Only wg_xsk_stats()
 * and wg_xsk_mode() may be called from another thread (the counters are
 * single-writer atomics).
 *
 * Frames. The UMEM is cut into frame_count frames of frame_size bytes. A
 * frame is always in exactly one of these places:
 *   free      on the free stack (wg_xsk_frame_free, completions);
 *   kernel_rx on the fill ring or inside the kernel waiting for a packet;
 *   held      returned by wg_xsk_rx_burst or wg_xsk_tx_frame_get, owned by
 *             the caller until it frees it or queues it for TX;
 *   tx        queued with wg_xsk_tx_queue until the completion ring gives
 *             it back (then it is free again).
 * held = total - free - kernel_rx - tx (see wg_xsk_frames()).
 *
 * Worker loop (the intended use):
 *
 *	for (;;) {
 *		n = wg_xsk_rx_burst(x, pkts, WG_XSK_BATCH);
 *		for each pkt: decrypt and write to TUN, then
 *			wg_xsk_frame_free(x, pkt.addr);
 *		      or rewrite in place and
 *			wg_xsk_tx_queue(x, pkt.addr, offset, len);
 *		wg_xsk_rx_done(x, n);
 *		read TUN: f = wg_xsk_tx_frame_get(x, &addr), encrypt into
 *			f, prepend outer headers in the WG_XSK_HEADROOM bytes
 *			before f, wg_xsk_tx_queue(x, addr, off, len);
 *		wg_xsk_tx_flush(x);
 *		if nothing happened: poll() on { wg_xsk_fd(x) with
 *			wg_xsk_poll_events(x), the TUN fd with POLLIN }.
 *	}
 *
 * poll() on the socket also wakes the kernel when the fill ring or the TX
 * ring has its need_wakeup flag set (and drives TX in copy mode), so an
 * idle worker needs no other syscall.
 */
#ifndef WG_XSK_H
#define WG_XSK_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Bytes before the data pointer of a frame from wg_xsk_tx_frame_get(): room
 * for Ethernet (14) + IPv6 (40) + UDP (8) + the WireGuard data header (16),
 * with plenty to spare. It equals the kernel's XDP_PACKET_HEADROOM, which is
 * also where received packets start in copy mode.
 */
#define WG_XSK_HEADROOM 256
/* Descriptors per ring operation (refill, completion reaping). */
#define WG_XSK_BATCH 64

#define WG_XSK_DEF_FRAME_SIZE 4096
#define WG_XSK_DEF_FRAMES 4096
#define WG_XSK_DEF_RING 2048

enum wg_xsk_mode {
	WG_XSK_MODE_COPY = 1,
	WG_XSK_MODE_ZEROCOPY = 2,
};

/* What to open. Zero fields take the defaults named beside them. */
struct wg_xsk_config {
	const char *ifname;	/* interface name; NULL: use ifindex */
	unsigned int ifindex;
	uint32_t queue_id;
	uint32_t frame_size;	/* 2048 or 4096 (WG_XSK_DEF_FRAME_SIZE) */
	uint32_t frame_count;	/* WG_XSK_DEF_FRAMES */
	uint32_t fill_size;	/* ring sizes: 2^n, WG_XSK_DEF_RING */
	uint32_t comp_size;
	uint32_t rx_size;
	uint32_t tx_size;
	bool zerocopy;		/* try XDP_ZEROCOPY, then XDP_COPY */
};

/* One received packet; data points into the UMEM. */
struct wg_xsk_pkt {
	uint8_t *data;
	uint32_t len;
	uint32_t headroom;	/* frame bytes before data, usable in place */
	uint64_t addr;		/* UMEM address of data */
};

/*
 * Counters for `wg-xdp show`, one list for the struct, the sums and the
 * report. The last six come from getsockopt(XDP_STATISTICS) and are zero
 * where the kernel lacks one.
 */
#define WG_XSK_OWN_COUNTERS(X)                                               \
	X(rx_packets, "descriptors taken from the RX ring")                 \
	X(tx_packets, "descriptors submitted to the TX ring")               \
	X(tx_completed, "frames back from the completion ring")             \
	X(tx_kicks, "sendto() wakeups of the TX path")                      \
	X(tx_kick_retries, "kicks that ended in EAGAIN/EBUSY/ENOBUFS")      \
	X(tx_ring_full, "wg_xsk_tx_queue found the ring full")              \
	X(rx_wakeups, "recvfrom() wakeups for the fill ring")               \
	X(fill_empty, "times the fill ring was found drained")              \
	X(bad_frees, "frees of a bad or already free frame")
/* Named as the fields of struct xdp_statistics. */
#define WG_XSK_KERNEL_COUNTERS(X)                                            \
	X(rx_dropped, "XDP_STATISTICS rx_dropped")                          \
	X(rx_invalid_descs, "XDP_STATISTICS rx_invalid_descs")              \
	X(tx_invalid_descs, "XDP_STATISTICS tx_invalid_descs")              \
	X(rx_ring_full, "XDP_STATISTICS rx_ring_full")                      \
	X(rx_fill_ring_empty_descs, "XDP_STATISTICS rx_fill_ring_empty")    \
	X(tx_ring_empty_descs, "XDP_STATISTICS tx_ring_empty_descs")
#define WG_XSK_COUNTERS(X) WG_XSK_OWN_COUNTERS(X) WG_XSK_KERNEL_COUNTERS(X)

struct wg_xsk_stats {
#define WG_XSK_FIELD(name, text) uint64_t name;
	WG_XSK_COUNTERS(WG_XSK_FIELD)
#undef WG_XSK_FIELD
};

/* Where the frames are (see the top of this file). */
struct wg_xsk_frames {
	uint32_t total;
	uint32_t free;
	uint32_t kernel_rx;
	uint32_t tx;
};

struct wg_xsk;

/*
 * Maps a UMEM, creates the socket (with XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD:
 * the caller puts wg_xsk_fd() into its XSKMAP) and binds it to (interface,
 * queue) with XDP_USE_NEED_WAKEUP, zero-copy first if cfg->zerocopy, and
 * fills the fill ring. 0 or -errno (-ENODEV for an unknown interface,
 * -EINVAL for a bad config or queue); nothing is left open on failure.
 */
int wg_xsk_open(struct wg_xsk **out, const struct wg_xsk_config *cfg);
/* Deletes the socket and the UMEM and unmaps everything; NULL is a no-op. */
void wg_xsk_close(struct wg_xsk *x);

/* The socket fd, for the XSKMAP and for poll(). */
int wg_xsk_fd(const struct wg_xsk *x);
/* Events to poll() wg_xsk_fd() for: POLLIN, plus POLLOUT while TX waits. */
short wg_xsk_poll_events(const struct wg_xsk *x);
/* The mode the socket was bound in (read back with XDP_OPTIONS). */
enum wg_xsk_mode wg_xsk_mode(const struct wg_xsk *x);
/* The frame size given at open. */
uint32_t wg_xsk_frame_size(const struct wg_xsk *x);
/* Pointer to UMEM address addr (no check: addr must come from here). */
void *wg_xsk_data(const struct wg_xsk *x, uint64_t addr);

/*
 * Reaps completions, tops up the fill ring, and returns up to max received
 * packets in pkts. They stay in the RX ring until wg_xsk_rx_done(); their
 * frames are the caller's until freed or queued for TX.
 */
unsigned wg_xsk_rx_burst(struct wg_xsk *x, struct wg_xsk_pkt *pkts,
			 unsigned max);
/* Releases the n RX descriptors of the last bursts back to the kernel. */
void wg_xsk_rx_done(struct wg_xsk *x, unsigned n);
/* Returns the frame holding UMEM address addr to the free stack. */
void wg_xsk_frame_free(struct wg_xsk *x, uint64_t addr);

/*
 * A free frame for TX: returns the data pointer, WG_XSK_HEADROOM bytes into
 * the frame, and the frame's base address in *addr; NULL when none is free.
 */
void *wg_xsk_tx_frame_get(struct wg_xsk *x, uint64_t *addr);
/*
 * Stages len bytes starting offset bytes into the frame holding addr for
 * TX; the frame is the kernel's until completion. -EINVAL if they do not
 * fit the frame (the frame stays the caller's), -ENOBUFS if the TX ring is
 * full even after a flush, or that flush's error (likewise).
 */
int wg_xsk_tx_queue(struct wg_xsk *x, uint64_t addr, uint32_t offset,
		    uint32_t len);
/*
 * Submits the staged descriptors in one batch, reaps completions, and kicks
 * the kernel (sendto) only when the TX ring asks for a wakeup. A busy
 * kernel (EAGAIN, EBUSY, ENOBUFS) is retried at the next flush; other
 * errors (ENXIO, ENETDOWN...) are returned as -errno.
 */
int wg_xsk_tx_flush(struct wg_xsk *x);

/* Copies the counters, with XDP_STATISTICS read now. 0 or -errno. */
int wg_xsk_stats(const struct wg_xsk *x, struct wg_xsk_stats *st);
/* Counts the frames in each place. */
void wg_xsk_frames(const struct wg_xsk *x, struct wg_xsk_frames *f);
/*
 * Debug check, not for the hot path: 0 when every frame on the free stack
 * and the fill ring is a valid frame and appears once, and the counts add
 * up; -EUCLEAN otherwise.
 */
int wg_xsk_frames_check(const struct wg_xsk *x);

#endif /* WG_XSK_H */

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The transmit choice: how sealed packets leave by the attached NIC, through
 * AF_XDP or through the UDP socket with GSO. Both reach the wire by the same
 * route and source (path.c decides those); what differs is the cost. In
 * zero-copy mode AF_XDP wins by construction, but in copy mode (veth, a
 * driver without AF_XDP support) each AF_XDP frame becomes an skb and a copy
 * in the kernel, which may cost more than the kernel's UDP segmentation of
 * one super-packet into the same bytes.
 *
 * WG_TX_AUTO measures both on the device's first traffic: the workers
 * alternate their passes between the two, charging each send's thread CPU
 * time and bytes here, until each has carried WG_TXSEL_BYTES; then the
 * cheaper per byte is kept (AF_XDP unless UDP is WG_TXSEL_MARGIN_PCT % less),
 * for the life of the device. WG_TX_XDP and WG_TX_UDP set it outright.
 *
 * A pure state machine: the caller measures and says when; shared by every
 * worker of a device through atomics, so no lock.
 */
#ifndef WG_TXSEL_H
#define WG_TXSEL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What each way must carry before the choice. */
#define WG_TXSEL_BYTES (16ull << 20)
/* UDP is kept only when it costs at least this much less per byte. */
#define WG_TXSEL_MARGIN_PCT 10

enum wg_tx_mode { WG_TX_AUTO, WG_TX_XDP, WG_TX_UDP };

enum wg_txsel_way { WG_TXSEL_XDP, WG_TXSEL_UDP, WG_TXSEL_WAYS };

/* A zeroed struct wg_txsel is set to AF_XDP (so for the in-memory tests). */
enum wg_txsel_state {
	WG_TXSEL_SET,	   /* by the mode */
	WG_TXSEL_MEASURING,
	WG_TXSEL_CHOSEN,   /* measured */
	WG_TXSEL_ZEROCOPY  /* auto, zero-copy: AF_XDP without measuring */
};

struct wg_txsel {
	_Atomic unsigned int state; /* enum wg_txsel_state */
	_Atomic unsigned int way;   /* once not measuring: enum wg_txsel_way */
	_Atomic uint64_t ns[WG_TXSEL_WAYS], bytes[WG_TXSEL_WAYS];
};

/* "auto", "xdp" or "udp" (NULL or empty: auto); 0 or -EINVAL. */
int wg_txsel_parse(const char *s, enum wg_tx_mode *mode);
/* zerocopy: the AF_XDP sockets are bound in zero-copy mode. */
void wg_txsel_init(struct wg_txsel *t, enum wg_tx_mode mode, bool zerocopy);
/* While measuring, which way the pass numbered pass takes. */
enum wg_txsel_way wg_txsel_way(const struct wg_txsel *t, unsigned int pass);
/* Is the choice still being measured? Then the caller times its sends. */
bool wg_txsel_measuring(const struct wg_txsel *t);
/* A send of bytes on way took ns of CPU; may make the choice. */
void wg_txsel_charge(struct wg_txsel *t, enum wg_txsel_way way, uint64_t ns,
		     uint64_t bytes);
/* Why wg_txsel_name(): "set", "zero-copy", "measured: xdp 0.610 ns/B,
 * udp 0.700 ns/B", or while measuring how far it got. */
void wg_txsel_describe(const struct wg_txsel *t, char *buf, size_t len);
/* "xdp" or "udp": the way packets take now (while measuring: "measuring"). */
const char *wg_txsel_name(const struct wg_txsel *t);

#endif /* WG_TXSEL_H */

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * AF_XDP transports (transport.h) over one AF_XDP socket each (xsk.h):
 *
 *  - on the NIC, outer packets: received frames are parsed here (their
 *    Ethernet/IP/UDP headers give each packet its path) and handed over in
 *    place; sent messages get their Ethernet/IP/UDP headers built in the
 *    frame's headroom from the path (both link-layer addresses, our
 *    address and port, the endpoint) and go to the TX ring. No kernel
 *    stack, no copy of our own frames. A path that is not resolved (no
 *    source or link-layer address) cannot be sent here: the engine sends
 *    such packets over the UDP transport.
 *  - on the LAN side in gateway mode, plaintext (WG_TRANSPORT_INNER): the
 *    frames XDP took for the tunnel, handed over as IP packets. It does not
 *    send.
 *
 * Each belongs to the worker that owns its socket; the socket is closed
 * with the transport.
 */
#ifndef WG_AFXDP_H
#define WG_AFXDP_H

#include "transport.h"
#include "xsk.h"

/* A NIC transport over x (its frames; ifindex for received paths). */
int wg_afxdp_nic_create(struct wg_transport **out, struct wg_xsk *x,
			int ifindex);
/* A LAN-side (plaintext) transport over x. */
int wg_afxdp_lan_create(struct wg_transport **out, struct wg_xsk *x,
			int ifindex);
/* The socket under an AF_XDP transport. */
struct wg_xsk *wg_afxdp_xsk(struct wg_transport *t);

#endif /* WG_AFXDP_H */

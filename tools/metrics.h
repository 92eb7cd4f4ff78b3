/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * `wg-xdp metrics [NAME]`: the Prometheus text format (version 0.0.4).
 * Peer figures carry the names mdlayher/wireguard_exporter gives them
 * (wireguard_peer_receive_bytes_total, wireguard_peer_transmit_bytes_total,
 * wireguard_peer_last_handshake_seconds), labelled by interface and the
 * peer's public_key; wg-xdp's own figures from the "wgxdp=1" request go
 * under wg_xdp_. Every family is printed once, all interfaces together.
 */
#ifndef WG_METRICS_H
#define WG_METRICS_H

#include <stddef.h>
#include <stdio.h>

#include "uapi.h"

/* One interface: its get=1 snapshot and its "wgxdp=1" lines (or none). */
struct wg_metrics_dev {
	const char *name;
	struct wg_device_info info;
	char **xdp;
	size_t n_xdp;
};

/* Write the families for devs to f. */
void wg_metrics_write(FILE *f, const struct wg_metrics_dev *devs, size_t n);

#endif /* WG_METRICS_H */

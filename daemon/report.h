/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The "wgxdp=1" answer on the control socket (daemon.h): the data path
 * and its modes, the XDP verdicts by reason, the engine's counters summed
 * over the workers and the control thread, each transport's counters, and
 * each peer's path with the reason for it.
 */
#ifndef WG_REPORT_H
#define WG_REPORT_H

#include "device.h"
#include "uapi.h"

int wg_report(struct wg_device *dev, struct wg_uapi_buf *out);

#endif /* WG_REPORT_H */

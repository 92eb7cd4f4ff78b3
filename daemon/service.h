/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * What the daemon tells its service manager: sd_notify(3)'s datagram on
 * $NOTIFY_SOCKET ("READY=1" once the interface is up, "STOPPING=1" when it
 * goes down, "STATUS=..."), written by hand so that no libsystemd is
 * needed. Without $NOTIFY_SOCKET it does nothing.
 */
#ifndef WG_SERVICE_H
#define WG_SERVICE_H

/* Send state (e.g. "READY=1\nSTATUS=..."); 0, or -errno when it failed. */
int wg_service_notify(const char *state);

#endif /* WG_SERVICE_H */

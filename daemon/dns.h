/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The DNS key of a wg-quick file: the interface's nameservers and search
 * domains, handed to resolvconf as wg-quick does (`resolvconf -a
 * <prefix><iface> -m 0 -x`, the prefix read from
 * /etc/resolvconf/interface-order), or to systemd-resolved with resolvectl
 * where there is no resolvconf and resolved runs.
 */
#ifndef WG_DNS_H
#define WG_DNS_H

#include "config.h"

/*
 * Set q's servers and search domains for ifname; 0 when there are none.
 * -ENOENT when neither resolvconf nor resolvectl can take them, -EIO when
 * the command failed.
 */
int wg_dns_set(const char *ifname, const struct wg_quick *q);
/* Undo wg_dns_set() (nothing when q has no servers). */
void wg_dns_unset(const char *ifname, const struct wg_quick *q);

#endif /* WG_DNS_H */

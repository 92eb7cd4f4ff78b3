/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * What netfilter would do to forwarded packets, read from the kernel of
 * the calling thread's network namespace: the gateway fast path (--lan)
 * takes LAN packets before the stack, so FORWARD rules and policies never
 * see them. Reads nf_tables over nfnetlink (native nft rules and
 * iptables-nft, which are the same tables) and the legacy ip_tables and
 * ip6_tables through their getsockopt interface. Changes nothing.
 */
#ifndef WG_NETFILTER_H
#define WG_NETFILTER_H

#include <stddef.h>

/*
 * Looks at every chain on the IPv4/IPv6 forward hook: nf_tables base chains
 * of the ip, ip6 and inet families, and the FORWARD chain of every legacy
 * table (filter, mangle, security, ...). Returns 0 when none has a rule or
 * a drop policy; 1 when one does, with why naming each such chain, e.g.
 * "nftables ip filter FORWARD: 2 rules; iptables-legacy filter FORWARD:
 * policy DROP"; or -errno when the state cannot be read.
 */
int wg_netfilter_forward_rules(char *why, size_t len);

#endif /* WG_NETFILTER_H */

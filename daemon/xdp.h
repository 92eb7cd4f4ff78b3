/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The loader of the XDP programs (bpf/wg_xdp.bpf.c) and the daemon's only
 * way to touch their maps (bpf/maps.h). Loads through the bpftool skeleton,
 * pins every map under /sys/fs/bpf/wg-xdp/<wg-ifname>/, attaches through
 * bpf_links so that a daemon that dies leaves nothing attached.
 *
 * Not thread-safe: the control thread owns a struct wg_xdp. Addresses are
 * in network order (as in struct in_addr / in6_addr); ports, peer ids and
 * receiver indexes in host order.
 */
#ifndef WG_XDP_H
#define WG_XDP_H

#include <stdbool.h>
#include <stdint.h>

#include "maps.h"

struct wg_xdp;

/* How a program ended up attached. */
enum wg_xdp_mode {
	WG_XDP_MODE_NONE = 0, /* not attached */
	WG_XDP_MODE_NATIVE, /* driver mode */
	WG_XDP_MODE_GENERIC, /* skb mode: works everywhere, slower */
};

/* What this kernel offers, probed rather than assumed. */
struct wg_xdp_features {
	bool xdp; /* BPF_PROG_TYPE_XDP loads */
	bool xskmap; /* BPF_MAP_TYPE_XSKMAP exists */
	bool lpm_trie; /* BPF_MAP_TYPE_LPM_TRIE exists */
	bool lru_hash; /* BPF_MAP_TYPE_LRU_HASH exists */
	bool bpffs; /* /sys/fs/bpf is (or could be mounted as) a bpffs */
};

/* Root of the pins; each wg interface gets a directory below it. */
#define WG_XDP_PIN_ROOT "/sys/fs/bpf/wg-xdp"

/*
 * Opens and loads the programs and creates their maps. With wg_ifname, pins
 * every map under WG_XDP_PIN_ROOT/<wg_ifname>/ (mounting bpffs on
 * /sys/fs/bpf if needed, removing a stale directory first); with NULL,
 * pins nothing (tests). Attaches nothing. 0 or -errno.
 */
int wg_xdp_open(struct wg_xdp **out, const char *wg_ifname);
/* Detaches both programs, unpins and removes the pin directory, frees. */
void wg_xdp_close(struct wg_xdp *x);

/*
 * Attaches xdp_wg_nic to ifindex in native mode, or in generic mode (with
 * a warning) when the driver refuses native. Replaces an earlier NIC attach.
 */
int wg_xdp_attach_nic(struct wg_xdp *x, int ifindex);
/* Attaches xdp_wg_lan (gateway mode) to ifindex, same fallback. */
int wg_xdp_attach_lan(struct wg_xdp *x, int ifindex);
/* Detaches the NIC or LAN program; a no-op when not attached. */
void wg_xdp_detach(struct wg_xdp *x, bool lan);
/* The mode the NIC or LAN program is attached in. */
enum wg_xdp_mode wg_xdp_mode(const struct wg_xdp *x, bool lan);
/* "native", "generic" or "none", for `wg-xdp show`. */
const char *wg_xdp_mode_name(enum wg_xdp_mode mode);

/*
 * Sets the listen port (0: steal nothing) and enum wg_xdp_flags.
 * WG_XDP_F_MAC1_OFF comes from $WG_XDP_MAC1=0 at open, not from here.
 */
int wg_xdp_set_config(struct wg_xdp *x, uint16_t listen_port,
		      uint32_t flags);
/* Adds/removes one of the NIC's own addresses (AF_INET or AF_INET6). */
int wg_xdp_add_local(struct wg_xdp *x, int family, const void *addr);
int wg_xdp_del_local(struct wg_xdp *x, int family, const void *addr);
/* Gateway mode: writes / reads lan_config[0] (flags other than
 * enum wg_xdp_lan_flags are -EINVAL). */
int wg_xdp_set_lan_config(struct wg_xdp *x,
			  const struct wg_xdp_lan_config *lc);
int wg_xdp_get_lan_config(struct wg_xdp *x, struct wg_xdp_lan_config *lc);
/*
 * Adds one destination the LAN program must leave to the kernel. A
 * BROADCAST never replaces a LOCAL entry; a LOCAL replaces a BROADCAST.
 */
int wg_xdp_add_lan_addr(struct wg_xdp *x, int family, const void *addr,
			enum wg_xdp_lan_addr_kind kind);
/* One entry of the set wg_xdp_sync_lan_addrs() makes lan_addrs hold. */
struct wg_xdp_lan_entry {
	struct wg_xdp_addr addr; /* family and address, the rest zero */
	enum wg_xdp_lan_addr_kind kind;
};
/*
 * Makes lan_addrs hold exactly the addresses in set (sorted and made
 * unique in place; LOCAL wins over BROADCAST): adds and updates first,
 * then deletes the rest, so an address in both the old and the new set
 * is never missing in between. 0 or -errno (-E2BIG when the map is full).
 */
int wg_xdp_sync_lan_addrs(struct wg_xdp *x, struct wg_xdp_lan_entry *set,
			  size_t n);
/*
 * Maps a receiver index we allocated to its peer / forgets it. The index
 * map (and peers, below) grows when full, up to WG_XDP_INDEXES_MAX
 * (WG_XDP_PEERS_MAX); -ENOSPC beyond.
 */
int wg_xdp_add_index(struct wg_xdp *x, uint32_t index, uint32_t peer_id);
int wg_xdp_del_index(struct wg_xdp *x, uint32_t index);
/* Adds/removes an allowed-IPs prefix; the address is masked to cidr. */
int wg_xdp_add_aip(struct wg_xdp *x, int family, const void *addr,
		   uint8_t cidr, uint32_t peer_id);
int wg_xdp_del_aip(struct wg_xdp *x, int family, const void *addr,
		   uint8_t cidr);
/*
 * Creates or updates peers[peer_id] from p: key prefix, endpoint and tx
 * counters are taken from p, rx counters (kept by XDP) are preserved.
 */
int wg_xdp_set_peer(struct wg_xdp *x, uint32_t peer_id,
		    const struct wg_xdp_peer *p);
/* Reads peers[peer_id] into p. -ENOENT when unknown. */
int wg_xdp_get_peer(struct wg_xdp *x, uint32_t peer_id,
		    struct wg_xdp_peer *p);
int wg_xdp_del_peer(struct wg_xdp *x, uint32_t peer_id);
/*
 * Gives XDP a 32-byte MAC key for hs_keys[id] (NULL: none): the mac1 key
 * HASH("mac1----" || our public key), or the cookie secret. XDP gets the
 * BLAKE2s state after the key block, not the key itself.
 */
int wg_xdp_set_hs_key(struct wg_xdp *x, enum wg_xdp_hs_key_id id,
		      const uint8_t key[32]);
/*
 * XDP's copy of the cookie secret (cookie.h), generation gen (0: none,
 * the rest ignored), and of the one before it, taken until prev_until
 * (CLOCK_MONOTONIC ns; 0 or prev NULL: none); wg_xdp_cookie_gen() tells
 * the generation XDP has.
 */
int wg_xdp_set_cookie_secret(struct wg_xdp *x, uint64_t gen,
			     const uint8_t secret[32], const uint8_t prev[32],
			     uint64_t prev_until);
uint64_t wg_xdp_cookie_gen(const struct wg_xdp *x);
/*
 * Has XDP dropped handshakes over the rate limit within window_ns of now?
 * Reads its counter at most every WG_XDP_SHED_POLL_NS, so call it at
 * least that often while the answer matters.
 */
#define WG_XDP_SHED_POLL_NS (50 * 1000 * 1000ULL)
bool wg_xdp_shedding(struct wg_xdp *x, uint64_t now, uint64_t window_ns);
/* Entries and current size of the growing map "index" or "peers". */
int wg_xdp_map_usage(const struct wg_xdp *x, const char *name,
		     uint32_t *entries, uint32_t *max_entries);
/* Puts the AF_XDP socket fd on queue of the NIC (or LAN); fd < 0 clears. */
int wg_xdp_set_xsk(struct wg_xdp *x, bool lan, uint32_t queue, int fd);
/* Sums the per-CPU stats into out[reason]; names: wg_xdp_reason_name(). */
int wg_xdp_read_stats(struct wg_xdp *x,
		      struct wg_xdp_counter out[WG_XDP_REASON_MAX]);

/*
 * File descriptors of the NIC or LAN program and of a map by name (tests);
 * "index" and "peers" give the current map of their slot.
 */
int wg_xdp_prog_fd(const struct wg_xdp *x, bool lan);
int wg_xdp_map_fd(const struct wg_xdp *x, const char *name);

/* Probes what the running kernel supports into f. 0 or -errno. */
int wg_xdp_probe(struct wg_xdp_features *f);

#endif /* WG_XDP_H */

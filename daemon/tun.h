/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The layer-3 TUN device (wg0): IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE, one
 * non-blocking, close-on-exec fd per queue (one per worker thread), never
 * persistent, so the kernel removes the device when the last fd closes and a
 * dying daemon leaves nothing behind. Configuration (MTU, up, addresses,
 * routes) is done over rtnetlink, see netlink.h.
 *
 * Moving to another namespace: `ip link set wg0 netns X` keeps every fd valid
 * (packets still flow through them), but the name and ifindex recorded here
 * belong to the namespace the device was created in and may no longer mean
 * anything there. The daemon learns of the move in two ways:
 *  - its netlink monitor reports the link removed (RTM_DELLINK for our
 *    ifindex) while the device is still alive: call wg_tun_netns_moved();
 *  - wg_tun_netns_moved() itself compares the namespace the device is in now
 *    (TUNGETDEVNETNS, Linux >= 5.2) with the one it was created in; on older
 *    kernels it falls back to TUNGETIFF and looks the name up here.
 * After a move the daemon must stop configuring the device by ifindex.
 */
#ifndef WG_TUN_H
#define WG_TUN_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* The most queues the kernel allows on a multi-queue TUN (MAX_TAP_QUEUES). */
#define WG_TUN_MAX_QUEUES 256
/* Packets each TUN queue holds for the workers (the kernel default is 500). */
#define WG_TUN_TXQLEN 4096

/* Offloads for TUNSETOFFLOAD that older uapi headers may lack. */
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6 0x40
#endif

/* wg_tun_create() flags. */
enum {
	/*
	 * Prefix every packet with a struct virtio_net_hdr (10 bytes) and ask
	 * for checksum, TSO4/TSO6 and USO offloads: reads may then return
	 * super-packets the caller splits, and writes may be coalesced.
	 */
	WG_TUN_VNET_HDR = 1 << 0,
};

struct wg_tun {
	char name[IFNAMSIZ];	/* final name, in the creating namespace */
	int ifindex;		/* in the creating namespace */
	unsigned int queues;	/* number of fds */
	int *fds;		/* one per queue; fds[0] is the first opened */
	bool vnet_hdr;		/* packets carry a virtio_net_hdr */
	unsigned int vnet_hdr_len; /* its length, 0 without vnet_hdr */
	unsigned int offloads;	/* TUN_F_* the kernel accepted */
	unsigned int flags;	/* the WG_TUN_* flags it was created with */
	dev_t netns_dev;	/* the creating namespace (nsfs dev, inode) */
	ino_t netns_ino;
};

/*
 * Creates the TUN device called name (NULL for "wg0"; a "%d" pattern such as
 * "wg%d" lets the kernel pick) with queues queues (1..WG_TUN_MAX_QUEUES) and
 * WG_TUN_* flags; fills *tun. On failure every fd is closed and the device
 * does not exist. -EBUSY when the name belongs to a device that is not ours.
 */
int wg_tun_create(struct wg_tun *tun, const char *name, unsigned int queues,
		  unsigned int flags);
/*
 * Attaches queues to the device until it has queues in all (one per worker
 * when the NIC has several), each like the first. Queues already there
 * stay; on failure the device keeps those opened so far. 0 or -errno.
 */
int wg_tun_add_queues(struct wg_tun *tun, unsigned int queues);
/*
 * Replaces the offloads (TUN_F_*) of a vnet_hdr device; 0 turns them all
 * off, so reads carry plain packets with complete checksums. 0 or -errno.
 */
int wg_tun_set_offloads(struct wg_tun *tun, unsigned int offloads);
/* Closes every fd, which removes the device; safe on a zeroed or closed tun. */
void wg_tun_destroy(struct wg_tun *tun);
/*
 * 1 when the device now lives in another network namespace than the one it
 * was created in, 0 when not, -errno when it cannot tell.
 */
int wg_tun_netns_moved(const struct wg_tun *tun);
/* The device's current name (it follows renames and moves) into name. */
int wg_tun_name(const struct wg_tun *tun, char name[IFNAMSIZ]);

#endif /* WG_TUN_H */

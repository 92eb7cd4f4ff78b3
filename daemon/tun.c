// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The TUN device: /dev/net/tun opened once per queue. The first TUNSETIFF
 * (with IFF_TUN_EXCL) creates the device; the others attach queues to it by
 * its final name.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/if_tun.h>
#include <linux/virtio_net.h>

#include "tun.h"

#define TUN_PATH "/dev/net/tun"

/* Opens one queue of the device called name; on success name is final. */
static int open_queue(char name[IFNAMSIZ], unsigned short flags)
{
	struct ifreq ifr;
	int fd, ret;

	fd = open(TUN_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, IFNAMSIZ);
	ifr.ifr_flags = (short)flags;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	memcpy(name, ifr.ifr_name, IFNAMSIZ);
	name[IFNAMSIZ - 1] = '\0';
	return fd;
}

/* The nsfs identity of the namespace an fd (or our thread) refers to. */
static int ns_id(int fd, dev_t *dev, ino_t *ino)
{
	struct stat st;
	int ret = 0;

	if (fd < 0) {
		fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		if (fstat(fd, &st) < 0)
			ret = -errno;
		close(fd);
	} else if (fstat(fd, &st) < 0) {
		ret = -errno;
	}
	if (ret < 0)
		return ret;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return 0;
}

/*
 * Asks for every offload we can use, dropping the newest ones the kernel
 * does not know (USO since 6.2) until it accepts a set.
 */
static unsigned int set_offloads(int fd)
{
	static const unsigned int tries[] = {
		TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_USO4 | TUN_F_USO6,
		TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6,
		TUN_F_CSUM,
	};
	size_t i;

	for (i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		if (ioctl(fd, TUNSETOFFLOAD, tries[i]) == 0)
			return tries[i];
	}
	return 0;
}

int wg_tun_create(struct wg_tun *tun, const char *name, unsigned int queues,
		  unsigned int flags)
{
	unsigned short ifflags = IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE;
	struct wg_tun t = { 0 };
	char ifname[IFNAMSIZ];
	int fd, ret;
	int hdrlen = sizeof(struct virtio_net_hdr);

	if (!name)
		name = "wg0";
	if (!name[0] || strlen(name) >= IFNAMSIZ)
		return -EINVAL;
	if (!queues || queues > WG_TUN_MAX_QUEUES ||
	    (flags & ~(unsigned int)WG_TUN_VNET_HDR))
		return -EINVAL;
	if (flags & WG_TUN_VNET_HDR)
		ifflags |= IFF_VNET_HDR;
	ret = ns_id(-1, &t.netns_dev, &t.netns_ino);
	if (ret < 0)
		return ret;
	t.flags = flags;
	t.fds = malloc(queues * sizeof(*t.fds));
	if (!t.fds)
		return -ENOMEM;

	memset(ifname, 0, sizeof(ifname));
	strcpy(ifname, name);
	/* EXCL: never attach to somebody else's device of the same name. */
	fd = open_queue(ifname, ifflags | IFF_TUN_EXCL);
	if (fd < 0) {
		ret = fd;
		goto err_fds;
	}
	t.fds[t.queues++] = fd;
	/* Non-persistent is the default; say so in case the kernel differs. */
	if (ioctl(fd, TUNSETPERSIST, 0) < 0) {
		ret = -errno;
		goto err_queues;
	}
	memcpy(t.name, ifname, IFNAMSIZ);
	t.ifindex = (int)if_nametoindex(t.name);
	if (!t.ifindex) {
		ret = -errno;
		goto err_queues;
	}
	if (flags & WG_TUN_VNET_HDR) {
		if (ioctl(fd, TUNSETVNETHDRSZ, &hdrlen) < 0) {
			ret = -errno;
			goto err_queues;
		}
		t.vnet_hdr = true;
		t.vnet_hdr_len = (unsigned int)hdrlen;
		t.offloads = set_offloads(fd);
	}
	while (t.queues < queues) {
		fd = open_queue(ifname, ifflags);
		if (fd < 0) {
			ret = fd;
			goto err_queues;
		}
		t.fds[t.queues++] = fd;
	}
	*tun = t;
	return 0;

err_queues:
	while (t.queues)
		close(t.fds[--t.queues]);
err_fds:
	free(t.fds);
	return ret;
}

int wg_tun_add_queues(struct wg_tun *tun, unsigned int queues)
{
	unsigned short ifflags = IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE;
	char ifname[IFNAMSIZ];
	int *fds, fd;

	if (!tun->fds || !tun->queues || !queues ||
	    queues > WG_TUN_MAX_QUEUES)
		return -EINVAL;
	if (queues <= tun->queues)
		return 0;
	if (tun->flags & WG_TUN_VNET_HDR)
		ifflags |= IFF_VNET_HDR;
	fds = realloc(tun->fds, queues * sizeof(*fds));
	if (!fds)
		return -ENOMEM;
	tun->fds = fds;
	memcpy(ifname, tun->name, IFNAMSIZ);
	while (tun->queues < queues) {
		fd = open_queue(ifname, ifflags);
		if (fd < 0)
			return fd;
		tun->fds[tun->queues++] = fd;
	}
	return 0;
}

int wg_tun_set_offloads(struct wg_tun *tun, unsigned int offloads)
{
	if (!tun->fds || !tun->queues || !tun->vnet_hdr)
		return -EINVAL;
	if (ioctl(tun->fds[0], TUNSETOFFLOAD, offloads) < 0)
		return -errno;
	tun->offloads = offloads;
	return 0;
}

void wg_tun_destroy(struct wg_tun *tun)
{
	if (!tun->fds)
		return;
	while (tun->queues)
		close(tun->fds[--tun->queues]);
	free(tun->fds);
	tun->fds = NULL;
	tun->ifindex = 0;
}

int wg_tun_name(const struct wg_tun *tun, char name[IFNAMSIZ])
{
	struct ifreq ifr;

	if (!tun->fds || !tun->queues)
		return -EBADF;
	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(tun->fds[0], TUNGETIFF, &ifr) < 0)
		return -errno;
	memcpy(name, ifr.ifr_name, IFNAMSIZ);
	name[IFNAMSIZ - 1] = '\0';
	return 0;
}

int wg_tun_netns_moved(const struct wg_tun *tun)
{
	char name[IFNAMSIZ];
	dev_t dev;
	ino_t ino;
	int nsfd, ret;

	if (!tun->fds || !tun->queues)
		return -EBADF;
	nsfd = ioctl(tun->fds[0], TUNGETDEVNETNS);
	if (nsfd >= 0) {
		ret = ns_id(nsfd, &dev, &ino);
		close(nsfd);
		if (ret < 0)
			return ret;
		return dev != tun->netns_dev || ino != tun->netns_ino;
	}
	if (errno != ENOTTY && errno != EINVAL)
		return -errno;
	/* Old kernel: the device is ours here if its name maps to its index. */
	ret = wg_tun_name(tun, name);
	if (ret < 0)
		return ret;
	return (int)if_nametoindex(name) != tun->ifindex;
}

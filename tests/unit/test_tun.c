// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The TUN device against the running kernel. Needs root. Every test first
 * moves the test process into a fresh network namespace, so the devices,
 * addresses and routes it makes never reach the host's and vanish with it.
 *
 *   UDP socket 10.7.0.1:5000 ──┐             ┌── fds[0..n-1] (the test)
 *                              kernel ── wgt0
 *   10.8.0.0/24 routed to wgt0 ┘   (packets written in / read out)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/if_tun.h>

#include "helper_nl.h"
#include "netlink.h"
#include "tun.h"

struct fix {
	struct wg_nl *nl;
	struct wg_tun tun;
	int sock;
};

static int setup(void **state)
{
	static struct fix f;

	memset(&f, 0, sizeof(f));
	f.sock = -1;
	if (unshare(CLONE_NEWNET) < 0) {
		perror("unshare(CLONE_NEWNET) (run as root)");
		return -1;
	}
	if (wg_nl_open(&f.nl) < 0)
		return -1;
	if (wg_nl_link_set_up(f.nl, 1, true) < 0)
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	wg_tun_destroy(&f->tun);
	if (f->sock >= 0)
		close(f->sock);
	wg_nl_close(f->nl);
	f->nl = NULL;
	return 0;
}

static struct wg_nl_ip ip4(const char *s)
{
	struct wg_nl_ip a = { .family = AF_INET };

	assert_int_equal(inet_pton(AF_INET, s, &a.v4), 1);
	return a;
}

static uint16_t csum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * Builds an IPv4/UDP packet src:sport -> dst:dport carrying payload, with a
 * correct header checksum (or a wrong one) and no UDP checksum.
 */
static size_t build_udp4(uint8_t *pkt, const char *src, uint16_t sport,
			 const char *dst, uint16_t dport, const char *payload,
			 bool bad_csum)
{
	size_t plen = strlen(payload), len = 20 + 8 + plen;
	struct in_addr s, d;
	uint16_t c;

	assert_int_equal(inet_pton(AF_INET, src, &s), 1);
	assert_int_equal(inet_pton(AF_INET, dst, &d), 1);
	memset(pkt, 0, 28);
	pkt[0] = 0x45;
	pkt[2] = (uint8_t)(len >> 8);
	pkt[3] = (uint8_t)len;
	pkt[6] = 0x40;		/* DF */
	pkt[8] = 64;		/* TTL */
	pkt[9] = IPPROTO_UDP;
	memcpy(pkt + 12, &s, 4);
	memcpy(pkt + 16, &d, 4);
	c = csum(pkt, 20);
	if (bad_csum)
		c ^= 0x5555;
	pkt[10] = (uint8_t)(c >> 8);
	pkt[11] = (uint8_t)c;
	pkt[20] = (uint8_t)(sport >> 8);
	pkt[21] = (uint8_t)sport;
	pkt[22] = (uint8_t)(dport >> 8);
	pkt[23] = (uint8_t)dport;
	pkt[24] = (uint8_t)((8 + plen) >> 8);
	pkt[25] = (uint8_t)(8 + plen);
	memcpy(pkt + 28, payload, plen);
	return len;
}

static int udp_bound(const char *addr, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(inet_pton(AF_INET, addr, &sin.sin_addr), 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

/* Receives one datagram within ms; its length, or -1 on timeout. */
static ssize_t recv_within(int fd, void *buf, size_t len, int ms,
			   struct sockaddr_in *from)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	socklen_t alen = sizeof(*from);

	if (poll(&p, 1, ms) != 1)
		return -1;
	return recvfrom(fd, buf, len, MSG_DONTWAIT, (struct sockaddr *)from,
			&alen);
}

/*
 * Reads from any queue of tun until an IPv4 packet arrives (the kernel may
 * also route IPv6 control traffic into the device), within two seconds;
 * returns the length read (the IPv4 packet starts at buf + skip), or -1.
 */
static ssize_t read_ipv4(const struct wg_tun *t, uint8_t *buf, size_t len,
			 size_t skip)
{
	struct pollfd p[8];
	unsigned int i, n = t->queues < 8 ? t->queues : 8;
	int tries;
	ssize_t r;

	for (i = 0; i < n; i++)
		p[i] = (struct pollfd){ .fd = t->fds[i], .events = POLLIN };
	for (tries = 0; tries < 20; tries++) {
		if (poll(p, n, 100) <= 0)
			continue;
		for (i = 0; i < n; i++) {
			if (!(p[i].revents & POLLIN))
				continue;
			r = read(p[i].fd, buf, len);
			if (r > (ssize_t)(skip + 20) && (buf[skip] >> 4) == 4)
				return r;
		}
	}
	return -1;
}

/* Up, MTU 1420, 10.7.0.1/24, and 10.8.0.0/24 routed to the device. */
static void configure(struct wg_nl *nl, int ifindex)
{
	struct wg_nl_ip a = ip4("10.7.0.1"), n = ip4("10.8.0.0");

	assert_int_equal(wg_nl_link_set_mtu(nl, ifindex, 1420), 0);
	assert_int_equal(wg_nl_addr_add(nl, ifindex, &a, 24), 0);
	assert_int_equal(wg_nl_link_set_up(nl, ifindex, true), 0);
	assert_int_equal(wg_nl_route_add(nl, ifindex, &n, 24, NULL), 0);
}

static void create_queues(void **state)
{
	struct fix *f = *state;
	struct wg_nl_link l;
	struct ifreq ifr;
	unsigned int i;
	char name[IFNAMSIZ];

	assert_int_equal(wg_tun_create(&f->tun, "wgt%d", 4, 0), 0);
	assert_string_equal(f->tun.name, "wgt0");
	assert_int_equal(f->tun.queues, 4);
	assert_false(f->tun.vnet_hdr);
	assert_int_equal(f->tun.offloads, 0);
	for (i = 0; i < 4; i++) {
		int fd = f->tun.fds[i];

		assert_true(fd >= 0);
		assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
		assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
		memset(&ifr, 0, sizeof(ifr));
		assert_int_equal(ioctl(fd, TUNGETIFF, &ifr), 0);
		assert_string_equal(ifr.ifr_name, "wgt0");
		assert_int_equal(ifr.ifr_flags & (IFF_TUN | IFF_NO_PI |
						  IFF_MULTI_QUEUE | IFF_TAP),
				 IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE);
		assert_false(ifr.ifr_flags & IFF_PERSIST);
	}
	/* Nothing queued yet: a read does not block. */
	assert_int_equal(read(f->tun.fds[0], name, sizeof(name)), -1);
	assert_int_equal(errno, EAGAIN);

	assert_int_equal(wg_nl_link_index(f->nl, "wgt0"), f->tun.ifindex);
	assert_int_equal(wg_nl_link_set_mtu(f->nl, f->tun.ifindex, 1420), 0);
	assert_int_equal(wg_nl_link_set_up(f->nl, f->tun.ifindex, true), 0);
	assert_int_equal(wg_nl_link_get(f->nl, f->tun.ifindex, &l), 0);
	assert_string_equal(l.name, "wgt0");
	assert_int_equal(l.mtu, 1420);
	assert_true(l.up);
	assert_int_equal(l.type, ARPHRD_NONE);
	assert_false(l.has_mac);
	assert_true(l.rx_queues >= 4);
	assert_int_equal(wg_tun_name(&f->tun, name), 0);
	assert_string_equal(name, "wgt0");
	assert_int_equal(wg_tun_netns_moved(&f->tun), 0);

	/* The second device of the pattern gets the next number. */
	{
		struct wg_tun t2;

		assert_int_equal(wg_tun_create(&t2, "wgt%d", 1, 0), 0);
		assert_string_equal(t2.name, "wgt1");
		wg_tun_destroy(&t2);
		assert_int_equal(wg_nl_link_index(f->nl, "wgt1"), -ENODEV);
	}

	/* Closing every fd removes the device. */
	wg_tun_destroy(&f->tun);
	assert_null(f->tun.fds);
	assert_int_equal(f->tun.queues, 0);
	assert_int_equal(wg_nl_link_index(f->nl, "wgt0"), -ENODEV);
	wg_tun_destroy(&f->tun);	/* twice is harmless */
	assert_int_equal(wg_tun_netns_moved(&f->tun), -EBADF);
}

static void create_errors(void **state)
{
	struct fix *f = *state;
	struct wg_tun t;

	assert_int_equal(wg_tun_create(&f->tun, NULL, 1, 0), 0);
	assert_string_equal(f->tun.name, "wg0");

	memset(&t, 0xa5, sizeof(t));
	/* Never attach to a device that exists, ours or not. */
	assert_int_equal(wg_tun_create(&t, "wg0", 2, 0), -EBUSY);
	assert_int_equal(wg_tun_create(&t, "lo", 1, 0), -EBUSY);
	assert_int_equal(wg_tun_create(&t, "wgt0", 0, 0), -EINVAL);
	assert_int_equal(wg_tun_create(&t, "wgt0", WG_TUN_MAX_QUEUES + 1, 0),
			 -EINVAL);
	assert_int_equal(wg_tun_create(&t, "", 1, 0), -EINVAL);
	assert_int_equal(wg_tun_create(&t, "a-name-far-too-long", 1, 0),
			 -EINVAL);
	assert_int_equal(wg_tun_create(&t, "wgt0", 1, 0x80), -EINVAL);
	/* Failures leave the caller's struct alone and nothing behind. */
	assert_int_equal(t.queues, 0xa5a5a5a5);
	assert_int_equal(wg_nl_link_index(f->nl, "wgt0"), -ENODEV);

	/* The existing device still has exactly its one queue. */
	{
		struct wg_nl_link l;

		assert_int_equal(wg_nl_link_get(f->nl, f->tun.ifindex, &l), 0);
		assert_string_equal(l.name, "wg0");
	}
}

static void write_delivers(void **state)
{
	struct fix *f = *state;
	struct sockaddr_in from;
	uint8_t pkt[128], buf[128];
	size_t len;

	assert_int_equal(wg_tun_create(&f->tun, "wgt0", 2, 0), 0);
	configure(f->nl, f->tun.ifindex);
	f->sock = udp_bound("10.7.0.1", 5000);

	len = build_udp4(pkt, "10.7.0.2", 6000, "10.7.0.1", 5000, "hello",
			 false);
	assert_int_equal(write(f->tun.fds[1], pkt, len), (ssize_t)len);
	assert_int_equal(recv_within(f->sock, buf, sizeof(buf), 1000, &from),
			 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(ntohs(from.sin_port), 6000);
	assert_int_equal(ntohl(from.sin_addr.s_addr), 0x0a070002);

	/* The same packet with a broken header checksum is dropped. */
	len = build_udp4(pkt, "10.7.0.2", 6000, "10.7.0.1", 5000, "bad!",
			 true);
	assert_int_equal(write(f->tun.fds[0], pkt, len), (ssize_t)len);
	assert_int_equal(recv_within(f->sock, buf, sizeof(buf), 200, &from),
			 -1);
}

static void read_routed(void **state)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(7000) };
	struct fix *f = *state;
	uint8_t buf[2048];
	ssize_t r;

	assert_int_equal(wg_tun_create(&f->tun, "wgt0", 3, 0), 0);
	configure(f->nl, f->tun.ifindex);
	f->sock = udp_bound("10.7.0.1", 5000);
	to.sin_addr.s_addr = htonl(0x0a080005);	/* 10.8.0.5 */
	assert_int_equal(sendto(f->sock, "ping", 4, 0, (struct sockaddr *)&to,
				sizeof(to)),
			 4);
	r = read_ipv4(&f->tun, buf, sizeof(buf), 0);
	assert_int_equal(r, 20 + 8 + 4);
	assert_int_equal(buf[9], IPPROTO_UDP);
	assert_int_equal(csum(buf, 20), 0);
	assert_memory_equal(buf + 12, "\x0a\x07\x00\x01", 4);
	assert_memory_equal(buf + 16, "\x0a\x08\x00\x05", 4);
	assert_int_equal(buf[20] << 8 | buf[21], 5000);
	assert_int_equal(buf[22] << 8 | buf[23], 7000);
	assert_memory_equal(buf + 28, "ping", 4);
}

/* Queues attached later (one per worker) behave like the first ones. */
static void add_queues(void **state)
{
	struct fix *f = *state;
	struct ifreq ifr;

	assert_int_equal(wg_tun_create(&f->tun, "wgt0", 1, WG_TUN_VNET_HDR),
			 0);
	assert_int_equal(wg_tun_add_queues(&f->tun, 1), 0);
	assert_int_equal(f->tun.queues, 1);
	assert_int_equal(wg_tun_add_queues(&f->tun, 0), -EINVAL);
	assert_int_equal(wg_tun_add_queues(&f->tun, WG_TUN_MAX_QUEUES + 1),
			 -EINVAL);
	assert_int_equal(wg_tun_add_queues(&f->tun, 3), 0);
	assert_int_equal(f->tun.queues, 3);
	for (unsigned int i = 0; i < 3; i++) {
		memset(&ifr, 0, sizeof(ifr));
		assert_int_equal(ioctl(f->tun.fds[i], TUNGETIFF, &ifr), 0);
		assert_string_equal(ifr.ifr_name, "wgt0");
		assert_true(ifr.ifr_flags & IFF_VNET_HDR);
		assert_true(ifr.ifr_flags & IFF_MULTI_QUEUE);
		assert_true(fcntl(f->tun.fds[i], F_GETFL) & O_NONBLOCK);
	}
	/* Offloads are the device's: turning them off is one call. */
	assert_int_equal(wg_tun_set_offloads(&f->tun, 0), 0);
	assert_int_equal(f->tun.offloads, 0);
	assert_int_equal(wg_tun_set_offloads(&f->tun, TUN_F_CSUM), 0);
	wg_tun_destroy(&f->tun);
	assert_int_equal(wg_nl_link_index(f->nl, "wgt0"), -ENODEV);
	assert_int_equal(wg_tun_add_queues(&f->tun, 2), -EINVAL);
	assert_int_equal(wg_tun_set_offloads(&f->tun, 0), -EINVAL);
}

static void vnet_hdr(void **state)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(7000) };
	struct fix *f = *state;
	struct sockaddr_in from;
	uint8_t buf[2048], pkt[128];
	ssize_t r;
	size_t len;

	assert_int_equal(wg_tun_create(&f->tun, "wgt0", 2, WG_TUN_VNET_HDR),
			 0);
	assert_true(f->tun.vnet_hdr);
	assert_int_equal(f->tun.vnet_hdr_len, 10);
	assert_true(f->tun.offloads & TUN_F_CSUM);
	assert_true(f->tun.offloads & TUN_F_TSO4);
	assert_true(f->tun.offloads & TUN_F_TSO6);
	configure(f->nl, f->tun.ifindex);
	f->sock = udp_bound("10.7.0.1", 5000);

	/* Reads carry a virtio_net_hdr before the packet. */
	to.sin_addr.s_addr = htonl(0x0a080005);
	assert_int_equal(sendto(f->sock, "ping", 4, 0, (struct sockaddr *)&to,
				sizeof(to)),
			 4);
	r = read_ipv4(&f->tun, buf, sizeof(buf), 10);
	assert_int_equal(r, 10 + 20 + 8 + 4);
	assert_memory_equal(buf + 10 + 16, "\x0a\x08\x00\x05", 4);

	/* Writes take one: all zero means a plain, complete packet. */
	memset(pkt, 0, 10);
	len = build_udp4(pkt + 10, "10.7.0.2", 6000, "10.7.0.1", 5000, "vnet",
			 false);
	assert_int_equal(write(f->tun.fds[0], pkt, len + 10),
			 (ssize_t)len + 10);
	assert_int_equal(recv_within(f->sock, buf, sizeof(buf), 1000, &from),
			 4);
	assert_memory_equal(buf, "vnet", 4);
}

static int self_ns(void)
{
	return open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
}

struct moved {
	int ifindex;
	bool removed;
};

static void on_link(void *ctx, bool removed, int ifindex, const char *name,
		    unsigned int flags)
{
	struct moved *m = ctx;

	(void)name, (void)flags;
	if (removed && ifindex == m->ifindex)
		m->removed = true;
}

/* What the daemon does: the monitor says our link left; the fd says why. */
static bool seen_removed(struct wg_nl *nl, int fd, int ifindex)
{
	static const struct wg_nl_monitor_ops ops = { .link = on_link };
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct moved m = { .ifindex = ifindex };
	int i;

	for (i = 0; i < 10 && !m.removed; i++) {
		if (poll(&p, 1, 100) > 0)
			assert_true(wg_nl_monitor_read(nl, &ops, &m) >= 0);
	}
	return m.removed;
}

static void netns_move(void **state)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(7000) };
	struct wg_nl_ip a = ip4("10.9.0.1");
	struct fix *f = *state;
	struct sockaddr_in from;
	struct wg_nl *nlb;
	uint8_t pkt[128], buf[2048];
	int home, nsb, idx, mon;
	char name[IFNAMSIZ];
	size_t len;
	ssize_t r;

	assert_int_equal(wg_tun_create(&f->tun, "wgt0", 2, 0), 0);
	configure(f->nl, f->tun.ifindex);
	mon = wg_nl_monitor_open(f->nl);
	assert_true(mon >= 0);

	/* A second namespace B, held by nsb; then back home. */
	home = self_ns();
	assert_true(home >= 0);
	assert_int_equal(unshare(CLONE_NEWNET), 0);
	nsb = self_ns();
	assert_true(nsb >= 0);
	assert_int_equal(wg_nl_open(&nlb), 0);
	assert_int_equal(wg_nl_link_set_up(nlb, 1, true), 0);
	assert_int_equal(setns(home, CLONE_NEWNET), 0);

	/* `ip link set wgt0 netns B` */
	assert_int_equal(wg_nl_link_set_netns(f->nl, f->tun.ifindex, nsb), 0);
	assert_true(seen_removed(f->nl, mon, f->tun.ifindex));
	assert_int_equal(wg_tun_netns_moved(&f->tun), 1);
	assert_int_equal(wg_nl_link_index(f->nl, "wgt0"), -ENODEV);
	assert_int_equal(wg_tun_name(&f->tun, name), 0);
	assert_string_equal(name, "wgt0");

	/* B configures it; the socket is made in B. */
	idx = wg_nl_link_index(nlb, "wgt0");
	assert_true(idx > 0);
	assert_int_equal(wg_nl_addr_add(nlb, idx, &a, 24), 0);
	assert_int_equal(wg_nl_link_set_up(nlb, idx, true), 0);
	assert_int_equal(setns(nsb, CLONE_NEWNET), 0);
	f->sock = udp_bound("10.9.0.1", 5000);
	assert_int_equal(setns(home, CLONE_NEWNET), 0);
	close(home);

	/* Our fds still write into the device, now in B ... */
	len = build_udp4(pkt, "10.9.0.2", 6000, "10.9.0.1", 5000, "moved",
			 false);
	assert_int_equal(write(f->tun.fds[1], pkt, len), (ssize_t)len);
	assert_int_equal(recv_within(f->sock, buf, sizeof(buf), 1000, &from),
			 5);
	assert_memory_equal(buf, "moved", 5);

	/* ... and read what B routes into it. */
	to.sin_addr.s_addr = htonl(0x0a090007);	/* 10.9.0.7 */
	assert_int_equal(sendto(f->sock, "back", 4, 0, (struct sockaddr *)&to,
				sizeof(to)),
			 4);
	r = read_ipv4(&f->tun, buf, sizeof(buf), 0);
	assert_int_equal(r, 20 + 8 + 4);
	assert_memory_equal(buf + 16, "\x0a\x09\x00\x07", 4);
	assert_memory_equal(buf + 28, "back", 4);

	/* Closing our fds removes it from B too. */
	wg_tun_destroy(&f->tun);
	assert_int_equal(wg_nl_link_index(nlb, "wgt0"), -ENODEV);
	wg_nl_close(nlb);
	close(nsb);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(create_queues), T(create_errors), T(write_delivers),
		T(read_routed),	  T(vnet_hdr),	    T(netns_move),
		T(add_queues),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

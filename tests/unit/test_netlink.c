// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * rtnetlink against the running kernel. Needs root. Every test first moves
 * the test process into a fresh network namespace (unshare(CLONE_NEWNET)),
 * so nothing touches the host's; a second namespace, where a test needs one,
 * is held by an fd only and vanishes when it is closed.
 *
 *   namespace A (the test's)            namespace B (neigh_resolve only)
 *   va 10.1.0.1/24 fd00:1::1/64 ─ veth ─ vb 10.5.0.2/24 fd00:5::2/64
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <linux/neighbour.h>
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
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "helper_nl.h"
#include "netlink.h"

struct fix {
	struct wg_nl *nl;
	int va, vb;		/* ifindexes of the veth pair, when made */
};

static void sysctl(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, val, strlen(val)) < 0)
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
	close(fd);
}

/* IPv6 addresses usable at once, link-local included: no DAD here. */
static void no_dad(void)
{
	sysctl("/proc/sys/net/ipv6/conf/all/accept_dad", "0");
	sysctl("/proc/sys/net/ipv6/conf/default/accept_dad", "0");
}

static int self_ns(void)
{
	return open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
}

/* A new namespace held by the returned fd; we stay where we are. */
static int new_netns(void)
{
	int cur = self_ns(), fd = -1;

	if (cur < 0)
		return -1;
	if (unshare(CLONE_NEWNET) == 0) {
		no_dad();
		fd = self_ns();
		if (setns(cur, CLONE_NEWNET) < 0) {
			perror("setns back");
			abort();
		}
	}
	close(cur);
	return fd;
}

static int setup(void **state)
{
	static struct fix f;

	memset(&f, 0, sizeof(f));
	if (unshare(CLONE_NEWNET) < 0) {
		perror("unshare(CLONE_NEWNET) (run as root)");
		return -1;
	}
	no_dad();
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

	wg_nl_close(f->nl);
	f->nl = NULL;
	return 0;
}

static struct wg_nl_ip ip(const char *s)
{
	struct wg_nl_ip a;

	memset(&a, 0, sizeof(a));
	a.family = strchr(s, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(a.family, s, &a.v6) != 1)
		fail_msg("bad address %s", s);
	return a;
}

static bool ip_eq(const struct wg_nl_ip *a, const char *s)
{
	struct wg_nl_ip b = ip(s);

	return a->family == b.family &&
	       !memcmp(&a->v6, &b.v6, a->family == AF_INET ? 4 : 16);
}

/* Creates va <-> vb in this namespace, both up, va with two addresses. */
static void make_veth(struct fix *f, bool up, bool addrs)
{
	struct wg_nl_ip a4 = ip("10.1.0.1"), a6 = ip("fd00:1::1");

	assert_int_equal(wg_nl_veth_create(f->nl, "va", "vb", -1), 0);
	f->va = wg_nl_link_index(f->nl, "va");
	f->vb = wg_nl_link_index(f->nl, "vb");
	assert_true(f->va > 0);
	assert_true(f->vb > 0);
	assert_int_not_equal(f->va, f->vb);
	if (addrs) {
		assert_int_equal(wg_nl_addr_add(f->nl, f->va, &a4, 24), 0);
		assert_int_equal(wg_nl_addr_add(f->nl, f->va, &a6, 64), 0);
	}
	if (up) {
		assert_int_equal(wg_nl_link_set_up(f->nl, f->va, true), 0);
		assert_int_equal(wg_nl_link_set_up(f->nl, f->vb, true), 0);
	}
}

/* The transmit queue length of NAME, read back through the ioctl. */
static int txqlen(const char *name)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int ret;

	assert_true(fd >= 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ret = ioctl(fd, SIOCGIFTXQLEN, &ifr);
	close(fd);
	return ret < 0 ? -1 : ifr.ifr_qlen;
}

static void link_info(void **state)
{
	struct fix *f = *state;
	struct wg_nl_link l;

	assert_int_equal(wg_nl_link_index(f->nl, "lo"), 1);
	assert_int_equal(wg_nl_link_get(f->nl, 1, &l), 0);
	assert_string_equal(l.name, "lo");
	assert_int_equal(l.type, ARPHRD_LOOPBACK);
	assert_true(l.up);
	assert_int_equal(l.mtu, 65536);

	make_veth(f, false, false);
	assert_int_equal(wg_nl_link_get(f->nl, f->va, &l), 0);
	assert_string_equal(l.name, "va");
	assert_int_equal(l.ifindex, f->va);
	assert_int_equal(l.type, ARPHRD_ETHER);
	assert_true(l.has_mac);
	assert_false(l.up);
	assert_true(l.rx_queues >= 1);
	assert_int_equal(l.mtu, 1500);

	assert_int_equal(wg_nl_link_set_mtu(f->nl, f->va, 1420), 0);
	assert_int_equal(wg_nl_link_set_txqlen(f->nl, f->va, 4096), 0);
	assert_int_equal(txqlen("va"), 4096);
	assert_int_equal(wg_nl_link_set_txqlen(f->nl, f->va, 777), 0);
	assert_int_equal(txqlen("va"), 777);
	assert_int_equal(wg_nl_link_set_up(f->nl, f->va, true), 0);
	assert_int_equal(wg_nl_link_set_up(f->nl, f->vb, true), 0);
	assert_int_equal(wg_nl_link_get(f->nl, f->va, &l), 0);
	assert_int_equal(l.mtu, 1420);
	assert_true(l.up);
	assert_true(l.running);
	assert_int_equal(wg_nl_link_set_up(f->nl, f->va, false), 0);
	assert_int_equal(wg_nl_link_get(f->nl, f->va, &l), 0);
	assert_false(l.up);

	assert_int_equal(wg_nl_link_del(f->nl, f->va), 0);
	assert_int_equal(wg_nl_link_index(f->nl, "va"), -ENODEV);
	assert_int_equal(wg_nl_link_index(f->nl, "vb"), -ENODEV);
}

struct addrs {
	int n, n4, n6;
	int ifindex;
	bool has_v4, has_v6;
};

static int collect(void *ctx, int ifindex, const struct wg_nl_ip *a,
		   unsigned int prefixlen)
{
	struct addrs *s = ctx;

	s->n++;
	s->ifindex = ifindex;
	if (a->family == AF_INET) {
		s->n4++;
		if (ip_eq(a, "10.1.0.1") && prefixlen == 24)
			s->has_v4 = true;
	} else if (a->family == AF_INET6) {
		s->n6++;
		if (ip_eq(a, "fd00:1::1") && prefixlen == 64)
			s->has_v6 = true;
	}
	return 0;
}

static int stop_at_first(void *ctx, int ifindex, const struct wg_nl_ip *a,
			 unsigned int prefixlen)
{
	(void)ifindex, (void)a, (void)prefixlen;
	++*(int *)ctx;
	return 42;
}

static void addresses(void **state)
{
	struct wg_nl_ip a4 = ip("10.1.0.1"), a6 = ip("fd00:1::1");
	struct fix *f = *state;
	struct addrs s;
	int calls = 0;

	make_veth(f, false, true);
	/* Adding the same address again is not an error. */
	assert_int_equal(wg_nl_addr_add(f->nl, f->va, &a4, 24), 0);
	assert_int_equal(wg_nl_addr_add(f->nl, f->va, &a6, 64), 0);

	memset(&s, 0, sizeof(s));
	assert_int_equal(wg_nl_addr_dump(f->nl, f->va, AF_UNSPEC, collect, &s),
			 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.ifindex, f->va);
	assert_true(s.has_v4);
	assert_true(s.has_v6);

	memset(&s, 0, sizeof(s));
	assert_int_equal(wg_nl_addr_dump(f->nl, f->va, AF_INET, collect, &s),
			 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.n4, 1);

	/* Every interface's (ifindex 0): va's, named by their own ifindex. */
	assert_int_equal(wg_nl_addr_add(f->nl, f->vb, &(struct wg_nl_ip){
					.family = AF_INET,
					.v4.s_addr = htonl(0x0a050002) }, 24),
			 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(wg_nl_addr_dump(f->nl, 0, AF_INET, collect, &s), 0);
	assert_true(s.has_v4);
	assert_true(s.n4 >= 2);
	assert_int_equal(wg_nl_addr_dump(f->nl, -1, AF_INET, collect, &s),
			 -ENODEV);
	assert_int_equal(wg_nl_addr_del(f->nl, f->vb, &(struct wg_nl_ip){
					.family = AF_INET,
					.v4.s_addr = htonl(0x0a050002) }, 24),
			 0);

	/* The other end has none. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(wg_nl_addr_dump(f->nl, f->vb, AF_UNSPEC, collect, &s),
			 0);
	assert_int_equal(s.n, 0);

	/* A callback's non-zero return stops the walk and is returned. */
	assert_int_equal(wg_nl_addr_dump(f->nl, f->va, AF_UNSPEC,
					 stop_at_first, &calls), 42);
	assert_int_equal(calls, 1);
	/* ... and the socket is still in step. */
	assert_int_equal(wg_nl_link_index(f->nl, "va"), f->va);

	assert_int_equal(wg_nl_addr_del(f->nl, f->va, &a4, 24), 0);
	assert_int_equal(wg_nl_addr_del(f->nl, f->va, &a6, 64), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(wg_nl_addr_dump(f->nl, f->va, AF_UNSPEC, collect, &s),
			 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(wg_nl_addr_del(f->nl, f->va, &a4, 24),
			 -EADDRNOTAVAIL);
}

static void routes(void **state)
{
	struct wg_nl_ip n4 = ip("10.2.0.0"), g4 = ip("10.1.0.254");
	struct wg_nl_ip n6 = ip("fd00:2::"), g6 = ip("fd00:1::fe");
	struct wg_nl_ip v4net = ip("10.3.0.9"), v6net = ip("fd00:3::9");
	struct wg_nl_ip d, s;
	struct fix *f = *state;
	struct wg_nl_route r;

	make_veth(f, true, true);
	/* Device routes, added twice: replace semantics. */
	assert_int_equal(wg_nl_route_add(f->nl, f->va, &n4, 24, NULL), 0);
	assert_int_equal(wg_nl_route_add(f->nl, f->va, &n4, 24, NULL), 0);
	assert_int_equal(wg_nl_route_add(f->nl, f->va, &n6, 64, NULL), 0);
	assert_int_equal(wg_nl_route_add(f->nl, f->va, &n6, 64, NULL), 0);
	/* Via gateways; host bits of the prefix are cleared for the kernel. */
	assert_int_equal(wg_nl_route_add(f->nl, f->va, &v4net, 24, &g4), 0);
	assert_int_equal(wg_nl_route_add(f->nl, f->va, &v6net, 64, &g6), 0);

	d = ip("10.2.0.5");
	memset(&r, 0xff, sizeof(r));
	assert_int_equal(wg_nl_route_get(f->nl, &d, NULL, 0, 0, &r), 0);
	assert_int_equal(r.ifindex, f->va);
	assert_false(r.has_gateway);
	assert_true(r.has_prefsrc);
	assert_true(ip_eq(&r.prefsrc, "10.1.0.1"));

	d = ip("10.3.0.7");
	assert_int_equal(wg_nl_route_get(f->nl, &d, NULL, 0, 0, &r), 0);
	assert_int_equal(r.ifindex, f->va);
	assert_true(r.has_gateway);
	assert_true(ip_eq(&r.gateway, "10.1.0.254"));
	assert_true(ip_eq(&r.prefsrc, "10.1.0.1"));

	s = ip("10.1.0.1");
	assert_int_equal(wg_nl_route_get(f->nl, &d, &s, f->va, 0, &r), 0);
	assert_int_equal(r.ifindex, f->va);
	assert_true(ip_eq(&r.prefsrc, "10.1.0.1"));

	d = ip("fd00:2::5");
	assert_int_equal(wg_nl_route_get(f->nl, &d, NULL, 0, 0, &r), 0);
	assert_int_equal(r.ifindex, f->va);
	assert_false(r.has_gateway);
	assert_true(r.has_prefsrc);
	assert_true(ip_eq(&r.prefsrc, "fd00:1::1"));

	d = ip("fd00:3::7");
	assert_int_equal(wg_nl_route_get(f->nl, &d, NULL, 0, 0, &r), 0);
	assert_int_equal(r.ifindex, f->va);
	assert_true(r.has_gateway);
	assert_true(ip_eq(&r.gateway, "fd00:1::fe"));
	assert_true(ip_eq(&r.prefsrc, "fd00:1::1"));

	assert_int_equal(wg_nl_route_del(f->nl, f->va, &n4, 24), 0);
	assert_int_equal(wg_nl_route_del(f->nl, f->va, &n6, 64), 0);
	assert_int_equal(wg_nl_route_del(f->nl, f->va, &v4net, 24), 0);
	assert_int_equal(wg_nl_route_del(f->nl, f->va, &v6net, 64), 0);
	assert_int_equal(wg_nl_route_del(f->nl, f->va, &n4, 24), -ESRCH);
	assert_int_equal(wg_nl_route_del(f->nl, f->va, &n6, 64), -ESRCH);

	d = ip("10.2.0.5");
	assert_int_equal(wg_nl_route_get(f->nl, &d, NULL, 0, 0, &r),
			 -ENETUNREACH);
	d = ip("fd00:2::5");
	assert_int_equal(wg_nl_route_get(f->nl, &d, NULL, 0, 0, &r),
			 -ENETUNREACH);
}

static void neigh_static(void **state)
{
	static const uint8_t mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
	struct wg_nl_ip n4 = ip("10.1.0.9"), n6 = ip("fd00:1::9");
	struct wg_nl_ip u4 = ip("10.1.0.10"), u6 = ip("fd00:1::10");
	struct fix *f = *state;
	uint8_t got[6];

	make_veth(f, true, true);
	assert_int_equal(wg_nl_neigh_add(f->nl, f->va, &n4, mac), 0);
	assert_int_equal(wg_nl_neigh_add(f->nl, f->va, &n6, mac), 0);
	memset(got, 0, sizeof(got));
	assert_int_equal(wg_nl_neigh_get(f->nl, f->va, &n4, got), 0);
	assert_memory_equal(got, mac, 6);
	memset(got, 0, sizeof(got));
	assert_int_equal(wg_nl_neigh_get(f->nl, f->va, &n6, got), 0);
	assert_memory_equal(got, mac, 6);

	assert_int_equal(wg_nl_neigh_get(f->nl, f->va, &u4, got), -EAGAIN);
	assert_int_equal(wg_nl_neigh_get(f->nl, f->va, &u6, got), -EAGAIN);
	/* The entry belongs to va, not vb. */
	assert_int_equal(wg_nl_neigh_get(f->nl, f->vb, &n4, got), -EAGAIN);

	assert_int_equal(wg_nl_neigh_del(f->nl, f->va, &n4), 0);
	assert_int_equal(wg_nl_neigh_get(f->nl, f->va, &n4, got), -EAGAIN);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Polls wg_nl_neigh_get() for up to ms; returns its last result. */
static int wait_neigh(struct wg_nl *nl, int ifindex, const struct wg_nl_ip *a,
		      uint8_t mac[6], long ms)
{
	long end = now_ms() + ms;
	int ret;

	for (;;) {
		ret = wg_nl_neigh_get(nl, ifindex, a, mac);
		if (ret != -EAGAIN || now_ms() >= end)
			return ret;
		usleep(10000);
	}
}

/*
 * Until linkwatch has seen the carrier come up (it may wait up to a second)
 * the device drops what it sends, the ARP request included: wait for it.
 */
static bool wait_running(struct wg_nl *nl, int ifindex)
{
	long end = now_ms() + 3000;
	struct wg_nl_link l;

	while (now_ms() < end) {
		if (wg_nl_link_get(nl, ifindex, &l) == 0 && l.running)
			return true;
		usleep(10000);
	}
	return false;
}

/*
 * A neighbour solicitation is sent from the link-local address, which only
 * exists once the carrier is seen and stays tentative until the (skipped)
 * DAD work has run: wait for it in /proc/net/if_inet6.
 */
static bool wait_lladdr(int ifindex)
{
	unsigned int idx, plen, scope, flags;
	long end = now_ms() + 3000;
	char addr[33], name[IFNAMSIZ];
	bool ok = false;
	FILE *fp;

	while (!ok && now_ms() < end) {
		fp = fopen("/proc/net/if_inet6", "re");
		if (!fp)
			return false;
		while (fscanf(fp, "%32s %x %x %x %x %15s", addr, &idx, &plen,
			      &scope, &flags, name) == 6) {
			if ((int)idx == ifindex && scope == 0x20 &&
			    !(flags & 0x40 /* IFA_F_TENTATIVE */))
				ok = true;
		}
		fclose(fp);
		if (!ok)
			usleep(10000);
	}
	return ok;
}

static void neigh_resolve(void **state)
{
	struct wg_nl_ip a4 = ip("10.5.0.1"), a6 = ip("fd00:5::1");
	struct wg_nl_ip b4 = ip("10.5.0.2"), b6 = ip("fd00:5::2");
	struct fix *f = *state;
	struct wg_nl_link lb;
	struct wg_nl *nlb;
	int nsb, home, vb;
	uint8_t mac[6];

	nsb = new_netns();
	assert_true(nsb >= 0);
	assert_int_equal(wg_nl_veth_create(f->nl, "va", "vb", nsb), 0);
	assert_int_equal(wg_nl_link_index(f->nl, "vb"), -ENODEV);
	f->va = wg_nl_link_index(f->nl, "va");
	assert_true(f->va > 0);
	assert_int_equal(wg_nl_addr_add(f->nl, f->va, &a4, 24), 0);
	assert_int_equal(wg_nl_addr_add(f->nl, f->va, &a6, 64), 0);
	assert_int_equal(wg_nl_link_set_up(f->nl, f->va, true), 0);

	/* Configure the far end from inside B. */
	home = self_ns();
	assert_true(home >= 0);
	assert_int_equal(setns(nsb, CLONE_NEWNET), 0);
	assert_int_equal(wg_nl_open(&nlb), 0);
	assert_int_equal(setns(home, CLONE_NEWNET), 0);
	close(home);
	vb = wg_nl_link_index(nlb, "vb");
	assert_true(vb > 0);
	assert_int_equal(wg_nl_addr_add(nlb, vb, &b4, 24), 0);
	assert_int_equal(wg_nl_addr_add(nlb, vb, &b6, 64), 0);
	assert_int_equal(wg_nl_link_set_up(nlb, vb, true), 0);
	assert_int_equal(wg_nl_link_get(nlb, vb, &lb), 0);
	assert_true(lb.has_mac);
	assert_true(wait_running(f->nl, f->va));
	assert_true(wait_running(nlb, vb));
	assert_true(wait_lladdr(f->va));

	assert_int_equal(wg_nl_neigh_get(f->nl, f->va, &b4, mac), -EAGAIN);
	assert_int_equal(wg_nl_neigh_get(f->nl, f->va, &b6, mac), -EAGAIN);
	assert_int_equal(wg_nl_neigh_resolve(f->nl, f->va, &b4), 0);
	assert_int_equal(wg_nl_neigh_resolve(f->nl, f->va, &b6), 0);
	memset(mac, 0, sizeof(mac));
	assert_int_equal(wait_neigh(f->nl, f->va, &b4, mac, 1000), 0);
	assert_memory_equal(mac, lb.mac, 6);
	memset(mac, 0, sizeof(mac));
	assert_int_equal(wait_neigh(f->nl, f->va, &b6, mac, 1000), 0);
	assert_memory_equal(mac, lb.mac, 6);
	/* Kicking an entry that is already resolved is harmless. */
	assert_int_equal(wg_nl_neigh_resolve(f->nl, f->va, &b4), 0);
	assert_int_equal(wg_nl_neigh_get(f->nl, f->va, &b4, mac), 0);

	wg_nl_close(nlb);
	close(nsb);
}

static void default_dev(void **state)
{
	struct wg_nl_ip any4 = ip("0.0.0.0"), any6 = ip("::");
	struct wg_nl_ip g4 = ip("10.1.0.254"), g6 = ip("fd00:1::fe");
	struct fix *f = *state;
	char name[IFNAMSIZ];
	int idx = -1;

	assert_int_equal(wg_nl_default_dev(f->nl, &idx, name), -ENOENT);
	make_veth(f, true, true);
	assert_int_equal(wg_nl_default_dev(f->nl, &idx, name), -ENOENT);

	assert_int_equal(wg_nl_route_add(f->nl, f->vb, &any6, 0, NULL), 0);
	assert_int_equal(wg_nl_default_dev(f->nl, &idx, name), 0);
	assert_int_equal(idx, f->vb);
	assert_string_equal(name, "vb");

	/* IPv4 wins over IPv6. */
	assert_int_equal(wg_nl_route_add(f->nl, f->va, &any4, 0, &g4), 0);
	assert_int_equal(wg_nl_default_dev(f->nl, &idx, name), 0);
	assert_int_equal(idx, f->va);
	assert_string_equal(name, "va");
	assert_int_equal(wg_nl_route_del(f->nl, f->va, &any4, 0), 0);
	assert_int_equal(wg_nl_route_del(f->nl, f->vb, &any6, 0), 0);

	assert_int_equal(wg_nl_route_add(f->nl, f->va, &any6, 0, &g6), 0);
	idx = 0;
	assert_int_equal(wg_nl_default_dev(f->nl, &idx, NULL), 0);
	assert_int_equal(idx, f->va);
	assert_int_equal(wg_nl_route_del(f->nl, f->va, &any6, 0), 0);
	assert_int_equal(wg_nl_default_dev(f->nl, &idx, name), -ENOENT);
}

struct events {
	int ifindex;
	bool addr_added, addr_removed, link_removed, route_added, neigh;
};

static void ev_addr(void *ctx, bool removed, int ifindex,
		    const struct wg_nl_ip *a, unsigned int prefixlen)
{
	struct events *e = ctx;

	if (ifindex != e->ifindex || !ip_eq(a, "10.1.0.1") || prefixlen != 24)
		return;
	if (removed)
		e->addr_removed = true;
	else
		e->addr_added = true;
}

static void ev_link(void *ctx, bool removed, int ifindex, const char *name,
		    unsigned int flags)
{
	struct events *e = ctx;

	(void)flags;
	if (removed && ifindex == e->ifindex && !strcmp(name, "va"))
		e->link_removed = true;
}

static void ev_neigh(void *ctx, bool removed, int ifindex,
		     const struct wg_nl_ip *a, const uint8_t *mac,
		     uint16_t state)
{
	struct events *e = ctx;

	if (!removed && ifindex == e->ifindex && ip_eq(a, "10.1.0.9") && mac &&
	    mac[5] == 0x55 && state == NUD_PERMANENT)
		e->neigh = true;
}

static void ev_route(void *ctx, bool removed, int ifindex,
		     const struct wg_nl_ip *dst, unsigned int prefixlen)
{
	struct events *e = ctx;

	if (!removed && ifindex == e->ifindex && ip_eq(dst, "10.2.0.0") &&
	    prefixlen == 24)
		e->route_added = true;
}

static const struct wg_nl_monitor_ops ev_ops = {
	.addr = ev_addr,
	.link = ev_link,
	.neigh = ev_neigh,
	.route = ev_route,
};

/* Reads the monitor until *flag is set or a second has passed. */
static bool wait_event(struct wg_nl *nl, int fd, struct events *e, bool *flag)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	long end = now_ms() + 1000;

	while (!*flag && now_ms() < end) {
		if (poll(&p, 1, 100) > 0)
			assert_true(wg_nl_monitor_read(nl, &ev_ops, e) >= 0);
	}
	return *flag;
}

static void monitor(void **state)
{
	static const uint8_t mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
	struct wg_nl_ip a4 = ip("10.1.0.1"), n4 = ip("10.2.0.0");
	struct wg_nl_ip nb = ip("10.1.0.9");
	struct fix *f = *state;
	struct events e;
	int fd;

	fd = wg_nl_monitor_open(f->nl);
	assert_true(fd >= 0);
	assert_int_equal(wg_nl_monitor_open(f->nl), fd);
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	/* Nothing pending: a drain returns at once. */
	memset(&e, 0, sizeof(e));
	assert_int_equal(wg_nl_monitor_read(f->nl, &ev_ops, &e), 0);

	make_veth(f, true, false);
	e.ifindex = f->va;
	assert_int_equal(wg_nl_addr_add(f->nl, f->va, &a4, 24), 0);
	assert_true(wait_event(f->nl, fd, &e, &e.addr_added));
	assert_int_equal(wg_nl_route_add(f->nl, f->va, &n4, 24, NULL), 0);
	assert_true(wait_event(f->nl, fd, &e, &e.route_added));
	assert_int_equal(wg_nl_neigh_add(f->nl, f->va, &nb, mac), 0);
	assert_true(wait_event(f->nl, fd, &e, &e.neigh));
	assert_int_equal(wg_nl_addr_del(f->nl, f->va, &a4, 24), 0);
	assert_true(wait_event(f->nl, fd, &e, &e.addr_removed));
	assert_int_equal(wg_nl_link_del(f->nl, f->va), 0);
	assert_true(wait_event(f->nl, fd, &e, &e.link_removed));
}

static void errors(void **state)
{
	struct wg_nl_ip a4 = ip("10.1.0.1"), d4 = ip("10.2.0.0");
	struct wg_nl_ip g6 = ip("fd00:1::fe"), bad = ip("10.1.0.1"), g4;
	struct fix *f = *state;
	struct wg_nl_link l;
	struct wg_nl_route r;
	struct addrs s;
	uint8_t mac[6];

	bad.family = AF_UNIX;
	assert_int_equal(wg_nl_link_get(f->nl, 99999, &l), -ENODEV);
	assert_int_equal(wg_nl_link_get(f->nl, 0, &l), -ENODEV);
	assert_int_equal(wg_nl_link_index(f->nl, "nosuchdev0"), -ENODEV);
	assert_int_equal(wg_nl_link_index(f->nl, ""), -EINVAL);
	assert_int_equal(wg_nl_link_index(f->nl, "a-name-far-too-long"),
			 -EINVAL);
	assert_int_equal(wg_nl_link_set_mtu(f->nl, 99999, 1420), -ENODEV);
	assert_int_equal(wg_nl_link_set_txqlen(f->nl, 99999, 4096), -ENODEV);
	assert_int_equal(wg_nl_link_set_txqlen(f->nl, 0, 4096), -ENODEV);
	assert_int_equal(wg_nl_link_set_up(f->nl, 99999, true), -ENODEV);
	assert_int_equal(wg_nl_addr_add(f->nl, 99999, &a4, 24), -ENODEV);
	assert_int_equal(wg_nl_route_add(f->nl, 99999, &d4, 24, NULL),
			 -ENODEV);
	assert_int_equal(wg_nl_neigh_get(f->nl, 99999, &a4, mac), -ENODEV);
	assert_int_equal(wg_nl_neigh_resolve(f->nl, 99999, &a4), -ENODEV);
	assert_int_equal(wg_nl_addr_dump(f->nl, 99999, AF_UNSPEC, collect, &s),
			 -ENODEV);

	make_veth(f, true, false);
	assert_int_equal(wg_nl_veth_create(f->nl, "va", "vc", -1), -EEXIST);
	assert_int_equal(wg_nl_link_index(f->nl, "vc"), -ENODEV);
	/* A refused MTU leaves the old one. */
	assert_int_equal(wg_nl_link_set_mtu(f->nl, f->va, 10), -EINVAL);
	assert_int_equal(wg_nl_link_get(f->nl, f->va, &l), 0);
	assert_int_equal(l.mtu, 1500);
	/* Bad arguments are refused before anything reaches the kernel. */
	assert_int_equal(wg_nl_addr_add(f->nl, f->va, &a4, 33), -EINVAL);
	assert_int_equal(wg_nl_addr_add(f->nl, f->va, &bad, 24),
			 -EAFNOSUPPORT);
	assert_int_equal(wg_nl_addr_add(f->nl, f->va, NULL, 24), -EINVAL);
	assert_int_equal(wg_nl_route_add(f->nl, f->va, &d4, 24, &g6), -EINVAL);
	assert_int_equal(wg_nl_route_get(f->nl, &bad, NULL, 0, 0, &r),
			 -EAFNOSUPPORT);
	memset(&s, 0, sizeof(s));
	assert_int_equal(wg_nl_addr_dump(f->nl, f->va, AF_UNSPEC, collect, &s),
			 0);
	assert_int_equal(s.n4, 0);
	d4 = ip("10.2.0.1");
	assert_int_equal(wg_nl_route_get(f->nl, &d4, NULL, 0, 0, &r),
			 -ENETUNREACH);
	/* A gateway the kernel cannot reach is refused whole. */
	assert_int_not_equal(wg_nl_route_add(f->nl, f->va, &d4, 24,
					     &(struct wg_nl_ip){ 0 }), 0);
	g4 = ip("10.9.9.9");
	assert_int_equal(wg_nl_route_add(f->nl, f->va, &d4, 24, &g4),
			 -ENETUNREACH);
	assert_int_equal(wg_nl_route_get(f->nl, &d4, NULL, 0, 0, &r),
			 -ENETUNREACH);
	assert_int_equal(wg_nl_monitor_read(f->nl, &ev_ops, NULL), -EINVAL);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(link_info),	  T(addresses),	  T(routes),  T(neigh_static),
		T(neigh_resolve), T(default_dev), T(monitor), T(errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

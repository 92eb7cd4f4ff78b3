// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "route.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec.h"
#include "log.h"
#include "netlink.h"
#include "uapi.h"

#define SRC_VALID_MARK "/proc/sys/net/ipv4/conf/all/src_valid_mark"
#define RT_MAIN 254u

/* A route that we added (and so will remove). */
struct added_route {
	int family;
	uint8_t addr[16];
	uint8_t cidr;
	uint32_t table;
};

/* What the full tunnel of one family added. */
struct full_tunnel {
	bool on;
	uint32_t table;
	bool rule_mark, rule_suppress;
	bool nft, iptables;
};

/*
 * The main table's routes on our device while a batch of allowed IPs is
 * routed (wg_route_batch_begin): one dump for the batch instead of wg-quick's
 * `ip route show dev IFACE match PREFIX` per prefix, which with 10,000 peers
 * made a setconf take 19 s. An open-addressing set of masked prefixes, and
 * which prefix lengths it holds, so that "is PREFIX covered" probes only
 * those lengths.
 */
struct rkey {
	uint8_t fam;	/* 1: IPv4, 2: IPv6; 0: an empty slot */
	uint8_t cidr;
	uint8_t addr[16];	/* masked to cidr */
};

struct rset {
	struct rkey *slot;
	size_t cap, n;	/* cap: a power of 2 */
	bool len[2][129];
};

struct wg_route {
	/* lock guards everything below, nl included. */
	pthread_mutex_t lock;
	struct wg_nl *nl;	/* our own: never the control thread's */
	char ifname[IFNAMSIZ];
	int ifindex;
	enum wg_table_kind kind;
	uint32_t table;
	bool armed;
	struct added_route *routes;
	size_t n, cap;
	struct full_tunnel full[2];	/* [0] IPv4, [1] IPv6 */
	bool src_valid_mark_set;	/* we turned it from 0 to 1 */
	struct rset *batch;	/* between batch begin and end; else NULL */
};

static int fam_idx(int family)
{
	return family == AF_INET6 ? 1 : 0;
}

static size_t addr_len(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

static void to_ip(struct wg_nl_ip *ip, int family, const uint8_t *addr)
{
	memset(ip, 0, sizeof(*ip));
	ip->family = family;
	memcpy(&ip->v6, addr, addr_len(family));
}

static const char *text(int family, const uint8_t *addr, uint8_t cidr,
			char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(family, addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, cidr);
	return buf;
}

int wg_route_new(struct wg_route **out, const char *ifname,
		 const struct wg_quick *q)
{
	struct wg_route *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return -ENOMEM;
	ret = wg_nl_open(&r->nl);
	if (ret) {
		free(r);
		return ret;
	}
	pthread_mutex_init(&r->lock, NULL);
	snprintf(r->ifname, sizeof(r->ifname), "%s", ifname);
	r->kind = q->has_table ? q->table_kind : WG_TABLE_AUTO;
	r->table = q->table;
	*out = r;
	return 0;
}

static int any_route(void *ctx, const struct wg_nl_route_entry *e)
{
	(void)ctx;
	(void)e;
	return 1;
}

/* wg-quick: a table is free when neither family has a route in it. */
static int free_table(struct wg_nl *nl, uint32_t *table)
{
	int ret;

	for (uint32_t t = WG_ROUTE_TABLE_FIRST; t != 0; t++) {
		ret = wg_nl_route_dump(nl, AF_INET, t, any_route, NULL);
		if (!ret)
			ret = wg_nl_route_dump(nl, AF_INET6, t, any_route,
					       NULL);
		if (ret < 0)
			return ret;
		if (!ret) {
			*table = t;
			return 0;
		}
	}
	return -ENOSPC;
}

static bool has_default(const struct wg_config *cfg)
{
	for (size_t i = 0; i < cfg->n_peers; i++)
		for (size_t j = 0; j < cfg->peers[i].n_aips; j++)
			if (!cfg->peers[i].aips[j].cidr &&
			    !cfg->peers[i].aips[j].remove)
				return true;
	return false;
}

int wg_route_prepare(struct wg_route *r, struct wg_config *cfg)
{
	uint32_t t;
	int ret;

	if (r->kind != WG_TABLE_AUTO || (cfg->has_fwmark && cfg->fwmark) ||
	    !has_default(cfg))
		return 0;
	pthread_mutex_lock(&r->lock);
	ret = free_table(r->nl, &t);
	pthread_mutex_unlock(&r->lock);
	if (ret)
		return ret;
	log_info("[#] wg set %s fwmark %u", r->ifname, t);
	cfg->fwmark = t;
	cfg->has_fwmark = true;
	return 0;
}

/* --- MTU ------------------------------------------------------------------ */

static unsigned int link_mtu(struct wg_nl *nl, int ifindex)
{
	struct wg_nl_link link;

	if (ifindex <= 0 || wg_nl_link_get(nl, ifindex, &link))
		return 0;
	return link.mtu;
}

struct default_mtu {
	struct wg_nl *nl;
	unsigned int mtu;
	bool found;
};

/* `ip route show default`'s first line: its mtu, or its device's. */
static int first_default(void *ctx, const struct wg_nl_route_entry *e)
{
	struct default_mtu *d = ctx;

	if (e->prefixlen || e->type != 1 /* RTN_UNICAST */)
		return 0;
	d->mtu = e->mtu ? e->mtu : link_mtu(d->nl, e->ifindex);
	d->found = true;
	return 1;
}

unsigned int wg_route_auto_mtu(struct wg_nl *nl, const struct wg_config *cfg)
{
	struct default_mtu d = { .nl = nl };
	struct wg_nl_route rt;
	struct wg_nl_ip dst;
	unsigned int mtu = 0, m;

	for (size_t i = 0; i < cfg->n_peers; i++) {
		const struct wg_endpoint *ep = &cfg->peers[i].endpoint;

		if (!cfg->peers[i].has_endpoint)
			continue;
		memset(&dst, 0, sizeof(dst));
		dst.family = ep->sa.sa_family;
		if (dst.family == AF_INET)
			dst.v4 = ep->in4.sin_addr;
		else if (dst.family == AF_INET6)
			dst.v6 = ep->in6.sin6_addr;
		else
			continue;
		if (wg_nl_route_get(nl, &dst, NULL, 0, 0, &rt))
			continue;
		m = rt.mtu ? rt.mtu : link_mtu(nl, rt.ifindex);
		if (m > mtu)
			mtu = m;
	}
	if (!mtu) {
		if (wg_nl_route_dump(nl, AF_INET, RT_MAIN, first_default, &d) <
			    0 || !d.found)
			wg_nl_route_dump(nl, AF_INET6, RT_MAIN, first_default,
					 &d);
		mtu = d.mtu;
	}
	if (!mtu)
		mtu = 1500;
	return mtu > 80 + 68 ? mtu - 80 : 68;
}

/* --- routes ----------------------------------------------------------------- */

static int record(struct wg_route *r, int family, const uint8_t *addr,
		  uint8_t cidr, uint32_t table)
{
	struct added_route *a;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;

		a = realloc(r->routes, cap * sizeof(*a));
		if (!a)
			return -ENOMEM;
		r->routes = a;
		r->cap = cap;
	}
	a = &r->routes[r->n++];
	memset(a, 0, sizeof(*a));
	a->family = family;
	memcpy(a->addr, addr, addr_len(family));
	a->cidr = cidr;
	a->table = table;
	return 0;
}

/* `ip route add PREFIX dev IFACE table T`, recorded when it is ours. */
static int add_route(struct wg_route *r, int family, const uint8_t *addr,
		     uint8_t cidr, uint32_t table)
{
	char buf[WG_PREFIX_STRLEN];
	struct wg_nl_ip dst;
	int ret;

	to_ip(&dst, family, addr);
	if (table == RT_MAIN)
		log_info("[#] ip %s route add %s dev %s",
			 family == AF_INET6 ? "-6" : "-4",
			 text(family, addr, cidr, buf, sizeof(buf)), r->ifname);
	else
		log_info("[#] ip %s route add %s dev %s table %u",
			 family == AF_INET6 ? "-6" : "-4",
			 text(family, addr, cidr, buf, sizeof(buf)), r->ifname,
			 table);
	ret = wg_nl_route_create(r->nl, r->ifindex, &dst, cidr, NULL, table);
	if (ret == -EEXIST) {
		log_warn("A route to %s exists already in table %u: left as "
			 "it is", text(family, addr, cidr, buf, sizeof(buf)),
			 table);
		return 0;
	}
	if (ret) {
		log_err("Cannot add the route to %s: %s",
			text(family, addr, cidr, buf, sizeof(buf)),
			strerror(-ret));
		return ret;
	}
	return record(r, family, addr, cidr, table);
}

struct match {
	int family;
	const uint8_t *addr;
	uint8_t cidr;
	int ifindex;
};

static bool covers(const uint8_t *net, unsigned int plen, const uint8_t *addr)
{
	unsigned int bytes = plen / 8, bits = plen % 8;

	if (memcmp(net, addr, bytes))
		return false;
	return !bits ||
	       !((net[bytes] ^ addr[bytes]) & (uint8_t)(0xff00 >> bits));
}

/* --- the batch's set of routes on our device -------------------------------- */

static void rkey_make(struct rkey *k, int family, const uint8_t *addr,
		      unsigned int cidr)
{
	unsigned int bytes = cidr / 8, bits = cidr % 8;

	memset(k, 0, sizeof(*k));
	k->fam = family == AF_INET6 ? 2 : 1;
	k->cidr = (uint8_t)cidr;
	memcpy(k->addr, addr, bytes);
	if (bits)
		k->addr[bytes] = addr[bytes] & (uint8_t)(0xff00 >> bits);
}

static size_t rkey_hash(const struct rkey *k)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */
	const uint8_t *b = (const uint8_t *)k;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return (size_t)(h ^ (h >> 32));
}

static struct rkey *rset_slot(struct rset *s, const struct rkey *k)
{
	size_t i = rkey_hash(k) & (s->cap - 1);

	while (s->slot[i].fam && memcmp(&s->slot[i], k, sizeof(*k)))
		i = (i + 1) & (s->cap - 1);
	return &s->slot[i];
}

static int rset_add(struct rset *s, int family, const uint8_t *addr,
		    unsigned int cidr)
{
	struct rkey k, *slot;

	if ((s->n + 1) * 2 > s->cap) {
		struct rset big = { .cap = s->cap * 2 };

		big.slot = calloc(big.cap, sizeof(*big.slot));
		if (!big.slot)
			return -ENOMEM;
		for (size_t i = 0; i < s->cap; i++)
			if (s->slot[i].fam)
				*rset_slot(&big, &s->slot[i]) = s->slot[i];
		free(s->slot);
		s->slot = big.slot;
		s->cap = big.cap;
	}
	rkey_make(&k, family, addr, cidr);
	slot = rset_slot(s, &k);
	if (!slot->fam) {
		*slot = k;
		s->n++;
	}
	s->len[fam_idx(family)][cidr] = true;
	return 0;
}

/* Is a route of the set as long as cidr or shorter covering addr/cidr? */
static bool rset_covers(struct rset *s, int family, const uint8_t *addr,
			unsigned int cidr)
{
	struct rkey k;

	for (unsigned int l = 0; l <= cidr; l++) {
		if (!s->len[fam_idx(family)][l])
			continue;
		rkey_make(&k, family, addr, l);
		if (rset_slot(s, &k)->fam)
			return true;
	}
	return false;
}

static void rset_free(struct rset *s)
{
	if (s)
		free(s->slot);
	free(s);
}

struct rset_fill {
	struct rset *s;
	int ifindex, ret;
};

static int rset_fill_cb(void *ctx, const struct wg_nl_route_entry *e)
{
	struct rset_fill *f = ctx;

	if (e->ifindex != f->ifindex || e->prefixlen > 128 ||
	    (e->dst.family == AF_INET && e->prefixlen > 32))
		return 0;
	f->ret = rset_add(f->s, e->dst.family, (const uint8_t *)&e->dst.v6,
			  e->prefixlen);
	return f->ret;
}

/* Under r->lock. Without a set (no memory, a failed dump) route_one dumps
 * per prefix, as before. */
static void batch_begin(struct wg_route *r)
{
	struct rset_fill f = { .ifindex = r->ifindex };

	if (r->batch || r->kind != WG_TABLE_AUTO)
		return;
	f.s = calloc(1, sizeof(*f.s));
	if (!f.s)
		return;
	f.s->cap = 1024;
	f.s->slot = calloc(f.s->cap, sizeof(*f.s->slot));
	if (!f.s->slot ||
	    wg_nl_route_dump(r->nl, AF_INET, RT_MAIN, rset_fill_cb, &f) < 0 ||
	    f.ret ||
	    wg_nl_route_dump(r->nl, AF_INET6, RT_MAIN, rset_fill_cb, &f) < 0 ||
	    f.ret) {
		rset_free(f.s);
		return;
	}
	r->batch = f.s;
}

static void batch_end(struct wg_route *r)
{
	rset_free(r->batch);
	r->batch = NULL;
}

void wg_route_batch_begin(struct wg_route *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	if (r->armed)
		batch_begin(r);
	pthread_mutex_unlock(&r->lock);
}

void wg_route_batch_end(struct wg_route *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	batch_end(r);
	pthread_mutex_unlock(&r->lock);
}

/* `ip route show dev IFACE match PREFIX` in the main table. */
static int match_cb(void *ctx, const struct wg_nl_route_entry *e)
{
	const struct match *m = ctx;

	return e->ifindex == m->ifindex && e->prefixlen <= m->cidr &&
	       covers((const uint8_t *)&e->dst.v6, e->prefixlen, m->addr);
}

/* --- the full tunnel -------------------------------------------------------- */

/* wg-quick's two rules: "not fwmark T table T", "table main suppress 0". */
static void rules(const struct full_tunnel *ft, int family,
		  struct wg_nl_rule *mark, struct wg_nl_rule *suppress)
{
	*mark = (struct wg_nl_rule){
		.family = family, .table = ft->table, .invert = true,
		.has_fwmark = true, .fwmark = ft->table,
	};
	*suppress = (struct wg_nl_rule){
		.family = family, .table = RT_MAIN,
		.has_suppress_prefixlen = true, .suppress_prefixlen = 0,
	};
}

static int add_rules(struct wg_route *r, struct full_tunnel *ft, int family)
{
	const char *v = family == AF_INET6 ? "-6" : "-4";
	struct wg_nl_rule mark, suppress;
	int ret;

	rules(ft, family, &mark, &suppress);
	log_info("[#] ip %s rule add not fwmark %u table %u", v, ft->table,
		 ft->table);
	ret = wg_nl_rule_add(r->nl, &mark);
	if (ret && ret != -EEXIST)
		return ret;
	ft->rule_mark = !ret;
	log_info("[#] ip %s rule add table main suppress_prefixlength 0", v);
	ret = wg_nl_rule_add(r->nl, &suppress);
	if (ret && ret != -EEXIST)
		return ret;
	ft->rule_suppress = !ret;
	return 0;
}

static void del_rules(struct wg_route *r, struct full_tunnel *ft, int family)
{
	const char *v = family == AF_INET6 ? "-6" : "-4";
	struct wg_nl_rule mark, suppress;

	rules(ft, family, &mark, &suppress);
	if (ft->rule_mark) {
		log_info("[#] ip %s rule delete table %u", v, ft->table);
		wg_nl_rule_del(r->nl, &mark);
	}
	if (ft->rule_suppress) {
		log_info("[#] ip %s rule delete table main "
			 "suppress_prefixlength 0", v);
		wg_nl_rule_del(r->nl, &suppress);
	}
	ft->rule_mark = ft->rule_suppress = false;
}

struct fw_text {
	struct wg_uapi_buf nft, ipt;
	const char *ifname;
	const char *pf;
	int ret;
};

/* One preraw rule per address of the interface, as wg-quick writes it. */
static int fw_addr(void *ctx, int ifindex, const struct wg_nl_ip *addr,
		   unsigned int prefixlen)
{
	struct fw_text *t = ctx;
	char a[INET6_ADDRSTRLEN];

	(void)ifindex;
	(void)prefixlen;
	inet_ntop(addr->family, &addr->v6, a, sizeof(a));
	if (wg_uapi_printf(&t->ipt, "-I PREROUTING ! -i %s -d %s -m addrtype "
			   "! --src-type LOCAL -j DROP -m comment --comment "
			   "\"wg-quick(8) rule for %s\"\n", t->ifname, a,
			   t->ifname) ||
	    wg_uapi_printf(&t->nft, "add rule %s wg-quick-%s preraw iifname "
			   "!= \"%s\" %s daddr %s fib saddr type != local "
			   "drop\n", t->pf, t->ifname, t->ifname, t->pf, a))
		t->ret = -ENOMEM;
	return 0;
}

/* wg-quick's add_default firewall text, nft and iptables-restore forms. */
static int fw_build(struct wg_route *r, struct fw_text *t, int family,
		    uint32_t table)
{
	const char *n = r->ifname, *pf = t->pf;
	int ret;

	ret = wg_uapi_printf(&t->ipt, "*raw\n");
	if (!ret)
		ret = wg_uapi_printf(&t->nft,
			"add table %s wg-quick-%s\n"
			"add chain %s wg-quick-%s preraw { type filter hook "
			"prerouting priority -300; }\n"
			"add chain %s wg-quick-%s premangle { type filter hook "
			"prerouting priority -150; }\n"
			"add chain %s wg-quick-%s postmangle { type filter "
			"hook postrouting priority -150; }\n",
			pf, n, pf, n, pf, n, pf, n);
	if (!ret)
		ret = wg_nl_addr_dump(r->nl, r->ifindex, family, fw_addr, t);
	if (!ret)
		ret = t->ret;
	if (!ret)
		ret = wg_uapi_printf(&t->ipt,
			"COMMIT\n*mangle\n-I POSTROUTING -m mark --mark %u -p "
			"udp -j CONNMARK --save-mark -m comment --comment "
			"\"wg-quick(8) rule for %s\"\n-I PREROUTING -p udp -j "
			"CONNMARK --restore-mark -m comment --comment "
			"\"wg-quick(8) rule for %s\"\nCOMMIT\n", table, n, n);
	if (!ret)
		ret = wg_uapi_printf(&t->nft,
			"add rule %s wg-quick-%s postmangle meta l4proto udp "
			"mark %u ct mark set mark \n"
			"add rule %s wg-quick-%s premangle meta l4proto udp "
			"meta mark set ct mark \n", pf, n, table, pf, n);
	return ret;
}

static const char *restore_cmd(int family)
{
	return family == AF_INET6 ? "ip6tables-restore" : "iptables-restore";
}

static int fw_add(struct wg_route *r, struct full_tunnel *ft, int family)
{
	struct fw_text t = { .ifname = r->ifname,
			     .pf = family == AF_INET6 ? "ip6" : "ip" };
	int ret;

	ret = fw_build(r, &t, family, ft->table);
	if (ret)
		goto out;
	if (wg_exec_have("nft")) {
		const char *argv[] = { "nft", "-f", "-", NULL };

		ret = wg_exec_run(argv, t.nft.data) ? -EIO : 0;
		ft->nft = !ret;
	} else if (wg_exec_have(restore_cmd(family))) {
		const char *argv[] = { restore_cmd(family), "-n", NULL };

		ret = wg_exec_run(argv, t.ipt.data) ? -EIO : 0;
		ft->iptables = !ret;
	} else {
		log_err("A full tunnel needs nft or %s for wg-quick's "
			"firewall rules", restore_cmd(family));
		ret = -ENOENT;
	}
out:
	wg_uapi_buf_free(&t.nft);
	wg_uapi_buf_free(&t.ipt);
	return ret;
}

/* -I lines become -D lines: exactly the rules fw_add() inserted. */
static void fw_del(struct wg_route *r, struct full_tunnel *ft, int family)
{
	struct fw_text t = { .ifname = r->ifname,
			     .pf = family == AF_INET6 ? "ip6" : "ip" };

	if (ft->nft) {
		const char *argv[] = { "nft", "-f", "-", NULL };

		if (!wg_uapi_printf(&t.nft, "delete table %s wg-quick-%s\n",
				    t.pf, r->ifname))
			wg_exec_run(argv, t.nft.data);
	} else if (ft->iptables && !fw_build(r, &t, family, ft->table)) {
		const char *argv[] = { restore_cmd(family), "-n", NULL };

		for (char *p = t.ipt.data; (p = strstr(p, "-I ")); p += 3)
			p[1] = 'D';
		wg_exec_run(argv, t.ipt.data);
	}
	ft->nft = ft->iptables = false;
	wg_uapi_buf_free(&t.nft);
	wg_uapi_buf_free(&t.ipt);
}

static int set_src_valid_mark(struct wg_route *r)
{
	char v = '0';
	int fd, ret = 0;

	fd = open(SRC_VALID_MARK, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (read(fd, &v, 1) == 1 && v == '0') {
		log_info("[#] sysctl -q net.ipv4.conf.all.src_valid_mark=1");
		if (pwrite(fd, "1\n", 2, 0) != 2)
			ret = -errno;
		else
			r->src_valid_mark_set = true;
	}
	close(fd);
	return ret;
}

static void restore_src_valid_mark(struct wg_route *r)
{
	int fd;

	if (!r->src_valid_mark_set)
		return;
	r->src_valid_mark_set = false;
	fd = open(SRC_VALID_MARK, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	log_info("[#] sysctl -q net.ipv4.conf.all.src_valid_mark=0");
	if (write(fd, "0\n", 2) != 2)
		log_warn("cannot restore src_valid_mark");
	close(fd);
}

/* wg-quick's add_default for one family, table (= fwmark) known. */
static int add_default(struct wg_route *r, int family, const uint8_t *addr,
		       uint32_t table)
{
	struct full_tunnel *ft = &r->full[fam_idx(family)];
	int ret;

	ret = add_route(r, family, addr, 0, table);
	if (ret || ft->on)
		return ret;
	ft->on = true;
	ft->table = table;
	ret = add_rules(r, ft, family);
	if (!ret && family == AF_INET)
		ret = set_src_valid_mark(r);
	if (!ret)
		ret = fw_add(r, ft, family);
	return ret;
}

static void del_default(struct wg_route *r, int family)
{
	struct full_tunnel *ft = &r->full[fam_idx(family)];

	if (!ft->on)
		return;
	fw_del(r, ft, family);
	del_rules(r, ft, family);
	ft->on = false;
	if (!r->full[0].on && !r->full[1].on)
		restore_src_valid_mark(r);
}

/* wg-quick's add_route for one allowed IP; fwmark is the device's. */
static int route_one(struct wg_route *r, int family, const uint8_t *addr,
		     uint8_t cidr, uint32_t fwmark)
{
	struct match m = { family, addr, cidr, r->ifindex };
	int ret;

	switch (r->kind) {
	case WG_TABLE_OFF:
		return 0;
	case WG_TABLE_NUM:
		return add_route(r, family, addr, cidr, r->table);
	case WG_TABLE_AUTO:
		break;
	}
	if (!cidr)
		return add_default(r, family, addr, fwmark);
	if (r->batch) {
		size_t had = r->n;

		if (rset_covers(r->batch, family, addr, cidr))
			return 0;
		ret = add_route(r, family, addr, cidr, RT_MAIN);
		/* Only a route made now is on our device (not an EEXIST). */
		if (!ret && r->n > had &&
		    rset_add(r->batch, family, addr, cidr))
			batch_end(r);
		return ret;
	}
	ret = wg_nl_route_dump(r->nl, family, RT_MAIN, match_cb, &m);
	if (ret)
		return ret < 0 ? ret : 0;
	return add_route(r, family, addr, cidr, RT_MAIN);
}

struct aip_ref {
	int family;
	const uint8_t *addr;
	uint8_t cidr;
};

/* wg-quick sorts "sort -nr -k 2 -t /": longest prefix first. */
static int by_cidr_desc(const void *a, const void *b)
{
	const struct aip_ref *x = a, *y = b;

	return (int)y->cidr - (int)x->cidr;
}

int wg_route_up(struct wg_route *r, int ifindex, uint32_t fwmark,
		const struct wg_config *cfg)
{
	struct aip_ref *refs;
	size_t n = 0;
	int ret = 0;

	r->ifindex = ifindex;
	for (size_t i = 0; i < cfg->n_peers; i++)
		n += cfg->peers[i].n_aips;
	refs = calloc(n ? n : 1, sizeof(*refs));
	if (!refs)
		return -ENOMEM;
	pthread_mutex_lock(&r->lock);
	n = 0;
	for (size_t i = 0; i < cfg->n_peers; i++)
		for (size_t j = 0; j < cfg->peers[i].n_aips; j++) {
			const struct wg_aip_change *a = &cfg->peers[i].aips[j];

			if (cfg->peers[i].remove || a->remove)
				continue;
			refs[n++] = (struct aip_ref){ a->family, a->addr,
						      a->cidr };
		}
	qsort(refs, n, sizeof(*refs), by_cidr_desc);
	batch_begin(r);
	for (size_t i = 0; !ret && i < n; i++)
		ret = route_one(r, refs[i].family, refs[i].addr, refs[i].cidr,
				fwmark);
	batch_end(r);
	free(refs);
	r->armed = !ret;
	pthread_mutex_unlock(&r->lock);
	return ret;
}

void wg_route_aip_add(struct wg_route *r, uint32_t fwmark,
		      uint32_t *want_fwmark, int family, const uint8_t *addr,
		      uint8_t cidr)
{
	char buf[WG_PREFIX_STRLEN];
	uint32_t t;

	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	if (!r->armed)
		goto out;
	/*
	 * A full tunnel made at run time: the device takes the table as its
	 * fwmark, as `wg set fwmark` would (the device applies *want_fwmark
	 * when this change is done).
	 */
	if (!cidr && r->kind == WG_TABLE_AUTO && !fwmark) {
		if (free_table(r->nl, &t))
			goto out;
		log_info("[#] wg set %s fwmark %u", r->ifname, t);
		fwmark = t;
		*want_fwmark = t;
	}
	if (route_one(r, family, addr, cidr, fwmark))
		log_warn("Could not route %s",
			 text(family, addr, cidr, buf, sizeof(buf)));
out:
	pthread_mutex_unlock(&r->lock);
}

void wg_route_aip_del(struct wg_route *r, int family, const uint8_t *addr,
		      uint8_t cidr)
{
	struct wg_nl_ip dst;

	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; r->armed && i < r->n; i++) {
		struct added_route *a = &r->routes[i];

		if (a->family != family || a->cidr != cidr ||
		    memcmp(a->addr, addr, addr_len(family)))
			continue;
		to_ip(&dst, family, addr);
		wg_nl_route_remove(r->nl, r->ifindex, &dst, cidr, a->table);
		r->routes[i] = r->routes[--r->n];
		if (!cidr)
			del_default(r, family);
		break;
	}
	pthread_mutex_unlock(&r->lock);
}

void wg_route_down(struct wg_route *r)
{
	char buf[WG_PREFIX_STRLEN];
	struct wg_nl_ip dst;

	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->armed = false;
	del_default(r, AF_INET);
	del_default(r, AF_INET6);
	while (r->n) {
		struct added_route *a = &r->routes[--r->n];

		to_ip(&dst, a->family, a->addr);
		log_dbg("route del %s table %u",
			text(a->family, a->addr, a->cidr, buf, sizeof(buf)),
			a->table);
		wg_nl_route_remove(r->nl, r->ifindex, &dst, a->cidr, a->table);
	}
	pthread_mutex_unlock(&r->lock);
}

void wg_route_free(struct wg_route *r)
{
	if (!r)
		return;
	wg_route_down(r);
	wg_nl_close(r->nl);
	pthread_mutex_destroy(&r->lock);
	rset_free(r->batch);
	free(r->routes);
	free(r);
}

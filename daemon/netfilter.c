// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "netfilter.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>

/* An nf_tables dump is retried this often when the ruleset changes under it. */
#define DUMP_TRIES 5
#define DUMP_BUF 32768

/* A base chain on the forward hook and what it holds. */
struct fwd_chain {
	uint8_t family; /* NFPROTO_IPV4, _IPV6 or _INET */
	char table[NFT_TABLE_MAXNAMELEN];
	char chain[NFT_CHAIN_MAXNAMELEN];
	bool drop; /* policy drop */
	unsigned int rules;
};

struct nft_state {
	struct fwd_chain *chains;
	size_t n, cap;
	int err;
};

/* Appends to why, "; "-separated; silently stops when it is full. */
static void say(char *why, size_t len, const char *fmt, ...)
{
	size_t used = strnlen(why, len);
	va_list ap;

	if (used + 1 >= len)
		return;
	if (used) {
		snprintf(why + used, len - used, "; ");
		used = strnlen(why, len);
	}
	va_start(ap, fmt);
	vsnprintf(why + used, len - used, fmt, ap);
	va_end(ap);
}

static void say_chain(char *why, size_t len, const char *what,
		      unsigned int rules, bool drop)
{
	if (rules && drop)
		say(why, len, "%s: %u rule%s, policy DROP", what, rules,
		    rules == 1 ? "" : "s");
	else if (rules)
		say(why, len, "%s: %u rule%s", what, rules,
		    rules == 1 ? "" : "s");
	else
		say(why, len, "%s: policy DROP", what);
}

/* --- nf_tables ------------------------------------------------------------ */

struct attrs {
	const struct nlattr **tb;
	int max;
};

static int attr_cb(const struct nlattr *attr, void *data)
{
	struct attrs *a = data;
	int type = mnl_attr_get_type(attr);

	if (type <= a->max)
		a->tb[type] = attr;
	return MNL_CB_OK;
}

static const char *attr_str(const struct nlattr *a)
{
	return a && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0 ?
		       mnl_attr_get_str(a) :
		       NULL;
}

static bool forward_family(uint8_t family)
{
	return family == NFPROTO_IPV4 || family == NFPROTO_IPV6 ||
	       family == NFPROTO_INET;
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NFTA_CHAIN_MAX + 1] = { 0 };
	const struct nlattr *hook[NFTA_HOOK_MAX + 1] = { 0 };
	struct attrs a = { tb, NFTA_CHAIN_MAX }, h = { hook, NFTA_HOOK_MAX };
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	struct nft_state *s = data;
	const char *table, *chain;
	struct fwd_chain *c;

	if (mnl_attr_parse(nlh, sizeof(*nfg), attr_cb, &a) < 0 ||
	    !forward_family(nfg->nfgen_family) || !tb[NFTA_CHAIN_HOOK] ||
	    mnl_attr_parse_nested(tb[NFTA_CHAIN_HOOK], attr_cb, &h) < 0 ||
	    !hook[NFTA_HOOK_HOOKNUM] ||
	    mnl_attr_validate(hook[NFTA_HOOK_HOOKNUM], MNL_TYPE_U32) ||
	    ntohl(mnl_attr_get_u32(hook[NFTA_HOOK_HOOKNUM])) !=
		    NF_INET_FORWARD)
		return MNL_CB_OK;
	table = attr_str(tb[NFTA_CHAIN_TABLE]);
	chain = attr_str(tb[NFTA_CHAIN_NAME]);
	if (!table || !chain)
		return MNL_CB_OK;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 8;
		void *p = realloc(s->chains, cap * sizeof(*s->chains));

		if (!p) {
			s->err = -ENOMEM;
			return MNL_CB_ERROR;
		}
		s->chains = p;
		s->cap = cap;
	}
	c = &s->chains[s->n++];
	memset(c, 0, sizeof(*c));
	c->family = nfg->nfgen_family;
	snprintf(c->table, sizeof(c->table), "%s", table);
	snprintf(c->chain, sizeof(c->chain), "%s", chain);
	c->drop = tb[NFTA_CHAIN_POLICY] &&
		  !mnl_attr_validate(tb[NFTA_CHAIN_POLICY], MNL_TYPE_U32) &&
		  ntohl(mnl_attr_get_u32(tb[NFTA_CHAIN_POLICY])) == NF_DROP;
	return MNL_CB_OK;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NFTA_RULE_MAX + 1] = { 0 };
	struct attrs a = { tb, NFTA_RULE_MAX };
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	struct nft_state *s = data;
	const char *table, *chain;

	if (mnl_attr_parse(nlh, sizeof(*nfg), attr_cb, &a) < 0)
		return MNL_CB_OK;
	table = attr_str(tb[NFTA_RULE_TABLE]);
	chain = attr_str(tb[NFTA_RULE_CHAIN]);
	for (size_t i = 0; table && chain && i < s->n; i++) {
		struct fwd_chain *c = &s->chains[i];

		if (c->family == nfg->nfgen_family &&
		    !strcmp(c->table, table) && !strcmp(c->chain, chain))
			c->rules++;
	}
	return MNL_CB_OK;
}

/*
 * One NFT_MSG_GET* dump of every family through cb. -EINTR when the
 * ruleset changed during the dump (the caller starts over).
 */
static int nft_dump(struct mnl_socket *nl, uint16_t msg, mnl_cb_t cb,
		    struct nft_state *s)
{
	unsigned int seq = (unsigned int)time(NULL), portid;
	char *buf = malloc(DUMP_BUF);
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;
	bool intr = false;
	ssize_t n;
	int ret, rem;

	if (!buf)
		return -ENOMEM;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | msg;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = NFPROTO_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	portid = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, DUMP_BUF);
		if (n < 0) {
			ret = -errno;
			break;
		}
		rem = (int)n;
		for (nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, rem);
		     nlh = mnl_nlmsg_next(nlh, &rem))
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, cb, s);
		if (ret <= 0)
			break;
	}
	if (ret < 0)
		ret = s->err ? s->err : -errno;
	else if (intr)
		ret = -EINTR;
out:
	free(buf);
	return ret;
}

static int nft_forward(char *why, size_t len)
{
	struct nft_state s = { 0 };
	struct mnl_socket *nl;
	int ret = 0, found = 0;

	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl)
		/* No nfnetlink in this kernel: no nf_tables rules either. */
		return errno == EPROTONOSUPPORT ? 0 : -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	for (int i = 0; i < DUMP_TRIES; i++) {
		s.n = 0;
		s.err = 0;
		ret = nft_dump(nl, NFT_MSG_GETCHAIN, chain_cb, &s);
		if (!ret && s.n)
			ret = nft_dump(nl, NFT_MSG_GETRULE, rule_cb, &s);
		if (ret != -EINTR)
			break;
	}
	/* nf_tables not built or not loaded: nothing to bypass. */
	if (ret == -EOPNOTSUPP || ret == -ENOENT)
		ret = 0;
	for (size_t i = 0; !ret && i < s.n; i++) {
		const struct fwd_chain *c = &s.chains[i];
		const char *fam = c->family == NFPROTO_IPV4 ? "ip" :
				  c->family == NFPROTO_IPV6 ? "ip6" :
							      "inet";
		char what[2 * NFT_NAME_MAXLEN + 32];

		if (!c->rules && !c->drop)
			continue;
		snprintf(what, sizeof(what), "nftables %s %s %s", fam,
			 c->table, c->chain);
		say_chain(why, len, what, c->rules, c->drop);
		found = 1;
	}
out:
	free(s.chains);
	mnl_socket_close(nl);
	return ret ? ret : found;
}

/* --- legacy ip_tables / ip6_tables ------------------------------------------ */

/*
 * The offsets of the entry at p: its target and the next entry. The IPv4
 * and IPv6 entries begin with different address matches, so the fields
 * lie at different places; ok is false when the entry does not fit in
 * the size bytes left.
 */
static bool entry_at(int af, const char *p, size_t size, unsigned int *target,
		     unsigned int *next)
{
	if (af == AF_INET) {
		const struct ipt_entry *e = (const void *)p;

		if (size < sizeof(*e))
			return false;
		*target = e->target_offset;
		*next = e->next_offset;
	} else {
		const struct ip6t_entry *e = (const void *)p;

		if (size < sizeof(*e))
			return false;
		*target = e->target_offset;
		*next = e->next_offset;
	}
	return *next && *next <= size && *target < *next;
}

/*
 * The FORWARD chain of one legacy table: its rule count and whether its
 * policy (the entry at its underflow) is DROP. 0, or -errno.
 */
static int legacy_table(int af, const char *name, unsigned int *rules,
			bool *drop)
{
	int level = af == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;
	struct ipt_getinfo info; /* the same layout as ip6t_getinfo */
	struct ipt_get_entries *e = NULL;
	unsigned int off, end, target, next;
	socklen_t sl = sizeof(info);
	int fd, ret = 0;

	_Static_assert(sizeof(struct ipt_getinfo) ==
			       sizeof(struct ip6t_getinfo),
		       "getinfo layouts");
	_Static_assert(sizeof(struct ipt_get_entries) ==
			       sizeof(struct ip6t_get_entries),
		       "get_entries layouts");
	_Static_assert(IPT_SO_GET_INFO == IP6T_SO_GET_INFO, "sockopt");
	_Static_assert(IPT_SO_GET_ENTRIES == IP6T_SO_GET_ENTRIES, "sockopt");
	*rules = 0;
	*drop = false;
	fd = socket(af, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	if (strlen(name) >= sizeof(info.name)) {
		ret = -ENAMETOOLONG;
		goto out;
	}
	memcpy(info.name, name, strlen(name));
	if (getsockopt(fd, level, IPT_SO_GET_INFO, &info, &sl) < 0) {
		ret = errno == ENOENT ? 0 : -errno; /* gone meanwhile */
		goto out;
	}
	if (!(info.valid_hooks & (1U << NF_INET_FORWARD)))
		goto out;
	sl = sizeof(*e) + info.size;
	e = calloc(1, sl);
	if (!e) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(e->name, info.name, sizeof(e->name));
	e->size = info.size;
	if (getsockopt(fd, level, IPT_SO_GET_ENTRIES, e, &sl) < 0) {
		ret = -errno;
		goto out;
	}
	end = info.underflow[NF_INET_FORWARD];
	for (off = info.hook_entry[NF_INET_FORWARD]; off < end; off += next) {
		if (!entry_at(af, (const char *)e->entrytable + off,
			      info.size - off, &target, &next))
			break;
		(*rules)++;
	}
	if (end < info.size &&
	    entry_at(af, (const char *)e->entrytable + end, info.size - end,
		     &target, &next) &&
	    target + sizeof(struct xt_standard_target) <= next) {
		const struct xt_standard_target *t =
			(const void *)((const char *)e->entrytable + end +
				       target);

		*drop = !strcmp(t->target.u.user.name, XT_STANDARD_TARGET) &&
			t->verdict == -NF_DROP - 1;
	}
out:
	free(e);
	close(fd);
	return ret;
}

/* Every table listed in names (a /proc/net/ip*_tables_names file). */
static int legacy_forward(int af, const char *names, const char *tool,
			  char *why, size_t len)
{
	char name[XT_TABLE_MAXNAMELEN + 2];
	int ret = 0, found = 0;
	FILE *f = fopen(names, "re");

	if (!f)
		return errno == ENOENT ? 0 : -errno; /* no legacy tables */
	while (!ret && fgets(name, sizeof(name), f)) {
		unsigned int rules;
		char what[64];
		bool drop;

		name[strcspn(name, "\n")] = '\0';
		if (!name[0])
			continue;
		ret = legacy_table(af, name, &rules, &drop);
		if (ret || (!rules && !drop))
			continue;
		snprintf(what, sizeof(what), "%s %s FORWARD", tool, name);
		say_chain(why, len, what, rules, drop);
		found = 1;
	}
	fclose(f);
	return ret ? ret : found;
}

int wg_netfilter_forward_rules(char *why, size_t len)
{
	int r[3];

	if (len)
		why[0] = '\0';
	r[0] = nft_forward(why, len);
	r[1] = legacy_forward(AF_INET, "/proc/net/ip_tables_names",
			      "iptables-legacy", why, len);
	r[2] = legacy_forward(AF_INET6, "/proc/net/ip6_tables_names",
			      "ip6tables-legacy", why, len);
	for (int i = 0; i < 3; i++)
		if (r[i] < 0)
			return r[i];
	return r[0] || r[1] || r[2];
}

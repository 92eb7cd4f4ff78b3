// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The configuration change: storage with amortised growth (a change may carry
 * thousands of peers and hundreds of thousands of allowed IPs), endpoint and
 * prefix parsing and printing, and the key encodings.
 *
 * The hex and base64 helpers at the bottom are private stand-ins for
 * daemon/keys.h, which is written in parallel; wg_config_key_*() will
 * forward to it once merged.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "keys.h"

/* The host part of an endpoint: hostnames are at most 253 characters. */
#define HOST_MAX 256

void wg_config_init(struct wg_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
}

void wg_config_free(struct wg_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n_peers; i++)
		free(cfg->peers[i].aips);
	if (cfg->peers) {
		wg_wipe(cfg->peers, cfg->cap_peers * sizeof(*cfg->peers));
		free(cfg->peers);
	}
	free(cfg->addrs);
	wg_strv_free(&cfg->quick.dns);
	wg_strv_free(&cfg->quick.dns_search);
	for (i = 0; i < WG_HOOK_COUNT; i++)
		wg_strv_free(&cfg->quick.hooks[i]);
	wg_wipe(cfg, sizeof(*cfg));
}

/*
 * Double an array's capacity. Arrays holding secrets are never realloc()ed:
 * the old block is wiped before it is freed.
 */
static int grow(void **arr, size_t *cap, size_t elem, bool secret)
{
	size_t ncap = *cap ? *cap * 2 : 8;
	void *n;

	if (ncap < *cap || ncap > SIZE_MAX / elem)
		return -ENOMEM;
	if (!secret) {
		n = realloc(*arr, ncap * elem);
		if (!n)
			return -ENOMEM;
	} else {
		n = malloc(ncap * elem);
		if (!n)
			return -ENOMEM;
		if (*arr) {
			memcpy(n, *arr, *cap * elem);
			wg_wipe(*arr, *cap * elem);
			free(*arr);
		}
	}
	*arr = n;
	*cap = ncap;
	return 0;
}

struct wg_peer_change *wg_config_add_peer(struct wg_config *cfg,
					  const uint8_t pub[WG_KEY_LEN])
{
	struct wg_peer_change *p;

	if (cfg->n_peers == cfg->cap_peers &&
	    grow((void **)&cfg->peers, &cfg->cap_peers, sizeof(*p), true))
		return NULL;
	p = &cfg->peers[cfg->n_peers++];
	memset(p, 0, sizeof(*p));
	memcpy(p->public_key, pub, WG_KEY_LEN);
	return p;
}

int wg_config_add_aip(struct wg_peer_change *peer,
		      const struct wg_aip_change *aip)
{
	if (peer->n_aips == peer->cap_aips &&
	    grow((void **)&peer->aips, &peer->cap_aips, sizeof(*aip), false))
		return -ENOMEM;
	peer->aips[peer->n_aips++] = *aip;
	return 0;
}

int wg_config_add_addr(struct wg_config *cfg, const struct wg_prefix *addr)
{
	if (cfg->n_addrs == cfg->cap_addrs &&
	    grow((void **)&cfg->addrs, &cfg->cap_addrs, sizeof(*addr), false))
		return -ENOMEM;
	cfg->addrs[cfg->n_addrs++] = *addr;
	return 0;
}

int wg_strv_add(struct wg_strv *sv, const char *s)
{
	char *copy = strdup(s);

	if (!copy)
		return -ENOMEM;
	if (sv->n == sv->cap &&
	    grow((void **)&sv->v, &sv->cap, sizeof(*sv->v), false)) {
		free(copy);
		return -ENOMEM;
	}
	sv->v[sv->n++] = copy;
	return 0;
}

void wg_strv_free(struct wg_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	memset(sv, 0, sizeof(*sv));
}

bool wg_config_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	unsigned int d;

	if (!s || !*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		d = (unsigned int)(*s - '0');
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static bool parse_num(const char *s, unsigned long max, unsigned long *out)
{
	uint64_t v;

	if (!wg_config_parse_u64(s, max, &v))
		return false;
	*out = (unsigned long)v;
	return true;
}

bool wg_config_parse_fwmark(const char *s, uint32_t *out)
{
	uint64_t n = 0;
	int d;

	if (!strcasecmp(s, "off")) {
		*out = 0;
		return true;
	}
	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) {
		if (!wg_config_parse_u64(s, UINT32_MAX, &n))
			return false;
		*out = (uint32_t)n;
		return true;
	}
	if (!s[2])
		return false;
	for (s += 2; *s; s++) {
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (*s | 0x20) - 'a' + 10;
		else
			return false;
		n = n * 16 + (uint64_t)d;
		if (n > UINT32_MAX)
			return false;
	}
	*out = (uint32_t)n;
	return true;
}

bool wg_config_parse_table(const char *s, enum wg_table_kind *kind,
			   uint32_t *table)
{
	static const struct {
		const char *name;
		uint32_t id;
	} names[] = { { "main", 254 }, { "local", 255 }, { "default", 253 } };
	uint64_t n;

	if (!strcmp(s, "off") || !strcmp(s, "auto")) {
		*kind = s[0] == 'o' ? WG_TABLE_OFF : WG_TABLE_AUTO;
		*table = 0;
		return true;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i].name)) {
			*kind = WG_TABLE_NUM;
			*table = names[i].id;
			return true;
		}
	}
	if (!wg_config_parse_u64(s, UINT32_MAX, &n) || !n)
		return false;
	*kind = WG_TABLE_NUM;
	*table = (uint32_t)n;
	return true;
}

/*
 * A key is 44 base64 or 64 hex characters; so is any useful part of one.
 * A word is hidden when it has a run of 20 or more characters of the
 * base64 alphabet (hex is inside it) with an upper-case letter or at least
 * four digits, or any control character: "10.0.0.1/24", "eth0", "fd00::1",
 * "vpn.example.com", "/etc/wireguard/wg0.key" show; no key, whole or cut
 * to 20 characters, does (a random key lacks both with a chance of about
 * 2^-57; a hex key has four digits but with a chance of 2^-45).
 */
const char *wg_config_safe(const char *s)
{
	size_t run = 0, digits = 0;
	bool upper = false;

	for (const char *p = s;; p++) {
		bool b64 = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			   (*p >= '0' && *p <= '9') || *p == '+' || *p == '/' ||
			   *p == '=';

		if ((unsigned char)*p < 0x20 && *p)
			return "(value not shown)";
		if (b64) {
			run++;
			digits += *p >= '0' && *p <= '9';
			upper |= *p >= 'A' && *p <= 'Z';
			continue;
		}
		if (run >= 20 && (upper || digits >= 4))
			return "(value not shown)";
		if (!*p)
			return s;
		run = digits = 0;
		upper = false;
	}
}

/* "eth0" or "2" as an IPv6 scope; 0 when unknown. */
static uint32_t parse_scope(const char *zone)
{
	unsigned long v;

	if (parse_num(zone, UINT32_MAX, &v))
		return (uint32_t)v;
	return if_nametoindex(zone);
}

/* A numeric address (v6 may carry %zone) and a numeric port. */
static int numeric_endpoint(struct wg_endpoint *ep, const char *host,
			    const char *port, bool v6)
{
	struct wg_endpoint e;
	unsigned long p;
	char buf[HOST_MAX], *zone;

	if (!parse_num(port, 65535, &p) || strlen(host) >= sizeof(buf))
		return -EINVAL;
	memset(&e, 0, sizeof(e));
	strcpy(buf, host);
	if (!v6) {
		if (inet_pton(AF_INET, buf, &e.in4.sin_addr) != 1)
			return -EINVAL;
		e.in4.sin_family = AF_INET;
		e.in4.sin_port = htons((uint16_t)p);
	} else {
		zone = strchr(buf, '%');
		if (zone) {
			*zone++ = '\0';
			e.in6.sin6_scope_id = parse_scope(zone);
			if (!e.in6.sin6_scope_id)
				return -EINVAL;
		}
		if (inet_pton(AF_INET6, buf, &e.in6.sin6_addr) != 1)
			return -EINVAL;
		e.in6.sin6_family = AF_INET6;
		e.in6.sin6_port = htons((uint16_t)p);
	}
	*ep = e;
	return 0;
}

/*
 * Split "host:port" or "[host]:port" into buf; *host and *port point into
 * it. *bracketed tells which form it was.
 */
static int split_endpoint(const char *s, char *buf, size_t len, char **host,
			  char **port, bool *bracketed)
{
	char *end;

	if (!*s || strlen(s) >= len)
		return -EINVAL;
	strcpy(buf, s);
	if (buf[0] == '[') {
		end = strchr(buf, ']');
		if (!end || end[1] != ':' || !end[2])
			return -EINVAL;
		*end = '\0';
		*host = buf + 1;
		*port = end + 2;
		*bracketed = true;
	} else {
		end = strrchr(buf, ':');
		if (!end || !end[1] || end == buf)
			return -EINVAL;
		*end = '\0';
		*host = buf;
		*port = end + 1;
		*bracketed = false;
	}
	if (!**host)
		return -EINVAL;
	return 0;
}

int wg_config_parse_endpoint(struct wg_endpoint *ep, const char *s)
{
	char buf[HOST_MAX + 16], *host, *port;
	bool br;

	if (split_endpoint(s, buf, sizeof(buf), &host, &port, &br))
		return -EINVAL;
	/* wireguard-go: IPv6 only in brackets, IPv4 never in brackets. */
	if (!br && strchr(host, ':'))
		return -EINVAL;
	return numeric_endpoint(ep, host, port, br);
}

/* $WG_ENDPOINT_RESOLUTION_RETRIES as wg reads it: -1 is for ever. */
static long resolution_retries(void)
{
	const char *env = getenv("WG_ENDPOINT_RESOLUTION_RETRIES");
	uint64_t n;

	if (!env)
		return 15;
	if (!strcmp(env, "infinity"))
		return -1;
	if (!wg_config_parse_u64(env, INT32_MAX, &n))
		return 15;
	return (long)n;
}

/* getaddrinfo, retrying transient failures with wg's back-off. */
static int lookup(const char *host, const char *port, struct addrinfo **res)
{
	const struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_DGRAM,
		.ai_protocol = IPPROTO_UDP,
	};
	long retries = resolution_retries();
	unsigned int wait_us = 1000000;
	int ret;

	for (;;) {
		ret = getaddrinfo(host, port, &hints, res);
		if (!ret)
			return 0;
		/*
		 * glibc's permanent failures: no point in asking again (wg
		 * retries EAI_SERVICE too, so "host:-5" waited a minute).
		 */
		if (ret == EAI_NONAME || ret == EAI_FAIL || ret == EAI_SERVICE ||
		    ret == EAI_FAMILY || ret == EAI_SOCKTYPE ||
		    ret == EAI_BADFLAGS ||
#ifdef EAI_NODATA
		    ret == EAI_NODATA ||
#endif
		    (retries >= 0 && !retries--))
			return -EHOSTUNREACH;
		usleep(wait_us);
		wait_us = wait_us * 6 / 5 > 20000000 ? 20000000 :
						       wait_us * 6 / 5;
	}
}

int wg_config_resolve_endpoint(struct wg_endpoint *ep, const char *s)
{
	struct addrinfo *res, *ai;
	char buf[HOST_MAX + 16], *host, *port;
	struct wg_endpoint e;
	unsigned long p;
	bool br;
	int ret;

	if (!wg_config_parse_endpoint(ep, s))
		return 0;
	if (split_endpoint(s, buf, sizeof(buf), &host, &port, &br))
		return -EINVAL;
	/* wg also takes an unbracketed IPv6 address before the last ':'. */
	if (!br && strchr(host, ':'))
		return numeric_endpoint(ep, host, port, true);
	if (parse_num(port, ULONG_MAX, &p) && p > 65535)
		return -EINVAL;
	ret = lookup(host, port, &res);
	if (ret)
		return ret;
	ret = -EHOSTUNREACH;
	for (ai = res; ai; ai = ai->ai_next) {
		if ((ai->ai_family == AF_INET &&
		     ai->ai_addrlen == sizeof(struct sockaddr_in)) ||
		    (ai->ai_family == AF_INET6 &&
		     ai->ai_addrlen == sizeof(struct sockaddr_in6))) {
			memset(&e, 0, sizeof(e));
			memcpy(&e, ai->ai_addr, ai->ai_addrlen);
			*ep = e;
			ret = 0;
			break;
		}
	}
	freeaddrinfo(res);
	return ret;
}

socklen_t wg_config_endpoint_len(const struct wg_endpoint *ep)
{
	switch (ep->sa.sa_family) {
	case AF_INET:
		return sizeof(ep->in4);
	case AF_INET6:
		return sizeof(ep->in6);
	default:
		return 0;
	}
}

static int fit(int n, size_t len)
{
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}

int wg_config_format_endpoint(const struct wg_endpoint *ep, char *buf,
			      size_t len)
{
	char host[INET6_ADDRSTRLEN], zone[IF_NAMESIZE + 12];

	switch (ep->sa.sa_family) {
	case AF_INET:
		inet_ntop(AF_INET, &ep->in4.sin_addr, host, sizeof(host));
		return fit(snprintf(buf, len, "%s:%u", host,
				    ntohs(ep->in4.sin_port)), len);
	case AF_INET6:
		inet_ntop(AF_INET6, &ep->in6.sin6_addr, host, sizeof(host));
		zone[0] = '\0';
		if (ep->in6.sin6_scope_id) {
			char name[IF_NAMESIZE];

			if (if_indextoname(ep->in6.sin6_scope_id, name))
				snprintf(zone, sizeof(zone), "%%%s", name);
			else
				snprintf(zone, sizeof(zone), "%%%u",
					 ep->in6.sin6_scope_id);
		}
		return fit(snprintf(buf, len, "[%s%s]:%u", host, zone,
				    ntohs(ep->in6.sin6_port)), len);
	default:
		return -EAFNOSUPPORT;
	}
}

/* "addr[/cidr]" into a prefix; the host bits are left as given. */
static int parse_prefix(struct wg_prefix *out, const char *s, bool bare_ok)
{
	struct wg_prefix p;
	char buf[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t hlen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long cidr;

	if (!hlen || hlen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, hlen);
	buf[hlen] = '\0';
	memset(&p, 0, sizeof(p));
	p.family = memchr(buf, ':', hlen) ? AF_INET6 : AF_INET;
	if (inet_pton(p.family, buf, p.addr) != 1)
		return -EINVAL;
	if (slash) {
		/* At most three digits: "0024" is refused, as wireguard-go. */
		if (strlen(slash + 1) > 3 ||
		    !parse_num(slash + 1, p.family == AF_INET ? 32 : 128,
			       &cidr))
			return -EINVAL;
	} else if (bare_ok) {
		cidr = p.family == AF_INET ? 32 : 128;
	} else {
		return -EINVAL;
	}
	p.cidr = (uint8_t)cidr;
	*out = p;
	return 0;
}

int wg_config_parse_prefix(struct wg_prefix *p, const char *s)
{
	return parse_prefix(p, s, true);
}

int wg_config_parse_aip(struct wg_aip_change *aip, const char *s,
			unsigned int flags)
{
	struct wg_prefix p;
	bool remove = false;
	unsigned int i, bits;

	if ((flags & WG_AIP_REMOVE) && *s == '-') {
		remove = true;
		s++;
	}
	if (parse_prefix(&p, s, flags & WG_AIP_BARE))
		return -EINVAL;
	/* Clear the host bits, as the kernel does on insertion. */
	for (i = 0; i < 16; i++) {
		bits = p.cidr > i * 8 ? p.cidr - i * 8 : 0;
		if (bits < 8)
			p.addr[i] &= (uint8_t)(0xff00 >> bits);
	}
	aip->family = p.family;
	memcpy(aip->addr, p.addr, sizeof(aip->addr));
	aip->cidr = p.cidr;
	aip->remove = remove;
	return 0;
}

static int format_prefix(int family, const uint8_t *addr, uint8_t cidr,
			 bool remove, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if ((family != AF_INET && family != AF_INET6) ||
	    !inet_ntop(family, addr, host, sizeof(host)))
		return -EAFNOSUPPORT;
	return fit(snprintf(buf, len, "%s%s/%u", remove ? "-" : "", host,
			    cidr), len);
}

int wg_config_format_aip(const struct wg_aip_change *aip, char *buf,
			 size_t len)
{
	return format_prefix(aip->family, aip->addr, aip->cidr, aip->remove,
			     buf, len);
}

int wg_config_format_prefix(const struct wg_prefix *p, char *buf, size_t len)
{
	return format_prefix(p->family, p->addr, p->cidr, false, buf, len);
}

/*
 * Keys in requests and files come as (pointer, length) slices of a line;
 * keys.c decodes NUL-terminated strings in constant time, so copy the slice
 * (when its length is right) and wipe the copy.
 */
static int key_from(uint8_t key[WG_KEY_LEN], const char *s, size_t len,
		    size_t want, int (*decode)(uint8_t *, const char *))
{
	char buf[WG_KEY_HEX_LEN + 1];
	int ret = -EINVAL;

	if (s && len == want) {
		memcpy(buf, s, len);
		buf[len] = '\0';
		ret = decode(key, buf);
		wg_wipe(buf, sizeof(buf));
	}
	if (ret)
		wg_wipe(key, WG_KEY_LEN);
	return ret;
}

int wg_config_key_from_hex(uint8_t key[WG_KEY_LEN], const char *s,
			   size_t len)
{
	return key_from(key, s, len, WG_KEY_HEX_LEN, wg_key_from_hex);
}

void wg_config_key_to_hex(char out[WG_KEY_HEX_LEN + 1],
			  const uint8_t key[WG_KEY_LEN])
{
	wg_key_to_hex(out, key);
}

int wg_config_key_from_base64(uint8_t key[WG_KEY_LEN], const char *s,
			      size_t len)
{
	return key_from(key, s, len, WG_KEY_BASE64_LEN, wg_key_from_base64);
}

void wg_config_key_to_base64(char out[WG_KEY_BASE64_LEN + 1],
			     const uint8_t key[WG_KEY_LEN])
{
	wg_key_to_base64(out, key);
}

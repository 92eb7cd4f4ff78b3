// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Config printing and comparison for the parser harnesses: see fuzz.h. */
#include <stdarg.h>
#include <string.h>

#include "fuzz.h"

char *fz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	FZ_CHECK(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

struct out {
	char *p;
	size_t len, cap;
	bool fail;
};

static void put(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->fail)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		FZ_CHECK(n >= 0);
		if ((size_t)n < o->cap - o->len)
			break;
		o->cap = o->cap * 2 + (size_t)n + 1;
		o->p = realloc(o->p, o->cap);
		if (!o->p) {
			o->fail = true;
			return;
		}
	}
	o->len += (size_t)n;
}

char *fz_config_to_uapi(const struct wg_config *cfg, size_t *len)
{
	struct out o = { .cap = 256 };
	char hex[WG_KEY_HEX_LEN + 1], buf[WG_ENDPOINT_STRLEN];

	o.p = malloc(o.cap);
	if (!o.p)
		return NULL;
	o.p[0] = '\0';
	if (cfg->has_private_key) {
		wg_config_key_to_hex(hex, cfg->private_key);
		put(&o, "private_key=%s\n", hex);
	}
	if (cfg->has_listen_port)
		put(&o, "listen_port=%u\n", cfg->listen_port);
	if (cfg->has_fwmark)
		put(&o, "fwmark=%u\n", cfg->fwmark);
	if (cfg->replace_peers)
		put(&o, "replace_peers=true\n");
	if (cfg->has_debug)
		put(&o, "wgxdp_debug=%d\n", cfg->debug ? 1 : 0);
	for (size_t i = 0; i < cfg->n_peers; i++) {
		const struct wg_peer_change *p = &cfg->peers[i];

		wg_config_key_to_hex(hex, p->public_key);
		put(&o, "public_key=%s\n", hex);
		if (p->update_only)
			put(&o, "update_only=true\n");
		if (p->remove)
			put(&o, "remove=true\n");
		if (p->has_preshared_key) {
			wg_config_key_to_hex(hex, p->preshared_key);
			put(&o, "preshared_key=%s\n", hex);
		}
		if (p->has_endpoint) {
			FZ_CHECK(wg_config_format_endpoint(&p->endpoint, buf,
							   sizeof(buf)) > 0);
			put(&o, "endpoint=%s\n", buf);
		}
		if (p->has_keepalive)
			put(&o, "persistent_keepalive_interval=%u\n",
			    p->persistent_keepalive);
		if (p->replace_allowed_ips)
			put(&o, "replace_allowed_ips=true\n");
		for (size_t j = 0; j < p->n_aips; j++) {
			FZ_CHECK(wg_config_format_aip(&p->aips[j], buf,
						      sizeof(buf)) > 0);
			put(&o, "allowed_ip=%s\n", buf);
		}
		if (p->protocol_version)
			put(&o, "protocol_version=%u\n", p->protocol_version);
	}
	put(&o, "\n");
	wg_wipe(hex, sizeof(hex));
	if (o.fail)
		return NULL;
	*len = o.len;
	return o.p;
}

bool fz_endpoint_eq(const struct wg_endpoint *a, const struct wg_endpoint *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->in4.sin_port == b->in4.sin_port &&
		       a->in4.sin_addr.s_addr == b->in4.sin_addr.s_addr;
	if (a->sa.sa_family == AF_INET6)
		return a->in6.sin6_port == b->in6.sin6_port &&
		       !memcmp(&a->in6.sin6_addr, &b->in6.sin6_addr, 16) &&
		       a->in6.sin6_scope_id == b->in6.sin6_scope_id;
	return true;
}

static bool aip_eq(const struct wg_aip_change *a,
		   const struct wg_aip_change *b)
{
	return a->family == b->family && a->cidr == b->cidr &&
	       a->remove == b->remove && !memcmp(a->addr, b->addr, 16);
}

static bool peer_eq(const struct wg_peer_change *a,
		    const struct wg_peer_change *b)
{
	if (memcmp(a->public_key, b->public_key, WG_KEY_LEN) ||
	    a->remove != b->remove || a->update_only != b->update_only ||
	    a->has_preshared_key != b->has_preshared_key ||
	    a->has_endpoint != b->has_endpoint ||
	    a->has_keepalive != b->has_keepalive ||
	    a->replace_allowed_ips != b->replace_allowed_ips ||
	    a->protocol_version != b->protocol_version ||
	    a->n_aips != b->n_aips)
		return false;
	if (a->has_preshared_key &&
	    memcmp(a->preshared_key, b->preshared_key, WG_KEY_LEN))
		return false;
	if (a->has_endpoint && !fz_endpoint_eq(&a->endpoint, &b->endpoint))
		return false;
	if (a->has_keepalive &&
	    a->persistent_keepalive != b->persistent_keepalive)
		return false;
	for (size_t i = 0; i < a->n_aips; i++)
		if (!aip_eq(&a->aips[i], &b->aips[i]))
			return false;
	return true;
}

bool fz_config_eq(const struct wg_config *a, const struct wg_config *b)
{
	if (a->has_private_key != b->has_private_key ||
	    a->has_listen_port != b->has_listen_port ||
	    a->has_fwmark != b->has_fwmark ||
	    a->replace_peers != b->replace_peers ||
	    a->has_debug != b->has_debug || a->n_peers != b->n_peers)
		return false;
	if (a->has_private_key &&
	    memcmp(a->private_key, b->private_key, WG_KEY_LEN))
		return false;
	if (a->has_listen_port && a->listen_port != b->listen_port)
		return false;
	if (a->has_fwmark && a->fwmark != b->fwmark)
		return false;
	if (a->has_debug && a->debug != b->debug)
		return false;
	for (size_t i = 0; i < a->n_peers; i++)
		if (!peer_eq(&a->peers[i], &b->peers[i]))
			return false;
	return true;
}

bool fz_config_empty(const struct wg_config *cfg)
{
	return !cfg->has_private_key && !cfg->has_listen_port &&
	       !cfg->has_fwmark && !cfg->replace_peers && !cfg->has_debug &&
	       !cfg->peers && !cfg->n_peers && !cfg->addrs &&
	       !cfg->n_addrs && !cfg->has_mtu && !cfg->quick.has_table &&
	       !cfg->quick.save_config && !cfg->quick.dns.v &&
	       !cfg->quick.dns_search.v && !cfg->quick.hooks[0].v &&
	       !cfg->quick.hooks[1].v && !cfg->quick.hooks[2].v &&
	       !cfg->quick.hooks[3].v &&
	       wg_is_zero(cfg->private_key, WG_KEY_LEN);
}

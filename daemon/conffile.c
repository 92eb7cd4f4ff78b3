// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The wg-quick file parser. Lines are read as `wg` reads them: everything
 * from '#' on is a comment, all whitespace is dropped (so "Key = a, b" is
 * "Key=a,b"), section names and keys compare case-insensitively, and an
 * unknown key is an error. Error messages name the line and the offending
 * value, except for keys, which are never echoed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conffile.h"

enum section { SEC_NONE, SEC_IFACE, SEC_PEER };

struct ctx {
	struct wg_config *cfg;
	struct wg_conffile_err *err;
	unsigned int line;
	enum section sec;
	bool peer_has_key;		/* the current [Peer] had PublicKey */
	unsigned int peer_line;		/* where the current [Peer] began */
};

static int __attribute__((format(printf, 2, 3)))
fail(struct ctx *x, const char *fmt, ...)
{
	va_list ap;
	int n;

	x->err->line = x->line;
	n = snprintf(x->err->msg, sizeof(x->err->msg), "line %u: ", x->line);
	if (n < 0 || (size_t)n >= sizeof(x->err->msg))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(x->err->msg + n, sizeof(x->err->msg) - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Decimal 0..max, digits only. */
static bool num(const char *v, unsigned long max, unsigned long *out)
{
	unsigned long n = 0;

	if (!*v)
		return false;
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return false;
		n = n * 10 + (unsigned long)(*v - '0');
		if (n > max)
			return false;
	}
	*out = n;
	return true;
}

/* "off", decimal, or 0x-prefixed hex, as `wg` takes a fwmark. */
static bool fwmark(const char *v, uint32_t *out)
{
	unsigned long n = 0;
	int d;

	if (!strcasecmp(v, "off")) {
		*out = 0;
		return true;
	}
	if (v[0] != '0' || (v[1] != 'x' && v[1] != 'X') || !v[2]) {
		if (!num(v, UINT32_MAX, &n))
			return false;
		*out = (uint32_t)n;
		return true;
	}
	for (v += 2; *v; v++) {
		if (*v >= '0' && *v <= '9')
			d = *v - '0';
		else if ((*v | 0x20) >= 'a' && (*v | 0x20) <= 'f')
			d = (*v | 0x20) - 'a' + 10;
		else
			return false;
		n = n * 16 + (unsigned long)d;
		if (n > UINT32_MAX)
			return false;
	}
	*out = (uint32_t)n;
	return true;
}

static int key(struct ctx *x, uint8_t k[WG_KEY_LEN], const char *name,
	       const char *v)
{
	if (wg_config_key_from_base64(k, v, strlen(v)))
		return fail(x, "invalid %s (not a 44-character base64 key)",
			    name);
	return 0;
}

/* Split a comma-separated list; each entry must be non-empty. */
static int each(struct ctx *x, const char *name, char *v,
		int (*fn)(struct ctx *x, const char *item))
{
	char *item, *comma;
	int ret;

	for (item = v;; item = comma + 1) {
		comma = strchr(item, ',');
		if (comma)
			*comma = '\0';
		if (!*item)
			return fail(x, "empty entry in %s", name);
		ret = fn(x, item);
		if (ret)
			return ret;
		if (!comma)
			return 0;
	}
}

static int add_addr(struct ctx *x, const char *item)
{
	struct wg_prefix p;

	if (wg_config_parse_prefix(&p, item))
		return fail(x, "invalid Address '%s'", item);
	if (wg_config_add_addr(x->cfg, &p))
		return -ENOMEM;
	return 0;
}

static int add_aip(struct ctx *x, const char *item)
{
	struct wg_aip_change aip;

	if (wg_config_parse_aip(&aip, item, WG_AIP_BARE))
		return fail(x, "invalid AllowedIPs '%s'", item);
	if (wg_config_add_aip(&x->cfg->peers[x->cfg->n_peers - 1], &aip))
		return -ENOMEM;
	return 0;
}

static const struct {
	const char *name;
	unsigned int flag;
} wgquick_only[] = {
	{ "DNS", WG_CONF_DNS },
	{ "Table", WG_CONF_TABLE },
	{ "PreUp", WG_CONF_PREUP },
	{ "PostUp", WG_CONF_POSTUP },
	{ "PreDown", WG_CONF_PREDOWN },
	{ "PostDown", WG_CONF_POSTDOWN },
	{ "SaveConfig", WG_CONF_SAVECONFIG },
};

static int iface_key(struct ctx *x, const char *k, char *v)
{
	struct wg_config *cfg = x->cfg;
	unsigned long n;
	size_t i;

	if (!strcasecmp(k, "PrivateKey"))
		return key(x, cfg->private_key, "PrivateKey", v);
	if (!strcasecmp(k, "ListenPort")) {
		if (!num(v, 65535, &n))
			return fail(x, "invalid ListenPort '%s'", v);
		cfg->listen_port = (uint16_t)n;
		return 0;
	}
	if (!strcasecmp(k, "FwMark")) {
		if (!fwmark(v, &cfg->fwmark))
			return fail(x, "invalid FwMark '%s'", v);
		if (cfg->fwmark)
			cfg->unsupported |= WG_CONF_FWMARK;
		else
			cfg->unsupported &= ~(unsigned int)WG_CONF_FWMARK;
		return 0;
	}
	if (!strcasecmp(k, "Address"))
		return each(x, "Address", v, add_addr);
	if (!strcasecmp(k, "MTU")) {
		if (!num(v, 65535, &n) || n < 68)
			return fail(x, "invalid MTU '%s'", v);
		cfg->mtu = (uint32_t)n;
		cfg->has_mtu = true;
		return 0;
	}
	for (i = 0; i < sizeof(wgquick_only) / sizeof(wgquick_only[0]); i++) {
		if (!strcasecmp(k, wgquick_only[i].name)) {
			cfg->unsupported |= wgquick_only[i].flag;
			return 0;
		}
	}
	return fail(x, "unknown key '%s' in [Interface]", k);
}

static int peer_key(struct ctx *x, const char *k, char *v)
{
	struct wg_peer_change *p = &x->cfg->peers[x->cfg->n_peers - 1];
	unsigned long n;
	int ret;

	if (!strcasecmp(k, "PublicKey")) {
		ret = key(x, p->public_key, "PublicKey", v);
		if (!ret)
			x->peer_has_key = true;
		return ret;
	}
	if (!strcasecmp(k, "PresharedKey")) {
		ret = key(x, p->preshared_key, "PresharedKey", v);
		if (!ret)
			p->has_preshared_key = true;
		return ret;
	}
	if (!strcasecmp(k, "Endpoint")) {
		ret = wg_config_resolve_endpoint(&p->endpoint, v);
		if (ret == -EHOSTUNREACH)
			return fail(x, "cannot resolve Endpoint '%s'", v);
		if (ret)
			return fail(x, "invalid Endpoint '%s'", v);
		p->has_endpoint = true;
		return 0;
	}
	if (!strcasecmp(k, "AllowedIPs"))
		return each(x, "AllowedIPs", v, add_aip);
	if (!strcasecmp(k, "PersistentKeepalive")) {
		if (!strcasecmp(v, "off"))
			n = 0;
		else if (!num(v, 65535, &n))
			return fail(x, "invalid PersistentKeepalive '%s'", v);
		p->persistent_keepalive = (uint16_t)n;
		p->has_keepalive = true;
		return 0;
	}
	return fail(x, "unknown key '%s' in [Peer]", k);
}

/* The [Peer] that is ending must have had a PublicKey. */
static int end_peer(struct ctx *x)
{
	if (x->sec != SEC_PEER || x->peer_has_key)
		return 0;
	x->line = x->peer_line;
	return fail(x, "[Peer] has no PublicKey");
}

static int section(struct ctx *x, const char *s)
{
	static const uint8_t zero[WG_KEY_LEN];
	struct wg_peer_change *p;
	int ret;

	ret = end_peer(x);
	if (ret)
		return ret;
	if (!strcasecmp(s, "[Interface]")) {
		x->sec = SEC_IFACE;
		return 0;
	}
	if (!strcasecmp(s, "[Peer]")) {
		p = wg_config_add_peer(x->cfg, zero);
		if (!p)
			return -ENOMEM;
		p->replace_allowed_ips = true;
		x->sec = SEC_PEER;
		x->peer_has_key = false;
		x->peer_line = x->line;
		return 0;
	}
	return fail(x, "unknown section '%s'", s);
}

/* One line, comment cut and whitespace dropped; empty lines never come. */
static int line(struct ctx *x, char *s)
{
	char *eq;

	if (s[0] == '[')
		return section(x, s);
	eq = strchr(s, '=');
	if (!eq)
		return fail(x, "expected Key = Value");
	*eq = '\0';
	if (!*s)
		return fail(x, "missing key before '='");
	if (!eq[1])
		return fail(x, "missing value for %s", s);
	switch (x->sec) {
	case SEC_IFACE:
		return iface_key(x, s, eq + 1);
	case SEC_PEER:
		return peer_key(x, s, eq + 1);
	default:
		return fail(x, "'%s' outside of a section", s);
	}
}

int wg_conffile_parse(struct wg_config *cfg, const char *text, size_t len,
		      struct wg_conffile_err *err)
{
	struct ctx x = { .cfg = cfg, .err = err };
	size_t pos = 0, end, n, i;
	const char *nl;
	char *buf;
	int ret = 0;

	wg_config_init(cfg);
	err->line = 0;
	err->msg[0] = '\0';
	buf = malloc(len + 1);
	if (!buf) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -ENOMEM;
	}
	while (pos < len && !ret) {
		x.line++;
		nl = memchr(text + pos, '\n', len - pos);
		end = nl ? (size_t)(nl - text) : len;
		for (i = pos, n = 0; i < end && text[i] != '#' && !ret; i++) {
			switch (text[i]) {
			case ' ': case '\t': case '\r': case '\v': case '\f':
				break;
			case '\0':
				ret = fail(&x, "NUL byte");
				break;
			default:
				buf[n++] = text[i];
			}
		}
		buf[n] = '\0';
		if (!ret && n)
			ret = line(&x, buf);
		wg_wipe(buf, n);
		pos = end + 1;
	}
	if (!ret)
		ret = end_peer(&x);
	wg_wipe(buf, len + 1);
	free(buf);
	if (ret) {
		if (ret == -ENOMEM)
			snprintf(err->msg, sizeof(err->msg), "out of memory");
		wg_config_free(cfg);
		return ret;
	}
	/* `wg setconf`: the file is the whole configuration. */
	cfg->replace_peers = true;
	cfg->has_private_key = true;
	cfg->has_listen_port = true;
	cfg->has_fwmark = true;
	return 0;
}

int wg_conffile_load(struct wg_config *cfg, const char *path,
		     struct wg_conffile_err *err)
{
	struct stat st;
	char *text;
	size_t got = 0;
	ssize_t n;
	int fd, ret;

	wg_config_init(cfg);
	err->line = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err->msg, sizeof(err->msg), "%s: %s", path,
			 strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		snprintf(err->msg, sizeof(err->msg), "%s: %s", path,
			 strerror(-ret));
		goto err_fd;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)WG_CONFFILE_MAX) {
		ret = S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
		snprintf(err->msg, sizeof(err->msg),
			 "%s: not a regular file of at most %u bytes", path,
			 WG_CONFFILE_MAX);
		goto err_fd;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		ret = -ENOMEM;
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		goto err_fd;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, text + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			snprintf(err->msg, sizeof(err->msg), "%s: %s", path,
				 strerror(-ret));
			goto err_text;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	ret = wg_conffile_parse(cfg, text, got, err);
	wg_wipe(text, (size_t)st.st_size + 1);
	free(text);
	return ret;

err_text:
	wg_wipe(text, (size_t)st.st_size + 1);
	free(text);
err_fd:
	close(fd);
	return ret;
}

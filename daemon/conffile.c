// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The wg-quick file parser. Lines are read as `wg` reads them: everything
 * from '#' on is a comment, all whitespace is dropped (so "Key = a, b" is
 * "Key=a,b"), section names and keys compare case-insensitively, and an
 * unknown key is an error. The hook keys (PreUp, PostUp, PreDown, PostDown)
 * keep their inner whitespace: their value is the raw text after the first
 * '=', trimmed, as wg-quick reads it. Error messages name the line and the
 * key, never a value: any value may be a key pasted in the wrong place.
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
#include <arpa/inet.h>

#include "conffile.h"
#include "netlink.h"

enum section { SEC_NONE, SEC_IFACE, SEC_PEER };

struct ctx {
	struct wg_config *cfg;
	const char *raw;		/* the current line up to its comment */
	size_t raw_len;
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

static bool num(const char *v, unsigned long max, unsigned long *out)
{
	uint64_t n;

	if (!wg_config_parse_u64(v, max, &n))
		return false;
	*out = (unsigned long)n;
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
		return fail(x, "invalid Address (not an IP address with an "
			    "optional /prefix)");
	if (wg_config_add_addr(x->cfg, &p))
		return -ENOMEM;
	return 0;
}

static int add_aip(struct ctx *x, const char *item)
{
	struct wg_aip_change aip;

	if (wg_config_parse_aip(&aip, item, WG_AIP_BARE))
		return fail(x, "invalid AllowedIPs (not an IP address with an "
			    "optional /prefix)");
	if (wg_config_add_aip(&x->cfg->peers[x->cfg->n_peers - 1], &aip))
		return -ENOMEM;
	return 0;
}

/*
 * DNS: each word that looks like an address (digits and dots, or a ':')
 * is a nameserver, as wg-quick splits them; any other is a search domain.
 */
static int add_dns(struct ctx *x, const char *item)
{
	struct wg_quick *q = &x->cfg->quick;
	uint8_t buf[16];
	bool addr = strspn(item, "0123456789.") == strlen(item) ||
		    strchr(item, ':');

	if (addr) {
		if (inet_pton(strchr(item, ':') ? AF_INET6 : AF_INET, item,
			      buf) != 1)
			return fail(x, "invalid DNS (not an IP address)");
		return wg_strv_add(&q->dns, item);
	}
	if (strlen(item) > 253 ||
	    strspn(item, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789-._") != strlen(item))
		return fail(x, "invalid DNS (not an address or a domain)");
	return wg_strv_add(&q->dns_search, item);
}

static const char *const hook_names[WG_HOOK_COUNT] = {
	[WG_HOOK_PRE_UP] = "PreUp",
	[WG_HOOK_POST_UP] = "PostUp",
	[WG_HOOK_PRE_DOWN] = "PreDown",
	[WG_HOOK_POST_DOWN] = "PostDown",
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* A hook: the raw text after the first '=', trimmed, as wg-quick has it. */
static int add_hook(struct ctx *x, enum wg_hook h)
{
	const char *v = memchr(x->raw, '=', x->raw_len);
	const char *end = x->raw + x->raw_len;
	char *cmd;
	int ret;

	if (!v)
		return fail(x, "expected Key = Value");
	for (v++; v < end && is_space(*v); v++)
		;
	while (end > v && is_space(end[-1]))
		end--;
	cmd = strndup(v, (size_t)(end - v));
	if (!cmd)
		return -ENOMEM;
	ret = wg_strv_add(&x->cfg->quick.hooks[h], cmd);
	free(cmd);
	return ret;
}

static int iface_key(struct ctx *x, const char *k, char *v)
{
	struct wg_config *cfg = x->cfg;
	struct wg_quick *q = &cfg->quick;
	unsigned long n;

	if (!strcasecmp(k, "PrivateKey"))
		return key(x, cfg->private_key, "PrivateKey", v);
	if (!strcasecmp(k, "ListenPort")) {
		if (!num(v, 65535, &n))
			return fail(x, "invalid ListenPort (not a number from "
				    "0 to 65535)");
		cfg->listen_port = (uint16_t)n;
		return 0;
	}
	if (!strcasecmp(k, "FwMark")) {
		if (!wg_config_parse_fwmark(v, &cfg->fwmark))
			return fail(x, "invalid FwMark (not off, a number or "
				    "0x hex)");
		return 0;
	}
	if (!strcasecmp(k, "Address"))
		return each(x, "Address", v, add_addr);
	if (!strcasecmp(k, "MTU")) {
		if (!num(v, 65535, &n) || n < 68)
			return fail(x, "invalid MTU (not a number from 68 to "
				    "65535)");
		cfg->mtu = (uint32_t)n;
		cfg->has_mtu = true;
		return 0;
	}
	if (!strcasecmp(k, "DNS"))
		return each(x, "DNS", v, add_dns);
	if (!strcasecmp(k, "Table")) {
		if (!wg_config_parse_table(v, &q->table_kind, &q->table))
			return fail(x, "invalid Table (not off, auto or a "
				    "number)");
		q->has_table = true;
		return 0;
	}
	if (!strcasecmp(k, "SaveConfig")) {
		if (strcmp(v, "true") && strcmp(v, "false"))
			return fail(x, "invalid SaveConfig (neither true nor "
				    "false)");
		q->save_config = v[0] == 't';
		return 0;
	}
	for (unsigned int h = 0; h < WG_HOOK_COUNT; h++)
		if (!strcasecmp(k, hook_names[h]))
			return add_hook(x, (enum wg_hook)h);
	return fail(x, "unknown key '%s' in [Interface]", wg_config_safe(k));
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
			return fail(x, "cannot resolve Endpoint");
		if (ret)
			return fail(x, "invalid Endpoint (not host:port or "
				    "[v6]:port)");
		p->has_endpoint = true;
		return 0;
	}
	if (!strcasecmp(k, "AllowedIPs"))
		return each(x, "AllowedIPs", v, add_aip);
	if (!strcasecmp(k, "PersistentKeepalive")) {
		if (!strcasecmp(v, "off"))
			n = 0;
		else if (!num(v, 65535, &n))
			return fail(x, "invalid PersistentKeepalive (not off "
				    "or a number from 0 to 65535)");
		p->persistent_keepalive = (uint16_t)n;
		p->has_keepalive = true;
		return 0;
	}
	return fail(x, "unknown key '%s' in [Peer]", wg_config_safe(k));
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
	return fail(x, "unknown section '%s'", wg_config_safe(s));
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
		return fail(x, "missing value for %s", wg_config_safe(s));
	switch (x->sec) {
	case SEC_IFACE:
		return iface_key(x, s, eq + 1);
	case SEC_PEER:
		return peer_key(x, s, eq + 1);
	default:
		return fail(x, "'%s' outside of a section", wg_config_safe(s));
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
		x.raw = text + pos;
		x.raw_len = end - pos;
		if (memchr(x.raw, '#', x.raw_len))
			x.raw_len = (size_t)((const char *)memchr(x.raw, '#',
								  x.raw_len) -
					     x.raw);
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

/*
 * Read all of fd (a file, or a pipe such as bash's <(...)) into *text, at
 * most WG_CONFFILE_MAX bytes. The buffer holds keys: it grows by copying
 * and wiping, never by realloc(). 0 or -errno (-EFBIG when too large).
 */
static int read_all(int fd, size_t hint, char **text, size_t *len,
		    size_t *cap)
{
	size_t got = 0, size = hint + 1 > 4096 ? hint + 1 : 4096;
	char *buf = malloc(size), *grown;
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (got == size) {
			if (size > WG_CONFFILE_MAX)
				goto err_big;
			grown = malloc(size * 2);
			if (!grown)
				goto err_nomem;
			memcpy(grown, buf, got);
			wg_wipe(buf, size);
			free(buf);
			buf = grown;
			size *= 2;
		}
		n = read(fd, buf + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			n = -errno;
			wg_wipe(buf, size);
			free(buf);
			return (int)n;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got > WG_CONFFILE_MAX)
		goto err_big;
	*text = buf;
	*len = got;
	*cap = size;
	return 0;
err_big:
	wg_wipe(buf, size);
	free(buf);
	return -EFBIG;
err_nomem:
	wg_wipe(buf, size);
	free(buf);
	return -ENOMEM;
}

int wg_conffile_load(struct wg_config *cfg, const char *path,
		     struct wg_conffile_err *err)
{
	size_t len = 0, cap = 0;
	char *text = NULL;
	struct stat st;
	int fd, ret;

	wg_config_init(cfg);
	err->line = 0;
	err->msg[0] = '\0';
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
		goto out_fd;
	}
	/* A file or a pipe (bash's <(...)); not a directory or a device. */
	if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
		ret = -EINVAL;
		snprintf(err->msg, sizeof(err->msg),
			 "%s: not a file or a pipe", path);
		goto out_fd;
	}
	ret = read_all(fd, S_ISREG(st.st_mode) ? (size_t)st.st_size : 0, &text,
		       &len, &cap);
	if (ret == -EFBIG)
		snprintf(err->msg, sizeof(err->msg),
			 "%s: larger than %u bytes", path, WG_CONFFILE_MAX);
	else if (ret)
		snprintf(err->msg, sizeof(err->msg), "%s: %s", path,
			 strerror(-ret));
	if (ret)
		goto out_fd;
	close(fd);
	ret = wg_conffile_parse(cfg, text, len, err);
	wg_wipe(text, cap);
	free(text);
	return ret;

out_fd:
	close(fd);
	return ret;
}

/* --- strip and save ----------------------------------------------------- */

static const char *const quick_keys[] = {
	"Address", "MTU", "DNS", "Table", "PreUp", "PreDown", "PostUp",
	"PostDown", "SaveConfig",
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

/* Is [s, e) a key wg-quick takes out of [Interface]? */
static bool quick_key(const char *s, const char *e)
{
	const char *hash = memchr(s, '#', (size_t)(e - s));
	const char *eq;

	if (hash)
		e = hash;
	eq = memchr(s, '=', (size_t)(e - s));
	if (eq)
		e = eq;
	while (s < e && is_blank(*s))
		s++;
	while (e > s && is_blank(e[-1]))
		e--;
	for (size_t i = 0; i < sizeof(quick_keys) / sizeof(quick_keys[0]); i++)
		if (strlen(quick_keys[i]) == (size_t)(e - s) &&
		    !strncasecmp(s, quick_keys[i], (size_t)(e - s)))
			return true;
	return false;
}

/* Does the line's key (before any '#' and '=') start with '['? */
static bool section_line(const char *s, const char *e, bool *iface)
{
	while (s < e && is_blank(*s))
		s++;
	if (s == e || *s != '[')
		return false;
	{
		const char *k = s, *ke = e, *cut = memchr(k, '#', (size_t)(e - k));

		if (cut)
			ke = cut;
		cut = memchr(k, '=', (size_t)(ke - k));
		if (cut)
			ke = cut;
		while (ke > k && is_blank(ke[-1]))
			ke--;
		*iface = ke - k == 11 && !strncasecmp(k, "[Interface]", 11);
	}
	return true;
}

int wg_conffile_strip(struct wg_uapi_buf *out, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl, *s, *e;
	bool in_iface = false, iface;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		e = nl ? nl : end;
		/* bash's `read -r line` drops the blanks around a line. */
		for (s = p; s < e && (*s == ' ' || *s == '\t'); s++)
			;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (section_line(s, e, &iface))
			in_iface = iface;
		if (!(in_iface && quick_key(s, e)) &&
		    wg_uapi_printf(out, "%.*s\n", (int)(e - s), s))
			return -ENOMEM;
		p = nl ? nl + 1 : end;
	}
	/* wg-quick prints the kept lines with echo: one more newline. */
	return wg_uapi_printf(out, "\n");
}

static int put_key64(struct wg_uapi_buf *out, const char *name,
		     const uint8_t key[WG_KEY_LEN])
{
	char b64[WG_KEY_BASE64_LEN + 1];
	int ret;

	wg_config_key_to_base64(b64, key);
	ret = wg_uapi_printf(out, "%s = %s\n", name, b64);
	wg_wipe(b64, sizeof(b64));
	return ret;
}

/* wg-quick's extra [Interface] lines, in save_config's order. */
static int quick_lines(struct wg_uapi_buf *out, const struct wg_config *x)
{
	const struct wg_quick *q = &x->quick;
	char buf[WG_PREFIX_STRLEN];
	int ret = 0;

	for (size_t i = 0; !ret && i < x->n_addrs; i++)
		if (wg_config_format_prefix(&x->addrs[i], buf, sizeof(buf)) > 0)
			ret = wg_uapi_printf(out, "Address = %s\n", buf);
	for (size_t i = 0; !ret && i < q->dns.n; i++)
		ret = wg_uapi_printf(out, "DNS = %s\n", q->dns.v[i]);
	for (size_t i = 0; !ret && i < q->dns_search.n; i++)
		ret = wg_uapi_printf(out, "DNS = %s\n", q->dns_search.v[i]);
	if (!ret && x->has_mtu)
		ret = wg_uapi_printf(out, "MTU = %u\n", x->mtu);
	if (!ret && q->has_table) {
		if (q->table_kind == WG_TABLE_NUM)
			ret = wg_uapi_printf(out, "Table = %u\n", q->table);
		else
			ret = wg_uapi_printf(out, "Table = %s\n",
					     q->table_kind == WG_TABLE_OFF ?
						     "off" : "auto");
	}
	if (!ret && q->save_config)
		ret = wg_uapi_printf(out, "SaveConfig = true\n");
	for (unsigned int h = 0; h < WG_HOOK_COUNT; h++)
		for (size_t i = 0; !ret && i < q->hooks[h].n; i++)
			ret = wg_uapi_printf(out, "%s = %s\n", hook_names[h],
					     q->hooks[h].v[i]);
	return ret;
}

/* `wg showconf` of one peer. */
static int peer_lines(struct wg_uapi_buf *out, const struct wg_peer_info *p)
{
	char buf[WG_ENDPOINT_STRLEN];
	int ret;

	ret = wg_uapi_printf(out, "[Peer]\n");
	if (!ret)
		ret = put_key64(out, "PublicKey", p->public_key);
	if (!ret && !wg_is_zero(p->preshared_key, WG_KEY_LEN))
		ret = put_key64(out, "PresharedKey", p->preshared_key);
	for (size_t j = 0; !ret && j < p->n_aips; j++) {
		if (wg_config_format_prefix(&p->aips[j], buf, sizeof(buf)) < 0)
			continue;
		ret = wg_uapi_printf(out, "%s%s%s", j ? ", " : "AllowedIPs = ",
				     buf, j + 1 == p->n_aips ? "\n" : "");
	}
	if (!ret && wg_config_format_endpoint(&p->endpoint, buf,
					      sizeof(buf)) > 0)
		ret = wg_uapi_printf(out, "Endpoint = %s\n", buf);
	if (!ret && p->persistent_keepalive)
		ret = wg_uapi_printf(out, "PersistentKeepalive = %u\n",
				     p->persistent_keepalive);
	return ret;
}

int wg_conffile_format(struct wg_uapi_buf *out,
		       const struct wg_device_info *info,
		       const struct wg_config *extra)
{
	size_t start = out->len;
	int ret;

	ret = wg_uapi_printf(out, "[Interface]\n");
	if (!ret)
		ret = quick_lines(out, extra);
	if (!ret && info->listen_port)
		ret = wg_uapi_printf(out, "ListenPort = %u\n",
				     info->listen_port);
	if (!ret && info->fwmark)
		ret = wg_uapi_printf(out, "FwMark = 0x%x\n", info->fwmark);
	if (!ret && info->has_private_key &&
	    !wg_is_zero(info->private_key, WG_KEY_LEN))
		ret = put_key64(out, "PrivateKey", info->private_key);
	for (size_t i = 0; !ret && i < info->n_peers; i++) {
		ret = wg_uapi_printf(out, "\n");
		if (!ret)
			ret = peer_lines(out, &info->peers[i]);
	}
	if (ret) {
		wg_wipe(out->data + start, out->len - start);
		out->len = start;
	}
	return ret;
}

int wg_conffile_write(const char *path, const char *text, size_t len)
{
	char tmp[4096];
	size_t off = 0;
	ssize_t n;
	int fd, ret = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0)
		return -errno;
	/* An old .tmp may have had another mode: 0600 whatever umask says. */
	if (fchmod(fd, 0600))
		ret = -errno;
	while (!ret && off < len) {
		n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			ret = -errno;
		else
			off += (size_t)n;
	}
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

static int add_live_addr(void *ctx, int ifindex, const struct wg_nl_ip *ip,
			 unsigned int prefixlen)
{
	struct wg_prefix p = { .family = ip->family,
			       .cidr = (uint8_t)prefixlen };

	(void)ifindex;
	memcpy(p.addr, &ip->v6, ip->family == AF_INET6 ? 16 : 4);
	return wg_config_add_addr(ctx, &p);
}

int wg_conffile_save(const char *path, const struct wg_device_info *info,
		     const struct wg_quick *q, bool had_mtu, int ifindex)
{
	struct wg_uapi_buf out = { 0 };
	struct wg_config extra;
	struct wg_nl_link link;
	struct wg_nl *nl = NULL;
	int ret;

	wg_config_init(&extra);
	extra.quick = *q; /* borrowed: not freed here */
	ret = wg_nl_open(&nl);
	if (!ret)
		ret = wg_nl_addr_dump(nl, ifindex, AF_UNSPEC, add_live_addr,
				      &extra);
	if (!ret && had_mtu && !wg_nl_link_get(nl, ifindex, &link)) {
		extra.has_mtu = true;
		extra.mtu = link.mtu;
	}
	if (!ret)
		ret = wg_conffile_format(&out, info, &extra);
	if (!ret)
		ret = wg_conffile_write(path, out.data, out.len);
	wg_uapi_buf_free(&out);
	memset(&extra.quick, 0, sizeof(extra.quick));
	wg_config_free(&extra);
	wg_nl_close(nl);
	return ret;
}

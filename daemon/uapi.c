// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The userspace API: the `set` parser, the `get` writer and the control
 * socket server.
 *
 * Errors follow wireguard-go's device/uapi.go: a line without '=' is
 * -EPROTO; an unknown key, a key in the wrong place (a device key after a
 * public_key, a peer key before one) or a bad value is -EINVAL; a line too
 * long to read is -EIO. The reply is "errno=%d" of that negative number,
 * which `wg` (ipc-uapi.h) turns back into errno. Unlike wireguard-go, which
 * applies lines as it reads them, nothing is applied until the blank line:
 * a request cut short changes nothing.
 *
 * The server nests its own epoll set inside the caller's, so one readiness
 * event in the caller's loop means "call wg_uapi_process()". Each client
 * has a bounded input buffer and one output buffer; while a reply is being
 * written the client's input is not read (so a client that never reads
 * cannot make us queue replies), and the reply is sent as the socket
 * drains.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "uapi.h"

/* Per-client input buffer: room for a longest line and then some. */
#define IN_CAP (4 * (WG_UAPI_LINE_MAX + 1))
/* Bytes handed to one send(): keeps each call short. */
#define SEND_CHUNK (256 * 1024)
#define EVENTS_PER_CALL 64
#define ACCEPTS_PER_CALL 32

/* Buffers */

void wg_uapi_buf_free(struct wg_uapi_buf *buf)
{
	if (buf->data) {
		wg_wipe(buf->data, buf->cap);
		free(buf->data);
	}
	buf->data = NULL;
	buf->len = buf->cap = 0;
}

/* Make room for more bytes; the old block is wiped, never realloc()ed. */
static int reserve(struct wg_uapi_buf *b, size_t more)
{
	size_t ncap = b->cap ? b->cap : 256;
	char *n;

	if (more > SIZE_MAX - b->len)
		return -ENOMEM;
	if (b->len + more <= b->cap)
		return 0;
	while (ncap < b->len + more) {
		if (ncap > SIZE_MAX / 2)
			return -ENOMEM;
		ncap *= 2;
	}
	n = malloc(ncap);
	if (!n)
		return -ENOMEM;
	if (b->data) {
		memcpy(n, b->data, b->len);
		wg_wipe(b->data, b->cap);
		free(b->data);
	}
	b->data = n;
	b->cap = ncap;
	return 0;
}

static int put(struct wg_uapi_buf *b, const char *s, size_t len)
{
	if (reserve(b, len))
		return -ENOMEM;
	memcpy(b->data + b->len, s, len);
	b->len += len;
	return 0;
}

int wg_uapi_printf(struct wg_uapi_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (reserve(b, 128))
		return -ENOMEM;
	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= b->cap - b->len) {
		if (reserve(b, (size_t)n + 1))
			return -ENOMEM;
		va_start(ap, fmt);
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
	return 0;
}

static int put_key(struct wg_uapi_buf *b, const char *name,
		   const uint8_t key[WG_KEY_LEN])
{
	char hex[WG_KEY_HEX_LEN + 1];
	int ret;

	wg_config_key_to_hex(hex, key);
	ret = wg_uapi_printf(b, "%s=%s\n", name, hex);
	wg_wipe(hex, sizeof(hex));
	return ret;
}

/* The get writer: lines and order as wireguard-go's IpcGetOperation. */

int wg_uapi_write_get(struct wg_uapi_buf *out,
		      const struct wg_device_info *info)
{
	char tmp[WG_ENDPOINT_STRLEN];
	size_t i, j, start = out->len;
	int n;

	if (info->has_private_key &&
	    !wg_is_zero(info->private_key, WG_KEY_LEN) &&
	    put_key(out, "private_key", info->private_key))
		goto err_nomem;
	if (info->listen_port &&
	    wg_uapi_printf(out, "listen_port=%u\n", info->listen_port))
		goto err_nomem;
	if (info->fwmark && wg_uapi_printf(out, "fwmark=%" PRIu32 "\n", info->fwmark))
		goto err_nomem;
	for (i = 0; i < info->n_peers; i++) {
		const struct wg_peer_info *p = &info->peers[i];

		if (put_key(out, "public_key", p->public_key) ||
		    put_key(out, "preshared_key", p->preshared_key) ||
		    wg_uapi_printf(out, "protocol_version=1\n"))
			goto err_nomem;
		if (wg_config_format_endpoint(&p->endpoint, tmp,
					      sizeof(tmp)) > 0 &&
		    wg_uapi_printf(out, "endpoint=%s\n", tmp))
			goto err_nomem;
		if (wg_uapi_printf(out,
			 "last_handshake_time_sec=%" PRId64 "\n"
			 "last_handshake_time_nsec=%" PRId64 "\n"
			 "tx_bytes=%" PRIu64 "\n"
			 "rx_bytes=%" PRIu64 "\n"
			 "persistent_keepalive_interval=%u\n",
			 p->last_handshake_sec, p->last_handshake_nsec,
			 p->tx_bytes, p->rx_bytes, p->persistent_keepalive))
			goto err_nomem;
		for (j = 0; j < p->n_aips; j++) {
			if (reserve(out, WG_PREFIX_STRLEN + 12))
				goto err_nomem;
			memcpy(out->data + out->len, "allowed_ip=", 11);
			n = wg_config_format_prefix(&p->aips[j],
						    out->data + out->len + 11,
						    out->cap - out->len - 11);
			if (n < 0)
				continue;	/* not an address: skip it */
			out->len += 11 + (size_t)n;
			out->data[out->len++] = '\n';
		}
	}
	if (put(out, "errno=0\n\n", 9))
		goto err_nomem;
	return 0;

err_nomem:
	wg_wipe(out->data + start, out->len - start);
	out->len = start;
	return -ENOMEM;
}

int wg_uapi_write_set(struct wg_uapi_buf *out, const struct wg_config *cfg)
{
	char tmp[WG_ENDPOINT_STRLEN];
	size_t start = out->len;
	int ret;

	ret = wg_uapi_printf(out, "set=1\n");
	if (!ret && cfg->has_private_key)
		ret = put_key(out, "private_key", cfg->private_key);
	if (!ret && cfg->has_listen_port)
		ret = wg_uapi_printf(out, "listen_port=%u\n", cfg->listen_port);
	if (!ret && cfg->has_fwmark)
		ret = wg_uapi_printf(out, "fwmark=%" PRIu32 "\n", cfg->fwmark);
	if (!ret && cfg->has_debug)
		ret = wg_uapi_printf(out, "wgxdp_debug=%d\n", cfg->debug);
	if (!ret && cfg->replace_peers)
		ret = wg_uapi_printf(out, "replace_peers=true\n");
	for (size_t i = 0; !ret && i < cfg->n_peers; i++) {
		const struct wg_peer_change *p = &cfg->peers[i];

		ret = put_key(out, "public_key", p->public_key);
		if (!ret && p->remove) {
			ret = wg_uapi_printf(out, "remove=true\n");
			continue;
		}
		if (!ret && p->update_only)
			ret = wg_uapi_printf(out, "update_only=true\n");
		if (!ret && p->has_preshared_key)
			ret = put_key(out, "preshared_key", p->preshared_key);
		if (!ret && p->has_endpoint &&
		    wg_config_format_endpoint(&p->endpoint, tmp,
					      sizeof(tmp)) > 0)
			ret = wg_uapi_printf(out, "endpoint=%s\n", tmp);
		if (!ret && p->has_keepalive)
			ret = wg_uapi_printf(out,
					     "persistent_keepalive_interval=%u\n",
					     p->persistent_keepalive);
		if (!ret && p->replace_allowed_ips)
			ret = wg_uapi_printf(out, "replace_allowed_ips=true\n");
		for (size_t j = 0; !ret && j < p->n_aips; j++) {
			if (wg_config_format_aip(&p->aips[j], tmp,
						 sizeof(tmp)) < 0)
				continue;
			ret = wg_uapi_printf(out, "allowed_ip=%s\n", tmp);
		}
	}
	if (!ret)
		ret = wg_uapi_printf(out, "\n");
	if (ret) {
		wg_wipe(out->data + start, out->len - start);
		out->len = start;
	}
	return ret;
}

void wg_uapi_info_free(struct wg_device_info *info)
{
	for (size_t i = 0; i < info->n_peers; i++)
		free(info->peers[i].aips);
	if (info->peers) {
		wg_wipe(info->peers, info->n_peers * sizeof(*info->peers));
		free(info->peers);
	}
	wg_wipe(info, sizeof(*info));
}

static int get_peer_line(struct wg_peer_info *p, const char *k, const char *v)
{
	uint64_t n;

	if (!strcmp(k, "preshared_key"))
		return wg_config_key_from_hex(p->preshared_key, v, strlen(v)) ?
			       -EPROTO : 0;
	/* A scope this namespace does not know leaves the endpoint unset. */
	if (!strcmp(k, "endpoint")) {
		if (wg_config_parse_endpoint(&p->endpoint, v))
			memset(&p->endpoint, 0, sizeof(p->endpoint));
		return 0;
	}
	if (!strcmp(k, "allowed_ip")) {
		struct wg_prefix *a = realloc(p->aips,
					      (p->n_aips + 1) * sizeof(*a));
		struct wg_aip_change aip;

		if (!a)
			return -ENOMEM;
		p->aips = a;
		if (wg_config_parse_aip(&aip, v, 0))
			return -EPROTO;
		a[p->n_aips].family = aip.family;
		memcpy(a[p->n_aips].addr, aip.addr, sizeof(aip.addr));
		a[p->n_aips].cidr = aip.cidr;
		p->n_aips++;
		return 0;
	}
	if (!strcmp(k, "last_handshake_time_sec") ||
	    !strcmp(k, "last_handshake_time_nsec")) {
		if (!wg_config_parse_u64(v, INT64_MAX, &n))
			return -EPROTO;
		if (k[20] == 's')
			p->last_handshake_sec = (int64_t)n;
		else
			p->last_handshake_nsec = (int64_t)n;
		return 0;
	}
	if (!strcmp(k, "rx_bytes"))
		return wg_config_parse_u64(v, UINT64_MAX, &p->rx_bytes) ?
			       0 : -EPROTO;
	if (!strcmp(k, "tx_bytes"))
		return wg_config_parse_u64(v, UINT64_MAX, &p->tx_bytes) ?
			       0 : -EPROTO;
	if (!strcmp(k, "persistent_keepalive_interval")) {
		if (!wg_config_parse_u64(v, UINT16_MAX, &n))
			return -EPROTO;
		p->persistent_keepalive = (uint16_t)n;
	}
	return 0; /* protocol_version, and keys newer than us */
}

static int get_line(struct wg_device_info *info, const char *k, const char *v)
{
	struct wg_peer_info *p;
	uint64_t n;

	if (!strcmp(k, "public_key")) {
		p = realloc(info->peers, (info->n_peers + 1) * sizeof(*p));
		if (!p)
			return -ENOMEM;
		info->peers = p;
		p = &info->peers[info->n_peers++];
		memset(p, 0, sizeof(*p));
		return wg_config_key_from_hex(p->public_key, v, strlen(v)) ?
			       -EPROTO : 0;
	}
	if (info->n_peers)
		return get_peer_line(&info->peers[info->n_peers - 1], k, v);
	if (!strcmp(k, "private_key")) {
		if (wg_config_key_from_hex(info->private_key, v, strlen(v)))
			return -EPROTO;
		info->has_private_key = true;
	} else if (!strcmp(k, "listen_port")) {
		if (!wg_config_parse_u64(v, UINT16_MAX, &n))
			return -EPROTO;
		info->listen_port = (uint16_t)n;
	} else if (!strcmp(k, "fwmark")) {
		if (!wg_config_parse_u64(v, UINT32_MAX, &n))
			return -EPROTO;
		info->fwmark = (uint32_t)n;
	}
	return 0;
}

int wg_uapi_parse_get(struct wg_device_info *info, const char *const *lines,
		      size_t n)
{
	char key[64];
	int ret = 0;

	memset(info, 0, sizeof(*info));
	for (size_t i = 0; !ret && i < n; i++) {
		const char *eq = strchr(lines[i], '=');

		if (!eq || (size_t)(eq - lines[i]) >= sizeof(key)) {
			ret = -EPROTO;
			break;
		}
		memcpy(key, lines[i], (size_t)(eq - lines[i]));
		key[eq - lines[i]] = '\0';
		if (!strcmp(key, "errno"))
			break;
		ret = get_line(info, key, eq + 1);
	}
	if (ret)
		wg_uapi_info_free(info);
	return ret;
}

int wg_uapi_write_errno(struct wg_uapi_buf *out, int err)
{
	return wg_uapi_printf(out, "errno=%d\n\n", err);
}

/* The set parser */

void wg_uapi_set_begin(struct wg_uapi_set *st)
{
	wg_config_init(&st->cfg);
	st->in_peer = false;
}

void wg_uapi_set_abort(struct wg_uapi_set *st)
{
	wg_config_free(&st->cfg);
	st->in_peer = false;
}

/* Decimal 0..max as Go's strconv.ParseUint(v, 10, bits) takes it. */
static bool num(const char *v, unsigned long max, unsigned long *out)
{
	uint64_t n;

	if (!wg_config_parse_u64(v, max, &n))
		return false;
	*out = (unsigned long)n;
	return true;
}

static int device_line(struct wg_config *cfg, const char *key,
		       const char *val, size_t vlen)
{
	unsigned long n;

	if (!strcmp(key, "private_key")) {
		/* All zero is allowed: it removes the private key. */
		if (wg_config_key_from_hex(cfg->private_key, val, vlen))
			return -EINVAL;
		cfg->has_private_key = true;
	} else if (!strcmp(key, "listen_port")) {
		if (!num(val, UINT16_MAX, &n))
			return -EINVAL;
		cfg->listen_port = (uint16_t)n;
		cfg->has_listen_port = true;
	} else if (!strcmp(key, "fwmark")) {
		if (!num(val, UINT32_MAX, &n))
			return -EINVAL;
		cfg->fwmark = (uint32_t)n;
		cfg->has_fwmark = true;
	} else if (!strcmp(key, "replace_peers")) {
		if (strcmp(val, "true"))
			return -EINVAL;
		cfg->replace_peers = true;
	} else if (!strcmp(key, "wgxdp_debug")) {
		/* wg-xdp's own key (`wg-xdp set WG debug`); wg never sends it. */
		if (!num(val, 1, &n))
			return -EINVAL;
		cfg->debug = n ? 1 : 0;
		cfg->has_debug = true;
	} else {
		return -EINVAL;
	}
	return 0;
}

static int peer_line(struct wg_peer_change *p, const char *key,
		     const char *val, size_t vlen)
{
	struct wg_aip_change aip;
	unsigned long n;

	if (!strcmp(key, "update_only")) {
		if (strcmp(val, "true"))
			return -EINVAL;
		p->update_only = true;
	} else if (!strcmp(key, "remove")) {
		if (strcmp(val, "true"))
			return -EINVAL;
		p->remove = true;
	} else if (!strcmp(key, "preshared_key")) {
		/* All zero is allowed: the peer then has no preshared key. */
		if (wg_config_key_from_hex(p->preshared_key, val, vlen))
			return -EINVAL;
		p->has_preshared_key = true;
	} else if (!strcmp(key, "endpoint")) {
		if (wg_config_parse_endpoint(&p->endpoint, val))
			return -EINVAL;
		p->has_endpoint = true;
	} else if (!strcmp(key, "persistent_keepalive_interval")) {
		if (!num(val, UINT16_MAX, &n))
			return -EINVAL;
		p->persistent_keepalive = (uint16_t)n;
		p->has_keepalive = true;
	} else if (!strcmp(key, "replace_allowed_ips")) {
		if (strcmp(val, "true"))
			return -EINVAL;
		p->replace_allowed_ips = true;
	} else if (!strcmp(key, "allowed_ip")) {
		if (wg_config_parse_aip(&aip, val, WG_AIP_REMOVE))
			return -EINVAL;
		return wg_config_add_aip(p, &aip);
	} else if (!strcmp(key, "protocol_version")) {
		if (strcmp(val, "1"))
			return -EINVAL;
		p->protocol_version = 1;
	} else {
		return -EINVAL;
	}
	return 0;
}

int wg_uapi_set_line(struct wg_uapi_set *st, const char *line, size_t len)
{
	char buf[WG_UAPI_LINE_MAX + 1];
	uint8_t pub[WG_KEY_LEN];
	char *val;
	int ret;

	if (len == 0)
		return 1;
	if (len > WG_UAPI_LINE_MAX) {
		ret = -EIO;
		goto err;
	}
	memcpy(buf, line, len);
	buf[len] = '\0';
	val = strchr(buf, '=');
	if (!val) {
		ret = memchr(buf, '\0', len) ? -EINVAL : -EPROTO;
		goto err_wipe;
	}
	*val++ = '\0';
	/* An embedded NUL would make the value look shorter than it is. */
	if (strlen(val) != len - (size_t)(val - buf)) {
		ret = -EINVAL;
		goto err_wipe;
	}
	if (!strcmp(buf, "public_key")) {
		if (wg_config_key_from_hex(pub, val, strlen(val))) {
			ret = -EINVAL;
			goto err_wipe;
		}
		if (!wg_config_add_peer(&st->cfg, pub)) {
			ret = -ENOMEM;
			goto err_wipe;
		}
		st->in_peer = true;
		ret = 0;
	} else if (!st->in_peer) {
		ret = device_line(&st->cfg, buf, val, strlen(val));
	} else {
		ret = peer_line(&st->cfg.peers[st->cfg.n_peers - 1], buf, val,
				strlen(val));
	}
	wg_wipe(buf, len + 1);
	if (ret)
		goto err;
	return 0;

err_wipe:
	wg_wipe(buf, len + 1);
err:
	wg_uapi_set_abort(st);
	return ret;
}

int wg_uapi_parse_set(struct wg_config *cfg, const char *text, size_t len)
{
	struct wg_uapi_set st;
	const char *nl;
	size_t pos = 0;
	int ret;

	wg_config_init(cfg);
	wg_uapi_set_begin(&st);
	while (pos < len) {
		nl = memchr(text + pos, '\n', len - pos);
		if (!nl)
			break;
		ret = wg_uapi_set_line(&st, text + pos,
				       (size_t)(nl - text - pos));
		if (ret < 0)
			return ret;
		if (ret == 1) {
			*cfg = st.cfg;
			return 0;
		}
		pos = (size_t)(nl - text) + 1;
	}
	/* The input ended before the blank line (or inside a line). */
	ret = len - pos > WG_UAPI_LINE_MAX ? -EIO : -EPROTO;
	wg_uapi_set_abort(&st);
	return ret;
}

/* The server */

enum client_state {
	ST_OP,		/* waiting for "get=1" or "set=1" */
	ST_GET,		/* "get=1" read, waiting for the blank line */
	ST_XDP,		/* "wgxdp=1" read, waiting for the blank line */
	ST_SET,		/* inside a set body */
};

struct client {
	struct client *prev, *next;
	int fd;
	enum client_state state;
	bool closing;		/* close once out is written */
	uint32_t events;	/* what the inner epoll watches for */
	struct wg_uapi_set set;
	size_t in_len;
	struct wg_uapi_buf out;
	size_t out_off;		/* bytes of out already sent */
	char in[IN_CAP];	/* secret: may hold a private_key line */
};

struct wg_uapi_server {
	int lfd;		/* the listening socket */
	int ep;			/* inner epoll set: lfd and the clients */
	int outer;		/* the caller's epoll set */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;		/* identity of our socket file, so close */
	ino_t ino;		/* removes it only if it is still ours */
	const struct wg_uapi_ops *ops;
	void *ctx;
	struct client *clients;
	size_t n_clients;
};

int wg_uapi_socket_path(char *buf, size_t len, const char *ifname)
{
	size_t n = strlen(ifname);
	int ret;

	if (!n || n >= IF_NAMESIZE || strchr(ifname, '/') ||
	    !strcmp(ifname, ".") || !strcmp(ifname, ".."))
		return -EINVAL;
	ret = snprintf(buf, len, "%s/%s.sock", WG_UAPI_DIR, ifname);
	if (ret < 0 || (size_t)ret >= len)
		return -EINVAL;
	return 0;
}

static void client_close(struct wg_uapi_server *srv, struct client *c)
{
	epoll_ctl(srv->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	if (c->state == ST_SET)
		wg_uapi_set_abort(&c->set);
	wg_uapi_buf_free(&c->out);
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	srv->n_clients--;
	wg_wipe(c->in, sizeof(c->in));
	free(c);
}

static int watch(struct wg_uapi_server *srv, struct client *c, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.ptr = c };

	if (c->events == ev)
		return 0;
	if (epoll_ctl(srv->ep, EPOLL_CTL_MOD, c->fd, &e))
		return -errno;
	c->events = ev;
	return 0;
}

/* Send what the socket takes; 1 when all is sent, 0 when full, -errno. */
static int flush(struct client *c)
{
	size_t left;
	ssize_t n;

	while (c->out_off < c->out.len) {
		left = c->out.len - c->out_off;
		n = send(c->fd, c->out.data + c->out_off,
			 left < SEND_CHUNK ? left : SEND_CHUNK,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c->out_off += (size_t)n;
	}
	wg_uapi_buf_free(&c->out);
	c->out_off = 0;
	return 1;
}

static void do_get(struct wg_uapi_server *srv, struct client *c)
{
	struct wg_device_info info;
	int ret;

	memset(&info, 0, sizeof(info));
	ret = srv->ops->get(srv->ctx, &info);
	if (!ret)
		ret = wg_uapi_write_get(&c->out, &info);
	if (srv->ops->get_free)
		srv->ops->get_free(srv->ctx, &info);
	wg_wipe(&info, sizeof(info));
	if (ret && wg_uapi_write_errno(&c->out, ret))
		c->closing = true;
}

/* One request line; -1 when the client must be closed now. */
static int handle_line(struct wg_uapi_server *srv, struct client *c,
		       const char *line, size_t len)
{
	int ret;

	switch (c->state) {
	case ST_OP:
		if (len == 5 && !memcmp(line, "get=1", 5)) {
			c->state = ST_GET;
		} else if (len == 5 && !memcmp(line, "set=1", 5)) {
			wg_uapi_set_begin(&c->set);
			c->state = ST_SET;
		} else if (len == 7 && !memcmp(line, "wgxdp=1", 7) &&
			   srv->ops->dataplane) {
			c->state = ST_XDP;
		} else {
			return -1;	/* wireguard-go hangs up, no reply */
		}
		return 0;
	case ST_GET:
		c->state = ST_OP;
		if (len) {
			/* "trailing character in UAPI get"; drop the rest. */
			c->closing = true;
			wg_uapi_write_errno(&c->out, -EINVAL);
			return 0;
		}
		do_get(srv, c);
		return 0;
	case ST_XDP:
		c->state = ST_OP;
		ret = len ? -EINVAL : srv->ops->dataplane(srv->ctx, &c->out);
		if (ret && wg_uapi_write_errno(&c->out, ret))
			return -1;
		if (!ret && wg_uapi_write_errno(&c->out, 0))
			return -1;
		return 0;
	case ST_SET:
		ret = wg_uapi_set_line(&c->set, line, len);
		if (ret == 0)
			return 0;
		c->state = ST_OP;
		if (ret == 1) {
			ret = srv->ops->set(srv->ctx, &c->set.cfg);
			wg_config_free(&c->set.cfg);
		} else {
			/* The rest of the body would be read as operations. */
			c->closing = true;
		}
		if (wg_uapi_write_errno(&c->out, ret))
			return -1;
		return 0;
	}
	return -1;
}

/*
 * Handle the complete lines in c->in until one produces a reply (which is
 * then written before any more input is looked at). -1: close now.
 */
static int consume(struct wg_uapi_server *srv, struct client *c)
{
	size_t pos = 0, len;
	char *nl;
	int ret = 0;

	while (!c->out.len && !c->closing) {
		nl = memchr(c->in + pos, '\n', c->in_len - pos);
		len = nl ? (size_t)(nl - c->in) - pos : c->in_len - pos;
		if (len > WG_UAPI_LINE_MAX) {
			/* Cut off at the bound; wireguard-go says EIO. */
			if (c->state != ST_SET) {
				ret = -1;
				break;
			}
			wg_uapi_set_abort(&c->set);
			c->state = ST_OP;
			c->closing = true;
			if (wg_uapi_write_errno(&c->out, -EIO))
				ret = -1;
			break;
		}
		if (!nl)
			break;
		ret = handle_line(srv, c, c->in + pos, len);
		wg_wipe(c->in + pos, len);
		pos += len + 1;
		if (ret < 0)
			break;
	}
	if (pos) {
		memmove(c->in, c->in + pos, c->in_len - pos);
		wg_wipe(c->in + c->in_len - pos, pos);
		c->in_len -= pos;
	}
	return ret;
}

/*
 * Drive one client as far as it goes without blocking: write pending
 * output, then handle buffered requests, then read more. -1: close it.
 */
static int service(struct wg_uapi_server *srv, struct client *c, bool readable)
{
	ssize_t n;
	int ret;

	for (;;) {
		if (c->out.len) {
			ret = flush(c);
			if (ret < 0)
				return -1;
			if (ret == 0)
				return watch(srv, c, EPOLLOUT) ? -1 : 0;
			if (c->closing)
				return -1;
		}
		if (consume(srv, c) < 0)
			return -1;
		if (c->out.len)
			continue;
		if (c->closing)
			return -1;
		if (!readable)
			break;
		readable = false;
		n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len,
			 MSG_DONTWAIT);
		if (n == 0)
			return -1;	/* EOF: an unfinished set is dropped */
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				break;
			return -1;
		}
		c->in_len += (size_t)n;
	}
	return watch(srv, c, EPOLLIN | EPOLLRDHUP) ? -1 : 0;
}

static void accept_some(struct wg_uapi_server *srv)
{
	struct epoll_event e;
	struct client *c;
	int i, fd;

	for (i = 0; i < ACCEPTS_PER_CALL; i++) {
		fd = accept4(srv->lfd, NULL, NULL,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (srv->n_clients >= WG_UAPI_MAX_CLIENTS)
			goto err_fd;
		c = calloc(1, sizeof(*c));
		if (!c)
			goto err_fd;
		c->fd = fd;
		c->events = EPOLLIN | EPOLLRDHUP;
		e.events = c->events;
		e.data.ptr = c;
		if (epoll_ctl(srv->ep, EPOLL_CTL_ADD, fd, &e))
			goto err_client;
		c->next = srv->clients;
		if (c->next)
			c->next->prev = c;
		srv->clients = c;
		srv->n_clients++;
		continue;
err_client:
		free(c);
err_fd:
		close(fd);
	}
}

int wg_uapi_process(struct wg_uapi_server *srv)
{
	struct epoll_event ev[EVENTS_PER_CALL];
	struct client *c;
	int i, n;

	n = epoll_wait(srv->ep, ev, EVENTS_PER_CALL, 0);
	for (i = 0; i < n; i++) {
		c = ev[i].data.ptr;
		if (!c) {
			accept_some(srv);
			continue;
		}
		if ((ev[i].events & EPOLLERR) ||
		    service(srv, c, ev[i].events &
				    (EPOLLIN | EPOLLHUP | EPOLLRDHUP)) < 0)
			client_close(srv, c);
	}
	return 0;
}

size_t wg_uapi_clients(const struct wg_uapi_server *srv)
{
	return srv->n_clients;
}

static int mkdir_p(const char *dir, mode_t mode)
{
	char buf[128], *p, save;

	if (strlen(dir) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, dir);
	for (p = buf + 1;; p++) {
		if (*p != '/' && *p)
			continue;
		save = *p;
		*p = '\0';
		if (mkdir(buf, mode) && errno != EEXIST)
			return -errno;
		*p = save;
		if (!save)
			return 0;
	}
}

/* Is someone answering on the socket file at path? 1 yes, 0 no, -errno. */
static int probe(const char *path, const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, ret;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;		/* not ours to remove */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	if (ret == 0 || errno == EAGAIN || errno == EINPROGRESS)
		ret = 1;	/* accepted, or alive with a full backlog */
	else if (errno == ECONNREFUSED)
		ret = 0;
	else
		ret = -errno;
	close(fd);
	return ret;
}

static int bind_sock(int fd, const struct sockaddr_un *sun)
{
	mode_t old = umask(0077);
	int ret = bind(fd, (const struct sockaddr *)sun, sizeof(*sun));

	umask(old);
	return ret ? -errno : 0;
}

int wg_uapi_listen(struct wg_uapi_server **out, const char *ifname, int epfd,
		   epoll_data_t tag, const struct wg_uapi_ops *ops, void *ctx)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct wg_uapi_server *srv;
	struct epoll_event e;
	struct stat st;
	int ret;

	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -ENOMEM;
	srv->ops = ops;
	srv->ctx = ctx;
	srv->outer = epfd;
	ret = wg_uapi_socket_path(srv->path, sizeof(srv->path), ifname);
	if (ret)
		goto err_free;
	memcpy(sun.sun_path, srv->path, sizeof(srv->path));
	ret = mkdir_p(WG_UAPI_DIR, 0755);
	if (ret)
		goto err_free;

	srv->ep = epoll_create1(EPOLL_CLOEXEC);
	if (srv->ep < 0) {
		ret = -errno;
		goto err_free;
	}
	srv->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			  0);
	if (srv->lfd < 0) {
		ret = -errno;
		goto err_ep;
	}
	ret = bind_sock(srv->lfd, &sun);
	if (ret == -EADDRINUSE) {
		ret = probe(srv->path, &sun);
		if (ret == 1)
			ret = -EADDRINUSE;
		if (ret < 0)
			goto err_lfd;
		/* Stale: nobody listens. Replace it. */
		if (unlink(srv->path) && errno != ENOENT) {
			ret = -errno;
			goto err_lfd;
		}
		ret = bind_sock(srv->lfd, &sun);
	}
	if (ret)
		goto err_lfd;
	if (chmod(srv->path, 0600) || stat(srv->path, &st)) {
		ret = -errno;
		goto err_unlink;
	}
	srv->dev = st.st_dev;
	srv->ino = st.st_ino;
	if (listen(srv->lfd, SOMAXCONN)) {
		ret = -errno;
		goto err_unlink;
	}
	e.events = EPOLLIN;
	e.data.ptr = NULL;
	if (epoll_ctl(srv->ep, EPOLL_CTL_ADD, srv->lfd, &e)) {
		ret = -errno;
		goto err_unlink;
	}
	e.events = EPOLLIN;
	e.data = tag;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, srv->ep, &e)) {
		ret = -errno;
		goto err_unlink;
	}
	*out = srv;
	return 0;

err_unlink:
	unlink(srv->path);
err_lfd:
	close(srv->lfd);
err_ep:
	close(srv->ep);
err_free:
	free(srv);
	return ret;
}

void wg_uapi_close(struct wg_uapi_server *srv)
{
	struct stat st;

	if (!srv)
		return;
	epoll_ctl(srv->outer, EPOLL_CTL_DEL, srv->ep, NULL);
	while (srv->clients)
		client_close(srv, srv->clients);
	close(srv->lfd);
	/* Only remove the file if another daemon has not replaced it. */
	if (!stat(srv->path, &st) && st.st_dev == srv->dev &&
	    st.st_ino == srv->ino)
		unlink(srv->path);
	close(srv->ep);
	free(srv);
}

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The cross-platform userspace API (wireguard.com/xplatform) that the stock
 * `wg` speaks to wireguard-go, on /var/run/wireguard/<ifname>.sock:
 *
 *   "get=1\n\n"            -> "key=value\n"... "errno=0\n\n"
 *   "set=1\n" lines "\n"   -> "errno=N\n\n" (N = 0 or a negative errno,
 *                             as wireguard-go writes and `wg` reads it)
 *
 * A set request is parsed completely into a struct wg_config before the
 * device sees it, so a bad line changes nothing. The server runs inside the
 * caller's epoll loop and never blocks it; replies of any size are written
 * as the socket drains.
 */
#ifndef WG_UAPI_H
#define WG_UAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>

#include "config.h"

#define WG_UAPI_DIR "/var/run/wireguard"
/* Longest request line accepted (without its '\n'). */
#define WG_UAPI_LINE_MAX 4096
/* Most clients connected at once; more are accepted and closed at once. */
#define WG_UAPI_MAX_CLIENTS 1024

/* A growable output buffer; wiped when freed (replies carry keys). */
struct wg_uapi_buf {
	char *data;
	size_t len, cap;
};

/* The device, as the server reaches it. */
struct wg_uapi_ops {
	/* Apply cfg entirely or not at all; 0 or -errno (sent to `wg`). */
	int (*set)(void *ctx, const struct wg_config *cfg);
	/* Fill a snapshot; 0 or -errno. */
	int (*get)(void *ctx, struct wg_device_info *out);
	/* Release (and wipe) what get filled in. */
	void (*get_free)(void *ctx, struct wg_device_info *info);
	/*
	 * wg-xdp's own "wgxdp=1" request (see daemon.h): append key=value
	 * lines about the data plane; the server adds "errno=0". NULL: the
	 * request is unknown, as in wireguard-go.
	 */
	int (*dataplane)(void *ctx, struct wg_uapi_buf *out);
};

/* Append printf-formatted text; 0 or -ENOMEM. */
int wg_uapi_printf(struct wg_uapi_buf *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The state of one `set` request being parsed line by line. */
struct wg_uapi_set {
	struct wg_config cfg;
	bool in_peer;		/* a public_key line was seen */
};

struct wg_uapi_server;

/* Start parsing the lines that follow "set=1". */
void wg_uapi_set_begin(struct wg_uapi_set *st);
/*
 * Feed one line without its '\n'. 0: more lines wanted; 1: the blank line
 * ended the request and st->cfg is complete (the caller frees it);
 * -errno as wireguard-go answers it (-EPROTO no '=', -EINVAL bad key or
 * value, -EIO line longer than WG_UAPI_LINE_MAX, -ENOMEM), st->cfg then
 * already freed.
 */
int wg_uapi_set_line(struct wg_uapi_set *st, const char *line, size_t len);
/* Drop a request that will not be completed (wipes its secrets). */
void wg_uapi_set_abort(struct wg_uapi_set *st);
/*
 * Parse a whole set body (the lines after "set=1\n", through the blank
 * line) into cfg. 0 or -errno; -EPROTO when the blank line is missing;
 * on failure cfg is left empty. Bytes after the blank line are ignored.
 */
int wg_uapi_parse_set(struct wg_config *cfg, const char *text, size_t len);

/* Append a whole `get` reply, "errno=0\n\n" included; 0 or -ENOMEM. */
int wg_uapi_write_get(struct wg_uapi_buf *out,
		      const struct wg_device_info *info);
/*
 * The client side, shared by the command line: a set request for cfg
 * ("set=1\n" ... "\n", in the order wg writes one), and a get reply (the
 * lines before "errno=", or the whole reply) parsed into info, freed with
 * wg_uapi_info_free(). 0, -ENOMEM, or -EPROTO for a malformed reply.
 */
int wg_uapi_write_set(struct wg_uapi_buf *out, const struct wg_config *cfg);
int wg_uapi_parse_get(struct wg_device_info *info, const char *const *lines,
		      size_t n);
void wg_uapi_info_free(struct wg_device_info *info);

/* Append "errno=N\n\n" (err is 0 or -errno, written as is); 0 or -ENOMEM. */
int wg_uapi_write_errno(struct wg_uapi_buf *out, int err);
/* Wipe and free a buffer, leaving it empty. */
void wg_uapi_buf_free(struct wg_uapi_buf *buf);

/* "/var/run/wireguard/<ifname>.sock" into buf; 0 or -EINVAL (bad name). */
int wg_uapi_socket_path(char *buf, size_t len, const char *ifname);
/*
 * Create and listen on the socket of ifname (mode 0600; a stale socket file
 * is replaced, a live one gives -EADDRINUSE) and register it in epfd with
 * tag as its epoll data. When epfd reports tag, call wg_uapi_process().
 */
int wg_uapi_listen(struct wg_uapi_server **out, const char *ifname, int epfd,
		   epoll_data_t tag, const struct wg_uapi_ops *ops, void *ctx);
/* Accept, read, answer and write what is ready, without blocking; 0. */
int wg_uapi_process(struct wg_uapi_server *srv);
/* Number of clients connected now. */
size_t wg_uapi_clients(const struct wg_uapi_server *srv);
/* Disconnect every client, close and remove the socket file, free srv. */
void wg_uapi_close(struct wg_uapi_server *srv);

#endif /* WG_UAPI_H */

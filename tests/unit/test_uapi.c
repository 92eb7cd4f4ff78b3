// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The userspace API: the set parser (every class of bad line), the get
 * writer (exact text), and the control socket server driven from this
 * thread's epoll loop with real client sockets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "uapi.h"

#define HEX_A "0101010101010101010101010101010101010101010101010101010101010101"
#define HEX_B "02020202020202020202020202020202020202020202020202020202020202ff"
#define HEX_C "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
#define HEX_0 "0000000000000000000000000000000000000000000000000000000000000000"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse(struct wg_config *cfg, const char *text)
{
	return wg_uapi_parse_set(cfg, text, strlen(text));
}

static void assert_empty(const struct wg_config *cfg)
{
	assert_null(cfg->peers);
	assert_int_equal(cfg->n_peers, 0);
	assert_false(cfg->has_private_key);
	assert_false(cfg->has_listen_port);
	assert_false(cfg->replace_peers);
}

/* Parser */

static void set_full(void **state)
{
	struct wg_config cfg;
	struct wg_peer_change *p;
	char buf[WG_PREFIX_STRLEN];
	const char *req =
		"private_key=" HEX_C "\n"
		"listen_port=51820\n"
		"fwmark=4294967295\n"
		"replace_peers=true\n"
		"public_key=" HEX_A "\n"
		"preshared_key=" HEX_B "\n"
		"endpoint=192.0.2.1:51820\n"
		"persistent_keepalive_interval=25\n"
		"replace_allowed_ips=true\n"
		"allowed_ip=10.0.0.0/24\n"
		"allowed_ip=fd00::/64\n"
		"protocol_version=1\n"
		"public_key=" HEX_B "\n"
		"remove=true\n"
		"public_key=" HEX_C "\n"
		"update_only=true\n"
		"endpoint=[2001:db8::1]:1\n"
		"allowed_ip=-10.1.0.0/16\n"
		"\n";

	(void)state;
	assert_int_equal(parse(&cfg, req), 0);
	assert_true(cfg.has_private_key);
	assert_int_equal(cfg.private_key[0], 0xab);
	assert_int_equal(cfg.private_key[31], 0x89);
	assert_true(cfg.has_listen_port);
	assert_int_equal(cfg.listen_port, 51820);
	assert_true(cfg.has_fwmark);
	assert_int_equal(cfg.fwmark, 0xffffffffu);
	assert_true(cfg.replace_peers);
	assert_int_equal(cfg.n_peers, 3);

	p = &cfg.peers[0];
	assert_int_equal(p->public_key[0], 1);
	assert_false(p->remove);
	assert_false(p->update_only);
	assert_true(p->has_preshared_key);
	assert_int_equal(p->preshared_key[31], 0xff);
	assert_true(p->has_endpoint);
	assert_int_equal(p->endpoint.sa.sa_family, AF_INET);
	assert_int_equal(ntohs(p->endpoint.in4.sin_port), 51820);
	assert_true(p->has_keepalive);
	assert_int_equal(p->persistent_keepalive, 25);
	assert_true(p->replace_allowed_ips);
	assert_int_equal(p->protocol_version, 1);
	assert_int_equal(p->n_aips, 2);
	assert_int_equal(p->aips[0].family, AF_INET);
	assert_int_equal(p->aips[0].cidr, 24);
	assert_int_equal(p->aips[1].family, AF_INET6);
	assert_int_equal(p->aips[1].cidr, 64);

	p = &cfg.peers[1];
	assert_int_equal(p->public_key[31], 0xff);
	assert_true(p->remove);
	assert_false(p->has_endpoint);
	assert_int_equal(p->n_aips, 0);

	p = &cfg.peers[2];
	assert_true(p->update_only);
	assert_false(p->remove);
	assert_false(p->replace_allowed_ips);
	assert_false(p->has_keepalive);
	assert_false(p->has_preshared_key);
	assert_int_equal(p->protocol_version, 0);
	assert_int_equal(p->endpoint.sa.sa_family, AF_INET6);
	assert_int_equal(p->n_aips, 1);
	assert_true(p->aips[0].remove);
	assert_int_equal(wg_config_format_aip(&p->aips[0], buf, sizeof(buf)),
			 12);
	assert_string_equal(buf, "-10.1.0.0/16");
	wg_config_free(&cfg);
}

static void set_zero_keys(void **state)
{
	struct wg_config cfg;

	(void)state;
	assert_int_equal(parse(&cfg, "private_key=" HEX_0 "\n"
				     "public_key=" HEX_A "\n"
				     "preshared_key=" HEX_0 "\n\n"), 0);
	assert_true(cfg.has_private_key);
	assert_true(wg_is_zero(cfg.private_key, WG_KEY_LEN));
	assert_true(cfg.peers[0].has_preshared_key);
	assert_true(wg_is_zero(cfg.peers[0].preshared_key, WG_KEY_LEN));
	wg_config_free(&cfg);

	/* Either case of hex, as Go's hex decoder takes it. */
	assert_int_equal(parse(&cfg, "public_key=ABCDEF0123456789ABCDEF0123"
				     "456789ABCDEF0123456789ABCDEF0123456789"
				     "\n\n"), 0);
	assert_int_equal(cfg.peers[0].public_key[0], 0xab);
	wg_config_free(&cfg);
}

static void set_minimal(void **state)
{
	struct wg_config cfg;

	(void)state;
	/* An empty request is valid and changes nothing. */
	assert_int_equal(parse(&cfg, "\n"), 0);
	assert_empty(&cfg);
	wg_config_free(&cfg);
	/* What follows the blank line belongs to the next operation. */
	assert_int_equal(parse(&cfg, "listen_port=0\n\nlisten_port=x\n"), 0);
	assert_true(cfg.has_listen_port);
	assert_int_equal(cfg.listen_port, 0);
	wg_config_free(&cfg);
	assert_int_equal(parse(&cfg, "fwmark=0\nlisten_port=65535\n\n"), 0);
	assert_int_equal(cfg.listen_port, 65535);
	assert_true(cfg.has_fwmark);
	wg_config_free(&cfg);
}

static void set_bad_lines(void **state)
{
	static const struct {
		const char *req;
		int err;
	} bad[] = {
		/* no '=' */
		{ "nonsense\n\n", -EPROTO },
		{ "public_key=" HEX_A "\nremove\n\n", -EPROTO },
		/* unknown keys, case-sensitive keys */
		{ "foo=bar\n\n", -EINVAL },
		{ "Private_key=" HEX_A "\n\n", -EINVAL },
		{ "=1\n\n", -EINVAL },
		{ "public_key=" HEX_A "\nfoo=1\n\n", -EINVAL },
		/* keys in the wrong context */
		{ "allowed_ip=10.0.0.0/8\n\n", -EINVAL },
		{ "endpoint=1.2.3.4:5\n\n", -EINVAL },
		{ "remove=true\n\n", -EINVAL },
		{ "public_key=" HEX_A "\nlisten_port=1\n\n", -EINVAL },
		{ "public_key=" HEX_A "\nprivate_key=" HEX_A "\n\n", -EINVAL },
		{ "public_key=" HEX_A "\nreplace_peers=true\n\n", -EINVAL },
		/* bad hex keys */
		{ "private_key=\n\n", -EINVAL },
		{ "private_key=" HEX_A "0\n\n", -EINVAL },
		{ "private_key=010101010101010101010101010101010101010101010101"
		  "010101010101010\n\n", -EINVAL },
		{ "private_key=g101010101010101010101010101010101010101010101010"
		  "101010101010101\n\n", -EINVAL },
		{ "private_key= " HEX_A "\n\n", -EINVAL },
		{ "public_key=xyz\n\n", -EINVAL },
		{ "public_key=" HEX_A "\npreshared_key=1\n\n", -EINVAL },
		/* bad numbers */
		{ "listen_port=65536\n\n", -EINVAL },
		{ "listen_port=-1\n\n", -EINVAL },
		{ "listen_port=+1\n\n", -EINVAL },
		{ "listen_port=\n\n", -EINVAL },
		{ "listen_port= 1\n\n", -EINVAL },
		{ "listen_port=0x10\n\n", -EINVAL },
		{ "fwmark=4294967296\n\n", -EINVAL },
		{ "fwmark=\n\n", -EINVAL },
		{ "public_key=" HEX_A "\npersistent_keepalive_interval=65536\n\n",
		  -EINVAL },
		{ "public_key=" HEX_A "\npersistent_keepalive_interval=off\n\n",
		  -EINVAL },
		/* bad flags */
		{ "replace_peers=false\n\n", -EINVAL },
		{ "replace_peers=True\n\n", -EINVAL },
		{ "public_key=" HEX_A "\nremove=1\n\n", -EINVAL },
		{ "public_key=" HEX_A "\nupdate_only=yes\n\n", -EINVAL },
		{ "public_key=" HEX_A "\nreplace_allowed_ips=\n\n", -EINVAL },
		{ "public_key=" HEX_A "\nprotocol_version=2\n\n", -EINVAL },
		{ "public_key=" HEX_A "\nprotocol_version=\n\n", -EINVAL },
		/* bad endpoints and prefixes */
		{ "public_key=" HEX_A "\nendpoint=1.2.3.4\n\n", -EINVAL },
		{ "public_key=" HEX_A "\nendpoint=example.com:1\n\n", -EINVAL },
		{ "public_key=" HEX_A "\nendpoint=fd00::1:1\n\n", -EINVAL },
		{ "public_key=" HEX_A "\nendpoint=\n\n", -EINVAL },
		{ "public_key=" HEX_A "\nallowed_ip=10.0.0.0/33\n\n", -EINVAL },
		{ "public_key=" HEX_A "\nallowed_ip=10.0.0.1\n\n", -EINVAL },
		{ "public_key=" HEX_A "\nallowed_ip=10.0.0.0/8x\n\n", -EINVAL },
		{ "public_key=" HEX_A "\nallowed_ip=\n\n", -EINVAL },
		{ "public_key=" HEX_A "\nallowed_ip=--10.0.0.0/8\n\n",
		  -EINVAL },
		/* a bad line after good ones still fails everything */
		{ "private_key=" HEX_A "\nlisten_port=1\npublic_key=" HEX_B
		  "\nallowed_ip=10.0.0.0/8\nallowed_ip=bad\n\n", -EINVAL },
		/* the input ends before the blank line */
		{ "", -EPROTO },
		{ "listen_port=1\n", -EPROTO },
		{ "listen_port=1", -EPROTO },
		{ "public_key=" HEX_A "\nallowed_ip=10.0.0.0/8\n", -EPROTO },
	};
	struct wg_config cfg;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = parse(&cfg, bad[i].req);

		if (ret != bad[i].err)
			fail_msg("request %zu: got %d, want %d:\n%s", i, ret,
				 bad[i].err, bad[i].req);
		assert_empty(&cfg);
	}
}

static void set_embedded_nul(void **state)
{
	static const char req[] = "listen_port=1\0\n\n";
	static const char req2[] = "listen\0port=1\n\n";
	struct wg_config cfg;

	(void)state;
	assert_int_equal(wg_uapi_parse_set(&cfg, req, sizeof(req) - 1),
			 -EINVAL);
	assert_empty(&cfg);
	assert_int_equal(wg_uapi_parse_set(&cfg, req2, sizeof(req2) - 1),
			 -EINVAL);
	assert_empty(&cfg);
}

static void set_long_line(void **state)
{
	struct wg_config cfg;
	size_t n = WG_UAPI_LINE_MAX + 100;
	char *req = malloc(n + 3);

	(void)state;
	assert_non_null(req);
	memset(req, 'a', n);
	memcpy(req, "fwmark=", 7);
	memcpy(req + n, "\n\n", 3);
	assert_int_equal(parse(&cfg, req), -EIO);
	assert_empty(&cfg);
	/* A line of exactly the bound is read (and then judged). */
	req[WG_UAPI_LINE_MAX] = '\n';
	req[WG_UAPI_LINE_MAX + 1] = '\n';
	req[WG_UAPI_LINE_MAX + 2] = '\0';
	assert_int_equal(parse(&cfg, req), -EINVAL);
	free(req);
}

static void set_streaming(void **state)
{
	struct wg_uapi_set st;

	(void)state;
	wg_uapi_set_begin(&st);
	assert_int_equal(wg_uapi_set_line(&st, "listen_port=9", 13), 0);
	assert_int_equal(wg_uapi_set_line(&st, "public_key=" HEX_A, 75), 0);
	assert_int_equal(wg_uapi_set_line(&st, "allowed_ip=10.0.0.0/8", 21),
			 0);
	assert_int_equal(wg_uapi_set_line(&st, "", 0), 1);
	assert_int_equal(st.cfg.listen_port, 9);
	assert_int_equal(st.cfg.peers[0].n_aips, 1);
	wg_config_free(&st.cfg);

	wg_uapi_set_begin(&st);
	assert_int_equal(wg_uapi_set_line(&st, "public_key=" HEX_A, 75), 0);
	assert_int_equal(wg_uapi_set_line(&st, "bogus", 5), -EPROTO);
	assert_null(st.cfg.peers);
	wg_uapi_set_begin(&st);
	assert_int_equal(wg_uapi_set_line(&st, "public_key=" HEX_A, 75), 0);
	wg_uapi_set_abort(&st);
	assert_null(st.cfg.peers);
}

static void set_100k_allowed_ips(void **state)
{
	const size_t n = 100000;
	size_t cap = n * 32 + 200, len = 0, i;
	struct wg_config cfg;
	char *req = malloc(cap);
	double t0;

	(void)state;
	assert_non_null(req);
	len += (size_t)sprintf(req + len, "public_key=%s\n"
				       "replace_allowed_ips=true\n", HEX_A);
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(req + len, "allowed_ip=10.%zu.%zu.0/24\n",
				       (i >> 8) & 255, i & 255);
	req[len++] = '\n';
	t0 = now();
	assert_int_equal(wg_uapi_parse_set(&cfg, req, len), 0);
	assert_true(now() - t0 < 3.0);
	assert_int_equal(cfg.n_peers, 1);
	assert_int_equal(cfg.peers[0].n_aips, n);
	assert_int_equal(cfg.peers[0].aips[n - 1].addr[2], (n - 1) & 255);
	wg_config_free(&cfg);
	free(req);
}

/* Writer */

static void fill_key(uint8_t k[WG_KEY_LEN], uint8_t v)
{
	memset(k, v, WG_KEY_LEN);
}

static void get_exact(void **state)
{
	struct wg_prefix aips[3];
	struct wg_peer_info peers[2];
	struct wg_device_info info;
	struct wg_uapi_buf out = { 0 };
	const char *want =
		"private_key=" HEX_A "\n"
		"listen_port=51820\n"
		"public_key=0202020202020202020202020202020202020202020202020202"
		"020202020202\n"
		"preshared_key=0303030303030303030303030303030303030303030303030"
		"303030303030303\n"
		"protocol_version=1\n"
		"endpoint=192.0.2.1:51820\n"
		"last_handshake_time_sec=1700000000\n"
		"last_handshake_time_nsec=123456789\n"
		"tx_bytes=2000\n"
		"rx_bytes=1000\n"
		"persistent_keepalive_interval=25\n"
		"allowed_ip=10.0.0.0/24\n"
		"allowed_ip=fd00::/64\n"
		"allowed_ip=10.9.9.9/32\n"
		"public_key=" HEX_0 "\n"
		"preshared_key=" HEX_0 "\n"
		"protocol_version=1\n"
		"endpoint=[2001:db8::1]:4242\n"
		"last_handshake_time_sec=0\n"
		"last_handshake_time_nsec=0\n"
		"tx_bytes=18446744073709551615\n"
		"rx_bytes=0\n"
		"persistent_keepalive_interval=0\n"
		"errno=0\n\n";

	(void)state;
	memset(&info, 0, sizeof(info));
	memset(peers, 0, sizeof(peers));
	info.has_private_key = true;
	fill_key(info.private_key, 1);
	info.listen_port = 51820;
	info.fwmark = 0;	/* omitted when zero, as wireguard-go */
	info.peers = peers;
	info.n_peers = 2;
	fill_key(peers[0].public_key, 2);
	fill_key(peers[0].preshared_key, 3);
	assert_int_equal(wg_config_parse_endpoint(&peers[0].endpoint,
						  "192.0.2.1:51820"), 0);
	peers[0].last_handshake_sec = 1700000000;
	peers[0].last_handshake_nsec = 123456789;
	peers[0].rx_bytes = 1000;
	peers[0].tx_bytes = 2000;
	peers[0].persistent_keepalive = 25;
	assert_int_equal(wg_config_parse_prefix(&aips[0], "10.0.0.0/24"), 0);
	assert_int_equal(wg_config_parse_prefix(&aips[1], "fd00::/64"), 0);
	assert_int_equal(wg_config_parse_prefix(&aips[2], "10.9.9.9"), 0);
	peers[0].aips = aips;
	peers[0].n_aips = 3;
	assert_int_equal(wg_config_parse_endpoint(&peers[1].endpoint,
						  "[2001:db8::1]:4242"), 0);
	peers[1].tx_bytes = UINT64_MAX;

	assert_int_equal(wg_uapi_write_get(&out, &info), 0);
	assert_int_equal(out.len, strlen(want));
	assert_memory_equal(out.data, want, out.len);
	wg_uapi_buf_free(&out);
	assert_null(out.data);

	/* No key, port or peers: only the status. fwmark when nonzero. */
	memset(&info, 0, sizeof(info));
	info.has_private_key = true;	/* but all zero: omitted */
	info.fwmark = 7;
	assert_int_equal(wg_uapi_write_get(&out, &info), 0);
	assert_int_equal(out.len, strlen("fwmark=7\nerrno=0\n\n"));
	assert_memory_equal(out.data, "fwmark=7\nerrno=0\n\n", out.len);
	wg_uapi_buf_free(&out);
}

/*
 * The client side: a get reply parsed back is what was written, and a set
 * request written from a change parses back to the same change.
 */
static void client_round_trip(void **state)
{
	struct wg_prefix aips[2];
	struct wg_peer_info peer = { .rx_bytes = 5, .tx_bytes = 6,
				     .last_handshake_sec = 77,
				     .last_handshake_nsec = 88,
				     .persistent_keepalive = 9,
				     .aips = aips, .n_aips = 2 };
	struct wg_device_info info = { .has_private_key = true,
				       .listen_port = 4242, .fwmark = 3,
				       .peers = &peer, .n_peers = 1 };
	struct wg_uapi_buf out = { 0 }, again = { 0 };
	struct wg_device_info back;
	struct wg_config cfg, cfg2;
	char *lines[64], *save, *l;
	size_t n = 0;

	(void)state;
	fill_key(info.private_key, 1);
	fill_key(peer.public_key, 2);
	fill_key(peer.preshared_key, 3);
	assert_int_equal(wg_config_parse_endpoint(&peer.endpoint,
						  "[fd00::1]:5"), 0);
	assert_int_equal(wg_config_parse_prefix(&aips[0], "10.0.0.0/8"), 0);
	assert_int_equal(wg_config_parse_prefix(&aips[1], "::/0"), 0);
	assert_int_equal(wg_uapi_write_get(&out, &info), 0);
	out.data[out.len] = '\0';
	for (l = strtok_r(out.data, "\n", &save); l && n < 64;
	     l = strtok_r(NULL, "\n", &save))
		lines[n++] = l;
	assert_int_equal(wg_uapi_parse_get(&back, (const char *const *)lines,
					   n), 0);
	assert_true(back.has_private_key);
	assert_memory_equal(back.private_key, info.private_key, WG_KEY_LEN);
	assert_int_equal(back.listen_port, 4242);
	assert_int_equal(back.fwmark, 3);
	assert_int_equal(back.n_peers, 1);
	assert_memory_equal(back.peers[0].public_key, peer.public_key,
			    WG_KEY_LEN);
	assert_memory_equal(back.peers[0].preshared_key, peer.preshared_key,
			    WG_KEY_LEN);
	assert_int_equal(back.peers[0].rx_bytes, 5);
	assert_int_equal(back.peers[0].tx_bytes, 6);
	assert_int_equal(back.peers[0].last_handshake_sec, 77);
	assert_int_equal(back.peers[0].last_handshake_nsec, 88);
	assert_int_equal(back.peers[0].persistent_keepalive, 9);
	assert_int_equal(back.peers[0].n_aips, 2);
	assert_int_equal(back.peers[0].aips[1].family, AF_INET6);
	assert_int_equal(back.peers[0].endpoint.sa.sa_family, AF_INET6);
	wg_uapi_info_free(&back);
	lines[0] = "garbage";
	assert_int_equal(wg_uapi_parse_get(&back, (const char *const *)lines,
					   1), -EPROTO);
	wg_uapi_buf_free(&out);

	/* set: written, parsed, written again: the same text. */
	static const char req[] =
		"private_key=" HEX_A "\nlisten_port=1\nfwmark=2\n"
		"replace_peers=true\npublic_key=" HEX_0 "\nupdate_only=true\n"
		"preshared_key=" HEX_A "\nendpoint=1.2.3.4:5\n"
		"persistent_keepalive_interval=25\nreplace_allowed_ips=true\n"
		"allowed_ip=10.0.0.0/8\nallowed_ip=-fd00::/64\n"
		"public_key=" HEX_A "\nremove=true\n\n";

	assert_int_equal(wg_uapi_parse_set(&cfg, req, strlen(req)), 0);
	assert_int_equal(wg_uapi_write_set(&out, &cfg), 0);
	assert_non_null(strstr(out.data, "allowed_ip=-fd00::/64\n"));
	assert_int_equal(wg_uapi_parse_set(&cfg2, out.data + 6,
					   out.len - 6), 0);
	assert_int_equal(wg_uapi_write_set(&again, &cfg2), 0);
	assert_int_equal(again.len, out.len);
	assert_memory_equal(again.data, out.data, out.len);
	wg_config_free(&cfg);
	wg_config_free(&cfg2);
	wg_uapi_buf_free(&out);
	wg_uapi_buf_free(&again);
}

static void errno_line(void **state)
{
	struct wg_uapi_buf out = { 0 };

	(void)state;
	assert_int_equal(wg_uapi_write_errno(&out, -EINVAL), 0);
	assert_int_equal(wg_uapi_write_errno(&out, 0), 0);
	assert_int_equal(out.len, strlen("errno=-22\n\nerrno=0\n\n"));
	assert_memory_equal(out.data, "errno=-22\n\nerrno=0\n\n", out.len);
	wg_uapi_buf_free(&out);
}

static struct wg_prefix *many_aips(size_t n)
{
	struct wg_prefix *a = calloc(n, sizeof(*a));
	size_t i;

	assert_non_null(a);
	for (i = 0; i < n; i++) {
		a[i].family = i & 1 ? AF_INET6 : AF_INET;
		a[i].addr[0] = 10;
		a[i].addr[1] = (uint8_t)(i >> 16);
		a[i].addr[2] = (uint8_t)(i >> 8);
		a[i].addr[3] = (uint8_t)i;
		if (i & 1)
			a[i].addr[0] = 0xfd;
		a[i].cidr = i & 1 ? 128 : 32;
	}
	return a;
}

static void get_200k_allowed_ips(void **state)
{
	const size_t n = 200000;
	struct wg_peer_info peer;
	struct wg_device_info info;
	struct wg_uapi_buf out = { 0 };
	size_t i, lines = 0;
	double t0;

	(void)state;
	memset(&info, 0, sizeof(info));
	memset(&peer, 0, sizeof(peer));
	peer.aips = many_aips(n);
	peer.n_aips = n;
	info.peers = &peer;
	info.n_peers = 1;
	t0 = now();
	assert_int_equal(wg_uapi_write_get(&out, &info), 0);
	assert_true(now() - t0 < 3.0);
	for (i = 0; i < out.len; i++)
		lines += out.data[i] == '\n';
	/* 8 peer lines, the prefixes, errno and the blank line. */
	assert_int_equal(lines, 8 + n + 2);
	assert_memory_equal(out.data + out.len - 9, "errno=0\n\n", 9);
	assert_non_null(memmem(out.data, out.len, "\nallowed_ip=10.2.13.64/32\n",
			       26));
	wg_uapi_buf_free(&out);
	free(peer.aips);
}

/* Server */

struct fake {
	int sets, gets;
	int set_ret;
	uint16_t last_port;
	size_t last_peers, last_aips;
	size_t big;			/* allowed IPs reported by get */
	struct wg_prefix *aips;
};

static int fake_set(void *ctx, const struct wg_config *cfg)
{
	struct fake *f = ctx;
	size_t i;

	f->sets++;
	if (f->set_ret)
		return f->set_ret;
	if (cfg->has_listen_port)
		f->last_port = cfg->listen_port;
	f->last_peers = cfg->n_peers;
	f->last_aips = 0;
	for (i = 0; i < cfg->n_peers; i++)
		f->last_aips += cfg->peers[i].n_aips;
	return 0;
}

static int fake_get(void *ctx, struct wg_device_info *out)
{
	struct fake *f = ctx;
	struct wg_peer_info *p;

	f->gets++;
	out->listen_port = f->last_port;
	out->has_private_key = true;
	fill_key(out->private_key, 0x42);
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	fill_key(p->public_key, 0x24);
	p->aips = f->aips;
	p->n_aips = f->big;
	out->peers = p;
	out->n_peers = 1;
	return 0;
}

static void fake_get_free(void *ctx, struct wg_device_info *info)
{
	(void)ctx;
	free(info->peers);
	wg_wipe(info, sizeof(*info));
}

static const struct wg_uapi_ops fake_ops = {
	.set = fake_set,
	.get = fake_get,
	.get_free = fake_get_free,
};

struct env {
	int epfd;
	char name[IF_NAMESIZE];
	char path[108];
	struct wg_uapi_server *srv;
	struct fake dev;
};

static int env_setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	epoll_data_t tag = { .u64 = 77 };

	if (!e)
		return -1;
	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	snprintf(e->name, sizeof(e->name), "wgxt%d", (int)getpid());
	if (e->epfd < 0 ||
	    wg_uapi_socket_path(e->path, sizeof(e->path), e->name) ||
	    wg_uapi_listen(&e->srv, e->name, e->epfd, tag, &fake_ops,
			   &e->dev)) {
		if (e->epfd >= 0)
			close(e->epfd);
		free(e);
		return -1;
	}
	*state = e;
	return 0;
}

static int env_teardown(void **state)
{
	struct env *e = *state;

	wg_uapi_close(e->srv);
	unlink(e->path);
	close(e->epfd);
	free(e->dev.aips);
	free(e);
	return 0;
}

/* Run the caller's loop until nothing is ready for `ms` milliseconds. */
static void pump(struct env *e, int ms)
{
	struct epoll_event ev[8];
	int n, i;

	for (;;) {
		n = epoll_wait(e->epfd, ev, 8, ms);
		if (n <= 0)
			return;
		for (i = 0; i < n; i++) {
			assert_int_equal(ev[i].data.u64, 77);
			assert_int_equal(wg_uapi_process(e->srv), 0);
		}
	}
}

static int client(struct env *e)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	strcpy(sun.sun_path, e->path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)),
			 0);
	return fd;
}

static void send_all(struct env *e, int fd, const char *s, size_t len)
{
	ssize_t n;

	while (len) {
		n = send(fd, s, len, MSG_NOSIGNAL);
		if (n < 0) {
			assert_int_equal(errno, EAGAIN);
			pump(e, 0);
			continue;
		}
		s += n;
		len -= (size_t)n;
	}
}

static size_t count_replies(const char *buf, size_t len)
{
	size_t n = 0, i;

	for (i = 0; i + 1 < len; i++)
		if (buf[i] == '\n' && buf[i + 1] == '\n')
			n++;
	return n;
}

/*
 * Read until `replies` replies (each ends in a blank line) have come, while
 * driving the server. Returns a malloc'ed NUL-terminated buffer.
 */
static char *recv_replies(struct env *e, int fd, size_t replies,
			  size_t *lenp)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	double t0 = now();
	ssize_t n;

	assert_non_null(buf);
	while (count_replies(buf, len) < replies) {
		assert_true(now() - t0 < 20.0);
		if (cap - len < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n > 0) {
			len += (size_t)n;
			continue;
		}
		assert_true(n < 0 && errno == EAGAIN);
		pump(e, 1);
	}
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
}

static char *request(struct env *e, int fd, const char *req, size_t replies)
{
	send_all(e, fd, req, strlen(req));
	return recv_replies(e, fd, replies, NULL);
}

/*
 * The server has hung up on fd: EOF (after any pending reply, which is
 * collected into got when given).
 */
static void assert_closed_got(struct env *e, int fd, char *got, size_t cap)
{
	char buf[256];
	double t0 = now();
	size_t len = 0;
	ssize_t n;

	for (;;) {
		assert_true(now() - t0 < 10.0);
		pump(e, 1);
		n = recv(fd, buf, sizeof(buf), 0);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			break;
		assert_true(n > 0 || errno == EAGAIN);
		if (n > 0 && got && len + (size_t)n < cap) {
			memcpy(got + len, buf, (size_t)n);
			len += (size_t)n;
		}
	}
	if (got)
		got[len] = '\0';
}

static void assert_closed(struct env *e, int fd)
{
	assert_closed_got(e, fd, NULL, 0);
}

static char *expected_get(struct env *e)
{
	struct wg_device_info info;
	struct wg_uapi_buf out = { 0 };
	char *s;

	memset(&info, 0, sizeof(info));
	assert_int_equal(fake_get(&e->dev, &info), 0);
	e->dev.gets--;
	assert_int_equal(wg_uapi_write_get(&out, &info), 0);
	fake_get_free(&e->dev, &info);
	s = strndup(out.data, out.len);
	wg_uapi_buf_free(&out);
	return s;
}

static void server_get(void **state)
{
	struct env *e = *state;
	int fd = client(e);
	char *want = expected_get(e), *got;

	got = request(e, fd, "get=1\n\n", 1);
	assert_string_equal(got, want);
	assert_non_null(strstr(got, "private_key=4242"));
	assert_int_equal(e->dev.gets, 1);
	free(got);
	free(want);
	close(fd);
	pump(e, 5);
	assert_int_equal(wg_uapi_clients(e->srv), 0);
}

static void server_set(void **state)
{
	struct env *e = *state;
	int fd = client(e);
	char *got;

	got = request(e, fd, "set=1\nlisten_port=1234\npublic_key=" HEX_A
			     "\nallowed_ip=10.0.0.0/8\n\n", 1);
	assert_string_equal(got, "errno=0\n\n");
	free(got);
	assert_int_equal(e->dev.sets, 1);
	assert_int_equal(e->dev.last_port, 1234);
	assert_int_equal(e->dev.last_peers, 1);
	assert_int_equal(e->dev.last_aips, 1);

	/* A bad line: EINVAL, the device is not called, the client is cut. */
	got = request(e, fd, "set=1\nlisten_port=99999\nfwmark=1\n\n", 1);
	assert_string_equal(got, "errno=-22\n\n");
	free(got);
	assert_int_equal(e->dev.sets, 1);
	assert_closed(e, fd);
	close(fd);

	/* No '=': EPROTO. The device's own error is passed on as is. */
	fd = client(e);
	got = request(e, fd, "set=1\nlisten_port\n\n", 1);
	assert_string_equal(got, "errno=-71\n\n");
	free(got);
	close(fd);
	fd = client(e);
	e->dev.set_ret = -EADDRINUSE;
	got = request(e, fd, "set=1\nlisten_port=1\n\n", 1);
	assert_string_equal(got, "errno=-98\n\n");
	free(got);
	assert_int_equal(e->dev.sets, 2);
	assert_int_equal(e->dev.last_port, 1234);
	close(fd);
	pump(e, 5);
	assert_int_equal(wg_uapi_clients(e->srv), 0);
}

static void server_pipelined(void **state)
{
	struct env *e = *state;
	int fd = client(e);
	char *got, *want, *p;

	/* Four operations in one write; the replies come in order. */
	got = request(e, fd,
		      "get=1\n\n"
		      "set=1\nlisten_port=4321\n\n"
		      "get=1\n\n"
		      "set=1\n\n", 4);
	want = expected_get(e);	/* now with port 4321 */
	assert_non_null(strstr(got, "listen_port=4321\n"));
	p = strstr(got, "errno=0\n\n");
	assert_non_null(p);
	p += 9;
	assert_memory_equal(p, "errno=0\n\n", 9);
	p += 9;
	assert_memory_equal(p, want, strlen(want));
	p += strlen(want);
	assert_string_equal(p, "errno=0\n\n");
	assert_int_equal(e->dev.sets, 2);
	assert_int_equal(e->dev.gets, 2);
	free(got);
	free(want);

	/* The same, one byte at a time. */
	{
		const char *req = "get=1\n\nset=1\nlisten_port=7\n\n";
		size_t i;

		for (i = 0; req[i]; i++) {
			send_all(e, fd, req + i, 1);
			pump(e, 0);
		}
		got = recv_replies(e, fd, 2, NULL);
		assert_non_null(strstr(got, "errno=0\n\nerrno=0\n\n"));
		assert_int_equal(e->dev.last_port, 7);
		free(got);
	}
	close(fd);
}

static void server_bad_operations(void **state)
{
	struct env *e = *state;
	int fd;
	char *got;

	/* An unknown operation: hung up on without a reply. */
	fd = client(e);
	send_all(e, fd, "bogus=1\n\n", 9);
	assert_closed(e, fd);
	close(fd);
	/* Something after "get=1\n" other than the blank line: EINVAL. */
	fd = client(e);
	got = request(e, fd, "get=1\nx\n", 1);
	assert_string_equal(got, "errno=-22\n\n");
	free(got);
	assert_closed(e, fd);
	close(fd);
	assert_int_equal(e->dev.gets, 0);
	pump(e, 5);
	assert_int_equal(wg_uapi_clients(e->srv), 0);
}

static void server_100_clients(void **state)
{
	struct env *e = *state;
	char *want = expected_get(e), *got;
	int fds[100];
	size_t i;

	for (i = 0; i < 100; i++) {
		fds[i] = client(e);
		send_all(e, fds[i], "get=1\n\n", 7);
	}
	pump(e, 5);
	assert_int_equal(wg_uapi_clients(e->srv), 100);
	for (i = 0; i < 100; i++) {
		got = recv_replies(e, fds[i], 1, NULL);
		assert_string_equal(got, want);
		free(got);
	}
	assert_int_equal(e->dev.gets, 100);
	for (i = 0; i < 100; i++)
		close(fds[i]);
	pump(e, 5);
	assert_int_equal(wg_uapi_clients(e->srv), 0);
	free(want);
}

static void server_hangup_mid_message(void **state)
{
	struct env *e = *state;
	int fd = client(e);
	char *got;

	send_all(e, fd, "set=1\nlisten_port=5555\npublic_key=" HEX_A "\n",
		 strlen("set=1\nlisten_port=5555\npublic_key=" HEX_A "\n"));
	pump(e, 5);
	assert_int_equal(wg_uapi_clients(e->srv), 1);
	close(fd);
	pump(e, 5);
	/* Nothing applied, the client is gone, the server still answers. */
	assert_int_equal(e->dev.sets, 0);
	assert_int_equal(wg_uapi_clients(e->srv), 0);
	/* Also mid-line, and mid-get. */
	fd = client(e);
	send_all(e, fd, "set=1\nlisten_po", 15);
	pump(e, 5);
	close(fd);
	fd = client(e);
	send_all(e, fd, "get=1\n", 6);
	pump(e, 5);
	close(fd);
	pump(e, 5);
	assert_int_equal(e->dev.sets, 0);
	assert_int_equal(e->dev.gets, 0);
	assert_int_equal(wg_uapi_clients(e->srv), 0);
	fd = client(e);
	got = request(e, fd, "set=1\nlisten_port=6\n\n", 1);
	assert_string_equal(got, "errno=0\n\n");
	free(got);
	close(fd);
}

/* Push 4 MiB of garbage; the server must hang up long before. */
static void flood(struct env *e, int fd, const char *prefix)
{
	const size_t total = 4u << 20;
	char chunk[65536];
	size_t sent = 0;
	double t0 = now();
	ssize_t n;

	memset(chunk, 'A', sizeof(chunk));
	send_all(e, fd, prefix, strlen(prefix));
	while (sent < total) {
		assert_true(now() - t0 < 20.0);
		n = send(fd, chunk, sizeof(chunk), MSG_NOSIGNAL);
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
			break;
		if (n < 0) {
			assert_int_equal(errno, EAGAIN);
			pump(e, 1);
			continue;
		}
		sent += (size_t)n;
	}
	assert_true(sent < total);
}

static void server_garbage(void **state)
{
	struct env *e = *state;
	int fd, other = client(e);
	char buf[64], *got;

	/* No newline at all, before any operation: cut off. */
	fd = client(e);
	flood(e, fd, "");
	assert_closed(e, fd);
	close(fd);
	/* Inside a set body: the EIO reply, then cut off. */
	fd = client(e);
	flood(e, fd, "set=1\n");
	assert_closed_got(e, fd, buf, sizeof(buf));
	assert_string_equal(buf, "errno=-5\n\n");
	close(fd);
	assert_int_equal(e->dev.sets, 0);
	/* The other client, connected all along, is still served. */
	assert_int_equal(wg_uapi_clients(e->srv), 1);
	got = request(e, other, "set=1\nlisten_port=8\n\n", 1);
	assert_string_equal(got, "errno=0\n\n");
	free(got);
	close(other);
}

static void server_big_get(void **state)
{
	struct env *e = *state;
	char *want, *got;
	size_t len;
	int fd = client(e);
	int other = client(e);

	e->dev.big = 200000;
	e->dev.aips = many_aips(e->dev.big);
	want = expected_get(e);
	assert_true(strlen(want) > 4u << 20);
	send_all(e, fd, "get=1\n\n", 7);
	pump(e, 0);
	/* While the big reply waits for the socket to drain, others go on. */
	free(request(e, other, "set=1\n\n", 1));
	got = recv_replies(e, fd, 1, &len);
	assert_int_equal(len, strlen(want));
	assert_string_equal(got, want);
	free(got);
	free(want);
	close(fd);
	close(other);
}

static void server_socket_file(void **state)
{
	struct env *e = *state;
	struct wg_uapi_server *srv2;
	epoll_data_t tag = { .u64 = 78 };
	struct stat st;
	char *got;
	int fd;

	assert_int_equal(stat(e->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(stat(WG_UAPI_DIR, &st), 0);
	assert_true(S_ISDIR(st.st_mode));

	/* A live socket: refused, and left alone. */
	assert_int_equal(wg_uapi_listen(&srv2, e->name, e->epfd, tag,
					&fake_ops, &e->dev), -EADDRINUSE);
	fd = client(e);
	got = request(e, fd, "set=1\n\n", 1);
	assert_string_equal(got, "errno=0\n\n");
	free(got);
	close(fd);

	/* Closing removes the file. */
	wg_uapi_close(e->srv);
	e->srv = NULL;
	assert_int_equal(stat(e->path, &st), -1);
	assert_int_equal(errno, ENOENT);

	/* A stale socket file (nobody listening) is replaced. */
	{
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		int s = socket(AF_UNIX, SOCK_STREAM, 0);

		strcpy(sun.sun_path, e->path);
		assert_int_equal(bind(s, (struct sockaddr *)&sun,
				      sizeof(sun)), 0);
		close(s);
		assert_int_equal(stat(e->path, &st), 0);
	}
	assert_int_equal(wg_uapi_listen(&e->srv, e->name, e->epfd,
					(epoll_data_t){ .u64 = 77 },
					&fake_ops, &e->dev), 0);
	fd = client(e);
	got = request(e, fd, "set=1\nlisten_port=3\n\n", 1);
	assert_string_equal(got, "errno=0\n\n");
	free(got);
	close(fd);
	assert_int_equal(e->dev.last_port, 3);
	wg_uapi_close(e->srv);
	e->srv = NULL;

	/* Something that is not a socket is not ours to remove. */
	fd = open(e->path, O_CREAT | O_WRONLY | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(wg_uapi_listen(&e->srv, e->name, e->epfd,
					(epoll_data_t){ .u64 = 77 },
					&fake_ops, &e->dev), -EEXIST);
	assert_int_equal(stat(e->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	unlink(e->path);
	assert_int_equal(wg_uapi_listen(&e->srv, e->name, e->epfd,
					(epoll_data_t){ .u64 = 77 },
					&fake_ops, &e->dev), 0);
}

static void server_bad_names(void **state)
{
	struct env *e = *state;
	struct wg_uapi_server *srv;
	static const char *const bad[] = {
		"", "a/b", ".", "..", "0123456789abcdef",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(wg_uapi_listen(&srv, bad[i], e->epfd,
						(epoll_data_t){ .u64 = 1 },
						&fake_ops, &e->dev), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(set_full),
		cmocka_unit_test(client_round_trip),
		cmocka_unit_test(set_zero_keys),
		cmocka_unit_test(set_minimal),
		cmocka_unit_test(set_bad_lines),
		cmocka_unit_test(set_embedded_nul),
		cmocka_unit_test(set_long_line),
		cmocka_unit_test(set_streaming),
		cmocka_unit_test(set_100k_allowed_ips),
		cmocka_unit_test(get_exact),
		cmocka_unit_test(errno_line),
		cmocka_unit_test(get_200k_allowed_ips),
		cmocka_unit_test_setup_teardown(server_get, env_setup,
						env_teardown),
		cmocka_unit_test_setup_teardown(server_set, env_setup,
						env_teardown),
		cmocka_unit_test_setup_teardown(server_pipelined, env_setup,
						env_teardown),
		cmocka_unit_test_setup_teardown(server_bad_operations,
						env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(server_100_clients, env_setup,
						env_teardown),
		cmocka_unit_test_setup_teardown(server_hangup_mid_message,
						env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(server_garbage, env_setup,
						env_teardown),
		cmocka_unit_test_setup_teardown(server_big_get, env_setup,
						env_teardown),
		cmocka_unit_test_setup_teardown(server_socket_file, env_setup,
						env_teardown),
		cmocka_unit_test_setup_teardown(server_bad_names, env_setup,
						env_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

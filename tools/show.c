// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * `wg-xdp show [WGNAME|all|interfaces] [VIEW] [--json]`: what `wg show`
 * prints (same text, same sub-views, peers sorted by latest handshake, no
 * terminal colours) plus the data plane from the "wgxdp=1" request. A
 * server that does not know that request (wireguard-go) only loses the
 * data-plane part.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <netdb.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "crypto.h"
#include "ipc.h"
#include "uapi.h"

#define NAME_LEN 64

struct show_stat {
	char name[NAME_LEN];
	uint64_t packets, bytes;
};

/* One peer's outer path from the "wgxdp=1" answer (peer_path=...). */
struct show_path {
	uint8_t public_key[WG_KEY_LEN];
	char kind[8];	/* "xdp" or "udp" */
	char why[80];
};

/*
 * What `show` prints: the get=1 snapshot in the daemon's own model (uapi.h,
 * shared with `set`, `save`, `syncconf` and `metrics`) and the "wgxdp=1"
 * data-plane report.
 */
struct show_dev {
	char name[IFNAMSIZ];
	struct wg_device_info info;
	uint8_t pub[WG_KEY_LEN];	/* of info.private_key */
	/* The "wgxdp=1" answer, when the server gave one. */
	bool has_xdp;
	char path[NAME_LEN], nic[IFNAMSIZ], lan[IFNAMSIZ];
	char lan_netfilter[NAME_LEN]; /* "bypassed" in gateway mode */
	char xdp_mode[NAME_LEN], xsk_mode[NAME_LEN], tx[NAME_LEN], tx_why[96];
	unsigned int queues;
	bool debug;
	struct show_stat *stats; /* XDP stats by reason */
	size_t nstats;
	struct show_stat *counters; /* daemon counters (packets only) */
	size_t ncounters;
	struct show_path *paths; /* per peer: which path and why */
	size_t npaths;
};

static const char *const views[] = {
	"public-key", "private-key", "listen-port", "fwmark", "peers",
	"preshared-keys", "endpoints", "allowed-ips", "latest-handshakes",
	"transfer", "persistent-keepalive", "dump",
};

static void show_usage(FILE *f)
{
	fprintf(f,
		"Usage: wg-xdp show [{ <wg-interface> | all | interfaces }] [public-key | private-key | listen-port | fwmark | peers | preshared-keys | endpoints | allowed-ips | latest-handshakes | transfer | persistent-keepalive | dump] [--json]\n");
}

static void dev_free(struct show_dev *d)
{
	wg_uapi_info_free(&d->info);
	free(d->stats);
	free(d->counters);
	free(d->paths);
	sodium_memzero(d, sizeof(*d));
}

static int add_stat(struct show_stat **arr, size_t *n, const char *v,
		    bool with_bytes)
{
	struct show_stat s = { 0 }, *grown;
	char name[NAME_LEN];
	unsigned long long a = 0, b = 0;
	int got;

	got = sscanf(v, "%63s %llu %llu", name, &a, &b);
	if (got != (with_bytes ? 3 : 2))
		return -EPROTO;
	snprintf(s.name, sizeof(s.name), "%s", name);
	s.packets = a;
	s.bytes = b;
	grown = realloc(*arr, (*n + 1) * sizeof(**arr));
	if (!grown)
		return -ENOMEM;
	*arr = grown;
	grown[(*n)++] = s;
	return 0;
}

/* "HEX64 xdp|udp WHY...". */
static int add_path(struct show_dev *d, const char *v)
{
	struct show_path pp = { 0 }, *grown;
	const char *kind = strchr(v, ' '), *why;
	size_t klen;

	if (!kind || wg_config_key_from_hex(pp.public_key, v, (size_t)(kind - v)))
		return -EPROTO;
	kind++;
	why = strchr(kind, ' ');
	klen = why ? (size_t)(why - kind) : strlen(kind);
	if (!klen || klen >= sizeof(pp.kind))
		return -EPROTO;
	memcpy(pp.kind, kind, klen);
	snprintf(pp.why, sizeof(pp.why), "%s", why ? why + 1 : "");
	grown = realloc(d->paths, (d->npaths + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	d->paths = grown;
	grown[d->npaths++] = pp;
	return 0;
}

static const struct show_path *path_of(const struct show_dev *d,
				       const uint8_t key[WG_KEY_LEN])
{
	for (size_t i = 0; i < d->npaths; i++)
		if (!memcmp(d->paths[i].public_key, key, WG_KEY_LEN))
			return &d->paths[i];
	return NULL;
}

static int xdp_line(struct show_dev *d, const char *key, const char *v)
{
	uint64_t n;

	if (!strcmp(key, "path"))
		snprintf(d->path, sizeof(d->path), "%s", v);
	else if (!strcmp(key, "nic"))
		snprintf(d->nic, sizeof(d->nic), "%s", v);
	else if (!strcmp(key, "lan"))
		snprintf(d->lan, sizeof(d->lan), "%s", v);
	else if (!strcmp(key, "lan_netfilter"))
		snprintf(d->lan_netfilter, sizeof(d->lan_netfilter), "%s", v);
	else if (!strcmp(key, "xdp_mode"))
		snprintf(d->xdp_mode, sizeof(d->xdp_mode), "%s", v);
	else if (!strcmp(key, "xsk_mode"))
		snprintf(d->xsk_mode, sizeof(d->xsk_mode), "%s", v);
	else if (!strcmp(key, "tx"))
		snprintf(d->tx, sizeof(d->tx), "%s", v);
	else if (!strcmp(key, "tx_why"))
		snprintf(d->tx_why, sizeof(d->tx_why), "%s", v);
	else if (!strcmp(key, "queues") && wg_config_parse_u64(v, 1U << 20, &n))
		d->queues = (unsigned int)n;
	else if (!strcmp(key, "debug"))
		d->debug = !strcmp(v, "1");
	else if (!strcmp(key, "stat"))
		return add_stat(&d->stats, &d->nstats, v, true);
	else if (!strcmp(key, "counter"))
		return add_stat(&d->counters, &d->ncounters, v, false);
	else if (!strcmp(key, "peer_path"))
		return add_path(d, v);
	return 0;
}

static int walk_xdp(struct wg_ipc_reply *r, struct show_dev *d)
{
	for (size_t i = 0; i < r->count; i++) {
		char *eq = strchr(r->lines[i], '=');
		int ret;

		if (!eq)
			return -EPROTO;
		*eq = '\0';
		ret = xdp_line(d, r->lines[i], eq + 1);
		*eq = '=';
		if (ret)
			return ret;
	}
	return 0;
}

/* Ask NAME for get=1 and wgxdp=1; 0 or -errno (wg's errors). */
static int fetch(struct show_dev *d, const char *name)
{
	struct wg_ipc_reply r = { 0 };
	int ret;

	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	ret = wg_ipc_request(name, "get=1\n\n", &r);
	if (!ret)
		ret = wg_uapi_parse_get(&d->info, (const char *const *)r.lines,
					r.count);
	wg_ipc_reply_free(&r);
	if (ret) {
		dev_free(d);
		return ret;
	}
	if (d->info.has_private_key)
		wg_pubkey(d->pub, d->info.private_key);
	if (!wg_ipc_request(name, "wgxdp=1\n\n", &r) && r.count) {
		d->has_xdp = !walk_xdp(&r, d);
		if (!d->has_xdp) {
			free(d->stats);
			free(d->counters);
			d->stats = d->counters = NULL;
			d->nstats = d->ncounters = 0;
		}
	}
	wg_ipc_reply_free(&r);
	return 0;
}

static const char *key64(const uint8_t k[WG_KEY_LEN])
{
	static char b64[WG_KEY_B64_LEN + 1];

	wg_key_to_base64(b64, k);
	return b64;
}

static const char *masked(const uint8_t k[WG_KEY_LEN])
{
	const char *var = getenv("WG_HIDE_KEYS");

	if (var && !strcmp(var, "never"))
		return key64(k);
	return "(hidden)";
}

/* wg's order: most recent handshake first, never-handshaken last. */
static int peer_cmp(const void *x, const void *y)
{
	const struct wg_peer_info *a = x, *b = y;
	bool az = !a->last_handshake_sec && !a->last_handshake_nsec;
	bool bz = !b->last_handshake_sec && !b->last_handshake_nsec;

	if (az != bz)
		return az ? 1 : -1;
	if (a->last_handshake_sec != b->last_handshake_sec)
		return a->last_handshake_sec < b->last_handshake_sec ? 1 : -1;
	if (a->last_handshake_nsec != b->last_handshake_nsec)
		return a->last_handshake_nsec < b->last_handshake_nsec ? 1 : -1;
	return 0;
}

static bool has_psk(const struct wg_peer_info *p)
{
	return !sodium_is_zero(p->preshared_key, WG_KEY_LEN);
}

/* The peer's endpoint as wg prints it, "" for none. */
static const char *ep_text(const struct wg_peer_info *p)
{
	static char buf[WG_ENDPOINT_STRLEN];

	if (wg_config_format_endpoint(&p->endpoint, buf, sizeof(buf)) < 0)
		buf[0] = '\0';
	return buf;
}

/* Allowed IP j of p, "10.0.0.0/8". */
static const char *aip(const struct wg_peer_info *p, size_t j)
{
	static char buf[WG_PREFIX_STRLEN];

	if (wg_config_format_prefix(&p->aips[j], buf, sizeof(buf)) < 0)
		buf[0] = '\0';
	return buf;
}

/* "drop_bad_len" is listed as "bad_len" under "xdp drops". */
static const char *const kinds[][2] = {
	{ "drop", "xdp drops" },
	{ "pass", "xdp passes" },
	{ "redirect", "xdp redirects" },
};

static int kind_of(const char *name)
{
	for (int k = 0; k < 3; k++)
		if (!strncmp(name, kinds[k][0], strlen(kinds[k][0])))
			return k;
	return -1;
}

static void print_stats(const struct show_dev *d)
{
	char b[64];

	for (int k = -1; k < 3; k++) {
		bool head = false;

		for (size_t i = 0; i < d->nstats; i++) {
			const struct show_stat *s = &d->stats[i];
			const char *name = s->name;
			size_t pl;

			if (!s->packets && !s->bytes)
				continue;
			if (kind_of(name) != k)
				continue;
			if (!head)
				printf("  %s:\n", k < 0 ? "xdp other" :
				       kinds[k][1]);
			head = true;
			pl = k < 0 ? 0 : strlen(kinds[k][0]);
			if (pl && name[pl] == '_')
				name += pl + 1;
			wg_cli_bytes(b, sizeof(b), s->bytes);
			printf("    %s: %" PRIu64 " packet%s, %s\n", name,
			       s->packets, s->packets == 1 ? "" : "s", b);
		}
	}
	for (size_t i = 0, head = 0; i < d->ncounters; i++) {
		if (!d->counters[i].packets)
			continue;
		if (!head++)
			printf("  daemon counters:\n");
		printf("    %s: %" PRIu64 "\n", d->counters[i].name,
		       d->counters[i].packets);
	}
}

static void print_xdp(const struct show_dev *d)
{
	if (!strcmp(d->path, "xdp"))
		printf("  data path: xdp (%s), AF_XDP %s mode, %u queue%s\n",
		       *d->xdp_mode ? d->xdp_mode : "?",
		       *d->xsk_mode ? d->xsk_mode : "?", d->queues,
		       d->queues == 1 ? "" : "s");
	else if (!strcmp(d->path, "udp"))
		printf("  data path: udp socket\n");
	else if (*d->path)
		printf("  data path: %s\n", d->path);
	if (*d->tx)
		printf("  transmit: %s (%s)\n",
		       !strcmp(d->tx, "udp") ? "udp gso" :
		       !strcmp(d->tx, "xdp") ? "af_xdp" : d->tx,
		       d->tx_why);
	if (*d->nic)
		printf("  nic: %s\n", d->nic);
	if (*d->lan)
		printf("  gateway lan: %s\n", d->lan);
	if (*d->lan_netfilter)
		printf("  gateway netfilter: %s (FORWARD rules do not see "
		       "fast-path packets)\n", d->lan_netfilter);
	printf("  debug: %s\n", d->debug ? "on" : "off");
	print_stats(d);
}

static void pretty(struct show_dev *d)
{
	char buf[1024];
	int64_t now = (int64_t)time(NULL);

	printf("interface: %s\n", d->name);
	if (d->info.has_private_key) {
		printf("  public key: %s\n", key64(d->pub));
		printf("  private key: %s\n", masked(d->info.private_key));
	}
	if (d->info.listen_port)
		printf("  listening port: %u\n", d->info.listen_port);
	if (d->info.fwmark)
		printf("  fwmark: 0x%x\n", d->info.fwmark);
	if (d->has_xdp)
		print_xdp(d);
	if (d->info.n_peers) {
		qsort(d->info.peers, d->info.n_peers, sizeof(*d->info.peers), peer_cmp);
		printf("\n");
	}
	for (size_t i = 0; i < d->info.n_peers; i++) {
		const struct wg_peer_info *p = &d->info.peers[i];
		const struct show_path *pp = path_of(d, p->public_key);

		printf("peer: %s\n", key64(p->public_key));
		if (has_psk(p))
			printf("  preshared key: %s\n", masked(p->preshared_key));
		if (*ep_text(p))
			printf("  endpoint: %s\n", ep_text(p));
		if (pp)
			printf("  path: %s (%s)\n", pp->kind, pp->why);
		printf("  allowed ips: ");
		for (size_t j = 0; j < p->n_aips; j++)
			printf("%s%s", aip(p, j),
			       j + 1 < p->n_aips ? ", " : "\n");
		if (!p->n_aips)
			printf("(none)\n");
		if (p->last_handshake_sec) {
			wg_cli_ago(buf, sizeof(buf), p->last_handshake_sec, now);
			printf("  latest handshake: %s\n", buf);
		}
		if (p->rx_bytes || p->tx_bytes) {
			wg_cli_bytes(buf, sizeof(buf), p->rx_bytes);
			printf("  transfer: %s received, ", buf);
			wg_cli_bytes(buf, sizeof(buf), p->tx_bytes);
			printf("%s sent\n", buf);
		}
		if (p->persistent_keepalive) {
			wg_cli_every(buf, sizeof(buf), p->persistent_keepalive);
			printf("  persistent keepalive: %s\n", buf);
		}
		if (i + 1 < d->info.n_peers)
			printf("\n");
	}
}

static const char *maybe(const uint8_t k[WG_KEY_LEN], bool have)
{
	return have ? key64(k) : "(none)";
}

static void dump(const struct show_dev *d, bool with_name)
{
	if (with_name)
		printf("%s\t", d->name);
	printf("%s\t", maybe(d->info.private_key, d->info.has_private_key));
	printf("%s\t", maybe(d->pub, d->info.has_private_key));
	printf("%u\t", d->info.listen_port);
	if (d->info.fwmark)
		printf("0x%x\n", d->info.fwmark);
	else
		printf("off\n");
	for (size_t i = 0; i < d->info.n_peers; i++) {
		const struct wg_peer_info *p = &d->info.peers[i];

		if (with_name)
			printf("%s\t", d->name);
		printf("%s\t", key64(p->public_key));
		printf("%s\t", maybe(p->preshared_key, has_psk(p)));
		printf("%s\t", *ep_text(p) ? ep_text(p) : "(none)");
		for (size_t j = 0; j < p->n_aips; j++)
			printf("%s%c", aip(p, j),
			       j + 1 < p->n_aips ? ',' : '\t');
		if (!p->n_aips)
			printf("(none)\t");
		printf("%" PRId64 "\t", p->last_handshake_sec);
		printf("%" PRIu64 "\t%" PRIu64 "\t", p->rx_bytes, p->tx_bytes);
		if (p->persistent_keepalive)
			printf("%u\n", p->persistent_keepalive);
		else
			printf("off\n");
	}
}

/* One of wg's sub-views, named view (already checked). */
static void ugly(const struct show_dev *d, const char *view, bool with_name)
{
	const char *pre = with_name ? d->name : NULL;

#define NAME() (pre ? printf("%s\t", pre) : 0)
	if (!strcmp(view, "public-key")) {
		NAME();
		printf("%s\n", maybe(d->pub, d->info.has_private_key));
	} else if (!strcmp(view, "private-key")) {
		NAME();
		printf("%s\n", maybe(d->info.private_key, d->info.has_private_key));
	} else if (!strcmp(view, "listen-port")) {
		NAME();
		printf("%u\n", d->info.listen_port);
	} else if (!strcmp(view, "fwmark")) {
		NAME();
		if (d->info.fwmark)
			printf("0x%x\n", d->info.fwmark);
		else
			printf("off\n");
	} else if (!strcmp(view, "dump")) {
		dump(d, with_name);
	}
	for (size_t i = 0; i < d->info.n_peers; i++) {
		const struct wg_peer_info *p = &d->info.peers[i];

		if (!strcmp(view, "endpoints")) {
			NAME();
			printf("%s\t%s\n", key64(p->public_key),
			       *ep_text(p) ? ep_text(p) : "(none)");
		} else if (!strcmp(view, "allowed-ips")) {
			NAME();
			printf("%s\t", key64(p->public_key));
			for (size_t j = 0; j < p->n_aips; j++)
				printf("%s%c", aip(p, j),
				       j + 1 < p->n_aips ? ' ' : '\n');
			if (!p->n_aips)
				printf("(none)\n");
		} else if (!strcmp(view, "latest-handshakes")) {
			NAME();
			printf("%s\t%" PRId64 "\n", key64(p->public_key), p->last_handshake_sec);
		} else if (!strcmp(view, "transfer")) {
			NAME();
			printf("%s\t%" PRIu64 "\t%" PRIu64 "\n", key64(p->public_key),
			       p->rx_bytes, p->tx_bytes);
		} else if (!strcmp(view, "persistent-keepalive")) {
			NAME();
			if (p->persistent_keepalive)
				printf("%s\t%u\n", key64(p->public_key), p->persistent_keepalive);
			else
				printf("%s\toff\n", key64(p->public_key));
		} else if (!strcmp(view, "preshared-keys")) {
			NAME();
			printf("%s\t", key64(p->public_key));
			printf("%s\n", maybe(p->preshared_key, has_psk(p)));
		} else if (!strcmp(view, "peers")) {
			NAME();
			printf("%s\n", key64(p->public_key));
		}
	}
#undef NAME
}

static void json_name_or_null(const char *s)
{
	if (*s)
		wg_cli_json_str(stdout, s);
	else
		fputs("null", stdout);
}

static void json_stats(const struct show_stat *s, size_t n, bool bytes)
{
	putchar('{');
	for (size_t i = 0; i < n; i++) {
		if (i)
			putchar(',');
		wg_cli_json_str(stdout, s[i].name);
		if (bytes)
			printf(":{\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
			       "}", s[i].packets, s[i].bytes);
		else
			printf(":%" PRIu64, s[i].packets);
	}
	putchar('}');
}

static void json(const struct show_dev *d)
{
	printf("{\"interface\":");
	wg_cli_json_str(stdout, d->name);
	printf(",\"public_key\":");
	json_name_or_null(d->info.has_private_key ? key64(d->pub) : "");
	printf(",\"private_key\":");
	json_name_or_null(d->info.has_private_key ? masked(d->info.private_key) : "");
	printf(",\"listen_port\":%u,\"fwmark\":%" PRIu32, d->info.listen_port, d->info.fwmark);
	printf(",\"data_plane\":");
	if (d->has_xdp) {
		printf("{\"path\":");
		json_name_or_null(d->path);
		printf(",\"xdp_mode\":");
		json_name_or_null(d->xdp_mode);
		printf(",\"xsk_mode\":");
		json_name_or_null(d->xsk_mode);
		printf(",\"transmit\":");
		json_name_or_null(d->tx);
		printf(",\"transmit_why\":");
		json_name_or_null(d->tx_why);
		printf(",\"queues\":%u,\"nic\":", d->queues);
		json_name_or_null(d->nic);
		printf(",\"lan\":");
		json_name_or_null(d->lan);
		printf(",\"lan_netfilter\":");
		json_name_or_null(d->lan_netfilter);
		printf(",\"debug\":%s,\"xdp_stats\":",
		       d->debug ? "true" : "false");
		json_stats(d->stats, d->nstats, true);
		printf(",\"counters\":");
		json_stats(d->counters, d->ncounters, false);
		putchar('}');
	} else {
		printf("null");
	}
	printf(",\"peers\":[");
	for (size_t i = 0; i < d->info.n_peers; i++) {
		const struct wg_peer_info *p = &d->info.peers[i];

		printf("%s{\"public_key\":", i ? "," : "");
		wg_cli_json_str(stdout, key64(p->public_key));
		printf(",\"preshared_key\":");
		json_name_or_null(has_psk(p) ? masked(p->preshared_key) : "");
		printf(",\"endpoint\":");
		json_name_or_null(ep_text(p));
		if (path_of(d, p->public_key)) {
			printf(",\"path\":");
			wg_cli_json_str(stdout, path_of(d, p->public_key)->kind);
			printf(",\"path_reason\":");
			wg_cli_json_str(stdout, path_of(d, p->public_key)->why);
		}
		printf(",\"allowed_ips\":[");
		for (size_t j = 0; j < p->n_aips; j++) {
			if (j)
				putchar(',');
			wg_cli_json_str(stdout, aip(p, j));
		}
		printf("],\"latest_handshake\":%" PRId64
		       ",\"latest_handshake_nsec\":%" PRId64
		       ",\"transfer_rx\":%" PRIu64 ",\"transfer_tx\":%" PRIu64
		       ",\"persistent_keepalive\":%u}",
		       p->last_handshake_sec, p->last_handshake_nsec, p->rx_bytes, p->tx_bytes, p->persistent_keepalive);
	}
	printf("]}");
}

static bool known_view(const char *v)
{
	for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++)
		if (!strcmp(v, views[i]))
			return true;
	return false;
}

static int show_all(const char *view, bool as_json)
{
	char **names;
	size_t n;
	int ret = wg_ipc_list(&names, &n);

	if (ret) {
		fprintf(stderr, "Unable to list interfaces: %s\n",
			strerror(-ret));
		return 1;
	}
	if (as_json)
		putchar('{');
	for (size_t i = 0, shown = 0; i < n; i++) {
		struct show_dev d;

		ret = fetch(&d, names[i]);
		if (ret) {
			fprintf(stderr, "Unable to access interface %s: %s\n",
				names[i], strerror(-ret));
			continue;
		}
		if (as_json) {
			if (shown)
				putchar(',');
			wg_cli_json_str(stdout, names[i]);
			putchar(':');
			json(&d);
		} else if (view) {
			ugly(&d, view, true);
		} else {
			if (shown)
				printf("\n");
			pretty(&d);
		}
		shown++;
		dev_free(&d);
	}
	if (as_json)
		printf("}\n");
	wg_ipc_names_free(names, n);
	return 0;
}

static int show_interfaces(bool as_json)
{
	char **names;
	size_t n;
	int ret = wg_ipc_list(&names, &n);

	if (ret) {
		fprintf(stderr, "Unable to list interfaces: %s\n",
			strerror(-ret));
		return 1;
	}
	if (as_json) {
		putchar('[');
		for (size_t i = 0; i < n; i++) {
			if (i)
				putchar(',');
			wg_cli_json_str(stdout, names[i]);
		}
		printf("]\n");
	} else {
		for (size_t i = 0; i < n; i++)
			printf("%s%c", names[i], i + 1 < n ? ' ' : '\n');
	}
	wg_ipc_names_free(names, n);
	return 0;
}

int wg_cmd_show(int argc, char *argv[])
{
	const char *pos[3] = { NULL };
	bool as_json = false;
	struct show_dev d;
	int npos = 0, ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			as_json = true;
		} else if (!strcmp(argv[i], "-h") ||
			   !strcmp(argv[i], "--help") ||
			   !strcmp(argv[i], "help")) {
			show_usage(stdout);
			return 0;
		} else if (npos == 2) {
			fprintf(stderr, "wg-xdp show: unexpected word '%s'\n",
				argv[i]);
			show_usage(stderr);
			return 1;
		} else {
			pos[npos++] = argv[i];
		}
	}
	if (npos == 2 && !known_view(pos[1])) {
		fprintf(stderr, "wg-xdp show: invalid parameter '%s'\n",
			pos[1]);
		show_usage(stderr);
		return 1;
	}
	if (npos == 2 && as_json) {
		fprintf(stderr, "wg-xdp show: --json takes no '%s'\n", pos[1]);
		return 1;
	}
	ret = wg_crypto_init();
	if (ret) {
		fprintf(stderr, "wg-xdp show: cannot initialise libsodium\n");
		return 1;
	}
	if (!npos || !strcmp(pos[0], "all"))
		return show_all(pos[1], as_json);
	if (!strcmp(pos[0], "interfaces")) {
		if (npos > 1) {
			fprintf(stderr, "wg-xdp show: unexpected word '%s'\n",
				pos[1]);
			show_usage(stderr);
			return 1;
		}
		return show_interfaces(as_json);
	}
	if (!wg_cmd_is_ifname(pos[0])) {
		fprintf(stderr, "wg-xdp show: invalid interface name '%s'\n",
			pos[0]);
		return 1;
	}
	ret = fetch(&d, pos[0]);
	if (ret) {
		fprintf(stderr, "Unable to access interface: %s\n",
			strerror(-ret));
		return 1;
	}
	if (as_json) {
		json(&d);
		putchar('\n');
	} else if (npos == 2) {
		ugly(&d, pos[1], false);
	} else {
		pretty(&d);
	}
	dev_free(&d);
	return 0;
}

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

#define EP_LEN (NI_MAXHOST + NI_MAXSERV + 4)
#define CIDR_LEN (INET6_ADDRSTRLEN + 5)
#define NAME_LEN 64

struct show_peer {
	uint8_t pub[WG_KEY_LEN];
	uint8_t psk[WG_KEY_LEN];
	bool has_psk;
	char endpoint[EP_LEN]; /* "" for none */
	char (*aips)[CIDR_LEN];
	size_t naips;
	int64_t hs_sec, hs_nsec;
	uint64_t rx, tx;
	unsigned int pka;
};

struct show_stat {
	char name[NAME_LEN];
	uint64_t packets, bytes;
};

struct show_dev {
	char name[IFNAMSIZ];
	bool has_priv;
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN];
	unsigned int port;
	uint32_t fwmark;
	struct show_peer *peers;
	size_t npeers;
	/* The "wgxdp=1" answer, when the server gave one. */
	bool has_xdp;
	char path[NAME_LEN], nic[IFNAMSIZ], lan[IFNAMSIZ];
	char lan_netfilter[NAME_LEN]; /* "bypassed" in gateway mode */
	char xdp_mode[NAME_LEN], xsk_mode[NAME_LEN];
	unsigned int queues;
	bool debug;
	struct show_stat *stats; /* XDP stats by reason */
	size_t nstats;
	struct show_stat *counters; /* daemon counters (packets only) */
	size_t ncounters;
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
	for (size_t i = 0; i < d->npeers; i++)
		free(d->peers[i].aips);
	if (d->peers)
		sodium_memzero(d->peers, d->npeers * sizeof(*d->peers));
	free(d->peers);
	free(d->stats);
	free(d->counters);
	sodium_memzero(d, sizeof(*d));
}

static int num(const char *v, uint64_t max, uint64_t *out)
{
	unsigned long long n;
	char *end;

	if (v[0] < '0' || v[0] > '9')
		return -EPROTO;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (*end || errno || n > max)
		return -EPROTO;
	*out = n;
	return 0;
}

/* Re-print an endpoint in wg's form, checking it is an address. */
static int endpoint(char out[EP_LEN], const char *v)
{
	char host[INET6_ADDRSTRLEN + IFNAMSIZ + 2], *port;
	uint8_t addr[16];
	uint64_t p;
	size_t len;

	if (v[0] == '[') {
		port = strstr(v, "]:");
		if (!port)
			return -EPROTO;
		len = (size_t)(port - v - 1);
		port += 2;
		if (len >= sizeof(host))
			return -EPROTO;
		memcpy(host, v + 1, len);
	} else {
		port = strrchr(v, ':');
		if (!port)
			return -EPROTO;
		len = (size_t)(port - v);
		port++;
		if (len >= sizeof(host))
			return -EPROTO;
		memcpy(host, v, len);
	}
	host[len] = '\0';
	if (num(port, 65535, &p))
		return -EPROTO;
	if (strchr(host, ':')) {
		char bare[INET6_ADDRSTRLEN + 1];

		/* A link-local address may carry its "%scope". */
		snprintf(bare, sizeof(bare), "%.*s",
			 (int)strcspn(host, "%"), host);
		if (inet_pton(AF_INET6, bare, addr) != 1)
			return -EPROTO;
		snprintf(out, EP_LEN, "[%s]:%" PRIu64, host, p);
	} else {
		if (inet_pton(AF_INET, host, addr) != 1)
			return -EPROTO;
		snprintf(out, EP_LEN, "%s:%" PRIu64, host, p);
	}
	return 0;
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

/* One get=1 line; peer is the current peer or NULL. */
static int get_line(struct show_dev *d, char *key, char *v)
{
	struct show_peer *p = d->npeers ? &d->peers[d->npeers - 1] : NULL;
	uint64_t n;

	if (!p && !strcmp(key, "private_key")) {
		if (wg_key_from_hex(d->priv, v))
			return -EPROTO;
		d->has_priv = true;
		wg_pubkey(d->pub, d->priv);
	} else if (!p && !strcmp(key, "listen_port")) {
		if (num(v, 65535, &n))
			return -EPROTO;
		d->port = (unsigned int)n;
	} else if (!p && !strcmp(key, "fwmark")) {
		if (num(v, 0xffffffffU, &n))
			return -EPROTO;
		d->fwmark = (uint32_t)n;
	} else if (!strcmp(key, "public_key")) {
		p = realloc(d->peers, (d->npeers + 1) * sizeof(*p));
		if (!p)
			return -ENOMEM;
		d->peers = p;
		p = &d->peers[d->npeers++];
		memset(p, 0, sizeof(*p));
		if (wg_key_from_hex(p->pub, v))
			return -EPROTO;
	} else if (p && !strcmp(key, "preshared_key")) {
		if (wg_key_from_hex(p->psk, v))
			return -EPROTO;
		p->has_psk = !sodium_is_zero(p->psk, WG_KEY_LEN);
	} else if (p && !strcmp(key, "endpoint")) {
		return endpoint(p->endpoint, v);
	} else if (p && !strcmp(key, "persistent_keepalive_interval")) {
		if (num(v, 65535, &n))
			return -EPROTO;
		p->pka = (unsigned int)n;
	} else if (p && !strcmp(key, "allowed_ip")) {
		char (*a)[CIDR_LEN] = realloc(p->aips,
					     (p->naips + 1) * sizeof(*a));

		if (!a)
			return -ENOMEM;
		p->aips = a;
		if (wg_cli_cidr(a[p->naips], CIDR_LEN, v, true))
			return -EPROTO;
		p->naips++;
	} else if (p && !strcmp(key, "last_handshake_time_sec")) {
		if (num(v, INT64_MAX, &n))
			return -EPROTO;
		p->hs_sec = (int64_t)n;
	} else if (p && !strcmp(key, "last_handshake_time_nsec")) {
		if (num(v, INT64_MAX, &n))
			return -EPROTO;
		p->hs_nsec = (int64_t)n;
	} else if (p && !strcmp(key, "rx_bytes")) {
		return num(v, UINT64_MAX, &p->rx);
	} else if (p && !strcmp(key, "tx_bytes")) {
		return num(v, UINT64_MAX, &p->tx);
	}
	return 0; /* protocol_version and keys we do not show */
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
	else if (!strcmp(key, "queues") && !num(v, 1U << 20, &n))
		d->queues = (unsigned int)n;
	else if (!strcmp(key, "debug"))
		d->debug = !strcmp(v, "1");
	else if (!strcmp(key, "stat"))
		return add_stat(&d->stats, &d->nstats, v, true);
	else if (!strcmp(key, "counter"))
		return add_stat(&d->counters, &d->ncounters, v, false);
	return 0;
}

static int walk(struct wg_ipc_reply *r, struct show_dev *d,
		int (*fn)(struct show_dev *, char *, char *))
{
	for (size_t i = 0; i < r->count; i++) {
		char *eq = strchr(r->lines[i], '=');
		int ret;

		if (!eq)
			return -EPROTO;
		*eq = '\0';
		ret = fn(d, r->lines[i], eq + 1);
		*eq = '=';
		if (ret)
			return ret;
	}
	return 0;
}

static int xdp_fn(struct show_dev *d, char *k, char *v)
{
	return xdp_line(d, k, v);
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
		ret = walk(&r, d, get_line);
	wg_ipc_reply_free(&r);
	if (ret) {
		dev_free(d);
		return ret;
	}
	if (!wg_ipc_request(name, "wgxdp=1\n\n", &r) && r.count) {
		d->has_xdp = !walk(&r, d, xdp_fn);
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
	const struct show_peer *a = x, *b = y;
	bool az = !a->hs_sec && !a->hs_nsec, bz = !b->hs_sec && !b->hs_nsec;

	if (az != bz)
		return az ? 1 : -1;
	if (a->hs_sec != b->hs_sec)
		return a->hs_sec < b->hs_sec ? 1 : -1;
	if (a->hs_nsec != b->hs_nsec)
		return a->hs_nsec < b->hs_nsec ? 1 : -1;
	return 0;
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
	if (d->has_priv) {
		printf("  public key: %s\n", key64(d->pub));
		printf("  private key: %s\n", masked(d->priv));
	}
	if (d->port)
		printf("  listening port: %u\n", d->port);
	if (d->fwmark)
		printf("  fwmark: 0x%x\n", d->fwmark);
	if (d->has_xdp)
		print_xdp(d);
	if (d->npeers) {
		qsort(d->peers, d->npeers, sizeof(*d->peers), peer_cmp);
		printf("\n");
	}
	for (size_t i = 0; i < d->npeers; i++) {
		const struct show_peer *p = &d->peers[i];

		printf("peer: %s\n", key64(p->pub));
		if (p->has_psk)
			printf("  preshared key: %s\n", masked(p->psk));
		if (*p->endpoint)
			printf("  endpoint: %s\n", p->endpoint);
		printf("  allowed ips: ");
		for (size_t j = 0; j < p->naips; j++)
			printf("%s%s", p->aips[j],
			       j + 1 < p->naips ? ", " : "\n");
		if (!p->naips)
			printf("(none)\n");
		if (p->hs_sec) {
			wg_cli_ago(buf, sizeof(buf), p->hs_sec, now);
			printf("  latest handshake: %s\n", buf);
		}
		if (p->rx || p->tx) {
			wg_cli_bytes(buf, sizeof(buf), p->rx);
			printf("  transfer: %s received, ", buf);
			wg_cli_bytes(buf, sizeof(buf), p->tx);
			printf("%s sent\n", buf);
		}
		if (p->pka) {
			wg_cli_every(buf, sizeof(buf), p->pka);
			printf("  persistent keepalive: %s\n", buf);
		}
		if (i + 1 < d->npeers)
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
	printf("%s\t", maybe(d->priv, d->has_priv));
	printf("%s\t", maybe(d->pub, d->has_priv));
	printf("%u\t", d->port);
	if (d->fwmark)
		printf("0x%x\n", d->fwmark);
	else
		printf("off\n");
	for (size_t i = 0; i < d->npeers; i++) {
		const struct show_peer *p = &d->peers[i];

		if (with_name)
			printf("%s\t", d->name);
		printf("%s\t", key64(p->pub));
		printf("%s\t", maybe(p->psk, p->has_psk));
		printf("%s\t", *p->endpoint ? p->endpoint : "(none)");
		for (size_t j = 0; j < p->naips; j++)
			printf("%s%c", p->aips[j],
			       j + 1 < p->naips ? ',' : '\t');
		if (!p->naips)
			printf("(none)\t");
		printf("%" PRId64 "\t", p->hs_sec);
		printf("%" PRIu64 "\t%" PRIu64 "\t", p->rx, p->tx);
		if (p->pka)
			printf("%u\n", p->pka);
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
		printf("%s\n", maybe(d->pub, d->has_priv));
	} else if (!strcmp(view, "private-key")) {
		NAME();
		printf("%s\n", maybe(d->priv, d->has_priv));
	} else if (!strcmp(view, "listen-port")) {
		NAME();
		printf("%u\n", d->port);
	} else if (!strcmp(view, "fwmark")) {
		NAME();
		if (d->fwmark)
			printf("0x%x\n", d->fwmark);
		else
			printf("off\n");
	} else if (!strcmp(view, "dump")) {
		dump(d, with_name);
	}
	for (size_t i = 0; i < d->npeers; i++) {
		const struct show_peer *p = &d->peers[i];

		if (!strcmp(view, "endpoints")) {
			NAME();
			printf("%s\t%s\n", key64(p->pub),
			       *p->endpoint ? p->endpoint : "(none)");
		} else if (!strcmp(view, "allowed-ips")) {
			NAME();
			printf("%s\t", key64(p->pub));
			for (size_t j = 0; j < p->naips; j++)
				printf("%s%c", p->aips[j],
				       j + 1 < p->naips ? ' ' : '\n');
			if (!p->naips)
				printf("(none)\n");
		} else if (!strcmp(view, "latest-handshakes")) {
			NAME();
			printf("%s\t%" PRId64 "\n", key64(p->pub), p->hs_sec);
		} else if (!strcmp(view, "transfer")) {
			NAME();
			printf("%s\t%" PRIu64 "\t%" PRIu64 "\n", key64(p->pub),
			       p->rx, p->tx);
		} else if (!strcmp(view, "persistent-keepalive")) {
			NAME();
			if (p->pka)
				printf("%s\t%u\n", key64(p->pub), p->pka);
			else
				printf("%s\toff\n", key64(p->pub));
		} else if (!strcmp(view, "preshared-keys")) {
			NAME();
			printf("%s\t", key64(p->pub));
			printf("%s\n", maybe(p->psk, p->has_psk));
		} else if (!strcmp(view, "peers")) {
			NAME();
			printf("%s\n", key64(p->pub));
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
	json_name_or_null(d->has_priv ? key64(d->pub) : "");
	printf(",\"private_key\":");
	json_name_or_null(d->has_priv ? masked(d->priv) : "");
	printf(",\"listen_port\":%u,\"fwmark\":%" PRIu32, d->port, d->fwmark);
	printf(",\"data_plane\":");
	if (d->has_xdp) {
		printf("{\"path\":");
		json_name_or_null(d->path);
		printf(",\"xdp_mode\":");
		json_name_or_null(d->xdp_mode);
		printf(",\"xsk_mode\":");
		json_name_or_null(d->xsk_mode);
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
	for (size_t i = 0; i < d->npeers; i++) {
		const struct show_peer *p = &d->peers[i];

		printf("%s{\"public_key\":", i ? "," : "");
		wg_cli_json_str(stdout, key64(p->pub));
		printf(",\"preshared_key\":");
		json_name_or_null(p->has_psk ? masked(p->psk) : "");
		printf(",\"endpoint\":");
		json_name_or_null(p->endpoint);
		printf(",\"allowed_ips\":[");
		for (size_t j = 0; j < p->naips; j++) {
			if (j)
				putchar(',');
			wg_cli_json_str(stdout, p->aips[j]);
		}
		printf("],\"latest_handshake\":%" PRId64
		       ",\"latest_handshake_nsec\":%" PRId64
		       ",\"transfer_rx\":%" PRIu64 ",\"transfer_tx\":%" PRIu64
		       ",\"persistent_keepalive\":%u}",
		       p->hs_sec, p->hs_nsec, p->rx, p->tx, p->pka);
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

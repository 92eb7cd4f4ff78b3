// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "metrics.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "ipc.h"

/* A label value: '\', '"' and newline escaped as the format says. */
static void label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void family(FILE *f, const char *name, const char *type,
		   const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

enum peer_fig { RX, TX, HS };

static void peer_family(FILE *f, const struct wg_metrics_dev *devs, size_t n,
			enum peer_fig fig)
{
	static const char *const names[] = {
		"wireguard_peer_receive_bytes_total",
		"wireguard_peer_transmit_bytes_total",
		"wireguard_peer_last_handshake_seconds",
	};
	static const char *const helps[] = {
		"Number of bytes received from a given peer.",
		"Number of bytes transmitted to a given peer.",
		"UNIX timestamp for the last handshake with a given peer.",
	};
	char b64[WG_KEY_BASE64_LEN + 1];

	family(f, names[fig], fig == HS ? "gauge" : "counter", helps[fig]);
	for (size_t d = 0; d < n; d++) {
		for (size_t i = 0; i < devs[d].info.n_peers; i++) {
			const struct wg_peer_info *p = &devs[d].info.peers[i];

			wg_config_key_to_base64(b64, p->public_key);
			fprintf(f, "%s{interface=\"", names[fig]);
			label(f, devs[d].name);
			fprintf(f, "\",public_key=\"%s\"} ", b64);
			if (fig == RX)
				fprintf(f, "%" PRIu64 "\n", p->rx_bytes);
			else if (fig == TX)
				fprintf(f, "%" PRIu64 "\n", p->tx_bytes);
			else
				fprintf(f, "%" PRId64 "\n",
					p->last_handshake_sec);
		}
	}
}

/* The value of "key=" in a device's wgxdp lines, or NULL. */
static const char *xdp_value(const struct wg_metrics_dev *d, const char *key)
{
	size_t klen = strlen(key);

	for (size_t i = 0; i < d->n_xdp; i++)
		if (!strncmp(d->xdp[i], key, klen) && d->xdp[i][klen] == '=')
			return d->xdp[i] + klen + 1;
	return NULL;
}

static void info_family(FILE *f, const struct wg_metrics_dev *devs, size_t n)
{
	static const char *const keys[] = { "path", "nic", "xdp_mode",
					    "xsk_mode", "lan" };

	family(f, "wg_xdp_info", "gauge",
	       "The data path of a wg-xdp interface: path, NIC, XDP and AF_XDP "
	       "modes.");
	for (size_t d = 0; d < n; d++) {
		if (!devs[d].n_xdp)
			continue;
		fputs("wg_xdp_info{interface=\"", f);
		label(f, devs[d].name);
		fputc('"', f);
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			const char *v = xdp_value(&devs[d], keys[k]);

			fprintf(f, ",%s=\"", keys[k]);
			label(f, v ? v : "");
			fputc('"', f);
		}
		fputs("} 1\n", f);
	}
}

enum xdp_fig { XDP_PACKETS, XDP_BYTES, RING, DAEMON };

/*
 * "stat=drop_bad_type 3 120": verdict "drop", reason "bad_type";
 * "counter=xsk_rx_dropped 5": an AF_XDP ring counter "rx_dropped";
 * "counter=udp_rx 9": a daemon counter.
 */
static void xdp_family(FILE *f, const struct wg_metrics_dev *devs, size_t n,
		       enum xdp_fig fig)
{
	static const char *const names[] = {
		"wg_xdp_xdp_packets_total", "wg_xdp_xdp_bytes_total",
		"wg_xdp_afxdp_ring_total", "wg_xdp_daemon_packets_total",
	};
	static const char *const helps[] = {
		"Packets the XDP program gave a verdict on, by verdict and "
		"reason.",
		"Bytes of the packets the XDP program gave a verdict on, by "
		"verdict and reason.",
		"AF_XDP socket and ring counters (kernel statistics of the "
		"sockets), by counter.",
		"Packets counted by the daemon, by counter.",
	};

	family(f, names[fig], "counter", helps[fig]);
	for (size_t d = 0; d < n; d++) {
		for (size_t i = 0; i < devs[d].n_xdp; i++) {
			const char *l = devs[d].xdp[i];
			char what[64];
			unsigned long long a, b = 0;
			bool stat = !strncmp(l, "stat=", 5);
			bool ring;

			if (stat != (fig == XDP_PACKETS || fig == XDP_BYTES))
				continue;
			if (!stat && strncmp(l, "counter=", 8))
				continue;
			if (sscanf(strchr(l, '=') + 1, "%63s %llu %llu", what,
				   &a, &b) < 2)
				continue;
			ring = !stat && !strncmp(what, "xsk_", 4);
			if (!stat && ring != (fig == RING))
				continue;
			fprintf(f, "%s{interface=\"", names[fig]);
			label(f, devs[d].name);
			if (stat) {
				char *us = strchr(what, '_');

				if (us)
					*us++ = '\0';
				fprintf(f, "\",verdict=\"%s\",reason=\"%s\"} "
					"%llu\n", what, us ? us : "",
					fig == XDP_BYTES ? b : a);
			} else {
				fprintf(f, "\",counter=\"%s\"} %llu\n",
					ring ? what + 4 : what, a);
			}
		}
	}
}

void wg_metrics_write(FILE *f, const struct wg_metrics_dev *devs, size_t n)
{
	peer_family(f, devs, n, RX);
	peer_family(f, devs, n, TX);
	peer_family(f, devs, n, HS);
	info_family(f, devs, n);
	xdp_family(f, devs, n, XDP_PACKETS);
	xdp_family(f, devs, n, XDP_BYTES);
	xdp_family(f, devs, n, RING);
	xdp_family(f, devs, n, DAEMON);
}

static int fetch_dev(struct wg_metrics_dev *d, const char *name)
{
	struct wg_ipc_reply r = { 0 };
	int ret;

	memset(d, 0, sizeof(*d));
	d->name = name;
	ret = wg_ipc_request(name, "get=1\n\n", &r);
	if (!ret)
		ret = wg_uapi_parse_get(&d->info, (const char *const *)r.lines,
					r.count);
	wg_ipc_reply_free(&r);
	if (ret)
		return ret;
	/* wireguard-go does not know "wgxdp=1": no wg_xdp_ figures then. */
	if (!wg_ipc_request(name, "wgxdp=1\n\n", &r)) {
		d->xdp = r.lines;
		d->n_xdp = r.count;
		r.lines = NULL;
		r.count = r.cap = 0;
	}
	wg_ipc_reply_free(&r);
	return 0;
}

int wg_cmd_metrics(int argc, char *argv[])
{
	struct wg_metrics_dev *devs;
	char **names = NULL;
	size_t n = 0, got = 0;
	int ret = 0;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(argc == 2 && argv[1][1] == 'h' ? stdout : stderr,
			"Usage: wg-xdp metrics [<wg-interface>]\n");
		return !(argc == 2 && argv[1][1] == 'h');
	}
	if (argc == 2) {
		if (!wg_cmd_is_ifname(argv[1])) {
			fprintf(stderr, "wg-xdp metrics: invalid interface "
				"name\n");
			return 1;
		}
		names = calloc(1, sizeof(*names));
		if (names && !(names[0] = strdup(argv[1]))) {
			free(names);
			names = NULL;
		}
		n = 1;
		ret = names ? 0 : -ENOMEM;
	} else {
		ret = wg_ipc_list(&names, &n);
	}
	devs = calloc(n ? n : 1, sizeof(*devs));
	if (ret || !devs) {
		fprintf(stderr, "wg-xdp metrics: %s\n",
			strerror(ret ? -ret : ENOMEM));
		free(devs);
		wg_ipc_names_free(names, n);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		ret = fetch_dev(&devs[got], names[i]);
		if (ret)
			fprintf(stderr, "Unable to access interface %s: %s\n",
				names[i], strerror(-ret));
		else
			got++;
	}
	wg_metrics_write(stdout, devs, got);
	for (size_t i = 0; i < got; i++) {
		struct wg_ipc_reply r = { devs[i].xdp, devs[i].n_xdp,
					  devs[i].n_xdp };

		wg_uapi_info_free(&devs[i].info);
		wg_ipc_reply_free(&r);
	}
	free(devs);
	wg_ipc_names_free(names, n);
	/* One named interface that cannot be read is an error. */
	return argc == 2 && !got ? 1 : 0;
}

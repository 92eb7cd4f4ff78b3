// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "report.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rcu.h"
#include "worker.h"
#include "xdp.h"

static const char *const reason_ids[] = {
#define REASON_ID(name, text) #name,
	WG_XDP_REASONS(REASON_ID)
#undef REASON_ID
};

/* Transport counters summed by name over the workers, in first-seen order. */
#define MAX_NAMED 96
struct named {
	unsigned int n;
	char name[MAX_NAMED][40];
	uint64_t v[MAX_NAMED];
};

static void add_named(void *ctx, const char *name, uint64_t v)
{
	struct named *s = ctx;
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->name[i], name))
			break;
	if (i == s->n) {
		if (s->n == MAX_NAMED)
			return;
		snprintf(s->name[s->n++], sizeof(s->name[0]), "%s", name);
		s->v[i] = 0;
	}
	s->v[i] += v;
}

int wg_report(struct wg_device *dev, struct wg_uapi_buf *out)
{
	struct wg_counters *blocks[WG_MAX_QUEUES + 1];
	struct wg_xdp_counter st[WG_XDP_REASON_MAX];
	uint64_t sum[WG_COUNTER_MAX];
	struct named *named;
	unsigned int nb = 0;
	char why[96];
	int ret = 0;

	named = calloc(1, sizeof(*named));
	if (!named)
		return -ENOMEM;
#define P(...)                                                  \
	do {                                                    \
		if (!ret)                                       \
			ret = wg_uapi_printf(out, __VA_ARGS__); \
	} while (0)
	P("path=%s\n", dev->path == WG_PATH_XDP ? "xdp" : "udp");
	if (dev->path == WG_PATH_XDP) {
		P("nic=%s\n", dev->dp.nic);
		P("xdp_mode=%s\n",
		  wg_xdp_mode_name(wg_xdp_mode(dev->dp.xdp, false)));
		P("xsk_mode=%s\n", dev->xsk_mode);
		wg_txsel_describe(&dev->txsel, why, sizeof(why));
		P("tx=%s\ntx_why=%s\n", wg_txsel_name(&dev->txsel), why);
		if (dev->dp.lan[0])
			P("lan=%s\nlan_netfilter=bypassed\n", dev->dp.lan);
	}
	P("queues=%u\n", dev->nworkers);
	P("debug=%d\n", wg_log_debug_enabled() ? 1 : 0);
	if (dev->dp.xdp && !wg_xdp_read_stats(dev->dp.xdp, st))
		for (unsigned int i = 0; i < WG_XDP_REASON_MAX; i++) {
			char id[48];
			size_t j;

			/* "drop_bad_type": lower case, as show groups them. */
			for (j = 0; reason_ids[i][j] && j < sizeof(id) - 1; j++)
				id[j] = (char)tolower(reason_ids[i][j]);
			id[j] = 0;
			P("stat=%s %llu %llu\n", id,
			  (unsigned long long)st[i].packets,
			  (unsigned long long)st[i].bytes);
		}
	for (unsigned int i = 0; i < dev->nworkers; i++) {
		blocks[nb++] = wg_worker_counters(dev->workers[i]);
		wg_worker_stats(dev->workers[i], add_named, named);
	}
	blocks[nb++] = &dev->ctl_counters;
	if (dev->ctl_tx && dev->ctl_tx->ops->stats)
		dev->ctl_tx->ops->stats(dev->ctl_tx, add_named, named);
	wg_counters_sum(blocks, nb, sum);
	for (unsigned int i = 0; i < WG_COUNTER_MAX; i++)
		P("counter=%s %llu\n", wg_counter_name(i),
		  (unsigned long long)sum[i]);
	for (unsigned int i = 0; i < named->n; i++)
		P("counter=%s %llu\n", named->name[i],
		  (unsigned long long)named->v[i]);
	P("counter=mirror_failures %llu\n",
	  (unsigned long long)atomic_load(&dev->dp.failures));
	/* The handshake admission's verdicts (cookie.h). */
	for (unsigned int v = 0; v < WG_COOKIE_VERDICT_MAX; v++)
		P("counter=%s %llu\n", wg_cookie_verdict_name(v),
		  (unsigned long long)atomic_load(&dev->cookie.verdicts[v]));
	/* The XDP maps that grow: how full they are. */
	for (unsigned int m = 0; dev->dp.xdp && m < 2; m++) {
		const char *name = m ? "peers" : "index";
		uint32_t n, max;

		if (!wg_xdp_map_usage(dev->dp.xdp, name, &n, &max))
			P("counter=xdp_%s_entries %u\ncounter=xdp_%s_size %u\n",
			  name, n, name, max);
	}
	pthread_mutex_lock(&dev->cfg_mutex);
	for (struct wg_peer *p = dev->peers; p && !ret; p = p->next) {
		const struct wg_peer_path *pp = wg_rcu_deref(p->path);
		char hex[WG_KEY_HEX_LEN + 1];

		if (!pp || pp->path.remote.sa.sa_family == AF_UNSPEC)
			continue;
		wg_config_key_to_hex(hex, p->remote.public);
		P("peer_path=%s %s %s\n", hex, pp->xdp ? "xdp" : "udp",
		  pp->why);
	}
	pthread_mutex_unlock(&dev->cfg_mutex);
#undef P
	free(named);
	return ret;
}

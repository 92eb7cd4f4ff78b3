// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The device's tables and their changes: peers by public key, receiver
 * indexes, allowed IPs, our key and listen port. Every change goes through
 * wg_device_apply(), a prepare and a commit (device.h), which also mirrors
 * it into the XDP maps and the TUN's routes (dataplane.h).
 */
#include "device.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "rcu.h"

_Static_assert(sizeof(struct wg_endpoint) == sizeof(union wg_sockaddr),
	       "config endpoints and peer endpoints share a layout");

static unsigned int hash_of(const uint8_t pub[WG_KEY_LEN])
{
	uint32_t h;

	/* Public keys are uniformly random: their first bytes hash well. */
	memcpy(&h, pub, sizeof(h));
	return h % WG_PEER_HASH_SIZE;
}

struct wg_peer *wg_device_peer_lookup(struct wg_device *dev,
				      const uint8_t pub[WG_KEY_LEN])
{
	struct wg_peer *p;

	for (p = dev->peer_hash[hash_of(pub)]; p; p = p->hash_next)
		if (!memcmp(p->remote.public, pub, WG_KEY_LEN))
			return p;
	return NULL;
}

/* Noise upcalls: the handshake reaches peers and indexes through these. */
static struct noise_remote *up_remote_get(void *arg,
					  const uint8_t pub[WG_KEY_LEN])
{
	struct wg_peer *p = wg_device_peer_lookup(arg, pub);

	return p && !atomic_load(&p->dead) ? &p->remote : NULL;
}

static uint32_t up_index_set(void *arg, struct noise_remote *r)
{
	struct wg_device *dev = arg;
	uint32_t idx = wg_index_add(&dev->index, r);

	if (idx)
		wg_dataplane_index_add(&dev->dp, idx, wg_peer_of(r)->id);
	return idx;
}

static struct noise_remote *up_index_get(void *arg, uint32_t index)
{
	struct wg_device *dev = arg;

	return wg_index_lookup(&dev->index, index);
}

static void up_index_drop(void *arg, uint32_t index)
{
	struct wg_device *dev = arg;

	wg_index_remove(&dev->index, index);
	wg_dataplane_index_del(&dev->dp, index);
}

int wg_device_init(struct wg_device *dev, const char *ifname)
{
	struct noise_upcall up = {
		.arg = dev,
		.remote_get = up_remote_get,
		.index_set = up_index_set,
		.index_get = up_index_get,
		.index_drop = up_index_drop,
	};
	int ret;

	memset(dev, 0, sizeof(*dev));
	snprintf(dev->ifname, sizeof(dev->ifname), "%s", ifname);
	atomic_init(&dev->mtu, WG_DEFAULT_MTU);
	dev->wake_fd = -1;
	dev->ready_fd = -1;
	dev->stop_fd = -1;
	dev->next_peer_id = 1;
	dev->dp.debug = wg_log_debug_enabled();
	wg_heap_init(&dev->heap);
	wg_noise_local_init(&dev->local, &up);
	wg_cookie_checker_init(&dev->cookie);
	ret = wg_ratelimiter_init(&dev->ratelimiter, 1 << 16);
	if (ret)
		return ret;
	ret = wg_index_init(&dev->index);
	if (ret)
		goto err_index;
	ret = wg_allowedips_init(&dev->aip);
	if (ret)
		goto err_aip;
	dev->aip.defer = true;
	pthread_mutex_init(&dev->cfg_mutex, NULL);
	pthread_mutex_init(&dev->svc_lock, NULL);
	return 0;
err_aip:
	wg_index_free(&dev->index);
err_index:
	wg_ratelimiter_destroy(&dev->ratelimiter);
	return ret;
}

static void unlink_peer(struct wg_device *dev, struct wg_peer *p)
{
	struct wg_peer **pp;

	for (pp = &dev->peer_hash[hash_of(p->remote.public)]; *pp;
	     pp = &(*pp)->hash_next)
		if (*pp == p) {
			*pp = p->hash_next;
			break;
		}
	if (p->prev)
		p->prev->next = p->next;
	else
		dev->peers = p->next;
	if (p->next)
		p->next->prev = p->prev;
	else
		dev->peers_tail = p->prev;
	dev->npeers--;
}

static void unlink_service(struct wg_device *dev, struct wg_peer *p)
{
	struct wg_peer **pp;

	pthread_mutex_lock(&dev->svc_lock);
	for (pp = &dev->svc_head; *pp; pp = &(*pp)->svc_next)
		if (*pp == p) {
			*pp = p->svc_next;
			break;
		}
	pthread_mutex_unlock(&dev->svc_lock);
}

/* What a commit leaves to free after the readers' grace period. */
struct garbage {
	struct wg_peer *peers; /* chained through next */
	struct wg_socket *sock;
};

static int mirror_del(int family, const uint8_t *addr, uint8_t cidr,
		      void *arg)
{
	wg_dataplane_aip_del(arg, family, addr, cidr);
	return 0;
}

/* Every allowed IP of p out of the trie and the mirrors. */
static void clear_aips(struct wg_device *dev, struct wg_peer *p)
{
	wg_allowedips_walk_peer(&dev->aip, p, mirror_del, &dev->dp);
	wg_allowedips_remove_peer(&dev->aip, p);
}

/*
 * First step of removing a peer: out of every table and marked dead; the
 * second (freeing) waits for the grace period. Caller holds cfg_mutex.
 */
static void remove_peer(struct wg_device *dev, struct wg_peer *p,
			struct garbage *g)
{
	/* Dead first: then no thread puts it on the service list again. */
	atomic_store(&p->dead, true);
	unlink_peer(dev, p);
	unlink_service(dev, p);
	wg_heap_del(&dev->heap, &p->timer);
	clear_aips(dev, p);
	wg_dataplane_peer_del(&dev->dp, p->id);
	pthread_mutex_lock(&p->lock);
	wg_timers_stop(&p->timers, wg_now());
	pthread_mutex_unlock(&p->lock);
	wg_peer_unstage_all(p);
	/* Drops the handshake and keypairs, and with them their indexes. */
	wg_noise_remote_clear(&p->remote);
	p->next = g->peers;
	g->peers = p;
}

/* After the commit: wait for the readers once, then free what went. */
static void collect(struct wg_device *dev, struct garbage *g)
{
	bool nodes = dev->aip.retired != NULL;

	if (!g->peers && !g->sock && !nodes)
		return;
	wg_rcu_synchronize();
	wg_allowedips_reclaim(&dev->aip);
	while (g->peers) {
		struct wg_peer *p = g->peers;

		g->peers = p->next;
		wg_peer_put(p);
	}
	if (g->sock) {
		wg_socket_close(g->sock);
		free(g->sock);
	}
}

void wg_device_destroy(struct wg_device *dev)
{
	struct garbage g = { 0 };

	pthread_mutex_lock(&dev->cfg_mutex);
	while (dev->peers)
		remove_peer(dev, dev->peers, &g);
	g.sock = dev->sock;
	wg_rcu_assign(dev->sock, NULL);
	pthread_mutex_unlock(&dev->cfg_mutex);
	collect(dev, &g);
	/* The path snapshots still waiting for call_rcu. */
	urcu_qsbr_barrier();
	wg_allowedips_free(&dev->aip);
	wg_index_free(&dev->index);
	wg_ratelimiter_destroy(&dev->ratelimiter);
	wg_cookie_checker_destroy(&dev->cookie);
	wg_noise_local_destroy(&dev->local);
	wg_heap_free(&dev->heap);
	free(dev->dp.host_addrs);
	dev->dp.host_addrs = NULL;
	pthread_mutex_destroy(&dev->cfg_mutex);
	pthread_mutex_destroy(&dev->svc_lock);
}

static void link_peer(struct wg_device *dev, struct wg_peer *p)
{
	unsigned int h = hash_of(p->remote.public);

	p->hash_next = dev->peer_hash[h];
	dev->peer_hash[h] = p;
	p->next = NULL;
	p->prev = dev->peers_tail;
	if (p->prev)
		p->prev->next = p;
	else
		dev->peers = p;
	dev->peers_tail = p;
	dev->npeers++;
}

static bool is_own_key(struct wg_device *dev, const uint8_t pub[WG_KEY_LEN])
{
	uint8_t ours[WG_KEY_LEN];

	if (!wg_noise_local_public(&dev->local, ours))
		return false;
	return !memcmp(ours, pub, WG_KEY_LEN);
}

/*
 * Everything that can fail happens here, before any table changes: new
 * peers are allocated, the new socket bound, room made for the prefixes.
 * The result is handed to commit, which cannot fail.
 */
struct prepared {
	struct wg_peer **fresh; /* per cfg->peers[i]: a new peer, or NULL */
	struct wg_socket *sock;
};

/*
 * The request's peer changes by key: an open-addressing table (mask + 1
 * slots of change index + 1), so a request of 100,000 peers is not
 * checked pairwise. Returns the slot of the key of change i.
 */
static size_t *slot_for(size_t *seen, size_t mask, const struct wg_config *cfg,
			size_t i)
{
	const uint8_t *key = cfg->peers[i].public_key;
	uint64_t h;

	memcpy(&h, key, sizeof(h));
	for (h &= mask;; h = (h + 1) & mask) {
		if (!seen[h] ||
		    !memcmp(cfg->peers[seen[h] - 1].public_key, key, WG_KEY_LEN))
			return &seen[h];
	}
}

/*
 * Which changes create a peer: walk the request in order, as commit will,
 * so that "remove X, then add X" in one request makes a new X (as the
 * kernel and wireguard-go do). exists[k]: the key of slot k exists now.
 */
static int plan(struct wg_device *dev, const struct wg_config *cfg,
		struct prepared *pr, size_t *aips)
{
	size_t mask = 1, *seen;
	uint8_t *exists;
	int ret = 0;

	while (mask < 2 * cfg->n_peers)
		mask <<= 1;
	seen = calloc(mask, sizeof(*seen));
	exists = calloc(mask, 1);
	if (!seen || !exists) {
		ret = -ENOMEM;
		goto out;
	}
	mask--;
	*aips = 0;
	for (size_t i = 0; i < cfg->n_peers; i++) {
		const struct wg_peer_change *pc = &cfg->peers[i];
		size_t *slot = slot_for(seen, mask, cfg, i);
		size_t k = (size_t)(slot - seen);

		if (!*slot) {
			*slot = i + 1;
			exists[k] = !cfg->replace_peers &&
				    wg_device_peer_lookup(dev, pc->public_key);
		}
		if (pc->remove) {
			exists[k] = 0;
			continue;
		}
		*aips += pc->n_aips;
		if (exists[k] || pc->update_only)
			continue;
		pr->fresh[i] = wg_peer_new(dev, pc->public_key,
					   dev->next_peer_id + (uint32_t)i);
		if (!pr->fresh[i]) {
			ret = -ENOMEM;
			goto out;
		}
		exists[k] = 1;
	}
out:
	free(seen);
	free(exists);
	return ret;
}

static int prepare(struct wg_device *dev, const struct wg_config *cfg,
		   struct prepared *pr)
{
	struct wg_socket *cur = dev->sock;
	size_t aips = 0;
	int ret;

	memset(pr, 0, sizeof(*pr));
	if (cfg->n_peers) {
		pr->fresh = calloc(cfg->n_peers, sizeof(*pr->fresh));
		if (!pr->fresh)
			return -ENOMEM;
		ret = plan(dev, cfg, pr, &aips);
		if (ret)
			goto err;
	}
	ret = wg_allowedips_reserve(&dev->aip, aips, cfg->n_peers);
	if (ret)
		goto err;
	if (cfg->has_listen_port && (!cur || cfg->listen_port != cur->port)) {
		pr->sock = malloc(sizeof(*pr->sock));
		ret = pr->sock ? wg_socket_open(pr->sock, cfg->listen_port,
						cfg->has_fwmark ? cfg->fwmark :
								  dev->fwmark) :
				 -ENOMEM;
		if (ret) {
			log_err("Could not bind listen port %u: %s",
				cfg->listen_port, strerror(-ret));
			goto err;
		}
	}
	return 0;
err:
	free(pr->sock);
	pr->sock = NULL;
	wg_allowedips_trim(&dev->aip);
	for (size_t i = 0; pr->fresh && i < cfg->n_peers; i++)
		wg_peer_put(pr->fresh[i]);
	free(pr->fresh);
	return ret;
}

/* Is key the private key we have now (or none, and we have none)? */
static bool same_private_key(struct wg_device *dev,
			     const uint8_t key[WG_KEY_LEN])
{
	uint8_t clamped[WG_KEY_LEN];
	bool same;

	/* The handshake keeps the key clamped: compare it that way. */
	memcpy(clamped, key, WG_KEY_LEN);
	wg_clamp(clamped);
	pthread_mutex_lock(&dev->local.lock);
	if (dev->local.has_private)
		same = wg_ct_eq(dev->local.private, clamped, WG_KEY_LEN);
	else
		same = wg_is_zero(key, WG_KEY_LEN);
	pthread_mutex_unlock(&dev->local.lock);
	wg_wipe(clamped, sizeof(clamped));
	return same;
}

/*
 * A new private key: every peer's static DH is redone and its sessions are
 * void. The same key again (what `wg setconf` and `wg syncconf` send) is
 * no change at all, as in the Linux module and wireguard-go, so sessions
 * survive a re-sync. No key at all leaves the cookie checker unkeyed, so
 * nothing passes mac1 for the old identity.
 */
static void set_private_key(struct wg_device *dev,
			    const uint8_t key[WG_KEY_LEN], struct garbage *g)
{
	uint8_t pub[WG_KEY_LEN];
	struct wg_peer *p;
	bool none = wg_is_zero(key, WG_KEY_LEN);

	wg_noise_local_set_private(&dev->local, none ? NULL : key);
	if (none) {
		wg_cookie_checker_update(&dev->cookie, NULL);
	} else {
		wg_pubkey(pub, key);
		wg_cookie_checker_update(&dev->cookie, pub);
		/* A peer with our own public key cannot exist (as Linux). */
		p = wg_device_peer_lookup(dev, pub);
		if (p)
			remove_peer(dev, p, g);
	}
	/* XDP checks mac1 with the key of our new identity (or drops). */
	wg_dataplane_mac1_key(&dev->dp, none ? NULL : pub);
	for (p = dev->peers; p; p = p->next) {
		wg_noise_remote_precompute(&p->remote);
		/* Sessions made with the old key are void. */
		wg_noise_remote_clear(&p->remote);
	}
}

static void mirror_peer(struct wg_device *dev, struct wg_peer *p)
{
	union wg_sockaddr ep = wg_peer_endpoint(p);

	wg_dataplane_peer_set(&dev->dp, p->id, p->remote.public, &ep,
			      atomic_load(&p->tx_bytes));
}

static void apply_peer(struct wg_device *dev, const struct wg_peer_change *pc,
		       struct wg_peer *p, uint64_t now)
{
	unsigned int actions = 0;

	if (pc->has_preshared_key)
		wg_noise_remote_set_psk(&p->remote,
					wg_is_zero(pc->preshared_key,
						   WG_KEY_LEN) ?
						NULL :
						pc->preshared_key);
	if (pc->has_endpoint) {
		union wg_sockaddr ep;

		memcpy(&ep, &pc->endpoint, sizeof(ep));
		wg_peer_set_endpoint(p, &ep, NULL, 0);
	}
	if (pc->has_keepalive) {
		pthread_mutex_lock(&p->lock);
		p->keepalive_interval = pc->persistent_keepalive;
		actions = wg_timers_set_persistent_keepalive(
			&p->timers, pc->persistent_keepalive, now);
		wg_peer_timers_unlock(p);
		wg_device_want_timers(dev, p);
	}
	if (actions & WG_TIMERS_SEND_KEEPALIVE)
		wg_device_want_flush(dev, p);
	if (pc->replace_allowed_ips)
		clear_aips(dev, p);
	for (size_t i = 0; i < pc->n_aips; i++) {
		const struct wg_aip_change *a = &pc->aips[i];

		if (a->remove) {
			if (!wg_allowedips_remove(&dev->aip, a->family, a->addr,
						  a->cidr, p))
				wg_dataplane_aip_del(&dev->dp, a->family,
						     a->addr, a->cidr);
			continue;
		}
		/* Room was reserved by prepare: this cannot fail. */
		if (wg_allowedips_insert(&dev->aip, a->family, a->addr,
					 a->cidr, p) == 0)
			wg_dataplane_aip_add(&dev->dp, a->family, a->addr,
					     a->cidr, p->id, dev->fwmark);
		/* A full tunnel made now: the device takes its table's mark. */
		if (dev->dp.want_fwmark && !dev->fwmark) {
			dev->fwmark = dev->dp.want_fwmark;
			if (dev->sock)
				wg_socket_set_fwmark(dev->sock, dev->fwmark);
		}
		dev->dp.want_fwmark = 0;
	}
	mirror_peer(dev, p);
}

int wg_device_apply(struct wg_device *dev, const struct wg_config *cfg)
{
	struct garbage g = { 0 };
	struct prepared pr;
	uint64_t now = wg_now();
	bool new_key, aips = false;
	int ret;

	for (size_t i = 0; i < cfg->n_peers; i++)
		if (cfg->peers[i].protocol_version > 1)
			return -EPROTONOSUPPORT;

	pthread_mutex_lock(&dev->cfg_mutex);
	ret = prepare(dev, cfg, &pr);
	if (ret)
		goto out;

	/* Peers about to go need no new DH for a new key: drop them first. */
	if (cfg->replace_peers)
		while (dev->peers)
			remove_peer(dev, dev->peers, &g);
	new_key = cfg->has_private_key &&
		  !same_private_key(dev, cfg->private_key);
	if (new_key)
		set_private_key(dev, cfg->private_key, &g);
	if (pr.sock) {
		g.sock = dev->sock;
		wg_rcu_assign(dev->sock, pr.sock);
		atomic_store(&dev->port, pr.sock->port);
		wg_dataplane_set_port(&dev->dp, pr.sock->port);
	}
	if (cfg->has_fwmark && cfg->fwmark != dev->fwmark) {
		dev->fwmark = cfg->fwmark;
		if (dev->sock)
			wg_socket_set_fwmark(dev->sock, cfg->fwmark);
	}
	if (cfg->has_debug) {
		wg_log_set_debug(cfg->debug);
		wg_dataplane_set_debug(&dev->dp, cfg->debug);
	}
	for (size_t i = 0; i < cfg->n_peers && !aips; i++)
		aips = cfg->peers[i].n_aips > 0;
	if (aips)
		wg_dataplane_aips_begin(&dev->dp);
	for (size_t i = 0; i < cfg->n_peers; i++) {
		const struct wg_peer_change *pc = &cfg->peers[i];
		struct wg_peer *p;

		if (is_own_key(dev, pc->public_key))
			continue; /* its fresh peer is freed below */
		p = wg_device_peer_lookup(dev, pc->public_key);
		if (pc->remove) {
			if (p)
				remove_peer(dev, p, &g);
			continue;
		}
		if (!p && pr.fresh[i]) {
			p = pr.fresh[i];
			pr.fresh[i] = NULL;
			/* Made before this request's private key: redo DH. */
			if (new_key)
				wg_noise_remote_precompute(&p->remote);
			link_peer(dev, p);
		}
		if (!p)
			continue; /* update_only for a peer we do not have */
		apply_peer(dev, pc, p, now);
	}
	if (aips)
		wg_dataplane_aips_end(&dev->dp);
	dev->next_peer_id += (uint32_t)cfg->n_peers;
	for (size_t i = 0; i < cfg->n_peers; i++)
		wg_peer_put(pr.fresh[i]);
	free(pr.fresh);
out:
	pthread_mutex_unlock(&dev->cfg_mutex);
	collect(dev, &g);
	wg_allowedips_trim(&dev->aip);
	if (!ret)
		wg_device_wake(dev);
	return ret;
}

struct aip_collect {
	struct wg_peer_info *pi;
	size_t cap;
};

static int collect_aip(int family, const uint8_t *addr, uint8_t cidr,
		       void *arg)
{
	struct aip_collect *c = arg;
	struct wg_prefix *pfx;

	if (c->pi->n_aips == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 8;
		void *n = realloc(c->pi->aips, cap * sizeof(*c->pi->aips));

		if (!n)
			return -ENOMEM;
		c->pi->aips = n;
		c->cap = cap;
	}
	pfx = &c->pi->aips[c->pi->n_aips++];
	memset(pfx, 0, sizeof(*pfx));
	pfx->family = family;
	memcpy(pfx->addr, addr, family == AF_INET6 ? 16 : 4);
	pfx->cidr = cidr;
	return 0;
}

int wg_device_info(struct wg_device *dev, struct wg_device_info *info)
{
	struct wg_peer *p;
	size_t i = 0;
	int ret = 0;

	memset(info, 0, sizeof(*info));
	pthread_mutex_lock(&dev->cfg_mutex);
	pthread_mutex_lock(&dev->local.lock);
	info->has_private_key = dev->local.has_private;
	if (info->has_private_key)
		memcpy(info->private_key, dev->local.private, WG_KEY_LEN);
	pthread_mutex_unlock(&dev->local.lock);
	info->listen_port = atomic_load(&dev->port);
	info->fwmark = dev->fwmark;
	info->peers = calloc(dev->npeers ? dev->npeers : 1,
			     sizeof(*info->peers));
	if (!info->peers) {
		ret = -ENOMEM;
		goto out;
	}
	for (p = dev->peers; p; p = p->next, i++) {
		struct wg_peer_info *pi = &info->peers[i];
		struct aip_collect c = { .pi = pi };
		union wg_sockaddr ep = wg_peer_endpoint(p);

		memcpy(pi->public_key, p->remote.public, WG_KEY_LEN);
		pthread_mutex_lock(&p->remote.handshake_lock);
		memcpy(pi->preshared_key, p->remote.psk, WG_KEY_LEN);
		pthread_mutex_unlock(&p->remote.handshake_lock);
		memcpy(&pi->endpoint, &ep, sizeof(pi->endpoint));
		pthread_mutex_lock(&p->lock);
		pi->last_handshake_sec = p->last_handshake.tv_sec;
		pi->last_handshake_nsec = p->last_handshake.tv_nsec;
		pi->persistent_keepalive = p->keepalive_interval;
		pthread_mutex_unlock(&p->lock);
		pi->rx_bytes = atomic_load(&p->rx_bytes);
		pi->tx_bytes = atomic_load(&p->tx_bytes);
		info->n_peers = i + 1;
		ret = wg_allowedips_walk_peer(&dev->aip, p, collect_aip, &c);
		if (ret)
			goto out;
	}
out:
	pthread_mutex_unlock(&dev->cfg_mutex);
	if (ret)
		wg_device_info_free(dev, info);
	return ret;
}

void wg_device_info_free(struct wg_device *dev, struct wg_device_info *info)
{
	(void)dev;
	for (size_t i = 0; i < info->n_peers; i++) {
		free(info->peers[i].aips);
		wg_wipe(info->peers[i].preshared_key, WG_KEY_LEN);
	}
	free(info->peers);
	wg_wipe(info, sizeof(*info));
}

void wg_device_request_stop(struct wg_device *dev)
{
	uint64_t one = 1;

	if (dev->stop_fd < 0 || write(dev->stop_fd, &one, sizeof(one)) < 0)
		atomic_store(&dev->stopping, true);
	wg_device_wake(dev);
}

void wg_device_wake(struct wg_device *dev)
{
	uint64_t one = 1;

	if (dev->wake_fd >= 0 && write(dev->wake_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is saturated, it is awake already. */
	}
}

/* Put p on the service list and wake the control thread, once. */
static void service(struct wg_device *dev, struct wg_peer *p)
{
	bool queued = false;

	if (atomic_exchange(&p->svc_queued, true))
		return;
	/*
	 * A worker may still ask for a peer being removed: under the lock,
	 * dead is final (remove_peer sets it before it unlinks), so a dead
	 * peer never joins the list after its unlinking.
	 */
	pthread_mutex_lock(&dev->svc_lock);
	if (!atomic_load(&p->dead)) {
		p->svc_next = dev->svc_head;
		dev->svc_head = p;
		queued = true;
	}
	pthread_mutex_unlock(&dev->svc_lock);
	if (queued)
		wg_device_wake(dev);
}

void wg_device_want_handshake(struct wg_device *dev, struct wg_peer *p)
{
	if (!atomic_exchange(&p->want_handshake, true))
		service(dev, p);
}

void wg_device_want_flush(struct wg_device *dev, struct wg_peer *p)
{
	if (!atomic_exchange(&p->want_flush, true))
		service(dev, p);
}

void wg_device_want_path(struct wg_device *dev, struct wg_peer *p)
{
	if (!atomic_exchange(&p->want_path, true))
		service(dev, p);
}

void wg_device_want_timers(struct wg_device *dev, struct wg_peer *p)
{
	if (!atomic_exchange(&p->want_timers, true))
		service(dev, p);
}

struct wg_peer *wg_device_take_service(struct wg_device *dev)
{
	struct wg_peer *list;

	pthread_mutex_lock(&dev->svc_lock);
	list = dev->svc_head;
	dev->svc_head = NULL;
	pthread_mutex_unlock(&dev->svc_lock);
	return list;
}

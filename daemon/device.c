// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The device's tables and their changes: peers by public key, receiver
 * indexes, allowed IPs, our key and listen port. Every change to them goes
 * through wg_device_apply(), which mirrors it into the XDP maps and the
 * TUN's routes (dataplane.c) so the tables and the maps never disagree.
 */
#include "device.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dataplane.h"
#include "lock.h"
#include "log.h"

_Static_assert(sizeof(struct wg_endpoint) == sizeof(union wg_sockaddr),
	       "config endpoints and peer endpoints share a layout");

uint64_t wg_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * WG_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

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

	return p ? &p->remote : NULL;
}

static uint32_t up_index_set(void *arg, struct noise_remote *r)
{
	struct wg_device *dev = arg;
	uint32_t idx = wg_index_add(&dev->index, r, WG_INDEX_HANDSHAKE);

	if (idx)
		wg_dataplane_index_add(dev, idx, wg_peer_of(r)->id);
	return idx;
}

static struct noise_remote *up_index_get(void *arg, uint32_t index)
{
	struct wg_device *dev = arg;
	int kind;

	return wg_index_lookup(&dev->index, index, &kind);
}

static void up_index_drop(void *arg, uint32_t index)
{
	struct wg_device *dev = arg;

	wg_index_remove(&dev->index, index);
	wg_dataplane_index_del(dev, index);
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
	dev->mtu = WG_DEFAULT_MTU;
	dev->sock.fd4 = dev->sock.fd6 = -1;
	dev->wake_fd = -1;
	dev->ready_fd = -1;
	dev->next_peer_id = 1;
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
	ret = wg_rwlock_init(&dev->cfg_lock);
	if (ret) {
		ret = -ret;
		goto err_lock;
	}
	pthread_mutex_init(&dev->hsq.lock, NULL);
	pthread_mutex_init(&dev->svc_lock, NULL);
	return 0;
err_lock:
	wg_allowedips_free(&dev->aip);
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

/* Remove a peer from every table; the caller holds cfg_lock for writing. */
static void remove_peer(struct wg_device *dev, struct wg_peer *p)
{
	unlink_peer(dev, p);
	unlink_service(dev, p);
	wg_dataplane_peer_removed(dev, p);
	wg_allowedips_remove_peer(&dev->aip, p);
	pthread_mutex_lock(&p->lock);
	wg_timers_stop(&p->timers, wg_now());
	pthread_mutex_unlock(&p->lock);
	/* Drops the handshake and keypairs, and with them their indexes. */
	wg_peer_free(p);
}

void wg_device_destroy(struct wg_device *dev)
{
	pthread_rwlock_wrlock(&dev->cfg_lock);
	while (dev->peers)
		remove_peer(dev, dev->peers);
	pthread_rwlock_unlock(&dev->cfg_lock);
	wg_socket_close(&dev->sock);
	wg_allowedips_free(&dev->aip);
	wg_index_free(&dev->index);
	wg_ratelimiter_destroy(&dev->ratelimiter);
	wg_cookie_checker_destroy(&dev->cookie);
	wg_noise_local_destroy(&dev->local);
	pthread_rwlock_destroy(&dev->cfg_lock);
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
 * peers are allocated, the new socket bound. The result is handed to
 * commit(), which cannot fail.
 */
struct prepared {
	struct wg_peer **fresh; /* per cfg->peers[i]: a new peer, or NULL */
	struct wg_socket sock;
	bool new_sock;
};

/*
 * Has an earlier peer change of this request the same key as change i?
 * seen is a scratch open-addressing table (mask + 1 slots of index + 1),
 * so a request of 100,000 peers is not checked pairwise.
 */
static bool seen_before(size_t *seen, size_t mask, const struct wg_config *cfg,
			size_t i)
{
	const uint8_t *key = cfg->peers[i].public_key;
	uint64_t h;

	memcpy(&h, key, sizeof(h));
	for (h &= mask;; h = (h + 1) & mask) {
		if (!seen[h]) {
			seen[h] = i + 1;
			return false;
		}
		if (!memcmp(cfg->peers[seen[h] - 1].public_key, key, WG_KEY_LEN))
			return true;
	}
}

static int prepare(struct wg_device *dev, const struct wg_config *cfg,
		   struct prepared *pr)
{
	size_t *seen = NULL, mask = 1;
	int ret;

	memset(pr, 0, sizeof(*pr));
	pr->sock.fd4 = pr->sock.fd6 = -1;
	if (cfg->n_peers) {
		while (mask < 2 * cfg->n_peers)
			mask <<= 1;
		pr->fresh = calloc(cfg->n_peers, sizeof(*pr->fresh));
		seen = calloc(mask--, sizeof(*seen));
		if (!pr->fresh || !seen) {
			free(pr->fresh);
			free(seen);
			return -ENOMEM;
		}
	}
	for (size_t i = 0; i < cfg->n_peers; i++) {
		const struct wg_peer_change *pc = &cfg->peers[i];
		bool exists = !cfg->replace_peers &&
			      wg_device_peer_lookup(dev, pc->public_key);

		if (pc->remove || exists)
			continue;
		if (pc->update_only)
			continue;
		/* The same key twice in one request: the first one creates. */
		if (seen_before(seen, mask, cfg, i))
			continue;
		pr->fresh[i] = wg_peer_new(dev, pc->public_key,
					   dev->next_peer_id + (uint32_t)i);
		if (!pr->fresh[i]) {
			ret = -ENOMEM;
			goto err;
		}
	}
	free(seen);
	seen = NULL;
	if (cfg->has_listen_port && cfg->listen_port != dev->sock.port) {
		ret = wg_socket_open(&pr->sock, cfg->listen_port,
				     cfg->has_fwmark ? cfg->fwmark : dev->fwmark);
		if (ret) {
			log_err("Could not bind listen port %u: %s",
				cfg->listen_port, strerror(-ret));
			goto err;
		}
		pr->new_sock = true;
	}
	return 0;
err:
	free(seen);
	for (size_t i = 0; i < cfg->n_peers; i++)
		wg_peer_free(pr->fresh[i]);
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
 * survive a re-sync.
 */
static void set_private_key(struct wg_device *dev, const uint8_t key[WG_KEY_LEN])
{
	uint8_t pub[WG_KEY_LEN];
	struct wg_peer *p, *n;
	bool none = wg_is_zero(key, WG_KEY_LEN);

	wg_noise_local_set_private(&dev->local, none ? NULL : key);
	if (!none) {
		wg_pubkey(pub, key);
		wg_cookie_checker_update(&dev->cookie, pub);
		/* A peer with our own public key cannot exist (as Linux). */
		p = wg_device_peer_lookup(dev, pub);
		if (p)
			remove_peer(dev, p);
	}
	wg_dataplane_mac1_key_changed(dev, none ? NULL : pub);
	for (p = dev->peers; p; p = n) {
		n = p->next;
		wg_noise_remote_precompute(&p->remote);
		/* Sessions made with the old key are void. */
		wg_noise_remote_clear(&p->remote);
	}
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
	pthread_mutex_lock(&p->lock);
	if (pc->has_endpoint) {
		memcpy(&p->endpoint, &pc->endpoint, sizeof(p->endpoint));
		p->path_ok = false;
		wg_peer_path_stale(p);
	}
	if (pc->has_keepalive) {
		p->keepalive_interval = pc->persistent_keepalive;
		actions = wg_timers_set_persistent_keepalive(
			&p->timers, pc->persistent_keepalive, now);
	}
	wg_peer_timers_unlock(p);
	if (actions & WG_TIMERS_SEND_KEEPALIVE)
		wg_device_want_flush(dev, p);
	if (pc->replace_allowed_ips) {
		wg_dataplane_aips_cleared(dev, p);
		wg_allowedips_remove_peer(&dev->aip, p);
	}
	for (size_t i = 0; i < pc->n_aips; i++) {
		const struct wg_aip_change *a = &pc->aips[i];

		if (a->remove) {
			if (!wg_allowedips_remove(&dev->aip, a->family, a->addr,
						  a->cidr, p))
				wg_dataplane_aip_del(dev, a->family, a->addr,
						     a->cidr);
			continue;
		}
		if (wg_allowedips_insert(&dev->aip, a->family, a->addr,
					 a->cidr, p)) {
			log_err("Out of memory adding an allowed IP to peer %u",
				p->id);
			continue;
		}
		wg_dataplane_aip_add(dev, a->family, a->addr, a->cidr, p);
	}
	wg_dataplane_peer_changed(dev, p);
}

int wg_device_apply(struct wg_device *dev, const struct wg_config *cfg)
{
	struct prepared pr;
	uint64_t now = wg_now();
	bool new_key;
	int ret;

	for (size_t i = 0; i < cfg->n_peers; i++)
		if (cfg->peers[i].protocol_version > 1)
			return -EPROTONOSUPPORT;

	pthread_rwlock_wrlock(&dev->cfg_lock);
	ret = prepare(dev, cfg, &pr);
	if (ret)
		goto out;

	/* Peers about to go need no new DH for a new key: drop them first. */
	if (cfg->replace_peers)
		while (dev->peers)
			remove_peer(dev, dev->peers);
	new_key = cfg->has_private_key &&
		  !same_private_key(dev, cfg->private_key);
	if (new_key)
		set_private_key(dev, cfg->private_key);
	if (pr.new_sock) {
		wg_socket_close(&dev->sock);
		dev->sock = pr.sock;
		wg_dataplane_port_changed(dev);
	}
	if (cfg->has_fwmark && cfg->fwmark != dev->fwmark) {
		dev->fwmark = cfg->fwmark;
		wg_socket_set_fwmark(&dev->sock, cfg->fwmark);
	}
	if (cfg->has_debug) {
		wg_log_set_debug(cfg->debug);
		wg_dataplane_debug_changed(dev, cfg->debug);
	}
	for (size_t i = 0; i < cfg->n_peers; i++) {
		const struct wg_peer_change *pc = &cfg->peers[i];
		struct wg_peer *p;

		if (is_own_key(dev, pc->public_key))
			continue; /* its fresh peer is freed below */
		p = wg_device_peer_lookup(dev, pc->public_key);
		if (pc->remove) {
			if (p)
				remove_peer(dev, p);
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
	dev->next_peer_id += (uint32_t)cfg->n_peers;
	for (size_t i = 0; i < cfg->n_peers; i++)
		wg_peer_free(pr.fresh[i]);
	free(pr.fresh);
out:
	pthread_rwlock_unlock(&dev->cfg_lock);
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
	pthread_rwlock_rdlock(&dev->cfg_lock);
	pthread_mutex_lock(&dev->local.lock);
	info->has_private_key = dev->local.has_private;
	if (info->has_private_key)
		memcpy(info->private_key, dev->local.private, WG_KEY_LEN);
	pthread_mutex_unlock(&dev->local.lock);
	info->listen_port = dev->sock.port;
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

		memcpy(pi->public_key, p->remote.public, WG_KEY_LEN);
		pthread_mutex_lock(&p->remote.lock);
		memcpy(pi->preshared_key, p->remote.psk, WG_KEY_LEN);
		pthread_mutex_unlock(&p->remote.lock);
		pthread_mutex_lock(&p->lock);
		memcpy(&pi->endpoint, &p->endpoint, sizeof(pi->endpoint));
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
	pthread_rwlock_unlock(&dev->cfg_lock);
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

void wg_device_wake(struct wg_device *dev)
{
	uint64_t one = 1;

	if (dev->wake_fd >= 0 && write(dev->wake_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is saturated, it is awake already. */
	}
}

static void service(struct wg_device *dev, struct wg_peer *p)
{
	if (!atomic_exchange(&p->svc_queued, true)) {
		pthread_mutex_lock(&dev->svc_lock);
		p->svc_next = dev->svc_head;
		dev->svc_head = p;
		pthread_mutex_unlock(&dev->svc_lock);
	}
	wg_device_wake(dev);
}

void wg_device_want_handshake(struct wg_device *dev, struct wg_peer *p)
{
	atomic_store(&p->want_handshake, true);
	service(dev, p);
}

void wg_device_want_flush(struct wg_device *dev, struct wg_peer *p)
{
	atomic_store(&p->want_flush, true);
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

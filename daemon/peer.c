// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "peer.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "log.h"
#include "rcu.h"

bool wg_peer_timers_unlock(struct wg_peer *p)
{
	uint64_t due = wg_timers_next_deadline(&p->timers);
	uint64_t sched;

	atomic_store(&p->timer_due, due);
	pthread_mutex_unlock(&p->lock);
	sched = atomic_load(&p->timer_sched);
	return due && (!sched || due < sched);
}

struct wg_peer *wg_peer_new(struct wg_device *dev,
			    const uint8_t pub[WG_KEY_LEN], uint32_t id)
{
	struct wg_peer *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	/*
	 * The staging ring (WG_STAGED_MAX * ~2 KB) is allocated by the first
	 * wg_peer_stage: eagerly it cost 256 KB per peer, 26 GB at 100,000.
	 */
	wg_noise_remote_init(&p->remote, &dev->local, pub);
	wg_cookie_maker_init(&p->cookie, pub);
	wg_timers_init(&p->timers, NULL, NULL);
	pthread_mutex_init(&p->lock, NULL);
	p->dev = dev;
	p->id = id;
	atomic_init(&p->refs, 1);
	return p;
}

void wg_peer_get(struct wg_peer *p)
{
	atomic_fetch_add(&p->refs, 1);
}

void wg_peer_put(struct wg_peer *p)
{
	if (!p || atomic_fetch_sub(&p->refs, 1) != 1)
		return;
	wg_noise_remote_destroy(&p->remote);
	wg_cookie_maker_destroy(&p->cookie);
	pthread_mutex_destroy(&p->lock);
	/* After a grace period: no reader holds the snapshot any more. */
	free(p->path);
	/* Staged packets are plaintext tunnel traffic: wipe them too. */
	if (p->staged)
		wg_wipe(p->staged, WG_STAGED_MAX * sizeof(*p->staged));
	free(p->staged);
	free(p);
}

static void format_endpoint(const union wg_sockaddr *e, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (e->sa.sa_family == AF_INET) {
		inet_ntop(AF_INET, &e->in.sin_addr, ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, ntohs(e->in.sin_port));
	} else if (e->sa.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &e->in6.sin6_addr, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%u", ip, ntohs(e->in6.sin6_port));
	} else {
		snprintf(buf, len, "no endpoint");
	}
}

union wg_sockaddr wg_peer_endpoint(struct wg_peer *p)
{
	const struct wg_peer_path *pp = wg_rcu_deref(p->path);
	union wg_sockaddr none = { 0 };

	return pp ? pp->path.remote : none;
}

const char *wg_peer_name(struct wg_peer *p, char *buf, size_t len)
{
	char ep[INET6_ADDRSTRLEN + 16];
	union wg_sockaddr e = wg_peer_endpoint(p);

	format_endpoint(&e, ep, sizeof(ep));
	snprintf(buf, len, "peer %u (%s)", p->id, ep);
	return buf;
}

void wg_peer_stage(struct wg_peer *p, const void *pkt, size_t len)
{
	struct wg_staged *s;

	if (len > WG_STAGED_BUF)
		return;
	pthread_mutex_lock(&p->lock);
	if (!p->staged) {
		p->staged = calloc(WG_STAGED_MAX, sizeof(*p->staged));
		if (!p->staged) {
			pthread_mutex_unlock(&p->lock);
			return; /* dropped, as when the ring is full */
		}
	}
	if (p->staged_count == WG_STAGED_MAX) {
		wg_wipe(p->staged[p->staged_head].data,
			p->staged[p->staged_head].len);
		p->staged_head = (p->staged_head + 1) % WG_STAGED_MAX;
		p->staged_count--;
	}
	s = &p->staged[(p->staged_head + p->staged_count) % WG_STAGED_MAX];
	s->len = (uint16_t)len;
	memcpy(s->data, pkt, len);
	p->staged_count++;
	pthread_mutex_unlock(&p->lock);
}

size_t wg_peer_unstage(struct wg_peer *p, void *buf, size_t cap)
{
	struct wg_staged *s;
	size_t len = 0;

	pthread_mutex_lock(&p->lock);
	if (p->staged_count) {
		s = &p->staged[p->staged_head];
		if (s->len <= cap) {
			len = s->len;
			memcpy(buf, s->data, len);
		}
		wg_wipe(s->data, s->len);
		p->staged_head = (p->staged_head + 1) % WG_STAGED_MAX;
		p->staged_count--;
	}
	pthread_mutex_unlock(&p->lock);
	return len;
}

void wg_peer_unstage_all(struct wg_peer *p)
{
	pthread_mutex_lock(&p->lock);
	while (p->staged_count) {
		struct wg_staged *s = &p->staged[p->staged_head];

		wg_wipe(s->data, s->len);
		p->staged_head = (p->staged_head + 1) % WG_STAGED_MAX;
		p->staged_count--;
	}
	pthread_mutex_unlock(&p->lock);
}

static void free_path(struct rcu_head *head)
{
	free(caa_container_of(head, struct wg_peer_path, rcu));
}

/* Publish np in place of the current snapshot; caller holds p->lock. */
static void publish(struct wg_peer *p, struct wg_peer_path *np)
{
	struct wg_peer_path *old = p->path;

	wg_rcu_assign(p->path, np);
	if (old)
		urcu_qsbr_call_rcu(&old->rcu, free_path);
}

static bool same_src(const union wg_sockaddr *a, const union wg_sockaddr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->in.sin_addr.s_addr == b->in.sin_addr.s_addr;
	if (a->sa.sa_family == AF_INET6)
		return !memcmp(&a->in6.sin6_addr, &b->in6.sin6_addr, 16) &&
		       a->in6.sin6_scope_id == b->in6.sin6_scope_id;
	return true;
}

/* A new, unresolved snapshot; caller holds p->lock. false on ENOMEM. */
static bool change(struct wg_peer *p, const union wg_sockaddr *remote,
		   const union wg_sockaddr *local, int ifindex,
		   const char *why)
{
	struct wg_peer_path *np = calloc(1, sizeof(*np));

	if (!np)
		return false;
	np->path.remote = *remote;
	if (local && local->sa.sa_family == remote->sa.sa_family) {
		np->path.local.sa.sa_family = local->sa.sa_family;
		if (local->sa.sa_family == AF_INET)
			np->path.local.in.sin_addr = local->in.sin_addr;
		else
			np->path.local.in6 = local->in6;
		np->path.local.in.sin_port = 0;
		np->path.ifindex = ifindex;
	}
	snprintf(np->why, sizeof(np->why), "%s", why);
	publish(p, np);
	return true;
}

bool wg_peer_set_endpoint(struct wg_peer *p, const union wg_sockaddr *remote,
			  const union wg_sockaddr *local, int ifindex)
{
	const struct wg_peer_path *cur;
	bool changed = false;

	pthread_mutex_lock(&p->lock);
	cur = p->path;
	if (!cur || !wg_sockaddr_eq(&cur->path.remote, remote) ||
	    (local && (!same_src(&cur->path.local, local) ||
		       cur->path.ifindex != ifindex)))
		changed = change(p, remote, local, ifindex,
				 "endpoint changed, route not yet looked up");
	pthread_mutex_unlock(&p->lock);
	if (changed)
		wg_device_want_path(p->dev, p);
	return changed;
}

void wg_peer_roam(struct wg_peer *p, const struct wg_path *rx)
{
	const struct wg_peer_path *cur = wg_rcu_deref(p->path);

	/* Lock-free when the packet came from where we send to already. */
	if (cur && wg_sockaddr_eq(&cur->path.remote, &rx->remote) &&
	    same_src(&cur->path.local, &rx->local) &&
	    cur->path.ifindex == rx->ifindex)
		return;
	wg_peer_set_endpoint(p, &rx->remote, &rx->local, rx->ifindex);
}

void wg_peer_clear_src(struct wg_peer *p)
{
	const struct wg_peer_path *cur;
	union wg_sockaddr none = { 0 };
	bool changed = false;

	pthread_mutex_lock(&p->lock);
	cur = p->path;
	if (cur && cur->path.local.sa.sa_family != AF_UNSPEC) {
		union wg_sockaddr remote = cur->path.remote;

		changed = change(p, &remote, &none, 0,
				 "source address gone, route not yet looked up");
	}
	pthread_mutex_unlock(&p->lock);
	if (changed)
		wg_device_want_path(p->dev, p);
}

void wg_peer_set_path(struct wg_peer *p, const struct wg_path *basis,
		      const struct wg_peer_path *np)
{
	struct wg_peer_path *copy;

	pthread_mutex_lock(&p->lock);
	/* The endpoint may have roamed meanwhile: keep only a current answer. */
	if (p->path && wg_sockaddr_eq(&p->path->path.remote, &basis->remote) &&
	    same_src(&p->path->path.local, &basis->local) &&
	    (copy = malloc(sizeof(*copy)))) {
		*copy = *np;
		memset(&copy->rcu, 0, sizeof(copy->rcu));
		publish(p, copy);
	}
	pthread_mutex_unlock(&p->lock);
}

static struct wg_tally_entry *tally_of(struct wg_tally *t, struct wg_peer *p)
{
	struct wg_tally_entry *e;

	for (unsigned int i = 0; i < t->n; i++)
		if (t->e[i].p == p)
			return &t->e[i];
	if (t->n == WG_TALLY_PEERS)
		wg_peer_tally_flush(t);
	e = &t->e[t->n++];
	memset(e, 0, sizeof(*e));
	e->p = p;
	return e;
}

void wg_peer_tally_sent(struct wg_tally *t, struct wg_peer *p, size_t len,
			bool data)
{
	struct wg_tally_entry *e = tally_of(t, p);

	e->sent = true;
	e->sent_data |= data;
	e->tx_bytes += len;
}

void wg_peer_tally_received(struct wg_tally *t, struct wg_peer *p,
			    size_t len, bool data, bool lastminute)
{
	struct wg_tally_entry *e = tally_of(t, p);

	e->received = true;
	e->received_data |= data;
	e->lastminute |= lastminute;
	e->rx_bytes += len;
}

void wg_peer_tally_flush(struct wg_tally *t)
{
	uint64_t now = t->n ? wg_now() : 0;

	for (unsigned int i = 0; i < t->n; i++) {
		struct wg_tally_entry *e = &t->e[i];
		struct wg_peer *p = e->p;
		bool rekey = false;

		pthread_mutex_lock(&p->lock);
		if (e->received) {
			wg_timers_any_authenticated_packet_received(&p->timers,
								    now);
			wg_timers_any_authenticated_packet_traversal(&p->timers,
								     now);
			if (e->received_data)
				wg_timers_data_received(&p->timers, now);
			/* The kernel's last-minute rekey: asked once. */
			if (e->lastminute)
				rekey = wg_timers_lastminute(&p->timers);
		}
		if (e->sent) {
			wg_timers_any_authenticated_packet_traversal(&p->timers,
								     now);
			wg_timers_any_authenticated_packet_sent(&p->timers, now);
			if (e->sent_data)
				wg_timers_data_sent(&p->timers, now);
		}
		if (wg_peer_timers_unlock(p))
			wg_device_want_timers(p->dev, p);
		if (rekey)
			wg_device_want_handshake(p->dev, p);
		if (e->rx_bytes)
			atomic_fetch_add_explicit(&p->rx_bytes, e->rx_bytes,
						  memory_order_relaxed);
		if (e->tx_bytes)
			atomic_fetch_add_explicit(&p->tx_bytes, e->tx_bytes,
						  memory_order_relaxed);
	}
	t->n = 0;
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "peer.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "log.h"

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
	return p;
}

void wg_peer_free(struct wg_peer *p)
{
	if (!p)
		return;
	wg_noise_remote_destroy(&p->remote);
	wg_cookie_maker_destroy(&p->cookie);
	pthread_mutex_destroy(&p->lock);
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

const char *wg_peer_name(struct wg_peer *p, char *buf, size_t len)
{
	char ep[INET6_ADDRSTRLEN + 16];

	pthread_mutex_lock(&p->lock);
	format_endpoint(&p->endpoint, ep, sizeof(ep));
	pthread_mutex_unlock(&p->lock);
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

void wg_peer_set_endpoint_from(struct wg_peer *p, const union wg_sockaddr *src)
{
	pthread_mutex_lock(&p->lock);
	if (!wg_sockaddr_eq(&p->endpoint, src)) {
		p->endpoint = *src;
		/* A new endpoint needs a new route and neighbour. */
		p->path_ok = false;
		wg_peer_path_stale(p);
	}
	pthread_mutex_unlock(&p->lock);
}

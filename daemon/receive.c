// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "receive.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "send.h"

struct wg_hs_item {
	struct wg_path rx;
	uint16_t len;
	uint8_t buf[WG_MSG_INITIATION_LEN];
};

struct wg_hs_queue {
	/* lock guards head, count. */
	pthread_mutex_t lock;
	unsigned int head, count;
	uint64_t long_at; /* when it was last longer than WG_HSQ_LOAD */
	struct wg_hs_item items[WG_HSQ_LEN];
};

int wg_receive_init(struct wg_device *dev)
{
	struct wg_hs_queue *q = calloc(1, sizeof(*q));

	if (!q)
		return -ENOMEM;
	pthread_mutex_init(&q->lock, NULL);
	dev->hsq = q;
	return 0;
}

void wg_receive_destroy(struct wg_device *dev)
{
	if (!dev->hsq)
		return;
	pthread_mutex_destroy(&dev->hsq->lock);
	wg_wipe(dev->hsq, sizeof(*dev->hsq));
	free(dev->hsq);
	dev->hsq = NULL;
}

/* A worker: copy the message for the control thread; false when full. */
static bool queue_handshake(struct wg_device *dev, const struct wg_pkt *pkt)
{
	struct wg_hs_queue *q = dev->hsq;
	struct wg_hs_item *it;
	bool ok;

	pthread_mutex_lock(&q->lock);
	ok = q->count < WG_HSQ_LEN;
	if (ok) {
		it = &q->items[(q->head + q->count) % WG_HSQ_LEN];
		it->rx = pkt->path;
		it->rx.flags = NULL;
		it->len = (uint16_t)pkt->len;
		memcpy(it->buf, pkt->data, pkt->len);
		q->count++;
	}
	pthread_mutex_unlock(&q->lock);
	if (ok)
		wg_device_wake(dev);
	return ok;
}

bool wg_receive_under_load(struct wg_device *dev)
{
	struct wg_hs_queue *q = dev->hsq;
	uint64_t now = wg_now();
	bool load;

	pthread_mutex_lock(&q->lock);
	if (q->count > WG_HSQ_LOAD)
		q->long_at = now;
	load = q->long_at && now - q->long_at < WG_COOKIE_UNDER_LOAD_NS;
	pthread_mutex_unlock(&q->lock);
	/*
	 * XDP then sheds floods before they reach the queue; while it does,
	 * the load is still there even though the queue is short.
	 */
	return wg_dataplane_set_load(&dev->dp, &dev->cookie, load, now);
}

unsigned int wg_receive_handshakes(struct wg_device *dev)
{
	struct wg_hs_queue *q = dev->hsq;
	struct wg_hs_item it;
	unsigned int done = 0;

	for (;;) {
		bool load = wg_receive_under_load(dev);

		pthread_mutex_lock(&q->lock);
		if (!q->count) {
			pthread_mutex_unlock(&q->lock);
			break;
		}
		it = q->items[q->head];
		q->head = (q->head + 1) % WG_HSQ_LEN;
		q->count--;
		pthread_mutex_unlock(&q->lock);
		wg_receive_handshake(dev, it.buf, it.len, &it.rx, load);
		done++;
	}
	wg_wipe(&it, sizeof(it));
	return done;
}

static void handshake_done(struct wg_device *dev, struct wg_peer *p,
			   uint64_t now)
{
	struct timespec wall;

	wg_wall(&wall);
	pthread_mutex_lock(&p->lock);
	wg_timers_handshake_complete(&p->timers, now, &wall);
	p->last_handshake = wall;
	if (wg_peer_timers_unlock(p))
		wg_device_want_timers(dev, p);
}

/* A handshake message from p authenticated (control thread). */
static void received_authenticated(struct wg_device *dev, struct wg_peer *p,
				   size_t len, uint64_t now)
{
	pthread_mutex_lock(&p->lock);
	wg_timers_any_authenticated_packet_received(&p->timers, now);
	wg_timers_any_authenticated_packet_traversal(&p->timers, now);
	if (wg_peer_timers_unlock(p))
		wg_device_want_timers(dev, p);
	atomic_fetch_add_explicit(&p->rx_bytes, len, memory_order_relaxed);
}

static void log_bad_handshake(uint32_t type, enum wg_noise_error err,
			      const union wg_sockaddr *src)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (src->sa.sa_family == AF_INET)
		inet_ntop(AF_INET, &src->in.sin_addr, ip, sizeof(ip));
	else if (src->sa.sa_family == AF_INET6)
		inet_ntop(AF_INET6, &src->in6.sin6_addr, ip, sizeof(ip));
	log_ratelimited(WG_LOG_INFO, "%s from %s:%u (%s)",
			wg_noise_diagnostic(type, err), ip,
			ntohs(src->in.sin_port), wg_noise_strerror(err));
}

static void endpoint_from(struct wg_peer *p, const struct wg_path *rx)
{
	wg_peer_roam(p, rx);
}

void wg_receive_handshake(struct wg_device *dev, const uint8_t *msg,
			  size_t len, const struct wg_path *rx,
			  bool under_load)
{
	struct wg_counters *c = &dev->ctl_counters;
	const union wg_sockaddr *src = &rx->remote;
	uint32_t type = msg[0];
	uint64_t now = wg_now();
	struct noise_remote *r = NULL;
	enum wg_noise_error err;
	struct wg_peer *p;
	uint8_t who[18];
	size_t wlen;
	char name[96];

	wg_count(c, WG_C_handshakes_rx, 1);
	if (type == WG_MSG_COOKIE) {
		const struct wg_msg_cookie *ck = (const void *)msg;

		if (len != sizeof(*ck))
			return;
		r = wg_index_lookup(&dev->index, le32toh(ck->receiver_index));
		if (!r)
			return;
		err = wg_cookie_maker_consume_reply(&wg_peer_of(r)->cookie, ck,
						    now);
		if (err)
			log_ratelimited(WG_LOG_DBG, "Dropping cookie reply: %s",
					wg_noise_strerror(err));
		else
			log_dbg("Received cookie reply from %s",
				wg_peer_name(wg_peer_of(r), name, sizeof(name)));
		return;
	}
	if ((type == WG_MSG_INITIATION && len != WG_MSG_INITIATION_LEN) ||
	    (type == WG_MSG_RESPONSE && len != WG_MSG_RESPONSE_LEN) ||
	    (type != WG_MSG_INITIATION && type != WG_MSG_RESPONSE))
		return;

	/*
	 * The kernel module's order (cookie.h): bad mac1 dropped; under load
	 * no valid mac2 gets a cookie reply; only a proven source is charged.
	 */
	wlen = wg_send_source_bytes(src, who);
	switch (wg_cookie_checker_admit(&dev->cookie, &dev->ratelimiter, msg,
					len, who, wlen, under_load, now)) {
	case WG_COOKIE_DROP_MAC1:
		log_bad_handshake(type, WG_NOISE_ERR_MAC1, src);
		return;
	case WG_COOKIE_SEND_COOKIE: {
		/* sender_index sits right after the header in types 1 and 2. */
		uint32_t sender;

		memcpy(&sender, msg + 4, sizeof(sender));
		wg_send_cookie(dev, sender, msg, len, rx);
		return;
	}
	case WG_COOKIE_RATELIMITED:
		return; /* counted by the checker */
	default:
		break;
	}

	if (type == WG_MSG_INITIATION) {
		err = wg_noise_consume_initiation(&dev->local, (const void *)msg,
						  now, &r);
		if (err) {
			log_bad_handshake(type, err, src);
			return;
		}
		p = wg_peer_of(r);
		endpoint_from(p, rx);
		log_dbg("Receiving handshake initiation from %s",
			wg_peer_name(p, name, sizeof(name)));
		received_authenticated(dev, p, len, now);
		wg_send_response(dev, p);
		return;
	}
	err = wg_noise_consume_response(&dev->local, (const void *)msg, now, &r);
	if (err) {
		log_bad_handshake(type, err, src);
		return;
	}
	p = wg_peer_of(r);
	endpoint_from(p, rx);
	log_dbg("Receiving handshake response from %s",
		wg_peer_name(p, name, sizeof(name)));
	received_authenticated(dev, p, len, now);
	handshake_done(dev, p, now);
	pthread_mutex_lock(&p->lock);
	wg_timers_session_derived(&p->timers, now);
	if (wg_peer_timers_unlock(p))
		wg_device_want_timers(dev, p);
	/* The initiator confirms the session at once, with data or not. */
	wg_device_want_flush(dev, p);
}

/* Length of the inner IP packet, or 0 when it is not a valid one. */
static size_t inner_len(const uint8_t *pkt, size_t plen, int *family,
			const uint8_t **src)
{
	if (plen >= sizeof(struct iphdr) && (pkt[0] >> 4) == 4) {
		const struct iphdr *ip = (const void *)pkt;
		size_t tot = ntohs(ip->tot_len);

		if (tot < sizeof(*ip) || tot > plen)
			return 0;
		*family = AF_INET;
		*src = (const uint8_t *)&ip->saddr;
		return tot;
	}
	if (plen >= sizeof(struct ipv6hdr) && (pkt[0] >> 4) == 6) {
		const struct ipv6hdr *ip6 = (const void *)pkt;
		size_t tot = sizeof(*ip6) + ntohs(ip6->payload_len);

		if (tot > plen)
			return 0;
		*family = AF_INET6;
		*src = (const uint8_t *)&ip6->saddr;
		return tot;
	}
	return 0;
}

static size_t receive_data(struct wg_device *dev, struct wg_counters *c,
			   struct wg_tally *t, struct wg_pkt *pkt)
{
	const struct wg_msg_data *hdr = (const void *)pkt->data;
	uint64_t now = wg_now();
	struct noise_keypair *kp;
	struct noise_remote *r;
	const uint8_t *inner_src, *inner;
	enum wg_noise_error err;
	bool rekey = false;
	size_t plen = 0, ilen;
	struct wg_peer *p;
	int family;
	char name[96];

	if (pkt->len < WG_MSG_DATA_MIN_LEN)
		goto drop_bad;
	r = wg_index_lookup(&dev->index, le32toh(hdr->receiver_index));
	if (!r)
		goto drop_no_session;
	p = wg_peer_of(r);
	if (atomic_load_explicit(&p->dead, memory_order_relaxed))
		goto drop_no_session;
	kp = wg_noise_keypair_lookup(r, le32toh(hdr->receiver_index));
	if (!kp)
		goto drop_no_session;
	err = wg_noise_decrypt(kp, pkt->data, pkt->len, now, &plen, &rekey);
	if (err != WG_NOISE_OK) {
		wg_noise_keypair_put(kp);
		if (err == WG_NOISE_ERR_COUNTER_REPLAY)
			goto drop_replay;
		if (err == WG_NOISE_ERR_DECRYPT)
			goto drop_decrypt;
		goto drop_no_session;
	}
	if (wg_noise_keypair_received_with(r, kp)) {
		/* The responder's session is confirmed: flush what waited. */
		handshake_done(dev, p, now);
		wg_device_want_flush(dev, p);
	}
	wg_noise_keypair_put(kp);
	wg_peer_roam(p, &pkt->path);
	wg_peer_tally_received(t, p, pkt->len, plen > 0, rekey);
	if (!plen) {
		wg_count(c, WG_C_keepalives_rx, 1);
		return 0;
	}

	inner = pkt->data + WG_DATA_HEADER_LEN;
	ilen = inner_len(inner, plen, &family, &inner_src);
	if (!ilen)
		goto drop_bad;
	if (wg_allowedips_lookup(&dev->aip, family, inner_src) != p) {
		wg_count(c, WG_C_drop_unallowed_src, 1);
		log_ratelimited(WG_LOG_INFO,
				"Packet has unallowed src IP from %s",
				wg_peer_name(p, name, sizeof(name)));
		return 0;
	}
	pkt->data += WG_DATA_HEADER_LEN;
	pkt->head += WG_DATA_HEADER_LEN;
	pkt->room -= WG_DATA_HEADER_LEN;
	pkt->len = (uint32_t)ilen;
	pkt->peer = p;
	return ilen;

drop_bad:
	wg_count(c, WG_C_drop_bad_packet, 1);
	return 0;
drop_no_session:
	wg_count(c, WG_C_drop_no_session, 1);
	return 0;
drop_decrypt:
	wg_count(c, WG_C_drop_decrypt, 1);
	return 0;
drop_replay:
	wg_count(c, WG_C_drop_replay, 1);
	return 0;
}

size_t wg_receive_outer(struct wg_device *dev, struct wg_counters *c,
			struct wg_tally *t, struct wg_pkt *pkt)
{
	const uint8_t *m = pkt->data;

	/* Every message starts with a type and three reserved zero bytes. */
	if (pkt->len < 4 || m[1] || m[2] || m[3])
		goto drop_bad;
	switch (m[0]) {
	case WG_MSG_DATA:
		return receive_data(dev, c, t, pkt);
	case WG_MSG_INITIATION:
	case WG_MSG_RESPONSE:
	case WG_MSG_COOKIE:
		if (pkt->len > WG_MSG_INITIATION_LEN)
			goto drop_bad;
		if (!queue_handshake(dev, pkt))
			wg_count(c, WG_C_drop_handshake_queue, 1);
		return 0;
	}
drop_bad:
	wg_count(c, WG_C_drop_bad_packet, 1);
	return 0;
}

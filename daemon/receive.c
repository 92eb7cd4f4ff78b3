// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "receive.h"

#include <arpa/inet.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "send.h"

static void handshake_done(struct wg_peer *p, uint64_t now)
{
	struct timespec wall;

	clock_gettime(CLOCK_REALTIME, &wall);
	pthread_mutex_lock(&p->lock);
	wg_timers_handshake_complete(&p->timers, now, &wall);
	p->last_handshake = wall;
	wg_peer_timers_unlock(p);
}

static void received_authenticated(struct wg_peer *p, size_t len, bool data,
				   uint64_t now)
{
	pthread_mutex_lock(&p->lock);
	wg_timers_any_authenticated_packet_received(&p->timers, now);
	wg_timers_any_authenticated_packet_traversal(&p->timers, now);
	if (data)
		wg_timers_data_received(&p->timers, now);
	wg_peer_timers_unlock(p);
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

void wg_receive_handshake(struct wg_device *dev, const uint8_t *msg,
			  size_t len, const union wg_sockaddr *src,
			  bool under_load)
{
	uint32_t type = msg[0];
	uint64_t now = wg_now();
	struct noise_remote *r = NULL;
	enum wg_noise_error err;
	uint8_t who[18];
	size_t wlen;
	char name[96];

	atomic_fetch_add_explicit(&dev->counters.handshakes_rx, 1,
				  memory_order_relaxed);
	if (type == WG_MSG_COOKIE) {
		const struct wg_msg_cookie *c = (const void *)msg;
		int kind;

		if (len != sizeof(*c))
			return;
		r = wg_index_lookup(&dev->index, le32toh(c->receiver_index),
				    &kind);
		if (!r)
			return;
		err = wg_cookie_maker_consume_reply(&wg_peer_of(r)->cookie, c,
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
		wg_send_cookie(dev, sender, msg, len, src);
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
		wg_peer_set_endpoint_from(wg_peer_of(r), src);
		log_dbg("Receiving handshake initiation from %s",
			wg_peer_name(wg_peer_of(r), name, sizeof(name)));
		received_authenticated(wg_peer_of(r), len, false, now);
		wg_send_response(dev, wg_peer_of(r));
		return;
	}
	err = wg_noise_consume_response(&dev->local, (const void *)msg, now, &r);
	if (err) {
		log_bad_handshake(type, err, src);
		return;
	}
	wg_peer_set_endpoint_from(wg_peer_of(r), src);
	log_dbg("Receiving handshake response from %s",
		wg_peer_name(wg_peer_of(r), name, sizeof(name)));
	received_authenticated(wg_peer_of(r), len, false, now);
	handshake_done(wg_peer_of(r), now);
	pthread_mutex_lock(&wg_peer_of(r)->lock);
	wg_timers_session_derived(&wg_peer_of(r)->timers, now);
	wg_peer_timers_unlock(wg_peer_of(r));
	/* The initiator confirms the session at once, with data or not. */
	wg_send_staged(dev, wg_peer_of(r), true);
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

size_t wg_receive_data(struct wg_device *dev, uint8_t *msg, size_t len,
		       const union wg_sockaddr *src)
{
	const struct wg_msg_data *hdr = (const void *)msg;
	struct noise_keypair *kp;
	struct noise_remote *r;
	struct wg_peer *p;
	uint64_t now = wg_now();
	const uint8_t *inner_src;
	bool rekey = false;
	size_t plen = 0, ilen;
	uint32_t idx;
	int kind, family;
	char name[96];

	if (len < WG_MSG_DATA_MIN_LEN)
		goto drop_bad;
	idx = le32toh(hdr->receiver_index);
	r = wg_index_lookup(&dev->index, idx, &kind);
	if (!r)
		goto drop_no_session;
	p = wg_peer_of(r);
	kp = wg_noise_keypair_lookup(r, idx);
	if (!kp)
		goto drop_no_session;
	if (wg_noise_decrypt(kp, msg, len, now, &plen, &rekey) != WG_NOISE_OK) {
		wg_noise_keypair_put(kp);
		goto drop_decrypt;
	}
	if (wg_noise_keypair_received_with(r, kp)) {
		/* The responder's session is confirmed: flush what waited. */
		handshake_done(p, now);
		wg_device_want_flush(dev, p);
	}
	wg_noise_keypair_put(kp);
	wg_peer_set_endpoint_from(p, src);
	received_authenticated(p, len, plen > 0, now);
	if (rekey)
		wg_device_want_handshake(dev, p);
	if (!plen)
		return 0; /* keepalive */

	msg += WG_DATA_HEADER_LEN;
	ilen = inner_len(msg, plen, &family, &inner_src);
	if (!ilen)
		goto drop_bad;
	if (wg_allowedips_lookup(&dev->aip, family, inner_src) != p) {
		atomic_fetch_add_explicit(&dev->counters.drop_unallowed_src, 1,
					  memory_order_relaxed);
		log_ratelimited(WG_LOG_INFO,
				"Packet has unallowed src IP from %s",
				wg_peer_name(p, name, sizeof(name)));
		return 0;
	}
	return ilen;

drop_bad:
	atomic_fetch_add_explicit(&dev->counters.drop_bad_packet, 1,
				  memory_order_relaxed);
	return 0;
drop_no_session:
	atomic_fetch_add_explicit(&dev->counters.drop_no_session, 1,
				  memory_order_relaxed);
	return 0;
drop_decrypt:
	atomic_fetch_add_explicit(&dev->counters.drop_decrypt, 1,
				  memory_order_relaxed);
	return 0;
}

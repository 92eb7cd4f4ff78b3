// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "send.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "timers.h"

int wg_send_udp(struct wg_device *dev, struct wg_peer *p, const void *msg,
		size_t len)
{
	union wg_sockaddr dst;
	int ret;

	pthread_mutex_lock(&p->lock);
	dst = p->endpoint;
	pthread_mutex_unlock(&p->lock);
	if (dst.sa.sa_family == AF_UNSPEC)
		return -EDESTADDRREQ;
	ret = wg_socket_send(&dev->sock, &dst, msg, len);
	if (!ret)
		atomic_fetch_add_explicit(&dev->counters.udp_tx, 1,
					  memory_order_relaxed);
	return ret;
}

/* Bookkeeping after any authenticated packet went out to p. */
static void sent_authenticated(struct wg_peer *p, size_t len, bool data,
			       uint64_t now)
{
	pthread_mutex_lock(&p->lock);
	wg_timers_any_authenticated_packet_traversal(&p->timers, now);
	wg_timers_any_authenticated_packet_sent(&p->timers, now);
	if (data)
		wg_timers_data_sent(&p->timers, now);
	wg_peer_timers_unlock(p);
	atomic_fetch_add_explicit(&p->tx_bytes, len, memory_order_relaxed);
}

void wg_send_initiation(struct wg_device *dev, struct wg_peer *p, bool retry)
{
	struct wg_msg_initiation msg;
	struct timespec wall;
	uint64_t now = wg_now();
	char name[96];
	bool may;

	pthread_mutex_lock(&p->lock);
	if (!retry)
		wg_timers_handshake_wanted(&p->timers, now);
	may = wg_timers_may_send_initiation(&p->timers, now) &&
	      p->endpoint.sa.sa_family != AF_UNSPEC;
	if (may)
		wg_timers_handshake_sent(&p->timers, now);
	wg_peer_timers_unlock(p);
	if (!may)
		return;

	clock_gettime(CLOCK_REALTIME, &wall);
	if (wg_noise_create_initiation(&p->remote, &msg, &wall, now)) {
		log_dbg("Could not create handshake initiation for %s",
			wg_peer_name(p, name, sizeof(name)));
		return;
	}
	wg_cookie_maker_add_macs(&p->cookie, &msg, sizeof(msg), now);
	log_dbg("Sending handshake initiation to %s",
		wg_peer_name(p, name, sizeof(name)));
	if (wg_send_udp(dev, p, &msg, sizeof(msg)) == 0)
		atomic_fetch_add_explicit(&dev->counters.handshakes_tx, 1,
					  memory_order_relaxed);
	sent_authenticated(p, sizeof(msg), false, now);
	pthread_mutex_lock(&p->lock);
	wg_timers_handshake_initiated(&p->timers, now);
	wg_peer_timers_unlock(p);
	wg_wipe(&msg, sizeof(msg));
}

void wg_send_response(struct wg_device *dev, struct wg_peer *p)
{
	struct wg_msg_response msg;
	uint64_t now = wg_now();
	char name[96];

	if (wg_noise_create_response(&p->remote, &msg, now)) {
		log_dbg("Could not create handshake response for %s",
			wg_peer_name(p, name, sizeof(name)));
		return;
	}
	wg_cookie_maker_add_macs(&p->cookie, &msg, sizeof(msg), now);
	log_dbg("Sending handshake response to %s",
		wg_peer_name(p, name, sizeof(name)));
	pthread_mutex_lock(&p->lock);
	wg_timers_handshake_sent(&p->timers, now);
	wg_timers_session_derived(&p->timers, now);
	wg_peer_timers_unlock(p);
	if (wg_send_udp(dev, p, &msg, sizeof(msg)) == 0)
		atomic_fetch_add_explicit(&dev->counters.handshakes_tx, 1,
					  memory_order_relaxed);
	sent_authenticated(p, sizeof(msg), false, now);
}

void wg_send_cookie(struct wg_device *dev, uint32_t sender_index,
		    const void *msg, size_t len, const union wg_sockaddr *src)
{
	struct wg_msg_cookie reply;
	uint8_t who[18];
	size_t wlen;

	wlen = wg_send_source_bytes(src, who);
	if (wg_cookie_checker_create_reply(&dev->cookie, &reply, sender_index,
					   msg, len, who, wlen, wg_now()))
		return;
	if (wg_socket_send(&dev->sock, src, &reply, sizeof(reply)) == 0)
		atomic_fetch_add_explicit(&dev->counters.cookies_tx, 1,
					  memory_order_relaxed);
}

size_t wg_send_source_bytes(const union wg_sockaddr *src, uint8_t out[18])
{
	/* The cookie binds the source IP address and UDP port. */
	if (src->sa.sa_family == AF_INET6) {
		memcpy(out, &src->in6.sin6_addr, 16);
		memcpy(out + 16, &src->in6.sin6_port, 2);
		return 18;
	}
	memcpy(out, &src->in.sin_addr, 4);
	memcpy(out + 4, &src->in.sin_port, 2);
	return 6;
}

size_t wg_send_seal(struct wg_device *dev, struct wg_peer *p, uint8_t *buf,
		    size_t cap, size_t plen)
{
	struct noise_keypair *kp = wg_noise_keypair_current(&p->remote);
	uint64_t now = wg_now();
	bool rekey = false;
	size_t len = 0;

	if (!kp || wg_noise_encrypt(kp, buf, cap, plen, dev->mtu, now, &len,
				    &rekey) != WG_NOISE_OK) {
		/* No usable session: keep the packet for after a handshake. */
		wg_noise_keypair_put(kp);
		if (plen) {
			wg_peer_stage(p, buf + WG_DATA_HEADER_LEN, plen);
			atomic_fetch_add_explicit(&dev->counters.staged, 1,
						  memory_order_relaxed);
		}
		wg_device_want_handshake(dev, p);
		return 0;
	}
	wg_noise_keypair_put(kp);
	if (rekey)
		wg_device_want_handshake(dev, p);
	sent_authenticated(p, len, plen > 0, now);
	return len;
}

void wg_send_keepalive(struct wg_device *dev, struct wg_peer *p)
{
	wg_send_staged(dev, p, true);
}

void wg_send_staged(struct wg_device *dev, struct wg_peer *p, bool keepalive)
{
	uint8_t buf[WG_DATA_HEADER_LEN + WG_STAGED_BUF + WG_PADDING +
		    WG_AEAD_TAG_LEN];
	size_t plen, len;
	bool sent = false;

	while ((plen = wg_peer_unstage(p, buf + WG_DATA_HEADER_LEN,
				       WG_STAGED_BUF))) {
		len = wg_send_seal(dev, p, buf, sizeof(buf), plen);
		if (!len)
			break; /* staged again: still no session */
		wg_send_udp(dev, p, buf, len);
		sent = true;
	}
	if (!sent && keepalive) {
		len = wg_send_seal(dev, p, buf, sizeof(buf), 0);
		if (len)
			wg_send_udp(dev, p, buf, len);
	}
	wg_wipe(buf, sizeof(buf));
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "send.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "rcu.h"
#include "timers.h"
#include "tunio.h"

const struct wg_peer_path *wg_send_path(struct wg_device *dev,
					struct wg_peer *p,
					struct wg_path *path)
{
	const struct wg_peer_path *pp = wg_rcu_deref(p->path);

	if (!pp || pp->path.remote.sa.sa_family == AF_UNSPEC)
		return NULL;
	*path = pp->path;
	if (path->local.sa.sa_family != AF_UNSPEC)
		path->local.in.sin_port = htons(atomic_load_explicit(
			&dev->port, memory_order_relaxed));
	path->flags = &p->path_flags;
	return pp;
}

/* A transport's refusal of our source: forget it (the kernel picks). */
static void check_src(struct wg_peer *p)
{
	if (atomic_load_explicit(&p->path_flags, memory_order_relaxed) &
	    WG_PATH_F_SRC_BAD) {
		atomic_fetch_and(&p->path_flags, ~(unsigned int)WG_PATH_F_SRC_BAD);
		wg_peer_clear_src(p);
	}
}

/* One handshake message out on the control thread's transport. */
static int send_control(struct wg_device *dev, const struct wg_path *path,
			const void *msg, size_t len)
{
	struct wg_transport *t = dev->ctl_tx;
	struct wg_pkt pkt;

	if (!t || t->ops->alloc(t, &pkt))
		return -ENOBUFS;
	if (len > pkt.room) {
		wg_pkt_release(&pkt);
		return -EMSGSIZE;
	}
	memcpy(pkt.data, msg, len);
	pkt.len = (uint32_t)len;
	pkt.path = *path;
	if (t->ops->send(t, &pkt, 1) != 1)
		return -EIO;
	wg_count(&dev->ctl_counters, t->tx_counter, 1);
	return 0;
}

/* Send a handshake message to p's endpoint; 0 or -errno. */
static int send_to_peer(struct wg_device *dev, struct wg_peer *p,
			const void *msg, size_t len)
{
	const struct wg_peer_path *pp;
	struct wg_path path;
	int ret;

	pp = wg_send_path(dev, p, &path);
	if (!pp)
		return -EDESTADDRREQ;
	if (pp->loop)
		return -ELOOP;
	ret = send_control(dev, &path, msg, len);
	check_src(p);
	return ret;
}

/* Bookkeeping after a handshake message went out to p (control thread). */
static void sent_authenticated(struct wg_device *dev, struct wg_peer *p,
			       size_t len, uint64_t now)
{
	pthread_mutex_lock(&p->lock);
	wg_timers_any_authenticated_packet_traversal(&p->timers, now);
	wg_timers_any_authenticated_packet_sent(&p->timers, now);
	if (wg_peer_timers_unlock(p))
		wg_device_want_timers(dev, p);
	atomic_fetch_add_explicit(&p->tx_bytes, len, memory_order_relaxed);
}

void wg_send_initiation(struct wg_device *dev, struct wg_peer *p, bool retry)
{
	struct wg_msg_initiation msg;
	union wg_sockaddr ep = wg_peer_endpoint(p);
	struct timespec wall;
	uint64_t now = wg_now();
	char name[96];
	bool may;

	pthread_mutex_lock(&p->lock);
	if (!retry)
		wg_timers_handshake_wanted(&p->timers, now);
	may = wg_timers_may_send_initiation(&p->timers, now) &&
	      ep.sa.sa_family != AF_UNSPEC;
	if (may)
		wg_timers_handshake_sent(&p->timers, now);
	wg_peer_timers_unlock(p);
	if (!may)
		return;

	wg_wall(&wall);
	if (wg_noise_create_initiation(&p->remote, &msg, &wall, now)) {
		log_dbg("Could not create handshake initiation for %s",
			wg_peer_name(p, name, sizeof(name)));
		return;
	}
	wg_cookie_maker_add_macs(&p->cookie, &msg, sizeof(msg), now);
	log_dbg("Sending handshake initiation to %s",
		wg_peer_name(p, name, sizeof(name)));
	if (send_to_peer(dev, p, &msg, sizeof(msg)) == 0)
		wg_count(&dev->ctl_counters, WG_C_handshakes_tx, 1);
	sent_authenticated(dev, p, sizeof(msg), now);
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
	if (send_to_peer(dev, p, &msg, sizeof(msg)) == 0)
		wg_count(&dev->ctl_counters, WG_C_handshakes_tx, 1);
	sent_authenticated(dev, p, sizeof(msg), now);
	wg_wipe(&msg, sizeof(msg));
}

void wg_send_cookie(struct wg_device *dev, uint32_t sender_index,
		    const void *msg, size_t len, const struct wg_path *rx)
{
	struct wg_msg_cookie reply;
	struct wg_path back = { 0 };
	uint8_t who[18];
	size_t wlen;

	wlen = wg_send_source_bytes(&rx->remote, who);
	if (wg_cookie_checker_create_reply(&dev->cookie, &reply, sender_index,
					   msg, len, who, wlen, wg_now()))
		return;
	/* Back to the sender, from the address it sent to. */
	back.remote = rx->remote;
	back.local = rx->local;
	if (send_control(dev, &back, &reply, sizeof(reply)) == 0)
		wg_count(&dev->ctl_counters, WG_C_cookies_tx, 1);
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

bool wg_send_seal(struct wg_device *dev, struct wg_counters *c,
		  struct wg_tally *t, struct wg_peer *p, struct wg_pkt *pkt)
{
	struct noise_keypair *kp = wg_noise_keypair_current(&p->remote);
	unsigned int mtu = atomic_load_explicit(&dev->mtu,
						memory_order_relaxed);
	uint8_t *msg = pkt->data - WG_DATA_HEADER_LEN;
	uint64_t now = wg_now();
	size_t plen = pkt->len, len = 0;
	bool rekey = false;

	if (!kp || wg_noise_encrypt(kp, msg, pkt->room + WG_DATA_HEADER_LEN,
				    plen, mtu, now, &len,
				    &rekey) != WG_NOISE_OK) {
		/* No usable session: keep the packet for after a handshake. */
		wg_noise_keypair_put(kp);
		if (plen) {
			wg_peer_stage(p, pkt->data, plen);
			wg_count(c, WG_C_staged, 1);
		}
		wg_device_want_handshake(dev, p);
		return false;
	}
	wg_noise_keypair_put(kp);
	if (rekey)
		wg_device_want_handshake(dev, p);
	wg_peer_tally_sent(t, p, len, plen > 0);
	pkt->data = msg;
	pkt->head -= WG_DATA_HEADER_LEN;
	pkt->room += WG_DATA_HEADER_LEN;
	pkt->len = (uint32_t)len;
	return true;
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * mac1/mac2 and cookie replies. Every handshake message ends in
 * mac1 = MAC(HASH("mac1----" || S_receiver^pub), msg up to mac1) and
 * mac2 = MAC(cookie, msg up to mac2), zero when the sender has no cookie.
 * A cookie is MAC(secret, source address) and travels in a cookie reply
 * sealed with XAEAD(HASH("cookie--" || S_sender-of-the-answered^pub),
 * random nonce, cookie, mac1 of the answered message).
 */
#include "cookie.h"

#include <endian.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#define LABEL_MAC1 "mac1----"
#define LABEL_COOKIE "cookie--"
#define LABEL_LEN 8

#define SEC(s) ((uint64_t)(s) * WG_NSEC_PER_SEC)

static void derive(uint8_t out[WG_KEY_LEN], const char *label,
		   const uint8_t pub[WG_KEY_LEN])
{
	wg_hash2(out, label, LABEL_LEN, pub, WG_KEY_LEN);
}

void wg_cookie_mac1_key(uint8_t out[WG_KEY_LEN],
			const uint8_t pub[WG_KEY_LEN])
{
	derive(out, LABEL_MAC1, pub);
}

/* Offsets of mac1 and mac2 in a handshake message of len bytes. */
static size_t mac1_off(size_t len)
{
	return len - sizeof(struct wg_msg_macs);
}

static size_t mac2_off(size_t len)
{
	return len - WG_MAC_LEN;
}

static bool handshake_len(size_t len)
{
	return len == WG_MSG_INITIATION_LEN || len == WG_MSG_RESPONSE_LEN;
}

void wg_cookie_checker_init(struct cookie_checker *cc)
{
	memset(cc, 0, sizeof(*cc));
	pthread_mutex_init(&cc->lock, NULL);
}

void wg_cookie_checker_destroy(struct cookie_checker *cc)
{
	pthread_mutex_destroy(&cc->lock);
	wg_wipe(cc, sizeof(*cc));
}

void wg_cookie_checker_update(struct cookie_checker *cc,
			      const uint8_t pub[WG_KEY_LEN])
{
	pthread_mutex_lock(&cc->lock);
	if (pub) {
		derive(cc->mac1_key, LABEL_MAC1, pub);
		derive(cc->cookie_key, LABEL_COOKIE, pub);
		cc->has_keys = true;
	} else {
		wg_wipe(cc->mac1_key, sizeof(cc->mac1_key));
		wg_wipe(cc->cookie_key, sizeof(cc->cookie_key));
		cc->has_keys = false;
	}
	pthread_mutex_unlock(&cc->lock);
}

bool wg_cookie_under_load(struct cookie_checker *cc, size_t queued,
			  size_t limit, uint64_t now)
{
	bool load;

	pthread_mutex_lock(&cc->lock);
	if (queued >= limit) {
		cc->load_since = now;
		cc->has_load = true;
	}
	load = cc->has_load && now >= cc->load_since &&
	       now - cc->load_since < WG_COOKIE_UNDER_LOAD_NS;
	pthread_mutex_unlock(&cc->lock);
	return load;
}

void wg_cookie_checker_load_seen(struct cookie_checker *cc, uint64_t now)
{
	pthread_mutex_lock(&cc->lock);
	cc->load_since = now;
	cc->has_load = true;
	pthread_mutex_unlock(&cc->lock);
}

/* cookie = MAC(secret, src), renewing a stale secret; caller holds lock. */
static void make_cookie(struct cookie_checker *cc,
			uint8_t cookie[WG_COOKIE_LEN], const void *src,
			size_t srclen, uint64_t now)
{
	if (!cc->has_secret || now < cc->secret_birth ||
	    now - cc->secret_birth >= SEC(WG_COOKIE_SECRET_MAX_AGE)) {
		/* The old one still proves a source for a short while. */
		memcpy(cc->prev_secret, cc->secret, sizeof(cc->secret));
		cc->prev_until = cc->has_secret ? now + WG_COOKIE_PREV_NS : 0;
		wg_random(cc->secret, sizeof(cc->secret));
		cc->secret_birth = now;
		cc->has_secret = true;
		atomic_fetch_add(&cc->secret_gen, 1);
	}
	wg_mac(cookie, cc->secret, sizeof(cc->secret), src, srclen);
}

/*
 * Does mac2 of msg hold with the cookie of the secret replaced less than
 * WG_COOKIE_PREV_NS ago? Caller holds lock.
 */
static bool prev_cookie_ok(struct cookie_checker *cc, const uint8_t *m,
			   size_t len, const void *src, size_t srclen,
			   uint64_t now)
{
	uint8_t mac[WG_MAC_LEN], cookie[WG_COOKIE_LEN];
	bool ok;

	if (!cc->prev_until || now >= cc->prev_until)
		return false;
	wg_mac(cookie, cc->prev_secret, sizeof(cc->prev_secret), src, srclen);
	wg_mac(mac, cookie, WG_COOKIE_LEN, m, mac2_off(len));
	ok = wg_ct_eq(mac, m + mac2_off(len), WG_MAC_LEN);
	wg_wipe(cookie, sizeof(cookie));
	return ok;
}

uint64_t wg_cookie_checker_secrets(struct cookie_checker *cc,
				   uint8_t cur[WG_HASH_LEN],
				   uint8_t prev[WG_HASH_LEN],
				   uint64_t *prev_until)
{
	uint64_t gen;

	pthread_mutex_lock(&cc->lock);
	gen = cc->has_secret ? atomic_load(&cc->secret_gen) : 0;
	memset(cur, 0, WG_HASH_LEN);
	memset(prev, 0, WG_HASH_LEN);
	*prev_until = 0;
	if (gen) {
		memcpy(cur, cc->secret, WG_HASH_LEN);
		if (cc->prev_until) {
			memcpy(prev, cc->prev_secret, WG_HASH_LEN);
			*prev_until = cc->prev_until;
		}
	}
	pthread_mutex_unlock(&cc->lock);
	return gen;
}

enum wg_cookie_mac wg_cookie_checker_validate(struct cookie_checker *cc,
					      const void *msg, size_t len,
					      const void *src, size_t srclen,
					      bool under_load, uint64_t now)
{
	const uint8_t *m = msg;
	uint8_t mac[WG_MAC_LEN], cookie[WG_COOKIE_LEN];
	enum wg_cookie_mac ret = WG_COOKIE_MAC_INVALID_MAC1;

	if (!handshake_len(len))
		return ret;
	pthread_mutex_lock(&cc->lock);
	if (!cc->has_keys)
		goto out_unlock;
	wg_mac(mac, cc->mac1_key, WG_KEY_LEN, m, mac1_off(len));
	if (!wg_ct_eq(mac, m + mac1_off(len), WG_MAC_LEN))
		goto out_unlock;

	make_cookie(cc, cookie, src, srclen, now);
	wg_mac(mac, cookie, WG_COOKIE_LEN, m, mac2_off(len));
	if (wg_ct_eq(mac, m + mac2_off(len), WG_MAC_LEN) ||
	    prev_cookie_ok(cc, m, len, src, srclen, now))
		ret = WG_COOKIE_MAC_VALID_COOKIE;
	else if (under_load)
		ret = WG_COOKIE_MAC_NEED_COOKIE;
	else
		ret = WG_COOKIE_MAC_VALID;
out_unlock:
	pthread_mutex_unlock(&cc->lock);
	wg_wipe(cookie, sizeof(cookie));
	return ret;
}

static const char *const verdict_names[] = {
#define VERDICT_NAME(name, text) [WG_COOKIE_##name] = text,
	WG_COOKIE_VERDICTS(VERDICT_NAME)
#undef VERDICT_NAME
};

const char *wg_cookie_verdict_name(enum wg_cookie_verdict v)
{
	return v < WG_COOKIE_VERDICT_MAX ? verdict_names[v] : "?";
}

enum wg_cookie_verdict wg_cookie_checker_admit(struct cookie_checker *cc,
					       struct wg_ratelimiter *rl,
					       const void *msg, size_t len,
					       const void *src, size_t srclen,
					       bool under_load, uint64_t now)
{
	enum wg_cookie_verdict v;

	switch (wg_cookie_checker_validate(cc, msg, len, src, srclen,
					   under_load, now)) {
	case WG_COOKIE_MAC_INVALID_MAC1:
		v = WG_COOKIE_DROP_MAC1;
		break;
	case WG_COOKIE_MAC_NEED_COOKIE:
		v = WG_COOKIE_SEND_COOKIE;
		break;
	case WG_COOKIE_MAC_VALID_COOKIE:
		/* Only mac2 proves the source: only now is it charged. */
		if (under_load &&
		    !wg_ratelimiter_allow(rl, srclen == 18 ? AF_INET6 : AF_INET,
					  src, now)) {
			v = WG_COOKIE_RATELIMITED;
			break;
		}
		v = WG_COOKIE_ACCEPT;
		break;
	default: /* WG_COOKIE_MAC_VALID: not under load, no limit */
		v = WG_COOKIE_ACCEPT;
		break;
	}
	atomic_fetch_add_explicit(&cc->verdicts[v], 1, memory_order_relaxed);
	return v;
}

int wg_cookie_checker_create_reply(struct cookie_checker *cc,
				   struct wg_msg_cookie *reply,
				   uint32_t sender_index, const void *msg,
				   size_t len, const void *src, size_t srclen,
				   uint64_t now)
{
	const uint8_t *m = msg;
	uint8_t cookie[WG_COOKIE_LEN];
	int ret = -EINVAL;

	if (!handshake_len(len))
		return ret;
	pthread_mutex_lock(&cc->lock);
	if (!cc->has_keys)
		goto out_unlock;
	memset(reply, 0, sizeof(*reply));
	reply->header.type = htole32(WG_MSG_COOKIE);
	reply->receiver_index = htole32(sender_index);
	wg_random(reply->nonce, sizeof(reply->nonce));
	make_cookie(cc, cookie, src, srclen, now);
	/* AD: the mac1 of the message answered, so only its sender can use it */
	wg_xaead_seal(reply->encrypted_cookie, cookie, WG_COOKIE_LEN,
		      reply->nonce, cc->cookie_key, m + mac1_off(len),
		      WG_MAC_LEN);
	ret = 0;
out_unlock:
	pthread_mutex_unlock(&cc->lock);
	wg_wipe(cookie, sizeof(cookie));
	return ret;
}

void wg_cookie_maker_init(struct cookie_maker *cm,
			  const uint8_t pub[WG_KEY_LEN])
{
	memset(cm, 0, sizeof(*cm));
	pthread_mutex_init(&cm->lock, NULL);
	derive(cm->mac1_key, LABEL_MAC1, pub);
	derive(cm->cookie_key, LABEL_COOKIE, pub);
}

void wg_cookie_maker_destroy(struct cookie_maker *cm)
{
	pthread_mutex_destroy(&cm->lock);
	wg_wipe(cm, sizeof(*cm));
}

void wg_cookie_maker_add_macs(struct cookie_maker *cm, void *msg, size_t len,
			      uint64_t now)
{
	uint8_t *m = msg;

	if (!handshake_len(len))
		return;
	pthread_mutex_lock(&cm->lock);
	wg_mac(m + mac1_off(len), cm->mac1_key, WG_KEY_LEN, m, mac1_off(len));
	memcpy(cm->last_mac1, m + mac1_off(len), WG_MAC_LEN);
	cm->has_last_mac1 = true;

	/* A cookie about to go stale at the other end is not worth sending. */
	if (cm->has_cookie && now >= cm->cookie_birth &&
	    now - cm->cookie_birth < SEC(WG_COOKIE_SECRET_MAX_AGE -
					 WG_COOKIE_SECRET_LATENCY))
		wg_mac(m + mac2_off(len), cm->cookie, WG_COOKIE_LEN, m,
		       mac2_off(len));
	else
		memset(m + mac2_off(len), 0, WG_MAC_LEN);
	pthread_mutex_unlock(&cm->lock);
}

enum wg_noise_error
wg_cookie_maker_consume_reply(struct cookie_maker *cm,
			      const struct wg_msg_cookie *reply, uint64_t now)
{
	uint8_t cookie[WG_COOKIE_LEN];
	enum wg_noise_error err = WG_NOISE_ERR_LENGTH;

	if (le32toh(reply->header.type) != WG_MSG_COOKIE)
		return err;
	pthread_mutex_lock(&cm->lock);
	err = WG_NOISE_ERR_COOKIE_UNEXPECTED;
	if (!cm->has_last_mac1)
		goto out_unlock;
	err = WG_NOISE_ERR_DECRYPT;
	if (!wg_xaead_open(cookie, reply->encrypted_cookie,
			   sizeof(reply->encrypted_cookie), reply->nonce,
			   cm->cookie_key, cm->last_mac1, WG_MAC_LEN))
		goto out_unlock;
	memcpy(cm->cookie, cookie, WG_COOKIE_LEN);
	cm->cookie_birth = now;
	cm->has_cookie = true;
	/* One cookie per message sent: a second reply to it is refused. */
	cm->has_last_mac1 = false;
	err = WG_NOISE_OK;
out_unlock:
	pthread_mutex_unlock(&cm->lock);
	wg_wipe(cookie, sizeof(cookie));
	return err;
}

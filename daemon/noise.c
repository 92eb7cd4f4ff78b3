// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s as WireGuard uses it (whitepaper
 * section 5.4.2 to 5.4.4), the session keypairs it derives, and the data
 * message transport (section 5.4.6).
 *
 * Notation in the comments follows the whitepaper: C the chaining key, H the
 * hash, k a temporary key, E/S ephemeral/static keys, i/r initiator and
 * responder, Q the preshared key. Each step is annotated with its Noise
 * token: e, es, s, ss (initiation); e, ee, se, psk (response).
 *
 * Consumers compute on stack copies and commit to the remote only once
 * every check has passed, so a refused message leaves no trace.
 */
#include "noise.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NOISE_CONSTRUCTION "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
#define NOISE_IDENTIFIER "WireGuard v1 zx2c4 Jason@zx2c4.com"

#define SEC(s) ((uint64_t)(s) * WG_NSEC_PER_SEC)

/* A zero-length buffer for empty AEAD payloads (libsodium wants a pointer). */
static uint8_t empty[1];

static const char *const error_names[] = {
	[WG_NOISE_OK] = "success",
	[WG_NOISE_ERR_LENGTH] = "malformed message",
	[WG_NOISE_ERR_MAC1] = "invalid mac1",
	[WG_NOISE_ERR_COOKIE_NEEDED] = "under load: valid mac2 needed",
	[WG_NOISE_ERR_DECRYPT] = "authentication failed",
	[WG_NOISE_ERR_UNKNOWN_PEER] = "unknown peer public key",
	[WG_NOISE_ERR_DH] = "zero Diffie-Hellman result",
	[WG_NOISE_ERR_REPLAY] = "replayed handshake timestamp",
	[WG_NOISE_ERR_FLOOD] = "handshake initiation flood",
	[WG_NOISE_ERR_STATE] = "no handshake waiting for this message",
	[WG_NOISE_ERR_UNKNOWN_INDEX] = "unknown receiver index",
	[WG_NOISE_ERR_NO_KEY] = "no private key",
	[WG_NOISE_ERR_NO_KEYPAIR] = "no valid keypair",
	[WG_NOISE_ERR_EXPIRED] = "keypair expired",
	[WG_NOISE_ERR_COUNTER] = "counter limit reached",
	[WG_NOISE_ERR_COUNTER_REPLAY] = "replayed or too old counter",
	[WG_NOISE_ERR_COOKIE_UNEXPECTED] = "cookie reply to no message of ours",
	[WG_NOISE_ERR_NOMEM] = "out of memory",
};

const char *wg_noise_strerror(enum wg_noise_error err)
{
	if ((size_t)err >= sizeof(error_names) / sizeof(error_names[0]) ||
	    !error_names[err])
		return "unknown error";
	return error_names[err];
}

const char *wg_noise_diagnostic(uint32_t type, enum wg_noise_error err)
{
	switch (type) {
	case WG_MSG_INITIATION:
		if (err == WG_NOISE_ERR_MAC1)
			return "Invalid initiation MAC";
		if (err == WG_NOISE_ERR_COOKIE_NEEDED)
			return "Handshake initiation needs a cookie";
		return "Invalid handshake initiation";
	case WG_MSG_RESPONSE:
		if (err == WG_NOISE_ERR_MAC1)
			return "Invalid response MAC";
		if (err == WG_NOISE_ERR_COOKIE_NEEDED)
			return "Handshake response needs a cookie";
		return "Invalid handshake response";
	case WG_MSG_COOKIE:
		return "Invalid cookie reply";
	case WG_MSG_DATA:
		return "Invalid data packet";
	default:
		return "Invalid packet";
	}
}

/* H = HASH(H || data) */
static void mix_hash(uint8_t h[WG_HASH_LEN], const void *data, size_t len)
{
	wg_hash2(h, h, WG_HASH_LEN, data, len);
}

/* (C, k) = KDF2(C, DH(priv, pub)); k may be NULL for KDF1. */
static bool mix_dh(uint8_t ck[WG_HASH_LEN], uint8_t *k,
		   const uint8_t priv[WG_KEY_LEN], const uint8_t pub[WG_KEY_LEN])
{
	uint8_t dh[WG_KEY_LEN];

	if (!wg_dh(dh, priv, pub))
		return false;
	wg_kdf(ck, k, NULL, ck, dh, sizeof(dh));
	wg_wipe(dh, sizeof(dh));
	return true;
}

/* dst = AEAD(k, 0, src, H); H = HASH(H || dst) */
static void seal_hash(uint8_t *dst, const uint8_t *src, size_t len,
		      const uint8_t k[WG_KEY_LEN], uint8_t h[WG_HASH_LEN])
{
	wg_aead_seal(dst, len ? src : empty, len, 0, k, h, WG_HASH_LEN);
	mix_hash(h, dst, len + WG_AEAD_TAG_LEN);
}

/* dst = AEAD-open(k, 0, src, H); H = HASH(H || src) */
static bool open_hash(uint8_t *dst, const uint8_t *src, size_t len,
		      const uint8_t k[WG_KEY_LEN], uint8_t h[WG_HASH_LEN])
{
	if (!wg_aead_open(dst ? dst : empty, src, len, 0, k, h, WG_HASH_LEN))
		return false;
	mix_hash(h, src, len);
	return true;
}

/* C = HASH(Construction); H = HASH(HASH(C || Identifier) || S_r^pub) */
static void handshake_start(uint8_t ck[WG_HASH_LEN], uint8_t h[WG_HASH_LEN],
			    const uint8_t responder_pub[WG_KEY_LEN])
{
	wg_hash(ck, NOISE_CONSTRUCTION, strlen(NOISE_CONSTRUCTION));
	wg_hash2(h, ck, WG_HASH_LEN, NOISE_IDENTIFIER,
		 strlen(NOISE_IDENTIFIER));
	mix_hash(h, responder_pub, WG_KEY_LEN);
}

static bool local_keys(struct noise_local *l, uint8_t priv[WG_KEY_LEN],
		       uint8_t pub[WG_KEY_LEN])
{
	bool ok;

	pthread_mutex_lock(&l->lock);
	ok = l->has_private;
	if (ok) {
		memcpy(priv, l->private, WG_KEY_LEN);
		memcpy(pub, l->public, WG_KEY_LEN);
	}
	pthread_mutex_unlock(&l->lock);
	return ok;
}

void wg_noise_local_init(struct noise_local *l, const struct noise_upcall *u)
{
	memset(l, 0, sizeof(*l));
	l->upcall = *u;
	pthread_mutex_init(&l->lock, NULL);
}

void wg_noise_local_destroy(struct noise_local *l)
{
	wg_wipe(l->private, sizeof(l->private));
	pthread_mutex_destroy(&l->lock);
}

void wg_noise_local_set_private(struct noise_local *l,
				const uint8_t priv[WG_KEY_LEN])
{
	pthread_mutex_lock(&l->lock);
	if (priv) {
		memcpy(l->private, priv, WG_KEY_LEN);
		wg_clamp(l->private);
		wg_pubkey(l->public, l->private);
		l->has_private = true;
	} else {
		wg_wipe(l->private, sizeof(l->private));
		memset(l->public, 0, sizeof(l->public));
		l->has_private = false;
	}
	pthread_mutex_unlock(&l->lock);
}

bool wg_noise_local_public(struct noise_local *l, uint8_t pub[WG_KEY_LEN])
{
	bool ok;

	pthread_mutex_lock(&l->lock);
	ok = l->has_private;
	if (ok)
		memcpy(pub, l->public, WG_KEY_LEN);
	pthread_mutex_unlock(&l->lock);
	return ok;
}

/* Caller holds r->handshake_lock. */
static void precompute(struct noise_remote *r)
{
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN];

	r->ss_ok = local_keys(r->local, priv, pub) &&
		   wg_dh(r->ss, priv, r->public);
	if (!r->ss_ok)
		wg_wipe(r->ss, sizeof(r->ss));
	wg_wipe(priv, sizeof(priv));
}

void wg_noise_remote_init(struct noise_remote *r, struct noise_local *l,
			  const uint8_t pub[WG_KEY_LEN])
{
	memset(r, 0, sizeof(*r));
	r->local = l;
	memcpy(r->public, pub, WG_KEY_LEN);
	pthread_mutex_init(&r->handshake_lock, NULL);
	pthread_mutex_init(&r->keypair_lock, NULL);
	precompute(r);
}

void wg_noise_remote_precompute(struct noise_remote *r)
{
	pthread_mutex_lock(&r->handshake_lock);
	precompute(r);
	pthread_mutex_unlock(&r->handshake_lock);
}

void wg_noise_remote_set_psk(struct noise_remote *r,
			     const uint8_t psk[WG_KEY_LEN])
{
	pthread_mutex_lock(&r->handshake_lock);
	if (psk)
		memcpy(r->psk, psk, WG_KEY_LEN);
	else
		wg_wipe(r->psk, sizeof(r->psk));
	pthread_mutex_unlock(&r->handshake_lock);
}

/* Forget the handshake; caller holds r->handshake_lock. */
static void handshake_zero(struct noise_remote *r)
{
	struct noise_upcall *u = &r->local->upcall;

	if (r->hs.state == NOISE_STATE_CREATED_INITIATION)
		u->index_drop(u->arg, r->hs.local_index);
	wg_wipe(&r->hs, sizeof(r->hs));
	r->hs.state = NOISE_STATE_ZEROED;
}

/*
 * Take kp out of service: unusable, index gone, slot's reference put.
 * Caller holds r->keypair_lock.
 */
static void keypair_drop(struct noise_remote *r, struct noise_keypair *kp)
{
	struct noise_upcall *u = &r->local->upcall;

	if (!kp)
		return;
	atomic_store(&kp->valid, false);
	u->index_drop(u->arg, kp->local_index);
	wg_noise_keypair_put(kp);
}

void wg_noise_remote_clear(struct noise_remote *r)
{
	pthread_mutex_lock(&r->handshake_lock);
	handshake_zero(r);
	pthread_mutex_lock(&r->keypair_lock);
	keypair_drop(r, r->previous);
	keypair_drop(r, r->current);
	keypair_drop(r, r->next);
	r->previous = r->current = r->next = NULL;
	pthread_mutex_unlock(&r->keypair_lock);
	pthread_mutex_unlock(&r->handshake_lock);
}

void wg_noise_remote_destroy(struct noise_remote *r)
{
	wg_noise_remote_clear(r);
	wg_wipe(r->psk, sizeof(r->psk));
	wg_wipe(r->ss, sizeof(r->ss));
	pthread_mutex_destroy(&r->keypair_lock);
	pthread_mutex_destroy(&r->handshake_lock);
}

int wg_noise_create_initiation(struct noise_remote *r,
			       struct wg_msg_initiation *msg,
			       const struct timespec *wall, uint64_t now)
{
	struct noise_upcall *u = &r->local->upcall;
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN], k[WG_KEY_LEN];
	uint8_t ck[WG_HASH_LEN], h[WG_HASH_LEN], e[WG_KEY_LEN];
	uint8_t ts[WG_TAI64N_LEN];
	uint32_t index;
	int ret = -EINVAL;

	(void)now;
	if (!local_keys(r->local, priv, pub))
		goto out_wipe;
	pthread_mutex_lock(&r->handshake_lock);
	if (!r->ss_ok)
		goto out_unlock;

	memset(msg, 0, sizeof(*msg));
	handshake_start(ck, h, r->public);

	/* e: E_i = DH-Generate(); C = KDF1(C, E_i^pub); H = HASH(H || E_i^pub) */
	wg_genkey(e);
	wg_pubkey(msg->unencrypted_ephemeral, e);
	wg_kdf(ck, NULL, NULL, ck, msg->unencrypted_ephemeral, WG_KEY_LEN);
	mix_hash(h, msg->unencrypted_ephemeral, WG_KEY_LEN);

	/* es: (C, k) = KDF2(C, DH(E_i^priv, S_r^pub)) */
	if (!mix_dh(ck, k, e, r->public))
		goto out_unlock;

	/* s: static = AEAD(k, 0, S_i^pub, H); H = HASH(H || static) */
	seal_hash(msg->encrypted_static, pub, WG_KEY_LEN, k, h);

	/* ss: (C, k) = KDF2(C, DH(S_i^priv, S_r^pub)), precomputed */
	wg_kdf(ck, k, NULL, ck, r->ss, WG_KEY_LEN);

	/* {t}: timestamp = AEAD(k, 0, TAI64N(), H); H = HASH(H || timestamp) */
	wg_tai64n(ts, wall);
	seal_hash(msg->encrypted_timestamp, ts, WG_TAI64N_LEN, k, h);

	/* Commit: replace any handshake of ours that is still pending. */
	handshake_zero(r);
	index = u->index_set(u->arg, r);
	r->hs.state = NOISE_STATE_CREATED_INITIATION;
	r->hs.local_index = index;
	memcpy(r->hs.local_ephemeral, e, WG_KEY_LEN);
	memcpy(r->hs.hash, h, WG_HASH_LEN);
	memcpy(r->hs.chaining_key, ck, WG_HASH_LEN);

	msg->header.type = htole32(WG_MSG_INITIATION);
	msg->sender_index = htole32(index);
	ret = 0;
out_unlock:
	pthread_mutex_unlock(&r->handshake_lock);
out_wipe:
	wg_wipe(priv, sizeof(priv));
	wg_wipe(k, sizeof(k));
	wg_wipe(ck, sizeof(ck));
	wg_wipe(h, sizeof(h));
	wg_wipe(e, sizeof(e));
	return ret;
}

enum wg_noise_error
wg_noise_consume_initiation(struct noise_local *l,
			    const struct wg_msg_initiation *msg, uint64_t now,
			    struct noise_remote **rp)
{
	struct noise_upcall *u = &l->upcall;
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN], k[WG_KEY_LEN];
	uint8_t ck[WG_HASH_LEN], h[WG_HASH_LEN], s[WG_KEY_LEN];
	uint8_t ts[WG_TAI64N_LEN];
	const uint8_t *e = msg->unencrypted_ephemeral;
	struct noise_remote *r;
	enum wg_noise_error err;

	if (le32toh(msg->header.type) != WG_MSG_INITIATION)
		return WG_NOISE_ERR_LENGTH;
	err = WG_NOISE_ERR_NO_KEY;
	if (!local_keys(l, priv, pub))
		goto out_wipe;

	handshake_start(ck, h, pub);

	/* e: C = KDF1(C, E_i^pub); H = HASH(H || E_i^pub) */
	wg_kdf(ck, NULL, NULL, ck, e, WG_KEY_LEN);
	mix_hash(h, e, WG_KEY_LEN);

	/* es: (C, k) = KDF2(C, DH(S_r^priv, E_i^pub)) */
	err = WG_NOISE_ERR_DH;
	if (!mix_dh(ck, k, priv, e))
		goto out_wipe;

	/* s: S_i^pub = AEAD-open(k, 0, static, H); H = HASH(H || static) */
	err = WG_NOISE_ERR_DECRYPT;
	if (!open_hash(s, msg->encrypted_static, sizeof(msg->encrypted_static),
		       k, h))
		goto out_wipe;

	err = WG_NOISE_ERR_UNKNOWN_PEER;
	r = u->remote_get(u->arg, s);
	if (!r)
		goto out_wipe;

	pthread_mutex_lock(&r->handshake_lock);
	/* ss: (C, k) = KDF2(C, DH(S_r^priv, S_i^pub)), precomputed */
	err = WG_NOISE_ERR_DH;
	if (!r->ss_ok)
		goto out_unlock;
	wg_kdf(ck, k, NULL, ck, r->ss, WG_KEY_LEN);

	/* {t}: TAI64N = AEAD-open(k, 0, timestamp, H); H = HASH(H || ts) */
	err = WG_NOISE_ERR_DECRYPT;
	if (!open_hash(ts, msg->encrypted_timestamp,
		       sizeof(msg->encrypted_timestamp), k, h))
		goto out_unlock;

	/* Big-endian TAI64N: bytewise order is time order. */
	err = WG_NOISE_ERR_REPLAY;
	if (memcmp(ts, r->last_timestamp, WG_TAI64N_LEN) <= 0)
		goto out_unlock;
	err = WG_NOISE_ERR_FLOOD;
	if (r->has_last_initiation &&
	    (now < r->last_initiation ||
	     now - r->last_initiation <
		     WG_NSEC_PER_SEC / WG_INITIATIONS_PER_SECOND))
		goto out_unlock;

	/* Commit: this initiation replaces any handshake in progress. */
	handshake_zero(r);
	r->hs.state = NOISE_STATE_CONSUMED_INITIATION;
	r->hs.remote_index = le32toh(msg->sender_index);
	memcpy(r->hs.remote_ephemeral, e, WG_KEY_LEN);
	memcpy(r->hs.hash, h, WG_HASH_LEN);
	memcpy(r->hs.chaining_key, ck, WG_HASH_LEN);
	memcpy(r->last_timestamp, ts, WG_TAI64N_LEN);
	r->last_initiation = now;
	r->has_last_initiation = true;
	*rp = r;
	err = WG_NOISE_OK;
out_unlock:
	pthread_mutex_unlock(&r->handshake_lock);
out_wipe:
	wg_wipe(priv, sizeof(priv));
	wg_wipe(k, sizeof(k));
	wg_wipe(ck, sizeof(ck));
	wg_wipe(h, sizeof(h));
	return err;
}

/*
 * Derive the session from the final chaining key and slot it in; the
 * handshake is wiped (its index now belongs to kp). Caller holds
 * r->handshake_lock; the slots change under r->keypair_lock.
 */
static void begin_session(struct noise_remote *r, struct noise_keypair *kp,
			  const uint8_t ck[WG_HASH_LEN], bool initiator,
			  uint64_t now)
{
	/* (T_send_i = T_recv_r, T_recv_i = T_send_r) = KDF2(C, empty) */
	if (initiator)
		wg_kdf(kp->send_key, kp->recv_key, NULL, ck, empty, 0);
	else
		wg_kdf(kp->recv_key, kp->send_key, NULL, ck, empty, 0);
	atomic_init(&kp->refs, 1);
	atomic_init(&kp->valid, true);
	atomic_init(&kp->can_send, true);
	atomic_init(&kp->send_counter, 0);
	kp->is_initiator = initiator;
	kp->birthdate = now;
	kp->local_index = r->hs.local_index;
	kp->remote_index = r->hs.remote_index;
	pthread_mutex_init(&kp->replay_lock, NULL);
	wg_replay_init(&kp->replay);

	pthread_mutex_lock(&r->keypair_lock);
	if (initiator) {
		/*
		 * Confirmed at once: the new keypair is current. A pending
		 * next (never confirmed) or else the old current becomes
		 * previous; what that displaces is dropped.
		 */
		if (r->next) {
			keypair_drop(r, r->previous);
			r->previous = r->next;
			r->next = NULL;
			keypair_drop(r, r->current);
		} else {
			keypair_drop(r, r->previous);
			r->previous = r->current;
		}
		r->current = kp;
	} else {
		/*
		 * Unconfirmed until the first data packet under it: it waits
		 * in next; the old next and the old previous are dropped.
		 */
		keypair_drop(r, r->next);
		r->next = kp;
		keypair_drop(r, r->previous);
		r->previous = NULL;
	}
	pthread_mutex_unlock(&r->keypair_lock);
	/* The index moved to kp: wipe without dropping it. */
	wg_wipe(&r->hs, sizeof(r->hs));
	r->hs.state = NOISE_STATE_ZEROED;
}

int wg_noise_create_response(struct noise_remote *r,
			     struct wg_msg_response *msg, uint64_t now)
{
	struct noise_upcall *u = &r->local->upcall;
	uint8_t ck[WG_HASH_LEN], h[WG_HASH_LEN], e[WG_KEY_LEN];
	uint8_t k[WG_KEY_LEN], tau[WG_HASH_LEN];
	struct noise_keypair *kp;
	int ret = -ENOMEM;

	kp = calloc(1, sizeof(*kp));
	if (!kp)
		return ret;
	pthread_mutex_lock(&r->handshake_lock);
	ret = -EINVAL;
	if (r->hs.state != NOISE_STATE_CONSUMED_INITIATION)
		goto out_unlock;

	memset(msg, 0, sizeof(*msg));
	memcpy(ck, r->hs.chaining_key, WG_HASH_LEN);
	memcpy(h, r->hs.hash, WG_HASH_LEN);

	/* e: E_r = DH-Generate(); C = KDF1(C, E_r^pub); H = HASH(H || E_r^pub) */
	wg_genkey(e);
	wg_pubkey(msg->unencrypted_ephemeral, e);
	wg_kdf(ck, NULL, NULL, ck, msg->unencrypted_ephemeral, WG_KEY_LEN);
	mix_hash(h, msg->unencrypted_ephemeral, WG_KEY_LEN);

	/* ee: C = KDF1(C, DH(E_r^priv, E_i^pub)) */
	if (!mix_dh(ck, NULL, e, r->hs.remote_ephemeral))
		goto out_unlock;
	/* se: C = KDF1(C, DH(E_r^priv, S_i^pub)) */
	if (!mix_dh(ck, NULL, e, r->public))
		goto out_unlock;

	/* psk: (C, tau, k) = KDF3(C, Q); H = HASH(H || tau) */
	wg_kdf(ck, tau, k, ck, r->psk, WG_KEY_LEN);
	mix_hash(h, tau, WG_HASH_LEN);

	/* {}: empty = AEAD(k, 0, empty, H); H = HASH(H || empty) */
	seal_hash(msg->encrypted_nothing, NULL, 0, k, h);

	r->hs.local_index = u->index_set(u->arg, r);
	msg->header.type = htole32(WG_MSG_RESPONSE);
	msg->sender_index = htole32(r->hs.local_index);
	msg->receiver_index = htole32(r->hs.remote_index);
	r->hs.state = NOISE_STATE_CREATED_RESPONSE;
	begin_session(r, kp, ck, false, now);
	kp = NULL;
	ret = 0;
out_unlock:
	pthread_mutex_unlock(&r->handshake_lock);
	free(kp);
	wg_wipe(ck, sizeof(ck));
	wg_wipe(h, sizeof(h));
	wg_wipe(e, sizeof(e));
	wg_wipe(k, sizeof(k));
	wg_wipe(tau, sizeof(tau));
	return ret;
}

enum wg_noise_error
wg_noise_consume_response(struct noise_local *l,
			  const struct wg_msg_response *msg, uint64_t now,
			  struct noise_remote **rp)
{
	struct noise_upcall *u = &l->upcall;
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN], k[WG_KEY_LEN];
	uint8_t ck[WG_HASH_LEN], h[WG_HASH_LEN], tau[WG_HASH_LEN];
	const uint8_t *e = msg->unencrypted_ephemeral;
	uint32_t index = le32toh(msg->receiver_index);
	struct noise_keypair *kp = NULL;
	struct noise_remote *r;
	enum wg_noise_error err;

	if (le32toh(msg->header.type) != WG_MSG_RESPONSE)
		return WG_NOISE_ERR_LENGTH;
	err = WG_NOISE_ERR_NO_KEY;
	if (!local_keys(l, priv, pub))
		goto out_wipe;
	err = WG_NOISE_ERR_UNKNOWN_INDEX;
	r = u->index_get(u->arg, index);
	if (!r)
		goto out_wipe;
	err = WG_NOISE_ERR_NOMEM;
	kp = calloc(1, sizeof(*kp));
	if (!kp)
		goto out_wipe;

	pthread_mutex_lock(&r->handshake_lock);
	err = WG_NOISE_ERR_STATE;
	if (r->hs.state != NOISE_STATE_CREATED_INITIATION ||
	    r->hs.local_index != index)
		goto out_unlock;
	memcpy(ck, r->hs.chaining_key, WG_HASH_LEN);
	memcpy(h, r->hs.hash, WG_HASH_LEN);

	/* e: C = KDF1(C, E_r^pub); H = HASH(H || E_r^pub) */
	wg_kdf(ck, NULL, NULL, ck, e, WG_KEY_LEN);
	mix_hash(h, e, WG_KEY_LEN);

	/* ee: C = KDF1(C, DH(E_i^priv, E_r^pub)) */
	err = WG_NOISE_ERR_DH;
	if (!mix_dh(ck, NULL, r->hs.local_ephemeral, e))
		goto out_unlock;
	/* se: C = KDF1(C, DH(S_i^priv, E_r^pub)) */
	if (!mix_dh(ck, NULL, priv, e))
		goto out_unlock;

	/* psk: (C, tau, k) = KDF3(C, Q); H = HASH(H || tau) */
	wg_kdf(ck, tau, k, ck, r->psk, WG_KEY_LEN);
	mix_hash(h, tau, WG_HASH_LEN);

	/* {}: AEAD-open(k, 0, empty, H); H = HASH(H || empty) */
	err = WG_NOISE_ERR_DECRYPT;
	if (!open_hash(NULL, msg->encrypted_nothing,
		       sizeof(msg->encrypted_nothing), k, h))
		goto out_unlock;

	r->hs.remote_index = le32toh(msg->sender_index);
	r->hs.state = NOISE_STATE_CONSUMED_RESPONSE;
	begin_session(r, kp, ck, true, now);
	kp = NULL;
	*rp = r;
	err = WG_NOISE_OK;
out_unlock:
	pthread_mutex_unlock(&r->handshake_lock);
out_wipe:
	free(kp);
	wg_wipe(priv, sizeof(priv));
	wg_wipe(k, sizeof(k));
	wg_wipe(ck, sizeof(ck));
	wg_wipe(h, sizeof(h));
	wg_wipe(tau, sizeof(tau));
	return err;
}

struct noise_keypair *wg_noise_keypair_get(struct noise_keypair *kp)
{
	atomic_fetch_add(&kp->refs, 1);
	return kp;
}

void wg_noise_keypair_put(struct noise_keypair *kp)
{
	if (!kp || atomic_fetch_sub(&kp->refs, 1) != 1)
		return;
	pthread_mutex_destroy(&kp->replay_lock);
	wg_wipe(kp, sizeof(*kp));
	free(kp);
}

struct noise_keypair *wg_noise_keypair_current(struct noise_remote *r)
{
	struct noise_keypair *kp;

	pthread_mutex_lock(&r->keypair_lock);
	kp = r->current;
	if (kp && atomic_load(&kp->valid) && atomic_load(&kp->can_send))
		wg_noise_keypair_get(kp);
	else
		kp = NULL;
	pthread_mutex_unlock(&r->keypair_lock);
	return kp;
}

struct noise_keypair *wg_noise_keypair_lookup(struct noise_remote *r,
					      uint32_t index)
{
	struct noise_keypair *slots[3], *kp = NULL;

	pthread_mutex_lock(&r->keypair_lock);
	slots[0] = r->current;
	slots[1] = r->previous;
	slots[2] = r->next;
	for (int i = 0; i < 3; i++) {
		if (slots[i] && slots[i]->local_index == index) {
			kp = wg_noise_keypair_get(slots[i]);
			break;
		}
	}
	pthread_mutex_unlock(&r->keypair_lock);
	return kp;
}

bool wg_noise_keypair_received_with(struct noise_remote *r,
				    struct noise_keypair *kp)
{
	bool moved = false;

	pthread_mutex_lock(&r->keypair_lock);
	if (kp && kp == r->next) {
		keypair_drop(r, r->previous);
		r->previous = r->current;
		r->current = r->next;
		r->next = NULL;
		moved = true;
	}
	pthread_mutex_unlock(&r->keypair_lock);
	return moved;
}

void wg_noise_remote_expire_current(struct noise_remote *r)
{
	pthread_mutex_lock(&r->keypair_lock);
	if (r->current)
		atomic_store(&r->current->can_send, false);
	if (r->next)
		atomic_store(&r->next->can_send, false);
	pthread_mutex_unlock(&r->keypair_lock);
}

static bool older_than(const struct noise_keypair *kp, uint64_t now,
		       uint64_t secs)
{
	return now > kp->birthdate && now - kp->birthdate >= SEC(secs);
}

enum wg_noise_error wg_noise_encrypt(struct noise_keypair *kp, uint8_t *msg,
				     size_t cap, size_t plen, size_t mtu,
				     uint64_t now, size_t *len, bool *rekey)
{
	struct wg_msg_data *hdr = (struct wg_msg_data *)msg;
	size_t padded;
	uint64_t c;

	if (!atomic_load(&kp->valid) || !atomic_load(&kp->can_send))
		return WG_NOISE_ERR_NO_KEYPAIR;
	if (older_than(kp, now, WG_REJECT_AFTER_TIME))
		return WG_NOISE_ERR_EXPIRED;
	padded = (plen + WG_PADDING - 1) / WG_PADDING * WG_PADDING;
	if (mtu && padded > mtu)
		padded = plen > mtu ? plen : mtu;
	if (cap < WG_MSG_DATA_MIN_LEN || padded > cap - WG_MSG_DATA_MIN_LEN)
		return WG_NOISE_ERR_LENGTH;

	/* Never hand out a nonce at or past the limit, even under races. */
	c = atomic_load(&kp->send_counter);
	do {
		if (c >= WG_REJECT_AFTER_MESSAGES)
			return WG_NOISE_ERR_COUNTER;
	} while (!atomic_compare_exchange_weak(&kp->send_counter, &c, c + 1));

	memset(msg + WG_DATA_HEADER_LEN + plen, 0, padded - plen);
	wg_aead_seal(msg + WG_DATA_HEADER_LEN, msg + WG_DATA_HEADER_LEN,
		     padded, c, kp->send_key, NULL, 0);
	hdr->header.type = htole32(WG_MSG_DATA);
	hdr->receiver_index = htole32(kp->remote_index);
	hdr->counter = htole64(c);
	*len = WG_MSG_DATA_MIN_LEN + padded;
	*rekey = c + 1 > WG_REKEY_AFTER_MESSAGES ||
		 (kp->is_initiator &&
		  older_than(kp, now, WG_REKEY_AFTER_TIME));
	return WG_NOISE_OK;
}

enum wg_noise_error wg_noise_decrypt(struct noise_keypair *kp, uint8_t *msg,
				     size_t len, uint64_t now, size_t *plen,
				     bool *rekey)
{
	const struct wg_msg_data *hdr = (const struct wg_msg_data *)msg;
	uint64_t c;
	bool fresh;

	if (len < WG_MSG_DATA_MIN_LEN ||
	    le32toh(hdr->header.type) != WG_MSG_DATA)
		return WG_NOISE_ERR_LENGTH;
	if (le32toh(hdr->receiver_index) != kp->local_index)
		return WG_NOISE_ERR_UNKNOWN_INDEX;
	if (!atomic_load(&kp->valid))
		return WG_NOISE_ERR_NO_KEYPAIR;
	if (older_than(kp, now, WG_REJECT_AFTER_TIME))
		return WG_NOISE_ERR_EXPIRED;
	c = le64toh(hdr->counter);
	if (c >= WG_REJECT_AFTER_MESSAGES)
		return WG_NOISE_ERR_COUNTER;

	/* Authenticate first: only a genuine counter may move the window. */
	if (!wg_aead_open(msg + WG_DATA_HEADER_LEN, msg + WG_DATA_HEADER_LEN,
			  len - WG_DATA_HEADER_LEN, c, kp->recv_key, NULL, 0))
		return WG_NOISE_ERR_DECRYPT;
	pthread_mutex_lock(&kp->replay_lock);
	fresh = wg_replay_check(&kp->replay, c);
	pthread_mutex_unlock(&kp->replay_lock);
	if (!fresh)
		return WG_NOISE_ERR_COUNTER_REPLAY;

	*plen = len - WG_MSG_DATA_MIN_LEN;
	*rekey = kp->is_initiator &&
		 older_than(kp, now,
			    WG_REJECT_AFTER_TIME - WG_KEEPALIVE_TIMEOUT -
				    WG_REKEY_TIMEOUT);
	return WG_NOISE_OK;
}

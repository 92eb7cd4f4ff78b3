/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The Noise IKpsk2 handshake of WireGuard (whitepaper section 5.4) and the
 * transport keypairs it produces.
 *
 * This module knows nothing of sockets, outer headers, timers or the peer
 * table: it reaches peers and receiver indexes through struct noise_upcall,
 * and it never reads a clock. Every function that needs the time takes
 * `now`, monotonic nanoseconds; creating an initiation also takes the wall
 * clock for its TAI64N timestamp.
 *
 * Threads: the control thread runs the handshake functions; workers hold
 * keypairs (wg_noise_keypair_current / _lookup, then _put) while the control
 * thread rotates the slots, and encrypt/decrypt with them concurrently.
 * Each remote has two locks, as OpenBSD's wg_noise has: the handshake lock
 * for the handshake state (held through its Diffie-Hellman steps) and the
 * keypair lock for the three slots (held for a few pointer moves), so no
 * worker ever waits behind a DH. Lock order: noise_local.lock, then
 * noise_remote.handshake_lock, then noise_remote.keypair_lock, then
 * noise_keypair.replay_lock. Upcalls may be called with either remote lock
 * held and must not call back into this module for the same remote.
 */
#ifndef WG_NOISE_H
#define WG_NOISE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "clock.h"
#include "crypto.h"
#include "replay.h"
#include "wire.h"


/*
 * Why a message was refused. Handshake, cookie and transport consumers all
 * return these; wg_noise_strerror() names the reason and
 * wg_noise_diagnostic() gives the wg(4) log line for a message type.
 */
enum wg_noise_error {
	WG_NOISE_OK = 0,
	WG_NOISE_ERR_LENGTH,	     /* wrong size or type for the message */
	WG_NOISE_ERR_MAC1,	     /* mac1 does not verify */
	WG_NOISE_ERR_COOKIE_NEEDED,  /* under load and mac2 missing or bad */
	WG_NOISE_ERR_DECRYPT,	     /* an AEAD did not authenticate */
	WG_NOISE_ERR_UNKNOWN_PEER,   /* static key of no configured peer */
	WG_NOISE_ERR_DH,	     /* a Diffie-Hellman result was zero */
	WG_NOISE_ERR_REPLAY,	     /* TAI64N not newer than the last one */
	WG_NOISE_ERR_FLOOD,	     /* initiations too close together */
	WG_NOISE_ERR_STATE,	     /* no handshake waiting for this */
	WG_NOISE_ERR_UNKNOWN_INDEX,  /* receiver index matches nothing */
	WG_NOISE_ERR_NO_KEY,	     /* we have no private key */
	WG_NOISE_ERR_NO_KEYPAIR,     /* no valid session to use */
	WG_NOISE_ERR_EXPIRED,	     /* keypair older than REJECT_AFTER_TIME */
	WG_NOISE_ERR_COUNTER,	     /* counter at or past the reject limit */
	WG_NOISE_ERR_COUNTER_REPLAY, /* data counter seen or too old */
	WG_NOISE_ERR_COOKIE_UNEXPECTED, /* reply to no mac1 we sent */
	WG_NOISE_ERR_NOMEM,
};

/* A short description of err, for logs. */
const char *wg_noise_strerror(enum wg_noise_error err);
/*
 * The wg(4) diagnostic for a message of type (enum wg_msg_type) refused
 * with err, e.g. "Invalid initiation MAC", "Invalid handshake response".
 */
const char *wg_noise_diagnostic(uint32_t type, enum wg_noise_error err);

struct noise_remote;

/*
 * How the handshake reaches the peer table. index_set returns a fresh
 * receiver index, unique among all live ones, mapped to r; index_get maps it
 * back (NULL when unknown); index_drop forgets it.
 */
struct noise_upcall {
	void *arg;
	struct noise_remote *(*remote_get)(void *arg,
					   const uint8_t pub[WG_KEY_LEN]);
	uint32_t (*index_set)(void *arg, struct noise_remote *r);
	struct noise_remote *(*index_get)(void *arg, uint32_t index);
	void (*index_drop)(void *arg, uint32_t index);
};

/* Our side of the interface. */
struct noise_local {
	struct noise_upcall upcall;
	/* lock guards has_private, private, public. */
	pthread_mutex_t lock;
	bool has_private;
	uint8_t private[WG_KEY_LEN];
	uint8_t public[WG_KEY_LEN];
};

enum noise_state {
	NOISE_STATE_ZEROED = 0,
	NOISE_STATE_CREATED_INITIATION,
	NOISE_STATE_CONSUMED_INITIATION,
	NOISE_STATE_CREATED_RESPONSE,
	NOISE_STATE_CONSUMED_RESPONSE,
};

/* A handshake in progress: all of it is secret but the indexes. */
struct noise_handshake {
	enum noise_state state;
	uint32_t local_index;  /* ours, owned while CREATED_INITIATION */
	uint32_t remote_index; /* the peer's sender index */
	uint8_t remote_ephemeral[WG_KEY_LEN];
	uint8_t local_ephemeral[WG_KEY_LEN]; /* private */
	uint8_t hash[WG_HASH_LEN];
	uint8_t chaining_key[WG_HASH_LEN];
};

/* A transport session: reference counted, freed by the last put. */
struct noise_keypair {
	atomic_int refs;
	atomic_bool valid;    /* cleared when displaced from its slot */
	atomic_bool can_send; /* cleared by wg_noise_remote_expire_current */
	bool is_initiator;
	uint64_t birthdate; /* now at creation, ns */
	uint32_t local_index;
	uint32_t remote_index;
	uint8_t send_key[WG_KEY_LEN];
	uint8_t recv_key[WG_KEY_LEN];
	_Atomic uint64_t send_counter; /* next nonce to use */
	/* replay_lock guards replay (workers may decrypt concurrently). */
	pthread_mutex_t replay_lock;
	struct wg_replay replay;
};

/* One peer as seen by the handshake. */
struct noise_remote {
	struct noise_local *local;
	uint8_t public[WG_KEY_LEN]; /* immutable after init */
	/*
	 * handshake_lock guards psk, ss, ss_ok, hs, last_timestamp,
	 * last_initiation, has_last_initiation.
	 */
	pthread_mutex_t handshake_lock;
	/* keypair_lock guards current, previous, next. */
	pthread_mutex_t keypair_lock;
	uint8_t psk[WG_KEY_LEN]; /* all zero when none */
	uint8_t ss[WG_KEY_LEN];	 /* DH(our static, their static) */
	bool ss_ok;		 /* false: no private key, or a zero DH */
	struct noise_handshake hs;
	uint8_t last_timestamp[WG_TAI64N_LEN]; /* greatest TAI64N accepted */
	uint64_t last_initiation; /* now when one was last consumed */
	bool has_last_initiation;
	/*
	 * Keypair slots, as the Linux module has them: current sends and
	 * receives; previous still receives in-flight packets of the old
	 * session; next is a responder's new session waiting for its first
	 * data packet (wg_noise_keypair_received_with moves it to current).
	 */
	struct noise_keypair *current;
	struct noise_keypair *previous;
	struct noise_keypair *next;
};

/* Set up l with no private key; u is copied. */
void wg_noise_local_init(struct noise_local *l, const struct noise_upcall *u);
/* Wipe l's keys and release its lock; its remotes must be gone. */
void wg_noise_local_destroy(struct noise_local *l);
/*
 * Set (priv) or clear (NULL) our private key. The caller then calls
 * wg_noise_remote_precompute on every remote.
 */
void wg_noise_local_set_private(struct noise_local *l,
				const uint8_t priv[WG_KEY_LEN]);
/* Copy our public key into pub; false when we have no private key. */
bool wg_noise_local_public(struct noise_local *l,
			   uint8_t pub[WG_KEY_LEN]) wg_must_check;

/* Set up r for the peer with public key pub, no psk, no session. */
void wg_noise_remote_init(struct noise_remote *r, struct noise_local *l,
			  const uint8_t pub[WG_KEY_LEN]);
/* Drop r's handshake and keypairs (and their indexes); release its lock. */
void wg_noise_remote_destroy(struct noise_remote *r);
/* Recompute DH(our static, their static) after our key changed. */
void wg_noise_remote_precompute(struct noise_remote *r);
/* Set the preshared key (NULL: none, i.e. all zero). */
void wg_noise_remote_set_psk(struct noise_remote *r,
			     const uint8_t psk[WG_KEY_LEN]);
/* Drop the pending handshake and every keypair, dropping their indexes. */
void wg_noise_remote_clear(struct noise_remote *r);

/*
 * Fill msg with a handshake initiation to r (mac1/mac2 left zero for the
 * cookie maker). A pending handshake of ours is replaced. 0 or -errno.
 */
int wg_noise_create_initiation(struct noise_remote *r,
			       struct wg_msg_initiation *msg,
			       const struct timespec *wall, uint64_t now);
/*
 * Consume an initiation (macs already checked) and on success store the
 * peer it came from in *rp. Nothing changes on failure.
 */
enum wg_noise_error
wg_noise_consume_initiation(struct noise_local *l,
			    const struct wg_msg_initiation *msg, uint64_t now,
			    struct noise_remote **rp) wg_must_check;
/*
 * Answer the initiation consumed from r: fill msg (macs zero) and begin the
 * responder's session, which waits in r->next. 0 or -errno.
 */
int wg_noise_create_response(struct noise_remote *r,
			     struct wg_msg_response *msg, uint64_t now);
/*
 * Consume a response to our pending initiation (macs already checked) and
 * begin the initiator's session in r->current; *rp is the peer. Nothing
 * changes on failure.
 */
enum wg_noise_error
wg_noise_consume_response(struct noise_local *l,
			  const struct wg_msg_response *msg, uint64_t now,
			  struct noise_remote **rp) wg_must_check;

/* The keypair to send with (a reference), or NULL when none is valid. */
struct noise_keypair *wg_noise_keypair_current(struct noise_remote *r);
/* r's keypair whose local index is index (a reference), or NULL. */
struct noise_keypair *wg_noise_keypair_lookup(struct noise_remote *r,
					      uint32_t index);
/* Take another reference on kp. */
struct noise_keypair *wg_noise_keypair_get(struct noise_keypair *kp);
/* Release a reference; the last one wipes and frees kp. NULL is a no-op. */
void wg_noise_keypair_put(struct noise_keypair *kp);
/*
 * A data packet authenticated with kp: when kp is r's next keypair it
 * becomes current (current to previous, old previous dropped). True when
 * that happened: the responder's handshake is then complete.
 */
bool wg_noise_keypair_received_with(struct noise_remote *r,
				    struct noise_keypair *kp);
/* Stop sending with current and next (they still receive). */
void wg_noise_remote_expire_current(struct noise_remote *r);

/*
 * Seal the plen bytes of plaintext at msg + WG_DATA_HEADER_LEN in place into
 * a data message starting at msg; cap is the room at msg. The plaintext is
 * zero-padded to a multiple of WG_PADDING but never past mtu (0: no cap);
 * plen 0 is a keepalive. *len gets the message length; *rekey is set when
 * a new handshake is wanted (counter past REKEY_AFTER_MESSAGES, or we are
 * the initiator and the keypair is REKEY_AFTER_TIME old).
 */
enum wg_noise_error wg_noise_encrypt(struct noise_keypair *kp, uint8_t *msg,
				     size_t cap, size_t plen, size_t mtu,
				     uint64_t now, size_t *len,
				     bool *rekey) wg_must_check;
/*
 * Open the data message of len bytes at msg in place: on success the padded
 * plaintext is at msg + WG_DATA_HEADER_LEN, *plen bytes (0: keepalive), and
 * *rekey is set when we are the initiator and the keypair is nearly
 * expired (REJECT_AFTER_TIME - KEEPALIVE_TIMEOUT - REKEY_TIMEOUT). The
 * message buffer is undefined on failure; kp's state is not touched.
 */
enum wg_noise_error wg_noise_decrypt(struct noise_keypair *kp, uint8_t *msg,
				     size_t len, uint64_t now, size_t *plen,
				     bool *rekey) wg_must_check;

#endif /* WG_NOISE_H */

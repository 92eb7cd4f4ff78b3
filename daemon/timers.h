/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The per-peer timer state machine of WireGuard (whitepaper section 6), with
 * the semantics of the Linux module. Pure and clock-injected: no threads, no
 * sockets, no clock reads. Every time is monotonic nanoseconds passed in by
 * the caller (CLOCK_BOOTTIME or CLOCK_MONOTONIC, the same one everywhere).
 *
 * The caller feeds packet events into the hooks below, programs one timerfd
 * for all peers from wg_timers_next_deadline(), and when it fires calls
 * wg_timers_expire(), which returns the actions to carry out (a bitmask of
 * enum wg_timers_action).
 *
 * Not thread-safe: a struct wg_timers is guarded by the lock of the peer that
 * embeds it; every call on it must hold that lock. After a hook that may arm
 * a timer, the caller re-reads wg_timers_next_deadline() so its timerfd is
 * never later than the earliest deadline.
 */
#ifndef WG_TIMERS_H
#define WG_TIMERS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "clock.h"
#include "crypto.h"

/* Returns a jitter in milliseconds, 0..WG_REKEY_TIMEOUT_JITTER_MS. */
typedef uint32_t (*wg_timers_jitter_fn)(void *arg);

/* What the caller must do after wg_timers_expire(); several may be set. */
enum wg_timers_action {
	/*
	 * Send a handshake initiation (a retry or a new handshake), if
	 * wg_timers_may_send_initiation() allows it; then call
	 * wg_timers_handshake_sent(), ..._traversal(), ..._packet_sent() and
	 * wg_timers_handshake_initiated().
	 */
	WG_TIMERS_SEND_INITIATION = 1u << 0,
	/* Send a keepalive (or the staged packets instead, if any). */
	WG_TIMERS_SEND_KEEPALIVE = 1u << 1,
	/* Wipe the handshake state and every keypair of the peer. */
	WG_TIMERS_ZERO_KEYS = 1u << 2,
	/* Drop the packets staged for this peer: the handshake failed. */
	WG_TIMERS_GIVE_UP = 1u << 3,
	/* Forget the cached source address of the endpoint (may be stale). */
	WG_TIMERS_CLEAR_ENDPOINT_SRC = 1u << 4,
	/* "Handshake for peer X did not complete after 5 seconds, retrying
	 * (try N)", N = wg_timers_tries(). */
	WG_TIMERS_LOG_RETRY = 1u << 5,
	/* "Retrying handshake with peer X because we stopped hearing back
	 * after 15 seconds". */
	WG_TIMERS_LOG_STOPPED_HEARING = 1u << 6,
	/* "Handshake for peer X did not complete after N attempts, giving
	 * up", N = wg_timers_tries(). */
	WG_TIMERS_LOG_GAVE_UP = 1u << 7,
};

/*
 * One peer's timers. Deadlines are absolute monotonic nanoseconds, 0 when
 * the timer is not armed. Callers read the fields but change them only
 * through the functions below.
 */
struct wg_timers {
	/* No reply to our initiation: retry, or give up after too many. */
	uint64_t retransmit_handshake;
	/* Data received and nothing sent back: send a passive keepalive. */
	uint64_t send_keepalive;
	/* Data sent and nothing received back: start a new handshake. */
	uint64_t new_handshake;
	/* No new session for 3 * REJECT_AFTER_TIME: wipe every key. */
	uint64_t zero_key_material;
	/* The user's persistent keepalive, re-armed by each packet. */
	uint64_t persistent_keepalive;

	/* Retries of the current handshake; initiations sent = this + 1. */
	unsigned int handshake_attempts;
	/* Data arrived while the passive keepalive was already pending. */
	bool need_another_keepalive;
	/* The last-minute rekey (wg_timers_lastminute) was asked. */
	bool sent_lastminute_handshake;
	/* Seconds, 0 = off. */
	uint16_t persistent_keepalive_interval;

	/* When we last sent an initiation or response, if ever. */
	bool have_sent_handshake;
	uint64_t last_sent_handshake;
	/* Wall-clock time of the last completed handshake (0 = never). */
	struct timespec last_handshake;

	/* Device down or peer removed: hooks no longer arm timers. */
	bool stopped;

	wg_timers_jitter_fn jitter;
	void *jitter_arg;
};


/* Clear everything, running; jitter NULL = wg_random_u32 (crypto inited). */
void wg_timers_init(struct wg_timers *t, wg_timers_jitter_fn jitter,
		    void *jitter_arg);
/* Device down / peer removed: disarm all, forget last sent handshake. */
void wg_timers_stop(struct wg_timers *t, uint64_t now);
/* Device up again: hooks arm timers; returns SEND_KEEPALIVE if PKA on. */
unsigned int wg_timers_start(struct wg_timers *t, uint64_t now);

/* After an authenticated data packet (not a keepalive) was sent. */
void wg_timers_data_sent(struct wg_timers *t, uint64_t now);
/* After an authenticated data packet (not a keepalive) was received. */
void wg_timers_data_received(struct wg_timers *t, uint64_t now);
/* After any authenticated packet (data, keepalive, handshake) was sent. */
void wg_timers_any_authenticated_packet_sent(struct wg_timers *t,
					     uint64_t now);
/* After any authenticated packet (data, keepalive, handshake) arrived. */
void wg_timers_any_authenticated_packet_received(struct wg_timers *t,
						 uint64_t now);
/* Before any authenticated packet is sent, or after one is received. */
void wg_timers_any_authenticated_packet_traversal(struct wg_timers *t,
						  uint64_t now);
/* After a handshake initiation was sent: arm the retransmit timer. */
void wg_timers_handshake_initiated(struct wg_timers *t, uint64_t now);
/* Response consumed or first data on a new keypair; wall = real time. */
void wg_timers_handshake_complete(struct wg_timers *t, uint64_t now,
				  const struct timespec *wall);
/* After a session was derived (response sent or consumed). */
void wg_timers_session_derived(struct wg_timers *t, uint64_t now);
/* Set the interval (seconds, 0 = off); SEND_KEEPALIVE when turned on. */
unsigned int wg_timers_set_persistent_keepalive(struct wg_timers *t,
						uint16_t interval,
						uint64_t now);

/* A fresh (not retry) handshake is wanted: resets the attempt count. */
void wg_timers_handshake_wanted(struct wg_timers *t, uint64_t now);
/* May an initiation go out now? (at most one per REKEY_TIMEOUT) */
bool wg_timers_may_send_initiation(const struct wg_timers *t,
				   uint64_t now) wg_must_check;
/* Record that an initiation or a response was just sent. */
void wg_timers_handshake_sent(struct wg_timers *t, uint64_t now);

/* Fire every due timer; returns the enum wg_timers_action bits to do. */
unsigned int wg_timers_expire(struct wg_timers *t, uint64_t now);
/* The earliest armed deadline, 0 if no timer is armed. */
uint64_t wg_timers_next_deadline(const struct wg_timers *t);
/* Initiations sent for the current handshake (for the log lines). */
unsigned int wg_timers_tries(const struct wg_timers *t);

/*
 * A data packet arrived on a session we initiated that is within
 * KEEPALIVE_TIMEOUT + REKEY_TIMEOUT of REJECT_AFTER_TIME (noise.c says
 * so): true the first time per completed handshake, so the last-minute
 * handshake is asked once, as the kernel's latch does.
 */
bool wg_timers_lastminute(struct wg_timers *t) wg_must_check;

#endif /* WG_TIMERS_H */

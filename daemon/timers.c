// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Per-peer WireGuard timers, as deadlines the caller polls.
 *
 * The timers (each a deadline in struct wg_timers, 0 when not armed):
 *
 * - retransmit_handshake: armed REKEY_TIMEOUT + jitter after we send an
 *   initiation; stopped when the handshake completes. On expiry it retries
 *   (at most WG_MAX_TIMER_HANDSHAKES retries, so MAX + 2 expiries in all)
 *   and then gives up: staged packets are dropped and key zeroing scheduled.
 *
 * - send_keepalive: armed KEEPALIVE_TIMEOUT after data is received if not
 *   already armed (otherwise need_another_keepalive is set, and the expiry
 *   re-arms it once); stopped by any authenticated packet we send. On
 *   expiry a keepalive goes out, so the other side knows we are alive.
 *
 * - new_handshake: armed KEEPALIVE_TIMEOUT + REKEY_TIMEOUT + jitter after
 *   data is sent if not already armed; stopped by any authenticated packet
 *   received. On expiry we have stopped hearing back: start a handshake.
 *
 * - zero_key_material: armed 3 * REJECT_AFTER_TIME after each session is
 *   derived (pushed back by every new one), and after giving up on a
 *   handshake if not already armed. On expiry every key is wiped.
 *
 * - persistent_keepalive: when the user set an interval, armed that many
 *   seconds after any authenticated packet passes either way. On expiry a
 *   keepalive goes out (whose own traversal re-arms it).
 *
 * Arming is suppressed while stopped (device down or peer removed), as the
 * Linux module does not arm timers for a dead peer or a downed device.
 */
#include <string.h>

#include "timers.h"

static uint64_t secs(uint64_t s)
{
	return s * WG_NSEC_PER_SEC;
}

/* Linux's wg_birthdate_has_expired: birth + seconds is now or past. */
static bool expired(uint64_t birth, uint64_t seconds, uint64_t now)
{
	return birth + secs(seconds) <= now;
}

static uint32_t default_jitter(void *arg)
{
	(void)arg;
	/* Uniform below the maximum, like get_random_u32_below(). */
	return wg_random_u32() % WG_REKEY_TIMEOUT_JITTER_MS;
}

static uint64_t jitter(const struct wg_timers *t)
{
	uint32_t ms = t->jitter(t->jitter_arg);

	if (ms > WG_REKEY_TIMEOUT_JITTER_MS)
		ms = WG_REKEY_TIMEOUT_JITTER_MS;
	return (uint64_t)ms * WG_NSEC_PER_MSEC;
}

/* Arm (or move) a timer, unless the peer is stopped. */
static void arm(const struct wg_timers *t, uint64_t *timer, uint64_t when)
{
	if (!t->stopped)
		*timer = when;
}

static bool due(uint64_t deadline, uint64_t now)
{
	return deadline && deadline <= now;
}

void wg_timers_init(struct wg_timers *t, wg_timers_jitter_fn fn,
		    void *jitter_arg)
{
	memset(t, 0, sizeof(*t));
	t->jitter = fn ? fn : default_jitter;
	t->jitter_arg = fn ? jitter_arg : NULL;
}

void wg_timers_stop(struct wg_timers *t, uint64_t now)
{
	(void)now;
	t->retransmit_handshake = 0;
	t->send_keepalive = 0;
	t->new_handshake = 0;
	t->zero_key_material = 0;
	t->persistent_keepalive = 0;
	/* Linux forgets the last sent handshake when the device goes down. */
	t->have_sent_handshake = false;
	t->last_sent_handshake = 0;
	t->stopped = true;
}

unsigned int wg_timers_start(struct wg_timers *t, uint64_t now)
{
	(void)now;
	t->stopped = false;
	return t->persistent_keepalive_interval ? WG_TIMERS_SEND_KEEPALIVE : 0;
}

void wg_timers_data_sent(struct wg_timers *t, uint64_t now)
{
	if (!t->new_handshake)
		arm(t, &t->new_handshake,
		    now + secs(WG_KEEPALIVE_TIMEOUT + WG_REKEY_TIMEOUT) +
			    jitter(t));
}

void wg_timers_data_received(struct wg_timers *t, uint64_t now)
{
	if (t->stopped)
		return;
	if (!t->send_keepalive)
		arm(t, &t->send_keepalive, now + secs(WG_KEEPALIVE_TIMEOUT));
	else
		t->need_another_keepalive = true;
}

void wg_timers_any_authenticated_packet_sent(struct wg_timers *t,
					     uint64_t now)
{
	(void)now;
	t->send_keepalive = 0;
}

void wg_timers_any_authenticated_packet_received(struct wg_timers *t,
						 uint64_t now)
{
	(void)now;
	t->new_handshake = 0;
}

void wg_timers_any_authenticated_packet_traversal(struct wg_timers *t,
						  uint64_t now)
{
	if (t->persistent_keepalive_interval)
		arm(t, &t->persistent_keepalive,
		    now + secs(t->persistent_keepalive_interval));
}

void wg_timers_handshake_initiated(struct wg_timers *t, uint64_t now)
{
	arm(t, &t->retransmit_handshake,
	    now + secs(WG_REKEY_TIMEOUT) + jitter(t));
}

void wg_timers_handshake_complete(struct wg_timers *t, uint64_t now,
				  const struct timespec *wall)
{
	(void)now;
	t->retransmit_handshake = 0;
	t->handshake_attempts = 0;
	t->sent_lastminute_handshake = false;
	if (wall)
		t->last_handshake = *wall;
}

void wg_timers_session_derived(struct wg_timers *t, uint64_t now)
{
	arm(t, &t->zero_key_material, now + secs(3 * WG_REJECT_AFTER_TIME));
}

unsigned int wg_timers_set_persistent_keepalive(struct wg_timers *t,
						uint16_t interval,
						uint64_t now)
{
	bool turned_on = !t->persistent_keepalive_interval && interval;

	(void)now;
	t->persistent_keepalive_interval = interval;
	/*
	 * Linux leaves the timer armed and its expiry does nothing while the
	 * interval is 0; disarming is the same but spares a wake-up.
	 */
	if (!interval)
		t->persistent_keepalive = 0;
	/* The keepalive sent now arms the timer through its traversal. */
	return turned_on && !t->stopped ? WG_TIMERS_SEND_KEEPALIVE : 0;
}

void wg_timers_handshake_wanted(struct wg_timers *t, uint64_t now)
{
	(void)now;
	t->handshake_attempts = 0;
}

bool wg_timers_may_send_initiation(const struct wg_timers *t, uint64_t now)
{
	if (t->stopped)
		return false;
	return !t->have_sent_handshake ||
	       expired(t->last_sent_handshake, WG_REKEY_TIMEOUT, now);
}

void wg_timers_handshake_sent(struct wg_timers *t, uint64_t now)
{
	t->have_sent_handshake = true;
	t->last_sent_handshake = now;
}

static unsigned int retransmit(struct wg_timers *t, uint64_t now)
{
	if (t->handshake_attempts > WG_MAX_TIMER_HANDSHAKES) {
		t->send_keepalive = 0;
		/* Destroy whatever a partial exchange left behind. */
		if (!t->zero_key_material)
			arm(t, &t->zero_key_material,
			    now + secs(3 * WG_REJECT_AFTER_TIME));
		return WG_TIMERS_GIVE_UP | WG_TIMERS_LOG_GAVE_UP;
	}
	t->handshake_attempts++;
	return WG_TIMERS_SEND_INITIATION | WG_TIMERS_CLEAR_ENDPOINT_SRC |
	       WG_TIMERS_LOG_RETRY;
}

static unsigned int send_keepalive(struct wg_timers *t, uint64_t now)
{
	if (t->need_another_keepalive) {
		t->need_another_keepalive = false;
		arm(t, &t->send_keepalive, now + secs(WG_KEEPALIVE_TIMEOUT));
	}
	return WG_TIMERS_SEND_KEEPALIVE;
}

static unsigned int new_handshake(struct wg_timers *t)
{
	/* A new handshake, not a retry: the attempt count starts over. */
	t->handshake_attempts = 0;
	return WG_TIMERS_SEND_INITIATION | WG_TIMERS_CLEAR_ENDPOINT_SRC |
	       WG_TIMERS_LOG_STOPPED_HEARING;
}

unsigned int wg_timers_expire(struct wg_timers *t, uint64_t now)
{
	unsigned int actions = 0;

	/* Each timer fires at most once: a re-arm always lands after now. */
	if (due(t->retransmit_handshake, now)) {
		t->retransmit_handshake = 0;
		actions |= retransmit(t, now);
	}
	if (due(t->send_keepalive, now)) {
		t->send_keepalive = 0;
		actions |= send_keepalive(t, now);
	}
	if (due(t->new_handshake, now)) {
		t->new_handshake = 0;
		actions |= new_handshake(t);
	}
	if (due(t->zero_key_material, now)) {
		t->zero_key_material = 0;
		actions |= WG_TIMERS_ZERO_KEYS;
	}
	if (due(t->persistent_keepalive, now)) {
		t->persistent_keepalive = 0;
		if (t->persistent_keepalive_interval)
			actions |= WG_TIMERS_SEND_KEEPALIVE;
	}
	return actions;
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return a < b ? a : b;
}

uint64_t wg_timers_next_deadline(const struct wg_timers *t)
{
	uint64_t next = t->retransmit_handshake;

	next = earliest(next, t->send_keepalive);
	next = earliest(next, t->new_handshake);
	next = earliest(next, t->zero_key_material);
	return earliest(next, t->persistent_keepalive);
}

unsigned int wg_timers_tries(const struct wg_timers *t)
{
	return t->handshake_attempts + 1;
}

bool wg_timers_lastminute(struct wg_timers *t)
{
	if (t->sent_lastminute_handshake)
		return false;
	t->sent_lastminute_handshake = true;
	return true;
}

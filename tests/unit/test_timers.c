// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The timer state machine against a fake clock: one scripted scenario per
 * timer and rule, asserting exact deadlines and action masks, plus a random
 * event walk checking that next_deadline is always the earliest timer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "timers.h"

#define S(x) ((uint64_t)(x) * WG_NSEC_PER_SEC)
#define MS(x) ((uint64_t)(x) * WG_NSEC_PER_MSEC)
/* A monotonic clock is never near 0; start somewhere arbitrary. */
#define T0 S(1000)

#define RETRY_ACTIONS                                          \
	(WG_TIMERS_SEND_INITIATION | WG_TIMERS_CLEAR_ENDPOINT_SRC | \
	 WG_TIMERS_LOG_RETRY)
#define STOPPED_HEARING_ACTIONS                                \
	(WG_TIMERS_SEND_INITIATION | WG_TIMERS_CLEAR_ENDPOINT_SRC | \
	 WG_TIMERS_LOG_STOPPED_HEARING)
#define GAVE_UP_ACTIONS (WG_TIMERS_GIVE_UP | WG_TIMERS_LOG_GAVE_UP)

static uint32_t fixed_jitter(void *arg)
{
	return *(const uint32_t *)arg;
}

static uint32_t jitter_100 = 100;
static uint32_t jitter_0;

static void setup(struct wg_timers *t, uint32_t *jitter)
{
	wg_timers_init(t, fixed_jitter, jitter);
}

/* What the daemon does to send an initiation (send.c in Linux). */
static bool send_initiation(struct wg_timers *t, uint64_t now)
{
	if (!wg_timers_may_send_initiation(t, now))
		return false;
	wg_timers_handshake_sent(t, now);
	wg_timers_any_authenticated_packet_traversal(t, now);
	wg_timers_any_authenticated_packet_sent(t, now);
	wg_timers_handshake_initiated(t, now);
	return true;
}

/* What the daemon does to send a keepalive or data packet. */
static void send_packet(struct wg_timers *t, uint64_t now, bool data)
{
	wg_timers_any_authenticated_packet_traversal(t, now);
	wg_timers_any_authenticated_packet_sent(t, now);
	if (data)
		wg_timers_data_sent(t, now);
}

/* What the daemon does on a data packet (or keepalive) received. */
static void receive_packet(struct wg_timers *t, uint64_t now, bool data)
{
	wg_timers_any_authenticated_packet_received(t, now);
	wg_timers_any_authenticated_packet_traversal(t, now);
	if (data)
		wg_timers_data_received(t, now);
}

/* The initiator consuming a response. */
static void receive_response(struct wg_timers *t, uint64_t now)
{
	struct timespec wall = { .tv_sec = 1700000000, .tv_nsec = 42 };

	wg_timers_session_derived(t, now);
	wg_timers_handshake_complete(t, now, &wall);
	wg_timers_any_authenticated_packet_received(t, now);
	wg_timers_any_authenticated_packet_traversal(t, now);
}

static uint64_t naive_min(const struct wg_timers *t)
{
	const uint64_t d[] = { t->retransmit_handshake, t->send_keepalive,
			       t->new_handshake, t->zero_key_material,
			       t->persistent_keepalive };
	uint64_t min = 0;

	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++)
		if (d[i] && (!min || d[i] < min))
			min = d[i];
	return min;
}

static void assert_all_disarmed(const struct wg_timers *t)
{
	assert_int_equal(t->retransmit_handshake, 0);
	assert_int_equal(t->send_keepalive, 0);
	assert_int_equal(t->new_handshake, 0);
	assert_int_equal(t->zero_key_material, 0);
	assert_int_equal(t->persistent_keepalive, 0);
	assert_int_equal(wg_timers_next_deadline(t), 0);
}

/*
 * A peer that never answers: 19 retries REKEY_TIMEOUT + jitter apart, each
 * logged with its try number, then give up on the 20th expiry (Linux: more
 * than MAX_TIMER_HANDSHAKES retries; "after 20 attempts") and schedule key
 * zeroing 3 * REJECT_AFTER_TIME later.
 */
static void never_answers(uint32_t *jitter)
{
	uint64_t step = S(WG_REKEY_TIMEOUT) + MS(*jitter), now = T0;
	struct wg_timers t;

	setup(&t, jitter);
	wg_timers_handshake_wanted(&t, now);
	assert_true(send_initiation(&t, now));
	assert_int_equal(t.retransmit_handshake, now + step);
	assert_int_equal(wg_timers_tries(&t), 1);

	for (unsigned int k = 1; k <= WG_MAX_TIMER_HANDSHAKES + 1; k++) {
		assert_int_equal(wg_timers_expire(&t, now + step - 1), 0);
		now += step;
		assert_int_equal(wg_timers_next_deadline(&t), now);
		assert_int_equal(wg_timers_expire(&t, now), RETRY_ACTIONS);
		assert_int_equal(t.handshake_attempts, k);
		assert_int_equal(wg_timers_tries(&t), k + 1);
		assert_int_equal(t.retransmit_handshake, 0);
		assert_true(send_initiation(&t, now));
		assert_int_equal(t.retransmit_handshake, now + step);
	}
	/* 20 initiations sent; the next expiry gives up. */
	assert_int_equal(wg_timers_tries(&t), WG_MAX_TIMER_HANDSHAKES + 2);
	now += step;
	assert_int_equal(now,
			 T0 + (WG_MAX_TIMER_HANDSHAKES + 2) * step);
	assert_int_equal(wg_timers_expire(&t, now), GAVE_UP_ACTIONS);
	assert_int_equal(wg_timers_tries(&t), 20);
	assert_int_equal(t.retransmit_handshake, 0);
	assert_int_equal(t.zero_key_material,
			 now + S(3 * WG_REJECT_AFTER_TIME));
	assert_int_equal(wg_timers_next_deadline(&t), t.zero_key_material);
	assert_int_equal(wg_timers_expire(&t, now + S(539)), 0);
	assert_int_equal(wg_timers_expire(&t, now + S(540)),
			 WG_TIMERS_ZERO_KEYS);
	assert_all_disarmed(&t);
}

static void never_answers_jitter(void **state)
{
	(void)state;
	/* 20 * 5.1 s = 102 s */
	never_answers(&jitter_100);
}

static void never_answers_no_jitter(void **state)
{
	(void)state;
	/* 20 * 5 s = 100 s; the retry at exactly 5 s passes the rate limit */
	never_answers(&jitter_0);
}

/* Giving up drops a pending keepalive, keeps an armed zero-key deadline. */
static void give_up_keeps_zero_key_deadline(void **state)
{
	uint64_t now = T0, zero;
	struct wg_timers t;

	(void)state;
	setup(&t, &jitter_0);
	wg_timers_session_derived(&t, now);
	zero = t.zero_key_material;
	assert_true(send_initiation(&t, now));
	for (unsigned int k = 1; k <= WG_MAX_TIMER_HANDSHAKES + 1; k++) {
		now += S(5);
		assert_int_equal(wg_timers_expire(&t, now), RETRY_ACTIONS);
		assert_true(send_initiation(&t, now));
	}
	/* Data from a stale session arrives just before the last expiry. */
	wg_timers_data_received(&t, now + S(1));
	assert_int_equal(t.send_keepalive, now + S(11));
	now += S(5);
	assert_int_equal(wg_timers_expire(&t, now), GAVE_UP_ACTIONS);
	assert_int_equal(t.send_keepalive, 0);
	assert_int_equal(t.zero_key_material, zero);
}

/* After giving up, new traffic starts a fresh handshake with fresh tries. */
static void give_up_then_new_traffic(void **state)
{
	uint64_t now = T0;
	struct wg_timers t;

	(void)state;
	setup(&t, &jitter_0);
	assert_true(send_initiation(&t, now));
	for (unsigned int k = 0; k <= WG_MAX_TIMER_HANDSHAKES + 1; k++) {
		now += S(5);
		if (wg_timers_expire(&t, now) & WG_TIMERS_SEND_INITIATION)
			assert_true(send_initiation(&t, now));
	}
	assert_int_equal(t.retransmit_handshake, 0);
	assert_int_equal(wg_timers_tries(&t), 20);

	now += S(30);
	wg_timers_handshake_wanted(&t, now);
	assert_int_equal(wg_timers_tries(&t), 1);
	assert_true(send_initiation(&t, now));
	assert_int_equal(wg_timers_expire(&t, now + S(5)), RETRY_ACTIONS);
	assert_int_equal(wg_timers_tries(&t), 2);
}

/* A response stops the retries and records the handshake. */
static void response_stops_retries(void **state)
{
	uint64_t now = T0, old;
	struct wg_timers t;

	(void)state;
	setup(&t, &jitter_100);
	assert_true(send_initiation(&t, now));
	now += S(5) + MS(100);
	assert_int_equal(wg_timers_expire(&t, now), RETRY_ACTIONS);
	assert_true(send_initiation(&t, now));
	old = t.retransmit_handshake;

	now += S(2);
	receive_response(&t, now);
	assert_int_equal(t.retransmit_handshake, 0);
	assert_int_equal(t.handshake_attempts, 0);
	assert_int_equal(t.last_handshake.tv_sec, 1700000000);
	assert_int_equal(t.last_handshake.tv_nsec, 42);
	assert_int_equal(t.zero_key_material, now + S(540));
	assert_int_equal(wg_timers_next_deadline(&t), now + S(540));
	assert_int_equal(wg_timers_expire(&t, old), 0);
	assert_int_equal(wg_timers_expire(&t, old + S(60)), 0);
}

/* Passive keepalive 10 s after data received with nothing sent back. */
static void passive_keepalive(void **state)
{
	uint64_t now = T0;
	struct wg_timers t;

	(void)state;
	setup(&t, &jitter_100);
	receive_packet(&t, now, true);
	assert_int_equal(t.send_keepalive, now + S(10));
	assert_int_equal(wg_timers_next_deadline(&t), now + S(10));
	assert_int_equal(wg_timers_expire(&t, now + S(10) - 1), 0);
	assert_int_equal(wg_timers_expire(&t, now + S(10)),
			 WG_TIMERS_SEND_KEEPALIVE);
	send_packet(&t, now + S(10), false);
	assert_all_disarmed(&t);

	/* A keepalive received is not data: no passive keepalive for it. */
	receive_packet(&t, now + S(20), false);
	assert_all_disarmed(&t);
}

/* Sending anything back meanwhile cancels the passive keepalive. */
static void passive_keepalive_cancelled_by_send(void **state)
{
	uint64_t now = T0;
	struct wg_timers t;

	(void)state;
	setup(&t, &jitter_100);
	receive_packet(&t, now, true);
	send_packet(&t, now + S(4), true);
	assert_int_equal(t.send_keepalive, 0);
	/* Only the new-handshake timer of the data we sent is left. */
	assert_int_equal(wg_timers_next_deadline(&t),
			 now + S(4) + S(15) + MS(100));
	assert_int_equal(wg_timers_expire(&t, now + S(10)), 0);
	assert_int_equal(wg_timers_expire(&t, now + S(19) + MS(100)),
			 STOPPED_HEARING_ACTIONS);
}

/*
 * Data arriving while the keepalive is pending asks for one more: the
 * expiry re-arms once, and the flag is spent.
 */
static void need_another_keepalive(void **state)
{
	uint64_t now = T0;
	struct wg_timers t;

	(void)state;
	setup(&t, &jitter_100);
	receive_packet(&t, now, true);
	receive_packet(&t, now + S(3), true);
	assert_int_equal(t.send_keepalive, now + S(10));
	assert_true(t.need_another_keepalive);

	assert_int_equal(wg_timers_expire(&t, now + S(10)),
			 WG_TIMERS_SEND_KEEPALIVE);
	assert_false(t.need_another_keepalive);
	assert_int_equal(t.send_keepalive, now + S(20));
	assert_int_equal(wg_timers_expire(&t, now + S(20)),
			 WG_TIMERS_SEND_KEEPALIVE);
	assert_int_equal(t.send_keepalive, 0);

	/*
	 * As in Linux, the keepalive the caller sends counts as a packet sent
	 * and cancels the re-armed timer; the flag survives that cancel.
	 */
	receive_packet(&t, now + S(30), true);
	receive_packet(&t, now + S(31), true);
	assert_int_equal(wg_timers_expire(&t, now + S(40)),
			 WG_TIMERS_SEND_KEEPALIVE);
	assert_int_equal(t.send_keepalive, now + S(50));
	send_packet(&t, now + S(40), false);
	assert_int_equal(t.send_keepalive, 0);
	assert_false(t.need_another_keepalive);

	receive_packet(&t, now + S(60), true);
	receive_packet(&t, now + S(61), true);
	send_packet(&t, now + S(62), false);
	assert_int_equal(t.send_keepalive, 0);
	assert_true(t.need_another_keepalive);
	receive_packet(&t, now + S(70), true);
	assert_int_equal(wg_timers_expire(&t, now + S(80)),
			 WG_TIMERS_SEND_KEEPALIVE);
	assert_int_equal(t.send_keepalive, now + S(90));
}

/* Data sent and nothing heard for 15 s + jitter: new handshake. */
static void new_handshake_after_silence(void **state)
{
	uint64_t now = T0, when = T0 + S(15) + MS(100);
	struct wg_timers t;

	(void)state;
	setup(&t, &jitter_100);
	send_packet(&t, now, true);
	assert_int_equal(t.new_handshake, when);
	/* More data does not push it back. */
	send_packet(&t, now + S(5), true);
	assert_int_equal(t.new_handshake, when);
	assert_int_equal(wg_timers_next_deadline(&t), when);

	/* Leftover retry count from an earlier handshake is reset. */
	t.handshake_attempts = 7;
	assert_int_equal(wg_timers_expire(&t, when - 1), 0);
	assert_int_equal(wg_timers_expire(&t, when), STOPPED_HEARING_ACTIONS);
	assert_int_equal(t.handshake_attempts, 0);
	assert_int_equal(t.new_handshake, 0);
	assert_true(send_initiation(&t, when));
	assert_int_equal(t.retransmit_handshake, when + S(5) + MS(100));
}

/* Any authenticated packet received (even a keepalive) cancels it. */
static void new_handshake_cancelled_by_reply(void **state)
{
	uint64_t now = T0;
	struct wg_timers t;

	(void)state;
	setup(&t, &jitter_100);
	send_packet(&t, now, true);
	receive_packet(&t, now + S(3), false);
	assert_int_equal(t.new_handshake, 0);
	assert_int_equal(wg_timers_expire(&t, now + S(16)), 0);
	/* The next data sent arms it afresh. */
	send_packet(&t, now + S(20), true);
	assert_int_equal(t.new_handshake, now + S(35) + MS(100));
}

/* Persistent keepalive: every N s of silence, changeable, off when 0. */
static void persistent_keepalive(void **state)
{
	uint64_t now = T0;
	struct wg_timers t;

	(void)state;
	setup(&t, &jitter_100);
	/* Off by default: traffic does not arm it. */
	send_packet(&t, now, false);
	receive_packet(&t, now, false);
	assert_int_equal(t.persistent_keepalive, 0);

	/* Turning it on asks for a keepalive right away. */
	assert_int_equal(wg_timers_set_persistent_keepalive(&t, 25, now),
			 WG_TIMERS_SEND_KEEPALIVE);
	send_packet(&t, now, false);
	assert_int_equal(t.persistent_keepalive, now + S(25));
	for (int i = 1; i <= 3; i++) {
		now += S(25);
		assert_int_equal(wg_timers_next_deadline(&t), now);
		assert_int_equal(wg_timers_expire(&t, now - 1), 0);
		assert_int_equal(wg_timers_expire(&t, now),
				 WG_TIMERS_SEND_KEEPALIVE);
		assert_int_equal(t.persistent_keepalive, 0);
		send_packet(&t, now, false);
	}
	/* Traffic either way pushes it back. */
	receive_packet(&t, now + S(10), false);
	assert_int_equal(t.persistent_keepalive, now + S(35));
	now += S(10);

	/* Changed at run time: no extra keepalive, next traversal uses it. */
	assert_int_equal(wg_timers_set_persistent_keepalive(&t, 7, now), 0);
	assert_int_equal(t.persistent_keepalive, now + S(25));
	send_packet(&t, now + S(1), true);
	assert_int_equal(t.persistent_keepalive, now + S(8));

	/* Off: disarmed, and traffic no longer arms it. */
	assert_int_equal(wg_timers_set_persistent_keepalive(&t, 0, now), 0);
	assert_int_equal(t.persistent_keepalive, 0);
	receive_packet(&t, now + S(2), false);
	assert_int_equal(t.persistent_keepalive, 0);
	assert_int_equal(wg_timers_expire(&t, now + S(100)) &
				 WG_TIMERS_SEND_KEEPALIVE,
			 0);

	/* On again: immediate keepalive again. */
	assert_int_equal(wg_timers_set_persistent_keepalive(&t, 1, now),
			 WG_TIMERS_SEND_KEEPALIVE);
}

/* Keys are zeroed 540 s after the last session, pushed back by a new one. */
static void zero_key_material(void **state)
{
	uint64_t now = T0;
	struct wg_timers t;

	(void)state;
	setup(&t, &jitter_100);
	wg_timers_session_derived(&t, now);
	assert_int_equal(t.zero_key_material, now + S(540));
	wg_timers_session_derived(&t, now + S(100));
	assert_int_equal(t.zero_key_material, now + S(640));
	assert_int_equal(wg_timers_expire(&t, now + S(540)), 0);
	assert_int_equal(wg_timers_expire(&t, now + S(640) - 1), 0);
	assert_int_equal(wg_timers_expire(&t, now + S(640)),
			 WG_TIMERS_ZERO_KEYS);
	assert_all_disarmed(&t);
}

/*
 * The last-minute rekey (noise.c flags the packet: initiator, at 165 s):
 * asked once per completed handshake, the kernel's latch.
 */
static void lastminute_once_per_handshake(void **state)
{
	struct wg_timers t;

	(void)state;
	setup(&t, &jitter_100);
	assert_true(wg_timers_lastminute(&t));
	/* A handshake is already on its way: not again. */
	assert_false(wg_timers_lastminute(&t));
	assert_false(wg_timers_lastminute(&t));
	/* Once a handshake completes the latch is released. */
	wg_timers_handshake_complete(&t, T0 + S(11), NULL);
	assert_true(wg_timers_lastminute(&t));
	assert_false(wg_timers_lastminute(&t));
}

/* At most one initiation per REKEY_TIMEOUT; responses count too. */
static void one_initiation_per_rekey_timeout(void **state)
{
	uint64_t now = T0;
	struct wg_timers t;

	(void)state;
	setup(&t, &jitter_100);
	assert_true(wg_timers_may_send_initiation(&t, now));
	assert_true(send_initiation(&t, now));
	assert_false(wg_timers_may_send_initiation(&t, now));
	assert_false(wg_timers_may_send_initiation(&t, now + S(5) - 1));
	assert_false(send_initiation(&t, now + S(3)));
	/* The refused attempt did not move the window. */
	assert_true(wg_timers_may_send_initiation(&t, now + S(5)));

	/* A response we sent also holds off our own initiation. */
	now += S(20);
	wg_timers_handshake_sent(&t, now);
	assert_false(wg_timers_may_send_initiation(&t, now + S(4)));
	assert_true(wg_timers_may_send_initiation(&t, now + S(5)));

	/* A retry due while a response just went out is skipped. */
	setup(&t, &jitter_0);
	now = T0;
	assert_true(send_initiation(&t, now));
	wg_timers_handshake_sent(&t, now + S(3));
	assert_int_equal(wg_timers_expire(&t, now + S(5)), RETRY_ACTIONS);
	assert_false(send_initiation(&t, now + S(5)));
	assert_int_equal(t.retransmit_handshake, 0);
}

/* Stop disarms everything, arms nothing, and start resumes. */
static void stop_disarms_everything(void **state)
{
	uint64_t now = T0;
	struct wg_timers t;

	(void)state;
	setup(&t, &jitter_100);
	assert_int_equal(wg_timers_set_persistent_keepalive(&t, 25, now),
			 WG_TIMERS_SEND_KEEPALIVE);
	assert_true(send_initiation(&t, now));
	send_packet(&t, now, true);
	wg_timers_data_received(&t, now);
	wg_timers_session_derived(&t, now);
	assert_int_not_equal(t.retransmit_handshake, 0);
	assert_int_not_equal(t.send_keepalive, 0);
	assert_int_not_equal(t.new_handshake, 0);
	assert_int_not_equal(t.zero_key_material, 0);
	assert_int_not_equal(t.persistent_keepalive, 0);

	wg_timers_stop(&t, now + S(1));
	assert_all_disarmed(&t);
	assert_int_equal(wg_timers_expire(&t, now + S(10000)), 0);

	/* Nothing arms while stopped, nor may an initiation go out. */
	now += S(2);
	send_packet(&t, now, true);
	receive_packet(&t, now, true);
	wg_timers_handshake_initiated(&t, now);
	wg_timers_session_derived(&t, now);
	assert_all_disarmed(&t);
	assert_false(wg_timers_may_send_initiation(&t, now));
	assert_int_equal(wg_timers_set_persistent_keepalive(&t, 0, now), 0);
	assert_int_equal(wg_timers_set_persistent_keepalive(&t, 30, now), 0);

	/* Up again: keepalive for the persistent interval, and the last sent
	 * handshake is forgotten so an initiation may go at once. */
	assert_int_equal(wg_timers_start(&t, now), WG_TIMERS_SEND_KEEPALIVE);
	assert_true(wg_timers_may_send_initiation(&t, now));
	send_packet(&t, now, true);
	assert_int_equal(t.persistent_keepalive, now + S(30));
	assert_int_equal(t.new_handshake, now + S(15) + MS(100));

	wg_timers_set_persistent_keepalive(&t, 0, now);
	wg_timers_stop(&t, now);
	assert_int_equal(wg_timers_start(&t, now), 0);
}

/* The default jitter stays below the maximum; injected ones are clamped. */
static void jitter_range(void **state)
{
	uint32_t big = 5000;
	uint64_t min = UINT64_MAX, max = 0;
	struct wg_timers t;

	(void)state;
	assert_int_equal(wg_crypto_init(), 0);
	wg_timers_init(&t, NULL, NULL);
	for (int i = 0; i < 2000; i++) {
		uint64_t d;

		wg_timers_handshake_initiated(&t, T0);
		d = t.retransmit_handshake - T0;
		assert_true(d >= S(5));
		assert_true(d < S(5) + MS(WG_REKEY_TIMEOUT_JITTER_MS));
		assert_int_equal(d % WG_NSEC_PER_MSEC, 0);
		min = d < min ? d : min;
		max = d > max ? d : max;
	}
	/* 2000 draws of 333 values: both ends of the range get close. */
	assert_true(min < S(5) + MS(30));
	assert_true(max > S(5) + MS(300));

	setup(&t, &big);
	wg_timers_handshake_initiated(&t, T0);
	assert_int_equal(t.retransmit_handshake, T0 + S(5) + MS(333));
}

/* xorshift64: a deterministic walk, reproducible from the seed. */
static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Random events and time steps: next_deadline is always the earliest armed
 * timer, and after expire(now) no timer is left due at now.
 */
static void next_deadline_is_earliest(void **state)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL, now = T0;
	struct timespec wall = { 0 };
	struct wg_timers t;
	uint32_t jit = 0;

	(void)state;
	setup(&t, &jit);
	for (int i = 0; i < 20000; i++) {
		uint64_t r = next_rand(&seed);

		jit = r % 333;
		switch ((r >> 16) % 14) {
		case 0: send_packet(&t, now, true); break;
		case 1: send_packet(&t, now, false); break;
		case 2: receive_packet(&t, now, true); break;
		case 3: receive_packet(&t, now, false); break;
		case 4: (void)send_initiation(&t, now); break;
		case 5: receive_response(&t, now); break;
		case 6: wg_timers_session_derived(&t, now); break;
		case 7: wg_timers_handshake_complete(&t, now, &wall); break;
		case 8: wg_timers_set_persistent_keepalive(&t, (r >> 32) % 30,
							   now);
			break;
		case 9: wg_timers_stop(&t, now); break;
		case 10: wg_timers_start(&t, now); break;
		case 11: wg_timers_handshake_wanted(&t, now); break;
		default: {
			uint64_t next = wg_timers_next_deadline(&t);

			/* Jump straight to the next deadline, or past it. */
			if (next && (r >> 40) % 2)
				now = next;
			else
				now += (r >> 24) % S(60);
			wg_timers_expire(&t, now);
			assert_true(!wg_timers_next_deadline(&t) ||
				    wg_timers_next_deadline(&t) > now);
			break;
		}
		}
		assert_int_equal(wg_timers_next_deadline(&t), naive_min(&t));
		assert_true(t.handshake_attempts <=
			    WG_MAX_TIMER_HANDSHAKES + 1);
		now += (r >> 48) % MS(500);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(never_answers_jitter),
		cmocka_unit_test(never_answers_no_jitter),
		cmocka_unit_test(give_up_keeps_zero_key_deadline),
		cmocka_unit_test(give_up_then_new_traffic),
		cmocka_unit_test(response_stops_retries),
		cmocka_unit_test(passive_keepalive),
		cmocka_unit_test(passive_keepalive_cancelled_by_send),
		cmocka_unit_test(need_another_keepalive),
		cmocka_unit_test(new_handshake_after_silence),
		cmocka_unit_test(new_handshake_cancelled_by_reply),
		cmocka_unit_test(persistent_keepalive),
		cmocka_unit_test(zero_key_material),
		cmocka_unit_test(lastminute_once_per_handshake),
		cmocka_unit_test(one_initiation_per_rekey_timeout),
		cmocka_unit_test(stop_disarms_everything),
		cmocka_unit_test(jitter_range),
		cmocka_unit_test(next_deadline_is_earliest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

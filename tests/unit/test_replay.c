// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The replay window: order, reordering, edges, jumps and the limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "replay.h"

static struct wg_replay win;

static int setup(void **state)
{
	(void)state;
	wg_replay_init(&win);
	return 0;
}

static void window_size(void **state)
{
	(void)state;
	assert_int_equal(WG_REPLAY_BITS_TOTAL, 8192);
	if (sizeof(unsigned long) == 8)
		assert_int_equal(WG_REPLAY_WINDOW, 8128);
}

static void in_order(void **state)
{
	(void)state;
	for (uint64_t c = 0; c < 20000; c++)
		assert_true(wg_replay_check(&win, c));
	for (uint64_t c = 0; c < 20000; c += 997)
		assert_false(wg_replay_check(&win, c));
}

static void duplicate(void **state)
{
	(void)state;
	assert_true(wg_replay_check(&win, 0));
	assert_false(wg_replay_check(&win, 0));
	assert_true(wg_replay_check(&win, 7));
	assert_false(wg_replay_check(&win, 7));
	assert_true(wg_replay_check(&win, 3));
	assert_false(wg_replay_check(&win, 3));
}

static void reordered(void **state)
{
	(void)state;
	assert_true(wg_replay_check(&win, 5000));
	/* Everything behind within the window, in reverse, exactly once. */
	for (uint64_t c = 4999; c > 5000 - 1000; c--)
		assert_true(wg_replay_check(&win, c));
	for (uint64_t c = 4999; c > 5000 - 1000; c--)
		assert_false(wg_replay_check(&win, c));
	assert_true(wg_replay_check(&win, 5002));
	assert_true(wg_replay_check(&win, 5001));
	assert_false(wg_replay_check(&win, 5001));
}

static void window_edge(void **state)
{
	const uint64_t last = 100000;

	(void)state;
	assert_true(wg_replay_check(&win, last));
	/* One past the edge is too old; the edge itself still counts. */
	assert_false(wg_replay_check(&win, last - WG_REPLAY_WINDOW - 1));
	assert_true(wg_replay_check(&win, last - WG_REPLAY_WINDOW));
	assert_false(wg_replay_check(&win, last - WG_REPLAY_WINDOW));
	assert_true(wg_replay_check(&win, last - WG_REPLAY_WINDOW + 1));
	assert_false(wg_replay_check(&win, 0));
	/* Slide by one: the old edge falls out. */
	assert_true(wg_replay_check(&win, last + 1));
	assert_false(wg_replay_check(&win, last - WG_REPLAY_WINDOW));
	assert_false(wg_replay_check(&win, last - WG_REPLAY_WINDOW + 1));
	assert_true(wg_replay_check(&win, last - WG_REPLAY_WINDOW + 2));
}

static void too_old(void **state)
{
	(void)state;
	assert_true(wg_replay_check(&win, 9000));
	assert_false(wg_replay_check(&win, 0));
	assert_false(wg_replay_check(&win, 9000 - WG_REPLAY_WINDOW - 1));
	assert_false(wg_replay_check(&win, 9000 - 8192));
}

static void big_jump(void **state)
{
	(void)state;
	assert_true(wg_replay_check(&win, 1));
	assert_true(wg_replay_check(&win, 2));
	/* A jump further than the ring clears it whole, in O(ring). */
	assert_true(wg_replay_check(&win, 1ULL << 40));
	assert_false(wg_replay_check(&win, 1ULL << 40));
	assert_false(wg_replay_check(&win, 2));
	assert_true(wg_replay_check(&win, (1ULL << 40) - 1));
	assert_true(wg_replay_check(&win, (1ULL << 40) - WG_REPLAY_WINDOW));
	/* Jumps of a few words leave no stale bits behind them. */
	for (uint64_t c = (1ULL << 40) + 64; c < (1ULL << 40) + 40000;
	     c += 1000)
		assert_true(wg_replay_check(&win, c));
	for (uint64_t c = (1ULL << 40) + 30064; c < (1ULL << 40) + 39064;
	     c += 1000)
		assert_false(wg_replay_check(&win, c));
	assert_true(wg_replay_check(&win, (1ULL << 40) + 39063));
}

static void reject_limit(void **state)
{
	(void)state;
	assert_false(wg_replay_check(&win, WG_REJECT_AFTER_MESSAGES));
	assert_false(wg_replay_check(&win, WG_REJECT_AFTER_MESSAGES + 1));
	assert_false(wg_replay_check(&win, UINT64_MAX));
	assert_true(wg_replay_check(&win, WG_REJECT_AFTER_MESSAGES - 1));
	assert_false(wg_replay_check(&win, WG_REJECT_AFTER_MESSAGES - 1));
	assert_true(wg_replay_check(&win, WG_REJECT_AFTER_MESSAGES - 2));
	assert_false(wg_replay_check(&win, WG_REJECT_AFTER_MESSAGES));
}

static void wraparound_of_ring(void **state)
{
	(void)state;
	/* Walk the ring several times with gaps; each counter exactly once. */
	for (uint64_t c = 0; c < 5 * 8192; c += 3)
		assert_true(wg_replay_check(&win, c));
	/* 32769 = 3 * 10923: the seen ones, old or within the window. */
	for (uint64_t c = 32769; c < 5 * 8192; c += 3)
		assert_false(wg_replay_check(&win, c));
	/* Unseen ones within the window are new; 40000 is not a multiple. */
	assert_true(wg_replay_check(&win, 40000));
	assert_true(wg_replay_check(&win, 40959 - WG_REPLAY_WINDOW + 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(window_size, setup),
		cmocka_unit_test_setup(in_order, setup),
		cmocka_unit_test_setup(duplicate, setup),
		cmocka_unit_test_setup(reordered, setup),
		cmocka_unit_test_setup(window_edge, setup),
		cmocka_unit_test_setup(too_old, setup),
		cmocka_unit_test_setup(big_jump, setup),
		cmocka_unit_test_setup(reject_limit, setup),
		cmocka_unit_test_setup(wraparound_of_ring, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The transmit choice: the modes, alternation while measuring, the choice
 * with its margin, what the report says, and threads charging at once.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "txsel.h"

static void parse(void **state)
{
	enum wg_tx_mode m = WG_TX_UDP;

	(void)state;
	assert_int_equal(wg_txsel_parse(NULL, &m), 0);
	assert_int_equal(m, WG_TX_AUTO);
	assert_int_equal(wg_txsel_parse("", &m), 0);
	assert_int_equal(m, WG_TX_AUTO);
	assert_int_equal(wg_txsel_parse("xdp", &m), 0);
	assert_int_equal(m, WG_TX_XDP);
	assert_int_equal(wg_txsel_parse("udp", &m), 0);
	assert_int_equal(m, WG_TX_UDP);
	assert_int_equal(wg_txsel_parse("auto", &m), 0);
	assert_int_equal(m, WG_TX_AUTO);
	m = WG_TX_XDP;
	assert_int_equal(wg_txsel_parse("UDP", &m), -EINVAL);
	assert_int_equal(wg_txsel_parse("udp ", &m), -EINVAL);
	assert_int_equal(m, WG_TX_XDP); /* untouched on error */
}

static void zeroed_is_xdp(void **state)
{
	struct wg_txsel t;
	char why[96];

	(void)state;
	memset(&t, 0, sizeof(t));
	assert_false(wg_txsel_measuring(&t));
	for (unsigned int pass = 0; pass < 4; pass++)
		assert_int_equal(wg_txsel_way(&t, pass), WG_TXSEL_XDP);
	assert_string_equal(wg_txsel_name(&t), "xdp");
	wg_txsel_describe(&t, why, sizeof(why));
	assert_string_equal(why, "set");
}

static void set_modes(void **state)
{
	struct wg_txsel t;
	char why[96];

	(void)state;
	wg_txsel_init(&t, WG_TX_UDP, false);
	assert_false(wg_txsel_measuring(&t));
	assert_int_equal(wg_txsel_way(&t, 0), WG_TXSEL_UDP);
	assert_int_equal(wg_txsel_way(&t, 1), WG_TXSEL_UDP);
	/* Charges do nothing once set. */
	wg_txsel_charge(&t, WG_TXSEL_XDP, 1, WG_TXSEL_BYTES * 2);
	assert_int_equal(wg_txsel_way(&t, 0), WG_TXSEL_UDP);
	wg_txsel_describe(&t, why, sizeof(why));
	assert_string_equal(why, "set");
	/* Set wins over zero-copy: the user asked. */
	wg_txsel_init(&t, WG_TX_UDP, true);
	assert_string_equal(wg_txsel_name(&t), "udp");
	wg_txsel_init(&t, WG_TX_XDP, false);
	assert_string_equal(wg_txsel_name(&t), "xdp");
	/* Auto with zero-copy: AF_XDP, nothing measured. */
	wg_txsel_init(&t, WG_TX_AUTO, true);
	assert_false(wg_txsel_measuring(&t));
	assert_string_equal(wg_txsel_name(&t), "xdp");
	wg_txsel_describe(&t, why, sizeof(why));
	assert_string_equal(why, "zero-copy");
}

static void alternates_while_measuring(void **state)
{
	struct wg_txsel t;
	char why[96];

	(void)state;
	wg_txsel_init(&t, WG_TX_AUTO, false);
	assert_true(wg_txsel_measuring(&t));
	assert_string_equal(wg_txsel_name(&t), "measuring");
	assert_int_equal(wg_txsel_way(&t, 0), WG_TXSEL_XDP);
	assert_int_equal(wg_txsel_way(&t, 1), WG_TXSEL_UDP);
	assert_int_equal(wg_txsel_way(&t, 2), WG_TXSEL_XDP);
	/* One way alone never decides, however much it carries. */
	wg_txsel_charge(&t, WG_TXSEL_XDP, 100, WG_TXSEL_BYTES * 4);
	assert_true(wg_txsel_measuring(&t));
	wg_txsel_charge(&t, WG_TXSEL_UDP, 100, WG_TXSEL_BYTES - 1);
	assert_true(wg_txsel_measuring(&t));
	wg_txsel_describe(&t, why, sizeof(why));
	assert_non_null(strstr(why, "of 16777216 bytes"));
	/* A bad way or no bytes is not counted. */
	wg_txsel_charge(&t, WG_TXSEL_WAYS, 1, WG_TXSEL_BYTES);
	wg_txsel_charge(&t, WG_TXSEL_UDP, 1000, 0);
	assert_true(wg_txsel_measuring(&t));
}

/* xdp_ns and udp_ns for WG_TXSEL_BYTES each: what is kept. */
static enum wg_txsel_way choose(uint64_t xdp_ns, uint64_t udp_ns)
{
	struct wg_txsel t;

	wg_txsel_init(&t, WG_TX_AUTO, false);
	wg_txsel_charge(&t, WG_TXSEL_XDP, xdp_ns, WG_TXSEL_BYTES);
	wg_txsel_charge(&t, WG_TXSEL_UDP, udp_ns, WG_TXSEL_BYTES);
	assert_false(wg_txsel_measuring(&t));
	/* Chosen for good: passes of either parity take it. */
	assert_int_equal(wg_txsel_way(&t, 0), wg_txsel_way(&t, 1));
	return wg_txsel_way(&t, 0);
}

static void choice_and_margin(void **state)
{
	(void)state;
	assert_int_equal(choose(1000000, 2000000), WG_TXSEL_XDP);
	assert_int_equal(choose(2000000, 1000000), WG_TXSEL_UDP);
	/* Equal, or UDP less than 10 % cheaper: AF_XDP stays. */
	assert_int_equal(choose(1000000, 1000000), WG_TXSEL_XDP);
	assert_int_equal(choose(1000000, 900001), WG_TXSEL_XDP);
	assert_int_equal(choose(1000000, 899999), WG_TXSEL_UDP);
	/* Large sums do not overflow the comparison. */
	assert_int_equal(choose(UINT64_MAX / 2, UINT64_MAX / 4), WG_TXSEL_UDP);
}

static void per_byte_not_per_send(void **state)
{
	struct wg_txsel t;
	char why[96];

	(void)state;
	/* UDP took more ns in all but carried four times the bytes. */
	wg_txsel_init(&t, WG_TX_AUTO, false);
	wg_txsel_charge(&t, WG_TXSEL_XDP, 16000000, WG_TXSEL_BYTES);
	wg_txsel_charge(&t, WG_TXSEL_UDP, 32000000, WG_TXSEL_BYTES * 4);
	assert_string_equal(wg_txsel_name(&t), "udp");
	wg_txsel_describe(&t, why, sizeof(why));
	/* 16e6 / 2^24 = 0.953 ns/B; 32e6 / 2^26 = 0.476 ns/B. */
	assert_string_equal(why,
			    "measured: xdp 0.953 ns/B, udp 0.476 ns/B");
}

#define THREADS 4
#define CHARGES 20000

static void *charger(void *arg)
{
	struct wg_txsel *t = arg;

	for (int i = 0; i < CHARGES; i++)
		wg_txsel_charge(t, (enum wg_txsel_way)(i & 1),
				i & 1 ? 500 : 1000, 4096);
	return NULL;
}

static void threads_decide_once(void **state)
{
	pthread_t th[THREADS];
	struct wg_txsel t;

	(void)state;
	/* 4 x 10,000 charges of 4 KiB a way: 160 MiB, past 16 MiB. */
	wg_txsel_init(&t, WG_TX_AUTO, false);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, charger, &t), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	assert_false(wg_txsel_measuring(&t));
	assert_string_equal(wg_txsel_name(&t), "udp");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse),
		cmocka_unit_test(zeroed_is_xdp),
		cmocka_unit_test(set_modes),
		cmocka_unit_test(alternates_while_measuring),
		cmocka_unit_test(choice_and_margin),
		cmocka_unit_test(per_byte_not_per_send),
		cmocka_unit_test(threads_decide_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

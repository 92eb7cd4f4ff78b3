// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Handshake rate limiter: burst, steady rate, /64 sharing, GC, bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "crypto.h"
#include "ratelimiter.h"

#define MS 1000000ULL
#define START (1000 * 1000 * MS) /* arbitrary non-zero epoch */

static struct wg_ratelimiter rl;

static int setup(void **state)
{
	(void)state;
	return wg_ratelimiter_init(&rl, 64);
}

static int teardown(void **state)
{
	(void)state;
	wg_ratelimiter_destroy(&rl);
	return 0;
}

static void v4(struct in_addr *a, const char *s)
{
	assert_int_equal(inet_pton(AF_INET, s, a), 1);
}

static void v6(struct in6_addr *a, const char *s)
{
	assert_int_equal(inet_pton(AF_INET6, s, a), 1);
}

static void burst_then_rate(void **state)
{
	struct in_addr a;
	uint64_t t = START;
	int allowed = 0;

	(void)state;
	v4(&a, "192.0.2.1");
	for (int i = 0; i < 5; i++)
		assert_true(wg_ratelimiter_allow(&rl, AF_INET, &a, t));
	assert_false(wg_ratelimiter_allow(&rl, AF_INET, &a, t));
	/* One token per 50 ms. */
	t += 49 * MS;
	assert_false(wg_ratelimiter_allow(&rl, AF_INET, &a, t));
	t += 1 * MS;
	assert_true(wg_ratelimiter_allow(&rl, AF_INET, &a, t));
	assert_false(wg_ratelimiter_allow(&rl, AF_INET, &a, t));
	/* A second of trying every 10 ms lets through 20. */
	for (int i = 1; i <= 100; i++)
		allowed += wg_ratelimiter_allow(&rl, AF_INET, &a, t + i * 10 * MS);
	assert_int_equal(allowed, 20);
}

static void burst_refills_to_five_only(void **state)
{
	struct in_addr a;
	uint64_t t = START;
	int allowed = 0;

	(void)state;
	v4(&a, "192.0.2.2");
	assert_true(wg_ratelimiter_allow(&rl, AF_INET, &a, t));
	/* Idle 900 ms (under the GC age): refilled, but capped at 5. */
	t += 900 * MS;
	for (int i = 0; i < 10; i++)
		allowed += wg_ratelimiter_allow(&rl, AF_INET, &a, t);
	assert_int_equal(allowed, 5);
}

static void sources_are_separate(void **state)
{
	struct in_addr a, b;

	(void)state;
	v4(&a, "192.0.2.1");
	v4(&b, "192.0.2.3");
	for (int i = 0; i < 5; i++)
		assert_true(wg_ratelimiter_allow(&rl, AF_INET, &a, START));
	assert_false(wg_ratelimiter_allow(&rl, AF_INET, &a, START));
	assert_true(wg_ratelimiter_allow(&rl, AF_INET, &b, START));
}

static void ipv6_per_64(void **state)
{
	struct in6_addr a, b, c;

	(void)state;
	v6(&a, "2001:db8:1:2::1");
	v6(&b, "2001:db8:1:2:ffff:ffff:ffff:fffe");
	v6(&c, "2001:db8:1:3::1");
	for (int i = 0; i < 5; i++)
		assert_true(wg_ratelimiter_allow(&rl, AF_INET6,
						 i % 2 ? &a : &b, START));
	/* Same /64: one bucket, now empty. */
	assert_false(wg_ratelimiter_allow(&rl, AF_INET6, &a, START));
	assert_false(wg_ratelimiter_allow(&rl, AF_INET6, &b, START));
	/* Another /64: its own bucket. */
	assert_true(wg_ratelimiter_allow(&rl, AF_INET6, &c, START));
	assert_int_equal(wg_ratelimiter_count(&rl), 2);
}

static void ipv4_and_ipv6_differ(void **state)
{
	uint8_t bytes[16] = { 192, 0, 2, 1 };

	(void)state;
	for (int i = 0; i < 5; i++)
		assert_true(wg_ratelimiter_allow(&rl, AF_INET, bytes, START));
	assert_false(wg_ratelimiter_allow(&rl, AF_INET, bytes, START));
	assert_true(wg_ratelimiter_allow(&rl, AF_INET6, bytes, START));
	assert_false(wg_ratelimiter_allow(&rl, AF_UNIX, bytes, START));
}

static void gc_idle(void **state)
{
	struct in_addr a, b;

	(void)state;
	v4(&a, "198.51.100.1");
	v4(&b, "198.51.100.2");
	assert_true(wg_ratelimiter_allow(&rl, AF_INET, &a, START));
	assert_true(wg_ratelimiter_allow(&rl, AF_INET, &b, START + 600 * MS));
	assert_int_equal(wg_ratelimiter_count(&rl), 2);
	wg_ratelimiter_gc(&rl, START + 999 * MS);
	assert_int_equal(wg_ratelimiter_count(&rl), 2);
	wg_ratelimiter_gc(&rl, START + 1000 * MS);
	assert_int_equal(wg_ratelimiter_count(&rl), 1);
	/* Lazily, from allow, once a second. */
	assert_true(wg_ratelimiter_allow(&rl, AF_INET, &a, START + 2100 * MS));
	assert_int_equal(wg_ratelimiter_count(&rl), 1);
}

static void bounded(void **state)
{
	struct in_addr a;
	uint64_t t = START;

	(void)state;
	for (uint32_t i = 0; i < 64; i++) {
		a.s_addr = htonl(0x0a000000 + i);
		assert_true(wg_ratelimiter_allow(&rl, AF_INET, &a, t));
	}
	assert_int_equal(wg_ratelimiter_count(&rl), 64);
	a.s_addr = htonl(0x0a0000ff);
	assert_false(wg_ratelimiter_allow(&rl, AF_INET, &a, t));
	/* Known sources still pass. */
	a.s_addr = htonl(0x0a000001);
	assert_true(wg_ratelimiter_allow(&rl, AF_INET, &a, t));
	/* Once they go idle there is room again. */
	a.s_addr = htonl(0x0a0000ff);
	assert_true(wg_ratelimiter_allow(&rl, AF_INET, &a, t + 1000 * MS));
	assert_int_equal(wg_ratelimiter_count(&rl), 1);
}

static void huge_time_gap(void **state)
{
	struct in_addr a;
	int allowed = 0;

	(void)state;
	v4(&a, "192.0.2.9");
	assert_true(wg_ratelimiter_allow(&rl, AF_INET, &a, 1));
	for (int i = 0; i < 10; i++)
		allowed += wg_ratelimiter_allow(&rl, AF_INET, &a, UINT64_MAX - 1);
	assert_int_equal(allowed, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(burst_then_rate, setup, teardown),
		cmocka_unit_test_setup_teardown(burst_refills_to_five_only,
						setup, teardown),
		cmocka_unit_test_setup_teardown(sources_are_separate, setup,
						teardown),
		cmocka_unit_test_setup_teardown(ipv6_per_64, setup, teardown),
		cmocka_unit_test_setup_teardown(ipv4_and_ipv6_differ, setup,
						teardown),
		cmocka_unit_test_setup_teardown(gc_idle, setup, teardown),
		cmocka_unit_test_setup_teardown(bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(huge_time_gap, setup, teardown),
	};

	if (wg_crypto_init())
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Allowed IPs: fixed cases (overlaps, defaults, hosts, moves, ownership,
 * walks, bad arguments, allocation failures), then the trie against a
 * deliberately naive model (a flat array, longest match by linear scan) on
 * random operations, a large table, and readers racing a writer.
 *
 * The random tests use a fixed seed (WG_TEST_SEED in the environment
 * overrides it); every failure message starts with the seed and the
 * operation number so a failure can be replayed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "allowedips.h"
#include "rcu.h"

#define RANDOM_OPS 200000	/* per family */
#define RANDOM_PEERS 64
#define SCALE_PREFIXES 200000
#define SCALE_PEERS 2000

static char peer_pool[SCALE_PEERS];
#define P(i) ((void *)&peer_pool[(i)])

static uint64_t seed = 0x77672d7864702d31ULL;
#include "seeded.h"

/* Parse a literal address into one of a few rotating buffers. */
static const uint8_t *ip(const char *s)
{
	static uint8_t buf[8][16];
	static unsigned int next;
	uint8_t *b = buf[next++ % 8];

	memset(b, 0, 16);
	if (inet_pton(strchr(s, ':') ? AF_INET6 : AF_INET, s, b) != 1)
		fail_msg("bad literal %s", s);
	return b;
}

static int fam(const char *s)
{
	return strchr(s, ':') ? AF_INET6 : AF_INET;
}

static int add(struct wg_allowedips *t, const char *s, uint8_t cidr,
	       void *peer)
{
	return wg_allowedips_insert(t, fam(s), ip(s), cidr, peer);
}

static int del(struct wg_allowedips *t, const char *s, uint8_t cidr,
	       void *peer)
{
	return wg_allowedips_remove(t, fam(s), ip(s), cidr, peer);
}

static void *get(struct wg_allowedips *t, const char *s)
{
	return wg_allowedips_lookup(t, fam(s), ip(s));
}

static int setup(void **state)
{
	struct wg_allowedips *t = calloc(1, sizeof(*t));

	if (!t || wg_allowedips_init(t)) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	wg_allowedips_free(*state);
	free(*state);
	return 0;
}

/* Walks collect "addr/cidr" strings. */
struct listing {
	char items[64][64];
	int n;
	int stop_at;	/* return 1 after this many items (0: never) */
};

static int collect(int family, const uint8_t *addr, uint8_t cidr, void *arg)
{
	struct listing *l = arg;
	char a[INET6_ADDRSTRLEN];

	if (l->n >= 64)
		return -1;
	inet_ntop(family, addr, a, sizeof(a));
	snprintf(l->items[l->n++], sizeof(l->items[0]), "%s/%u", a, cidr);
	return l->stop_at && l->n == l->stop_at;
}

static void expect_walk(struct wg_allowedips *t, void *peer, int n, ...)
{
	struct listing l = { .n = 0 };
	va_list ap;
	int i;

	assert_int_equal(wg_allowedips_walk_peer(t, peer, collect, &l), 0);
	assert_int_equal(l.n, n);
	assert_int_equal(wg_allowedips_count_peer(t, peer), n);
	va_start(ap, n);
	for (i = 0; i < n; i++)
		assert_string_equal(l.items[i], va_arg(ap, const char *));
	va_end(ap);
}

static void overlapping_v4(void **state)
{
	struct wg_allowedips *t = *state;

	assert_int_equal(add(t, "192.168.4.0", 24, P(1)), 0);
	assert_int_equal(add(t, "192.168.4.4", 32, P(2)), 0);
	assert_int_equal(add(t, "192.168.0.0", 16, P(3)), 0);
	assert_int_equal(add(t, "192.95.5.64", 27, P(4)), 0);
	assert_int_equal(add(t, "192.95.5.65", 32, P(3)), 0);
	assert_int_equal(add(t, "192.0.0.0", 4, P(5)), 0);

	assert_ptr_equal(get(t, "192.168.4.20"), P(1));
	assert_ptr_equal(get(t, "192.168.4.0"), P(1));
	assert_ptr_equal(get(t, "192.168.4.4"), P(2));
	assert_ptr_equal(get(t, "192.168.4.5"), P(1));
	assert_ptr_equal(get(t, "192.168.200.182"), P(3));
	assert_ptr_equal(get(t, "192.95.5.68"), P(4));
	assert_ptr_equal(get(t, "192.95.5.65"), P(3));
	assert_ptr_equal(get(t, "192.95.5.96"), P(5));
	assert_ptr_equal(get(t, "207.0.0.1"), P(5));
	assert_null(get(t, "10.0.0.1"));
	assert_null(get(t, "208.0.0.0"));
	assert_int_equal(wg_allowedips_count(t), 6);

	/* Taking out a middle layer exposes the one below it. */
	assert_int_equal(del(t, "192.168.4.0", 24, P(1)), 0);
	assert_ptr_equal(get(t, "192.168.4.20"), P(3));
	assert_ptr_equal(get(t, "192.168.4.4"), P(2));
	assert_int_equal(del(t, "192.168.4.4", 32, P(2)), 0);
	assert_ptr_equal(get(t, "192.168.4.4"), P(3));
	assert_int_equal(del(t, "192.168.0.0", 16, P(3)), 0);
	assert_ptr_equal(get(t, "192.168.4.4"), P(5));
	assert_ptr_equal(get(t, "192.95.5.65"), P(3));
	assert_int_equal(wg_allowedips_count(t), 3);
}

static void overlapping_v6(void **state)
{
	struct wg_allowedips *t = *state;

	assert_int_equal(add(t, "2607:5300:60:6b00::", 64, P(1)), 0);
	assert_int_equal(add(t, "2607:5300:60:6b00::c05f:543", 128, P(2)), 0);
	assert_int_equal(add(t, "2607:5300::", 32, P(3)), 0);
	assert_int_equal(add(t, "2607:5300:60:6b00:8000::", 65, P(4)), 0);
	assert_int_equal(add(t, "2607:5300:60:6a00::", 63, P(5)), 0);

	assert_ptr_equal(get(t, "2607:5300:60:6b00::1"), P(1));
	assert_ptr_equal(get(t, "2607:5300:60:6b00::c05f:543"), P(2));
	assert_ptr_equal(get(t, "2607:5300:60:6b00::c05f:542"), P(1));
	assert_ptr_equal(get(t, "2607:5300:60:6b00:8000::1"), P(4));
	assert_ptr_equal(get(t, "2607:5300:60:6b00:ffff::1"), P(4));
	assert_ptr_equal(get(t, "2607:5300:60:6b01::1"), P(3));
	assert_ptr_equal(get(t, "2607:5300:60:6a00::1"), P(5));
	assert_ptr_equal(get(t, "2607:5300:60:6a01::1"), P(5));
	assert_ptr_equal(get(t, "2607:5300:60:6c00::1"), P(3));
	assert_ptr_equal(get(t, "2607:5300:ffff::"), P(3));
	assert_null(get(t, "2607:5301::"));
	assert_null(get(t, "::1"));
	/* The same bits as IPv4 never match IPv6 prefixes. */
	assert_null(get(t, "38.7.83.0"));
}

static void default_routes(void **state)
{
	struct wg_allowedips *t = *state;

	assert_int_equal(add(t, "1.2.3.4", 0, P(1)), 0);
	assert_int_equal(add(t, "::", 0, P(2)), 0);
	assert_int_equal(add(t, "10.0.0.0", 8, P(3)), 0);
	assert_ptr_equal(get(t, "0.0.0.0"), P(1));
	assert_ptr_equal(get(t, "255.255.255.255"), P(1));
	assert_ptr_equal(get(t, "10.1.1.1"), P(3));
	assert_ptr_equal(get(t, "::"), P(2));
	assert_ptr_equal(get(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
			 P(2));
	expect_walk(t, P(1), 1, "0.0.0.0/0");
	expect_walk(t, P(2), 1, "::/0");

	/* Removing the IPv4 default leaves the IPv6 one alone. */
	assert_int_equal(del(t, "0.0.0.0", 0, P(1)), 0);
	assert_null(get(t, "11.0.0.1"));
	assert_ptr_equal(get(t, "10.1.1.1"), P(3));
	assert_ptr_equal(get(t, "2001:db8::1"), P(2));
	/* A default route may be moved like any prefix. */
	assert_int_equal(add(t, "::", 0, P(4)), 0);
	assert_ptr_equal(get(t, "2001:db8::1"), P(4));
	assert_int_equal(wg_allowedips_count_peer(t, P(2)), 0);
	assert_int_equal(wg_allowedips_count(t), 2);
}

static void hosts(void **state)
{
	struct wg_allowedips *t = *state;

	assert_int_equal(add(t, "255.255.255.255", 32, P(1)), 0);
	assert_int_equal(add(t, "255.255.255.254", 32, P(2)), 0);
	assert_int_equal(add(t, "0.0.0.0", 32, P(3)), 0);
	assert_int_equal(add(t, "255.255.255.252", 31, P(4)), 0);
	assert_ptr_equal(get(t, "255.255.255.255"), P(1));
	assert_ptr_equal(get(t, "255.255.255.254"), P(2));
	assert_ptr_equal(get(t, "255.255.255.253"), P(4));
	assert_ptr_equal(get(t, "255.255.255.252"), P(4));
	assert_null(get(t, "255.255.255.251"));
	assert_ptr_equal(get(t, "0.0.0.0"), P(3));
	assert_null(get(t, "0.0.0.1"));

	assert_int_equal(add(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 128,
			     P(5)), 0);
	assert_int_equal(add(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 128,
			     P(6)), 0);
	assert_int_equal(add(t, "::", 128, P(7)), 0);
	assert_int_equal(add(t, "::1", 128, P(8)), 0);
	assert_int_equal(add(t, "0:0:0:1::", 128, P(9)), 0);
	assert_ptr_equal(get(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
			 P(5));
	assert_ptr_equal(get(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"),
			 P(6));
	assert_null(get(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffd"));
	assert_ptr_equal(get(t, "::"), P(7));
	assert_ptr_equal(get(t, "::1"), P(8));
	assert_null(get(t, "::2"));
	assert_ptr_equal(get(t, "0:0:0:1::"), P(9));
	assert_null(get(t, "0:0:0:1::1"));
	assert_null(get(t, "0:0:0:2::"));
	assert_int_equal(wg_allowedips_count(t), 9);
}

static void host_bits_masked(void **state)
{
	struct wg_allowedips *t = *state;

	assert_int_equal(add(t, "10.1.2.3", 8, P(1)), 0);
	assert_int_equal(add(t, "2001:db8:1:2:ffff::1", 65, P(1)), 0);
	assert_int_equal(add(t, "2001:db8:1:3:ffff::1", 63, P(1)), 0);
	assert_int_equal(add(t, "192.168.1.255", 23, P(1)), 0);
	expect_walk(t, P(1), 4, "10.0.0.0/8", "2001:db8:1:2:8000::/65",
		    "2001:db8:1:2::/63", "192.168.0.0/23");
	/* The same prefix with other host bits is the same prefix. */
	assert_int_equal(add(t, "10.9.9.9", 8, P(1)), 0);
	assert_int_equal(wg_allowedips_count(t), 4);
	assert_int_equal(del(t, "10.200.0.1", 8, P(1)), 0);
	assert_null(get(t, "10.1.2.3"));
	assert_ptr_equal(get(t, "2001:db8:1:2:8000::"), P(1));
	assert_ptr_equal(get(t, "2001:db8:1:3::"), P(1));
	assert_null(get(t, "2001:db8:1:4::"));
	assert_ptr_equal(get(t, "192.168.0.7"), P(1));
	assert_null(get(t, "192.168.2.0"));
}

static void reinsert_moves(void **state)
{
	struct wg_allowedips *t = *state;

	assert_int_equal(add(t, "10.0.0.0", 8, P(1)), 0);
	assert_int_equal(add(t, "10.1.0.0", 16, P(1)), 0);
	assert_int_equal(add(t, "fd00::", 8, P(1)), 0);
	assert_int_equal(add(t, "172.16.0.0", 12, P(2)), 0);
	assert_int_equal(add(t, "10.0.0.0", 8, P(2)), 0);
	assert_ptr_equal(get(t, "10.2.0.0"), P(2));
	assert_ptr_equal(get(t, "10.1.0.1"), P(1));
	expect_walk(t, P(1), 2, "10.1.0.0/16", "fd00::/8");
	expect_walk(t, P(2), 2, "172.16.0.0/12", "10.0.0.0/8");
	assert_int_equal(wg_allowedips_count(t), 4);

	/* Again for the owner: nothing moves, not even in the list. */
	assert_int_equal(add(t, "172.16.0.0", 12, P(2)), 0);
	expect_walk(t, P(2), 2, "172.16.0.0/12", "10.0.0.0/8");
	/* Moving a peer's last prefix leaves it with none. */
	assert_int_equal(add(t, "10.1.0.0", 16, P(3)), 0);
	assert_int_equal(add(t, "fd00::", 8, P(3)), 0);
	expect_walk(t, P(1), 0);
	expect_walk(t, P(3), 2, "10.1.0.0/16", "fd00::/8");
	assert_ptr_equal(get(t, "fd12::1"), P(3));
	assert_int_equal(wg_allowedips_count(t), 4);
}

static void remove_needs_owner(void **state)
{
	struct wg_allowedips *t = *state;

	assert_int_equal(add(t, "10.0.0.0", 8, P(1)), 0);
	assert_int_equal(add(t, "10.1.0.0", 16, P(2)), 0);
	assert_int_equal(add(t, "2001:db8::", 32, P(1)), 0);

	assert_int_equal(del(t, "10.0.0.0", 8, P(2)), -ENOENT);
	assert_int_equal(del(t, "10.1.0.0", 16, P(1)), -ENOENT);
	assert_int_equal(del(t, "10.1.0.0", 16, NULL), -ENOENT);
	assert_int_equal(del(t, "2001:db8::", 32, P(2)), -ENOENT);
	/* Covered or covering, but not the exact prefix. */
	assert_int_equal(del(t, "10.0.0.0", 9, P(1)), -ENOENT);
	assert_int_equal(del(t, "10.0.0.0", 7, P(1)), -ENOENT);
	assert_int_equal(del(t, "2001:db8::", 33, P(1)), -ENOENT);
	assert_int_equal(del(t, "10.0.0.0", 8, P(9)), -ENOENT);

	assert_int_equal(wg_allowedips_count(t), 3);
	assert_ptr_equal(get(t, "10.2.0.0"), P(1));
	assert_ptr_equal(get(t, "10.1.0.0"), P(2));
	assert_ptr_equal(get(t, "2001:db8::5"), P(1));
	expect_walk(t, P(1), 2, "10.0.0.0/8", "2001:db8::/32");
	expect_walk(t, P(2), 1, "10.1.0.0/16");

	/* Removing a prefix twice: the second time it is gone. */
	assert_int_equal(del(t, "10.1.0.0", 16, P(2)), 0);
	assert_int_equal(del(t, "10.1.0.0", 16, P(2)), -ENOENT);
	assert_ptr_equal(get(t, "10.1.0.0"), P(1));
	expect_walk(t, P(2), 0);
}

static void remove_peer_keeps_others(void **state)
{
	struct wg_allowedips *t = *state;

	assert_int_equal(add(t, "10.0.0.0", 8, P(1)), 0);
	assert_int_equal(add(t, "10.1.0.0", 16, P(2)), 0);
	assert_int_equal(add(t, "10.1.1.0", 24, P(3)), 0);
	assert_int_equal(add(t, "10.1.1.1", 32, P(2)), 0);
	assert_int_equal(add(t, "fd00::", 16, P(2)), 0);
	assert_int_equal(add(t, "fd00:1::", 32, P(1)), 0);
	assert_int_equal(add(t, "0.0.0.0", 0, P(3)), 0);

	assert_int_equal(wg_allowedips_remove_peer(t, P(2)), 3);
	assert_int_equal(wg_allowedips_remove_peer(t, P(2)), 0);
	assert_int_equal(wg_allowedips_remove_peer(t, P(7)), 0);
	assert_ptr_equal(get(t, "10.1.0.1"), P(1));
	assert_ptr_equal(get(t, "10.1.1.1"), P(3));
	assert_ptr_equal(get(t, "11.0.0.0"), P(3));
	assert_null(get(t, "fd00::1"));
	assert_ptr_equal(get(t, "fd00:1::1"), P(1));
	expect_walk(t, P(1), 2, "10.0.0.0/8", "fd00:1::/32");
	expect_walk(t, P(2), 0);
	expect_walk(t, P(3), 2, "10.1.1.0/24", "0.0.0.0/0");
	assert_int_equal(wg_allowedips_count(t), 4);

	assert_int_equal(wg_allowedips_remove_peer(t, P(1)), 2);
	assert_int_equal(wg_allowedips_remove_peer(t, P(3)), 2);
	assert_int_equal(wg_allowedips_count(t), 0);
	assert_null(get(t, "10.1.1.1"));
	assert_null(t->root4);
	assert_null(t->root6);
	assert_int_equal(t->npeers, 0);
}

static void walk_lists_and_stops(void **state)
{
	struct wg_allowedips *t = *state;
	struct listing l = { .stop_at = 2 };

	assert_int_equal(add(t, "fe80::1:2:3:4", 64, P(1)), 0);
	assert_int_equal(add(t, "100.64.7.7", 10, P(1)), 0);
	assert_int_equal(add(t, "100.64.7.7", 32, P(2)), 0);
	assert_int_equal(add(t, "2001:db8::77", 127, P(1)), 0);
	assert_int_equal(add(t, "203.0.113.9", 24, P(1)), 0);
	expect_walk(t, P(1), 4, "fe80::/64", "100.64.0.0/10",
		    "2001:db8::76/127", "203.0.113.0/24");
	expect_walk(t, P(2), 1, "100.64.7.7/32");
	expect_walk(t, P(3), 0);

	assert_int_equal(wg_allowedips_walk_peer(t, P(1), collect, &l), 1);
	assert_int_equal(l.n, 2);
}

static void invalid_arguments(void **state)
{
	struct wg_allowedips *t = *state;
	uint8_t a[16];

	memcpy(a, ip("::1"), sizeof(a));
	assert_int_equal(add(t, "10.0.0.0", 8, P(1)), 0);
	assert_int_equal(add(t, "10.0.0.0", 33, P(1)), -EINVAL);
	assert_int_equal(add(t, "10.0.0.0", 255, P(1)), -EINVAL);
	assert_int_equal(add(t, "::", 129, P(1)), -EINVAL);
	assert_int_equal(add(t, "10.0.0.0", 16, NULL), -EINVAL);
	assert_int_equal(wg_allowedips_insert(t, AF_UNIX, a, 8, P(1)),
			 -EINVAL);
	assert_int_equal(wg_allowedips_insert(t, 0, a, 0, P(1)), -EINVAL);
	assert_int_equal(del(t, "10.0.0.0", 33, P(1)), -EINVAL);
	assert_int_equal(del(t, "::", 200, P(1)), -EINVAL);
	assert_int_equal(wg_allowedips_remove(t, AF_PACKET, a, 8, P(1)),
			 -EINVAL);
	assert_null(wg_allowedips_lookup(t, AF_UNIX, a));
	assert_int_equal(wg_allowedips_count(t), 1);
	expect_walk(t, P(1), 1, "10.0.0.0/8");
	assert_ptr_equal(get(t, "10.0.0.0"), P(1));
}

/* Allocation failure injection: fail the call numbered fail_at (0-based). */
static int alloc_calls, fail_at = -1;

static void *flaky_calloc(size_t nmemb, size_t size)
{
	if (alloc_calls++ == fail_at)
		return NULL;
	return calloc(nmemb, size);
}

static void snapshot(struct wg_allowedips *t, char *out, size_t len)
{
	static const char *const probes[] = {
		"10.0.0.1", "10.1.0.1", "10.1.128.1", "10.2.0.1", "11.0.0.0",
		"fd00::1", "fd00:1::1", "fd00:8000::", "::1",
	};
	struct listing l;
	size_t i, off = 0;
	int p, j;

	off += snprintf(out + off, len - off, "n=%zu;",
			wg_allowedips_count(t));
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		off += snprintf(out + off, len - off, "%s=%p;", probes[i],
				get(t, probes[i]));
	for (p = 1; p <= 3; p++) {
		memset(&l, 0, sizeof(l));
		wg_allowedips_walk_peer(t, P(p), collect, &l);
		for (j = 0; j < l.n; j++)
			off += snprintf(out + off, len - off, "%d:%s;", p,
					l.items[j]);
	}
}

/*
 * Prepare then commit: after reserving room for N prefixes of M new peers,
 * N inserts succeed with every allocation failing, and trim gives back
 * what was left.
 */
static void reserve_then_insert(void **state)
{
	struct wg_allowedips *t = *state;
	char a[32];

	t->alloc = flaky_calloc;
	fail_at = -1;
	assert_int_equal(wg_allowedips_reserve(t, 200, 4), 0);
	assert_int_equal(t->nspare, 400);
	assert_int_equal(t->nspare_peers, 4);
	fail_at = 0;
	alloc_calls = 0;
	for (int i = 0; i < 200; i++) {
		snprintf(a, sizeof(a), "10.%d.%d.0", i % 7, i);
		assert_int_equal(add(t, a, 24 + i % 9, P(1 + i % 4)), 0);
	}
	assert_int_equal(wg_allowedips_count(t), 200);
	/* The one allocation tried (and failed) was none of the inserts'. */
	assert_true(alloc_calls <= 1);
	fail_at = -1;
	wg_allowedips_trim(t);
	assert_int_equal(t->nspare, 0);
	assert_int_equal(t->nspare_peers, 0);
	assert_ptr_equal(get(t, "10.3.3.1"), P(4));
}

static void alloc_failure_changes_nothing(void **state)
{
	struct wg_allowedips *t = *state;
	char before[2048], after[2048];
	int ret, k;

	t->alloc = flaky_calloc;
	/* The very first insert allocates buckets, a peer entry, a node. */
	for (k = 0; ; k++) {
		alloc_calls = 0;
		fail_at = k;
		ret = add(t, "10.0.0.0", 16, P(1));
		if (!ret)
			break;
		assert_int_equal(ret, -ENOMEM);
		assert_int_equal(wg_allowedips_count(t), 0);
		assert_null(t->root4);
		assert_null(t->peers);
	}
	assert_int_equal(k, 3);
	fail_at = -1;
	assert_int_equal(add(t, "fd00::", 16, P(1)), 0);

	/* A new peer and a branching node: three allocations. */
	for (k = 0; ; k++) {
		snapshot(t, before, sizeof(before));
		alloc_calls = 0;
		fail_at = k;
		ret = add(t, "10.1.0.0", 16, P(2));
		snapshot(t, after, sizeof(after));
		if (!ret)
			break;
		assert_int_equal(ret, -ENOMEM);
		assert_string_equal(before, after);
	}
	assert_int_equal(k, 3);
	assert_ptr_equal(get(t, "10.1.0.1"), P(2));

	/* IPv6 below an existing prefix: a peer entry and a node. */
	for (k = 0; ; k++) {
		snapshot(t, before, sizeof(before));
		alloc_calls = 0;
		fail_at = k;
		ret = add(t, "fd00:8000::", 17, P(3));
		snapshot(t, after, sizeof(after));
		if (!ret)
			break;
		assert_int_equal(ret, -ENOMEM);
		assert_string_equal(before, after);
	}
	assert_int_equal(k, 2);
	/* A prefix covering a branching node, for a known peer: one node. */
	for (k = 0; ; k++) {
		snapshot(t, before, sizeof(before));
		alloc_calls = 0;
		fail_at = k;
		ret = add(t, "10.0.0.0", 8, P(3));
		snapshot(t, after, sizeof(after));
		if (!ret)
			break;
		assert_int_equal(ret, -ENOMEM);
		assert_string_equal(before, after);
	}
	assert_int_equal(k, 1);
	assert_ptr_equal(get(t, "10.200.0.1"), P(3));
	assert_ptr_equal(get(t, "10.0.0.1"), P(1));

	/* Moving a prefix allocates only for a peer not yet known. */
	fail_at = 0;
	alloc_calls = 0;
	assert_int_equal(add(t, "10.1.0.0", 16, P(1)), 0);
	assert_int_equal(alloc_calls, 0);
	assert_int_equal(wg_allowedips_count_peer(t, P(2)), 0);
	snapshot(t, before, sizeof(before));
	alloc_calls = 0;
	assert_int_equal(add(t, "10.1.0.0", 16, P(2)), -ENOMEM);
	snapshot(t, after, sizeof(after));
	assert_string_equal(before, after);
	fail_at = -1;
	assert_int_equal(add(t, "10.1.0.0", 16, P(2)), 0);
	expect_walk(t, P(1), 2, "10.0.0.0/16", "fd00::/16");
	expect_walk(t, P(2), 1, "10.1.0.0/16");
	expect_walk(t, P(3), 2, "fd00:8000::/17", "10.0.0.0/8");
}

/* The naive model -------------------------------------------------------- */

struct naive_entry {
	uint8_t addr[16];	/* masked */
	uint8_t cidr;
	void *peer;
	uint64_t seq;		/* order in the owner's list */
};

struct naive {
	struct naive_entry *e;
	size_t n, cap;
	uint64_t seq;
	int len;		/* 4 or 16 */
};

static void naive_mask(uint8_t *a, int len, unsigned int cidr)
{
	int i;

	for (i = 0; i < len; i++) {
		if (cidr >= 8)
			cidr -= 8;
		else {
			a[i] &= (uint8_t)(0xff00 >> cidr);
			cidr = 0;
		}
	}
}

static bool naive_covers(const struct naive_entry *e, const uint8_t *addr,
			 int len)
{
	uint8_t a[16];

	memcpy(a, addr, len);
	naive_mask(a, len, e->cidr);
	return !memcmp(a, e->addr, len);
}

static struct naive_entry *naive_find(struct naive *m, const uint8_t *addr,
				      uint8_t cidr)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->e[i].cidr == cidr && !memcmp(m->e[i].addr, addr, m->len))
			return &m->e[i];
	return NULL;
}

static void naive_insert(struct naive *m, const uint8_t *addr, uint8_t cidr,
			 void *peer)
{
	struct naive_entry *e;
	uint8_t a[16] = { 0 };

	memcpy(a, addr, m->len);
	naive_mask(a, m->len, cidr);
	e = naive_find(m, a, cidr);
	if (e) {
		if (e->peer != peer) {
			e->peer = peer;
			e->seq = ++m->seq;
		}
		return;
	}
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 256;
		m->e = realloc(m->e, m->cap * sizeof(*m->e));
		assert_non_null(m->e);
	}
	e = &m->e[m->n++];
	memcpy(e->addr, a, 16);
	e->cidr = cidr;
	e->peer = peer;
	e->seq = ++m->seq;
}

static int naive_remove(struct naive *m, const uint8_t *addr, uint8_t cidr,
			void *peer)
{
	struct naive_entry *e;
	uint8_t a[16] = { 0 };

	memcpy(a, addr, m->len);
	naive_mask(a, m->len, cidr);
	e = naive_find(m, a, cidr);
	if (!e || e->peer != peer)
		return -ENOENT;
	*e = m->e[--m->n];
	return 0;
}

static size_t naive_remove_peer(struct naive *m, void *peer)
{
	size_t i = 0, removed = 0;

	while (i < m->n) {
		if (m->e[i].peer == peer) {
			m->e[i] = m->e[--m->n];
			removed++;
		} else {
			i++;
		}
	}
	return removed;
}

static void *naive_lookup(struct naive *m, const uint8_t *addr)
{
	struct naive_entry *best = NULL;
	size_t i;

	for (i = 0; i < m->n; i++)
		if (naive_covers(&m->e[i], addr, m->len) &&
		    (!best || m->e[i].cidr > best->cidr))
			best = &m->e[i];
	return best ? best->peer : NULL;
}

static int by_seq(const void *a, const void *b)
{
	const struct naive_entry *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Walks compare against an expected list of entries, in order. */
struct expect_walk {
	const struct naive_entry *e;
	size_t n, at;
	int family;
	bool bad;
};

static int compare(int family, const uint8_t *addr, uint8_t cidr, void *arg)
{
	struct expect_walk *w = arg;
	const struct naive_entry *e = w->at < w->n ? &w->e[w->at] : NULL;

	if (!e || family != w->family || cidr != e->cidr ||
	    memcmp(addr, e->addr, family == AF_INET ? 4 : 16)) {
		w->bad = true;
		return 1;
	}
	w->at++;
	return 0;
}

static void full_check(struct wg_allowedips *t, struct naive *m, int family,
		       long op)
{
	struct naive_entry *sorted = malloc((m->n + 1) * sizeof(*sorted));
	size_t i, n;
	int p;

	assert_non_null(sorted);
	check(wg_allowedips_count(t) == m->n, "op %ld: count %zu, model %zu",
	      op, wg_allowedips_count(t), m->n);
	for (p = 0; p < RANDOM_PEERS; p++) {
		struct expect_walk w = { .e = sorted, .family = family };

		for (i = n = 0; i < m->n; i++)
			if (m->e[i].peer == P(p))
				sorted[n++] = m->e[i];
		qsort(sorted, n, sizeof(*sorted), by_seq);
		w.n = n;
		check(wg_allowedips_count_peer(t, P(p)) == n,
		      "op %ld: peer %d has %zu, model %zu", op, p,
		      wg_allowedips_count_peer(t, P(p)), n);
		wg_allowedips_walk_peer(t, P(p), compare, &w);
		check(!w.bad && w.at == n, "op %ld: walk of peer %d differs",
		      op, p);
	}
	free(sorted);
}

/*
 * Prefixes cluster around a few bases with a few bits flipped, so that
 * they nest and overlap a lot; a quarter are uniformly random.
 */
static void random_addr(uint8_t *a, int len, const uint8_t bases[8][16])
{
	int i, flips;

	if (rnd() % 4 == 0) {
		for (i = 0; i < len; i++)
			a[i] = (uint8_t)rnd();
		return;
	}
	memcpy(a, bases[rnd() % 8], len);
	for (flips = (int)(rnd() % 4); flips > 0; flips--) {
		unsigned int b = (unsigned int)(rnd() % (len * 8));

		a[b / 8] ^= (uint8_t)(0x80 >> (b % 8));
	}
}

static uint8_t random_cidr(int len)
{
	int bits = len * 8;

	/* Mostly long prefixes, as real tables have, but every length. */
	if (rnd() % 2)
		return (uint8_t)(rnd() % (bits + 1));
	return (uint8_t)(bits - rnd() % (bits / 4 + 1));
}

static void random_vs_naive(int family)
{
	int len = family == AF_INET ? 4 : 16;
	struct naive m = { .len = len };
	struct wg_allowedips t;
	uint8_t bases[8][16], a[16];
	long op, lookups = 0, inserts = 0, removes = 0, removed = 0,
		  peer_removes = 0;
	int i;

	rng = seed ^ (uint64_t)family;
	assert_int_equal(wg_allowedips_init(&t), 0);
	for (i = 0; i < 8; i++)
		for (int j = 0; j < 16; j++)
			bases[i][j] = (uint8_t)rnd();

	for (op = 0; op < RANDOM_OPS; op++) {
		unsigned int r = (unsigned int)(rnd() % 100);
		void *peer = P(rnd() % RANDOM_PEERS);
		uint8_t cidr;
		int ret, want;

		memset(a, 0, sizeof(a));
		if (r < 40) {
			random_addr(a, len, (const uint8_t(*)[16])bases);
			cidr = random_cidr(len);
			ret = wg_allowedips_insert(&t, family, a, cidr, peer);
			check(ret == 0, "op %ld: insert returned %d", op, ret);
			naive_insert(&m, a, cidr, peer);
			inserts++;
		} else if (r < 60) {
			if (m.n && rnd() % 10 < 7) {
				struct naive_entry *e = &m.e[rnd() % m.n];

				memcpy(a, e->addr, len);
				/* Host bits must not matter. */
				if (e->cidr < len * 8 && rnd() % 2)
					a[len - 1] ^= 1;
				cidr = e->cidr;
				if (rnd() % 10 < 8)
					peer = e->peer;
			} else {
				random_addr(a, len,
					    (const uint8_t(*)[16])bases);
				cidr = random_cidr(len);
			}
			ret = wg_allowedips_remove(&t, family, a, cidr, peer);
			want = naive_remove(&m, a, cidr, peer);
			check(ret == want, "op %ld: remove returned %d, not %d",
			      op, ret, want);
			removes++;
			removed += !ret;
		} else if (r < 62) {
			size_t got = wg_allowedips_remove_peer(&t, peer);
			size_t n = naive_remove_peer(&m, peer);

			check(got == n, "op %ld: remove_peer %zu, not %zu", op,
			      got, n);
			peer_removes++;
		} else {
			void *got, *exp;

			if (m.n && rnd() % 3 == 0) {
				struct naive_entry *e = &m.e[rnd() % m.n];

				for (i = 0; i < len; i++)
					a[i] = (uint8_t)rnd();
				for (i = 0; i < e->cidr; i++) {
					uint8_t bm = (uint8_t)(0x80 >> (i % 8));

					a[i / 8] = (uint8_t)((a[i / 8] & ~bm) |
							     (e->addr[i / 8] &
							      bm));
				}
			} else {
				random_addr(a, len,
					    (const uint8_t(*)[16])bases);
			}
			got = wg_allowedips_lookup(&t, family, a);
			exp = naive_lookup(&m, a);
			check(got == exp, "op %ld: lookup gave peer %td, not %td",
			      op, got ? (char *)got - peer_pool : -1,
			      exp ? (char *)exp - peer_pool : -1);
			lookups++;
		}
		if (op % 10000 == 0)
			full_check(&t, &m, family, op);
	}
	full_check(&t, &m, family, op);
	print_message("%s: %ld operations: %ld inserts, %ld removes (%ld hit), "
		      "%ld peer removals, %ld lookups; %zu prefixes at the "
		      "end\n", family == AF_INET ? "IPv4" : "IPv6", op, inserts,
		      removes, removed, peer_removes, lookups, m.n);
	/* Emptied peer by peer, no branching node may be left behind. */
	for (i = 0; i < RANDOM_PEERS; i++)
		wg_allowedips_remove_peer(&t, P(i));
	check(!wg_allowedips_count(&t) && !t.root4 && !t.root6 && !t.npeers,
	      "nodes left in the emptied table");
	wg_allowedips_free(&t);
	free(m.e);
}

static void random_v4(void **state)
{
	(void)state;
	random_vs_naive(AF_INET);
}

static void random_v6(void **state)
{
	(void)state;
	random_vs_naive(AF_INET6);
}

/* Bijections of the integers, so that distinct i give distinct keys. */
static uint32_t mix32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x85ebca6bu;
	x ^= x >> 13;
	x *= 0xc2b2ae35u;
	x ^= x >> 16;
	return x;
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static void scale_key(uint32_t i, int *family, uint8_t *a, uint8_t *cidr)
{
	memset(a, 0, 16);
	if (i % 2) {
		uint32_t v = htonl(mix32(i));

		*family = AF_INET;
		memcpy(a, &v, 4);
		*cidr = 32;
	} else {
		uint64_t v = htobe64(mix64(i));

		*family = AF_INET6;
		memcpy(a, &v, 8);
		*cidr = 64;
	}
}

static void large_table(void **state)
{
	struct wg_allowedips *t = *state;
	uint8_t a[16], cidr;
	uint32_t i;
	int family;

	for (i = 0; i < SCALE_PREFIXES; i++) {
		scale_key(i, &family, a, &cidr);
		assert_int_equal(wg_allowedips_insert(t, family, a, cidr,
						      P(i % SCALE_PEERS)), 0);
	}
	assert_int_equal(wg_allowedips_count(t), SCALE_PREFIXES);
	assert_int_equal(t->npeers, SCALE_PEERS);
	for (i = 0; i < SCALE_PEERS; i++)
		assert_int_equal(wg_allowedips_count_peer(t, P(i)),
				 SCALE_PREFIXES / SCALE_PEERS);
	for (i = 0; i < SCALE_PREFIXES; i++) {
		scale_key(i, &family, a, &cidr);
		if (family == AF_INET6)
			a[8 + i % 8] = (uint8_t)i;	/* inside the /64 */
		check(wg_allowedips_lookup(t, family, a) == P(i % SCALE_PEERS),
		      "prefix %u not found", i);
	}

	/* Drop the even peers: their prefixes go, the odd ones stay. */
	for (i = 0; i < SCALE_PEERS; i += 2)
		assert_int_equal(wg_allowedips_remove_peer(t, P(i)),
				 SCALE_PREFIXES / SCALE_PEERS);
	assert_int_equal(wg_allowedips_count(t), SCALE_PREFIXES / 2);
	for (i = 0; i < SCALE_PREFIXES; i++) {
		void *want = (i % SCALE_PEERS) % 2 ? P(i % SCALE_PEERS) : NULL;

		scale_key(i, &family, a, &cidr);
		check(wg_allowedips_lookup(t, family, a) == want,
		      "prefix %u after removals", i);
	}
	/* teardown frees the rest; LeakSanitizer checks it all went. */
}

/* Readers racing a writer ------------------------------------------------ */

static atomic_bool stop;

static void *reader(void *arg)
{
	struct wg_allowedips *t = arg;
	uint8_t a4[4] = { 10, 0, 0, 1 }, c4[4] = { 172, 16, 0, 0 };
	uint8_t a6[16] = { 0xfd, 0 }, c6[16] = { 0xfd, 0x01 };
	long bad = 0, n;

	wg_rcu_register();
	for (n = 0; !atomic_load(&stop) || n < 1000; n++) {
		void *p;

		a4[3] = (uint8_t)n;
		a6[15] = (uint8_t)n;
		bad += wg_allowedips_lookup(t, AF_INET, a4) != P(0);
		bad += wg_allowedips_lookup(t, AF_INET6, a6) != P(0);
		c4[2] = (uint8_t)n;
		c6[3] = (uint8_t)n;
		p = wg_allowedips_lookup(t, AF_INET, c4);
		bad += p && (p < P(1) || p > P(8));
		p = wg_allowedips_lookup(t, AF_INET6, c6);
		bad += p && (p < P(1) || p > P(8));
		/* Between "batches": holds no node now. */
		wg_rcu_quiescent();
	}
	wg_rcu_unregister();
	return (void *)bad;
}

static void readers_and_writer(void **state)
{
	struct wg_allowedips *t = *state;
	pthread_t th[2];
	void *bad;
	int i;

	rng = seed;
	/*
	 * Lock-free readers against one writer, as the workers and the
	 * control thread: removed nodes wait for a grace period, and
	 * ASan sees any reader still on a node that was freed.
	 */
	t->defer = true;
	assert_int_equal(add(t, "10.0.0.0", 8, P(0)), 0);
	assert_int_equal(add(t, "fd00::", 16, P(0)), 0);
	atomic_store(&stop, false);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, reader, t), 0);
	for (i = 0; i < 20000; i++) {
		uint8_t a4[4] = { 172, 16, (uint8_t)rnd(), (uint8_t)rnd() };
		uint8_t a6[16] = { 0xfd, 0x01, (uint8_t)rnd(), (uint8_t)rnd() };
		void *peer = P(1 + rnd() % 8);

		switch (rnd() % 5) {
		case 0:
		case 1:
			wg_allowedips_insert(t, AF_INET, a4,
					     (uint8_t)(12 + rnd() % 21), peer);
			wg_allowedips_insert(t, AF_INET6, a6,
					     (uint8_t)(16 + rnd() % 113), peer);
			break;
		case 2:
			wg_allowedips_remove(t, AF_INET, a4,
					     (uint8_t)(12 + rnd() % 21), peer);
			break;
		case 3:
			if (rnd() % 20 == 0)
				wg_allowedips_remove_peer(t, peer);
			break;
		default:
			wg_allowedips_insert(t, AF_INET, a4, 32, peer);
		}
		if (i % 64 == 63) {
			wg_rcu_synchronize();
			wg_allowedips_reclaim(t);
		}
	}
	atomic_store(&stop, true);
	for (i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(th[i], &bad), 0);
		assert_null(bad);
	}
	assert_ptr_equal(get(t, "10.255.255.255"), P(0));
}

int main(void)
{
	const char *env = getenv("WG_TEST_SEED");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(overlapping_v4, setup, teardown),
		cmocka_unit_test_setup_teardown(overlapping_v6, setup, teardown),
		cmocka_unit_test_setup_teardown(default_routes, setup, teardown),
		cmocka_unit_test_setup_teardown(hosts, setup, teardown),
		cmocka_unit_test_setup_teardown(host_bits_masked, setup,
						teardown),
		cmocka_unit_test_setup_teardown(reinsert_moves, setup, teardown),
		cmocka_unit_test_setup_teardown(remove_needs_owner, setup,
						teardown),
		cmocka_unit_test_setup_teardown(remove_peer_keeps_others, setup,
						teardown),
		cmocka_unit_test_setup_teardown(walk_lists_and_stops, setup,
						teardown),
		cmocka_unit_test_setup_teardown(invalid_arguments, setup,
						teardown),
		cmocka_unit_test_setup_teardown(alloc_failure_changes_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(reserve_then_insert, setup,
						teardown),
		cmocka_unit_test(random_v4),
		cmocka_unit_test(random_v6),
		cmocka_unit_test_setup_teardown(large_table, setup, teardown),
		cmocka_unit_test_setup_teardown(readers_and_writer, setup,
						teardown),
	};

	if (env)
		seed = strtoull(env, NULL, 0);
	if (getenv("WG_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WG_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}

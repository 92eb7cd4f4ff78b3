// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Receiver index table: uniqueness over many allocations, lookup, replace,
 * remove, collisions forced through an injected random source, growth and
 * shrinking, allocation failure, a churn test against a plain array, and
 * readers racing a writer that resizes the table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "index.h"

#define MANY 100000
#define CHURN_OPS 200000
#define CHURN_RANGE 4096

static char objs[MANY];
#define OBJ(i) ((void *)&objs[(i)])

static uint64_t seed = 0x696e6465782d3031ULL;
#include "seeded.h"

static int setup(void **state)
{
	struct wg_index *ix = calloc(1, sizeof(*ix));

	if (!ix || wg_index_init(ix)) {
		free(ix);
		return -1;
	}
	*state = ix;
	return 0;
}

static int teardown(void **state)
{
	wg_index_free(*state);
	free(*state);
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void unique_many(void **state)
{
	struct wg_index *ix = *state;
	uint32_t *idx = calloc(MANY, sizeof(*idx));
	uint32_t *sorted = calloc(MANY, sizeof(*sorted));
	size_t i, *order = calloc(MANY, sizeof(*order));

	assert_non_null(idx);
	assert_non_null(sorted);
	assert_non_null(order);
	for (i = 0; i < MANY; i++) {
		idx[i] = wg_index_add(ix, OBJ(i));
		assert_int_not_equal(idx[i], 0);
	}
	assert_int_equal(ix->count, MANY);
	memcpy(sorted, idx, MANY * sizeof(*idx));
	qsort(sorted, MANY, sizeof(*sorted), cmp_u32);
	for (i = 1; i < MANY; i++)
		assert_int_not_equal(sorted[i - 1], sorted[i]);
	for (i = 0; i < MANY; i++)
		assert_ptr_equal(wg_index_lookup(ix, idx[i]), OBJ(i));

	/* Remove in random order; halfway, all the rest must still be found
	 * (backward shifts and shrinking must not lose anybody). */
	rng = seed;
	for (i = 0; i < MANY; i++)
		order[i] = i;
	for (i = MANY - 1; i > 0; i--) {
		size_t j = rnd() % (i + 1), tmp = order[i];

		order[i] = order[j];
		order[j] = tmp;
	}
	for (i = 0; i < MANY; i++) {
		assert_int_equal(wg_index_remove(ix, idx[order[i]]), 0);
		if (i == MANY / 2 || i == MANY - 100) {
			size_t j;

			for (j = 0; j < MANY; j++)
				assert_ptr_equal(wg_index_lookup(ix, idx[order[j]]),
						 j <= i ? NULL : OBJ(order[j]));
		}
	}
	assert_int_equal(ix->count, 0);
	/* Shrunk back to (near) the minimum. */
	assert_true(ix->shift <= 7);
	free(order);
	free(sorted);
	free(idx);
}

static void lookup_remove(void **state)
{
	struct wg_index *ix = *state;
	uint32_t a, b, unknown;

	a = wg_index_add(ix, OBJ(1));
	b = wg_index_add(ix, OBJ(2));
	assert_int_not_equal(a, 0);
	assert_int_not_equal(b, 0);
	assert_int_not_equal(a, b);
	assert_ptr_equal(wg_index_lookup(ix, a), OBJ(1));
	assert_ptr_equal(wg_index_lookup(ix, b), OBJ(2));

	do
		unknown = wg_random_u32();
	while (!unknown || unknown == a || unknown == b);
	assert_null(wg_index_lookup(ix, unknown));
	assert_null(wg_index_lookup(ix, 0));
	/* Removing what is not there is harmless. */
	assert_int_equal(wg_index_remove(ix, unknown), -ENOENT);
	assert_int_equal(wg_index_remove(ix, 0), -ENOENT);
	assert_int_equal(ix->count, 2);

	assert_int_equal(wg_index_remove(ix, a), 0);
	assert_int_equal(wg_index_remove(ix, a), -ENOENT);
	assert_null(wg_index_lookup(ix, a));
	assert_ptr_equal(wg_index_lookup(ix, b), OBJ(2));
	assert_int_equal(ix->count, 1);

	/* NULL cannot be stored: lookups use it for "absent". */
	assert_int_equal(wg_index_add(ix, NULL), 0);
	assert_int_equal(ix->count, 1);
}

/* An injected source that replays a script. */
static const uint32_t *script;
static size_t script_len, script_at;

static uint32_t scripted(void)
{
	if (script_at >= script_len)
		fail_msg("random source read past its script");
	return script[script_at++];
}

static uint32_t always_seven(void)
{
	script_at++;
	return 7;
}

static void collisions_draw_again(void **state)
{
	static const uint32_t s[] = { 0, 7, 7, 0, 7, 9, 7, 9, 0, 0xffffffff };
	struct wg_index *ix = *state;

	ix->random = scripted;
	script = s;
	script_len = sizeof(s) / sizeof(s[0]);
	script_at = 0;
	/* 0 is skipped. */
	assert_int_equal(wg_index_add(ix, OBJ(1)), 7);
	assert_int_equal(script_at, 2);
	/* 7 is taken (twice), 0 skipped. */
	assert_int_equal(wg_index_add(ix, OBJ(2)), 9);
	assert_int_equal(script_at, 6);
	assert_int_equal(wg_index_add(ix, OBJ(3)), 0xffffffff);
	assert_int_equal(script_at, 10);
	assert_ptr_equal(wg_index_lookup(ix, 7), OBJ(1));
	assert_ptr_equal(wg_index_lookup(ix, 9), OBJ(2));
	assert_ptr_equal(wg_index_lookup(ix, 0xffffffff), OBJ(3));

	/* A source stuck on a used index: give up, nothing changes. */
	ix->random = always_seven;
	script_at = 0;
	assert_int_equal(wg_index_add(ix, OBJ(4)), 0);
	assert_true(script_at > 100);
	assert_int_equal(ix->count, 3);
	assert_ptr_equal(wg_index_lookup(ix, 7), OBJ(1));
}

static uint32_t small_range(void)
{
	return (uint32_t)(rnd() % (CHURN_RANGE + 1));	/* 0 included */
}

/* Dense indexes make long probe runs; a plain array is the model. */
static void churn_against_array(void **state)
{
	struct wg_index *ix = *state;
	void **model = calloc(CHURN_RANGE + 1, sizeof(*model));
	size_t live = 0, peak = 0;
	long op, adds = 0, removes = 0, lookups = 0;
	uint32_t i;

	assert_non_null(model);
	rng = seed;
	ix->random = small_range;
	for (op = 0; op < CHURN_OPS; op++) {
		unsigned int r = (unsigned int)(rnd() % 10);
		uint32_t index = (uint32_t)(rnd() % (CHURN_RANGE + 1));

		if (r < 4 && live < CHURN_RANGE * 3 / 4) {
			void *p = OBJ(rnd() % MANY);

			index = wg_index_add(ix, p);
			check(index && index <= CHURN_RANGE && !model[index],
			      "op %ld: add gave %u", op, index);
			model[index] = p;
			live++;
			adds++;
		} else if (r < 7) {
			int want = model[index] ? 0 : -ENOENT;
			int ret = wg_index_remove(ix, index);

			check(ret == want, "op %ld: remove %u gave %d", op, index,
			      ret);
			if (model[index])
				live--;
			model[index] = NULL;
			removes++;
		} else {
			void *p = wg_index_lookup(ix, index);

			check(p == model[index],
			      "op %ld: lookup %u", op, index);
			lookups++;
		}
		if (live > peak)
			peak = live;
		if (op % 5000 == 0) {
			check(ix->count == live, "op %ld: count", op);
			for (i = 0; i <= CHURN_RANGE; i++)
				check(wg_index_lookup(ix, i) == model[i],
				      "op %ld: index %u", op, i);
		}
	}
	print_message("churn: %ld operations: %ld adds, %ld removes, %ld "
		      "lookups; peak %zu live in a range of %d\n", op, adds,
		      removes, lookups, peak, CHURN_RANGE);
	free(model);
}

static int alloc_fail;

static void *flaky_calloc(size_t nmemb, size_t size)
{
	return alloc_fail ? NULL : calloc(nmemb, size);
}

static void growth_failure(void **state)
{
	struct wg_index *ix = *state;
	uint32_t idx[64];
	size_t i;

	ix->alloc = flaky_calloc;
	alloc_fail = 1;
	/* The first 64 slots hold 32 entries without growing. */
	for (i = 0; i < 32; i++) {
		idx[i] = wg_index_add(ix, OBJ(i));
		assert_int_not_equal(idx[i], 0);
	}
	assert_int_equal(wg_index_add(ix, OBJ(32)), 0);
	assert_int_equal(ix->count, 32);
	for (i = 0; i < 32; i++)
		assert_ptr_equal(wg_index_lookup(ix, idx[i]), OBJ(i));
	alloc_fail = 0;
	idx[32] = wg_index_add(ix, OBJ(32));
	assert_int_not_equal(idx[32], 0);
	assert_int_equal(ix->count, 33);

	/* A failed shrink keeps the big table and loses nothing. */
	alloc_fail = 1;
	for (i = 0; i < 30; i++)
		assert_int_equal(wg_index_remove(ix, idx[i]), 0);
	assert_int_equal(ix->shift, 7);
	for (i = 30; i <= 32; i++)
		assert_ptr_equal(wg_index_lookup(ix, idx[i]), OBJ(i));
	alloc_fail = 0;
}

static atomic_bool stop;
static uint32_t stable[16];

static void *reader(void *arg)
{
	struct wg_index *ix = arg;
	long bad = 0, n;

	for (n = 0; !atomic_load(&stop) || n < 1000; n++)
		bad += wg_index_lookup(ix, stable[n % 16]) != OBJ(n % 16);
	return (void *)bad;
}

static void readers_and_writer(void **state)
{
	struct wg_index *ix = *state;
	uint32_t *idx = calloc(20000, sizeof(*idx));
	pthread_t th[2];
	void *bad;
	int i, round;

	assert_non_null(idx);
	for (i = 0; i < 16; i++)
		assert_int_not_equal(stable[i] = wg_index_add(ix, OBJ(i)), 0);
	atomic_store(&stop, false);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, reader, ix), 0);
	/* Fill and drain: the table grows and shrinks under the readers. */
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 20000; i++)
			assert_int_not_equal(idx[i] = wg_index_add(ix, OBJ(100)),
					     0);
		for (i = 0; i < 20000; i++)
			assert_int_equal(wg_index_remove(ix, idx[i]), 0);
	}
	atomic_store(&stop, true);
	for (i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(th[i], &bad), 0);
		assert_null(bad);
	}
	assert_int_equal(ix->count, 16);
	free(idx);
}

int main(void)
{
	const char *env = getenv("WG_TEST_SEED");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(unique_many, setup, teardown),
		cmocka_unit_test_setup_teardown(lookup_remove, setup,
						teardown),
		cmocka_unit_test_setup_teardown(collisions_draw_again, setup,
						teardown),
		cmocka_unit_test_setup_teardown(churn_against_array, setup,
						teardown),
		cmocka_unit_test_setup_teardown(growth_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(readers_and_writer, setup,
						teardown),
	};

	if (wg_crypto_init())
		return 1;
	if (env)
		seed = strtoull(env, NULL, 0);
	if (getenv("WG_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WG_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}

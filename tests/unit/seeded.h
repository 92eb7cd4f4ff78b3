/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Reproducible randomness for the model-checking tests: a splitmix64
 * stream seeded from the test's `seed` (which the including file defines
 * before this header), and check(), which names that seed on failure so a
 * failing run can be replayed.
 */
#ifndef WG_TEST_SEEDED_H
#define WG_TEST_SEEDED_H

#include <stdint.h>

static uint64_t rng;

static uint64_t rnd(void)
{
	/* splitmix64 */
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

#define check(cond, ...)                                                     \
	do {                                                                 \
		if (!(cond)) {                                               \
			print_error("seed %#llx: ", (unsigned long long)seed); \
			fail_msg(__VA_ARGS__);                               \
		}                                                            \
	} while (0)

#endif /* WG_TEST_SEEDED_H */

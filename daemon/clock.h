/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The daemon's clocks. Every protocol time is monotonic nanoseconds from
 * wg_now(); handshake timestamps and "latest handshake" use the wall clock.
 * A test may stop monotonic time and move it by hand (wg_clock_set_fake):
 * the in-process engine test drives rekeys and timers that way.
 */
#ifndef WG_CLOCK_H
#define WG_CLOCK_H

#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#define WG_NSEC_PER_SEC 1000000000ULL
#define WG_NSEC_PER_MSEC 1000000ULL

/* Non-zero: the fake monotonic time in ns (tests only). */
extern _Atomic uint64_t wg_clock_fake;

/* Monotonic nanoseconds (CLOCK_MONOTONIC, or the fake time). */
static inline uint64_t wg_now(void)
{
	uint64_t fake = atomic_load_explicit(&wg_clock_fake,
					     memory_order_relaxed);
	struct timespec ts;

	if (fake)
		return fake;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * WG_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/*
 * The wall clock (CLOCK_REALTIME). With a fake monotonic time it is that
 * time too, so handshake timestamps keep their order however fast a test
 * moves time.
 */
static inline void wg_wall(struct timespec *ts)
{
	uint64_t fake = atomic_load_explicit(&wg_clock_fake,
					     memory_order_relaxed);

	if (!fake) {
		clock_gettime(CLOCK_REALTIME, ts);
		return;
	}
	ts->tv_sec = (time_t)(fake / WG_NSEC_PER_SEC);
	ts->tv_nsec = (long)(fake % WG_NSEC_PER_SEC);
}

/* Stop monotonic time at ns (> 0), or let it run again (0). Tests only. */
void wg_clock_set_fake(uint64_t ns);

#endif /* WG_CLOCK_H */

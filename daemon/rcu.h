/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Read-copy-update for what the workers read per packet: the allowed-IPs
 * trie, the peers it points at, each peer's outer path and the device's UDP
 * sockets. Readers never wait: a configuration change builds the new state
 * aside, publishes it with one pointer store, waits for a grace period
 * (wg_rcu_synchronize) and only then frees what it replaced.
 *
 * liburcu's QSBR flavour: a reader thread registers once and announces a
 * quiescent state between batches (it holds no RCU-protected pointer
 * then); while it sleeps in poll() or epoll_wait() it is offline, so it
 * never holds a grace period up. A thread that is not registered (the main
 * thread at start-up, a unit test) may call wg_rcu_synchronize at any time;
 * a registered one may too (it goes offline for the wait).
 */
#ifndef WG_RCU_H
#define WG_RCU_H

#include <urcu/urcu-qsbr.h>

/* Read a published pointer (pairs with wg_rcu_assign). */
#define wg_rcu_deref(p) __atomic_load_n(&(p), __ATOMIC_ACQUIRE)
/* Publish v at p once everything it points to is initialised. */
#define wg_rcu_assign(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELEASE)

static inline void wg_rcu_register(void)
{
	urcu_qsbr_register_thread();
}

static inline void wg_rcu_unregister(void)
{
	urcu_qsbr_unregister_thread();
}

/* Between batches: this thread holds no protected pointer now. */
static inline void wg_rcu_quiescent(void)
{
	urcu_qsbr_quiescent_state();
}

/* Around a blocking wait. */
static inline void wg_rcu_offline(void)
{
	urcu_qsbr_thread_offline();
}

static inline void wg_rcu_online(void)
{
	urcu_qsbr_thread_online();
}

/* Wait until every reader has passed a quiescent state. */
static inline void wg_rcu_synchronize(void)
{
	urcu_qsbr_synchronize_rcu();
}

#endif /* WG_RCU_H */

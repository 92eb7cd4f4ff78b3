/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* The read-write locks of the per-packet tables. */
#ifndef WG_LOCK_H
#define WG_LOCK_H

#include <pthread.h>

/*
 * Writers first: glibc's default rwlock lets a steady stream of per-packet
 * readers starve the control thread forever. (Read locks must therefore
 * not be taken recursively.) 0 or an errno value.
 */
static inline int wg_rwlock_init(pthread_rwlock_t *lock)
{
	pthread_rwlockattr_t attr;
	int ret;

	ret = pthread_rwlockattr_init(&attr);
	if (ret)
		return ret;
	ret = pthread_rwlockattr_setkind_np(
		&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	if (!ret)
		ret = pthread_rwlock_init(lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	return ret;
}

#endif /* WG_LOCK_H */

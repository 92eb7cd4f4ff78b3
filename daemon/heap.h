/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A binary min-heap of nodes embedded in their owners, keyed by a time:
 * the control thread keeps every peer with a timer armed in one, so it
 * sleeps until the earliest deadline instead of ticking over every peer.
 * Not thread-safe: one owner (the control thread).
 */
#ifndef WG_HEAP_H
#define WG_HEAP_H

#include <stddef.h>
#include <stdint.h>

struct wg_heap_node {
	uint64_t key;	/* when */
	size_t pos;	/* index + 1 in the heap; 0: not in it */
};

struct wg_heap {
	struct wg_heap_node **v;
	size_t n, cap;
};

void wg_heap_init(struct wg_heap *h);
void wg_heap_free(struct wg_heap *h);
/* Insert, or move if already in, with key; 0 or -ENOMEM. */
int wg_heap_set(struct wg_heap *h, struct wg_heap_node *node, uint64_t key);
/* Remove if in. */
void wg_heap_del(struct wg_heap *h, struct wg_heap_node *node);
/* The node with the smallest key, or NULL. */
struct wg_heap_node *wg_heap_min(const struct wg_heap *h);

#endif /* WG_HEAP_H */

// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "heap.h"

#include <errno.h>
#include <stdlib.h>

void wg_heap_init(struct wg_heap *h)
{
	h->v = NULL;
	h->n = h->cap = 0;
}

void wg_heap_free(struct wg_heap *h)
{
	for (size_t i = 0; i < h->n; i++)
		h->v[i]->pos = 0;
	free(h->v);
	wg_heap_init(h);
}

static void place(struct wg_heap *h, size_t i, struct wg_heap_node *node)
{
	h->v[i] = node;
	node->pos = i + 1;
}

static void up(struct wg_heap *h, size_t i)
{
	struct wg_heap_node *node = h->v[i];

	while (i) {
		size_t parent = (i - 1) / 2;

		if (h->v[parent]->key <= node->key)
			break;
		place(h, i, h->v[parent]);
		i = parent;
	}
	place(h, i, node);
}

static void down(struct wg_heap *h, size_t i)
{
	struct wg_heap_node *node = h->v[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->v[c + 1]->key < h->v[c]->key)
			c++;
		if (node->key <= h->v[c]->key)
			break;
		place(h, i, h->v[c]);
		i = c;
	}
	place(h, i, node);
}

int wg_heap_set(struct wg_heap *h, struct wg_heap_node *node, uint64_t key)
{
	if (node->pos) {
		size_t i = node->pos - 1;
		uint64_t old = node->key;

		node->key = key;
		if (key < old)
			up(h, i);
		else
			down(h, i);
		return 0;
	}
	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 64;
		struct wg_heap_node **v = realloc(h->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	node->key = key;
	place(h, h->n++, node);
	up(h, h->n - 1);
	return 0;
}

void wg_heap_del(struct wg_heap *h, struct wg_heap_node *node)
{
	size_t i;
	struct wg_heap_node *last;

	if (!node->pos)
		return;
	i = node->pos - 1;
	node->pos = 0;
	last = h->v[--h->n];
	if (i == h->n)
		return;
	place(h, i, last);
	up(h, i);
	down(h, last->pos - 1);
}

struct wg_heap_node *wg_heap_min(const struct wg_heap *h)
{
	return h->n ? h->v[0] : NULL;
}

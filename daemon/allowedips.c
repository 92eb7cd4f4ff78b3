// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Allowed IPs as two path-compressed binary tries (see allowedips.h).
 *
 * A key is an address as a 128-bit big-endian number held in two host-order
 * uint64_t, bit 0 being the most significant bit of key[0]; an IPv4 address
 * sits in the top 32 bits of key[0]. A node stands for the prefix
 * key/cidr (key masked to cidr). Invariants of each trie:
 *
 *  - a child's prefix extends its parent's: child->cidr > parent->cidr, the
 *    two agree on the parent's cidr bits, and bit parent->cidr of the child's
 *    key says which slot (0 or 1) it hangs from;
 *  - a node with peer == NULL is a branching node and has two children
 *    (a node left with fewer is spliced out at once), so there are fewer
 *    branching nodes than prefix nodes;
 *  - every node with a peer is on that peer's list, in insertion order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <endian.h>

#include "allowedips.h"
#include "rcu.h"

struct wg_aip_node {
	/* Read by lookups without a lock (wg_rcu_deref), as is peer. */
	struct wg_aip_node *child[2];
	struct wg_aip_node *parent;
	void *peer;			/* NULL: a branching node */
	struct wg_aip_node *prev;	/* the peer's list */
	struct wg_aip_node *next;
	uint64_t key[2];		/* masked to cidr */
	uint8_t cidr;
	uint8_t bits;			/* 32 or 128: which trie */
	struct wg_aip_node *retired;	/* on the retired or spare list */
};

/* One entry per peer that owns at least one prefix. */
struct wg_aip_peer {
	void *peer;
	struct wg_aip_peer *hnext;	/* hash bucket chain */
	struct wg_aip_node *head;	/* oldest prefix */
	struct wg_aip_node *tail;
	size_t count;
};

#define PEER_SHIFT_MIN 4

static int family_bits(int family)
{
	if (family == AF_INET)
		return 32;
	if (family == AF_INET6)
		return 128;
	return -1;
}

static void load(uint64_t k[2], int bits, const void *addr)
{
	if (bits == 32) {
		uint32_t a;

		memcpy(&a, addr, 4);
		k[0] = (uint64_t)be32toh(a) << 32;
		k[1] = 0;
	} else {
		uint64_t a[2];

		memcpy(a, addr, 16);
		k[0] = be64toh(a[0]);
		k[1] = be64toh(a[1]);
	}
}

static void store(uint8_t *out, const uint64_t k[2], int bits)
{
	if (bits == 32) {
		uint32_t a = htobe32((uint32_t)(k[0] >> 32));

		memcpy(out, &a, 4);
	} else {
		uint64_t a[2] = { htobe64(k[0]), htobe64(k[1]) };

		memcpy(out, a, 16);
	}
}

/* Clear every bit from position cidr on. */
static void mask(uint64_t k[2], unsigned int cidr)
{
	if (cidr == 0) {
		k[0] = k[1] = 0;
	} else if (cidr < 64) {
		k[0] &= ~0ULL << (64 - cidr);
		k[1] = 0;
	} else if (cidr == 64) {
		k[1] = 0;
	} else if (cidr < 128) {
		k[1] &= ~0ULL << (128 - cidr);
	}
}

static unsigned int bit(const uint64_t k[2], unsigned int i)
{
	return (k[i >> 6] >> (63 - (i & 63))) & 1;
}

/* How many leading bits a and b share (0..128). */
static unsigned int common(const uint64_t a[2], const uint64_t b[2])
{
	uint64_t x = a[0] ^ b[0];

	if (x)
		return __builtin_clzll(x);
	x = a[1] ^ b[1];
	if (x)
		return 64 + __builtin_clzll(x);
	return 128;
}

static struct wg_aip_node **root_of(struct wg_allowedips *t, int bits)
{
	return bits == 32 ? &t->root4 : &t->root6;
}

static size_t *count_of(struct wg_allowedips *t, int bits)
{
	return bits == 32 ? &t->count4 : &t->count6;
}

/* The slot (a parent's child pointer, or the root) that holds n. */
static struct wg_aip_node **slot_of(struct wg_allowedips *t,
				    struct wg_aip_node *n)
{
	struct wg_aip_node *p = n->parent;

	if (!p)
		return root_of(t, n->bits);
	return &p->child[p->child[1] == n];
}

/* Peer hash ---------------------------------------------------------- */

static size_t peer_hash(const void *peer, unsigned int shift)
{
	return (size_t)(((uint64_t)(uintptr_t)peer * 0x9e3779b97f4a7c15ULL) >>
			(64 - shift));
}

static struct wg_aip_peer *peer_find(struct wg_allowedips *t, const void *peer)
{
	struct wg_aip_peer *e;

	if (!t->peers)
		return NULL;
	for (e = t->peers[peer_hash(peer, t->peer_shift)]; e; e = e->hnext)
		if (e->peer == peer)
			return e;
	return NULL;
}

/* Double the buckets when the load passes 1; a failure only costs speed. */
static void peer_grow(struct wg_allowedips *t)
{
	unsigned int shift = t->peer_shift + 1;
	struct wg_aip_peer **b, *e, *next;
	size_t i, n = (size_t)1 << t->peer_shift;

	if (t->npeers <= n || shift >= 8 * sizeof(size_t) - 1)
		return;
	b = t->alloc((size_t)1 << shift, sizeof(*b));
	if (!b)
		return;
	for (i = 0; i < n; i++) {
		for (e = t->peers[i]; e; e = next) {
			size_t h = peer_hash(e->peer, shift);

			next = e->hnext;
			e->hnext = b[h];
			b[h] = e;
		}
	}
	free(t->peers);
	t->peers = b;
	t->peer_shift = shift;
}

/* Link a preallocated entry for peer into the hash (buckets exist). */
static void peer_add(struct wg_allowedips *t, struct wg_aip_peer *e,
		     void *peer)
{
	size_t h = peer_hash(peer, t->peer_shift);

	e->peer = peer;
	e->hnext = t->peers[h];
	t->peers[h] = e;
	t->npeers++;
	peer_grow(t);
}

static void peer_del(struct wg_allowedips *t, struct wg_aip_peer *e)
{
	struct wg_aip_peer **pp = &t->peers[peer_hash(e->peer, t->peer_shift)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	t->npeers--;
	free(e);
}

static void list_append(struct wg_aip_peer *e, struct wg_aip_node *n)
{
	n->next = NULL;
	n->prev = e->tail;
	if (e->tail)
		e->tail->next = n;
	else
		e->head = n;
	e->tail = n;
	e->count++;
}

static void list_unlink(struct wg_aip_peer *e, struct wg_aip_node *n)
{
	if (n->prev)
		n->prev->next = n->next;
	else
		e->head = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		e->tail = n->prev;
	n->prev = n->next = NULL;
	e->count--;
}

/* Trie ---------------------------------------------------------------- */

static struct wg_aip_node *find_best(struct wg_aip_node *n,
				     const uint64_t k[2], unsigned int bits)
{
	struct wg_aip_node *best = NULL;

	while (n && common(n->key, k) >= n->cidr) {
		if (wg_rcu_deref(n->peer))
			best = n;
		if (n->cidr == bits)
			break;
		n = wg_rcu_deref(n->child[bit(k, n->cidr)]);
	}
	return best;
}

/* The prefix node for k/cidr (k already masked), or NULL. */
static struct wg_aip_node *find_exact(struct wg_aip_node *n,
				      const uint64_t k[2], unsigned int cidr)
{
	while (n && n->cidr <= cidr && common(n->key, k) >= n->cidr) {
		if (n->cidr == cidr)
			return n->peer ? n : NULL;
		n = n->child[bit(k, n->cidr)];
	}
	return NULL;
}

/*
 * A node out of the trie: readers may still be on it, so with deferral on
 * it waits for wg_allowedips_reclaim(), after the owner's grace period.
 */
static void retire(struct wg_allowedips *t, struct wg_aip_node *n)
{
	if (!t->defer) {
		free(n);
		return;
	}
	n->retired = t->retired;
	t->retired = n;
}

/*
 * n has just lost its peer: splice it out unless it still branches two
 * ways. A branching parent left with one child is spliced out in turn.
 */
static void prune(struct wg_allowedips *t, struct wg_aip_node *n)
{
	struct wg_aip_node *child, *parent;

	if (n->child[0] && n->child[1])
		return;
	child = n->child[0] ? n->child[0] : n->child[1];
	parent = n->parent;
	if (child)
		child->parent = parent;
	wg_rcu_assign(*slot_of(t, n), child);
	retire(t, n);
	if (!child && parent && !parent->peer)
		prune(t, parent);
}

static void free_trie(struct wg_aip_node *n)
{
	/* Depth is at most 129, so recursion is bounded. */
	if (!n)
		return;
	free_trie(n->child[0]);
	free_trie(n->child[1]);
	free(n);
}

static struct wg_aip_node *node_new(struct wg_allowedips *t,
				    const uint64_t k[2], unsigned int cidr,
				    unsigned int bits)
{
	struct wg_aip_node *n = t->spare;

	if (n) {
		t->spare = n->retired;
		t->nspare--;
		memset(n, 0, sizeof(*n));
	} else {
		n = t->alloc(1, sizeof(*n));
	}
	if (!n)
		return NULL;
	n->key[0] = k[0];
	n->key[1] = k[1];
	mask(n->key, cidr);
	n->cidr = (uint8_t)cidr;
	n->bits = (uint8_t)bits;
	return n;
}

/* Make node n (a prefix node or a former branching node) peer's. */
static void give(struct wg_aip_node *n, struct wg_aip_peer *e)
{
	wg_rcu_assign(n->peer, e->peer);
	list_append(e, n);
}

int wg_allowedips_init(struct wg_allowedips *t)
{
	int ret;

	memset(t, 0, sizeof(*t));
	t->alloc = calloc;
	ret = pthread_mutex_init(&t->lock, NULL);
	return -ret;
}

void wg_allowedips_free(struct wg_allowedips *t)
{
	size_t i;

	free_trie(t->root4);
	free_trie(t->root6);
	wg_allowedips_reclaim(t);
	wg_allowedips_trim(t);
	if (t->peers) {
		for (i = 0; i < (size_t)1 << t->peer_shift; i++) {
			struct wg_aip_peer *e, *next;

			for (e = t->peers[i]; e; e = next) {
				next = e->hnext;
				free(e);
			}
		}
		free(t->peers);
	}
	pthread_mutex_destroy(&t->lock);
	memset(t, 0, sizeof(*t));
}

static int insert(struct wg_allowedips *t, unsigned int bits,
		  const uint64_t k[2], unsigned int cidr, void *peer)
{
	struct wg_aip_node **slot = root_of(t, bits), *parent = NULL, *n;
	struct wg_aip_node *node = NULL, *glue = NULL;
	struct wg_aip_peer *e, *fresh = NULL, **buckets = NULL;
	unsigned int c = 0;

	/* Find where the prefix goes, changing nothing yet. */
	while ((n = *slot)) {
		c = common(n->key, k);
		if (c > cidr)
			c = cidr;
		if (c < n->cidr)
			break;
		if (n->cidr == cidr)
			break;
		parent = n;
		slot = &n->child[bit(k, n->cidr)];
	}
	if (n && n->cidr == cidr && c == cidr && n->peer == peer)
		return 0;

	/* Allocate everything that may be needed, then commit. */
	e = peer_find(t, peer);
	if (!e) {
		if (!t->peers) {
			buckets = t->alloc((size_t)1 << PEER_SHIFT_MIN,
					   sizeof(*buckets));
			if (!buckets)
				goto err_alloc;
		}
		fresh = t->spare_peers;
		if (fresh) {
			t->spare_peers = fresh->hnext;
			t->nspare_peers--;
			memset(fresh, 0, sizeof(*fresh));
		} else {
			fresh = t->alloc(1, sizeof(*fresh));
		}
		if (!fresh)
			goto err_alloc;
	}
	if (!n || n->cidr != cidr || c != cidr) {
		node = node_new(t, k, cidr, bits);
		if (!node)
			goto err_alloc;
		if (n && c < cidr) {
			glue = node_new(t, k, c, bits);
			if (!glue)
				goto err_alloc;
		}
	}

	if (buckets) {
		t->peers = buckets;
		t->peer_shift = PEER_SHIFT_MIN;
	}
	if (fresh) {
		peer_add(t, fresh, peer);
		e = fresh;
	}

	if (!node) {
		/* The exact prefix exists: re-point it or fill a branch. */
		if (n->peer) {
			struct wg_aip_peer *old = peer_find(t, n->peer);

			list_unlink(old, n);
			if (!old->count)
				peer_del(t, old);
		} else {
			(*count_of(t, bits))++;
		}
		give(n, e);
		return 0;
	}

	give(node, e);
	(*count_of(t, bits))++;
	/* Each new node is whole before one store makes it reachable. */
	if (!n) {
		/* An empty slot below parent (or an empty trie). */
		node->parent = parent;
		wg_rcu_assign(*slot, node);
	} else if (!glue) {
		/* The new prefix covers n: it takes n's place, n below. */
		node->parent = parent;
		node->child[bit(n->key, cidr)] = n;
		n->parent = node;
		wg_rcu_assign(*slot, node);
	} else {
		/* They part at bit c: a branching node holds both. */
		glue->parent = parent;
		glue->child[bit(k, c)] = node;
		glue->child[bit(n->key, c)] = n;
		node->parent = glue;
		n->parent = glue;
		wg_rcu_assign(*slot, glue);
	}
	return 0;

err_alloc:
	free(glue);
	free(node);
	free(fresh);
	free(buckets);
	return -ENOMEM;
}

int wg_allowedips_insert(struct wg_allowedips *t, int family,
			 const void *addr, uint8_t cidr, void *peer)
{
	int bits = family_bits(family), ret;
	uint64_t k[2];

	if (bits < 0 || cidr > bits || !peer)
		return -EINVAL;
	load(k, bits, addr);
	mask(k, cidr);
	pthread_mutex_lock(&t->lock);
	ret = insert(t, bits, k, cidr, peer);
	pthread_mutex_unlock(&t->lock);
	return ret;
}

/* Detach prefix node n from its peer and from the trie. */
static void drop(struct wg_allowedips *t, struct wg_aip_node *n,
		 struct wg_aip_peer *e)
{
	list_unlink(e, n);
	wg_rcu_assign(n->peer, NULL);
	(*count_of(t, n->bits))--;
	prune(t, n);
}

int wg_allowedips_remove(struct wg_allowedips *t, int family,
			 const void *addr, uint8_t cidr, void *peer)
{
	int bits = family_bits(family), ret = -ENOENT;
	struct wg_aip_node *n;
	struct wg_aip_peer *e;
	uint64_t k[2];

	if (bits < 0 || cidr > bits)
		return -EINVAL;
	load(k, bits, addr);
	mask(k, cidr);
	pthread_mutex_lock(&t->lock);
	n = find_exact(*root_of(t, bits), k, cidr);
	if (n && peer && n->peer == peer) {
		e = peer_find(t, peer);
		drop(t, n, e);
		if (!e->count)
			peer_del(t, e);
		ret = 0;
	}
	pthread_mutex_unlock(&t->lock);
	return ret;
}

size_t wg_allowedips_remove_peer(struct wg_allowedips *t, void *peer)
{
	struct wg_aip_peer *e;
	size_t removed = 0;

	pthread_mutex_lock(&t->lock);
	e = peer_find(t, peer);
	if (e) {
		/*
		 * prune() frees only n and branching nodes, never another
		 * prefix node of this peer, so walking from head is safe.
		 */
		while (e->head) {
			drop(t, e->head, e);
			removed++;
		}
		peer_del(t, e);
	}
	pthread_mutex_unlock(&t->lock);
	return removed;
}

void *wg_allowedips_lookup(struct wg_allowedips *t, int family,
			   const void *addr)
{
	int bits = family_bits(family);
	struct wg_aip_node *n;
	uint64_t k[2];

	if (bits < 0)
		return NULL;
	load(k, bits, addr);
	n = find_best(wg_rcu_deref(*root_of(t, bits)), k, bits);
	return n ? wg_rcu_deref(n->peer) : NULL;
}

int wg_allowedips_reserve(struct wg_allowedips *t, size_t prefixes,
			  size_t peers)
{
	int ret = 0;

	pthread_mutex_lock(&t->lock);
	if (!t->peers && prefixes) {
		t->peers = t->alloc((size_t)1 << PEER_SHIFT_MIN,
				    sizeof(*t->peers));
		if (!t->peers)
			ret = -ENOMEM;
		else
			t->peer_shift = PEER_SHIFT_MIN;
	}
	/* An insert takes at most a prefix node and a branching node. */
	while (!ret && t->nspare < 2 * prefixes) {
		struct wg_aip_node *n = t->alloc(1, sizeof(*n));

		if (!n) {
			ret = -ENOMEM;
			break;
		}
		n->retired = t->spare;
		t->spare = n;
		t->nspare++;
	}
	while (!ret && t->nspare_peers < peers) {
		struct wg_aip_peer *e = t->alloc(1, sizeof(*e));

		if (!e) {
			ret = -ENOMEM;
			break;
		}
		e->hnext = t->spare_peers;
		t->spare_peers = e;
		t->nspare_peers++;
	}
	pthread_mutex_unlock(&t->lock);
	return ret;
}

void wg_allowedips_trim(struct wg_allowedips *t)
{
	pthread_mutex_lock(&t->lock);
	while (t->spare) {
		struct wg_aip_node *n = t->spare;

		t->spare = n->retired;
		free(n);
	}
	t->nspare = 0;
	while (t->spare_peers) {
		struct wg_aip_peer *e = t->spare_peers;

		t->spare_peers = e->hnext;
		free(e);
	}
	t->nspare_peers = 0;
	pthread_mutex_unlock(&t->lock);
}

void wg_allowedips_reclaim(struct wg_allowedips *t)
{
	struct wg_aip_node *n;

	pthread_mutex_lock(&t->lock);
	n = t->retired;
	t->retired = NULL;
	pthread_mutex_unlock(&t->lock);
	while (n) {
		struct wg_aip_node *next = n->retired;

		free(n);
		n = next;
	}
}

int wg_allowedips_walk_peer(struct wg_allowedips *t, void *peer,
			    wg_allowedips_walk_fn fn, void *arg)
{
	struct wg_aip_node *n;
	struct wg_aip_peer *e;
	uint8_t addr[16];
	int ret = 0;

	pthread_mutex_lock(&t->lock);
	e = peer_find(t, peer);
	for (n = e ? e->head : NULL; n && !ret; n = n->next) {
		store(addr, n->key, n->bits);
		ret = fn(n->bits == 32 ? AF_INET : AF_INET6, addr, n->cidr,
			 arg);
	}
	pthread_mutex_unlock(&t->lock);
	return ret;
}

size_t wg_allowedips_count_peer(struct wg_allowedips *t, void *peer)
{
	struct wg_aip_peer *e;
	size_t count;

	pthread_mutex_lock(&t->lock);
	e = peer_find(t, peer);
	count = e ? e->count : 0;
	pthread_mutex_unlock(&t->lock);
	return count;
}

size_t wg_allowedips_count(struct wg_allowedips *t)
{
	size_t count;

	pthread_mutex_lock(&t->lock);
	count = t->count4 + t->count6;
	pthread_mutex_unlock(&t->lock);
	return count;
}

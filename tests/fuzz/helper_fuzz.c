// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Linked into every harness: see fuzz.h. Also replaces getaddrinfo() for
 * the whole harness binary with a numeric-only one, so no input can make a
 * parser (conffile.c's Endpoint, set.c's endpoint words) ask DNS or read
 * /etc/hosts: names simply fail to resolve.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "fuzz.h"

/* The random stream: ChaCha20 under a fixed seed, one block per call. */
static uint64_t rng_calls;

static void rng_buf(void *buf, size_t len)
{
	uint8_t seed[randombytes_SEEDBYTES] = "wg-xdp fuzz deterministic seed";

	memcpy(seed + sizeof(seed) - 8, &rng_calls, 8);
	rng_calls++;
	randombytes_buf_deterministic(buf, len, seed);
}

static uint32_t rng_random(void)
{
	uint32_t v;

	rng_buf(&v, sizeof(v));
	return v;
}

static uint32_t rng_uniform(const uint32_t bound)
{
	return bound ? rng_random() % bound : 0;
}

static const char *rng_name(void)
{
	return "wg-xdp-fuzz";
}

static struct randombytes_implementation rng_impl = {
	.implementation_name = rng_name,
	.random = rng_random,
	.uniform = rng_uniform,
	.buf = rng_buf,
};

void wg_fuzz_init(void)
{
	randombytes_set_implementation(&rng_impl);
	if (wg_crypto_init()) {
		fprintf(stderr, "sodium_init failed\n");
		exit(1);
	}
}

void wg_fuzz_rng_reset(void)
{
	rng_calls = 0;
}

static const char *seed_dir(void)
{
	const char *d = getenv("WG_FUZZ_SEEDS");

	return d && *d ? d : NULL;
}

void wg_fuzz_seeds(void (*write)(const char *dir))
{
	const char *dir = seed_dir();

	if (dir) {
		write(dir);
		exit(0);
	}
}

void wg_fuzz_write_seed(const char *dir, const char *name, const void *buf,
			size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

int getaddrinfo(const char *node, const char *service,
		const struct addrinfo *hints, struct addrinfo **res)
{
	static int (*real)(const char *, const char *,
			   const struct addrinfo *, struct addrinfo **);
	struct addrinfo h = { 0 };

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "getaddrinfo");
	if (!real)
		return EAI_FAIL;
	if (hints)
		h = *hints;
	h.ai_flags |= AI_NUMERICHOST | AI_NUMERICSERV;
	return real(node, service, &h, res);
}

/* The peer table upcalls. */

static struct noise_remote *t_remote_get(void *arg, const uint8_t pub[32])
{
	struct fz_table *t = arg;

	for (int i = 0; i < 2; i++)
		if (t->remotes[i] && !memcmp(t->remotes[i]->public, pub, 32))
			return t->remotes[i];
	return NULL;
}

static struct noise_remote *t_index_get(void *arg, uint32_t index)
{
	struct fz_table *t = arg;

	for (int i = 0; i < FZ_MAX_INDEX; i++)
		if (t->idx[i].used && t->idx[i].index == index)
			return t->idx[i].r;
	return NULL;
}

static uint32_t t_index_set(void *arg, struct noise_remote *r)
{
	struct fz_table *t = arg;
	uint32_t index;

	do
		index = t->next_index++;
	while (t_index_get(t, index));
	for (int i = 0; i < FZ_MAX_INDEX; i++) {
		if (!t->idx[i].used) {
			t->idx[i].used = true;
			t->idx[i].index = index;
			t->idx[i].r = r;
			return index;
		}
	}
	FZ_CHECK(!"index table full");
	return 0;
}

static void t_index_drop(void *arg, uint32_t index)
{
	struct fz_table *t = arg;

	for (int i = 0; i < FZ_MAX_INDEX; i++) {
		if (t->idx[i].used && t->idx[i].index == index) {
			t->idx[i].used = false;
			return;
		}
	}
	FZ_CHECK(!"dropping an unknown index");
}

static void fixed_priv(int who, uint8_t priv[WG_KEY_LEN])
{
	for (int i = 0; i < WG_KEY_LEN; i++)
		priv[i] = (uint8_t)(0x10 * (who + 1) + i);
	wg_clamp(priv);
}

void fz_pubkey(int who, uint8_t pub[WG_KEY_LEN])
{
	uint8_t priv[WG_KEY_LEN];

	fixed_priv(who, priv);
	wg_pubkey(pub, priv);
	wg_wipe(priv, sizeof(priv));
}

void fz_side_init(struct fz_side *s, int who, int p0, int p1)
{
	struct noise_upcall u = {
		.arg = &s->t,
		.remote_get = t_remote_get,
		.index_set = t_index_set,
		.index_get = t_index_get,
		.index_drop = t_index_drop,
	};
	uint8_t pub[WG_KEY_LEN];
	int peers[2] = { p0, p1 };

	memset(s, 0, sizeof(*s));
	s->t.next_index = 0x01000001u * (uint32_t)(who + 1);
	fixed_priv(who, s->priv);
	wg_pubkey(s->pub, s->priv);
	wg_noise_local_init(&s->l, &u);
	wg_noise_local_set_private(&s->l, s->priv);
	wg_cookie_checker_init(&s->cc);
	wg_cookie_checker_update(&s->cc, s->pub);
	for (int i = 0; i < 2 && peers[i] >= 0; i++) {
		fz_pubkey(peers[i], pub);
		wg_noise_remote_init(&s->r[i], &s->l, pub);
		wg_noise_remote_precompute(&s->r[i]);
		s->t.remotes[i] = &s->r[i];
		s->n++;
	}
	fz_pubkey(p0, pub);
	wg_cookie_maker_init(&s->cm, pub);
}

int fz_live_indexes(const struct fz_side *s)
{
	int n = 0;

	for (int i = 0; i < FZ_MAX_INDEX; i++)
		n += s->t.idx[i].used;
	return n;
}

void fz_side_destroy(struct fz_side *s)
{
	for (int i = 0; i < s->n; i++)
		wg_noise_remote_destroy(&s->r[i]);
	FZ_CHECK(fz_live_indexes(s) == 0);
	wg_noise_local_destroy(&s->l);
	wg_cookie_checker_destroy(&s->cc);
	wg_cookie_maker_destroy(&s->cm);
}

void fz_remote_state(struct noise_remote *r, struct fz_remote_state *st)
{
	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&r->handshake_lock);
	pthread_mutex_lock(&r->keypair_lock);
	st->hs = r->hs;
	memcpy(st->last_timestamp, r->last_timestamp, WG_TAI64N_LEN);
	st->last_initiation = r->last_initiation;
	st->has_last_initiation = r->has_last_initiation;
	st->current = r->current;
	st->previous = r->previous;
	st->next = r->next;
	pthread_mutex_unlock(&r->keypair_lock);
	pthread_mutex_unlock(&r->handshake_lock);
}

bool fz_remote_state_eq(const struct fz_remote_state *a,
			const struct fz_remote_state *b)
{
	return !memcmp(a, b, sizeof(*a));
}

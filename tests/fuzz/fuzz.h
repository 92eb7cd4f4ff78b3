/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Shared by the libFuzzer harnesses (tests/fuzz/fuzz_*.c): a deterministic
 * random source, an offline resolver, seed writing, and two in-process
 * WireGuard interfaces with fixed static keys for the handshake harnesses.
 *
 * Every harness that needs state rebuilds it per input after
 * wg_fuzz_rng_reset(), so one input always meets the same ephemerals,
 * indexes and cookie secrets; that is what lets committed seeds (real
 * messages made by WG_FUZZ_SEEDS=dir build/fuzz/fuzz_<name>) stay valid.
 */
#ifndef WG_FUZZ_H
#define WG_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "config.h"
#include "cookie.h"
#include "noise.h"

/* abort() with a message: libFuzzer reports it as a crash. */
#define FZ_CHECK(cond)                                                      \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "%s:%d: invariant failed: %s\n",    \
				__FILE__, __LINE__, #cond);                 \
			abort();                                            \
		}                                                           \
	} while (0)

/* With WG_FUZZ_TRACE set, say what happened to each input (seed checks). */
#define FZ_TRACE(...)                                                       \
	do {                                                                \
		if (getenv("WG_FUZZ_TRACE"))                                \
			fprintf(stderr, "trace: " __VA_ARGS__);             \
	} while (0)

/* Monotonic "now" used by every harness: well past boot. */
#define FZ_NOW (5000 * WG_NSEC_PER_SEC)
/* Wall clock for TAI64N timestamps. */
#define FZ_WALL_SEC 1700000000

/* Install the deterministic randombytes source and sodium_init(). */
void wg_fuzz_init(void);
/* Restart the random stream from its fixed seed. */
void wg_fuzz_rng_reset(void);

/*
 * From LLVMFuzzerInitialize: with WG_FUZZ_SEEDS set to a directory, write(dir)
 * writes the harness's seeds there, then the harness exits.
 */
void wg_fuzz_seeds(void (*write)(const char *dir));
/* Write one seed file dir/name; exits on error. */
void wg_fuzz_write_seed(const char *dir, const char *name, const void *buf,
			size_t len);

#define FZ_MAX_INDEX 16

/* A peer table: remotes by key, receiver indexes handed out in order. */
struct fz_table {
	struct noise_remote *remotes[2];
	uint32_t next_index;
	struct {
		bool used;
		uint32_t index;
		struct noise_remote *r;
	} idx[FZ_MAX_INDEX];
};

/*
 * One interface: fixed private key number `who` (0 = A, 1 = B, 2 = C),
 * remotes r[0..n) for the given peers, a cookie checker for our key and a
 * cookie maker for r[0].
 */
struct fz_side {
	struct fz_table t;
	struct noise_local l;
	struct noise_remote r[2];
	int n;
	struct cookie_checker cc;
	struct cookie_maker cm;
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN];
};

/* The fixed public key of interface who. */
void fz_pubkey(int who, uint8_t pub[WG_KEY_LEN]);
/* Set up s as interface who with peers p0 and (p1 >= 0) p1. */
void fz_side_init(struct fz_side *s, int who, int p0, int p1);
/* Tear s down; checks that no receiver index leaked. */
void fz_side_destroy(struct fz_side *s);
/* Live receiver indexes of s. */
int fz_live_indexes(const struct fz_side *s);
/* The handshake state of r worth comparing (no lock, no pointers' targets). */
struct fz_remote_state {
	struct noise_handshake hs;
	uint8_t last_timestamp[WG_TAI64N_LEN];
	uint64_t last_initiation;
	bool has_last_initiation;
	struct noise_keypair *current, *previous, *next;
};
void fz_remote_state(struct noise_remote *r, struct fz_remote_state *st);
bool fz_remote_state_eq(const struct fz_remote_state *a,
			const struct fz_remote_state *b);

/*
 * Configs (helper_config.c). Print the UAPI part of cfg as the lines of a
 * set request, through the blank line (no "set=1"); malloc'd, NULL when
 * out of memory.
 */
char *fz_config_to_uapi(const struct wg_config *cfg, size_t *len);
/* Are the UAPI parts of a and b the same change? */
bool fz_config_eq(const struct wg_config *a, const struct wg_config *b);
/* Is cfg as wg_config_init() leaves it (owning nothing)? */
bool fz_config_empty(const struct wg_config *cfg);
/* Same family, address, port (and IPv6 scope)? */
bool fz_endpoint_eq(const struct wg_endpoint *a, const struct wg_endpoint *b);
/* A NUL-terminated malloc'd copy of data (aborts when out of memory). */
char *fz_strndup(const uint8_t *data, size_t size);

#endif /* WG_FUZZ_H */

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * `wg-xdp set`'s translation of words (wg set's and OpenBSD ifconfig's wg(4)
 * words) into one userspace-API set request, kept apart from sending it so
 * that it can be tested on its own.
 */
#ifndef WG_SET_H
#define WG_SET_H

#include <stdbool.h>
#include <stddef.h>

struct wg_set_req {
	char *text;	/* "set=1\n...\n\n", or NULL when no UAPI key is set */
	char **addrs;	/* interface ADDRESS/PREFIX words, canonical */
	size_t naddrs;
	bool link_up;	/* bring the link up (an address or `up` was given) */
	char err[384];	/* on failure: what is wrong, naming the word */
};

/*
 * Translate the words after the interface name. 0, or -EINVAL/-ENOMEM with
 * req->err set and nothing allocated. Reads key files (FILE may be
 * /dev/stdin) and resolves endpoint host names; nothing else.
 */
int wg_set_parse(struct wg_set_req *req, int argc, char *const argv[]);
/* Wipe (the text may hold keys) and free what wg_set_parse() allocated. */
void wg_set_req_free(struct wg_set_req *req);

#endif /* WG_SET_H */

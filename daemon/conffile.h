/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * wg-quick style configuration files ([Interface] and [Peer] sections,
 * "Key = Value" lines, '#' comments, keys case-insensitive) into a struct
 * wg_config with the meaning of `wg setconf`: peers replaced, and private
 * key, listen port and fwmark always set (zero when absent). The wg-quick
 * keys (Address, MTU) are kept; DNS, Table, Pre/PostUp/Down and SaveConfig
 * are accepted and only flagged in cfg->unsupported.
 */
#ifndef WG_CONFFILE_H
#define WG_CONFFILE_H

#include <stddef.h>

#include "config.h"

/* Files larger than this are refused. */
#define WG_CONFFILE_MAX (64u << 20)

/* Where and why parsing failed. Never contains key material. */
struct wg_conffile_err {
	unsigned int line;	/* 1-based; 0 when not about one line */
	char msg[256];		/* e.g. "line 7: invalid AllowedIPs 'x'" */
};

/*
 * Parse len bytes of file text into cfg. 0, or -EINVAL (err says where)
 * or -ENOMEM; on failure cfg is empty and owns nothing. Endpoints naming
 * hosts are resolved here, so this may block.
 */
int wg_conffile_parse(struct wg_config *cfg, const char *text, size_t len,
		      struct wg_conffile_err *err);
/* wg_conffile_parse() of a file; -errno when it cannot be read. */
int wg_conffile_load(struct wg_config *cfg, const char *path,
		     struct wg_conffile_err *err);

#endif /* WG_CONFFILE_H */

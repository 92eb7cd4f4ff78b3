/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * wg-quick style configuration files ([Interface] and [Peer] sections,
 * "Key = Value" lines, '#' comments, keys case-insensitive) into a struct
 * wg_config with the meaning of `wg setconf`: peers replaced, and private
 * key, listen port and fwmark always set (zero when absent). The wg-quick
 * keys are kept too: Address and MTU in cfg, DNS, Table, the hooks and
 * SaveConfig in cfg->quick. Also here: `strip` (the file without them) and
 * `save` (a running configuration written back as a file), both as wg-quick
 * does them.
 */
#ifndef WG_CONFFILE_H
#define WG_CONFFILE_H

#include <stddef.h>

#include "config.h"
#include "uapi.h"

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

/*
 * wg-quick's strip: the text without the [Interface] keys wg-quick handles
 * (Address, MTU, DNS, Table, PreUp, PostUp, PreDown, PostDown, SaveConfig),
 * every other line kept, trimmed of blanks, as `wg-quick strip` prints it.
 * 0 or -ENOMEM.
 */
int wg_conffile_strip(struct wg_uapi_buf *out, const char *text, size_t len);
/*
 * wg-quick's save: `wg showconf` of info with the wg-quick keys of extra
 * spliced into [Interface]: extra's addrs (the live ones), MTU when
 * extra->has_mtu, then DNS, Table, SaveConfig and the hooks from
 * extra->quick. 0 or -ENOMEM.
 */
int wg_conffile_format(struct wg_uapi_buf *out,
		       const struct wg_device_info *info,
		       const struct wg_config *extra);
/*
 * wg-quick's save_config whole: info (the running configuration) with the
 * live addresses of ifindex, its MTU when had_mtu, and q's keys, written
 * to path. 0 or -errno.
 */
int wg_conffile_save(const char *path, const struct wg_device_info *info,
		     const struct wg_quick *q, bool had_mtu, int ifindex);
/*
 * Replace the file at path with len bytes of text, atomically (a temporary
 * file beside it, synced, then renamed) and with mode 0600. 0 or -errno.
 */
int wg_conffile_write(const char *path, const char *text, size_t len);

#endif /* WG_CONFFILE_H */

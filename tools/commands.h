/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* The wg-xdp subcommands: each takes argv with its own name in argv[0]. */
#ifndef WG_COMMANDS_H
#define WG_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>

int wg_cmd_up(int argc, char *argv[]);
int wg_cmd_down(int argc, char *argv[]);
int wg_cmd_show(int argc, char *argv[]);
int wg_cmd_set(int argc, char *argv[]);
int wg_cmd_genkey(int argc, char *argv[]);
int wg_cmd_genpsk(int argc, char *argv[]);
int wg_cmd_pubkey(int argc, char *argv[]);
int wg_cmd_strip(int argc, char *argv[]);
int wg_cmd_save(int argc, char *argv[]);
int wg_cmd_syncconf(int argc, char *argv[]);
int wg_cmd_metrics(int argc, char *argv[]);
/* `wg-xdp IFNAME`: the daemon as wg-quick starts a userspace WireGuard. */
int wg_cmd_userspace(int argc, char *argv[]);
bool wg_cmd_is_ifname(const char *s);

/* Where wg-quick looks for NAME.conf. */
#define WG_CMD_CONF_DIR "/etc/wireguard"
/*
 * wg-quick's CONFIG_FILE | INTERFACE word: a word with a '/' or ending in
 * ".conf" is a file, whose name less ".conf" must be an interface name;
 * another word is NAME, for /etc/wireguard/NAME.conf. path gets the file,
 * name the interface. 0; -EINVAL when the file name names no interface;
 * -ENOENT when word is a NAME without a file (then name is still set).
 */
int wg_cmd_conf_path(const char *word, char *path, size_t len,
		     char name[16]);
/* wg-quick's "Warning: `FILE' is world accessible" when it is. */
void wg_cmd_conf_warn_mode(const char *path);

#endif /* WG_COMMANDS_H */

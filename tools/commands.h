/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* The wg-xdp subcommands: each takes argv with its own name in argv[0]. */
#ifndef WG_COMMANDS_H
#define WG_COMMANDS_H

#include <stdbool.h>

int wg_cmd_up(int argc, char *argv[]);
int wg_cmd_down(int argc, char *argv[]);
int wg_cmd_show(int argc, char *argv[]);
int wg_cmd_set(int argc, char *argv[]);
int wg_cmd_genkey(int argc, char *argv[]);
int wg_cmd_genpsk(int argc, char *argv[]);
int wg_cmd_pubkey(int argc, char *argv[]);
/* `wg-xdp IFNAME`: the daemon as wg-quick starts a userspace WireGuard. */
int wg_cmd_userspace(int argc, char *argv[]);
bool wg_cmd_is_ifname(const char *s);

#endif /* WG_COMMANDS_H */

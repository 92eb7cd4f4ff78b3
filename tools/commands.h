/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The wg-xdp subcommands. Each takes the words after "wg-xdp" (argv[0] is
 * the subcommand's own name) and returns the process exit status.
 */
#ifndef WG_COMMANDS_H
#define WG_COMMANDS_H

/* `genkey`: print a fresh clamped private key in base64, as `wg genkey`. */
int wg_cmd_genkey(int argc, char *argv[]);
/* `pubkey`: read a base64 private key on stdin, print its public key. */
int wg_cmd_pubkey(int argc, char *argv[]);
/* `genpsk`: print 32 random bytes in base64, as `wg genpsk`. */
int wg_cmd_genpsk(int argc, char *argv[]);

#endif /* WG_COMMANDS_H */

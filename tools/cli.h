/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Pure helpers shared by the wg-xdp subcommands (and compiled straight into
 * tests/unit/test_cli.c): wg's pretty-printing of times and
 * byte counts, and JSON string escaping. Nothing here touches the system.
 */
#ifndef WG_CLI_H
#define WG_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wire.h"

/* Key encodings are daemon/keys.h's. */
#include "keys.h"

/*
 * "1 year, 2 days, 1 hour, 1 minute, 5 seconds" as wg prints a duration
 * (zero units left out; 0 seconds gives ""). Returns the length written.
 */
size_t wg_cli_pretty_time(char *buf, size_t len, uint64_t secs);
/* wg's "latest handshake": "Now", "... ago" or the clock-backward note. */
void wg_cli_ago(char *buf, size_t len, int64_t then, int64_t now);
/* wg's "persistent keepalive": "every 25 seconds". */
void wg_cli_every(char *buf, size_t len, unsigned int secs);
/* wg's byte counts: "512 B", "1.23 KiB", "4.56 MiB", ... "TiB". */
void wg_cli_bytes(char *buf, size_t len, uint64_t b);

/* Write s as a JSON string literal, quotes included. */
void wg_cli_json_str(FILE *f, const char *s);

/*
 * A CIDR word "ADDR[/PREFIX]" in canonical text ("10.0.0.0/8",
 * "fd00::/64"); without a prefix the host length is used when
 * need_prefix is false. 0, or -EINVAL for anything else.
 */
int wg_cli_cidr(char *out, size_t len, const char *word, bool need_prefix);

#endif /* WG_CLI_H */

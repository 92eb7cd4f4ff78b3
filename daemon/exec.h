/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * External commands, run as wg-quick runs them: the PreUp/PostUp/PreDown/
 * PostDown hooks (`bash -c`, with %i replaced by the interface name),
 * resolvconf/resolvectl, nft and iptables-restore. Each command is logged
 * as wg-quick echoes it ("[#] nft -f -"). The child starts with an empty
 * signal mask and default signal actions, whatever threads the daemon runs.
 */
#ifndef WG_EXEC_H
#define WG_EXEC_H

#include <stdbool.h>

#include "config.h"

/*
 * Where commands write their stdout and stderr: fd, or the daemon's stderr
 * when fd is -1. `wg-xdp up` points this at the user's terminal while the
 * interface comes up, so hook output shows where wg-quick shows it.
 */
void wg_exec_set_output(int fd);
/* Is prog an executable on $PATH (or a path that is executable)? */
bool wg_exec_have(const char *prog);
/*
 * Run argv[0] (looked up on $PATH) with argv, input (if not NULL) on its
 * stdin. The exit status (0..255, 128+N for a signal), or -errno when it
 * could not start (-ENOENT: no such program).
 */
int wg_exec_run(const char *const argv[], const char *input);
/*
 * Run each hook in order with `bash -c`, %i replaced by ifname. 0 when all
 * exit 0; the first failure stops the list and returns -ECANCELED.
 */
int wg_exec_hooks(const struct wg_strv *hooks, const char *ifname);

#endif /* WG_EXEC_H */

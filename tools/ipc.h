/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A client of the cross-platform userspace API (the text protocol that
 * wireguard-go and our daemon serve on /var/run/wireguard/NAME.sock):
 * "get=1\n\n", "set=1\n...\n\n" and wg-xdp's "wgxdp=1\n\n", each answered
 * by key=value lines, "errno=N" and a blank line.
 */
#ifndef WG_IPC_H
#define WG_IPC_H

#include <stddef.h>
#include <sys/types.h>

/* The socket directory is the daemon's WG_UAPI_DIR (uapi.h). */

/* The reply lines without their '\n' and without the errno line. */
struct wg_ipc_reply {
	char **lines;
	size_t count;
	size_t cap;
};

/* Path of NAME's socket into buf; 0 or -ENAMETOOLONG. */
int wg_ipc_path(char *buf, size_t len, const char *ifname);
/*
 * Connect to NAME's socket; a connected fd or -errno (-ENOENT when there is
 * no socket, -EBADF when the file is no socket). A socket nobody answers
 * (ECONNREFUSED) is stale and removed, as wg does.
 */
int wg_ipc_connect(const char *ifname);
/*
 * The interfaces with a socket that answers, sorted by name: *names is a
 * malloc'd array of malloc'd strings (free with wg_ipc_names_free). 0 or
 * -errno; a missing directory is an empty list.
 */
int wg_ipc_list(char ***names, size_t *count);
void wg_ipc_names_free(char **names, size_t count);
/*
 * Send req (the whole request, blank line included) to NAME and collect the
 * reply. Returns the daemon's errno as a negative int (0 on success, either
 * sign on the wire is accepted), -EPROTO for a reply without "errno=" (a
 * server that does not know the request closes the connection), or the
 * -errno of a failed connect/write.
 */
int wg_ipc_request(const char *ifname, const char *req,
		   struct wg_ipc_reply *reply);
/* The same on a connected fd (which is not closed). */
int wg_ipc_request_fd(int fd, const char *req, struct wg_ipc_reply *reply);
/* Free the lines, wiping them first (get=1 carries the private key). */
void wg_ipc_reply_free(struct wg_ipc_reply *reply);
/* The pid of the process serving a connected fd (SO_PEERCRED); 0/-errno. */
int wg_ipc_peer_pid(int fd, pid_t *pid);

#endif /* WG_IPC_H */

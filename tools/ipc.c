// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The userspace API client, after wireguard-tools' ipc-uapi.h: a request is
 * written whole, then the reply is read line by line up to the blank line
 * that ends it. wg reads "errno=%d" from a set reply and turns it into
 * errno = -value (servers send the negative errno); we accept either sign.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "ipc.h"
#include "uapi.h"

int wg_ipc_path(char *buf, size_t len, const char *ifname)
{
	return wg_uapi_socket_path(buf, len, ifname) ? -ENAMETOOLONG : 0;
}

int wg_ipc_connect(const char *ifname)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, ret;

	ret = wg_ipc_path(addr.sun_path, sizeof(addr.sun_path), ifname);
	if (ret)
		return ret;
	if (stat(addr.sun_path, &st))
		return -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EBADF;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		ret = -errno;
		if (ret == -ECONNREFUSED)
			unlink(addr.sun_path);
		close(fd);
		return ret;
	}
	return fd;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void wg_ipc_names_free(char **names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

int wg_ipc_list(char ***names, size_t *count)
{
	char **list = NULL, **grown;
	size_t n = 0, cap = 0, len;
	struct dirent *ent;
	DIR *dir;
	int fd;

	*names = NULL;
	*count = 0;
	dir = opendir(WG_UAPI_DIR);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((ent = readdir(dir))) {
		len = strlen(ent->d_name);
		if (len <= 5 || len - 5 >= 16 ||
		    strcmp(ent->d_name + len - 5, ".sock"))
			continue;
		ent->d_name[len - 5] = '\0';
		fd = wg_ipc_connect(ent->d_name);
		if (fd < 0)
			continue;
		close(fd);
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			grown = realloc(list, cap * sizeof(*list));
			if (!grown)
				goto err_nomem;
			list = grown;
		}
		list[n] = strdup(ent->d_name);
		if (!list[n])
			goto err_nomem;
		n++;
	}
	closedir(dir);
	if (n)
		qsort(list, n, sizeof(*list), cmp_names);
	*names = list;
	*count = n;
	return 0;

err_nomem:
	closedir(dir);
	wg_ipc_names_free(list, n);
	return -ENOMEM;
}

static int add_line(struct wg_ipc_reply *reply, const char *line, size_t len)
{
	char **grown, *copy;

	if (reply->count == reply->cap) {
		size_t cap = reply->cap ? reply->cap * 2 : 16;

		grown = realloc(reply->lines, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		reply->lines = grown;
		reply->cap = cap;
	}
	copy = strndup(line, len);
	if (!copy)
		return -ENOMEM;
	reply->lines[reply->count++] = copy;
	return 0;
}

/* "errno=N": N as a negative errno, whatever sign the server used. */
static int parse_errno(const char *value)
{
	uint64_t v;

	if (!wg_config_parse_u64(value + (*value == '-'), INT_MAX, &v))
		return -EPROTO;
	return -(int)v;
}

int wg_ipc_request_fd(int fd, const char *req, struct wg_ipc_reply *reply)
{
	size_t len = strlen(req), off = 0, cap = 0, llen;
	char *line = NULL;
	ssize_t n;
	FILE *f;
	int ret = -EPROTO, dup_fd;

	while (off < len) {
		n = send(fd, req + off, len - off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		off += (size_t)n;
	}
	dup_fd = dup(fd);
	if (dup_fd < 0)
		return -errno;
	f = fdopen(dup_fd, "r");
	if (!f) {
		close(dup_fd);
		return -errno;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		llen = (size_t)n;
		if (line[llen - 1] != '\n')
			break; /* cut short */
		line[--llen] = '\0';
		if (!llen)
			break; /* the blank line ends the reply */
		if (!strncmp(line, "errno=", 6)) {
			ret = parse_errno(line + 6);
			continue;
		}
		if (reply && add_line(reply, line, llen)) {
			ret = -ENOMEM;
			break;
		}
	}
	if (line) {
		sodium_memzero(line, cap);
		free(line);
	}
	fclose(f);
	return ret;
}

int wg_ipc_request(const char *ifname, const char *req,
		   struct wg_ipc_reply *reply)
{
	int fd = wg_ipc_connect(ifname), ret;

	if (fd < 0)
		return fd;
	ret = wg_ipc_request_fd(fd, req, reply);
	close(fd);
	return ret;
}

void wg_ipc_reply_free(struct wg_ipc_reply *reply)
{
	for (size_t i = 0; i < reply->count; i++) {
		sodium_memzero(reply->lines[i], strlen(reply->lines[i]));
		free(reply->lines[i]);
	}
	free(reply->lines);
	reply->lines = NULL;
	reply->count = reply->cap = 0;
}

int wg_ipc_peer_pid(int fd, pid_t *pid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return -errno;
	if (cred.pid <= 0)
		return -ESRCH;
	*pid = cred.pid;
	return 0;
}

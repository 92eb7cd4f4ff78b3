// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * www: a static web server for the tests' file transfers.
 *
 *   www DIR PORT
 *
 * Serves the regular files directly in DIR (GET /NAME, also HEAD) over
 * HTTP/1.0 on TCP PORT of every address, IPv4 and IPv6 (one socket on ::),
 * with Content-Length, one process per connection, until killed. Anything
 * else gets its status line: 400 for a request it cannot read, 404 for a
 * name that is no such file (or has a '/' or starts with '.'), 405 for
 * other methods. Enough HTTP for curl; nothing is logged.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <signal.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "tool.h"

const char tool_usage[] = "DIR PORT";

#define REQ_MAX 8192

static void reply(int fd, const char *status)
{
	char buf[256];
	int n = snprintf(buf, sizeof(buf),
			 "HTTP/1.0 %s\r\nContent-Type: text/plain\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s\n",
			 status, strlen(status) + 1, status);

	if (write(fd, buf, (size_t)n) < 0)
		return;
}

/* The request's head, up to its blank line; false when there is none. */
static bool read_head(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t n;

	while (len < cap - 1) {
		n = read(fd, buf + len, cap - 1 - len);
		if (n <= 0)
			return false;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
			return true;
	}
	return false;
}

/* Answers one request; a status line when that is all there is to say. */
static const char *serve(int fd, int dir)
{
	char req[REQ_MAX], hdr[256], *method, *target, *version, *save;
	struct timeval tv = { .tv_sec = 30 };
	struct stat st;
	off_t off = 0;
	bool head;
	int file, n;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (!read_head(fd, req, sizeof(req)))
		return "400 Bad Request";
	method = strtok_r(req, " \r\n", &save);
	target = strtok_r(NULL, " \r\n", &save);
	version = strtok_r(NULL, " \r\n", &save);
	if (!method || !target || !version || strncmp(version, "HTTP/", 5) ||
	    target[0] != '/')
		return "400 Bad Request";
	head = !strcmp(method, "HEAD");
	if (!head && strcmp(method, "GET"))
		return "405 Method Not Allowed";
	target++;
	if (!*target || target[0] == '.' || strchr(target, '/'))
		return "404 Not Found";
	file = openat(dir, target, O_RDONLY | O_CLOEXEC);
	if (file < 0 || fstat(file, &st) || !S_ISREG(st.st_mode))
		return "404 Not Found";
	n = snprintf(hdr, sizeof(hdr),
		     "HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n"
		     "Content-Length: %lld\r\nConnection: close\r\n\r\n",
		     (long long)st.st_size);
	if (write(fd, hdr, (size_t)n) != n || head)
		return NULL;
	while (off < st.st_size)
		if (sendfile(fd, file, &off, (size_t)(st.st_size - off)) <= 0)
			break;
	return NULL;
}

/*
 * Closing with unread input would reset the connection and could cut the
 * client's copy of the reply short: end our side, then wait for the
 * client's end (or the 30 s receive timeout).
 */
static void finish(int fd)
{
	char buf[4096];

	shutdown(fd, SHUT_WR);
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
}

int main(int argc, char **argv)
{
	int dir, lfd, fd;
	const char *status;

	if (argc != 3)
		usage();
	dir = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		die("%s: %s", argv[1], strerror(errno));
	lfd = any_port(SOCK_STREAM, argv[2]);
	signal(SIGCHLD, SIG_IGN); /* children reap themselves */
	signal(SIGPIPE, SIG_IGN); /* a client that goes away ends its child */
	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			die("accept: %s", strerror(errno));
		}
		switch (fork()) {
		case -1:
			die("fork: %s", strerror(errno));
		case 0:
			close(lfd);
			status = serve(fd, dir);
			if (status)
				reply(fd, status);
			finish(fd);
			_exit(0);
		default:
			close(fd);
		}
	}
}

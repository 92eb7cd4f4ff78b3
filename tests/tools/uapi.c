// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * uapi: a raw client of a UNIX stream socket (a WireGuard control socket),
 * for the tests that need more than `wg` says: bad requests, cut-off ones,
 * many clients at once.
 *
 *   uapi [-w | -c] [-t SECONDS] [-n CLIENTS] SOCKET
 *
 * Sends standard input as it is and prints what comes back. Reading stops
 * at the blank line that ends a reply (the output ends in "\n\n"), at end
 * of file, or when the server resets the connection; sending stops early,
 * silently, when the server stops reading (it may answer and hang up
 * before it has read the whole request: its answer is still read). Both
 * directions go at once, so a large request never deadlocks against a
 * large reply.
 *
 *   -w  shut down the write side once all is sent: the server reads end
 *       of input (and what it does then is the reply)
 *   -c  close once all is sent, reading nothing
 *   -t  SECONDS without progress (default 3) is a failure: what came so
 *       far is printed, "no progress in S s" goes to stderr, exit 1 (a
 *       connect that waits as long fails too)
 *   -n  CLIENTS connections, every one made before any sends; each sends
 *       standard input, and their replies are printed one after another
 */
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "tool.h"

const char tool_usage[] = "[-w | -c] [-t SECONDS] [-n CLIENTS] SOCKET";

struct client {
	int fd;
	size_t sent;
	bool sending, reading;
	char *out;
	size_t len, cap;
};

static char *slurp(int fd, size_t *len)
{
	size_t cap = 65536;
	char *buf = malloc(cap);
	ssize_t n;

	*len = 0;
	for (;;) {
		if (!buf)
			die("out of memory");
		n = read(fd, buf + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("standard input: %s", strerror(errno));
		if (n == 0)
			return buf;
		*len += (size_t)n;
		if (*len == cap)
			buf = realloc(buf, cap *= 2);
	}
}

/*
 * A blocking connect, bounded by SO_SNDTIMEO: with many clients at once the
 * server's backlog may be full for a moment, which a non-blocking connect
 * would take for a failure (EAGAIN). Sends and receives never block
 * (MSG_DONTWAIT).
 */
static int dial(const char *path, long secs)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = secs };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		die("%s: path too long", path);
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		die("%s: connect: %s", path, strerror(errno));
	return fd;
}

/* All sent (or the server stopped reading): shut down, or close. */
static void sent_all(struct client *c, bool shut, bool quit)
{
	c->sending = false;
	if (shut)
		shutdown(c->fd, SHUT_WR);
	if (quit) {
		c->reading = false;
		close(c->fd);
		c->fd = -1;
	}
}

static void push(struct client *c, const char *path, const char *req,
		 size_t len, bool shut, bool quit)
{
	ssize_t n = send(c->fd, req + c->sent, len - c->sent,
			 MSG_NOSIGNAL | MSG_DONTWAIT);

	if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
		sent_all(c, shut, quit);
		return;
	}
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		die("%s: send: %s", path, strerror(errno));
	if (n > 0)
		c->sent += (size_t)n;
	if (c->sent == len)
		sent_all(c, shut, quit);
}

static void pull(struct client *c, const char *path)
{
	ssize_t n;

	if (c->cap - c->len < 65536) {
		c->cap = c->cap ? c->cap * 2 : 65536;
		c->out = realloc(c->out, c->cap);
		if (!c->out)
			die("out of memory");
	}
	n = recv(c->fd, c->out + c->len, c->cap - c->len, MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno == ECONNRESET)) {
		c->reading = false;
		return;
	}
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		die("%s: recv: %s", path, strerror(errno));
	if (n > 0)
		c->len += (size_t)n;
	if (c->len >= 2 && !memcmp(c->out + c->len - 2, "\n\n", 2))
		c->reading = false;
}

static void print_all(const struct client *c, int n)
{
	for (int i = 0; i < n; i++)
		if (c[i].len && fwrite(c[i].out, 1, c[i].len, stdout) != c[i].len)
			die("standard output: %s", strerror(errno));
	if (fflush(stdout))
		die("standard output: %s", strerror(errno));
}

int main(int argc, char **argv)
{
	bool shut = false, quit = false;
	long secs = 3, n = 1;
	struct client *cl;
	struct pollfd *pfd;
	const char *path;
	size_t len;
	char *req;
	int opt;

	while ((opt = getopt(argc, argv, "wct:n:")) != -1) {
		switch (opt) {
		case 'w':
			shut = true;
			break;
		case 'c':
			quit = true;
			break;
		case 't':
			secs = num_arg(optarg, 1, 3600, "seconds");
			break;
		case 'n':
			n = num_arg(optarg, 1, 1000, "client count");
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1 || (shut && quit))
		usage();
	path = argv[optind];
	req = slurp(STDIN_FILENO, &len);
	cl = calloc((size_t)n, sizeof(*cl));
	pfd = calloc((size_t)n, sizeof(*pfd));
	if (!cl || !pfd)
		die("out of memory");
	for (int i = 0; i < n; i++) {
		cl[i].fd = dial(path, secs);
		cl[i].sending = cl[i].reading = true;
	}
	for (int i = 0; i < n && !len; i++)
		sent_all(&cl[i], shut, quit);
	for (;;) {
		int live = 0, ready;

		for (int i = 0; i < n; i++) {
			pfd[i].fd = cl[i].sending || cl[i].reading ? cl[i].fd : -1;
			pfd[i].events = (cl[i].sending ? POLLOUT : 0) |
					(cl[i].reading ? POLLIN : 0);
			live += pfd[i].fd >= 0;
		}
		if (!live)
			break;
		ready = poll(pfd, (nfds_t)n, (int)secs * 1000);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready < 0)
			die("poll: %s", strerror(errno));
		if (ready == 0) {
			print_all(cl, (int)n);
			die("%s: no progress in %ld s", path, secs);
		}
		for (int i = 0; i < n; i++) {
			short ev = pfd[i].revents;

			if (cl[i].sending && (ev & (POLLOUT | POLLERR | POLLHUP)))
				push(&cl[i], path, req, len, shut, quit);
			if (cl[i].reading && (ev & (POLLIN | POLLERR | POLLHUP)))
				pull(&cl[i], path);
		}
	}
	print_all(cl, (int)n);
	return 0;
}

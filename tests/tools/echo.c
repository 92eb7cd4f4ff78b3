// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * echo: a TCP and UDP echo, server and client, for the tests of plain
 * traffic through the XDP program (tests/e2e/test_passthrough.sh).
 *
 *   echo serve PORT      TCP and UDP echo on PORT of every address, IPv4
 *                        and IPv6 (one socket each on ::), until killed:
 *                        a TCP connection gets back what it sent once that
 *                        ends in a newline (or the client's side ends),
 *                        then is closed; a UDP datagram goes back to its
 *                        sender
 *   echo tcp HOST PORT   100,000 'x' and a newline over TCP; exit 0 when
 *                        exactly those come back (3 s for each step)
 *   echo udp HOST PORT   "ping-9000\n" over UDP, up to 3 tries of 1 s;
 *                        exit 0 when it comes back
 */
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/time.h>
#include <unistd.h>

#include "tool.h"

const char tool_usage[] = "serve PORT | tcp HOST PORT | udp HOST PORT";

#define TCP_LEN 100001
#define UDP_MSG "ping-9000\n"

static void timeouts(int fd, long secs)
{
	struct timeval tv = { .tv_sec = secs };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static bool send_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* One TCP connection: its bytes, once they end in a newline, back. */
static void bounce(int fd)
{
	static char buf[1 << 20];
	size_t len = 0;
	ssize_t n;

	timeouts(fd, 30);
	while (len < sizeof(buf) && (!len || buf[len - 1] != '\n')) {
		n = recv(fd, buf + len, sizeof(buf) - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	send_all(fd, buf, len);
	close(fd);
}

static int serve(const char *port)
{
	struct pollfd pfd[2];
	struct sockaddr_storage from;
	socklen_t flen;
	char buf[65536];
	ssize_t n;
	int fd;

	pfd[0] = (struct pollfd){ .fd = any_port(SOCK_STREAM, port),
				  .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = any_port(SOCK_DGRAM, port),
				  .events = POLLIN };
	signal(SIGCHLD, SIG_IGN); /* children reap themselves */
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		if (pfd[1].revents & POLLIN) {
			flen = sizeof(from);
			n = recvfrom(pfd[1].fd, buf, sizeof(buf), 0,
				     (struct sockaddr *)&from, &flen);
			if (n >= 0)
				sendto(pfd[1].fd, buf, (size_t)n, 0,
				       (struct sockaddr *)&from, flen);
		}
		if (!(pfd[0].revents & POLLIN))
			continue;
		fd = accept(pfd[0].fd, NULL, NULL);
		if (fd < 0)
			continue;
		switch (fork()) {
		case -1:
			die("fork: %s", strerror(errno));
		case 0:
			bounce(fd);
			_exit(0);
		default:
			close(fd);
		}
	}
}

static int tcp(const struct sockaddr_storage *dst, socklen_t dlen)
{
	static char msg[TCP_LEN], got[TCP_LEN + 65536];
	size_t len = 0;
	ssize_t n;
	int fd;

	memset(msg, 'x', TCP_LEN - 1);
	msg[TCP_LEN - 1] = '\n';
	fd = socket(dst->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	timeouts(fd, 3); /* SO_SNDTIMEO bounds the connect too */
	if (connect(fd, (const struct sockaddr *)dst, dlen) < 0)
		die("connect: %s", strerror(errno));
	if (!send_all(fd, msg, TCP_LEN))
		die("send: %s", strerror(errno));
	while (len < TCP_LEN) {
		n = recv(fd, got + len, sizeof(got) - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("recv: %s (%zu bytes back)", strerror(errno), len);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (len != TCP_LEN || memcmp(got, msg, TCP_LEN))
		die("%zu bytes back, not the %d sent", len, TCP_LEN);
	return 0;
}

static int udp(const struct sockaddr_storage *dst, socklen_t dlen)
{
	char got[65536];
	ssize_t n = -1;
	int fd;

	fd = socket(dst->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	timeouts(fd, 1);
	for (int i = 0; i < 3; i++) {
		if (sendto(fd, UDP_MSG, strlen(UDP_MSG), 0,
			   (const struct sockaddr *)dst, dlen) < 0)
			die("send: %s", strerror(errno));
		n = recv(fd, got, sizeof(got), 0);
		if (n >= 0)
			break;
		if (errno != EAGAIN && errno != EINTR)
			die("recv: %s", strerror(errno));
	}
	close(fd);
	if (n < 0)
		die("no answer to 3 tries");
	if ((size_t)n != strlen(UDP_MSG) || memcmp(got, UDP_MSG, (size_t)n))
		die("a different datagram came back (%zd bytes)", n);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage dst;
	socklen_t dlen;

	if (argc == 3 && !strcmp(argv[1], "serve"))
		return serve(argv[2]);
	if (argc != 4)
		usage();
	dlen = addr_arg(argv[2], argv[3], &dst);
	if (!strcmp(argv[1], "tcp"))
		return tcp(&dst, dlen);
	if (!strcmp(argv[1], "udp"))
		return udp(&dst, dlen);
	usage();
}

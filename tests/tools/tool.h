/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * What the test tools (tests/tools/, one job each, run by the e2e and VM
 * tests) share: failing with a message, reading numbers and addresses from
 * their arguments, a socket on a port of every address. A usage error exits
 * 2, any other failure 1.
 */
#ifndef WG_TEST_TOOL_H
#define WG_TEST_TOOL_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* The one-line usage of this tool, for usage(). */
extern const char tool_usage[];

static inline void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr, "usage: %s %s\n", program_invocation_short_name,
		tool_usage);
	exit(2);
}

/* "TOOL: message" on stderr, exit 1. */
static inline void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", program_invocation_short_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* A decimal number in [min, max]; a usage error otherwise. */
static inline long num_arg(const char *s, long min, long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "%s: bad %s '%s' (%ld to %ld)\n",
			program_invocation_short_name, what, s, min, max);
		usage();
	}
	return v;
}

/* HOST (an IPv4 or IPv6 address) and PORT as a socket address. */
static inline socklen_t addr_arg(const char *host, const char *port,
				 struct sockaddr_storage *ss)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	uint16_t p = (uint16_t)num_arg(port, 0, 65535, "port");

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(p);
		return sizeof(*a4);
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(p);
		return sizeof(*a6);
	}
	fprintf(stderr, "%s: bad address '%s'\n", program_invocation_short_name,
		host);
	usage();
}

/*
 * A socket of type (SOCK_STREAM: listening, SOCK_DGRAM) bound to PORT of
 * every address, IPv4 and IPv6 on one socket on ::.
 */
static inline int any_port(int type, const char *port)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6,
				   .sin6_addr = IN6ADDR_ANY_INIT };
	int fd, one = 1, zero = 0;

	sa.sin6_port = htons((uint16_t)num_arg(port, 1, 65535, "port"));
	fd = socket(AF_INET6, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* Both families, whatever net.ipv6.bindv6only says. */
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("bind [::]:%s: %s", port, strerror(errno));
	if (type == SOCK_STREAM && listen(fd, 64) < 0)
		die("listen: %s", strerror(errno));
	return fd;
}

#endif

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * What the test tools (tests/tools/, one job each, run by the e2e and VM
 * tests) share: failing with a message, reading numbers and addresses from
 * their arguments. A usage error exits 2, any other failure 1.
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

#endif

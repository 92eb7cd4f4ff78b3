// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * notify: the stand-in for a service manager's notify socket
 * (tests/e2e/test_systemd.sh), until killed.
 *
 *   notify SOCKET
 *
 * Binds a UNIX datagram socket at the path SOCKET and writes each datagram
 * it receives to standard output as one line, its own newlines turned into
 * spaces, flushed at once: "READY=1", "STOPPING=1", ...
 */
#include <sys/un.h>
#include <unistd.h>

#include "tool.h"

const char tool_usage[] = "SOCKET";

int main(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char buf[4097];
	ssize_t n;
	int fd;

	if (argc != 2)
		usage();
	if (strlen(argv[1]) >= sizeof(sun.sun_path))
		die("%s: path too long", argv[1]);
	strcpy(sun.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		die("bind %s: %s", argv[1], strerror(errno));
	for (;;) {
		n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("recv: %s", strerror(errno));
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] == '\n')
				buf[i] = ' ';
		buf[n] = '\n';
		if (fwrite(buf, 1, (size_t)n + 1, stdout) != (size_t)n + 1 ||
		    fflush(stdout))
			die("standard output: %s", strerror(errno));
	}
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * STUB, for the command line's own tests only: it stands in for the real
 * wg_daemon_run() (written on the daemon branch, which replaces this file
 * on merge). It serves the control socket with canned answers so that
 * `wg-xdp up/down/show/set` can be exercised end to end:
 *   get=1    a fixed device with one peer
 *   wgxdp=1  a fixed data-plane report
 *   set=1    logs every line on stderr ("stub set: LINE"), answers errno=0,
 *            or errno=-22 when a line is "listen_port=1"
 * $WG_XDP_STUB=error makes start-up fail with "error: stub failure",
 * $WG_XDP_STUB=exit makes it exit without writing the readiness line.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void answer(int fd)
{
	char buf[4096], line[1024];
	size_t len = 0, llen = 0;
	enum { NONE, GET, SET, XDP } op = NONE;
	bool bad = false;
	FILE *f = fdopen(fd, "r+");

	if (!f) {
		close(fd);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		llen = strlen(line);
		if (llen && line[llen - 1] == '\n')
			line[--llen] = '\0';
		if (op == NONE) {
			op = !strcmp(line, "get=1") ? GET :
			     !strcmp(line, "set=1") ? SET :
			     !strcmp(line, "wgxdp=1") ? XDP : NONE;
			if (op == NONE)
				break;
			continue;
		}
		if (!llen)
			break;
		if (op == SET) {
			fprintf(stderr, "stub set: %s\n", line);
			if (!strcmp(line, "listen_port=1"))
				bad = true;
		}
	}
	if (op == GET)
		len = (size_t)snprintf(buf, sizeof(buf),
			"private_key=e84b5a6d2717c1003a13b431570353dbaca9146cf150c5f8575680feba52027a\n"
			"listen_port=51820\n"
			"fwmark=0\n"
			"public_key=b85996fecc9c7f1fc6d2572a76eda11d59bcd20be8e543b15ce4bd85a8e75a33\n"
			"endpoint=192.0.2.1:51820\n"
			"last_handshake_time_sec=%lld\n"
			"last_handshake_time_nsec=0\n"
			"tx_bytes=4782\n"
			"rx_bytes=1291\n"
			"persistent_keepalive_interval=25\n"
			"allowed_ip=10.0.0.2/32\n"
			"allowed_ip=fd00::2/128\n"
			"protocol_version=1\n"
			"errno=0\n\n", (long long)time(NULL) - 65);
	else if (op == XDP)
		len = (size_t)snprintf(buf, sizeof(buf),
			"path=xdp\nnic=stub0\nxdp_mode=native\nxsk_mode=copy\n"
			"queues=1\ndebug=0\nstat=drop_bad_len 3 180\n"
			"stat=pass_not_udp 0 0\nstat=redirect 12 1536\n"
			"counter=udp_rx 2\nerrno=0\n\n");
	else if (op == SET)
		len = (size_t)snprintf(buf, sizeof(buf), "errno=%d\n\n",
				       bad ? -EINVAL : 0);
	if (len)
		fwrite(buf, 1, len, f);
	fclose(f);
}

int wg_daemon_run(const struct wg_daemon_opts *o, int ready_fd)
{
	const char *mode = getenv("WG_XDP_STUB");
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct sigaction sa = { .sa_handler = on_term };
	int lfd, fd;

	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "stub daemon: %s nic '%s' lan '%s' config '%s' "
		"configure %d debug %d\n", o->ifname, o->nic, o->lan,
		o->config_path ? o->config_path : "", o->configure_interface,
		o->debug);
	if (mode && !strcmp(mode, "exit"))
		return 1;
	if (mode && !strcmp(mode, "error")) {
		if (ready_fd >= 0 && write(ready_fd, "error: stub failure\n", 20))
			close(ready_fd);
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	mkdir("/var/run/wireguard", 0755);
	snprintf(addr.sun_path, sizeof(addr.sun_path),
		 "/var/run/wireguard/%s.sock", o->ifname);
	unlink(addr.sun_path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(lfd, 8)) {
		if (ready_fd >= 0 && write(ready_fd, "error: socket\n", 14))
			close(ready_fd);
		return 1;
	}
	if (ready_fd >= 0) {
		if (write(ready_fd, "ok\n", 3) != 3)
			fprintf(stderr, "stub daemon: readiness write failed\n");
		close(ready_fd);
	}
	while (!stop) {
		fd = accept(lfd, NULL, NULL);
		if (fd >= 0)
			answer(fd);
	}
	unlink(addr.sun_path);
	close(lfd);
	fprintf(stderr, "stub daemon: stopped\n");
	return 0;
}


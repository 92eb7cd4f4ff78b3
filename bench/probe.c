// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * probe HOST INTERVAL: ICMP echo requests to HOST every INTERVAL seconds
 * until SIGTERM or SIGINT, then "sent N". Each reply prints "REALTIME SEQ
 * RTT_MS" as it arrives: its wall-clock arrival, its sequence number (0, 1,
 * ... in sending order, 32 bits: ICMP's own 16 wrap in 131 s at 2 ms) and
 * its round trip.
 *
 * ping -i 0.002 would do, but iputils spins between sends shorter than
 * 10 ms and takes most of a core, which the benchmark has not got to
 * spare; this sleeps in ppoll() until the next send or reply. Root: a raw
 * ICMP socket.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "packet.h"

/* An echo request as sent: header, then the send time and the whole
 * sequence number, then padding to ping's default 56 bytes of data. */
struct echo {
	struct icmphdr h;
	struct timespec sent;
	uint32_t seq;
	uint8_t pad[56 - sizeof(struct timespec) - sizeof(uint32_t)];
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int64_t ns_of(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static int send_echo(int fd, const struct sockaddr_in *dst, uint16_t id,
		     uint32_t seq)
{
	struct echo e;

	memset(&e, 0, sizeof(e));
	e.h.type = ICMP_ECHO;
	e.h.un.echo.id = htons(id);
	e.h.un.echo.sequence = htons((uint16_t)seq);
	e.seq = seq;
	clock_gettime(CLOCK_MONOTONIC, &e.sent);
	e.h.checksum = (uint16_t)~wg_csum_fold(wg_csum_add(0, &e, sizeof(e)));
	if (sendto(fd, &e, sizeof(e), 0, (const struct sockaddr *)dst,
		   sizeof(*dst)) < 0 &&
	    errno != ENOBUFS && errno != EHOSTUNREACH && errno != ENETUNREACH)
		return -errno;
	return 0;
}

/* Every reply waiting on fd: print the ones that are ours. */
static void read_replies(int fd, const struct sockaddr_in *dst, uint16_t id)
{
	uint8_t buf[1500];

	for (;;) {
		struct timespec now, wall;
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		struct echo e;
		ssize_t n;
		size_t hl;

		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &fl);
		if (n < 0)
			return;
		clock_gettime(CLOCK_MONOTONIC, &now);
		clock_gettime(CLOCK_REALTIME, &wall);
		/* A raw socket gives the IP header too. */
		hl = (size_t)(buf[0] & 0x0f) * 4;
		if ((size_t)n < hl + sizeof(e) ||
		    from.sin_addr.s_addr != dst->sin_addr.s_addr)
			continue;
		memcpy(&e, buf + hl, sizeof(e));
		if (e.h.type != ICMP_ECHOREPLY || ntohs(e.h.un.echo.id) != id)
			continue;
		printf("%lld.%06ld %u %.3f\n", (long long)wall.tv_sec,
		       wall.tv_nsec / 1000, e.seq,
		       (double)(ns_of(&now) - ns_of(&e.sent)) / 1e6);
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct sigaction sa = { .sa_handler = on_signal };
	struct pollfd pfd;
	int64_t interval, next;
	uint32_t seq = 0;
	uint16_t id;
	double iv;
	int fd;

	if (argc != 3 || inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1 ||
	    (iv = atof(argv[2])) < 0.0001 || iv > 10) {
		fprintf(stderr, "usage: probe IPV4 INTERVAL_SECONDS\n");
		return 2;
	}
	interval = (int64_t)(iv * 1e9);
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (fd < 0) {
		perror("probe: raw ICMP socket");
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	id = (uint16_t)getpid();
	pfd.fd = fd;
	pfd.events = POLLIN;
	next = 0;
	while (!stop) {
		struct timespec now, wait;
		int64_t t;

		clock_gettime(CLOCK_MONOTONIC, &now);
		t = ns_of(&now);
		if (t >= next) {
			if (send_echo(fd, &dst, id, seq) < 0) {
				perror("probe: sendto");
				return 1;
			}
			seq++;
			/* Late (descheduled): go on from now, do not burst. */
			next = next && t - next < interval ? next + interval :
							     t + interval;
			continue;
		}
		wait.tv_sec = (next - t) / 1000000000;
		wait.tv_nsec = (next - t) % 1000000000;
		if (ppoll(&pfd, 1, &wait, NULL) > 0)
			read_replies(fd, &dst, id);
	}
	printf("sent %u\n", seq);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * junk HOST PORT SECONDS: flood HOST:PORT with invalid WireGuard packets as
 * fast as one core can, in batches of sendmmsg, and print how many went out.
 * The mix, in turn: random bytes of random length; handshake types with a
 * wrong size; well-sized initiations with random contents (bad mac1); data
 * messages of a valid size naming random receiver indexes.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	uint64_t x = rnd_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rnd_state = x;
}

static void fill(uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = rnd();

		memcpy(p + i, &v, len - i < 8 ? len - i : 8);
	}
}

/* Build junk packet number k into p; return its length. */
static size_t make(uint8_t *p, uint64_t k)
{
	size_t len;

	switch (k % 4) {
	case 0: /* random bytes, 1..1400 */
		len = 1 + rnd() % 1400;
		fill(p, len);
		return len;
	case 1: /* a handshake type with a wrong size */
		len = 4 + rnd() % 200;
		fill(p, len);
		p[0] = 1 + rnd() % 3;
		p[1] = p[2] = p[3] = 0;
		if (len == 148 || len == 92 || len == 64)
			len++;
		return len;
	case 2: /* an initiation of the right size, bad mac1 */
		fill(p, 148);
		p[0] = 1;
		p[1] = p[2] = p[3] = 0;
		return 148;
	default: /* data to an unknown receiver index */
		len = 32 + 16 * (rnd() % 80);
		fill(p, len);
		p[0] = 4;
		p[1] = p[2] = p[3] = 0;
		return len;
	}
}

int main(int argc, char **argv)
{
	static uint8_t bufs[BATCH][1500];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct timespec ts;
	uint64_t k = 0, sent = 0, end;
	int fd;

	if (argc != 4 || inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1) {
		fprintf(stderr, "usage: junk HOST PORT SECONDS\n");
		return 2;
	}
	dst.sin_port = htons((uint16_t)atoi(argv[2]));
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("junk: socket");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	rnd_state ^= (uint64_t)ts.tv_nsec;
	end = (uint64_t)ts.tv_sec + (uint64_t)atoi(argv[3]);
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &dst;
		msgs[i].msg_hdr.msg_namelen = sizeof(dst);
	}
	for (;;) {
		int n;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		if ((uint64_t)ts.tv_sec >= end)
			break;
		for (int i = 0; i < BATCH; i++)
			iov[i].iov_len = make(bufs[i], k++);
		n = sendmmsg(fd, msgs, BATCH, 0);
		if (n > 0)
			sent += (uint64_t)n;
	}
	printf("junk: sent=%llu\n", (unsigned long long)sent);
	close(fd);
	return 0;
}

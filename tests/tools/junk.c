// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * junk: bad WireGuard messages at a listen port, each class made to land
 * in one drop reason of the XDP program (tests/e2e/test_junk.sh counts
 * them exactly).
 *
 *   junk CLASS COUNT PORT HOST...
 *
 * COUNT datagrams of CLASS to PORT of each HOST (IPv4 or IPv6), random
 * where the class leaves bytes free:
 *
 *   truncated       0 to 3 bytes, shorter than a message header
 *   bad_type        types 0 and 5..255, up to 199 bytes after the header
 *   random          4 to 1399 random bytes, the type byte not 1..4
 *   reserved        a real type (1..4) with nonzero reserved bytes
 *   len_initiation  type 1 of a wrong size (148 is right)
 *   len_response    type 2 of a wrong size (92 is right)
 *   len_cookie      type 3 of a wrong size (64 is right)
 *   len_data        type 4 shorter than 32 bytes
 *   index_data      type 4 of a valid size, to a random receiver index
 *   index_response  type 2 of the right size, to a random receiver index
 *   index_cookie    type 3 of the right size, to a random receiver index
 *   initiation      type 1 of the right size, garbage inside (bad mac1)
 *   bad_udp_len     IPv4 only, through a raw socket (root): a data-sized
 *                   message whose UDP length claims 8 bytes more than the
 *                   IP packet holds
 *   0xHEX           exactly the bytes HEX
 *
 * One process for every host and message: in a TCG guest a start costs.
 */
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/random.h>
#include <unistd.h>

#include "tool.h"
#include "wire.h"

const char tool_usage[] = "CLASS COUNT PORT HOST...";

#define MSG_MAX 1500

static void rb(uint8_t *p, size_t n)
{
	while (n) {
		ssize_t got = getrandom(p, n, 0);

		if (got < 0 && errno != EINTR)
			die("getrandom: %s", strerror(errno));
		if (got > 0) {
			p += got;
			n -= (size_t)got;
		}
	}
}

/* A random number in [lo, hi]. */
static size_t pick(size_t lo, size_t hi)
{
	uint32_t v;

	rb((uint8_t *)&v, sizeof(v));
	return lo + v % (hi - lo + 1);
}

/* One of the n sizes in list. */
static size_t one_of(const size_t *list, size_t n)
{
	return list[pick(0, n - 1)];
}

/* Header of type t (reserved bytes zero), then len - 4 random bytes. */
static size_t typed(uint8_t *p, uint8_t t, size_t len)
{
	rb(p, len);
	p[0] = t;
	p[1] = p[2] = p[3] = 0;
	return len;
}

static size_t from_hex(uint8_t *p, const char *hex)
{
	size_t n = 0;
	unsigned int b;

	if (strlen(hex) % 2 || strlen(hex) / 2 > MSG_MAX)
		usage();
	for (; *hex; hex += 2) {
		if (!strchr("0123456789abcdefABCDEF", hex[0]) ||
		    !strchr("0123456789abcdefABCDEF", hex[1]) ||
		    sscanf(hex, "%2x", &b) != 1)
			usage();
		p[n++] = (uint8_t)b;
	}
	return n;
}

/* Message of class cls into p; its length. */
static size_t make(uint8_t *p, const char *cls)
{
	static const size_t init[] = { 4, 32, 147, 149, 180, 1000 };
	static const size_t resp[] = { 4, 60, 91, 93, 148 };
	static const size_t cookie[] = { 4, 48, 63, 65, 92 };
	size_t len;

	if (!strncmp(cls, "0x", 2))
		return from_hex(p, cls + 2);
	if (!strcmp(cls, "truncated")) {
		len = pick(0, 3);
		rb(p, len);
		return len;
	}
	if (!strcmp(cls, "bad_type")) {
		len = typed(p, 0, 4 + pick(0, 199));
		p[0] = (uint8_t)pick(4, 255);
		if (p[0] == 4)
			p[0] = 0;
		return len;
	}
	if (!strcmp(cls, "random")) {
		len = pick(4, 1399);
		rb(p, len);
		while (p[0] >= 1 && p[0] <= 4)
			p[0] = (uint8_t)pick(0, 255);
		return len;
	}
	if (!strcmp(cls, "reserved")) {
		len = typed(p, (uint8_t)pick(1, 4), WG_MSG_INITIATION_LEN);
		while (!p[1] && !p[2] && !p[3])
			rb(p + 1, 3);
		return len;
	}
	if (!strcmp(cls, "len_initiation"))
		return typed(p, WG_MSG_INITIATION, one_of(init, 6));
	if (!strcmp(cls, "len_response"))
		return typed(p, WG_MSG_RESPONSE, one_of(resp, 5));
	if (!strcmp(cls, "len_cookie"))
		return typed(p, WG_MSG_COOKIE, one_of(cookie, 5));
	if (!strcmp(cls, "len_data"))
		return typed(p, WG_MSG_DATA, pick(4, WG_MSG_DATA_MIN_LEN - 1));
	if (!strcmp(cls, "index_data"))
		return typed(p, WG_MSG_DATA, 16 + 16 * pick(1, 19));
	if (!strcmp(cls, "index_response"))
		return typed(p, WG_MSG_RESPONSE, WG_MSG_RESPONSE_LEN);
	if (!strcmp(cls, "index_cookie"))
		return typed(p, WG_MSG_COOKIE, WG_MSG_COOKIE_LEN);
	if (!strcmp(cls, "initiation"))
		return typed(p, WG_MSG_INITIATION, WG_MSG_INITIATION_LEN);
	fprintf(stderr, "junk: unknown class '%s'\n", cls);
	usage();
}

/*
 * IPv4 and UDP headers before a 64-byte data message, the UDP length 8
 * more than there is. The kernel fills in the source address, the IP id
 * and checksum (IP_HDRINCL with zeros there); the UDP checksum is
 * optional over IPv4.
 */
static size_t bad_udp_len(uint8_t *p, const struct sockaddr_in *dst)
{
	struct iphdr *ip = (struct iphdr *)p;
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	size_t data = typed((uint8_t *)(udp + 1), WG_MSG_DATA, 64);
	size_t len = sizeof(*ip) + sizeof(*udp) + data;

	memset(ip, 0, sizeof(*ip) + sizeof(*udp));
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons((uint16_t)len);
	ip->daddr = dst->sin_addr.s_addr;
	udp->source = htons(40000);
	udp->dest = dst->sin_port;
	udp->len = htons((uint16_t)(sizeof(*udp) + data + 8));
	return len;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage dst;
	uint8_t msg[MSG_MAX];
	socklen_t dlen;
	long count;
	bool raw;
	size_t len;
	int fd;

	if (argc < 5)
		usage();
	raw = !strcmp(argv[1], "bad_udp_len");
	count = num_arg(argv[2], 0, 1000000, "count");
	if (!raw)
		make(msg, argv[1]); /* an unknown class fails before sending */
	for (int h = 4; h < argc; h++) {
		dlen = addr_arg(argv[h], argv[3], &dst);
		if (raw && dst.ss_family != AF_INET)
			die("bad_udp_len is IPv4 only, not %s", argv[h]);
		fd = raw ? socket(AF_INET, SOCK_RAW, IPPROTO_RAW) :
			   socket(dst.ss_family, SOCK_DGRAM, 0);
		if (fd < 0)
			die("socket: %s", strerror(errno));
		for (long i = 0; i < count; i++) {
			len = raw ? bad_udp_len(msg, (struct sockaddr_in *)&dst) :
				    make(msg, argv[1]);
			if (sendto(fd, msg, len, 0, (struct sockaddr *)&dst,
				   dlen) != (ssize_t)len)
				die("send to %s: %s", argv[h], strerror(errno));
		}
		close(fd);
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * frame: one hand-made Ethernet frame out of an interface, for the tests
 * of what XDP leaves to the kernel on a LAN (tests/e2e/test_gateway_router.sh:
 * directed broadcasts, 802.1Q tags).
 *
 *   frame IFACE DST_MAC SRC_IP DST_IP VLAN PAYLOAD
 *
 * From IFACE's own MAC to DST_MAC: an IPv4 UDP datagram from SRC_IP port
 * 40000 to DST_IP port 9999 (TTL 64, don't fragment, IP id 1, no UDP
 * checksum) carrying the bytes of PAYLOAD, with an 802.1Q tag for VLAN
 * (0 to 4095, priority 0) unless VLAN is -1. Needs root (an AF_PACKET
 * socket).
 */
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <unistd.h>

#include "tool.h"

const char tool_usage[] = "IFACE DST_MAC SRC_IP DST_IP VLAN PAYLOAD";

#define FRAME_MAX 1514

static void mac_arg(const char *s, uint8_t mac[ETH_ALEN])
{
	unsigned int b[ETH_ALEN];
	char end;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &end) != ETH_ALEN) {
		fprintf(stderr, "frame: bad MAC address '%s'\n", s);
		usage();
	}
	for (int i = 0; i < ETH_ALEN; i++)
		mac[i] = (uint8_t)b[i];
}

static void ip4_arg(const char *s, uint32_t *addr)
{
	if (inet_pton(AF_INET, s, addr) != 1) {
		fprintf(stderr, "frame: bad IPv4 address '%s'\n", s);
		usage();
	}
}

/* The Internet checksum of an IPv4 header. */
static uint16_t ip_csum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

int main(int argc, char **argv)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	socklen_t slen = sizeof(sll);
	uint8_t frame[FRAME_MAX], *p = frame;
	size_t plen, len;
	struct iphdr ip;
	struct udphdr udp;
	uint32_t src, dst;
	long vlan;
	int fd;

	if (argc != 7)
		usage();
	mac_arg(argv[2], p);
	ip4_arg(argv[3], &src);
	ip4_arg(argv[4], &dst);
	vlan = num_arg(argv[5], -1, 4095, "VLAN");
	plen = strlen(argv[6]);
	if (14 + 4 + sizeof(ip) + sizeof(udp) + plen > FRAME_MAX)
		die("payload of %zu bytes does not fit a frame", plen);
	sll.sll_ifindex = (int)if_nametoindex(argv[1]);
	if (!sll.sll_ifindex)
		die("%s: %s", argv[1], strerror(errno));

	/* Protocol 0: this socket sends only, it receives nothing. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sll, &slen) < 0)
		die("%s: %s", argv[1], strerror(errno));
	if (sll.sll_halen != ETH_ALEN)
		die("%s: not an Ethernet interface", argv[1]);

	p += ETH_ALEN;
	memcpy(p, sll.sll_addr, ETH_ALEN);
	p += ETH_ALEN;
	if (vlan >= 0) {
		*p++ = 0x81;
		*p++ = 0x00;
		*p++ = (uint8_t)(vlan >> 8);
		*p++ = (uint8_t)vlan;
	}
	*p++ = 0x08;
	*p++ = 0x00;

	udp = (struct udphdr){ .source = htons(40000), .dest = htons(9999),
			       .len = htons((uint16_t)(sizeof(udp) + plen)) };
	ip = (struct iphdr){ .version = 4, .ihl = 5, .id = htons(1),
			     .frag_off = htons(IP_DF), .ttl = 64,
			     .protocol = IPPROTO_UDP, .saddr = src,
			     .daddr = dst };
	ip.tot_len = htons((uint16_t)(sizeof(ip) + sizeof(udp) + plen));
	ip.check = ip_csum(&ip, sizeof(ip));
	memcpy(p, &ip, sizeof(ip));
	p += sizeof(ip);
	memcpy(p, &udp, sizeof(udp));
	p += sizeof(udp);
	memcpy(p, argv[6], plen);
	len = (size_t)(p - frame) + plen;

	if (send(fd, frame, len, 0) != (ssize_t)len)
		die("send on %s: %s", argv[1], strerror(errno));
	close(fd);
	return 0;
}

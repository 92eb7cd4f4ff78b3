// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * xsk_probe: what a NIC says about AF_XDP zero-copy, for
 * tests/vm/test_zerocopy.sh.
 *
 *   xsk_probe IFNAME            its XDP features (generic netlink, the
 *                               "netdev" family)
 *   xsk_probe IFNAME QUEUE...   and a zero-copy bind of a throw-away AF_XDP
 *                               socket on each QUEUE: "ok" or the errno
 *
 * One line each:
 *
 *   IFNAME: xdp-features NAME,... (0xBITS)[ zc-max-segs N][, no xsk-zerocopy: ...]
 *   IFNAME: xdp-features unknown (netlink: REASON)
 *   IFNAME: zero-copy bind on queue Q: ok
 *   IFNAME: zero-copy bind on queue Q: refused: ENAME (strerror)
 *   IFNAME: zero-copy bind on queue Q: bound, but not in zero-copy mode
 *
 * The features come from the kernel's NETDEV_CMD_DEV_GET (Linux 6.3 and
 * later); "xsk-zerocopy" there is what the driver advertises, the bind is
 * what it accepts. Raw sockets only: nothing to link, nothing the guests
 * lack.
 */
#include <linux/genetlink.h>
#include <linux/if_xdp.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tool.h"

const char tool_usage[] = "IFNAME [QUEUE...]";

/*
 * The netdev family's numbers (include/uapi/linux/netdev.h, Linux 6.3),
 * here because the build machine's headers may predate it.
 */
enum {
	NETDEV_CMD_DEV_GET = 1,
	NETDEV_A_DEV_IFINDEX = 1,
	NETDEV_A_DEV_XDP_FEATURES = 3,
	NETDEV_A_DEV_XDP_ZC_MAX_SEGS = 4,
};

/* enum netdev_xdp_act, in bit order. */
static const char *const xdp_act[] = {
	"basic", "redirect", "ndo-xmit", "xsk-zerocopy",
	"hw-offload", "rx-sg", "ndo-xmit-sg",
};
#define XDP_ACT_XSK_ZEROCOPY (1ULL << 3)

#define FRAME 4096
#define FRAMES 64
#define MSG_MAX 65536

struct genl_req {
	struct nlmsghdr nh;
	struct genlmsghdr gh;
	char attrs[64];
};

/* The attributes of a reply, by type (the ones above NLA_TYPE_MASK: none). */
struct attrs {
	const struct nlattr *a[8];
};

static void put_attr(struct genl_req *req, uint16_t type, const void *data,
		     uint16_t len)
{
	struct nlattr *a = (struct nlattr *)((char *)req + req->nh.nlmsg_len);

	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy((char *)a + NLA_HDRLEN, data, len);
	req->nh.nlmsg_len += NLA_ALIGN(a->nla_len);
}

/*
 * Sends one request of cmd to family and reads its reply's attributes
 * into at (pointing into buf); 0 or -errno.
 */
static int genl_call(int fd, uint16_t family, uint8_t cmd, uint16_t atype,
		     const void *data, uint16_t dlen, uint32_t seq, char *buf,
		     struct attrs *at)
{
	struct genl_req req = {
		.nh = { .nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN),
			.nlmsg_type = family,
			.nlmsg_flags = NLM_F_REQUEST,
			.nlmsg_seq = seq },
		.gh = { .cmd = cmd, .version = 1 },
	};
	const struct nlmsghdr *nh = (const struct nlmsghdr *)buf;
	const struct nlattr *a;
	ssize_t n;
	int left;

	put_attr(&req, atype, data, dlen);
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0)
		return -errno;
	n = recv(fd, buf, MSG_MAX, 0);
	if (n < 0)
		return -errno;
	if (!NLMSG_OK(nh, n))
		return -EBADMSG;
	if (nh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(nh);

		return e->error ? e->error : -EBADMSG;
	}
	memset(at, 0, sizeof(*at));
	a = (const struct nlattr *)((const char *)NLMSG_DATA(nh) + GENL_HDRLEN);
	left = (int)nh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	while (left >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= left) {
		uint16_t t = a->nla_type & NLA_TYPE_MASK;

		if (t < 8)
			at->a[t] = a;
		left -= NLA_ALIGN(a->nla_len);
		a = (const struct nlattr *)((const char *)a +
					    NLA_ALIGN(a->nla_len));
	}
	return 0;
}

/* Attribute t of at as a number of size bytes; false when it is not there. */
static bool attr_num(const struct attrs *at, int t, void *v, size_t size)
{
	const struct nlattr *a = at->a[t];

	if (!a || a->nla_len < NLA_HDRLEN + size)
		return false;
	memcpy(v, (const char *)a + NLA_HDRLEN, size);
	return true;
}

/* The XDP features line of ifname, without "IFNAME: xdp-features ". */
static void features(const char *ifname)
{
	static char buf[MSG_MAX];
	struct attrs at;
	uint32_t ifindex = if_nametoindex(ifname), segs;
	uint16_t family;
	uint64_t bits;
	bool any = false;
	int fd, err;

	printf("%s: xdp-features ", ifname);
	if (!ifindex) {
		printf("unknown (netlink: %s)\n", strerror(errno));
		return;
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0) {
		printf("unknown (netlink: %s)\n", strerror(errno));
		return;
	}
	err = genl_call(fd, GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
			CTRL_ATTR_FAMILY_NAME, "netdev", sizeof("netdev"), 1,
			buf, &at);
	if (!err && !attr_num(&at, CTRL_ATTR_FAMILY_ID, &family, 2))
		err = -ENOMSG;
	if (!err)
		err = genl_call(fd, family, NETDEV_CMD_DEV_GET,
				NETDEV_A_DEV_IFINDEX, &ifindex, 4, 2, buf, &at);
	if (!err && !attr_num(&at, NETDEV_A_DEV_XDP_FEATURES, &bits, 8))
		err = -ENOMSG;
	close(fd);
	if (err) {
		printf("unknown (netlink: %s)\n", strerror(-err));
		return;
	}
	for (size_t i = 0; i < sizeof(xdp_act) / sizeof(xdp_act[0]); i++)
		if (bits & (1ULL << i)) {
			printf("%s%s", any ? "," : "", xdp_act[i]);
			any = true;
		}
	printf("%s (0x%llx)", any ? "" : "none", (unsigned long long)bits);
	if (attr_num(&at, NETDEV_A_DEV_XDP_ZC_MAX_SEGS, &segs, 4))
		printf(" zc-max-segs %u", segs);
	/* The kernel refuses a zero-copy bind without it (EOPNOTSUPP)
	 * before it asks the driver. */
	if (!(bits & XDP_ACT_XSK_ZEROCOPY))
		printf(", no xsk-zerocopy: the driver offers no AF_XDP zero-copy");
	putchar('\n');
}

/* A zero-copy bind of a throw-away socket on queue q of ifindex. */
static void bind_zerocopy(const char *ifname, uint32_t ifindex, uint32_t q)
{
	struct xdp_umem_reg reg = { .len = FRAME * FRAMES,
				    .chunk_size = FRAME };
	struct sockaddr_xdp sxdp = { .sxdp_family = AF_XDP,
				     .sxdp_flags = XDP_ZEROCOPY |
						   XDP_USE_NEED_WAKEUP,
				     .sxdp_ifindex = ifindex,
				     .sxdp_queue_id = q };
	static const int rings[] = { XDP_UMEM_FILL_RING,
				     XDP_UMEM_COMPLETION_RING, XDP_RX_RING };
	struct xdp_options opts = { 0 };
	socklen_t olen = sizeof(opts);
	int fd, size = FRAMES, e;
	const char *name;
	void *area;

	printf("%s: zero-copy bind on queue %u: ", ifname, q);
	area = mmap(NULL, FRAME * FRAMES, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("AF_XDP socket: %s", strerror(errno));
	reg.addr = (uintptr_t)area;
	if (setsockopt(fd, SOL_XDP, XDP_UMEM_REG, &reg, sizeof(reg)) < 0)
		die("XDP_UMEM_REG: %s", strerror(errno));
	for (size_t i = 0; i < sizeof(rings) / sizeof(rings[0]); i++)
		if (setsockopt(fd, SOL_XDP, rings[i], &size, sizeof(size)) < 0)
			die("ring %d: %s", rings[i], strerror(errno));
	if (bind(fd, (struct sockaddr *)&sxdp, sizeof(sxdp)) < 0) {
		e = errno;
		name = e == EOPNOTSUPP ? "EOPNOTSUPP" : strerrorname_np(e);
		if (name)
			printf("refused: %s (%s)\n", name, strerror(e));
		else
			printf("refused: %d (%s)\n", e, strerror(e));
	} else if (getsockopt(fd, SOL_XDP, XDP_OPTIONS, &opts, &olen) < 0) {
		die("XDP_OPTIONS: %s", strerror(errno));
	} else {
		printf("%s\n", opts.flags & XDP_OPTIONS_ZEROCOPY ?
				       "ok" :
				       "bound, but not in zero-copy mode");
	}
	close(fd);
	munmap(area, FRAME * FRAMES);
}

int main(int argc, char **argv)
{
	uint32_t ifindex;

	if (argc < 2)
		usage();
	for (int i = 2; i < argc; i++)
		num_arg(argv[i], 0, UINT32_MAX, "queue");
	/* Each line whole, also when standard output is a file. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	features(argv[1]);
	if (argc == 2)
		return 0;
	ifindex = if_nametoindex(argv[1]);
	if (!ifindex)
		die("%s: %s", argv[1], strerror(errno));
	for (int i = 2; i < argc; i++)
		bind_zerocopy(argv[1], ifindex,
			      (uint32_t)num_arg(argv[i], 0, UINT32_MAX, "queue"));
	return 0;
}

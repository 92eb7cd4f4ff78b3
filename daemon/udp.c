// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "udp.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "rcu.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

/* Socket buffers as wireguard-go asks for them: bursts of a fast peer. */
#define SOCK_BUF (7 << 20)

/* ------------------------------------------------------------ sockets */

static void sockopts(int fd, int family, bool *gro)
{
	int one = 1, buf = SOCK_BUF;

	/* Best effort: without them we lose speed, not correctness. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	if (family == AF_INET)
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	else
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
			   sizeof(one));
	*gro = setsockopt(fd, IPPROTO_UDP, UDP_GRO, &one, sizeof(one)) == 0;
}

static int bind_one(int family, uint16_t port, uint32_t fwmark, bool *gro)
{
	union wg_sockaddr a = { 0 };
	int fd, one = 1;

	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
		goto err;
	if (fwmark && setsockopt(fd, SOL_SOCKET, SO_MARK, &fwmark,
				 sizeof(fwmark)) < 0)
		goto err;
	a.sa.sa_family = family;
	a.in.sin_port = htons(port);
	if (bind(fd, &a.sa, wg_sockaddr_len(&a)) < 0)
		goto err;
	sockopts(fd, family, gro);
	return fd;
err:
	one = -errno;
	close(fd);
	return one;
}

static uint16_t bound_port(int fd)
{
	union wg_sockaddr a;
	socklen_t len = sizeof(a);

	if (getsockname(fd, &a.sa, &len) < 0)
		return 0;
	return ntohs(a.in.sin_port);
}

int wg_socket_open(struct wg_socket *s, uint16_t port, uint32_t fwmark)
{
	bool gro4 = false, gro6 = false;
	int fd4, fd6;

	for (int tries = 0; tries < 16; tries++) {
		fd4 = bind_one(AF_INET, port, fwmark, &gro4);
		if (fd4 < 0)
			return fd4;
		fd6 = bind_one(AF_INET6, bound_port(fd4), fwmark, &gro6);
		if (fd6 >= 0 || fd6 == -EAFNOSUPPORT)
			goto done;
		close(fd4);
		/* A random v4 port may be taken in v6: pick another. */
		if (port || fd6 != -EADDRINUSE)
			return fd6;
	}
	return -EADDRINUSE;
done:
	s->fd4 = fd4;
	s->fd6 = fd6 < 0 ? -1 : fd6;
	s->port = bound_port(fd4);
	s->fwmark = fwmark;
	s->gro = gro4 && (fd6 < 0 || gro6);
	return 0;
}

void wg_socket_close(struct wg_socket *s)
{
	if (s->fd4 >= 0)
		close(s->fd4);
	if (s->fd6 >= 0)
		close(s->fd6);
	s->fd4 = s->fd6 = -1;
}

int wg_socket_set_fwmark(struct wg_socket *s, uint32_t fwmark)
{
	int fds[2] = { s->fd4, s->fd6 };

	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0 && setsockopt(fds[i], SOL_SOCKET, SO_MARK,
					      &fwmark, sizeof(fwmark)) < 0)
			return -errno;
	s->fwmark = fwmark;
	return 0;
}

/* ---------------------------------------------------------- transport */

/* Datagrams per recvmmsg / sendmmsg call. */
#define BATCH 64
/* Buffers of one transport: a receive batch and the TUN reads of a send. */
#define NBUFS 256
/* Headroom of alloc'd buffers: the engine's 16-byte data header and more. */
#define HEADROOM 64
/* Each buffer holds a whole GRO run (or a largest datagram) after it. */
#define STRIDE (HEADROOM + 65536)
#define CMSG_ROOM                                                       \
	(CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int)) + \
	 CMSG_SPACE(sizeof(uint16_t)))

/*
 * A received buffer not yet handed out whole: a GRO run of datagrams of
 * seg bytes (the last may be shorter) from one sender.
 */
struct rx_run {
	uint32_t buf, off, left, seg;
	struct wg_path path;
};

struct udp {
	struct wg_transport t;
	struct wg_socket *const *sockp;
	bool recv;
	bool next6;		/* which family recvmmsg tries first */
	uint8_t *area;		/* NBUFS * STRIDE, mmap'ed: pages on use */
	uint16_t refs[NBUFS];	/* packets still pointing into a buffer */
	uint32_t stack[NBUFS];	/* free buffers */
	uint32_t nfree;
	/* Received, not yet handed out: runs[head .. head + nruns). */
	struct rx_run runs[BATCH];
	unsigned int head, nruns;
	/* Counters: this instance's thread writes, any thread reads. */
	_Atomic uint64_t gso_sends, gso_fallbacks, src_fallbacks, errors,
		gro_runs, truncated;
	uint8_t cmsg[BATCH][CMSG_ROOM];
};

#define UDP_OF(tp) ((struct udp *)(tp))

static void bump(_Atomic uint64_t *c)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

static uint8_t *buf_at(struct udp *u, uint32_t i)
{
	return u->area + (size_t)i * STRIDE;
}

static int take(struct udp *u, uint32_t *i)
{
	if (!u->nfree)
		return -ENOBUFS;
	*i = u->stack[--u->nfree];
	u->refs[*i] = 1;
	return 0;
}

static void put(struct udp *u, uint32_t i)
{
	if (i < NBUFS && u->refs[i] && --u->refs[i] == 0)
		u->stack[u->nfree++] = i;
}

static int udp_alloc(struct wg_transport *t, struct wg_pkt *pkt)
{
	struct udp *u = UDP_OF(t);
	uint32_t i;

	if (take(u, &i))
		return -ENOBUFS;
	memset(pkt, 0, sizeof(*pkt));
	pkt->data = buf_at(u, i) + HEADROOM;
	pkt->head = HEADROOM;
	pkt->room = STRIDE - HEADROOM;
	pkt->owner = t;
	pkt->handle = i;
	return 0;
}

static void udp_release(struct wg_transport *t, struct wg_pkt *pkt)
{
	put(UDP_OF(t), (uint32_t)pkt->handle);
}

/* Our address and the ingress from the control messages of one datagram. */
static uint16_t parse_cmsgs(struct msghdr *mh, struct wg_path *path)
{
	uint16_t gso = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			path->local.in.sin_family = AF_INET;
			path->local.in.sin_addr = pi.ipi_addr;
			path->ifindex = pi.ipi_ifindex;
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
			   c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			path->local.in6.sin6_family = AF_INET6;
			path->local.in6.sin6_addr = pi.ipi6_addr;
			path->ifindex = (int)pi.ipi6_ifindex;
			if (IN6_IS_ADDR_LINKLOCAL(&pi.ipi6_addr))
				path->local.in6.sin6_scope_id = pi.ipi6_ifindex;
		} else if (c->cmsg_level == IPPROTO_UDP &&
			   c->cmsg_type == UDP_GRO) {
			int v;

			memcpy(&v, CMSG_DATA(c), sizeof(v));
			gso = (uint16_t)v;
		}
	}
	return gso;
}

/*
 * Hand out the datagrams of the runs received, in order, until pkts is
 * full; what does not fit stays for the next call, nothing is dropped.
 */
static void hand_out(struct udp *u, struct wg_pkt *pkts, unsigned int *n,
		     unsigned int max)
{
	while (u->nruns && *n < max) {
		struct rx_run *c = &u->runs[u->head];
		uint32_t len = c->left < c->seg ? c->left : c->seg;
		struct wg_pkt *p = &pkts[(*n)++];

		memset(p, 0, sizeof(*p));
		p->data = buf_at(u, c->buf) + c->off;
		p->len = len;
		p->head = c->off;
		p->room = STRIDE - c->off;
		p->owner = &u->t;
		p->handle = c->buf;
		p->path = c->path;
		u->refs[c->buf]++;
		c->off += len;
		c->left -= len;
		if (!c->left) {
			put(u, c->buf); /* the run's own reference */
			u->head = (u->head + 1) % BATCH;
			u->nruns--;
		}
	}
}

/* Receive up to `room` messages from fd into runs; how many. */
static unsigned int recv_fd(struct udp *u, int fd, unsigned int room)
{
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	union wg_sockaddr from[BATCH];
	uint32_t bufs[BATCH];
	unsigned int got = 0;
	int r;

	while (got < room && !take(u, &bufs[got]))
		got++;
	if (!got)
		return 0;
	memset(msgs, 0, sizeof(msgs[0]) * got);
	for (unsigned int i = 0; i < got; i++) {
		iov[i].iov_base = buf_at(u, bufs[i]) + HEADROOM;
		iov[i].iov_len = STRIDE - HEADROOM;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &from[i];
		msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
		msgs[i].msg_hdr.msg_control = u->cmsg[i];
		msgs[i].msg_hdr.msg_controllen = CMSG_ROOM;
	}
	r = recvmmsg(fd, msgs, got, MSG_DONTWAIT, NULL);
	if (r < 0)
		r = 0;
	for (unsigned int i = (unsigned int)r; i < got; i++)
		put(u, bufs[i]);
	for (int i = 0; i < r; i++) {
		struct msghdr *mh = &msgs[i].msg_hdr;
		struct rx_run *c = &u->runs[(u->head + u->nruns) % BATCH];
		uint16_t gso;

		memset(&c->path, 0, sizeof(c->path));
		c->path.remote = from[i];
		gso = parse_cmsgs(mh, &c->path);
		if ((mh->msg_flags & MSG_TRUNC) || !msgs[i].msg_len) {
			put(u, bufs[i]); /* no valid message */
			bump(&u->truncated);
			continue;
		}
		c->buf = bufs[i];
		c->off = HEADROOM;
		c->left = msgs[i].msg_len;
		c->seg = gso ? gso : c->left;
		if (gso)
			bump(&u->gro_runs);
		u->nruns++;
	}
	return (unsigned int)r;
}

static unsigned int udp_recv(struct wg_transport *t, struct wg_pkt *pkts,
			     unsigned int max)
{
	struct udp *u = UDP_OF(t);
	struct wg_socket *s = wg_rcu_deref(*u->sockp);
	unsigned int n = 0;
	int fds[2];

	if (!u->recv || !s)
		return 0;
	hand_out(u, pkts, &n, max);
	fds[0] = u->next6 ? s->fd6 : s->fd4;
	fds[1] = u->next6 ? s->fd4 : s->fd6;
	u->next6 = !u->next6;
	for (int i = 0; i < 2 && n < max; i++) {
		/* No more messages than datagrams wanted, nor than runs fit. */
		unsigned int room = max - n;

		if (room > BATCH - u->nruns)
			room = BATCH - u->nruns;
		if (fds[i] >= 0 && room)
			recv_fd(u, fds[i], room);
		hand_out(u, pkts, &n, max);
	}
	return n;
}

/* The control message for path's source address (none: kernel's choice). */
static size_t put_src(uint8_t *ctl, const struct wg_path *path)
{
	struct cmsghdr *c = (struct cmsghdr *)ctl;

	if (path->local.sa.sa_family == AF_INET &&
	    path->remote.sa.sa_family == AF_INET) {
		struct in_pktinfo pi = { 0 };

		pi.ipi_spec_dst = path->local.in.sin_addr;
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		return CMSG_SPACE(sizeof(pi));
	}
	if (path->local.sa.sa_family == AF_INET6 &&
	    path->remote.sa.sa_family == AF_INET6) {
		struct in6_pktinfo pi = { 0 };

		pi.ipi6_addr = path->local.in6.sin6_addr;
		/* A link-local source names its link; else leave the route's. */
		if (IN6_IS_ADDR_LINKLOCAL(&pi.ipi6_addr))
			pi.ipi6_ifindex = path->local.in6.sin6_scope_id;
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		return CMSG_SPACE(sizeof(pi));
	}
	return 0;
}

static size_t put_gso(uint8_t *ctl, uint16_t seg)
{
	struct cmsghdr *c = (struct cmsghdr *)ctl;

	c->cmsg_level = IPPROTO_UDP;
	c->cmsg_type = UDP_SEGMENT;
	c->cmsg_len = CMSG_LEN(sizeof(seg));
	memcpy(CMSG_DATA(c), &seg, sizeof(seg));
	return CMSG_SPACE(sizeof(seg));
}

static bool same_path(const struct wg_path *a, const struct wg_path *b)
{
	return wg_sockaddr_eq(&a->remote, &b->remote) &&
	       wg_sockaddr_eq(&a->local, &b->local);
}

/* One message: a single datagram, or a GSO run of them. */
struct run {
	unsigned int first, count;
	size_t bytes;
	bool nosrc; /* send without the source address */
};

/*
 * Send one message (a datagram or a GSO run) from pkts[r->first..], with
 * the fallbacks of the file's comment. Returns datagrams sent.
 */
static unsigned int send_run(struct udp *u, int fd, struct wg_pkt *pkts,
			     const struct run *r)
{
	struct iovec iov[WG_UDP_GSO_MAX_SEGS];
	uint8_t ctl[CMSG_ROOM] __attribute__((aligned(8)));
	const struct wg_path *path = &pkts[r->first].path;
	struct msghdr mh;
	size_t clen = 0;
	unsigned int sent = 0;

	memset(&mh, 0, sizeof(mh));
	memset(ctl, 0, sizeof(ctl));
	for (unsigned int i = 0; i < r->count; i++) {
		iov[i].iov_base = pkts[r->first + i].data;
		iov[i].iov_len = pkts[r->first + i].len;
	}
	if (!r->nosrc)
		clen += put_src(ctl, path);
	if (r->count > 1)
		clen += put_gso(ctl + clen, (uint16_t)pkts[r->first].len);
	mh.msg_name = (void *)&path->remote;
	mh.msg_namelen = wg_sockaddr_len(&path->remote);
	mh.msg_iov = iov;
	mh.msg_iovlen = r->count;
	mh.msg_control = clen ? ctl : NULL;
	mh.msg_controllen = clen;
	if (sendmsg(fd, &mh, MSG_DONTWAIT) >= 0) {
		if (r->count > 1)
			bump(&u->gso_sends);
		return r->count;
	}
	if (r->count > 1 && (errno == EMSGSIZE || errno == EIO ||
			     errno == EINVAL || errno == ENOPROTOOPT)) {
		/* The batch is too big for this path: datagram by datagram. */
		wg_path_flag(path, WG_PATH_F_NO_GSO);
		bump(&u->gso_fallbacks);
		for (unsigned int i = 0; i < r->count; i++) {
			struct run one = { r->first + i, 1,
					   pkts[r->first + i].len, r->nosrc };

			sent += send_run(u, fd, pkts, &one);
		}
		return sent;
	}
	if (!r->nosrc && clen && (errno == EINVAL || errno == EADDRNOTAVAIL)) {
		/* Our source address went away: let the kernel pick. */
		struct run again = *r;

		wg_path_flag(path, WG_PATH_F_SRC_BAD);
		bump(&u->src_fallbacks);
		again.nosrc = true;
		return send_run(u, fd, pkts, &again);
	}
	bump(&u->errors);
	return 0;
}

static unsigned int udp_send(struct wg_transport *t, struct wg_pkt *pkts,
			     unsigned int n)
{
	struct udp *u = UDP_OF(t);
	struct wg_socket *s = wg_rcu_deref(*u->sockp);
	unsigned int sent = 0, i = 0;

	while (s && i < n) {
		const struct wg_path *path = &pkts[i].path;
		int fd = path->remote.sa.sa_family == AF_INET6 ? s->fd6 :
			 path->remote.sa.sa_family == AF_INET  ? s->fd4 :
								 -1;
		struct run r = { i, 1, pkts[i].len, false };
		bool gso = !wg_path_flagged(path, WG_PATH_F_NO_GSO);

		/* Same path, same size: one GSO message (the last may be short). */
		while (gso && i + r.count < n && r.count < WG_UDP_GSO_MAX_SEGS &&
		       pkts[i + r.count].len <= pkts[i].len &&
		       r.bytes + pkts[i + r.count].len <= WG_UDP_MAX_PAYLOAD &&
		       same_path(path, &pkts[i + r.count].path)) {
			r.bytes += pkts[i + r.count].len;
			if (pkts[i + r.count++].len < pkts[i].len)
				break;
		}
		if (fd >= 0)
			sent += send_run(u, fd, pkts, &r);
		i += r.count;
	}
	for (i = 0; i < n; i++)
		wg_pkt_release(&pkts[i]);
	return sent;
}

static unsigned int udp_pollfds(struct wg_transport *t, struct pollfd *pfd,
				unsigned int max)
{
	struct udp *u = UDP_OF(t);
	struct wg_socket *s = wg_rcu_deref(*u->sockp);
	unsigned int n = 0;

	if (!u->recv || !s)
		return 0;
	if (s->fd4 >= 0 && n < max)
		pfd[n++] = (struct pollfd){ .fd = s->fd4, .events = POLLIN };
	if (s->fd6 >= 0 && n < max)
		pfd[n++] = (struct pollfd){ .fd = s->fd6, .events = POLLIN };
	return n;
}

static void udp_stats(struct wg_transport *t,
		      void (*emit)(void *ctx, const char *name, uint64_t v),
		      void *ctx)
{
	struct udp *u = UDP_OF(t);

	emit(ctx, "udp_gso_sends", atomic_load(&u->gso_sends));
	emit(ctx, "udp_gso_fallbacks", atomic_load(&u->gso_fallbacks));
	emit(ctx, "udp_src_fallbacks", atomic_load(&u->src_fallbacks));
	emit(ctx, "udp_send_errors", atomic_load(&u->errors));
	emit(ctx, "udp_gro_runs", atomic_load(&u->gro_runs));
	emit(ctx, "udp_truncated", atomic_load(&u->truncated));
}

static void udp_destroy(struct wg_transport *t)
{
	struct udp *u = UDP_OF(t);

	if (u->area)
		munmap(u->area, (size_t)NBUFS * STRIDE);
	free(u);
}

static const struct wg_transport_ops udp_ops = {
	.recv = udp_recv,
	.alloc = udp_alloc,
	.release = udp_release,
	.send = udp_send,
	.pollfds = udp_pollfds,
	.stats = udp_stats,
	.destroy = udp_destroy,
};

int wg_udp_create(struct wg_transport **out, struct wg_socket *const *sockp,
		  unsigned int flags)
{
	struct udp *u = calloc(1, sizeof(*u));

	if (!u)
		return -ENOMEM;
	u->area = mmap(NULL, (size_t)NBUFS * STRIDE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (u->area == MAP_FAILED) {
		free(u);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < NBUFS; i++)
		u->stack[u->nfree++] = NBUFS - 1 - i;
	u->t.ops = &udp_ops;
	u->t.name = "udp";
	u->t.caps = WG_TRANSPORT_GSO | WG_TRANSPORT_GRO |
		    WG_TRANSPORT_ANY_EGRESS;
	u->t.headroom = HEADROOM;
	u->t.buf_size = STRIDE - HEADROOM;
	u->t.rx_counter = WG_C_udp_rx;
	u->t.tx_counter = WG_C_udp_tx;
	u->sockp = sockp;
	u->recv = flags & WG_UDP_RECV;
	*out = &u->t;
	return 0;
}

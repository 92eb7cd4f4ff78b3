// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "socket.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int bind_one(int family, uint16_t port, uint32_t fwmark)
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
	int fd4, fd6;

	for (int tries = 0; tries < 16; tries++) {
		fd4 = bind_one(AF_INET, port, fwmark);
		if (fd4 < 0)
			return fd4;
		fd6 = bind_one(AF_INET6, bound_port(fd4), fwmark);
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

static int fd_for(const struct wg_socket *s, const union wg_sockaddr *dst)
{
	return dst->sa.sa_family == AF_INET6 ? s->fd6 : s->fd4;
}

int wg_socket_send(const struct wg_socket *s, const union wg_sockaddr *dst,
		   const void *buf, size_t len)
{
	int fd = fd_for(s, dst);

	if (fd < 0)
		return -EAFNOSUPPORT;
	if (sendto(fd, buf, len, MSG_DONTWAIT, &dst->sa, wg_sockaddr_len(dst)) < 0)
		return -errno;
	return 0;
}

int wg_socket_recv(int fd, struct wg_socket_batch *b)
{
	struct mmsghdr msgs[WG_SOCKET_BATCH];
	struct iovec iov[WG_SOCKET_BATCH];
	int n;

	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < WG_SOCKET_BATCH; i++) {
		iov[i].iov_base = b->buf[i];
		iov[i].iov_len = WG_SOCKET_BUF;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &b->addr[i];
		msgs[i].msg_hdr.msg_namelen = sizeof(b->addr[i]);
	}
	b->count = 0;
	n = recvmmsg(fd, msgs, WG_SOCKET_BATCH, MSG_DONTWAIT, NULL);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		/* A truncated datagram is no valid message: give it length 0. */
		b->len[i] = (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) ?
				    0 : msgs[i].msg_len;
	}
	b->count = (unsigned int)n;
	return n;
}

int wg_socket_send_batch(const struct wg_socket *s, struct wg_socket_batch *b)
{
	struct mmsghdr msgs[WG_SOCKET_BATCH];
	struct iovec iov[WG_SOCKET_BATCH];
	unsigned int done = 0;

	/* sendmmsg takes one fd: send runs of the same family together. */
	while (done < b->count) {
		int fd = fd_for(s, &b->addr[done]), n;
		unsigned int run = 0;

		while (done + run < b->count &&
		       fd_for(s, &b->addr[done + run]) == fd) {
			unsigned int i = done + run;

			memset(&msgs[run], 0, sizeof(msgs[run]));
			iov[run].iov_base = b->buf[i];
			iov[run].iov_len = b->len[i];
			msgs[run].msg_hdr.msg_iov = &iov[run];
			msgs[run].msg_hdr.msg_iovlen = 1;
			msgs[run].msg_hdr.msg_name = &b->addr[i];
			msgs[run].msg_hdr.msg_namelen = wg_sockaddr_len(&b->addr[i]);
			run++;
		}
		if (fd >= 0) {
			n = sendmmsg(fd, msgs, run, MSG_DONTWAIT);
			if (n < 0 && errno != EAGAIN && errno != ENOBUFS)
				return -errno;
		}
		done += run;
	}
	return 0;
}

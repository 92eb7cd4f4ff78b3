// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * AF_XDP socket layer against a real veth pair in a private network
 * namespace (unshare(CLONE_NEWNET) in this process: everything disappears
 * with it). Needs root; says SKIP otherwise.
 *
 *    this process's netns
 *   +-----------------------------------------------------------+
 *   |  AF_XDP (wg_xsk) on queue 0         AF_PACKET sockets     |
 *   |        |  ^                              |  ^             |
 *   |     [ veth a ] <--------------------> [ veth b ]          |
 *   |   XDP: redirect_map(xsks, rx_queue, XDP_PASS)              |
 *   +-----------------------------------------------------------+
 *
 * Frames from b carry EtherType ETH_IN, frames sent by the socket on a carry
 * ETH_OUT, so the receivers never see each other's traffic. IPv6 is turned
 * off in the namespace so no neighbour discovery noise reaches the socket.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>

#include "xsk.h"

#define ETH_IN 0x88b5
#define ETH_OUT 0x88b6
#define IF_A "xska"
#define IF_B "xskb"

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };

/* What a failed test leaves open; each test's teardown closes it. */
static struct {
	struct wg_xsk *x;
	int pf[2];
} open_res = { NULL, { -1, -1 } };

static struct {
	bool ready;
	const char *why;
	int ifa, ifb;
	int map_fd;
	int prog_fd;
	uint32_t xdp_flags;
} env;

/* ---- namespace and XDP fixture ---- */

static int run(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static void write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return;
	if (write(fd, val, strlen(val)) < 0) {
		/* best effort: IPv6 may be absent */
	}
	close(fd);
}

/*
 * r2 = ctx->rx_queue_index; r1 = xsks; r3 = XDP_PASS;
 * return bpf_redirect_map(r1, r2, r3);
 */
static int load_prog(int map_fd)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = BPF_REG_2,
		  .src_reg = BPF_REG_1,
		  .off = offsetof(struct xdp_md, rx_queue_index) },
		{ .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = BPF_REG_1,
		  .src_reg = BPF_PSEUDO_MAP_FD, .imm = map_fd },
		{ 0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_3,
		  .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_redirect_map },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return bpf_prog_load(BPF_PROG_TYPE_XDP, "xsk_test", "GPL", insns,
			     sizeof(insns) / sizeof(insns[0]), NULL);
}

static int group_setup(void **state)
{
	char *add[] = { "ip", "link", "add", IF_A, "address",
			"02:00:00:00:00:0a", "type", "veth", "peer", "name",
			IF_B, "address", "02:00:00:00:00:0b", NULL };
	char *up_a[] = { "ip", "link", "set", IF_A, "up", NULL };
	char *up_b[] = { "ip", "link", "set", IF_B, "up", NULL };

	(void)state;
	env.map_fd = env.prog_fd = -1;
	if (geteuid() != 0) {
		env.why = "needs root";
		return 0;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		env.why = "unshare(CLONE_NEWNET) failed";
		return 0;
	}
	write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	if (run(add) || run(up_a) || run(up_b)) {
		env.why = "cannot create veth pair with ip(8)";
		return 0;
	}
	env.ifa = if_nametoindex(IF_A);
	env.ifb = if_nametoindex(IF_B);
	env.map_fd = bpf_map_create(BPF_MAP_TYPE_XSKMAP, "xsks", 4, 4, 8, NULL);
	if (env.map_fd < 0) {
		env.why = "cannot create XSKMAP";
		return 0;
	}
	env.prog_fd = load_prog(env.map_fd);
	if (env.prog_fd < 0) {
		env.why = "cannot load XDP program";
		return 0;
	}
	/* Native XDP on veth; generic mode only if the kernel refuses. */
	env.xdp_flags = XDP_FLAGS_DRV_MODE;
	if (bpf_xdp_attach(env.ifa, env.prog_fd, env.xdp_flags, NULL) < 0) {
		env.xdp_flags = XDP_FLAGS_SKB_MODE;
		if (bpf_xdp_attach(env.ifa, env.prog_fd, env.xdp_flags,
				   NULL) < 0) {
			env.why = "cannot attach XDP program";
			return 0;
		}
	}
	env.ready = true;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (env.ready)
		bpf_xdp_detach(env.ifa, env.xdp_flags, NULL);
	if (env.prog_fd >= 0)
		close(env.prog_fd);
	if (env.map_fd >= 0)
		close(env.map_fd);
	return 0;
}

#define NEED_ENV()                                                      \
	do {                                                            \
		if (!env.ready) {                                       \
			print_message("SKIP: %s\n", env.why);           \
			skip();                                         \
		}                                                       \
	} while (0)

/* ---- frames ---- */

static uint32_t frame_len(uint32_t seq)
{
	return 60 + (seq * 37) % 1400;
}

/* Ethernet header, 4-byte sequence number, then a pattern of seq. */
static void frame_build(uint8_t *p, uint32_t seq, uint32_t len, uint16_t type,
			const uint8_t *dst, const uint8_t *src)
{
	uint32_t i, be = htonl(seq);
	uint16_t t = htons(type);

	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	memcpy(p + 12, &t, 2);
	memcpy(p + 14, &be, 4);
	for (i = 18; i < len; i++)
		p[i] = (uint8_t)(seq * 13 + i * 7);
}

static uint32_t frame_seq(const uint8_t *p)
{
	uint32_t be;

	memcpy(&be, p + 14, 4);
	return ntohl(be);
}

static uint16_t frame_type(const uint8_t *p)
{
	return (uint16_t)(p[12] << 8 | p[13]);
}

static int packet_socket(int ifindex, uint16_t proto)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(proto),
		.sll_ifindex = ifindex,
	};
	int fd, sz = 8 << 20;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(proto));
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		close(fd);
		return -errno;
	}
	if (open_res.pf[0] < 0)
		open_res.pf[0] = fd;
	else
		open_res.pf[1] = fd;
	return fd;
}

/* Sends frames seq .. seq + n - 1 from veth b towards a. */
static void send_from_b(int fd, uint32_t seq, uint32_t n)
{
	uint8_t buf[1600];
	uint32_t i;

	for (i = 0; i < n; i++) {
		uint32_t len = frame_len(seq + i);

		frame_build(buf, seq + i, len, ETH_IN, mac_a, mac_b);
		assert_int_equal(send(fd, buf, len, 0), (ssize_t)len);
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void wait_xsk(struct wg_xsk *x, int ms)
{
	struct pollfd p = { .fd = wg_xsk_fd(x) };

	p.events = wg_xsk_poll_events(x);

	poll(&p, 1, ms);
}

/* Receives one frame of our EtherType on b, or returns -1 after 2 s. */
static ssize_t recv_on_b(int fd, uint8_t *buf, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, 2000) <= 0)
		return -1;
	return recv(fd, buf, len, MSG_DONTWAIT);
}

/* ---- leak accounting ---- */

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Mappings of socket files: what AF_XDP rings look like in maps. */
static int count_socket_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, "socket:") != NULL;
	fclose(f);
	return n;
}

static struct wg_xsk *open_a(uint32_t frame_size, uint32_t frames,
			     bool zerocopy)
{
	struct wg_xsk_config cfg = {
		.ifname = IF_A,
		.queue_id = 0,
		.frame_size = frame_size,
		.frame_count = frames,
		.zerocopy = zerocopy,
	};
	struct wg_xsk *x = NULL;
	uint32_t key = 0;
	int fd;

	assert_int_equal(wg_xsk_open(&x, &cfg), 0);
	assert_non_null(x);
	fd = wg_xsk_fd(x);
	assert_true(fd >= 0);
	open_res.x = x;
	assert_int_equal(bpf_map_update_elem(env.map_fd, &key, &fd, 0), 0);
	return x;
}

static void close_a(struct wg_xsk *x)
{
	wg_xsk_close(x);
	open_res.x = NULL;
}

static void close_pf(int fd)
{
	close(fd);
	if (open_res.pf[0] == fd)
		open_res.pf[0] = -1;
	if (open_res.pf[1] == fd)
		open_res.pf[1] = -1;
}

static int test_teardown(void **state)
{
	int i;

	(void)state;
	wg_xsk_close(open_res.x);
	open_res.x = NULL;
	for (i = 0; i < 2; i++) {
		if (open_res.pf[i] >= 0)
			close(open_res.pf[i]);
		open_res.pf[i] = -1;
	}
	return 0;
}

static void assert_frames_add_up(struct wg_xsk *x, uint32_t held)
{
	struct wg_xsk_frames f;

	wg_xsk_frames(x, &f);
	assert_int_equal(f.free + f.kernel_rx + f.tx + held, f.total);
	assert_int_equal(wg_xsk_frames_check(x), 0);
}

/* ---- tests ---- */

#define RX_N 512
#define BURST 64

static void rx_exact_bytes(void **state)
{
	struct wg_xsk_pkt pkts[BURST];
	struct wg_xsk_stats st;
	struct wg_xsk_frames f0, f;
	uint8_t want[1600];
	uint32_t got = 0, seq, i;
	struct wg_xsk *x;
	int64_t deadline;
	int pf;

	(void)state;
	NEED_ENV();
	x = open_a(2048, 0, false);
	wg_xsk_frames(x, &f0);
	assert_int_equal(f0.total, WG_XSK_DEF_FRAMES);
	assert_true(f0.kernel_rx >= WG_XSK_BATCH);
	pf = packet_socket(env.ifb, ETH_IN);
	assert_true(pf >= 0);

	for (seq = 0; seq < RX_N; seq += BURST) {
		send_from_b(pf, seq, BURST);
		deadline = now_ms() + 2000;
		while (got < seq + BURST && now_ms() < deadline) {
			unsigned n = wg_xsk_rx_burst(x, pkts, BURST);

			if (!n) {
				wait_xsk(x, 50);
				continue;
			}
			for (i = 0; i < n; i++) {
				struct wg_xsk_pkt *p = &pkts[i];
				uint32_t len;

				if (frame_type(p->data) != ETH_IN) {
					wg_xsk_frame_free(x, p->addr);
					continue;
				}
				/* In order, byte for byte. */
				assert_int_equal(frame_seq(p->data), got);
				len = frame_len(got);
				assert_int_equal(p->len, len);
				frame_build(want, got, len, ETH_IN, mac_a,
					    mac_b);
				assert_memory_equal(p->data, want, len);
				assert_ptr_equal(p->data,
						 wg_xsk_data(x, p->addr));
				assert_int_equal(p->addr % 2048, p->headroom);
				assert_true(p->headroom >= WG_XSK_HEADROOM);
				wg_xsk_frame_free(x, p->addr);
				got++;
			}
			wg_xsk_rx_done(x, n);
		}
		assert_int_equal(got, seq + BURST);
	}
	assert_int_equal(got, RX_N);
	/* Refill happened: nothing lost. */
	wg_xsk_rx_burst(x, pkts, 0);
	wg_xsk_frames(x, &f);
	assert_int_equal(f.free + f.kernel_rx, f.total);
	assert_int_equal(f.tx, 0);
	assert_int_equal(wg_xsk_frames_check(x), 0);

	assert_int_equal(wg_xsk_stats(x, &st), 0);
	assert_true(st.rx_packets >= RX_N);
	assert_int_equal(st.rx_invalid_descs, 0);
	assert_int_equal(st.rx_ring_full, 0);
	assert_int_equal(st.bad_frees, 0);
	close_pf(pf);
	close_a(x);
}

#define TX_N 512

static void tx_exact_bytes(void **state)
{
	struct wg_xsk_frames f0, f;
	struct wg_xsk_stats st;
	uint8_t want[1600], buf[2048];
	uint32_t i, got = 0;
	struct wg_xsk *x;
	int64_t deadline;
	int pf;

	(void)state;
	NEED_ENV();
	x = open_a(4096, 0, false);
	assert_int_equal(wg_xsk_frame_size(x), 4096);
	pf = packet_socket(env.ifb, ETH_OUT);
	assert_true(pf >= 0);
	wg_xsk_frames(x, &f0);

	for (i = 0; i < TX_N; i++) {
		uint32_t len = frame_len(i);
		uint64_t addr = ~0ull;
		uint8_t *p = wg_xsk_tx_frame_get(x, &addr);

		assert_non_null(p);
		assert_int_equal(addr % 4096, 0);
		assert_ptr_equal(p, (uint8_t *)wg_xsk_data(x, addr) +
					    WG_XSK_HEADROOM);
		frame_build(p, i, len, ETH_OUT, mac_b, mac_a);
		assert_int_equal(wg_xsk_tx_queue(x, addr, WG_XSK_HEADROOM, len),
				 0);
		if ((i + 1) % BURST == 0)
			assert_int_equal(wg_xsk_tx_flush(x), 0);
		/* Do not outrun b's socket buffer. */
		if ((i + 1) % (4 * BURST) == 0) {
			while (got <= i) {
				ssize_t r = recv_on_b(pf, buf, sizeof(buf));

				assert_true(r > 0);
				frame_build(want, got, frame_len(got), ETH_OUT,
					    mac_b, mac_a);
				assert_int_equal(r, frame_len(got));
				assert_memory_equal(buf, want, r);
				got++;
			}
		}
	}
	assert_int_equal(wg_xsk_tx_flush(x), 0);
	while (got < TX_N) {
		ssize_t r = recv_on_b(pf, buf, sizeof(buf));

		assert_true(r > 0);
		frame_build(want, got, frame_len(got), ETH_OUT, mac_b, mac_a);
		assert_int_equal(r, frame_len(got));
		assert_memory_equal(buf, want, r);
		got++;
	}

	/* Every frame comes back through the completion ring. */
	deadline = now_ms() + 2000;
	do {
		assert_int_equal(wg_xsk_tx_flush(x), 0);
		wg_xsk_frames(x, &f);
		if (f.free == f0.free)
			break;
		wait_xsk(x, 20);
	} while (now_ms() < deadline);
	assert_int_equal(f.free, f0.free);
	assert_int_equal(f.tx, 0);
	assert_int_equal(wg_xsk_frames_check(x), 0);

	assert_int_equal(wg_xsk_stats(x, &st), 0);
	assert_int_equal(st.tx_packets, TX_N);
	assert_int_equal(st.tx_completed, TX_N);
	assert_true(st.tx_kicks > 0);
	assert_int_equal(st.tx_invalid_descs, 0);
	close_pf(pf);
	close_a(x);
}

/*
 * RX and TX together, many rounds: odd frames are turned around in place
 * (16 bytes of the headroom taken for a new header, as the gateway path
 * does), even ones are freed, and fresh TX frames are added; nothing may be
 * lost or duplicated.
 */
#define ROUNDS 150
#define PER_ROUND 48
#define FRESH 16
#define MARK "wg-xdp-in-place!"

static void build_turned(uint8_t *out, uint32_t seq, uint32_t *len)
{
	uint8_t in[1600];
	uint32_t l = frame_len(seq);
	uint16_t t = htons(ETH_OUT);

	frame_build(in, seq, l, ETH_IN, mac_a, mac_b);
	memcpy(out, mac_b, 6);
	memcpy(out + 6, mac_a, 6);
	memcpy(out + 12, &t, 2);
	memcpy(out + 14, MARK, 16);
	memcpy(out + 30, in + 14, l - 14);
	*len = l + 16;
}

static void stress_accounting(void **state)
{
	struct wg_xsk_pkt pkts[BURST];
	uint8_t want[1700], buf[2048];
	struct wg_xsk_frames f0, f;
	struct wg_xsk_stats st;
	uint32_t seq = 0, fresh_seq = 1u << 24, sent_out = 0, recv_out = 0;
	uint32_t round, i;
	struct wg_xsk *x;
	int64_t deadline;
	int pin, pout;

	(void)state;
	NEED_ENV();
	/* Few frames so that the stack wraps around many times. */
	x = open_a(2048, 512, false);
	wg_xsk_frames(x, &f0);
	assert_int_equal(f0.total, 512);
	assert_true(f0.free > 0);
	pin = packet_socket(env.ifb, ETH_IN);
	pout = packet_socket(env.ifb, ETH_OUT);
	assert_true(pin >= 0 && pout >= 0);

	for (round = 0; round < ROUNDS; round++) {
		uint32_t got = 0, expect_out = 0;

		send_from_b(pin, seq, PER_ROUND);
		deadline = now_ms() + 2000;
		while (got < PER_ROUND && now_ms() < deadline) {
			unsigned n = wg_xsk_rx_burst(x, pkts, BURST);
			uint32_t held = n;

			if (!n) {
				wait_xsk(x, 20);
				continue;
			}
			assert_frames_add_up(x, held);
			for (i = 0; i < n; i++) {
				struct wg_xsk_pkt *p = &pkts[i];
				uint32_t s = frame_seq(p->data), len;

				if (frame_type(p->data) != ETH_IN) {
					wg_xsk_frame_free(x, p->addr);
					continue;
				}
				assert_int_equal(s, seq + got);
				got++;
				if (s % 2 == 0) {
					wg_xsk_frame_free(x, p->addr);
					continue;
				}
				/* Turn around in place. */
				build_turned(want, s, &len);
				memcpy(p->data - 16, want, 30);
				assert_memory_equal(p->data - 16, want, len);
				assert_int_equal(
					wg_xsk_tx_queue(x, p->addr,
							p->headroom - 16, len),
					0);
				expect_out++;
			}
			wg_xsk_rx_done(x, n);
			assert_frames_add_up(x, 0);
		}
		assert_int_equal(got, PER_ROUND);
		seq += PER_ROUND;

		for (i = 0; i < FRESH; i++) {
			uint64_t addr;
			uint8_t *p = wg_xsk_tx_frame_get(x, &addr);
			uint32_t s = fresh_seq + i;

			assert_non_null(p);
			assert_frames_add_up(x, 1);
			frame_build(p, s, frame_len(s), ETH_OUT, mac_b, mac_a);
			assert_int_equal(wg_xsk_tx_queue(x, addr,
							 WG_XSK_HEADROOM,
							 frame_len(s)),
					 0);
			expect_out++;
		}
		fresh_seq += FRESH;
		assert_int_equal(wg_xsk_tx_flush(x), 0);
		sent_out += expect_out;

		/* Everything turned or fresh arrives on b, once. */
		for (i = 0; i < expect_out; i++) {
			ssize_t r = recv_on_b(pout, buf, sizeof(buf));
			uint32_t s, len;

			assert_true(r > 0);
			if (memcmp(buf + 14, MARK, 16)) {
				s = frame_seq(buf);
				assert_true(s >= (1u << 24));
				len = frame_len(s);
				frame_build(want, s, len, ETH_OUT, mac_b,
					    mac_a);
			} else {
				/* seq sits behind the 16-byte mark */
				memcpy(&s, buf + 30, 4);
				s = ntohl(s);
				assert_int_equal(s % 2, 1);
				build_turned(want, s, &len);
			}
			assert_int_equal(r, len);
			assert_memory_equal(buf, want, len);
			recv_out++;
		}
		assert_frames_add_up(x, 0);
	}
	assert_int_equal(recv_out, sent_out);

	deadline = now_ms() + 2000;
	do {
		assert_int_equal(wg_xsk_tx_flush(x), 0);
		wg_xsk_rx_burst(x, pkts, 0);
		wg_xsk_frames(x, &f);
		if (!f.tx)
			break;
		wait_xsk(x, 20);
	} while (now_ms() < deadline);
	assert_int_equal(f.tx, 0);
	assert_int_equal(f.free + f.kernel_rx, f.total);
	assert_int_equal(wg_xsk_frames_check(x), 0);
	assert_int_equal(wg_xsk_stats(x, &st), 0);
	assert_int_equal(st.tx_packets, sent_out);
	assert_int_equal(st.tx_completed, sent_out);
	assert_int_equal(st.bad_frees, 0);
	close_pf(pin);
	close_pf(pout);
	close_a(x);
}

static void copy_mode_on_veth(void **state)
{
	struct wg_xsk *x;
	int fds, maps;

	(void)state;
	NEED_ENV();
	fds = count_fds();
	maps = count_socket_maps();
	/* veth offers no zero-copy: asked for it, we get copy mode. */
	x = open_a(0, 0, true);
	assert_int_equal(wg_xsk_mode(x), WG_XSK_MODE_COPY);
	assert_int_equal(wg_xsk_frame_size(x), WG_XSK_DEF_FRAME_SIZE);
	assert_int_equal(count_fds(), fds + 1);
	/* the four rings are mapped (the check below means something) */
	assert_true(count_socket_maps() > maps);
	assert_int_equal(wg_xsk_poll_events(x), POLLIN);
	close_a(x);
	assert_int_equal(count_fds(), fds);
	assert_int_equal(count_socket_maps(), maps);

	x = open_a(0, 0, false);
	assert_int_equal(wg_xsk_mode(x), WG_XSK_MODE_COPY);
	close_a(x);
	assert_int_equal(count_fds(), fds);
	assert_int_equal(count_socket_maps(), maps);
}

static void open_errors(void **state)
{
	struct wg_xsk_config cfg = { 0 };
	struct wg_xsk *x = NULL;
	int fds, maps;

	(void)state;
	NEED_ENV();
	fds = count_fds();
	maps = count_socket_maps();

	cfg.ifname = "nosuchif0";
	assert_int_equal(wg_xsk_open(&x, &cfg), -ENODEV);
	cfg.ifname = NULL;
	cfg.ifindex = 99999;
	assert_int_equal(wg_xsk_open(&x, &cfg), -ENODEV);
	cfg.ifindex = 0;
	assert_int_equal(wg_xsk_open(&x, &cfg), -ENODEV);

	/* Queue out of range: bind fails, in copy and zero-copy tries. */
	cfg.ifname = IF_A;
	cfg.queue_id = 4096;
	assert_true(wg_xsk_open(&x, &cfg) < 0);
	cfg.zerocopy = true;
	assert_true(wg_xsk_open(&x, &cfg) < 0);
	cfg.zerocopy = false;
	cfg.queue_id = 0;

	cfg.frame_size = 1000;
	assert_int_equal(wg_xsk_open(&x, &cfg), -EINVAL);
	cfg.frame_size = 0;
	cfg.rx_size = 1000;
	assert_int_equal(wg_xsk_open(&x, &cfg), -EINVAL);
	cfg.rx_size = 0;

	/* Same queue twice: the second bind is refused. */
	cfg.ifname = IF_A;
	assert_int_equal(wg_xsk_open(&x, &cfg), 0);
	open_res.x = x;
	{
		struct wg_xsk *y = NULL;

		/* (after 0.5 s of EBUSY retries, see wg_xsk_open) */
		assert_int_equal(wg_xsk_open(&y, &cfg), -EBUSY);
		assert_null(y);
	}
	close_a(x);
	wg_xsk_close(NULL);

	assert_int_equal(count_fds(), fds);
	assert_int_equal(count_socket_maps(), maps);
}

static void tx_queue_errors(void **state)
{
	struct wg_xsk_frames f0, f;
	struct wg_xsk *x;
	uint64_t addr;
	uint8_t *p;

	(void)state;
	NEED_ENV();
	x = open_a(2048, 256, false);
	wg_xsk_frames(x, &f0);
	p = wg_xsk_tx_frame_get(x, &addr);
	assert_non_null(p);
	/* Rejected descriptors leave the frame with the caller. */
	assert_int_equal(wg_xsk_tx_queue(x, addr, 0, 0), -EINVAL);
	assert_int_equal(wg_xsk_tx_queue(x, addr, 2000, 49), -EINVAL);
	assert_int_equal(wg_xsk_tx_queue(x, addr, 2048, 1), -EINVAL);
	assert_int_equal(wg_xsk_tx_queue(x, 256ull * 2048, 0, 60), -EINVAL);
	wg_xsk_frames(x, &f);
	assert_int_equal(f.free + 1, f0.free);
	assert_int_equal(f.tx, 0);
	wg_xsk_frame_free(x, addr);
	/* A double free is refused and counted, not stacked twice. */
	{
		struct wg_xsk_stats st;

		wg_xsk_frame_free(x, addr);
		wg_xsk_frame_free(x, addr + 100);
		wg_xsk_frame_free(x, 256ull * 2048);
		assert_int_equal(wg_xsk_stats(x, &st), 0);
		assert_int_equal(st.bad_frees, 3);
		wg_xsk_frames(x, &f);
		assert_int_equal(f.free, f0.free);
		assert_int_equal(wg_xsk_frames_check(x), 0);
	}
	close_a(x);
}

static void frames_run_out(void **state)
{
	struct wg_xsk_frames f0;
	uint64_t addrs[256], a;
	uint32_t n = 0, i;
	struct wg_xsk *x;

	(void)state;
	NEED_ENV();
	x = open_a(2048, 256, false);
	wg_xsk_frames(x, &f0);
	/* At most half the frames are lent to the fill ring. */
	assert_true(f0.kernel_rx <= 128);
	while (n < 256 && wg_xsk_tx_frame_get(x, &addrs[n]))
		n++;
	assert_int_equal(n, f0.free);
	assert_null(wg_xsk_tx_frame_get(x, &a));
	for (i = 0; i < n; i++)
		wg_xsk_frame_free(x, addrs[i]);
	assert_frames_add_up(x, 0);
	close_a(x);
}

/* A down link is reported, the descriptors wait, and go once it is up. */
static void flush_link_down(void **state)
{
	char *down[] = { "ip", "link", "set", IF_A, "down", NULL };
	char *up[] = { "ip", "link", "set", IF_A, "up", NULL };
	uint8_t want[1600], buf[2048];
	struct wg_xsk_frames f0, f;
	struct wg_xsk *x;
	int64_t deadline;
	uint32_t i;
	int pf, err;

	(void)state;
	NEED_ENV();
	x = open_a(2048, 256, false);
	wg_xsk_frames(x, &f0);
	pf = packet_socket(env.ifb, ETH_OUT);
	assert_true(pf >= 0);
	assert_int_equal(run(down), 0);
	for (i = 0; i < 40; i++) {
		uint64_t addr;
		uint8_t *p = wg_xsk_tx_frame_get(x, &addr);

		assert_non_null(p);
		frame_build(p, i, frame_len(i), ETH_OUT, mac_b, mac_a);
		assert_int_equal(wg_xsk_tx_queue(x, addr, WG_XSK_HEADROOM,
						 frame_len(i)),
				 0);
	}
	err = wg_xsk_tx_flush(x);
	assert_int_equal(run(up), 0);
	assert_int_equal(err, -ENETDOWN);
	assert_int_equal(wg_xsk_poll_events(x), POLLIN | POLLOUT);
	wg_xsk_frames(x, &f);
	assert_int_equal(f.tx, 40);

	assert_int_equal(wg_xsk_tx_flush(x), 0);
	for (i = 0; i < 40; i++) {
		ssize_t r = recv_on_b(pf, buf, sizeof(buf));

		assert_int_equal(r, frame_len(i));
		frame_build(want, i, frame_len(i), ETH_OUT, mac_b, mac_a);
		assert_memory_equal(buf, want, r);
	}
	deadline = now_ms() + 2000;
	do {
		assert_int_equal(wg_xsk_tx_flush(x), 0);
		wg_xsk_frames(x, &f);
		if (f.free == f0.free)
			break;
		wait_xsk(x, 20);
	} while (now_ms() < deadline);
	assert_int_equal(f.free, f0.free);
	assert_int_equal(wg_xsk_poll_events(x), POLLIN);
	close_pf(pf);
	close_a(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(open_errors, test_teardown),
		cmocka_unit_test_teardown(copy_mode_on_veth, test_teardown),
		cmocka_unit_test_teardown(rx_exact_bytes, test_teardown),
		cmocka_unit_test_teardown(tx_exact_bytes, test_teardown),
		cmocka_unit_test_teardown(tx_queue_errors, test_teardown),
		cmocka_unit_test_teardown(frames_run_out, test_teardown),
		cmocka_unit_test_teardown(stress_accounting, test_teardown),
		cmocka_unit_test_teardown(flush_link_down, test_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

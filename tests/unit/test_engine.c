// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The whole engine in one process, as wireguard-go's TestTwoDevicePing:
 * two devices, each with its worker and control work, joined by an
 * in-memory wire (memory.h) and fed through in-memory TUNs, on a fake
 * clock. Everything but the kernel runs: handshakes both ways, data with
 * loss, duplication and reordering, rekeys by time and by message count,
 * roaming, peer removal while packets are in flight (also with the
 * workers in threads of their own), and counters that must come out
 * exactly as the wire's own.
 *
 *   +------------------+    wire side 0 | side 1    +------------------+
 *   | device A         |  10.0.0.1:51820 10.0.0.2   | device B         |
 *   |  TUN 192.168.5.1 |<-------------------------->|  TUN 192.168.5.2 |
 *   +------------------+                            +------------------+
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "control.h"
#include "device.h"
#include "memory.h"
#include "rcu.h"
#include "receive.h"
#include "send.h"
#include "worker.h"

#define T0 (1000 * WG_NSEC_PER_SEC)
#define PORT 51820

struct side {
	struct wg_device *dev;
	struct wg_memtun *tun;
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN];
	union wg_sockaddr addr; /* where the other side sends to */
	uint8_t inner[4];	/* its tunnel address */
};

struct rig {
	struct wg_memwire *wire;
	struct side s[2];
	uint64_t now;
	unsigned int icmp_seen[2]; /* ICMP errors taken from each TUN */
};

static void sockaddr4(union wg_sockaddr *a, const char *ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->in.sin_family = AF_INET;
	a->in.sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, ip, &a->in.sin_addr), 1);
}

static void set_time(struct rig *r, uint64_t t)
{
	r->now = t;
	wg_clock_set_fake(t);
}

/* The peer change that makes the other side a peer of this one. */
static void add_peer(struct wg_config *cfg, const struct side *other,
		     bool endpoint)
{
	struct wg_peer_change *pc = wg_config_add_peer(cfg, other->pub);
	struct wg_aip_change a = { .family = AF_INET, .cidr = 32 };

	assert_non_null(pc);
	memcpy(a.addr, other->inner, 4);
	assert_int_equal(wg_config_add_aip(pc, &a), 0);
	if (endpoint) {
		pc->has_endpoint = true;
		memcpy(&pc->endpoint, &other->addr, sizeof(other->addr));
	}
}

static void side_up(struct rig *r, int i, bool endpoint)
{
	struct side *s = &r->s[i], *o = &r->s[!i];
	struct wg_worker_config wc = { 0 };
	struct wg_config cfg;
	char name[16];

	s->dev = calloc(1, sizeof(*s->dev));
	assert_non_null(s->dev);
	snprintf(name, sizeof(name), "eng%c", 'A' + i);
	assert_int_equal(wg_device_init(s->dev, name), 0);
	assert_int_equal(wg_receive_init(s->dev), 0);
	s->dev->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	atomic_store(&s->dev->port, PORT);
	assert_int_equal(wg_memtun_new(&s->tun, false), 0);
	assert_int_equal(wg_memwire_attach(r->wire, i, false, &s->dev->ctl_tx),
			 0);
	assert_int_equal(wg_memwire_attach(r->wire, i, true, &wc.udp), 0);
	wc.tun = wg_memtun_io(s->tun);
	s->dev->nworkers = 1;
	s->dev->workers = calloc(1, sizeof(*s->dev->workers));
	assert_int_equal(wg_worker_create(&s->dev->workers[0], s->dev, 0, &wc),
			 0);

	wg_config_init(&cfg);
	cfg.has_private_key = true;
	memcpy(cfg.private_key, s->priv, WG_KEY_LEN);
	add_peer(&cfg, o, endpoint);
	assert_int_equal(wg_device_apply(s->dev, &cfg), 0);
	wg_config_free(&cfg);
}

static void side_down(struct side *s)
{
	wg_worker_destroy(s->dev->workers[0]);
	free(s->dev->workers);
	s->dev->workers = NULL;
	s->dev->nworkers = 0;
	s->dev->ctl_tx->ops->destroy(s->dev->ctl_tx);
	wg_device_destroy(s->dev);
	wg_receive_destroy(s->dev);
	close(s->dev->wake_fd);
	free(s->dev);
	wg_memtun_free(s->tun);
}

static struct rig *rig_new(uint64_t seed, bool endpoint_a, bool endpoint_b)
{
	struct rig *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	assert_int_equal(wg_crypto_init(), 0);
	set_time(r, T0);
	assert_int_equal(wg_memwire_new(&r->wire, seed), 0);
	for (int i = 0; i < 2; i++) {
		struct side *s = &r->s[i];
		char ip[32];

		wg_genkey(s->priv);
		wg_pubkey(s->pub, s->priv);
		snprintf(ip, sizeof(ip), "10.0.0.%d", i + 1);
		sockaddr4(&s->addr, ip, PORT);
		wg_memwire_set_addr(r->wire, i, &s->addr);
		s->inner[0] = 192;
		s->inner[1] = 168;
		s->inner[2] = 5;
		s->inner[3] = (uint8_t)(i + 1);
	}
	side_up(r, 0, endpoint_a);
	side_up(r, 1, endpoint_b);
	return r;
}

static void rig_free(struct rig *r)
{
	side_down(&r->s[0]);
	side_down(&r->s[1]);
	wg_memwire_free(r->wire);
	wg_clock_set_fake(0);
	free(r);
}

/* Run both engines until nothing moves (or a bound); returns passes. */
static unsigned int settle(struct rig *r)
{
	unsigned int pass, did = 1;

	for (pass = 0; did && pass < 10000; pass++) {
		did = 0;
		for (int i = 0; i < 2; i++) {
			struct wg_device *dev = r->s[i].dev;
			uint64_t v;

			if (read(dev->wake_fd, &v, sizeof(v)) > 0)
				did++;
			wg_control_work(dev);
			did += wg_worker_poll(dev->workers[0]);
		}
	}
	return pass;
}

/* Let fake time pass in steps, running both engines at each. */
static void advance(struct rig *r, uint64_t ns, uint64_t step)
{
	uint64_t end = r->now + ns;

	while (r->now < end) {
		set_time(r, r->now + step < end ? r->now + step : end);
		settle(r);
	}
}

/* An IPv4/UDP packet from side `from` to the other carrying seq. */
static size_t make_packet(struct rig *r, int from, uint32_t seq,
			  uint8_t *pkt, size_t payload)
{
	size_t len = 28 + payload;

	memset(pkt, 0, len);
	pkt[0] = 0x45;
	pkt[2] = (uint8_t)(len >> 8);
	pkt[3] = (uint8_t)len;
	pkt[8] = 64;
	pkt[9] = 17;
	memcpy(pkt + 12, r->s[from].inner, 4);
	memcpy(pkt + 16, r->s[!from].inner, 4);
	pkt[20] = 0x30;
	pkt[21] = 0x39;
	pkt[22] = 0x30;
	pkt[23] = 0x3a;
	pkt[24] = (uint8_t)((8 + payload) >> 8);
	pkt[25] = (uint8_t)(8 + payload);
	for (size_t i = 0; i < payload; i++)
		pkt[28 + i] = (uint8_t)(seq * 7 + i);
	memcpy(pkt + 28, &seq, sizeof(seq));
	return len;
}

static void inject(struct rig *r, int from, uint32_t seq, size_t payload)
{
	uint8_t pkt[2048];
	size_t len = make_packet(r, from, seq, pkt, payload);

	assert_int_equal(wg_memtun_inject(r->s[from].tun, NULL, pkt, len), 0);
}

/*
 * Take what side `at` wrote to its TUN: each packet must be one the
 * other side injected, whole; seen[] (indexed by seq) must not repeat.
 * Returns how many were taken.
 */
static unsigned int drain(struct rig *r, int at, uint8_t *seen, size_t nseen,
			  size_t payload)
{
	uint8_t buf[2048], want[2048];
	struct virtio_net_hdr vh;
	unsigned int n = 0;
	ssize_t len;
	uint32_t seq;

	while ((len = wg_memtun_take(r->s[at].tun, &vh, buf, sizeof(buf))) >= 0) {
		if (len >= 20 && buf[9] == 1) {
			/* An ICMP error the engine wrote back: checked apart. */
			r->icmp_seen[at]++;
			continue;
		}
		assert_true((size_t)len >= 28 + sizeof(seq));
		memcpy(&seq, buf + 28, sizeof(seq));
		assert_int_equal((size_t)len,
				 make_packet(r, !at, seq, want, payload));
		assert_memory_equal(buf, want, (size_t)len);
		if (seen) {
			assert_true(seq < nseen);
			assert_false(seen[seq]);
			seen[seq] = 1;
		}
		n++;
	}
	return n;
}

/* As drain, for packets of 32 + seq % 1200 payload bytes. */
static unsigned int drain_varied(struct rig *r, int at, uint8_t *seen,
				 size_t nseen)
{
	uint8_t buf[2048], want[2048];
	struct virtio_net_hdr vh;
	unsigned int n = 0;
	ssize_t len;
	uint32_t seq;

	while ((len = wg_memtun_take(r->s[at].tun, &vh, buf, sizeof(buf))) >= 0) {
		memcpy(&seq, buf + 28, sizeof(seq));
		assert_true(seq > 0 && seq < nseen);
		assert_int_equal((size_t)len, make_packet(r, !at, seq, want,
							  32 + seq % 1200));
		assert_memory_equal(buf, want, (size_t)len);
		assert_false(seen[seq]);
		seen[seq] = 1;
		n++;
	}
	return n;
}

static uint64_t counter(struct wg_device *dev, enum wg_counter i)
{
	struct wg_counters *blocks[2] = { wg_worker_counters(dev->workers[0]),
					  &dev->ctl_counters };
	uint64_t sum[WG_COUNTER_MAX];

	wg_counters_sum(blocks, 2, sum);
	return sum[i];
}

static struct wg_peer *only_peer(struct wg_device *dev)
{
	assert_int_equal(dev->npeers, 1);
	return dev->peers;
}

/* The local index of the peer's current sending keypair (0: none). */
static uint32_t current_index(struct wg_device *dev)
{
	struct noise_keypair *kp =
		wg_noise_keypair_current(&only_peer(dev)->remote);
	uint32_t idx = kp ? kp->local_index : 0;

	wg_noise_keypair_put(kp);
	return idx;
}

/* A first packet from `from` brings the session up; both see it. */
static void handshake(struct rig *r, int from)
{
	uint8_t seen[1] = { 0 };

	inject(r, from, 0, 64);
	advance(r, WG_NSEC_PER_SEC, WG_NSEC_PER_MSEC);
	assert_int_equal(drain(r, !from, seen, 1, 64), 1);
	assert_int_equal(counter(r->s[from].dev, WG_C_handshakes_tx), 1);
	assert_int_equal(counter(r->s[!from].dev, WG_C_handshakes_rx), 1);
	assert_int_equal(counter(r->s[!from].dev, WG_C_handshakes_tx), 1);
	assert_int_not_equal(current_index(r->s[0].dev), 0);
	assert_int_not_equal(current_index(r->s[1].dev), 0);
	/* The packet waited for the session, then went. */
	assert_int_equal(counter(r->s[from].dev, WG_C_staged), 1);
}

static void handshake_a_to_b(void **state)
{
	struct rig *r = rig_new(1, true, false);

	(void)state;
	handshake(r, 0);
	/* B learnt A's endpoint from the initiation and answers. */
	inject(r, 1, 1, 100);
	settle(r);
	assert_int_equal(drain(r, 0, NULL, 0, 100), 1);
	assert_true(wg_sockaddr_eq(&(union wg_sockaddr){
					   .in = r->s[0].addr.in },
				   &(union wg_sockaddr){
					   .in = wg_peer_endpoint(
						   only_peer(r->s[1].dev)).in }));
	rig_free(r);
}

static void handshake_b_to_a(void **state)
{
	struct rig *r = rig_new(2, true, true);

	(void)state;
	handshake(r, 1);
	inject(r, 0, 5, 20);
	settle(r);
	assert_int_equal(drain(r, 1, NULL, 0, 20), 1);
	rig_free(r);
}

/*
 * No endpoint on either side: nothing can start. As in the kernel module,
 * the packet is dropped with ICMP host unreachable back to its sender.
 */
static void no_endpoint_unreachable(void **state)
{
	struct rig *r = rig_new(3, false, false);
	uint8_t buf[2048], sent[2048];
	struct virtio_net_hdr vh;
	ssize_t len;

	(void)state;
	inject(r, 0, 0, 64);
	advance(r, 6 * WG_NSEC_PER_SEC, 100 * WG_NSEC_PER_MSEC);
	assert_int_equal(counter(r->s[0].dev, WG_C_drop_no_endpoint), 1);
	assert_int_equal(counter(r->s[0].dev, WG_C_icmp_tx), 1);
	assert_int_equal(counter(r->s[0].dev, WG_C_handshakes_tx), 0);
	assert_int_equal(wg_memtun_pending_out(r->s[1].tun), 0);
	len = wg_memtun_take(r->s[0].tun, &vh, buf, sizeof(buf));
	assert_int_equal(len, 20 + 8 + 28 + 64);
	/* ICMP host unreachable, to the sender, quoting its packet. */
	assert_int_equal(buf[9], 1);
	assert_int_equal(buf[20], 3);
	assert_int_equal(buf[21], 1);
	assert_memory_equal(buf + 16, r->s[0].inner, 4);
	make_packet(r, 0, 0, sent, 64);
	assert_memory_equal(buf + 28, sent, 28 + 64);
	rig_free(r);
}

#define MANY 100000

/*
 * 100,000 packets through a wire that loses, duplicates and reorders.
 * Every packet out of B's TUN is one A sent, whole, once; and B's
 * counters match the wire's: what it delivered, less its duplicates,
 * came out (or was a keepalive), and every duplicate was refused as a
 * replay.
 */
static void many_with_faults(void **state)
{
	struct rig *r = rig_new(4, true, false);
	struct wg_memwire_stats w;
	uint8_t *seen = calloc(MANY, 1);
	unsigned int got = 0;
	struct wg_device *a, *b;
	uint64_t tun0;

	(void)state;
	assert_non_null(seen);
	handshake(r, 0);
	a = r->s[0].dev;
	b = r->s[1].dev;
	tun0 = counter(b, WG_C_tun_tx);
	wg_memwire_stats(r->wire, 0, &w);
	assert_int_equal(w.lost + w.duplicated + w.reordered, 0);
	wg_memwire_set_faults(r->wire, 0, 10000, 10000, 20000);
	for (uint32_t seq = 1; seq < MANY; seq++) {
		inject(r, 0, seq, 32 + seq % 1200);
		if (seq % 48 == 0) {
			settle(r);
			got += drain_varied(r, 1, seen, MANY);
		}
	}
	settle(r);
	/* The one held back for reordering goes out now. */
	wg_memwire_set_faults(r->wire, 0, 0, 0, 0);
	settle(r);
	got += drain_varied(r, 1, seen, MANY);
	wg_memwire_stats(r->wire, 0, &w);
	/* The faults happened, at about their rates. */
	assert_true(w.lost > MANY / 200 && w.lost < MANY / 50);
	assert_true(w.duplicated > MANY / 200 && w.duplicated < MANY / 50);
	assert_true(w.reordered > MANY / 100 && w.reordered < MANY / 25);
	assert_int_equal(w.misaddressed + w.overflowed, 0);
	/* Exact: A read every packet and sent every message it made... */
	assert_int_equal(counter(a, WG_C_tun_rx), MANY);
	assert_int_equal(counter(a, WG_C_udp_tx), w.sent);
	/* ...B received what the wire delivered... */
	assert_int_equal(counter(b, WG_C_udp_rx), w.delivered);
	/* ...refused every duplicate as a replay... */
	assert_int_equal(counter(b, WG_C_drop_replay), w.duplicated);
	/* ...and the rest came out, or were handshakes or keepalives. */
	assert_int_equal(counter(b, WG_C_udp_rx),
			 counter(b, WG_C_handshakes_rx) +
				 counter(b, WG_C_tun_tx) +
				 counter(b, WG_C_keepalives_rx) +
				 counter(b, WG_C_drop_replay));
	assert_int_equal(got, counter(b, WG_C_tun_tx) - tun0);
	/* Every packet A sent was delivered once unless the wire lost it. */
	assert_int_equal(counter(b, WG_C_tun_tx) + w.lost,
			 MANY + counter(a, WG_C_keepalives_tx) -
				 counter(b, WG_C_keepalives_rx) +
				 counter(a, WG_C_handshakes_tx) -
				 counter(b, WG_C_handshakes_rx));
	assert_int_equal(counter(b, WG_C_drop_decrypt) +
				 counter(b, WG_C_drop_no_session) +
				 counter(b, WG_C_drop_bad_packet),
			 0);
	free(seen);
	rig_free(r);
}

/* REKEY_AFTER_TIME: the initiator starts a new handshake on send. */
static void rekey_by_time(void **state)
{
	struct rig *r = rig_new(5, true, false);
	uint32_t first, second;
	unsigned int got;

	(void)state;
	handshake(r, 0);
	first = current_index(r->s[0].dev);
	/* Traffic both ways keeps the session alive meanwhile. */
	for (int i = 0; i < 130; i++) {
		inject(r, 0, (uint32_t)i + 1, 64);
		inject(r, 1, (uint32_t)i + 1, 64);
		advance(r, WG_NSEC_PER_SEC, 100 * WG_NSEC_PER_MSEC);
	}
	second = current_index(r->s[0].dev);
	assert_int_not_equal(second, 0);
	assert_int_not_equal(first, second);
	assert_int_equal(counter(r->s[0].dev, WG_C_handshakes_tx), 2);
	got = drain(r, 1, NULL, 0, 64);
	assert_int_equal(got, 130);
	assert_int_equal(drain(r, 0, NULL, 0, 64), 130);
	assert_int_equal(counter(r->s[1].dev, WG_C_drop_decrypt), 0);
	rig_free(r);
}

/* REKEY_AFTER_MESSAGES: either side rekeys when its counter passes it. */
static void rekey_by_count(void **state)
{
	struct rig *r = rig_new(6, true, true);
	struct noise_keypair *kp;
	uint32_t first;

	(void)state;
	handshake(r, 0);
	first = current_index(r->s[1].dev);
	/* B, the responder, is close to the limit. */
	kp = wg_noise_keypair_current(&only_peer(r->s[1].dev)->remote);
	atomic_store(&kp->send_counter, WG_REKEY_AFTER_MESSAGES - 3);
	wg_noise_keypair_put(kp);
	/*
	 * It asks for a handshake at once; the first may go REKEY_TIMEOUT
	 * after its response (as in the kernel). Its packets flow meanwhile.
	 */
	for (uint32_t i = 0; i < 10; i++) {
		inject(r, 1, i, 64);
		advance(r, WG_NSEC_PER_SEC, WG_NSEC_PER_MSEC);
	}
	assert_int_equal(drain(r, 0, NULL, 0, 64), 10);
	/* B initiated the new session; A took counters past 2^60. */
	assert_int_equal(counter(r->s[1].dev, WG_C_handshakes_tx), 2);
	assert_int_not_equal(current_index(r->s[1].dev), first);
	inject(r, 1, 11, 64);
	settle(r);
	assert_int_equal(drain(r, 0, NULL, 0, 64), 1);
	assert_int_equal(counter(r->s[0].dev, WG_C_drop_replay), 0);
	rig_free(r);
}

/* B moves to a new address; A follows it from B's next packet. */
static void roaming(void **state)
{
	struct rig *r = rig_new(7, true, false);
	union wg_sockaddr moved, ep;
	struct wg_memwire_stats w;

	(void)state;
	handshake(r, 0);
	sockaddr4(&moved, "10.0.9.9", 40000);
	wg_memwire_set_addr(r->wire, 1, &moved);
	inject(r, 1, 1, 64);
	settle(r);
	assert_int_equal(drain(r, 0, NULL, 0, 64), 1);
	ep = wg_peer_endpoint(only_peer(r->s[0].dev));
	assert_true(wg_sockaddr_eq(&ep, &moved));
	/* A's answers reach B at the new address. */
	wg_memwire_stats(r->wire, 0, &w);
	inject(r, 0, 2, 64);
	settle(r);
	assert_int_equal(drain(r, 1, NULL, 0, 64), 1);
	wg_memwire_stats(r->wire, 0, &w);
	assert_int_equal(w.misaddressed, 0);
	rig_free(r);
}

static void set_peer_removed(struct wg_device *dev, const uint8_t pub[32],
			     bool remove, const struct side *other)
{
	struct wg_config cfg;

	wg_config_init(&cfg);
	if (remove) {
		struct wg_peer_change *pc = wg_config_add_peer(&cfg, pub);

		assert_non_null(pc);
		pc->remove = true;
	} else {
		add_peer(&cfg, other, true);
	}
	assert_int_equal(wg_device_apply(dev, &cfg), 0);
	wg_config_free(&cfg);
}

/*
 * B removes A while A's packets are on the wire and in B's queues: they
 * are dropped (no session), nothing is freed under the worker, and A
 * added back comes up with a new handshake.
 */
static void removal_in_flight(void **state)
{
	struct rig *r = rig_new(8, true, true);
	struct wg_device *b;

	(void)state;
	handshake(r, 0);
	b = r->s[1].dev;
	for (uint32_t i = 0; i < 200; i++)
		inject(r, 0, i, 64);
	/* A seals and sends; B has not read yet. */
	wg_worker_poll(r->s[0].dev->workers[0]);
	assert_true(wg_memwire_queued(r->wire, 1) > 0);
	set_peer_removed(b, r->s[0].pub, true, NULL);
	assert_int_equal(b->npeers, 0);
	settle(r);
	assert_int_equal(wg_memtun_pending_out(r->s[1].tun), 0);
	assert_true(counter(b, WG_C_drop_no_session) >= 64);
	/* Back again, by the same key: a new handshake, traffic flows. */
	set_peer_removed(b, NULL, false, &r->s[0]);
	/*
	 * A still sends on the old session, which B no longer has; without
	 * an answer A starts a new handshake after KEEPALIVE_TIMEOUT +
	 * REKEY_TIMEOUT, as the kernel does.
	 */
	for (uint32_t i = 0; i < 20; i++) {
		inject(r, 0, 500 + i, 64);
		advance(r, WG_NSEC_PER_SEC, 10 * WG_NSEC_PER_MSEC);
	}
	assert_int_equal(counter(r->s[0].dev, WG_C_handshakes_tx), 2);
	assert_true(drain(r, 1, NULL, 0, 64) >= 1);
	assert_int_equal(counter(b, WG_C_drop_decrypt), 0);
	rig_free(r);
}

/* Give A's peer a path as the route lookups would: MTU, loop. */
static void set_route(struct rig *r, uint32_t mtu, bool loop)
{
	struct wg_peer *p = only_peer(r->s[0].dev);
	struct wg_peer_path np = *p->path;

	np.mtu = mtu;
	np.loop = loop;
	wg_peer_set_path(p, &np.path, &np);
}

/*
 * A path that cannot carry the sealed packet: with DF the sender gets
 * "fragmentation needed" with the MTU that fits (so PMTU discovery works
 * through the tunnel); without DF it goes on, to be fragmented outside.
 */
static void too_big_for_path(void **state)
{
	struct rig *r = rig_new(10, true, false);
	uint8_t pkt[2048], buf[2048];
	struct virtio_net_hdr vh;
	size_t len;

	(void)state;
	handshake(r, 0);
	set_route(r, 1280, false);
	len = make_packet(r, 0, 1, pkt, 1300);
	pkt[6] = 0x40; /* DF */
	assert_int_equal(wg_memtun_inject(r->s[0].tun, NULL, pkt, len), 0);
	settle(r);
	assert_int_equal(counter(r->s[0].dev, WG_C_drop_too_big), 1);
	assert_int_equal(wg_memtun_take(r->s[0].tun, &vh, buf, sizeof(buf)),
			 20 + 8 + 548);
	assert_int_equal(buf[20], 3);
	assert_int_equal(buf[21], 4);
	/* 1280 - 20 (IP) - 8 (UDP) - 32 (WireGuard), to a multiple of 16. */
	assert_int_equal(buf[26] << 8 | buf[27], 1216);
	/* Without DF: on its way. */
	inject(r, 0, 2, 1300);
	settle(r);
	assert_int_equal(drain(r, 1, NULL, 0, 1300), 1);
	rig_free(r);
}

/* An endpoint routed into the tunnel: dropped and counted, never sent. */
static void loop_dropped(void **state)
{
	struct rig *r = rig_new(11, true, false);
	struct wg_memwire_stats before, after;

	(void)state;
	handshake(r, 0);
	set_route(r, 0, true);
	wg_memwire_stats(r->wire, 0, &before);
	for (uint32_t i = 0; i < 10; i++)
		inject(r, 0, i, 64);
	settle(r);
	wg_memwire_stats(r->wire, 0, &after);
	assert_int_equal(counter(r->s[0].dev, WG_C_drop_loop), 10);
	assert_int_equal(after.sent, before.sent);
	rig_free(r);
}

/* Workers in threads, the test thread as both control threads. */
struct runner {
	struct wg_worker *w;
	atomic_bool *stop;
	pthread_t th;
};

static void *run_worker(void *arg)
{
	struct runner *rn = arg;

	wg_rcu_register();
	while (!atomic_load(rn->stop)) {
		if (!wg_worker_poll(rn->w))
			wg_worker_wait(rn->w, 1);
		wg_rcu_quiescent();
	}
	wg_rcu_unregister();
	return NULL;
}

/*
 * The same with real concurrency: B's configuration drops and re-adds A
 * fifty times while both workers move packets; ASan sees any packet
 * touching a freed peer, and the counts stay consistent.
 */
static void removal_under_threads(void **state)
{
	struct rig *r = rig_new(9, true, true);
	struct runner rn[2];
	atomic_bool stop = false;
	uint64_t taken = 0;

	(void)state;
	handshake(r, 0);
	wg_clock_set_fake(0); /* real time from here: the threads run */
	for (int i = 0; i < 2; i++) {
		rn[i].w = r->s[i].dev->workers[0];
		rn[i].stop = &stop;
		assert_int_equal(pthread_create(&rn[i].th, NULL, run_worker,
						&rn[i]),
				 0);
	}
	for (int round = 0; round < 50; round++) {
		for (uint32_t i = 0; i < 100; i++) {
			inject(r, 0, i, 64);
			inject(r, 1, i, 64);
		}
		set_peer_removed(r->s[1].dev, r->s[0].pub, true, NULL);
		for (int k = 0; k < 20; k++) {
			wg_control_work(r->s[0].dev);
			wg_control_work(r->s[1].dev);
		}
		set_peer_removed(r->s[1].dev, NULL, false, &r->s[0]);
		for (int k = 0; k < 20; k++) {
			wg_control_work(r->s[0].dev);
			wg_control_work(r->s[1].dev);
		}
		taken += drain(r, 0, NULL, 0, 64) + drain(r, 1, NULL, 0, 64);
	}
	atomic_store(&stop, true);
	for (int i = 0; i < 2; i++)
		pthread_join(rn[i].th, NULL);
	taken += drain(r, 0, NULL, 0, 64) + drain(r, 1, NULL, 0, 64);
	/* Never more out than in, and nothing failed to authenticate. */
	assert_true(taken <= 2 * 50 * 100);
	assert_true(counter(r->s[0].dev, WG_C_tun_rx) <= 50 * 100 + 1);
	assert_int_equal(counter(r->s[0].dev, WG_C_drop_decrypt) +
				 counter(r->s[1].dev, WG_C_drop_decrypt),
			 0);
	rig_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(handshake_a_to_b),
		cmocka_unit_test(handshake_b_to_a),
		cmocka_unit_test(no_endpoint_unreachable),
		cmocka_unit_test(many_with_faults),
		cmocka_unit_test(rekey_by_time),
		cmocka_unit_test(rekey_by_count),
		cmocka_unit_test(roaming),
		cmocka_unit_test(removal_in_flight),
		cmocka_unit_test(too_big_for_path),
		cmocka_unit_test(loop_dropped),
		cmocka_unit_test(removal_under_threads),
	};

	if (getenv("WG_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WG_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}

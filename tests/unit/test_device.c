// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The device's configuration changes: applied whole or not at all, peers
 * created, updated, replaced and removed, and `get` reporting them back.
 * No data plane: the device runs without TUN, XDP or workers here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "device.h"
#include "uapi.h"

static struct wg_device *new_device(void)
{
	struct wg_device *dev = calloc(1, sizeof(*dev));

	assert_non_null(dev);
	assert_int_equal(wg_crypto_init(), 0);
	assert_int_equal(wg_device_init(dev, "wgtest0"), 0);
	return dev;
}

static void free_device(struct wg_device *dev)
{
	wg_device_destroy(dev);
	free(dev);
}

static void key(uint8_t k[WG_KEY_LEN], uint8_t seed)
{
	for (int i = 0; i < WG_KEY_LEN; i++)
		k[i] = (uint8_t)(seed * 31 + i);
}

static struct wg_peer_change *add_peer(struct wg_config *cfg, uint8_t seed,
				       const char *aip)
{
	uint8_t pub[WG_KEY_LEN];
	struct wg_peer_change *pc;
	struct wg_aip_change a;

	key(pub, seed);
	pc = wg_config_add_peer(cfg, pub);
	assert_non_null(pc);
	if (aip) {
		assert_int_equal(wg_config_parse_aip(&a, aip, 0), 0);
		assert_int_equal(wg_config_add_aip(pc, &a), 0);
	}
	return pc;
}

/* The whole `get` text: what `wg showconf` sees. */
static char *dump(struct wg_device *dev)
{
	struct wg_device_info info;
	struct wg_uapi_buf out = { 0 };
	char *s;

	assert_int_equal(wg_device_info(dev, &info), 0);
	assert_int_equal(wg_uapi_write_get(&out, &info), 0);
	wg_device_info_free(dev, &info);
	s = strndup(out.data, out.len);
	wg_uapi_buf_free(&out);
	return s;
}

static void peers_and_allowed_ips(void **state)
{
	struct wg_device *dev = new_device();
	struct wg_config cfg;
	uint8_t addr[4] = { 10, 0, 1, 7 }, pub[WG_KEY_LEN];

	(void)state;
	wg_config_init(&cfg);
	cfg.has_private_key = true;
	key(cfg.private_key, 1);
	add_peer(&cfg, 2, "10.0.1.0/24");
	add_peer(&cfg, 3, "10.0.0.0/16");
	assert_int_equal(wg_device_apply(dev, &cfg), 0);
	wg_config_free(&cfg);
	assert_int_equal(dev->npeers, 2);
	/* Most specific match wins. */
	key(pub, 2);
	assert_ptr_equal(wg_allowedips_lookup(&dev->aip, AF_INET, addr),
			 wg_device_peer_lookup(dev, pub));
	addr[2] = 9;
	key(pub, 3);
	assert_ptr_equal(wg_allowedips_lookup(&dev->aip, AF_INET, addr),
			 wg_device_peer_lookup(dev, pub));

	/* Remove one peer: its prefixes go with it. */
	wg_config_init(&cfg);
	add_peer(&cfg, 3, NULL)->remove = true;
	assert_int_equal(wg_device_apply(dev, &cfg), 0);
	wg_config_free(&cfg);
	assert_int_equal(dev->npeers, 1);
	assert_null(wg_allowedips_lookup(&dev->aip, AF_INET, addr));

	/* update_only for an unknown peer creates nothing. */
	wg_config_init(&cfg);
	add_peer(&cfg, 9, "10.9.0.0/16")->update_only = true;
	assert_int_equal(wg_device_apply(dev, &cfg), 0);
	wg_config_free(&cfg);
	assert_int_equal(dev->npeers, 1);

	/* replace_peers leaves exactly the new set. */
	wg_config_init(&cfg);
	cfg.replace_peers = true;
	add_peer(&cfg, 4, "10.4.0.0/16");
	assert_int_equal(wg_device_apply(dev, &cfg), 0);
	wg_config_free(&cfg);
	assert_int_equal(dev->npeers, 1);
	key(pub, 2);
	assert_null(wg_device_peer_lookup(dev, pub));
	free_device(dev);
}

static void own_key_is_never_a_peer(void **state)
{
	struct wg_device *dev = new_device();
	struct wg_config cfg;
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN];

	(void)state;
	key(priv, 7);
	wg_pubkey(pub, priv);
	wg_config_init(&cfg);
	cfg.has_private_key = true;
	memcpy(cfg.private_key, priv, WG_KEY_LEN);
	assert_non_null(wg_config_add_peer(&cfg, pub));
	assert_int_equal(wg_device_apply(dev, &cfg), 0);
	wg_config_free(&cfg);
	assert_int_equal(dev->npeers, 0);
	free_device(dev);
}

/* A port that cannot be bound rejects the whole change. */
static void failed_set_changes_nothing(void **state)
{
	struct wg_device *dev = new_device();
	struct wg_config cfg;
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	char *before, *after;
	int fd;

	(void)state;
	wg_config_init(&cfg);
	cfg.has_private_key = true;
	key(cfg.private_key, 1);
	add_peer(&cfg, 2, "10.0.1.0/24");
	assert_int_equal(wg_device_apply(dev, &cfg), 0);
	wg_config_free(&cfg);
	before = dump(dev);

	/* Hold a port, then ask for it with other changes beside. */
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	wg_config_init(&cfg);
	cfg.has_listen_port = true;
	cfg.listen_port = ntohs(a.sin_port);
	cfg.has_private_key = true;
	key(cfg.private_key, 5);
	cfg.replace_peers = true;
	add_peer(&cfg, 6, "10.6.0.0/16");
	assert_int_equal(wg_device_apply(dev, &cfg), -EADDRINUSE);
	wg_config_free(&cfg);
	after = dump(dev);
	assert_string_equal(before, after);
	close(fd);
	free(before);
	free(after);
	free_device(dev);
}

static void listen_port_and_get(void **state)
{
	struct wg_device *dev = new_device();
	struct wg_config cfg;
	struct wg_peer_change *pc;
	char *text;

	(void)state;
	wg_config_init(&cfg);
	cfg.has_listen_port = true;
	cfg.listen_port = 0; /* pick one */
	pc = add_peer(&cfg, 2, "fd00::/64");
	pc->has_keepalive = true;
	pc->persistent_keepalive = 25;
	assert_int_equal(wg_config_parse_endpoint(&pc->endpoint,
						  "192.0.2.1:51820"), 0);
	pc->has_endpoint = true;
	assert_int_equal(wg_device_apply(dev, &cfg), 0);
	wg_config_free(&cfg);
	text = dump(dev);
	assert_non_null(strstr(text, "endpoint=192.0.2.1:51820\n"));
	assert_non_null(strstr(text, "persistent_keepalive_interval=25\n"));
	assert_non_null(strstr(text, "allowed_ip=fd00::/64\n"));
	assert_non_null(strstr(text, "errno=0\n\n"));
	free(text);
	free_device(dev);
}

/* A one-remote peer table for the in-test initiator. */
static struct noise_remote *b_remote;
static struct noise_remote *b_get(void *arg, const uint8_t pub[WG_KEY_LEN])
{
	(void)arg;
	(void)pub;
	return b_remote;
}
static uint32_t b_index_set(void *arg, struct noise_remote *r)
{
	static uint32_t next = 1000;

	(void)arg;
	(void)r;
	return next++;
}
static struct noise_remote *b_index_get(void *arg, uint32_t index)
{
	(void)arg;
	(void)index;
	return b_remote;
}
static void b_index_drop(void *arg, uint32_t index)
{
	(void)arg;
	(void)index;
}

/*
 * Re-applying the same private key (what setconf and syncconf send) keeps
 * sessions; a new key voids them.
 */
static void same_key_keeps_sessions(void **state)
{
	struct noise_upcall up = { NULL, b_get, b_index_set, b_index_get,
				   b_index_drop };
	struct wg_device *dev = new_device();
	struct noise_local b_local;
	struct noise_remote br;
	struct wg_msg_initiation init;
	struct wg_msg_response resp;
	struct noise_remote *r;
	struct timespec wall = { 1700000000, 0 };
	uint8_t dev_priv[WG_KEY_LEN], dev_pub[WG_KEY_LEN], b_priv[WG_KEY_LEN],
		b_pub[WG_KEY_LEN];
	struct wg_config cfg;
	struct wg_peer *p;

	(void)state;
	key(dev_priv, 40);
	key(b_priv, 41);
	wg_pubkey(dev_pub, dev_priv);
	wg_pubkey(b_pub, b_priv);
	wg_noise_local_init(&b_local, &up);
	wg_noise_local_set_private(&b_local, b_priv);
	wg_noise_remote_init(&br, &b_local, dev_pub);
	b_remote = &br;

	wg_config_init(&cfg);
	cfg.has_private_key = true;
	memcpy(cfg.private_key, dev_priv, WG_KEY_LEN);
	assert_non_null(wg_config_add_peer(&cfg, b_pub));
	assert_int_equal(wg_device_apply(dev, &cfg), 0);
	p = wg_device_peer_lookup(dev, b_pub);
	assert_non_null(p);

	/* B initiates; the device answers: its session waits in next. */
	assert_int_equal(wg_noise_create_initiation(&br, &init, &wall, 1), 0);
	assert_int_equal(wg_noise_consume_initiation(&dev->local, &init, 1, &r),
			 WG_NOISE_OK);
	assert_ptr_equal(r, &p->remote);
	assert_int_equal(wg_noise_create_response(r, &resp, 1), 0);
	assert_non_null(p->remote.next);

	/* The same key again: the session stays. */
	assert_int_equal(wg_device_apply(dev, &cfg), 0);
	assert_non_null(p->remote.next);
	wg_config_free(&cfg);

	/* A new key: sessions made with the old one are gone. */
	wg_config_init(&cfg);
	cfg.has_private_key = true;
	key(cfg.private_key, 42);
	assert_int_equal(wg_device_apply(dev, &cfg), 0);
	wg_config_free(&cfg);
	assert_null(p->remote.next);

	wg_noise_remote_destroy(&br);
	wg_noise_local_destroy(&b_local);
	free_device(dev);
}

/* The same key twice in one request makes one peer, both changes apply. */
static void duplicate_keys_in_one_request(void **state)
{
	struct wg_device *dev = new_device();
	struct wg_config cfg;
	uint8_t addr[4] = { 10, 2, 0, 1 };

	(void)state;
	wg_config_init(&cfg);
	add_peer(&cfg, 2, "10.1.0.0/16");
	add_peer(&cfg, 2, "10.2.0.0/16");
	assert_int_equal(wg_device_apply(dev, &cfg), 0);
	wg_config_free(&cfg);
	assert_int_equal(dev->npeers, 1);
	assert_non_null(wg_allowedips_lookup(&dev->aip, AF_INET, addr));
	addr[1] = 1;
	assert_non_null(wg_allowedips_lookup(&dev->aip, AF_INET, addr));
	free_device(dev);
}

/*
 * "remove X, then X again" in one request: applied in order, X exists
 * afterwards, a new peer with only the second change's allowed IP (as
 * the kernel and wireguard-go do). Before, X was gone.
 */
static void remove_then_add_in_one_request(void **state)
{
	struct wg_device *dev = new_device();
	struct wg_config cfg;
	struct wg_peer *before, *after;
	uint8_t pub[WG_KEY_LEN], a1[4] = { 10, 1, 0, 1 }, a2[4] = { 10, 2, 0, 1 };

	(void)state;
	key(pub, 4);
	wg_config_init(&cfg);
	add_peer(&cfg, 4, "10.1.0.0/16");
	assert_int_equal(wg_device_apply(dev, &cfg), 0);
	wg_config_free(&cfg);
	before = wg_device_peer_lookup(dev, pub);
	assert_non_null(before);

	wg_config_init(&cfg);
	add_peer(&cfg, 4, NULL)->remove = true;
	add_peer(&cfg, 4, "10.2.0.0/16");
	assert_int_equal(wg_device_apply(dev, &cfg), 0);
	wg_config_free(&cfg);
	assert_int_equal(dev->npeers, 1);
	after = wg_device_peer_lookup(dev, pub);
	assert_non_null(after);
	assert_null(wg_allowedips_lookup(&dev->aip, AF_INET, a1));
	assert_ptr_equal(wg_allowedips_lookup(&dev->aip, AF_INET, a2), after);
	free_device(dev);
}

/*
 * Removing the private key leaves nothing keyed for the old identity:
 * a message whose mac1 was right for it now fails mac1.
 */
static void no_key_no_mac1(void **state)
{
	struct wg_device *dev = new_device();
	struct wg_config cfg;
	struct cookie_maker cm;
	struct wg_msg_initiation msg;
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN], src[6] = { 0 };

	(void)state;
	key(priv, 9);
	wg_pubkey(pub, priv);
	wg_config_init(&cfg);
	cfg.has_private_key = true;
	memcpy(cfg.private_key, priv, WG_KEY_LEN);
	assert_int_equal(wg_device_apply(dev, &cfg), 0);
	wg_config_free(&cfg);
	/* A message for us, as a peer makes it: mac1 with our public key. */
	wg_cookie_maker_init(&cm, pub);
	memset(&msg, 0x5a, sizeof(msg));
	wg_cookie_maker_add_macs(&cm, &msg, sizeof(msg), 1);
	assert_int_equal(wg_cookie_checker_validate(&dev->cookie, &msg,
						    sizeof(msg), src,
						    sizeof(src), false, 1),
			 WG_COOKIE_MAC_VALID);

	wg_config_init(&cfg);
	cfg.has_private_key = true; /* all zero: remove it */
	assert_int_equal(wg_device_apply(dev, &cfg), 0);
	wg_config_free(&cfg);
	assert_false(dev->cookie.has_keys);
	assert_int_equal(wg_cookie_checker_validate(&dev->cookie, &msg,
						    sizeof(msg), src,
						    sizeof(src), false, 1),
			 WG_COOKIE_MAC_INVALID_MAC1);
	wg_cookie_maker_destroy(&cm);
	free_device(dev);
}

/* 20,000 peers in one set, replaced whole by another: linear, not pairwise. */
static void many_peers(void **state)
{
	struct wg_device *dev = new_device();
	struct wg_config cfg;
	enum { N = 20000 };

	(void)state;
	for (int round = 0; round < 2; round++) {
		wg_config_init(&cfg);
		cfg.replace_peers = true;
		for (int i = 0; i < N; i++) {
			uint8_t pub[WG_KEY_LEN] = { 0 };
			struct wg_aip_change a = { .family = AF_INET, .cidr = 32 };

			memcpy(pub, &i, sizeof(i));
			pub[31] = (uint8_t)(round + 1);
			a.addr[0] = 10;
			a.addr[1] = (uint8_t)round;
			a.addr[2] = (uint8_t)(i >> 8);
			a.addr[3] = (uint8_t)i;
			assert_int_equal(wg_config_add_aip(
						 wg_config_add_peer(&cfg, pub), &a),
					 0);
		}
		assert_int_equal(wg_device_apply(dev, &cfg), 0);
		wg_config_free(&cfg);
		assert_int_equal(dev->npeers, N);
		assert_int_equal(wg_allowedips_count(&dev->aip), N);
	}
	free_device(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(peers_and_allowed_ips),
		cmocka_unit_test(own_key_is_never_a_peer),
		cmocka_unit_test(failed_set_changes_nothing),
		cmocka_unit_test(listen_port_and_get),
		cmocka_unit_test(same_key_keeps_sessions),
		cmocka_unit_test(duplicate_keys_in_one_request),
		cmocka_unit_test(remove_then_add_in_one_request),
		cmocka_unit_test(no_key_no_mac1),
		cmocka_unit_test(many_peers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

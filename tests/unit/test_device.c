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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(peers_and_allowed_ips),
		cmocka_unit_test(own_key_is_never_a_peer),
		cmocka_unit_test(failed_set_changes_nothing),
		cmocka_unit_test(listen_port_and_get),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

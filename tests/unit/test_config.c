// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The config change: endpoints, prefixes, key encodings, growth. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

#include "config.h"

static void roundtrip_ep(const char *in, const char *want)
{
	struct wg_endpoint ep;
	char buf[WG_ENDPOINT_STRLEN];

	assert_int_equal(wg_config_parse_endpoint(&ep, in), 0);
	assert_int_equal(wg_config_format_endpoint(&ep, buf, sizeof(buf)),
			 (int)strlen(want));
	assert_string_equal(buf, want);
}

static void endpoint_v4(void **state)
{
	struct wg_endpoint ep;

	(void)state;
	assert_int_equal(wg_config_parse_endpoint(&ep, "1.2.3.4:51820"), 0);
	assert_int_equal(ep.sa.sa_family, AF_INET);
	assert_int_equal(ntohs(ep.in4.sin_port), 51820);
	assert_int_equal(ntohl(ep.in4.sin_addr.s_addr), 0x01020304);
	assert_int_equal(wg_config_endpoint_len(&ep),
			 sizeof(struct sockaddr_in));
	roundtrip_ep("1.2.3.4:51820", "1.2.3.4:51820");
	roundtrip_ep("255.255.255.255:65535", "255.255.255.255:65535");
	roundtrip_ep("0.0.0.0:0", "0.0.0.0:0");
	roundtrip_ep("10.0.0.1:051820", "10.0.0.1:51820");
}

static void endpoint_v6(void **state)
{
	struct wg_endpoint ep;
	char buf[WG_ENDPOINT_STRLEN];

	(void)state;
	assert_int_equal(wg_config_parse_endpoint(&ep, "[fd00::1]:51820"), 0);
	assert_int_equal(ep.sa.sa_family, AF_INET6);
	assert_int_equal(ntohs(ep.in6.sin6_port), 51820);
	assert_int_equal(ep.in6.sin6_addr.s6_addr[0], 0xfd);
	assert_int_equal(ep.in6.sin6_addr.s6_addr[15], 1);
	assert_int_equal(wg_config_endpoint_len(&ep),
			 sizeof(struct sockaddr_in6));
	roundtrip_ep("[fd00::1]:51820", "[fd00::1]:51820");
	roundtrip_ep("[FD00:0:0:0:0:0:0:1]:1", "[fd00::1]:1");
	roundtrip_ep("[::]:2", "[::]:2");
	roundtrip_ep("[::ffff:1.2.3.4]:3", "[::ffff:1.2.3.4]:3");
	/* A numeric scope: printed by name when the interface exists. */
	assert_int_equal(wg_config_parse_endpoint(&ep, "[fe80::1%1]:4"), 0);
	assert_int_equal(ep.in6.sin6_scope_id, 1);
	assert_true(wg_config_format_endpoint(&ep, buf, sizeof(buf)) > 0);
	assert_memory_equal(buf, "[fe80::1%", 9);
	assert_string_equal(buf + strlen(buf) - 3, "]:4");
}

static void endpoint_bad(void **state)
{
	static const char *const bad[] = {
		"", ":", "1.2.3.4", "1.2.3.4:", ":51820", "1.2.3.4:65536",
		"1.2.3.4:-1", "1.2.3.4:+1", "1.2.3.4:1x", "1.2.3.4: 1",
		" 1.2.3.4:1", "1.2.3.4:99999999999999999999999",
		"[fd00::1]", "[fd00::1]51820", "[fd00::1:51820", "[fd00::1]:",
		"fd00::1:51820", "[1.2.3.4]:1", "01.2.3.4:1", "1.2.3:1",
		"1.2.3.4.5:1", "256.1.1.1:1", "example.com:1", "[]:1",
		"[fd00::1]:65536", "[fe80::1%no-such-if0]:1", "[fd00::g]:1",
		"1.2.3.4:1:2",
	};
	struct wg_endpoint ep, orig;
	size_t i;

	(void)state;
	memset(&ep, 0xa5, sizeof(ep));
	orig = ep;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (wg_config_parse_endpoint(&ep, bad[i]) != -EINVAL)
			fail_msg("accepted endpoint '%s'", bad[i]);
		assert_memory_equal(&ep, &orig, sizeof(ep));
	}
}

static void endpoint_resolve(void **state)
{
	struct wg_endpoint ep;
	char buf[WG_ENDPOINT_STRLEN];

	(void)state;
	/* Numeric forms need no resolver. */
	assert_int_equal(wg_config_resolve_endpoint(&ep, "1.2.3.4:5"), 0);
	assert_int_equal(ep.sa.sa_family, AF_INET);
	/* wg takes an unbracketed IPv6 address before the last ':'. */
	assert_int_equal(wg_config_resolve_endpoint(&ep, "fd00::1:51820"),
			 0);
	assert_int_equal(wg_config_format_endpoint(&ep, buf, sizeof(buf)),
			 (int)strlen("[fd00::1]:51820"));
	assert_string_equal(buf, "[fd00::1]:51820");
	/* "localhost" comes from /etc/hosts. */
	assert_int_equal(wg_config_resolve_endpoint(&ep, "localhost:51820"),
			 0);
	assert_true(ep.sa.sa_family == AF_INET || ep.sa.sa_family == AF_INET6);
	assert_int_equal(ntohs(ep.in4.sin_port), 51820);
	assert_int_equal(wg_config_resolve_endpoint(&ep, "localhost:70000"),
			 -EINVAL);
	assert_int_equal(wg_config_resolve_endpoint(&ep, "localhost"),
			 -EINVAL);
	assert_int_equal(wg_config_resolve_endpoint(&ep, "[fd00::1"),
			 -EINVAL);
	assert_int_equal(wg_config_resolve_endpoint(&ep, ""), -EINVAL);
	/* A port no resolver knows fails at once (EAI_SERVICE is permanent;
	 * retried, it took about a minute, as the fuzzer found). */
	setenv("WG_ENDPOINT_RESOLUTION_RETRIES", "infinity", 1);
	assert_int_equal(wg_config_resolve_endpoint(&ep, "1.2.3.4:-5"),
			 -EHOSTUNREACH);
	assert_int_equal(wg_config_resolve_endpoint(&ep, "localhost:nosuchsvc"),
			 -EHOSTUNREACH);
	unsetenv("WG_ENDPOINT_RESOLUTION_RETRIES");
}

static void endpoint_format_errors(void **state)
{
	struct wg_endpoint ep;
	char buf[8];

	(void)state;
	memset(&ep, 0, sizeof(ep));
	assert_int_equal(wg_config_format_endpoint(&ep, buf, sizeof(buf)),
			 -EAFNOSUPPORT);
	assert_int_equal(wg_config_endpoint_len(&ep), 0);
	assert_int_equal(wg_config_parse_endpoint(&ep, "10.20.30.40:1234"),
			 0);
	assert_int_equal(wg_config_format_endpoint(&ep, buf, sizeof(buf)),
			 -ENOSPC);
}

static void roundtrip_aip(const char *in, unsigned int flags,
			  const char *want)
{
	struct wg_aip_change aip;
	char buf[WG_PREFIX_STRLEN];

	if (wg_config_parse_aip(&aip, in, flags))
		fail_msg("refused '%s'", in);
	assert_int_equal(wg_config_format_aip(&aip, buf, sizeof(buf)),
			 (int)strlen(want));
	assert_string_equal(buf, want);
}

static void aip_valid(void **state)
{
	struct wg_aip_change aip;

	(void)state;
	roundtrip_aip("10.0.0.0/24", 0, "10.0.0.0/24");
	roundtrip_aip("0.0.0.0/0", 0, "0.0.0.0/0");
	roundtrip_aip("10.1.2.3/32", 0, "10.1.2.3/32");
	roundtrip_aip("10.1.2.3/24", 0, "10.1.2.0/24");
	roundtrip_aip("10.1.255.3/17", 0, "10.1.128.0/17");
	roundtrip_aip("255.255.255.255/1", 0, "128.0.0.0/1");
	roundtrip_aip("fd00::/64", 0, "fd00::/64");
	roundtrip_aip("::/0", 0, "::/0");
	roundtrip_aip("fd00::1/128", 0, "fd00::1/128");
	roundtrip_aip("fd00:1:2:3:4:5:6:7/63", 0, "fd00:1:2:2::/63");
	roundtrip_aip("::ffff:1.2.3.4/128", 0, "::ffff:1.2.3.4/128");
	roundtrip_aip("10.0.0.1", WG_AIP_BARE, "10.0.0.1/32");
	roundtrip_aip("fd00::1", WG_AIP_BARE, "fd00::1/128");
	roundtrip_aip("-10.0.0.0/24", WG_AIP_REMOVE, "-10.0.0.0/24");
	roundtrip_aip("-fd00::/8", WG_AIP_REMOVE, "-fd00::/8");

	assert_int_equal(wg_config_parse_aip(&aip, "-10.9.8.7/8",
					     WG_AIP_REMOVE), 0);
	assert_true(aip.remove);
	assert_int_equal(aip.family, AF_INET);
	assert_int_equal(aip.cidr, 8);
	assert_int_equal(aip.addr[0], 10);
	assert_int_equal(aip.addr[1], 0);
	assert_int_equal(wg_config_parse_aip(&aip, "10.9.8.7/8", 0), 0);
	assert_false(aip.remove);
}

static void aip_invalid(void **state)
{
	static const struct {
		const char *s;
		unsigned int flags;
	} bad[] = {
		{ "10.0.0.0/33", 0 }, { "fd00::/129", 0 }, { "10.0.0.0/", 0 },
		{ "10.0.0.0/-1", 0 }, { "10.0.0.0/+1", 0 },
		{ "10.0.0.0/24x", 0 }, { "10.0.0.0/24 ", 0 },
		{ "10.0.0.0 /24", 0 }, { "/24", 0 }, { "", 0 }, { "-", 2 },
		{ "10.0.0/24", 0 }, { "10.0.0.256/24", 0 },
		{ "fd00::/64/1", 0 }, { "fd00::g/64", 0 },
		{ "10.0.0.1", 0 }, { "fd00::1", 0 },
		{ "-10.0.0.0/24", 0 }, { "-10.0.0.0/24", WG_AIP_BARE },
		{ "--10.0.0.0/24", WG_AIP_REMOVE }, { "+10.0.0.0/24", 3 },
		{ "fe80::1%1/64", 0 }, { "010.0.0.0/8", 0 },
		{ "10.0.0.0/0024", 0 }, { "10.0.0.0/999999999999", 0 },
		{ "[fd00::]/64", 0 }, { "10.0.0.0/8,", 0 },
		{ "1.2.3.4.5/32", 0 }, { "1.2.3.4/32/", 0 },
	};
	struct wg_aip_change aip;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (wg_config_parse_aip(&aip, bad[i].s, bad[i].flags) !=
		    -EINVAL)
			fail_msg("accepted allowed IP '%s'", bad[i].s);
	}
}

static void prefix_keeps_host(void **state)
{
	struct wg_prefix p;
	char buf[WG_PREFIX_STRLEN];

	(void)state;
	assert_int_equal(wg_config_parse_prefix(&p, "10.0.0.1/24"), 0);
	assert_int_equal(wg_config_format_prefix(&p, buf, sizeof(buf)), 11);
	assert_string_equal(buf, "10.0.0.1/24");
	assert_int_equal(wg_config_parse_prefix(&p, "fd00::5"), 0);
	assert_int_equal(p.cidr, 128);
	assert_int_equal(wg_config_format_prefix(&p, buf, sizeof(buf)), 11);
	assert_string_equal(buf, "fd00::5/128");
	assert_int_equal(wg_config_parse_prefix(&p, "10.0.0.1/40"), -EINVAL);
	assert_int_equal(wg_config_format_prefix(&p, buf, 4), -ENOSPC);
}

static void keys_hex(void **state)
{
	uint8_t key[WG_KEY_LEN], back[WG_KEY_LEN];
	char hex[WG_KEY_HEX_LEN + 1], ref[WG_KEY_HEX_LEN + 1];
	int i, j;

	(void)state;
	for (i = 0; i < 200; i++) {
		randombytes_buf(key, sizeof(key));
		wg_config_key_to_hex(hex, key);
		sodium_bin2hex(ref, sizeof(ref), key, sizeof(key));
		assert_string_equal(hex, ref);
		assert_int_equal(wg_config_key_from_hex(back, hex, 64), 0);
		assert_memory_equal(back, key, WG_KEY_LEN);
		for (j = 0; j < 64; j++)
			if (hex[j] >= 'a')
				hex[j] = (char)(hex[j] - 32);
		assert_int_equal(wg_config_key_from_hex(back, hex, 64), 0);
		assert_memory_equal(back, key, WG_KEY_LEN);
	}
	memset(hex, '0', 64);
	assert_int_equal(wg_config_key_from_hex(back, hex, 63), -EINVAL);
	assert_int_equal(wg_config_key_from_hex(back, hex, 0), -EINVAL);
	/* Every non-hex character is refused, and the key is zeroed. */
	for (i = 0; i < 256; i++) {
		bool ok = (i >= '0' && i <= '9') || (i >= 'a' && i <= 'f') ||
			  (i >= 'A' && i <= 'F');

		memset(hex, '1', 64);
		hex[17] = (char)i;
		memset(back, 0x55, sizeof(back));
		assert_int_equal(wg_config_key_from_hex(back, hex, 64),
				 ok ? 0 : -EINVAL);
		if (!ok)
			assert_true(wg_is_zero(back, sizeof(back)));
	}
}

static void keys_base64(void **state)
{
	uint8_t key[WG_KEY_LEN], back[WG_KEY_LEN];
	char b64[WG_KEY_BASE64_LEN + 1], ref[WG_KEY_BASE64_LEN + 1];
	int i;

	(void)state;
	for (i = 0; i < 500; i++) {
		randombytes_buf(key, sizeof(key));
		if (i == 0)
			memset(key, 0xff, sizeof(key));
		if (i == 1)
			memset(key, 0, sizeof(key));
		wg_config_key_to_base64(b64, key);
		sodium_bin2base64(ref, sizeof(ref), key, sizeof(key),
				  sodium_base64_VARIANT_ORIGINAL);
		assert_string_equal(b64, ref);
		assert_int_equal(wg_config_key_from_base64(back, b64, 44), 0);
		assert_memory_equal(back, key, WG_KEY_LEN);
	}
	assert_int_equal(wg_config_key_from_base64(back, b64, 43), -EINVAL);
	/* Non-canonical: the last character carries nonzero spare bits. */
	strcpy(b64, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=");
	assert_int_equal(wg_config_key_from_base64(back, b64, 44), -EINVAL);
	strcpy(b64, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE=");
	assert_int_equal(wg_config_key_from_base64(back, b64, 44), 0);
	assert_int_equal(back[31], 0x01);
	strcpy(b64, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	assert_int_equal(wg_config_key_from_base64(back, b64, 44), -EINVAL);
	strcpy(b64, "AAAAAAAAAAAAAAAAAAAAA-AAAAAAAAAAAAAAAAAAAAA=");
	assert_int_equal(wg_config_key_from_base64(back, b64, 44), -EINVAL);
	assert_true(wg_is_zero(back, sizeof(back)));
	strcpy(b64, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=A=");
	assert_int_equal(wg_config_key_from_base64(back, b64, 44), -EINVAL);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void growth_scales(void **state)
{
	struct wg_config cfg;
	struct wg_peer_change *p;
	struct wg_aip_change aip = { .family = AF_INET, .cidr = 32 };
	struct wg_prefix a = { .family = AF_INET6, .cidr = 64 };
	uint8_t pub[WG_KEY_LEN];
	double t0 = now();
	uint32_t i;

	(void)state;
	wg_config_init(&cfg);
	for (i = 0; i < 5000; i++) {
		memset(pub, 0, sizeof(pub));
		memcpy(pub, &i, sizeof(i));
		p = wg_config_add_peer(&cfg, pub);
		assert_non_null(p);
		p->has_preshared_key = true;
		memset(p->preshared_key, 0x11, WG_KEY_LEN);
		assert_int_equal(wg_config_add_aip(p, &aip), 0);
	}
	p = &cfg.peers[4999];
	for (i = 0; i < 300000; i++) {
		memcpy(aip.addr, &i, sizeof(i));
		assert_int_equal(wg_config_add_aip(p, &aip), 0);
	}
	for (i = 0; i < 1000; i++)
		assert_int_equal(wg_config_add_addr(&cfg, &a), 0);
	assert_int_equal(cfg.n_peers, 5000);
	assert_int_equal(cfg.peers[4999].n_aips, 300001);
	assert_int_equal(cfg.n_addrs, 1000);
	assert_int_equal(memcmp(cfg.peers[1234].public_key, &(uint32_t){ 1234 },
				4), 0);
	assert_int_equal(cfg.peers[1234].preshared_key[31], 0x11);
	assert_true(now() - t0 < 5.0);
	wg_config_free(&cfg);
	assert_null(cfg.peers);
	assert_int_equal(cfg.n_peers, 0);
	assert_false(cfg.has_private_key);
}

/* The one decimal, fwmark and table parsers (wg's rules). */
static void shared_parsers(void **state)
{
	enum wg_table_kind kind;
	uint32_t u32;
	uint64_t n;

	(void)state;
	assert_true(wg_config_parse_u64("0", 10, &n) && n == 0);
	assert_true(wg_config_parse_u64("18446744073709551615", UINT64_MAX,
					&n) && n == UINT64_MAX);
	assert_false(wg_config_parse_u64("18446744073709551616", UINT64_MAX,
					 &n));
	assert_false(wg_config_parse_u64("65536", 65535, &n));
	assert_false(wg_config_parse_u64("", 10, &n));
	assert_false(wg_config_parse_u64("-1", 10, &n));
	assert_false(wg_config_parse_u64("+1", 10, &n));
	assert_false(wg_config_parse_u64(" 1", 10, &n));
	assert_false(wg_config_parse_u64("1x", 10, &n));
	assert_true(wg_config_parse_fwmark("off", &u32) && u32 == 0);
	assert_true(wg_config_parse_fwmark("OFF", &u32) && u32 == 0);
	assert_true(wg_config_parse_fwmark("51820", &u32) && u32 == 51820);
	assert_true(wg_config_parse_fwmark("0xca6c", &u32) && u32 == 51820);
	assert_true(wg_config_parse_fwmark("0XFFFFFFFF", &u32) &&
		    u32 == 0xffffffffu);
	assert_false(wg_config_parse_fwmark("0x", &u32));
	assert_false(wg_config_parse_fwmark("0x100000000", &u32));
	assert_false(wg_config_parse_fwmark("4294967296", &u32));
	assert_false(wg_config_parse_fwmark("-1", &u32));
	assert_false(wg_config_parse_fwmark("0xg", &u32));
	assert_true(wg_config_parse_table("off", &kind, &u32) &&
		    kind == WG_TABLE_OFF);
	assert_true(wg_config_parse_table("auto", &kind, &u32) &&
		    kind == WG_TABLE_AUTO);
	assert_true(wg_config_parse_table("1234", &kind, &u32) &&
		    kind == WG_TABLE_NUM && u32 == 1234);
	assert_true(wg_config_parse_table("main", &kind, &u32) && u32 == 254);
	assert_false(wg_config_parse_table("0", &kind, &u32));
	assert_false(wg_config_parse_table("Off", &kind, &u32));
	assert_false(wg_config_parse_table("4294967296", &kind, &u32));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(endpoint_v4),
		cmocka_unit_test(endpoint_v6),
		cmocka_unit_test(endpoint_bad),
		cmocka_unit_test(endpoint_resolve),
		cmocka_unit_test(endpoint_format_errors),
		cmocka_unit_test(aip_valid),
		cmocka_unit_test(aip_invalid),
		cmocka_unit_test(prefix_keeps_host),
		cmocka_unit_test(keys_hex),
		cmocka_unit_test(keys_base64),
		cmocka_unit_test(growth_scales),
		cmocka_unit_test(shared_parsers),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

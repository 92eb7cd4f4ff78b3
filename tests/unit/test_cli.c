// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The command line's pure parts: interface names, wg's time and byte
 * formats, JSON strings, key codecs, and the translation of wg set and
 * wg(4) words into one UAPI set request (or an error naming the word).
 * The tools/ sources are compiled in: libwg.a holds only daemon code.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>

#include "crypto.h"

#include "../../tools/cli_util.c"
#include "../../tools/ipc.c"
#include "../../tools/set.c"

#define KEY_A "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
#define HEX_A "0000000000000000000000000000000000000000000000000000000000000000"
/* RFC 7748 section 6.1: Alice's public key. */
#define KEY_B "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo="
#define HEX_B "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"

static void test_ifname(void **state)
{
	(void)state;
	assert_true(wg_cmd_is_ifname("wg0"));
	assert_true(wg_cmd_is_ifname("a"));
	assert_true(wg_cmd_is_ifname("123456789012345"));
	assert_false(wg_cmd_is_ifname("1234567890123456"));
	assert_false(wg_cmd_is_ifname(""));
	assert_false(wg_cmd_is_ifname(NULL));
	assert_false(wg_cmd_is_ifname("."));
	assert_false(wg_cmd_is_ifname(".."));
	assert_true(wg_cmd_is_ifname("..."));
	assert_false(wg_cmd_is_ifname("wg/0"));
	assert_false(wg_cmd_is_ifname("wg 0"));
	assert_false(wg_cmd_is_ifname("wg\t0"));
	assert_false(wg_cmd_is_ifname("wg0:1"));
	assert_false(wg_cmd_is_ifname("show"));
	assert_false(wg_cmd_is_ifname("up"));
	assert_false(wg_cmd_is_ifname("help"));
	assert_true(wg_cmd_is_ifname("shows"));
}

static void test_pretty_time(void **state)
{
	char b[256];

	(void)state;
	wg_cli_pretty_time(b, sizeof(b), 65);
	assert_string_equal(b, "1 minute, 5 seconds");
	wg_cli_pretty_time(b, sizeof(b), 1);
	assert_string_equal(b, "1 second");
	wg_cli_pretty_time(b, sizeof(b), 3600);
	assert_string_equal(b, "1 hour");
	wg_cli_pretty_time(b, sizeof(b), 365ULL * 86400 + 2 * 86400 + 7322);
	assert_string_equal(b, "1 year, 2 days, 2 hours, 2 minutes, 2 seconds");
	wg_cli_pretty_time(b, sizeof(b), 0);
	assert_string_equal(b, "");
	wg_cli_ago(b, sizeof(b), 1000, 1065);
	assert_string_equal(b, "1 minute, 5 seconds ago");
	wg_cli_ago(b, sizeof(b), 1000, 1000);
	assert_string_equal(b, "Now");
	wg_cli_ago(b, sizeof(b), 1001, 1000);
	assert_string_equal(b, "(System clock wound backward; connection problems may ensue.)");
	wg_cli_every(b, sizeof(b), 25);
	assert_string_equal(b, "every 25 seconds");
	wg_cli_every(b, sizeof(b), 120);
	assert_string_equal(b, "every 2 minutes");
	/* A short buffer truncates, never overflows. */
	wg_cli_pretty_time(b, 8, 65);
	assert_true(strlen(b) < 8);
}

static void test_bytes(void **state)
{
	char b[64];

	(void)state;
	wg_cli_bytes(b, sizeof(b), 0);
	assert_string_equal(b, "0 B");
	wg_cli_bytes(b, sizeof(b), 1023);
	assert_string_equal(b, "1023 B");
	wg_cli_bytes(b, sizeof(b), 1024);
	assert_string_equal(b, "1.00 KiB");
	wg_cli_bytes(b, sizeof(b), 1260);
	assert_string_equal(b, "1.23 KiB");
	wg_cli_bytes(b, sizeof(b), 4781506);
	assert_string_equal(b, "4.56 MiB");
	wg_cli_bytes(b, sizeof(b), 3ULL << 30);
	assert_string_equal(b, "3.00 GiB");
	wg_cli_bytes(b, sizeof(b), 5ULL << 40);
	assert_string_equal(b, "5.00 TiB");
}

static void test_json(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	wg_cli_json_str(f, "a\"b\\c\n\t\x01\x1f\x7f/é");
	fclose(f);
	assert_string_equal(buf, "\"a\\\"b\\\\c\\n\\t\\u0001\\u001f\\u007f/é\"");
	free(buf);
}

static void test_keys(void **state)
{
	uint8_t k[WG_KEY_LEN], pub[WG_KEY_LEN];
	char b64[WG_KEY_B64_LEN + 1], hex[WG_KEY_HEX_LEN + 1];

	(void)state;
	assert_int_equal(wg_key_from_base64(k, KEY_B), 0);
	wg_key_to_hex(hex, k);
	assert_string_equal(hex, HEX_B);
	assert_int_equal(wg_key_from_hex(k, HEX_B), 0);
	wg_key_to_base64(b64, k);
	assert_string_equal(b64, KEY_B);
	/* Not canonical, wrong length, bad characters, bad hex. */
	assert_int_equal(wg_key_from_base64(k, "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmp="), -EINVAL);
	assert_int_equal(wg_key_from_base64(k, "hSDw"), -EINVAL);
	assert_int_equal(wg_key_from_base64(k, "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbT*o="), -EINVAL);
	assert_int_equal(wg_key_from_hex(k, "zz"), -EINVAL);
	/* The public key show derives from a private key (RFC 7748). */
	assert_int_equal(wg_key_from_hex(k, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"), 0);
	wg_pubkey(pub, k);
	wg_key_to_base64(b64, pub);
	assert_string_equal(b64, KEY_B);
}

static void test_cidr(void **state)
{
	char b[64];

	(void)state;
	assert_int_equal(wg_cli_cidr(b, sizeof(b), "10.0.0.1", false), 0);
	assert_string_equal(b, "10.0.0.1/32");
	assert_int_equal(wg_cli_cidr(b, sizeof(b), "fd00:0::1/64", false), 0);
	assert_string_equal(b, "fd00::1/64");
	assert_int_equal(wg_cli_cidr(b, sizeof(b), "10.0.0.1", true), -EINVAL);
	assert_int_equal(wg_cli_cidr(b, sizeof(b), "10.0.0.1/33", false), -EINVAL);
	assert_int_equal(wg_cli_cidr(b, sizeof(b), "::/129", false), -EINVAL);
	assert_int_equal(wg_cli_cidr(b, sizeof(b), "10.0.0.1/", false), -EINVAL);
	assert_int_equal(wg_cli_cidr(b, sizeof(b), "10.0.0.1/-1", false), -EINVAL);
	assert_int_equal(wg_cli_cidr(b, sizeof(b), "300.0.0.1/8", false), -EINVAL);
}

/* Parse words; expect the request text (NULL for none). */
static void expect_text(const char *want, int argc, char *const argv[])
{
	struct wg_set_req req;

	assert_int_equal(wg_set_parse(&req, argc, argv), 0);
	if (want)
		assert_string_equal(req.text, want);
	else
		assert_null(req.text);
	wg_set_req_free(&req);
}

/* Parse words; expect failure and this error message. */
static void expect_err(const char *want, int argc, char *const argv[])
{
	struct wg_set_req req;

	assert_int_not_equal(wg_set_parse(&req, argc, argv), 0);
	assert_null(req.text);
	assert_null(req.addrs);
	assert_string_equal(req.err, want);
}

#define WORDS(...) (char *[]){ __VA_ARGS__ }
#define NWORDS(...) (int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *))
#define TEXT(want, ...) expect_text(want, NWORDS(__VA_ARGS__), WORDS(__VA_ARGS__))
#define ERR(want, ...) expect_err(want, NWORDS(__VA_ARGS__), WORDS(__VA_ARGS__))

static void test_set_wg_words(void **state)
{
	(void)state;
	TEXT("set=1\nlisten_port=51820\nfwmark=4660\n\n",
	     "listen-port", "51820", "fwmark", "0x1234");
	TEXT("set=1\nfwmark=0\n\n", "fwmark", "off");
	TEXT("set=1\npublic_key=" HEX_B "\nendpoint=192.0.2.1:51820\n"
	     "persistent_keepalive_interval=25\nreplace_allowed_ips=true\n"
	     "allowed_ip=10.0.0.0/8\nallowed_ip=fd00::/64\n\n",
	     "peer", KEY_B, "allowed-ips", "10.0.0.0/8, fd00::/64",
	     "endpoint", "192.0.2.1:51820", "persistent-keepalive", "25");
	/* Peer words are written in wg's order; two lists add up. */
	TEXT("set=1\npublic_key=" HEX_B "\nendpoint=[fd00::1]:7\n"
	     "replace_allowed_ips=true\nallowed_ip=10.0.0.1/32\n"
	     "allowed_ip=10.0.0.2/32\n\n",
	     "peer", KEY_B, "allowed-ips", "10.0.0.1", "endpoint",
	     "[fd00::1]:7", "allowed-ips", "10.0.0.2");
	TEXT("set=1\npublic_key=" HEX_B "\nremove=true\n\n",
	     "peer", KEY_B, "remove", "endpoint", "1.2.3.4:5");
	TEXT("set=1\npublic_key=" HEX_B "\nreplace_allowed_ips=true\n\n",
	     "peer", KEY_B, "allowed-ips", "");
	/* Incremental allowed IPs (+/-) do not replace. */
	TEXT("set=1\npublic_key=" HEX_B "\nallowed_ip=10.1.0.0/16\n"
	     "allowed_ip=-10.2.0.0/16\n\n",
	     "peer", KEY_B, "allowed-ips", "+10.1.0.0/16,-10.2.0.0/16");
	TEXT("set=1\npublic_key=" HEX_B "\npersistent_keepalive_interval=0\n"
	     "public_key=" HEX_A "\n\n",
	     "peer", KEY_B, "persistent-keepalive", "off", "peer", KEY_A);
}

static void test_set_keyfiles(void **state)
{
	char path[] = "/tmp/wg-xdp-test-key.XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, KEY_B "\n", 45), 45);
	close(fd);
	TEXT("set=1\nprivate_key=" HEX_B "\n\n", "private-key", path);
	TEXT("set=1\npublic_key=" HEX_A "\npreshared_key=" HEX_B "\n\n",
	     "peer", KEY_A, "preshared-key", path);
	/* An empty file (or /dev/null) removes the key. */
	TEXT("set=1\nprivate_key=" HEX_A "\n\n", "private-key", "/dev/null");
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, KEY_B "x", 45), 45);
	close(fd);
	{
		char want[128];

		snprintf(want, sizeof(want), "invalid key in file '%s'", path);
		ERR(want, "private-key", path);
	}
	unlink(path);
	ERR("cannot read key file '/nonexistent/key': No such file or directory",
	    "private-key", "/nonexistent/key");
}

static void test_set_wg4_words(void **state)
{
	struct wg_set_req req;

	(void)state;
	/* The manual's example, line for line. */
	TEXT("set=1\nprivate_key=" HEX_B "\nlisten_port=7111\n\n",
	     "wgport", "7111", "wgkey", KEY_B);
	TEXT("set=1\npublic_key=" HEX_B "\nendpoint=127.0.0.1:7222\n"
	     "allowed_ip=192.168.5.2/32\n\n",
	     "wgpeer", KEY_B, "wgendpoint", "127.0.0.1", "7222", "wgaip",
	     "192.168.5.2/32");
	TEXT("set=1\npublic_key=" HEX_B "\npreshared_key=" HEX_A "\n"
	     "persistent_keepalive_interval=30\nallowed_ip=-10.0.0.0/8\n\n",
	     "wgpeer", KEY_B, "-wgaip", "10.0.0.0/8", "-wgpsk", "wgpka",
	     "30");
	TEXT("set=1\npublic_key=" HEX_B "\npreshared_key=" HEX_B "\n\n",
	     "wgpeer", KEY_B, "wgpsk", KEY_B);
	TEXT("set=1\npublic_key=" HEX_B "\nremove=true\n\n", "-wgpeer", KEY_B);
	TEXT("set=1\nwgxdp_debug=1\n\n", "debug");
	TEXT("set=1\nwgxdp_debug=0\n\n", "-debug");
	/* An address alone sends nothing to the daemon. */
	TEXT(NULL, "192.168.5.1/24");
	assert_int_equal(wg_set_parse(&req, 3, WORDS("192.168.5.1/24", "fd00::1/64", "wgport")), -EINVAL);
	assert_int_equal(wg_set_parse(&req, 2, WORDS("192.168.5.1/24", "fd00:0::1/64")), 0);
	assert_null(req.text);
	assert_int_equal(req.naddrs, 2);
	assert_string_equal(req.addrs[0], "192.168.5.1/24");
	assert_string_equal(req.addrs[1], "fd00::1/64");
	assert_true(req.link_up);
	wg_set_req_free(&req);
}

static void test_set_errors(void **state)
{
	(void)state;
	ERR("invalid key 'xyz'", "wgpeer", "xyz");
	ERR("invalid key 'xyz'", "peer", "xyz");
	ERR("invalid key 'short='", "wgkey", "short=");
	ERR("invalid port '65536'", "listen-port", "65536");
	ERR("invalid port '-1'", "wgport", "-1");
	ERR("invalid port 'http'", "listen-port", "http");
	ERR("invalid fwmark '0x100000000'", "fwmark", "0x100000000");
	ERR("invalid fwmark 'on'", "fwmark", "on");
	ERR("invalid persistent keepalive '70000'", "wgpeer", KEY_B, "wgpka",
	    "70000");
	ERR("invalid persistent keepalive 'x'", "peer", KEY_B,
	    "persistent-keepalive", "x");
	ERR("invalid endpoint '1.2.3.4'", "peer", KEY_B, "endpoint",
	    "1.2.3.4");
	ERR("invalid endpoint '[fd00::1]7'", "peer", KEY_B, "endpoint",
	    "[fd00::1]7");
	ERR("invalid endpoint '1.2.3.4 99999'", "wgpeer", KEY_B, "wgendpoint",
	    "1.2.3.4", "99999");
	ERR("invalid allowed IP '10.0.0.0/33'", "peer", KEY_B, "allowed-ips",
	    "10.0.0.1/32,10.0.0.0/33");
	ERR("invalid allowed IP 'bogus'", "wgpeer", KEY_B, "wgaip", "bogus");
	ERR("invalid address '10.0.0.300/24'", "10.0.0.300/24");
	ERR("invalid argument 'frobnicate'", "wgport", "1", "frobnicate");
	ERR("'endpoint' needs a preceding peer", "endpoint", "1.2.3.4:5");
	ERR("'wgaip' needs a preceding peer", "wgaip", "10.0.0.0/8");
	ERR("'-wgpsk' needs a preceding peer", "-wgpsk");
	ERR("'listen-port' must come before any peer", "peer", KEY_B,
	    "listen-port", "1");
	ERR("'wgendpoint' needs an address and a port", "wgpeer", KEY_B,
	    "wgendpoint", "1.2.3.4");
	ERR("'peer' needs a value", "peer");
	/* A bad word late in the list leaves nothing built. */
	ERR("invalid key 'nope'", "wgport", "1", "192.168.0.1/24", "wgpeer",
	    KEY_B, "wgaip", "10.0.0.0/8", "wgpeer", "nope");
}

static void test_ipc_errno(void **state)
{
	(void)state;
	assert_int_equal(parse_errno("0"), 0);
	assert_int_equal(parse_errno("-22"), -22);
	assert_int_equal(parse_errno("22"), -22);
	assert_int_equal(parse_errno(""), -EPROTO);
	assert_int_equal(parse_errno("x"), -EPROTO);
	assert_int_equal(parse_errno("1x"), -EPROTO);
}

/* The reply reader over a socketpair: lines, errno, a cut-short reply. */
static void test_ipc_reply(void **state)
{
	struct wg_ipc_reply r = { 0 };
	const char *ans = "a=1\nb=2\nerrno=-22\n\n";
	char req[16] = { 0 };
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[1], ans, strlen(ans)), (ssize_t)strlen(ans));
	assert_int_equal(wg_ipc_request_fd(sv[0], "get=1\n\n", &r), -22);
	assert_int_equal(read(sv[1], req, sizeof(req) - 1), 7);
	assert_string_equal(req, "get=1\n\n");
	assert_int_equal(r.count, 2);
	assert_string_equal(r.lines[0], "a=1");
	assert_string_equal(r.lines[1], "b=2");
	wg_ipc_reply_free(&r);
	/* The server hangs up without errno (wireguard-go, unknown op). */
	close(sv[1]);
	assert_int_equal(wg_ipc_request_fd(sv[0], "wgxdp=1\n\n", &r), -EPIPE);
	close(sv[0]);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[1], "a=1\n", 4), 4);
	shutdown(sv[1], SHUT_WR);
	assert_int_equal(wg_ipc_request_fd(sv[0], "wgxdp=1\n\n", &r), -EPROTO);
	wg_ipc_reply_free(&r);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ifname),
		cmocka_unit_test(test_pretty_time),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_cidr),
		cmocka_unit_test(test_set_wg_words),
		cmocka_unit_test(test_set_keyfiles),
		cmocka_unit_test(test_set_wg4_words),
		cmocka_unit_test(test_set_errors),
		cmocka_unit_test(test_ipc_errno),
		cmocka_unit_test(test_ipc_reply),
	};

	if (wg_crypto_init())
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

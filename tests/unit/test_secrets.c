// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * No error message carries key material (issue: "PrivateKey: <key>" gave
 * "missing value for PrivateKey:yAnz..."). Keys, in base64 and in hex, go
 * into every position of a wg-quick file and of `wg-xdp set`'s words that
 * can be malformed; each message is searched for a 44-character base64 or
 * 64-character hex token and for any 16-character slice of the key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conffile.h"
#include "../../tools/cli_util.c"
#include "../../tools/ipc.c"
#include "../../tools/set.c"

#define B64 "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="
#define HEX "c809f3e5317e9575c9b5ed78b638b7ce530dabe85ddab6142202418" \
	    "01ddf0669"

/* The message shows no key, whole or in part. */
static void clean(const char *msg, const char *where)
{
	static const char *const keys[] = { B64, HEX };
	regex_t b64, hex;
	char slice[17];

	assert_int_equal(regcomp(&b64, "[A-Za-z0-9+/]{43}=", REG_EXTENDED), 0);
	assert_int_equal(regcomp(&hex, "[0-9a-fA-F]{64}", REG_EXTENDED), 0);
	if (!regexec(&b64, msg, 0, NULL, 0) || !regexec(&hex, msg, 0, NULL, 0))
		fail_msg("%s: a key in '%s'", where, msg);
	regfree(&b64);
	regfree(&hex);
	for (size_t k = 0; k < 2; k++) {
		for (size_t i = 0; i + 16 <= strlen(keys[k]); i++) {
			memcpy(slice, keys[k] + i, 16);
			slice[16] = '\0';
			if (strstr(msg, slice))
				fail_msg("%s: part of a key in '%s'", where, msg);
		}
	}
}

static void conffile_positions(void **state)
{
	/* %s is a key; each file is invalid because of it. */
	static const char *const files[] = {
		"[Interface]\nPrivateKey: %s\n",
		"[Interface]\nPrivateKey = %s%s\n",
		"[Interface]\nPrivateKey = x%s\n",
		"[Interface]\n%s = 1\n",
		"[Interface]\n%s\n",
		"[%s]\n",
		"%s = 1\n",
		"[Interface]\nListenPort = %s\n",
		"[Interface]\nFwMark = %s\n",
		"[Interface]\nMTU = %s\n",
		"[Interface]\nAddress = %s\n",
		"[Interface]\nAddress = 10.0.0.1/24, %s\n",
		"[Interface]\nDNS = 10.0.0.1:%s\n",
		"[Interface]\nDNS = %s!\n",
		"[Interface]\nTable = %s\n",
		"[Interface]\nSaveConfig = %s\n",
		"[Peer]\nPublicKey = %s=\n",
		"[Peer]\nPublicKey = " B64 "\nPresharedKey = %s,\n",
		"[Peer]\nPublicKey = " B64 "\nEndpoint = %s\n",
		"[Peer]\nPublicKey = " B64 "\nEndpoint = %s:99999\n",
		"[Peer]\nPublicKey = " B64 "\nAllowedIPs = %s\n",
		"[Peer]\nPublicKey = " B64 "\nAllowedIPs = 10.0.0.0/8,%s\n",
		"[Peer]\nPublicKey = " B64 "\nPersistentKeepalive = %s\n",
		"[Peer]\nPublicKey = " B64 "\n%s = 1\n",
	};
	static const char *const keys[] = { B64, HEX };
	struct wg_conffile_err err;
	struct wg_config cfg;
	char text[512], where[600];

	(void)state;
	for (size_t k = 0; k < 2; k++) {
		for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			snprintf(text, sizeof(text), files[i], keys[k], keys[k]);
			snprintf(where, sizeof(where), "file %zu key %zu", i, k);
			if (wg_conffile_parse(&cfg, text, strlen(text), &err) !=
			    -EINVAL)
				fail_msg("%s accepted", where);
			assert_true(err.msg[0]);
			clean(err.msg, where);
		}
	}
}

static void set_positions(void **state)
{
	static const char *const words[][4] = {
		{ "wgkey", "%s-", NULL },
		{ "wgpeer", "x%s", NULL },
		{ "peer", "%s=", NULL },
		{ "%s", NULL },
		{ "%s", "1", NULL },
		{ "listen-port", "%s", NULL },
		{ "fwmark", "%s", NULL },
		{ "private-key", "%s", NULL },
		{ "wgport", "%s", NULL },
		{ "wgpeer", B64, "endpoint", "%s" },
		{ "wgpeer", B64, "wgaip", "%s" },
		{ "wgpeer", B64, "allowed-ips", "%s" },
		{ "wgpeer", B64, "wgpka", "%s" },
		{ "wgpeer", B64, "preshared-key", "%s" },
		{ "wgpeer", B64, "wgpsk", "%s1" },
		{ "wgpeer", B64, "%s", NULL },
		{ "%s/24", NULL },
	};
	static const char *const keys[] = { B64, HEX };
	char buf[4][200], where[64];
	struct wg_set_req req;

	(void)state;
	for (size_t k = 0; k < 2; k++) {
		for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
			char *argv[4];
			int argc = 0;

			for (; argc < 4 && words[i][argc]; argc++) {
				snprintf(buf[argc], sizeof(buf[argc]),
					 words[i][argc], keys[k]);
				argv[argc] = buf[argc];
			}
			snprintf(where, sizeof(where), "words %zu key %zu", i, k);
			if (!wg_set_parse(&req, argc, argv)) {
				wg_set_req_free(&req);
				fail_msg("%s accepted", where);
			}
			assert_true(req.err[0]);
			clean(req.err, where);
		}
	}
}

static void safe_words(void **state)
{
	static const char *const shown[] = {
		"10.0.0.1/24", "eth0", "fd00::1", "vpn.example.com",
		"/etc/wireguard/wg0.key", "xyz", "70000", "0xzz", "wg0.conf",
		"[fe80::1%eth0]:51820",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++)
		assert_string_equal(wg_config_safe(shown[i]), shown[i]);
	assert_string_not_equal(wg_config_safe(B64), B64);
	assert_string_not_equal(wg_config_safe(HEX), HEX);
	assert_string_not_equal(wg_config_safe("x" B64 "x"), "x" B64 "x");
	/* 20 characters of a key are enough to hide it. */
	assert_string_not_equal(wg_config_safe("yAnz5TF+lXXJte14tji3"),
				"yAnz5TF+lXXJte14tji3");
	assert_string_not_equal(wg_config_safe("a\nb"), "a\nb");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(conffile_positions),
		cmocka_unit_test(set_positions),
		cmocka_unit_test(safe_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/* wg-quick style files into a wg_config, and line-numbered errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "conffile.h"

/* Keys: 32 bytes of 0x01, 0x02, 0x03 in base64. */
#define KEY1 "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="
#define KEY2 "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI="
#define KEY3 "AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM="

static int parse(struct wg_config *cfg, const char *text,
		 struct wg_conffile_err *err)
{
	return wg_conffile_parse(cfg, text, strlen(text), err);
}

static const char example[] =
	"# wg0, as wg-quick has it\n"
	"[Interface]\n"
	"PrivateKey = " KEY1 "\n"
	"ListenPort = 51820\n"
	"Address = 10.0.0.1/24, fd00::1/64\n"
	"Address = 10.0.1.1\n"
	"MTU = 1420\n"
	"DNS = 10.0.0.53, example.org\n"
	"Table = off\n"
	"PostUp = iptables -A FORWARD -i %i -j ACCEPT # a comment\n"
	"PreDown = true\n"
	"SaveConfig = true\n"
	"FwMark = 0x10\n"
	"\n"
	"[Peer]\n"
	"PublicKey = " KEY2 "\n"
	"PresharedKey = " KEY3 "\n"
	"Endpoint = 192.0.2.1:51820\n"
	"AllowedIPs = 10.0.0.2/32, 10.1.0.0/16\n"
	"AllowedIPs = fd00::2/128\n"
	"PersistentKeepalive = 25\n"
	"\n"
	"[Peer]\n"
	"PublicKey = " KEY3 "\n"
	"Endpoint = [2001:db8::1]:4500\n"
	"AllowedIPs = 10.0.0.3\n"
	"PersistentKeepalive = off\n";

static void full_example(void **state)
{
	struct wg_conffile_err err;
	struct wg_config cfg;
	struct wg_peer_change *p;
	char buf[WG_ENDPOINT_STRLEN];
	uint8_t k[WG_KEY_LEN];

	(void)state;
	if (parse(&cfg, example, &err))
		fail_msg("%s", err.msg);
	memset(k, 1, sizeof(k));
	assert_true(cfg.has_private_key);
	assert_memory_equal(cfg.private_key, k, WG_KEY_LEN);
	assert_true(cfg.has_listen_port);
	assert_int_equal(cfg.listen_port, 51820);
	assert_true(cfg.has_fwmark);
	assert_int_equal(cfg.fwmark, 0x10);
	assert_true(cfg.replace_peers);
	assert_true(cfg.has_mtu);
	assert_int_equal(cfg.mtu, 1420);
	/* The wg-quick keys, as wg-quick reads them. */
	assert_int_equal(cfg.quick.dns.n, 1);
	assert_string_equal(cfg.quick.dns.v[0], "10.0.0.53");
	assert_int_equal(cfg.quick.dns_search.n, 1);
	assert_string_equal(cfg.quick.dns_search.v[0], "example.org");
	assert_true(cfg.quick.has_table);
	assert_int_equal(cfg.quick.table_kind, WG_TABLE_OFF);
	assert_int_equal(cfg.quick.hooks[WG_HOOK_POST_UP].n, 1);
	assert_string_equal(cfg.quick.hooks[WG_HOOK_POST_UP].v[0],
			    "iptables -A FORWARD -i %i -j ACCEPT");
	assert_int_equal(cfg.quick.hooks[WG_HOOK_PRE_DOWN].n, 1);
	assert_string_equal(cfg.quick.hooks[WG_HOOK_PRE_DOWN].v[0], "true");
	assert_int_equal(cfg.quick.hooks[WG_HOOK_PRE_UP].n, 0);
	assert_int_equal(cfg.quick.hooks[WG_HOOK_POST_DOWN].n, 0);
	assert_true(cfg.quick.save_config);

	assert_int_equal(cfg.n_addrs, 3);
	assert_int_equal(wg_config_format_prefix(&cfg.addrs[0], buf,
						 sizeof(buf)), 11);
	assert_string_equal(buf, "10.0.0.1/24");
	assert_true(wg_config_format_prefix(&cfg.addrs[1], buf,
					    sizeof(buf)) > 0);
	assert_string_equal(buf, "fd00::1/64");
	assert_true(wg_config_format_prefix(&cfg.addrs[2], buf,
					    sizeof(buf)) > 0);
	assert_string_equal(buf, "10.0.1.1/32");

	assert_int_equal(cfg.n_peers, 2);
	p = &cfg.peers[0];
	memset(k, 2, sizeof(k));
	assert_memory_equal(p->public_key, k, WG_KEY_LEN);
	memset(k, 3, sizeof(k));
	assert_true(p->has_preshared_key);
	assert_memory_equal(p->preshared_key, k, WG_KEY_LEN);
	assert_true(p->has_endpoint);
	assert_true(wg_config_format_endpoint(&p->endpoint, buf,
					      sizeof(buf)) > 0);
	assert_string_equal(buf, "192.0.2.1:51820");
	assert_true(p->replace_allowed_ips);
	assert_int_equal(p->n_aips, 3);
	assert_true(wg_config_format_aip(&p->aips[1], buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "10.1.0.0/16");
	assert_true(wg_config_format_aip(&p->aips[2], buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "fd00::2/128");
	assert_true(p->has_keepalive);
	assert_int_equal(p->persistent_keepalive, 25);
	assert_false(p->remove);
	assert_false(p->update_only);

	p = &cfg.peers[1];
	assert_false(p->has_preshared_key);
	assert_true(wg_config_format_endpoint(&p->endpoint, buf,
					      sizeof(buf)) > 0);
	assert_string_equal(buf, "[2001:db8::1]:4500");
	assert_int_equal(p->n_aips, 1);
	assert_true(wg_config_format_aip(&p->aips[0], buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "10.0.0.3/32");
	assert_true(p->has_keepalive);
	assert_int_equal(p->persistent_keepalive, 0);
	wg_config_free(&cfg);
}

static void setconf_defaults(void **state)
{
	struct wg_conffile_err err;
	struct wg_config cfg;

	(void)state;
	/* Like `wg setconf`: what the file leaves out is reset. */
	assert_int_equal(parse(&cfg, "[Interface]\n", &err), 0);
	assert_true(cfg.has_private_key);
	assert_true(wg_is_zero(cfg.private_key, WG_KEY_LEN));
	assert_true(cfg.has_listen_port);
	assert_int_equal(cfg.listen_port, 0);
	assert_true(cfg.has_fwmark);
	assert_int_equal(cfg.fwmark, 0);
	assert_true(cfg.replace_peers);
	assert_int_equal(cfg.n_peers, 0);
	assert_false(cfg.has_mtu);
	assert_false(cfg.quick.has_table);
	assert_false(cfg.quick.save_config);
	wg_config_free(&cfg);
	/* An empty file is an empty configuration. */
	assert_int_equal(parse(&cfg, "", &err), 0);
	assert_true(cfg.replace_peers);
	wg_config_free(&cfg);
	assert_int_equal(parse(&cfg, "[Interface]\nFwMark=off\n", &err), 0);
	assert_int_equal(cfg.fwmark, 0);
	wg_config_free(&cfg);
	assert_int_equal(parse(&cfg, "[Interface]\nFwMark=4294967295\n",
			       &err), 0);
	assert_int_equal(cfg.fwmark, 0xffffffffu);
	wg_config_free(&cfg);
}

static void comments_and_case(void **state)
{
	struct wg_conffile_err err;
	struct wg_config cfg;

	(void)state;
	assert_int_equal(parse(&cfg,
			       "  # leading comment\r\n"
			       "[INTERFACE]   # trailing comment\r\n"
			       "\tlistenport\t=\t 1234 \r\n"
			       "privatekey=" KEY1 "#no space before comment\n"
			       "# [Peer]\n"
			       "[peer]\n"
			       "PUBLICKEY = " KEY2 "\n"
			       "allowedips = 10.0.0.0 / 8 , fd00:: / 8\n"
			       "   \n"
			       "persistentkeepalive = OFF\n"
			       "ENDPOINT = [ fd00::1 ] : 5\n", &err), 0);
	assert_int_equal(cfg.listen_port, 1234);
	assert_int_equal(cfg.private_key[0], 1);
	assert_int_equal(cfg.n_peers, 1);
	assert_int_equal(cfg.peers[0].public_key[0], 2);
	assert_int_equal(cfg.peers[0].n_aips, 2);
	assert_int_equal(cfg.peers[0].aips[1].family, AF_INET6);
	assert_int_equal(cfg.peers[0].aips[1].cidr, 8);
	assert_true(cfg.peers[0].has_keepalive);
	assert_int_equal(ntohs(cfg.peers[0].endpoint.in6.sin6_port), 5);
	wg_config_free(&cfg);
}

static void accumulate(void **state)
{
	struct wg_conffile_err err;
	struct wg_config cfg;
	char *text = malloc(1 << 22);
	size_t len = 0, i;

	(void)state;
	assert_non_null(text);
	len += (size_t)sprintf(text, "[Interface]\n");
	for (i = 0; i < 50; i++)
		len += (size_t)sprintf(text + len, "Address = 10.%zu.0.1/16, "
				       "fd%02zx::1/64\n", i, i);
	len += (size_t)sprintf(text + len, "[Peer]\nPublicKey=" KEY2 "\n");
	/* 50,000 prefixes, 100 per line, across 500 lines. */
	for (i = 0; i < 50000; i++)
		len += (size_t)sprintf(text + len, "%s10.%zu.%zu.0/24%s",
				       i % 100 ? "" : "AllowedIPs = ",
				       i >> 8, i & 255,
				       i % 100 == 99 ? "\n" : ", ");
	len += (size_t)sprintf(text + len, "[Peer]\nPublicKey=" KEY3 "\n"
			       "AllowedIPs=0.0.0.0/0\nAllowedIPs=::/0\n");
	if (wg_conffile_parse(&cfg, text, len, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(cfg.n_addrs, 100);
	assert_int_equal(cfg.addrs[99].family, AF_INET6);
	assert_int_equal(cfg.addrs[99].addr[1], 49);
	assert_int_equal(cfg.n_peers, 2);
	assert_int_equal(cfg.peers[0].n_aips, 50000);
	assert_int_equal(cfg.peers[0].aips[49999].addr[1], 49999 >> 8);
	assert_int_equal(cfg.peers[1].n_aips, 2);
	wg_config_free(&cfg);
	free(text);
}

static void bad_lines(void **state)
{
	static const struct {
		const char *text;
		unsigned int line;
		const char *msg;
	} bad[] = {
		{ "[Interface]\nPrivateKey=" KEY1 "\nBogus = 1\n", 3,
		  "line 3: unknown key 'Bogus' in [Interface]" },
		{ "[Interface]\n\n[Peer]\nPublicKey=" KEY2 "\n# c\n\n"
		  "AllowedIPs = x\n", 7, "line 7: invalid AllowedIPs (not an IP address with an optional /prefix)" },
		{ "[Peer]\nPublicKey=" KEY2 "\nAllowedIPs=10.0.0.0/8, "
		  "10.0.0.0/33\n", 3,
		  "line 3: invalid AllowedIPs (not an IP address with an optional /prefix)" },
		{ "[Peer]\nPublicKey=" KEY2 "\nAllowedIPs=10.0.0.0/8,,"
		  "10.1.0.0/16\n", 3, "line 3: empty entry in AllowedIPs" },
		{ "[Peer]\nPublicKey=" KEY2 "\nAllowedIPs=10.0.0.0/8,\n", 3,
		  "line 3: empty entry in AllowedIPs" },
		{ "[Peer]\nPublicKey=" KEY2 "\nAllowedIPs=-10.0.0.0/8\n", 3,
		  "line 3: invalid AllowedIPs (not an IP address with an optional /prefix)" },
		{ "[Interface]\nPrivateKey = AQEBAQEB\n", 2,
		  "line 2: invalid PrivateKey (not a 44-character base64 "
		  "key)" },
		{ "[Peer]\nPublicKey = " KEY2 "x\n", 2,
		  "line 2: invalid PublicKey (not a 44-character base64 key)" },
		{ "[Peer]\nPublicKey=" KEY2 "\nPresharedKey = "
		  "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQF=\n", 3,
		  "line 3: invalid PresharedKey (not a 44-character base64 "
		  "key)" },
		{ "[Peer]\nPublicKey=" KEY2 "\nEndpoint = 1.2.3.4\n", 3,
		  "line 3: invalid Endpoint (not host:port or [v6]:port)" },
		{ "[Peer]\nPublicKey=" KEY2 "\nEndpoint = 1.2.3.4:70000\n", 3,
		  "line 3: invalid Endpoint (not host:port or [v6]:port)" },
		{ "[Interface]\nListenPort = 70000\n", 2,
		  "line 2: invalid ListenPort (not a number from 0 to 65535)" },
		{ "[Interface]\nListenPort = -1\n", 2,
		  "line 2: invalid ListenPort (not a number from 0 to 65535)" },
		{ "[Peer]\nPublicKey=" KEY2 "\nPersistentKeepalive = abc\n", 3,
		  "line 3: invalid PersistentKeepalive (not off or a number from 0 to 65535)" },
		{ "[Peer]\nPublicKey=" KEY2 "\nPersistentKeepalive = 65536\n",
		  3, "line 3: invalid PersistentKeepalive (not off or a number from 0 to 65535)" },
		{ "ListenPort = 1\n[Interface]\n", 1,
		  "line 1: 'ListenPort' outside of a section" },
		{ "[Interface]\n[Foo]\n", 2, "line 2: unknown section '[Foo]'" },
		{ "[Interface]\n[Peer]\nAllowedIPs=10.0.0.0/8\n\n[Peer]\n"
		  "PublicKey=" KEY2 "\n", 2, "line 2: [Peer] has no PublicKey" },
		{ "[Peer]\nEndpoint=1.2.3.4:5\n", 1,
		  "line 1: [Peer] has no PublicKey" },
		{ "[Interface]\nListenPort\n", 2,
		  "line 2: expected Key = Value" },
		{ "[Interface]\nAddress =\n", 2,
		  "line 2: missing value for Address" },
		{ "[Interface]\n= 5\n", 2, "line 2: missing key before '='" },
		{ "[Interface]\nAddress = 10.0.0.1/24, 10.0.0.300\n", 2,
		  "line 2: invalid Address (not an IP address with an optional /prefix)" },
		{ "[Interface]\nMTU = 10\n", 2, "line 2: invalid MTU (not a number from 68 to 65535)" },
		{ "[Interface]\nMTU = 1500x\n", 2,
		  "line 2: invalid MTU (not a number from 68 to 65535)" },
		{ "[Interface]\nFwMark = 0xzz\n", 2,
		  "line 2: invalid FwMark (not off, a number or 0x hex)" },
		{ "[Interface]\nFwMark = 0x100000000\n", 2,
		  "line 2: invalid FwMark (not off, a number or 0x hex)" },
		{ "[Peer]\nPublicKey=" KEY2 "\nAddress = 10.0.0.1/24\n", 3,
		  "line 3: unknown key 'Address' in [Peer]" },
		{ "[Interface]\nPublicKey = " KEY2 "\n", 2,
		  "line 2: unknown key 'PublicKey' in [Interface]" },
	};
	struct wg_conffile_err err;
	struct wg_config cfg;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&cfg, 0x5a, sizeof(cfg));
		if (parse(&cfg, bad[i].text, &err) != -EINVAL)
			fail_msg("file %zu accepted:\n%s", i, bad[i].text);
		if (err.line != bad[i].line || strcmp(err.msg, bad[i].msg))
			fail_msg("file %zu: got line %u '%s', want line %u "
				 "'%s'", i, err.line, err.msg, bad[i].line,
				 bad[i].msg);
		/* Nothing is returned on failure. */
		assert_null(cfg.peers);
		assert_null(cfg.addrs);
		assert_int_equal(cfg.n_peers, 0);
		assert_false(cfg.has_private_key);
		assert_false(cfg.replace_peers);
	}
}

static void secrets_not_echoed(void **state)
{
	struct wg_conffile_err err;
	struct wg_config cfg;
	const char *text = "[Interface]\nPrivateKey = "
			   "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ==\n";

	(void)state;
	assert_int_equal(parse(&cfg, text, &err), -EINVAL);
	assert_int_equal(err.line, 2);
	assert_null(strstr(err.msg, "AQEB"));
}

static void embedded_nul(void **state)
{
	static const char text[] = "[Interface]\nListenPort = 1\0" "2\n";
	struct wg_conffile_err err;
	struct wg_config cfg;

	(void)state;
	assert_int_equal(wg_conffile_parse(&cfg, text, sizeof(text) - 1,
					   &err), -EINVAL);
	assert_int_equal(err.line, 2);
	/* ...but a NUL inside a comment is a comment. */
	static const char ok[] = "[Interface] #\0x\nListenPort = 12\n";
	assert_int_equal(wg_conffile_parse(&cfg, ok, sizeof(ok) - 1, &err),
			 0);
	assert_int_equal(cfg.listen_port, 12);
	wg_config_free(&cfg);
}

static void load_file(void **state)
{
	char path[] = "/tmp/wgxdp-conffile-XXXXXX";
	struct wg_conffile_err err;
	struct wg_config cfg;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, example, sizeof(example) - 1),
			 (ssize_t)sizeof(example) - 1);
	close(fd);
	if (wg_conffile_load(&cfg, path, &err)) {
		unlink(path);
		fail_msg("%s", err.msg);
	}
	unlink(path);
	assert_int_equal(cfg.n_peers, 2);
	assert_int_equal(cfg.n_addrs, 3);
	assert_int_equal(cfg.listen_port, 51820);
	wg_config_free(&cfg);

	assert_int_equal(wg_conffile_load(&cfg, path, &err), -ENOENT);
	assert_int_equal(err.line, 0);
	assert_non_null(strstr(err.msg, path));
	assert_null(cfg.peers);
	assert_int_equal(wg_conffile_load(&cfg, "/tmp", &err), -EINVAL);
}

/* wg-quick's strip: its keys out of [Interface] only, lines trimmed. */
static void strip_like_wg_quick(void **state)
{
	static const char in[] =
		"# top\n"
		"[Interface]\n"
		"  PrivateKey = " KEY1 "  \n"
		"Address = 10.0.0.1/24\n"
		"address=10.0.0.2/24\n"
		"\tDNS = 1.1.1.1 # c\n"
		"MTU = 1420\n"
		"Table = off\n"
		"PreUp = a = b\n"
		"PostUp = x\n"
		"PreDown = y\n"
		"PostDown = z\n"
		"SaveConfig = true\n"
		"FwMark = 1\n"
		"Addresses = kept\n"
		"[Peer]\n"
		"PublicKey = " KEY2 "\n"
		"Address = in a peer: kept\n"
		"[interface]\n"
		"MTU = 1\n"
		"ListenPort = 1";
	static const char want[] =
		"# top\n"
		"[Interface]\n"
		"PrivateKey = " KEY1 "\n"
		"FwMark = 1\n"
		"Addresses = kept\n"
		"[Peer]\n"
		"PublicKey = " KEY2 "\n"
		"Address = in a peer: kept\n"
		"[interface]\n"
		"ListenPort = 1\n"
		"\n";
	struct wg_uapi_buf out = { 0 };

	(void)state;
	assert_int_equal(wg_conffile_strip(&out, in, strlen(in)), 0);
	assert_int_equal(out.len, strlen(want));
	assert_memory_equal(out.data, want, out.len);
	wg_uapi_buf_free(&out);
}

/* wg-quick's save: showconf with the wg-quick keys after [Interface]. */
static void format_like_save_config(void **state)
{
	static const char text[] =
		"[Interface]\nPrivateKey = " KEY1 "\nAddress = 10.0.0.9/8\n"
		"DNS = 10.0.0.53, example.org\nMTU = 1400\nTable = 1234\n"
		"SaveConfig = true\nPostUp = echo %i up\nPreDown = true\n";
	static const char want[] =
		"[Interface]\n"
		"Address = 10.0.0.1/24\n"
		"Address = fd00::1/64\n"
		"DNS = 10.0.0.53\n"
		"DNS = example.org\n"
		"MTU = 1380\n"
		"Table = 1234\n"
		"SaveConfig = true\n"
		"PostUp = echo %i up\n"
		"PreDown = true\n"
		"ListenPort = 51820\n"
		"FwMark = 0xca6c\n"
		"PrivateKey = " KEY1 "\n"
		"\n"
		"[Peer]\n"
		"PublicKey = " KEY2 "\n"
		"PresharedKey = " KEY3 "\n"
		"AllowedIPs = 10.0.0.2/32, fd00::2/128\n"
		"Endpoint = 192.0.2.1:51820\n"
		"PersistentKeepalive = 25\n"
		"\n"
		"[Peer]\n"
		"PublicKey = " KEY3 "\n";
	struct wg_prefix aips[2], addr;
	struct wg_peer_info peers[2];
	struct wg_device_info info = { .has_private_key = true,
				       .listen_port = 51820,
				       .fwmark = 51820,
				       .peers = peers, .n_peers = 2 };
	struct wg_uapi_buf out = { 0 };
	struct wg_conffile_err err;
	struct wg_config extra;

	(void)state;
	memset(peers, 0, sizeof(peers));
	memset(info.private_key, 1, WG_KEY_LEN);
	memset(peers[0].public_key, 2, WG_KEY_LEN);
	memset(peers[0].preshared_key, 3, WG_KEY_LEN);
	memset(peers[1].public_key, 3, WG_KEY_LEN);
	assert_int_equal(wg_config_parse_prefix(&aips[0], "10.0.0.2/32"), 0);
	assert_int_equal(wg_config_parse_prefix(&aips[1], "fd00::2/128"), 0);
	peers[0].aips = aips;
	peers[0].n_aips = 2;
	peers[0].persistent_keepalive = 25;
	assert_int_equal(wg_config_parse_endpoint(&peers[0].endpoint,
						  "192.0.2.1:51820"), 0);
	/* The file's keys, with the live addresses and MTU instead. */
	assert_int_equal(parse(&extra, text, &err), 0);
	free(extra.addrs);
	extra.addrs = NULL;
	extra.n_addrs = extra.cap_addrs = 0;
	assert_int_equal(wg_config_parse_prefix(&addr, "10.0.0.1/24"), 0);
	assert_int_equal(wg_config_add_addr(&extra, &addr), 0);
	assert_int_equal(wg_config_parse_prefix(&addr, "fd00::1/64"), 0);
	assert_int_equal(wg_config_add_addr(&extra, &addr), 0);
	extra.mtu = 1380;
	assert_int_equal(wg_conffile_format(&out, &info, &extra), 0);
	assert_int_equal(out.len, strlen(want));
	assert_memory_equal(out.data, want, out.len);
	/* What save writes, the parser reads back to the same thing. */
	wg_config_free(&extra);
	out.data[out.len] = '\0';
	assert_int_equal(wg_conffile_parse(&extra, out.data, out.len, &err), 0);
	assert_int_equal(extra.fwmark, 51820);
	assert_int_equal(extra.quick.hooks[WG_HOOK_POST_UP].n, 1);
	assert_int_equal(extra.n_peers, 2);
	wg_config_free(&extra);
	wg_uapi_buf_free(&out);
}

/* The atomic write: mode 0600 whatever the old file or the umask. */
static void write_keeps_0600(void **state)
{
	char path[] = "/tmp/wg-xdp-conffile-w-XXXXXX";
	struct stat st;
	mode_t old;
	char buf[16];
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	chmod(path, 0644);
	old = umask(0);
	assert_int_equal(wg_conffile_write(path, "new\n", 4), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	fd = open(path, O_RDONLY);
	assert_int_equal(read(fd, buf, sizeof(buf)), 4);
	close(fd);
	unlink(path);
	assert_int_equal(wg_conffile_write("/nonexistent/dir/x.conf", "", 0),
			 -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_example),
		cmocka_unit_test(setconf_defaults),
		cmocka_unit_test(comments_and_case),
		cmocka_unit_test(accumulate),
		cmocka_unit_test(bad_lines),
		cmocka_unit_test(secrets_not_echoed),
		cmocka_unit_test(embedded_nul),
		cmocka_unit_test(load_file),
		cmocka_unit_test(strip_like_wg_quick),
		cmocka_unit_test(format_like_save_config),
		cmocka_unit_test(write_keeps_0600),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

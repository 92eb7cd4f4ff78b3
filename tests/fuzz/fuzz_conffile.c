// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The wg-quick configuration file parser, wg_conffile_parse(). Host names
 * in Endpoint lines never reach DNS: helper_fuzz.c makes getaddrinfo()
 * numeric-only for the whole binary. A refusal must leave the config empty
 * and explain itself; an accepted file, printed as set lines and parsed by
 * the UAPI parser, must give the same change (a file is a full `setconf`:
 * peers replaced).
 */
#include <string.h>

#include "conffile.h"
#include "fuzz.h"
#include "uapi.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	wg_fuzz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wg_conffile_err err;
	struct wg_config cfg, again;
	char *text;
	size_t len;
	int ret;

	memset(&err, 0x5a, sizeof(err));
	ret = wg_conffile_parse(&cfg, (const char *)data, size, &err);
	FZ_TRACE("conffile: %d %s\n", ret, ret ? err.msg : "");
	if (ret) {
		FZ_CHECK(fz_config_empty(&cfg));
		FZ_CHECK(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
		return 0;
	}
	FZ_CHECK(cfg.replace_peers && cfg.has_private_key);
	for (size_t i = 0; i < cfg.n_addrs; i++) {
		char buf[WG_PREFIX_STRLEN];
		struct wg_prefix p;

		FZ_CHECK(wg_config_format_prefix(&cfg.addrs[i], buf,
						 sizeof(buf)) > 0);
		FZ_CHECK(!wg_config_parse_prefix(&p, buf));
		FZ_CHECK(p.family == cfg.addrs[i].family &&
			 p.cidr == cfg.addrs[i].cidr &&
			 !memcmp(p.addr, cfg.addrs[i].addr, 16));
	}
	text = fz_config_to_uapi(&cfg, &len);
	FZ_CHECK(text != NULL);
	ret = wg_uapi_parse_set(&again, text, len);
	if (ret) {
		fprintf(stderr, "file as set request refused (%d):\n%s", ret,
			text);
		abort();
	}
	FZ_CHECK(fz_config_eq(&cfg, &again));
	wg_config_free(&again);
	wg_config_free(&cfg);
	FZ_CHECK(fz_config_empty(&cfg));
	free(text);
	return 0;
}

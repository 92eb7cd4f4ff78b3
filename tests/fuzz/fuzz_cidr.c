// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Allowed-IP and interface address parsing: the first input byte picks the
 * wg_config_parse_aip() flags, the rest is the string, given to both
 * wg_config_parse_aip() and wg_config_parse_prefix(). Refusals must not
 * touch the output; accepted values must have no host bits (allowed IPs),
 * print and parse back to themselves, and print the same text again.
 */
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	wg_fuzz_init();
	return 0;
}

static void check_aip(const char *s, unsigned int flags)
{
	char buf[WG_PREFIX_STRLEN + 1], buf2[WG_PREFIX_STRLEN + 1];
	struct wg_aip_change a, a2, guard;
	int n, n2, bytes;

	memset(&a, 0xa5, sizeof(a));
	guard = a;
	if (wg_config_parse_aip(&a, s, flags)) {
		FZ_CHECK(!memcmp(&a, &guard, sizeof(a)));
		return;
	}
	FZ_TRACE("aip: ok\n");
	FZ_CHECK(a.family == AF_INET || a.family == AF_INET6);
	bytes = a.family == AF_INET ? 4 : 16;
	FZ_CHECK(a.cidr <= bytes * 8);
	FZ_CHECK(!a.remove || (flags & WG_AIP_REMOVE));
	for (int bit = a.cidr; bit < bytes * 8; bit++)
		FZ_CHECK(!(a.addr[bit / 8] & (0x80 >> (bit % 8))));
	n = wg_config_format_aip(&a, buf, sizeof(buf));
	FZ_CHECK(n > 0 && (size_t)n == strlen(buf));
	FZ_CHECK(!wg_config_parse_aip(&a2, buf, flags));
	FZ_CHECK(a2.family == a.family && a2.cidr == a.cidr &&
		 a2.remove == a.remove && !memcmp(a2.addr, a.addr, bytes));
	n2 = wg_config_format_aip(&a2, buf2, sizeof(buf2));
	FZ_CHECK(n2 == n && !strcmp(buf, buf2));
	FZ_CHECK(wg_config_format_aip(&a, buf2, (size_t)n) < 0);
}

static void check_prefix(const char *s)
{
	char buf[WG_PREFIX_STRLEN], buf2[WG_PREFIX_STRLEN];
	struct wg_prefix p, p2, guard;
	int n, n2, bytes;

	memset(&p, 0xa5, sizeof(p));
	guard = p;
	if (wg_config_parse_prefix(&p, s)) {
		FZ_CHECK(!memcmp(&p, &guard, sizeof(p)));
		return;
	}
	FZ_TRACE("prefix: ok\n");
	FZ_CHECK(p.family == AF_INET || p.family == AF_INET6);
	bytes = p.family == AF_INET ? 4 : 16;
	FZ_CHECK(p.cidr <= bytes * 8);
	n = wg_config_format_prefix(&p, buf, sizeof(buf));
	FZ_CHECK(n > 0 && (size_t)n == strlen(buf));
	FZ_CHECK(!wg_config_parse_prefix(&p2, buf));
	FZ_CHECK(p2.family == p.family && p2.cidr == p.cidr &&
		 !memcmp(p2.addr, p.addr, bytes));
	n2 = wg_config_format_prefix(&p2, buf2, sizeof(buf2));
	FZ_CHECK(n2 == n && !strcmp(buf, buf2));
	FZ_CHECK(wg_config_format_prefix(&p, buf2, (size_t)n) < 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1 || size > 512)
		return 0;
	s = fz_strndup(data + 1, size - 1);
	check_aip(s, data[0] & (WG_AIP_BARE | WG_AIP_REMOVE));
	check_prefix(s);
	free(s);
	return 0;
}

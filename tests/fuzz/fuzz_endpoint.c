// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Endpoint parsing, wg_config_parse_endpoint(), on the input as a string.
 * A refusal must not touch the endpoint; an accepted one must print and
 * parse back to itself, and printing it again must give the same text.
 * wg_config_resolve_endpoint() (offline: numeric getaddrinfo only) must
 * agree with every numeric endpoint.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[WG_ENDPOINT_STRLEN], buf2[WG_ENDPOINT_STRLEN];
	struct wg_endpoint ep, ep2, guard, res;
	char *s;
	int ret, n, n2;

	if (size > 512)
		return 0;
	s = fz_strndup(data, size);
	memset(&ep, 0xa5, sizeof(ep));
	guard = ep;
	ret = wg_config_parse_endpoint(&ep, s);
	FZ_TRACE("endpoint: %d\n", ret);
	memset(&res, 0, sizeof(res));
	if (ret) {
		FZ_CHECK(!memcmp(&ep, &guard, sizeof(ep)));
		(void)wg_config_resolve_endpoint(&res, s);
		goto out;
	}
	FZ_CHECK(ep.sa.sa_family == AF_INET || ep.sa.sa_family == AF_INET6);
	FZ_CHECK(!wg_config_resolve_endpoint(&res, s));
	FZ_CHECK(fz_endpoint_eq(&ep, &res));
	n = wg_config_format_endpoint(&ep, buf, sizeof(buf));
	FZ_CHECK(n > 0 && (size_t)n == strlen(buf));
	FZ_CHECK(!wg_config_parse_endpoint(&ep2, buf));
	FZ_CHECK(fz_endpoint_eq(&ep, &ep2));
	n2 = wg_config_format_endpoint(&ep2, buf2, sizeof(buf2));
	FZ_CHECK(n2 == n && !strcmp(buf, buf2));
	/* Too small a buffer is refused, never overrun. */
	FZ_CHECK(wg_config_format_endpoint(&ep, buf2, (size_t)n) < 0);
out:
	free(s);
	return 0;
}

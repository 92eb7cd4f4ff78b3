// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The UAPI `set=1` body parser, wg_uapi_parse_set(), on the raw input. A
 * refusal must leave the config empty; an accepted request, printed back
 * as set lines and parsed again, must give the same change (and the same
 * text again). The line interface is driven too: feeding the lines one by
 * one must end the same way.
 */
#include <errno.h>
#include <string.h>

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

/* The same body through wg_uapi_set_line(); its result as parse_set's. */
static int by_lines(const uint8_t *data, size_t size, struct wg_config *out)
{
	struct wg_uapi_set st;
	size_t pos = 0;
	int ret;

	wg_config_init(out);
	wg_uapi_set_begin(&st);
	while (pos < size) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);

		if (!nl)
			break;
		ret = wg_uapi_set_line(&st, (const char *)data + pos,
				       (size_t)(nl - data) - pos);
		if (ret < 0)
			return ret;
		if (ret == 1) {
			*out = st.cfg;
			return 0;
		}
		pos = (size_t)(nl - data) + 1;
	}
	wg_uapi_set_abort(&st);
	return size - pos > WG_UAPI_LINE_MAX ? -EIO : -EPROTO;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wg_config cfg, again, lines;
	char *text, *text2;
	size_t len, len2;
	int ret, ret2;

	ret = wg_uapi_parse_set(&cfg, (const char *)data, size);
	FZ_TRACE("uapi: %d\n", ret);
	ret2 = by_lines(data, size, &lines);
	FZ_CHECK(ret == ret2);
	if (ret) {
		FZ_CHECK(ret == -EPROTO || ret == -EINVAL || ret == -EIO ||
			 ret == -ENOMEM);
		FZ_CHECK(fz_config_empty(&cfg));
		FZ_CHECK(fz_config_empty(&lines));
		return 0;
	}
	FZ_CHECK(fz_config_eq(&cfg, &lines));
	wg_config_free(&lines);

	text = fz_config_to_uapi(&cfg, &len);
	FZ_CHECK(text != NULL);
	ret = wg_uapi_parse_set(&again, text, len);
	if (ret) {
		fprintf(stderr, "reprinted request refused (%d):\n%s", ret,
			text);
		abort();
	}
	FZ_CHECK(fz_config_eq(&cfg, &again));
	text2 = fz_config_to_uapi(&again, &len2);
	FZ_CHECK(text2 != NULL);
	FZ_CHECK(len == len2 && !memcmp(text, text2, len));
	wg_config_free(&again);
	wg_config_free(&cfg);
	FZ_CHECK(fz_config_empty(&cfg));
	free(text);
	free(text2);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The key decoders of keys.h and config.h on the input as a string. A
 * refused string leaves the key untouched (keys.c) or zeroed (config.c);
 * an accepted one is the canonical encoding: encoding the key again gives
 * the same base64, and the same hex up to letter case. The (pointer,
 * length) decoders of config.c must agree with keys.c's.
 */
#include <string.h>
#include <strings.h>

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

static void check_base64(const char *s, size_t size)
{
	uint8_t key[WG_KEY_LEN], key2[WG_KEY_LEN], guard[WG_KEY_LEN];
	char out[WG_KEY_B64_LEN + 1];
	int ret, ret2;

	memset(key, 0xa5, sizeof(key));
	memcpy(guard, key, sizeof(key));
	ret = wg_key_from_base64(key, s);
	ret2 = wg_config_key_from_base64(key2, s, size);
	FZ_TRACE("base64: %d %d\n", ret, ret2);
	if (size != WG_KEY_B64_LEN || strlen(s) != size)
		FZ_CHECK(ret2 != 0);
	else
		FZ_CHECK(ret == ret2);
	if (ret) {
		FZ_CHECK(!memcmp(key, guard, sizeof(key)));
		if (ret2)
			FZ_CHECK(wg_is_zero(key2, sizeof(key2)));
		return;
	}
	if (!ret2)
		FZ_CHECK(!memcmp(key, key2, sizeof(key)));
	wg_key_to_base64(out, key);
	FZ_CHECK(strlen(out) == WG_KEY_B64_LEN);
	FZ_CHECK(!memcmp(out, s, WG_KEY_B64_LEN));
}

static void check_hex(const char *s, size_t size)
{
	uint8_t key[WG_KEY_LEN], key2[WG_KEY_LEN], guard[WG_KEY_LEN];
	char out[WG_KEY_HEX_LEN + 1];
	int ret, ret2;

	memset(key, 0xa5, sizeof(key));
	memcpy(guard, key, sizeof(key));
	ret = wg_key_from_hex(key, s);
	ret2 = wg_config_key_from_hex(key2, s, size);
	FZ_TRACE("hex: %d %d\n", ret, ret2);
	if (size != WG_KEY_HEX_LEN || strlen(s) != size)
		FZ_CHECK(ret2 != 0);
	else
		FZ_CHECK(ret == ret2);
	if (ret) {
		FZ_CHECK(!memcmp(key, guard, sizeof(key)));
		if (ret2)
			FZ_CHECK(wg_is_zero(key2, sizeof(key2)));
		return;
	}
	if (!ret2)
		FZ_CHECK(!memcmp(key, key2, sizeof(key)));
	wg_key_to_hex(out, key);
	FZ_CHECK(strlen(out) == WG_KEY_HEX_LEN);
	FZ_CHECK(!strncasecmp(out, s, WG_KEY_HEX_LEN));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size > 256)
		return 0;
	/* Exactly size + 1 bytes: a decoder reading past the NUL trips ASan. */
	s = fz_strndup(data, size);
	check_base64(s, size);
	check_hex(s, size);
	free(s);
	return 0;
}

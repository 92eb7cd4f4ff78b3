// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * genkey, genpsk and pubkey: the key subcommands, with the output and the
 * errors of wg(8) so that scripts written for `wg` work unchanged.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "commands.h"
#include "crypto.h"
#include "keys.h"

#define PROG "wg-xdp"

/* wg's notion of white space around a key read from stdin. */
static bool is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	       c == '\r';
}

static int usage(int argc, char *argv[], const char *name)
{
	if (argc == 1)
		return 0;
	fprintf(stderr, "Usage: %s %s\n", PROG, argc > 0 ? argv[0] : name);
	return 1;
}

static int init(void)
{
	if (wg_crypto_init() < 0) {
		fprintf(stderr, "%s: Unable to initialise libsodium\n", PROG);
		return 1;
	}
	return 0;
}

/* Print 32 random bytes in base64, clamped as a private key when asked. */
static int generate(int argc, char *argv[], const char *name, bool clamp)
{
	uint8_t key[WG_KEY_LEN];
	char b64[WG_KEY_B64_LEN + 1];

	if (usage(argc, argv, name) || init())
		return 1;
	if (clamp)
		wg_genkey(key);
	else
		wg_random(key, sizeof(key));
	wg_key_to_base64(b64, key);
	puts(b64);
	wg_wipe(key, sizeof(key));
	wg_wipe(b64, sizeof(b64));
	return 0;
}

int wg_cmd_genkey(int argc, char *argv[])
{
	return generate(argc, argv, "genkey", true);
}

int wg_cmd_genpsk(int argc, char *argv[])
{
	return generate(argc, argv, "genpsk", false);
}

int wg_cmd_pubkey(int argc, char *argv[])
{
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN];
	char b64[WG_KEY_B64_LEN + 1];
	int c, ret = 1;

	if (usage(argc, argv, "pubkey") || init())
		return 1;
	/* Unbuffered, so no copy of the private key stays in stdio's buffer. */
	setvbuf(stdin, NULL, _IONBF, 0);

	/* Like wg: exactly 44 characters, then only white space or NULs. */
	if (fread(b64, 1, WG_KEY_B64_LEN, stdin) != WG_KEY_B64_LEN)
		goto err_format;
	b64[WG_KEY_B64_LEN] = '\0';
	while ((c = getc(stdin)) != EOF) {
		if (c && !is_space(c)) {
			fputs("pubkey: Trailing characters found after key\n",
			      stderr);
			goto out_wipe;
		}
	}
	if (wg_key_from_base64(priv, b64) < 0)
		goto err_format;

	wg_pubkey(pub, priv);
	wg_key_to_base64(b64, pub);
	puts(b64);
	ret = 0;
	goto out_wipe;

err_format:
	fputs("pubkey: Key is not the correct length or format\n", stderr);
out_wipe:
	wg_wipe(priv, sizeof(priv));
	wg_wipe(b64, sizeof(b64));
	return ret;
}

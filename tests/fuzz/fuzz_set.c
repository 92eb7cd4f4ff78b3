// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * `wg-xdp set`'s word parser, wg_set_parse(): the input split at NUL bytes
 * is argv (at most 64 words). Key-file words may only name files made
 * here: "@key" (a valid key), "@bad" (garbage) and "@empty"; any other
 * value after private-key or preshared-key ends the input unparsed, so no
 * input reads an arbitrary path or blocks on a FIFO or stdin. Host names
 * never reach DNS (getaddrinfo is numeric-only, helper_fuzz.c).
 *
 * A refusal allocates nothing and says why; an accepted request is a UAPI
 * set request that the daemon's own parser accepts, and its interface
 * addresses parse as prefixes.
 */
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "set.h"
#include "uapi.h"

#define MAX_WORDS 64

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/wg-xdp-fuzz-set.XXXXXX";
static char key_path[64], bad_path[64], empty_path[64];

static void cleanup(void)
{
	unlink(key_path);
	unlink(bad_path);
	unlink(empty_path);
	rmdir(dir);
}

static void make_file(char *path, const char *name, const char *text)
{
	FILE *f;

	snprintf(path, 64, "%s/%s", dir, name);
	f = fopen(path, "w");
	FZ_CHECK(f != NULL);
	fputs(text, f);
	FZ_CHECK(!fclose(f));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	wg_fuzz_init();
	FZ_CHECK(mkdtemp(dir) != NULL);
	make_file(key_path, "key",
		  "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n");
	make_file(bad_path, "bad", "not a key\n");
	make_file(empty_path, "empty", "");
	atexit(cleanup);
	return 0;
}

static bool key_word(const char *w)
{
	return !strcmp(w, "private-key") || !strcmp(w, "preshared-key");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *words[MAX_WORDS + 1], *buf;
	struct wg_set_req req;
	struct wg_config cfg;
	int argc = 0, ret;

	if (size > 4096)
		return 0;
	buf = fz_strndup(data, size);
	for (size_t i = 0; i <= size && argc < MAX_WORDS;) {
		char *w = buf + i;

		i += strlen(w) + 1;
		if (!strcmp(w, "@key"))
			w = key_path;
		else if (!strcmp(w, "@bad"))
			w = bad_path;
		else if (!strcmp(w, "@empty"))
			w = empty_path;
		else if (argc && key_word(words[argc - 1]))
			goto out;
		words[argc++] = w;
	}
	words[argc] = NULL;

	memset(&req, 0x5a, sizeof(req));
	ret = wg_set_parse(&req, argc, words);
	FZ_TRACE("set: %d %s\n", ret, ret ? req.err : "");
	if (ret) {
		FZ_CHECK(!req.text && !req.addrs && !req.naddrs);
		FZ_CHECK(req.err[0] && memchr(req.err, '\0', sizeof(req.err)));
		goto out;
	}
	if (req.text) {
		size_t len = strlen(req.text);

		FZ_CHECK(!strncmp(req.text, "set=1\n", 6));
		ret = wg_uapi_parse_set(&cfg, req.text + 6, len - 6);
		if (ret) {
			fprintf(stderr, "set request refused (%d):\n%s", ret,
				req.text);
			abort();
		}
		wg_config_free(&cfg);
	}
	for (size_t i = 0; i < req.naddrs; i++) {
		struct wg_prefix p;

		FZ_CHECK(!wg_config_parse_prefix(&p, req.addrs[i]));
	}
	wg_set_req_free(&req);
out:
	free(buf);
	return 0;
}

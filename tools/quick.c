// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * wg-quick's other commands on wg-xdp: `strip`, `save`, and wg's
 * `syncconf` (a reload that keeps the sessions of unchanged peers), with
 * wg-quick's CONFIG_FILE | INTERFACE words.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "conffile.h"
#include "ipc.h"
#include "uapi.h"

/* wg-quick's [a-zA-Z0-9_=+.-]{1,15}. */
static bool quick_name(const char *s, size_t len)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS"
				 "TUVWXYZ0123456789_=+.-";

	if (!len || len > 15)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!strchr(ok, s[i]) || !s[i])
			return false;
	return true;
}

int wg_cmd_conf_path(const char *word, char *path, size_t len,
		     char name[16])
{
	const char *base = strrchr(word, '/');
	size_t wlen = strlen(word), blen;

	if (!base && quick_name(word, wlen) &&
	    (wlen < 5 || strcmp(word + wlen - 5, ".conf"))) {
		snprintf(name, 16, "%s", word);
		if ((size_t)snprintf(path, len, "%s/%s.conf", WG_CMD_CONF_DIR,
				     word) >= len)
			return -EINVAL;
		return access(path, F_OK) ? -ENOENT : 0;
	}
	base = base ? base + 1 : word;
	blen = strlen(base);
	if (blen <= 5 || strcmp(base + blen - 5, ".conf") ||
	    !quick_name(base, blen - 5) || wlen >= len)
		return -EINVAL;
	memcpy(name, base, blen - 5);
	name[blen - 5] = '\0';
	memcpy(path, word, wlen + 1);
	return 0;
}

void wg_cmd_conf_warn_mode(const char *path)
{
	char dir[4096];
	struct stat f, d;
	const char *slash = strrchr(path, '/');

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1,
		 slash ? (slash == path ? "/" : path) : ".");
	if (!stat(path, &f) && !stat(dir, &d) &&
	    (f.st_mode & d.st_mode & 0007))
		fprintf(stderr, "Warning: `%s' is world accessible\n", path);
}

/* The CONFIG_FILE | INTERFACE word of a command; 0 or prints why not. */
static int conf_word(const char *cmd, const char *word, char *path,
		     size_t len, char name[16])
{
	int ret = wg_cmd_conf_path(word, path, len, name);

	if (ret == -EINVAL)
		fprintf(stderr, "wg-xdp %s: the configuration file must be a "
			"valid interface name, followed by .conf\n", cmd);
	else if (ret || access(path, F_OK))
		fprintf(stderr, "wg-xdp %s: `%s' does not exist\n", cmd, path);
	else
		return 0;
	return 1;
}

static int read_all(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "re");
	size_t cap = 4096, n = 0, got;
	char *buf = NULL, *grown;

	if (!f)
		return -errno;
	do {
		grown = realloc(buf, cap);
		if (!grown) {
			free(buf);
			fclose(f);
			return -ENOMEM;
		}
		buf = grown;
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		cap *= 2;
	} while (got && n <= WG_CONFFILE_MAX);
	fclose(f);
	*text = buf;
	*len = n;
	return 0;
}

int wg_cmd_strip(int argc, char *argv[])
{
	struct wg_uapi_buf out = { 0 };
	char path[4096], name[16], *text = NULL;
	size_t len = 0;
	int ret;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(argc == 2 ? stdout : stderr,
			"Usage: wg-xdp strip { <name> | <config-file> }\n");
		return argc != 2;
	}
	if (conf_word("strip", argv[1], path, sizeof(path), name))
		return 1;
	ret = read_all(path, &text, &len);
	if (ret) {
		fprintf(stderr, "wg-xdp strip: %s: %s\n", path, strerror(-ret));
		return 1;
	}
	ret = wg_conffile_strip(&out, text, len);
	wg_wipe(text, len);
	free(text);
	if (!ret && fwrite(out.data, 1, out.len, stdout) != out.len)
		ret = -EIO;
	wg_uapi_buf_free(&out);
	if (ret)
		fprintf(stderr, "wg-xdp strip: %s\n", strerror(-ret));
	return ret ? 1 : 0;
}

/* get=1 of a running interface, into info. */
static int running_info(const char *cmd, const char *name,
			struct wg_device_info *info)
{
	struct wg_ipc_reply r = { 0 };
	int ret;

	ret = wg_ipc_request(name, "get=1\n\n", &r);
	if (!ret)
		ret = wg_uapi_parse_get(info, (const char *const *)r.lines,
					r.count);
	wg_ipc_reply_free(&r);
	if (ret)
		fprintf(stderr, "wg-xdp %s: `%s' is not a running WireGuard "
			"interface (%s)\n", cmd, name, strerror(-ret));
	return ret;
}

static int load(const char *cmd, const char *path, struct wg_config *cfg)
{
	struct wg_conffile_err err;
	int ret = wg_conffile_load(cfg, path, &err);

	if (ret)
		fprintf(stderr, "wg-xdp %s: %s: %s\n", cmd, path,
			err.msg[0] ? err.msg : strerror(-ret));
	return ret;
}

int wg_cmd_save(int argc, char *argv[])
{
	struct wg_device_info info;
	struct wg_config cfg;
	char path[4096], name[16];
	int ret;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(argc == 2 ? stdout : stderr,
			"Usage: wg-xdp save { <name> | <config-file> }\n");
		return argc != 2;
	}
	if (conf_word("save", argv[1], path, sizeof(path), name) ||
	    load("save", path, &cfg))
		return 1;
	ret = running_info("save", name, &info);
	if (!ret) {
		ret = wg_conffile_save(path, &info, &cfg.quick, cfg.has_mtu,
				       (int)if_nametoindex(name));
		wg_uapi_info_free(&info);
		if (ret)
			fprintf(stderr, "wg-xdp save: %s: %s\n", path,
				strerror(-ret));
	}
	wg_config_free(&cfg);
	return ret ? 1 : 0;
}

static bool in_file(const struct wg_config *cfg, const uint8_t *pub)
{
	for (size_t i = 0; i < cfg->n_peers; i++)
		if (!memcmp(cfg->peers[i].public_key, pub, WG_KEY_LEN))
			return true;
	return false;
}

/*
 * wg syncconf: the file applied without replace_peers, and every running
 * peer the file lacks removed first, so unchanged peers keep their
 * sessions. With no peers on either side it is a plain setconf.
 */
static int sync_change(struct wg_config *sync, const struct wg_config *file,
		       const struct wg_device_info *run)
{
	struct wg_peer_change *p;

	wg_config_init(sync);
	sync->has_private_key = file->has_private_key;
	memcpy(sync->private_key, file->private_key, WG_KEY_LEN);
	sync->has_listen_port = file->has_listen_port;
	sync->listen_port = file->listen_port;
	sync->has_fwmark = file->has_fwmark;
	sync->fwmark = file->fwmark;
	sync->replace_peers = !file->n_peers || !run->n_peers;
	for (size_t i = 0; !sync->replace_peers && i < run->n_peers; i++) {
		if (in_file(file, run->peers[i].public_key))
			continue;
		p = wg_config_add_peer(sync, run->peers[i].public_key);
		if (!p)
			return -ENOMEM;
		p->remove = true;
	}
	for (size_t i = 0; i < file->n_peers; i++) {
		const struct wg_peer_change *f = &file->peers[i];

		p = wg_config_add_peer(sync, f->public_key);
		if (!p)
			return -ENOMEM;
		*p = *f;
		p->aips = NULL;
		p->n_aips = p->cap_aips = 0;
		for (size_t j = 0; j < f->n_aips; j++)
			if (wg_config_add_aip(p, &f->aips[j]))
				return -ENOMEM;
	}
	return 0;
}

int wg_cmd_syncconf(int argc, char *argv[])
{
	struct wg_uapi_buf req = { 0 };
	struct wg_device_info info;
	struct wg_config file, sync;
	int ret;

	if (argc != 3) {
		fprintf(argc == 2 && argv[1][0] == '-' ? stdout : stderr,
			"Usage: wg-xdp syncconf <interface> <configuration "
			"filename>\n");
		return !(argc == 2 && argv[1][0] == '-');
	}
	if (!wg_cmd_is_ifname(argv[1])) {
		fprintf(stderr, "wg-xdp syncconf: invalid interface name\n");
		return 1;
	}
	if (load("syncconf", argv[2], &file))
		return 1;
	ret = running_info("syncconf", argv[1], &info);
	if (ret)
		goto out_file;
	ret = sync_change(&sync, &file, &info);
	if (!ret)
		ret = wg_uapi_write_set(&req, &sync);
	if (!ret)
		ret = wg_ipc_request(argv[1], req.data, NULL);
	if (ret)
		fprintf(stderr, "Unable to modify interface: %s\n",
			strerror(-ret));
	wg_uapi_buf_free(&req);
	wg_config_free(&sync);
	wg_uapi_info_free(&info);
out_file:
	wg_config_free(&file);
	return ret ? 1 : 0;
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * `wg-xdp set WGNAME WORD...`: wg set's words (listen-port, fwmark,
 * private-key, peer ... remove, preshared-key, endpoint,
 * persistent-keepalive, allowed-ips, with wg's rules from config.c) and
 * OpenBSD ifconfig's wg(4) words (wgkey, wgport, wgpeer, -wgpeer,
 * wgendpoint, wgaip, -wgaip, wgpsk, -wgpsk, wgpka, debug, -debug, and
 * ADDRESS/PREFIX). Every word is checked first; then one set request goes
 * to the daemon, then the addresses are added with ip(8).
 *
 * As with wg, a peer's words are gathered and written in wg's order
 * (public_key, remove, preshared_key, endpoint, keepalive,
 * replace_allowed_ips, allowed_ip...), so `allowed-ips` given twice for one
 * peer adds both lists. `wgaip` adds to a peer's allowed IPs (it does not
 * replace them); `-wgaip` removes one (allowed_ip=-CIDR).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netdb.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "commands.h"
#include "ipc.h"
#include "set.h"
#include "uapi.h"

#define CIDR_LEN (INET6_ADDRSTRLEN + 5)

/*
 * The words build one struct wg_config, the change the daemon applies
 * (config.h): the data model the tools share with the daemon, written
 * out by wg_uapi_write_set() in wg's order.
 */
struct set_dev {
	struct wg_config cfg;
	char **addrs;
	size_t naddrs;
	bool link_up;
};

static int bad(struct wg_set_req *req, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad(struct wg_set_req *req, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(req->err, sizeof(req->err), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void dev_free(struct set_dev *d)
{
	wg_config_free(&d->cfg);
	for (size_t i = 0; i < d->naddrs; i++)
		free(d->addrs[i]);
	free(d->addrs);
	memset(d, 0, sizeof(*d));
}

static bool parse_u16(const char *v, uint16_t *out)
{
	uint64_t n;

	if (!wg_config_parse_u64(v, UINT16_MAX, &n))
		return false;
	*out = (uint16_t)n;
	return true;
}

/* wg's keepalive: "off" or 0..65535. */
static bool parse_pka(const char *v, uint16_t *out)
{
	if (!strcasecmp(v, "off")) {
		*out = 0;
		return true;
	}
	return parse_u16(v, out);
}

/*
 * wg's key file: exactly one base64 key with optional trailing whitespace,
 * or nothing at all (an empty file or /dev/null: the all-zero key, which
 * removes the key).
 */
static int read_keyfile(struct wg_set_req *req, uint8_t key[WG_KEY_LEN],
			const char *path)
{
	char b64[WG_KEY_B64_LEN + 1];
	size_t n;
	FILE *f;
	int c, ret = 0;

	f = fopen(path, "r");
	if (!f)
		return bad(req, "cannot read key file '%s': %s",
			   wg_config_safe(path),
			   strerror(errno));
	n = fread(b64, 1, WG_KEY_B64_LEN, f);
	if (n == 0 && feof(f) && !ferror(f)) {
		memset(key, 0, WG_KEY_LEN);
		goto out;
	}
	if (n != WG_KEY_B64_LEN) {
		ret = bad(req, "invalid key in file '%s'",
			  wg_config_safe(path));
		goto out;
	}
	b64[WG_KEY_B64_LEN] = '\0';
	while ((c = getc(f)) != EOF) {
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r' &&
		    c != '\v' && c != '\f') {
			ret = bad(req, "invalid key in file '%s'",
			  wg_config_safe(path));
			goto out;
		}
	}
	if (wg_key_from_base64(key, b64))
		ret = bad(req, "invalid key in file '%s'",
			  wg_config_safe(path));
out:
	sodium_memzero(b64, sizeof(b64));
	fclose(f);
	return ret;
}

/* One allowed IP word: a prefix, or a bare address (/32, /128). */
static int add_aip(struct wg_peer_change *p, const char *word, bool remove)
{
	struct wg_aip_change aip;

	if (wg_config_parse_aip(&aip, word, WG_AIP_BARE))
		return -EINVAL;
	aip.remove = remove;
	return wg_config_add_aip(p, &aip);
}

/* wg's allowed-ips value: comma list, spaces ignored, +/- incremental. */
static int parse_aips(struct wg_set_req *req, struct wg_peer_change *p,
		      const char *v)
{
	char *copy = malloc(strlen(v) + 1), *rest, *entry;
	size_t n = 0;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	for (const char *s = v; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			copy[n++] = *s;
	copy[n] = '\0';
	p->replace_allowed_ips = true;
	rest = copy;
	while (n && (entry = strsep(&rest, ","))) {
		bool remove = false;

		if (entry[0] == '-' || entry[0] == '+') {
			remove = entry[0] == '-';
			p->replace_allowed_ips = false;
			entry++;
		}
		ret = add_aip(p, entry, remove);
		if (ret == -EINVAL)
			ret = bad(req, "invalid allowed IP '%s'",
				  wg_config_safe(entry));
		if (ret)
			break;
	}
	free(copy);
	return ret;
}

static int add_addr(struct set_dev *d, const char *cidr)
{
	char **a = realloc(d->addrs, (d->naddrs + 1) * sizeof(*a));

	if (!a)
		return -ENOMEM;
	d->addrs = a;
	a[d->naddrs] = strdup(cidr);
	if (!a[d->naddrs])
		return -ENOMEM;
	d->naddrs++;
	d->link_up = true;
	return 0;
}

/* Words taking no value, one value, or two (wgendpoint IP PORT). */
static int arity(const char *w)
{
	static const char *const one[] = {
		"listen-port", "fwmark", "private-key", "peer", "endpoint",
		"allowed-ips", "persistent-keepalive", "preshared-key",
		"wgkey", "wgport", "wgpeer", "-wgpeer", "wgaip", "-wgaip",
		"wgpsk", "wgpka",
	};

	if (!strcmp(w, "wgendpoint"))
		return 2;
	for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++)
		if (!strcmp(w, one[i]))
			return 1;
	return 0;
}

static bool device_word(const char *w)
{
	return !strcmp(w, "listen-port") || !strcmp(w, "fwmark") ||
	       !strcmp(w, "private-key");
}

static bool peer_word(const char *w)
{
	static const char *const words[] = {
		"remove", "endpoint", "allowed-ips", "persistent-keepalive",
		"preshared-key", "wgendpoint", "wgaip", "-wgaip", "wgpsk",
		"-wgpsk", "wgpka",
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(w, words[i]))
			return true;
	return false;
}

/* wgendpoint IP PORT: "IP:PORT", or "[IP]:PORT" for IPv6. */
static int endpoint2(struct wg_endpoint *ep, const char *ip, const char *port)
{
	char buf[NI_MAXHOST + 16];
	uint16_t p;

	if (!parse_u16(port, &p) ||
	    (size_t)snprintf(buf, sizeof(buf), strchr(ip, ':') ? "[%s]:%s" :
			     "%s:%s", ip, port) >= sizeof(buf))
		return -EINVAL;
	return wg_config_resolve_endpoint(ep, buf);
}

static int word(struct wg_set_req *req, struct set_dev *d,
		struct wg_peer_change **pp, const char *w, char *const v[])
{
	struct wg_config *cfg = &d->cfg;
	struct wg_peer_change *p = *pp;
	uint8_t key[WG_KEY_LEN] = { 0 };
	char buf[CIDR_LEN];
	int ret = 0;

	if (!strcmp(w, "listen-port") || !strcmp(w, "wgport")) {
		if (!parse_u16(v[0], &cfg->listen_port))
			return bad(req, "invalid port '%s'",
				   wg_config_safe(v[0]));
		cfg->has_listen_port = true;
	} else if (!strcmp(w, "fwmark")) {
		if (!wg_config_parse_fwmark(v[0], &cfg->fwmark))
			return bad(req, "invalid fwmark '%s'",
				   wg_config_safe(v[0]));
		cfg->has_fwmark = true;
	} else if (!strcmp(w, "private-key")) {
		ret = read_keyfile(req, cfg->private_key, v[0]);
		cfg->has_private_key = !ret;
	} else if (!strcmp(w, "wgkey")) {
		if (wg_key_from_base64(cfg->private_key, v[0]))
			return bad(req, "invalid key '%s'",
				   wg_config_safe(v[0]));
		cfg->has_private_key = true;
	} else if (!strcmp(w, "peer") || !strcmp(w, "wgpeer") ||
		   !strcmp(w, "-wgpeer")) {
		if (wg_key_from_base64(key, v[0]))
			return bad(req, "invalid key '%s'",
				   wg_config_safe(v[0]));
		p = wg_config_add_peer(cfg, key);
		sodium_memzero(key, sizeof(key));
		if (!p)
			return -ENOMEM;
		p->remove = w[0] == '-';
		*pp = p;
	} else if (!strcmp(w, "remove")) {
		p->remove = true;
	} else if (!strcmp(w, "endpoint")) {
		if (wg_config_resolve_endpoint(&p->endpoint, v[0]))
			return bad(req, "invalid endpoint '%s'",
				   wg_config_safe(v[0]));
		p->has_endpoint = true;
	} else if (!strcmp(w, "wgendpoint")) {
		if (endpoint2(&p->endpoint, v[0], v[1]))
			return bad(req, "invalid endpoint '%s %s'",
				   wg_config_safe(v[0]), wg_config_safe(v[1]));
		p->has_endpoint = true;
	} else if (!strcmp(w, "allowed-ips")) {
		ret = parse_aips(req, p, v[0]);
	} else if (!strcmp(w, "wgaip") || !strcmp(w, "-wgaip")) {
		ret = add_aip(p, v[0], w[0] == '-');
		if (ret == -EINVAL)
			return bad(req, "invalid allowed IP '%s'",
				   wg_config_safe(v[0]));
	} else if (!strcmp(w, "persistent-keepalive") || !strcmp(w, "wgpka")) {
		if (!parse_pka(v[0], &p->persistent_keepalive))
			return bad(req, "invalid persistent keepalive '%s'",
				   wg_config_safe(v[0]));
		p->has_keepalive = true;
	} else if (!strcmp(w, "preshared-key")) {
		ret = read_keyfile(req, p->preshared_key, v[0]);
		p->has_preshared_key = !ret;
	} else if (!strcmp(w, "wgpsk")) {
		if (wg_key_from_base64(p->preshared_key, v[0]))
			return bad(req, "invalid key '%s'",
				   wg_config_safe(v[0]));
		p->has_preshared_key = true;
	} else if (!strcmp(w, "-wgpsk")) {
		memset(p->preshared_key, 0, WG_KEY_LEN);
		p->has_preshared_key = true;
	} else if (!strcmp(w, "debug") || !strcmp(w, "-debug")) {
		cfg->has_debug = true;
		cfg->debug = w[0] != '-';
	} else if (!strcmp(w, "up")) {
		d->link_up = true;
	} else if (strchr(w, '/') && w[0] != '-') {
		if (wg_cli_cidr(buf, sizeof(buf), w, true))
			return bad(req, "invalid address '%s'",
				   wg_config_safe(w));
		ret = add_addr(d, buf);
	} else {
		return bad(req, "invalid argument '%s'", wg_config_safe(w));
	}
	return ret;
}

/* The set request, or no text when no UAPI key is set. */
static int emit(struct wg_set_req *req, const struct set_dev *d)
{
	const struct wg_config *c = &d->cfg;
	struct wg_uapi_buf out = { 0 };
	int ret;

	if (!c->has_private_key && !c->has_listen_port && !c->has_fwmark &&
	    !c->has_debug && !c->n_peers)
		return 0;
	ret = wg_uapi_write_set(&out, c);
	if (ret)
		return ret;
	req->text = out.data; /* NUL-terminated: the buffer has room */
	return 0;
}

int wg_set_parse(struct wg_set_req *req, int argc, char *const argv[])
{
	struct set_dev d = { 0 };
	struct wg_peer_change *p = NULL;
	int i = 0, n, ret = 0;

	memset(req, 0, sizeof(*req));
	while (i < argc) {
		const char *w = argv[i];

		n = arity(w);
		if (argc - i - 1 < n) {
			ret = bad(req, "'%s' needs %s", wg_config_safe(w),
				  n == 2 ? "an address and a port" : "a value");
			goto out;
		}
		if (device_word(w) && p) {
			ret = bad(req, "'%s' must come before any peer",
				  wg_config_safe(w));
			goto out;
		}
		if (peer_word(w) && !p) {
			ret = bad(req, "'%s' needs a preceding peer",
				  wg_config_safe(w));
			goto out;
		}
		ret = word(req, &d, &p, w, argv + i + 1);
		if (ret)
			goto out;
		i += 1 + n;
	}
	ret = emit(req, &d);
	if (ret)
		goto out;
	req->addrs = d.addrs;
	req->naddrs = d.naddrs;
	req->link_up = d.link_up;
	d.addrs = NULL;
	d.naddrs = 0;
out:
	if (ret == -ENOMEM)
		snprintf(req->err, sizeof(req->err), "%s", strerror(ENOMEM));
	dev_free(&d);
	return ret;
}

void wg_set_req_free(struct wg_set_req *req)
{
	if (req->text) {
		sodium_memzero(req->text, strlen(req->text));
		free(req->text);
	}
	for (size_t i = 0; i < req->naddrs; i++)
		free(req->addrs[i]);
	free(req->addrs);
	memset(req, 0, sizeof(*req));
}

static void set_usage(FILE *f)
{
	fprintf(f,
		"Usage: wg-xdp set <wg-interface> [listen-port <port>] [fwmark <mark>] [private-key <file path>] [peer <base64 public key> [remove] [preshared-key <file path>] [endpoint <ip>:<port>] [persistent-keepalive <interval seconds>] [allowed-ips <ip1>/<cidr1>[,<ip2>/<cidr2>]...] ]...\n"
		"       wg-xdp set <wg-interface> [wgkey <base64>] [wgport <port>] [debug | -debug] [<address>/<prefix>] [up]\n"
		"              [wgpeer <base64> [wgendpoint <ip> <port>] [wgaip <ip>/<prefix>]... [-wgaip <ip>/<prefix>]... [wgpsk <base64> | -wgpsk] [wgpka <seconds>]]... [-wgpeer <base64>]...\n");
}

/* Run /sbin/ip with the given words; 0 when it exits 0. */
static int run_ip(char *const words[])
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execv("/sbin/ip", words);
		execvp("ip", words);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EIO;
}

int wg_cmd_set(int argc, char *argv[])
{
	struct wg_set_req req;
	const char *name;
	int ret;

	if (argc == 2 && (!strcmp(argv[1], "-h") ||
			  !strcmp(argv[1], "--help"))) {
		set_usage(stdout);
		return 0;
	}
	if (argc < 3) {
		set_usage(stderr);
		return 1;
	}
	name = argv[1];
	if (!wg_cmd_is_ifname(name)) {
		fprintf(stderr, "wg-xdp set: invalid interface name '%s'\n",
			name);
		return 1;
	}
	if (wg_set_parse(&req, argc - 2, argv + 2)) {
		fprintf(stderr, "wg-xdp set: %s\n", req.err);
		return 1;
	}
	ret = 1;
	if ((req.naddrs || req.link_up) && !if_nametoindex(name)) {
		fprintf(stderr, "wg-xdp set: no such network interface '%s'\n",
			name);
		goto out;
	}
	if (req.text) {
		int err = wg_ipc_request(name, req.text, NULL);

		if (err) {
			fprintf(stderr, "Unable to modify interface: %s\n",
				strerror(-err));
			goto out;
		}
	}
	/* Addresses over rtnetlink the simple way: ip(8). */
	for (size_t i = 0; i < req.naddrs; i++) {
		char *words[] = { "ip", "address", "replace", req.addrs[i],
				  "dev", (char *)name, NULL };

		if (run_ip(words)) {
			fprintf(stderr,
				"wg-xdp set: cannot add address '%s' to %s\n",
				req.addrs[i], name);
			goto out;
		}
	}
	if (req.link_up) {
		char *words[] = { "ip", "link", "set", (char *)name, "up",
				  NULL };

		if (run_ip(words)) {
			fprintf(stderr, "wg-xdp set: cannot bring %s up\n",
				name);
			goto out;
		}
	}
	ret = 0;
out:
	wg_set_req_free(&req);
	return ret;
}

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

#define CIDR_LEN (INET6_ADDRSTRLEN + 5)
#define EP_LEN (NI_MAXHOST + NI_MAXSERV + 4)

struct set_aip {
	char cidr[CIDR_LEN];
	bool remove;
};

struct set_peer {
	uint8_t pub[WG_KEY_LEN];
	uint8_t psk[WG_KEY_LEN];
	bool remove, has_psk, has_endpoint, has_pka, replace_aips;
	unsigned int pka;
	char endpoint[EP_LEN];
	struct set_aip *aips;
	size_t naips;
};

struct set_dev {
	uint8_t priv[WG_KEY_LEN];
	bool has_priv, has_port, has_fwmark;
	unsigned int port;
	uint32_t fwmark;
	int debug; /* -1 unset, 0 or 1 */
	struct set_peer *peers;
	size_t npeers;
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
	for (size_t i = 0; i < d->npeers; i++)
		free(d->peers[i].aips);
	if (d->peers)
		sodium_memzero(d->peers, d->npeers * sizeof(*d->peers));
	free(d->peers);
	for (size_t i = 0; i < d->naddrs; i++)
		free(d->addrs[i]);
	free(d->addrs);
	sodium_memzero(d, sizeof(*d));
}

static int parse_u16(const char *v, unsigned int *out)
{
	unsigned long n;
	char *end;

	if (v[0] < '0' || v[0] > '9')
		return -EINVAL;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (*end || errno || n > 65535)
		return -EINVAL;
	*out = (unsigned int)n;
	return 0;
}

/* wg's fwmark: "off", decimal, or 0x hex, up to 0xffffffff. */
static int parse_fwmark(const char *v, uint32_t *out)
{
	unsigned long long n;
	char *end;
	int base = 10;

	if (!strcasecmp(v, "off")) {
		*out = 0;
		return 0;
	}
	if (v[0] < '0' || v[0] > '9')
		return -EINVAL;
	if (strlen(v) > 2 && v[0] == '0' && v[1] == 'x')
		base = 16;
	errno = 0;
	n = strtoull(v, &end, base);
	if (*end || errno || n > 0xffffffffULL)
		return -EINVAL;
	*out = (uint32_t)n;
	return 0;
}

/* wg's keepalive: "off" or 0..65535. */
static int parse_pka(const char *v, unsigned int *out)
{
	if (!strcasecmp(v, "off")) {
		*out = 0;
		return 0;
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

/* Resolve HOST and PORT into "a.b.c.d:p" or "[v6]:p". */
static int resolve(char out[EP_LEN], const char *host, const char *port)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_DGRAM,
		.ai_protocol = IPPROTO_UDP,
	};
	char h[NI_MAXHOST], s[NI_MAXSERV];
	struct addrinfo *res;
	int ret = -EINVAL;

	if (!*host || !*port || getaddrinfo(host, port, &hints, &res))
		return -EINVAL;
	if ((res->ai_family == AF_INET || res->ai_family == AF_INET6) &&
	    !getnameinfo(res->ai_addr, res->ai_addrlen, h, sizeof(h), s,
			 sizeof(s), NI_DGRAM | NI_NUMERICHOST | NI_NUMERICSERV)) {
		snprintf(out, EP_LEN,
			 res->ai_family == AF_INET6 ? "[%s]:%s" : "%s:%s", h,
			 s);
		ret = 0;
	}
	freeaddrinfo(res);
	return ret;
}

/* wg's endpoint word: "host:port" or "[v6]:port". */
static int parse_endpoint(char out[EP_LEN], const char *v)
{
	char *copy = strdup(v), *host, *port;
	int ret = -EINVAL;

	if (!copy)
		return -ENOMEM;
	if (copy[0] == '[') {
		host = copy + 1;
		port = strchr(copy, ']');
		if (!port || port[1] != ':' || !port[2])
			goto out;
		*port = '\0';
		port += 2;
	} else {
		host = copy;
		port = strrchr(copy, ':');
		if (!port || !port[1])
			goto out;
		*port++ = '\0';
	}
	ret = resolve(out, host, port);
out:
	free(copy);
	return ret;
}

static struct set_peer *new_peer(struct set_dev *d)
{
	struct set_peer *p = realloc(d->peers, (d->npeers + 1) * sizeof(*p));

	if (!p)
		return NULL;
	d->peers = p;
	p = &d->peers[d->npeers++];
	memset(p, 0, sizeof(*p));
	return p;
}

static int add_aip(struct set_peer *p, const char *cidr, bool remove)
{
	struct set_aip *a = realloc(p->aips, (p->naips + 1) * sizeof(*a));

	if (!a)
		return -ENOMEM;
	p->aips = a;
	a = &p->aips[p->naips++];
	snprintf(a->cidr, sizeof(a->cidr), "%s", cidr);
	a->remove = remove;
	return 0;
}

/* wg's allowed-ips value: comma list, spaces ignored, +/- incremental. */
static int parse_aips(struct wg_set_req *req, struct set_peer *p,
		      const char *v)
{
	char *copy = malloc(strlen(v) + 1), *rest, *entry, cidr[CIDR_LEN];
	size_t n = 0;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	for (const char *s = v; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			copy[n++] = *s;
	copy[n] = '\0';
	p->replace_aips = true;
	rest = copy;
	while (n && (entry = strsep(&rest, ","))) {
		bool remove = false;

		if (entry[0] == '-' || entry[0] == '+') {
			remove = entry[0] == '-';
			p->replace_aips = false;
			entry++;
		}
		if (wg_cli_cidr(cidr, sizeof(cidr), entry, false)) {
			ret = bad(req, "invalid allowed IP '%s'",
				  wg_config_safe(entry));
			break;
		}
		ret = add_aip(p, cidr, remove);
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

static int word(struct wg_set_req *req, struct set_dev *d,
		struct set_peer **pp, const char *w, char *const v[])
{
	struct set_peer *p = *pp;
	uint8_t key[WG_KEY_LEN] = { 0 };
	char buf[CIDR_LEN];
	int ret = 0;

	if (!strcmp(w, "listen-port") || !strcmp(w, "wgport")) {
		if (parse_u16(v[0], &d->port))
			return bad(req, "invalid port '%s'",
				   wg_config_safe(v[0]));
		d->has_port = true;
	} else if (!strcmp(w, "fwmark")) {
		if (parse_fwmark(v[0], &d->fwmark))
			return bad(req, "invalid fwmark '%s'",
				   wg_config_safe(v[0]));
		d->has_fwmark = true;
	} else if (!strcmp(w, "private-key")) {
		ret = read_keyfile(req, d->priv, v[0]);
		d->has_priv = !ret;
	} else if (!strcmp(w, "wgkey")) {
		if (wg_key_from_base64(d->priv, v[0]))
			return bad(req, "invalid key '%s'",
				   wg_config_safe(v[0]));
		d->has_priv = true;
	} else if (!strcmp(w, "peer") || !strcmp(w, "wgpeer") ||
		   !strcmp(w, "-wgpeer")) {
		if (wg_key_from_base64(key, v[0]))
			return bad(req, "invalid key '%s'",
				   wg_config_safe(v[0]));
		p = new_peer(d);
		if (!p)
			return -ENOMEM;
		memcpy(p->pub, key, WG_KEY_LEN);
		p->remove = w[0] == '-';
		*pp = p;
	} else if (!strcmp(w, "remove")) {
		p->remove = true;
	} else if (!strcmp(w, "endpoint")) {
		ret = parse_endpoint(p->endpoint, v[0]);
		if (ret == -EINVAL)
			return bad(req, "invalid endpoint '%s'",
				   wg_config_safe(v[0]));
		p->has_endpoint = !ret;
	} else if (!strcmp(w, "wgendpoint")) {
		unsigned int port;

		if (parse_u16(v[1], &port) || resolve(p->endpoint, v[0], v[1]))
			return bad(req, "invalid endpoint '%s %s'",
				   wg_config_safe(v[0]), wg_config_safe(v[1]));
		p->has_endpoint = true;
	} else if (!strcmp(w, "allowed-ips")) {
		ret = parse_aips(req, p, v[0]);
	} else if (!strcmp(w, "wgaip") || !strcmp(w, "-wgaip")) {
		if (wg_cli_cidr(buf, sizeof(buf), v[0], false))
			return bad(req, "invalid allowed IP '%s'",
				   wg_config_safe(v[0]));
		ret = add_aip(p, buf, w[0] == '-');
	} else if (!strcmp(w, "persistent-keepalive") || !strcmp(w, "wgpka")) {
		if (parse_pka(v[0], &p->pka))
			return bad(req, "invalid persistent keepalive '%s'",
				   wg_config_safe(v[0]));
		p->has_pka = true;
	} else if (!strcmp(w, "preshared-key")) {
		ret = read_keyfile(req, p->psk, v[0]);
		p->has_psk = !ret;
	} else if (!strcmp(w, "wgpsk")) {
		if (wg_key_from_base64(p->psk, v[0]))
			return bad(req, "invalid key '%s'",
				   wg_config_safe(v[0]));
		p->has_psk = true;
	} else if (!strcmp(w, "-wgpsk")) {
		memset(p->psk, 0, WG_KEY_LEN);
		p->has_psk = true;
	} else if (!strcmp(w, "debug") || !strcmp(w, "-debug")) {
		d->debug = w[0] != '-';
	} else if (!strcmp(w, "up")) {
		d->link_up = true;
	} else if (strchr(w, '/') && w[0] != '-') {
		if (wg_cli_cidr(buf, sizeof(buf), w, true))
			return bad(req, "invalid address '%s'",
				   wg_config_safe(w));
		ret = add_addr(d, buf);
	} else {
		return bad(req, "invalid argument '%s'",
			   wg_config_safe(w));
	}
	sodium_memzero(key, sizeof(key));
	return ret;
}

/* An upper bound of the request text, so it is never reallocated. */
static size_t text_size(const struct set_dev *d)
{
	size_t n = 256;

	for (size_t i = 0; i < d->npeers; i++)
		n += 512 + EP_LEN + d->peers[i].naips * (CIDR_LEN + 16);
	return n;
}

static int emit(struct wg_set_req *req, const struct set_dev *d)
{
	size_t cap = text_size(d), off = 0;
	char hex[WG_KEY_HEX_LEN + 1], *t;
	bool any = d->has_priv || d->has_port || d->has_fwmark ||
		   d->debug >= 0 || d->npeers;

	if (!any)
		return 0;
	t = malloc(cap);
	if (!t)
		return -ENOMEM;
#define PUT(...) (off += (size_t)snprintf(t + off, cap - off, __VA_ARGS__))
	PUT("set=1\n");
	if (d->has_priv) {
		wg_key_to_hex(hex, d->priv);
		PUT("private_key=%s\n", hex);
	}
	if (d->has_port)
		PUT("listen_port=%u\n", d->port);
	if (d->has_fwmark)
		PUT("fwmark=%u\n", d->fwmark);
	if (d->debug >= 0)
		PUT("wgxdp_debug=%d\n", d->debug);
	for (size_t i = 0; i < d->npeers; i++) {
		const struct set_peer *p = &d->peers[i];

		wg_key_to_hex(hex, p->pub);
		PUT("public_key=%s\n", hex);
		if (p->remove) {
			PUT("remove=true\n");
			continue;
		}
		if (p->has_psk) {
			wg_key_to_hex(hex, p->psk);
			PUT("preshared_key=%s\n", hex);
		}
		if (p->has_endpoint)
			PUT("endpoint=%s\n", p->endpoint);
		if (p->has_pka)
			PUT("persistent_keepalive_interval=%u\n", p->pka);
		if (p->replace_aips)
			PUT("replace_allowed_ips=true\n");
		for (size_t j = 0; j < p->naips; j++)
			PUT("allowed_ip=%s%s\n", p->aips[j].remove ? "-" : "",
			    p->aips[j].cidr);
	}
	PUT("\n");
#undef PUT
	sodium_memzero(hex, sizeof(hex));
	req->text = t;
	return 0;
}

int wg_set_parse(struct wg_set_req *req, int argc, char *const argv[])
{
	struct set_dev d = { .debug = -1 };
	struct set_peer *p = NULL;
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

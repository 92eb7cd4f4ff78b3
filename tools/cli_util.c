// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Pure helpers of the command line: the time and size formats are those
 * of wg(8)'s `show` without terminal colours.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "config.h"

/* Words main() takes as subcommands, so they never name an interface. */
static const char *const reserved[] = {
	"up", "down", "show", "set", "strip", "save", "syncconf", "metrics",
	"genkey", "genpsk", "pubkey", "help",
};

bool wg_cmd_is_ifname(const char *s)
{
	size_t len;

	if (!s)
		return false;
	len = strlen(s);
	if (len == 0 || len >= IFNAMSIZ)
		return false;
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	/* The kernel's dev_valid_name(): no '/', ':' or whitespace. */
	for (const char *p = s; *p; p++)
		if (*p == '/' || *p == ':' || *p == ' ' || *p == '\t' ||
		    *p == '\n' || *p == '\r' || *p == '\v' || *p == '\f')
			return false;
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (!strcmp(s, reserved[i]))
			return false;
	return true;
}

/* Append "N unit(s)" with wg's ", " separator; returns the new offset. */
static size_t unit(char *buf, size_t len, size_t off, uint64_t n,
		   const char *name)
{
	int w;

	if (!n || off >= len)
		return off;
	w = snprintf(buf + off, len - off, "%s%" PRIu64 " %s%s",
		     off ? ", " : "", n, name, n == 1 ? "" : "s");
	if (w < 0)
		return off;
	off += (size_t)w;
	return off < len ? off : len - 1;
}

size_t wg_cli_pretty_time(char *buf, size_t len, uint64_t left)
{
	const uint64_t year = 365ULL * 24 * 60 * 60, day = 24 * 60 * 60;
	size_t off = 0;

	if (!len)
		return 0;
	buf[0] = '\0';
	off = unit(buf, len, off, left / year, "year");
	left %= year;
	off = unit(buf, len, off, left / day, "day");
	left %= day;
	off = unit(buf, len, off, left / 3600, "hour");
	left %= 3600;
	off = unit(buf, len, off, left / 60, "minute");
	off = unit(buf, len, off, left % 60, "second");
	return off;
}

void wg_cli_ago(char *buf, size_t len, int64_t then, int64_t now)
{
	size_t off;

	if (!len)
		return;
	if (now == then) {
		snprintf(buf, len, "Now");
	} else if (now < then) {
		snprintf(buf, len,
			 "(System clock wound backward; connection problems may ensue.)");
	} else {
		off = wg_cli_pretty_time(buf, len, (uint64_t)(now - then));
		snprintf(buf + off, len - off, " ago");
	}
}

void wg_cli_every(char *buf, size_t len, unsigned int secs)
{
	int w = snprintf(buf, len, "every ");

	if (w < 0 || (size_t)w >= len)
		return;
	wg_cli_pretty_time(buf + w, len - (size_t)w, secs);
}

void wg_cli_bytes(char *buf, size_t len, uint64_t b)
{
	const double k = 1024;

	if (b < 1024ULL)
		snprintf(buf, len, "%u B", (unsigned int)b);
	else if (b < 1024ULL * 1024)
		snprintf(buf, len, "%.2f KiB", (double)b / k);
	else if (b < 1024ULL * 1024 * 1024)
		snprintf(buf, len, "%.2f MiB", (double)b / (k * k));
	else if (b < 1024ULL * 1024 * 1024 * 1024)
		snprintf(buf, len, "%.2f GiB", (double)b / (k * k * k));
	else
		snprintf(buf, len, "%.2f TiB", (double)b / (k * k * k) / k);
}

void wg_cli_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

int wg_cli_cidr(char *out, size_t len, const char *word, bool need_prefix)
{
	char ip[INET6_ADDRSTRLEN + 1], txt[INET6_ADDRSTRLEN];
	uint8_t addr[16];
	const char *slash;
	unsigned long cidr;
	size_t iplen;
	int family;

	if (!word)
		return -EINVAL;
	slash = strchr(word, '/');
	iplen = slash ? (size_t)(slash - word) : strlen(word);
	if (iplen == 0 || iplen >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, word, iplen);
	ip[iplen] = '\0';
	family = strchr(ip, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(family, ip, addr) != 1)
		return -EINVAL;
	if (slash) {
		uint64_t n;

		if (!wg_config_parse_u64(slash + 1,
					 family == AF_INET ? 32 : 128, &n))
			return -EINVAL;
		cidr = (unsigned long)n;
	} else {
		if (need_prefix)
			return -EINVAL;
		cidr = family == AF_INET ? 32 : 128;
	}
	if (!inet_ntop(family, addr, txt, sizeof(txt)))
		return -EINVAL;
	if ((size_t)snprintf(out, len, "%s/%lu", txt, cidr) >= len)
		return -EINVAL;
	return 0;
}

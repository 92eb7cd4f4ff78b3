// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "dns.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "exec.h"
#include "log.h"
#include "uapi.h"

#define INTERFACE_ORDER "/etc/resolvconf/interface-order"

/*
 * wg-quick's resolvconf_iface_prefix: the first "NAME*" line of
 * interface-order gives "NAME." (so that "tun.*" orders our records).
 */
static void iface_prefix(char *out, size_t len)
{
	char line[256];
	FILE *f;
	size_t n;

	out[0] = '\0';
	f = fopen(INTERFACE_ORDER, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		n = strcspn(line, "\n");
		line[n] = '\0';
		if (n < 2 || line[n - 1] != '*')
			continue;
		line[n - 1] = '\0';
		if (n - 1 >= len - 1 ||
		    strspn(line, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "abcdefghijklmnopqrstuvwxyz0123456789-") != n - 1)
			continue;
		memcpy(out, line, n - 1);
		out[n - 1] = '.';
		out[n] = '\0';
		break;
	}
	fclose(f);
}

static bool resolved_runs(void)
{
	struct stat st;

	return !stat("/run/systemd/resolve", &st) && S_ISDIR(st.st_mode) &&
	       wg_exec_have("resolvectl");
}

static int with_resolvconf(const char *ifname, const struct wg_quick *q)
{
	struct wg_uapi_buf in = { 0 };
	char name[300], prefix[256];
	const char *argv[] = { "resolvconf", "-a", name, "-m", "0", "-x",
			       NULL };
	int ret = 0;

	iface_prefix(prefix, sizeof(prefix));
	snprintf(name, sizeof(name), "%s%s", prefix, ifname);
	for (size_t i = 0; !ret && i < q->dns.n; i++)
		ret = wg_uapi_printf(&in, "nameserver %s\n", q->dns.v[i]);
	for (size_t i = 0; !ret && i < q->dns_search.n; i++)
		ret = wg_uapi_printf(&in, "%s%s%s", i ? " " : "search ",
				     q->dns_search.v[i],
				     i + 1 == q->dns_search.n ? "\n" : "");
	if (!ret)
		ret = wg_exec_run(argv, in.data) ? -EIO : 0;
	wg_uapi_buf_free(&in);
	return ret;
}

/* `resolvectl VERB IFNAME WORDS...`; 0, -EIO or -ENOMEM. */
static int resolvectl(const char *verb, const char *ifname,
		      const struct wg_strv *words)
{
	const char **argv = calloc(words->n + 4, sizeof(*argv));
	size_t n = 0;
	int ret;

	if (!argv)
		return -ENOMEM;
	argv[n++] = "resolvectl";
	argv[n++] = verb;
	argv[n++] = ifname;
	for (size_t i = 0; i < words->n; i++)
		argv[n++] = words->v[i];
	ret = wg_exec_run(argv, NULL) ? -EIO : 0;
	free(argv);
	return ret;
}

int wg_dns_set(const char *ifname, const struct wg_quick *q)
{
	int ret;

	if (!q->dns.n)
		return 0;
	if (wg_exec_have("resolvconf"))
		return with_resolvconf(ifname, q);
	if (!resolved_runs()) {
		log_err("DNS is set, but there is neither resolvconf nor "
			"systemd-resolved to give it to");
		return -ENOENT;
	}
	ret = resolvectl("dns", ifname, &q->dns);
	if (!ret && q->dns_search.n)
		ret = resolvectl("domain", ifname, &q->dns_search);
	if (ret)
		wg_dns_unset(ifname, q);
	return ret;
}

void wg_dns_unset(const char *ifname, const struct wg_quick *q)
{
	char name[300], prefix[256];

	if (!q->dns.n)
		return;
	if (wg_exec_have("resolvconf")) {
		const char *argv[] = { "resolvconf", "-d", name, "-f", NULL };

		iface_prefix(prefix, sizeof(prefix));
		snprintf(name, sizeof(name), "%s%s", prefix, ifname);
		wg_exec_run(argv, NULL);
	} else if (resolved_runs()) {
		const char *argv[] = { "resolvectl", "revert", ifname, NULL };

		wg_exec_run(argv, NULL);
	}
}

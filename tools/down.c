// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * `wg-xdp down { WGNAME | FILE }`: find the daemon behind the control
 * socket by its peer credentials, send it SIGTERM (it runs PreDown and
 * SaveConfig, tears down TUN, routes, rules, firewall, DNS, pins and XDP,
 * then runs PostDown itself) and wait until it is gone.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "ipc.h"

/* PreDown/PostDown hooks run inside this, as wg-quick runs them. */
#define DOWN_TIMEOUT_MS 90000
#define DOWN_POLL_MS 50

static void down_usage(FILE *f)
{
	fprintf(f, "Usage: wg-xdp down { <wg-interface> | <config-file> }\n");
}

/* Gone: no such process, or a zombie nobody has reaped yet. */
static bool gone(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;
	bool zombie = false;

	if (kill(pid, 0) && errno == ESRCH)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return errno == ENOENT;
	if (fgets(buf, sizeof(buf), f)) {
		p = strrchr(buf, ')');
		zombie = p && p[1] == ' ' && p[2] == 'Z';
	}
	fclose(f);
	return zombie;
}

int wg_cmd_down(int argc, char *argv[])
{
	struct timespec nap = { 0, DOWN_POLL_MS * 1000000L };
	char path[4096], file_name[16];
	const char *name;
	pid_t pid;
	int fd, ret;

	if (argc == 2 && (!strcmp(argv[1], "-h") ||
			  !strcmp(argv[1], "--help"))) {
		down_usage(stdout);
		return 0;
	}
	if (argc != 2) {
		down_usage(stderr);
		return 1;
	}
	name = argv[1];
	/* wg-quick's CONFIG_FILE form: the file names the interface. */
	if (strchr(name, '/') || (strlen(name) > 5 &&
				  !strcmp(name + strlen(name) - 5, ".conf"))) {
		if (wg_cmd_conf_path(name, path, sizeof(path), file_name) ==
		    -EINVAL) {
			fprintf(stderr, "wg-xdp down: the configuration file "
				"must be a valid interface name, followed by "
				".conf\n");
			return 1;
		}
		name = file_name;
	}
	if (!wg_cmd_is_ifname(name)) {
		fprintf(stderr, "wg-xdp down: invalid interface name '%s'\n",
			name);
		return 1;
	}
	fd = wg_ipc_connect(name);
	if (fd < 0) {
		if (fd == -ENOENT || fd == -ECONNREFUSED)
			fprintf(stderr, "wg-xdp down: %s is not running\n",
				name);
		else
			fprintf(stderr, "wg-xdp down: %s: %s\n", name,
				strerror(-fd));
		return 1;
	}
	ret = wg_ipc_peer_pid(fd, &pid);
	close(fd);
	if (ret) {
		fprintf(stderr, "wg-xdp down: %s: cannot find the daemon: %s\n",
			name, strerror(-ret));
		return 1;
	}
	if (kill(pid, SIGTERM) && errno != ESRCH) {
		fprintf(stderr, "wg-xdp down: %s: kill %d: %s\n", name,
			(int)pid, strerror(errno));
		return 1;
	}
	for (int waited = 0; waited < DOWN_TIMEOUT_MS;
	     waited += DOWN_POLL_MS) {
		if (gone(pid))
			return 0;
		nanosleep(&nap, NULL);
	}
	if (gone(pid))
		return 0;
	fprintf(stderr,
		"wg-xdp down: %s: daemon (pid %d) still running after %d s\n",
		name, (int)pid, DOWN_TIMEOUT_MS / 1000);
	return 1;
}

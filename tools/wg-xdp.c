// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The wg-xdp command line: a table of subcommands, one file each. A first
 * word that is no subcommand but a valid interface name starts the daemon
 * for that interface the way wg-quick starts a userspace implementation
 * (`WG_QUICK_USERSPACE_IMPLEMENTATION=wg-xdp wg-quick up wg0` runs
 * `wg-xdp wg0`).
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"

static int cmd_help(int argc, char *argv[]);

static const struct {
	const char *name;
	int (*fn)(int argc, char *argv[]);
	const char *summary;
} subcommands[] = {
	{ "up", wg_cmd_up, "Attach to a NIC and start a WireGuard interface" },
	{ "down", wg_cmd_down, "Stop a WireGuard interface and detach" },
	{ "show", wg_cmd_show, "Show interfaces, peers and data-plane counters" },
	{ "set", wg_cmd_set, "Change the configuration (wg set and wg(4) words)" },
	{ "strip", wg_cmd_strip, "Print a wg-quick file without its wg-quick keys" },
	{ "save", wg_cmd_save, "Write a running interface back to its file" },
	{ "syncconf", wg_cmd_syncconf, "Apply a file, keeping unchanged peers' sessions" },
	{ "metrics", wg_cmd_metrics, "Print peer and data-plane figures for Prometheus" },
	{ "genkey", wg_cmd_genkey, "Generate a new private key" },
	{ "genpsk", wg_cmd_genpsk, "Generate a new preshared key" },
	{ "pubkey", wg_cmd_pubkey, "Read a private key on stdin, print its public key" },
	{ "help", cmd_help, "Show this help" },
};

static int cmd_help(int argc, char *argv[])
{
	(void)argc;
	(void)argv;
	printf("Usage: wg-xdp <cmd> [<args>]\n"
	       "       wg-xdp <wg-interface>   (as started by wg-quick)\n\n"
	       "Available subcommands:\n");
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		printf("  %-8s %s\n", subcommands[i].name, subcommands[i].summary);
	printf("\nEach subcommand takes --help for its own usage.\n");
	return 0;
}

int main(int argc, char *argv[])
{
	if (argc < 2) {
		cmd_help(0, NULL);
		return 1;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(0, NULL);
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].fn(argc - 1, argv + 1);
	if (wg_cmd_is_ifname(argv[1]))
		return wg_cmd_userspace(argc, argv);
	fprintf(stderr, "wg-xdp: invalid subcommand '%s'\n", argv[1]);
	cmd_help(0, NULL);
	return 1;
}

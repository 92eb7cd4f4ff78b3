/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The daemon's entry point, called by the command line (`wg-xdp up`, and
 * `wg-xdp IFNAME` as wg-quick starts it). It runs until SIGTERM/SIGINT,
 * `wg-xdp down`, or the removal of its TUN device.
 *
 * With configure_interface (`wg-xdp up`) the daemon owns everything
 * wg-quick would do, in wg-quick's order, so that `wg-xdp down`, a SIGTERM
 * and a failed start all leave the host as it was:
 *   up:   PreUp hooks, TUN, addresses, MTU (wg-quick's rule when unset),
 *         the configuration (FwMark, or the full tunnel's table), DNS,
 *         routes / rules / firewall (route.h), PostUp hooks, then "ok".
 *         A failing step undoes the steps before it (no PreDown/PostDown).
 *   down: PreDown hooks (the control socket still answers), SaveConfig,
 *         routes / rules / firewall removed, DNS removed, TUN deleted,
 *         PostDown hooks.
 */
#ifndef WG_DAEMON_H
#define WG_DAEMON_H

#include <net/if.h>
#include <stdbool.h>

/* lan_mss_clamp: the tunnel MTU less the IP and TCP headers. */
#define WG_LAN_MSS_AUTO 1
/* The smallest explicit clamp: IPv4's minimum MTU (576) less 40. */
#define WG_LAN_MSS_MIN 536

struct wg_daemon_opts {
	char ifname[IFNAMSIZ]; /* the WireGuard (TUN) interface, e.g. wg0 */
	/*
	 * The NIC to attach XDP to; empty means pick the NIC of the default
	 * route (or $WG_XDP_NIC), and the UDP-socket path when there is none.
	 */
	char nic[IFNAMSIZ];
	char lan[IFNAMSIZ]; /* gateway mode: LAN-side interface, or empty */
	/*
	 * Gateway mode takes LAN packets before netfilter: refused while a
	 * FORWARD chain has rules or a DROP policy, unless this is set.
	 */
	bool lan_bypass_netfilter;
	/* MSS clamping of LAN SYNs: 0 off, WG_LAN_MSS_AUTO, or a bound. */
	unsigned int lan_mss_clamp;
	const char *config_path; /* wg-quick style file, or NULL */
	/*
	 * `wg-xdp up` configures addresses, MTU and routes itself; started by
	 * wg-quick it only creates the device (addresses are wg-quick's job).
	 */
	bool configure_interface;
	bool debug;
	/*
	 * The terminal of `wg-xdp up` (or -1): while the interface comes up,
	 * hook output and the "[#] ..." command lines are copied there, as
	 * wg-quick shows them; it is closed once the interface is ready.
	 */
	int console_fd;
};

/*
 * Start the daemon and run it. Once the interface is ready (or start-up
 * failed) one line is written to ready_fd (if >= 0) and it is closed:
 * "ok" or "error: <message>". Returns the process exit status.
 */
int wg_daemon_run(const struct wg_daemon_opts *opts, int ready_fd);

/*
 * The data-plane request on the control socket, beside get=1 and set=1:
 * "wgxdp=1\n\n" answers key=value lines then "errno=0\n\n":
 *   path=xdp|udp          which data path carries traffic
 *   nic=eth0              the NIC attached (absent on the UDP path)
 *   xdp_mode=native|generic
 *   xsk_mode=copy|zerocopy
 *   queues=N              AF_XDP sockets / worker threads
 *   lan=IFACE             gateway mode interface, when set
 *   lan_netfilter=bypassed  with lan: netfilter's FORWARD hook never sees
 *                         the packets the LAN program takes
 *   debug=0|1
 *   stat=REASON PACKETS BYTES      one line per XDP stats reason (map stats)
 *   counter=NAME VALUE             daemon counters (e.g. udp_rx, xsk_tx)
 *
 * One extension line inside "set=1" (a device key, before any public_key,
 * sent by `wg-xdp set WG debug|-debug`, the wg(4) words):
 *   wgxdp_debug=1|0       turn debug logging on or off
 * Servers that do not know it answer errno=-22 (EINVAL), as for any
 * unknown key.
 */

#endif /* WG_DAEMON_H */

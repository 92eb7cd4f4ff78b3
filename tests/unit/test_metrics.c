// SPDX-License-Identifier: GPL-2.0 OR MIT
/* `wg-xdp metrics`: the Prometheus text of fixed snapshots, line for line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/cli_util.c"
#include "../../tools/ipc.c"
#include "../../tools/metrics.c"

static char *render(const struct wg_metrics_dev *devs, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	wg_metrics_write(f, devs, n);
	fclose(f);
	return buf;
}

static void two_interfaces(void **state)
{
	struct wg_peer_info p1 = { .rx_bytes = 1234, .tx_bytes = 5678,
				   .last_handshake_sec = 1700000000 };
	struct wg_peer_info p2 = { .rx_bytes = 1, .tx_bytes = 2 };
	char *xdp[] = { "path=xdp", "nic=eth0", "xdp_mode=native",
			"xsk_mode=copy", "queues=2", "debug=0",
			"stat=drop_bad_type 3 120", "stat=redirect_data 10 1500",
			"counter=udp_rx 7", "counter=xsk_rx_dropped 5" };
	struct wg_metrics_dev devs[2] = {
		{ .name = "wg0", .xdp = xdp, .n_xdp = 10 },
		{ .name = "wg\"1" },
	};
	static const char want[] =
		"# HELP wireguard_peer_receive_bytes_total Number of bytes received from a given peer.\n"
		"# TYPE wireguard_peer_receive_bytes_total counter\n"
		"wireguard_peer_receive_bytes_total{interface=\"wg0\",public_key=\"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\"} 1234\n"
		"wireguard_peer_receive_bytes_total{interface=\"wg\\\"1\",public_key=\"AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=\"} 1\n"
		"# HELP wireguard_peer_transmit_bytes_total Number of bytes transmitted to a given peer.\n"
		"# TYPE wireguard_peer_transmit_bytes_total counter\n"
		"wireguard_peer_transmit_bytes_total{interface=\"wg0\",public_key=\"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\"} 5678\n"
		"wireguard_peer_transmit_bytes_total{interface=\"wg\\\"1\",public_key=\"AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=\"} 2\n"
		"# HELP wireguard_peer_last_handshake_seconds UNIX timestamp for the last handshake with a given peer.\n"
		"# TYPE wireguard_peer_last_handshake_seconds gauge\n"
		"wireguard_peer_last_handshake_seconds{interface=\"wg0\",public_key=\"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\"} 1700000000\n"
		"wireguard_peer_last_handshake_seconds{interface=\"wg\\\"1\",public_key=\"AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=\"} 0\n"
		"# HELP wg_xdp_info The data path of a wg-xdp interface: path, NIC, XDP and AF_XDP modes.\n"
		"# TYPE wg_xdp_info gauge\n"
		"wg_xdp_info{interface=\"wg0\",path=\"xdp\",nic=\"eth0\",xdp_mode=\"native\",xsk_mode=\"copy\",lan=\"\"} 1\n"
		"# HELP wg_xdp_xdp_packets_total Packets the XDP program gave a verdict on, by verdict and reason.\n"
		"# TYPE wg_xdp_xdp_packets_total counter\n"
		"wg_xdp_xdp_packets_total{interface=\"wg0\",verdict=\"drop\",reason=\"bad_type\"} 3\n"
		"wg_xdp_xdp_packets_total{interface=\"wg0\",verdict=\"redirect\",reason=\"data\"} 10\n"
		"# HELP wg_xdp_xdp_bytes_total Bytes of the packets the XDP program gave a verdict on, by verdict and reason.\n"
		"# TYPE wg_xdp_xdp_bytes_total counter\n"
		"wg_xdp_xdp_bytes_total{interface=\"wg0\",verdict=\"drop\",reason=\"bad_type\"} 120\n"
		"wg_xdp_xdp_bytes_total{interface=\"wg0\",verdict=\"redirect\",reason=\"data\"} 1500\n"
		"# HELP wg_xdp_afxdp_ring_total AF_XDP socket and ring counters (kernel statistics of the sockets), by counter.\n"
		"# TYPE wg_xdp_afxdp_ring_total counter\n"
		"wg_xdp_afxdp_ring_total{interface=\"wg0\",counter=\"rx_dropped\"} 5\n"
		"# HELP wg_xdp_daemon_packets_total Packets counted by the daemon, by counter.\n"
		"# TYPE wg_xdp_daemon_packets_total counter\n"
		"wg_xdp_daemon_packets_total{interface=\"wg0\",counter=\"udp_rx\"} 7\n";
	char *got;

	(void)state;
	memset(p1.public_key, 1, WG_KEY_LEN);
	memset(p2.public_key, 2, WG_KEY_LEN);
	devs[0].info.peers = &p1;
	devs[0].info.n_peers = 1;
	devs[1].info.peers = &p2;
	devs[1].info.n_peers = 1;
	got = render(devs, 2);
	assert_string_equal(got, want);
	free(got);
}

static void nothing_running(void **state)
{
	char *got;

	(void)state;
	got = render(NULL, 0);
	/* Every family is declared, with no samples. */
	assert_non_null(strstr(got, "# TYPE wireguard_peer_receive_bytes_total counter\n# HELP"));
	assert_null(strstr(got, "{"));
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(two_interfaces),
		cmocka_unit_test(nothing_running),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

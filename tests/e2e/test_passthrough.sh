#!/bin/sh
# Traffic that is not WireGuard passes through the NIC untouched: while
# wg-xdp runs (XDP attached, counted under PASS_*), after `wg-xdp down`, and
# after the daemon dies by SIGKILL (its bpf_link goes with it: nothing left
# attached).
#
#   +-------------------------------+          +-------------------------------+
#   | netns $NS1                    |          | netns $NS2                    |
#   |  wgx-$ID (wg-xdp, port 7111)  |          |                               |
#   |  echo tcp+udp :9000           |   <--    |  ping, echo client,           |
#   |  iperf3 -s :5301              |   <--    |  iperf3 -c                    |
#   |  $VETH1 10.77.0.1 fd77::1 XDP |==========|  $VETH2 10.77.0.2 fd77::2     |
#   +-------------------------------+          +-------------------------------+

. "$(dirname "$0")/lib.sh"
e2e_trap
set -e
e2e_setup_pair
set +e

WGX=wgx-$ID
genkey KX
genkey KP
wg_conf "$TMP/wgx.conf" "$KX" 7111 192.168.5.1/24 "$KP_pub" 10.77.0.2:7222 \
	192.168.5.2/32

# A TCP and UDP echo on port 9000 (build/tools/echo): the server in $NS1,
# echo_ok tcp|udp HOST a client in $NS2 (100 kB each way over TCP).
n1 "$TOOLS/echo" serve 9000 >/dev/null 2>&1 &
echo_ok() { n2 "$TOOLS/echo" "$1" "$2" 9000; }
wait_for 5 n1 sh -c "ss -ltn | grep -q ':9000 '"

tcp_iperf() {
	n1 iperf3 -s -1 -D -p 5301 >/dev/null 2>&1 || return 1
	wait_for 5 n1 sh -c "ss -ltn | grep -q ':5301 '" || return 1
	mbit=$(iperf_mbits 2 10.77.0.1 -p 5301 -t 1) || return 1
	positive "$mbit"
}

# traffic WHEN: every kind of plain traffic, both address families.
traffic() {
	ok "$1: ping 10.77.0.1" n2 ping -c 2 -i 0.2 -W 2 10.77.0.1
	ok "$1: ping fd77::1" n2 ping -c 2 -i 0.2 -W 2 fd77::1
	ok "$1: TCP echo 100 kB over IPv4" echo_ok tcp 10.77.0.1
	ok "$1: TCP echo 100 kB over IPv6" echo_ok tcp fd77::1
	ok "$1: UDP echo to port 9000 over IPv4" \
		echo_ok udp 10.77.0.1
	ok "$1: UDP echo to port 9000 over IPv6" \
		echo_ok udp fd77::1
	ok "$1: iperf3 TCP 1 s to port 5301" tcp_iperf
}

echo "# while wg-xdp runs"
ok "wg-xdp up" wgxdp_up 1 $WGX "$TMP/wgx.conf"
ok "XDP attached to $VETH1" xdp_attached 1
udp0=$(counter 1 $WGX PASS_OTHER_PORT)
icmp0=$(counter 1 $WGX PASS_NOT_UDP)
traffic "running"
ok "the UDP echo was seen by XDP and passed (PASS_OTHER_PORT >= +2)" \
	ge $(($(counter 1 $WGX PASS_OTHER_PORT) - udp0)) 2
ok "pings and TCP were seen by XDP and passed (PASS_NOT_UDP >= +4)" \
	ge $(($(counter 1 $WGX PASS_NOT_UDP) - icmp0)) 4
ok "nothing was dropped" \
	eq "$(counters 1 $WGX | grep -c '^DROP_.* [1-9]')" 0

echo "# after wg-xdp down"
ok "wg-xdp down" wgxdp_down 1 $WGX
ok "no XDP program attached" not xdp_attached 1
ok "pins removed" not test -e /sys/fs/bpf/wg-xdp/$WGX
ok "daemon gone" eq "$(wgxdp_pids 1)" ""
traffic "after down"

echo "# after SIGKILL"
ok "wg-xdp up again" wgxdp_up 1 $WGX "$TMP/wgx.conf"
ok "XDP attached again" xdp_attached 1
pid=$(wgxdp_pids 1)
ok "one daemon to kill" test -n "$pid"
kill -KILL $pid
ok "daemon gone after SIGKILL" wait_for 3 not kill -0 $pid
ok "no XDP program left attached" not xdp_attached 1
ok "its TUN interface went with it" not n1 ip link show $WGX
traffic "after SIGKILL"
ok "wg-xdp up over the stale pins and socket" \
	wgxdp_up 1 $WGX "$TMP/wgx.conf"
ok "XDP attached after the restart" xdp_attached 1
ok "wg show works after the restart" n1 wg show $WGX
ok "wg-xdp down" wgxdp_down 1 $WGX
ok "pins removed" not test -e /sys/fs/bpf/wg-xdp/$WGX

e2e_summary

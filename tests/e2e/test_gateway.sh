#!/bin/sh
# Gateway mode (--lan) and a TUN device moved to another namespace.
#
#   +-----------------+       +---------------------------+       +-----------------+
#   | netns $NS3      | veth  | netns $NS1 (gateway)      | veth  | netns $NS2      |
#   |  LAN host       |-------| $LAN1 10.66.0.1 (XDP lan) |-------| wireguard-go    |
#   |  10.66.0.2/24   |       | $VETH1 10.77.0.1   (XDP)  |       | 10.77.0.2       |
#   |  via 10.66.0.1  |       | wg-xdp gw-$ID 192.168.5.1 |       | 192.168.5.2     |
#   +-----------------+       +---------------------------+       +-----------------+
#
# Checks: the LAN host reaches the peer's tunnel address through the
# gateway, its packets are taken off the LAN by XDP (REDIRECT_LAN) and
# sealed without the kernel stack; replies come back through the TUN and
# the kernel's forwarding. Then the gateway's TUN device is moved into the
# LAN host's namespace: traffic keeps flowing both ways while the daemon
# and its sockets stay in $NS1.

. "$(dirname "$0")/lib.sh"
NS3=wgxdp-c-$ID
LAN1=lan-a$ID
LAN3=lan-c$ID
n3() { nsenter --net=/run/netns/$NS3 "$@"; }
gw_cleanup() {
	ns_del $NS3
	e2e_cleanup
}
e2e_trap
trap gw_cleanup EXIT
set -e
e2e_setup_pair
ip netns add $NS3
ip link add $LAN1 netns $NS1 type veth peer name $LAN3 netns $NS3
n1 ip addr add 10.66.0.1/24 dev $LAN1
n3 ip addr add 10.66.0.2/24 dev $LAN3
n1 ip link set $LAN1 up
n3 ip link set $LAN3 up
n3 ip link set lo up
n3 ip route add default via 10.66.0.1
n1 sysctl -qw net.ipv4.ip_forward=1
wait_for 5 n3 ping -c 1 -W 1 10.66.0.1
set +e

GW=gw-$ID
GO=go-$ID
# shows REGEX: `wg-xdp show` of the gateway has a matching line.
shows() {
	n1 "$WGXDP" show $GW | grep -Eq -- "$1"
}
genkey KA
genkey KB
wg_conf "$TMP/gw.conf" "$KA" 7111 192.168.5.1/24 "$KB_pub" 10.77.0.2:7222 192.168.5.2/32
echo "$KB" >"$TMP/kb"

ok "wg-xdp up with --lan" wgxdp_up 1 $GW "$TMP/gw.conf" --lan $LAN1
ok "the log names gateway mode" log_has $GW "Gateway mode on $LAN1"
ok "show names the LAN" shows "gateway lan: $LAN1"
ok "wireguard-go up" wggo_up 2 $GO
ok "wireguard-go configured" n2 wg set $GO listen-port 7222 \
	private-key "$TMP/kb" peer "$KA_pub" endpoint 10.77.0.1:7111 \
	allowed-ips 192.168.5.1/32,10.66.0.0/24
n2 ip addr add 192.168.5.2/24 dev $GO
n2 ip link set $GO up mtu 1420
n2 ip route add 10.66.0.0/24 dev $GO

before=$(counter 1 $GW REDIRECT_LAN)
ok "the LAN host pings the peer through the gateway" \
	n3 ping -c 20 -i 0.05 -W 2 192.168.5.2
after=$(counter 1 $GW REDIRECT_LAN)
ok "XDP took the LAN packets (REDIRECT_LAN +20)" ge $((after - before)) 20
ok "the daemon counted them (lan_rx)" \
	shows "lan_rx: (2[0-9]|[3-9][0-9]|[0-9]{3,})"
ok "traffic to the gateway itself passes (LAN_LOCAL)" \
	n3 ping -c 3 -i 0.1 -W 1 10.66.0.1
ok "...and is counted as local" ge "$(counter 1 $GW PASS_LAN_LOCAL)" 3

# The TUN device moves to the LAN host's namespace; the daemon stays.
ok "move the device to another namespace" n1 ip link set $GW netns $NS3
n3 ip addr add 192.168.5.1/24 dev $GW
n3 ip link set $GW up
ok "the daemon is still running" test -n "$(wgxdp_pids 1)"
ok "ping from the moved device to the peer" \
	n3 ping -c 3 -i 0.2 -W 2 -I $GW 192.168.5.2
ok "ping from the peer to the moved device" \
	n2 ping -c 3 -i 0.2 -W 2 192.168.5.1
ok "wg show still answers from the first namespace" shows "latest handshake"
ok "down removes the moved device too" wgxdp_down 1 $GW
ok "the device is gone from the other namespace" \
	not n3 ip link show $GW
e2e_summary

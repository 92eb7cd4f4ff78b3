#!/bin/sh
# Configuration changes on a running data plane leave unaffected peers
# alone: while a fast ping runs to one peer, hundreds of other peers and
# their allowed IPs are added, changed and removed, and the ping loses
# nothing. (300 peers added, 150 removed; 60 and 30 under E2E_QUICK=1.)
#
#   +------------------------------+        +------------------------------+
#   | netns $NS1                   |  veth  | netns $NS2                   |
#   |  $VETH1 10.77.0.1/24  (XDP)  |--------|  $VETH2 10.77.0.2/24         |
#   |  live-$ID wg-xdp 192.168.5.1 |        |  lgo-$ID wireguard-go .5.2   |
#   +------------------------------+        +------------------------------+
. "$(dirname "$0")/lib.sh"
e2e_trap
set -e
e2e_setup_pair
set +e

A=live-$ID
B=lgo-$ID
genkey KA
genkey KB
wg_conf "$TMP/a.conf" "$KA" 7111 192.168.5.1/24 "$KB_pub" 10.77.0.2:7222 192.168.5.2/32
echo "$KB" >"$TMP/kb"
ok "wg-xdp up" wgxdp_up 1 $A "$TMP/a.conf"
ok "wireguard-go up" wggo_up 2 $B
n2 wg set $B listen-port 7222 private-key "$TMP/kb" peer "$KA_pub" \
	endpoint 10.77.0.1:7111 allowed-ips 192.168.5.1/32
n2 ip addr add 192.168.5.2/24 dev $B
n2 ip link set $B up mtu 1420
ok "the tunnel works" n1 ping -c 2 -W 2 192.168.5.2

# $ADD other peers, each with two prefixes, as one addconf.
ADD=$(quick 300 60)
DEL=$((ADD / 2))
randkeys $ADD >"$TMP/del.txt"
awk '{
	i = NR - 1
	printf "[Peer]\nPublicKey = %s\nAllowedIPs = 10.%d.%d.0/24, fd%02x::/64\n" \
		"Endpoint = 10.77.0.%d:%d\n\n", $1, 100 + int(i / 250), i % 250,
		i % 256, 3 + i % 200, 1000 + i
}' "$TMP/del.txt" >"$TMP/add.conf"
n1 ping -c 400 -i 0.01 -W 1 192.168.5.2 >"$TMP/ping.txt" 2>&1 &
PING=$!
wait_for 5 grep -q 'bytes from' "$TMP/ping.txt"
ok "addconf of $ADD peers while traffic flows" n1 wg addconf $A "$TMP/add.conf"
ok "the new prefixes are in the XDP map" sh -c \
	"test \$(nsenter --net=/run/netns/$NS1 bpftool -j map dump pinned /sys/fs/bpf/wg-xdp/$A/aip4 | jq length) -ge $((ADD + 1))"
ok "an allowed IP of the busy peer changes meanwhile" \
	n1 wg set $A peer "$KB_pub" allowed-ips 192.168.5.2/32,192.168.77.0/24
ok "the listen port stays, the keepalive changes" \
	n1 wg set $A peer "$KB_pub" persistent-keepalive 15
for k in $(head -$DEL "$TMP/del.txt"); do
	n1 wg set $A peer "$k" remove || echo "remove $k failed"
done >"$TMP/rm.txt" 2>&1
ok "$DEL peers removed one by one" test ! -s "$TMP/rm.txt"
wait $PING
ok "the ping lost nothing" grep -q ' 0% packet loss' "$TMP/ping.txt"
ok "$((ADD - DEL + 1)) peers remain" \
	eq "$(n1 wg show $A peers | wc -l)" $((ADD - DEL + 1))
ok "wg-xdp down" wgxdp_down 1 $A
e2e_summary

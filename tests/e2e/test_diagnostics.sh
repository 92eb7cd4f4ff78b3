#!/bin/sh
# The wg(4) diagnostics wg-xdp logs, provoked by a misbehaving wireguard-go.
#
#   +--------------------------------+          +--------------------------------+
#   | netns $NS1                     |          | netns $NS2                     |
#   |  wgx-$ID (wg-xdp, port 7111)   |          |  wgg-$ID (wireguard-go, 7222)  |
#   |    192.168.5.1/24              |          |    192.168.5.2/24              |
#   |    peer aip 192.168.5.2/32     |          |    + 192.168.5.99 (not allowed)|
#   |  $VETH1 10.77.0.1 (XDP)        |==========| $VETH2 10.77.0.2               |
#   +--------------------------------+          +--------------------------------+
#
# (a) inner source outside the peer's allowed IPs: dropped, "Packet has
#     unallowed src IP from peer N (ip:port)";
# (b) wireguard-go with the wrong public key for wg-xdp: "Invalid initiation
#     MAC"; with a private key wg-xdp does not know: "Invalid handshake
#     initiation"; the right keys again: traffic flows;
# (c) an endpoint nobody listens on: "Handshake for peer N (ip:port) did not
#     complete after 5 seconds, retrying (try 2)" about 5 s after traffic.

. "$(dirname "$0")/lib.sh"
e2e_trap
set -e
e2e_setup_pair
set +e

WGX=wgx-$ID
WGG=wgg-$ID
genkey KX
genkey KG
genkey KBAD

# wgx_conf ENDPOINT: wg-xdp's configuration with its one peer (wireguard-go)
# at ENDPOINT.
wgx_conf() {
	wg_conf "$TMP/wgx.conf" "$KX" 7111 192.168.5.1/24 "$KG_pub" "$1" \
		192.168.5.2/32
}

# wggo PRIVKEY PEERPUB: (re)start wireguard-go with these keys.
wggo() {
	wggo_down 2 $WGG
	echo "$1" >"$TMP/wgg.key"
	wggo_up 2 $WGG || return 1
	n2 wg set $WGG listen-port 7222 private-key "$TMP/wgg.key" \
		peer "$2" endpoint 10.77.0.1:7111 allowed-ips 192.168.5.0/24 ||
		return 1
	n2 ip addr add 192.168.5.2/24 dev $WGG
	n2 ip link set $WGG mtu 1420 up
}

ping2() {
	n2 ping -c 2 -i 0.2 -W 2 "$@"
}

wgx_conf 10.77.0.2:7222
ok "wg-xdp up" wgxdp_up 1 $WGX "$TMP/wgx.conf"
ok "wireguard-go up with the right keys" wggo "$KG" "$KX_pub"
ok "ping 192.168.5.1 from 192.168.5.2" ping2 192.168.5.1
ok "no unallowed-src line yet" not log_has $WGX "unallowed src"

echo "# (a) inner source outside the allowed IPs"
n2 ip addr add 192.168.5.99/24 dev $WGG
before=$(counter 1 $WGX REDIRECT_DATA)
ok "ping from 192.168.5.99 gets no reply" not ping2 -I 192.168.5.99 192.168.5.1
after=$(counter 1 $WGX REDIRECT_DATA)
ok "the 2 packets did reach wg-xdp (REDIRECT_DATA >= +2)" \
	ge $((after - before)) 2
ok "log: Packet has unallowed src IP from peer N (10.77.0.2:7222)" \
	wait_for 2 log_has $WGX \
	"Packet has unallowed src IP from peer [0-9]* (10\.77\.0\.2:7222)"
ok "allowed source still works" ping2 192.168.5.1

echo "# (b) wrong keys"
ok "wireguard-go with a wrong public key for wg-xdp" wggo "$KG" "$KBAD_pub"
ok "no reply" not ping2 192.168.5.1
ok "log: Invalid initiation MAC from 10.77.0.2:7222" \
	wait_for 2 log_has $WGX "Invalid initiation MAC from 10\.77\.0\.2:7222"
ok "wireguard-go with a private key wg-xdp does not know" \
	wggo "$KBAD" "$KX_pub"
ok "no reply" not ping2 192.168.5.1
ok "log: Invalid handshake initiation from 10.77.0.2:7222" \
	wait_for 2 log_has $WGX "Invalid handshake initiation from 10\.77\.0\.2:7222"
ok "wireguard-go with the right keys again" wggo "$KG" "$KX_pub"
ok "traffic flows again" ping2 192.168.5.1

echo "# (c) a peer that does not answer"
ok "wg-xdp down" wgxdp_down 1 $WGX
wgx_conf 10.77.0.2:7999
: >"$TMP/$WGX.log"
ok "wg-xdp up, peer at 10.77.0.2:7999 (nobody listens)" \
	wgxdp_up 1 $WGX "$TMP/wgx.conf"
t0=$(date +%s%3N)
n1 ping -c 1 -W 1 192.168.5.2 >/dev/null 2>&1 &
retry="Handshake for peer [0-9]* (10\.77\.0\.2:7999) did not complete"
retry="$retry after 5 seconds, retrying (try 2)"
ok "log: Handshake for peer N (10.77.0.2:7999) did not complete after 5 seconds, retrying (try 2)" \
	wait_for 8 log_has $WGX "$retry"
dt=$(($(date +%s%3N) - t0))
echo "# retry logged $dt ms after the first packet"
ok "retry logged 4.5..7 s after traffic started" \
	sh -c "[ $dt -ge 4500 ] && [ $dt -le 7000 ]"
ok "wg-xdp down" wgxdp_down 1 $WGX

e2e_summary

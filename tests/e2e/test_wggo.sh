#!/bin/sh
# wg-xdp against wireguard-go, over IPv4 and over IPv6 outside, carrying IPv4
# and IPv6 inside.
#
#   +--------------------------------+          +--------------------------------+
#   | netns $NS1                     |          | netns $NS2                     |
#   |  wgx-$ID (wg-xdp, port 7111)   |          |  wgg-$ID (wireguard-go, 7222)  |
#   |    192.168.5.1/24 fd00:5::1/64 |          |    192.168.5.2/24 fd00:5::2/64 |
#   |  $VETH1 10.77.0.1 fd77::1 (XDP)|==========| $VETH2 10.77.0.2 fd77::2       |
#   +--------------------------------+          +--------------------------------+
#
# For each outer family: handshake started by wg-xdp, then (after restarting
# both) by wireguard-go; ping both ways, both inner families; iperf3 TCP
# 10 s each way (throughput printed, never asserted); an 8 MiB random file
# fetched over HTTP each way, sha256 compared (2 s and 1 MiB under
# E2E_QUICK=1); and the XDP stats map's
# REDIRECT_DATA counter grows by at least the packets received in a window.

. "$(dirname "$0")/lib.sh"
e2e_trap
set -e
e2e_setup_pair
set +e

WGX=wgx-$ID
WGG=wgg-$ID
genkey KX
genkey KG
echo "$KG" >"$TMP/kg.key"
IPERF_SECS=${IPERF_SECS:-$(quick 10 2)}
MIB=$(quick 8 1)

blobs $MIB
# Only the tunnel is used to reach them.
www_serve

# start OUTER: wg-xdp in NS1 and wireguard-go in NS2, endpoints of family
# OUTER (4 or 6), no traffic yet.
start() {
	if [ $1 = 4 ]; then
		ep1=10.77.0.1:7111
		ep2=10.77.0.2:7222
	else
		ep1=[fd77::1]:7111
		ep2=[fd77::2]:7222
	fi
	cat >"$TMP/wgx.conf" <<EOC
[Interface]
PrivateKey = $KX
ListenPort = 7111
Address = 192.168.5.1/24, fd00:5::1/64

[Peer]
PublicKey = $KG_pub
Endpoint = $ep2
AllowedIPs = 192.168.5.2/32, fd00:5::2/128
EOC
	: >"$TMP/$WGX.log"
	wgxdp_up 1 $WGX "$TMP/wgx.conf" || return 1
	wggo_up 2 $WGG || return 1
	n2 wg set $WGG listen-port 7222 private-key "$TMP/kg.key" \
		peer "$KX_pub" endpoint "$ep1" \
		allowed-ips 192.168.5.1/32,fd00:5::1/128 || return 1
	n2 ip addr add 192.168.5.2/24 dev $WGG
	n2 ip addr add fd00:5::2/64 dev $WGG nodad
	n2 ip link set $WGG mtu 1420 up
}

stop() {
	wgxdp_down 1 $WGX
	wggo_down 2 $WGG
}

# pings N ADDR: a few pings from namespace N (the first may wait for the
# handshake).
pings() {
	n$1 ping -c 3 -i 0.2 -W 3 "$2"
}

# iperf N ADDR [-R]: iperf3 over the tunnel, client in namespace N, server
# on the other side; prints and checks a nonzero Mbit/s.
iperf() {
	_c=$1
	_s=$((3 - $1))
	n$_s iperf3 -s -1 -D -p 5201 >/dev/null 2>&1 || return 1
	wait_for 5 n$_s sh -c "ss -ltn | grep -q ':5201 '" || return 1
	shift
	mbit=$(iperf_mbits $_c "$@" -p 5201 -t $IPERF_SECS) || return 1
	echo "$mbit" >"$TMP/mbit"
	positive "$mbit"
}

# window N ADDR: REDIRECT_DATA on wg-xdp grows by >= 20 across ping -c 20
# from namespace N (20 replies or 20 requests arrive at wg-xdp).
window() {
	a=$(counter 1 $WGX REDIRECT_DATA) || return 1
	n$1 ping -c 20 -i 0.05 -W 2 -q "$2" || return 1
	b=$(counter 1 $WGX REDIRECT_DATA) || return 1
	echo $((b - a)) >"$TMP/delta"
	ge $((b - a)) 20
}

for outer in 4 6; do
	echo "# outer IPv$outer, wg-xdp initiates"
	ok "v$outer: start" start $outer
	ok "v$outer: wg-xdp on the XDP path" eq "$(xdp_path $WGX)" xdp
	ok "v$outer/wg-xdp first: ping 192.168.5.2" pings 1 192.168.5.2
	ok "v$outer/wg-xdp first: wg-xdp sent the initiation" \
		log_has $WGX "Sending handshake initiation"
	ok "v$outer/wg-xdp first: wg-xdp received the response" \
		log_has $WGX "Receiving handshake response"
	ok "v$outer/wg-xdp first: ping 192.168.5.1" pings 2 192.168.5.1
	ok "v$outer/wg-xdp first: ping fd00:5::2" pings 1 fd00:5::2
	ok "v$outer/wg-xdp first: ping fd00:5::1" pings 2 fd00:5::1
	ok "v$outer: wg-xdp down" stop

	echo "# outer IPv$outer, wireguard-go initiates"
	ok "v$outer: restart" start $outer
	ok "v$outer/wg-go first: ping 192.168.5.1" pings 2 192.168.5.1
	ok "v$outer/wg-go first: wg-xdp received the initiation" \
		log_has $WGX "Receiving handshake initiation"
	ok "v$outer/wg-go first: wg-xdp did not initiate" \
		not log_has $WGX "Sending handshake initiation"
	ok "v$outer/wg-go first: ping 192.168.5.2" pings 1 192.168.5.2
	ok "v$outer/wg-go first: ping fd00:5::1" pings 2 fd00:5::1
	ok "v$outer/wg-go first: ping fd00:5::2" pings 1 fd00:5::2

	if [ $outer = 4 ]; then
		ok "v4: REDIRECT_DATA grows >= 20 in ping -c 20 wg-xdp -> wg-go" \
			window 1 192.168.5.2
		ok "v4: REDIRECT_DATA grows >= 20 in ping -c 20 wg-go -> wg-xdp" \
			window 2 fd00:5::1
	else
		# IPv6 outside may take the UDP socket: say which, assert nothing.
		if window 1 fd00:5::2 >/dev/null 2>&1; then
			echo "# outer IPv6 path: XDP ($(cat "$TMP/delta") data" \
				"packets redirected for 20 replies)"
		else
			echo "# outer IPv6 path: UDP socket" \
				"(REDIRECT_DATA grew by $(cat "$TMP/delta"))"
		fi
	fi

	ok "v$outer: $MIB MiB over HTTP/IPv4, wg-go -> wg-xdp, sha256 equal" \
		fetch 1 http://192.168.5.2:8002/blob2 "$SUM2"
	ok "v$outer: $MIB MiB over HTTP/IPv6, wg-xdp -> wg-go, sha256 equal" \
		fetch 2 "http://[fd00:5::1]:8001/blob1" "$SUM1"
	ok "v$outer: $MIB MiB over HTTP/IPv6, wg-go -> wg-xdp, sha256 equal" \
		fetch 1 "http://[fd00:5::2]:8002/blob2" "$SUM2"
	ok "v$outer: $MIB MiB over HTTP/IPv4, wg-xdp -> wg-go, sha256 equal" \
		fetch 2 http://192.168.5.1:8001/blob1 "$SUM1"

	ok "v$outer: iperf3 TCP wg-xdp -> wg-go" iperf 1 192.168.5.2
	echo "# outer IPv$outer iperf3 wg-xdp -> wireguard-go:" \
		"$(cat "$TMP/mbit" 2>/dev/null) Mbit/s"
	rm -f "$TMP/mbit"
	ok "v$outer: iperf3 TCP wg-go -> wg-xdp" iperf 1 192.168.5.2 -R
	echo "# outer IPv$outer iperf3 wireguard-go -> wg-xdp:" \
		"$(cat "$TMP/mbit" 2>/dev/null) Mbit/s"
	rm -f "$TMP/mbit"
	ok "v$outer: wg-xdp still answers after iperf3" pings 2 192.168.5.1
	ok "v$outer: wg-xdp down" stop
	ok "v$outer: wg-xdp shut down cleanly" \
		log_has $WGX "Interface $WGX down"
done

e2e_summary

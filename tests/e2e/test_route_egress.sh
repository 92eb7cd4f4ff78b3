#!/bin/sh
# Any egress (issue 11, point 4): when the route to a peer's endpoint leaves
# by another interface than the XDP NIC, the peer's packets go out over the
# UDP socket, from that interface's address, and come back to AF_XDP when
# the route returns to the NIC; `wg-xdp show` says which path a peer is on
# and why. On both data paths (xdp: attached to
# $VETH1; udp: on lo), over IPv4 and IPv6 outside.
#
#   +----------------------------+     +---------------------------+     +-----------------------------+
#   | netns $NS1 (client)        |     | netns $NS3 (router, NAT)  |     | netns $NS2 (server)         |
#   |  wgc-$ID wg-xdp :7111      |     |                           |     |  wgs-$ID wireguard-go :7222 |
#   |   192.168.81.1 fd00:81::1  |     |  masquerade: uplink 1     |     |   192.168.81.2 fd00:81::2   |
#   |  $VETH1 10.81.1.2 (XDP) ===|=====|= $RT1   -> 10.81.2.1      |     |  wgo2-$ID wireguard-go :7444|
#   |  $UP2   10.81.3.2 (2nd) ===|=====|= $RT3   -> 10.81.2.11     |     |   172.31.81.2 (outer tunnel)|
#   |  wgo1-$ID wireguard-go ....|.....|.......................... |.....|.. (over uplink 1)           |
#   |   172.31.81.1 (outer tun.) |     |  $RT2 10.81.2.1 .11 ======|=====|= $VETH2 10.81.2.2           |
#   |  wgl-$ID wireguard-go      |     |                           |     |                             |
#   |   on 127.0.0.1:7333 (lo)   |     |                           |     |                             |
#   +----------------------------+     +---------------------------+     +-----------------------------+
#   (IPv6 alike: fd81:1::2, fd81:3::2, fd81:2::2; NAT to fd81:2::1, ::11)
#
# For each data path:
# (a) second uplink: a more specific route to the server's network via
#     $UP2: the peer moves to the UDP socket ("udp route leaves by $UP2"),
#     its data packets reach the router by $RT3 only, from 10.81.3.2 (the
#     address of the interface they leave by), and the server sees the
#     client at uplink 2's NAT address; the route deleted, they come back
#     by $VETH1 (AF_XDP: xsk_tx) and the server sees uplink 1's address.
#     IPv4 and IPv6 endpoints.
# (b) loopback: a second peer on 127.0.0.1 (wireguard-go in the same
#     namespace): "udp route leaves by lo", the handshake completes and
#     wireguard-go receives the data.
# (c) a tunnel inside a tunnel: the server's endpoint set to its address
#     inside an outer wireguard-go tunnel: "udp route leaves by wgo1-$ID",
#     and the server sees the client at its outer-tunnel address.
# Each switch is an event (route, endpoint); the path follows within
# EVENT_S (lib_route.sh says why 5 s).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tools.sh"
. "$(dirname "$0")/lib_route.sh"
route_begin nat

route_keys
genkey KL
genkey KO1
genkey KO2
L=wgl-$ID
O1=wgo1-$ID
O2=wgo2-$ID

# shows LABEL PATH: `wg-xdp show` prints "  path: PATH" for the server's
# peer (on the udp data path: "path: udp (" and any reason).
shows() {
	if [ $mode = udp ]; then set -- "$1" "udp ("; fi
	ok "$1: wg-xdp show says path: $2" has "  path: $2" \
		n1 "$WGXDP" show $C
}

# outer_up: the outer tunnel, wireguard-go $O1 (client) to $O2 (server),
# over uplink 1.
outer_up() {
	far_wggo 2 $O2 "$KO2" 7444 "$KO1_pub" 172.31.81.1/32 \
		172.31.81.2/24 fd00:83::2/64 &&
		far_wggo 1 $O1 "$KO1" 7444 "$KO2_pub" 172.31.81.2/32 \
			172.31.81.1/24 fd00:83::1/64 &&
		n1 wg set $O1 peer "$KO2_pub" endpoint 10.81.2.2:7444
}

for mode in $ROUTE_MODES; do
	tunnel_up

	echo "# (a) a second uplink"
	for f in 4 6; do
		fam $f
		ok "$mode/v$f: endpoint $EP" n1 wg set $C peer "$KS_pub" \
			endpoint "$EP"
		on_nic "$mode/v$f: via $VETH1"
		phase "$mode/v$f: by uplink 1" $f 1
		ok "$mode/v$f: a better route via $UP2" \
			n1 ip route add $NET via $GW2 dev $UP2
		off_nic "$mode/v$f: better route" "$KS_pub" $UP2
		shows "$mode/v$f: better route" "udp (route leaves by $UP2)"
		phase "$mode/v$f: by uplink 2" $f 2
		ok "$mode/v$f: that route deleted" \
			n1 ip route del $NET via $GW2 dev $UP2
		on_nic "$mode/v$f: route gone"
		shows "$mode/v$f: route gone" "xdp (route via $VETH1)"
		phase "$mode/v$f: by uplink 1 again" $f 1
	done

	echo "# (b) loopback"
	ok "$mode/lo: wireguard-go on 127.0.0.1:7333" \
		far_wggo 1 $L "$KL" 7333 "$KC_pub" 192.168.81.1/32 \
		192.168.82.2/32 fd00:82::2/128
	ok "$mode/lo: wg-xdp's second peer at 127.0.0.1:7333" \
		n1 wg set $C peer "$KL_pub" endpoint 127.0.0.1:7333 \
		allowed-ips 192.168.82.0/24
	n1 ip route replace 192.168.82.0/24 dev $C
	off_nic "$mode/lo" "$KL_pub" lo
	rx0=$(rx_packets 1 $L)
	# No answer is expected: wireguard-go hands the packets to the
	# namespace's stack, which does not forward them.
	n1 ping -c $PINGS -i 0.1 -W 1 -q 192.168.82.9 >/dev/null 2>&1
	ok "$mode/lo: the handshake completed" \
		eventually $EVENT_S sh -c "nsenter --net=/run/netns/$NS1 \
		wg show $L latest-handshakes | awk '\$2 > 0 { f = 1 } END { exit !f }'"
	ok "$mode/lo: wireguard-go received the pings" \
		ge $(($(rx_packets 1 $L) - rx0)) $PINGS
	ok "$mode/lo: wireguard-go sees the client at 127.0.0.1:7111" \
		ep_is 1 $L "$KC_pub" '^127\.0\.0\.1:7111$'
	n1 wg set $C peer "$KL_pub" remove
	wggo_down 1 $L

	echo "# (c) a tunnel inside a tunnel"
	ok "$mode/nested: outer tunnel (wireguard-go both ends)" outer_up
	ok "$mode/nested: the outer tunnel carries a ping" tping 1 172.31.81.2
	ok "$mode/nested: the server's endpoint set inside it" \
		n1 wg set $C peer "$KS_pub" endpoint 172.31.81.2:7222
	off_nic "$mode/nested" "$KS_pub" $O1
	ok "$mode/nested: ping through both tunnels" tping 1 192.168.81.2
	ok "$mode/nested: the server sees the client at 172.31.81.1" \
		ep_is 2 $S "$KC_pub" '^172\.31\.81\.1:7111$'
	ok "$mode/nested: the endpoint back outside" \
		n1 wg set $C peer "$KS_pub" endpoint 10.81.2.2:7222
	on_nic "$mode/nested: outside again"
	fam 4
	phase "$mode/nested: outside again" 4 1
	wggo_down 1 $O1
	wggo_down 2 $O2

	tunnel_down
done

e2e_summary

#!/bin/sh
# Route lookups with the device's fwmark, through policy rules (issue 11,
# point 2): the path of a peer is what the kernel would answer for
# wg-xdp's own socket, whose packets carry the fwmark; `wg set fwmark`
# takes effect at once. On both data paths (xdp: attached to $VETH1; udp:
# on lo), IPv4 and IPv6 endpoints.
#
#   +-----------------------------+     +---------------------------+     +-----------------------------+
#   | netns $NS1 (client)         |     | netns $NS3 (router, NAT)  |     | netns $NS2 (server)         |
#   |  wgc-$ID wg-xdp :7111       |     |                           |     |  wgs-$ID wireguard-go :7222 |
#   |   192.168.81.1 fd00:81::1   |     |                           |     |   192.168.81.2 fd00:81::2   |
#   |  $VETH1 10.81.1.2 (XDP) ====|=====|= $RT1  masq. 10.81.2.1    |     |  lo 10.99.0.1 (only the     |
#   |  $UP2   10.81.3.2 ==========|=====|= $RT3  snat  10.81.2.11   |     |     server has it)          |
#   |  main: default via $VETH1   |     |  $RT2 =====================|=====|= $VETH2 10.81.2.2          |
#   |  table 100: default via $UP2|     |                           |     |                             |
#   |  rule fwmark 0x64 lookup 100|     |                           |     |                             |
#   +-----------------------------+     +---------------------------+     +-----------------------------+
#
# (a) A mark that selects a table: unmarked, the peer's packets leave by
#     $VETH1 (AF_XDP on the xdp path); `wg set fwmark 0x64` moves them at
#     once to table 100, out of $UP2 (the UDP socket), from $UP2's address;
#     the server sees the client at uplink 2's NAT address; `fwmark 0`
#     brings them back. IPv4 and IPv6 endpoints.
# (b) wg-quick's full-tunnel rules, set by hand: fwmark 0xc8, table 200
#     "default dev wgc-$ID", "not fwmark 0xc8 lookup 200" and "lookup main
#     suppress_prefixlength 0". Unmarked traffic to 10.99.0.1 goes into
#     the tunnel; the marked endpoint lookup skips table 200 and finds the
#     main default route, so the peer stays on $VETH1 (AF_XDP) and the ping
#     to 10.99.0.1, an address only the server has, is answered. (The
#     endpoint is set after the rules, so the lookup is a fresh one.)
# A changed path shows within EVENT_S (lib_route.sh says why 5 s).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tools.sh"
. "$(dirname "$0")/lib_route.sh"
route_begin nat
set -e
n1 ip route add default via 10.81.3.1 dev $UP2 table 100
n1 ip -6 route add default via fd81:3::1 dev $UP2 table 100
n1 ip rule add fwmark 0x64 lookup 100 pref 100
n1 ip -6 rule add fwmark 0x64 lookup 100 pref 100
n2 ip addr add 10.99.0.1/32 dev lo
set +e

route_keys

# full_rules add|del: wg-quick's policy routing for table 200, by hand.
full_rules() {
	n1 ip route $1 default dev $C table 200 &&
		n1 ip rule $1 not fwmark 0xc8 lookup 200 pref 90 &&
		n1 ip rule $1 lookup main suppress_prefixlength 0 pref 80
}

for mode in $ROUTE_MODES; do
	tunnel_up

	echo "# (a) a mark that selects table 100"
	for f in 4 6; do
		fam $f
		ok "$mode/v$f: endpoint $EP" n1 wg set $C peer "$KS_pub" \
			endpoint "$EP"
		on_nic "$mode/v$f: unmarked"
		phase "$mode/v$f: unmarked" $f 1
		ok "$mode/v$f: wg set fwmark 0x64" n1 wg set $C fwmark 0x64
		ok "$mode/v$f: wg show fwmark says 0x64" \
			same 0x64 n1 wg show $C fwmark
		off_nic "$mode/v$f: marked" "$KS_pub" $UP2
		phase "$mode/v$f: marked" $f 2
		ok "$mode/v$f: wg set fwmark 0" n1 wg set $C fwmark 0
		ok "$mode/v$f: wg show fwmark says off" \
			same off n1 wg show $C fwmark
		on_nic "$mode/v$f: unmarked again"
		phase "$mode/v$f: unmarked again" $f 1
	done

	echo "# (b) wg-quick's full-tunnel rules"
	fam 4
	ok "$mode/full: wg set fwmark 0xc8" n1 wg set $C fwmark 0xc8
	ok "$mode/full: 10.99.0.0/24 allowed for the server" \
		n1 wg set $C peer "$KS_pub" \
		allowed-ips 192.168.81.2/32,fd00:81::2/128,10.99.0.0/24
	# Only the policy rules may route 10.99.0.1 into the tunnel.
	n1 ip route del 10.99.0.0/24 dev $C 2>/dev/null
	ok "$mode/full: the rules and table 200" full_rules add
	ok "$mode/full: 10.99.0.1 is routed into the tunnel" \
		has "dev $C" n1 ip route get 10.99.0.1
	# Setting the endpoint looks its path up afresh, under these rules
	# (rule events are test_route_events' business).
	ok "$mode/full: endpoint $EP (looked up under the rules)" \
		n1 wg set $C peer "$KS_pub" endpoint "$EP"
	on_nic "$mode/full: marked lookup finds main's default"
	counts $C "$TMP/f0" xsk_tx udp_tx
	ok "$mode/full: ping 10.99.0.1 (only the server has it)" tping 1 10.99.0.1
	counts $C "$TMP/f1" xsk_tx udp_tx
	if [ $mode = xdp ]; then
		ok "$mode/full: on AF_XDP (xsk_tx)" \
			grew "$TMP/f0" "$TMP/f1" xsk_tx $PINGS
	else
		ok "$mode/full: on the UDP socket (udp_tx)" \
			grew "$TMP/f0" "$TMP/f1" udp_tx $PINGS
	fi
	full_rules del
	n1 wg set $C fwmark 0

	tunnel_down
done

e2e_summary

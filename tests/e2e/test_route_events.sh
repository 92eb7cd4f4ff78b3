#!/bin/sh
# Event-driven paths (issue 11, point 3): a change of route, rule, link,
# neighbour or address is followed at once (within EVENT_S, see
# lib_route.sh: 5 s, a sixth of the 30 s cache this replaces), with no
# traffic needed to notice it. On both data paths (xdp: attached to
# $VETH1; udp: on lo).
#
#   +-----------------------------+     +---------------------------+     +-----------------------------+
#   | netns $NS1 (client)         |     | netns $NS3 (router, NAT)  |     | netns $NS2 (server)         |
#   |  wgc-$ID wg-xdp :7111       |     |                           |     |  wgs-$ID wireguard-go :7222 |
#   |   192.168.81.1 fd00:81::1   |     |                           |     |   192.168.81.2 fd00:81::2   |
#   |  $VETH1 10.81.1.2 (XDP) ====|=====|= $RT1  masq. 10.81.2.1    |     |                             |
#   |     fd81:1::2               |     |    (its MAC changes)      |     |                             |
#   |  $UP2   10.81.3.2 ==========|=====|= $RT3  snat  10.81.2.11   |     |                             |
#   |  table 100: default via $UP2|     |  $RT2 =====================|=====|= $VETH2 10.81.2.2 fd81:2::2 |
#   +-----------------------------+     +---------------------------+     +-----------------------------+
#
# Route: the default route replaced by one via $UP2: the peer moves to the
#   UDP socket and leaves by uplink 2, from its address; replaced back, it
#   returns to AF_XDP.
# Rule: "to 10.81.2.2 lookup 100" added: uplink 2; deleted: back.
# Link: with a /32 route via $UP2, $UP2 set down (the kernel drops the
#   route without an RTM_DELROUTE): the peer returns to $VETH1.
# Neighbour: the router's MAC on $RT1 changes and the client's neighbour
#   entry with it: the next packets go to the new MAC, none to the old.
# Address: a new address added to $VETH1 and the old one deleted (as on a
#   renumbering), IPv4 and IPv6: the packets leave from the new address at
#   once, none from the old, and the server sees a new endpoint (the new
#   source is a new NAT flow).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tools.sh"
. "$(dirname "$0")/lib_route.sh"
route_begin nat
set -e
n1 ip route add default via 10.81.3.1 dev $UP2 table 100
# A deleted primary IPv4 address hands over to the secondary, routes kept.
n1 sysctl -qw net.ipv4.conf.$VETH1.promote_secondaries=1
set +e

route_keys
k=0

# mac N DEV: DEV's link-layer address in namespace N.
mac() {
	n$1 ip -br link show dev "$2" | awk '{ print $3 }'
}

# renumber F OLD NEW: NEW added to $VETH1, OLD deleted.
renumber() {
	if [ $1 = 4 ]; then _p=24; else _p=64; fi
	n1 ip addr add $3/$_p dev $VETH1 nodad && n1 ip addr del $2/$_p dev $VETH1
}

# addr_case F OLD NEW: renumber from OLD to NEW; the client's data packets
# leave from NEW within EVENT_S, then only from NEW; the server sees a new
# endpoint; and back to OLD.
addr_case() {
	_f=$1 _old=$2 _new=$3
	_d=$(data $_f)
	_ep0=$(far_ep 2 $S "$KC_pub")
	ok "$mode/addr v$_f: $_new added, $_old deleted" renumber $_f $_old $_new
	ok "$mode/addr v$_f: a ping through the tunnel within ${EVENT_S} s" \
		eventually $EVENT_S tping1 1 192.168.81.2
	cap_start up1 3 $RT1 "udp src port 7111"
	ok "$mode/addr v$_f: ping through the tunnel" tping 1 192.168.81.2
	cap_stop up1
	ok "$mode/addr v$_f: data packets from $_new" \
		cap_from up1 "$_d" $_new $PINGS
	ok "$mode/addr v$_f: none from $_old" \
		eq "$(cap_count up1 "src host $_old and $_d")" 0
	ok "$mode/addr v$_f: the server sees a new endpoint (was $_ep0)" \
		not eq "$(far_ep 2 $S "$KC_pub")" "$_ep0"
	ok "$mode/addr v$_f: back to $_old" renumber $_f $_new $_old
	ok "$mode/addr v$_f: a ping through the tunnel within ${EVENT_S} s" \
		eventually $EVENT_S tping1 1 192.168.81.2
}

for mode in $ROUTE_MODES; do
	tunnel_up
	fam 4
	on_nic "$mode: at the start"

	echo "# route"
	ok "$mode/route: default via $UP2" \
		n1 ip route replace default via 10.81.3.1 dev $UP2
	off_nic "$mode/route" "$KS_pub" $UP2
	phase "$mode/route: default via $UP2" 4 2
	ok "$mode/route: default via $VETH1 again" \
		n1 ip route replace default via 10.81.1.1 dev $VETH1
	on_nic "$mode/route: back"
	ok "$mode/route: back: ping through the tunnel" tping 1 192.168.81.2

	echo "# rule"
	ok "$mode/rule: to 10.81.2.2 lookup 100" \
		n1 ip rule add to 10.81.2.2 lookup 100 pref 100
	off_nic "$mode/rule" "$KS_pub" $UP2
	phase "$mode/rule: added" 4 2
	ok "$mode/rule: deleted" n1 ip rule del to 10.81.2.2 lookup 100 pref 100
	on_nic "$mode/rule: deleted"
	ok "$mode/rule: deleted: ping through the tunnel" tping 1 192.168.81.2

	echo "# link"
	ok "$mode/link: 10.81.2.2/32 via $UP2" \
		n1 ip route add 10.81.2.2/32 via 10.81.3.1 dev $UP2
	off_nic "$mode/link: the route" "$KS_pub" $UP2
	ok "$mode/link: $UP2 down" n1 ip link set $UP2 down
	on_nic "$mode/link: down"
	phase "$mode/link: $UP2 down" 4 1 one
	ok "$mode/link: $UP2 up again" n1 ip link set $UP2 up
	# IPv6 addresses go with a link that goes down.
	n1 ip addr replace fd81:3::2/64 dev $UP2 nodad
	wait_for 5 n1 ping -c 1 -W 1 -I $UP2 10.81.3.1
	# Table 100's route went with the link too.
	n1 ip route replace default via 10.81.3.1 dev $UP2 table 100

	echo "# neighbour"
	k=$((k + 1))
	old=$(mac 3 $RT1)
	new=02:81:00:00:0$k:01
	ok "$mode/neigh: the router's $RT1 becomes $new (was $old)" \
		n3 ip link set $RT1 address $new
	ok "$mode/neigh: the client's neighbour entries follow" sh -c "
		nsenter --net=/run/netns/$NS1 ip neigh replace 10.81.1.1 \
			lladdr $new dev $VETH1 nud reachable &&
		nsenter --net=/run/netns/$NS1 ip -6 neigh replace fd81:1::1 \
			lladdr $new dev $VETH1 nud reachable"
	ok "$mode/neigh: a ping through the tunnel within ${EVENT_S} s" \
		eventually $EVENT_S tping1 1 192.168.81.2
	cap_start up1 3 $RT1 "udp src port 7111"
	counts $C "$TMP/n0" xsk_tx udp_tx
	ok "$mode/neigh: ping through the tunnel" tping 1 192.168.81.2
	counts $C "$TMP/n1" xsk_tx udp_tx
	cap_stop up1
	ok "$mode/neigh: data packets to $new" \
		ge "$(cap_count up1 "ether dst $new and $DATA4")" $PINGS
	ok "$mode/neigh: none to $old" \
		eq "$(cap_count up1 "ether dst $old and $DATA4")" 0
	if [ $mode = xdp ]; then
		ok "$mode/neigh: still on AF_XDP (xsk_tx)" \
			grew "$TMP/n0" "$TMP/n1" xsk_tx $PINGS
	fi

	echo "# address"
	addr_case 4 10.81.1.2 10.81.1.3
	ok "$mode/addr v6: endpoint [fd81:2::2]:7222" \
		n1 wg set $C peer "$KS_pub" endpoint [fd81:2::2]:7222
	ok "$mode/addr v6: ping through the tunnel" tping 1 192.168.81.2
	addr_case 6 fd81:1::2 fd81:1::3

	tunnel_down
done

e2e_summary

#!/bin/sh
# Source addresses as the kernel module keeps them (issue 11, point 5):
# wg-xdp answers from the address the peer's last packet was sent to (a
# second address of the NIC; an address of another interface, which
# reaches the UDP socket because Linux is a weak host), keeps using it for
# its own packets, and falls over to a valid address at once when that
# one goes away. IPv6 link-local endpoints keep their scope. On both data
# paths (xdp: attached to $VETH1; udp: on lo). No NAT: the server must
# address each of the client's addresses, and sees the source it gets.
#
#   +-----------------------------+     +------------------------------+     +-----------------------------+
#   | netns $NS1 (client)         |     | netns $NS3 (router, no NAT)  |     | netns $NS2 (server)         |
#   |  wgc-$ID wg-xdp :7111       |     |  wgr-$ID wg-xdp :7555 (udp)  |     |  wgs-$ID wireguard-go :7222 |
#   |   192.168.81.1 fd00:81::1   |     |   192.168.83.2               |     |   192.168.81.2 fd00:81::2   |
#   |  $VETH1 (XDP) 10.81.1.2 .12 |=====|= $RT1 10.81.1.1 fe80::81:1   |     |                             |
#   |    fd81:1::2 ::12 fe80::81:2|     |   10.81.3.2/32, fd81:3::2/128|     |                             |
#   |  $UP2 10.81.3.2 fd81:3::2   |=====|=  via $RT1 (so they arrive   |     |                             |
#   |    fe80::81:2               |     |   on the client's NIC)       |     |                             |
#   |                             |     |  $RT3 10.81.3.1 fe80::81:1   |     |                             |
#   |                             |     |  $RT2 =======================|=====|= $VETH2 10.81.2.2 fd81:2::2 |
#   +-----------------------------+     +------------------------------+     +-----------------------------+
#
# (a) For each of 10.81.1.12 (the NIC's second address), 10.81.3.2 ($UP2's,
#     arriving on $VETH1), fd81:1::12 and fd81:3::2: the server sends to it
#     (`wg set endpoint`, then a ping from the server), and every data
#     packet of the client, replies and its own pings, comes from it, as
#     captured at the server; the server's endpoint stays that address.
# (b) Falling over: the sticky address deleted (10.81.3.2 from $UP2;
#     fd81:1::12 from $VETH1): within EVENT_S the tunnel works again, the
#     packets come from the NIC's primary address, none from the old one,
#     and the server's endpoint moves there.
# (c) Link-local: the client's peer wgr-$ID (wg-xdp on the router's UDP
#     path; wireguard-go drops an endpoint's zone) at
#     [fe80::81:1%$VETH1]:7555, then %$UP2: the same address on both links;
#     the packets leave by the link the scope names (captured on the
#     router), the client's `wg show endpoints` keeps the scope, and the
#     router's wg-xdp sees the client on the right link.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tools.sh"
. "$(dirname "$0")/lib_route.sh"
route_begin
set -e
n1 ip addr add 10.81.1.12/24 dev $VETH1
n1 ip addr add fd81:1::12/64 dev $VETH1 nodad
n3 ip route add 10.81.3.2/32 via 10.81.1.2 dev $RT1
n3 ip -6 route add fd81:3::2/128 via fd81:1::2 dev $RT1
for i in $VETH1 $UP2; do n1 ip addr add fe80::81:2/64 dev $i nodad; done
for i in $RT1 $RT3; do n3 ip addr add fe80::81:1/64 dev $i nodad; done
set +e

route_keys
genkey KR
R=wgr-$ID

# ep_of ADDR: ADDR:7111, bracketed for IPv6.
ep_of() {
	case $1 in *:*) echo "[$1]:7111" ;; *) echo "$1:7111" ;; esac
}
# re ADDR: ADDR as an extended regex.
re() {
	echo "$1" | sed 's/[].[]/\\&/g'
}

# sent_to LABEL ADDR: the server sends to the client's ADDR; the client's
# data packets (answers and its own) all come from ADDR.
sent_to() {
	_l=$1 _sa=$2
	case $_sa in *:*) _d=$DATA6 ;; *) _d=$DATA4 ;; esac
	ok "$_l: the server's endpoint for the client is $(ep_of $_sa)" \
		n2 wg set $S peer "$KC_pub" endpoint "$(ep_of $_sa)"
	cap_start far 2 $VETH2 "udp src port 7111"
	ok "$_l: server -> client ping" tping 2 192.168.81.1
	ok "$_l: client -> server ping" tping 1 192.168.81.2
	cap_stop far
	ok "$_l: the client's data packets come from $_sa" \
		cap_from far "$_d" $_sa $((2 * PINGS))
	ok "$_l: none from another address" \
		eq "$(cap_count far "not src host $_sa and ($DATA4 or $DATA6)")" 0
	ok "$_l: the server's endpoint is still $(ep_of $_sa)" \
		ep_is 2 $S "$KC_pub" "^$(re "$(ep_of $_sa)")\$"
	if [ $mode = xdp ]; then
		ok "$_l: the answers leave by the NIC (AF_XDP)" \
			path_is $C "$KS_pub" "^xdp route via $VETH1\$"
	fi
}

# fall_over LABEL OLD DEV NEW: the sticky OLD deleted from DEV; the
# client's packets come from NEW within EVENT_S and only from NEW.
fall_over() {
	_l=$1 _o=$2 _dev=$3 _n=$4
	case $_o in *:*) _d=$DATA6 _p=64 ;; *) _d=$DATA4 _p=24 ;; esac
	ok "$_l: $_o deleted" n1 ip addr del $_o/$_p dev $_dev
	ok "$_l: the tunnel works again within ${EVENT_S} s" \
		eventually $EVENT_S tping1 1 192.168.81.2
	cap_start far 2 $VETH2 "udp src port 7111"
	ok "$_l: client -> server ping" tping 1 192.168.81.2
	cap_stop far
	ok "$_l: the client's data packets come from $_n" \
		cap_from far "$_d" $_n $PINGS
	ok "$_l: none from $_o" eq "$(cap_count far "src host $_o")" 0
	ok "$_l: the server's endpoint moved to $(ep_of $_n)" \
		ep_is 2 $S "$KC_pub" "^$(re "$(ep_of $_n)")\$"
	if [ $_o = 10.81.3.2 ]; then
		n1 ip addr add $_o/24 dev $_dev
	else
		n1 ip addr add $_o/$_p dev $_dev nodad
	fi
}

# ll LABEL LINK RLINK: the router's peer at [fe80::81:1%LINK]:7555; its
# packets leave by LINK only (captured on the router's RLINK and the
# other), and the router sees the client on RLINK.
ll() {
	_l=$1 _lk=$2 _rl=$3
	if [ $_rl = $RT1 ]; then _other=$RT3; else _other=$RT1; fi
	ok "$_l: endpoint [fe80::81:1%$_lk]:7555" \
		n1 wg set $C peer "$KR_pub" endpoint "[fe80::81:1%$_lk]:7555"
	ok "$_l: the client's wg show keeps the scope" \
		has "[fe80::81:1%$_lk]:7555" n1 wg show $C endpoints
	if [ $mode = xdp ]; then
		if [ $_lk = $VETH1 ]; then
			ok "$_l: on AF_XDP" eventually $EVENT_S \
				path_is $C "$KR_pub" "^xdp route via $VETH1\$"
		else
			ok "$_l: on the UDP socket, leaving by $_lk" \
				eventually $EVENT_S path_is $C "$KR_pub" \
				"^udp route leaves by $_lk\$"
		fi
	fi
	cap_start on 3 $_rl "udp src port 7111"
	cap_start off 3 $_other "udp src port 7111"
	ok "$_l: ping the router's tunnel address" tping 1 192.168.83.2
	cap_stop on
	cap_stop off
	ok "$_l: the data packets arrive by $_rl" \
		cap_from on "$DATA6" fe80::81:2 $PINGS
	ok "$_l: none by $_other" eq "$(cap_count off "$DATA6")" 0
	ok "$_l: the router's wg-xdp sees the client on $_rl" \
		ep_is 3 $R "$KC_pub" "^\[fe80::81:2%$_rl\]:7111\$"
}

cat >"$TMP/r.conf" <<EOC
[Interface]
PrivateKey = $KR
ListenPort = 7555
Address = 192.168.83.2/24

[Peer]
PublicKey = $KC_pub
AllowedIPs = 192.168.81.1/32
EOC
ok "the router's wg-xdp up (UDP path)" route_up 3 udp $R "$TMP/r.conf"

for mode in $ROUTE_MODES; do
	tunnel_up

	echo "# (a) answers from the address the server sent to;"
	echo "# (b) the sticky address goes away"
	sent_to "$mode/second" 10.81.1.12
	sent_to "$mode/other v6" fd81:3::2
	sent_to "$mode/other" 10.81.3.2
	fall_over "$mode/fall over" 10.81.3.2 $UP2 10.81.1.2
	sent_to "$mode/second v6" fd81:1::12
	fall_over "$mode/fall over v6" fd81:1::12 $VETH1 fd81:1::2

	echo "# (c) link-local endpoints"
	# The router still holds the last mode's session with the client's
	# key. Its new-handshake timer (no packet back 15 s after its last data
	# to the client, who went down) then retries every 5 s towards the old
	# link; where this mode's checks come later than 15 s, as in the VM
	# guests, an initiation reaches the client there and, by roaming,
	# moves the client's endpoint for the router to that link. A fresh
	# peer on the router has no session and no endpoint.
	ok "$mode/ll: the router's peer for the client, afresh" sh -c \
		"nsenter --net=/run/netns/$NS3 wg set $R peer $KC_pub remove &&
		nsenter --net=/run/netns/$NS3 wg set $R peer $KC_pub allowed-ips 192.168.81.1/32"
	ok "$mode/ll: the router's wg-xdp as a second peer" \
		n1 wg set $C peer "$KR_pub" allowed-ips 192.168.83.2/32
	n1 ip route replace 192.168.83.2/32 dev $C
	ll "$mode/ll $VETH1" $VETH1 $RT1
	ll "$mode/ll $UP2" $UP2 $RT3
	tunnel_down
done

e2e_summary

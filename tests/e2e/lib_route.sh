#!/bin/sh
# The rig of the outer-path tests (test_route_*.sh): a client, a router and
# a server, and a second uplink from the client to the router. Source after
# lib.sh and lib_tools.sh, then call route_trap and route_rig.
#
#   +----------------------------+     +----------------------------+     +-----------------------------+
#   | netns $NS1 (client)        |     | netns $NS3 (router)        |     | netns $NS2 (server)         |
#   |  $VETH1 10.81.1.2/24       |-----|  $RT1 10.81.1.1/24         |     |                             |
#   |         fd81:1::2/64       |     |       fd81:1::1/64         |     |                             |
#   |   (the XDP NIC, default    |     |                            |     |                             |
#   |    routes via the router)  |     |                            |     |                             |
#   |  $UP2   10.81.3.2/24       |-----|  $RT3 10.81.3.1/24         |     |                             |
#   |         fd81:3::2/64       |     |       fd81:3::1/64         |     |                             |
#   |                            |     |  $RT2 10.81.2.1/24 .11     |-----|  $VETH2 10.81.2.2/24        |
#   |                            |     |       fd81:2::1/64 ::11    |     |          fd81:2::2/64       |
#   |                            |     |  forwards; NAT (route_nat) |     |  default via the router     |
#   +----------------------------+     +----------------------------+     +-----------------------------+
#
# route_nat makes the router hide the client: what leaves by $RT2 from the
# first uplink is masqueraded (to 10.81.2.1, fd81:2::1), from the second
# uplink SNATed to 10.81.2.11, fd81:2::11. So the server's `wg show
# endpoints` tells which uplink the client's packets took, as long as the
# flow is new: conntrack keeps the first mapping of a 5-tuple, whichever
# way its later packets come (a packet that keeps its source address but
# changes uplinks keeps its NAT address).
#
# Data paths: `route_up N xdp ...` attaches wg-xdp to $VETH<N> (XDP and
# AF_XDP), `route_up N udp ...` runs it on lo, the UDP socket path (lo is
# no Ethernet device). Tests loop over $ROUTE_MODES ("xdp udp").
#
# Bounds. EVENT_S (5 s): how long a path may take to follow an address,
# route, rule, link or neighbour change. The daemon handles rtnetlink
# events as they come, so the answer is there in milliseconds; 5 s covers
# a busy shared host and a TCG guest ten times slower, and is still a
# sixth of the 30 s cache that events replaced, so a timed cache fails.

NS3=wgxdp-r-$ID
RT1=rt1-$ID
RT2=rt2-$ID
RT3=rt3-$ID
UP2=up2-$ID
EVENT_S=5
ROUTE_MODES=${ROUTE_MODES:-xdp udp}

n3() { nsenter --net=/run/netns/$NS3 "$@"; }

route_cleanup() {
	for pid in $(ip netns pids $NS3 2>/dev/null); do
		kill -TERM "$pid" 2>/dev/null
	done
	[ -e /run/netns/$NS3 ] && ip netns del $NS3 2>/dev/null
	e2e_cleanup
}

# route_trap: e2e_trap, with the router's namespace in the cleanup.
route_trap() {
	e2e_trap
	trap route_cleanup EXIT
}

# route_begin [nat]: what every test does first: the trap, the rig, and the
# router's NAT if asked for; a failing step ends the test.
route_begin() {
	route_trap
	set -e
	route_rig
	if [ "${1:-}" = nat ]; then route_nat; fi
	set +e
}

# route_rig: the namespaces and links above, every hop resolved. IPv6
# addresses are nodad (no second of tentative state).
route_rig() {
	ip netns add $NS1
	ip netns add $NS2
	ip netns add $NS3
	ip link add $VETH1 netns $NS1 type veth peer name $RT1 netns $NS3
	ip link add $UP2 netns $NS1 type veth peer name $RT3 netns $NS3
	ip link add $VETH2 netns $NS2 type veth peer name $RT2 netns $NS3
	n1 ip addr add 10.81.1.2/24 dev $VETH1
	n1 ip addr add fd81:1::2/64 dev $VETH1 nodad
	n1 ip addr add 10.81.3.2/24 dev $UP2
	n1 ip addr add fd81:3::2/64 dev $UP2 nodad
	n3 ip addr add 10.81.1.1/24 dev $RT1
	n3 ip addr add fd81:1::1/64 dev $RT1 nodad
	n3 ip addr add 10.81.3.1/24 dev $RT3
	n3 ip addr add fd81:3::1/64 dev $RT3 nodad
	n3 ip addr add 10.81.2.1/24 dev $RT2
	n3 ip addr add 10.81.2.11/24 dev $RT2
	n3 ip addr add fd81:2::1/64 dev $RT2 nodad
	n3 ip addr add fd81:2::11/64 dev $RT2 nodad
	n2 ip addr add 10.81.2.2/24 dev $VETH2
	n2 ip addr add fd81:2::2/64 dev $VETH2 nodad
	for n in 1 2 3; do
		n$n ip link set lo up
	done
	n1 ip link set $VETH1 up
	n1 ip link set $UP2 up
	n2 ip link set $VETH2 up
	n3 ip link set $RT1 up
	n3 ip link set $RT2 up
	n3 ip link set $RT3 up
	n3 sysctl -qw net.ipv4.ip_forward=1
	n3 sysctl -qw net.ipv6.conf.all.forwarding=1
	n1 ip route add default via 10.81.1.1 dev $VETH1
	n1 ip -6 route add default via fd81:1::1 dev $VETH1
	n2 ip route add default via 10.81.2.1
	n2 ip -6 route add default via fd81:2::1
	# Every hop resolved before a test starts.
	wait_for 5 n1 ping -c 1 -W 1 10.81.2.2
	wait_for 5 n1 ping -c 1 -W 1 fd81:2::2
	wait_for 5 n1 ping -c 1 -W 1 -I $UP2 10.81.3.1
	wait_for 5 n1 ping -c 1 -W 1 -I $UP2 fd81:3::1
}

# route_nat: the router NATs what it forwards to the server (see the top).
# IPv6 masquerade would pick $RT2's newest address, so there uplink 1 is an
# explicit snat to fd81:2::1.
route_nat() {
	n3 nft -f - <<EON
table ip nat {
	chain post {
		type nat hook postrouting priority srcnat;
		oifname "$RT2" iifname "$RT1" masquerade
		oifname "$RT2" iifname "$RT3" snat to 10.81.2.11
	}
}
table ip6 nat {
	chain post {
		type nat hook postrouting priority srcnat;
		oifname "$RT2" iifname "$RT1" snat to fd81:2::1
		oifname "$RT2" iifname "$RT3" snat to fd81:2::11
	}
}
EON
}

# --- the daemons ---------------------------------------------------------------

# route_up N MODE NAME CONF [ARGS...]: wg-xdp NAME in namespace N on data
# path MODE (xdp: attached to $VETH<N>; udp: on lo, the UDP socket path),
# configured from CONF; debug log in $TMP/NAME.log.
route_up() {
	_n=$1 _m=$2 _name=$3 _conf=$4
	shift 4
	case $_m in
	xdp) eval "_nic=\$VETH$_n" ;;
	udp) _nic=lo ;;
	*) echo "route_up: no data path '$_m'"; return 1 ;;
	esac
	WG_XDP_LOG=$TMP/$_name.log n$_n "$WGXDP" up "$_nic" -i "$_name" \
		-c "$_conf" -d "$@"
}

# on_path NAME MODE: wg-xdp NAME runs on data path MODE (xdp or udp), as its
# report says.
on_path() {
	_p=$(printf 'wgxdp=1\n\n' | uapi "$1" | sed -n 's/^path=//p')
	eq "$_p" "$2"
}

# far_wggo N NAME PRIVATE PORT PEER_PUB ALLOWED ADDR4 ADDR6: wireguard-go
# NAME in namespace N listening on PORT, with one peer (no endpoint: it
# learns it) and the tunnel addresses ADDR4 and ADDR6.
far_wggo() {
	_n=$1 _name=$2
	echo "$3" >"$TMP/$2.key"
	wggo_up $_n $_name || return 1
	n$_n wg set $_name listen-port $4 private-key "$TMP/$2.key" \
		peer "$5" allowed-ips "$6" || return 1
	n$_n ip addr add "$7" dev $_name
	n$_n ip addr add "$8" dev $_name nodad
	n$_n ip link set $_name mtu 1420 up
}

# --- what the daemon reports ---------------------------------------------------

# key_hex KEY: a base64 key in the hex the report names peers by.
key_hex() {
	echo "$1" | base64 -d | od -An -v -tx1 | tr -d ' \n'
}

# report NAME: the "wgxdp=1" report of wg-xdp NAME.
report() {
	printf 'wgxdp=1\n\n' | uapi "$1"
}

# peer_path NAME KEY: the path of peer KEY (base64) of wg-xdp NAME, e.g.
# "xdp route via veth-a123" or "udp route leaves by up2-123".
peer_path() {
	_h=$(key_hex "$2")
	report "$1" | sed -n "s/^peer_path=$_h //p"
}

# path_is NAME KEY REGEX: the peer's path matches the extended REGEX.
path_is() {
	_pp=$(peer_path "$1" "$2")
	echo "$_pp" | grep -Eq -- "$3" && return 0
	echo "peer_path '$_pp' does not match /$3/"
	return 1
}

# dcount NAME COUNTER: counter=COUNTER of wg-xdp NAME; fails when it is not
# reported (a misspelt or missing counter is no zero).
dcount() {
	report "$1" | awk -v k="counter=$2" '$1 == k { print $2; f = 1 }
		END { if (!f) print "no " k " in the report"; exit !f }'
}

# counts NAME FILE COUNTER...: the named counters into FILE, "NAME VALUE"
# per line (one report for all: a Python start costs a second in a VM).
counts() {
	_cs_f=$2
	report "$1" >"$_cs_f.r" || return 1
	shift 2
	: >"$_cs_f"
	for _cs_c in "$@"; do
		awk -v k="counter=$_cs_c" '$1 == k { print substr(k, 9), $2; f = 1 }
			END { if (!f) print substr(k, 9), "missing"; exit !f }' \
			"$_cs_f.r" >>"$_cs_f" || return 1
	done
}

# grew BEFORE AFTER COUNTER MIN: COUNTER grew by at least MIN from file
# BEFORE to file AFTER (both written by counts).
grew() {
	_g_a=$(awk -v c="$3" '$1 == c { print $2 }' "$1")
	_g_b=$(awk -v c="$3" '$1 == c { print $2 }' "$2")
	[ $((_g_b - _g_a)) -ge "$4" ] 2>/dev/null && return 0
	echo "$3: $_g_a -> $_g_b, grew by less than $4"
	return 1
}

# same_count BEFORE AFTER COUNTER: COUNTER did not move.
same_count() {
	_g_a=$(awk -v c="$3" '$1 == c { print $2 }' "$1")
	_g_b=$(awk -v c="$3" '$1 == c { print $2 }' "$2")
	[ -n "$_g_a" ] && [ "$_g_a" = "$_g_b" ] && return 0
	echo "$3: $_g_a -> $_g_b, moved"
	return 1
}

# eventually SECONDS COMMAND...: retry until COMMAND succeeds, for at most
# SECONDS of wall time; on a timeout the output of the last try is shown
# (wait_for hides it, and counts tries, not time).
eventually() {
	_ev_end=$(($(date +%s%3N) + $1 * 1000))
	shift
	while :; do
		"$@" >"$TMP/eventually" 2>&1 && return 0
		[ "$(date +%s%3N)" -lt $_ev_end ] || break
		sleep 0.1
	done
	cat "$TMP/eventually"
	return 1
}

# --- what the far end sees -----------------------------------------------------

# far_ep N WG KEY: the endpoint WireGuard interface WG in namespace N has
# for peer KEY (`wg show endpoints`; works for wg-xdp and wireguard-go).
far_ep() {
	n$1 wg show "$2" endpoints | awk -v k="$3" '$1 == k { print $2 }'
}

# ep_is N WG KEY REGEX: that endpoint matches the extended REGEX.
ep_is() {
	_e=$(far_ep "$1" "$2" "$3")
	echo "$_e" | grep -Eq -- "$4" && return 0
	echo "endpoint '$_e' does not match /$4/"
	return 1
}

# cap_start TAG N IFACE FILTER: tcpdump in namespace N on IFACE (an
# Ethernet link), packets matching FILTER into $TMP/TAG.pcap; returns once
# it captures. cap_stop TAG ends it once every packet up to then is in the
# file: it sends a marker (an echo request to ff02::1 out of IFACE, which
# the capture also takes) and waits for it, so a count of zero is exact.
MARK="icmp6 and ip6[40] = 128 and ip6 dst ff02::1"
cap_start() {
	rm -f "$TMP/$1.pcap" "$TMP/$1.err"
	eval "_ns=\$NS$2"
	echo "$2 $3" >"$TMP/$1.where"
	# A simple command (no shell function) in the background: its PID is
	# tcpdump's (nsenter execs it), and SIGTERM reaches it.
	nsenter --net=/run/netns/$_ns tcpdump -i "$3" -n -U --immediate-mode \
		-Z root -s 128 -w "$TMP/$1.pcap" "($4) or ($MARK)" \
		2>"$TMP/$1.err" &
	echo $! >"$TMP/$1.pid"
	eventually 5 grep -q "listening on" "$TMP/$1.err"
}

cap_stop() {
	_pid=$(cat "$TMP/$1.pid" 2>/dev/null) || return 1
	read -r _cn _cif <"$TMP/$1.where"
	n$_cn ping -6 -c 1 -W 1 -I "$_cif" ff02::1 >/dev/null 2>&1
	eventually 5 sh -c "tcpdump -n -r '$TMP/$1.pcap' '$MARK' 2>/dev/null |
		grep -q ." || echo "cap_stop $1: no marker on $_cif"
	kill -TERM "$_pid" 2>/dev/null
	wait "$_pid" 2>/dev/null
	rm -f "$TMP/$1.pid"
	return 0
}

# cap_count TAG FILTER: how many captured packets match FILTER.
cap_count() {
	tcpdump -n -r "$TMP/$1.pcap" "$2" 2>/dev/null | wc -l
}

# cap_from TAG FILTER SRC MIN: at least MIN captured packets match FILTER
# and come from SRC; else the sources that FILTER's packets came from.
cap_from() {
	_got=$(cap_count "$1" "src host $3 and ($2)")
	[ "$_got" -ge "$4" ] && return 0
	echo "$_got from $3 (< $4); sources of the matching packets:"
	tcpdump -n -r "$TMP/$1.pcap" "$2" 2>/dev/null |
		awk '{ print $3 }' | sed 's/\.[0-9]*$//' | sort | uniq -c
	echo "the capture ($(cap_count "$1" "") packets):"
	tcpdump -n -r "$TMP/$1.pcap" 2>/dev/null | head -8
	return 1
}

# between N LOW HIGH: LOW <= N <= HIGH.
between() {
	[ "$1" -ge "$2" ] 2>/dev/null && [ "$1" -le "$3" ] && return 0
	echo "$1 not in [$2, $3]"
	return 1
}

# --- the tunnel ----------------------------------------------------------------
#
# The client is wg-xdp $C (port 7111, 192.168.81.1 fd00:81::1), the server
# wireguard-go $S (port 7222, 192.168.81.2 fd00:81::2); route_keys makes
# their keys (KC, KS).

C=wgc-$ID
S=wgs-$ID
PINGS=$(quick 5 3)

route_keys() {
	genkey KC
	genkey KS
}

# client_conf FILE ENDPOINT: the client's file, its one peer the server at
# ENDPOINT.
client_conf() {
	wg_conf "$1" "$KC" 7111 "192.168.81.1/24, fd00:81::1/64" "$KS_pub" \
		"$2" "192.168.81.2/32, fd00:81::2/128"
}

# far_start: the server, wireguard-go $S in $NS2 (learns the client's
# endpoint); far_stop.
far_start() {
	far_wggo 2 $S "$KS" 7222 "$KC_pub" 192.168.81.1/32,fd00:81::1/128 \
		192.168.81.2/24 fd00:81::2/64
}
far_stop() {
	wggo_down 2 $S
}

# tunnel_up: (on data path $mode) the server, then the client with its
# one peer at 10.81.2.2:7222, checked: on the right data path, and a
# first ping through the tunnel (the handshake, so that what follows counts
# data packets only). tunnel_down undoes it.
tunnel_up() {
	echo "# data path: $mode"
	client_conf "$TMP/c.conf" 10.81.2.2:7222
	ok "$mode: the server (wireguard-go) up" far_start
	: >"$TMP/$C.log"
	ok "$mode: wg-xdp up" route_up 1 $mode $C "$TMP/c.conf"
	ok "$mode: on the $mode data path" on_path $C $mode
	ok "$mode: the tunnel works" tping 1 192.168.81.2
}
tunnel_down() {
	ok "$mode: wg-xdp down" wgxdp_down 1 $C
	far_stop
}

# tping N ADDR [COUNT]: COUNT pings (default $PINGS) from namespace N to
# ADDR through the tunnel, every one answered.
tping() {
	_tp_c=${3:-$PINGS}
	_tp_o=$(n$1 ping -c "$_tp_c" -i 0.1 -W 3 -q "$2" 2>&1)
	case $_tp_o in *" $_tp_c received"*) return 0 ;; esac
	echo "$_tp_o"
	return 1
}

# tping1 N ADDR: one ping through the tunnel, answered within a second (to
# poll with: eventually SECONDS tping1 N ADDR).
tping1() {
	n$1 ping -c 1 -W 1 -q "$2" >/dev/null 2>&1
}

# DATA4, DATA6: tcpdump filters for WireGuard data messages (type 4; so no
# handshake) over IPv4 and IPv6.
DATA4="ip and udp and udp[8] = 4"
DATA6="ip6 and ip6[6] = 17 and ip6[48] = 4"
data() {
	if [ "$1" = 6 ]; then echo "$DATA6"; else echo "$DATA4"; fi
}

# rx_packets N DEV: packets received on DEV in namespace N (for a TUN
# device: what its WireGuard wrote to the kernel).
rx_packets() {
	n$1 ip -s link show dev "$2" | awk '/RX:/ { getline; print $2; exit }'
}
tx_packets() {
	n$1 ip -s link show dev "$2" | awk '/TX:/ { getline; print $2; exit }'
}

# --- phases: which way the client's packets go --------------------------------

# fam F: the addresses of family F (4 or 6).
fam() {
	if [ "$1" = 4 ]; then
		EP=10.81.2.2:7222 NET=10.81.2.0/24 GW2=10.81.3.1
		SRC1=10.81.1.2 SRC2=10.81.3.2
		NAT1='^10\.81\.2\.1:[0-9]+$' NAT2='^10\.81\.2\.11:[0-9]+$'
	else
		EP=[fd81:2::2]:7222 NET=fd81:2::/64 GW2=fd81:3::1
		SRC1=fd81:1::2 SRC2=fd81:3::2
		NAT1='^\[fd81:2::1\]:[0-9]+$' NAT2='^\[fd81:2::11\]:[0-9]+$'
	fi
}

# These read $mode, the data path the test's loop is on (xdp or udp).
#
# phase LABEL F UPLINK [one]: $PINGS pings through the tunnel while the
# router captures both uplinks (with "one", only uplink UPLINK: the other
# is down). The client's data packets arrive by uplink UPLINK
# only, from that uplink's address; the server's endpoint for the client is
# that uplink's NAT address; and the transport that should carry them
# (xdp mode: AF_XDP for uplink 1, the UDP socket for uplink 2) did, the
# other did not move.
phase() {
	_l=$1 _f=$2 _u=$3
	_d=$(data $_f)
	if [ $_u = 1 ]; then
		_src=$SRC1 _nat=$NAT1 _on=up1 _off=up3
	else
		_src=$SRC2 _nat=$NAT2 _on=up3 _off=up1
	fi
	if [ $mode = xdp ] && [ $_u = 1 ]; then
		_grow=xsk_tx _still=udp_tx
	else
		_grow=udp_tx _still=xsk_tx
	fi
	_one=${4:-}
	[ $_u = 1 ] || [ -z "$_one" ] && cap_start up1 3 $RT1 "udp src port 7111"
	[ $_u = 2 ] || [ -z "$_one" ] && cap_start up3 3 $RT3 "udp src port 7111"
	counts $C "$TMP/c0" xsk_tx udp_tx
	ok "$_l: ping through the tunnel" tping 1 192.168.81.2
	counts $C "$TMP/c1" xsk_tx udp_tx
	cap_stop $_on
	ok "$_l: data packets reach the router by uplink $_u, from $_src" \
		cap_from $_on "$_d" $_src $PINGS
	if [ -z "$_one" ]; then
		cap_stop $_off
		ok "$_l: none by the other uplink" \
			eq "$(cap_count $_off "$_d")" 0
	fi
	ok "$_l: the server sees the client at uplink $_u's NAT address" \
		ep_is 2 $S "$KC_pub" "$_nat"
	ok "$_l: $_grow carried them" grew "$TMP/c0" "$TMP/c1" $_grow $PINGS
	ok "$_l: $_still did not move" same_count "$TMP/c0" "$TMP/c1" $_still
}

# on_nic LABEL: (xdp mode) the server's peer is back on AF_XDP via $VETH1.
on_nic() {
	[ $mode = xdp ] || return 0
	ok "$1: path on AF_XDP" eventually $EVENT_S \
		path_is $C "$KS_pub" "^xdp route via $VETH1\$"
}

# off_nic LABEL KEY IFACE: (xdp mode) peer KEY moved to the UDP socket, its
# route leaving by IFACE.
off_nic() {
	[ $mode = xdp ] || return 0
	ok "$1: path on the UDP socket, leaving by $3" eventually $EVENT_S \
		path_is $C "$2" "^udp route leaves by $3\$"
}

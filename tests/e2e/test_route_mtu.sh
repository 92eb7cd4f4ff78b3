#!/bin/sh
# MTU (issue 11, point 8). On both data paths (xdp: attached to $VETH1;
# udp: on lo), with wireguard-go as the server.
#
#   +-----------------------------+     +---------------------------+     +-----------------------------+
#   | netns $NS1 (client)         |     | netns $NS3 (router, NAT)  |     | netns $NS2 (server)         |
#   |  wgc-$ID wg-xdp :7111       |     |                           |     |  wgs-$ID wireguard-go :7222 |
#   |   192.168.81.1 fd00:81::1   |     |                           |     |   192.168.81.2 fd00:81::2   |
#   |   http :8001                |     |                           |     |   http :8002                |
#   |  $VETH1 10.81.1.2 (XDP) ====|=====|= $RT1             $RT2 ===|=====|= $VETH2 10.81.2.2           |
#   |   (a) links of 65535 bytes  |     |                           |     |                             |
#   |   (b) route mtu 1400        |     |                           |     |                             |
#   +-----------------------------+     +---------------------------+     +-----------------------------+
#
# (a) Large tunnel MTUs: with every link on the path at 65535 bytes, for
#     MTU = 1420, 8921 (wg-quick's on a 9001-byte link) and unset (then
#     wg-quick's rule, the endpoint's route MTU minus 80: 65455): the TUN
#     device gets that MTU; pings of exactly the MTU with DF, IPv4 and
#     IPv6 inside, both ways, are answered; on the xdp path packets that
#     fit a 4096-byte AF_XDP frame leave by AF_XDP (xsk_tx) and larger
#     ones by the UDP socket (udp_tx); at 65455, $MIB MiB over HTTP each
#     way, sha256 compared.
# (b) PMTU through the tunnel: links of 1500 but the router's $RT1 of
#     1400, and the client's route to the server with mtu 1400; tunnel
#     MTU 1420. Over an IPv4 endpoint a DF packet
#     of 1420 bytes cannot pass (1420 + 60 > 1400): the sender gets
#     "fragmentation needed" (IPv6 inside: "packet too big") with an MTU
#     that fits the path (1340, or down to 15 less if padding is kept
#     whole; over an IPv6 endpoint 1320 and below), counted icmp_tx and
#     drop_too_big; the kernel learns it (ip route get) and a ping of that
#     size passes; TCP ($MIB MiB over HTTP from the client) completes. A
#     1420-byte ping without DF is answered (it is fragmented, not lost).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tools.sh"
. "$(dirname "$0")/lib_route.sh"
route_begin nat

route_keys
MIB=$(quick 4 1)
blobs $MIB
www_serve

# links MTU: every link between client and server at MTU bytes.
links() {
	n1 ip link set $VETH1 mtu $1 && n3 ip link set $RT1 mtu $1 &&
		n3 ip link set $RT2 mtu $1 && n2 ip link set $VETH2 mtu $1
}

# conf FILE ENDPOINT MTU: the client's file with MTU (none if "unset").
conf() {
	client_conf "$1" "$2"
	[ "$3" = unset ] && return 0
	sed -i "s/^ListenPort = 7111\$/&\nMTU = $3/" "$1"
}

# start ENDPOINT MTU TUNNEL_MTU: the server (its TUN at TUNNEL_MTU) and
# the client from conf.
start() {
	conf "$TMP/c.conf" "$1" "$2"
	far_start && n2 ip link set $S mtu $3 || return 1
	: >"$TMP/$C.log"
	route_up 1 $mode $C "$TMP/c.conf"
}

stop() {
	wgxdp_down 1 $C
	far_stop
}

# dfping N ADDR SIZE: two pings of SIZE payload bytes with DF, answered.
dfping() {
	_df=$(n$1 ping -M do -c 2 -i 0.2 -W 3 -s $3 -q "$2" 2>&1)
	case $_df in *" 2 received"*) return 0 ;; esac
	echo "$_df"
	return 1
}

# mtu_of N DEV
mtu_of() {
	n$1 ip link show dev "$2" | sed -n 's/.* mtu \([0-9]*\) .*/\1/p'
}

# too_big LABEL ADDR SIZE LOW HIGH: a DF ping of SIZE payload bytes to ADDR
# gets the ICMP error with an MTU in [LOW, HIGH], saved in $GOT; the
# kernel keeps it for ADDR; a ping that fits it passes.
too_big() {
	_l=$1 _tb=$2 _sz=$3
	case $_tb in *:*) _hdr=48 ;; *) _hdr=28 ;; esac
	counts $C "$TMP/t0" icmp_tx drop_too_big
	n1 ping -M do -c 1 -W 2 -s $_sz "$_tb" >"$TMP/tb" 2>&1
	counts $C "$TMP/t1" icmp_tx drop_too_big
	GOT=$(sed -n 's/.*Frag needed and DF set (mtu = \([0-9]*\)).*/\1/p
		s/.*Packet too big: mtu=\([0-9]*\).*/\1/p' "$TMP/tb" | head -1)
	ok "$_l: a DF ping of $((_sz + _hdr)) bytes gets the ICMP error" \
		sh -c "[ -n '$GOT' ] || { cat '$TMP/tb'; exit 1; }"
	ok "$_l: its MTU ${GOT:-?} fits the path ($4..$5)" between "${GOT:-0}" $4 $5
	ok "$_l: icmp_tx counted it" grew "$TMP/t0" "$TMP/t1" icmp_tx 1
	ok "$_l: drop_too_big counted it" grew "$TMP/t0" "$TMP/t1" drop_too_big 1
	ok "$_l: the kernel learnt it" has "mtu ${GOT:-?}" n1 ip route get "$_tb"
	# Without an answer, the path's own MTU ($5) must still pass.
	ok "$_l: a DF ping of ${GOT:-$5} bytes passes" \
		dfping 1 "$_tb" $((${GOT:-$5} - _hdr))
}

echo "# (a) large tunnel MTUs"
links 65535
for mode in $ROUTE_MODES; do
	for m in 1420 8921 unset; do
		if [ $m = unset ]; then tm=65455; else tm=$m; fi
		l="$mode/MTU $m"
		ok "$l: up" start 10.81.2.2:7222 $m $tm
		ok "$l: the TUN's MTU is $tm" eq "$(mtu_of 1 $C)" $tm
		ok "$l: the tunnel works" tping 1 192.168.81.2
		counts $C "$TMP/m0" xsk_tx udp_tx
		ok "$l: $tm-byte IPv4 pings, client -> server" \
			dfping 1 192.168.81.2 $((tm - 28))
		ok "$l: $tm-byte IPv6 pings, client -> server" \
			dfping 1 fd00:81::2 $((tm - 48))
		ok "$l: $tm-byte IPv4 pings, server -> client" \
			dfping 2 192.168.81.1 $((tm - 28))
		ok "$l: $tm-byte IPv6 pings, server -> client" \
			dfping 2 fd00:81::1 $((tm - 48))
		counts $C "$TMP/m1" xsk_tx udp_tx
		# 8 of the client's packets are of the MTU: 4 requests and 4
		# replies.
		if [ $mode = udp ]; then
			ok "$l: the UDP socket carried them" \
				grew "$TMP/m0" "$TMP/m1" udp_tx 8
		elif [ $tm -le 4000 ]; then
			ok "$l: AF_XDP carried them (xsk_tx)" \
				grew "$TMP/m0" "$TMP/m1" xsk_tx 8
			ok "$l: not the UDP socket" \
				same_count "$TMP/m0" "$TMP/m1" udp_tx
		else
			ok "$l: the UDP socket carried them (larger than a frame)" \
				grew "$TMP/m0" "$TMP/m1" udp_tx 8
		fi
		if [ $tm = 65455 ]; then
			ok "$l: $MIB MiB over HTTP, server -> client" \
				fetch 1 http://192.168.81.2:8002/blob2 "$SUM2"
			ok "$l: $MIB MiB over HTTP, client -> server" \
				fetch 2 "http://[fd00:81::1]:8001/blob1" "$SUM1"
		fi
		ok "$l: down" stop
	done
done
links 1500

echo "# (b) PMTU through the tunnel"
# The router's side takes no more than 1400 bytes, and the client's route
# says so.
n3 ip link set $RT1 mtu 1400
n1 ip route replace default via 10.81.1.1 dev $VETH1 mtu 1400
n1 ip -6 route replace default via fd81:1::1 dev $VETH1 mtu 1400
for mode in $ROUTE_MODES; do
	l="$mode/pmtu v4"
	ok "$l: up" start 10.81.2.2:7222 1420 1420
	ok "$l: the tunnel works" tping 1 192.168.81.2
	ok "$l: a 1420-byte ping without DF is answered" \
		n1 ping -M dont -c 2 -i 0.2 -W 3 -s 1392 -q 192.168.81.2
	too_big "$l: inner IPv4" 192.168.81.2 1392 1325 1340
	too_big "$l: inner IPv6" fd00:81::2 1372 1325 1340
	ok "$l: $MIB MiB over HTTP, client -> server" \
		fetch 2 http://192.168.81.1:8001/blob1 "$SUM1"
	ok "$l: down" stop

	l="$mode/pmtu v6"
	ok "$l: up" start [fd81:2::2]:7222 1420 1420
	ok "$l: the tunnel works" tping 1 192.168.81.2
	too_big "$l: inner IPv4" 192.168.81.2 1392 1305 1320
	ok "$l: down" stop
done

e2e_summary

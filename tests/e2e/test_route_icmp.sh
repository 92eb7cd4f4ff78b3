#!/bin/sh
# ICMP like the kernel module (issue 11, point 7): a packet into the TUN
# device for which no peer has an allowed IP, or whose peer has no
# endpoint, is answered with destination unreachable, host unreachable
# (ICMPv6: address unreachable, code 3, as the Linux module's
# icmpv6_ndo_send), counted icmp_tx, and nothing reaches any peer. On both
# data paths (xdp: attached to $VETH1; udp: on lo).
#
#   +-------------------------------------+     +-------------+     +-----------------------------+
#   | netns $NS1 (client)                 |     | netns $NS3  |     | netns $NS2 (server)         |
#   |  wgc-$ID wg-xdp 192.168.81.1/24     |     |  (router,   |     |  wgs-$ID wireguard-go       |
#   |                 fd00:81::1/64       |     |   NAT)      |     |   192.168.81.2 fd00:81::2   |
#   |   peer server: .81.2, fd00:81::2    |     |             |     |                             |
#   |   peer nowhere (no endpoint):       |     |             |     |                             |
#   |     192.168.84.0/24, fd00:84::/64   |     |             |     |                             |
#   |   192.168.81.9, fd00:81::9: no peer |     |             |     |                             |
#   |  $VETH1 10.81.1.2 (XDP) ============|=====|= $RT1 $RT2 =|=====|= $VETH2 10.81.2.2           |
#   +-------------------------------------+     +-------------+     +-----------------------------+
#
# For 192.168.81.9 and fd00:81::9 (no peer) and 192.168.84.1 and
# fd00:84::1 (the peer without endpoint): ping prints the unreachable
# message; the TUN device carries one such ICMP error back per ping at
# most and at least one (captured there, type, code and the quoted
# destination matched); icmp_tx and drop_no_peer or drop_no_endpoint
# grow. No ICMP error for the multicast the capture's marker sends
# (RFC 4443 2.4 e). The server saw nothing (no handshake, no bytes);
# then the tunnel to it works, with no ICMP error.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tools.sh"
. "$(dirname "$0")/lib_route.sh"
route_begin nat

route_keys
genkey KN
N=3

cat >"$TMP/c.conf" <<EOC
[Interface]
PrivateKey = $KC
ListenPort = 7111
Address = 192.168.81.1/24, fd00:81::1/64

[Peer]
PublicKey = $KS_pub
Endpoint = 10.81.2.2:7222
AllowedIPs = 192.168.81.2/32, fd00:81::2/128

[Peer]
PublicKey = $KN_pub
AllowedIPs = 192.168.84.0/24, fd00:84::/64
EOC

# ping_says TEXT N ADDR: a ping from namespace N to ADDR prints TEXT (it
# fails, as it should).
ping_says() {
	_ps=$(n$2 ping -c $N -i 0.2 -W 1 "$3" 2>&1)
	case $_ps in *"$1"*) return 0 ;; esac
	echo "$_ps"
	return 1
}

# unreach LABEL ADDR DROP: the checks above for a ping to ADDR, whose
# packets are counted under DROP.
unreach() {
	_l=$1 _ua=$2 _drop=$3
	case $_ua in
	*:*)
		_text="Destination unreachable: Address unreachable"
		# ICMPv6 type 1 code 3; the quoted packet's destination: its
		# first and last 4 bytes.
		_last=$(printf '0x%08x' 0x${_ua##*:})
		_first=$(printf '0x%s%s' "$(echo $_ua | cut -d: -f1)" \
			"$(printf %04x 0x$(echo $_ua | cut -d: -f2))")
		_err="icmp6 and ip6[40] = 1 and ip6[41] = 3 and ip6[72:4] = $_first and ip6[84:4] = $_last"
		;;
	*)
		_text="Destination Host Unreachable"
		_hex=$(printf '0x%02x%02x%02x%02x' $(echo $_ua | tr . ' '))
		_err="icmp and icmp[0] = 3 and icmp[1] = 1 and icmp[24:4] = $_hex"
		;;
	esac
	counts $C "$TMP/u0" icmp_tx $_drop
	cap_start tun 1 $C "icmp or icmp6"
	ok "$_l: ping $_ua says \"$_text\"" ping_says "$_text" 1 $_ua
	cap_stop tun
	counts $C "$TMP/u1" icmp_tx $_drop
	ok "$_l: the TUN carried 1 to $N such errors back" \
		between "$(cap_count tun "$_err")" 1 $N
	ok "$_l: icmp_tx grew" grew "$TMP/u0" "$TMP/u1" icmp_tx 1
	ok "$_l: $_drop counted the $N pings" \
		grew "$TMP/u0" "$TMP/u1" $_drop $N
	ok "$_l: no ICMP error for the marker's multicast" eq "$(cap_count tun \
		"icmp6 and ip6[40] = 1 and ip6[72:4] = 0xff020000")" 0
}

for mode in $ROUTE_MODES; do
	echo "# data path: $mode"
	ok "$mode: the server (wireguard-go) up" far_start
	: >"$TMP/$C.log"
	ok "$mode: wg-xdp up" route_up 1 $mode $C "$TMP/c.conf"
	ok "$mode: on the $mode data path" on_path $C $mode

	unreach "$mode/no peer" 192.168.81.9 drop_no_peer
	unreach "$mode/no endpoint" 192.168.84.1 drop_no_endpoint
	unreach "$mode/no peer v6" fd00:81::9 drop_no_peer
	unreach "$mode/no endpoint v6" fd00:84::1 drop_no_endpoint

	ok "$mode: the server saw no handshake" same "$KC_pub	0" \
		n2 wg show $S latest-handshakes
	ok "$mode: and no bytes" same "$KC_pub	0	0" n2 wg show $S transfer
	counts $C "$TMP/g0" icmp_tx
	ok "$mode: the tunnel to the server works" tping 1 192.168.81.2
	counts $C "$TMP/g1" icmp_tx
	ok "$mode: with no ICMP error" same_count "$TMP/g0" "$TMP/g1" icmp_tx

	tunnel_down
done

e2e_summary

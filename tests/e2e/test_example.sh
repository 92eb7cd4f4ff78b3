#!/bin/sh
# The EXAMPLES section of OpenBSD's wg(4), on Linux: two namespaces instead
# of two rdomains, joined by a veth pair, a wg-xdp instance in each.
#
#   +------------------------------+          +------------------------------+
#   | netns $NS1                   |          | netns $NS2                   |
#   |  wg1-$ID  192.168.5.1/24     |          |  wg2-$ID  192.168.5.2/24     |
#   |    port 7111, aip .2/32 -----|--.    .--|---- port 7222, aip .1/32     |
#   |  $VETH1  10.77.0.1/24  (XDP) |==========| (XDP) $VETH2  10.77.0.2/24   |
#   +------------------------------+          +------------------------------+
#
# Checks: both come up on the XDP path, ping crosses both ways, `wg show`
# reports a handshake and transfer in both directions, the XDP program
# redirected data, and `wg-xdp down` removes interface, socket and pins.

. "$(dirname "$0")/lib.sh"
e2e_trap
set -e
e2e_setup_pair
set +e

WG1=wg1-$ID
WG2=wg2-$ID
genkey K1
genkey K2

wg_conf "$TMP/wg1.conf" "$K1" 7111 192.168.5.1/24 "$K2_pub" 10.77.0.2:7222 192.168.5.2/32
wg_conf "$TMP/wg2.conf" "$K2" 7222 192.168.5.2/24 "$K1_pub" 10.77.0.1:7111 192.168.5.1/32

# dump_field N NAME FIELD: a field of the one peer line of `wg show dump`
# (5 latest handshake, 6 rx bytes, 7 tx bytes).
dump_field() {
	n$1 wg show "$2" dump | sed -n 2p | cut -f "$3"
}

show_has() {
	n$1 wg show "$2" | grep -q -- "$3"
}

ok "wg1 up" wgxdp_up 1 $WG1 "$TMP/wg1.conf"
ok "wg2 up" wgxdp_up 2 $WG2 "$TMP/wg2.conf"
ok "wg1 on the XDP path" eq "$(xdp_path $WG1)" xdp
ok "wg2 on the XDP path" eq "$(xdp_path $WG2)" xdp
ok "wg1 has 192.168.5.1/24" n1 sh -c \
	"ip -o addr show dev $WG1 | grep -q 'inet 192.168.5.1/24'"
ok "wg show: public key of wg1" show_has 1 $WG1 "public key: $K1_pub"
ok "wg show: listening port 7111" show_has 1 $WG1 "listening port: 7111"
ok "wg show: wg2's peer is wg1" show_has 2 $WG2 "peer: $K1_pub"
ok "no handshake before traffic" eq "$(dump_field 1 $WG1 5)" 0

ok "ping 192.168.5.2 from $NS1" n1 ping -c 3 -i 0.2 -W 2 192.168.5.2
ok "ping 192.168.5.1 from $NS2" n2 ping -c 3 -i 0.2 -W 2 192.168.5.1

for n in 1 2; do
	eval "wg=\$WG$n"
	ok "wg show $wg: latest handshake" show_has $n $wg "latest handshake:"
	ok "wg show $wg: transfer" show_has $n $wg "transfer:"
	ok "wg show $wg dump: handshake time set" \
		positive "$(dump_field $n $wg 5)"
	ok "wg show $wg dump: bytes received" \
		positive "$(dump_field $n $wg 6)"
	ok "wg show $wg dump: bytes sent" positive "$(dump_field $n $wg 7)"
	ok "$wg: XDP redirected at least 6 data packets" \
		ge "$(counter $n $wg REDIRECT_DATA)" 6
	# The AF_XDP sockets' own counters, summed over queues by the daemon.
	ok "$wg: wg-xdp show counts AF_XDP transmit kicks" \
		ge "$(n$n $WGXDP show $wg |
			sed -n 's/^ *xsk_tx_kicks: //p')" 1
	ok "$wg: wg-xdp show counts no invalid AF_XDP descriptors" \
		eq "$(n$n $WGXDP show $wg |
			grep -c 'xsk_[rt]x_invalid_descs: [1-9]')" 0
done
# What one side sent is what the other received (no loss on a veth).
ok "wg1 tx bytes = wg2 rx bytes" \
	eq "$(dump_field 1 $WG1 7)" "$(dump_field 2 $WG2 6)"

ok "XDP attached on $VETH1 while up" xdp_attached 1
ok "wg-xdp down wg1" wgxdp_down 1 $WG1
ok "wg1 interface gone" not n1 ip link show $WG1
ok "wg1 control socket gone" not test -e /var/run/wireguard/$WG1.sock
ok "wg1 pins gone" not test -e /sys/fs/bpf/wg-xdp/$WG1
ok "no XDP left on $VETH1" not xdp_attached 1
ok "wg-xdp down wg2" wgxdp_down 2 $WG2
ok "no wg-xdp left running" eq "$(wgxdp_pids 1)$(wgxdp_pids 2)" ""

e2e_summary

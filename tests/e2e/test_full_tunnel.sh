#!/bin/sh
# wg-quick's routing, done by `wg-xdp up`: a full tunnel on a host that
# has a default route, Table = off, Table = N, and allowed IPs that equal
# routes the host already has.
#
#   +-------------------------------+        +------------------------------+
#   | netns $NS1 (the client host)  |  veth  | netns $NS2 (router + server) |
#   |  $VETH1 10.77.0.1/24 fd77::1  |--------|  $VETH2 10.77.0.2 fd77::2    |
#   |  default via 10.77.0.2 and    |        |  $B wireguard-go             |
#   |          via fd77::2          |        |     192.168.5.2 fd00:5::2    |
#   |  10.88.0.0/24 via 10.77.0.2   |        |  lo 10.99.0.1 fd99::1: only  |
#   |  $C wg-xdp 192.168.5.1/32     |        |     through the tunnel (nft  |
#   |           fd00:5::1/128       |        |     drops them on $VETH2)    |
#   +-------------------------------+        +------------------------------+
#
# Each case checks that `ip route show table main` (IPv4 and IPv6) and
# `ip rule` are byte-identical before up, while up and after down, that
# down (and SIGTERM, and a failed up) leave no route, rule, nft table or
# sysctl change behind, and what the peer sees.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tools.sh"
e2e_trap
set -u

C=ft$ID
B=ftb$ID

e2e_setup_pair
n1 ip route add default via 10.77.0.2
n1 ip -6 route add default via fd77::2
n1 ip route add 10.88.0.0/24 via 10.77.0.2
n2 sysctl -q net.ipv4.ip_forward=1
n2 ip addr add 10.99.0.1/32 dev lo
n2 ip addr add fd99::1/128 dev lo
n2 nft -f - <<EOF
table inet only_tunnel {
	chain in {
		type filter hook input priority 0;
		iifname "$VETH2" ip daddr 10.99.0.1 drop
		iifname "$VETH2" ip6 daddr fd99::1 drop
	}
}
EOF
genkeys c b
wggo_server $B
n2 wg set $B peer "$(cat $TMP/c.pub)" allowed-ips 192.168.5.1/32,fd00:5::1/128
n2 ip addr add fd00:5::2/64 dev $B

# conf TABLE ALLOWED [EXTRA]: the client's file.
conf() {
	{
		printf '[Interface]\nPrivateKey = %s\n' "$(cat $TMP/c.key)"
		printf 'Address = 192.168.5.1/32, fd00:5::1/128\n'
		[ -n "$1" ] && printf 'Table = %s\n' "$1"
		[ -n "${3:-}" ] && printf '%s\n' "$3"
		printf '\n[Peer]\nPublicKey = %s\n' "$(cat $TMP/b.pub)"
		printf 'Endpoint = 10.77.0.2:51821\nAllowedIPs = %s\n' "$2"
	} >$TMP/$C.conf
	chmod 600 $TMP/$C.conf
}

up() { WG_XDP_LOG=$TMP/$C.log n1 "$WGXDP" up $TMP/$C.conf -d; }
down() { n1 "$WGXDP" down $C; }

# snap NAME: the host's routing state as the user sees it. The routes the
# kernel itself makes for the interface's own addresses and link-local
# prefix ("dev $C proto kernel", as under wg-quick) are left out: no
# wg-quick set-up can avoid them, and they go with the device.
snap() {
	{
		n1 ip route show table main
		n1 ip -6 route show table main
	} | grep -v "dev $C proto kernel" >$TMP/main.$1
	n1 ip rule show >$TMP/rule4.$1
	n1 ip -6 rule show >$TMP/rule6.$1
	n1 nft list tables >$TMP/nft.$1
	n1 sysctl -n net.ipv4.conf.all.src_valid_mark >$TMP/svm.$1
}
same_as() { # same_as A B: every part of snapshot A equals B
	for f in main rule4 rule6 nft svm; do
		files_eq $TMP/$f.$1 $TMP/$f.$2 || return 1
	done
}
gone() { [ -z "$(wgxdp_pids 1)" ] && ! n1 ip link show $C 2>/dev/null; }
peer_rx() { n2 wg show $B transfer | awk '{ print $2 }'; }

snap before

# 1. Full tunnel, both families, as wg-quick makes it.
conf "" "0.0.0.0/0, ::/0"
ok "full tunnel: up" up
ok "full tunnel: fwmark is the first free table" same 0xca6c \
	n1 wg show $C fwmark
rx0=$(peer_rx)
tx0=$(xdpstat $C counter=xsk_tx)
ok "full tunnel: ping to an address only the peer has" \
	n1 ping -c 2 -W 2 10.99.0.1
ok "full tunnel: the peer received it" not eq "$(peer_rx)" "$rx0"
ok "full tunnel: sent through AF_XDP (xsk_tx counted)" \
	ge "$(xdpstat $C counter=xsk_tx)" $((tx0 + 2))
ok "full tunnel: ping6 to an address only the peer has" \
	n1 ping -6 -c 2 -W 2 fd99::1
ok "full tunnel: outer packets still reach the endpoint" \
	n1 ping -c 1 -W 2 10.77.0.2
snap up
ok "full tunnel: main table (v4 and v6) unchanged while up" \
	files_eq $TMP/main.before $TMP/main.up
ok "full tunnel: rule not fwmark" \
	has "not from all fwmark 0xca6c lookup 51820" cat $TMP/rule4.up
ok "full tunnel: rule suppress_prefixlength" \
	has "from all lookup main suppress_prefixlength 0" cat $TMP/rule4.up
ok "full tunnel: IPv6 rules" \
	has "not from all fwmark 0xca6c lookup 51820" cat $TMP/rule6.up
ok "full tunnel: default routes in table 51820" \
	has "default dev $C" n1 ip route show table 51820
ok "full tunnel: IPv6 default route in table 51820" \
	has "default dev $C" n1 ip -6 route show table 51820
ok "full tunnel: nft tables of both families" \
	same "table ip wg-quick-$C
table ip6 wg-quick-$C" sh -c "nsenter --net=/run/netns/$NS1 nft list tables |
		grep wg-quick-$C"
ok "full tunnel: src_valid_mark set" same 1 cat $TMP/svm.up
ok "full tunnel: down" down
ok "full tunnel: daemon and device gone" wait_for 5 gone
snap after
ok "full tunnel: host exactly as before" same_as before after
ok "full tunnel: table 51820 empty again" \
	same "" n1 ip route show table 51820

# 2. SIGTERM, as systemd stops it, undoes the same.
ok "full tunnel again: up" up
ok "SIGTERM: daemon told to stop" kill -TERM $(wgxdp_pids 1)
ok "SIGTERM: daemon and device gone" wait_for 5 gone
snap term
ok "SIGTERM: host exactly as before" same_as before term

# 3. A failing PostUp aborts up and undoes it (routes, rules, nft, sysctl).
conf "" "0.0.0.0/0, ::/0" "PostUp = false"
ok "failing PostUp: up fails" not up
ok "failing PostUp: nothing left running" wait_for 5 gone
snap failed
ok "failing PostUp: host exactly as before" same_as before failed

# 4. Table = off: nothing is routed.
conf off "0.0.0.0/0, ::/0, 10.66.0.0/24"
ok "Table off: up" up
ok "Table off: no fwmark" same off n1 wg show $C fwmark
snap off
ok "Table off: routes and rules untouched" same_as before off
ok "Table off: no route out of the interface anywhere" \
	same "" sh -c "{ nsenter --net=/run/netns/$NS1 ip route show table all
		nsenter --net=/run/netns/$NS1 ip -6 route show table all; } |
		grep -w $C | grep -v 'proto kernel\|table local'; true"
ok "Table off: down" down
ok "Table off: gone" wait_for 5 gone

# 5. Table = 1234: every allowed IP routed there, main untouched.
conf 1234 "0.0.0.0/0, 10.66.0.0/24, fd66::/64"
ok "Table 1234: up" up
snap num
ok "Table 1234: main and rules untouched" same_as before num
ok "Table 1234: routes in table 1234" \
	same "default dev $C scope link 
10.66.0.0/24 dev $C scope link " n1 ip route show table 1234
ok "Table 1234: IPv6 route in table 1234" \
	same "fd66::/64 dev $C metric 1024 pref medium" \
	n1 ip -6 route show table 1234
ok "Table 1234: down" down
ok "Table 1234: gone" wait_for 5 gone
ok "Table 1234: table empty again" same "" n1 ip route show table 1234

# 6. Table auto, allowed IPs beside the host's routes.
conf "" "10.88.0.0/24, 10.66.0.0/24"
ok "existing route: up" up
ok "existing route: 10.88.0.0/24 still via the router" \
	same "10.88.0.0/24 via 10.77.0.2 dev $VETH1 " \
	n1 ip route show 10.88.0.0/24
ok "existing route: a new prefix is routed out of the tunnel" \
	same "10.66.0.0/24 dev $C scope link " n1 ip route show 10.66.0.0/24
ok "existing route: wg set adds a route at run time" \
	n1 wg set $C peer "$(cat $TMP/b.pub)" allowed-ips \
	10.88.0.0/24,10.66.0.0/24,10.66.0.128/25,10.55.0.0/16
ok "existing route: a prefix a tunnel route covers gets none (wg-quick)" \
	same "" n1 ip route show exact 10.66.0.128/25
ok "existing route: the run-time route is there" \
	has "10.55.0.0/16 dev $C" n1 ip route show
ok "existing route: down" down
ok "existing route: gone" wait_for 5 gone
snap auto
ok "existing route: host exactly as before" same_as before auto
ok "existing route: 10.88.0.0/24 survived down" \
	same "10.88.0.0/24 via 10.77.0.2 dev $VETH1 " \
	n1 ip route show 10.88.0.0/24

# 7. No nft on PATH: the same rules through iptables-restore, and back.
# Last, because iptables-nft makes its built-in tables (ip raw, ip mangle)
# on first use and leaves them, empty, when the rules go: as under wg-quick.
mkdir -p $TMP/nonft
for t in iptables-restore ip6tables-restore; do
	ln -s "$(command -v $t)" $TMP/nonft/$t
done
ipt_rules() { n1 iptables-save; n1 ip6tables-save; }
ipt_rules | grep -- '^-A' >$TMP/ipt.before
conf "" "0.0.0.0/0, ::/0"
ok "iptables fallback: up without nft" sh -c "PATH=$TMP/nonft:/usr/bin:/bin \
	WG_XDP_LOG=$TMP/$C.log nsenter --net=/run/netns/$NS1 $WGXDP up $TMP/$C.conf"
ok "iptables fallback: wg-quick's marked rules" has \
	"-A PREROUTING -d 192.168.5.1/32 ! -i $C -m addrtype ! --src-type LOCAL -m comment --comment \"wg-quick(8) rule for $C\" -j DROP" \
	ipt_rules
ok "iptables fallback: IPv6 too" has "-d fd00:5::1/128" ipt_rules
ok "iptables fallback: connmark rules" has "CONNMARK --save-mark" ipt_rules
ok "iptables fallback: ping through the tunnel" n1 ping -c 1 -W 2 10.99.0.1
ok "iptables fallback: down" down
ok "iptables fallback: gone" wait_for 5 gone
ok "iptables fallback: exactly the rules added are gone" sh -c \
	"{ nsenter --net=/run/netns/$NS1 iptables-save; nsenter --net=/run/netns/$NS1 ip6tables-save; } |
	grep -- '^-A' | diff -u $TMP/ipt.before -"
ok "iptables fallback: routes and rules as before" sh -c \
	"nsenter --net=/run/netns/$NS1 ip rule show | diff -u $TMP/rule4.before - &&
	nsenter --net=/run/netns/$NS1 ip route show table 51820 | diff -u /dev/null -"

e2e_summary

#!/bin/sh
# Gateway mode does a router's duties: two wg-xdp gateways (--lan) between
# two LAN hosts, the packets taken by XDP on each LAN side.
#
#  +-------------+      +------------------------+      +------------------------+      +-------------+
#  | $NS3 host A | veth | $NS1 gateway A         | veth | $NS2 gateway B         | veth | $NS4 host B |
#  | 10.66.0.2   |------| $LAN1 10.66.0.1 (lan)  |------| $LAN2 10.88.0.1 (lan)  |------| 10.88.0.2   |
#  | fd66::2     |      |       fd66::1          |      |       fd88::1          |      | fd88::2     |
#  | via .1      |      | $VETH1 10.77.0.1 (XDP) |      | $VETH2 10.77.0.2 (XDP) |      | via .1      |
#  +-------------+      | $GA 192.168.5.1        |      | $GB 192.168.5.2        |      +-------------+
#                       | peer B: 0.0.0.0/0, ::/0|      | peer A: 10.66.0.0/24,  |
#                       +------------------------+      |  fd66::/64, .5.1/32    |
#                                                       +------------------------+
#
# Gateway A sends everything into the tunnel (AllowedIPs 0.0.0.0/0, ::/0),
# so only its own rules keep local, broadcast and oversize traffic out.
# Checks: FORWARD rules (iptables-nft, nft, iptables-legacy) make --lan
# refuse and --lan-bypass-netfilter accept; the TTL drops once per
# gateway; PMTU discovery (ICMP fragmentation needed and ICMPv6 packet too
# big with the tunnel MTU, also after the MTU changes at run time);
# full-size TCP both ways with checksummed files (the hosts' veths leave
# checksums to offload: XDP completes them); MSS clamping; traceroute
# shows both gateways; broadcasts and directed broadcasts stay on the LAN;
# VLAN 10 frames are left to the kernel (which has no VLAN 10: dropped)
# and priority-tagged ones are forwarded by the kernel; addresses added at
# run time (on the LAN and on another interface) answer from gateway A
# itself.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tools.sh"
NS3=wgxdp-c-$ID
NS4=wgxdp-d-$ID
LAN1=lan-a$ID
LAN2=lan-b$ID
LAN3=lan-c$ID
LAN4=lan-d$ID
GA=gwa-$ID
GB=gwb-$ID
n3() { nsenter --net=/run/netns/$NS3 "$@"; }
n4() { nsenter --net=/run/netns/$NS4 "$@"; }
router_cleanup() {
	ns_del $NS3 $NS4
	e2e_cleanup
}
e2e_trap
trap router_cleanup EXIT

# lan_pair NS_GW IF_GW NS_HOST IF_HOST PREFIX4 PREFIX6: a LAN segment.
lan_pair() {
	ip link add $2 netns $1 type veth peer name $4 netns $3
	nsenter --net=/run/netns/$1 sh -c "
		ip addr add $5.1/24 dev $2 &&
		ip addr add $6::1/64 dev $2 nodad && ip link set $2 up"
	nsenter --net=/run/netns/$3 sh -c "
		ip link set lo up && ip addr add $5.2/24 dev $4 &&
		ip addr add $6::2/64 dev $4 nodad && ip link set $4 up &&
		ip route add default via $5.1 && ip -6 route add default via $6::1"
}

set -e
e2e_setup_pair
ip netns add $NS3
ip netns add $NS4
lan_pair $NS1 $LAN1 $NS3 $LAN3 10.66.0 fd66
lan_pair $NS2 $LAN2 $NS4 $LAN4 10.88.0 fd88
for n in 1 2; do
	n$n sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
done
wait_for 5 n3 ping -c 1 -W 1 10.66.0.1
wait_for 5 n4 ping -c 1 -W 1 10.88.0.1
wait_for 5 n3 ping -c 1 -W 1 fd66::1
wait_for 5 n4 ping -c 1 -W 1 fd88::1
set +e

genkey KA
genkey KB
wg_conf "$TMP/a.conf" "$KA" 7111 192.168.5.1/24 "$KB_pub" 10.77.0.2:7222 \
	"0.0.0.0/0, ::/0"
wg_conf "$TMP/b.conf" "$KB" 7222 192.168.5.2/24 "$KA_pub" 10.77.0.1:7111 \
	"192.168.5.1/32, 10.66.0.0/24, fd66::/64"

# fails_with TEXT COMMAND...: exit status 1 and TEXT on stderr.
fails_with() {
	_text=$1
	shift
	"$@" >"$TMP/o" 2>"$TMP/e"
	_rc=$?
	cat "$TMP/e"
	[ "$_rc" -eq 1 ] || { echo "exit $_rc, wanted 1"; return 1; }
	grep -qF -- "$_text" "$TMP/e"
}
# delta N NAME REASON COMMAND...: runs COMMAND, prints how much the XDP
# counter REASON of NAME in namespace N moved meanwhile.
delta() {
	_n=$1 _g=$2 _r=$3
	shift 3
	_b=$(counter $_n $_g $_r)
	"$@" >"$TMP/delta.out" 2>&1
	echo $(($(counter $_n $_g $_r) - _b))
}
# ping_out N ARGS...: ping's output (its exit status ignored).
ping_out() {
	_n=$1
	shift
	n$_n ping "$@" 2>&1
	true
}
# matches TEXT REGEX
matches() {
	printf '%s\n' "$1" | grep -Eq -- "$2" || {
		printf 'no /%s/ in:\n%s\n' "$2" "$1"
		return 1
	}
}
up_a() { wgxdp_up 1 $GA "$TMP/a.conf" --lan $LAN1 "$@"; }
up_b() { wgxdp_up 2 $GB "$TMP/b.conf" --lan $LAN2 "$@"; }
no_daemon() { test -z "$(wgxdp_pids 1)" && not n1 ip link show $GA; }
shows_bypassed() {
	n1 "$WGXDP" show $GA | grep -q 'gateway netfilter: bypassed'
}
reports_bypassed() {
	printf 'wgxdp=1\n\n' | uapi $GA | grep -qx 'lan_netfilter=bypassed'
}

# --- the command line -------------------------------------------------------
ok "--lan-mss-clamp needs --lan" fails_with "--lan-mss-clamp needs --lan" \
	n1 "$WGXDP" up $VETH1 -i $GA --lan-mss-clamp
ok "--lan-bypass-netfilter needs --lan" \
	fails_with "--lan-bypass-netfilter needs --lan" \
	n1 "$WGXDP" up $VETH1 -i $GA --lan-bypass-netfilter
ok "--lan-mss-clamp=N: N is an MSS" fails_with "'100' is not an MSS" \
	n1 "$WGXDP" up $VETH1 -i $GA --lan $LAN1 --lan-mss-clamp=100
ok "--lan-mss-clamp=N: digits only" fails_with "'1300x' is not an MSS" \
	n1 "$WGXDP" up $VETH1 -i $GA --lan $LAN1 --lan-mss-clamp=1300x

# --- netfilter FORWARD: refused unless --lan-bypass-netfilter -------------------
n1 iptables -A FORWARD -s 10.66.0.0/24 -j ACCEPT
ok "--lan refused over an iptables FORWARD rule" \
	fails_with "nftables ip filter FORWARD: 1 rule" up_a
ok "...the error names the way out" \
	fails_with "pass --lan-bypass-netfilter" up_a
ok "...and nothing was left behind" no_daemon
ok "--lan-bypass-netfilter accepts it" up_a --lan-bypass-netfilter
ok "show says FORWARD is bypassed" shows_bypassed
ok "...and so does the wgxdp=1 report" reports_bypassed
ok "down" wgxdp_down 1 $GA
n1 iptables -F FORWARD
n1 iptables -P FORWARD DROP
ok "--lan refused over a DROP policy" \
	fails_with "nftables ip filter FORWARD: policy DROP" up_a
n1 iptables -P FORWARD ACCEPT
n1 nft add table inet fw$ID
n1 nft add chain inet fw$ID fw "{ type filter hook forward priority 0; policy accept; }"
n1 nft add rule inet fw$ID fw ct state established accept
ok "--lan refused over an nft forward chain" \
	fails_with "nftables inet fw$ID fw: 1 rule" up_a
n1 nft delete table inet fw$ID
n1 iptables-legacy -A FORWARD -o $GA -j ACCEPT
ok "--lan refused over an iptables-legacy FORWARD rule" \
	fails_with "iptables-legacy filter FORWARD: 1 rule" up_a
n1 iptables-legacy -F FORWARD
ok "...and nothing was left behind" no_daemon

# --- both gateways up: empty FORWARD chains are no reason to refuse -------------
ok "gateway A up (empty FORWARD chains)" up_a
ok "gateway B up" up_b
ok "host A reaches host B through both gateways" \
	wait_for 10 n3 ping -c 1 -W 1 10.88.0.2
ok "...and over IPv6" wait_for 10 n3 ping -c 1 -W 1 fd88::2
ok "A's packets are taken by XDP on gateway A" \
	ge "$(delta 1 $GA REDIRECT_LAN n3 ping -c 5 -i 0.05 -W 2 10.88.0.2)" 5
ok "B's replies are taken by XDP on gateway B" \
	ge "$(delta 2 $GB REDIRECT_LAN n3 ping -c 5 -i 0.05 -W 2 10.88.0.2)" 5
# 64, less one at each gateway: XDP on one side, the kernel on the other.
ok "each gateway decrements the TTL (replies ttl=62)" \
	matches "$(ping_out 3 -c 3 -i 0.1 10.88.0.2)" "ttl=62"
ok "...and the hop limit (hlim 62)" \
	matches "$(ping_out 3 -c 3 -i 0.1 fd88::2)" "ttl=62"

# --- MTU: the kernel answers what does not fit the tunnel (MTU 1420) -------------
ok "a 1500-byte DF ping gets fragmentation needed, mtu 1420" \
	matches "$(ping_out 3 -c 1 -W 2 -M do -s 1472 10.88.0.2)" "mtu ?= ?1420"
ok "...from gateway A's kernel (LAN_TOO_BIG)" \
	ge "$(counter 1 $GA PASS_LAN_TOO_BIG)" 1
ok "a 1420-byte DF ping fits" n3 ping -c 2 -i 0.1 -W 2 -M do -s 1392 10.88.0.2
ok "a 1500-byte ping without DF is fragmented and arrives" \
	n3 ping -c 2 -i 0.1 -W 2 -M dont -s 1472 10.88.0.2
ok "IPv6: packet too big, mtu 1420" \
	matches "$(ping_out 3 -c 1 -W 2 -M do -s 1452 fd88::2)" "mtu ?= ?1420"
ok "IPv6: 1420 bytes fit" n3 ping -c 2 -i 0.1 -W 2 -M do -s 1372 fd88::2
n1 ip link set $GA mtu 1380
n3 ip route flush cache
n3 ip -6 route flush cache
ok "the tunnel MTU lowered at run time: mtu 1380 in the ICMP" \
	matches "$(ping_out 3 -c 1 -W 2 -M do -s 1372 10.88.0.2)" "mtu ?= ?1380"
ok "IPv6 too: mtu 1380" \
	matches "$(ping_out 3 -c 1 -W 2 -M do -s 1352 fd88::2)" "mtu ?= ?1380"
ok "1380 bytes fit" n3 ping -c 2 -i 0.1 -W 2 -M do -s 1352 10.88.0.2
n1 ip link set $GA mtu 1420

# transfer SRC_N DST_N DST_ADDR PORT: a random file from host SRC_N to a
# listener on host DST_N over TCP; the checksums must match.
SIZE=$(quick 4000000 1000000)
head -c $SIZE /dev/urandom >"$TMP/file"
listening() { n$1 ss -ltnH "sport = :$2" | grep -q .; }
transfer() {
	rm -f "$TMP/got"
	n$2 timeout 60 ncat -l --recv-only "$3" $4 >"$TMP/got" &
	_l=$!
	wait_for 5 listening $2 $4 || return 1
	n$1 timeout 60 ncat --send-only "$3" $4 <"$TMP/file" || return 1
	wait $_l || return 1
	[ "$(sha256sum <"$TMP/got")" = "$(sha256sum <"$TMP/file")" ] || {
		echo "got $(wc -c <"$TMP/got") of $SIZE bytes, checksum differs"
		return 1
	}
}
flush_pmtu() {
	for n in 3 4; do
		n$n ip route flush cache
		n$n ip -6 route flush cache
	done
}
# Without clamping each side starts at 1460-byte segments (1500-byte
# packets) and must learn 1420 from its gateway's ICMP.
flush_pmtu
a0=$(counter 1 $GA PASS_LAN_TOO_BIG)
b0=$(counter 2 $GB PASS_LAN_TOO_BIG)
c0=$(counter 1 $GA REDIRECT_LAN_CSUM)
ok "TCP A -> B, full-size segments, file intact (PMTU discovery)" \
	transfer 3 4 10.88.0.2 5001
# A veth hands over segments whose checksum the kernel would complete.
ok "...through the fast path, offloaded checksums completed (LAN_CSUM)" \
	ge $(($(counter 1 $GA REDIRECT_LAN_CSUM) - c0)) $((SIZE / 1460 / 2))
ok "TCP B -> A, file intact" transfer 4 3 10.66.0.2 5002
ok "TCP B -> A over IPv6, file intact" transfer 4 3 fd66::2 5003
ok "...A's oversize segments went to gateway A's kernel" \
	ge $(($(counter 1 $GA PASS_LAN_TOO_BIG) - a0)) 1
ok "...B's to gateway B's kernel" \
	ge $(($(counter 2 $GB PASS_LAN_TOO_BIG) - b0)) 1

# --- MSS clamping on gateway A ------------------------------------------------
ok "gateway A down" wgxdp_down 1 $GA
ok "gateway A up with --lan-mss-clamp" up_a --lan-mss-clamp
wait_for 10 n3 ping -c 1 -W 1 10.88.0.2
flush_pmtu
# syn_mss: the MSS option of the first SYN host B receives on port 5004.
n4 timeout 30 tcpdump -l -n -c 1 -i $LAN4 \
	'tcp dst port 5004 and tcp[tcpflags] & tcp-syn != 0' \
	>"$TMP/syn" 2>"$TMP/syn.err" &
dump=$!
wait_for 5 grep -q "listening on" "$TMP/syn.err"
m0=$(counter 1 $GA REDIRECT_LAN_MSS)
ok "TCP A -> B through the clamp, file intact" transfer 3 4 10.88.0.2 5004
wait $dump
ok "host B saw MSS 1380 (1420 - 40) in A's SYN" grep -q "mss 1380" "$TMP/syn"
ok "...clamped by XDP (REDIRECT_LAN_MSS)" \
	ge $(($(counter 1 $GA REDIRECT_LAN_MSS) - m0)) 1
n4 timeout 30 tcpdump -l -n -c 1 -i $LAN4 \
	'ip6 and tcp dst port 5005 and ip6[40 + 13] & 2 != 0' \
	>"$TMP/syn" 2>"$TMP/syn.err" &
dump=$!
wait_for 5 grep -q "listening on" "$TMP/syn.err"
ok "IPv6 TCP A -> B through the clamp, file intact" \
	transfer 3 4 fd88::2 5005
wait $dump
ok "host B saw MSS 1360 (1420 - 60) over IPv6" grep -q "mss 1360" "$TMP/syn"

# --- traceroute: both gateways answer time exceeded ----------------------------------
hops() { n3 traceroute -n -q 1 -w 2 -m 5 "$@" 2>&1 | awk 'NR > 1 { print $2 }' | tr '\n' ' '; }
t0=$(counter 1 $GA PASS_LAN_TTL)
route4=$(hops 10.88.0.2)
ok "traceroute: gateway A, gateway B, host B" \
	eq "$route4" "10.66.0.1 192.168.5.2 10.88.0.2 "
ok "...hop 1 was left to gateway A's kernel (LAN_TTL)" \
	ge $(($(counter 1 $GA PASS_LAN_TTL) - t0)) 1
route6=$(hops -6 fd88::2)
ok "traceroute -6: gateway A, gateway B, host B" \
	matches "$route6" "^fd66::1 (fd77::2|fd88::1) fd88::2 $"

# --- what is not a router's to forward stays on the LAN ---------------------------
MAC1=$(n1 ip -o link show $LAN1 2>/dev/null | sed 's/.*link\/ether \([^ ]*\).*/\1/')
# frame DST_MAC DST_IP VLAN PAYLOAD: one Ethernet frame out of host A's LAN
# port with an IPv4 UDP datagram (port 9999) from 10.66.0.2, tagged with VLAN
# (an 802.1Q tag) unless VLAN is -1 (build/tools/frame).
frame() { n3 "$TOOLS/frame" $LAN3 "$1" 10.66.0.2 "$2" "$3" "$4"; }
# (Nobody answers it: icmp_echo_ignore_broadcasts.)
nu0=$(counter 1 $GA PASS_LAN_NOT_US)
ok "host A's broadcast ping is not taken into the tunnel" \
	eq "$(delta 1 $GA REDIRECT_LAN ping_out 3 -b -c 2 -i 0.2 -W 1 10.66.0.255)" 0
ok "...its frames are not ours (LAN_NOT_US)" \
	ge $(($(counter 1 $GA PASS_LAN_NOT_US) - nu0)) 2
ok "a directed broadcast to gateway A's MAC is not taken" \
	eq "$(delta 1 $GA REDIRECT_LAN frame $MAC1 10.66.0.255 -1 bcast)" 0
ok "...it is the subnet's broadcast (LAN_BROADCAST)" \
	eq "$(delta 1 $GA PASS_LAN_BROADCAST frame $MAC1 10.66.0.255 -1 bcast)" 1

# VLAN: frames for VLAN 10 (gateway A has none) must not reach host B;
# priority-tagged (VLAN 0) ones are the LAN's, forwarded by the kernel.
n4 timeout 30 tcpdump -l -n -A -i $LAN4 udp port 9999 >"$TMP/vlan" \
	2>"$TMP/vlan.err" &
dump=$!
wait_for 5 grep -q "listening on" "$TMP/vlan.err"
ok "a VLAN 10 frame is left to the kernel (LAN_VLAN)" \
	eq "$(delta 1 $GA PASS_LAN_VLAN frame $MAC1 10.88.0.2 10 vlan-ten)" 1
ok "a priority-tagged frame is left to the kernel" \
	eq "$(delta 1 $GA PASS_LAN_VLAN frame $MAC1 10.88.0.2 0 prio-zero)" 1
ok "the same frame untagged is taken" \
	eq "$(delta 1 $GA REDIRECT_LAN frame $MAC1 10.88.0.2 -1 untagged)" 1
ok "host B gets the untagged one" wait_for 5 grep -q untagged "$TMP/vlan"
ok "...and the priority-tagged one, through gateway A's kernel" \
	wait_for 5 grep -q prio-zero "$TMP/vlan"
ok "...never the VLAN 10 one" not grep -q vlan-ten "$TMP/vlan"
kill $dump 2>/dev/null

# --- addresses added at run time answer from gateway A itself ---------------------
# in_lan_addrs FAMILY HEX: the daemon has put the address into lan_addrs
# (the key is struct wg_xdp_addr: the family, then 16 address bytes). The
# checks wait for it: the event reaches the daemon a moment after `ip addr`
# returns, and that moment is no subject for a test.
in_lan_addrs() {
	_k="$1 00 00 00 $2"
	while [ $(echo $_k | wc -w) -lt 20 ]; do _k="$_k 00"; done
	n1 bpftool map lookup pinned /sys/fs/bpf/wg-xdp/$GA/lan_addrs \
		key hex $_k >/dev/null 2>&1
}
ADDR50="0a 42 00 32" ADDR99="0a 63 00 01" # 10.66.0.50, 10.99.0.1
ADDR6_50="fd 66 00 00 00 00 00 00 00 00 00 00 00 00 00 50"
n1 ip addr add 10.66.0.50/24 dev $LAN1
n1 ip -6 addr add fd66::50/64 dev $LAN1 nodad
n1 ip addr add 10.99.0.1/32 dev lo
added() {
	wait_for 5 in_lan_addrs 02 "$ADDR50" &&
		wait_for 5 in_lan_addrs 0a "$ADDR6_50" &&
		wait_for 5 in_lan_addrs 02 "$ADDR99"
}
ok "the daemon follows addresses added at run time" added
ok "a LAN address added at run time answers" \
	n3 ping -c 2 -i 0.1 -W 1 10.66.0.50
ok "...from gateway A, not through the tunnel" \
	eq "$(delta 1 $GA REDIRECT_LAN n3 ping -c 3 -i 0.1 -W 1 10.66.0.50)" 0
ok "...counted as local (LAN_LOCAL)" \
	eq "$(delta 1 $GA PASS_LAN_LOCAL n3 ping -c 3 -i 0.1 -W 1 10.66.0.50)" 3
ok "an IPv6 address added at run time answers, not tunnelled" \
	eq "$(delta 1 $GA REDIRECT_LAN n3 ping -c 3 -i 0.1 -W 1 fd66::50)" 0
ok "...and replied" n3 ping -c 1 -W 1 fd66::50
ok "an address added to another interface (lo) answers, not tunnelled" \
	eq "$(delta 1 $GA REDIRECT_LAN n3 ping -c 3 -i 0.1 -W 1 10.99.0.1)" 0
ok "...and replied" n3 ping -c 1 -W 1 10.99.0.1
n1 ip addr del 10.99.0.1/32 dev lo
ok "the daemon follows its removal" wait_for 5 not in_lan_addrs 02 "$ADDR99"
ok "...after which it goes into the tunnel like any address" \
	ge "$(delta 1 $GA REDIRECT_LAN n3 ping -c 2 -i 0.1 -W 1 10.99.0.1)" 2
n1 ip addr del 10.66.0.50/24 dev $LAN1
ok "...and of a LAN address" wait_for 5 not in_lan_addrs 02 "$ADDR50"
ok "the LAN's own address still answers after the removals" \
	eq "$(delta 1 $GA REDIRECT_LAN n3 ping -c 2 -i 0.1 -W 1 10.66.0.1)" 0
# 10.66.0.50/24 shared its broadcast with 10.66.0.1/24, which remains.
ok "...and the subnet's broadcast is still the LAN's" \
	eq "$(delta 1 $GA PASS_LAN_BROADCAST frame $MAC1 10.66.0.255 -1 bcast)" 1

ok "gateway A down" wgxdp_down 1 $GA
ok "gateway B down" wgxdp_down 2 $GB
e2e_summary

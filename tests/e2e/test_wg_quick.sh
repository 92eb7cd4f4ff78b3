#!/bin/sh
# wg-quick with wg-xdp as its userspace implementation:
#
#   +------------------------------+        +------------------------------+
#   | netns $NS1                   |  veth  | netns $NS2                   |
#   |  $VETH1 10.77.0.1/24         |--------|  $VETH2 10.77.0.2/24         |
#   |  $Q: wg-quick up $Q.conf     |        |  $B wireguard-go             |
#   |     (runs `wg-xdp $Q`)       |        |     192.168.5.2/24           |
#   +------------------------------+        +------------------------------+
#
# Three runs: WG_XDP_NIC=$VETH1 (XDP on it), nothing (no default route in
# the namespace: the UDP path), and a default route via $VETH1 (XDP on the
# route's NIC). Each time: traffic flows, the data path is the expected
# one, and `wg-quick down` (ip link delete) makes the daemon exit and leave
# no socket, pin or XDP program behind. Then `wg-xdp NAME` on its own only
# creates the device: no addresses, no routes for allowed IPs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tools.sh"
trap e2e_cleanup EXIT
set -u

Q=wq$ID
B=wqb$ID
export WG_QUICK_USERSPACE_IMPLEMENTATION=$WGXDP
export WG_XDP_LOG=$TMP/wg-xdp.log

e2e_setup_pair
genkeys q b
PQ=$(cat $TMP/q.pub)
PB=$(cat $TMP/b.pub)
ok "wireguard-go starts" wggo $NS2 $B
n2 wg set $B private-key $TMP/b.key listen-port 51821 peer $PQ \
	allowed-ips 192.168.5.1/32
n2 ip addr add 192.168.5.2/24 dev $B
n2 ip link set $B up

CONF=$TMP/$Q.conf
cat >"$CONF" <<EOF
[Interface]
Address = 192.168.5.1/24
ListenPort = 51820
PrivateKey = $(cat $TMP/q.key)

[Peer]
PublicKey = $PB
AllowedIPs = 192.168.5.2/32, 192.168.7.0/24
Endpoint = 10.77.0.2:51821
EOF
chmod 600 "$CONF"

report() { printf 'wgxdp=1\n\n' | uapi $Q; }
sock_gone() { [ ! -e $SOCKDIR/$Q.sock ]; }
pins_gone() { [ ! -e /sys/fs/bpf/wg-xdp/$Q ]; }
no_xdp() { ! n1 ip link show dev $VETH1 | grep -q 'prog/xdp'; }
no_daemon() {
	for pid in $(ip netns pids $NS1); do
		[ "$(cat /proc/$pid/comm 2>/dev/null)" = wg-xdp ] && return 1
	done
	return 0
}
no_link() { ! n1 ip link show dev $Q >/dev/null 2>&1; }

# run LABEL PATHLINE ENV...: one wg-quick up/down cycle.
run() {
	label=$1
	want=$2
	xdp=$3
	shift 3
	ok "$label: wg-quick up" n1 env "$@" wg-quick up "$CONF"
	ok "$label: the daemon reports $want" has "$want" report
	ok "$label: XDP attached as reported" \
		[ "$(n1 ip link show dev $VETH1 | grep -c prog/xdp)" = "$xdp" ]
	ok "$label: wg sees the peer" same "$PB	10.77.0.2:51821" \
		n1 wg show $Q endpoints
	ok "$label: wg-quick set the address" has "192.168.5.1/24" \
		n1 ip -4 addr show dev $Q
	ok "$label: wg-quick set the route" has "192.168.7.0/24" \
		n1 ip route show dev $Q
	ok "$label: ping over the tunnel" n1 ping -c 3 -i 0.2 -W 2 192.168.5.2
	ok "$label: the peer saw a handshake" has "latest handshake" \
		n2 wg show $B
	ok "$label: wg-quick down" n1 wg-quick down "$CONF"
	ok "$label: the daemon exited" wait_for 5 no_daemon
	ok "$label: no control socket" sock_gone
	ok "$label: no pins" pins_gone
	ok "$label: no XDP on $VETH1" no_xdp
	ok "$label: no device" no_link
}

run "WG_XDP_NIC" "path=xdp
nic=$VETH1" 1 WG_XDP_NIC=$VETH1
run "no NIC, no default route" "path=udp" 0 WG_XDP_NIC=
n1 ip route add default via 10.77.0.2 dev $VETH1
run "default route" "path=xdp
nic=$VETH1" 1 WG_XDP_NIC=
n1 ip route del default

# `wg-xdp NAME` (wg-quick's call) creates the device and nothing else.
ok "wg-xdp NAME starts" n1 $WGXDP $Q
ok "the device exists" n1 ip link show dev $Q
ok "wg setconf" n1 sh -c "wg-quick strip '$CONF' > '$TMP/stripped'"
ok "wg setconf applies" n1 wg setconf $Q "$TMP/stripped"
# (The kernel's own IPv6 link-local address does not count.)
addrs() { n1 ip -o addr show dev $Q | grep -v 'scope link' || true; }
ok "no address on the device" same "" addrs
ok "no routes for allowed IPs" same "" n1 ip route show dev $Q
ok "ip link delete stops the daemon" n1 ip link delete dev $Q
ok "the daemon exited" wait_for 5 no_daemon
ok "no control socket" sock_gone
ok "no pins" pins_gone

e2e_summary

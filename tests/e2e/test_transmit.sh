#!/bin/sh
# The transmit choice (daemon/txsel.h): packets for the NIC leave by AF_XDP
# or by the UDP socket with GSO. WG_XDP_TX=udp and =xdp set it, and every
# data packet of A then takes that way alone; the default (auto) measures
# both on the first traffic, says what it measured in `wg-xdp show`, and
# afterwards sends by the one it chose alone. A file served by A is fetched
# by B each time, its checksum compared. A bad WG_XDP_TX is refused at start.
#
#   +---------------------------+        +---------------------------+
#   | netns $NS1 (A)            |  veth  | netns $NS2 (B)            |
#   |  $VETH1 10.77.0.1/24      |--------|  $VETH2 10.77.0.2/24      |
#   |  wg-xdp wta$ID            |        |  wg-xdp wtb$ID            |
#   |    192.168.5.1/24         |        |    192.168.5.2/24         |
#   |  web server :8001 (blob1) |        |  curl                     |
#   +---------------------------+        +---------------------------+
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tools.sh"
e2e_trap
set -u

A=wta$ID
B=wtb$ID
e2e_setup_pair
genkey ka
genkey kb
wg_conf "$TMP/a.conf" "$ka" 51820 192.168.5.1/24 "$kb_pub" \
	10.77.0.2:51820 192.168.5.2/32
wg_conf "$TMP/b.conf" "$kb" 51820 192.168.5.2/24 "$ka_pub" \
	10.77.0.1:51820 192.168.5.1/32
# Auto decides after 16 MiB each way: 48 MiB carries it past that.
blobs 48
www_serve

# up_a MODE: A with WG_XDP_TX=MODE ("": empty, which is auto as unset is).
up_a() {
	WG_XDP_TX=$1 wgxdp_up 1 $A "$TMP/a.conf"
}

# down_a: A gone, pins and socket too.
down_a() {
	wgxdp_down 1 $A && wait_for 10 [ ! -e /var/run/wireguard/$A.sock ]
}

show_a() { n1 $WGXDP show $A; }

# tunnel_works: A reaches B (A starts the handshake: B may still hold a
# session with the A before), and A's path to B is resolved for AF_XDP,
# so nothing after goes by the UDP socket for want of a neighbour.
tunnel_works() {
	n1 ping -c 2 -W 2 192.168.5.2 &&
		wait_for 10 sh -c "nsenter --net=/run/netns/$NS1 '$WGXDP' show $A |
			grep -q '^  path: xdp'"
}

# sent_by WAY: the frames A sent so far by WAY (xsk or udp).
sent_by() { xdpstat $A counter=${1}_tx; }

# fetch_blob: B fetches A's blob through the tunnel; its checksum holds.
fetch_blob() {
	fetch 2 http://192.168.5.1:8001/blob1 "$SUM1"
}

ok "B up" wgxdp_up 2 $B "$TMP/b.conf"

# 1. A bad value: a clear error, no daemon left behind.
ok "WG_XDP_TX=fast is refused" not sh -c \
	"WG_XDP_TX=fast nsenter --net=/run/netns/$NS1 '$WGXDP' up $VETH1 \
		-i $A -c '$TMP/a.conf' >'$TMP/bad.out' 2>&1"
ok "...saying what it takes" grep -q 'WG_XDP_TX: not auto, xdp or udp' \
	"$TMP/bad.out"
ok "...and nothing runs" not test -e /var/run/wireguard/$A.sock

# 2. Set to UDP: every data packet by the UDP socket.
ok "A up with WG_XDP_TX=udp" up_a udp
ok "show: transmit by udp gso (set)" sh -c \
	"nsenter --net=/run/netns/$NS1 '$WGXDP' show $A | grep -qx '  transmit: udp gso (set)'"
ok "show --json names it" sh -c \
	"nsenter --net=/run/netns/$NS1 '$WGXDP' show $A --json | grep -q '\"transmit\":\"udp\"'"
ok "the tunnel works" tunnel_works
x0=$(sent_by xsk)
u0=$(sent_by udp)
ok "udp: B fetches A's 48 MiB, checksum right" fetch_blob
ok "udp: no data frame left by AF_XDP" eq "$(sent_by xsk)" "$x0"
ok "udp: the UDP socket sent them (> 30,000)" ge "$(sent_by udp)" $((u0 + 30000))
ok "A down" down_a

# 3. Set to AF_XDP: the reverse.
ok "A up with WG_XDP_TX=xdp" up_a xdp
ok "show: transmit by af_xdp (set)" sh -c \
	"nsenter --net=/run/netns/$NS1 '$WGXDP' show $A | grep -qx '  transmit: af_xdp (set)'"
ok "the tunnel works" tunnel_works
x0=$(sent_by xsk)
u0=$(sent_by udp)
ok "xdp: B fetches A's 48 MiB, checksum right" fetch_blob
ok "xdp: AF_XDP sent them (> 30,000)" ge "$(sent_by xsk)" $((x0 + 30000))
ok "xdp: no data packet by the UDP socket" eq "$(sent_by udp)" "$u0"
ok "A down" down_a

# 4. Auto: measured on the first traffic, then one way only.
ok "A up (WG_XDP_TX empty: auto)" up_a ""
ok "show: measuring before any traffic" sh -c \
	"nsenter --net=/run/netns/$NS1 '$WGXDP' show $A | grep -q '^  transmit: measuring (xdp 0 of 16777216 bytes, udp 0)'"
ok "the tunnel works" tunnel_works
x0=$(sent_by xsk)
u0=$(sent_by udp)
ok "auto: B fetches A's 48 MiB, checksum right" fetch_blob
ok "auto: both ways carried some while measuring" sh -c \
	"[ $(sent_by xsk) -gt $((x0 + 1000)) ] && [ $(sent_by udp) -gt $((u0 + 1000)) ]"
ok "auto: show gives the choice and the figures" sh -c \
	"nsenter --net=/run/netns/$NS1 '$WGXDP' show $A | grep -Eqx '  transmit: (af_xdp|udp gso) \(measured: xdp [0-9]+\.[0-9]{3} ns/B, udp [0-9]+\.[0-9]{3} ns/B\)'"
show_a | grep transmit
case $(show_a | sed -n 's/^  transmit: \([a-z_]*\).*/\1/p') in
af_xdp) kept=xsk other=udp ;;
*) kept=udp other=xsk ;;
esac
x0=$(sent_by $kept)
u0=$(sent_by $other)
ok "auto: B fetches it again" fetch_blob
ok "auto: the way kept ($kept) sent it" ge "$(sent_by $kept)" $((x0 + 30000))
ok "auto: the other way ($other) sent none" eq "$(sent_by $other)" "$u0"
ok "A down" down_a

e2e_summary

#!/bin/sh
# wg-xdp against the kernel's own WireGuard (wireguard.ko), configured with
# the stock wg. Runs where the module exists (the VM tier's Debian kernels);
# elsewhere it says SKIP and counts nothing, unless E2E_REQUIRE_KERNEL_WG=1
# (set by tests/vm/run.sh), when a missing module is a failure.
#
#   +-------------------------------+          +-------------------------------+
#   | netns $NS1                    |          | netns $NS2                    |
#   |  wgx$ID (wg-xdp, port 7111)   |          |  wgk$ID (wireguard.ko, 7222)  |
#   |    192.168.5.1/24             |          |    192.168.5.2/24             |
#   |  $VETH1 10.77.0.1 (XDP)       |==========|  $VETH2 10.77.0.2             |
#   +-------------------------------+          +-------------------------------+
#
# wg-xdp initiates the first handshake, the kernel the second (its peer is
# removed and re-added, so it has no session), wg-xdp the third (the same on
# its side, through the stock wg); each time `latest handshake` must move on
# both sides and ping and a 4 MiB checksummed file transfer still work
# (1 MiB under E2E_QUICK=1).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_kernel.sh"
trap e2e_cleanup EXIT
set -u

if ! why=$(kwg_available); then
	if [ "${E2E_REQUIRE_KERNEL_WG:-0}" = 1 ]; then
		echo "FAIL - kernel wireguard required: $why"
		FAILED=1
		e2e_summary
		exit 1
	fi
	echo "SKIP - $why"
	e2e_summary
	exit 0
fi

e2e_setup_pair
WGX=wgx$ID
WGK=wgk$ID
export WG_XDP_LOG=$TMP/$WGX.log
export WG_HIDE_KEYS=always
kwg_genkey KX
kwg_genkey KK
echo "$KK" >"$TMP/kk.key"

MIB=$(quick 4 1)
blobs $MIB

wg_conf "$TMP/wgx.conf" "$KX" 7111 192.168.5.1/24 "$KK_pub" 10.77.0.2:7222 \
	192.168.5.2/32

kernel_up() {
	n2 ip link add $WGK type wireguard || return 1
	n2 wg set $WGK listen-port 7222 private-key "$TMP/kk.key" \
		peer "$KX_pub" endpoint 10.77.0.1:7111 \
		allowed-ips 192.168.5.1/32 || return 1
	n2 ip addr add 192.168.5.2/24 dev $WGK || return 1
	n2 ip link set $WGK mtu 1420 up
}

# forget N: remove the peer on side N and add it back, so that side holds no
# session and the next packet it sends starts a handshake.
forget() {
	if [ $1 = 1 ]; then
		n1 wg set $WGX peer "$KK_pub" remove || return 1
		n1 wg set $WGX peer "$KK_pub" endpoint 10.77.0.2:7222 \
			allowed-ips 192.168.5.2/32
	else
		n2 wg set $WGK peer "$KX_pub" remove || return 1
		n2 wg set $WGK peer "$KX_pub" endpoint 10.77.0.1:7111 \
			allowed-ips 192.168.5.1/32
	fi
}

pings() {
	n$1 ping -c 3 -i 0.2 -W 3 "$2"
}

# past T1 T2: the clock's second is past both (handshake times are in whole
# seconds: a new one must be able to differ from T1 and T2).
past() {
	_now=$(date +%s)
	[ "$_now" -gt "$1" ] && [ "$_now" -gt "$2" ]
}

# moved T1 T2: both sides saw a handshake after T1 (wg-xdp) and T2 (kernel).
moved() {
	wait_for 10 kwg_newer 1 $WGX "$1" && wait_for 10 kwg_newer 2 $WGK "$2"
}

# transfers: a file of MIB MiB each way over the tunnel, sha256 compared.
transfers() {
	kwg_fetch 1 http://192.168.5.2:8002/blob2 "$TMP/got1" "$SUM2" &&
		kwg_fetch 2 http://192.168.5.1:8001/blob1 "$TMP/got2" "$SUM1"
}

# servers_up: both web servers listen (started early, they are slow).
servers_up() {
	kwg_listening 1 8001 && kwg_listening 2 8002
}

# counted: wg-xdp's byte counters (reset when its peer was re-added), read
# with the stock wg, cover the last transfers.
counted() {
	n1 wg show $WGX transfer | awk -v min=$((MIB * 1000000)) \
		'$2 > min && $3 > min { f = 1 } END { exit !f }'
}

ok "kernel wireguard interface" kernel_up
kwg_serve 1 "$TMP/www1" 8001
kwg_serve 2 "$TMP/www2" 8002
ok "wg-xdp up" n1 "$WGXDP" up $VETH1 -i $WGX -c "$TMP/wgx.conf" -d

echo "# wg-xdp initiates"
ok "no handshake yet (wg-xdp)" test "$(kwg_handshake 1 $WGX)" = 0
ok "no handshake yet (kernel)" test "$(kwg_handshake 2 $WGK)" = 0
ok "ping wg-xdp -> kernel" pings 1 192.168.5.2
ok "handshake seen by both" moved 0 0
ok "wg-xdp sent the initiation" grep -q "Sending handshake initiation" "$WG_XDP_LOG"
ok "ping kernel -> wg-xdp" pings 2 192.168.5.1
wait_for 20 servers_up
ok "$MIB MiB each way, sha256" transfers
echo "# wg-xdp show (kernel $(uname -r))"
n1 "$WGXDP" show $WGX | sed 's/^/# /'

echo "# the kernel initiates (its peer forgotten)"
H1=$(kwg_handshake 1 $WGX)
H2=$(kwg_handshake 2 $WGK)
wait_for 3 past "$H1" "$H2"
ok "kernel forgets its session" forget 2
ok "ping kernel -> wg-xdp" pings 2 192.168.5.1
ok "new handshake seen by both" moved "$H1" "$H2"
ok "wg-xdp received an initiation" grep -q "Receiving handshake initiation" "$WG_XDP_LOG"
ok "ping wg-xdp -> kernel" pings 1 192.168.5.2
ok "$MIB MiB each way after the kernel's rekey" transfers

echo "# wg-xdp initiates again (its peer forgotten)"
H1=$(kwg_handshake 1 $WGX)
H2=$(kwg_handshake 2 $WGK)
wait_for 3 past "$H1" "$H2"
ok "wg-xdp forgets its session" forget 1
ok "ping wg-xdp -> kernel" pings 1 192.168.5.2
ok "new handshake seen by both" moved "$H1" "$H2"
ok "ping kernel -> wg-xdp" pings 2 192.168.5.1
ok "$MIB MiB each way after wg-xdp's rekey" transfers
ok "wg show reads wg-xdp's transfer counters" counted

ok "wg-xdp down" n1 "$WGXDP" down $WGX
e2e_summary

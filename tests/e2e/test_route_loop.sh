#!/bin/sh
# Loops are bounded (issue 11, point 6): an outer packet that would be
# routed into its own tunnel is dropped and counted (drop_loop), with a
# rate-limited log line, and never spins. On both data paths (xdp:
# attached to $VETH1; udp: on lo).
#
#   +-------------------------------+     +-------------------------+     +-----------------------------+
#   | netns $NS1 (client)           |     | netns $NS3 (router, NAT)|     | netns $NS2 (server)         |
#   |  wgc-$ID wg-xdp :7111         |     |                         |     |  wgs-$ID wireguard-go :7222 |
#   |   192.168.81.1 fd00:81::1     |     |                         |     |   192.168.81.2 fd00:81::2   |
#   |   10.81.2.2/32 dev wgc-$ID    |     |                         |     |  lo 10.99.0.1               |
#   |   (the loop: the endpoint     |     |                         |     |                             |
#   |    routed into the tunnel)    |     |                         |     |                             |
#   |  $VETH1 10.81.1.2 (XDP) ======|=====|= $RT1     $RT2 =========|=====|= $VETH2 10.81.2.2 fd81:2::2 |
#   +-------------------------------+     +-------------------------+     +-----------------------------+
#
# (a) The server's endpoint (10.81.2.2, then fd81:2::2) one of its allowed
#     IPs and routed into the tunnel (the xdp path first leaves AF_XDP,
#     within EVENT_S), and $LOOP_PINGS pings sent through it:
#     - drop_loop counts every one;
#     - the TUN device takes at most 2 * LOOP_PINGS + 10 packets from the
#       kernel (each ping once, once more if its outer packet comes back
#       into the tunnel before it is caught, and 10 for the handshake and
#       the kernel's own IPv6 traffic; a loop takes thousands);
#     - in the second after the pings at most 5 (the kernel's own IPv6
#       router solicitations and MLD reports; a loop would go on);
#     - nothing reaches the server (captured there);
#     - the log says so (a line with "loop" in it), at most 10 lines a
#       second (log.h's rate limit);
#     - the route deleted, the tunnel works again within EVENT_S.
# (b) wg-quick's full-tunnel rules without the fwmark on the device, the
#     server's allowed IPs 10.0.0.0/8 (holding 10.99.0.1 and the
#     endpoint, as a /0 would): the endpoint lookup itself falls into
#     table 200 (the tunnel): pings to 10.99.0.1 are drop_loop, as in (a); `wg set fwmark 0xc8` ends the loop and the
#     ping is answered within EVENT_S.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tools.sh"
. "$(dirname "$0")/lib_route.sh"
route_begin nat
set -e
n2 ip addr add 10.99.0.1/32 dev lo
set +e

route_keys
LOOP_PINGS=$(quick 100 30)

# loop_lines: the log's lines about loops since $LOG0 lines.
loop_lines() {
	tail -n +$((LOG0 + 1)) "$TMP/$C.log" | grep -ci loop
}

# looped LABEL F DST: LOOP_PINGS pings to DST while the endpoint loops; the
# checks of (a) above.
looped() {
	_l=$1 _lf=$2 _dst=$3
	LOG0=$(wc -l <"$TMP/$C.log")
	counts $C "$TMP/l0" drop_loop
	cap_start far 2 $VETH2 "udp dst port 7222"
	t0=$(date +%s%3N)
	tx0=$(tx_packets 1 $C)
	n1 ping -c $LOOP_PINGS -i 0.01 -W 1 -q $_dst >/dev/null 2>&1
	tx1=$(tx_packets 1 $C)
	# The absence of traffic has to be waited for: one second, in which a
	# loop would move thousands of packets.
	sleep 1
	tx2=$(tx_packets 1 $C)
	secs=$((($(date +%s%3N) - t0 + 999) / 1000))
	counts $C "$TMP/l1" drop_loop
	cap_stop far
	echo "# $_l: path during the loop: $(peer_path $C "$KS_pub")"
	ok "$_l: drop_loop counts every ping" \
		grew "$TMP/l0" "$TMP/l1" drop_loop $LOOP_PINGS
	ok "$_l: the TUN took at most $((2 * LOOP_PINGS + 10)) packets" \
		between $((tx1 - tx0)) $LOOP_PINGS $((2 * LOOP_PINGS + 10))
	ok "$_l: at most 5 in the second after" between $((tx2 - tx1)) 0 5
	ok "$_l: nothing reached the server" \
		eq "$(cap_count far "$(data $_lf)")" 0
	ok "$_l: the log says so" ge "$(loop_lines)" 1
	ok "$_l: at most 10 lines a second ($secs s)" \
		between "$(loop_lines)" 1 $((10 * secs))
}

for mode in $ROUTE_MODES; do
	tunnel_up

	echo "# (a) the endpoint routed into the tunnel"
	for f in 4 6; do
		fam $f
		if [ $f = 4 ]; then host=10.81.2.2/32; else host=fd81:2::2/128; fi
		ok "$mode/v$f: endpoint $EP" \
			n1 wg set $C peer "$KS_pub" endpoint "$EP"
		ok "$mode/v$f: the tunnel works" tping 1 192.168.81.2
		# The endpoint an allowed IP of its own peer, as under a full
		# tunnel: an outer packet that comes back into the tunnel is
		# sealed again for the same peer, and again.
		ok "$mode/v$f: $host allowed for the server" \
			n1 wg set $C peer "$KS_pub" allowed-ips \
			192.168.81.2/32,fd00:81::2/128,$host
		ok "$mode/v$f: $host routed into the tunnel" \
			n1 ip route replace $host dev $C
		if [ $mode = xdp ]; then
			ok "$mode/v$f: the path leaves AF_XDP within ${EVENT_S} s" \
				eventually $EVENT_S not path_is $C "$KS_pub" '^xdp'
		fi
		looped "$mode/v$f loop" $f 192.168.81.2
		ok "$mode/v$f: the route deleted" n1 ip route del $host dev $C
		n1 wg set $C peer "$KS_pub" allowed-ips \
			192.168.81.2/32,fd00:81::2/128
		ok "$mode/v$f: the tunnel works again within ${EVENT_S} s" \
			eventually $EVENT_S tping1 1 192.168.81.2
	done

	echo "# (b) wg-quick's rules, no fwmark"
	fam 4
	# 10.0.0.0/8 holds 10.99.0.1 and the endpoint, as a /0 would.
	ok "$mode/full: 10.0.0.0/8 allowed for the server" \
		n1 wg set $C peer "$KS_pub" \
		allowed-ips 192.168.81.2/32,fd00:81::2/128,10.0.0.0/8
	# Only the policy rules may route it into the tunnel.
	n1 ip route del 10.0.0.0/8 dev $C 2>/dev/null
	ok "$mode/full: the rules and table 200" sh -c "
		nsenter --net=/run/netns/$NS1 ip route add default dev $C table 200 &&
		nsenter --net=/run/netns/$NS1 ip rule add not fwmark 0xc8 lookup 200 pref 90 &&
		nsenter --net=/run/netns/$NS1 ip rule add lookup main suppress_prefixlength 0 pref 80"
	ok "$mode/full: endpoint $EP (looked up under the rules)" \
		n1 wg set $C peer "$KS_pub" endpoint "$EP"
	looped "$mode/full loop" 4 10.99.0.1
	ok "$mode/full: wg set fwmark 0xc8" n1 wg set $C fwmark 0xc8
	ok "$mode/full: 10.99.0.1 answers within ${EVENT_S} s" \
		eventually $EVENT_S tping1 1 10.99.0.1
	n1 ip rule del pref 80
	n1 ip rule del pref 90
	n1 ip route del default dev $C table 200
	n1 wg set $C fwmark 0 peer "$KS_pub" \
		allowed-ips 192.168.81.2/32,fd00:81::2/128

	tunnel_down
done

e2e_summary

#!/bin/sh
# Junk on wg-xdp's listen port, sent from the other namespace over IPv4 and
# IPv6: each class is dropped in XDP and counted under its own reason in the
# stats map, by exactly the number sent (initiations with a bad mac1 among
# them, one a second of which goes on to the daemon's log); then the tunnel
# still works.
#
#   +------------------------------+          +------------------------------+
#   | netns $NS1                   |          | netns $NS2                   |
#   |  wg1-$ID 192.168.5.1/24      |          |  wg2-$ID 192.168.5.2/24      |
#   |    wg-xdp, port 7111         |          |    wg-xdp, port 7222         |
#   |  $VETH1 10.77.0.1 fd77::1    |==========|  $VETH2 10.77.0.2 fd77::2    |
#   |        (XDP: counts below)   |   <--    |  build/tools/junk -> :7111   |
#   +------------------------------+          +------------------------------+

. "$(dirname "$0")/lib.sh"
e2e_trap
set -e
e2e_setup_pair
set +e

WG1=wg1-$ID
WG2=wg2-$ID
genkey K1
genkey K2
N=${JUNK_N:-$(quick 25 10)}

conf() {
	cat <<EOC
[Interface]
PrivateKey = $1
ListenPort = $2
Address = $3/24

[Peer]
PublicKey = $4
Endpoint = $5
AllowedIPs = $6/32
EOC
}
conf "$K1" 7111 192.168.5.1 "$K2_pub" 10.77.0.2:7222 192.168.5.2 \
	>"$TMP/wg1.conf"
conf "$K2" 7222 192.168.5.2 "$K1_pub" 10.77.0.1:7111 192.168.5.1 \
	>"$TMP/wg2.conf"

ok "wg1 up" wgxdp_up 1 $WG1 "$TMP/wg1.conf"
ok "wg2 up" wgxdp_up 2 $WG2 "$TMP/wg2.conf"
ok "tunnel works before" n2 ping -c 2 -i 0.2 -W 2 192.168.5.1

# moved_by REASON REASON2 N: in $TMP/after, the counters of REASON and
# REASON2 ("" for none) are together N more than in $TMP/before (read
# afresh each time: XDP counts as the packets land).
moved_by() {
	counters 1 $WG1 >"$TMP/after" || return 1
	awk -v r=$1 -v r2="$2" -v n=$3 'NR == FNR { before[$1] = $2; next }
		$1 == r || $1 == r2 { got += $2 - before[$1] }
		END { exit !(got >= n) }' \
		"$TMP/before" "$TMP/after"
}

# junk CLASS REASON[+REASON2] HOST...: send $N of CLASS to each HOST port
# 7111 (build/tools/junk, whose classes tests/tools/junk.c lists); the
# counter of REASON (with REASON2: the two together) on wg1 moved by exactly
# $N per host, and no other counter but PASS_* ones (the namespaces' own
# neighbour traffic) and REDIRECT_DATA (the tunnel's own keepalives, which
# slow machines see land in the window) moved.
junk() {
	cls=$1 want=${2%+*} also=${2#*+}
	[ "$also" = "$2" ] && also=
	shift 2
	counters 1 $WG1 >"$TMP/before" || return 1
	n2 "$TOOLS/junk" $cls $N 7111 "$@" || return 1
	exp=$((N * $#))
	# Until the count is reached (or 2 s), then it must be exact.
	wait_for 2 moved_by "$want" "$also" $exp
	awk -v r=$want -v r2="$also" -v n=$exp '
		NR == FNR { before[$1] = $2; next }
		$1 == r || $1 == r2 { seen = 1; got += $2 - before[$1]; next }
		$1 !~ /^PASS_/ && $1 != "REDIRECT_DATA" && $2 != before[$1] {
			print $1 " moved by " $2 - before[$1] " too"; bad = 1 }
		END {
			if (!seen) { print "no counter " r; exit 1 }
			if (got != n) { print r " " r2 " moved by " got ", sent " n
				exit 1 }
			exit bad }' \
		"$TMP/before" "$TMP/after"
}

H="10.77.0.1 fd77::1"
ok "$N+$N shorter than a header: DROP_TRUNCATED" \
	junk truncated DROP_TRUNCATED $H
ok "$N+$N types 0 and 5..255: DROP_BAD_TYPE" junk bad_type DROP_BAD_TYPE $H
ok "$N+$N random bytes: DROP_BAD_TYPE" junk random DROP_BAD_TYPE $H
ok "$N+$N nonzero reserved bytes: DROP_RESERVED" \
	junk reserved DROP_RESERVED $H
ok "$N+$N initiations of wrong size: DROP_BAD_LEN_INITIATION" \
	junk len_initiation DROP_BAD_LEN_INITIATION $H
ok "$N+$N responses of wrong size: DROP_BAD_LEN_RESPONSE" \
	junk len_response DROP_BAD_LEN_RESPONSE $H
ok "$N+$N cookie replies of wrong size: DROP_BAD_LEN_COOKIE" \
	junk len_cookie DROP_BAD_LEN_COOKIE $H
ok "$N+$N data shorter than 32 bytes: DROP_BAD_LEN_DATA" \
	junk len_data DROP_BAD_LEN_DATA $H
ok "$N+$N data to unknown receiver indexes: DROP_UNKNOWN_INDEX" \
	junk index_data DROP_UNKNOWN_INDEX $H
ok "$N+$N responses to unknown receiver indexes: DROP_UNKNOWN_INDEX" \
	junk index_response DROP_UNKNOWN_INDEX $H
ok "$N+$N cookie replies to unknown receiver indexes: DROP_UNKNOWN_INDEX" \
	junk index_cookie DROP_UNKNOWN_INDEX $H
ok "$N UDP lengths longer than the IP packet: DROP_BAD_UDP_LEN" \
	junk bad_udp_len DROP_BAD_UDP_LEN 10.77.0.1
# Well-formed in size, garbage inside: XDP drops them for their mac1 but
# passes one a second on, and the daemon logs that one.
ok "$N+$N garbage initiations: DROP_BAD_MAC1_INITIATION (+ REDIRECT_BAD_MAC1)" \
	junk initiation DROP_BAD_MAC1_INITIATION+REDIRECT_BAD_MAC1 $H
ok "the daemon logged one: Invalid initiation MAC" \
	wait_for 2 log_has $WG1 "Invalid initiation MAC from 10\.77\.0\.2:"

ok "wg1 still running" test -n "$(wgxdp_pids 1)"
ok "tunnel works after: ping 192.168.5.1" n2 ping -c 3 -i 0.2 -W 2 192.168.5.1
ok "tunnel works after: ping 192.168.5.2" n1 ping -c 3 -i 0.2 -W 2 192.168.5.2
ok "wg2 saw none of it (no DROP_ counted)" \
	eq "$(counters 2 $WG2 | grep -c '^DROP_.* [1-9]')" 0
ok "wg-xdp down wg1" wgxdp_down 1 $WG1
ok "wg-xdp down wg2" wgxdp_down 2 $WG2

e2e_summary

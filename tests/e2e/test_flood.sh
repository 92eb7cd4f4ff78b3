#!/bin/sh
# Handshake floods at wg-xdp while a real peer, wireguard-go, starts its
# handshake: the peer gets through and its pings pass while the flood lasts.
#
#   +--------------------------------+          +-----------------------------------+
#   | netns $NS1                     |          | netns $NS2                        |
#   |  wgx-$ID (wg-xdp, port 7111)   |          |  wgg-$ID (wireguard-go, 7222)     |
#   |    192.168.5.1/24              |          |    192.168.5.2/24                 |
#   |  $VETH1 10.77.0.1 (XDP)        |==========| $VETH2 10.77.0.2, 10.77.0.10-17   |
#   +--------------------------------+   <--    |  build/bench/flood -> :7111       |
#                                               +-----------------------------------+
#
# (a) junk initiations (148 bytes, random MACs) from the peer's own address
#     10.77.0.2, as fast as one core sends (from a second before the peer's
#     first initiation until its pings are done): XDP drops them by mac1,
#     the daemon sees at most one a second (for its log), nobody is charged;
# (b) the same from 128 forged sources 10.77.0.100-227 (raw socket): the
#     same;
# (c) initiations with a valid mac1 from 10.77.0.10-17, which answer the
#     cookie replies: cookies are sent, XDP sheds what is over each source's
#     budget, the daemon processes at most the budget (20/s, burst 5, per
#     address), and every rate-limit bucket belongs to an address that
#     proved itself; the peer starts once every flooding address has its
#     cookie.
# wireguard-go is started afresh for each, and sends its first initiation
# a second into the flood ((c): once the addresses have their cookies).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tools.sh"
e2e_trap
set -e
e2e_setup_pair
set +e

WGX=wgx-$ID
WGG=wgg-$ID
FLOOD=${FLOOD:-$ROOT/build/bench/flood}
# Each flood lasts until the peer's pings are done (it is stopped then),
# at most FLOOD_CAP s; the handshake may take HS_WAIT s (in (c): a cookie
# round, then wireguard-go's retry after REKEY_TIMEOUT, 5 s).
FLOOD_CAP=120
HS_WAIT=60
NSRC=8
genkey KX
genkey KG
echo "$KG" >"$TMP/kg.key"
NCPU=$(nproc)

if [ ! -x "$FLOOD" ]; then
	echo "test_flood: $FLOOD missing (make)"
	echo "test_flood: 0 passed, 1 failed"
	exit 1
fi
i=0
while [ $i -lt $NSRC ]; do
	n2 ip addr add 10.77.0.$((10 + i))/24 dev $VETH2
	i=$((i + 1))
done

wg_conf "$TMP/wgx.conf" "$KX" 7111 192.168.5.1/24 "$KG_pub" 10.77.0.2:7222 \
	192.168.5.2/32

# start: wg-xdp and wireguard-go afresh, no session, no traffic yet.
start() {
	wgxdp_down 1 $WGX 2>/dev/null
	wggo_down 2 $WGG
	: >"$TMP/$WGX.log"
	wgxdp_up 1 $WGX "$TMP/wgx.conf" || return 1
	wggo_up 2 $WGG || return 1
	n2 wg set $WGG listen-port 7222 private-key "$TMP/kg.key" \
		peer "$KX_pub" endpoint 10.77.0.1:7111 \
		allowed-ips 192.168.5.1/32 || return 1
	n2 ip addr add 192.168.5.2/24 dev $WGG
	n2 ip link set $WGG mtu 1420 up
}

# snap FILE: XDP stats and daemon counters of wg-xdp, "NAME value" lines.
snap() {
	counters 1 $WGX >"$1" || return 1
	printf 'wgxdp=1\n\n' | uapi $WGX |
		sed -n 's/^counter=\([a-z0-9_]*\) \([0-9]*\)$/\1 \2/p' >>"$1"
}

# delta NAME: how much NAME moved from $TMP/before to $TMP/after.
delta() {
	awk -v k="$1" 'NR == FNR { if ($1 == k) b = $2; next }
		$1 == k { a = $2 } END { print a - b }' \
		"$TMP/before" "$TMP/after"
}

# buckets: entries of XDP's rate-limit map (sources charged), one a line.
buckets() {
	n1 bpftool -j map dump pinned /sys/fs/bpf/wg-xdp/$WGX/ratelimit |
		jq -r '
# a byte: a number, or a string "0x.." or decimal
def byte: if type == "string" then
		if startswith("0x") then ltrimstr("0x") | ascii_downcase | explode |
			reduce .[] as $c (0; . * 16 +
				(if $c >= 97 then $c - 87 else $c - 48 end))
		else tonumber end
	else . end;
.[] | (.formatted // .).key |
if type == "object" then
	(if .family == 2 then .addr[:4] else .addr[:8] end) |
		map(byte | tostring) | join(".")
else join(" ") end'
}

# flood_run NAME MODE HOST PORT [ARGS...]: `flood MODE HOST PORT
# $FLOOD_CAP ARGS...` in the background (output in $TMP/NAME.out); returns
# once it has sent for a second.
flood_run() {
	_f=$1 _m=$2 _h=$3 _p=$4
	shift 4
	# nsenter execs flood: $! is the flood itself, for flood_done's kill.
	nsenter --net=/run/netns/$NS2 "$FLOOD" "$_m" "$_h" "$_p" $FLOOD_CAP \
		"$@" >"$TMP/$_f.out" 2>&1 &
	FPID=$!
	sleep 1
	kill -0 $FPID
}

# peer_through: wireguard-go's handshake completes during the flood and 20
# pings pass, the flood still running at the end.
peer_through() {
	wait_for $HS_WAIT n2 ping -c 1 -W 1 192.168.5.1 || {
		echo "no handshake within $HS_WAIT s"
		return 1
	}
	n2 ping -c 20 -i 0.2 -W 2 -q 192.168.5.1 >"$TMP/ping.out"
	rc=$?
	cat "$TMP/ping.out"
	kill -0 $FPID || { echo "the flood had ended"; return 1; }
	return $rc
}

# flood_done NAME: stop the flood, show its line; FT is then its seconds
# (whole, rounded up).
flood_done() {
	kill -TERM $FPID 2>/dev/null
	wait $FPID
	cat "$TMP/$1.out"
	FT=$(sed -n 's/.* seconds=\([0-9]*\).*/\1/p' "$TMP/$1.out")
	FT=$((${FT:-0} + 1))
	grep -q '^flood: .* sent=[1-9]' "$TMP/$1.out"
}

# junk_checks LABEL: after a junk flood of $FT s: dropped in XDP by mac1,
# the daemon saw at most one a second per CPU (the log sample), nobody was
# charged.
junk_checks() {
	ok "$1: XDP dropped them for their mac1" \
		positive "$(delta DROP_BAD_MAC1_INITIATION)"
	echo "# $1: $(delta DROP_BAD_MAC1_INITIATION) dropped in XDP," \
		"$(delta REDIRECT_BAD_MAC1) sampled to the daemon"
	ok "$1: the daemon saw at most $NCPU a second (log samples)" \
		ge $((NCPU * (FT + 2))) "$(delta hs_bad_mac1)"
	ok "$1: the log still says Invalid initiation MAC" \
		log_has $WGX "Invalid initiation MAC from 10\.77\.0\."
	ok "$1: no source was charged (no rate-limit bucket)" \
		eq "$(buckets | wc -l)" 0
}

echo "# (a) junk initiations from the peer's own address"
ok "(a): start" start
snap "$TMP/before"
ok "(a): flood from 10.77.0.2 underway" \
	flood_run a junk 10.77.0.1 7111
ok "(a): wireguard-go's handshake completes and 20 pings pass during it" \
	peer_through
ok "(a): flood done" flood_done a
echo "# $(cat "$TMP/a.out")"
snap "$TMP/after"
junk_checks "(a)"

echo "# (b) junk initiations from 128 forged sources"
ok "(b): start" start
snap "$TMP/before"
ok "(b): spoofed flood underway" \
	flood_run b spoof 10.77.0.1 7111 10.77.0.100 128
ok "(b): wireguard-go's handshake completes and 20 pings pass during it" \
	peer_through
ok "(b): flood done" flood_done b
echo "# $(cat "$TMP/b.out")"
snap "$TMP/after"
junk_checks "(b)"

echo "# (c) valid-mac1 initiations from $NSRC addresses that take cookies"
ok "(c): start" start
snap "$TMP/before"
ok "(c): valid-mac1 flood underway" \
	flood_run c mac1 10.77.0.1 7111 "$KX_pub" 10.77.0.10 $NSRC
# The peer starts once the flood is what it will stay: every flooding
# address with its cookie, and proven (the start, before the cookies, is
# the same valid-mac1 flood without them). The budget is counted from here
# to the flood's end.
ok "(c): every flooding address took its cookie" \
	wait_for $HS_WAIT grep -q "all sources proven" "$TMP/c.out"
# t0 and t1 enclose both snapshots: the budget covers all they count.
t0=$(date +%s%3N)
snap "$TMP/mid"
ok "(c): wireguard-go's handshake completes and 20 pings pass during it" \
	peer_through
ok "(c): flood done" flood_done c
echo "# $(cat "$TMP/c.out")"
snap "$TMP/after"
t1=$(date +%s%3N)
ok "(c): cookie replies were sent (cookies_tx)" positive "$(delta cookies_tx)"
ok "(c): the flooder took them" \
	positive "$(sed -n 's/.* cookies=\([0-9]*\).*/\1/p' "$TMP/c.out")"
ok "(c): XDP shed proven messages over their budget" \
	positive "$(delta DROP_RATELIMIT)"
cp "$TMP/mid" "$TMP/before"
win=$(((t1 - t0 + 999) / 1000 + 1))
budget=$((NSRC * (5 + 20 * win) + 10))
acc=$(delta hs_accepted)
echo "# (c): the daemon processed $acc handshakes in ${win} s" \
	"(budget $budget), limited $(delta hs_ratelimited)," \
	"answered $(delta cookies_tx) with a cookie;" \
	"load on/off $(log_count $WGX 'Handshake load') times"
ok "(c): the daemon processed at most each address's budget" \
	ge "$budget" "$acc"
buckets >"$TMP/buckets"
ok "(c): every charged source proved itself (the flood's and the peer's)" \
	sh -c "! grep -v -E '^10\.77\.0\.(2|1[0-7])\$' '$TMP/buckets'"
ok "(c): each flood address has its bucket" \
	eq "$(grep -c -E '^10\.77\.0\.1[0-7]$' "$TMP/buckets")" $NSRC

ok "wg-xdp still running" test -n "$(wgxdp_pids 1)"
ok "wg-xdp down" wgxdp_down 1 $WGX
wggo_down 2 $WGG

e2e_summary

#!/bin/sh
# Helpers for the end-to-end tests: namespaces made by the test, torn down on
# every exit path. Source it, then `trap e2e_cleanup EXIT` and call
# `e2e_setup_pair`.
#
#   +---------------------------+        +---------------------------+
#   | netns $NS1                |  veth  | netns $NS2                |
#   |  $VETH1 10.77.0.1/24      |--------|  $VETH2 10.77.0.2/24      |
#   |          fd77::1/64       |        |          fd77::2/64       |
#   |  tunnel 192.168.5.1/24    |        |  tunnel 192.168.5.2/24    |
#   |         fd00:5::1/64      |        |         fd00:5::2/64      |
#   +---------------------------+        +---------------------------+
#
# Everything a test makes carries $ID (the test's PID unless E2E_ID is set):
# namespaces, veths, WireGuard interface names (so their control sockets in
# the shared /var/run/wireguard do not collide), pins under
# /sys/fs/bpf/wg-xdp/ and the temporary directory.
#
# wg-xdp and bpftool run under `nsenter --net` (n1, n2), never `ip netns
# exec`: the latter remounts /sys and hides /sys/fs/bpf.

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WGXDP=${WGXDP:-$ROOT/build/wg-xdp}
MAPS_H=${MAPS_H:-$ROOT/bpf/maps.h}
ID=${E2E_ID:-$$}
NS1=wgxdp-a-$ID
NS2=wgxdp-b-$ID
VETH1=veth-a$ID
VETH2=veth-b$ID
PASSED=0
FAILED=0
# The tests' own tools (tests/tools/, built by make).
TOOLS=${TOOLS:-$ROOT/build/tools}
export WG_HIDE_KEYS=always
# The tests assert which transport carried each outer packet (xsk_tx or
# udp_tx), so their daemons send by AF_XDP wherever the route allows, as
# WG_XDP_TX=xdp sets; auto, the default, measures by alternating the two
# (test_transmit covers it).
export WG_XDP_TX=${WG_XDP_TX-xdp}

if [ "$(id -u)" -ne 0 ]; then
	echo "$(basename "$0" .sh): SKIP: needs root (namespaces, XDP, BPF)"
	exit 1
fi
TMP=$(mktemp -d /tmp/wg-xdp-e2e.XXXXXX)

n1() { nsenter --net=/run/netns/$NS1 "$@"; }
n2() { nsenter --net=/run/netns/$NS2 "$@"; }

# The PIDs of every process in our namespaces.
ns_pids() {
	for ns in $NS1 $NS2; do
		[ -e /run/netns/$ns ] && ip netns pids $ns 2>/dev/null
	done
}

e2e_cleanup() {
	trap - EXIT INT TERM HUP
	# A reader that went away (make demo | head) must not stop the cleanup.
	trap '' PIPE
	# SIGTERM first: wg-xdp then detaches XDP and removes its pins.
	for pid in $(ns_pids); do
		kill -TERM "$pid" 2>/dev/null
	done
	t=30
	while [ $t -gt 0 ] && [ -n "$(ns_pids)" ]; do
		sleep 0.1
		t=$((t - 1))
	done
	for pid in $(ns_pids); do
		kill -KILL "$pid" 2>/dev/null
	done
	for ns in $NS1 $NS2; do
		[ -e /run/netns/$ns ] && ip netns del $ns 2>/dev/null
	done
	rm -f /var/run/wireguard/*"$ID".sock
	for d in /sys/fs/bpf/wg-xdp/*"$ID"; do
		[ -d "$d" ] || continue
		rm -f "$d"/* 2>/dev/null
		rmdir "$d" 2>/dev/null
	done
	rm -rf "$TMP"
}

# ns_del NS...: kill what runs in the extra namespaces a test made and
# delete them (for its EXIT trap, before e2e_cleanup).
ns_del() {
	for _ns in "$@"; do
		for _pid in $(ip netns pids $_ns 2>/dev/null); do
			kill -KILL "$_pid" 2>/dev/null
		done
		ip netns del $_ns 2>/dev/null
	done
}

# Every test calls this first: a signal (or a closed output pipe) exits, and
# the EXIT trap cleans up.
e2e_trap() {
	trap e2e_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	trap 'exit 141' PIPE
}

e2e_setup_pair() {
	ip netns add $NS1
	ip netns add $NS2
	ip link add $VETH1 netns $NS1 type veth peer name $VETH2 netns $NS2
	n1 ip addr add 10.77.0.1/24 dev $VETH1
	n2 ip addr add 10.77.0.2/24 dev $VETH2
	n1 ip addr add fd77::1/64 dev $VETH1 nodad
	n2 ip addr add fd77::2/64 dev $VETH2 nodad
	for ns in 1 2; do
		n$ns ip link set lo up
	done
	n1 ip link set $VETH1 up
	n2 ip link set $VETH2 up
	# Both ends up with carrier, then the outer addresses resolve.
	wait_for 5 n1 ping -c 1 -W 1 10.77.0.2
	wait_for 5 n1 ping -c 1 -W 1 fd77::2
}

# With E2E_TIMES=1 every assertion's line ends with how long it took and,
# after "+", how long the test ran between it and the previous one (set-up,
# unasserted steps): where the time goes, e.g. in a slow VM.
if [ "${E2E_TIMES:-0}" = 1 ]; then _ok_t=$(date +%s%3N); fi
_ok_ms() { date +%s%3N; }

# ok NAME COMMAND...: one assertion, counted.
ok() {
	name=$1
	shift
	_t=
	if [ "${E2E_TIMES:-0}" = 1 ]; then
		_t0=$(_ok_ms)
		_gap=$((_t0 - ${_ok_t:-$_t0}))
	fi
	if "$@" >"$TMP/out" 2>&1; then
		PASSED=$((PASSED + 1))
		_r="ok - $name"
	else
		FAILED=$((FAILED + 1))
		_r="FAIL - $name"
	fi
	if [ "${E2E_TIMES:-0}" = 1 ]; then
		_ok_t=$(_ok_ms)
		_t=" [$((_ok_t - _t0)) ms +$_gap]"
	fi
	echo "$_r$_t"
	case $_r in FAIL*) sed 's/^/    /' "$TMP/out" | tail -20 ;; esac
}

# not COMMAND...: succeeds when the command fails.
not() {
	! "$@"
}

e2e_summary() {
	echo "$(basename "$0" .sh): $PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
}

# quick FULL SMALL: FULL, or SMALL under E2E_QUICK=1, the one scale knob of
# the tests (the VM tier sets it: under TCG a guest runs 10 times slower).
# It shrinks only volume (iperf3 seconds, file sizes, peer, packet and client
# counts); every check still runs and can still fail.
quick() {
	if [ "${E2E_QUICK:-0}" = 1 ]; then
		echo "$2"
	else
		echo "$1"
	fi
}

# wait_for SECONDS COMMAND...: retry until the command succeeds.
wait_for() {
	t=$(($1 * 10))
	shift
	while [ $t -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		t=$((t - 1))
	done
	return 1
}

# --- keys -------------------------------------------------------------------

# genkey VAR: a fresh private key in $VAR and its public half in ${VAR}_pub.
genkey() {
	_k=$($WGXDP genkey)
	eval "$1=\$_k"
	eval "${1}_pub=\$(echo \"\$_k\" | \$WGXDP pubkey)"
}

# randkeys N: N random 32-byte keys (as public keys of peers that never
# answer), base64, one a line; three processes for any N.
randkeys() {
	head -c $(($1 * 32)) /dev/urandom | od -An -v -tu1 -w32 | awk '
	BEGIN { b = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" }
	function c(v) { return substr(b, v + 1, 1) }
	{
		s = ""
		# 30 bytes as 10 groups of 3, then the last 2 and one "=".
		for (i = 1; i <= 30; i += 3) {
			v = ($i * 256 + $(i + 1)) * 256 + $(i + 2)
			s = s c(int(v / 262144)) c(int(v / 4096) % 64) \
				c(int(v / 64) % 64) c(v % 64)
		}
		v = $31 * 256 + $32
		print s c(int(v / 1024)) c(int(v / 16) % 64) c(v % 16 * 4) "="
	}'
}

# --- wg-xdp -----------------------------------------------------------------

# wgxdp_up N NAME CONF [ARGS...]: start wg-xdp on namespace N's veth with the
# configuration CONF; debug log in $TMP/NAME.log. Returns when it is ready.
wgxdp_up() {
	_n=$1 _name=$2 _conf=$3
	shift 3
	eval "_veth=\$VETH$_n"
	WG_XDP_LOG=$TMP/$_name.log n$_n "$WGXDP" up "$_veth" -i "$_name" \
		-c "$_conf" -d "$@"
}

# wgxdp_down N NAME
wgxdp_down() {
	n$1 "$WGXDP" down "$2"
}

# wgxdp_pids N: the PIDs of the wg-xdp daemons in namespace N.
wgxdp_pids() {
	eval "_ns=\$NS$1"
	for _p in $(ip netns pids $_ns 2>/dev/null); do
		[ "$(cat /proc/$_p/comm 2>/dev/null)" = wg-xdp ] && echo $_p
	done
}

# log_has NAME REGEX: the daemon's log has a matching line.
log_has() {
	grep -q -- "$2" "$TMP/$1.log"
}

# log_count NAME REGEX: how many log lines match.
log_count() {
	grep -c -- "$2" "$TMP/$1.log" 2>/dev/null || true
}

# xdp_path NAME: "xdp" or "udp", which data path the daemon chose.
xdp_path() {
	if grep -q 'Data path: XDP' "$TMP/$1.log"; then
		echo xdp
	else
		echo udp
	fi
}

# The names of the reasons, in order, from bpf/maps.h's WG_XDP_REASONS.
reasons() {
	sed -n 's/^	X(\([A-Z0-9_]*\),.*/\1/p' "$MAPS_H"
}

# counters N NAME: every counter of the stats map pinned for interface NAME,
# "REASON packets" per line, summed over CPUs. With BTF, bpftool's plain dump
# names the fields and awk reads it; a raw dump (lists of hex bytes) goes
# through jq.
counters() {
	reasons >"$TMP/reasons"
	n$1 bpftool map dump pinned /sys/fs/bpf/wg-xdp/$2/stats \
		>"$TMP/stats" || return 1
	if grep -q '"packets":' "$TMP/stats"; then
		awk 'NR == FNR { name[NR - 1] = $1; next }
			/"key":/ { k = $2 + 0; keys[k] = 1 }
			/"packets":/ { sub(/,$/, "", $2); sum[k] += $2 }
			END { for (k = 0; k in keys; k++)
				print (k in name ? name[k] : k), sum[k] + 0 }' \
			"$TMP/reasons" "$TMP/stats"
		return
	fi
	n$1 bpftool -j map dump pinned /sys/fs/bpf/wg-xdp/$2/stats |
		jq -r --rawfile names "$TMP/reasons" '
# bytes, little-endian: the number in a list of "0x.." strings
def hex: ltrimstr("0x") | ascii_downcase | explode |
	reduce .[] as $c (0; . * 16 + (if $c >= 97 then $c - 87 else $c - 48 end));
def num: if type == "array" then
		reduce (to_entries[]) as $b (0; . + ($b.value | hex) * pow(256; $b.key))
	else . end;
($names | split("\n") | map(select(length > 0))) as $n |
.[] | (.key | num) as $k |
([.values[].value | if type == "object" then .packets else .[:8] | num end] | add) as $p |
"\($n[$k] // $k) \($p)"'
}

# counter N NAME REASON: packets counted under REASON (e.g. REDIRECT_DATA).
counter() {
	counters $1 $2 | awk -v r="$3" '$1 == r { print $2; f = 1 }
		END { exit !f }'
}

# xdp_attached N: an XDP program is attached to namespace N's veth.
xdp_attached() {
	eval "_veth=\$VETH$1"
	n$1 ip link show "$_veth" | grep -Eqw 'xdp(generic|drv|offload)?'
}

# ping_answered LOG: the output of a ping stopped by a signal: every echo
# request it sent had its reply, but perhaps the last one. SIGINT ends ping
# at once and it counts the request still on its way as lost; how often
# that happens is the round trip over the interval, which in a TCG guest
# is not small. Prints the sequence numbers without a reply.
ping_answered() {
	awk '/icmp_seq=/ {
		s = $0; sub(/.*icmp_seq=/, "", s); sub(/[^0-9].*/, "", s)
		got[s + 0] = 1
	}
	/packets transmitted/ { sent = $1 }
	END {
		if (sent == "") { print "no ping summary"; exit 1 }
		for (i = 1; i < sent; i++)
			if (!(i in got)) { print "no reply to icmp_seq=" i; bad = 1 }
		exit bad
	}' "$1"
}

# --- wireguard-go -------------------------------------------------------------

# wggo_up N NAME: a wireguard-go interface NAME in namespace N (no banner).
wggo_up() {
	n$1 wireguard-go "$2" >/dev/null 2>&1
	wait_for 5 test -S /var/run/wireguard/$2.sock
}

# wggo_pids N NAME: the wireguard-go process(es) serving NAME in namespace N.
wggo_pids() {
	eval "_ns=\$NS$1"
	for _p in $(ip netns pids $_ns 2>/dev/null); do
		[ "$(cat /proc/$_p/comm 2>/dev/null)" = wireguard-go ] &&
			tr '\0' ' ' </proc/$_p/cmdline 2>/dev/null |
			grep -qw -- "$2" && echo $_p
	done
}

# wggo_down N NAME: stop it and wait until it is gone (and its UDP port free).
wggo_down() {
	_pids=$(wggo_pids $1 $2)
	n$1 ip link del "$2" 2>/dev/null
	[ -n "$_pids" ] && kill -TERM $_pids 2>/dev/null
	for _p in $_pids; do
		wait_for 3 not kill -0 $_p || kill -KILL $_p 2>/dev/null
	done
	rm -f /var/run/wireguard/$2.sock
}

# --- measurements ---------------------------------------------------------------

# iperf N ADDR SECONDS [ARGS...]: iperf3 client in namespace N to a server
# started on the other side; prints the receiver's Mbit/s.
iperf_mbits() {
	_n=$1
	shift
	n$_n iperf3 -J -c "$@" >"$TMP/iperf.json" || return 1
	_bps=$(jq -er '.end.sum_received.bits_per_second' "$TMP/iperf.json") ||
		return 1
	awk -v b="$_bps" 'BEGIN { printf "%.0f\n", b / 1e6 }'
}

# blobs MIB: $TMP/www1/blob1 and $TMP/www2/blob2, MIB MiB of random bytes
# each, for a web server on either side; their sha256 in SUM1 and SUM2.
blobs() {
	mkdir -p "$TMP/www1" "$TMP/www2"
	head -c $(($1 << 20)) /dev/urandom >"$TMP/www1/blob1"
	head -c $(($1 << 20)) /dev/urandom >"$TMP/www2/blob2"
	SUM1=$(sha256sum <"$TMP/www1/blob1")
	SUM2=$(sha256sum <"$TMP/www2/blob2")
}

# www_serve: web servers on both sides, on every address: $TMP/www1 on
# port 8001 in $NS1, $TMP/www2 on 8002 in $NS2.
www_serve() {
	n1 "$TOOLS/www" "$TMP/www1" 8001 >/dev/null 2>&1 &
	n2 "$TOOLS/www" "$TMP/www2" 8002 >/dev/null 2>&1 &
}

# fetch N URL SUM: download URL in namespace N; its sha256 is SUM.
fetch() {
	n$1 curl -sSgf --max-time 30 -o "$TMP/got" "$2" || return 1
	eq "$(sha256sum <"$TMP/got")" "$3"
}

# positive NUMBER
positive() {
	[ "$1" -gt 0 ] 2>/dev/null
}

# ge A B: A >= B
ge() {
	[ "$1" -ge "$2" ] 2>/dev/null || {
		echo "$1 < $2"
		return 1
	}
}

# eq A B
eq() {
	[ "$1" = "$2" ] || {
		echo "'$1' != '$2'"
		return 1
	}
}

# wg_conf FILE PRIVATE PORT ADDRESS PEER_PUBLIC ENDPOINT ALLOWED_IPS: a
# wg-quick file for one end of a two-end tunnel.
wg_conf() {
	cat >"$1" <<EOC
[Interface]
PrivateKey = $2
ListenPort = $3
Address = $4

[Peer]
PublicKey = $5
Endpoint = $6
AllowedIPs = $7
EOC
}

#!/bin/sh
# make bench: wg-xdp next to wireguard-go (Debian and newest) and boringtun on
# one rig, in one run. Every pair gets its own two network namespaces joined
# by a veth pair; all pairs are up at once and every test walks all pairs in
# turn (round-robin, BENCH_ROUNDS times) so that drift hits all alike.
#
#   +-------------------------+  veth   +-------------------------+
#   | netns bn-a-<pair>-$$    |---------| netns bn-b-<pair>-$$    |
#   |  10.66.P.1/24           |         |  10.66.P.2/24           |
#   |  tunnel 10.67.P.1/24    |         |  tunnel 10.67.P.2/24    |
#   +-------------------------+         +-------------------------+
#
# Environment: BENCH_T (seconds per iperf3 run, 10), BENCH_UDP_T (seconds per
# UDP step, 3), BENCH_UDP_WINDOW (iperf3 -w of the UDP tests, 4M: with the
# default 208 KiB the receiving iperf3's socket overflowed first, on every
# system alike, which measured iperf3 rather than the tunnel), BENCH_PINGS (1000), BENCH_ROUNDS (1), BENCH_PAIRS (which
# pairs, default all), BENCH_SMOKE=1 (a 1-second run of wg-xdp to wg-xdp,
# for CI), BENCH_PLOT=0 (skip the PNG), BENCH_BASE=0 (skip the throughput,
# UDP and ping tests). Rows measured on the pairs that run one system on
# both ends (X:X):
#   BENCH_HS_SECONDS (10; 0 skips): handshakes/s of side B as responder to
#     build/bench/hsload from BENCH_HS_KEYS (1000) keys configured as peers,
#     sending from BENCH_HS_SOURCES (100) addresses of side A.
#   BENCH_JUNK (1; 0 skips): TCP A->B with and without `build/bench/flood mix`
#     flooding B's listen port from A; B's CPU seconds during the flood.
#   BENCH_FLOOD_T (15; 0 skips): handshake floods at B's listen port from
#     build/bench/flood on A, while A starts a fresh handshake with B:
#     junk initiations (random MACs) from A's own address; initiations
#     with a valid mac1 from 8 more addresses of A that answer cookie
#     replies (A starts once they all have); the same valid-mac1 message
#     from 64 forged addresses of A's subnet, which cannot; pings of 20
#     that pass, ms to the first one (the handshake), B's daemon CPU
#     seconds and the machine's over the flood. The pair
#     wgxdpnomac1:wgxdpnomac1 is wg-xdp with WG_XDP_MAC1=0 (mac1 checked by
#     the daemon, not XDP): "before" to wgxdp's "after" (it runs only the
#     handshake, junk and flood rows).
#   BENCH_SCALE ("10000 100000"; "" skips): wg setconf of that many extra
#     peers (one /32 and one /128 each) on B, timed, capped at
#     BENCH_SCALE_TIMEOUT (120) seconds ("timeout"); B's RSS, `wg show`
#     time, and TCP A->B with the largest size configured; then, for the
#     largest size, one handshake from every one of its keys (hsload
#     once, capped at BENCH_SCALE_HS_TIMEOUT, 400 s): how many completed,
#     and for wg-xdp the entries of its XDP index and peers maps.
# BENCH_BASELINE (path to another wg-xdp binary, e.g. a build of the
# previous commit): adds the pair wgxdpbase:wgxdpbase and the ratio
# wgxdp/wgxdpbase, for A/B in one run.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
BUILD=${BUILD:-build}
WGXDP=$ROOT/$BUILD/wg-xdp
ANCH=$ROOT/$BUILD/anchors
SMOKE=${BENCH_SMOKE:-0}
T=${BENCH_T:-10}
UT=${BENCH_UDP_T:-3}
PINGS=${BENCH_PINGS:-1000}
ROUNDS=${BENCH_ROUNDS:-1}
BASE=${BENCH_BASE:-1}
HS_T=${BENCH_HS_SECONDS:-10}
HS_KEYS=${BENCH_HS_KEYS:-1000}
HS_SRC=${BENCH_HS_SOURCES:-100}
JUNK=${BENCH_JUNK:-1}
SCALE=${BENCH_SCALE-10000 100000}
SCALE_TO=${BENCH_SCALE_TIMEOUT:-120}
SCALE_HS_TO=${BENCH_SCALE_HS_TIMEOUT:-400}
FLOOD_T=${BENCH_FLOOD_T:-15}
HSLOAD=$ROOT/$BUILD/bench/hsload
FLOOD=$ROOT/$BUILD/bench/flood
UDP_WIN=${BENCH_UDP_WINDOW:-4M}
MTU=1420
ID=$$
umask 077
TMP=$(mktemp -d /tmp/wg-xdp-bench.XXXXXX)
RES=$TMP/results.txt
: >"$RES"

# System name -> daemon binary.
bin_of() {
	case $1 in
	wgxdp) echo "$WGXDP" ;;
	wgxdpbase) echo "$BENCH_BASELINE" ;;
	wgxdpnomac1) echo "$WGXDP" ;;
	wggo-deb) echo /usr/bin/wireguard-go ;;
	wggo-new) echo "$ANCH/wireguard" ;;
	boringtun) echo "$ANCH/bin/boringtun-cli" ;;
	esac
}

ALL_PAIRS="veth wgxdp:wgxdp wggo-deb:wggo-deb wggo-new:wggo-new \
boringtun:boringtun wgxdp:wggo-deb wgxdp:wggo-new wgxdp:boringtun \
wgxdpnomac1:wgxdpnomac1"
if [ "$SMOKE" = 1 ]; then
	PAIRS="wgxdp:wgxdp"
	T=1 UT=1 PINGS=20 ROUNDS=1
else
	PAIRS=${BENCH_PAIRS:-$ALL_PAIRS}
fi

log() { printf '%s\n' "$*" >&2; }

cleanup() {
	trap - EXIT INT TERM
	# wg-xdp detaches XDP and unpins its maps on down.
	[ -f "$TMP/wgxdp.ifs" ] && while read -r side k ifn bin; do
		nsx $side $k "$bin" down $ifn >/dev/null 2>&1
	done <"$TMP/wgxdp.ifs"
	for ns in $(ip netns list | awk '{print $1}' | grep -- "-$ID\$"); do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -TERM "$pid" 2>/dev/null
		done
	done
	sleep 0.5
	for ns in $(ip netns list | awk '{print $1}' | grep -- "-$ID\$"); do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# pair "a:b" -> key "a_b" usable in names; veth stays veth.
key_of() { echo "$1" | tr ':' '_' | tr -d '-'; }

# nsx A|B KEY CMD...: run in one side's namespace (nsenter, so /sys/fs/bpf
# stays visible to wg-xdp).
nsx() {
	nsx_ns=bn-$(echo "$1" | tr AB ab)-$2-$ID
	shift 2
	nsenter --net=/run/netns/$nsx_ns "$@"
}

# ---------------------------------------------------------------- anchors
anchors() {
	need_new=0 need_bt=0
	for p in $PAIRS; do
		case $p in *wggo-new*) need_new=1 ;; esac
		case $p in *boringtun*) need_bt=1 ;; esac
	done
	mkdir -p "$ANCH"
	if [ $need_new = 1 ] && [ ! -x "$ANCH/wireguard" ]; then
		log "bench: installing wireguard-go@latest into $ANCH"
		GOBIN=$ANCH go install golang.zx2c4.com/wireguard@latest ||
			return 1
	fi
	if [ $need_bt = 1 ] && [ ! -x "$ANCH/bin/boringtun-cli" ]; then
		log "bench: installing boringtun-cli into $ANCH"
		cargo install -q boringtun-cli --root "$ANCH" || return 1
	fi
}

version_of() {
	case $1 in
	wgxdp) echo "wg-xdp $(git -C "$ROOT" describe --always --dirty 2>/dev/null)" ;;
	wgxdpbase) echo "wg-xdp baseline $BENCH_BASELINE" ;;
	wgxdpnomac1) echo "wg-xdp $(git -C "$ROOT" describe --always --dirty 2>/dev/null) with WG_XDP_MAC1=0 (mac1 checked in the daemon only)" ;;
	wggo-deb) echo "wireguard-go $(dpkg-query -W -f '${Version}' wireguard-go 2>/dev/null) (Debian)" ;;
	wggo-new) echo "wireguard-go $(go version -m "$ANCH/wireguard" 2>/dev/null |
		awk '$1 == "mod" {print $3}') ($("$ANCH/wireguard" --version 2>/dev/null | head -1 | awk '{print $2}'))" ;;
	boringtun) echo "boringtun-cli $("$ANCH/bin/boringtun-cli" --version 2>/dev/null | awk '{print $2}')" ;;
	veth) echo "bare veth, no tunnel" ;;
	esac
}

# ------------------------------------------------------------------ rig
# up_side SYS A|B KEY N: start SYS on one side of pair number N.
up_side() {
	sys=$1 side=$2 k=$3 n=$4
	if [ "$side" = A ]; then
		me=1 peer=2 priv=$TMP/$k.ka pub=$TMP/$k.kb.pub ifn=bw${n}a$ID
	else
		me=2 peer=1 priv=$TMP/$k.kb pub=$TMP/$k.ka.pub ifn=bw${n}b$ID
	fi
	conf=$TMP/$k.$side.conf
	{
		echo "[Interface]"
		echo "PrivateKey = $(cat "$priv")"
		echo "ListenPort = 5182$me"
		echo
		echo "[Peer]"
		echo "PublicKey = $(cat "$pub")"
		echo "Endpoint = 10.66.$n.$peer:5182$peer"
		echo "AllowedIPs = 10.67.$n.$peer/32"
	} >"$conf"
	if [ "$sys" = wgxdp ] || [ "$sys" = wgxdpbase ] ||
		[ "$sys" = wgxdpnomac1 ]; then
		b=$(bin_of "$sys")
		mac1=1
		[ "$sys" = wgxdpnomac1 ] && mac1=0
		# wg-quick format: Address and MTU belong in [Interface].
		sed -i "/^ListenPort/a Address = 10.67.$n.$me/24\nMTU = $MTU" "$conf"
		echo "$side $k $ifn $b" >>"$TMP/wgxdp.ifs"
		WG_XDP_MAC1=$mac1 WG_XDP_LOG=$TMP/$k.$side.log nsx $side $k \
			"$b" up veth$side$n -i $ifn -c "$conf" || return 1
	else
		b=$(bin_of "$sys")
		case $sys in
		boringtun)
			WG_SUDO=1 nsx $side $k "$b" --disable-drop-privileges \
				--foreground $ifn >"$TMP/$k.$side.log" 2>&1 &
			;;
		*)
			WG_PROCESS_FOREGROUND=1 nsx $side $k "$b" $ifn \
				>"$TMP/$k.$side.log" 2>&1 &
			;;
		esac
		t=50
		until nsx $side $k wg show $ifn >/dev/null 2>&1; do
			t=$((t - 1))
			[ $t -gt 0 ] || return 1
			sleep 0.1
		done
		nsx $side $k wg setconf $ifn "$conf" || return 1
		nsx $side $k ip addr add 10.67.$n.$me/24 dev $ifn || return 1
		nsx $side $k ip link set $ifn mtu $MTU up || return 1
	fi
}

# up_pair PAIR N: namespaces, veth, and the two systems.
up_pair() {
	p=$1 n=$2
	k=$(key_of "$p")
	ip netns add bn-a-$k-$ID && ip netns add bn-b-$k-$ID || return 1
	ip link add vethA$n netns bn-a-$k-$ID type veth \
		peer name vethB$n netns bn-b-$k-$ID || return 1
	for s in A B; do
		i=$([ $s = A ] && echo 1 || echo 2)
		nsx $s $k ip link set lo up
		nsx $s $k ip addr add 10.66.$n.$i/24 dev veth$s$n
		nsx $s $k ip link set veth$s$n up
	done
	echo "10.66.$n" >"$TMP/$k.net"
	echo "$n" >"$TMP/$k.n"
	if [ "$p" = veth ]; then
		echo "10.66.$n" >"$TMP/$k.net"
		return 0
	fi
	echo "10.67.$n" >"$TMP/$k.net"
	wg genkey >"$TMP/$k.ka" && wg genkey >"$TMP/$k.kb"
	wg pubkey <"$TMP/$k.ka" >"$TMP/$k.ka.pub"
	wg pubkey <"$TMP/$k.kb" >"$TMP/$k.kb.pub"
	up_side "${p%%:*}" A $k $n || return 1
	up_side "${p##*:}" B $k $n || return 1
	# The daemons are the only processes in the namespaces now.
	ip netns pids bn-a-$k-$ID >"$TMP/$k.pids"
	ip netns pids bn-b-$k-$ID >"$TMP/$k.pidsB"
	cat "$TMP/$k.pidsB" >>"$TMP/$k.pids"
	# For `wg setconf`: no wg-quick words.
	grep -v -E '^(Address|MTU) =' "$TMP/$k.B.conf" >"$TMP/$k.B.strip"
	t=50
	until nsx A $k ping -c1 -W1 10.67.$n.2 >/dev/null 2>&1; do
		t=$((t - 1))
		[ $t -gt 0 ] || return 1
	done
}

# ------------------------------------------------------------ measures
rec() { echo "$1 $2 $3" >>"$RES"; }

# cpu_ticks KEY: utime+stime of the pair's daemons (clock ticks).
cpu_ticks() {
	s=0
	[ -s "$TMP/$1.pids" ] || { echo 0; return; }
	for pid in $(cat "$TMP/$1.pids"); do
		[ -r /proc/$pid/stat ] || continue
		v=$(sed 's/^.*) //' /proc/$pid/stat | awk '{print $12 + $13}')
		s=$((s + v))
	done
	echo $s
}

# busy_ticks: all CPUs, everything but idle and iowait (clock ticks).
busy_ticks() {
	awk '$1 == "cpu" {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat
}

ip_a() { echo "$(cat "$TMP/$1.net").1"; }
ip_b() { echo "$(cat "$TMP/$1.net").2"; }

# iperf KEY DIR(ab|ba) ARGS...: iperf3 JSON into $TMP/last.json.
iperf() {
	k=$1 dir=$2
	shift 2
	if [ "$dir" = ab ]; then srv=B cli=A dst=$(ip_b $k); else
		srv=A cli=B dst=$(ip_a $k); fi
	nsx $srv $k iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
	spid=$!
	t=30
	until nsx $srv $k ss -ltn 2>/dev/null | grep -q ':5201 '; do
		t=$((t - 1))
		[ $t -gt 0 ] || break
		sleep 0.1
	done
	nsx $cli $k timeout $((T + UT + 30)) iperf3 -J -c "$dst" -p 5201 \
		"$@" >"$TMP/last.json" 2>/dev/null
	rc=$?
	kill $spid 2>/dev/null
	wait $spid 2>/dev/null
	return $rc
}

# tcp KEY NAME DIR ARGS...: Mbit/s and, for tunnels, CPU seconds per GB.
tcp() {
	k=$1 name=$2 dir=$3
	shift 3
	c0=$(cpu_ticks $k) b0=$(busy_ticks)
	if ! iperf $k $dir -t "$T" "$@"; then
		rec $k $name null
		return
	fi
	c1=$(cpu_ticks $k) b1=$(busy_ticks)
	bytes=$(jq '.end.sum_received.bytes' "$TMP/last.json")
	bps=$(jq '.end.sum_received.bits_per_second' "$TMP/last.json")
	rec $k $name "$(echo "$bps" | awk '{printf "%.1f", $1 / 1e6}')"
	hz=$(getconf CLK_TCK)
	if [ "$k" != veth ] && [ "$name" = tcp1_ab ]; then
		rec $k cpu_s_per_gb "$(awk -v c=$((c1 - c0)) -v b="$bytes" \
			-v h="$hz" 'BEGIN {printf "%.2f", c / h / (b / 1e9)}')"
	fi
	if [ "$name" = tcp1_ab ]; then
		rec $k sys_cpu_s_per_gb "$(awk -v c=$((b1 - b0)) -v b="$bytes" \
			-v h="$hz" 'BEGIN {printf "%.2f", c / h / (b / 1e9)}')"
	fi
}

# udp_run KEY RATE_MBIT LEN: prints "goodput_mbit loss_percent pps".
udp_run() {
	k=$1 rate=$2 len=$3
	iperf $k ab -u -t "$UT" -b "${rate}M" -l "$len" -w "$UDP_WIN" ||
		{ echo "0 100 0"; return; }
	jq -r '.end.sum | "\(.bytes) \(.lost_percent) \(.packets) \(.lost_packets) \(.seconds)"' \
		"$TMP/last.json" | awk '{
			recv = $3 - $4
			printf "%.1f %.2f %.0f\n", recv * ('"$len"') * 8 / $5 / 1e6, $2, recv / $5 }'
}

# udp_search KEY: highest 1392-byte-payload rate (1420-byte inner IP
# packets) with <1 % loss, by doubling then bisecting (BENCH_UDP_STEPS).
udp_search() {
	k=$1
	lo=0 hi=0 rate=${BENCH_UDP_START:-250} best=0
	steps=${BENCH_UDP_STEPS:-6}
	while [ "$steps" -gt 0 ]; do
		steps=$((steps - 1))
		set -- $(udp_run $k $rate 1392)
		if awk -v l="$2" 'BEGIN {exit !(l < 1)}'; then
			lo=$rate
			best=$(awk -v a="$best" -v b="$1" 'BEGIN {print (b > a) ? b : a}')
			if [ "$hi" = 0 ]; then rate=$((rate * 2)); else
				rate=$(((lo + hi) / 2)); fi
		else
			hi=$rate
			rate=$(((lo + hi) / 2))
			[ "$rate" -gt 0 ] || rate=$((hi / 4))
		fi
	done
	rec $k udp1420_mbit "$best"
}

# udp_pps KEY: 64-byte datagrams as fast as one iperf3 can send; received/s.
udp_pps() {
	k=$1
	set -- $(udp_run $k 0 64)
	rec $k udp64_pps "$3"
}

# ping_rtt KEY NAME [load]: p50/p99 over $PINGS pings at 10 ms.
ping_rtt() {
	k=$1 name=$2 load=${3:-}
	lpid=
	if [ -n "$load" ]; then
		nsx B $k iperf3 -s -1 -p 5202 >/dev/null 2>&1 &
		spid=$!
		sleep 0.3
		nsx A $k iperf3 -c "$(ip_b $k)" -p 5202 \
			-t $((PINGS / 100 + 3)) >/dev/null 2>&1 &
		lpid=$!
		sleep 1
	fi
	nsx A $k ping -n -c "$PINGS" -i 0.01 -W 1 "$(ip_b $k)" 2>/dev/null |
		sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' | sort -g >"$TMP/rtt"
	if [ -n "$lpid" ]; then
		kill $lpid $spid 2>/dev/null
		wait $lpid $spid 2>/dev/null
	fi
	n=$(wc -l <"$TMP/rtt")
	if [ "$n" -eq 0 ]; then
		rec $k ${name}_p50_ms null
		rec $k ${name}_p99_ms null
		return
	fi
	rec $k ${name}_p50_ms "$(sed -n "$(((n + 1) / 2))p" "$TMP/rtt")"
	rec $k ${name}_p99_ms "$(sed -n "$(((n * 99 + 99) / 100))p" "$TMP/rtt")"
	rec $k ${name}_loss_pct "$(awk -v n=$n -v p=$PINGS 'BEGIN {printf "%.1f", (p - n) * 100 / p}')"
}

# ------------------------------------------- handshakes, junk, scale
# Those run on X:X pairs only, with side B as the system under test.
same_sys() {
	[ "$1" != veth ] || return 1
	p=$(pair_of "$1")
	[ "${p%%:*}" = "${p##*:}" ]
}
pair_of() { for p in $PAIRS; do [ "$(key_of "$p")" = "$1" ] && echo "$p"; done; }
ifb() { echo "bw$(cat "$TMP/$1.n")b$ID"; }
hz() { getconf CLK_TCK; }
ms_now() { date +%s%3N; }

# cpu_of FILE: utime+stime (ticks) of the pids listed in FILE.
cpu_of() {
	s=0
	for pid in $(cat "$1"); do
		[ -r /proc/$pid/stat ] || continue
		v=$(sed 's/^.*) //' /proc/$pid/stat | awk '{print $12 + $13}')
		s=$((s + v))
	done
	echo $s
}

# rss_b KEY: VmRSS (kB) of side B's daemon(s).
rss_b() {
	s=0
	for pid in $(cat "$TMP/$1.pidsB"); do
		v=$(awk '/^VmRSS:/ {print $2}' /proc/$pid/status 2>/dev/null)
		s=$((s + ${v:-0}))
	done
	echo $s
}

# tunnel_wait KEY: until a ping crosses the tunnel (sessions may be new).
tunnel_wait() {
	t=20
	until nsx A $1 ping -c1 -W1 "$(ip_b $1)" >/dev/null 2>&1; do
		t=$((t - 1))
		[ $t -gt 0 ] || return 1
	done
}

# restore_b KEY: side B back to its one peer.
restore_b() {
	nsx B $1 timeout "$SCALE_TO" wg setconf "$(ifb $1)" "$TMP/$1.B.strip" ||
		log "bench: could not restore $1 side B"
	tunnel_wait $1 || log "bench: $1 tunnel does not come back"
}

# report_b KEY: side B's "wgxdp=1" report (wg-xdp only).
report_b() {
	printf 'wgxdp=1\n\n' | python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(sys.stdin.buffer.read())
out = b""
while not out.endswith(b"\n\n"):
	d = s.recv(65536)
	if not d:
		break
	out += d
sys.stdout.write(out.decode())' "/var/run/wireguard/$(ifb $1).sock" 2>/dev/null
}

# xdp_stat KEY PATTERN: sum of wg-xdp's XDP stat packets matching PATTERN.
xdp_stat() {
	report_b $1 | awk -v p="$2" '$1 ~ "^stat=" p {sub(/^stat=/, "", $1); n += $2}
		END {print n + 0}'
}

# daemon_counter KEY NAME: a counter of side B's report, or null.
daemon_counter() {
	report_b $1 | awk -v k="counter=$2" '$1 == k {print $2; f = 1}
		END {if (!f) print "null"}'
}

# hs_sources KEY: the $HS_SRC source addresses of hsload on side A, from
# 10.66.N.10 up (and $TMP/hs.del, the batch that removes them again).
hs_sources() {
	n=$(cat "$TMP/$1.n")
	i=0
	: >"$TMP/hs.add"
	: >"$TMP/hs.del"
	while [ $i -lt "$HS_SRC" ]; do
		echo "addr add 10.66.$n.$((10 + i))/24 dev vethA$n" >>"$TMP/hs.add"
		echo "addr del 10.66.$n.$((10 + i))/24 dev vethA$n" >>"$TMP/hs.del"
		i=$((i + 1))
	done
	nsx A $1 ip -batch "$TMP/hs.add"
}

# hs_rate KEY: handshakes/s with side B answering hsload from side A.
hs_rate() {
	k=$1
	same_sys $k || return 0
	n=$(cat "$TMP/$k.n") ifn=$(ifb $k)
	[ -s "$TMP/hs.peers" ] || "$HSLOAD" conf "$HS_KEYS" >"$TMP/hs.peers"
	if ! nsx B $k wg addconf $ifn "$TMP/hs.peers"; then
		rec $k hs_per_s null
		return
	fi
	hs_sources $k
	c0=$(cpu_of "$TMP/$k.pidsB")
	out=$(nsx A $k timeout $((HS_T + 30)) "$HSLOAD" run "$HS_KEYS" \
		"$(ip_b $k | sed 's/^10\.67/10.66/')" 51822 \
		"$(cat "$TMP/$k.kb.pub")" "$HS_T" 10.66.$n.10 "$HS_SRC")
	c1=$(cpu_of "$TMP/$k.pidsB")
	log "  $out"
	hs=$(echo "$out" | sed -n 's/.*hs_per_s=\([0-9.]*\).*/\1/p')
	done_=$(echo "$out" | sed -n 's/.*completed=\([0-9]*\).*/\1/p')
	rec $k hs_per_s "${hs:-null}"
	if [ "${done_:-0}" -gt 0 ]; then
		rec $k hs_cpu_ms "$(awk -v c=$((c1 - c0)) -v h="$(hz)" -v d="$done_" \
			'BEGIN {printf "%.3f", c / h * 1000 / d}')"
	fi
	nsx A $k ip -batch "$TMP/hs.del"
	restore_b $k
}

# junk_test KEY: TCP A->B, then again while junk floods B's listen port.
junk_test() {
	k=$1
	same_sys $k || return 0
	n=$(cat "$TMP/$k.n")
	tcp $k junk_base_tcp ab
	case $k in wgxdp*) d0=$(xdp_stat $k drop_) r0=$(xdp_stat $k 'redirect_(initiation|response|cookie)') ;; esac
	nsx A $k "$FLOOD" mix 10.66.$n.2 51822 $((T + 4)) >"$TMP/junk.out" &
	jpid=$!
	sleep 1
	j0=$(cpu_of "$TMP/$k.pidsB")
	tcp $k junk_tcp ab
	j1=$(cpu_of "$TMP/$k.pidsB")
	wait $jpid
	sent=$(sed -n 's/^flood: .* sent=\([0-9]*\).*/\1/p' "$TMP/junk.out")
	rec $k junk_sent_pps "$(awk -v s="${sent:-0}" -v t=$((T + 4)) 'BEGIN {printf "%.0f", s / t}')"
	rec $k junk_cpu_s "$(awk -v c=$((j1 - j0)) -v h="$(hz)" 'BEGIN {printf "%.2f", c / h}')"
	case $k in wgxdp*)
		rec $k junk_xdp_drops $(($(xdp_stat $k drop_) - d0))
		rec $k junk_daemon_pkts $(($(xdp_stat $k 'redirect_(initiation|response|cookie)') - r0)) ;;
	esac
}

# fresh_session KEY: A forgets its peer B and is given it again, so the
# next packet to B starts a new handshake (two sets: a remove and an add in
# one are not applied in order everywhere).
fresh_session() {
	k=$1
	n=$(cat "$TMP/$k.n")
	ifa=bw${n}a$ID
	nsx A $k wg set $ifa peer "$(cat "$TMP/$k.kb.pub")" remove &&
		nsx A $k wg set $ifa peer "$(cat "$TMP/$k.kb.pub")" \
			endpoint 10.66.$n.2:51822 allowed-ips 10.67.$n.2/32
}

# flood_one KEY NAME FLOOD-ARGS...: B under `build/bench/flood ARGS` from A
# for $FLOOD_T s while A handshakes afresh and pings B (see BENCH_FLOOD_T).
# A valid-mac1 flood first gets its cookies: A starts in its steady state.
flood_one() {
	k=$1 name=$2
	shift 2
	fresh_session $k || log "bench: $k: could not renew A's peer"
	nsx A $k "$FLOOD" "$@" >"$TMP/flood.out" 2>&1 &
	fpid=$!
	sleep 1
	if [ "$name" = mac1 ]; then
		t=50
		until grep -q "all sources proven" "$TMP/flood.out"; do
			t=$((t - 1))
			[ $t -gt 0 ] || break
			sleep 0.1
		done
	fi
	c0=$(cpu_of "$TMP/$k.pidsB") b0=$(busy_ticks)
	t0=$(ms_now)
	hs=null
	until [ $(($(ms_now) - t0)) -ge $(((FLOOD_T - 5) * 1000)) ]; do
		if nsx A $k ping -c 1 -W 1 "$(ip_b $k)" >/dev/null 2>&1; then
			hs=$(($(ms_now) - t0))
			break
		fi
	done
	got=0
	if [ "$hs" != null ]; then
		got=$(nsx A $k ping -c 20 -i 0.2 -W 2 -q "$(ip_b $k)" 2>/dev/null |
			sed -n 's/.* \([0-9]*\) received.*/\1/p')
	fi
	wait $fpid
	c1=$(cpu_of "$TMP/$k.pidsB") b1=$(busy_ticks)
	log "  $name: $(grep '^flood: mode' "$TMP/flood.out"); handshake ${hs} ms, ${got:-0}/20 pings"
	rec $k flood_${name}_hs_ms "$hs"
	rec $k flood_${name}_pings "${got:-0}"
	rec $k flood_${name}_pps "$(sed -n 's/.*pps=\([0-9]*\).*/\1/p' "$TMP/flood.out")"
	rec $k flood_${name}_cpu_s "$(awk -v c=$((c1 - c0)) -v h="$(hz)" 'BEGIN {printf "%.2f", c / h}')"
	rec $k flood_${name}_sys_cpu_s "$(awk -v c=$((b1 - b0)) -v h="$(hz)" 'BEGIN {printf "%.2f", c / h}')"
	tunnel_wait $k || log "bench: $k: tunnel down after the $name flood"
}

# flood_test KEY: the junk and the valid-mac1 flood (BENCH_FLOOD_T).
flood_test() {
	k=$1
	same_sys $k || return 0
	n=$(cat "$TMP/$k.n")
	flood_one $k junk junk 10.66.$n.2 51822 "$FLOOD_T"
	i=0
	while [ $i -lt 8 ]; do
		nsx A $k ip addr add 10.66.$n.$((200 + i))/24 dev vethA$n
		i=$((i + 1))
	done
	flood_one $k mac1 mac1 10.66.$n.2 51822 "$FLOOD_T" \
		"$(cat "$TMP/$k.kb.pub")" 10.66.$n.200 8
	flood_one $k spoofmac1 spoofmac1 10.66.$n.2 51822 "$FLOOD_T" \
		"$(cat "$TMP/$k.kb.pub")" 10.66.$n.100 64
	i=0
	while [ $i -lt 8 ]; do
		nsx A $k ip addr del 10.66.$n.$((200 + i))/24 dev vethA$n
		i=$((i + 1))
	done
}

# scale_hs KEY N: one handshake from each of the N scale keys on B.
scale_hs() {
	k=$1 sz=$2
	n=$(cat "$TMP/$k.n")
	hs_sources $k
	t0=$(ms_now)
	out=$(nsx A $k timeout $((SCALE_HS_TO + 30)) "$HSLOAD" run "$sz" \
		10.66.$n.2 51822 "$(cat "$TMP/$k.kb.pub")" "$SCALE_HS_TO" \
		10.66.$n.10 "$HS_SRC" 2000 once)
	t1=$(ms_now)
	log "  $sz keys, one handshake each: $out"
	rec $k scale_hs_done_$sz "$(echo "$out" | sed -n 's/.*completed=\([0-9]*\).*/\1/p')"
	rec $k scale_hs_s_$sz "$(awk -v d=$((t1 - t0)) 'BEGIN {printf "%.1f", d / 1000}')"
	case $k in wgxdp*)
		rec $k scale_xdp_index_$sz "$(daemon_counter $k xdp_index_entries)"
		rec $k scale_xdp_peers_$sz "$(daemon_counter $k xdp_peers_entries)" ;;
	esac
	nsx A $k ip -batch "$TMP/hs.del"
}

# scale KEY: B gets $SCALE extra peers by wg setconf, in turn.
scale() {
	k=$1
	same_sys $k || return 0
	ifn=$(ifb $k)
	rec $k scale_rss_kb_1 "$(rss_b $k)"
	last=
	dead=0
	for sz in $SCALE; do
		if [ $dead = 1 ]; then
			rec $k scale_setconf_s_$sz timeout
			continue
		fi
		[ -s "$TMP/scale.$sz" ] || "$HSLOAD" conf "$sz" v6 >"$TMP/scale.$sz"
		cat "$TMP/$k.B.strip" "$TMP/scale.$sz" >"$TMP/scale.conf"
		t0=$(ms_now)
		nsx B $k timeout "$SCALE_TO" wg setconf $ifn "$TMP/scale.conf"
		rc=$?
		t1=$(ms_now)
		if [ $rc = 124 ]; then
			log "  $sz peers: wg setconf timed out after $SCALE_TO s"
			rec $k scale_setconf_s_$sz timeout
			dead=1
			continue
		fi
		if [ $rc != 0 ]; then
			rec $k scale_setconf_s_$sz null
			continue
		fi
		rec $k scale_setconf_s_$sz "$(awk -v d=$((t1 - t0)) 'BEGIN {printf "%.2f", d / 1000}')"
		rec $k scale_rss_kb_$sz "$(rss_b $k)"
		t0=$(ms_now)
		nsx B $k timeout "$SCALE_TO" wg show $ifn >/dev/null 2>&1
		rc=$?
		t1=$(ms_now)
		if [ $rc = 124 ]; then rec $k scale_show_s_$sz timeout; else
			rec $k scale_show_s_$sz "$(awk -v d=$((t1 - t0)) 'BEGIN {printf "%.2f", d / 1000}')"
		fi
		log "  $sz peers: $(tail -3 "$RES" | awk '{printf "%s=%s ", $2, $3}')"
		last=$sz
	done
	# Only with the largest size in place, else the column would lie.
	if [ -n "$last" ] && [ "$last" = "${SCALE##* }" ] && tunnel_wait $k; then
		tcp $k scale_tcp ab
		scale_hs $k "$last"
	else
		rec $k scale_tcp null
	fi
	restore_b $k
}

# --------------------------------------------------------------- report
METRICS="tcp1_ab tcp1_ba tcp4_ab udp1420_mbit udp64_pps ping_idle_p50_ms \
ping_idle_p99_ms ping_load_p50_ms ping_load_p99_ms cpu_s_per_gb sys_cpu_s_per_gb \
hs_per_s hs_cpu_ms junk_base_tcp junk_tcp junk_cpu_s junk_sent_pps \
junk_xdp_drops junk_daemon_pkts scale_rss_kb_1 scale_tcp"
for f in junk mac1 spoofmac1; do
	METRICS="$METRICS flood_${f}_hs_ms flood_${f}_pings flood_${f}_pps \
flood_${f}_cpu_s flood_${f}_sys_cpu_s"
done
for s in $SCALE; do
	METRICS="$METRICS scale_setconf_s_$s scale_rss_kb_$s scale_show_s_$s"
done
METRICS="$METRICS scale_hs_done_${SCALE##* } scale_hs_s_${SCALE##* } \
scale_xdp_index_${SCALE##* } scale_xdp_peers_${SCALE##* }"

# med KEY METRIC: median over rounds (null when never measured).
med() {
	if awk -v k="$1" -v m="$2" '$1 == k && $2 == m && $3 == "timeout" \
		{f = 1} END {exit !f}' "$RES"; then
		echo '"timeout"'
		return
	fi
	awk -v k="$1" -v m="$2" '$1 == k && $2 == m && $3 != "null" {print $3}' \
		"$RES" | sort -g | awk '{v[NR] = $1} END {
			if (NR == 0) print "null"
			else if (NR % 2) print v[(NR + 1) / 2]
			else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a !~ /^[0-9.eE+-]+$/ || b !~ /^[0-9.eE+-]+$/ || b == 0)
			print "null"
		else printf "%.2f", a / b }'
}

report() {
	date=$(date -u +%Y-%m-%dT%H%M%SZ)
	host=$(hostname -s)
	out=$ROOT/bench/results/$date-$host
	mkdir -p "$ROOT/bench/results"
	cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
	cmd="${BENCH_CMD:-make bench} (BENCH_T=$T BENCH_UDP_T=$UT BENCH_PINGS=$PINGS BENCH_ROUNDS=$ROUNDS BENCH_BASE=$BASE BENCH_HS_SECONDS=$HS_T BENCH_HS_KEYS=$HS_KEYS BENCH_HS_SOURCES=$HS_SRC BENCH_JUNK=$JUNK BENCH_FLOOD_T=$FLOOD_T BENCH_SCALE=\"$SCALE\" BENCH_SCALE_TIMEOUT=$SCALE_TO BENCH_SCALE_HS_TIMEOUT=$SCALE_HS_TO)"
	{
		jq -n --arg date "$date" --arg host "$host" --arg cpu "$cpu" \
			--arg kernel "$(uname -r)" --argjson nproc "$(nproc)" \
			--arg cmd "$cmd" --argjson aead "${AEAD_JSON:-null}" \
			--arg load "$LOAD_NOTE" \
			--argjson scale "$(echo "$SCALE" | jq -R 'split(" ") | map(select(. != "") | tonumber)')" \
			'{date: $date, host: $host, nproc: $nproc, cpu: $cpu,
			  kernel: $kernel, command: $cmd, aead: $aead,
			  load: $load, scale_sizes: $scale}'
		for p in $PAIRS; do
			k=$(key_of "$p")
			args="--arg pair $p --arg version \"$(version_pair "$p")\""
			obj='{}'
			for m in $METRICS; do
				obj=$(echo "$obj" | jq --arg m "$m" --argjson v "$(med $k $m)" '. + {($m): $v}')
			done
			echo "$obj" | jq --arg pair "$p" --arg ver "$(version_pair "$p")" \
				'{pair: $pair, version: $ver, figures: .}'
		done
	} | jq -s '.[0] + {pairs: .[1:]}' >"$out.json"
	# Ratios: wg-xdp on both ends over each anchor on both ends.
	for a in wggo-deb wggo-new boringtun wgxdpbase wgxdpnomac1; do
		echo "$PAIRS" | grep -q "$a:$a" || continue
		echo "$PAIRS" | grep -q "wgxdp:wgxdp" || continue
		obj='{}'
		for m in $METRICS; do
			obj=$(echo "$obj" | jq --arg m "$m" \
				--argjson v "$(ratio "$(med wgxdp_wgxdp $m)" "$(med $(key_of $a:$a) $m)")" \
				'. + {($m): $v}')
		done
		jq --arg a "$a" --argjson r "$obj" \
			'.ratios += {("wgxdp/" + $a): $r}' "$out.json" >"$out.tmp" &&
			mv "$out.tmp" "$out.json"
	done
	markdown "$out.json" >"$out.md"
	cat "$out.md"
	echo
	if [ "$BASE" = 1 ]; then
		cp "$out.md" "$ROOT/bench/RESULTS.md"
		echo "bench: wrote $out.json, $out.md and bench/RESULTS.md"
	else
		# A partial run must not replace the full table.
		echo "bench: wrote $out.json and $out.md (BENCH_BASE=0: bench/RESULTS.md left alone)"
	fi
	if [ "${BENCH_PLOT:-1}" = 1 ]; then
		sh "$ROOT/bench/plot" "$out.json" || log "bench: no plot"
	fi
}

version_pair() {
	case $1 in
	veth) version_of veth ;;
	*) a=${1%%:*} b=${1##*:}
		if [ "$a" = "$b" ]; then version_of "$a"; else
			echo "$(version_of "$a") <-> $(version_of "$b")"; fi ;;
	esac
}

markdown() {
	j=$1
	jq -r '
	def f: if . == null then "–" else tostring end;
	def mb: if . == null then "–" elif type == "number" then (. / 1024 * 10 | round / 10 | tostring) else tostring end;
	"# wg-xdp benchmark results\n",
	"Machine: \(.nproc) CPUs, \(.cpu), kernel \(.kernel); \(.date) on \(.host).",
	"Command: `\(.command)`\n",
	"Rig: two network namespaces per pair joined by a veth pair, native XDP on",
	"veth, AF_XDP in copy mode, tunnel MTU 1420; side A is the iperf3 client",
	"(ab = A to B). All pairs are up together and every test walks all pairs in",
	"turn; figures are medians over rounds. Timings are noisy: read ratios.\n",
	(if .aead then "AEAD ceiling (ChaCha20-Poly1305 IETF, 1420-byte packets, one core): libsodium \(.aead.gbps) GB/s, \(.aead.pps) packets/s; OpenSSL (the data path) \(.aead.openssl_gbps) GB/s, \(.aead.openssl_pps) packets/s.\n" else empty end),
	"| pair (A:B) | TCP 1 A→B Mbit/s | TCP 1 B→A Mbit/s | TCP 4 A→B Mbit/s | UDP 1420 <1% loss Mbit/s | UDP 64 B pkt/s | ping idle p50/p99 ms | ping loaded p50/p99 ms | daemon CPU s/GB | machine CPU s/GB |",
	"|---|---|---|---|---|---|---|---|---|---|",
	(.pairs[] | .figures as $x |
	 "| \(.pair) | \($x.tcp1_ab|f) | \($x.tcp1_ba|f) | \($x.tcp4_ab|f) | \($x.udp1420_mbit|f) | \($x.udp64_pps|f) | \($x.ping_idle_p50_ms|f) / \($x.ping_idle_p99_ms|f) | \($x.ping_load_p50_ms|f) / \($x.ping_load_p99_ms|f) | \($x.cpu_s_per_gb|f) | \($x.sys_cpu_s_per_gb|f) |"),
	"",
	(if .ratios then
	 "Ratios, wg-xdp on both ends over the anchor on both ends (above 1 is better for throughput, below 1 is better for latency and CPU):\n",
	 "| ratio | TCP 1 A→B | TCP 1 B→A | TCP 4 | UDP 1420 | UDP 64 pkt/s | ping idle p50/p99 | ping loaded p50/p99 | daemon CPU/GB | machine CPU/GB |",
	 "|---|---|---|---|---|---|---|---|---|---|",
	 (.ratios | to_entries[] | .value as $x |
	  "| \(.key) | \($x.tcp1_ab|f) | \($x.tcp1_ba|f) | \($x.tcp4_ab|f) | \($x.udp1420_mbit|f) | \($x.udp64_pps|f) | \($x.ping_idle_p50_ms|f) / \($x.ping_idle_p99_ms|f) | \($x.ping_load_p50_ms|f) / \($x.ping_load_p99_ms|f) | \($x.cpu_s_per_gb|f) | \($x.sys_cpu_s_per_gb|f) |"),
	 "" else empty end),
	"Versions:\n",
	(.pairs[] | "- \(.pair): \(.version)"),
	"",
	"Notes: UDP 1420 is 1392-byte UDP payloads (1420-byte inner IP packets),",
	"the highest offered rate found with under 1 % loss; UDP 64 is 64-byte",
	"payloads sent as fast as one iperf3 can, counted at the receiver. Daemon",
	"CPU is utime+stime of both daemons over the TCP 1 A→B run divided by",
	"bytes received; it does not include softirq work (XDP, veth) charged to",
	"no process, which the machine column (all CPUs busy time, iperf3",
	"included) does.\n",
	(.scale_sizes // []) as $sz |
	(if (.pairs | map(.figures.hs_per_s != null or .figures.junk_tcp != null or .figures.scale_rss_kb_1 != null) | any) then
	 "## Handshakes, junk, scale\n",
	 "Side B of each X:X pair is the system under test. Handshakes/s: B answers",
	 "build/bench/hsload, which initiates from many keys configured as peers on B",
	 "(several source addresses, mac2 after cookie replies, every response",
	 "checked with wg_noise_consume_response). Junk: `build/bench/flood mix` floods the",
	 "listen port of B from A (random bytes, handshake types of wrong size, bad-mac1",
	 "initiations, data to unknown indexes) while TCP A→B runs; daemon CPU is",
	 "that of B over the TCP run. Scale: `wg setconf` of the peer of B plus N",
	 "peers with one /32 and one /128 each, VmRSS of B after, `wg show` time, TCP A→B with",
	 "the largest N configured (timeout: the step was capped).\n",
	 "| pair | handshakes/s | B CPU ms/handshake | TCP A→B Mbit/s | TCP under junk Mbit/s | junk sent pkt/s | B CPU s under junk | XDP junk drops | junk handshakes to daemon |",
	 "|---|---|---|---|---|---|---|---|---|",
	 (.pairs[] | select(.figures.hs_per_s != null or .figures.junk_tcp != null) | .figures as $x |
	  "| \(.pair) | \($x.hs_per_s|f) | \($x.hs_cpu_ms|f) | \($x.junk_base_tcp|f) | \($x.junk_tcp|f) | \($x.junk_sent_pps|f) | \($x.junk_cpu_s|f) | \($x.junk_xdp_drops|f) | \($x.junk_daemon_pkts|f) |"),
	 "",
	 (if ($sz | length) > 0 then
	  "| pair | RSS 1 peer MB | " + ($sz | map("setconf \(.) s | RSS \(.) MB | wg show \(.) s") | join(" | ")) + " | TCP A→B at \($sz[-1]) peers Mbit/s |",
	  "|---|---|" + ($sz | map("---|---|---|") | join("")) + "---|",
	  (.pairs[] | select(.figures.scale_rss_kb_1 != null) | .figures as $x |
	   "| \(.pair) | \($x.scale_rss_kb_1 | mb) | " +
	   ($sz | map(tostring as $n | "\($x["scale_setconf_s_" + $n]|f) | \($x["scale_rss_kb_" + $n] | mb) | \($x["scale_show_s_" + $n]|f)") | join(" | ")) +
	   " | \($x.scale_tcp|f) |"),
	  "" else empty end),
	 (if .ratios then
	  "Ratios, wg-xdp over the anchor:\n",
	  "| ratio | handshakes/s | CPU/handshake | TCP under junk | B CPU under junk | " + ($sz | map("setconf \(.) | RSS \(.)") | join(" | ")) + " | TCP at \($sz[-1] // "–") peers |",
	  "|---|---|---|---|---|" + ($sz | map("---|---|") | join("")) + "---|",
	  (.ratios | to_entries[] | .value as $x |
	   "| \(.key) | \($x.hs_per_s|f) | \($x.hs_cpu_ms|f) | \($x.junk_tcp|f) | \($x.junk_cpu_s|f) | " +
	   ($sz | map(tostring as $n | "\($x["scale_setconf_s_" + $n]|f) | \($x["scale_rss_kb_" + $n]|f)") | join(" | ")) +
	   " | \($x.scale_tcp|f) |"),
	  "" else empty end)
	 else empty end),
	(if .load != "" then "Machine load: \(.load)\n" else empty end)' "$j"
	jq -r '
	def f: if . == null then "–" else tostring end;
	(.scale_sizes // [])[-1] as $big |
	(if (.pairs | map(.figures.flood_junk_pings != null) | any) then
	 "## Handshake floods\n",
	 "Side B answers a fresh handshake from side A while `build/bench/flood` floods",
	 "B'"'"'s listen port from A: junk initiations (148 bytes, random MACs) from A'"'"'s",
	 "own address; initiations with a valid mac1 from 8 more addresses of A that",
	 "answer cookie replies (so their mac2 proves them; A starts once they all",
	 "have their cookie); the same valid-mac1 message from 64 forged addresses of",
	 "A'"'"'s subnet, which can never prove themselves. Handshake: ms from the",
	 "first ping to the first reply (– : none within the flood); then 20 pings at",
	 "0.2 s. CPU: B'"'"'s daemon and all CPUs (softirq, where XDP runs, included) over",
	 "the flood. wgxdpnomac1 is wg-xdp with WG_XDP_MAC1=0: mac1 checked by the",
	 "daemon, not in XDP.\n",
	 "| pair | flood | handshake ms | pings of 20 | sent pkt/s | B daemon CPU s | machine CPU s |",
	 "|---|---|---|---|---|---|---|",
	 (.pairs[] | select(.figures.flood_junk_pings != null) | .pair as $p | .figures as $x |
	  (["junk", "mac1", "spoofmac1"][] | . as $f |
	   "| \($p) | \({junk: "junk, same address", mac1: "valid mac1, proven", spoofmac1: "valid mac1, forged"}[$f]) | \($x["flood_\($f)_hs_ms"]|f) | \($x["flood_\($f)_pings"]|f) | \($x["flood_\($f)_pps"]|f) | \($x["flood_\($f)_cpu_s"]|f) | \($x["flood_\($f)_sys_cpu_s"]|f) |")),
	 "" else empty end),
	(if $big and (.pairs | map(.figures["scale_hs_done_\($big)"] != null) | any) then
	 "Scale, handshakes: after the \($big)-peer setconf, `hsload run ... once` makes one",
	 "handshake from each of the \($big) keys (B then holds a session and a receiver",
	 "index for each); for wg-xdp, the entries of its XDP maps after.\n",
	 "| pair | handshakes completed | seconds | XDP index entries | XDP peers entries |",
	 "|---|---|---|---|---|",
	 (.pairs[] | select(.figures["scale_hs_done_\($big)"] != null) | .figures as $x |
	  "| \(.pair) | \($x["scale_hs_done_\($big)"]|f) | \($x["scale_hs_s_\($big)"]|f) | \($x["scale_xdp_index_\($big)"]|f) | \($x["scale_xdp_peers_\($big)"]|f) |"),
	 "" else empty end)' "$j"
}

# ----------------------------------------------------------------- main
[ -x "$WGXDP" ] || { log "bench: $WGXDP missing (make first)"; exit 1; }
for t in iperf3 jq wg nsenter; do
	command -v $t >/dev/null || { log "bench: needs $t"; exit 1; }
done
anchors || { log "bench: could not install the anchors"; exit 1; }

n=0
for p in $PAIRS; do
	n=$((n + 1))
	if ! up_pair "$p" $n; then
		log "bench: could not bring up $p"
		k=$(key_of "$p")
		tail -5 "$TMP"/$k.*.log 2>/dev/null >&2
		[ "$SMOKE" = 1 ] && echo "bench-smoke: 0 passed, 1 failed"
		exit 1
	fi
done

if [ "$SMOKE" != 1 ]; then
	log "bench: versions"
	for p in $PAIRS; do log "  $p: $(version_pair "$p")"; done
	if [ -x "$ROOT/$BUILD/bench/aead" ]; then
		lines=$("$ROOT/$BUILD/bench/aead" 2)
		log "$lines"
		AEAD_JSON=$(echo "$lines" | awk '$1 == "aead:" {g = $2; p = $4}
			$1 == "aead-openssl:" {og = $2; op = $4}
			END {printf "{\"gbps\": %s, \"pps\": %s, \"openssl_gbps\": %s, \"openssl_pps\": %s}", g, p, og ? og : "null", op ? op : "null"}')
	fi
fi

# each TEST ARGS...: run TEST on every pair, ROUNDS times, round-robin.
each() {
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		r=$((r + 1))
		for p in $PAIRS; do
			k=$(key_of "$p")
			log "bench: [$r/$ROUNDS] $p: $*"
			"$@" "$k"
		done
	done
}
# wgxdpnomac1 differs from wgxdp in handshakes only: the rest skips it.
base() { [ "$1" != wgxdpnomac1_wgxdpnomac1 ]; }
tcp1_ab() { base "$1" && tcp "$1" tcp1_ab ab; }
tcp1_ba() { base "$1" && tcp "$1" tcp1_ba ba; }
tcp4_ab() { base "$1" && tcp "$1" tcp4_ab ab -P 4; }
udp_search_() { base "$1" && udp_search "$1"; }
udp_pps_() { base "$1" && udp_pps "$1"; }
ping_idle() { base "$1" && ping_rtt "$1" ping_idle; }
ping_load() { base "$1" && ping_rtt "$1" ping_load load; }
hs_rate_() { base "$1" && hs_rate "$1"; }
scale_() { base "$1" && scale "$1"; }

if [ "$BASE" = 1 ] || [ "$SMOKE" = 1 ]; then
	each tcp1_ab
	each tcp1_ba
fi
if [ "$SMOKE" = 1 ]; then
	each ping_idle
	v=$(med wgxdp_wgxdp tcp1_ab) w=$(med wgxdp_wgxdp tcp1_ba)
	l=$(med wgxdp_wgxdp ping_idle_loss_pct)
	echo "bench-smoke: A→B $v Mbit/s, B→A $w Mbit/s, ping loss $l %"
	if [ "$v" != null ] && [ "$w" != null ] &&
		awk -v l="$l" 'BEGIN {exit !(l < 50)}'; then
		echo "bench-smoke: 1 passed, 0 failed"
		exit 0
	fi
	echo "bench-smoke: 0 passed, 1 failed"
	exit 1
fi
LOAD_NOTE="loadavg at start $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$BASE" = 1 ]; then
	each tcp4_ab
	each udp_search_
	each udp_pps_
	each ping_idle
	each ping_load
fi
[ "$HS_T" != 0 ] && each hs_rate_
[ "$JUNK" = 1 ] && each junk_test
[ "$FLOOD_T" != 0 ] && each flood_test
[ -n "$SCALE" ] && each scale_
LOAD_NOTE="$LOAD_NOTE, at end $(cut -d' ' -f1-3 /proc/loadavg) (other engineers' builds and tests share the 2 CPUs)"
report

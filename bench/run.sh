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
# pairs, default all), BENCH_SMOKE=1 (a short run of wg-xdp to wg-xdp,
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
# Rows measured on the X:X pairs whose system is in BENCH_RIG_SYSTEMS
# ("wgxdp wgxdpbase wggo-new"):
#   BENCH_STALL (1; 0 skips): forwarding stall during a configuration
#     change, on the veth rig. Side B has a second, idle peer; while iperf3
#     runs A->B for BENCH_STALL_T (10) seconds, one `wg addconf` on B gives
#     that peer BENCH_STALL_AIPS (10000) /32 allowed IPs, and A pings B
#     through the tunnel every BENCH_STALL_INTERVAL (0.002) s with
#     build/bench/probe. See stall().
#   BENCH_LO (1; 0 skips): the loopback rig of wireguard-go's
#     tests/netns.sh (see lo_up): both daemons in one namespace, talking over
#     127.0.0.1 (wg-xdp on lo runs its UDP-socket path), each interface moved
#     into a namespace of its own. TCP 1 stream each way with iperf3's
#     retransmits, daemon CPU per GB, and with BENCH_LO_UDP (1; 0 skips) UDP
#     goodput at <1 % loss.
#   BENCH_GW (1; 0 skips): the gateway rig (see gw_up): LAN host A, gateway
#     A, gateway B, LAN host B; wg-xdp with its --lan fast path, the others
#     as routed gateways (ip_forward, routes via the TUN). TCP 1 stream host
#     A -> host B, the gateways' daemon CPU per GB, host-to-host ping. The
#     LANs' MTU is BENCH_GW_LAN_MTU (1420, the tunnel's).
# The loopback and gateway rigs are brought up for their rows only, for all
# their pairs at once, and taken down after.
# BENCH_BASELINE (path to another wg-xdp binary, e.g. a build of the
# previous commit): adds the pair wgxdpbase:wgxdpbase and the ratio
# wgxdp/wgxdpbase, for A/B in one run. BENCH_BASELINE_REF (a git ref of
# this repository) instead builds that ref in a temporary git worktree under
# build/ (make -j2 build/wg-xdp there), uses its wg-xdp as BENCH_BASELINE
# and removes the worktree at the end.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MTU_DEFAULT=1420
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
RIG_SYS=${BENCH_RIG_SYSTEMS:-wgxdp wgxdpbase wggo-new}
SCALE_HS_TO=${BENCH_SCALE_HS_TIMEOUT:-400}
FLOOD_T=${BENCH_FLOOD_T:-15}
STALL=${BENCH_STALL:-1}
STALL_T=${BENCH_STALL_T:-10}
STALL_AIPS=${BENCH_STALL_AIPS:-10000}
STALL_I=${BENCH_STALL_INTERVAL:-0.002}
# Seconds (see stall()): the flow alone before the echoes start, echoes
# before the change, after it, and the wait for late replies.
STALL_RAMP=1 STALL_PRE=2 STALL_POST=1 STALL_W=1
LO=${BENCH_LO:-1}
LO_UDP=${BENCH_LO_UDP:-1}
GW=${BENCH_GW:-1}
GW_MTU=${BENCH_GW_LAN_MTU:-$MTU_DEFAULT}
BASELINE=${BENCH_BASELINE:-}
BASE_REF=${BENCH_BASELINE_REF:-}
BASE_WT=
HSLOAD=$ROOT/$BUILD/bench/hsload
FLOOD=$ROOT/$BUILD/bench/flood
PROBE=$ROOT/$BUILD/bench/probe
# A raw control-socket client (tests/tools/uapi.c).
UAPI=$ROOT/$BUILD/tools/uapi
# The stall probe runs real-time where it may: its own scheduling delays
# would show as gaps.
CHRT=
chrt -f 10 true 2>/dev/null && CHRT="chrt -f 10"
UDP_WIN=${BENCH_UDP_WINDOW:-4M}
MTU=$MTU_DEFAULT
ID=$$
umask 077
TMP=$(mktemp -d /tmp/wg-xdp-bench.XXXXXX)
RES=$TMP/results.txt
: >"$RES"

# System name -> daemon binary.
bin_of() {
	case $1 in
	wgxdp) echo "$WGXDP" ;;
	wgxdpbase) echo "$BASELINE" ;;
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
	# About a second of each rig: the CI job must stay short.
	PAIRS="wgxdp:wgxdp" RIG_SYS=wgxdp
	T=1 UT=1 PINGS=20 ROUNDS=1 LO_UDP=0
	STALL_T=2 STALL_AIPS=1000 STALL_RAMP=0.2 STALL_PRE=0.3 STALL_POST=0.2 STALL_W=0.3
	BASELINE= BASE_REF=
else
	PAIRS=${BENCH_PAIRS:-$ALL_PAIRS}
fi

log() { printf '%s\n' "$*" >&2; }

# nsn NAME CMD...: run CMD in our namespace NAME-$ID (nsenter, so
# /sys/fs/bpf stays visible to wg-xdp).
nsn() {
	nsn_ns=$1-$ID
	shift
	nsenter --net=/run/netns/$nsn_ns "$@"
}
# nsp NAME: that namespace, for `nsenter --net=$(nsp NAME) CMD &` where $!
# must be CMD itself (a function run in the background is a subshell).
nsp() { echo "/run/netns/$1-$ID"; }

# nsx A|B KEY CMD...: run in one side's namespace of a veth pair.
nsx() {
	nsx_ns=bn-$(echo "$1" | tr AB ab)-$2
	shift 2
	nsn "$nsx_ns" "$@"
}

# ns_down PREFIX: stop everything in our namespaces whose names start with
# PREFIX (a grep pattern) and delete them. wg-xdp first gets its down, which
# detaches XDP and unpins its maps ($TMP/wgxdp.ifs: "NAME IFACE BINARY").
ns_down() {
	nss=$(ip netns list 2>/dev/null | awk '{print $1}' | grep -- "^$1.*-$ID\$")
	if [ -f "$TMP/wgxdp.ifs" ]; then
		: >"$TMP/wgxdp.keep"
		while read -r ns ifn bin; do
			case " $(echo $nss) " in
			*" $ns-$ID "*) nsn $ns "$bin" down $ifn </dev/null >/dev/null 2>&1 ;;
			*) echo "$ns $ifn $bin" >>"$TMP/wgxdp.keep" ;;
			esac
		done <"$TMP/wgxdp.ifs"
		mv "$TMP/wgxdp.keep" "$TMP/wgxdp.ifs"
	fi
	for sig in TERM KILL; do
		for ns in $nss; do
			for pid in $(ip netns pids "$ns" 2>/dev/null); do
				kill -$sig "$pid" 2>/dev/null
			done
		done
		[ $sig = KILL ] && break
		t=30
		while [ $t -gt 0 ]; do
			left=$(for ns in $nss; do ip netns pids "$ns" 2>/dev/null; done)
			[ -n "$left" ] || break
			t=$((t - 1))
			sleep 0.1
		done
	done
	for ns in $nss; do
		ip netns del "$ns" 2>/dev/null
	done
}

cleanup() {
	trap - EXIT INT TERM
	ns_down "b[nlg]-"
	if [ -n "$BASE_WT" ]; then
		git -C "$ROOT" worktree remove --force "$BASE_WT" >/dev/null 2>&1 ||
			log "bench: could not remove the worktree $BASE_WT"
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# pair "a:b" -> key "a_b" usable in names; veth stays veth.
key_of() { echo "$1" | tr ':' '_' | tr -d '-'; }

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
	wgxdpbase) if [ -n "$BASE_REF" ]; then
		echo "wg-xdp baseline $BASE_REF ($(git -C "$ROOT" rev-parse --short "$BASE_REF^{commit}"))"
	else echo "wg-xdp baseline $BASELINE"; fi ;;
	wgxdpnomac1) echo "wg-xdp $(git -C "$ROOT" describe --always --dirty 2>/dev/null) with WG_XDP_MAC1=0 (mac1 checked in the daemon only)" ;;
	wggo-deb) echo "wireguard-go $(dpkg-query -W -f '${Version}' wireguard-go 2>/dev/null) (Debian)" ;;
	wggo-new) echo "wireguard-go $(go version -m "$ANCH/wireguard" 2>/dev/null |
		awk '$1 == "mod" {print $3}') ($("$ANCH/wireguard" --version 2>/dev/null | head -1 | awk '{print $2}'))" ;;
	boringtun) echo "boringtun-cli $("$ANCH/bin/boringtun-cli" --version 2>/dev/null | awk '{print $2}')" ;;
	veth) echo "bare veth, no tunnel" ;;
	esac
}

# ------------------------------------------------------------------ rig
# conf_write FILE PRIVKEY PEERPUBKEY PORT ENDPOINT ADDRESS ALLOWEDIPS: a
# wg-quick file with one peer (key files), and FILE.strip, the same without
# the wg-quick words (Address, MTU), for `wg setconf`.
conf_write() {
	cat >"$1" <<EOF
[Interface]
PrivateKey = $(cat "$2")
ListenPort = $4
Address = $6
MTU = $MTU

[Peer]
PublicKey = $(cat "$3")
Endpoint = $5
AllowedIPs = $7
EOF
	grep -v -E '^(Address|MTU) =' "$1" >"$1.strip"
}

# sys_up SYS NS IFACE CONF NIC LOG [LAN]: start SYS in our namespace NS as
# IFACE, configured from the wg-quick file CONF; wg-xdp attaches to NIC
# (with --lan LAN when given), the others get CONF.strip by `wg setconf`
# and Address and MTU by ip. Daemon log in $TMP/LOG.log.
sys_up() (
	sys=$1 ns=$2 ifn=$3 conf=$4 nic=$5 lg=$TMP/$6.log lan=${7:-}
	b=$(bin_of "$sys")
	case $sys in
	wgxdp | wgxdpbase | wgxdpnomac1)
		mac1=1
		[ "$sys" = wgxdpnomac1 ] && mac1=0
		echo "$ns $ifn $b" >>"$TMP/wgxdp.ifs"
		WG_XDP_MAC1=$mac1 WG_XDP_LOG=$lg nsn $ns "$b" up $nic -i $ifn \
			-c "$conf" ${lan:+--lan "$lan"}
		exit
		;;
	boringtun)
		WG_SUDO=1 nsn $ns "$b" --disable-drop-privileges \
			--foreground $ifn >"$lg" 2>&1 &
		;;
	*)
		WG_PROCESS_FOREGROUND=1 nsn $ns "$b" $ifn >"$lg" 2>&1 &
		;;
	esac
	t=50
	until nsn $ns wg show $ifn >/dev/null 2>&1; do
		t=$((t - 1))
		[ $t -gt 0 ] || exit 1
		sleep 0.1
	done
	nsn $ns wg setconf $ifn "$conf.strip" || exit 1
	for a in $(sed -n 's/^Address = //p' "$conf" | tr ',' ' '); do
		nsn $ns ip addr add $a dev $ifn || exit 1
	done
	nsn $ns ip link set $ifn mtu $MTU up
)

# ping_wait NS DST [TRIES]: until a ping from our namespace NS reaches DST
# (at most TRIES, 20, one-second pings).
ping_wait() {
	t=${3:-20}
	until nsn $1 ping -c1 -W1 "$2" >/dev/null 2>&1; do
		t=$((t - 1))
		[ $t -gt 0 ] || return 1
	done
}

# up_side SYS A|B KEY N: start SYS on one side of pair number N.
up_side() {
	sys=$1 side=$2 k=$3 n=$4
	if [ "$side" = A ]; then
		me=1 peer=2 priv=$TMP/$k.ka pub=$TMP/$k.kb.pub ifn=bw${n}a$ID
	else
		me=2 peer=1 priv=$TMP/$k.kb pub=$TMP/$k.ka.pub ifn=bw${n}b$ID
	fi
	conf_write "$TMP/$k.$side.conf" "$priv" "$pub" 5182$me \
		10.66.$n.$peer:5182$peer 10.67.$n.$me/24 10.67.$n.$peer/32
	sys_up "$sys" bn-$(echo $side | tr AB ab)-$k $ifn "$TMP/$k.$side.conf" \
		veth$side$n $k.$side
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
	ping_wait bn-a-$k 10.67.$n.2 50
}

# ------------------------------------------------------------ measures
rec() { echo "$1 $2 $3" >>"$RES"; }

# cpu_of FILE: utime+stime (clock ticks) of the pids listed in FILE (0
# when there is no such file).
cpu_of() {
	s=0
	[ -s "$1" ] || { echo 0; return; }
	for pid in $(cat "$1"); do
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

# iperf_srv NS: a one-test iperf3 server on port 5201 of our namespace NS,
# listening when this returns; its pid in $spid.
iperf_srv() {
	nsenter --net="$(nsp $1)" iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
	spid=$!
	t=30
	until nsn $1 ss -ltn 2>/dev/null | grep -q ':5201 '; do
		t=$((t - 1))
		[ $t -gt 0 ] || break
		sleep 0.1
	done
}

# iperf_ns SRV CLI DST ARGS...: iperf3 from namespace CLI to DST, served in
# SRV; JSON into $TMP/last.json.
iperf_ns() {
	srv=$1 cli=$2 dst=$3
	shift 3
	iperf_srv $srv
	nsn $cli timeout $((T + UT + 30)) iperf3 -J -c "$dst" -p 5201 \
		"$@" >"$TMP/last.json" 2>/dev/null
	rc=$?
	kill $spid 2>/dev/null
	wait $spid 2>/dev/null
	return $rc
}

# veth_ends KEY DIR(ab|ba): "SRV CLI DST" of a veth pair's iperf3 run.
veth_ends() {
	if [ "$2" = ab ]; then echo "bn-b-$1 bn-a-$1 $(ip_b $1)"; else
		echo "bn-a-$1 bn-b-$1 $(ip_a $1)"; fi
}

# tcp_run KEY NAME SRV CLI DST PIDS CPU ARGS...: iperf3 TCP for $T seconds;
# records NAME (Mbit/s) and NAME_retr (the sender's retransmits). Unless
# CPU is "-", also CPUcpu_s_per_gb (utime+stime of the pids in the file
# PIDS per GB received, when there are pids) and CPUsys_cpu_s_per_gb (all
# CPUs' busy time per GB).
tcp_run() {
	k=$1 name=$2 srv=$3 cli=$4 dst=$5 pids=$6 cpu=$7
	shift 7
	c0=$(cpu_of "$pids") b0=$(busy_ticks)
	if ! iperf_ns $srv $cli $dst -t "$T" "$@"; then
		rec $k $name null
		return
	fi
	c1=$(cpu_of "$pids") b1=$(busy_ticks)
	bytes=$(jq '.end.sum_received.bytes' "$TMP/last.json")
	bps=$(jq '.end.sum_received.bits_per_second' "$TMP/last.json")
	rec $k $name "$(echo "$bps" | awk '{printf "%.1f", $1 / 1e6}')"
	rec $k ${name}_retr "$(jq '.end.sum_sent.retransmits // null' "$TMP/last.json")"
	[ "$cpu" != - ] || return 0
	hz=$(getconf CLK_TCK)
	if [ -s "$pids" ]; then
		rec $k ${cpu}cpu_s_per_gb "$(awk -v c=$((c1 - c0)) -v b="$bytes" \
			-v h="$hz" 'BEGIN {printf "%.2f", c / h / (b / 1e9)}')"
	fi
	rec $k ${cpu}sys_cpu_s_per_gb "$(awk -v c=$((b1 - b0)) -v b="$bytes" \
		-v h="$hz" 'BEGIN {printf "%.2f", c / h / (b / 1e9)}')"
}

# tcp KEY NAME DIR ARGS...: TCP over a veth pair; CPU per GB of tcp1_ab.
tcp() {
	k=$1 name=$2 dir=$3
	shift 3
	cpu=-
	[ "$name" = tcp1_ab ] && cpu=
	tcp_run $k $name $(veth_ends $k $dir) "$TMP/$k.pids" "$cpu" "$@"
}

# udp_run SRV CLI DST RATE_MBIT LEN: prints "goodput_mbit loss_percent pps".
udp_run() {
	rate=$4 len=$5
	iperf_ns $1 $2 $3 -u -t "$UT" -b "${rate}M" -l "$len" -w "$UDP_WIN" ||
		{ echo "0 100 0"; return; }
	jq -r '.end.sum | "\(.bytes) \(.lost_percent) \(.packets) \(.lost_packets) \(.seconds)"' \
		"$TMP/last.json" | awk '{
			recv = $3 - $4
			printf "%.1f %.2f %.0f\n", recv * ('"$len"') * 8 / $5 / 1e6, $2, recv / $5 }'
}

# udp_search KEY NAME SRV CLI DST: highest 1392-byte-payload rate
# (1420-byte inner IP packets) with <1 % loss, by doubling then bisecting
# (BENCH_UDP_STEPS); recorded as NAME.
udp_search() {
	k=$1 name=$2 ends="$3 $4 $5"
	lo=0 hi=0 rate=${BENCH_UDP_START:-250} best=0
	steps=${BENCH_UDP_STEPS:-6}
	while [ "$steps" -gt 0 ]; do
		steps=$((steps - 1))
		set -- $(udp_run $ends $rate 1392)
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
	rec $k $name "$best"
}

udp1420() { udp_search $1 udp1420_mbit $(veth_ends $1 ab); }

# udp_pps KEY: 64-byte datagrams as fast as one iperf3 can send; received/s.
udp_pps() {
	k=$1
	set -- $(udp_run $(veth_ends $k ab) 0 64)
	rec $k udp64_pps "$3"
}

# ping_ns KEY NAME NS DST: p50/p99 (and loss) over $PINGS pings at 10 ms
# from our namespace NS to DST.
ping_ns() {
	nsn $3 ping -n -c "$PINGS" -i 0.01 -W 1 "$4" 2>/dev/null |
		sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' | sort -g >"$TMP/rtt"
	n=$(wc -l <"$TMP/rtt")
	if [ "$n" -eq 0 ]; then
		rec $1 ${2}_p50_ms null
		rec $1 ${2}_p99_ms null
		return
	fi
	rec $1 ${2}_p50_ms "$(sed -n "$(((n + 1) / 2))p" "$TMP/rtt")"
	rec $1 ${2}_p99_ms "$(sed -n "$(((n * 99 + 99) / 100))p" "$TMP/rtt")"
	rec $1 ${2}_loss_pct "$(awk -v n=$n -v p=$PINGS 'BEGIN {printf "%.1f", (p - n) * 100 / p}')"
}

# ping_rtt KEY NAME [load]: ping A->B over a veth pair, idle or under TCP.
ping_rtt() {
	k=$1 name=$2 load=${3:-}
	lpid=
	if [ -n "$load" ]; then
		nsenter --net="$(nsp bn-b-$k)" iperf3 -s -1 -p 5202 \
			>/dev/null 2>&1 &
		spid=$!
		sleep 0.3
		nsenter --net="$(nsp bn-a-$k)" iperf3 -c "$(ip_b $k)" -p 5202 \
			-t $((PINGS / 100 + 3)) >/dev/null 2>&1 &
		lpid=$!
		sleep 1
	fi
	ping_ns $k $name bn-a-$k "$(ip_b $k)"
	if [ -n "$lpid" ]; then
		kill $lpid $spid 2>/dev/null
		wait $lpid $spid 2>/dev/null
	fi
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
tunnel_wait() { ping_wait bn-a-$1 "$(ip_b $1)"; }

# restore_b KEY: side B back to its one peer.
restore_b() {
	nsx B $1 timeout "$SCALE_TO" wg setconf "$(ifb $1)" "$TMP/$1.B.conf.strip" ||
		log "bench: could not restore $1 side B"
	tunnel_wait $1 || log "bench: $1 tunnel does not come back"
}

# report_b KEY: side B's "wgxdp=1" report (wg-xdp only).
report_b() {
	# (Nothing when it fails: a report cut short would sum short.)
	_rb=$(printf 'wgxdp=1\n\n' |
		"$UAPI" -t 5 "/var/run/wireguard/$(ifb $1).sock" 2>/dev/null) ||
		return 1
	printf '%s\n' "$_rb"
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
		cat "$TMP/$k.B.conf.strip" "$TMP/scale.$sz" >"$TMP/scale.conf"
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

# ------------------------------- configuration stall, loopback, gateway
# Those run on the X:X pairs of the systems in $RIG_SYS.
rig_ok() {
	same_sys "$1" || return 1
	p=$(pair_of "$1")
	case " $RIG_SYS " in *" ${p%%:*} "*) return 0 ;; esac
	return 1
}

now_s() { date +%s.%N; }

# stall KEY: how long forwarding stops while side B takes one configuration
# change. B first gets a second peer with neither allowed IPs nor endpoint
# (idle). iperf3 A->B starts (-t $STALL_T -i 0.1); $STALL_RAMP s later
# build/bench/probe on A sends B an ICMP echo through the tunnel every
# $STALL_I s (each reply stamped with the wall clock when it came back);
# $STALL_PRE s later one `wg addconf` on B gives the idle peer $STALL_AIPS
# /32 allowed IPs (the live peer is not touched). S and E are when it starts
# and returns. The echoes go on $STALL_POST s after E, then $STALL_W s more,
# so that each one sent by then has had its time to come back, and stop at
# K. The change window is [S, E + $STALL_POST]. Two consecutive replies make
# a gap; it belongs to the window when it overlaps it, to the control window
# when it ends before S; the gap from the last reply to K counts too when
# it is longer than $STALL_W s (the tunnel did not come back). Rows:
#   stall_set_ms      E - S, the change as `wg addconf` sees it
#   stall_ms          the longest gap in the window: the longest time A's
#                     kernel got no reply; stall_base_ms the same before S
#   stall_lost        echo requests without a reply (missing icmp_seq) in
#                     the window's gaps; stall_base_lost before S
#   stall_rtt_max_ms  the highest RTT of the replies that came back in the
#                     window; stall_base_rtt_max_ms before S
#   stall_tcp_min_mbit  the lowest 100 ms iperf3 interval overlapping the
#                     window (iperf3's clock mapped to the wall clock by the
#                     client's start, to a few ms); stall_base_tcp_min_mbit
#                     the lowest interval between the first ping and S.
stall() {
	k=$1
	rig_ok $k || return 0
	ifn=$(ifb $k) dst=$(ip_b $k)
	if [ ! -s "$TMP/stall.conf" ]; then
		wg genkey | wg pubkey >"$TMP/stall.pub"
		awk -v n="$STALL_AIPS" -v pub="$(cat "$TMP/stall.pub")" 'BEGIN {
			print "[Peer]"
			print "PublicKey = " pub
			for (i = 0; i < n; i++)
				printf "AllowedIPs = 10.%d.%d.%d/32\n", 100 + int(i / 65536),
					int(i / 256) % 256, i % 256 }' >"$TMP/stall.conf"
	fi
	pub=$(cat "$TMP/stall.pub")
	if ! nsx B $k wg set $ifn peer "$pub"; then
		rec $k stall_set_ms null
		return
	fi
	iperf_srv bn-b-$k
	i0=$(now_s)
	nsx A $k timeout $((STALL_T + 30)) iperf3 -J -c "$dst" -p 5201 \
		-t "$STALL_T" -i 0.1 >"$TMP/stall.json" 2>/dev/null &
	ipid=$!
	sleep $STALL_RAMP
	p0=$(now_s)
	# Not through nsx: $! must be the probe itself, for the kill.
	$CHRT nsenter --net="$(nsp bn-a-$k)" "$PROBE" "$dst" "$STALL_I" \
		>"$TMP/stall.ping" &
	ppid=$!
	sleep $STALL_PRE
	s0=$(now_s)
	nsx B $k timeout "$SCALE_TO" wg addconf $ifn "$TMP/stall.conf"
	rc=$?
	s1=$(now_s)
	sleep $STALL_POST
	sleep $STALL_W
	p1=$(now_s)
	kill $ppid 2>/dev/null
	wait $ppid
	wait $ipid
	kill $spid 2>/dev/null
	wait $spid 2>/dev/null
	we=$(awk -v e="$s1" -v p="$STALL_POST" 'BEGIN {printf "%.6f", e + p}')
	if awk -v i="$i0" -v t="$STALL_T" -v k="$p1" 'BEGIN {exit !(k > i + t)}'; then
		log "  the pings outlasted the flow (BENCH_STALL_T=$STALL_T is short)"
	fi
	if [ $rc = 0 ]; then
		rec $k stall_set_ms "$(awk -v a="$s0" -v b="$s1" 'BEGIN {printf "%.0f", (b - a) * 1000}')"
	elif [ $rc = 124 ]; then
		rec $k stall_set_ms timeout
	else
		rec $k stall_set_ms null
	fi
	set -- $(awk -v s="$s0" -v e="$we" -v w="$STALL_W" -v k="$p1" '
		function gap(a, b, miss) {
			if (a <= e && b >= s) {
				wn++; wl += miss
				if (b - a > wg) wg = b - a
			} else if (b < s) {
				bn++; bl += miss
				if (b - a > bg) bg = b - a
			}
		}
		function v(n, x, f) { return n ? sprintf(f, x) : "null" }
		NF == 3 {
			t = $1 + 0
			q = $2 + 0
			r = $3 + 0
			if (got && q <= pq)
				next
			if (got++)
				gap(pt, t, q - pq - 1)
			if (t >= s && t <= e) {
				wr++
				if (r > wrm) wrm = r
			} else if (t < s) {
				br++
				if (r > brm) brm = r
			}
			pt = t
			pq = q
		}
		$1 == "sent" { tx = $2 - 1 }
		END {
			if (got && k - pt > w)
				gap(pt, k, tx > pq ? tx - pq : 0)
			print v(wn, wg * 1000, "%.1f"), v(wn, wl, "%d"), v(wr, wrm, "%.3f"),
				v(bn, bg * 1000, "%.1f"), v(bn, bl, "%d"), v(br, brm, "%.3f")
		}' "$TMP/stall.ping")
	if [ $# = 6 ]; then
		rec $k stall_ms $1
		rec $k stall_lost $2
		rec $k stall_rtt_max_ms $3
		rec $k stall_base_ms $4
		rec $k stall_base_lost $5
		rec $k stall_base_rtt_max_ms $6
	fi
	set -- $(jq -r --argjson i0 "$i0" --argjson s "$s0" --argjson e "$we" \
		--argjson p0 "$p0" '
		def r: if . == null then "null" else . * 10 | round / 10 end;
		[.intervals[]?.sum | {a: (.start + $i0), b: (.end + $i0),
		  v: (.bits_per_second / 1e6)}] |
		"\([.[] | select(.a <= $e and .b >= $s) | .v] | min | r) \([.[] | select(.a >= $p0 and .b <= $s) | .v] | min | r)"' \
		"$TMP/stall.json" 2>/dev/null)
	if [ $# = 2 ]; then
		rec $k stall_tcp_min_mbit $1
		rec $k stall_base_tcp_min_mbit $2
	fi
	log "  $(grep "^$k stall" "$RES" | tail -11 | awk '{printf "%s=%s ", $2, $3}')"
	nsx B $k timeout "$SCALE_TO" wg set $ifn peer "$pub" remove ||
		log "bench: could not remove the idle peer of $k"
	tunnel_wait $k || log "bench: $k tunnel does not come back"
}

# net_of KEY OCTET: the /24 10.OCTET.N of a pair's rig.
net_of() { echo "10.$2.$(cat "$TMP/$1.n")"; }

# tun_move NS IFACE TO ADDRESS: move IFACE from our namespace NS into TO,
# and give it ADDRESS and the MTU there.
tun_move() {
	nsn $1 ip link set $2 netns $3-$ID &&
		nsn $3 ip addr add $4 dev $2 &&
		nsn $3 ip link set $2 mtu $MTU up
}

# lo_up PAIR N: the loopback rig of pair N, the topology of wireguard-go's
# tests/netns.sh. Both daemons run in bl-o and talk over 127.0.0.1 (wg-xdp
# attached to lo, which is no Ethernet device: its UDP-socket path); each
# interface is then moved into a namespace of its own and addressed there.
#
#   +----------------------------------------------------------------+
#   | netns bl-o-<pair>-$$                            lo 127.0.0.1   |
#   |  daemon A :51821  <--------- UDP over lo --------->  daemon B :51822 |
#   +--------|------------------------------------------------|------+
#            | ip link set ... netns                          |
#   +--------v----------------+                  +------------v------------+
#   | netns bl-a-<pair>-$$    |                  | netns bl-b-<pair>-$$    |
#   |  bl<N>a$$ 10.68.N.1/24  |                  |  bl<N>b$$ 10.68.N.2/24  |
#   +-------------------------+                  +-------------------------+
lo_up() {
	p=$1 n=$2 k=$(key_of "$1")
	for r in o a b; do
		ip netns add bl-$r-$k-$ID || return 1
		nsn bl-$r-$k ip link set lo up
	done
	for s in a b; do
		if [ $s = a ]; then me=1 peer=2 priv=$TMP/$k.ka pub=$TMP/$k.kb.pub
		else me=2 peer=1 priv=$TMP/$k.kb pub=$TMP/$k.ka.pub; fi
		ifn=bl$n$s$ID conf=$TMP/$k.lo$s.conf
		conf_write "$conf" "$priv" "$pub" 5182$me 127.0.0.1:5182$peer \
			10.68.$n.$me/24 10.68.$n.$peer/32
		sys_up "${p%%:*}" bl-o-$k $ifn "$conf" lo $k.lo$s || return 1
		tun_move bl-o-$k $ifn bl-$s-$k 10.68.$n.$me/24 || return 1
	done
	ip netns pids bl-o-$k-$ID >"$TMP/$k.lo.pids"
	ping_wait bl-a-$k 10.68.$n.2
}

# veth_link NS1 IF1 ADDR1 NS2 IF2 ADDR2: a veth pair between two of our
# namespaces, addressed and up.
veth_link() {
	ip link add $2 netns $1-$ID type veth peer name $5 netns $4-$ID &&
		nsn $1 ip addr add $3 dev $2 && nsn $1 ip link set $2 up &&
		nsn $4 ip addr add $6 dev $5 && nsn $4 ip link set $5 up
}

# gw_up PAIR N: the gateway rig of pair N. Gateway A carries LAN A through
# the tunnel to gateway B and LAN B. wg-xdp runs with --lan on the LAN side
# (XDP takes plaintext for the peer's allowed IPs straight to the tunnel;
# the way back is TUN and kernel forwarding); the others are routed
# gateways (ip_forward, a route for the far LAN via the TUN).
# The hosts' veths send complete checksums (ethtool tx off), as frames off
# a wire have them: veth otherwise hands XDP TCP packets whose checksum is
# left for an offload that the tunnel's far end never does, and host B
# drops them. The LANs' MTU is $GW_MTU, by default the tunnel's, so the row
# does not rest on path MTU discovery (at 1500, wg-xdp's "fragmentation
# needed" goes into its TUN with the gateway's own address as the source,
# which the kernel drops as martian, and TCP stalls).
#
#   +-----------+      +------------------+      +------------------+      +-----------+
#   | bg-ha     | veth | bg-ga            | veth | bg-gb            | veth | bg-hb     |
#   | host A    |------| gal<N> 10.70.N.1 |      | gbl<N> 10.72.N.1 |------| host B    |
#   | 10.70.N.2 |      | gaw<N> 10.71.N.1 |------| gbw<N> 10.71.N.2 |      | 10.72.N.2 |
#   | via .1    |      | tunnel 10.73.N.1 |      | tunnel 10.73.N.2 |      | via .1    |
#   +-----------+      +------------------+      +------------------+      +-----------+
gw_up() {
	p=$1 n=$2 k=$(key_of "$1")
	for r in ha ga gb hb; do
		ip netns add bg-$r-$k-$ID || return 1
		nsn bg-$r-$k ip link set lo up
	done
	veth_link bg-ha-$k ha$n 10.70.$n.2/24 bg-ga-$k gal$n 10.70.$n.1/24 &&
		veth_link bg-ga-$k gaw$n 10.71.$n.1/24 bg-gb-$k gbw$n 10.71.$n.2/24 &&
		veth_link bg-gb-$k gbl$n 10.72.$n.1/24 bg-hb-$k hb$n 10.72.$n.2/24 &&
		nsn bg-ha-$k ip link set ha$n mtu $GW_MTU &&
		nsn bg-ga-$k ip link set gal$n mtu $GW_MTU &&
		nsn bg-gb-$k ip link set gbl$n mtu $GW_MTU &&
		nsn bg-hb-$k ip link set hb$n mtu $GW_MTU &&
		nsn bg-ha-$k ethtool -K ha$n tx off >/dev/null &&
		nsn bg-hb-$k ethtool -K hb$n tx off >/dev/null &&
		nsn bg-ha-$k ip route add default via 10.70.$n.1 &&
		nsn bg-hb-$k ip route add default via 10.72.$n.1 || return 1
	for g in a b; do
		if [ $g = a ]; then
			me=1 peer=2 priv=$TMP/$k.ka pub=$TMP/$k.kb.pub far=10.72.$n.0/24
		else
			me=2 peer=1 priv=$TMP/$k.kb pub=$TMP/$k.ka.pub far=10.70.$n.0/24
		fi
		ns=bg-g$g-$k ifn=bg$n$g$ID conf=$TMP/$k.gw$g.conf
		nsn $ns sysctl -qw net.ipv4.ip_forward=1 || return 1
		conf_write "$conf" "$priv" "$pub" 5182$me 10.71.$n.$peer:5182$peer \
			10.73.$n.$me/24 "10.73.$n.$peer/32, $far"
		sys_up "${p%%:*}" $ns $ifn "$conf" g${g}w$n $k.gw$g g${g}l$n ||
			return 1
		case ${p%%:*} in
		wgxdp*) ;; # wg-xdp up adds a route for every allowed IP
		*) nsn $ns ip route add $far dev $ifn || return 1 ;;
		esac
	done
	{
		ip netns pids bg-ga-$k-$ID
		ip netns pids bg-gb-$k-$ID
	} >"$TMP/$k.gw.pids"
	ping_wait bg-ha-$k 10.72.$n.2
}

# rig NAME PREFIX UP TESTS...: bring rig NAME up (UP PAIR N, namespaces
# PREFIX*) for every pair that runs it, all at once; run each test
# round-robin; take the rig down.
rig() {
	rg=$1 rpfx=$2 rup=$3
	shift 3
	for rp in $PAIRS; do
		rk=$(key_of "$rp")
		rig_ok $rk || continue
		log "bench: $rp: $rg rig up"
		if $rup "$rp" "$(cat "$TMP/$rk.n")"; then
			touch "$TMP/$rk.$rg.ok"
		else
			log "bench: could not bring up the $rg rig of $rp"
			tail -5 "$TMP"/$rk.$rg*.log 2>/dev/null >&2
		fi
	done
	for rt in "$@"; do
		each $rt
	done
	ns_down $rpfx
}

# rig_do RIG KEY ROW CMD...: CMD when the pair runs RIG and it came up;
# ROW is null when it did not.
rig_do() {
	rig_ok $2 || return 0
	if [ -f "$TMP/$2.$1.ok" ]; then
		shift 3
		"$@"
	else
		rec $2 $3 null
	fi
}
lo_tcp1_ab() {
	rig_do lo $1 lo_tcp1_ab tcp_run $1 lo_tcp1_ab bl-b-$1 bl-a-$1 \
		"$(net_of $1 68).2" "$TMP/$1.lo.pids" lo_
}
lo_tcp1_ba() {
	rig_do lo $1 lo_tcp1_ba tcp_run $1 lo_tcp1_ba bl-a-$1 bl-b-$1 \
		"$(net_of $1 68).1" - -
}
lo_udp1420() {
	rig_do lo $1 lo_udp1420_mbit udp_search $1 lo_udp1420_mbit \
		bl-b-$1 bl-a-$1 "$(net_of $1 68).2"
}
gw_tcp1_ab() {
	rig_do gw $1 gw_tcp1_ab tcp_run $1 gw_tcp1_ab bg-hb-$1 bg-ha-$1 \
		"$(net_of $1 72).2" "$TMP/$1.gw.pids" gw_
}
gw_ping() {
	rig_do gw $1 gw_ping_p50_ms ping_ns $1 gw_ping bg-ha-$1 \
		"$(net_of $1 72).2"
}

# --------------------------------------------------------------- report
METRICS="tcp1_ab tcp1_ba tcp4_ab udp1420_mbit udp64_pps ping_idle_p50_ms \
ping_idle_p99_ms ping_load_p50_ms ping_load_p99_ms cpu_s_per_gb sys_cpu_s_per_gb \
hs_per_s hs_cpu_ms junk_base_tcp junk_tcp junk_cpu_s junk_sent_pps \
junk_xdp_drops junk_daemon_pkts scale_rss_kb_1 scale_tcp \
stall_set_ms stall_ms stall_lost stall_rtt_max_ms stall_tcp_min_mbit \
stall_base_ms stall_base_lost stall_base_rtt_max_ms stall_base_tcp_min_mbit \
lo_tcp1_ab lo_tcp1_ab_retr lo_tcp1_ba lo_tcp1_ba_retr lo_udp1420_mbit \
lo_cpu_s_per_gb lo_sys_cpu_s_per_gb \
gw_tcp1_ab gw_tcp1_ab_retr gw_cpu_s_per_gb gw_sys_cpu_s_per_gb \
gw_ping_p50_ms gw_ping_p99_ms"
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
	base=
	if [ -n "$BASE_REF" ]; then base=" BENCH_BASELINE_REF=$BASE_REF"
	elif [ -n "$BASELINE" ]; then base=" BENCH_BASELINE=$BASELINE"; fi
	cmd="${BENCH_CMD:-make bench} (BENCH_T=$T BENCH_UDP_T=$UT BENCH_PINGS=$PINGS BENCH_ROUNDS=$ROUNDS BENCH_BASE=$BASE BENCH_HS_SECONDS=$HS_T BENCH_HS_KEYS=$HS_KEYS BENCH_HS_SOURCES=$HS_SRC BENCH_JUNK=$JUNK BENCH_FLOOD_T=$FLOOD_T BENCH_SCALE=\"$SCALE\" BENCH_SCALE_TIMEOUT=$SCALE_TO BENCH_SCALE_HS_TIMEOUT=$SCALE_HS_TO BENCH_RIG_SYSTEMS=\"$RIG_SYS\" BENCH_STALL=$STALL BENCH_STALL_T=$STALL_T BENCH_STALL_AIPS=$STALL_AIPS BENCH_STALL_INTERVAL=$STALL_I BENCH_LO=$LO BENCH_LO_UDP=$LO_UDP BENCH_GW=$GW BENCH_GW_LAN_MTU=$GW_MTU$base)"
	{
		jq -n --arg date "$date" --arg host "$host" --arg cpu "$cpu" \
			--arg kernel "$(uname -r)" --argjson nproc "$(nproc)" \
			--arg cmd "$cmd" --argjson aead "${AEAD_JSON:-null}" \
			--arg load "$LOAD_NOTE" \
			--argjson scale "$(echo "$SCALE" | jq -R 'split(" ") | map(select(. != "") | tonumber)')" \
			--argjson stall "{\"aips\": $STALL_AIPS, \"interval_s\": $STALL_I, \"before_s\": $STALL_PRE, \"after_s\": $STALL_POST}" \
			--argjson gw_mtu "$GW_MTU" \
			'{date: $date, host: $host, nproc: $nproc, cpu: $cpu,
			  kernel: $kernel, command: $cmd, aead: $aead,
			  load: $load, scale_sizes: $scale, stall: $stall,
			  gw_lan_mtu: $gw_mtu}'
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
	(if (.pairs | map(.figures | (.stall_set_ms // .stall_ms // .lo_tcp1_ab // .gw_tcp1_ab) != null) | any) then
	 "## Configuration-change stall, UDP path on loopback, gateway\n",
	 (if (.pairs | map(.figures.stall_set_ms != null) | any) then
	  "Stall (veth rig): while iperf3 runs A→B, one `wg addconf` on B gives a second, idle peer \(.stall.aips) /32 allowed IPs. bench/probe on A sends B an ICMP echo through the tunnel every \(.stall.interval_s) s. The window runs from the start of the change to \(.stall.after_s) s after `wg addconf` returned. *stall* is the longest time between two echo replies, overlapping the window: the longest time A saw no answer. *lost* counts the echoes in those gaps that got no reply. *max RTT* is the highest RTT of a reply in the window. *lowest TCP* is the lowest 100 ms iperf3 interval overlapping it. *before* gives the same figures for the \(.stall.before_s) s before the change, under the same flow.\n",
	  "| pair | wg addconf ms | stall ms | lost | max RTT ms | lowest TCP Mbit/s | before: stall ms | lost | max RTT ms | lowest TCP Mbit/s |",
	  "|---|---|---|---|---|---|---|---|---|---|",
	  (.pairs[] | select(.figures.stall_set_ms != null) | .figures as $x |
	   "| \(.pair) | \($x.stall_set_ms|f) | \($x.stall_ms|f) | \($x.stall_lost|f) | \($x.stall_rtt_max_ms|f) | \($x.stall_tcp_min_mbit|f) | \($x.stall_base_ms|f) | \($x.stall_base_lost|f) | \($x.stall_base_rtt_max_ms|f) | \($x.stall_base_tcp_min_mbit|f) |"),
	  "" else empty end),
	 (if (.pairs | map(.figures.lo_tcp1_ab != null) | any) then
	  "UDP path on loopback (the topology of wireguard-go'"'"'s tests/netns.sh): both daemons in one namespace talk over 127.0.0.1, and wg-xdp, attached to lo, runs its UDP-socket path. Each WireGuard interface is moved into a namespace of its own. Retransmits are iperf3'"'"'s sender count (end.sum_sent.retransmits). Daemon CPU is that of both daemons over the TCP A→B run.\n",
	  "| pair | TCP 1 A→B Mbit/s | retransmits | TCP 1 B→A Mbit/s | retransmits | UDP 1420 <1% loss Mbit/s | daemon CPU s/GB | machine CPU s/GB |",
	  "|---|---|---|---|---|---|---|---|",
	  (.pairs[] | select(.figures.lo_tcp1_ab != null) | .figures as $x |
	   "| \(.pair) | \($x.lo_tcp1_ab|f) | \($x.lo_tcp1_ab_retr|f) | \($x.lo_tcp1_ba|f) | \($x.lo_tcp1_ba_retr|f) | \($x.lo_udp1420_mbit|f) | \($x.lo_cpu_s_per_gb|f) | \($x.lo_sys_cpu_s_per_gb|f) |"),
	  "" else empty end),
	 (if (.pairs | map(.figures.gw_tcp1_ab != null) | any) then
	  "Gateway: LAN host A, gateway A, gateway B and LAN host B, with veths between them and LANs of MTU \(.gw_lan_mtu). wg-xdp runs its --lan fast path on both gateways. The others run as routed gateways (ip_forward, a route via the TUN). TCP and ping go from host A to host B. Daemon CPU is that of both gateways over the TCP run.\n",
	  "| pair | TCP 1 host A→B Mbit/s | retransmits | gateways'"'"' daemon CPU s/GB | machine CPU s/GB | ping host A→B p50/p99 ms |",
	  "|---|---|---|---|---|---|",
	  (.pairs[] | select(.figures.gw_tcp1_ab != null) | .figures as $x |
	   "| \(.pair) | \($x.gw_tcp1_ab|f) | \($x.gw_tcp1_ab_retr|f) | \($x.gw_cpu_s_per_gb|f) | \($x.gw_sys_cpu_s_per_gb|f) | \($x.gw_ping_p50_ms|f) / \($x.gw_ping_p99_ms|f) |"),
	  "" else empty end),
	 (if .ratios then
	  "Ratios, wg-xdp over the anchor (retransmits, stall and CPU: below 1 is better):\n",
	  "| ratio | wg addconf | stall | stall lost | stall max RTT | loopback TCP A→B | B→A | retransmits A→B | B→A | UDP 1420 | daemon CPU/GB | gateway TCP | gateways'"'"' CPU/GB | machine CPU/GB | ping p50 |",
	  "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
	  (.ratios | to_entries[] | .value as $x |
	   "| \(.key) | \($x.stall_set_ms|f) | \($x.stall_ms|f) | \($x.stall_lost|f) | \($x.stall_rtt_max_ms|f) | \($x.lo_tcp1_ab|f) | \($x.lo_tcp1_ba|f) | \($x.lo_tcp1_ab_retr|f) | \($x.lo_tcp1_ba_retr|f) | \($x.lo_udp1420_mbit|f) | \($x.lo_cpu_s_per_gb|f) | \($x.gw_tcp1_ab|f) | \($x.gw_cpu_s_per_gb|f) | \($x.gw_sys_cpu_s_per_gb|f) | \($x.gw_ping_p50_ms|f) |"),
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
for t in iperf3 jq wg nsenter ethtool; do
	command -v $t >/dev/null || { log "bench: needs $t"; exit 1; }
done
if [ -n "$BASE_REF" ]; then
	[ -z "$BASELINE" ] ||
		{ log "bench: set BENCH_BASELINE or BENCH_BASELINE_REF, not both"; exit 1; }
	rev=$(git -C "$ROOT" rev-parse --verify -q "$BASE_REF^{commit}") ||
		{ log "bench: $BASE_REF names no commit"; exit 1; }
	BASE_WT=$ROOT/$BUILD/baseline-$ID
	log "bench: building $BASE_REF ($rev) in $BASE_WT"
	git -C "$ROOT" worktree add -q --detach "$BASE_WT" "$rev" >&2 ||
		{ BASE_WT=; exit 1; }
	# Its own build/, whatever this make was told.
	if ! (cd "$BASE_WT" && env -u BUILD -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		make -j2 build/wg-xdp) >"$TMP/baseline.log" 2>&1; then
		tail -20 "$TMP/baseline.log" >&2
		log "bench: could not build $BASE_REF"
		exit 1
	fi
	BASELINE=$BASE_WT/build/wg-xdp
fi
if [ -n "$BASELINE" ]; then
	[ -x "$BASELINE" ] || { log "bench: $BASELINE is not executable"; exit 1; }
	case " $PAIRS " in
	*" wgxdpbase:wgxdpbase "*) ;;
	*) PAIRS="$PAIRS wgxdpbase:wgxdpbase" ;;
	esac
fi
case " $PAIRS " in
*wgxdpbase*) [ -n "$BASELINE" ] ||
	{ log "bench: the pair wgxdpbase needs BENCH_BASELINE"; exit 1; } ;;
esac
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
udp_search_() { base "$1" && udp1420 "$1"; }
udp_pps_() { base "$1" && udp_pps "$1"; }
ping_idle() { base "$1" && ping_rtt "$1" ping_idle; }
ping_load() { base "$1" && ping_rtt "$1" ping_load load; }
hs_rate_() { base "$1" && hs_rate "$1"; }
scale_() { base "$1" && scale "$1"; }

if [ "$BASE" = 1 ] || [ "$SMOKE" = 1 ]; then
	each tcp1_ab
	each tcp1_ba
fi
LO_TESTS="lo_tcp1_ab lo_tcp1_ba"
[ "$LO_UDP" = 1 ] && LO_TESTS="$LO_TESTS lo_udp1420"
[ "$SMOKE" = 1 ] && LO_TESTS=lo_tcp1_ab
# new_rows: the configuration stall, the loopback and the gateway rows.
new_rows() {
	[ "$STALL" = 1 ] && each stall
	[ "$LO" = 1 ] && rig lo bl- lo_up $LO_TESTS
	[ "$GW" = 1 ] && rig gw bg- gw_up gw_tcp1_ab gw_ping
	return 0
}
if [ "$SMOKE" = 1 ]; then
	each ping_idle
	new_rows
	ok=0 bad=0
	# smoke MESSAGE TEST...: one check.
	smoke() {
		m=$1
		shift
		if "$@"; then ok=$((ok + 1)); else
			bad=$((bad + 1))
			m="$m: FAILED"
		fi
		echo "bench-smoke: $m"
	}
	num() { for x; do [ "$x" != null ] || return 1; done; }
	under50() { awk -v l="$1" 'BEGIN {exit !(l < 50)}'; }
	f() { med wgxdp_wgxdp $1; }
	v=$(f tcp1_ab) w=$(f tcp1_ba) l=$(f ping_idle_loss_pct)
	smoke "veth A→B $v Mbit/s, B→A $w Mbit/s, ping loss $l %" \
		eval 'num "$v" "$w" && under50 "$l"'
	if [ "$STALL" = 1 ]; then
		v=$(f stall_set_ms) w=$(f stall_ms) l=$(f stall_lost)
		smoke "stall: wg addconf of $STALL_AIPS allowed IPs $v ms, longest gap $w ms, $l lost" \
			num "$v" "$w" "$l"
	fi
	if [ "$LO" = 1 ]; then
		v=$(f lo_tcp1_ab) w=$(f lo_tcp1_ab_retr)
		smoke "loopback A→B $v Mbit/s, $w retransmits" num "$v"
	fi
	if [ "$GW" = 1 ]; then
		v=$(f gw_tcp1_ab) l=$(f gw_ping_loss_pct)
		smoke "gateway host A→B $v Mbit/s, ping loss $l %" \
			eval 'num "$v" "$l" && under50 "$l"'
	fi
	echo "bench-smoke: $ok passed, $bad failed"
	[ $bad = 0 ]
	exit
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
new_rows
LOAD_NOTE="$LOAD_NOTE, at end $(cut -d' ' -f1-3 /proc/loadavg) (other engineers' builds and tests share the 2 CPUs)"
report

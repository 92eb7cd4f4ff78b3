#!/bin/sh
# The peer tier (make check-peer): wireguard-go's own tests/netns.sh, run
# against build/wg-xdp the way it runs wireguard-go (`$program wg1` in its
# namespace, then `wg set` over the control socket).
#
#   sh tests/peer/run.sh [PROGRAM]        (PROGRAM: build/wg-xdp)
#   PEER_PROGRAM=/usr/bin/wireguard-go sh tests/peer/run.sh   the harness on
#                                         the implementation the script is for
#
# The script comes from the module zip of golang.zx2c4.com/wireguard@latest
# on the Go module proxy (`go mod download`, cached in build/peer/gomod;
# when the proxy cannot be reached, the newest cached version is used and
# said so). It is never run in place: build/peer/netns.sh is a copy with
# tests/peer/hooks.bash sourced after its `set -e`, which records every
# check it makes (see there for what a check is). One more change, named
# in the output: its sleep(), `read -t N -N 0`, returns at once in bash
# 5.2, so the copy's sleeps, as the script means it to (the NAT test's 3 s
# wait for conntrack). The script's own set-up, checks and cleanup run as
# they are. Its exit status is 0 even when a check fails (its cleanup ends
# in a bare `exit`, which returns the status of its last command), so the
# verdict comes from the trace.
#
# netns.sh uses its own namespaces (wg-test-PID-0/1/2) but fixed interface
# names (wg0, wg1, wg2), whose control sockets would be shared with anything
# else on the host in /var/run/wireguard, and it writes the host-wide sysctl
# net.core.message_cost. So it runs in a mount namespace of its own with a
# tmpfs on /run/wireguard and a plain file bound over message_cost; the
# daemons log to build/peer/wg-xdp.log. After it exits, this script checks
# that nothing it started outlives it: every process seen in its
# namespaces is gone and the namespaces are deleted (else they are removed
# here, and that counts as a failure).
#
# A check that runs longer than PEER_STEP_TIMEOUT seconds (default 180; the
# longest is 1 GB through iperf3) fails: its processes get SIGTERM, which
# fails the step, and the script cleans up as on any failure. The whole run
# is bounded by PEER_TIMEOUT (default 1800).
#
# Output: one "ok - netns.sh:LINE: COMMAND" line per check, the failing one
# as FAIL with the tail of the script's log (build/peer/netns.log), and
# "peer: N passed, N failed". Under set -e the script stops at its first
# failure: the checks after it are not run, which is said with their line.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PROGRAM=${1:-${PEER_PROGRAM:-$ROOT/build/wg-xdp}}
OUT=${PEER_OUT:-$ROOT/build/peer}
STEP_TIMEOUT=${PEER_STEP_TIMEOUT:-180}
TIMEOUT=${PEER_TIMEOUT:-1800}
MODULE=golang.zx2c4.com/wireguard

if [ "$(id -u)" -ne 0 ]; then
	echo "peer: SKIP: needs root (network namespaces, TUN)"
	exit 1
fi
for tool in bash ip unshare mount wg iperf3 ncat iptables ss; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "peer: FAIL: $tool not found (make deps)"
		exit 1
	fi
done
case $PROGRAM in /*) ;; *) PROGRAM=$(pwd)/$PROGRAM ;; esac
if [ ! -x "$PROGRAM" ]; then
	echo "peer: FAIL: $PROGRAM is not built"
	exit 1
fi

# Inside our own mount namespace from here on (see the top).
if [ -z "${WGP_IN_MOUNTNS:-}" ]; then
	WGP_IN_MOUNTNS=1 exec unshare -m --propagation private sh "$0" "$PROGRAM"
fi

mkdir -p "$OUT"
LOG=$OUT/netns.log
TRACE=$OUT/trace
PIDS=$OUT/pids
rm -f "$LOG" "$TRACE" "$OUT/wg-xdp.log"
: >"$PIDS"

# ---------------------------------------------------------------- fetch
go=$(command -v go || ls /usr/lib/go/bin/go /usr/local/go/bin/go 2>/dev/null |
	head -1)
dir=
if [ -n "$go" ]; then
	dir=$(GOMODCACHE=$OUT/gomod GOTOOLCHAIN=local GOFLAGS="-mod=mod -modcacherw" \
		"$go" mod download -json $MODULE@latest 2>"$OUT/go.err" |
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
fi
if [ -z "$dir" ] || [ ! -f "$dir/tests/netns.sh" ]; then
	dir=$(ls -d "$OUT"/gomod/golang.zx2c4.com/wireguard@* 2>/dev/null |
		sort | tail -1)
	if [ -z "$dir" ]; then
		echo "peer: FAIL: cannot fetch $MODULE@latest (go: ${go:-none})"
		sed 's/^/    /' "$OUT/go.err" 2>/dev/null
		exit 1
	fi
	echo "peer: the module proxy did not answer; using the cached ${dir##*/}"
fi
echo "peer: netns.sh of ${dir##*/} against $PROGRAM"

# ---------------------------------------------------------------- the copy
copy=$OUT/netns.sh
if ! grep -q '^set -e$' "$dir/tests/netns.sh"; then
	echo "peer: FAIL: netns.sh has no 'set -e' line to hook after"
	exit 1
fi
{
	sed -e "/^set -e\$/a . '$ROOT/tests/peer/hooks.bash'" \
	    -e '/^sleep() { read -t "\$1" -N 0 || true; }$/a sleep() { command sleep "$1"; }' \
		"$dir/tests/netns.sh"
	echo wgp_end
} >"$copy"
# PEER_SED: a sed script applied to the copy, to look past a known failure
# while debugging (e.g. 's/^big_mtu=.*/big_mtu=$orig_mtu/'). Such a run is
# not the peer's suite and fails.
altered=
if [ -n "${PEER_SED:-}" ]; then
	sed -i -e "$PEER_SED" "$copy" || exit 1
	altered=1
	echo "peer: note: the copy is altered by PEER_SED='$PEER_SED'; this run fails"
fi
grep -q '^sleep() { command sleep' "$copy" &&
	echo "peer: note: the copy's sleep() sleeps (bash 5.2 returns from read -N 0 at once)"
# The lines of loops, from the header to `done` (the hooks count no check
# there: the kmsg loop's condition alone would be thousands).
loops=$(awk '/(^|[;[:space:]])do[[:space:]]*$/ { depth++ }
	depth > 0 { printf "%s%d", sep, NR; sep = "," }
	/^[[:space:]]*done([[:space:]<;|&]|$)/ { depth-- }' "$copy")

# ---------------------------------------------------------------- run
mount -t tmpfs -o mode=0755 wgp-run /run/wireguard 2>/dev/null || {
	mkdir -p /run/wireguard && mount -t tmpfs -o mode=0755 wgp-run /run/wireguard
} || { echo "peer: FAIL: cannot mount a private /run/wireguard"; exit 1; }
cat /proc/sys/net/core/message_cost >"$OUT/message_cost"
mount --bind "$OUT/message_cost" /proc/sys/net/core/message_cost || {
	echo "peer: FAIL: cannot shield net.core.message_cost"
	exit 1
}

start=$(date +%s)
: >"$TRACE"
unset WG_XDP_NIC WG_PROCESS_FOREGROUND
WGP_TRACE=$TRACE WGP_LOOP_LINES=$loops WG_XDP_LOG=$OUT/wg-xdp.log \
	bash "$copy" "$PROGRAM" >"$LOG" 2>&1 </dev/null &
script=$!
nss="wg-test-$script-0 wg-test-$script-1 wg-test-$script-2"

# When a process started (clock ticks after boot): with its PID, what names
# it even after the PID is reused.
started() {
	sed 's/.*) //' /proc/$1/stat 2>/dev/null | cut -d' ' -f20
}

# Is the process PID START still there?
alive() {
	[ -n "$2" ] && [ "$(started $1)" = "$2" ]
}

# The direct children of a process.
children() {
	for s in /proc/[0-9]*/stat; do
		read -r _pid _comm _st _ppid _rest <"$s" 2>/dev/null || continue
		[ "$_ppid" = "$1" ] && echo "$_pid"
	done
}

timed_out=
while kill -0 $script 2>/dev/null; do
	sleep 1
	for ns in $nss; do
		[ -e /run/netns/$ns ] || continue
		for p in $(ip netns pids $ns 2>/dev/null); do
			echo "$p $(started $p)"
		done
	done >>"$PIDS"
	now=$(date +%s)
	last=$(stat -c %Y "$TRACE")
	if [ $((now - start)) -gt "$TIMEOUT" ]; then
		timed_out="the whole run took over ${TIMEOUT}s"
	elif [ $((now - last)) -gt "$STEP_TIMEOUT" ]; then
		timed_out="a check took over ${STEP_TIMEOUT}s"
	else
		continue
	fi
	echo "peer: $timed_out: stopping it"
	echo K >>"$TRACE"
	# Fail the running step; if the shell itself is stuck, end it (its
	# EXIT trap cleans up); if even that hangs, kill it.
	for c in $(children $script); do kill -TERM "$c" 2>/dev/null; done
	t=0
	while kill -0 $script 2>/dev/null && [ $t -lt 15 ]; do sleep 1; t=$((t + 1)); done
	kill -0 $script 2>/dev/null && kill -TERM $script
	t=0
	while kill -0 $script 2>/dev/null && [ $t -lt 60 ]; do sleep 1; t=$((t + 1)); done
	kill -0 $script 2>/dev/null && kill -KILL $script
	break
done
wait $script
rc=$?
secs=$(($(date +%s) - start))

# ---------------------------------------------------------------- verdict
# The trace as check lines (hooks.bash); after K (we stopped it) only the
# failure of the running check counts. A check that took a second or more
# says how long.
awk -F '\t' '
	function took(t) { return t - t0 >= 1 ? sprintf(" [%.1f s]", t - t0) : "" }
	$1 == "K" { killed = 1 }
	$1 == "S" && !killed { cur = "netns.sh:" $2 ": " $4; t0 = $3 }
	$1 == "P" && !killed { print "ok - " cur took($2); cur = "" }
	$1 == "F" {
		if (cur != "")
			print "FAIL - " cur " (exit " $3 ")"
		else
			print "FAIL - netns.sh:" $2 ": " $4 " (exit " $3 ")"
		cur = ""
	}
	END { if (cur != "") print "FAIL - " cur " (stopped)" }
' "$TRACE" >"$OUT/checks"
cat "$OUT/checks"
passed=$(grep -c '^ok - ' "$OUT/checks")
failed=$(grep -c '^FAIL - ' "$OUT/checks")
if grep -q '^E$' "$TRACE" && [ -z "$timed_out" ]; then
	[ $rc -eq 0 ] || { echo "peer: netns.sh ended with status $rc"; failed=$((failed + 1)); }
else
	[ "$failed" -gt 0 ] || failed=1
	echo "peer: netns.sh stopped${timed_out:+ ($timed_out)}: the checks after that one did not run"
	echo "peer: the last 40 lines of $LOG:"
	tail -40 "$LOG" | sed 's/^/    /'
fi

# Nothing outlives the script: its processes (which its cleanup has sent
# SIGTERM: 10 s to exit), its namespaces.
sort -u "$PIDS" -o "$PIDS"
t=0
while [ $t -lt 100 ]; do
	any=
	while read -r p st; do
		alive $p "$st" && any=1 && break
	done <"$PIDS"
	[ -z "$any" ] && break
	sleep 0.1
	t=$((t + 1))
done
left=
while read -r p st; do
	alive $p "$st" || continue
	left="$left $p($(cat /proc/$p/comm 2>/dev/null))"
	kill -KILL "$p" 2>/dev/null
done <"$PIDS"
for ns in $nss; do
	if [ -e /run/netns/$ns ]; then
		left="$left netns:$ns"
		ip netns del $ns 2>/dev/null
	fi
done
if [ -n "$left" ]; then
	echo "FAIL - netns.sh cleaned up after itself (left:$left)"
	failed=$((failed + 1))
else
	echo "ok - netns.sh cleaned up after itself"
	passed=$((passed + 1))
fi
[ -z "$altered" ] || failed=$((failed + 1))
echo "peer: $secs s"
echo "peer: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/bin/sh
# Helpers for the end-to-end tests: namespaces made by the test, torn down on
# every exit path. Source it, then call `e2e_setup_pair`.
#
#   +---------------------------+        +---------------------------+
#   | netns $NS1                |  veth  | netns $NS2                |
#   |  $VETH1 10.77.0.1/24      |--------|  $VETH2 10.77.0.2/24      |
#   |          fd77::1/64       |        |          fd77::2/64       |
#   |  tunnel 192.168.5.1/24    |        |  tunnel 192.168.5.2/24    |
#   +---------------------------+        +---------------------------+

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WGXDP=${WGXDP:-$ROOT/build/wg-xdp}
ID=${E2E_ID:-$$}
NS1=wgxdp-a-$ID
NS2=wgxdp-b-$ID
VETH1=veth-a$ID
VETH2=veth-b$ID
TMP=$(mktemp -d /tmp/wg-xdp-e2e.XXXXXX)
PASSED=0
FAILED=0

n1() { nsenter --net=/run/netns/$NS1 "$@"; }
n2() { nsenter --net=/run/netns/$NS2 "$@"; }

e2e_cleanup() {
	for ns in $NS1 $NS2; do
		[ -e /run/netns/$ns ] || continue
		# Stop every process still living in the namespace.
		for pid in $(ip netns pids $ns 2>/dev/null); do
			kill -TERM "$pid" 2>/dev/null
		done
	done
	sleep 0.3
	for ns in $NS1 $NS2; do
		[ -e /run/netns/$ns ] || continue
		for pid in $(ip netns pids $ns 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del $ns 2>/dev/null
	done
	rm -f /var/run/wireguard/*$ID.sock
	rm -rf /sys/fs/bpf/wg-xdp/*$ID 2>/dev/null
	rm -rf "$TMP"
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
}

# ok NAME COMMAND...: one assertion, counted.
ok() {
	name=$1
	shift
	if "$@" >"$TMP/out" 2>&1; then
		PASSED=$((PASSED + 1))
		echo "ok - $name"
	else
		FAILED=$((FAILED + 1))
		echo "FAIL - $name"
		sed 's/^/    /' "$TMP/out" | tail -20
	fi
}

e2e_summary() {
	echo "$(basename "$0" .sh): $PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
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

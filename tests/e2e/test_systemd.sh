#!/bin/sh
# The systemd units: `systemd-analyze verify` passes (and prints nothing),
# and the unit's own ExecStart, ExecReload and ExecStop lines, taken from
# the file with %i substituted, run a real interface in a namespace under
# the unit's CapabilityBoundingSet and Environment, with the READY=1 and
# STOPPING=1 the daemon sends to $NOTIFY_SOCKET (a listener of the test's,
# standing in for systemd: no systemd has to run here).
#
#   +-----------------------------------+        +------------------------+
#   | netns $NS1                        |  veth  | netns $NS2             |
#   |  $VETH1 10.77.0.1/24              |--------|  $VETH2 10.77.0.2/24   |
#   |  $C: the unit's ExecStart         |        |  $B wireguard-go       |
#   |      /etc/wireguard/$C.conf       |        |     192.168.5.2/24     |
#   |      192.168.5.1/24               |        |                        |
#   +-----------------------------------+        +------------------------+
#
# Then each capability of the bounding set is dropped in turn: the daemon
# must lose its XDP path (or fail), which shows that each is needed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tools.sh"
e2e_trap
set -u

UNIT=$ROOT/systemd/wg-xdp@.service
TARGET=$ROOT/systemd/wg-xdp.target
C=sd$ID
B=sdb$ID
cleanup() {
	[ -n "${LISTENER:-}" ] && kill $LISTENER 2>/dev/null
	etc_cleanup
}
trap cleanup EXIT

# line KEY: the unit's KEY= value, %i the interface, our build's binary.
line() {
	sed -n "s/^$1=//p" "$UNIT" | sed "s|%i|$C|g; s|/usr/bin/wg-xdp|$WGXDP|g"
}

# systemd-analyze verify: the installed paths replaced by the build's, as
# verify checks that each command exists.
mkdir -p $TMP/units
sed "s|/usr/bin/wg-xdp|$WGXDP|g" "$UNIT" >"$TMP/units/wg-xdp@$C.service"
cp "$TARGET" $TMP/units/
ok "systemd-analyze verify: the service, silently" same "" \
	systemd-analyze verify --man=no "$TMP/units/wg-xdp@$C.service"
ok "systemd-analyze verify: the target, silently" same "" \
	systemd-analyze verify --man=no "$TMP/units/wg-xdp.target"
ok "unit: After/Wants network-online and nss-lookup" sh -c \
	"grep -qx 'After=network-online.target nss-lookup.target' $UNIT &&
	 grep -qx 'Wants=network-online.target nss-lookup.target' $UNIT"
ok "unit: endpoint resolution retried for ever" grep -qx \
	'Environment=WG_ENDPOINT_RESOLUTION_RETRIES=infinity' "$UNIT"

e2e_setup_pair
genkeys c b d
wggo_server $B
etc_conf $C
FILE=$ETC_FILE
client_conf "$FILE"

# The stand-in for systemd's notify socket: one line per datagram
# (build/tools/notify).
NOTIFY=$TMP/notify.sock
"$TOOLS/notify" $NOTIFY >>$TMP/notified &
LISTENER=$!
wait_for 5 test -S $NOTIFY

CAPS=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT")
ok "unit: the capabilities" same "CAP_NET_ADMIN CAP_NET_RAW CAP_BPF CAP_PERFMON CAP_IPC_LOCK" \
	echo "$CAPS"
# bounding CAPS...: setpriv's form of a capability list.
bounding() {
	echo "$*" | tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g; s/^/-all,/'
}
env_line=$(line Environment)

# start CAPS: the unit's ExecStart, as systemd runs it (in the background,
# it stays in the foreground itself), until READY=1 or its end.
start() {
	: >$TMP/notified
	env "$env_line" NOTIFY_SOCKET=$NOTIFY WG_XDP_LOG=/dev/null \
		nsenter --net=/run/netns/$NS1 setpriv --inh-caps=-all \
		--bounding-set="$(bounding "$@")" -- \
		sh -c "exec $(line ExecStart)" >$TMP/start.log 2>&1 &
	START=$!
	wait_for 15 grep -q READY=1 $TMP/notified
}
stop() { n1 sh -c "$(line ExecStop)"; }
gone() { ! kill -0 $START 2>/dev/null && ! n1 ip link show $C 2>/dev/null; }

ok "ExecStart: READY=1 sent once up" start $CAPS
ok "ExecStart: the interface answers" n1 wg show $C
ok "ExecStart: on the XDP path with the unit's capabilities" \
	same "path=xdp" sh -c "printf 'wgxdp=1\n\n' |
	'$TOOLS/uapi' '$SOCKDIR/$C.sock' | grep '^path='"
ok "ExecStart: tunnel carries a ping" n1 ping -c 2 -W 2 192.168.5.2
ok "ExecStart: logs on stderr" has "Interface $C up" cat $TMP/start.log

# ExecReload: a new peer in the file, the old session kept.
hs=$(n1 wg show $C latest-handshakes | awk '{ print $2 }')
printf '\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.44.0.0/24\n' \
	"$(cat $TMP/d.pub)" >>$FILE
ok "ExecReload runs" n1 sh -c "$(line ExecReload)"
ok "ExecReload: the new peer is there" \
	has "$(cat $TMP/d.pub)	10.44.0.0/24" n1 wg show $C allowed-ips
ok "ExecReload: the old peer kept its session" same "$hs" sh -c \
	"nsenter --net=/run/netns/$NS1 wg show $C latest-handshakes |
	grep $(cat $TMP/b.pub) | awk '{ print \$2 }'"
ok "ExecReload: tunnel still up" n1 ping -c 1 -W 2 192.168.5.2

ok "ExecStop runs" stop
ok "ExecStop: daemon and device gone" wait_for 10 gone
ok "ExecStop: STOPPING=1 sent" grep -q STOPPING=1 $TMP/notified

# Each capability is needed: without it no XDP path (or no start at all).
for cap in $CAPS; do
	rest=$(echo "$CAPS" | tr ' ' '\n' | grep -vx "$cap" | tr '\n' ' ')
	if start $rest; then
		path=$(printf 'wgxdp=1\n\n' | uapi $C | sed -n 's/^path=//p')
		stop
	else
		path=none
	fi
	wait_for 10 gone
	ok "without $cap: not on the XDP path ($path)" not eq "$path" xdp
done

e2e_summary

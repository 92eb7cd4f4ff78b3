#!/bin/sh
# The wg-xdp command line end to end: help, usage errors, up/down with the
# readiness line, wg-quick's `wg-xdp IFNAME`, show and set over the control
# socket. Everything runs in a namespace made here:
#
#   +---------------------------+        +---------------------------+
#   | netns $NS1                |  veth  | netns $NS2                |
#   |  $VETH1 (the NIC for up)  |--------|  $VETH2 (unused)          |
#   |  wgc$ID (the daemon)      |        |                           |
#   +---------------------------+        +---------------------------+
#
# With the stub daemon (daemon/main.c before the daemon branch is merged)
# the checks that need its canned answers run too; with the real daemon
# they are skipped and said so.
. "$(dirname "$0")/lib.sh"
trap e2e_cleanup EXIT
set -u

WG=wgc$ID
LOG=$TMP/$WG.log
export WG_XDP_LOG=$LOG
KEY_B=hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=
KEY_A=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=

# fails_with TEXT COMMAND...: exit status 1 and TEXT on stderr.
fails_with() {
	text=$1
	shift
	"$@" >"$TMP/o" 2>"$TMP/e"
	rc=$?
	[ "$rc" -eq 1 ] || { echo "exit $rc, wanted 1"; cat "$TMP/e"; return 1; }
	[ -z "$text" ] || grep -qF -- "$text" "$TMP/e" || { echo "stderr lacks '$text':"; cat "$TMP/e"; return 1; }
}

# prints TEXT COMMAND...: exit status 0 and TEXT on stdout.
prints() {
	text=$1
	shift
	"$@" >"$TMP/o" 2>"$TMP/e" || { echo "exit $?"; cat "$TMP/e"; return 1; }
	grep -qF -- "$text" "$TMP/o" || { echo "stdout lacks '$text':"; cat "$TMP/o"; return 1; }
}

sock_gone() { [ ! -S /var/run/wireguard/$WG.sock ]; }
sock_there() { [ -S /var/run/wireguard/$WG.sock ]; }
in_log() { grep -qF -- "$1" "$LOG"; }

e2e_setup_pair
X="n1 $WGXDP"

# Help and usage.
ok "help exits 0" prints "Available subcommands" $WGXDP help
ok "--help exits 0" prints "Usage: wg-xdp" $WGXDP --help
for cmd in up down show set; do
	ok "$cmd --help exits 0" prints "Usage: wg-xdp $cmd" $WGXDP $cmd --help
done
ok "no words exits 1" fails_with "" $WGXDP
ok "a bad subcommand is named" fails_with "'bad/cmd'" $WGXDP bad/cmd

# Bad words, each named, exit 1.
ok "up: unknown option" fails_with "wg-xdp up: unknown option '--x'" $X up $VETH1 --x
ok "up: missing NIC" fails_with "missing NIC" $X up
ok "up: NIC must exist" fails_with "'nosuchnic$ID'" $X up nosuchnic$ID
ok "up: bad interface name" fails_with "'a/b'" $X up $VETH1 -i a/b
ok "up: -i needs a value" fails_with "'-i'" $X up $VETH1 -i
ok "up: unreadable config" fails_with "/nonexistent.conf" $X up $VETH1 -c /nonexistent.conf
ok "up: --lan must exist" fails_with "'nolan$ID'" $X up $VETH1 --lan nolan$ID
ok "down: not running" fails_with "wg-xdp down: $WG is not running" $X down $WG
ok "show: not running" fails_with "Unable to access interface" $X show $WG
ok "show: bad view" fails_with "'bogus'" $X show $WG bogus
ok "set: bad key" fails_with "wg-xdp set: invalid key 'xyz'" $X set $WG wgpeer xyz
ok "set: bad word" fails_with "'frob'" $X set $WG wgport 1 frob
ok "set: bad allowed ip" fails_with "'10.0.0.0/33'" $X set $WG wgpeer $KEY_B wgaip 10.0.0.0/33
ok "set: not running" fails_with "Unable to modify interface: No such file or directory" $X set $WG wgport 7111

# Up, already running, down.
ok "up starts the daemon" $X up $VETH1 -i $WG
ok "up made the socket" sock_there
ok "up wrote the log" test -s "$LOG"
STUB=0
grep -q "stub daemon" "$LOG" 2>/dev/null && STUB=1
ok "up refuses a second daemon" fails_with "$WG is already running" $X up $VETH1 -i $WG
ok "show names the interface" prints "interface: $WG" $X show $WG
ok "show interfaces lists it" prints "$WG" $X show interfaces
ok "show --json is an object" prints "{\"interface\":\"$WG\"" $X show $WG --json
if [ $STUB = 1 ]; then
	ok "stub: up passed the NIC" in_log "nic '$VETH1'"
	ok "stub: show derives the public key" prints "public key: wVMuGz01CPx+vDVPpnliDzPyhxSVQuaExnt7DYE2Kyk=" $X show $WG
	ok "stub: show prints the data path" prints "data path: xdp (native), AF_XDP copy mode, 1 queue" $X show $WG
	ok "stub: show pretty-prints the handshake" prints "latest handshake: 1 minute, 5 seconds ago" $X show $WG
	ok "stub: show dump" prints "10.0.0.2/32,fd00::2/128" $X show $WG dump
	ok "stub: set sends wg(4) words" $X set $WG wgport 7111 wgpeer $KEY_B wgendpoint 127.0.0.1 7222 wgaip 192.168.5.2/32 debug
	ok "stub: the daemon got listen_port" in_log "stub set: listen_port=7111"
	ok "stub: the daemon got the endpoint" in_log "stub set: endpoint=127.0.0.1:7222"
	ok "stub: the daemon got wgxdp_debug" in_log "stub set: wgxdp_debug=1"
	ok "stub: an errno is printed as wg does" fails_with "Unable to modify interface: Invalid argument" $X set $WG listen-port 1
else
	echo "SKIP - stub-only checks (the real daemon is linked)"
fi
ok "down stops the daemon" $X down $WG
ok "down removed the socket" wait_for 2 sock_gone
ok "down again: not running" fails_with "$WG is not running" $X down $WG

# wg-quick's form: `wg-xdp IFNAME`, and -f in the foreground.
ok "wg-xdp IFNAME starts the daemon" $X $WG
ok "wg-xdp IFNAME made the socket" sock_there
[ $STUB = 1 ] && ok "stub: no NIC, no interface configuration" in_log "$WG nic '' lan '' config '' configure 0"
ok "down after wg-xdp IFNAME" $X down $WG
n1 $WGXDP up $VETH1 -i $WG -f -d 2>"$TMP/fg.log" &
ok "up -f serves in the foreground" wait_for 5 sock_there
ok "down stops the foreground daemon" $X down $WG
wait

# The readiness line's failure paths (stub only).
if [ $STUB = 1 ]; then
	ok "stub: an error line is printed" fails_with "wg-xdp up: stub failure" n1 env WG_XDP_STUB=error $WGXDP up $VETH1 -i $WG
	ok "stub: EOF names the log" fails_with "wg-xdp up: daemon exited during start-up (see $LOG)" n1 env WG_XDP_STUB=exit $WGXDP up $VETH1 -i $WG
	ok "stub: nothing left running" sock_gone
fi

e2e_summary

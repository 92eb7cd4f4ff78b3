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
ok "up: missing configuration or NIC" fails_with "missing configuration or NIC" $X up
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
ok "up refuses a second daemon" fails_with "$WG is already running" $X up $VETH1 -i $WG
ok "show names the interface" prints "interface: $WG" $X show $WG
ok "show interfaces lists it" prints "$WG" $X show interfaces
ok "show --json is an object" prints "{\"interface\":\"$WG\"" $X show $WG --json
ok "show: the data path" prints "data path: xdp (native), AF_XDP copy mode, 1 queue" $X show $WG
echo "$KEY_B" >"$TMP/b.key"
ok "set: private-key FILE" $X set $WG private-key "$TMP/b.key"
ok "show: the public key of the private key" prints "public key: $(echo $KEY_B | wg pubkey)" $X show $WG
ok "set: wg(4) words" $X set $WG wgport 7111 wgpeer $KEY_A wgendpoint 127.0.0.1 7222 wgaip 192.168.5.2/32 debug
ok "set: the port took" prints "listening port: 7111" $X show $WG
ok "set: the peer took" prints "endpoint: 127.0.0.1:7222" $X show $WG
ok "set: debug is on" prints "debug: on" $X show $WG
ok "set: -debug" $X set $WG -debug
ok "set: debug is off" prints "debug: off" $X show $WG
ok "show dump lists the allowed IP" prints "192.168.5.2/32" $X show $WG dump
ok "down stops the daemon" $X down $WG
ok "down removed the socket" wait_for 2 sock_gone
ok "down again: not running" fails_with "$WG is not running" $X down $WG

# wg-quick's form: `wg-xdp IFNAME`, and -f in the foreground.
ok "wg-xdp IFNAME starts the daemon" $X $WG
ok "wg-xdp IFNAME made the socket" sock_there
ok "down after wg-xdp IFNAME" $X down $WG
n1 $WGXDP up $VETH1 -i $WG -f -d 2>"$TMP/fg.log" &
ok "up -f serves in the foreground" wait_for 5 sock_there
ok "down stops the foreground daemon" $X down $WG
wait

# The readiness line's failure path: a bad file is named with its line.
printf '[Interface]\nPrivateKey = nope\n' >"$TMP/bad.conf"
ok "up: a bad config line is reported" fails_with "line 2" $X up $VETH1 -i $WG -c "$TMP/bad.conf"
ok "up: nothing left running" sock_gone
for v in abc -1 1001 12x; do
	ok "up: WG_XDP_BUSY_POLL_US=$v is refused" fails_with \
		"WG_XDP_BUSY_POLL_US" n1 env WG_XDP_BUSY_POLL_US=$v \
		$WGXDP up $VETH1 -i $WG
done
ok "up: nothing left after a bad WG_XDP_BUSY_POLL_US" sock_gone
ok "up: WG_XDP_BUSY_POLL_US=50 is taken" \
	n1 env WG_XDP_BUSY_POLL_US=50 $WGXDP up $VETH1 -i $WG
ok "down after the busy-poll run" $X down $WG

e2e_summary

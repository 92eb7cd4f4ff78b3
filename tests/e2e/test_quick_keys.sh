#!/bin/sh
# Every wg-quick key and command, done by wg-xdp on a stock host:
#
#   +--------------------------------------+        +----------------------+
#   | netns $NS1                           |  veth  | netns $NS2           |
#   |  $VETH1 10.77.0.1/24 (MTU 2000)      |--------|  $VETH2 10.77.0.2/24 |
#   |  $C: `wg-xdp up $C` with             |        |  $B wireguard-go     |
#   |      /etc/wireguard/$C.conf          |        |   192.168.5.2/24     |
#   |      192.168.5.1/24, 192.168.6.1/24, |        |                      |
#   |      fd00:5::1/64; hooks, DNS,       |        |                      |
#   |      FwMark, SaveConfig              |        |                      |
#   +--------------------------------------+        +----------------------+
#
# DNS goes to a stub `resolvconf` put first on PATH, which records its
# arguments and input: the host's resolver is never touched, and the test
# does not depend on which resolvconf (if any) the host has. The file in
# /etc/wireguard has this test's $ID in its name and is removed on every
# exit, with /etc/wireguard itself when the test made it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tools.sh"
e2e_trap
set -u

C=qk$ID
B=qkb$ID
trap etc_cleanup EXIT

e2e_setup_pair
n1 ip link set $VETH1 mtu 2000
n2 ip link set $VETH2 mtu 2000
genkeys c b d
wggo_server $B
etc_conf $C
FILE=$ETC_FILE

# The stub resolvconf: arguments, then what it read, per call.
mkdir -p $TMP/bin
cat >$TMP/bin/resolvconf <<EOF
#!/bin/sh
echo "args: \$*" >>$TMP/resolvconf.log
[ "\$1" = -a ] && cat >>$TMP/resolvconf.log
exit 0
EOF
chmod 755 $TMP/bin/resolvconf
HOOKS=$TMP/hooks.log

umask 077
cat >$FILE <<EOF
[Interface]
# wg-quick keys in wg-quick's spellings, with comments and odd spacing
PrivateKey = $(cat $TMP/c.key)
FwMark = 0x1234
Address = 192.168.5.1/24
Address = 192.168.6.1/24, fd00:5::1/64
DNS = 10.0.0.53, fd00::53, example.org,corp.example
PreUp = echo "pre-up %i" >>$HOOKS
PostUp = echo "post-up one %i" >>$HOOKS
PostUp = wg show %i public-key >$TMP/postup.pub # the control socket answers
PreDown = wg show %i fwmark >$TMP/predown.fwmark
PostDown = echo "post-down %i" >>$HOOKS
SaveConfig = true

[Peer]
PublicKey = $(cat $TMP/b.pub)
Endpoint = 10.77.0.2:51821
AllowedIPs = 192.168.5.2/32, 10.66.0.0/24
EOF
umask 022

up() { PATH=$TMP/bin:$PATH WG_XDP_LOG=$TMP/$C.log n1 "$WGXDP" up "$@"; }
gone() { [ -z "$(wgxdp_pids 1)" ] && ! n1 ip link show $C 2>/dev/null; }

ok "up by name (/etc/wireguard/NAME.conf)" sh -c \
	"PATH=$TMP/bin:\$PATH WG_XDP_LOG=$TMP/$C.log nsenter --net=/run/netns/$NS1 $WGXDP up $C 2>$TMP/up.err"
ok "hook commands shown as wg-quick shows them" \
	has "[#] echo \"post-up one $C\" >>$HOOKS" cat $TMP/up.err
ok "the interface is named after the file" n1 ip link show $C
ok "ping through the tunnel" n1 ping -c 2 -W 2 192.168.5.2
ok "several Address lines, both families" same "192.168.5.1/24
192.168.6.1/24
fd00:5::1/64" sh -c "nsenter --net=/run/netns/$NS1 ip -o addr show dev $C |
		awk '\$3 != \"inet6\" || \$4 !~ /^fe80/ { print \$4 }'"
ok "MTU unset: route MTU 2000 minus 80" \
	has "mtu 1920 " n1 ip link show $C
ok "FwMark applied" same 0x1234 n1 wg show $C fwmark
ok "FwMark on the daemon's socket" \
	has "fwmark:0x1234" n1 ss -uaen sport = :$(n1 wg show $C listen-port)
ok "PreUp then PostUp ran, %i replaced" same "pre-up $C
post-up one $C" cat $HOOKS
ok "PostUp could use wg (control socket up first)" \
	files_eq $TMP/c.pub $TMP/postup.pub
ok "DNS: resolvconf -a IFACE -m 0 -x with servers and search" \
	same "args: -a $C -m 0 -x
nameserver 10.0.0.53
nameserver fd00::53
search example.org corp.example" cat $TMP/resolvconf.log
ok "routes for allowed IPs not covered by an address route" \
	same "10.66.0.0/24 dev $C scope link " n1 ip route show 10.66.0.0/24

# strip, as wg-quick's own strip prints it (byte for byte).
n1 wg-quick strip $FILE >$TMP/strip.wg-quick 2>/dev/null
ok "strip is wg-quick's strip" sh -c "$WGXDP strip $C >$TMP/strip.ours &&
	diff -u $TMP/strip.wg-quick $TMP/strip.ours"
ok "strip by path" sh -c "$WGXDP strip $FILE | diff -u $TMP/strip.ours -"
ok "strip of a file without .conf is refused" not $WGXDP strip /etc/hosts

# The newer UAPI: allowed_ip=-PREFIX removes one allowed IP.
HEXB=$(cat $TMP/b.pub | base64 -d | od -An -tx1 | tr -d ' \n')
ok "UAPI allowed_ip=-PREFIX accepted" same "errno=0" sh -c \
	"printf 'set=1\npublic_key=$HEXB\nallowed_ip=-10.66.0.0/24\n\n' |
	'$TOOLS/uapi' '$SOCKDIR/$C.sock'"
ok "allowed_ip=-PREFIX: the prefix is gone, the rest kept" \
	same "$(cat $TMP/b.pub)	192.168.5.2/32" n1 wg show $C allowed-ips
ok "allowed_ip=-PREFIX: its route went with it" \
	same "" n1 ip route show 10.66.0.0/24
# Allowed IPs added at run time get routes as at up, all from one read of
# the table: one covered by a route on the device already, or by one made
# earlier in the same request, gets none.
ok "UAPI: four allowed IPs added in one request" same "errno=0" sh -c \
	"printf 'set=1\npublic_key=$HEXB\nallowed_ip=10.88.0.0/16\nallowed_ip=10.88.1.0/24\nallowed_ip=192.168.5.0/24\nallowed_ip=10.89.0.9/32\n\n' |
	'$TOOLS/uapi' '$SOCKDIR/$C.sock'"
ok "run-time routes: the new /16 and /32, not what they or the address cover" \
	same "10.88.0.0/16 scope link 
10.89.0.9 scope link 
192.168.5.0/24 proto kernel scope link src 192.168.5.1 " \
	sh -c "nsenter --net=/run/netns/$NS1 ip route show dev $C | grep -E '^(10\.8[89]|192\.168\.5)'"

# syncconf: a new peer, the old one kept with its session.
hs=$(n1 wg show $C latest-handshakes | awk '{ print $2 }')
n1 "$WGXDP" strip $C >$TMP/sync.conf
printf '\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.44.0.0/24\n' \
	"$(cat $TMP/d.pub)" >>$TMP/sync.conf
ok "syncconf" n1 "$WGXDP" syncconf $C $TMP/sync.conf
ok "syncconf: the new peer is there" \
	has "$(cat $TMP/d.pub)	10.44.0.0/24" n1 wg show $C allowed-ips
ok "syncconf: the old peer kept its session" same "$hs" sh -c \
	"nsenter --net=/run/netns/$NS1 wg show $C latest-handshakes |
	grep $(cat $TMP/b.pub) | awk '{ print \$2 }'"
ok "syncconf: tunnel still up" n1 ping -c 1 -W 2 192.168.5.2
n1 "$WGXDP" strip $C >$TMP/sync2.conf
ok "syncconf back: the extra peer removed" sh -c \
	"nsenter --net=/run/netns/$NS1 $WGXDP syncconf $C $TMP/sync2.conf &&
	! nsenter --net=/run/netns/$NS1 wg show $C peers | grep -q $(cat $TMP/d.pub)"

# metrics: the peer's real figures, and the data plane's.
n1 wg show $C transfer >$TMP/transfer
n1 "$WGXDP" metrics $C >$TMP/metrics
rx=$(awk '{ print $2 }' $TMP/transfer)
ok "metrics: receive bytes as wg show" has \
	"wireguard_peer_receive_bytes_total{interface=\"$C\",public_key=\"$(cat $TMP/b.pub)\"} $rx" \
	cat $TMP/metrics
ok "metrics: last handshake as wg show" has \
	"wireguard_peer_last_handshake_seconds{interface=\"$C\",public_key=\"$(cat $TMP/b.pub)\"} $hs" \
	cat $TMP/metrics
ok "metrics: TYPE lines" has "# TYPE wireguard_peer_transmit_bytes_total counter" \
	cat $TMP/metrics
ok "metrics: XDP verdicts counted" sh -c "grep -E \
	'^wg_xdp_xdp_packets_total\{interface=\"$C\",verdict=\"redirect\",reason=\"data\"\} [1-9]' \
	$TMP/metrics || grep -q 'path=\"udp\"' $TMP/metrics"
ok "metrics: every family printed once" sh -c \
	"[ \$(grep -c '^# TYPE' $TMP/metrics) = \$(grep '^# TYPE' $TMP/metrics | sort -u | wc -l) ]"
ok "metrics of all interfaces" has "interface=\"$C\"" n1 "$WGXDP" metrics

# save and SaveConfig: the running state with the wg-quick keys kept.
n1 wg set $C peer "$(cat $TMP/b.pub)" persistent-keepalive 25
ok "save" n1 "$WGXDP" save $C
ok "save: keepalive written" has "PersistentKeepalive = 25" cat $FILE
ok "save: hooks, DNS, SaveConfig kept" sh -c "grep -q '^PostUp = wg show %i public-key' $FILE &&
	grep -q '^DNS = 10.0.0.53' $FILE && grep -q '^DNS = example.org' $FILE &&
	grep -q '^SaveConfig = true' $FILE && grep -q '^Address = fd00:5::1/64' $FILE"
ok "save: mode 0600" same 600 stat -c %a $FILE
n1 wg set $C peer "$(cat $TMP/b.pub)" persistent-keepalive 17
: >$HOOKS
ok "down by path" sh -c "PATH=$TMP/bin:\$PATH nsenter --net=/run/netns/$NS1 $WGXDP down $FILE"
ok "down: daemon and device gone" wait_for 5 gone
ok "PreDown ran while wg still answered" same 0x1234 cat $TMP/predown.fwmark
ok "PostDown ran" same "post-down $C" cat $HOOKS
ok "DNS removed: resolvconf -d IFACE -f" has "args: -d $C -f" \
	cat $TMP/resolvconf.log
ok "SaveConfig on down: the last change written" \
	has "PersistentKeepalive = 17" cat $FILE
ok "SaveConfig: mode 0600 kept" same 600 stat -c %a $FILE
ok "SaveConfig: the saved file brings the same tunnel up again" up $C
ok "ping after SaveConfig round trip" n1 ping -c 1 -W 2 192.168.5.2
n1 "$WGXDP" down $C
wait_for 5 gone

# A failing PreUp: nothing is created and no PostDown runs.
sed -i 's/^PreUp = .*/PreUp = false/' $FILE
: >$HOOKS
ok "failing PreUp: up fails" not up $C
ok "failing PreUp: no device" not n1 ip link show $C
ok "failing PreUp: no PostDown" same "" cat $HOOKS
sed -i '/^PreUp = /d' $FILE

# Logs: priorities for the journal, LOG_LEVEL as wireguard-go reads it.
: >$TMP/fg.log
js=$(stat -c %d:%i $TMP/fg.log)
JOURNAL_STREAM=$js PATH=$TMP/bin:$PATH n1 "$WGXDP" up $C -f 2>>$TMP/fg.log &
wait_for 10 test -S $SOCKDIR/$C.sock
wait_for 5 grep -q "Interface $C up" $TMP/fg.log
n1 "$WGXDP" down $C
wait_for 5 gone
ok "journal: info lines carry <6>" grep -q "^<6>$C: Interface $C up" $TMP/fg.log
ok "journal: every line has a priority" not grep -qv '^<[3467]>' $TMP/fg.log
: >$TMP/fg2.log
LOG_LEVEL=error PATH=$TMP/bin:$PATH n1 "$WGXDP" up $C -f 2>>$TMP/fg2.log &
wait_for 10 test -S $SOCKDIR/$C.sock
n1 "$WGXDP" down $C
wait_for 5 gone
ok "LOG_LEVEL=error: no info lines" not grep -q "Interface $C up" $TMP/fg2.log
: >$TMP/fg3.log
LOG_LEVEL=verbose PATH=$TMP/bin:$PATH n1 "$WGXDP" up $C -f 2>>$TMP/fg3.log &
wait_for 10 test -S $SOCKDIR/$C.sock
n1 ping -c 1 -W 2 192.168.5.2 >/dev/null
n1 "$WGXDP" down $C
wait_for 5 gone
ok "LOG_LEVEL=verbose: debug lines" grep -q "debug: " $TMP/fg3.log
: >$TMP/fg4.log
LOG_LEVEL=silent PATH=$TMP/bin:$PATH n1 "$WGXDP" up $C -f 2>>$TMP/fg4.log &
wait_for 10 test -S $SOCKDIR/$C.sock
n1 "$WGXDP" down $C
wait_for 5 gone
ok "LOG_LEVEL=silent: nothing logged" same "" cat $TMP/fg4.log

e2e_summary

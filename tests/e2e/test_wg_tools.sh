#!/bin/sh
# The stock `wg` (wireguard-tools) against a running wg-xdp:
#
#   +------------------------------+        +------------------------------+
#   | netns $NS1                   |  veth  | netns $NS2                   |
#   |  $VETH1 10.77.0.1/24         |--------|  $VETH2 10.77.0.2, .3/24     |
#   |  $A wg-xdp (XDP on $VETH1)   |        |  $B wireguard-go             |
#   |     192.168.5.1 fd55::1      |        |     192.168.5.2 fd55::2      |
#   |  $C wg-xdp (UDP path), only  |        |  $G wireguard-go, only for   |
#   |     for setconf round trips  |        |     setconf round trips      |
#   +------------------------------+        +------------------------------+
#
# Every `wg show` field and view after traffic; `wg set` changes of allowed
# IPs, endpoint and listen port seen by the peer (the new port through
# XDP); peer removal; setconf/syncconf/addconf equal to showconf, and equal
# to what wireguard-go shows for the same commands.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tools.sh"
trap e2e_cleanup EXIT
set -u

A=wta$ID
B=wtb$ID
C=wtc$ID
G=wtg$ID
export WG_XDP_LOG=$TMP/wg-xdp.log

e2e_setup_pair
n2 ip addr add 10.77.0.3/24 dev $VETH2
genkeys a b psk
PA=$(cat $TMP/a.pub)
PB=$(cat $TMP/b.pub)
KA=$(cat $TMP/a.key)
PSK=$(cat $TMP/psk.key)

ok "wg-xdp up on $VETH1" n1 $WGXDP up $VETH1 -i $A
ok "wireguard-go starts" wggo $NS2 $B
# The peer first: our keepalive starts a handshake at once.
n2 wg set $B private-key $TMP/b.key listen-port 51821 peer $PA \
	preshared-key $TMP/psk.key endpoint 10.77.0.1:51820 \
	allowed-ips 192.168.5.1/32,fd55::1/128
ok "wg set configures wg-xdp" n1 wg set $A private-key $TMP/a.key \
	listen-port 51820 fwmark 0x1234 peer $PB preshared-key $TMP/psk.key \
	endpoint 10.77.0.2:51821 allowed-ips 192.168.5.2/32,fd55::2/128 \
	persistent-keepalive 25
n1 ip addr add 192.168.5.1/24 dev $A
n1 ip addr add fd55::1/64 dev $A nodad
n2 ip addr add 192.168.5.2/24 dev $B
n2 ip addr add fd55::2/64 dev $B nodad
n2 ip link set $B up
report() { printf 'wgxdp=1\n\n' | uapi $1; }
ok "the data path is XDP" has "path=xdp" report $A

ok "ping over the tunnel (IPv4)" n1 ping -c 3 -i 0.2 -W 2 192.168.5.2
ok "ping over the tunnel (IPv6)" n1 ping -6 -c 3 -i 0.2 -W 2 fd55::2

# Every field and view.
W="n1 wg show $A"
ok "public-key" same "$PA" $W public-key
ok "private-key" same "$KA" $W private-key
ok "listen-port" same "51820" $W listen-port
ok "fwmark" same "0x1234" $W fwmark
ok "peers" same "$PB" $W peers
ok "endpoints" same "$PB	10.77.0.2:51821" $W endpoints
ok "allowed-ips" same "$PB	192.168.5.2/32 fd55::2/128" $W allowed-ips
ok "persistent-keepalive" same "$PB	25" $W persistent-keepalive
ok "preshared-keys" same "$PB	$PSK" $W preshared-keys
hs_recent() {
	t=$($W latest-handshakes | awk -v k="$PB" '$1 == k { print $2 }')
	now=$(date +%s)
	echo "handshake at $t, now $now"
	[ -n "$t" ] && [ "$t" -gt $((now - 60)) ] && [ "$t" -le "$now" ]
}
ok "latest-handshakes is recent" hs_recent
# Transfer: what one side sent the other received (retried: a keepalive
# may be in flight).
transfer_mirrors() {
	a=$($W transfer | awk '{ print $2, $3 }')
	b=$(n2 wg show $B transfer | awk '{ print $3, $2 }')
	echo "wg-xdp rx tx: $a; wireguard-go tx rx: $b"
	[ "$a" = "$b" ] && [ "${a%% *}" -gt 0 ] && [ "${a#* }" -gt 0 ]
}
ok "transfer mirrors the peer's counters" wait_for 5 transfer_mirrors
transfer_mirrors
dump_ok() {
	$W dump >"$TMP/dump"
	cat "$TMP/dump"
	awk -F'\t' -v ka="$KA" -v pa="$PA" -v pb="$PB" -v psk="$PSK" '
		NR == 1 { ok1 = ($1 == ka && $2 == pa && $3 == 51820 && $4 == "0x1234") }
		NR == 2 { ok2 = ($1 == pb && $2 == psk && $3 == "10.77.0.2:51821" &&
				 $4 == "192.168.5.2/32,fd55::2/128" && $5 > 0 &&
				 $6 > 0 && $7 > 0 && $8 == 25) }
		END { exit !(NR == 2 && ok1 && ok2) }' "$TMP/dump"
}
ok "dump has every field" dump_ok
for line in "public key: $PA" "private key: (hidden)" \
	"listening port: 51820" "fwmark: 0x1234" "peer: $PB" \
	"preshared key: (hidden)" "endpoint: 10.77.0.2:51821" \
	"allowed ips: 192.168.5.2/32, fd55::2/128" "latest handshake: " \
	"transfer: " "persistent keepalive: every 25 seconds"; do
	ok "wg show: $line" has "$line" $W
done
ok "wg show all lists it" has "interface: $A" n1 wg show all
ok "wg show interfaces lists it" has "$A" n1 wg show interfaces

# wg set: a new allowed IP routes new traffic, its removal stops it.
n2 ip addr add 192.168.6.1/32 dev $B
n2 wg set $B peer $PA allowed-ips 192.168.5.1/32,fd55::1/128
ok "wg set adds an allowed IP" n1 wg set $A peer $PB \
	allowed-ips 192.168.5.2/32,fd55::2/128,192.168.6.0/24
ok "allowed-ips shows it" same "$PB	192.168.5.2/32 fd55::2/128 192.168.6.0/24" \
	$W allowed-ips
n1 ip route add 192.168.6.0/24 dev $A 2>/dev/null
ok "traffic to the new allowed IP flows" n1 ping -c 2 -i 0.2 -W 2 192.168.6.1
ok "wg set removes it" n1 wg set $A peer $PB allowed-ips 192.168.5.2/32,fd55::2/128
ok "allowed-ips no longer shows it" same "$PB	192.168.5.2/32 fd55::2/128" \
	$W allowed-ips
ok "traffic to the removed allowed IP stops" fails n1 ping -c 2 -i 0.2 -W 1 192.168.6.1

# wg set endpoint: a wrong one stops traffic, a new right one restores it.
ok "wg set endpoint (nowhere)" n1 wg set $A peer $PB endpoint 10.77.0.99:51821
ok "endpoints shows it" same "$PB	10.77.0.99:51821" $W endpoints
ok "traffic stops with a wrong endpoint" fails n1 ping -c 2 -i 0.2 -W 1 192.168.5.2
ok "wg set endpoint (peer's second address)" n1 wg set $A peer $PB endpoint 10.77.0.3:51821
ok "traffic flows to the new endpoint" n1 ping -c 3 -i 0.2 -W 2 192.168.5.2
ok "the peer sees us from the same place" same "$PA	10.77.0.1:51820" n2 wg show $B endpoints

# wg set listen-port: the peer learns the new port from our packets, and
# its replies come back through XDP on the new port.
before=$(xdpstat $A stat=redirect_data)
udp_before=$(xdpstat $A counter=udp_rx)
ok "wg set listen-port 51830" n1 wg set $A listen-port 51830
ok "listen-port shows it" same "51830" $W listen-port
ok "the XDP config map has the new port" has "51830" \
	n1 bpftool map dump pinned /sys/fs/bpf/wg-xdp/$A/config
ok "traffic flows after the port change" n1 ping -c 3 -i 0.2 -W 2 192.168.5.2
ok "the peer sees the new port" same "$PA	10.77.0.1:51830" n2 wg show $B endpoints
after=$(xdpstat $A stat=redirect_data)
udp_after=$(xdpstat $A counter=udp_rx)
echo "# XDP data redirects $before -> $after; UDP socket rx $udp_before -> $udp_after"
ok "replies to the new port came through XDP" [ "$after" -ge $((before + 3)) ]
ok "none came through the UDP socket" [ "$udp_after" -eq "$udp_before" ]
n2 wg set $B peer $PA endpoint 10.77.0.1:51830
ok "the peer can start traffic to the new port" n2 ping -c 2 -i 0.2 -W 2 192.168.5.1
port_open() { n1 ss -Hunl | grep -q ":$1 "; }
ok "the old port is closed" fails port_open 51820

# wg set peer X remove.
ok "wg set peer remove" n1 wg set $A peer $PB remove
ok "peers is empty" same "" $W peers
ok "traffic stops without the peer" fails n1 ping -c 2 -i 0.2 -W 1 192.168.5.2
ok "the XDP peer's allowed IPs are gone" same "[]" \
	n1 bpftool -j map dump pinned /sys/fs/bpf/wg-xdp/$A/aip4

# showconf -> setconf round trip on the running instance.
n1 wg set $A peer $PB preshared-key $TMP/psk.key endpoint 10.77.0.2:51821 \
	allowed-ips 192.168.5.2/32,fd55::2/128 persistent-keepalive 25
n1 wg showconf $A >"$TMP/a1.conf"
ok "setconf of showconf is accepted" n1 wg setconf $A "$TMP/a1.conf"
n1 wg showconf $A >"$TMP/a2.conf"
ok "showconf after setconf is byte-identical" files_eq "$TMP/a1.conf" "$TMP/a2.conf"
# The re-created peer's keepalive and the ping may race (wireguard-go
# drops a second initiation within 20 ms): allow one REKEY_TIMEOUT.
ok "traffic flows after setconf" wait_for 12 n1 ping -c 1 -W 1 192.168.5.2

# setconf / syncconf / addconf on a second wg-xdp (UDP path) and on
# wireguard-go: the same commands give the same configuration.
ok "second wg-xdp (no NIC: UDP path)" n1 $WGXDP $C
ok "reference wireguard-go" wggo $NS2 $G
genkeys c p1 p2 p3 p4
P1=$(cat $TMP/p1.pub) P2=$(cat $TMP/p2.pub) P3=$(cat $TMP/p3.pub) P4=$(cat $TMP/p4.pub)
cat >"$TMP/set.conf" <<EOF
[Interface]
PrivateKey = $(cat $TMP/c.key)
ListenPort = 52000
FwMark = 0x42

[Peer]
PublicKey = $P1
PresharedKey = $PSK
AllowedIPs = 10.1.0.0/16, 10.2.3.4/32, fd01::/64
Endpoint = 10.77.0.2:1001
PersistentKeepalive = 15

[Peer]
PublicKey = $P2
AllowedIPs = 10.3.0.0/24, 0.0.0.0/1
Endpoint = [fd77::2]:1002

[Peer]
PublicKey = $P3
AllowedIPs = 10.4.0.1/32
EOF
cat >"$TMP/sync.conf" <<EOF
[Interface]
PrivateKey = $(cat $TMP/c.key)
ListenPort = 52001

[Peer]
PublicKey = $P1
AllowedIPs = 10.1.0.0/16
Endpoint = 10.77.0.2:1001

[Peer]
PublicKey = $P4
AllowedIPs = 10.5.0.0/16, fd05::/48
PersistentKeepalive = 5
EOF
cat >"$TMP/add.conf" <<EOF
[Peer]
PublicKey = $P1
AllowedIPs = 10.9.9.0/24

[Peer]
PublicKey = $P2
PresharedKey = $PSK
AllowedIPs = 10.3.0.0/24
EOF
# step NAME CMD FILE: run `wg CMD` on both, compare normalised showconf.
step() {
	ok "$1 on wg-xdp" n1 wg $2 $C "$3"
	ok "$1 on wireguard-go" n2 wg $2 $G "$3"
	n1 wg showconf $C >"$TMP/c.show"
	n2 wg showconf $G >"$TMP/g.show"
	conf_norm "$TMP/c.show" >"$TMP/c.norm"
	conf_norm "$TMP/g.show" >"$TMP/g.norm"
	ok "$1: showconf equals wireguard-go's" files_eq "$TMP/g.norm" "$TMP/c.norm"
}
step setconf setconf "$TMP/set.conf"
conf_norm "$TMP/set.conf" >"$TMP/set.norm"
ok "setconf: showconf equals the file" files_eq "$TMP/set.norm" "$TMP/c.norm"
n1 wg showconf $C >"$TMP/c1.conf"
n1 wg setconf $C "$TMP/c1.conf"
n1 wg showconf $C >"$TMP/c2.conf"
ok "setconf: showconf round trip is byte-identical" files_eq "$TMP/c1.conf" "$TMP/c2.conf"
step syncconf syncconf "$TMP/sync.conf"
# syncconf keeps what the file does not mention (FwMark), like wireguard-go.
sorted_peers() { n1 wg show $C peers | sort; }
ok "syncconf: peers are the file's" same "$(printf '%s\n' $P1 $P4 | sort)" \
	sorted_peers
step addconf addconf "$TMP/add.conf"
aips_of() { n1 wg show $C allowed-ips | grep "^$1"; }
# wg sends AllowedIPs from a file with replace_allowed_ips (wireguard-go
# agrees, above): addconf replaces an existing peer's list.
ok "addconf: the peer's allowed IPs are the file's" same "$P1	10.9.9.0/24" \
	aips_of $P1
ok "wg-xdp still answers" n1 wg show $C
ok "wireguard-go still answers" n2 wg show $G

e2e_summary

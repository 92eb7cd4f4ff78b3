#!/bin/sh
# The pinned XDP maps, read with bpftool:
#
#   +------------------------------+        +------------------------------+
#   | netns $NS1                   |  veth  | netns $NS2                   |
#   |  $A wg-xdp (XDP on $VETH1)   |--------|  $B wireguard-go             |
#   |     peers: B, X (no host)    |        |     192.168.5.2              |
#   +------------------------------+        +------------------------------+
#
# aip4/aip6 hold each configured allowed IP with its peer's id (peer ids
# from the peers map, whose value starts with the public key); index gets
# entries after a handshake; stats counts by reason as the daemon reports;
# every map name fits in 15 characters; the pins go away on `wg-xdp down`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tools.sh"
trap e2e_cleanup EXIT
set -u

A=wma$ID
B=wmb$ID
PIN=/sys/fs/bpf/wg-xdp/$A
export WG_XDP_LOG=$TMP/wg-xdp.log

e2e_setup_pair
genkeys a b x
PA=$(cat $TMP/a.pub)
PB=$(cat $TMP/b.pub)
PX=$(cat $TMP/x.pub)
ok "wireguard-go" wggo $NS2 $B
n2 wg set $B private-key $TMP/b.key listen-port 51821 peer $PA \
	allowed-ips 192.168.5.1/32
n2 ip addr add 192.168.5.2/24 dev $B
n2 ip link set $B up
ok "wg-xdp up" n1 $WGXDP up $VETH1 -i $A
ok "configure two peers" n1 wg set $A private-key $TMP/a.key \
	listen-port 51820 \
	peer $PB endpoint 10.77.0.2:51821 \
	allowed-ips 192.168.5.2/32,10.20.0.0/16,fd55::2/128 \
	peer $PX allowed-ips 10.30.1.0/24,10.30.2.128/25,fd99:1::/48,::/0
n1 ip addr add 192.168.5.1/24 dev $A

# aips_match MAP FAMILY: the map's (prefix, peer key) pairs equal wg's.
aips_match() {
	bpftool -j map dump pinned $PIN/peers >"$TMP/peers.json"
	bpftool -j map dump pinned $PIN/$1 >"$TMP/aip.json"
	n1 wg show $A allowed-ips >"$TMP/wg.aips"
	python3 - "$TMP/peers.json" "$TMP/aip.json" "$TMP/wg.aips" "$2" <<'EOF'
import base64, ipaddress, json, sys
peers = {}
for e in json.load(open(sys.argv[1])):
    v = e["formatted"]["value"] if "formatted" in e else e["value"]
    k = e["formatted"]["key"] if "formatted" in e else e["key"]
    peers[k] = bytes(v["key_prefix"])
got = set()
for e in json.load(open(sys.argv[2])):
    k, v = (e["formatted"]["key"], e["formatted"]["value"]) if "formatted" in e else (e["key"], e["value"])
    net = ipaddress.ip_network((bytes(k["addr"]), k["prefixlen"]))
    got.add((str(net), peers[v]))
want = set()
for line in open(sys.argv[3]):
    key, *aips = line.split()
    for a in aips:
        net = ipaddress.ip_network(a)
        if net.version == int(sys.argv[4]):
            want.add((str(net), base64.b64decode(key)[:8]))
for n, p in sorted(got):
    print("map:", n, p.hex())
print("wg says:", sorted((n, p.hex()) for n, p in want))
sys.exit(0 if got == want and want else 1)
EOF
}
ok "aip4 holds each IPv4 allowed IP with its peer" aips_match aip4 4
ok "aip6 holds each IPv6 allowed IP with its peer" aips_match aip6 6
ok "aip4 has 4 entries" same 4 sh -c "bpftool -j map dump pinned $PIN/aip4 | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'"

count() { bpftool -j map dump pinned $PIN/$1 | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
ok "index is empty before a handshake" same 0 count index
ok "ping over the tunnel" n1 ping -c 3 -i 0.2 -W 2 192.168.5.2
index_has_b() {
	bpftool -j map dump pinned $PIN/peers >"$TMP/peers.json"
	bpftool -j map dump pinned $PIN/index >"$TMP/index.json"
	python3 - "$TMP/peers.json" "$TMP/index.json" "$PB" <<'EOF'
import base64, json, sys
f = lambda e: (e["formatted"]["key"], e["formatted"]["value"]) if "formatted" in e else (e["key"], e["value"])
pb = base64.b64decode(sys.argv[3])[:8]
ids = [k for k, v in map(f, json.load(open(sys.argv[1]))) if bytes(v["key_prefix"]) == pb]
idx = list(map(f, json.load(open(sys.argv[2]))))
print("peer id of B:", ids, "index entries:", idx)
sys.exit(0 if ids and idx and all(v == ids[0] for k, v in idx) else 1)
EOF
}
ok "index has B's receiver index after the handshake" index_has_b

# stats: the map's per-CPU sums are what the daemon reports, by reason.
stats_match() {
	bpftool -j map dump pinned $PIN/stats >"$TMP/stats.json"
	printf 'wgxdp=1\n\n' | uapi $A >"$TMP/report"
	python3 - "$TMP/stats.json" "$TMP/report" <<'EOF'
import json, sys
sums = {}
for e in json.load(open(sys.argv[1])):
    k = e["formatted"]["key"] if "formatted" in e else e["key"]
    vals = e["formatted"]["values"] if "formatted" in e else e["values"]
    sums[k] = sum(c["value"]["packets"] for c in vals)
rep = [l.split()[1:] for l in open(sys.argv[2]) if l.startswith("stat=")]
names = [l.split()[0][5:] for l in open(sys.argv[2]) if l.startswith("stat=")]
bad = [(names[i], sums.get(i), int(r[0])) for i, r in enumerate(rep) if sums.get(i) != int(r[0])]
print({names[i]: sums.get(i) for i in range(len(names)) if sums.get(i)})
sys.exit(1 if bad or len(rep) != len(sums) else 0)
EOF
}
# (Retried: a packet may land between the dump and the report.)
ok "stats map matches the daemon's report, reason by reason" wait_for 3 stats_match
ok "stats counts data redirects" [ "$(xdpstat $A stat=redirect_data)" -ge 3 ]
# One bad message of each kind to the listen port: each lands in its reason.
udp() {
	n2 python3 -c '
import socket, sys
s = socket.socket()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(bytes.fromhex(sys.argv[1]), ("10.77.0.1", 51820))' "$1"
}
for case in "drop_bad_type 09000000$(printf '%064d' 0)" \
	"drop_reserved 04000100$(printf '%064d' 0)" \
	"drop_bad_len_initiation 01000000$(printf '%080d' 0)" \
	"drop_unknown_index 04000000ffffffff$(printf '%056d' 0)"; do
	reason=${case%% *}
	before=$(xdpstat $A stat=$reason)
	udp "${case#* }"
	ok "stats: $reason counted" wait_for 2 [ "$(xdpstat $A stat=$reason)" -eq $((before + 1)) ]
done
ok "stats map still matches the report" wait_for 3 stats_match

# Map names.
names_ok() {
	for m in $PIN/*; do
		name=$(bpftool -j map show pinned $m | python3 -c 'import json,sys; print(json.load(sys.stdin)["name"])')
		echo "$(basename $m): $name"
		[ ${#name} -le 15 ] && [ "$name" = "$(basename $m)" ] || return 1
	done
}
ok "every pinned map is named as its pin, 15 characters or fewer" names_ok
ok "bpftool map show lists them by name" has "name aip4" bpftool map show

# Removing a peer takes its prefixes out of the maps.
ok "remove peer X" n1 wg set $A peer $PX remove
ok "aip4 after removal" aips_match aip4 4
ok "aip6 after removal" aips_match aip6 6

ok "wg-xdp down" n1 $WGXDP down $A
ok "the pins are gone" wait_for 5 [ ! -e $PIN ]
e2e_summary

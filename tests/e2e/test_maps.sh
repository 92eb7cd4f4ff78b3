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

# peer_lines: "P ID BYTES..." for each entry of the peers map, the first 8
# bytes of its public key in decimal (a dump's "formatted" part when
# bpftool gives one, the entry itself otherwise).
peer_lines() {
	bpftool -j map dump pinned $PIN/peers | jq -r '.[] | (.formatted // .) |
		"P \(.key) \(.value.key_prefix | map(tostring) | join(" "))"'
}

# key_bytes KEY: the first 8 bytes of a base64 key, in decimal.
key_bytes() {
	printf '%s' "$1" | base64 -d | od -An -tu1 -N8 | tr -s ' \n' '  ' |
		sed 's/^ //; s/ $//'
}

# aips_match MAP FAMILY: the map's (prefix, peer key) pairs equal wg's.
# Each prefix, from either side, must have no bits set past its length.
aips_match() {
	{
		peer_lines
		bpftool -j map dump pinned $PIN/$1 | jq -r '.[] | (.formatted // .) |
			"M \(.value) \(.key.prefixlen) \(.key.addr | map(tostring) | join(" "))"'
		n1 wg show $A allowed-ips | while read -r _key _aips; do
			_kb=$(key_bytes "$_key")
			for _a in $_aips; do
				echo "W $_a $_kb"
			done
		done
	} >"$TMP/aips.txt"
	awk -v fam="$2" '
	function hexval(s,   i, v) {
		v = 0
		for (i = 1; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef", substr(tolower(s), i, 1)) - 1
		return v
	}
	# The bytes of a textual address into b[1..]; their count, 0 if none.
	function parse(s, b,   q, g, h, t, i, n, nh, nt, k) {
		if (s ~ /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/) {
			split(s, q, ".")
			for (i = 1; i <= 4; i++) {
				if (q[i] > 255)
					return 0
				b[i] = q[i] + 0
			}
			return 4
		}
		if (s !~ /^[0-9a-fA-F:]+$/ || s ~ /::.*::|:::/)
			return 0
		i = index(s, "::")
		nh = split(i ? substr(s, 1, i - 1) : s, h, ":")
		nt = i ? split(substr(s, i + 2), t, ":") : 0
		if (i ? nh + nt > 7 : nh != 8)
			return 0
		n = 0
		for (k = 1; k <= nh; k++)
			g[++n] = h[k]
		for (k = nh + nt; i && k < 8; k++)
			g[++n] = "0"
		for (k = 1; k <= nt; k++)
			g[++n] = t[k]
		for (k = 1; k <= 8; k++) {
			if (g[k] == "" || length(g[k]) > 4)
				return 0
			b[2 * k - 1] = int(hexval(g[k]) / 256)
			b[2 * k] = hexval(g[k]) % 256
		}
		return 16
	}
	# "ADDR/LEN" of n bytes b[1..n]: dotted, or 8 groups of hex; "" when
	# a bit past LEN is set or LEN is out of range.
	function net(b, n, len,   i, s, h) {
		if (len !~ /^[0-9]+$/ || len > 8 * n)
			return ""
		for (i = 1; i <= n; i++) {
			h = 8 - (len - 8 * (i - 1))
			if (h > 8)
				h = 8
			if (h > 0 && b[i] % 2 ^ h)
				return ""
		}
		s = ""
		for (i = 1; i <= n; i += n == 4 ? 1 : 2)
			s = s (i > 1 ? (n == 4 ? "." : ":") : "") \
				(n == 4 ? b[i] : sprintf("%x", b[i] * 256 + b[i + 1]))
		return s "/" len
	}
	function fail(m) { print m; bad = 1 }
	$1 == "P" { peer[$2] = sprintf("%02x%02x%02x%02x%02x%02x%02x%02x",
		$3, $4, $5, $6, $7, $8, $9, $10); next }
	$1 == "M" {
		n = NF - 3
		for (i = 1; i <= n; i++)
			b[i] = $(i + 3)
		k = net(b, n, $3)
		if (k == "" || !($2 in peer)) {
			fail("bad map entry: " $0)
			next
		}
		got[k " " peer[$2]] = 1
		print "map:", k, peer[$2]
		next
	}
	$1 == "W" {
		split($2, p, "/")
		n = parse(p[1], b)
		k = n ? net(b, n, p[2]) : ""
		if (k == "" || index($2, "/") == 0) {
			fail("bad allowed IP from wg: " $2)
			next
		}
		if (n != (fam == 4 ? 4 : 16))
			next
		want[k " " sprintf("%02x%02x%02x%02x%02x%02x%02x%02x",
			$3, $4, $5, $6, $7, $8, $9, $10)] = 1
	}
	END {
		s = ""
		for (w in want) {
			s = s " (" w ")"
			if (!(w in got))
				bad = 1
			nw++
		}
		print "wg says:" s
		for (g in got)
			if (!(g in want))
				bad = 1
		exit bad || !nw
	}' "$TMP/aips.txt"
}
ok "aip4 holds each IPv4 allowed IP with its peer" aips_match aip4 4
ok "aip6 holds each IPv6 allowed IP with its peer" aips_match aip6 6
count() { bpftool -j map dump pinned $PIN/$1 | jq length; }
ok "aip4 has 4 entries" same 4 count aip4

ok "index is empty before a handshake" same 0 count index
ok "ping over the tunnel" n1 ping -c 3 -i 0.2 -W 2 192.168.5.2
# Every index entry names B's peer id (the first whose key_prefix is B's).
index_has_b() {
	{
		peer_lines
		bpftool -j map dump pinned $PIN/index |
			jq -r '.[] | (.formatted // .) | "I \(.key) \(.value)"'
	} >"$TMP/index.txt"
	awk -v pb="$(key_bytes "$PB")" '
	$1 == "P" {
		k = $3
		for (i = 4; i <= NF; i++)
			k = k " " $i
		if (k == pb && id == "")
			id = $2
		next
	}
	$1 == "I" { n++; if ($3 != id) other = other " " $2 "->" $3 }
	END {
		print "peer id of B: " id ", index entries: " n \
			(other == "" ? "" : ", not B:" other)
		exit id == "" || !n || other != ""
	}' "$TMP/index.txt"
}
ok "index has B's receiver index after the handshake" index_has_b

# stats: the map's per-CPU sums are what the daemon reports, by reason.
stats_match() {
	bpftool -j map dump pinned $PIN/stats | jq -r '.[] | (.formatted // .) |
		"S \(.key) \([.values[].value.packets] | add)"' >"$TMP/stats.txt"
	printf 'wgxdp=1\n\n' | uapi $A >"$TMP/report"
	awk '
	BEGIN { nrep = 0 }
	$1 == "S" { sum[$2] = $3; nsum++; next }
	/^stat=/ {
		name = substr($1, 6)
		if (!((nrep) in sum) || sum[nrep] != $2) {
			print name ": map " ((nrep) in sum ? sum[nrep] : "none") \
				", report " $2
			bad = 1
		} else if ($2 != 0) {
			print name ": " $2
		}
		nrep++
	}
	END { exit bad || nrep != nsum }' "$TMP/stats.txt" "$TMP/report"
}
# (Retried: a packet may land between the dump and the report.)
ok "stats map matches the daemon's report, reason by reason" wait_for 3 stats_match
ok "stats counts data redirects" [ "$(xdpstat $A stat=redirect_data)" -ge 3 ]
# One bad message of each kind to the listen port: each lands in its reason.
udp() { n2 "$TOOLS/junk" "0x$1" 1 51820 10.77.0.1; }
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
		_name=$(bpftool -j map show pinned $m | jq -r .name)
		echo "$(basename $m): $_name"
		[ ${#_name} -le 15 ] && [ "$_name" = "$(basename $m)" ] || return 1
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

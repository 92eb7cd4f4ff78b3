#!/bin/sh
# A large configuration: `wg setconf` with 2,000 peers and 200,000 allowed
# IPs (100 IPv4 /32s each; 500 and 20,000 under E2E_QUICK=1) on wg-xdp started as wg-quick starts it (XDP on
# $VETH1 through WG_XDP_NIC, no routes of its own), in namespace $NS1.
# Each step is timed (printed, not asserted): setconf, showconf, `wg show
# allowed-ips`, the aip4 map dump, a syncconf that changes nothing and
# `wg-xdp down`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tools.sh"
trap e2e_cleanup EXIT
set -u

A=wla$ID
PEERS=${LARGE_PEERS:-$(quick 2000 500)}
PER=${LARGE_PER_PEER:-$(quick 100 40)}
export WG_XDP_LOG=$TMP/wg-xdp.log
e2e_setup_pair
genkeys a

# $PEERS peers of random keys, with $PER IPv4 /32s each, counted up from
# 10.0.0.0.
{
	printf '[Interface]\nPrivateKey = %s\nListenPort = 51820\n' \
		"$(cat "$TMP/a.key")"
	randkeys $PEERS | awk -v per=$PER '{
		printf "\n[Peer]\nPublicKey = %s\nAllowedIPs = ", $1
		for (j = 0; j < per; j++) {
			printf "%s10.%d.%d.%d/32", j ? ", " : "", int(n / 65536),
				int(n / 256) % 256, n % 256
			n++
		}
		printf "\n"
	}'
} >"$TMP/large.conf"
chmod 600 "$TMP/large.conf"
TOTAL=$((PEERS * PER))

# timed LABEL COMMAND...: run, print the time it took, count as ok.
timed() {
	label=$1
	shift
	t0=$(ms)
	"$@"
	rc=$?
	echo "# time: $label: $(($(ms) - t0)) ms" >>"$TMP/times"
	return $rc
}

ok "wg-xdp $A (XDP on $VETH1)" n1 env WG_XDP_NIC=$VETH1 $WGXDP $A
ok "setconf: $PEERS peers, $TOTAL allowed IPs" timed "wg setconf" \
	n1 wg setconf $A "$TMP/large.conf"
aip_lines() { n1 wg show $A allowed-ips | awk '{ n += NF - 1 } END { print n }'; }
ok "wg show allowed-ips lists them all" same $TOTAL timed "wg show allowed-ips" aip_lines
ok "wg show peers lists every peer" same $PEERS sh -c "nsenter --net=/run/netns/$NS1 wg show $A peers | wc -l"
ok "showconf" timed "wg showconf" sh -c "nsenter --net=/run/netns/$NS1 wg showconf $A >'$TMP/show.conf'"
conf_norm "$TMP/large.conf" >"$TMP/large.norm"
conf_norm "$TMP/show.conf" >"$TMP/show.norm"
ok "showconf equals the file" files_eq "$TMP/large.norm" "$TMP/show.norm"
map_count() {
	bpftool -j map dump pinned /sys/fs/bpf/wg-xdp/$A/aip4 |
		jq length
}
ok "the aip4 map holds them all" same $TOTAL timed "aip4 map dump" map_count
ok "no route for an allowed IP (wg-quick's job)" same "" n1 ip route show dev $A
ok "syncconf of the same file" timed "wg syncconf (no change)" \
	n1 wg syncconf $A "$TMP/large.conf"
ok "the aip4 map still holds them all" same $TOTAL map_count
ok "setconf of an empty peer list" timed "wg setconf (remove all)" \
	n1 wg setconf $A /dev/stdin <<EOF
[Interface]
ListenPort = 51820
EOF
ok "the aip4 map is empty" same 0 map_count
ok "setconf again" timed "wg setconf (again)" n1 wg setconf $A "$TMP/large.conf"
ok "wg-xdp down" timed "wg-xdp down" n1 $WGXDP down $A
ok "the pins are gone" wait_for 10 [ ! -e /sys/fs/bpf/wg-xdp/$A ]
cat "$TMP/times"
e2e_summary

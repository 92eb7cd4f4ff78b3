#!/bin/sh
# make demo: the EXAMPLES section of OpenBSD's wg(4), run on Linux with
# wg-xdp, narrated. Two network namespaces stand in for the two rdomains;
# a veth pair joins them; wg-xdp attaches XDP to each end.
#
#   +------------------------------+          +------------------------------+
#   | netns $NS1                   |          | netns $NS2                   |
#   |  wg1-$ID  192.168.5.1/24     |          |  wg2-$ID  192.168.5.2/24     |
#   |    listens on port 7111      |          |    listens on port 7222      |
#   |  $VETH1  10.77.0.1/24  (XDP) |==========| (XDP) $VETH2  10.77.0.2/24   |
#   +------------------------------+          +------------------------------+
#
# Everything is created here and removed on exit, whatever happens.

. "$(dirname "$0")/lib.sh"
e2e_trap

WG1=wg1-$ID
WG2=wg2-$ID

if [ -t 1 ]; then
	BOLD=$(printf '\033[1m') PLAIN=$(printf '\033[0m')
else
	BOLD= PLAIN=
fi

say() {
	printf '\n%s==> %s%s\n' "$BOLD" "$*" "$PLAIN"
}

# run N COMMAND...: show COMMAND as typed in namespace N, then run it there.
run() {
	_n=$1
	shift
	eval "echo \"[\$NS$_n]\\$ $*\"" | sed "s|$WGXDP|wg-xdp|; s|$TMP/||"
	n$_n "$@"
}

die() {
	echo "demo: $*" >&2
	exit 1
}

[ -x "$WGXDP" ] || die "$WGXDP not built: run make first"

say "Two network namespaces joined by a veth pair"
e2e_setup_pair || die "cannot create the namespaces"
echo "  $NS1: $VETH1 10.77.0.1/24"
echo "  $NS2: $VETH2 10.77.0.2/24"

say "A key pair for each end (wg-xdp genkey, wg-xdp pubkey)"
genkey K1
genkey K2
echo "  $WG1 public key: $K1_pub"
echo "  $WG2 public key: $K2_pub"
echo "  (the private halves stay in the configuration files)"

wg_conf "$TMP/wg1.conf" "$K1" 7111 192.168.5.1/24 "$K2_pub" 10.77.0.2:7222 192.168.5.2/32
wg_conf "$TMP/wg2.conf" "$K2" 7222 192.168.5.2/24 "$K1_pub" 10.77.0.1:7111 192.168.5.1/32

say "The configuration of $WG1 (wg-quick format, private key hidden)"
sed 's/^PrivateKey = .*/PrivateKey = (hidden)/' "$TMP/wg1.conf"

say "Start wg-xdp at both ends"
export WG_XDP_LOG=$TMP/$WG1.log
run 1 "$WGXDP" up $VETH1 -i $WG1 -c "$TMP/wg1.conf" ||
	die "wg-xdp up $WG1 failed"
export WG_XDP_LOG=$TMP/$WG2.log
run 2 "$WGXDP" up $VETH2 -i $WG2 -c "$TMP/wg2.conf" ||
	die "wg-xdp up $WG2 failed"
unset WG_XDP_LOG
grep 'Data path\|socket path' "$TMP/$WG1.log" | sed 's/^/  /'

say "Ping 192.168.5.2 from $NS1 (the first packet starts the handshake)"
run 1 ping -c 3 -i 0.3 -W 3 192.168.5.2 || die "ping 192.168.5.2 failed"

say "Ping 192.168.5.1 from $NS2"
run 2 ping -c 3 -i 0.3 -W 3 192.168.5.1 || die "ping 192.168.5.1 failed"

say "wg show $WG1 (the stock wg tool talks to wg-xdp's control socket)"
n1 wg show $WG1
say "wg show $WG2"
n2 wg show $WG2

say "wg-xdp show $WG1 (wg-xdp's own view)"
n1 "$WGXDP" show $WG1

say "What the XDP program did on $VETH1 (stats map pinned in /sys/fs/bpf)"
counters 1 $WG1 | awk '$2 > 0 { printf "  %-24s %s packets\n", $1, $2 }'

say "Tear down"
run 1 "$WGXDP" down $WG1 || die "wg-xdp down $WG1 failed"
run 2 "$WGXDP" down $WG2 || die "wg-xdp down $WG2 failed"
echo
echo "demo: done, the tunnel worked both ways."

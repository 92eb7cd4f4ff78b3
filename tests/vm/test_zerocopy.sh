#!/bin/sh
# AF_XDP zero-copy on virtio-net, wg-xdp on both ends. Runs only in the VM
# tier's zero-copy guest (tests/vm/run.sh gives it its NICs, by MAC address
# in ZC_LOOP_MACS and ZC_MQ_MACS); anywhere else the NICs are missing and
# that is a failure.
#
#   +--------------------------------+             +--------------------------------+
#   | netns $NS1                     |             | netns $NS2                     |
#   |  wza$ID (wg-xdp, port 7111)    |             |  wzb$ID (wg-xdp, port 7222)    |
#   |    192.168.5.1/24              |             |    192.168.5.2/24              |
#   |  NIC A 10.77.0.1/24            | virtio-net  |  NIC B 10.77.0.2/24            |
#   |    XDP, AF_XDP socket per queue|=============|    XDP, AF_XDP socket per queue|
#   +--------------------------------+             +--------------------------------+
#
#   round "loop": vng --network loop, the two NICs on one QEMU hub, one
#                 queue pair each
#   round "mq":   two NICs on multiqueue taps (a bridge in a host namespace),
#                 ethtool -L combined 2: two queue pairs each
#
# Each round first asks the kernel (build/tools/xsk_probe: the NIC's XDP
# features over netlink, then a zero-copy bind of a throw-away AF_XDP socket
# on every queue) whether zero-copy can be bound. If it can, both daemons
# must report zerocopy and the kernel's socket diagnostics must show every
# socket in zero-copy mode; if not, the test says why (the probe's output,
# ethtool -l, the driver's features) and asserts copy mode instead. Then: one AF_XDP
# socket per queue (wg-xdp show, the daemon's log, ss --xdp), ping, a 4 MiB
# random file each way over HTTP with sha256 compared, iperf3 TCP each way
# asserting that bytes arrived (never a speed), and XDP's REDIRECT_DATA
# counter grown on both ends.

. "$(dirname "$0")/../e2e/lib.sh"
e2e_trap
set -u

PROBE=$TOOLS/xsk_probe
WGA=wza$ID
WGB=wzb$ID
MIB=4
IPERF_SECS=2
genkey KA
genkey KB
blobs $MIB
modprobe xsk_diag 2>/dev/null

# nic_by_mac MAC: the name of the interface with that address (in the
# initial namespace, where the NICs start).
nic_by_mac() {
	for _d in /sys/class/net/*; do
		[ "$(cat "$_d/address" 2>/dev/null)" = "$1" ] || continue
		basename "$_d"
		return 0
	done
	return 1
}

# show_dp N NAME: the "data path" line of wg-xdp show, e.g. "xdp (native),
# AF_XDP zerocopy mode, 2 queues".
show_dp() {
	n$1 "$WGXDP" show "$2" | sed -n 's/^  data path: //p'
}

# dp_has N NAME TEXT: that line has TEXT.
dp_has() {
	show_dp $1 $2 | grep -qF -- "$3"
}

# ifindex N NIC: NIC's index in namespace N (/sys shows the initial one's).
ifindex() {
	n$1 ip -o link show dev $2 | cut -d: -f1
}

# xsks N NIC: the AF_XDP sockets in namespace N, from the kernel's socket
# diagnostics (ss --xdp -e, xsk_diag): "ifindex queue zc" per socket bound
# to NIC, read from its umem(...,ifindex:I,qid:Q,zc:Z,...) (each socket has
# a UMEM of its own), zc 1 for zero-copy and 0 for copy mode.
xsks() {
	_if=$(ifindex $1 $2)
	n$1 ss -a -e --xdp >"$TMP/ss" 2>&1 || return 1
	grep -o 'umem([^)]*)' "$TMP/ss" | tr '(),' '   ' | awk -v want="$_if" '{
		for (i = 1; i <= NF; i++) {
			split($i, kv, ":")
			v[kv[1]] = kv[2]
		}
		if (v["ifindex"] == want)
			print v["ifindex"], v["qid"], v["zc"]
	}'
}

# sockets_ok N NIC QUEUES ZC: exactly one AF_XDP socket per queue 0..QUEUES-1
# on NIC, each with zero-copy ZC (1 or 0).
sockets_ok() {
	xsks $1 $2 | sort -n -k2 >"$TMP/xsks"
	cat "$TMP/xsks"
	_want=$(for _q in $(seq 0 $(($3 - 1))); do
		echo "$(ifindex $1 $2) $_q $4"
	done)
	eq "$(cat "$TMP/xsks")" "$_want"
}

# probe N NIC QUEUES: the kernel's word on zero-copy for NIC, as "# " lines
# (its output also in $TMP/probe.NIC); ZC_OK=1 when the bind succeeded on
# every queue, else 0.
probe() {
	_p=$1 _nic=$2 _nq=$3
	echo "# probe $_nic: $(n$_p ethtool -i $_nic | sed -n 's/^driver: //p')," \
		"kernel $(uname -r)"
	n$_p ethtool -l $_nic | sed -n '/^Current/,$p' | tr -s '\t ' ' ' |
		tr '\n' ' ' | sed 's/^/# probe '"$_nic"': ethtool -l: /; s/ *$/\n/'
	n$_p "$PROBE" $_nic $(seq 0 $((_nq - 1))) >"$TMP/probe.$_nic" 2>&1
	sed 's/^/# probe /' "$TMP/probe.$_nic"
	ZC_OK=0
	[ "$(grep -c 'zero-copy bind on queue [0-9]*: ok$' "$TMP/probe.$_nic")" \
		= "$_nq" ] && ZC_OK=1
}

# expect ROUND NIC ZC: the mode NIC's daemon must report (MODE), said aloud;
# when zero-copy cannot be bound, with the probe's reasons.
expect() {
	if [ $3 = 1 ]; then
		MODE=zerocopy
		echo "# $1: $2 binds zero-copy on every queue: expect zerocopy"
		return
	fi
	MODE=copy
	echo "# $1: ZERO-COPY COULD NOT BE BOUND on $2 ($(uname -r)):" \
		"$(grep -v ': ok$' "$TMP/probe.$2" | sed "s/^$2: //" |
			tr '\n' ';' | sed 's/;$//; s/;/; /g'): expect copy mode"
}

# servers_up: both web servers listen.
servers_up() {
	n1 ss -ltn | grep -q ':8001 ' && n2 ss -ltn | grep -q ':8002 '
}

# iperf_bytes C ADDR [ARGS...]: iperf3 client in namespace C to a server
# started on the other side; the bytes the receiver got must be > 0.
iperf_bytes() {
	_c=$1 _s=$((3 - $1))
	shift
	n$_s iperf3 -s -1 -D -p 5201 >/dev/null 2>&1 || return 1
	wait_for 10 n$_s sh -c "ss -ltn | grep -q ':5201 '" || return 1
	n$_c iperf3 -J -c "$@" -p 5201 -t $IPERF_SECS >"$TMP/iperf.json" ||
		return 1
	_b=$(jq -e '.end.sum_received.bytes | floor' "$TMP/iperf.json") ||
		return 1
	echo "# iperf3: $_b bytes received"
	positive "$_b"
}

# grew N NAME: XDP's REDIRECT_DATA counter on that end is above zero.
grew() {
	_r=$(counter $1 $2 REDIRECT_DATA) || return 1
	echo "# REDIRECT_DATA on $2: $_r"
	positive "$_r"
}

# round NAME QUEUES MAC_A MAC_B
round() {
	rnd=$1 _q=$2
	echo "# round $rnd: $_q queue pair(s) per NIC"
	if ! nic_a=$(nic_by_mac $3) || ! nic_b=$(nic_by_mac $4); then
		ok "$rnd: NICs $3 and $4 present (the zero-copy guest of" \
			"tests/vm/run.sh has them)" false
		return
	fi
	ok "$rnd: NICs $nic_a and $nic_b present" true
	VETH1=$nic_a
	VETH2=$nic_b
	# The virtio feature bits the device offered and the driver took
	# (bit 33 ACCESS_PLATFORM, 40 RING_RESET), read while /sys shows them.
	for _nic in $nic_a $nic_b; do
		echo "# probe $_nic: virtio features" \
			"$(cat /sys/class/net/$_nic/device/features)"
	done
	if [ $_q -gt 1 ]; then
		ok "$rnd: ethtool -L $nic_a combined $_q" \
			ethtool -L $nic_a combined $_q
		ok "$rnd: ethtool -L $nic_b combined $_q" \
			ethtool -L $nic_b combined $_q
	fi
	ip netns add $NS1
	ip netns add $NS2
	ip link set $nic_a netns $NS1
	ip link set $nic_b netns $NS2
	n1 ip addr add 10.77.0.1/24 dev $nic_a
	n2 ip addr add 10.77.0.2/24 dev $nic_b
	for _n in 1 2; do
		n$_n ip link set lo up
		eval "n$_n ip link set \$VETH$_n up"
	done
	ok "$rnd: the NICs reach each other" \
		wait_for 30 n1 ping -c 1 -W 1 10.77.0.2

	probe 1 $nic_a $_q
	zc_a=$ZC_OK
	probe 2 $nic_b $_q
	zc_b=$ZC_OK

	wg_conf "$TMP/a.conf" "$KA" 7111 192.168.5.1/24 "$KB_pub" \
		10.77.0.2:7222 192.168.5.2/32
	wg_conf "$TMP/b.conf" "$KB" 7222 192.168.5.2/24 "$KA_pub" \
		10.77.0.1:7111 192.168.5.1/32
	: >"$TMP/$WGA.log"
	: >"$TMP/$WGB.log"
	ok "$rnd: wg-xdp up on $nic_a" wgxdp_up 1 $WGA "$TMP/a.conf"
	ok "$rnd: wg-xdp up on $nic_b" wgxdp_up 2 $WGB "$TMP/b.conf"
	for _e in "1 $WGA" "2 $WGB"; do
		set -- $_e
		n$1 "$WGXDP" show $2 | grep -E '^  (data path|transmit):' |
			sed "s/^ */# $rnd: $2 /"
	done
	grep -hE 'Data path|AF_XDP|queue|warning' "$TMP/$WGA.log" \
		"$TMP/$WGB.log" | sed 's/^/# log: /'
	_s=s
	[ $_q = 1 ] && _s=
	for _e in "1 $WGA $nic_a $zc_a" "2 $WGB $nic_b $zc_b"; do
		set -- $_e
		expect $rnd $3 $4
		ok "$rnd: $2 on native XDP" dp_has $1 $2 "xdp (native)"
		ok "$rnd: $2 show: AF_XDP $MODE mode" dp_has $1 $2 \
			"AF_XDP $MODE mode"
		ok "$rnd: $2 show: $_q queue$_s" dp_has $1 $2 ", $_q queue$_s"
		ok "$rnd: $2 log: AF_XDP $MODE mode, $_q queue$_s" log_has $2 \
			"AF_XDP $MODE mode, $_q queue$_s\($\|;\)"
		ok "$rnd: $3: one AF_XDP socket per queue, zc:$4 (ss --xdp)" \
			sockets_ok $1 $3 $_q $4
		grep -E ':q[0-9]|umem\(' "$TMP/ss" | tr -s '\t ' ' ' |
			sed 's/^ //; s/^/# ss --xdp -e: /'
	done

	ok "$rnd: ping 192.168.5.2" n1 ping -c 3 -i 0.2 -W 5 192.168.5.2
	ok "$rnd: ping 192.168.5.1" n2 ping -c 3 -i 0.2 -W 5 192.168.5.1
	www_serve
	ok "$rnd: web servers listen" wait_for 60 servers_up
	ok "$rnd: $MIB MiB B -> A, sha256 equal" \
		fetch 1 http://192.168.5.2:8002/blob2 "$SUM2"
	ok "$rnd: $MIB MiB A -> B, sha256 equal" \
		fetch 2 http://192.168.5.1:8001/blob1 "$SUM1"
	ok "$rnd: iperf3 TCP A -> B carried data" iperf_bytes 1 192.168.5.2
	ok "$rnd: iperf3 TCP B -> A carried data" iperf_bytes 1 192.168.5.2 -R
	ok "$rnd: XDP redirected data to $WGA" grew 1 $WGA
	ok "$rnd: XDP redirected data to $WGB" grew 2 $WGB
	ok "$rnd: $WGA still answers" n2 ping -c 1 -W 5 192.168.5.1

	ok "$rnd: wg-xdp down ($WGA)" wgxdp_down 1 $WGA
	ok "$rnd: wg-xdp down ($WGB)" wgxdp_down 2 $WGB
	# Servers and all (and a daemon's pins, had it died): the next round
	# makes everything afresh.
	ns_del $NS1 $NS2
	for _d in /sys/fs/bpf/wg-xdp/*"$ID"; do
		[ -d "$_d" ] && rm -f "$_d"/* && rmdir "$_d"
	done
}

round loop 1 ${ZC_LOOP_MACS:-52:54:00:77:00:01 52:54:00:77:00:02}
round mq 2 ${ZC_MQ_MACS:-52:54:00:77:01:01 52:54:00:77:01:02}
e2e_summary

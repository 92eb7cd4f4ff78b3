#!/bin/sh
# make soak (not part of make check): SOAK_MIN minutes (default 10, which
# covers several REKEY_AFTER_TIME = 120 s rekeys) of a loaded tunnel that
# is reconfigured, roams and suffers faults, then what it cost.
#
#   +--------------------+      +----------------------+      +---------------------+
#   | netns $NS1         |      | netns $NSR (router)  |      | netns $NS2          |
#   |  $A wg-xdp         |      |  forwards; faults:   |      |  $B wg-xdp          |
#   |   192.168.5.1      |      |  nft loss, flaps of  |      |   192.168.5.2       |
#   |   port 51820       |      |  vrb$ID              |      |   port 51821..51828 |
#   |  $VETH1 (XDP)      |------|- vra$ID 10.77.0.254  |      |  $VETH2 (XDP)       |
#   |   10.77.0.1/24     |      |  vrb$ID 10.78.0.254 -|------|-  10.78.0.2/24      |
#   +--------------------+      |  vrc$ID 10.79.0.254 -|--+   +---------------------+
#                               +----------------------+  |   +---------------------+
#                                                         |   | netns $NS3          |
#                                                         +---|-  $VETH3 10.79.0.2  |
#                                                             |  $G wireguard-go    |
#                                                             |   192.168.5.3 51830 |
#                                                             +---------------------+
#
# Traffic, all of it counted: ping A->B, B->A and A->G every SOAK_PING_I
# seconds (0.01), and iperf3 UDP A->B at SOAK_RATE (20M, 1200-byte
# datagrams, receive buffer SOAK_IPERF_W, default -w 4M). Meanwhile:
#  - churn, every SOAK_CHURN_S (3) s: `wg set` adds a peer (two prefixes
#    and a /32 of its own) to A and to B and removes the one added four
#    steps before, and `wg-xdp set ... wgaip / -wgaip` adds and removes a
#    prefix of A's live peer B; the live peers' own prefixes (and so their
#    routes) are never touched;
#  - roaming, every SOAK_ROAM_S (40) s: B's listen port changes, as a NAT
#    rebinding changes the address A sees; A must follow it;
#  - faults, every SOAK_FAULT_S (50) s, in turn: the router's link to B
#    down for 2 s (a switch port flap), and 30 % of the routed UDP dropped
#    for 5 s by an nft rule in $NSR (skipped, with a note, without nft).
# A fault's or a roaming event's window, for the loss count, runs from
# 0.2 s before it to SOAK_RECOVER_S (2) s after it. Datagrams that the
# iperf3 receiver's own socket dropped (UDP RcvbufErrors in its namespace,
# sampled each second: a receiver descheduled on a busy machine) are no
# loss of the tunnel's: they are counted apart.
#
# At the start (after SOAK_WARMUP_S = 20 s of traffic and churn, so that
# buffers and the allocator are warm) and at the end (churn stopped) it
# reports each daemon's RSS and fd count from /proc and CPU seconds, and at
# the end the handshakes seen (changes of `wg show latest-handshakes`,
# polled each second) and the packets lost inside and outside the windows.
# It fails when:
#  - a wg-xdp daemon's RSS grew by more than SOAK_RSS_KB (default 256; in
#    a 10-minute run it grew by 20 kB, while a leaked peer per churn step,
#    about 1.3 KiB with its prefixes, 200 steps, would add some 260 kB),
#    or its fd count grew;
#  - a ping or iperf3 packet sent outside the windows was lost (the ping
#    request in flight when the pings are stopped aside);
#  - fewer handshakes were seen than the run's length implies (one per
#    120 s per tunnel, less one), a daemon died, a churn step failed, the
#    churn left peers behind, or the tunnel is dead at the end.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/../e2e/lib_tools.sh"
set -u

MIN=${SOAK_MIN:-10}
PING_I=${SOAK_PING_I:-0.01}
RATE=${SOAK_RATE:-20M}
CHURN_S=${SOAK_CHURN_S:-3}
ROAM_S=${SOAK_ROAM_S:-40}
FAULT_S=${SOAK_FAULT_S:-50}
WARMUP_S=${SOAK_WARMUP_S:-20}
RECOVER_S=${SOAK_RECOVER_S:-2}
RSS_KB=${SOAK_RSS_KB:-256}
SECS=$((MIN * 60))

NS3=wgxdp-c-$ID
NSR=wgxdp-r-$ID
VETH3=veth-c$ID
A=wsa$ID
B=wsb$ID
G=wsg$ID

n3() { nsenter --net=/run/netns/$NS3 "$@"; }
nr() { nsenter --net=/run/netns/$NSR "$@"; }

OUT=$ROOT/build/soak

soak_cleanup() {
	# The logs (not the keys) stay in build/soak for a look afterwards.
	rm -rf "$OUT" && mkdir -p "$OUT" &&
		cp -p "$TMP"/ping.* "$TMP"/iperf*.log "$TMP"/windows "$TMP"/rcvbuf \
			"$TMP"/hs.* "$TMP"/churn.* "$TMP"/ws?$ID.log "$OUT"/ 2>/dev/null
	for ns in $NSR $NS3; do
		[ -e /run/netns/$ns ] || continue
		for pid in $(ip netns pids $ns 2>/dev/null); do
			kill -TERM "$pid" 2>/dev/null
		done
	done
	# e2e_cleanup waits for and kills what is left in $NS1 and $NS2.
	sleep 0.5
	for ns in $NSR $NS3; do
		[ -e /run/netns/$ns ] || continue
		for pid in $(ip netns pids $ns 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del $ns 2>/dev/null
	done
	e2e_cleanup
}
trap soak_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

now() { date +%s.%N; }
say() { echo "# soak: $*"; }

# ------------------------------------------------------------------ rig
ip netns add $NS1
ip netns add $NS2
ip netns add $NS3
ip netns add $NSR
ip link add $VETH1 netns $NS1 type veth peer name vra$ID netns $NSR
ip link add $VETH2 netns $NS2 type veth peer name vrb$ID netns $NSR
ip link add $VETH3 netns $NS3 type veth peer name vrc$ID netns $NSR
n1 ip addr add 10.77.0.1/24 dev $VETH1
n2 ip addr add 10.78.0.2/24 dev $VETH2
n3 ip addr add 10.79.0.2/24 dev $VETH3
nr ip addr add 10.77.0.254/24 dev vra$ID
nr ip addr add 10.78.0.254/24 dev vrb$ID
nr ip addr add 10.79.0.254/24 dev vrc$ID
for dev in lo vra$ID vrb$ID vrc$ID; do nr ip link set $dev up; done
n1 ip link set lo up
n2 ip link set lo up
n3 ip link set lo up
n1 ip link set $VETH1 up
n2 ip link set $VETH2 up
n3 ip link set $VETH3 up
nr sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward'
n1 ip route add default via 10.77.0.254
n2 ip route add default via 10.78.0.254
n3 ip route add default via 10.79.0.254
ok "the router joins the three ends" wait_for 5 sh -c \
	"nsenter --net=/run/netns/$NS1 ping -c 1 -W 1 10.78.0.2 &&
	 nsenter --net=/run/netns/$NS1 ping -c 1 -W 1 10.79.0.2"

genkey KA
genkey KB
genkey KG
echo "$KG" >"$TMP/kg"
cat >"$TMP/a.conf" <<EOC
[Interface]
PrivateKey = $KA
ListenPort = 51820
Address = 192.168.5.1/24

[Peer]
PublicKey = $KB_pub
Endpoint = 10.78.0.2:51821
AllowedIPs = 192.168.5.2/32

[Peer]
PublicKey = $KG_pub
Endpoint = 10.79.0.2:51830
AllowedIPs = 192.168.5.3/32
EOC
wg_conf "$TMP/b.conf" "$KB" 51821 192.168.5.2/24 "$KA_pub" 10.77.0.1:51820 \
	192.168.5.1/32
ok "wg-xdp A up" wgxdp_up 1 $A "$TMP/a.conf"
ok "wg-xdp B up" wgxdp_up 2 $B "$TMP/b.conf"
ok "wireguard-go G up" wggo_up 3 $G
n3 wg set $G listen-port 51830 private-key "$TMP/kg" peer "$KA_pub" \
	endpoint 10.77.0.1:51820 allowed-ips 192.168.5.1/32
n3 ip addr add 192.168.5.3/24 dev $G
n3 ip link set $G up mtu 1420
ok "A reaches B through the tunnel" wait_for 10 n1 ping -c 1 -W 1 192.168.5.2
ok "A reaches G through the tunnel" wait_for 10 n1 ping -c 1 -W 1 192.168.5.3
ok "B reaches A through the tunnel" wait_for 10 n2 ping -c 1 -W 1 192.168.5.1
say "data paths: A $(xdp_path $A), B $(xdp_path $B)"
PID_A=$(wgxdp_pids 1)
PID_B=$(wgxdp_pids 2)
PID_G=$(wggo_pids 3 $G)
ok "one daemon each" sh -c "[ $(echo $PID_A $PID_B $PID_G | wc -w) = 3 ]"

HAVE_NFT=
if command -v nft >/dev/null 2>&1 &&
	nr nft add table ip soak 2>/dev/null &&
	nr nft add chain ip soak drops '{ type filter hook forward priority 0; policy accept; }'; then
	HAVE_NFT=1
else
	say "note: no nft (or no nf_tables): the packet-loss fault is skipped"
fi

# ------------------------------------------------------------------ probes
# stats PID: "RSS_KB FDS CPU_TICKS" of a process.
stats() {
	_rss=$(awk '/^VmRSS:/ { print $2 }' /proc/$1/status 2>/dev/null)
	_fds=$(ls /proc/$1/fd 2>/dev/null | wc -l)
	_cpu=$(sed 's/.*) //' /proc/$1/stat 2>/dev/null | awk '{ print $12 + $13 }')
	echo "${_rss:-0} $_fds ${_cpu:-0}"
}
HZ=$(getconf CLK_TCK)

# handshakes: one poll of every tunnel's latest handshake; a new non-zero
# time is one handshake more for that tunnel (files $TMP/hs.NAME).
handshakes() {
	for _v in "1 $A $KB_pub ab" "1 $A $KG_pub ag" "2 $B $KA_pub ba"; do
		set -- $_v
		_t=$(n$1 wg show $2 latest-handshakes 2>/dev/null |
			awk -v k="$3" '$1 == k { print $2 }')
		[ -n "$_t" ] && [ "$_t" != 0 ] || continue
		[ "$_t" = "$(cat "$TMP/hs.$4.last" 2>/dev/null)" ] && continue
		echo "$_t" >"$TMP/hs.$4.last"
		echo "$_t" >>"$TMP/hs.$4"
	done
}

# rcvbuf: one sample "TIME COUNT" of the UDP receive-buffer drops in B's
# namespace (where the iperf3 server is), to $TMP/rcvbuf.
rcvbuf() {
	echo "$(now) $(n2 awk '/^Udp:/ { if (!h) { split($0, n); h = 1; next }
		for (k = 2; k <= NF; k++) if (n[k] == "RcvbufErrors") print $k }' /proc/net/snmp)" \
		>>"$TMP/rcvbuf"
}

# A pool of dummy peers: public keys only (they never talk).
i=0
while [ $i -lt 8 ]; do
	head -c 32 /dev/urandom | base64 >"$TMP/dummy.$i"
	i=$((i + 1))
done

# churn STEP: one configuration change on each daemon (see the top).
churn() {
	_s=$(($1 % 8))
	_old=$((($1 + 4) % 8))
	_k=$(cat "$TMP/dummy.$_s")
	_o=$(cat "$TMP/dummy.$_old")
	_x=$(($1 % 250))
	{
		n1 wg set $A peer "$_k" endpoint 10.78.0.2:$((40000 + _s)) \
			allowed-ips 10.200.$_s.0/24,fd00:200:$_s::/64,10.202.$_x.$_s/32 &&
		n1 wg set $A peer "$_o" remove &&
		n2 wg set $B peer "$_k" allowed-ips 10.210.$_s.0/24,10.212.$_x.$_s/32 &&
		n2 wg set $B peer "$_o" remove &&
		n1 "$WGXDP" set $A wgpeer "$KB_pub" wgaip 10.201.$_x.0/24 &&
		n1 "$WGXDP" set $A wgpeer "$KB_pub" -wgaip 10.201.$((($1 + 246) % 250)).0/24
	} >>"$TMP/churn.log" 2>&1 || echo "$1" >>"$TMP/churn.failed"
}

# window KIND START END: a span whose losses do not count (padded).
window() {
	echo "$1 $2 $3" | awk -v r="$RECOVER_S" '{ printf "%s %.3f %.3f\n", $1, $2 - 0.2, $3 + r }' \
		>>"$TMP/windows"
}

flap() {
	_t0=$(now)
	nr ip link set vrb$ID down
	sleep 2
	nr ip link set vrb$ID up
	window flap "$_t0" "$(now)"
}

lossy() {
	_t0=$(now)
	nr nft add rule ip soak drops meta l4proto udp numgen random mod 100 lt 30 drop
	sleep 5
	nr nft flush chain ip soak drops
	window loss "$_t0" "$(now)"
}

roam() {
	_t0=$(now)
	n2 wg set $B listen-port $((51821 + $1 % 8))
	window roam "$_t0" "$(now)"
}

# ------------------------------------------------------------------ run
: >"$TMP/windows"
n2 iperf3 -s -1 -B 192.168.5.2 -i 1 --timestamps='%s ' --forceflush \
	--logfile "$TMP/iperf.log" >/dev/null 2>&1 &
IPERF_S=$!
wait_for 5 sh -c "nsenter --net=/run/netns/$NS2 ss -ltn | grep -q 192.168.5.2:5201"
rcvbuf
T0=$(now)
for p in "1 192.168.5.2 ab" "2 192.168.5.1 ba" "1 192.168.5.3 ag"; do
	set -- $p
	eval "_ns=\$NS$1"
	nsenter --net=/run/netns/$_ns ping -D -i $PING_I -W 1 $2 \
		>"$TMP/ping.$3" 2>&1 &
	echo $! >"$TMP/ping.$3.pid"
done
# -w: a receive buffer of 4 MiB (as far as net.core.rmem_max allows), or a
# receiver descheduled for some 50 ms on a busy machine drops datagrams at
# its socket, which is no loss of the tunnel's (see rcvbuf).
n1 iperf3 -c 192.168.5.2 -u -b $RATE -l 1200 ${SOAK_IPERF_W--w 4M} -t $((SECS + WARMUP_S)) \
	--logfile "$TMP/iperf-client.log" >/dev/null 2>&1 &
IPERF_C=$!
say "running for $MIN min after ${WARMUP_S}s of warm-up: ping every ${PING_I}s x3, iperf3 UDP $RATE"

start=$(date +%s)
step=0
roams=0
faults=0
turn=0
next_churn=$start
next_roam=$((start + WARMUP_S + ROAM_S))
next_fault=$((start + WARMUP_S + FAULT_S / 2))
measured=
end=$((start + WARMUP_S + SECS))
while :; do
	t=$(date +%s)
	[ "$t" -ge "$end" ] && break
	handshakes
	rcvbuf
	if [ -z "$measured" ] && [ "$t" -ge $((start + WARMUP_S)) ]; then
		S_A=$(stats $PID_A)
		S_B=$(stats $PID_B)
		S_G=$(stats $PID_G)
		measured=1
		say "start: A rss/fds/cpu-ticks $S_A, B $S_B, G $S_G"
	fi
	if [ "$t" -ge "$next_churn" ]; then
		churn $step
		step=$((step + 1))
		next_churn=$((t + CHURN_S))
	fi
	if [ "$t" -ge "$next_roam" ]; then
		roams=$((roams + 1))
		roam $roams
		next_roam=$((t + ROAM_S))
	fi
	if [ "$t" -ge "$next_fault" ]; then
		turn=$((turn + 1))
		if [ $((turn % 2)) = 1 ]; then
			flap
			faults=$((faults + 1))
		elif [ -n "$HAVE_NFT" ]; then
			lossy
			faults=$((faults + 1))
		fi
		next_fault=$((t + FAULT_S))
	fi
	sleep 1
done
T1=$(now)
handshakes
rcvbuf
sleep 1
E_A=$(stats $PID_A)
E_B=$(stats $PID_B)
E_G=$(stats $PID_G)
say "end:   A rss/fds/cpu-ticks $E_A, B $E_B, G $E_G"
for p in ab ba ag; do
	kill -INT "$(cat "$TMP/ping.$p.pid")" 2>/dev/null
done
wait $IPERF_C 2>/dev/null
wait $IPERF_S 2>/dev/null
rcvbuf
for p in ab ba ag; do
	wait "$(cat "$TMP/ping.$p.pid")" 2>/dev/null
done

# The daemons' non-zero drop and error counters, for whoever reads a failure.
for d in "1 $A" "2 $B"; do
	set -- $d
	say "$2 counters: $(printf 'wgxdp=1\n\n' | uapi $2 |
		awk '/^(counter|stat)=/ && $2 != 0 && /drop|err|full|invalid|fail/ { sub(/^[a-z]*=/, "", $1); printf "%s %s, ", $1, $2 }')"
	for dev in $2 $(eval echo \$VETH$1); do
		say "$dev: $(n$1 ip -s link show $dev | awk '/RX:/ { getline; printf "rx dropped %s, ", $4 } /TX:/ { getline; printf "tx dropped %s", $4 }')"
	done
done

# Drops outside the daemons: the routed links, the receiver's UDP socket.
for dev in vra$ID vrb$ID vrc$ID; do
	say "router $dev: $(nr ip -s link show $dev | awk '/TX:/ { getline; printf "tx dropped %s", $4 }')"
done
say "B's namespace, UDP: $(n2 awk '/^Udp:/ { if (!h) { split($0, n); h = 1; next } split($0, v); for (k = 2; k <= NF; k++) if (n[k] ~ /Errors$/ && v[k] != 0) printf "%s %s, ", n[k], v[k] }' /proc/net/snmp)(rmem_max $(cat /proc/sys/net/core/rmem_max))"

# ------------------------------------------------------------------ verdict
# lost LOG STOP: "LOST_OUTSIDE LOST_INSIDE SENT" of a ping log, a request's
# send time being its reply's time less its round trip (for a missing one:
# between its neighbours'); requests sent in the last second before STOP
# may still be on their way and do not count.
lost() {
	awk -v stop="$2" -v iv="$PING_I" '
	FILENAME == wfile { ws[++nw] = $2; we[nw] = $3; next }
	/icmp_seq=.*time=/ {
		ts = $1; gsub(/[][]/, "", ts)
		s = $0; sub(/.*icmp_seq=/, "", s); sub(/[^0-9].*/, "", s)
		r = $0; sub(/.*time=/, "", r); sub(/ .*/, "", r)
		# icmp_seq is 16 bits: past 65535 it starts again at 0 (a run
		# of more than 11 min at 0.01 s), so unwrap it against the
		# highest seen.
		s += wrap
		if (s < hi - 32768) { wrap += 65536; s += 65536 }
		if (s > hi) hi = s
		if (!(s in at)) at[s] = ts - r / 1000
		next
	}
	/packets transmitted/ { sent = $1 }
	function inside(x,   k) {
		for (k = 1; k <= nw; k++) if (x >= ws[k] && x <= we[k]) return 1
		return 0
	}
	END {
		prev = 0; pt = 0
		for (i = 1; i <= sent; i++) {
			if (i in at) {
				for (j = prev + 1; j < i; j++) {
					x = pt ? pt + (at[i] - pt) * (j - prev) / (i - prev) : at[i]
					if (x > stop - 1) continue
					if (inside(x)) lin++; else lout++
				}
				prev = i; pt = at[i]
			}
		}
		for (j = prev + 1; j <= sent; j++) {
			x = pt + (j - prev) * iv
			if (x > stop - 1) continue
			if (inside(x)) lin++; else lout++
		}
		printf "%d %d %d\n", lout, lin, sent
	}' wfile="$TMP/windows" "$TMP/windows" "$1"
}

# iperf_lost: "LOST_OUTSIDE LOST_INSIDE TOTAL LOST_AT_SOCKET" from the
# server's one-second intervals (timestamped, to the second, at their end).
# An interval that touches a window counts inside; one in which the
# receiver's socket dropped datagrams (the rcvbuf samples around it grew)
# counts as the socket's.
iperf_lost() {
	awk '
	FILENAME == wfile { ws[++nw] = $2; we[nw] = $3; next }
	FILENAME == rfile { rt[++nr] = $1; rc[nr] = $2; next }
	/ sec .*\/[0-9]+ \(/ {
		split($4, iv, "-")
		if (iv[2] - iv[1] > 1.5) next
		n = split($0, f, " ")
		for (k = 1; k <= n; k++) if (f[k] ~ /^[0-9]+\/[0-9]+$/) { split(f[k], lt, "/"); break }
		e = $1 + 1; b = e - (iv[2] - iv[1]) - 2
		touch = 0
		for (k = 1; k <= nw; k++) if (b <= we[k] && e >= ws[k]) touch = 1
		lo = rc[1]; hi = rc[nr]
		for (k = 1; k <= nr; k++) {
			if (rt[k] <= b) lo = rc[k]
			if (rt[k] >= e) { hi = rc[k]; break }
		}
		if (touch) lin += lt[1]
		else if (hi > lo) lsock += lt[1]
		else lout += lt[1]
		tot += lt[2]
	}
	END { printf "%d %d %d %d\n", lout, lin, tot, lsock }' \
		wfile="$TMP/windows" "$TMP/windows" rfile="$TMP/rcvbuf" "$TMP/rcvbuf" \
		"$TMP/iperf.log"
}

delta() { echo "$1 $2" | awk '{ print $2 - $1 }'; }
field() { echo "$1" | cut -d' ' -f$2; }

for d in A B G; do
	eval "s=\$S_$d e=\$E_$d"
	say "$d: RSS $(field "$s" 1) -> $(field "$e" 1) kB, fds $(field "$s" 2) -> $(field "$e" 2), CPU $(echo "$s $e $HZ" | awk '{ printf "%.1f -> %.1f s", $3 / $7, $6 / $7 }')"
done
for d in A B; do
	eval "s=\$S_$d e=\$E_$d"
	ok "$d's RSS grew by at most $RSS_KB kB" \
		sh -c "[ $(delta $(field "$s" 1) $(field "$e" 1)) -le $RSS_KB ] || { echo grew by $(delta $(field "$s" 1) $(field "$e" 1)) kB; exit 1; }"
	ok "$d's fd count did not grow" \
		sh -c "[ $(field "$e" 2) -le $(field "$s" 2) ] || { echo $(field "$s" 2) -> $(field "$e" 2); exit 1; }"
done
ok "G's fd count did not grow" sh -c "[ $(field "$E_G" 2) -le $(field "$S_G" 2) ]"

n=$(wc -l <"$TMP/windows")
say "$step churn steps, $roams roams, $faults faults ($n windows, $(awk '{ s += $3 - $2 } END { printf "%.0f", s }' "$TMP/windows") s in all)"
for p in ab ba ag; do
	set -- $(lost "$TMP/ping.$p" "$(echo "$T1" | cut -d. -f1)")
	say "ping $p: $3 sent, $2 lost inside the windows, $1 outside"
	ok "ping $p lost nothing outside the windows" sh -c "[ $1 = 0 ]"
done
set -- $(iperf_lost)
say "iperf3 UDP A->B: $3 datagrams, $2 lost in intervals touching a window, $4 in intervals where the receiver's socket dropped $(($(tail -1 "$TMP/rcvbuf" | cut -d' ' -f2) - $(head -1 "$TMP/rcvbuf" | cut -d' ' -f2))) in all, $1 in the others"
ok "iperf3 lost nothing outside the windows" sh -c "[ $1 = 0 ] && [ $3 -gt 0 ]"

want=$(((SECS + WARMUP_S) / 120 - 1))
[ $want -lt 0 ] && want=0
for h in ab ag ba; do
	c=$(wc -l <"$TMP/hs.$h" 2>/dev/null || echo 0)
	say "handshakes $h: $c"
	ok "handshakes $h: at least $want rekeys" sh -c "[ $c -ge $((want + 1)) ]"
done
ok "the daemons are the ones that started" sh -c \
	"[ '$(wgxdp_pids 1) $(wgxdp_pids 2) $(wggo_pids 3 $G)' = '$PID_A $PID_B $PID_G' ]"
ok "every churn step was applied" test ! -s "$TMP/churn.failed"
for i in 0 1 2 3 4 5 6 7; do
	n1 wg set $A peer "$(cat "$TMP/dummy.$i")" remove
	n2 wg set $B peer "$(cat "$TMP/dummy.$i")" remove
done
for i in 1 2 3 4; do
	[ $((step - i)) -ge 0 ] &&
		n1 "$WGXDP" set $A wgpeer "$KB_pub" -wgaip 10.201.$(((step - i) % 250)).0/24
done
ok "churn left only A's live peers" eq "$(n1 wg show $A peers | wc -l)" 2
ok "churn left only B's live peer" eq "$(n2 wg show $B peers | wc -l)" 1
ok "A's live peer has its own prefix and no other" \
	eq "$(n1 wg show $A allowed-ips | awk -v k="$KB_pub" '$1 == k { $1 = ""; print }' | tr -d ' ')" \
	"192.168.5.2/32"
ok "the tunnel to B works at the end" n1 ping -c 3 -i 0.2 -W 2 192.168.5.2
ok "the tunnel to G works at the end" n1 ping -c 3 -i 0.2 -W 2 192.168.5.3
e2e_summary

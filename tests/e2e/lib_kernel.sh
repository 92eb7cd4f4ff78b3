#!/bin/sh
# Helpers for tests against the kernel's own WireGuard (wireguard.ko). Source
# after lib.sh. Every name starts with kwg_ so that nothing here collides with
# helpers lib.sh grows.

# kwg_available: the wireguard module is loaded or loads; prints the reason
# when it is not.
kwg_available() {
	[ -d /sys/module/wireguard ] && return 0
	if ! out=$(modprobe wireguard 2>&1); then
		echo "no wireguard kernel module on $(uname -r) (${out:-modprobe failed})"
		return 1
	fi
	[ -d /sys/module/wireguard ] && return 0
	echo "modprobe wireguard succeeded but /sys/module/wireguard is absent"
	return 1
}

# kwg_genkey VAR: a fresh private key in $VAR, its public half in ${VAR}_pub.
kwg_genkey() {
	_k=$(wg genkey)
	eval "$1=\$_k"
	eval "${1}_pub=\$(echo \"\$_k\" | wg pubkey)"
}

# kwg_handshake N IFNAME: the latest handshake (Unix seconds, 0 for none) of
# the only peer of IFNAME in namespace N, read with the stock wg.
kwg_handshake() {
	n$1 wg show "$2" latest-handshakes | awk 'NR == 1 { print $2 } END {
		if (NR == 0) print 0 }'
}

# kwg_newer N IFNAME T: IFNAME's latest handshake in namespace N is after T.
kwg_newer() {
	_h=$(kwg_handshake $1 "$2")
	[ -n "$_h" ] && [ "$_h" -gt "$3" ]
}

# kwg_serve N DIR PORT: a static web server for DIR in namespace N, started
# in the background (build/tools/www; kwg_listening before the first fetch).
kwg_serve() {
	n$1 "$TOOLS/www" "$2" "$3" >/dev/null 2>&1 &
}

# kwg_listening N PORT: something listens on TCP PORT in namespace N.
kwg_listening() {
	n$1 ss -ltn | grep -q ":$2 "
}

# kwg_fetch N URL FILE SUM: download URL in namespace N into FILE; its sha256
# must be SUM.
kwg_fetch() {
	rm -f "$3"
	# (60 s without a byte fails, as a socket timeout would: not a bound
	# on the whole transfer, which a TCG guest makes slow.)
	n$1 curl -sSgf --connect-timeout 60 --speed-limit 1 --speed-time 60 \
		-o "$3" "$2" || return 1
	got=$(sha256sum <"$3")
	[ "$got" = "$4" ] || { echo "sha256 $got, wanted $4"; return 1; }
}

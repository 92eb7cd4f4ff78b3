#!/bin/sh
# Helpers for the tests of the stock tools (wg, wg-quick) against wg-xdp and
# of the control socket. Source after lib.sh.

# wireguard-go refuses to run next to a kernel module unless told.
export WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1
SOCKDIR=/var/run/wireguard

# wggo NS NAME: start wireguard-go for NAME in namespace NS (it daemonises).
wggo() {
	nsenter --net=/run/netns/$1 wireguard-go "$2" >"$TMP/wggo-$2.log" 2>&1
}

# same EXPECTED COMMAND...: COMMAND succeeds and prints exactly EXPECTED.
same() {
	want=$1
	shift
	got=$("$@" 2>&1) || { echo "exit $?: $got"; return 1; }
	[ "$got" = "$want" ] && return 0
	printf 'want: %s\ngot:  %s\n' "$want" "$got"
	return 1
}

# has TEXT COMMAND...: COMMAND succeeds and its output contains TEXT.
has() {
	text=$1
	shift
	got=$("$@" 2>&1) || { echo "exit $?: $got"; return 1; }
	case "$got" in
	*"$text"*) return 0 ;;
	esac
	printf 'lacks: %s\ngot:   %s\n' "$text" "$got"
	return 1
}

# fails COMMAND...: COMMAND exits non-zero.
fails() { ! "$@"; }

# files_eq A B: byte-identical files (the diff is shown otherwise).
files_eq() { diff -u "$1" "$2"; }

# uapi_files NAME FILE [NAME FILE ...]: send stdin as is to each NAME's
# control socket in turn and write its reply to FILE (read until the blank
# line that ends a reply, EOF, or 3 s without progress: build/tools/uapi). A
# daemon that answers and hangs up before reading the whole request still
# has its answer read. FILE "-" is standard output (a guest's /dev/stdout
# may be the console, not our fd 1). Fails when any exchange failed; every
# one is made, and what came back is written all the same.
uapi_files() {
	if [ $# -eq 2 ]; then
		_uapi_one "$1" "$2"
		return
	fi
	_uf_req=$(mktemp "$TMP/uapi.XXXXXX") || return 1
	cat >"$_uf_req"
	_uf_rc=0
	while [ $# -ge 2 ]; do
		_uapi_one "$1" "$2" <"$_uf_req" || _uf_rc=1
		shift 2
	done
	rm -f "$_uf_req"
	return $_uf_rc
}
_uapi_one() {
	if [ "$2" = - ]; then
		"$TOOLS/uapi" "$SOCKDIR/$1.sock"
	else
		"$TOOLS/uapi" "$SOCKDIR/$1.sock" >"$2"
	fi
}

# uapi NAME: send stdin as is to NAME's control socket, print the reply.
uapi() { uapi_files "$1" -; }

# xdpstat NAME KEY: a number from the "wgxdp=1" report, e.g.
# "stat=redirect_data" (packets) or "counter=udp_rx".
xdpstat() {
	printf 'wgxdp=1\n\n' | uapi "$1" |
		awk -v k="$2" 'index($0, k " ") == 1 { print $2; f = 1 } END { if (!f) print 0 }'
}

# conf_norm FILE: a wg config with peers sorted by key, each peer's
# AllowedIPs sorted, blank lines and comments dropped: the form in which
# two configurations with the same meaning are byte-identical.
conf_norm() {
	# Each line tagged with its section's sort key (the interface first,
	# all its sections as one; then peers by public key, in file order
	# among equal keys), the section's number (0 the interface) and a class
	# (0 the header, 1 a key, 2 one allowed IP); sorted in C order; each
	# section's allowed IPs joined again.
	awk '
	function trim(s) {
		gsub(/^[[:space:]]+|[[:space:]]+$/, "", s)
		return s
	}
	function flush(   i) {
		for (i = 1; i <= nl; i++)
			print (sec ? "1" pub : "0") "\t" sec "\t" line[i]
		nl = 0
	}
	function add(s) { line[++nl] = s }
	{ sub(/#.*/, ""); $0 = trim($0) }
	$0 == "" { next }
	$0 == "[Interface]" || $0 == "[Peer]" {
		flush()
		sec = $0 == "[Peer]" ? ++npeer : 0
		pub = ""
		if (sec || !iface++)
			add("0\t" $0)
		next
	}
	{
		i = index($0, "=")
		k = trim(substr($0, 1, i - 1))
		v = trim(substr($0, i + 1))
		if (k == "PublicKey")
			pub = v
		if (k != "AllowedIPs") {
			add("1\t" k " = " v)
			next
		}
		n = split(v, a, ",")
		for (j = 1; j <= n; j++)
			if ((a[j] = trim(a[j])) != "")
				add("2\t" a[j])
	}
	END {
		flush()
		if (!iface)
			print "0\t0\t0\t[Interface]"
	}' "$1" | LC_ALL=C sort -t '	' -k1,1 -k2,2n -k3,3n -k4 | awk '
	function aips() {
		if (list != "")
			print "AllowedIPs = " list
		list = ""
	}
	{
		split($0, f, "\t")
		t = $0
		for (i = 0; i < 3; i++)
			t = substr(t, index(t, "\t") + 1)
	}
	f[2] "" != sec "" { aips(); sec = f[2] }
	f[3] == 2 { list = list (list == "" ? "" : ",") t; next }
	{ print t }
	END { aips() }'
}

# genkeys PREFIX...: for each PREFIX, $TMP/PREFIX.key and $TMP/PREFIX.pub.
genkeys() {
	umask 077
	for k in "$@"; do
		wg genkey >"$TMP/$k.key"
		wg pubkey <"$TMP/$k.key" >"$TMP/$k.pub"
	done
}

# ms: milliseconds since the epoch, for timings.
ms() { date +%s%3N; }

# --- wg-quick files in /etc/wireguard and the usual far end -------------------

# etc_conf NAME: ETC_FILE=/etc/wireguard/NAME.conf (NAME carries $ID), with
# /etc/wireguard made if it is missing; `trap etc_cleanup EXIT` removes the
# file (and a save's .tmp), the directory when etc_conf made it, then runs
# e2e_cleanup.
etc_conf() {
	ETC_FILE=/etc/wireguard/$1.conf
	if [ -d /etc/wireguard ]; then
		_made_etc=0
	else
		_made_etc=1
		mkdir -p /etc/wireguard
	fi
}
etc_cleanup() {
	[ -n "${ETC_FILE:-}" ] && rm -f "$ETC_FILE" "$ETC_FILE.tmp"
	[ "${_made_etc:-0}" = 1 ] && rmdir /etc/wireguard 2>/dev/null
	e2e_cleanup
}

# wggo_server NAME: wireguard-go NAME in $NS2 on port 51821 with key
# $TMP/b.key and 192.168.5.2/24, whose one peer ($TMP/c.pub) is allowed
# 192.168.5.1/32: the far end of most tests of wg-xdp up.
wggo_server() {
	ok "wireguard-go starts" wggo $NS2 $1
	n2 wg set $1 private-key $TMP/b.key listen-port 51821 \
		peer "$(cat $TMP/c.pub)" allowed-ips 192.168.5.1/32
	n2 ip addr add 192.168.5.2/24 dev $1
	n2 ip link set $1 up
}

# client_conf FILE: the near end's wg-quick file for wggo_server, mode 0600.
client_conf() {
	(umask 077 && wg_conf "$1" "$(cat $TMP/c.key)" 0 192.168.5.1/24 \
		"$(cat $TMP/b.pub)" 10.77.0.2:51821 192.168.5.2/32)
}

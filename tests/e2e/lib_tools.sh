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
# line that ends a reply, EOF, or 3 s of silence). One Python start for all:
# in a VM a start costs about a second. A daemon that answers and hangs up
# before reading the whole request still has its answer read. FILE "-" is
# standard output (a guest's /dev/stdout may be the console, not our fd 1).
uapi_files() {
	python3 -c '
import socket, sys
req = sys.stdin.buffer.read()
args = sys.argv[2:]
for name, dest in zip(args[0::2], args[1::2]):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(3)
    s.connect(sys.argv[1] + "/" + name + ".sock")
    try:
        s.sendall(req)
    except (BrokenPipeError, ConnectionResetError):
        pass
    out = b""
    while not out.endswith(b"\n\n"):
        try:
            d = s.recv(65536)
        except (socket.timeout, ConnectionResetError):
            break
        if not d:
            break
        out += d
    s.close()
    if dest == "-":
        sys.stdout.buffer.write(out)
        sys.stdout.flush()
    else:
        with open(dest, "wb") as f:
            f.write(out)' "$SOCKDIR" "$@"
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
	python3 -c '
import sys
iface, peers, cur = [], {}, None
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if not line:
        continue
    if line == "[Interface]":
        cur = iface
        continue
    if line == "[Peer]":
        cur = []
        peers.setdefault(id(cur), cur)
        continue
    k, v = [x.strip() for x in line.split("=", 1)]
    if k == "AllowedIPs":
        v = ",".join(sorted(x.strip() for x in v.split(",") if x.strip()))
    cur.append((k, v))
def key(p):
    return dict(p).get("PublicKey", "")
def emit(name, kv):
    print(name)
    aips = [v for k, v in kv if k == "AllowedIPs"]
    for k, v in sorted(x for x in kv if x[0] != "AllowedIPs"):
        print("%s = %s" % (k, v))
    if aips:
        print("AllowedIPs = " + ",".join(sorted(",".join(aips).split(","))))
emit("[Interface]", iface)
for p in sorted(peers.values(), key=key):
    emit("[Peer]", p)
' "$1"
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

#!/bin/sh
# The package tier (make check-deb): `make deb` in a scratch build
# directory, `apt-get install ./wg-xdp_*.deb`, `wg-xdp up` from the
# installed /usr/bin against wireguard-go, `apt-get purge`. On every exit
# the package is purged again (if this test installed it) and the
# /etc/wireguard file removed; the source tree is left as it was.
#
#   +--------------------------------+        +---------------------------+
#   | netns $NS1                     |  veth  | netns $NS2                |
#   |  $VETH1 10.77.0.1/24           |--------|  $VETH2 10.77.0.2/24      |
#   |  $C: /usr/bin/wg-xdp up $C     |        |  $B wireguard-go          |
#   |      (/etc/wireguard/$C.conf)  |        |     192.168.5.2/24        |
#   +--------------------------------+        +---------------------------+
export WGXDP=/usr/bin/wg-xdp
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/../e2e/lib_tools.sh"
e2e_trap
set -u

C=deb$ID
B=debb$ID
installed() { dpkg-query -W -f='${Status}' wg-xdp 2>/dev/null | grep -q 'install ok installed'; }
ours=0
cleanup() {
	[ $ours = 1 ] && installed &&
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq wg-xdp >/dev/null 2>&1
	etc_cleanup
}
trap cleanup EXIT

if installed; then
	echo "test_deb: FAIL: the wg-xdp package is installed already; this test"
	echo "test_deb: installs and purges its own build, so remove it first"
	echo "test_deb: 0 passed, 1 failed"
	exit 1
fi

# What a package build could leave behind: changes to the checkout, and
# dpkg-buildpackage's outputs in the directory above it (where it writes
# them by default). Only those names: the directory above may be /tmp,
# where anything else comes and goes.
tree() {
	git -C "$ROOT" status --porcelain 2>/dev/null
	ls -a "$ROOT"/.. | grep -E '^wg-xdp[_-]' || true
}
tree >$TMP/tree.before
ok "make deb" make -C "$ROOT" --no-print-directory deb BUILD=$TMP/build
DEB=$(ls $TMP/build/wg-xdp_*_*.deb 2>/dev/null | head -1)
ok "the package is named wg-xdp_VERSION_ARCH.deb" sh -c \
	"echo '$DEB' | grep -Eq '/wg-xdp_[0-9][^_]*_$(dpkg --print-architecture)\.deb$'"
tree >$TMP/tree.after
ok "the source tree is not disturbed" files_eq $TMP/tree.before $TMP/tree.after
dpkg -c "$DEB" >$TMP/contents
for f in ./usr/bin/wg-xdp ./usr/share/man/man8/wg-xdp.8.gz \
	./lib/systemd/system/wg-xdp@.service ./lib/systemd/system/wg-xdp.target \
	./usr/share/doc/wg-xdp/README.md.gz ./usr/share/doc/wg-xdp/copyright; do
	ok "the package has $f" grep -q " $f\$" $TMP/contents
done
ok "dependencies declared" sh -c "dpkg -I '$DEB' | grep -q '^ Depends: .*libsodium.*' &&
	dpkg -I '$DEB' | grep -q '^ Recommends: wireguard-tools'"

ours=1
ok "apt-get install ./wg-xdp_*.deb" sh -c \
	"[ -f '$DEB' ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq '$DEB' >$TMP/apt.log 2>&1"
ok "installed" installed
mkdir -p $TMP/units
cp /lib/systemd/system/wg-xdp@.service "$TMP/units/wg-xdp@$C.service" 2>/dev/null
ok "the installed unit verifies" same "" \
	systemd-analyze verify --man=no "$TMP/units/wg-xdp@$C.service"
ok "the installed unit runs the installed binary" \
	grep -qx "ExecStart=/usr/bin/wg-xdp up %i --foreground" \
	/lib/systemd/system/wg-xdp@.service
ok "man page installed" test -s /usr/share/man/man8/wg-xdp.8.gz

e2e_setup_pair
genkeys c b
wggo_server $B
etc_conf $C
client_conf "$ETC_FILE"
ok "/usr/bin/wg-xdp up NAME" sh -c \
	"WG_XDP_LOG=$TMP/$C.log nsenter --net=/run/netns/$NS1 /usr/bin/wg-xdp up $C"
ok "ping through the installed wg-xdp" n1 ping -c 2 -W 2 192.168.5.2
ok "wg show talks to it" has "latest handshake" n1 wg show $C
ok "/usr/bin/wg-xdp down NAME" n1 /usr/bin/wg-xdp down $C
ok "down: device gone" wait_for 5 not n1 ip link show $C

ok "apt-get purge" sh -c \
	"DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq wg-xdp >>$TMP/apt.log 2>&1"
ok "not installed any more" not installed
ours=0
for f in /usr/bin/wg-xdp /lib/systemd/system/wg-xdp@.service \
	/lib/systemd/system/wg-xdp.target /usr/share/doc/wg-xdp; do
	ok "purge removed $f" test ! -e $f
done

e2e_summary

#!/bin/sh
# Installs what wg-xdp needs, on Debian or Ubuntu, by need:
#
#   sh scripts/deps.sh build   compilers, the BPF toolchain, the libraries
#   sh scripts/deps.sh demo    build + what `make demo` runs (ip, ping, wg)
#   sh scripts/deps.sh check   everything `make check` runs (the default):
#                              the real peers, traffic tools, nft/iptables
#                              for the full tunnel, the Debian packaging
#                              tools, qemu, the VM tier's kernels, virtme-ng
#
# Idempotent and quiet when everything is already there.
set -eu
need=${1:-check}
case $need in
build | demo | check) ;;
*)
	echo "usage: sh scripts/deps.sh [build|demo|check]" >&2
	exit 2
	;;
esac

# Build: compilers, BPF toolchain and the libraries the daemon links.
build="gcc make pkg-config clang llvm lld bpftool libbpf-dev libxdp-dev liburcu-dev
libelf-dev zlib1g-dev libsodium-dev libb2-dev libmnl-dev libcmocka-dev libssl-dev
libclang-rt-14-dev"
# The demo: namespaces, ping, and the stock wg it shows.
demo="iproute2 iputils-ping util-linux coreutils procps wireguard-tools"
# Tests: the real peers and traffic tools, nft and iptables (a full tunnel's
# firewall rules, and its fallback), setpriv (the unit's capabilities),
# systemd-analyze, the Debian packaging tools (make deb, the package tier),
# jq (bpftool's and iperf3's JSON), the VM runner's needs (qemu, and pip
# for virtme-ng: the only Python anywhere, never the tests').
test="psmisc kmod wireguard-go iperf3 tcpdump xdp-tools python3-pip
curl openssl jq nftables iptables systemd debhelper dpkg-dev fakeroot
traceroute ncat ethtool golang-go
qemu-system-x86 busybox-static"

case $need in
build) want=$build ;;
demo) want="$build $demo" ;;
check) want="$build $demo $test" ;;
esac

missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	[ "$(id -u)" = 0 ] || { echo "deps: need root to install:$missing" >&2; exit 1; }
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
[ "$need" = check ] || exit 0

# The VM tier (make check-vm): Debian's 6.1 LTS kernel (linux-image-amd64 on
# Debian 12) and the plain 6.12 one, booted by virtme-ng with their modules
# from the host's /lib/modules. Elsewhere (Ubuntu) these names do not exist:
# say so and go on, the VM tier then fails naming what is missing.
kernels=""
for p in linux-image-amd64 linux-image-6.12-amd64; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		kernels="$kernels $p"
done
if [ -n "$kernels" ]; then
	[ "$(id -u)" = 0 ] || { echo "deps: need root to install:$kernels" >&2; exit 1; }
	echo "deps: installing$kernels"
	export DEBIAN_FRONTEND=noninteractive
	[ -n "$missing" ] || apt-get update -qq
	apt-get install -y -qq --no-install-recommends $kernels >/dev/null ||
		echo "deps: could not install$kernels (not Debian 12?); check-vm needs them" >&2
fi

# virtme-ng from PyPI, with whichever pip is first on PATH. A Debian-managed
# Python (PEP 668) refuses a plain install: then --break-system-packages.
if ! command -v vng >/dev/null 2>&1; then
	echo "deps: installing virtme-ng"
	pip=$(command -v pip3 || command -v pip) || { echo "deps: no pip" >&2; exit 1; }
	if ! out=$("$pip" install -q virtme-ng 2>&1); then
		if echo "$out" | grep -q externally-managed; then
			"$pip" install -q --break-system-packages virtme-ng
		else
			echo "$out" >&2
			exit 1
		fi
	fi
	# A pyenv Python makes the command visible through a rehash.
	if command -v pyenv >/dev/null 2>&1; then
		pyenv rehash 2>/dev/null || true
	fi
	command -v vng >/dev/null 2>&1 ||
		echo "deps: vng is not on PATH after pip install (look in ~/.local/bin)" >&2
fi

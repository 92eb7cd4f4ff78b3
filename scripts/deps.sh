#!/bin/sh
# Installs what wg-xdp needs to build and to run every test tier, on Debian or
# Ubuntu. Idempotent and quiet when everything is already there.
set -eu

# Build: compilers, BPF toolchain and the libraries the daemon links.
build="gcc make pkg-config clang llvm lld bpftool libbpf-dev libxdp-dev
libelf-dev zlib1g-dev libsodium-dev libb2-dev libmnl-dev libcmocka-dev libssl-dev
libclang-rt-14-dev"
# Tests: namespaces, the real peers and traffic tools, the VM runner's needs.
test="iproute2 iputils-ping procps psmisc util-linux coreutils kmod
wireguard-tools wireguard-go iperf3 tcpdump xdp-tools python3-pip
qemu-system-x86 busybox-static"

missing=""
for p in $build $test; do
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

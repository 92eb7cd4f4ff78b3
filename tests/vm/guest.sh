#!/bin/sh
# Runs inside a virtme-ng guest (started by tests/vm/run.sh): loads the
# modules the Debian kernels build as modules, mounts bpffs, then runs the
# chosen tests/e2e/test_NAME.sh files and prints one "guest: N passed, N
# failed" line for the host to read.
#
#   E2E_TESTS    names (test_NAME.sh) to run, or "all"; set by run.sh

dir=$(cd "$(dirname "$0")/../e2e" && pwd)
. "$dir/lib_run.sh"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export E2E_REQUIRE_KERNEL_WG=1
# The tests' scale knob: fewer seconds, bytes, peers and packets per check
# (every check still runs); see tests/vm/README.
export E2E_QUICK=${E2E_QUICK:-1}

echo "guest: kernel $(uname -r), userspace after $(cut -d' ' -f1 /proc/uptime) s"
for m in veth tun wireguard; do
	if [ -d /sys/module/$m ] || modprobe $m; then
		echo "guest: module $m loaded"
	else
		echo "guest: module $m FAILED to load"
	fi
done
if ! grep -q ' /sys/fs/bpf bpf ' /proc/mounts; then
	mount -t bpf bpf /sys/fs/bpf || echo "guest: bpffs mount failed"
fi
# Two guests run at once over the host's file system, and their tests name
# namespaces, sockets, pins and temporary files by PID, which repeat across
# guests. virtme-ng gives each guest a tmpfs /run (so /var/run/wireguard and
# /run/netns) and /var/log, but /tmp is an overlay on the host's /tmp: make
# each of them a tmpfs of this guest's own unless it already is one, so that
# nothing a test writes or looks for is shared with the host or the other
# guest. bpffs above is the guest kernel's own.
# A checkout below /tmp (as a CI clone may be) keeps the overlay there,
# whose writes are this guest's own anyway: a tmpfs would hide the tree.
# /etc/wireguard too (wireguard-tools makes it on the host): the tests of
# `wg-xdp up NAME` write their files there, and the guest's root is the
# host's, read-only.
for d in /run /tmp /var/log /etc/wireguard; do
	[ -d $d ] || continue
	case $dir/ in "$d"/*) continue ;; esac
	fs=$(awk -v d=$d '$2 == d { t = $3 } END { print t }' /proc/mounts)
	if [ "$fs" != tmpfs ]; then
		mount -t tmpfs -o mode=1777 tmpfs $d ||
			echo "guest: tmpfs on $d failed"
	fi
done
mkdir -p /run/netns /var/run/wireguard /var/log/wg-xdp

tests=${E2E_TESTS:-all}
if [ "$tests" = all ]; then
	tests=$(for t in "$dir"/test_*.sh; do basename "$t" .sh; done |
		sed 's/^test_//')
fi

# kwg_off: wg-quick makes a kernel device whenever `ip link add type
# wireguard` works, and uses WG_QUICK_USERSPACE_IMPLEMENTATION (wg-xdp) only
# when that fails and /sys/module/wireguard does not exist. For
# test_wg_quick: unload the module and stop the kernel from loading it
# again on demand (its usermode modprobe becomes /bin/false). kwg_on undoes
# both. The wireguard devices of earlier tests may take a moment to go with
# their namespaces, so the unload is retried.
kwg_off() {
	saved_modprobe=$(cat /proc/sys/kernel/modprobe)
	echo /bin/false >/proc/sys/kernel/modprobe
	i=0
	while [ -d /sys/module/wireguard ] && [ $i -lt 50 ]; do
		modprobe -r wireguard 2>/dev/null && break
		sleep 0.2
		i=$((i + 1))
	done
	if [ -d /sys/module/wireguard ]; then
		echo "guest: cannot unload wireguard:" \
			"$(cat /sys/module/wireguard/refcnt 2>/dev/null) users"
		return 1
	fi
	echo "guest: wireguard unloaded, autoloading off (for wg-quick)"
}
kwg_on() {
	echo "$saved_modprobe" >/proc/sys/kernel/modprobe
	if modprobe wireguard; then
		echo "guest: wireguard loaded again, autoloading on"
	else
		echo "guest: wireguard FAILED to load again"
	fi
}

passed=0
failed=0

# Before any test: the XDP programs pass this kernel's verifier. Verifiers
# differ between kernels (6.1's tracks fewer ranges than the host's), and a
# refused program sends every test down the UDP path, far from the reason:
# say it here, with the verifier's last words.
obj=$dir/../../build/wg_xdp.bpf.o
pin=/sys/fs/bpf/guest-load-$$
if bpftool -d prog loadall "$obj" "$pin" type xdp >/tmp/verifier.log 2>&1; then
	echo "ok - the XDP programs load on $(uname -r)"
	passed=$((passed + 1))
else
	echo "FAIL - the XDP programs load on $(uname -r):"
	grep -v '^libbpf: *[0-9]*: \|^[0-9]*: \|^; \|^mark_precise\|^regs=\|^parent' \
		/tmp/verifier.log | grep -i -B3 'fail\|error\|invalid\|not allowed' |
		tail -15 | sed 's/^/    /'
	failed=$((failed + 1))
fi
rm -rf "$pin"

for name in $tests; do
	t=$dir/test_$name.sh
	# The VM tier's own tests (test_zerocopy: run.sh gives it a guest
	# with NICs of its own) live beside this file.
	[ -f "$t" ] || t=$(dirname "$0")/test_$name.sh
	if [ ! -f "$t" ]; then
		echo "test_$name: no such test ($t)"
		failed=$((failed + 1))
		continue
	fi
	if [ "$name" = wg_quick ] && ! kwg_off; then
		kwg_on
		echo "test_$name: not run (wireguard.ko stays loaded)"
		failed=$((failed + 1))
		continue
	fi
	run_test "$t"
	[ "$name" = wg_quick ] && kwg_on
done
echo "guest: $passed passed, $failed failed"

#!/bin/sh
# The VM tier (make check-vm): the end-to-end tests inside virtme-ng guests
# booting Debian's kernels, with the host's file system (and so the host's
# build/wg-xdp) as their root. Each kernel gets a line "vm-6.1: N passed, N
# failed"; the last line is the total "vm: N passed, N failed". Exits non-zero
# on any failure or on a guest that does not boot.
#
#   VM_KERNELS   kernel series to boot (default "6.1 6.12"): each must have a
#                non-rt /boot/vmlinuz-SERIES.*-amd64 (make deps installs them);
#                an entry starting with / is a kernel image path instead
#   E2E_TESTS    tests to run in each guest, by name (test_NAME.sh), or "all"
#                (default "example keys kernel_wg", which fits TCG)
#   VM_KVM       1 or 0 to force KVM on or off; default: probe it
#   VM_TIMEOUT   seconds one guest may take (default 600)
#   VM_LOGDIR    where each guest's full console goes (default build/vm)
#   VM_APPEND    extra kernel command line

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
KERNELS=${VM_KERNELS:-6.1 6.12}
# The default subset leaves out tests this tree does not have (yet); a test
# named in E2E_TESTS that does not exist is a failure.
if [ -n "${E2E_TESTS:-}" ]; then
	TESTS=$E2E_TESTS
else
	TESTS=
	for t in example keys kernel_wg; do
		if [ -f "$ROOT/tests/e2e/test_$t.sh" ]; then
			TESTS="$TESTS $t"
		else
			echo "vm: tests/e2e/test_$t.sh absent: not run"
		fi
	done
	TESTS=${TESTS# }
fi
TIMEOUT=${VM_TIMEOUT:-600}
LOGDIR=${VM_LOGDIR:-$ROOT/build/vm}

fail() {
	echo "vm: FAIL: $*"
	echo "vm: 0 passed, 1 failed"
	exit 1
}

[ "$(id -u)" -eq 0 ] || fail "needs root (the guests' tests need it too)"
command -v vng >/dev/null 2>&1 || fail "vng not found (make deps installs virtme-ng)"
command -v qemu-system-x86_64 >/dev/null 2>&1 || fail "qemu-system-x86_64 not found"
[ -x "$ROOT/build/wg-xdp" ] || fail "$ROOT/build/wg-xdp not built"
mkdir -p "$LOGDIR" || fail "cannot make $LOGDIR"

# udev in the guest loads a module for every emulated device; under TCG that
# is most of the boot (about 20 s of 40). None of these is needed: a blacklist
# stops only udev's loading by alias, never an explicit modprobe.
NOMODS=kvm_amd,kvm_intel,kvm,powernow_k8,ahci,libahci,libata,ata_piix
NOMODS=$NOMODS,ata_generic,i2c_i801,lpc_ich,iTCO_wdt,i6300esb,psmouse
NOMODS=$NOMODS,serio_raw,pcspkr,joydev,evdev,drm,bochs,qemu_fw_cfg,sg
NOMODS=$NOMODS,sr_mod,cdrom,intel_rapl_msr,intel_rapl_common,rapl
NOMODS=$NOMODS,ghash_clmulni_intel,sha512_ssse3,aesni_intel,crc32c_intel
NOMODS=$NOMODS,crc32_pclmul
APPEND="modprobe.blacklist=$NOMODS ${VM_APPEND:-}"

# vmlinuz SERIES: the newest plain (not -rt, not -cloud) Debian kernel image of
# that series, e.g. /boot/vmlinuz-6.1.0-56-amd64 for 6.1.
vmlinuz() {
	case $1 in /*) [ -f "$1" ] && echo "$1"; return ;; esac
	ls /boot/vmlinuz-"$1".*-amd64 2>/dev/null |
		grep -Ev -- '-(rt|cloud)-amd64$' | sort -V | tail -1
}

# guest KERNEL ACCEL SECONDS CMD: boot KERNEL, run CMD as root in it.
guest() {
	timeout -k 10 "$3" vng -r "$1" $2 --user root --cpus 2 --memory 2G \
		--cwd "$ROOT" --append "$APPEND" --exec "$4" </dev/null 2>&1 |
		sed -u 's/\r$//'
}

# KVM: /dev/kvm may exist and still not run guests (nested virtualisation
# that fails or hangs). A guest that prints a word within 30 s proves it.
accel=--disable-kvm
first=$(vmlinuz $(echo $KERNELS | cut -d' ' -f1))
case ${VM_KVM:-probe} in
1)	accel= ;;
0)	;;
*)	if [ -c /dev/kvm ] && [ -n "$first" ] &&
		guest "$first" "" 30 "echo vm-kvm-ok" | grep -q '^vm-kvm-ok'; then
		accel=
	fi ;;
esac
if [ -z "$accel" ]; then
	echo "vm: KVM works: guests use it"
else
	echo "vm: no working KVM: guests run under TCG (slower)"
fi
echo "vm: tests in each guest: $TESTS"

passed=0
failed=0
start=$(date +%s)
for k in $KERNELS; do
	img=$(vmlinuz "$k")
	case $k in /*) k=$(basename "$k" | sed 's/^vmlinuz-//') ;; esac
	log=$LOGDIR/vm-$k.log
	if [ -z "$img" ]; then
		echo "vm-$k: no /boot/vmlinuz-$k.*-amd64 (make deps installs it)"
		echo "vm-$k: 0 passed, 1 failed"
		failed=$((failed + 1))
		continue
	fi
	echo "vm-$k: booting $img"
	t0=$(date +%s)
	guest "$img" "$accel" "$TIMEOUT" \
		"E2E_TESTS='$TESTS' sh $ROOT/tests/vm/guest.sh" | tee "$log"
	line=$(grep -E '^guest: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
	if [ -z "$line" ]; then
		echo "vm-$k: the guest did not boot or did not finish in $TIMEOUT s (see $log)"
		p=0
		f=1
	else
		p=$(echo "$line" | sed 's/.*: \([0-9]*\) passed.*/\1/')
		f=$(echo "$line" | sed 's/.* \([0-9]*\) failed$/\1/')
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	echo "vm-$k: $(($(date +%s) - t0)) s"
	echo "vm-$k: $p passed, $f failed"
	echo
done
echo "vm: $(($(date +%s) - start)) s"
echo "vm: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

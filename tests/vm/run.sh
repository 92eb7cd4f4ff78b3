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
#                (the default; see tests/vm/README for the per-test times)
#   VM_KVM       1 or 0 to force KVM on or off; default: probe it
#   VM_TIMEOUT   seconds one guest may take (default 1200)
#   VM_PARALLEL  0 to boot the guests one after the other (default 1: all at
#                once, each with its own console log)
#   VM_LOGDIR    where each guest's full console goes (default build/vm)
#   VM_APPEND    extra kernel command line
#   VM_CPUS      vCPUs per guest (default 1: see tests/vm/README)
#   E2E_TIMES    1: every check's line in the consoles ends with its time
#   E2E_QUICK    0: the tests at full volume in the guests (default 1)

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
KERNELS=${VM_KERNELS:-6.1 6.12}
# Every test, in both guests: under TCG with both in parallel that takes
# about 7.5 min on 2 cores (per-test times in tests/vm/README), because
# guest.sh sets E2E_QUICK=1, the tests' scale knob (shorter iperf3 runs, smaller
# files, fewer peers and packets; every check still runs).
TESTS=${E2E_TESTS:-all}
TIMEOUT=${VM_TIMEOUT:-1200}
CPUS=${VM_CPUS:-1}
LOGDIR=${VM_LOGDIR:-$ROOT/build/vm}

fail() {
	echo "vm: FAIL: $*"
	echo "vm: 0 passed, 1 failed"
	exit 1
}

[ "$(id -u)" -eq 0 ] || fail "needs root (the guests' tests need it too)"
# pip may have put vng where PATH does not look (~/.local/bin, the
# interpreter's scripts directory): look there too.
for d in "$HOME/.local/bin" \
	"$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null)"; do
	[ -n "$d" ] && [ -x "$d/vng" ] && ! command -v vng >/dev/null 2>&1 &&
		PATH=$PATH:$d
done
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
	timeout -k 10 "$3" vng -r "$1" $2 --user root --cpus "$CPUS" --memory 2G \
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

# What each guest runs; the guest sees none of the host's environment.
GUESTCMD="E2E_TESTS='$TESTS' E2E_TIMES='${E2E_TIMES:-0}'"
GUESTCMD="$GUESTCMD E2E_QUICK='${E2E_QUICK:-1}' sh $ROOT/tests/vm/guest.sh"

# run KERNEL-SERIES: boot it, run the tests, leave the console in
# $LOGDIR/vm-K.log and "P F SECONDS" in $LOGDIR/vm-K.result. With PREFIX set,
# the console goes to stdout with every line prefixed (parallel guests).
run() {
	_k=$1
	_img=$(vmlinuz "$_k")
	case $_k in /*) _k=$(basename "$_k" | sed 's/^vmlinuz-//') ;; esac
	_log=$LOGDIR/vm-$_k.log
	_res=$LOGDIR/vm-$_k.result
	rm -f "$_res"
	if [ -z "$_img" ]; then
		echo "vm-$_k: no /boot/vmlinuz-$_k.*-amd64 (make deps installs it)"
		echo "0 1 0" >"$_res"
		return
	fi
	echo "vm-$_k: booting $_img"
	_t0=$(date +%s)
	if [ -n "${PREFIX:-}" ]; then
		guest "$_img" "$accel" "$TIMEOUT" \
			"$GUESTCMD" |
			tee "$_log" | sed -u "s/^/[vm-$_k] /"
	else
		guest "$_img" "$accel" "$TIMEOUT" \
			"$GUESTCMD" |
			tee "$_log"
	fi
	_line=$(grep -E '^guest: [0-9]+ passed, [0-9]+ failed$' "$_log" |
		tail -1)
	if [ -z "$_line" ]; then
		echo "vm-$_k: the guest did not boot or did not finish in $TIMEOUT s (see $_log)"
		_p=0
		_f=1
	else
		_p=$(echo "$_line" | sed 's/.*: \([0-9]*\) passed.*/\1/')
		_f=$(echo "$_line" | sed 's/.* \([0-9]*\) failed$/\1/')
	fi
	echo "$_p $_f $(($(date +%s) - _t0))" >"$_res"
}

# Guests run in parallel by default: under TCG each keeps about one host core
# busy, so two kernels on two cores take the time of one. Each guest has its
# own console log and its own tmpfs /run, /tmp, /sys/fs/bpf (guest.sh), so
# the tests' PID-based names cannot collide across guests.
start=$(date +%s)
if [ "${VM_PARALLEL:-1}" = 0 ]; then
	for k in $KERNELS; do
		run "$k"
		echo
	done
else
	echo "vm: guests in parallel (VM_PARALLEL=0 for one at a time);" \
		"consoles in $LOGDIR"
	pids=
	for k in $KERNELS; do
		PREFIX=1 run "$k" &
		pids="$pids $!"
	done
	wait $pids
	echo
fi

passed=0
failed=0
for k in $KERNELS; do
	case $k in /*) k=$(basename "$k" | sed 's/^vmlinuz-//') ;; esac
	res=$LOGDIR/vm-$k.result
	if [ -f "$res" ]; then
		read -r p f s <"$res"
	else
		p=0; f=1; s=?
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	echo "vm-$k: $s s"
	echo "vm-$k: $p passed, $f failed"
done
echo "vm: $(($(date +%s) - start)) s"
echo "vm: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

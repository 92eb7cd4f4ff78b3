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
#   VM_SPLIT     1 (default): with E2E_TESTS=all and the default two kernels,
#                the tests that depend most on the kernel's routing, policy
#                rules, nftables and WireGuard module (VM_BOTH) run in both
#                guests, and the others once, in one guest or the other
#                (VM_ONLY_6_1, VM_ONLY_6_12); a test in no list runs in both.
#                0: every test in both guests (about twice the time)
#   VM_KVM       1 or 0 to force KVM on or off; default: probe it
#   VM_TIMEOUT   seconds one guest may take (default 1200)
#   VM_PARALLEL  0 to boot the guests one after the other (default 1: all at
#                once, each with its own console log)
#   VM_LOGDIR    where each guest's full console goes (default build/vm)
#   VM_APPEND    extra kernel command line
#   VM_CPUS      vCPUs per guest (default 1: see tests/vm/README)
#   E2E_TIMES    1: every check's line in the consoles ends with its time
#   E2E_QUICK    0: the tests at full volume in the guests (default 1)
#   VM_ZEROCOPY  kernel series of the zero-copy guest (default 6.12; empty:
#                none). It runs only tests/vm/test_zerocopy.sh, after the
#                others, with virtio-net NICs of its own (see tests/vm/README);
#                E2E_TESTS=zerocopy runs it alone
#   VM_ZC_TIMEOUT seconds the zero-copy guest may take (default 600)

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
KERNELS=${VM_KERNELS:-6.1 6.12}
# Under TCG with both guests in parallel on 2 cores, every test in both
# took 19.5 min (per-test times in tests/vm/README), even with guest.sh's
# E2E_QUICK=1, the tests' scale knob (shorter iperf3 runs, smaller files,
# fewer peers and packets; every check still runs). The split below keeps
# the whole CI run well inside its 40 minutes: 12.5 min per guest (759 and
# 744 s in a CI run), 14 min for the tier with the zero-copy guest.
TESTS=${E2E_TESTS:-all}
SPLIT=${VM_SPLIT:-1}
VM_BOTH="example full_tunnel kernel_wg route_egress route_events route_fwmark
	route_icmp route_loop route_mtu route_source"
# Debian 12's own kernel takes the wireguard-go interop, the floods, the
# gateway's router duties and the control socket's bad input (where a flake
# was once seen); balanced by guest time with the 6.12 share.
VM_ONLY_6_1="cli flood gateway_router keys systemd uapi_bad wg_quick wggo"
VM_ONLY_6_12="diagnostics example_set gateway junk large live_changes maps
	passthrough quick_keys transmit wg_tools"
TIMEOUT=${VM_TIMEOUT:-1200}
ZC_KERNEL=${VM_ZEROCOPY-6.12}
ZC_TIMEOUT=${VM_ZC_TIMEOUT:-600}
# test_zerocopy needs NICs of its own: only its guest runs it, and a list
# that names nothing else boots no other guest.
case " $TESTS " in
" all " | *" zerocopy "*) ;;
*) ZC_KERNEL= ;;
esac
if [ "$TESTS" != all ]; then
	TESTS=$(echo $TESTS | tr ' ' '\n' | grep -vx zerocopy | tr '\n' ' ' |
		sed 's/ $//')
	[ -n "$TESTS" ] || KERNELS=
fi
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
[ -x "$ROOT/build/tools/uapi" ] || fail "$ROOT/build/tools not built (make)"
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

# guest KERNEL ACCEL SECONDS CMD [VNG-ARGS...]: boot KERNEL, run CMD as root
# in it.
guest() {
	_gk=$1 _ga=$2 _gs=$3 _gc=$4
	shift 4
	${ZC_WRAP:-} timeout -k 10 "$_gs" vng -r "$_gk" $_ga --user root \
		--cpus "$CPUS" --memory 2G --cwd "$ROOT" --append "$APPEND" \
		"$@" --exec "$_gc" </dev/null 2>&1 |
		sed -u 's/\r$//'
}

# KVM: /dev/kvm may exist and still not run guests (nested virtualisation
# that fails or hangs). A guest that prints a word within 30 s proves it.
accel=--disable-kvm
first=$(vmlinuz $(echo $KERNELS $ZC_KERNEL | cut -d' ' -f1))
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
if [ -n "$ZC_KERNEL" ]; then
	echo "vm: then test_zerocopy, in a $ZC_KERNEL guest of its own"
fi

# tests_for KERNEL: the tests that KERNEL's guest runs (see VM_SPLIT).
tests_for() {
	if [ "$TESTS" != all ] || [ "$SPLIT" = 0 ] ||
		[ "$(echo $KERNELS)" != "6.1 6.12" ]; then
		echo "$TESTS"
		return
	fi
	case $1 in 6.1) _other=$VM_ONLY_6_12 ;; *) _other=$VM_ONLY_6_1 ;; esac
	for _t in "$ROOT"/tests/e2e/test_*.sh; do
		_t=$(basename "$_t" .sh)
		_t=${_t#test_}
		case " $(echo $_other) " in *" $_t "*) continue ;; esac
		printf '%s ' "$_t"
	done | sed 's/ $//'
}

# guestcmd KERNEL: what its guest runs; the guest sees none of the host's
# environment.
guestcmd() {
	echo "E2E_TESTS='$(tests_for "$1")' E2E_TIMES='${E2E_TIMES:-0}'" \
		"E2E_QUICK='${E2E_QUICK:-1}' sh $ROOT/tests/vm/guest.sh"
}

for k in $KERNELS; do
	echo "vm: tests in the $k guest: $(tests_for "$k")"
done

# label KERNEL: vm-SERIES, the name of its console and result files.
label() {
	case $1 in
	/*) echo "vm-$(basename "$1" | sed 's/^vmlinuz-//')" ;;
	*) echo "vm-$1" ;;
	esac
}

# run KERNEL [NAME SECONDS CMD VNG-ARGS...]: boot it, run CMD (default: the
# tests, for VM_TIMEOUT s), leave the console in $LOGDIR/NAME.log (default:
# label KERNEL) and "P F SECONDS" in $LOGDIR/NAME.result. With PREFIX set,
# the console goes to stdout with every line prefixed (parallel guests).
run() {
	_img=$(vmlinuz "$1")
	_k=$(label "$1")
	_secs=$TIMEOUT
	_cmd=$(guestcmd "$1")
	shift
	if [ $# -gt 0 ]; then
		_k=$1 _secs=$2 _cmd=$3
		shift 3
	fi
	_log=$LOGDIR/$_k.log
	_res=$LOGDIR/$_k.result
	rm -f "$_res"
	if [ -z "$_img" ]; then
		echo "$_k: no such kernel in /boot (make deps installs it)"
		echo "0 1 0" >"$_res"
		return
	fi
	echo "$_k: booting $_img"
	_t0=$(date +%s)
	if [ -n "${PREFIX:-}" ]; then
		guest "$_img" "$accel" "$_secs" "$_cmd" "$@" |
			tee "$_log" | sed -u "s/^/[$_k] /"
	else
		guest "$_img" "$accel" "$_secs" "$_cmd" "$@" |
			tee "$_log"
	fi
	_line=$(grep -E '^guest: [0-9]+ passed, [0-9]+ failed$' "$_log" |
		tail -1)
	if [ -z "$_line" ]; then
		echo "$_k: the guest did not boot or did not finish in $_secs s (see $_log)"
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
	if [ -n "$KERNELS" ]; then
		echo "vm: guests in parallel (VM_PARALLEL=0 for one at a time);" \
			"consoles in $LOGDIR"
	fi
	pids=
	for k in $KERNELS; do
		PREFIX=1 run "$k" &
		pids="$pids $!"
	done
	wait $pids
	echo
fi

# The zero-copy guest, alone (see tests/vm/README): test_zerocopy only,
# with four virtio-net NICs. Two come from vng's --network loop (a QEMU
# hub, one queue pair each); two are multiqueue taps with ZC_QUEUES queue
# pairs, joined by a bridge in a namespace of our own in which QEMU runs (a
# hub port has one queue, and a virtio-net device no more queue pairs than
# its backend). The guest finds them by MAC address. All four are modern
# virtio devices with VIRTIO_F_ACCESS_PLATFORM: only then does virtio-net
# use the DMA API, and its zero-copy bind maps the UMEM with that (a kernel
# that has it: 6.12's virtio-net does not offer zero-copy at all).
ZC_QUEUES=2
ZC_LOOP_MACS="52:54:00:77:00:01 52:54:00:77:00:02"
ZC_MQ_MACS="52:54:00:77:01:01 52:54:00:77:01:02"
ZC_NS=wgxdp-vm-$$
ZC_BR=zcbr$$
ZC_TAP1=zcta$$
ZC_TAP2=zctb$$

zc_net_down() {
	# The bridge and the taps go with the namespace.
	[ -e /run/netns/$ZC_NS ] && ip netns del $ZC_NS
}

zc_net_up() {
	ip netns add $ZC_NS || return 1
	_n="nsenter --net=/run/netns/$ZC_NS"
	$_n ip link add $ZC_BR type bridge || return 1
	for _t in $ZC_TAP1 $ZC_TAP2; do
		$_n ip tuntap add dev $_t mode tap multi_queue &&
			$_n ip link set $_t master $ZC_BR &&
			$_n ip link set $_t up || return 1
	done
	$_n ip link set $ZC_BR up
}

# zc_qemu: the QEMU options of the zero-copy guest's multiqueue NICs.
zc_qemu() {
	_o="-global virtio-net-pci.disable-legacy=on"
	_o="$_o -global virtio-net-pci.iommu_platform=on"
	_i=0
	for _t in $ZC_TAP1 $ZC_TAP2; do
		_i=$((_i + 1))
		_o="$_o -netdev tap,id=zcq$_i,ifname=$_t,script=no"
		_o="$_o,downscript=no,queues=$ZC_QUEUES"
		_o="$_o -device virtio-net-pci,netdev=zcq$_i,mq=on"
		_o="$_o,vectors=$((2 * ZC_QUEUES + 2))"
		_o="$_o,mac=$(echo $ZC_MQ_MACS | cut -d' ' -f$_i)"
	done
	echo "$_o"
}

names=
for k in $KERNELS; do
	names="$names $(label "$k")"
done
if [ -n "$ZC_KERNEL" ]; then
	zk=vm-zerocopy-$(label "$ZC_KERNEL" | sed 's/^vm-//')
	names="$names $zk"
	trap zc_net_down EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	if zc_net_up; then
		zcmd="E2E_TESTS=zerocopy E2E_TIMES='${E2E_TIMES:-0}'"
		zcmd="$zcmd ZC_LOOP_MACS='$ZC_LOOP_MACS' ZC_MQ_MACS='$ZC_MQ_MACS'"
		zcmd="$zcmd sh $ROOT/tests/vm/guest.sh"
		# QEMU must run in the bridge's namespace to open the taps.
		ZC_WRAP="nsenter --net=/run/netns/$ZC_NS"
		run "$ZC_KERNEL" "$zk" "$ZC_TIMEOUT" "$zcmd" --disable-microvm \
			--network loop --net-mac-address \
			"$(echo $ZC_LOOP_MACS | cut -d' ' -f1)" \
			--qemu-opts="$(zc_qemu)"
		ZC_WRAP=
		echo
	else
		echo "$zk: cannot make the taps and bridge in $ZC_NS"
		echo "0 1 0" >"$LOGDIR/$zk.result"
	fi
	zc_net_down
fi

passed=0
failed=0
for k in $names; do
	res=$LOGDIR/$k.result
	if [ -f "$res" ]; then
		read -r p f s <"$res"
	else
		p=0; f=1; s=?
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	echo "$k: $s s"
	echo "$k: $p passed, $f failed"
done
echo "vm: $(($(date +%s) - start)) s"
echo "vm: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

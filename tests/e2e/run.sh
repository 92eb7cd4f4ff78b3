#!/bin/sh
# The end-to-end tier (make check-e2e): every tests/e2e/test_*.sh in turn,
# each in its own namespaces, then one total line. Needs root; without it
# this says SKIP and fails, so that a CI run (always root) never skips.

dir=$(cd "$(dirname "$0")" && pwd)
. "$dir/lib_run.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "e2e: SKIP: needs root (network namespaces, veth, TUN, XDP, BPF)"
	exit 1
fi
for tool in ip nsenter bpftool wg wireguard-go iperf3 curl jq; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "e2e: FAIL: $tool not found"
		exit 1
	fi
done
# The tests' own tools (tests/tools/), built by make.
if ! [ -x "${TOOLS:-$dir/../../build/tools}/uapi" ]; then
	echo "e2e: FAIL: build/tools not built (make)"
	exit 1
fi

passed=0
failed=0
start=$(date +%s)
for t in "$dir"/test_*.sh; do
	name=$(basename "$t" .sh)
	# Interop with the kernel's own WireGuard belongs to the VM tier (make
	# check-vm): Debian's kernels there have the module, this one may not.
	case $name in test_kernel_wg) continue ;; esac
	run_test "$t"
	echo
done
echo "e2e: $(($(date +%s) - start)) s"
echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

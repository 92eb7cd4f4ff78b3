#!/bin/sh
# The end-to-end tier (make check-e2e): every tests/e2e/test_*.sh in turn,
# each in its own namespaces, then one total line. Needs root; without it
# this says SKIP and fails, so that a CI run (always root) never skips.

dir=$(cd "$(dirname "$0")" && pwd)

if [ "$(id -u)" -ne 0 ]; then
	echo "e2e: SKIP: needs root (network namespaces, veth, TUN, XDP, BPF)"
	exit 1
fi
for tool in ip nsenter bpftool wg wireguard-go iperf3 curl; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "e2e: FAIL: $tool not found"
		exit 1
	fi
done

passed=0
failed=0
start=$(date +%s)
for t in "$dir"/test_*.sh; do
	name=$(basename "$t" .sh)
	# Interop with the kernel's own WireGuard belongs to the VM tier (make
	# check-vm): Debian's kernels there have the module, this one may not.
	case $name in test_kernel_wg) continue ;; esac
	t0=$(date +%s)
	out=$(mktemp /tmp/wg-xdp-e2e-run.XXXXXX)
	{
		sh "$t" 2>&1
		echo $? >"$out.rc"
	} | tee "$out"
	rc=$(cat "$out.rc")
	line=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed$" "$out" | tail -1)
	rm -f "$out" "$out.rc"
	if [ -z "$line" ]; then
		# It died before its summary: count that as a failure.
		echo "$name: no summary line (test aborted)"
		failed=$((failed + 1))
	else
		p=$(echo "$line" | sed 's/.*: \([0-9]*\) passed.*/\1/')
		f=$(echo "$line" | sed 's/.* \([0-9]*\) failed$/\1/')
		passed=$((passed + p))
		failed=$((failed + f))
		if [ "$f" -eq 0 ] && [ "$rc" -ne 0 ]; then
			echo "$name: exit status $rc"
			failed=$((failed + 1))
		fi
	fi
	echo "$name: $(($(date +%s) - t0)) s"
	echo
done
echo "e2e: $(($(date +%s) - start)) s"
echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

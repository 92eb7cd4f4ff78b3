#!/bin/sh
# Runs cmocka test binaries (files, or every test_* in the directories given)
# and ends with one "N passed, N failed" line for the whole tier.
# Exits non-zero when any test failed or any binary crashed.
set -u
passed=0 failed=0 crashed=0
tier=${TIER:-unit}
run() {
	bin=$1
	out=$("$bin" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "$bin: exited $rc without a cmocka failure (crash?)"
		crashed=$((crashed + 1))
	fi
}
for arg in "$@"; do
	if [ -d "$arg" ]; then
		for bin in "$arg"/test_*; do
			[ -x "$bin" ] && [ -f "$bin" ] || continue
			case "$bin" in */test_bpf_*) continue ;; esac
			run "$bin"
		done
	elif [ -x "$arg" ]; then
		run "$arg"
	fi
done
failed=$((failed + crashed))
echo "$tier: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

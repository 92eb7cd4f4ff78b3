#!/bin/sh
# The fuzz tier: run every libFuzzer harness built by `make fuzz` for
# FUZZ_SECONDS (default 30) over its committed seeds, failing on any crash,
# leak, sanitizer report or broken invariant.
#
#   sh tests/fuzz/run.sh [BUILD_DIR]          (BUILD_DIR: build/fuzz)
#   FUZZ_SECONDS=600 make fuzz                the longer local run
#   FUZZ_JOBS=1 make fuzz                     one harness at a time
#
# Corpus: the harness writes what it finds into a fresh temporary directory
# (the first corpus argument); tests/fuzz/corpus/<name>/ is only read.
# Crash inputs are kept in BUILD_DIR/artifacts/<name>/; add one to the
# seeds once the bug is fixed. Seeds of the handshake harnesses are real
# messages, remade with: WG_FUZZ_SEEDS=tests/fuzz/corpus/<name> \
#   build/fuzz/fuzz_<name>
#
# Each harness runs in a new network namespace when unshare(1) can make
# one, on top of the harnesses' numeric-only getaddrinfo().
set -u

dir=${1:-build/fuzz}
secs=${FUZZ_SECONDS:-30}
seeds=tests/fuzz/corpus
pass=0
fail=0
tmp=$(mktemp -d /tmp/wg-xdp-fuzz.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

netns=
if unshare -n true 2>/dev/null; then
	netns="unshare -n"
fi

# One harness: its verdict line goes to $tmp/<name>.verdict, and "pass" or
# "fail" to $tmp/<name>.rc, so that harnesses can run side by side.
run_one() {
	bin=$1
	name=${bin##*/fuzz_}
	art="$dir/artifacts/$name"
	log="$dir/fuzz_$name.log"
	out="$tmp/$name.verdict"
	mkdir -p "$tmp/$name" "$art"
	if [ ! -d "$seeds/$name" ]; then
		echo "fuzz: FAIL $name (no seed corpus $seeds/$name)" >"$out"
		echo fail >"$tmp/$name.rc"
		return
	fi
	$netns "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$art/" \
		"$tmp/$name" "$seeds/$name" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	if [ $rc -eq 0 ]; then
		echo "fuzz: PASS $name (${execs:-?} executions in ${secs}s)" >"$out"
		echo pass >"$tmp/$name.rc"
	else
		{
			echo "fuzz: FAIL $name (exit $rc, log $log, inputs in $art/)"
			grep -m 5 -E 'ERROR|invariant failed|runtime error' "$log" |
				sed 's/^/    /'
		} >"$out"
		echo fail >"$tmp/$name.rc"
	fi
}

# FUZZ_JOBS harnesses at a time (default: one per CPU); each is one
# single-threaded process, so on two cores two of them cost the wall time
# of one.
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
running=0
names=
for bin in "$dir"/fuzz_*; do
	[ -x "$bin" ] || continue
	names="$names ${bin##*/fuzz_}"
	run_one "$bin" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait

for name in $names; do
	cat "$tmp/$name.verdict"
	if [ "$(cat "$tmp/$name.rc" 2>/dev/null)" = pass ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
done

echo "fuzz: $pass passed, $fail failed"
[ $fail -eq 0 ]

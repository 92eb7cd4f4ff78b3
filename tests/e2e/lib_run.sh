# Shared by the e2e tier (tests/e2e/run.sh) and the VM guests
# (tests/vm/guest.sh): run one test script and count its result.

# run_test FILE: run the test, its output shown as it comes, and add the
# numbers of its "test_NAME: N passed, N failed" line to $passed and
# $failed. A test that dies before that line, or exits non-zero with
# nothing failed, counts as one more failure. Ends with its wall time.
run_test() {
	_name=$(basename "$1" .sh)
	_t0=$(date +%s)
	_out=$(mktemp /tmp/wg-xdp-test.XXXXXX)
	{
		sh "$1" 2>&1
		echo $? >"$_out.rc"
	} | tee "$_out"
	_rc=$(cat "$_out.rc")
	_line=$(grep -E "^$_name: [0-9]+ passed, [0-9]+ failed$" "$_out" |
		tail -1)
	rm -f "$_out" "$_out.rc"
	if [ -z "$_line" ]; then
		echo "$_name: no summary line (test aborted)"
		failed=$((failed + 1))
	else
		_p=$(echo "$_line" | sed 's/.*: \([0-9]*\) passed.*/\1/')
		_f=$(echo "$_line" | sed 's/.* \([0-9]*\) failed$/\1/')
		passed=$((passed + _p))
		failed=$((failed + _f))
		if [ "$_f" -eq 0 ] && [ "$_rc" -ne 0 ]; then
			echo "$_name: exit status $_rc"
			failed=$((failed + 1))
		fi
	fi
	echo "$_name: $(($(date +%s) - _t0)) s"
}

# Sourced by the copy of wireguard-go's tests/netns.sh that tests/peer/run.sh
# makes, right after the script's own `set -e`: it writes one line per event
# to $WGP_TRACE, and changes nothing else. (bash, because netns.sh is.)
#
#   S<TAB>LINE<TAB>TIME<TAB>COMMAND  a check starts (TIME: $EPOCHREALTIME)
#   P<TAB>TIME                      it passed: the script went on
#   F<TAB>LINE<TAB>STATUS<TAB>COMMAND   the command that ended the run
#   E                               the script reached its end
#
# A check is a command run by the script's own shell, in its body or in its
# test functions (tests, configure_peers), that is one of its announced
# steps (n0/n1/n2, ip0/ip1/ip2, pp, the wait helpers) or an assertion
# ([[ ]], (( )), the crypto-RP test's timed reads), outside its loops
# (their lines are in $WGP_LOOP_LINES: tallies whose verdict is the
# assertion after the loop). Under set -e the first command that fails
# ends the script, so at most one check fails.

set -o functrace -o errtrace
wgp_stop=0
wgp_pending=0

# A command on one line: newlines and tabs as spaces.
wgp_line() {
	local s=${1//$'\n'/ }
	printf '%s' "${s//$'\t'/ }"
}

wgp_check() {
	[ "$wgp_stop" = 0 ] && [ "$BASHPID" = "$$" ] || return 0
	case ${FUNCNAME[1]:-main} in
	main | tests | configure_peers) ;;
	*) return 0 ;;
	esac
	# The shell went on past the pending check: it passed.
	if [ "$wgp_pending" = 1 ]; then
		printf 'P\t%s\n' "$EPOCHREALTIME" >>"$WGP_TRACE"
		wgp_pending=0
	fi
	case $2 in
	'((++'* | '((--'*) return 0 ;;
	n[012]\ * | ip[012]\ * | pp\ * | wait*\ * | '[['* | '(('* | read\ *-t\ *) ;;
	*) return 0 ;;
	esac
	case ",$WGP_LOOP_LINES," in
	*",$1,"*) return 0 ;;
	esac
	printf 'S\t%s\t%s\t%s\n' "$1" "$EPOCHREALTIME" "$(wgp_line "$2")" \
		>>"$WGP_TRACE"
	wgp_pending=1
}

wgp_fail() {
	[ "$wgp_stop" = 0 ] && [ "$BASHPID" = "$$" ] || return 0
	case " ${FUNCNAME[*]} " in
	*" cleanup "*) return 0 ;;
	esac
	wgp_stop=1
	printf 'F\t%s\t%s\t%s\n' "$1" "$3" "$(wgp_line "$2")" >>"$WGP_TRACE"
}

# Called by the line run.sh appends after the script's last one.
wgp_end() {
	[ "$wgp_pending" = 0 ] || printf 'P\t%s\n' "$EPOCHREALTIME" >>"$WGP_TRACE"
	wgp_stop=1
	echo E >>"$WGP_TRACE"
}

trap 'wgp_check "$LINENO" "$BASH_COMMAND"' DEBUG
trap 'wgp_fail "$LINENO" "$BASH_COMMAND" "$?"' ERR

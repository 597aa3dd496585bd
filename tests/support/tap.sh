# TAP output for the shell tests, sourced by tests/lan/lanlib.sh and
# tests/fault/faultlib.sh:
#   ok / not_ok WHAT           one result
#   check WHAT CMD...          ok if CMD succeeds, not ok otherwise
#   not CMD...                 the opposite of CMD, for check
#   tap_done                   the plan, and the exit status

TAP_N=0
TAP_FAILED=0
ok () { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
not_ok () { TAP_N=$((TAP_N + 1)); TAP_FAILED=1; echo "not ok $TAP_N - $*"; }
check () { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }
not () { ! "$@"; }
tap_done () { echo "1..$TAP_N"; exit $TAP_FAILED; }

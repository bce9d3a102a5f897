# Shared by the CLI test scripts: `check NAME RESULT DETAIL` counts a check and reports a
# failure; `$tmp` is a private temp dir and `$pid` the one background process a script
# started; both are cleaned up on exit. Source it after setting bin=$1.
fail=0; checks=0
check() {  # check NAME CONDITION-RESULT(0 ok) DETAIL
  checks=$((checks + 1))
  if [ "$2" != 0 ]; then echo "FAIL $1: $3"; fail=$((fail + 1)); fi
}
tmp=$(mktemp -d); pid=
cleanup() { [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

# Shared by the CLI test scripts: `check NAME RESULT DETAIL` counts a check and reports a
# failure; `$tmp` is a private temp dir and `$pid` the one background process a script
# started; both are cleaned up on exit. Source it after setting bin=$1.
fail=0; checks=0
check() {  # check NAME CONDITION-RESULT(0 ok) DETAIL
  checks=$((checks + 1))
  if [ "$2" != 0 ]; then echo "FAIL $1: $3"; fail=$((fail + 1)); fi
}
# `bad_config NAME EXPECTED-REGEX < <(printf ...)`: happysipd ($bin) --check-config refuses
# that configuration with exit 2 and an error matching the regex. Feed it with a process
# substitution, not a pipe: in a pipeline subshell its check would not be counted.
bad_config() {
  cat > "$tmp/$1.toml"
  "$bin" --config "$tmp/$1.toml" --check-config > /dev/null 2> "$tmp/$1.err"; local rc=$?
  check "config-$1" "$([ "$rc" = 2 ] && grep -qE "$2" "$tmp/$1.err"; echo $?)" "exit $rc: $(cat "$tmp/$1.err")"
}
tmp=$(mktemp -d); pid=
cleanup() { [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

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
# `start_happysipd CONFIG LOG LISTENERS`: happysipd ($bin) in the background with CONFIG,
# its stderr in LOG, its PID in $pid; returns once it has logged LISTENERS event=listening
# lines (one per listen entry) or after 5 s. Waiting for all of them matters: a port read
# before its line is written would be empty.
start_happysipd() {
  : > "$2"  # exists before the first grep, whatever the background start's timing
  "$bin" --config "$1" 2> "$2" &
  pid=$!
  for _ in $(seq 50); do [ "$(grep -c 'event=listening' "$2")" -ge "$3" ] && break; sleep 0.1; done
}
# `listening_port LOG TRANSPORT:HOST`: the port of that listener (HOST as a grep -P pattern,
# e.g. 'udp:\[::1\]'), empty if it did not log one.
listening_port() { grep -oP "event=listening at=$2:\\K[0-9]+" "$1" | head -1; }
# `stop_happysipd`: SIGTERM to $pid, waits up to 5 s for it to drain, reaps it; returns its
# exit status.
stop_happysipd() {
  kill -TERM "$pid"
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  wait "$pid"; local rc=$?; pid=
  return "$rc"
}
# `free_port`: a port number from the kernel that is free at once for TCP and UDP on both
# 127.0.0.1 and ::1, so that whatever binds it next (SIPp binds UDP or TCP, on either
# family) finds it free. Asking for a TCP port alone could hand out one a UDP socket (a
# daemon's wildcard listener, another test's scanner) holds, and the UA then never starts.
free_port() {
  python3 -c '
import socket
for _ in range(100):
    held = [socket.socket(socket.AF_INET, socket.SOCK_STREAM)]
    held[0].bind(("127.0.0.1", 0))
    port = held[0].getsockname()[1]
    try:
        for family, kind, host in ((socket.AF_INET, socket.SOCK_DGRAM, "127.0.0.1"),
                                   (socket.AF_INET6, socket.SOCK_STREAM, "::1"),
                                   (socket.AF_INET6, socket.SOCK_DGRAM, "::1")):
            held.append(socket.socket(family, kind))
            held[-1].bind((host, port))
    except OSError:
        continue
    finally:
        for s in held: s.close()
    print(port)
    break'
}
# `sipp_errors LOG`: the last two errors SIPp wrote to the .err sibling of its message
# trace LOG (its stderr: "Unable to bind main socket", "Aborting call on unexpected
# message ..."), each its first line without the time stamp, for a failure's message.
sipp_errors() {
  grep -aP '^\d{4}-\d\d-\d\d\t' "${1%.log}.err" 2>/dev/null | tail -2 | cut -f3- | cut -c1-200 |
    sed 's/^[0-9.]*: / sipp: /' | tr -d '\r' | tr '\n' ' '
}
# `sipp_summary LOG`: the start lines of a SIPp message trace (-message_file LOG), sent and
# received in order with '|' between them, then sipp_errors LOG.
sipp_summary() {
  grep -E '^(SIP/2.0|[A-Z]+ sip)' "$1" 2>/dev/null | tr '\n' '|'
  sipp_errors "$1"
}
# `wait_bound PORT`: returns once a socket listens on PORT (TCP) or is bound to it (UDP),
# or after 5 s: a UA started in the background is ready for its first request only then.
wait_bound() {
  for _ in $(seq 50); do [ -n "$(ss -Hlnut "sport = :$1")" ] && return 0; sleep 0.1; done
  return 1
}
tmp=$(mktemp -d); pid=
cleanup() { [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

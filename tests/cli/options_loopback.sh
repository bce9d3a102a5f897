#!/usr/bin/env bash
# Checks `happysip options` end to end on loopback against `happysip respond`: OPTIONS over
# UDP and TCP on IPv4 and IPv6 get their 200 (exit 0, JSON outcome, winner family), the
# responder sees exactly one transaction per request, --count reuses the TCP connection,
# TLS works (--insecure) and fails cleanly on an untrusted certificate, a silent target
# times out within --timeout with exit 1, and usage errors exit 2.
# Every wait is bounded; only the processes started here are stopped, by PID.
set -u
bin=$1
source "$(dirname "$0")/lib.sh"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=example.com \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" > /dev/null 2>&1
"$bin" respond --listen udp:127.0.0.1:0 --listen 'udp:[::1]:0' --listen tcp:127.0.0.1:0 \
  --listen 'tcp:[::1]:0' --listen 'tls:[::1]:0' --cert "$tmp/cert.pem" --key "$tmp/key.pem" \
  --max-seconds 60 > "$tmp/seen.json" 2> "$tmp/err.txt" &
pid=$!
for _ in $(seq 50); do [ "$(grep -c '^listening' "$tmp/err.txt")" -ge 5 ] && break; sleep 0.1; done
port() { grep -oP "^listening $1:\\K[0-9]+" "$tmp/err.txt"; }
u4=$(port 'udp:127.0.0.1'); u6=$(port 'udp:\[::1\]'); t4=$(port 'tcp:127.0.0.1')
t6=$(port 'tcp:\[::1\]'); s6=$(port 'tls:\[::1\]')
check listening "$([ -n "$u4" ] && [ -n "$u6" ] && [ -n "$t4" ] && [ -n "$t6" ] && [ -n "$s6" ]; echo $?)" \
  "$(cat "$tmp/err.txt")"

# field JSON-FILE PYTHON-EXPRESSION over `r`, the first request's report
field() { python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['requests'][0]; print($2)" "$1"; }

probe() {  # probe NAME URI FAMILY [options...]: expects exit 0, a 200 and that winner family
  local name=$1 uri=$2 family=$3; shift 3
  timeout 20 "$bin" options "$uri" --json --timeout 5 "$@" > "$tmp/$name.json" 2> "$tmp/$name.err"
  check "exit-$name" $? "$(cat "$tmp/$name.err" "$tmp/$name.json")"
  check "status-$name" "$([ "$(field "$tmp/$name.json" "r['status']")" = 200 ]; echo $?)" \
    "$(cat "$tmp/$name.json")"
  check "family-$name" "$([ "$(field "$tmp/$name.json" "r['winner']['family']")" = "$family" ]; echo $?)" \
    "$(cat "$tmp/$name.json")"
}
probe udp4 "sip:127.0.0.1:$u4" ipv4
probe udp6 "sip:[::1]:$u6" ipv6
probe tcp4 "sip:127.0.0.1:$t4;transport=tcp" ipv4
probe tcp6 "sip:[::1]:$t6;transport=tcp" ipv6
probe tls6 "sip:[::1]:$s6;transport=tls" ipv6 --insecure

# One server transaction per request: four OPTIONS so far (UDP, UDP, TCP, TCP) + TLS.
n=$(grep -c '"method":"OPTIONS"' "$tmp/seen.json")
check one-transaction-each "$([ "$n" = 5 ]; echo $?)" "responder saw $n OPTIONS: $(cat "$tmp/seen.json")"

# --count 3 over TCP: three 200s, one connection (same client port in every line).
timeout 20 "$bin" options "sip:127.0.0.1:$t4;transport=tcp" --json --count 3 > "$tmp/count.json" 2>&1
check count-exit $? "$(cat "$tmp/count.json")"
statuses=$(python3 -c "import json,sys; print([r['status'] for r in json.load(open(sys.argv[1]))['requests']])" "$tmp/count.json")
check count-statuses "$([ "$statuses" = "[200, 200, 200]" ]; echo $?)" "$statuses"
ports=$(grep '"transport":"tcp"' "$tmp/seen.json" | tail -3 | grep -oP '"from":"127.0.0.1:\K[0-9]+' | sort -u | wc -l)
check count-one-connection "$([ "$ports" = 1 ]; echo $?)" "$(tail -3 "$tmp/seen.json")"

# TLS without --insecure: the self-signed certificate is not trusted; clean failure, exit 1.
timeout 20 "$bin" options "sip:[::1]:$s6;transport=tls" --json --timeout 5 > "$tmp/untrusted.json" 2>&1
rc=$?
check untrusted-exit "$([ $rc = 1 ]; echo $?)" "exit $rc: $(cat "$tmp/untrusted.json")"
check untrusted-outcome "$([ "$(field "$tmp/untrusted.json" "r['outcome']")" = transport_error ]; echo $?)" \
  "$(cat "$tmp/untrusted.json")"

# A silent UDP target (nothing listens; ICMP is not reported on an unconnected socket):
# timeout after --timeout, exit 1, bounded.
start=$(date +%s%N)
timeout 20 "$bin" options "sip:127.0.0.1:9;transport=udp" --json --timeout 1 > "$tmp/silent.json" 2>&1
rc=$?
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
check silent-exit "$([ $rc = 1 ]; echo $?)" "exit $rc"
check silent-outcome "$([ "$(field "$tmp/silent.json" "r['outcome']")" = timeout ]; echo $?)" "$(cat "$tmp/silent.json")"
check silent-bounded "$([ "$elapsed" -lt 5000 ]; echo $?)" "took $elapsed ms"

# Usage errors: exit 2 with a message.
"$bin" options "not a uri" > /dev/null 2> "$tmp/usage.err"; rc=$?
check usage-bad-uri "$([ $rc = 2 ] && grep -q 'not a SIP URI' "$tmp/usage.err"; echo $?)" "exit $rc: $(cat "$tmp/usage.err")"
"$bin" options sip:example.com --attempt-delay 5 > /dev/null 2> "$tmp/usage2.err"; rc=$?
check usage-attempt-delay "$([ $rc = 2 ]; echo $?)" "exit $rc: $(cat "$tmp/usage2.err")"

echo "options_loopback: $((checks - fail))/$checks checks passed"
[ "$fail" = 0 ]

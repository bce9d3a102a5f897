#!/usr/bin/env bash
# happysipd as registrar and stateful proxy between real SIPp UAs on loopback (issue 4):
# the called UA registers with digest auth (MD5: all SIPp speaks, so [auth] md5_first),
# then a call goes through the proxy over UDP and TCP on IPv4 and IPv6, and from an
# IPv6 caller to an IPv4 callee (RFC 5658: two Record-Route values, ACK and BYE follow
# them), and from a caller that reaches a wildcard listener (0.0.0.0) at 127.0.0.2 to a
# callee behind the 127.0.0.1 listener (two Record-Route values again, each one an
# address the side it faces can use; RFC 3581 §4: the caller's answers come from
# 127.0.0.2); a call cancelled while ringing gets 200 for the CANCEL and 487 (§16.10); an
# INVITE for another domain without credentials gets 407 (no open relay); an INVITE
# for a user without bindings gets 480; an "in-dialog" INVITE whose Route naming the proxy
# lacks its dialog token gets 407 too; sipsak's OPTIONS gets 200.
# Every wait is bounded; only the processes started here are stopped, by PID.
set -u
bin=$1
cli=$2
scenarios=$3
source "$(dirname "$0")/../cli/lib.sh"

# One called user per scenario, so that no scenario forks to the bindings of another.
bob_pw='Hb8nW3kRz6yPq1sJ'
db="$tmp/var/happysip.sqlite"
printf '%s\n' "$bob_pw" | "$cli" user add alice --db "$db" --realm localhost \
  --password-stdin > /dev/null 2>&1
check user-add-alice $? "happysip user add alice failed"
for user in udp4 udp6 tcp4 tcp6 v6-to-v4 wild4 cancel ob obcall gruu; do
  printf '%s\n' "$bob_pw" | "$cli" user add "bob-$user" --db "$db" --realm localhost \
    --password-stdin > /dev/null 2>&1
  check "user-add-bob-$user" $? "happysip user add bob-$user failed"
done

# A real DNS server for the other domain far.test (nsd, on a free loopback port): no
# NAPTR, one _sip._udp SRV whose target has an AAAA (::1) and an A (127.0.0.1). The called
# UA listens on 127.0.0.1 only, so the IPv6 attempt goes unanswered: Happy Eyeballs must
# reach it over IPv4 after the attempt delay, not after Timer B.
dns_port=$(free_port); far_port=$(free_port)
mkdir -p "$tmp/nsd"
cat > "$tmp/nsd/far.test.zone" <<ZONE
\$ORIGIN far.test.
\$TTL 60
@          IN SOA ns.far.test. hostmaster.far.test. 1 3600 600 86400 60
@          IN NS  ns.far.test.
ns         IN A   127.0.0.1
_sip._udp  IN SRV 10 10 $far_port sip.far.test.
sip        IN AAAA ::1
sip        IN A   127.0.0.1
ZONE
cat > "$tmp/nsd/nsd.conf" <<NSD
server:
    ip-address: 127.0.0.1@$dns_port
    port: $dns_port
    username: ""
    chroot: ""
    zonesdir: "$tmp/nsd"
    pidfile: "$tmp/nsd/nsd.pid"
    xfrdfile: "$tmp/nsd/xfrd.state"
    xfrdir: "$tmp/nsd"
    zonelistfile: "$tmp/nsd/zone.list"
    database: ""
    server-count: 1
    verbosity: 1
remote-control:
    control-enable: no
zone:
    name: "far.test"
    zonefile: "$tmp/nsd/far.test.zone"
NSD
/usr/sbin/nsd -d -c "$tmp/nsd/nsd.conf" > "$tmp/nsd/stderr" 2>&1 &
nsd_pid=$!
for _ in $(seq 50); do dig +short +time=1 +tries=1 -p "$dns_port" @127.0.0.1 sip.far.test A 2>/dev/null | grep -q 127.0.0.1 && break; sleep 0.1; done
check nsd-answers "$(dig +short -p "$dns_port" @127.0.0.1 sip.far.test AAAA | grep -qx '::1'; echo $?)" "nsd: $(cat "$tmp/nsd/stderr")"
trap 'kill "$nsd_pid" 2>/dev/null; cleanup' EXIT

cat > "$tmp/happysipd.toml" <<CONF
[server]
domains = ["localhost"]
listen = ["udp:127.0.0.1:0", "udp:[::1]:0", "tcp:127.0.0.1:0", "tcp:[::1]:0", "udp:0.0.0.0:0"]
var_dir = "$tmp/var"
drain_ms = 200

[auth]
allow_md5 = true
md5_first = true

[dns]
servers = ["127.0.0.1:$dns_port"]

[log]
level = "debug"
CONF

: > "$tmp/daemon.log"
"$bin" --config "$tmp/happysipd.toml" 2> "$tmp/daemon.log" &
pid=$!
for _ in $(seq 50); do [ "$(grep -c 'event=listening' "$tmp/daemon.log")" -ge 5 ] && break; sleep 0.1; done
port() { grep -oP "event=listening at=$1:\\K[0-9]+" "$tmp/daemon.log"; }
declare -A proxy_port=(
  [udp4]=$(port 'udp:127.0.0.1') [udp6]=$(port 'udp:\[::1\]')
  [tcp4]=$(port 'tcp:127.0.0.1') [tcp6]=$(port 'tcp:\[::1\]') [wild4]=$(port 'udp:0\.0\.0\.0'))
check listening "$([ -n "${proxy_port[udp4]}" ] && [ -n "${proxy_port[tcp6]}" ]; echo $?)" "$(cat "$tmp/daemon.log")"

ip_of() { [ "${1: -1}" = 6 ] && echo '::1' || echo '127.0.0.1'; }
host_of() {  # where a UA sends: the wildcard listener is reached at 127.0.0.2
  case $1 in wild4) echo '127.0.0.2' ;; *6) echo '[::1]' ;; *) echo '127.0.0.1' ;; esac
}
flag_of() { [ "${1:0:3}" = tcp ] && echo '-t t1' || echo '-t u1'; }

sipp_bg_pid=
sipp_uas() {  # sipp_uas NAME SCENARIO FAMILY-TRANSPORT PORT: the called UA, in the background
  # shellcheck disable=SC2046
  timeout 20 sipp -sf "$scenarios/$2" -i "$(ip_of "$3")" -p "$4" $(flag_of "$3") -m 1 \
    -nostdin -trace_msg -message_file "$tmp/$1-uas.log" > /dev/null 2> "$tmp/$1-uas.err" &
  sipp_bg_pid=$!
  wait_bound "$4"
}
sipp_uac() {  # sipp_uac NAME SCENARIO FAMILY-TRANSPORT SERVICE [args]: the caller, waited for
  local name=$1 sf=$2 via=$3 service=$4; shift 4
  # shellcheck disable=SC2046
  timeout 20 sipp -sf "$scenarios/$sf" -s "$service" "$(host_of "$via"):${proxy_port[$via]}" \
    -i "$(ip_of "$via")" -p "$(free_port)" $(flag_of "$via") -m 1 -nostdin -timeout 15s \
    -trace_msg -message_file "$tmp/$name-uac.log" "$@" > /dev/null 2> "$tmp/$name-uac.err"
}
register() {  # register USER FAMILY-TRANSPORT CONTACT-PORT: a binding, with digest auth
  local user=$1; shift
  printf 'SEQUENTIAL\n%s;%s;%s\n' "$user" "$(host_of "$1")" "$2" > "$tmp/reg.csv"
  # shellcheck disable=SC2046
  timeout 20 sipp -sf "$scenarios/register.xml" -inf "$tmp/reg.csv" -au "$user" -ap "$bob_pw" \
    -auth_uri localhost "$(host_of "$1"):${proxy_port[$1]}" -i "$(ip_of "$1")" -p "$(free_port)" \
    $(flag_of "$1") -m 1 -nostdin -timeout 15s -trace_msg -message_file "$tmp/reg-$user.log" \
    > /dev/null 2> "$tmp/reg-$user.err"
  local rc=$?
  check "register-$user-$1" "$rc" "$user could not register over $1 (sipp exit $rc): $(sipp_summary "$tmp/reg-$user.log")
$(grep -F "$user@" "$tmp/daemon.log" | sed 's/^/  |/')"
}

call() {  # call NAME CALLER-VIA CALLEE-VIA: one call through the proxy, both sides checked
  local name=$1 caller=$2 callee=$3 uas_port
  uas_port=$(free_port)
  register "bob-$name" "$callee" "$uas_port"
  sipp_uas "$name" uas_call.xml "$callee" "$uas_port"
  sipp_uac "$name" uac_call.xml "$caller" "bob-$name"
  check "call-$name-caller" $? "caller's scenario failed: $(sipp_summary "$tmp/$name-uac.log")"
  wait "$sipp_bg_pid"
  check "call-$name-callee" $? "callee's scenario failed: $(sipp_summary "$tmp/$name-uas.log")"
}

call udp4 udp4 udp4
call udp6 udp6 udp6
call tcp4 tcp4 tcp4
call tcp6 tcp6 tcp6

# RFC 5658: in on IPv6, out on IPv4: two Record-Route values, the IPv4 side on top at the
# callee; the caller's BYE carries both as Route and still reaches the callee.
call v6-to-v4 udp6 udp4
rr_at_callee=$(awk '/^INVITE /,/^$/' "$tmp/v6-to-v4-uas.log" | grep -c '^Record-Route:')
rr_values=$(awk '/^INVITE /,/^$/' "$tmp/v6-to-v4-uas.log" | grep '^Record-Route:' | tr '\n' ' ')
check double-record-route "$([ "$rr_at_callee" = 2 ] && echo "$rr_values" | grep -q '127.0.0.1.*\[::1\]'; echo $?)" "Record-Route at the callee: $rr_values"
bye_routes=$(awk '/^BYE /,/^$/' "$tmp/v6-to-v4-uac.log" | grep -c '^Route:')
check bye-carries-both-routes "$([ "$bye_routes" -ge 1 ]; echo $?)" "caller's BYE had no Route"

# In at 127.0.0.2 on the wildcard listener, out from the 127.0.0.1 one: two Record-Route
# values, 127.0.0.1 (the callee's side) on top. The caller's BYE names 127.0.0.2 first;
# the proxy must know that address of its wildcard listener as its own, or the BYE would
# loop back to it instead of reaching the callee.
call wild4 wild4 udp4
rr_values=$(awk '/^INVITE /,/^$/' "$tmp/wild4-uas.log" | grep '^Record-Route:' | tr '\n' ' ')
check wildcard-record-route "$(echo "$rr_values" | grep -q "<sip:127.0.0.1:${proxy_port[udp4]};.*<sip:127.0.0.2:${proxy_port[wild4]};"; echo $?)" "Record-Route at the callee: $rr_values"

# CANCEL while ringing (§16.10): the proxy answers the CANCEL, cancels its branch, and
# the callee's 487 comes back as the INVITE's final response.
uas_port=$(free_port)
register bob-cancel udp4 "$uas_port"
sipp_uas cancel uas_cancel.xml udp4 "$uas_port"
sipp_uac cancel uac_cancel.xml udp4 bob-cancel
check cancel-caller $? "caller: $(sipp_summary "$tmp/cancel-uac.log")"
wait "$sipp_bg_pid"
check cancel-callee $? "callee: $(sipp_summary "$tmp/cancel-uas.log")"

# No open relay: another domain without credentials is challenged (407), never forwarded.
sipp_uac relay relay.xml udp4 carol
check relay-challenged $? "relay attempt: $(sipp_summary "$tmp/relay-uac.log")"
relay_call_id=$(grep -oP '^Call-ID: \K.*' "$tmp/relay-uac.log" | head -1 | tr -d '\r')
check relay-not-forwarded "$([ -n "$relay_call_id" ] && ! grep -q "event=proxy_forward .*call_id=$relay_call_id" "$tmp/daemon.log"; echo $?)" "the INVITE to example.net ($relay_call_id) was forwarded"

# A forged "in-dialog" INVITE (To tag, a Route naming the proxy without its dialog token)
# for another domain: challenged like any relay attempt, never forwarded.
forged=$(python3 - "${proxy_port[udp4]}" <<'PY'
import socket, sys
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); s.settimeout(3)
me = "127.0.0.1:%d" % s.getsockname()[1]
s.sendto(("INVITE sip:+19005550100@192.0.2.99 SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bKforged\r\n"
          "Route: <sip:127.0.0.1:%d;lr>\r\nFrom: <sip:bob-udp4@localhost>;tag=f1\r\n"
          "To: <sip:+19005550100@192.0.2.99>;tag=t1\r\nCall-ID: forged-1\r\nCSeq: 2 INVITE\r\n"
          "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n" % (me, port)).encode(), ("127.0.0.1", port))
while True:
    try: line = s.recv(65535).decode().split("\r\n")[0]
    except socket.timeout: print("timeout"); break
    if not line.startswith("SIP/2.0 1"): print(line); break
PY
)
check forged-dialog-challenged "$([[ "$forged" == "SIP/2.0 407"* ]] && ! grep -q 'event=proxy_forward .*call_id=forged-1' "$tmp/daemon.log"; echo $?)" "forged in-dialog INVITE: $forged"

# RFC 3263 + Happy Eyeballs to another domain: alice (authenticated: 407 first) calls
# carol@far.test; the proxy resolves far.test with nsd, tries [::1] (nobody there), and
# after the attempt delay 127.0.0.1, where the called UA answers. The call must be set up
# in well under Timer B (32 s): the SIPp caller gives up at 10 s.
sipp_uas far uas_call.xml udp4 "$far_port"
t0=$(date +%s%N)
sipp_uac far uac_call_auth.xml udp4 carol -au alice -ap "$bob_pw" -auth_uri carol@far.test -timeout 10s
rc=$?; far_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check dns-he-call-caller $rc "caller: $(sipp_summary "$tmp/far-uac.log")"
check dns-he-call-fast "$([ "$far_ms" -lt 3000 ]; echo $?)" "the whole call took $far_ms ms"
echo "call to far.test (IPv6 unanswered, IPv4 after the attempt delay): $far_ms ms"
attempts=$(grep 'event=proxy_attempt' "$tmp/daemon.log" | grep -oP ' to=\K\S+' | tr '\n' ' ')
check dns-he-v6-then-v4 "$([[ "$attempts" == "udp:[::1]:$far_port udp:127.0.0.1:$far_port "* ]]; echo $?)" "attempts: $attempts"
wait "$sipp_bg_pid"
check dns-he-call-callee $? "callee: $(sipp_summary "$tmp/far-uas.log")"
far_invite_v6=$(grep -c 'proxy_resolving' "$tmp/daemon.log")
check dns-resolved "$([ "$far_invite_v6" -ge 1 ]; echo $?)" "no proxy_resolving in the daemon log"

# A user without bindings: 480.
timeout 20 sipp -sf "$scenarios/options_480.xml" -s nobody "127.0.0.1:${proxy_port[udp4]}" -i 127.0.0.1 -p "$(free_port)" \
  -m 1 -nostdin -timeout 10s -trace_msg -message_file "$tmp/nobody.log" > /dev/null 2> "$tmp/nobody.err"
check no-bindings-480 $? "OPTIONS for a user without bindings did not get 480: $(sipp_summary "$tmp/nobody.log")"

# RFC 5626 Outbound over TCP: the registrar answers Require: outbound and keeps the flow
# (the REGISTER's own connection). SIPp closes it when it exits, so the next request for
# the user finds every flow of the instance gone: 480 Flow Failed, and the proxy never
# connects to the Contact (nobody listens on its port: a connection attempt would show as
# a refused branch instead).
ob_port=$(free_port)
printf 'SEQUENTIAL\n%s;%s;%s\n' bob-ob 127.0.0.1 "$ob_port" > "$tmp/reg-ob.csv"
timeout 20 sipp -sf "$scenarios/register_outbound.xml" -inf "$tmp/reg-ob.csv" -au bob-ob \
  -ap "$bob_pw" -auth_uri localhost "127.0.0.1:${proxy_port[tcp4]}" -i 127.0.0.1 \
  -p "$(free_port)" -t t1 -m 1 -nostdin -timeout 15s -trace_msg \
  -message_file "$tmp/reg-ob.log" > /dev/null 2> "$tmp/reg-ob.err"
check outbound-register-require-outbound $? "Outbound REGISTER: $(grep -E '^(SIP/2.0|REGISTER|Require)' "$tmp/reg-ob.log" 2>/dev/null | tr '\n' '|')$(sipp_errors "$tmp/reg-ob.log")"
timeout 20 sipp -sf "$scenarios/options_480.xml" -s bob-ob "127.0.0.1:${proxy_port[udp4]}" -i 127.0.0.1 \
  -p "$(free_port)" -m 1 -nostdin -timeout 10s -trace_msg -message_file "$tmp/flow-failed.log" \
  > /dev/null 2> "$tmp/flow-failed.err"
check outbound-dead-flow-480 $? "request for bob-ob after its flow closed: $(grep -E '^SIP/2.0' "$tmp/flow-failed.log" 2>/dev/null | tr '\n' '|')$(sipp_errors "$tmp/flow-failed.log")"
check outbound-480-says-flow-failed "$(grep -q '^SIP/2.0 480 Flow Failed' "$tmp/flow-failed.log"; echo $?)" "$(grep -E '^SIP/2.0' "$tmp/flow-failed.log" 2>/dev/null | tr '\n' '|')"
check outbound-never-connects-to-contact "$(! grep -E "event=(proxy_attempt|connect_failed|proxy_branch_failed).*:$ob_port" "$tmp/daemon.log" > /dev/null && grep -q 'event=flow_failed' "$tmp/daemon.log"; echo $?)" "$(grep -E "flow_failed|:$ob_port" "$tmp/daemon.log" | tail -3)"

# RFC 5626 §5.1: an Outbound caller over TCP (Contact with "ob", on a port nobody
# listens on) calls a UDP user who then hangs up: the callee's BYE can reach the caller
# only down the caller's own connection, named by the flow token in our Record-Route
# (the TCP side's value of the two: the call also crosses from TCP to UDP, RFC 5658).
uas_port=$(free_port)
register bob-obcall udp4 "$uas_port"
sipp_uas obcall uas_call_hangs_up.xml udp4 "$uas_port"
closed_port=$(free_port)
sipp_uac obcall uac_call_ob.xml tcp4 bob-obcall -key closed_port "$closed_port"
check outbound-caller-gets-callee-bye $? "caller: $(sipp_summary "$tmp/obcall-uac.log")"
wait "$sipp_bg_pid"
check outbound-callee-bye-answered $? "callee: $(sipp_summary "$tmp/obcall-uas.log")"
rr_token=$(awk '/^INVITE /,/^$/' "$tmp/obcall-uas.log" | grep '^Record-Route:' | grep -c 'sip:tcp%3A127.0.0.1%3A[0-9]*~[0-9a-f]\{16\}@')
check outbound-record-route-flow-token "$([ "$rr_token" = 1 ]; echo $?)" "Record-Route at the callee: $(awk '/^INVITE /,/^$/' "$tmp/obcall-uas.log" | grep '^Record-Route:' | tr '\n' ' ')"
check outbound-bye-not-to-contact "$(! grep -E "event=(proxy_attempt|connect_failed|proxy_branch_failed).*:$closed_port" "$tmp/daemon.log" > /dev/null; echo $?)" "$(grep ":$closed_port" "$tmp/daemon.log" | tail -3)"

# RFC 5627: a UA registering with Supported: gruu and an instance gets pub-gruu and
# temp-gruu in the 200; a call to the temp GRUU (opaque: no user name in it) reaches it.
uas_port=$(free_port)
printf 'SEQUENTIAL\n%s;%s;%s\n' bob-gruu 127.0.0.1 "$uas_port" > "$tmp/reg-gruu.csv"
timeout 20 sipp -sf "$scenarios/register_gruu.xml" -inf "$tmp/reg-gruu.csv" -au bob-gruu \
  -ap "$bob_pw" -auth_uri localhost "127.0.0.1:${proxy_port[udp4]}" -i 127.0.0.1 \
  -p "$(free_port)" -m 1 -nostdin -timeout 15s -trace_msg -message_file "$tmp/reg-gruu.log" \
  > /dev/null 2> "$tmp/reg-gruu.err"
check gruu-register-offers-gruus $? "GRUU REGISTER: $(grep -E '^(SIP/2.0|Contact)' "$tmp/reg-gruu.log" 2>/dev/null | tr '\n' '|')$(sipp_errors "$tmp/reg-gruu.log")"
temp_gruu=$(grep -oP 'temp-gruu="\Ksip:tgruu\.[^"]*' "$tmp/reg-gruu.log" | tail -1)
check gruu-temp-is-opaque "$([[ "$temp_gruu" == *';gr' ]] && [[ "$temp_gruu" != *bob* ]]; echo $?)" "temp-gruu: $temp_gruu"
printf 'SEQUENTIAL\n%s\n' "${temp_gruu%;gr}" > "$tmp/gruu-call.csv"
sipp_uas gruu uas_call.xml udp4 "$uas_port"
sipp_uac gruu uac_call_gruu.xml udp4 bob-gruu -inf "$tmp/gruu-call.csv"
check gruu-call-caller $? "caller: $(sipp_summary "$tmp/gruu-uac.log")"
wait "$sipp_bg_pid"
check gruu-call-callee $? "callee: $(sipp_summary "$tmp/gruu-uas.log")"

# sipsak (Debian sipsak): OPTIONS to the server itself.
# (sipsak cuts a five-digit port out of a URI, so the port goes in -r.)
out=$(timeout 10 sipsak -s sip:localhost -r "${proxy_port[udp4]}" -v 2>&1)
check sipsak-options "$(echo "$out" | grep -q 'SIP/2.0 200'; echo $?)" "sipsak: $out"

# Nothing may be left behind in the proxy once every scenario is over.
kill -TERM "$pid"
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
wait "$pid"; rc=$?; pid=
check sigterm-exit-0 "$([ "$rc" = 0 ]; echo $?)" "exit $rc"

if [ "$fail" != 0 ]; then
  echo "--- daemon log (last 40 lines)"; tail -40 "$tmp/daemon.log"
fi
echo "$checks checks, $fail failed"
[ "$fail" = 0 ]

#!/usr/bin/env bash
# RFC 6140 (GIN) in happysipd with real SIPp UAs on loopback (issue 5): the SIP-PBX pbx1,
# configured as a trunk for the block +1555123*, registers once with a bnc Contact and
# Require: gin (digest, MD5: all SIPp speaks) and its 200 is checked; a caller calls
# +15551230042 and the PBX (a SIPp uas) gets the INVITE with the Request-URI RFC 6140
# §6 forms (its Contact with the number as user part, no bnc); pbx2 does the same
# over TCP for +15559870042 (transport=TCP stays in the Request-URI); a number outside
# the blocks gets 480; a bnc REGISTER from a user that is no trunk gets 403; pbx3
# registers with an instance and Supported: gruu and gets the bulk public GRUU (§7.1.1:
# the domain, bnc, gr; no number) and a temp GRUU, and calls to the GRUUs the PBX makes
# from them (a number and its "sg" added; "sg" added to the temp GRUU) reach it with that
# "sg" in the Request-URI; after a restart the trunk's binding (SQLite) still takes its
# numbers.
# Every wait is bounded; only the processes started here are stopped, by PID.
set -u
bin=$1
cli=$2
scenarios=$3
source "$(dirname "$0")/../cli/lib.sh"

pw='Gq7vT2mLx9RbZ4kW'
db="$tmp/var/happysip.sqlite"
for user in pbx1 pbx2 pbx3 notrunk alice; do
  printf '%s\n' "$pw" | "$cli" user add "$user" --db "$db" --realm localhost \
    --password-stdin > /dev/null 2>&1
  check "user-add-$user" $? "happysip user add $user failed"
done

cat > "$tmp/happysipd.toml" <<CONF
[server]
domains = ["localhost"]
listen = ["udp:127.0.0.1:0", "tcp:127.0.0.1:0"]
var_dir = "$tmp/var"
drain_ms = 200

[auth]
allow_md5 = true
md5_first = true

[[gin.trunk]]
aor = "sip:pbx1@localhost"
uris = ["sip:+1555123*@localhost"]

[[gin.trunk]]
aor = "sip:pbx2@localhost"
uris = ["sip:+1555987*@localhost"]

[[gin.trunk]]
aor = "sip:pbx3@localhost"
uris = ["sip:+1555456*@localhost"]

[log]
level = "debug"
CONF

declare -A proxy_port=()
start_daemon() {  # start_daemon LOG: happysipd in the background, its ports in $proxy_port
  start_happysipd "$tmp/happysipd.toml" "$1" 2
  proxy_port[u1]=$(listening_port "$1" udp:127.0.0.1)
  proxy_port[t1]=$(listening_port "$1" tcp:127.0.0.1)
}
stop_daemon() { stop_happysipd; }
start_daemon "$tmp/daemon.log"
check listening "$([ -n "${proxy_port[u1]}" ] && [ -n "${proxy_port[t1]}" ]; echo $?)" "$(cat "$tmp/daemon.log")"
check trunk-logged "$(grep -q 'event=gin_trunk aor=sip:pbx1@localhost uris=1' "$tmp/daemon.log"; echo $?)" "$(grep gin_trunk "$tmp/daemon.log")"

sipp_bg_pid=
register_as() {  # register_as NAME SCENARIO USER CONTACT-PORT [TRANSPORT [INSTANCE]]: waited for
  local t=${5:-u1}
  printf 'SEQUENTIAL\n%s;127.0.0.1;%s%s\n' "$3" "$4" "${6:+;$6}" > "$tmp/$1.csv"
  timeout 20 sipp -sf "$scenarios/$2" -inf "$tmp/$1.csv" -au "$3" -ap "$pw" -auth_uri localhost \
    "127.0.0.1:${proxy_port[$t]}" -i 127.0.0.1 -p "$(free_port)" -t "$t" -m 1 -nostdin \
    -timeout 15s -trace_msg -message_file "$tmp/$1.log" > /dev/null 2> "$tmp/$1.err"
}
# call_number NAME PBX-PORT NUMBER [TRANSPORT]: the PBX (listening on PBX-PORT over
# TRANSPORT, u1 or t1) answers NUMBER; alice calls it over UDP.
call_number() {
  local t=${4:-u1}
  pbx_answers "$1" "$2" "$t"
  timeout 20 sipp -sf "$scenarios/uac_call.xml" -s "$3" "127.0.0.1:${proxy_port[u1]}" \
    -i 127.0.0.1 -p "$(free_port)" -t u1 -m 1 -nostdin -timeout 15s -trace_msg \
    -message_file "$tmp/$1-uac.log" > /dev/null 2> "$tmp/$1-uac.err"
  call_done "$1" "sip:$3@127.0.0.1:$2;transport=$([ "$t" = t1 ] && echo TCP || echo UDP)"
}
# call_gruu NAME PBX-PORT GRUU-URI GR-PARAM SG-PARAM WANT-RURI: alice calls
# GRUU-URI;GR-PARAM;SG-PARAM over UDP; the PBX must get WANT-RURI.
call_gruu() {
  pbx_answers "$1" "$2" u1
  printf 'SEQUENTIAL\n%s;%s;%s\n' "$3" "$4" "$5" > "$tmp/$1.csv"
  timeout 20 sipp -sf "$scenarios/uac_call_gin_gruu.xml" -inf "$tmp/$1.csv" \
    "127.0.0.1:${proxy_port[u1]}" -i 127.0.0.1 -p "$(free_port)" -t u1 -m 1 -nostdin \
    -timeout 15s -trace_msg -message_file "$tmp/$1-uac.log" > /dev/null 2> "$tmp/$1-uac.err"
  call_done "$1" "$6"
}
pbx_answers() {  # pbx_answers NAME PBX-PORT TRANSPORT: the PBX's SIPp uas, in the background
  timeout 20 sipp -sf "$scenarios/uas_gin_call.xml" -i 127.0.0.1 -p "$2" -t "$3" -m 1 \
    -nostdin -trace_msg -message_file "$tmp/$1-uas.log" > /dev/null 2> "$tmp/$1-uas.err" &
  sipp_bg_pid=$!
  wait_bound "$2"
}
call_done() {  # call_done NAME WANT-RURI: after the caller's run, checks both ends
  check "$1-caller" $? "caller: $(sipp_summary "$tmp/$1-uac.log")"
  wait "$sipp_bg_pid"
  check "$1-pbx" $? "PBX: $(sipp_summary "$tmp/$1-uas.log")"
  local ruri
  ruri=$(grep -m1 '^INVITE ' "$tmp/$1-uas.log" | tr -d '\r')
  check "$1-request-uri" "$([ "$ruri" = "INVITE $2 SIP/2.0" ]; echo $?)" "at the PBX: $ruri"
}

# The trunk registers once for its block.
pbx_port=$(free_port)
register_as register-gin register_gin.xml pbx1 "$pbx_port"
check gin-register-200-headers $? "bulk REGISTER: $(grep -E '^(SIP/2.0|Contact|Require)' "$tmp/register-gin.log" 2>/dev/null | tr '\n' '|')"
check gin-register-logged "$(grep -q 'event=register .*status=200 .*to=<sip:pbx1@localhost> user=pbx1 bindings=1' "$tmp/daemon.log"; echo $?)" "$(grep 'event=register' "$tmp/daemon.log" | tail -1)"

# A call for one of its numbers reaches the PBX with the number in the Request-URI.
call_number call "$pbx_port" +15551230042

# The same for a trunk registered over TCP: the call reaches it over TCP.
pbx2_port=$(free_port)
register_as register-gin-tcp register_gin.xml pbx2 "$pbx2_port" t1
check gin-register-tcp $? "bulk REGISTER over TCP: $(grep -E '^(SIP/2.0|Contact|Require)' "$tmp/register-gin-tcp.log" 2>/dev/null | tr '\n' '|')"
call_number call-tcp "$pbx2_port" +15559870042 t1

# A number outside every block and binding: 480.
timeout 20 sipp -sf "$scenarios/options_480.xml" -s +15551240042 "127.0.0.1:${proxy_port[u1]}" -i 127.0.0.1 -p "$(free_port)" \
  -m 1 -nostdin -timeout 10s -trace_msg -message_file "$tmp/outside.log" > /dev/null 2> "$tmp/outside.err"
check outside-block-480 $? "OPTIONS for +15551240042 did not get 480: $(sipp_summary "$tmp/outside.log")"

# A user who is no trunk cannot register a block.
register_as register-refused register_gin_refused.xml notrunk "$(free_port)"
check non-trunk-bnc-403 $? "bnc REGISTER by notrunk: $(sipp_summary "$tmp/register-refused.log")"

# RFC 6140 §7.1: pbx3 registers with an instance and Supported: gruu. The 200 gives the
# bulk public GRUU, exactly: the domain with bnc and gr, no number.
pbx3_port=$(free_port)
urn=urn:uuid:6f1c3d2a-0000-4000-8000-00000000b0c3
register_as register-gin-gruu register_gin_gruu.xml pbx3 "$pbx3_port" u1 "$urn"
check gin-gruu-register $? "bulk REGISTER with gruu: $(grep -E '^(SIP/2.0|Contact)' "$tmp/register-gin-gruu.log" 2>/dev/null | tr '\n' '|')"
pub_gruu=$(grep -oP 'pub-gruu="\K[^"]*' "$tmp/register-gin-gruu.log" | tail -1)
check gin-pub-gruu-form "$([ "$pub_gruu" = "sip:localhost;bnc;gr=$urn" ]; echo $?)" "pub-gruu: $pub_gruu"
temp_gruu=$(grep -oP 'temp-gruu="\Ksip:tgruu\.[^"]*' "$tmp/register-gin-gruu.log" | tail -1)
check gin-temp-gruu-opaque "$([[ "$temp_gruu" == *'@localhost;gr' ]] && [[ "$temp_gruu" != *pbx3* ]]; echo $?)" "temp-gruu: $temp_gruu"
# The PBX's GRUU for its UA on +15554560042: a number put in, bnc out, "sg" added.
call_gruu call-pub-gruu "$pbx3_port" sip:+15554560042@localhost "gr=$urn" sg=dev7 \
  "sip:+15554560042@127.0.0.1:$pbx3_port;transport=UDP;sg=dev7"
# Its temp GRUU with "sg" added: the PBX is reached by its own name, with the "sg".
call_gruu call-temp-gruu "$pbx3_port" "${temp_gruu%;gr}" gr sg=dev7 \
  "sip:pbx3@127.0.0.1:$pbx3_port;transport=UDP;sg=dev7"

# The trunk's binding is in SQLite: after a restart its numbers still reach it.
stop_daemon
check first-sigterm-exit-0 $? "exit status"
start_daemon "$tmp/daemon2.log"
check listening-again "$([ -n "${proxy_port[u1]}" ]; echo $?)" "$(cat "$tmp/daemon2.log")"
call_number after-restart "$pbx_port" +15551230042

stop_daemon
rc=$?
check sigterm-exit-0 "$([ "$rc" = 0 ]; echo $?)" "exit $rc"

if [ "$fail" != 0 ]; then
  echo "--- daemon log (last 40 lines)"; tail -40 "$tmp/daemon.log"
  [ -f "$tmp/daemon2.log" ] && { echo "--- after restart"; tail -20 "$tmp/daemon2.log"; }
fi
echo "$checks checks, $fail failed"
[ "$fail" = 0 ]

#!/usr/bin/env bash
# happysipd and Kamailio (Debian 5.6, kamailio-outbound-modules) as neighbours in SIP
# Outbound (RFC 5626), in both roles, on loopback:
#  A. happysipd is the edge proxy of kam.test ([edge] domains), Kamailio its registrar
#     (kamailio/registrar.cfg). alice (SIPp, TCP) registers through happysipd: the REGISTER
#     reaches Kamailio with happysipd's Path (flow token, "ob"), Kamailio's 200 says
#     Require: outbound. A caller's INVITE for alice@kam.test goes to Kamailio (the home
#     proxy), back along the Path to happysipd and down alice's connection (her Contact's
#     port has nobody listening). Once alice's connection is gone, the next call gets
#     430 Flow Failed from happysipd, relayed by Kamailio.
#  B. Kamailio is the edge proxy (kamailio/edge.cfg), happysipd the registrar of
#     localhost. bob registers two flows of one instance (reg-id 1 and 2, two connections)
#     through Kamailio with digest (happysipd challenges): the Path Kamailio adds has "ob",
#     so happysipd's 200 says Require: outbound. A call for bob sent to happysipd goes
#     along the newer flow's Path to Kamailio and down that flow, never down both (RFC 5626
#     §5.3). With that flow gone, Kamailio answers 430 and happysipd tries the instance's
#     other flow: the call still reaches bob. With both gone, the caller sees the 430.
# Every wait is bounded; only the processes started here are stopped, by PID.
set -u
bin=$1
cli=$2
scenarios=$3
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../cli/lib.sh"

for tool in kamailio sipp; do
  command -v "$tool" > /dev/null
  check "$tool-installed" $? "$tool is not installed (scripts/install-deps installs it)"
done
modules=$(dirname "$(find /usr/lib -name outbound.so -path '*kamailio*' 2>/dev/null | head -1)")
[ -n "$modules" ] && [ -f "$modules/outbound.so" ]
check kamailio-outbound-module $? "kamailio's outbound.so is missing (kamailio-outbound-modules)"
[ "$fail" = 0 ] || { echo "$checks checks, $fail failed"; exit 1; }

kam_pid=; ua_pids=()
stop_all() {
  for p in "${ua_pids[@]}"; do kill "$p" 2>/dev/null; done
  [ -n "$kam_pid" ] && kill -TERM "$kam_pid" 2>/dev/null
  [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
  for p in "${ua_pids[@]}" $kam_pid $pid; do  # bounded: 5 s each at most
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  done
  ua_pids=(); kam_pid=; pid=
}
trap 'stop_all; rm -rf "$tmp"' EXIT
logs() {  # after a failure
  echo "--- happysipd (last 40 lines)"; tail -40 "$tmp/$1/daemon.log"
  echo "--- kamailio (last 40 lines)"; tail -40 "$tmp/$1/kamailio.log"
}

dead_port=$(free_port)  # nobody listens there: a Contact that cannot be connected to

configure_and_start() {  # configure_and_start DIR EXTRA-TOML: sets pid, udp_port, tcp_port
  local dir=$1
  cat > "$dir/happysipd.toml" <<CONF
[server]
domains = ["localhost"]
listen = ["udp:127.0.0.1:0", "tcp:127.0.0.1:0"]
var_dir = "$dir/var"
drain_ms = 200

[log]
level = "debug"
$2
CONF
  start_happysipd "$dir/happysipd.toml" "$dir/daemon.log" 2
  udp_port=$(listening_port "$dir/daemon.log" udp:127.0.0.1)
  tcp_port=$(listening_port "$dir/daemon.log" tcp:127.0.0.1)
  [ -n "$udp_port" ] && [ -n "$tcp_port" ]
}

start_kamailio() {  # start_kamailio DIR CFG DEFINES...: sets kam_pid, kam_port
  local dir=$1 cfg=$2; shift 2
  kam_port=$(free_port)
  kamailio -f "$here/kamailio/$cfg" -A "KPORT=$kam_port" "$@" -DD -E -Y "$dir" \
    -P "$dir/kamailio.pid" -m 64 -M 8 > "$dir/kamailio.log" 2>&1 &
  kam_pid=$!
  for _ in $(seq 50); do
    ss -ltn "sport = :$kam_port" | grep -q LISTEN && ss -lun "sport = :$kam_port" | grep -q UNCONN \
      && return 0
    sleep 0.1
  done
  return 1
}

# register_ua DIR USER REG-ID DOMAIN PROXY-PORT [sipp args]: the UA registers a flow over
# TCP and stays for 12 s in the background (its PID appended to ua_pids), answering calls
# that come down its connection (edge_uas_call.xml: its Contact is dead too). Its trace:
# DIR/USER-REG-ID.log.
register_ua() {
  local dir=$1 user=$2 reg_id=$3 domain=$4 port=$5 ua; shift 5
  local trace="$dir/$user-$reg_id.log"
  timeout 25 sipp -sf "$scenarios/edge_register.xml" -oocsf "$scenarios/edge_uas_call.xml" \
    -s "$user" -key domain "$domain" -key contact_port "$dead_port" -key reg_id "$reg_id" \
    "127.0.0.1:$port" -i 127.0.0.1 -p "$(free_port)" -t t1 -m 1 -d 12000 -nostdin \
    -timeout 20s -trace_msg -message_file "$trace" "$@" > /dev/null 2> "${trace%.log}.err" &
  ua=$!
  ua_pids+=("$ua")
  # Registered once the 200 with Require: outbound is in its trace.
  for _ in $(seq 50); do
    grep -q 'Require:[^\r]*outbound' "$trace" 2>/dev/null && return 0
    kill -0 "$ua" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
invites_at() { grep -c '^INVITE sip:' "$1" 2>/dev/null; }  # INVITEs a UA's trace holds
call() {  # call DIR NAME SCENARIO USER DOMAIN PORT: the caller over UDP, waited for
  timeout 20 sipp -sf "$scenarios/$3" -s "$4" -key domain "$5" "127.0.0.1:$6" -i 127.0.0.1 \
    -p "$(free_port)" -t u1 -m 1 -nostdin -timeout 15s -trace_msg \
    -message_file "$1/$2-uac.log" > /dev/null 2> "$1/$2-uac.err"
}
stop_ua() {  # stop_ua INDEX: that UA's connection closes with it (by PID, bounded)
  local p=${ua_pids[$1]}
  kill "$p" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  sleep 0.3  # the FIN reaches the edge
}

# ---- A: happysipd is the edge, Kamailio the registrar of kam.test --------------------------
a="$tmp/a"; mkdir -p "$a/var"
start_kamailio "$a" registrar.cfg
check a-kamailio-up $? "Kamailio (registrar) did not listen: $(tail -5 "$a/kamailio.log")"
configure_and_start "$a" "[edge]
domains = [\"kam.test\"]
registrar = \"sip:127.0.0.1:$kam_port\""
check a-happysipd-up $? "happysipd did not listen: $(tail -5 "$a/daemon.log")"

register_ua "$a" alice 1 kam.test "$tcp_port"
check a-register-through-edge $? "alice did not register at Kamailio through happysipd: $(sipp_summary "$a/alice-1.log")"
grep -qE 'registrar: REGISTER sip:alice@kam.test Path=<sip:[^@>]+~[0-9a-f]{16}@127.0.0.1:'"$udp_port"';lr;ob>' \
  "$a/kamailio.log"
check a-path-has-flow-token-and-ob $? "Kamailio did not see happysipd's Path with a flow token and ob: $(grep -m1 'registrar: REGISTER' "$a/kamailio.log")"

call "$a" call1 edge_uac_call.xml alice kam.test "$udp_port"
check a-call-down-the-flow $? "the call to alice@kam.test through happysipd and Kamailio failed: $(sipp_summary "$a/call1-uac.log")"
grep -q 'INVITE sip:alice@127.0.0.1:'"$dead_port" "$a/alice-1.log"
check a-invite-reached-the-flow $? "alice did not receive the INVITE over her connection"
grep -q "event=proxy_branch.*flow=true" "$a/daemon.log"
check a-edge-used-the-flow $? "happysipd did not send down a flow: $(grep -m3 proxy_branch "$a/daemon.log")"

stop_ua 0
call "$a" call2 edge_uac_flow_failed.xml alice kam.test "$udp_port"
check a-dead-flow-430 $? "a call to alice with her flow gone did not get 430 Flow Failed: $(sipp_summary "$a/call2-uac.log")"
! grep -q "SYN\|connect.*:$dead_port" "$a/daemon.log"
check a-never-connected-to-contact $? "happysipd tried alice's Contact"
[ "$fail" = 0 ] || logs a
stop_all

# ---- B: Kamailio is the edge, happysipd the registrar of localhost ----------------------------
b="$tmp/b"; mkdir -p "$b/var"
bob_pw='Tw6pRz3mQx8vLk2N'
printf '%s\n' "$bob_pw" | "$cli" user add bob --db "$b/var/happysip.sqlite" --realm localhost \
  --password-stdin > /dev/null 2>&1
check b-user-add-bob $? "happysip user add bob failed"
configure_and_start "$b" "[auth]
allow_md5 = true
md5_first = true   # SIPp answers the first challenge, and speaks MD5 only"
check b-happysipd-up $? "happysipd did not listen: $(tail -5 "$b/daemon.log")"
start_kamailio "$b" edge.cfg -A "HS_URI=\"sip:127.0.0.1:$udp_port\""
check b-kamailio-up $? "Kamailio (edge) did not listen: $(tail -5 "$b/kamailio.log")"

register_ua "$b" bob 1 localhost "$kam_port" -au bob -ap "$bob_pw" -auth_uri localhost
check b-register-flow-1-through-kamailio $? "bob's flow 1 did not register at happysipd through Kamailio: $(sipp_summary "$b/bob-1.log")"
sleep 1.1  # the second registration is the newer one, to the second
register_ua "$b" bob 2 localhost "$kam_port" -au bob -ap "$bob_pw" -auth_uri localhost
check b-register-flow-2-through-kamailio $? "bob's flow 2 did not register at happysipd through Kamailio: $(sipp_summary "$b/bob-2.log")"
[ "$(grep -cE 'event=register .*status=200 .*user=bob' "$b/daemon.log")" -ge 2 ]
check b-registrar-took-both "$?" "happysipd logged no two 200s for bob: $(grep 'event=register' "$b/daemon.log" | tail -3)"
bindings=$(sqlite3 "$b/var/happysip.sqlite" 'SELECT reg_id FROM bindings ORDER BY reg_id' 2>&1 | tr '\n' ' ')
check b-two-bindings-one-instance "$([ "$bindings" = "1 2 " ]; echo $?)" "bindings: $bindings"

call "$b" call1 edge_uac_call.xml bob localhost "$udp_port"
check b-call-through-kamailio-flow $? "the call to bob through Kamailio's flow failed: $(sipp_summary "$b/call1-uac.log")"
# One flow of the instance at a time, the newer one (RFC 5626 §5.3).
check b-newer-flow-only "$([ "$(invites_at "$b/bob-2.log")" = 1 ] && [ "$(invites_at "$b/bob-1.log")" = 0 ]; echo $?)" \
  "INVITEs at flow 2: $(invites_at "$b/bob-2.log"), at flow 1: $(invites_at "$b/bob-1.log")"
grep -q 'INVITE sip:bob@127.0.0.1:'"$dead_port" "$b/bob-2.log"
check b-invite-reached-the-flow $? "bob did not receive the INVITE over his connection"

stop_ua 1  # flow 2 goes: Kamailio answers 430, happysipd tries flow 1
call "$b" call2 edge_uac_call.xml bob localhost "$udp_port"
check b-failover-to-the-other-flow $? "with flow 2 gone, the call did not reach bob over flow 1: $(sipp_summary "$b/call2-uac.log")"
check b-failover-invite-at-flow-1 "$([ "$(invites_at "$b/bob-1.log")" = 1 ]; echo $?)" \
  "INVITEs at flow 1: $(invites_at "$b/bob-1.log")"
grep -q 'event=proxy_flow_failover .*status=430' "$b/daemon.log"
check b-failover-logged $? "no proxy_flow_failover with status=430 in happysipd's log"

stop_ua 0  # both gone: the caller sees the edge's 430
call "$b" call3 edge_uac_flow_failed.xml bob localhost "$udp_port"
check b-dead-flows-430 $? "a call to bob with both flows gone did not get 430 Flow Failed: $(sipp_summary "$b/call3-uac.log")"
[ "$fail" = 0 ] || logs b
stop_all

echo "$checks checks, $fail failed"
[ "$fail" = 0 ]

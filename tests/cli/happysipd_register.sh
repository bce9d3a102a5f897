#!/usr/bin/env bash
# Checks happysipd as a registrar on loopback: sipp (Debian sip-tester) REGISTERs over UDP
# and TCP on IPv4 and IPv6 and gets 200 with its Contact and expires; Python registers
# over TLS on ::1 (certificate made here); expires=10 gets 423 with Min-Expires; a query
# REGISTER lists the binding; after kill -9 and a restart on the same database the
# binding is still there; OPTIONS to the server gets 200, an INVITE for a user without a
# binding 100 then 480 (the proxy's answer); --check-config
# names the key and the line of a bad value (exit 2) and lists the effective listeners
# ([tls] only = true keeps the TLS ones); SIGTERM ends it with 0.
# Authentication is disabled here ([auth] enabled = false: these checks are about the
# registrar, and sipp's digest is MD5 only); the loud warning is checked, and
# happysipd_auth.sh covers the authenticated path.
# Every wait is bounded; only the processes started here are stopped, by PID.
set -u
bin=$1
source "$(dirname "$0")/lib.sh"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
  -addext subjectAltName=URI:sip:localhost,IP:::1 -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
  > /dev/null 2>&1
cat > "$tmp/happysipd.toml" <<EOF
[server]
domains = ["localhost"]
listen = ["udp:127.0.0.1:0", "udp:[::1]:0", "tcp:127.0.0.1:0", "tcp:[::1]:0", "tls:[::1]:0"]
var_dir = "$tmp/var"
drain_ms = 500

[tls]
certificate = "$tmp/cert.pem"
private_key = "$tmp/key.pem"

[registrar]
min_expires = 60
default_expires = 3600
max_expires = 7200

[auth]
enabled = false
EOF

start_daemon() {  # start_daemon LOG: starts happysipd, waits for its 5 listeners, reads ports
  start_happysipd "$tmp/happysipd.toml" "$tmp/$1" 5
  local log="$tmp/$1"
  u4=$(listening_port "$log" udp:127.0.0.1); u6=$(listening_port "$log" 'udp:\[::1\]')
  t4=$(listening_port "$log" tcp:127.0.0.1); t6=$(listening_port "$log" 'tcp:\[::1\]')
  l6=$(listening_port "$log" 'tls:\[::1\]')
  check "listening-$1" "$([ -n "$u4" ] && [ -n "$u6" ] && [ -n "$t4" ] && [ -n "$t6" ] && [ -n "$l6" ]; echo $?)" "$(cat "$tmp/$1")"
}

scenario() {  # scenario FILE USER EXPIRES-HEADER-LINE CONTACT-LINE STATUS
  cat > "$tmp/$1" <<XML
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="register">
  <send>
    <![CDATA[

      REGISTER sip:localhost SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: <sip:$2@localhost>;tag=[call_number]
      To: <sip:$2@localhost>
      Call-ID: [call_id]
      CSeq: 1 REGISTER
      Max-Forwards: 70
      $3
      $4
      Content-Length: 0

    ]]>
  </send>
  <recv response="$5" timeout="3000"/>
</scenario>
XML
}

sipp_run() {  # sipp_run NAME SCENARIO TARGET LOCAL_IP LOCAL_PORT [-t t1]: one call, traced
  local name=$1 sf=$2 target=$3 ip=$4 lport=$5; shift 5
  timeout 15 sipp -sf "$tmp/$sf" "$target" -i "$ip" -p "$lport" -m 1 -nostdin \
    -timeout 10s -trace_msg -message_file "$tmp/$name.log" "$@" > /dev/null 2>&1
  check "sipp-$name" $? "sipp did not get the expected response from $target"
}

start_daemon start1.log
grep -q 'level=warning event=auth_disabled' "$tmp/start1.log" && grep -q 'AUTHENTICATION IS DISABLED' "$tmp/start1.log"
check auth-disabled-warning $? "$(head -20 "$tmp/start1.log")"

# A binding per transport and family, each with a Contact naming the sipp socket.
register() {  # register NAME TARGET LOCAL_IP URI_HOST [-t t1] (sipp writes [local_ip])
  local name=$1 target=$2 ip=$3 host=$4; shift 4
  local lport=$((20000 + RANDOM % 30000))
  scenario "$name.xml" "alice-$name" "Expires: 3600" \
    "Contact: <sip:alice-$name@[local_ip]:[local_port];transport=[transport]>" 200
  sipp_run "$name" "$name.xml" "$target" "$ip" "$lport" "$@"
  grep -qiP "^Contact: <sip:alice-$name@\\Q$host\\E:$lport;transport=(udp|tcp)>;expires=3600" "$tmp/$name.log" 2>/dev/null
  check "200-contact-$name" $? "no Contact with expires=3600 in the 200: $(grep -A12 'SIP/2.0 ' "$tmp/$name.log" 2>/dev/null | head -20)"
}
register udp4 "127.0.0.1:$u4" 127.0.0.1 127.0.0.1
register udp6 "[::1]:$u6" ::1 '[::1]'
register tcp4 "127.0.0.1:$t4" 127.0.0.1 127.0.0.1 -t t1
register tcp6 "[::1]:$t6" ::1 '[::1]' -t t1
check register-logged "$([ "$(grep -c 'event=register .*status=200' "$tmp/start1.log")" -ge 4 ]; echo $?)" "$(cat "$tmp/start1.log")"
grep -q 'event=register call_id=[^ ]* status=200 .*source=udp:\[::1\]:' "$tmp/start1.log"
check register-log-fields $? "$(grep event=register "$tmp/start1.log")"

# Too short: 423 with Min-Expires (RFC 3261 §10.3 step 7).
lport=$((20000 + RANDOM % 30000))
scenario short.xml alice-udp4 "Expires: 10" "Contact: <sip:alice-udp4@127.0.0.1:$lport>" 423
sipp_run short short.xml "127.0.0.1:$u4" 127.0.0.1 "$lport"
grep -q '^Min-Expires: 60' "$tmp/short.log" 2>/dev/null
check 423-min-expires $? "$(grep -A8 'SIP/2.0 423' "$tmp/short.log" 2>/dev/null)"

# TLS on ::1: Python's ssl module with the test's certificate as the trust anchor.
python3 - "$l6" "$tmp/cert.pem" > "$tmp/tls.txt" 2>&1 <<'PY'
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2]); ctx.check_hostname = False
s = ctx.wrap_socket(socket.create_connection(("::1", int(sys.argv[1])), timeout=3),
                    server_hostname="localhost")
me = "[::1]:%d" % s.getsockname()[1]
s.sendall(("REGISTER sip:localhost SIP/2.0\r\nVia: SIP/2.0/TLS %s;branch=z9hG4bKtls1;alias\r\n"
           "From: <sip:alice-tls@localhost>;tag=1\r\nTo: <sip:alice-tls@localhost>\r\n"
           "Call-ID: tls-1\r\nCSeq: 1 REGISTER\r\nMax-Forwards: 70\r\n"
           "Contact: <sips:alice-tls@%s>\r\nExpires: 600\r\nContent-Length: 0\r\n\r\n" % (me, me)).encode())
print(s.recv(65535).decode())
PY
grep -q '^SIP/2.0 200 OK' "$tmp/tls.txt" && grep -q '^Contact: <sips:alice-tls@\[::1\]:[0-9]*>;expires=600' "$tmp/tls.txt"
check tls-register $? "$(cat "$tmp/tls.txt")"

query() {  # query NAME PORT: a REGISTER without Contact lists alice-udp4's bindings
  local lport=$((20000 + RANDOM % 30000))
  scenario "q-$1.xml" alice-udp4 "" "" 200
  sipp_run "$1" "q-$1.xml" "127.0.0.1:$2" 127.0.0.1 "$lport"
  grep -qi '^Contact: <sip:alice-udp4@127.0.0.1:[0-9]*;transport=udp>;expires=[0-9]*' "$tmp/$1.log" 2>/dev/null
}
query query1 "$u4"; check query-lists-binding $? "$(grep -A12 'SIP/2.0 200' "$tmp/query1.log" 2>/dev/null)"

# Raw UDP: OPTIONS to the server, an INVITE, a REGISTER whose To URI does not parse (the
# registrar's 400), a request whose To cannot be located (the front door's 400, with the
# parser's reason), the retransmission of a REGISTER (answered again, logged once).
python3 - "$u4" > "$tmp/raw.txt" 2>&1 <<'PY'
import socket, sys
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); s.settimeout(2)
me = "127.0.0.1:%d" % s.getsockname()[1]
def ask(method, uri, branch, to=None, extra=""):
    msg = ("%s %s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=%s;rport\r\nFrom: <sip:p@x>;tag=1\r\n"
           "To: %s\r\nCall-ID: raw-%s\r\nCSeq: 7 %s\r\nMax-Forwards: 70\r\n%s"
           "Content-Length: 0\r\n\r\n") % (method, uri, me, branch, to or "<%s>" % uri, branch,
                                           method, extra)
    s.sendto(msg.encode(), ("127.0.0.1", port))
    try: return s.recv(65535).decode()
    except socket.timeout: return "timeout"
r = ask("OPTIONS", "sip:localhost", "z9hG4bKo1"); print("options", r.split("\r\n")[0]); print(r)
first = ask("INVITE", "sip:bob@localhost", "z9hG4bKi1").split("\r\n")[0]
try: final = s.recv(65535).decode().split("\r\n")[0]
except socket.timeout: final = "timeout"
print("invite", first); print("invite-final", final)
print("badto", ask("REGISTER", "sip:localhost", "z9hG4bKb1", to="<sip:>",
                  extra="Contact: <sip:p@%s>\r\n" % me).split("\r\n")[0])
print("unclosedto", ask("OPTIONS", "sip:localhost", "z9hG4bKb2",
                        to="<sip:localhost").split("\r\n")[0])
reg = lambda: ask("REGISTER", "sip:localhost", "z9hG4bKr1", to="<sip:carol@localhost>",
                  extra="Contact: <sip:carol@%s>\r\n" % me).split("\r\n")[0]
print("register", reg()); print("again", reg())
# A refresh of carol's binding (same Call-ID and Contact, higher CSeq, shorter expiry):
# the store writes it to its refresh journal, not to SQLite; it must survive kill -9.
refresh = ("REGISTER sip:localhost SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bKr2;rport\r\n"
           "From: <sip:p@x>;tag=1\r\nTo: <sip:carol@localhost>\r\nCall-ID: raw-z9hG4bKr1\r\n"
           "CSeq: 8 REGISTER\r\nMax-Forwards: 70\r\nContact: <sip:carol@%s>\r\nExpires: 900\r\n"
           "Content-Length: 0\r\n\r\n") % (me, me)
s.sendto(refresh.encode(), ("127.0.0.1", port))
try: print("refresh", s.recv(65535).decode().split("\r\n")[0])
except socket.timeout: print("refresh timeout")
PY
grep -q '^options SIP/2.0 200' "$tmp/raw.txt" && grep -q '^Allow: .*REGISTER' "$tmp/raw.txt"
check options-200 $? "$(cat "$tmp/raw.txt")"
grep -q '^badto SIP/2.0 400 bad To header' "$tmp/raw.txt"; check bad-to-400-reason $? "$(cat "$tmp/raw.txt")"
grep -q "^unclosedto SIP/2.0 400 Bad Request: bad To header.*missing '>'" "$tmp/raw.txt"
check unclosed-to-400-reason $? "$(cat "$tmp/raw.txt")"
grep -q '^register SIP/2.0 200' "$tmp/raw.txt" && grep -q '^again SIP/2.0 200' "$tmp/raw.txt"
check retransmission-answered $? "$(cat "$tmp/raw.txt")"
# Two lines for that Call-ID: the REGISTER with its retransmission, then the refresh.
check retransmission-one-transaction "$([ "$(grep -c 'event=register call_id=raw-z9hG4bKr1' "$tmp/start1.log")" = 2 ]; echo $?)" "$(grep raw-z9hG4bKr1 "$tmp/start1.log")"
grep -q '^invite SIP/2.0 100' "$tmp/raw.txt" && grep -q '^invite-final SIP/2.0 480' "$tmp/raw.txt"
check invite-100-then-480 $? "$(cat "$tmp/raw.txt")"
grep -q '^refresh SIP/2.0 200' "$tmp/raw.txt"; check refresh-200 $? "$(cat "$tmp/raw.txt")"

# kill -9, then the same database: the bindings survive.
kill -KILL "$pid"; wait "$pid" 2>/dev/null; pid=
start_daemon start2.log
query query2 "$u4"; check binding-survives-kill-9 $? "$(grep -A12 'SIP/2.0 200' "$tmp/query2.log" 2>/dev/null)"
# carol's refresh came back too: her binding expires in at most 900 s, not the 3600 of her
# first REGISTER (the refresh journal replayed over the SQLite row).
python3 - "$u4" > "$tmp/carol.txt" 2>&1 <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); s.settimeout(2)
me = "127.0.0.1:%d" % s.getsockname()[1]
s.sendto(("REGISTER sip:localhost SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bKq9;rport\r\n"
          "From: <sip:p@x>;tag=1\r\nTo: <sip:carol@localhost>\r\nCall-ID: carol-query\r\n"
          "CSeq: 1 REGISTER\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n" % me).encode(),
         ("127.0.0.1", int(sys.argv[1])))
print(s.recv(65535).decode())
PY
expires=$(grep -oiP '^Contact: <sip:carol@[^>]*>;expires=\K[0-9]+' "$tmp/carol.txt")
check refresh-survives-kill-9 "$([ -n "$expires" ] && [ "$expires" -le 900 ] && [ "$expires" -gt 800 ]; echo $?)" "expires=$expires: $(cat "$tmp/carol.txt")"

stop_happysipd; rc=$?
check sigterm-exit-0 "$([ "$rc" = 0 ]; echo $?)" "exit $rc after SIGTERM"
grep -q 'event=stopped' "$tmp/start2.log"; check stopped-logged $? "$(tail -3 "$tmp/start2.log")"

# Bad configurations: exit 2, the file, the line and the key named.
bad_config unknown-key "$tmp/unknown-key.toml:5: registrar.min_expire: unknown key" < <(printf '[server]\ndomains = ["localhost"]\n\n[registrar]\nmin_expire = 30\n')
bad_config wrong-type ':2: registrar.max_expires: must be an integer' < <(printf '[registrar]\nmax_expires = "long"\n')
bad_config range ':2: registrar.min_expires: must be between 1 and' < <(printf '[registrar]\nmin_expires = 0\n')
bad_config listen-spec ":[0-9]+: server.listen: 'sctp:\[::1\]'" < <(printf '[server]\nlisten = [\n  "udp:[::1]:5060",\n  "sctp:[::1]"]\n')
bad_config unknown-table ':1: logging: unknown key' < <(printf '[logging]\nlevel = "info"\n')
bad_config log-level ':2: log.level: must be one of' < <(printf '[log]\nlevel = "loud"\n')
bad_config nesting ':3: registrar.default_expires: must lie between' < <(printf '[registrar]\nmin_expires = 600\ndefault_expires = 60\n')
bad_config syntax ':[0-9]+: TOML syntax' < <(printf '[server]\ndomains = ["localhost"\n')
bad_config tls-only ":2: server.listen: 'udp:\[::1\]:5060' is not TLS, but \[tls\] only = true" < <(printf '[server]\nlisten = ["tls:[::1]:5061", "udp:[::1]:5060"]\n[tls]\nonly = true\n')
# TLS-only with the default listeners: only the two TLS ones remain.
printf '[tls]\nonly = true\n' > "$tmp/tls-only.toml"
out=$("$bin" --config "$tmp/tls-only.toml" --check-config 2>&1); rc=$?
check tls-only-defaults "$([ "$rc" = 0 ] && grep -qx 'listen: tls:127.0.0.1:5061 tls:\[::1\]:5061' <<< "$out"; echo $?)" "exit $rc: $out"
"$bin" --config "$tmp/nonexistent.toml" --check-config > /dev/null 2>&1; rc=$?
check config-missing-file "$([ "$rc" = 2 ]; echo $?)" "exit $rc"
"$bin" --config "$tmp/happysipd.toml" --check-config > /dev/null 2>&1; rc=$?
check config-good "$([ "$rc" = 0 ]; echo $?)" "exit $rc"

echo "$((checks - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]

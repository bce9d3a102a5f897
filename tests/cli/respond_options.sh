#!/usr/bin/env bash
# Checks `happysip respond` on loopback: sipp (Debian sip-tester) sends OPTIONS over UDP
# and TCP on IPv4 and IPv6 and must get its 200; the responder prints one JSON line per
# new server transaction; a UDP retransmission is re-answered but not logged again; an
# INVITE gets 501 and an unmatched CANCEL 481; TLS on ::1 answers too; SIGTERM ends it
# with 0; listen errors give 2.
# Every wait is bounded; only the processes started here are stopped, by PID.
set -u
bin=$1
source "$(dirname "$0")/lib.sh"

cat > "$tmp/options.xml" <<'XML'
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="options">
  <send>
    <![CDATA[

      OPTIONS sip:responder@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: <sip:probe@[local_ip]:[local_port]>;tag=[call_number]
      To: <sip:responder@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 OPTIONS
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="200" timeout="3000"/>
</scenario>
XML

"$bin" respond --listen udp:127.0.0.1:0 --listen 'udp:[::1]:0' --listen tcp:127.0.0.1:0 \
  --listen 'tcp:[::1]:0' --max-seconds 60 > "$tmp/out.json" 2> "$tmp/err.txt" &
pid=$!
for _ in $(seq 50); do [ "$(grep -c '^listening' "$tmp/err.txt")" -ge 4 ] && break; sleep 0.1; done
port() { grep -oP "^listening $1:\\K[0-9]+" "$tmp/err.txt"; }
u4=$(port 'udp:127.0.0.1'); u6=$(port 'udp:\[::1\]'); t4=$(port 'tcp:127.0.0.1'); t6=$(port 'tcp:\[::1\]')
check listening "$([ -n "$u4" ] && [ -n "$u6" ] && [ -n "$t4" ] && [ -n "$t6" ]; echo $?)" "$(cat "$tmp/err.txt")"

sipp_options() {  # sipp_options NAME TARGET LOCAL_IP [-t t1]
  local name=$1 target=$2 ip=$3; shift 3
  local lport=$((20000 + RANDOM % 30000))
  timeout 15 sipp -sf "$tmp/options.xml" "$target" -i "$ip" -p "$lport" -m 1 -nostdin \
    -timeout 10s -trace_msg -message_file "$tmp/$name.log" "$@" > /dev/null 2>&1
  check "sipp-$name" $? "sipp did not get its 200 from $target"
  grep -q 'SIP/2.0 200 OK' "$tmp/$name.log" 2>/dev/null
  check "200-$name" $? "no 200 OK in the sipp trace"
}
sipp_options udp4 "127.0.0.1:$u4" 127.0.0.1
sipp_options udp6 "[::1]:$u6" ::1
sipp_options tcp4 "127.0.0.1:$t4" 127.0.0.1 -t t1
sipp_options tcp6 "[::1]:$t6" ::1 -t t1

jsonl() { grep -c "$1" "$tmp/out.json"; }
check json-udp4 "$([ "$(jsonl '"method":"OPTIONS".*"transport":"udp","from":"127.0.0.1:[0-9]*","local":"127.0.0.1:'"$u4"'"')" = 1 ]; echo $?)" "$(cat "$tmp/out.json")"
check json-udp6 "$([ "$(jsonl '"transport":"udp","from":"\[::1\]:[0-9]*","local":"\[::1\]:'"$u6"'"')" = 1 ]; echo $?)" "no IPv6 UDP line"
check json-tcp4 "$([ "$(jsonl '"transport":"tcp","from":"127.0.0.1:[0-9]*","local":"127.0.0.1:'"$t4"'"')" = 1 ]; echo $?)" "no IPv4 TCP line"
check json-tcp6 "$([ "$(jsonl '"transport":"tcp","from":"\[::1\]:[0-9]*","local":"\[::1\]:'"$t6"'"')" = 1 ]; echo $?)" "no IPv6 TCP line"
check json-fields "$(grep -q '^{"t_ms":[0-9]*,"method":"OPTIONS","call_id":"[^"]*","cseq":1,"branch":"z9hG4bK' "$tmp/out.json"; echo $?)" "fields or order differ"

# Retransmission, INVITE and CANCEL over UDP with a few raw datagrams.
python3 - "$u4" > "$tmp/raw.txt" 2>&1 <<'PY'
import socket, sys
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); s.settimeout(2)
me = "127.0.0.1:%d" % s.getsockname()[1]
def req(method, branch, cseq_method=None, to_tag=""):
    return ("%s sip:r@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=%s;rport\r\n"
            "From: <sip:p@x>;tag=1\r\nTo: <sip:r@x>%s\r\nCall-ID: raw-%s\r\n"
            "CSeq: 7 %s\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
            % (method, me, branch, to_tag, branch, cseq_method or method)).encode()
def ask(data):
    s.sendto(data, ("127.0.0.1", port))
    try: return s.recv(65535).decode().split("\r\n")[0]
    except socket.timeout: return "timeout"
opt = req("OPTIONS", "z9hG4bKretx")
print("first", ask(opt)); print("again", ask(opt))
print("invite", ask(req("INVITE", "z9hG4bKinv")))
s.sendto(req("ACK", "z9hG4bKinv", to_tag=";tag=x"), ("127.0.0.1", port))
print("cancel", ask(req("CANCEL", "z9hG4bKnone")))
print("unparseable", ask(req("OPTIONS", "z9hG4bKbad", cseq_method="INVITE")))
PY
grep -q '^first SIP/2.0 200 OK' "$tmp/raw.txt" && grep -q '^again SIP/2.0 200 OK' "$tmp/raw.txt"
check retransmission-answered $? "$(cat "$tmp/raw.txt")"
check retransmission-logged-once "$([ "$(jsonl 'raw-z9hG4bKretx')" = 1 ]; echo $?)" "$(cat "$tmp/out.json")"
grep -q '^invite SIP/2.0 501' "$tmp/raw.txt"; check invite-501 $? "$(cat "$tmp/raw.txt")"
grep -q '^cancel SIP/2.0 481' "$tmp/raw.txt"; check cancel-481 $? "$(cat "$tmp/raw.txt")"
# A request that does not parse still gets a 400 saying why (stateless, to its source).
grep -q '^unparseable SIP/2.0 400 Bad Request: .*CSeq method' "$tmp/raw.txt"
check unparseable-400-with-reason $? "$(cat "$tmp/raw.txt")"
check ack-not-logged "$([ "$(jsonl '"method":"ACK"')" = 0 ]; echo $?)" "an ACK made a transaction"

kill -TERM "$pid"
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
wait "$pid"; rc=$?; pid=
check sigterm-exit-0 "$([ "$rc" = 0 ]; echo $?)" "exit $rc after SIGTERM"

# TLS on IPv6 with a throwaway self-signed certificate, Python's ssl module as the client.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=example.com \
  -addext subjectAltName=URI:sip:example.com -keyout "$tmp/key.pem" -out "$tmp/cert.pem" > /dev/null 2>&1
"$bin" respond --listen 'tls:[::1]:0' --cert "$tmp/cert.pem" --key "$tmp/key.pem" --max-seconds 30 \
  > "$tmp/tls.json" 2> "$tmp/tls-err.txt" &
pid=$!
for _ in $(seq 50); do grep -q '^listening tls' "$tmp/tls-err.txt" && break; sleep 0.1; done
tp=$(grep -oP '^listening tls:\[::1\]:\K[0-9]+' "$tmp/tls-err.txt")
python3 - "$tp" "$tmp/cert.pem" > "$tmp/tls-raw.txt" 2>&1 <<'PY'
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2]); ctx.check_hostname = False
raw = socket.create_connection(("::1", int(sys.argv[1])), timeout=3)
s = ctx.wrap_socket(raw, server_hostname="example.com")
me = "[::1]:%d" % s.getsockname()[1]
s.sendall(("OPTIONS sip:example.com SIP/2.0\r\nVia: SIP/2.0/TLS %s;branch=z9hG4bKtls1\r\n"
           "From: <sip:p@x>;tag=1\r\nTo: <sip:example.com>\r\nCall-ID: tls-1\r\n"
           "CSeq: 2 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n" % me).encode())
print(s.recv(65535).decode().split("\r\n")[0])
PY
grep -q '^SIP/2.0 200 OK' "$tmp/tls-raw.txt"; check tls-200 $? "$(cat "$tmp/tls-raw.txt" "$tmp/tls-err.txt")"
grep -q '"call_id":"tls-1","cseq":2,"branch":"z9hG4bKtls1","transport":"tls","from":"\[::1\]:[0-9]*","local":"\[::1\]:'"$tp"'"' "$tmp/tls.json"
check json-tls $? "$(cat "$tmp/tls.json")"
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=
check tls-sigterm-exit-0 "$([ "$rc" = 0 ]; echo $?)" "exit $rc"

# Listen errors: bad syntax, and a port already taken by this very test.
"$bin" respond --listen 'udp:[::1]5060' --max-seconds 1 > /dev/null 2> "$tmp/bad.txt"; rc=$?
check bad-listen "$([ "$rc" = 2 ] && grep -q "bad --listen" "$tmp/bad.txt"; echo $?)" "exit $rc: $(cat "$tmp/bad.txt")"
python3 -c 'import socket,time,sys; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(10)' > "$tmp/busy.txt" &
busy=$!
for _ in $(seq 50); do [ -s "$tmp/busy.txt" ] && break; sleep 0.1; done
"$bin" respond --listen "tcp:127.0.0.1:$(cat "$tmp/busy.txt")" --max-seconds 1 > /dev/null 2> "$tmp/inuse.txt"; rc=$?
kill "$busy" 2>/dev/null; wait "$busy" 2>/dev/null
check address-in-use "$([ "$rc" = 2 ] && grep -q "cannot listen on tcp:127.0.0.1:.*in use" "$tmp/inuse.txt"; echo $?)" "exit $rc: $(cat "$tmp/inuse.txt")"
"$bin" respond --listen 'tls:127.0.0.1:0' --max-seconds 1 > /dev/null 2> "$tmp/tls.txt"; rc=$?
check tls-needs-cert "$([ "$rc" = 2 ] && grep -q "needs --cert and --key" "$tmp/tls.txt"; echo $?)" "exit $rc: $(cat "$tmp/tls.txt")"

echo "$((checks - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]

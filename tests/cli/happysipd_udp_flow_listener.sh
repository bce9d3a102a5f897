#!/usr/bin/env bash
# happysipd with two UDP listeners of one family (127.0.0.1 and 127.0.0.2): a UA that
# registers an Outbound flow through the second one gets the requests for it from the
# second one too (RFC 5626 §5.3, RFC 3261 §18.1.1: a NAT in front of the UA passes only
# datagrams from the address and port its mapping points at), with a Via naming it, even
# when the caller came in on the first listener. The non-2xx ACK of that branch follows.
# Loopback only; every wait bounded (a few seconds); stops only its own happysipd.
set -u
bin=$1
source "$(dirname "$0")/lib.sh"

cat > "$tmp/happysipd.toml" <<CONF
[server]
domains = ["localhost"]
listen = ["udp:127.0.0.1:0", "udp:127.0.0.2:0"]
var_dir = "$tmp/var"
drain_ms = 200

[auth]
enabled = false

[sip]
t1_ms = 50
t2_ms = 400
CONF
start_happysipd "$tmp/happysipd.toml" "$tmp/daemon.log" 2
first=$(listening_port "$tmp/daemon.log" 'udp:127\.0\.0\.1')
second=$(listening_port "$tmp/daemon.log" 'udp:127\.0\.0\.2')
check listening "$([ -n "$first" ] && [ -n "$second" ]; echo $?)" "$(cat "$tmp/daemon.log")"

# Prints one line per check: "name ok|FAIL detail".
timeout 20 python3 - "$first" "$second" > "$tmp/result" 2> "$tmp/python.err" <<'PY'
import socket, sys, time
first, second = ("127.0.0.1", int(sys.argv[1])), ("127.0.0.2", int(sys.argv[2]))

def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(2)
    return s, "127.0.0.1:%d" % s.getsockname()[1]

def headers(msg, name):
    return [l.split(":", 1)[1].strip() for l in msg.split("\r\n")[1:]
            if l.split(":", 1)[0].strip().lower() == name.lower()]

def receive(s, wanted):
    """The first datagram on s whose start line starts with `wanted`: (text, source)."""
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        try:
            data, source = s.recvfrom(65535)
        except socket.timeout:
            break
        if data.decode(errors="replace").startswith(wanted):
            return data.decode(), source
    return None, None

def report(name, ok, detail=""):
    print(f"{name} {'ok' if ok else 'FAIL'} {detail}", flush=True)

bob, bob_at = udp()
bob.sendto((f"REGISTER sip:localhost SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {bob_at};branch=z9hG4bK-reg;rport\r\n"
            f"Max-Forwards: 70\r\nFrom: <sip:bob@localhost>;tag=r1\r\n"
            f"To: <sip:bob@localhost>\r\nCall-ID: udp-listener-reg\r\nCSeq: 1 REGISTER\r\n"
            f"Supported: outbound, path\r\n"
            f"Contact: <sip:bob@{bob_at};ob>;reg-id=1;"
            f"+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-0000000001f2>\"\r\n"
            f"Expires: 600\r\nContent-Length: 0\r\n\r\n").encode(), second)
ok, source = receive(bob, "SIP/2.0 ")
report("registered-through-second", bool(ok) and ok.startswith("SIP/2.0 200")
       and source == second, f"{(ok or 'nothing').splitlines()[0]} from {source}")

alice, alice_at = udp()
invite = (f"INVITE sip:bob@localhost SIP/2.0\r\n"
          f"Via: SIP/2.0/UDP {alice_at};branch=z9hG4bK-inv;rport\r\n"
          f"Max-Forwards: 70\r\nFrom: <sip:alice@localhost>;tag=a1\r\n"
          f"To: <sip:bob@localhost>\r\nCall-ID: udp-listener-call\r\nCSeq: 1 INVITE\r\n"
          f"Contact: <sip:alice@{alice_at}>\r\nContent-Length: 0\r\n\r\n")
alice.sendto(invite.encode(), first)
got, source = receive(bob, "INVITE ")
top_via = headers(got, "via")[0] if got else ""
report("invite-from-second", source == second, f"INVITE came from {source}, flow is {second}")
report("via-names-second", top_via.startswith(f"SIP/2.0/UDP 127.0.0.2:{second[1]};"), top_via)

if got:
    lines = ["SIP/2.0 486 Busy Here"] + [f"Via: {v}" for v in headers(got, "via")]
    lines += [f"From: {headers(got, 'from')[0]}", f"To: {headers(got, 'to')[0]};tag=b1",
              f"Call-ID: {headers(got, 'call-id')[0]}", f"CSeq: {headers(got, 'cseq')[0]}",
              "Content-Length: 0"]
    bob.sendto(("\r\n".join(lines) + "\r\n\r\n").encode(), source)
ack, ack_source = receive(bob, "ACK ")
report("ack-from-second", ack_source == second, f"ACK came from {ack_source}")
final, _ = receive(alice, "SIP/2.0 486")
report("caller-got-486", final is not None, (final or "nothing").split("\r\n")[0])
if final:  # the caller's ACK, so happysipd stops retransmitting the 486
    to = headers(final, "to")[0]
    alice.sendto(invite.replace("INVITE sip:", "ACK sip:", 1).replace("1 INVITE", "1 ACK")
                 .replace("To: <sip:bob@localhost>", f"To: {to}").encode(), first)
PY
rc=$?
check python-ran "$rc" "exit $rc: $(cat "$tmp/python.err")"
while read -r name verdict detail; do
  check "$name" "$([ "$verdict" = ok ]; echo $?)" "$detail"
done < "$tmp/result"
check all-reported "$([ "$(grep -c . "$tmp/result")" = 5 ]; echo $?)" "$(cat "$tmp/result")"

stop_happysipd; rc=$?
check sigterm-exit-0 "$rc" "exit $rc after SIGTERM"
echo "$checks checks, $fail failed"
[ "$fail" = 0 ]

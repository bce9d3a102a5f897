#!/usr/bin/env bash
# happysipd closes a silent RFC 5626 keep-alive flow after [registrar] flow_timer + 10 s
# (the Flow-Timer it tells UAs, plus the 10 s a UA waits for a pong, §4.4.1): with
# flow_timer = 1, a TCP connection that sent a SIP request (OPTIONS, 200) and pings once
# (CRLFCRLF, answered CRLF) and then
# stays silent is closed 11 s later (logged flow_idle_closed), while one that keeps
# pinging every 0.5 s stays open; one that registered an Outbound flow (reg-id, instance)
# and never pings is closed 11 s after its REGISTER too (the registration makes it a flow).
# Over UDP (RFC 5626 §4.4.2, keep-alives are STUN): a flow registered with Outbound that
# then falls silent fails 11 s after its REGISTER (logged flow_idle_closed udp:...), and a
# request to that user is then refused with Flow Failed (430/480) instead of being sent.
# Loopback only; bounded; stops only its own happysipd.
set -u
bin=$1
source "$(dirname "$0")/lib.sh"

cat > "$tmp/happysipd.toml" <<CONF
[server]
domains = ["localhost"]
listen = ["tcp:127.0.0.1:0", "udp:127.0.0.1:0"]
var_dir = "$tmp/var"
drain_ms = 200

[registrar]
flow_timer = 1

[auth]
enabled = false
CONF
start_happysipd "$tmp/happysipd.toml" "$tmp/daemon.log" 2
port=$(listening_port "$tmp/daemon.log" tcp:127.0.0.1)
udp_port=$(listening_port "$tmp/daemon.log" udp:127.0.0.1)
check listening "$([ -n "$port" ] && [ -n "$udp_port" ]; echo $?)" "$(cat "$tmp/daemon.log")"

# Three flows at once: "silent" pings once; "alive" pings every 0.5 s for 14 s; "registered"
# never pings. Prints, per flow, the seconds from its last ping (or its 200) to the server
# closing it, or "open".
result=$(timeout 30 python3 - "$port" "$udp_port" "$tmp/daemon.log" <<'PY'
import re, socket, sys, threading, time
port = int(sys.argv[1])
udp_port = int(sys.argv[2])
daemon_log = sys.argv[3]
out = {}
def udp_flow():
    # Registers over UDP with Outbound, then says nothing: the flow must fail 11 s later.
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(3)
    local = "%s:%d" % s.getsockname()
    server = ("127.0.0.1", udp_port)
    s.sendto((f"REGISTER sip:localhost SIP/2.0\r\nVia: SIP/2.0/UDP {local};rport;branch=z9hG4bKu\r\n"
              "From: <sip:udpflow@localhost>;tag=1\r\nTo: <sip:udpflow@localhost>\r\n"
              "Call-ID: udpflow\r\nCSeq: 1 REGISTER\r\nMax-Forwards: 70\r\n"
              f"Contact: <sip:udpflow@{local};ob>;reg-id=1;"
              "+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-0000000f1d1f>\"\r\n"
              "Supported: outbound, path\r\nExpires: 300\r\nContent-Length: 0\r\n\r\n").encode(),
             server)
    try:
        response = s.recv(4096)
    except socket.timeout:
        response = b""
    if not response.startswith(b"SIP/2.0 200"):
        out["udp_closed"] = "no-200"
        return
    registered = time.monotonic()
    pattern = re.compile(r"flow_idle_closed.*udp:" + re.escape(local) + r"\b")
    out["udp_closed"] = "never"
    while time.monotonic() - registered < 16:
        with open(daemon_log, errors="replace") as f:
            if pattern.search(f.read()):
                out["udp_closed"] = f"{time.monotonic() - registered:.1f}"
                break
        time.sleep(0.1)
    # A request to the user: its only flow failed, so it is refused, not sent.
    caller = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    caller.bind(("127.0.0.1", 0))
    caller.settimeout(3)
    clocal = "%s:%d" % caller.getsockname()
    caller.sendto((f"OPTIONS sip:udpflow@localhost SIP/2.0\r\nVia: SIP/2.0/UDP {clocal};rport;branch=z9hG4bKc\r\n"
                   "From: <sip:caller@localhost>;tag=2\r\nTo: <sip:udpflow@localhost>\r\n"
                   "Call-ID: udpcaller\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
                   "Content-Length: 0\r\n\r\n").encode(), server)
    try:
        status = caller.recv(4096).split(b"\r\n", 1)[0].decode(errors="replace")
    except socket.timeout:
        status = "none"
    out["udp_status"] = status.replace(" ", "_")
def flow(name, pings):
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    # A SIP message first: until then the connection is under the first-message limit
    # (32 s), not the flow limit. "registered" sends an Outbound REGISTER and never pings:
    # the registration alone makes it a flow (RFC 5626 §5.2); the others send OPTIONS.
    local = "%s:%d" % s.getsockname()
    if name == "registered":
        request = (f"REGISTER sip:localhost SIP/2.0\r\nVia: SIP/2.0/TCP {local};branch=z9hG4bKr\r\n"
                   f"From: <sip:{name}@localhost>;tag=1\r\nTo: <sip:{name}@localhost>\r\n"
                   f"Call-ID: {name}\r\nCSeq: 1 REGISTER\r\nMax-Forwards: 70\r\n"
                   f"Contact: <sip:{name}@{local};transport=tcp;ob>;reg-id=1;"
                   "+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-0000000f1d1e>\"\r\n"
                   "Supported: outbound, path\r\nExpires: 300\r\nContent-Length: 0\r\n\r\n")
    else:
        request = (f"OPTIONS sip:localhost SIP/2.0\r\nVia: SIP/2.0/TCP {local};branch=z9hG4bK{name}\r\n"
                   f"From: <sip:{name}@localhost>;tag=1\r\nTo: <sip:localhost>\r\n"
                   f"Call-ID: {name}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
                   "Content-Length: 0\r\n\r\n")
    s.sendall(request.encode())
    response = b""
    while b"\r\n\r\n" not in response:
        chunk = s.recv(4096)
        if not chunk:
            out[name] = "closed-early"
            return
        response += chunk
    if not response.startswith(b"SIP/2.0 200"):
        out[name] = "no-200"
        return
    last = time.monotonic()
    for i in range(pings):
        s.sendall(b"\r\n\r\n")
        last = time.monotonic()
        if s.recv(2) != b"\r\n":
            out[name] = "no-pong"
            return
        if i + 1 < pings:
            time.sleep(0.5)
    s.settimeout(16 if pings <= 1 else 1)
    try:
        data = s.recv(1)
        out[name] = f"{time.monotonic() - last:.1f}" if data == b"" else "data"
    except socket.timeout:
        out[name] = "open"
threads = [threading.Thread(target=flow, args=a)
           for a in (("silent", 1), ("alive", 28), ("registered", 0))]
threads.append(threading.Thread(target=udp_flow))
for t in threads:
    t.start()
for t in threads:
    t.join()
print(out.get("silent"), out.get("alive"), out.get("registered"), out.get("udp_closed"),
      out.get("udp_status"))
PY
)
read -r silent alive registered udp_closed udp_status <<< "$result"
check silent-flow-closed-after-flow-timer-plus-10 \
  "$(python3 -c "import sys; sys.exit(0 if 10.5 <= float('$silent') <= 13 else 1)" 2>/dev/null; echo $?)" \
  "silent flow: '$silent' s from its ping to the close (expected 11-12)"
check pinging-flow-stays-open "$([ "$alive" = open ]; echo $?)" "pinging flow: $alive"
check registered-flow-closed-without-a-ping \
  "$(python3 -c "import sys; sys.exit(0 if 10.5 <= float('$registered') <= 13 else 1)" 2>/dev/null; echo $?)" \
  "Outbound-registered flow that never pinged: '$registered' s from its REGISTER's 200 to the close (expected 11-12)"
check udp-flow-failed-after-flow-timer-plus-10 \
  "$(python3 -c "import sys; sys.exit(0 if 10.5 <= float('$udp_closed') <= 13 else 1)" 2>/dev/null; echo $?)" \
  "Outbound UDP flow that fell silent: '$udp_closed' s from its REGISTER's 200 to flow_idle_closed udp:... (expected 11-12)"
check request-over-failed-udp-flow-refused \
  "$(echo "$udp_status" | grep -qE '^SIP/2.0_4(30|80)_Flow_Failed$'; echo $?)" \
  "request to the user of the failed UDP flow: '$udp_status' (expected 430 or 480 Flow Failed)"
grep -q 'flow_idle_closed' "$tmp/daemon.log"
check idle-close-logged $? "no flow_idle_closed in the log: $(tail -5 "$tmp/daemon.log")"

stop_happysipd; rc=$?
check sigterm-exit-0 "$rc" "exit $rc after SIGTERM"
echo "$checks checks, $fail failed"
[ "$fail" = 0 ]

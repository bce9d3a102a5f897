#!/usr/bin/env bash
# happysipd fails over between the Outbound flows a UA registered with it directly
# (RFC 5626 §5.3): one instance registers two TCP flows (reg-id 1 and 2; flow 2 expires
# later, so it is tried first). A caller's INVITE goes down flow 2 only.
# - flow 2 answers 486: the caller gets 486 and flow 1 never sees the INVITE (no other
#   flow may be tried after a final response other than 430/408);
# - flow 2 takes the INVITE and stays silent: after Timer B (64*T1: [sip] t1_ms = 50 here,
#   so 3.2 s instead of 32) the branch ends in 408, the INVITE goes down flow 1, which
#   answers 200, and the caller gets that 200, never the 408 (logged proxy_flow_failover);
# - the caller cancels while flow 2 is silent: 487, and when that branch gives up (Timer B
#   after the CANCEL) flow 1 is not tried;
# - the UA closes flow 2's connection: the next INVITE goes down flow 1 at once (logged
#   flow_failed for flow 2).
# And --check-config shows the [sip] timers and refuses nonsensical ones. Loopback only;
# every wait bounded (about 6 s in all); stops only its own happysipd.
set -u
bin=$1
source "$(dirname "$0")/lib.sh"

# --check-config refuses [sip] timers that make no sense, naming the key and the line.
bad_config t1-zero ':2: sip.t1_ms: must be between 10 and 60000' < <(printf '[sip]\nt1_ms = 0\n')
bad_config t1-huge ':3: sip.t1_ms: must be between 10 and 60000' < <(printf '[sip]\n\nt1_ms = 600000\n')
bad_config t1-above-t2 ':2: sip.t1_ms: must not exceed sip.t2_ms \(4000\)' < <(printf '[sip]\nt1_ms = 5000\n')
bad_config t2-below-t1 ':3: sip.t2_ms: must not be below sip.t1_ms \(500\)' < <(printf '[sip]\nt4_ms = 100\nt2_ms = 100\n')

cat > "$tmp/happysipd.toml" <<CONF
[server]
domains = ["localhost"]
listen = ["tcp:127.0.0.1:0"]
var_dir = "$tmp/var"
drain_ms = 200

[auth]
enabled = false

[sip]
t1_ms = 50
t2_ms = 400
CONF
out=$("$bin" --config "$tmp/happysipd.toml" --check-config 2>&1); rc=$?
check config-shows-timers "$([ "$rc" = 0 ] && grep -qx 'sip: t1_ms=50 t2_ms=400 t4_ms=5000 (Timer B/F 3.2 s)' <<< "$out"; echo $?)" "exit $rc: $out"
start_happysipd "$tmp/happysipd.toml" "$tmp/daemon.log" 1
port=$(listening_port "$tmp/daemon.log" tcp:127.0.0.1)
check listening "$([ -n "$port" ]; echo $?)" "$(cat "$tmp/daemon.log")"

# Prints one line per check: "name ok|FAIL detail".
PYTHONDONTWRITEBYTECODE=1 timeout 30 python3 - "$port" "$(dirname "$0")" > "$tmp/result" 2> "$tmp/python.err" <<'PY'
import socket, sys, threading, time
sys.path.insert(0, sys.argv[2])
from sip_stream import read_message, headers, response_to, final_of, report
port = int(sys.argv[1])
TIMER_B = 64 * 0.050  # 64*T1 with [sip] t1_ms = 50
instance = "<urn:uuid:00000000-0000-1000-8000-00000000f10e>"

class Flow:
    """One TCP flow of the instance: registers, then answers INVITEs as `mode` says."""
    def __init__(self, reg_id, expires):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.local = "%s:%d" % self.s.getsockname()
        self.reg_id = reg_id
        self.buf = b""
        self.mode = {}      # Call-ID -> "silent" | "486" | "200"
        self.invites = {}   # Call-ID -> monotonic time the INVITE arrived
        req = (f"REGISTER sip:localhost SIP/2.0\r\n"
               f"Via: SIP/2.0/TCP {self.local};branch=z9hG4bK-reg{reg_id}\r\n"
               f"Max-Forwards: 70\r\nFrom: <sip:bob@localhost>;tag=r{reg_id}\r\n"
               f"To: <sip:bob@localhost>\r\nCall-ID: failover-reg-{reg_id}\r\n"
               f"CSeq: 1 REGISTER\r\nSupported: outbound, path\r\n"
               f"Contact: <sip:bob@{self.local};transport=tcp;ob>;reg-id={reg_id};"
               f"+sip.instance=\"{instance}\"\r\nExpires: {expires}\r\nContent-Length: 0\r\n\r\n")
        self.s.sendall(req.encode())
        msg, self.buf = read_message(self.s, self.buf)
        self.registered = bool(msg) and msg.startswith("SIP/2.0 200")
        self.s.settimeout(None)
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                msg, self.buf = read_message(self.s, self.buf)
            except OSError:
                return
            if msg is None:
                return
            if not msg.startswith("INVITE "):
                continue  # the ACK of a non-2xx, a CANCEL: nothing to answer here
            call_id = headers(msg, "call-id")[0]
            self.invites[call_id] = time.monotonic()
            mode = self.mode.get(call_id, "200")
            if mode == "silent":
                continue
            if mode == "486":
                self.s.sendall(response_to(msg, 486, "Busy Here", f"b{self.reg_id}"))
            else:
                self.s.sendall(response_to(msg, 200, "OK", f"b{self.reg_id}",
                                           f"sip:bob@{self.local};transport=tcp;ob"))

def invite(call_id):
    """INVITE sip:bob@localhost from a caller's own TCP connection: (socket, request)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    local = "%s:%d" % s.getsockname()
    req = (f"INVITE sip:bob@localhost SIP/2.0\r\n"
           f"Via: SIP/2.0/TCP {local};branch=z9hG4bK-{call_id}\r\n"
           f"Max-Forwards: 70\r\nFrom: <sip:alice@localhost>;tag=a-{call_id}\r\n"
           f"To: <sip:bob@localhost>\r\nCall-ID: {call_id}\r\nCSeq: 1 INVITE\r\n"
           f"Contact: <sip:alice@{local};transport=tcp>\r\nContent-Length: 0\r\n\r\n")
    s.sendall(req.encode())
    return s, req

older = Flow(1, 300)
newer = Flow(2, 600)  # expires later: the preferred flow
report("both-flows-registered", older.registered and newer.registered,
       f"reg-id 1: {older.registered}, reg-id 2: {newer.registered}")

# 486 on the preferred flow: final, no fail-over.
newer.mode["busy-call"] = "486"
s, _ = invite("busy-call")
statuses, took = final_of(s, 5)
time.sleep(0.3)  # a wrongful second branch would reach flow 1 by now
report("busy-not-failed-over", statuses[-1:] == [486] and "busy-call" in newer.invites
       and "busy-call" not in older.invites,
       f"caller got {statuses}; flow 2 saw INVITE: {'busy-call' in newer.invites}; "
       f"flow 1 saw it: {'busy-call' in older.invites}")
s.close()

# The caller gives up while the preferred flow is silent: 487, and when that branch times
# out (Timer B after the CANCEL, checked below) no other flow is tried.
newer.mode["cancel-call"] = "silent"
cancel_s, req = invite("cancel-call")
time.sleep(0.5)
cancel_s.sendall(req.replace("INVITE sip:", "CANCEL sip:", 1).replace("1 INVITE", "1 CANCEL")
                 .replace(req[req.index("Contact:"):req.index("Content-Length")], "").encode())
cancelled, _ = final_of(cancel_s, 5)
cancel_at = time.monotonic()

# Silence on the preferred flow: 408 after Timer B, then flow 1.
newer.mode["silent-call"] = "silent"
s, _ = invite("silent-call")
statuses, took = final_of(s, TIMER_B + 5)
report("silent-flow-failed-over", statuses[-1:] == [200] and "silent-call" in newer.invites
       and "silent-call" in older.invites and 408 not in statuses,
       f"caller got {statuses} after {took:.1f} s; flow 2 saw INVITE: "
       f"{'silent-call' in newer.invites}; flow 1 saw it: {'silent-call' in older.invites}")
if "silent-call" in newer.invites and "silent-call" in older.invites:
    gap = older.invites["silent-call"] - newer.invites["silent-call"]
    report("failover-after-timer-b", TIMER_B - 0.1 <= gap <= TIMER_B + 1.5,
           f"{gap:.2f} s between the two INVITEs (Timer B {TIMER_B:.1f} s)")
s.close()

time.sleep(max(0, cancel_at + TIMER_B + 1 - time.monotonic()))
report("cancelled-not-failed-over", cancelled[-1:] == [487] and "cancel-call" in newer.invites
       and "cancel-call" not in older.invites,
       f"caller got {cancelled}; flow 1 saw the INVITE: {'cancel-call' in older.invites}")
cancel_s.close()

# The UA closes the preferred flow's connection: that flow is gone (nothing can be sent
# down it, RFC 5626 §5.3), so the INVITE goes down flow 1 at once, no Timer B to wait for.
print(f"closed-flow-port {newer.local.rsplit(':', 1)[1]}", file=sys.stderr, flush=True)
newer.s.shutdown(socket.SHUT_RDWR)  # close() alone sends no FIN while serve() reads
newer.s.close()
time.sleep(0.3)  # happysipd reads the FIN and drops the connection
s, _ = invite("closed-call")
statuses, took = final_of(s, 2)
report("closed-flow-failed-over", statuses[-1:] == [200] and "closed-call" in older.invites
       and "closed-call" not in newer.invites and took < 1,
       f"caller got {statuses} after {took:.2f} s; flow 1 saw the INVITE: "
       f"{'closed-call' in older.invites}")
s.close()
PY
rc=$?
check python-ran "$rc" "exit $rc: $(cat "$tmp/python.err")"
while read -r name verdict detail; do
  check "$name" "$([ "$verdict" = ok ]; echo $?)" "$detail"
done < "$tmp/result"
check all-reported "$([ "$(grep -c . "$tmp/result")" = 6 ]; echo $?)" "$(cat "$tmp/result")"
closed=$(grep -oP '^closed-flow-port \K[0-9]+' "$tmp/python.err")
grep -qE "event=flow_failed .*flow=tcp:127\.0\.0\.1:$closed( |\$)" "$tmp/daemon.log"
check closed-flow-logged $? "no flow_failed for tcp:127.0.0.1:$closed: $(grep -E 'flow' "$tmp/daemon.log" | tail -5)"

grep -qE 'event=proxy_flow_failover call_id=silent-call status=408 flow=tcp:127\.0\.0\.1:' "$tmp/daemon.log"
check failover-logged $? "no proxy_flow_failover for the silent call: $(grep -E 'failover|flow' "$tmp/daemon.log" | tail -5)"
for call in busy-call cancel-call; do
  ! grep -q "event=proxy_flow_failover call_id=$call" "$tmp/daemon.log"
  check "$call-not-logged" $? "a fail-over: $(grep "$call" "$tmp/daemon.log")"
done

stop_happysipd; rc=$?
check sigterm-exit-0 "$rc" "exit $rc after SIGTERM"
echo "$checks checks, $fail failed"
[ "$fail" = 0 ]

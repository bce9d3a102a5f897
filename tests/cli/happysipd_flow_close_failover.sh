#!/usr/bin/env bash
# happysipd fails a branch at once when the TCP connection of the Outbound flow it went down
# closes before a final response (RFC 3261 §18.4: a transport error, handled as a 503,
# §16.9), and tries the instance's next flow (RFC 5626 §5.3), instead of waiting for Timer
# B/F (32 s with the default timers used here). Each instance registers two TCP flows
# (reg-id 1 and 2; flow 2 expires later, so it is tried first):
# - flow 2 takes the INVITE and closes its connection unanswered: the caller gets flow 1's
#   200 well within 2 s, never a 5xx (logged proxy_flow_failover status=503);
# - flow 2 rings (180) and then closes: the caller gets the 180 and then flow 1's 200;
# - flow 2 takes a MESSAGE and closes: flow 1's 200;
# - flow 2 rings, the caller cancels, flow 2 closes before its 487: the caller's INVITE
#   ends quickly and flow 1 never sees it (a cancelled request does not fail over);
# - a dialog pinned to flow 2 (RFC 5626 §5.3: its flow token in our Record-Route), which
#   closes when the BYE comes: the BYE gets 430 Flow Failed within 2 s and flow 1 never sees it;
# - an instance with one flow that closes: the caller gets a final error (500, the 503
#   stand-in, §16.7 item 6) within 2 s.
# Loopback only; every wait bounded (about 3 s in all); stops only its own happysipd.
set -u
bin=$1
source "$(dirname "$0")/lib.sh"

cat > "$tmp/happysipd.toml" <<CONF
[server]
domains = ["localhost"]
listen = ["tcp:127.0.0.1:0"]
var_dir = "$tmp/var"
drain_ms = 200

[auth]
enabled = false
CONF
start_happysipd "$tmp/happysipd.toml" "$tmp/daemon.log" 1
port=$(listening_port "$tmp/daemon.log" tcp:127.0.0.1)
check listening "$([ -n "$port" ]; echo $?)" "$(cat "$tmp/daemon.log")"

# Prints one line per check: "name ok|FAIL detail".
PYTHONDONTWRITEBYTECODE=1 timeout 40 python3 - "$port" "$(dirname "$0")" > "$tmp/result" 2> "$tmp/python.err" <<'PY'
import re, socket, sys, threading, time
sys.path.insert(0, sys.argv[2])
from sip_stream import read_message, headers, response_to, final_of, report
port = int(sys.argv[1])
QUICK = 2.0  # seconds; Timer B/F with the default T1 would be 32

class Flow:
    """One TCP flow of `user`'s instance. `mode` says what it does with a request:
    "200" answers; "close" closes the connection; "ring-close" sends 180, then closes;
    "ring" sends 180 and closes when the CANCEL comes, unanswered; "dialog" answers the
    INVITE 200 (Record-Route copied, a Contact with ob) and closes on the next request."""
    def __init__(self, user, reg_id, expires, mode):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.local = "%s:%d" % self.s.getsockname()
        self.reg_id, self.mode, self.buf = reg_id, mode, b""
        self.seen = {}  # method -> monotonic time it arrived
        req = (f"REGISTER sip:localhost SIP/2.0\r\n"
               f"Via: SIP/2.0/TCP {self.local};branch=z9hG4bK-reg-{user}-{reg_id}\r\n"
               f"Max-Forwards: 70\r\nFrom: <sip:{user}@localhost>;tag=r{reg_id}\r\n"
               f"To: <sip:{user}@localhost>\r\nCall-ID: close-reg-{user}-{reg_id}\r\n"
               f"CSeq: 1 REGISTER\r\nSupported: outbound, path\r\n"
               f"Contact: <sip:{user}@{self.local};transport=tcp;ob>;reg-id={reg_id};"
               f"+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-{user.encode().hex():0>12}>\"\r\n"
               f"Expires: {expires}\r\nContent-Length: 0\r\n\r\n")
        self.s.sendall(req.encode())
        msg, self.buf = read_message(self.s, self.buf)
        self.registered = bool(msg) and msg.startswith("SIP/2.0 200")
        self.s.settimeout(None)
        threading.Thread(target=self.serve, daemon=True).start()

    def close(self):
        self.s.shutdown(socket.SHUT_RDWR)  # close() alone sends no FIN while serve() reads
        self.s.close()

    def serve(self):
        while True:
            try:
                msg, self.buf = read_message(self.s, self.buf)
            except OSError:
                return
            if msg is None:
                return
            method = msg.split(" ", 1)[0]
            self.seen[method] = time.monotonic()
            if method == "ACK":
                continue
            if self.mode == "dialog" and method != "INVITE":
                return self.close()
            if method == "CANCEL":
                if self.mode == "ring":
                    return self.close()
                continue
            if self.mode == "close":
                return self.close()
            if self.mode in ("ring-close", "ring"):
                self.s.sendall(response_to(msg, 180, "Ringing", f"t{self.reg_id}"))
                if self.mode == "ring-close":
                    time.sleep(0.1)  # the 180 is read before the FIN
                    return self.close()
                continue
            self.s.sendall(response_to(msg, 200, "OK", f"t{self.reg_id}",
                                       f"sip:ua@{self.local};transport=tcp;ob"))

def request(method, user, call_id):
    """A request for sip:user@localhost from a caller's own TCP connection: (socket, text)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    local = "%s:%d" % s.getsockname()
    req = (f"{method} sip:{user}@localhost SIP/2.0\r\n"
           f"Via: SIP/2.0/TCP {local};branch=z9hG4bK-{call_id}\r\n"
           f"Max-Forwards: 70\r\nFrom: <sip:alice@localhost>;tag=a-{call_id}\r\n"
           f"To: <sip:{user}@localhost>\r\nCall-ID: {call_id}\r\nCSeq: 1 {method}\r\n"
           f"Contact: <sip:alice@{local};transport=tcp>\r\nContent-Length: 0\r\n\r\n")
    s.sendall(req.encode())
    return s, req

def instance(user, preferred_mode, with_backup=True):
    flows = [Flow(user, 1, 300, "200")] if with_backup else []
    flows.append(Flow(user, 2, 600, preferred_mode))
    report(f"{user}-registered", all(f.registered for f in flows))
    return flows

# The preferred flow closes while the INVITE waits on it: flow 1 at once.
older, newer = instance("bob", "close")
s, _ = request("INVITE", "bob", "closed-call")
statuses, took = final_of(s, 10, "INVITE")
report("closed-call-failed-over", statuses[-1:] == [200] and "INVITE" in newer.seen
       and "INVITE" in older.seen and not any(st >= 300 for st in statuses) and took < QUICK,
       f"caller got {statuses} after {took:.2f} s; flow 2 saw it: {'INVITE' in newer.seen}; "
       f"flow 1 saw it: {'INVITE' in older.seen}")
s.close()

# It rang first: the 180 went up, then flow 1's 200.
older, newer = instance("rob", "ring-close")
s, _ = request("INVITE", "rob", "ringing-call")
statuses, took = final_of(s, 10, "INVITE")
report("ringing-call-failed-over", 180 in statuses and statuses[-1:] == [200]
       and "INVITE" in older.seen and took < QUICK + 0.1,
       f"caller got {statuses} after {took:.2f} s; flow 1 saw it: {'INVITE' in older.seen}")
s.close()

# A MESSAGE (non-INVITE, Timer F) alike.
older, newer = instance("meg", "close")
s, _ = request("MESSAGE", "meg", "message-call")
statuses, took = final_of(s, 10, "MESSAGE")
report("message-failed-over", statuses[-1:] == [200] and "MESSAGE" in older.seen
       and "MESSAGE" in newer.seen and took < QUICK,
       f"caller got {statuses} after {took:.2f} s; flow 1 saw it: {'MESSAGE' in older.seen}")
s.close()

# Cancelled while ringing, and the flow closes before its 487: no other flow is tried.
older, newer = instance("dan", "ring")
s, req = request("INVITE", "dan", "cancelled-call")
cancel = (req.replace("INVITE sip:", "CANCEL sip:", 1).replace("1 INVITE", "1 CANCEL")
          .replace(req[req.index("Contact:"):req.index("Content-Length")], ""))
statuses, took = final_of(s, 10, "INVITE",
                          lambda status: status == 180 and s.sendall(cancel.encode()))
time.sleep(0.3)  # a wrongful second branch would reach flow 1 by now
report("cancelled-call-not-failed-over", bool(statuses) and statuses[-1] >= 400
       and "CANCEL" in newer.seen and "INVITE" not in older.seen and took < QUICK,
       f"caller got {statuses} after {took:.2f} s; flow 2 saw the CANCEL: "
       f"{'CANCEL' in newer.seen}; flow 1 saw the INVITE: {'INVITE' in older.seen}")
s.close()

# A dialog pinned to flow 2 (its flow token in our Record-Route, RFC 5626 §5.3): flow 2
# closes when the BYE arrives. The BYE fails at once and no other flow is tried.
older, newer = instance("eve", "dialog")
s, req = request("INVITE", "eve", "dialog-call")
answers = []
statuses, took = final_of(s, 10, "INVITE", seen=answers)
ok = statuses[-1:] == [200] and "INVITE" in newer.seen and "INVITE" not in older.seen
report("dialog-established", ok, f"caller got {statuses}")
if ok:
    final = answers[-1]
    # RFC 3261 §12.1.2: the caller's route set is the Record-Route reversed.
    rr = [v for h in headers(final, "record-route") for v in re.split(r",\s*(?=<)", h)]
    local = "%s:%d" % s.getsockname()
    bye = (f"BYE {headers(final, 'contact')[0].strip('<>')} SIP/2.0\r\n"
           f"Via: SIP/2.0/TCP {local};branch=z9hG4bK-dialog-bye\r\n"
           + "".join(f"Route: {v}\r\n" for v in reversed(rr)) +
           f"Max-Forwards: 70\r\nFrom: {headers(final, 'from')[0]}\r\n"
           f"To: {headers(final, 'to')[0]}\r\nCall-ID: dialog-call\r\n"
           f"CSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n")
    s.sendall(bye.encode())
    statuses, took = final_of(s, 10, "BYE")
    report("dialog-flow-not-failed-over", statuses[-1:] == [430] and "BYE" in newer.seen
           and "BYE" not in older.seen and took < QUICK,
           f"caller got {statuses} after {took:.2f} s; flow 2 saw the BYE: {'BYE' in newer.seen}"
           f"; flow 1 saw it: {'BYE' in older.seen}; route {rr}")
else:
    report("dialog-flow-not-failed-over", False, "no dialog")
s.close()

# No other flow: a final error at once, not after Timer B.
(alone,) = instance("carol", "close", with_backup=False)
s, _ = request("INVITE", "carol", "lonely-call")
statuses, took = final_of(s, 10, "INVITE")
report("lonely-call-fails-quickly", statuses[-1:] == [500] and "INVITE" in alone.seen
       and took < QUICK, f"caller got {statuses} after {took:.2f} s")
s.close()
PY
rc=$?
check python-ran "$rc" "exit $rc: $(cat "$tmp/python.err")"
while read -r name verdict detail; do
  check "$name" "$([ "$verdict" = ok ]; echo $?)" "$detail"
done < "$tmp/result"
check all-reported "$([ "$(grep -c . "$tmp/result")" = 13 ]; echo $?)" "$(cat "$tmp/result")"

for call in closed-call ringing-call message-call; do
  grep -qE "event=proxy_flow_failover call_id=$call status=503 flow=tcp:127\.0\.0\.1:" "$tmp/daemon.log"
  check "$call-failover-logged" $? "$(grep -E "$call" "$tmp/daemon.log" | tail -5)"
done
for call in cancelled-call lonely-call dialog-call; do
  ! grep -q "event=proxy_flow_failover call_id=$call" "$tmp/daemon.log"
  check "$call-not-failed-over" $? "a fail-over: $(grep "$call" "$tmp/daemon.log")"
done
grep -qE "event=proxy_branch_error call_id=closed-call detail=.*connection closed" "$tmp/daemon.log"
check branch-error-logged $? "$(grep -E 'proxy_branch_error' "$tmp/daemon.log" | tail -3)"

stop_happysipd; rc=$?
check sigterm-exit-0 "$rc" "exit $rc after SIGTERM"
echo "$checks checks, $fail failed"
[ "$fail" = 0 ]

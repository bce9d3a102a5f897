"""One call from the IPv6-only UA to the IPv4-only UA through happysipd, and its checks.

RFC 5658 §4 (double Record-Route): the proxy puts one Record-Route value per side when a
request changes family, the outgoing (IPv4) side on top. The caller's route set is the 200's
Record-Route reversed (RFC 3261 §12.1.2), so its first hop is the IPv6 value; the callee's
is the Record-Route as received (§12.1.1), so its first hop is the IPv4 value. Each side
then reaches the proxy over the one family it has, and the proxy removes both values
(RFC 5658 §3.3) before sending the BYE on to the other side.
"""

import concurrent.futures
import dataclasses
import os
import time

import bridge_net as net
import bridge_proxy as proxy
import bridge_trace as trace
from labnet import ns_exec

HERE = os.path.dirname(os.path.abspath(__file__))
REGISTER = os.path.join(HERE, "bridge_register.xml")
UAC = os.path.join(HERE, "bridge_uac.xml")
# The called UAs of the interop tests fit as they are (they check for a Record-Route).
UAS = {"caller": os.path.join(HERE, "..", "interop", "scenarios", "uas_call.xml"),
       "callee": os.path.join(HERE, "..", "interop", "scenarios", "uas_call_hangs_up.xml")}
SIPP_TIMEOUT_S = 10  # SIPp's own -timeout; the process is killed 10 s after that
CALLER_KINDS = ("sent INVITE", "received 180 INVITE", "received 200 INVITE", "sent ACK")
CALLEE_KINDS = ("received INVITE", "sent 180 INVITE", "sent 200 INVITE", "received ACK")
BYE_KINDS = {"caller": (("sent BYE", "received 200 BYE"), ("received BYE", "sent 200 BYE")),
             "callee": (("received BYE", "sent 200 BYE"), ("sent BYE", "received 200 BYE"))}


@dataclasses.dataclass(frozen=True)
class Call:
    name: str
    caller_transport: str  # "udp" | "tcp"; the callee is always IPv4/UDP (its binding)
    hangup: str  # "caller" | "callee": who sends the BYE


@dataclasses.dataclass
class Result:
    call: Call
    setup_ms: float = None  # the caller's INVITE sent -> its 200 received
    bye_ms: float = None  # the BYE sent -> its 200 received, at whoever sent it
    routes: str = "-"  # first hop of each side: "caller IPv6, callee IPv4"
    bridge_event: str = "-"
    problems: list = dataclasses.field(default_factory=list)

    @property
    def passed(self):
        return not self.problems


def sipp(ns, scenario, args, transport, log, cwd):
    """Runs SIPp in a namespace, bounded; returns (exit code, its trace as text)."""
    argv = ["sipp", "-sf", scenario, *args, "-t", "t1" if transport == "tcp" else "u1",
            "-m", "1", "-nostdin", "-timeout", f"{SIPP_TIMEOUT_S}s", "-timeout_error",
            "-trace_msg", "-message_file", log]
    r = ns_exec(ns, *argv, check=False, capture=True, timeout=SIPP_TIMEOUT_S + 10, cwd=cwd)
    try:
        with open(log, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        text = ""
    return r.returncode, text


def register(state):
    """bob registers over IPv4/UDP from the IPv4-only UA, Contact at net.UA_PORT."""
    _, ns4, _ = net.names(state)
    code, text = sipp(ns4, REGISTER,
                      ["-s", proxy.USER, "-key", "domain", proxy.DOMAIN, "-au", proxy.USER,
                       "-ap", proxy.PASSWORD, "-auth_uri", proxy.DOMAIN,
                       f"{net.PROXY4}:{net.SIP_PORT}", "-i", net.UA4, "-p", str(net.UA_PORT)],
                      "udp", state.file("bridge-register.log"), state.tmp)
    kinds = [m.kind for m in trace.parse(text) if m.direction == "received"]
    return code == 0 and "200 REGISTER" in kinds, f"exit {code}, received {kinds}"


def run(state, call, index, bridge_event_expected):
    """Places one call; returns its Result (problems empty when every check passed)."""
    ns6, ns4, _ = net.names(state)
    res = Result(call)
    logs = (state.file(f"bridge-{index}-uac.log"), state.file(f"bridge-{index}-uas.log"))
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        uas = pool.submit(sipp, ns4, UAS[call.hangup], ["-i", net.UA4, "-p", str(net.UA_PORT)],
                          "udp", logs[1], state.tmp)
        if not _wait_udp_listener(ns4, net.UA_PORT):
            res.problems.append(f"the called SIPp did not bind UDP port {net.UA_PORT}")
        caller_port = net.UA_PORT + 1 + index  # a fresh port per call (no TCP TIME_WAIT)
        uac_code, uac_text = sipp(
            ns6, UAC, ["-s", proxy.USER, "-key", "domain", proxy.DOMAIN, "-key", "hangup",
                       call.hangup, f"[{net.PROXY6}]:{net.SIP_PORT}", "-i", net.UA6, "-p",
                       str(caller_port)], call.caller_transport, logs[0], state.tmp)
        uas_code, uas_text = uas.result()
    caller, callee = trace.parse(uac_text), trace.parse(uas_text)
    if uac_code != 0:
        res.problems.append(f"caller's SIPp exit {uac_code}: {_kinds(caller)}")
    if uas_code != 0:
        res.problems.append(f"callee's SIPp exit {uas_code}: {_kinds(callee)}")
    caller_bye, callee_bye = BYE_KINDS[call.hangup]
    _expect(res, "caller", caller, CALLER_KINDS + caller_bye)
    _expect(res, "callee", callee, CALLEE_KINDS + callee_bye)
    _check_call_id(res, caller, callee)
    _check_routes(res, caller, callee, call)
    _timings(res, caller if call.hangup == "caller" else callee, caller)
    _check_bridge_event(res, state, caller, call, bridge_event_expected)
    return res


def _wait_udp_listener(ns, port, timeout_s=3.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        out = ns_exec(ns, "ss", "-Hlun", f"sport = :{port}", check=False, capture=True).stdout
        if out.strip():
            return True
        time.sleep(0.05)
    return False


def _kinds(messages):
    return " ".join(f"{'>' if m.direction == 'sent' else '<'}{m.kind}" for m in messages) or "-"


def _expect(res, side, messages, kinds):
    """Every message of the call is in the side's trace (100 Trying and retransmissions
    aside), in the order of the call flow."""
    seen = [f"{m.direction} {m.kind}" for m in messages]
    missing = [k for k in kinds if k not in seen]
    if missing:
        res.problems.append(f"{side} trace lacks {missing}: {_kinds(messages)}")
        return
    firsts = [seen.index(k) for k in kinds]
    if firsts != sorted(firsts):
        res.problems.append(f"{side} trace out of order: {_kinds(messages)}")


def _first(messages, kind, direction):
    return next((m for m in messages if m.kind == kind and m.direction == direction), None)


def _check_call_id(res, caller, callee):
    ids = {m.header("call-id") for m in caller + callee}
    if len(ids) != 1:
        res.problems.append(f"Call-IDs {sorted(str(i) for i in ids)}: not one dialog")


def _check_routes(res, caller, callee, call):
    ok = _first(caller, "200 INVITE", "received")
    if not ok:
        return
    rr = ok.values("record-route")
    hosts = [trace.uri_host(v) for v in rr]
    # The caller's first hop is the last value, the callee's the first (RFC 3261 §12.1).
    if len(rr) != 2 or hosts[-1] != net.PROXY6 or hosts[0] != net.PROXY4:
        res.problems.append(f"the caller's 200 has Record-Route {rr}: expected the IPv4 "
                            f"side ({net.PROXY4}) on top of the IPv6 side ({net.PROXY6})")
    elif f"transport={call.caller_transport}" not in rr[-1].lower() and \
            call.caller_transport != "udp":
        res.problems.append(f"the caller's side {rr[-1]} does not name {call.caller_transport}")
    res.routes = f"caller {trace.family(hosts[-1])}, callee {trace.family(hosts[0])}"
    # Each side's in-dialog requests go to the proxy over its own family, both values listed.
    for side, messages, first_hop in (("caller", caller, net.PROXY6),
                                      ("callee", callee, net.PROXY4)):
        for method in ("ACK", "BYE"):
            m = _first(messages, method, "sent")
            if m is None:
                continue
            route = [trace.uri_host(v) for v in m.values("route")]
            if len(route) != 2 or route[0] != first_hop:
                res.problems.append(f"{side}'s {method} has Route {m.values('route')}: "
                                    f"expected 2 values, {first_hop} first")


def _timings(res, bye_sender, caller):
    invite = _first(caller, "INVITE", "sent")
    ok = _first(caller, "200 INVITE", "received")
    if invite and ok:
        res.setup_ms = (ok.time - invite.time) * 1000
    bye = _first(bye_sender, "BYE", "sent")
    bye_ok = _first(bye_sender, "200 BYE", "received")
    if bye and bye_ok:
        res.bye_ms = (bye_ok.time - bye.time) * 1000


def _check_bridge_event(res, state, caller, call, expected):
    """happysipd says it bridged families for this call, and warns that the IPv6-only offer
    (c=IN IP6) cannot reach an IPv4-only callee without a relay (RFC 6157 §4)."""
    invite = _first(caller, "INVITE", "sent")
    call_id = invite.header("call-id") if invite else None
    found = proxy.events(state, proxy.EVENT, call_id) if call_id else []
    want_from, want_to = f"IPv6/{call.caller_transport.upper()}", "IPv4/UDP"
    match = [e for e in found if e.get("from") == want_from and e.get("to") == want_to]
    if not expected:
        res.bridge_event = "not in binary"
        return
    if not match:
        res.problems.append(f"no {proxy.EVENT} from={want_from} to={want_to} for Call-ID "
                            f"{call_id} in happysipd's log (found {found})")
        return
    e = match[0]
    res.bridge_event = f"{e.get('from')}>{e.get('to')} {e.get('level')}"
    if e.get("level") != "warning" or not e.get("media"):
        res.problems.append(f"{proxy.EVENT} for an IPv6-only offer to an IPv4 callee is not a "
                            f"warning with a media field: {e}")

"""Issue 5 in the lab: calls from an IPv6-only UA to an IPv4-only UA through happysipd.

build the three namespaces (bridge_net.py), check that each UA really has one family,
start happysipd with listeners on both (bridge_proxy.py), register bob from the IPv4-only
UA, place the calls (bridge_calls.py) and print their table. Everything it makes is in the
lab's LabState, so the lab's teardown removes it whatever happens here.
"""

import os
import shutil
import subprocess

import bridge_calls as calls
import bridge_net as net
import bridge_proxy as proxy
import report
from selfcheck import Checks

CALLS = (
    calls.Call("IPv6-only -> IPv4-only, BYE from caller", "udp", "caller"),
    calls.Call("IPv6-only -> IPv4-only, BYE from callee", "udp", "callee"),
    calls.Call("IPv6/TCP -> IPv4/UDP, BYE from caller", "tcp", "caller"),
    calls.Call("IPv6/TCP -> IPv4/UDP, BYE from callee", "tcp", "callee"),
)
COLUMNS = (("call", 40), ("caller", 8), ("callee", 8), ("setup ms", 8), ("BYE ms", 7),
           ("first hop", 24), ("proxy_family_bridge", 25), ("result", 6))


def skip_reason(happysip):
    """Why the bridge cannot run with these binaries, or None."""
    happysipd = proxy.daemon_next_to(happysip)
    if not os.access(happysipd, os.X_OK):
        return f"no happysipd beside {happysip}"
    if not shutil.which("sipp"):
        return "sipp is missing (Debian sip-tester)"
    r = subprocess.run([happysip, "user", "--help"], capture_output=True, timeout=10,
                       check=False)
    if r.returncode != 0:
        return f"{happysip} has no `user` command"
    return None


def check(state):
    """For `lab.py check`: the topology alone (no happysipd). Returns the failures."""
    print("bridge self-check: an IPv6-only and an IPv4-only UA namespace")
    c = Checks()
    net.build(state)
    net.check_families(state, c.check)
    return c.failures


def run(state, happysip):
    """The self-check, happysipd, bob's registration, the calls and their table; returns the
    names of what failed ([] when all passed or skipped)."""
    reason = skip_reason(happysip)
    if reason:
        print(f"SKIP: family bridge calls: {reason}")
        return []
    failures = check(state)
    happysipd = proxy.daemon_next_to(happysip)
    print(f"bridge self-check: {happysipd} on [{net.PROXY6}] and {net.PROXY4}, UDP and TCP")
    c = Checks()
    proxy.start(state, happysipd, happysip)
    waited = net.wait_links_ready(state)
    c.check("IPv6 link-local addresses out of DAD", waited is not None,
            f"{waited:.1f} s" if waited is not None else "still tentative after 5 s")
    net.check_proxy_reachable(state, c.check)
    ok, detail = calls.register(state)
    c.check(f"{proxy.USER} registers over IPv4/UDP (digest)", ok, detail)
    failures += c.failures
    if failures:
        print(f"bridge: self-check failed ({', '.join(failures)}); no call placed")
        print("--- happysipd log (last 15 lines)\n" + _log_tail(state))
        return failures
    expect_event = proxy.logs_bridge_event(happysipd)
    if not expect_event:
        print(f"note: {happysipd} has no {proxy.EVENT} event: not checked")
    results = []
    for i, call in enumerate(CALLS):
        results.append(calls.run(state, call, i, expect_event))
        _print_result(results[-1])
    code = proxy.stop(state)
    c.check("happysipd exits 0 on SIGTERM after the calls", code == 0, f"exit {code}")
    print_table(results)
    failed = [r.call.name for r in results if not r.passed] + c.failures
    if failed:
        print("--- happysipd log (last 15 lines)\n" + _log_tail(state))
    print(f"bridge: {len(results)} calls, {len(failed)} failure(s)")
    return failed


def _log_tail(state):
    return "\n".join(proxy.log_text(state).splitlines()[-15:])


def _fmt(v):
    return "-" if v is None else f"{v:.1f}"


def _cells(r):
    callee = "IPv4/UDP"
    caller = f"IPv6/{r.call.caller_transport.upper()}"
    return (r.call.name, caller, callee, _fmt(r.setup_ms), _fmt(r.bye_ms), r.routes,
            r.bridge_event, "PASS" if r.passed else "FAIL")


def _print_result(r):
    print(f"  {'PASS' if r.passed else 'FAIL'} {r.call.name}: setup {_fmt(r.setup_ms)} ms, "
          f"BYE {_fmt(r.bye_ms)} ms, first hop {r.routes}", flush=True)
    for p in r.problems:
        print(f"       {p}")


def print_table(results):
    print("\nfamily bridge calls (RFC 5658 double Record-Route; setup = the caller's INVITE "
          "sent -> 200 received; BYE = BYE -> 200 at its sender)")
    print("\n".join(report.table_lines(COLUMNS, [_cells(r) for r in results])))
    for r in results:
        for p in r.problems:
            print(f"  FAIL: {r.call.name}: {p}")

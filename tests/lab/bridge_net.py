"""The family-bridge topology (issue 5): an IPv6-only UA, an IPv4-only UA and happysipd between.

Three namespaces of their own, beside the dual-stack lab's two, recorded in the same LabState
so that its teardown (and `lab.py down`) removes them. Documentation prefixes that
topology.py does not use (RFC 3849, RFC 5737 TEST-NET-3):

  hs-b6-PID  u6 2001:db8:56::2/64  <-- veth -->  p6 2001:db8:56::1/64  hs-bp-PID (happysipd)
  hs-b4-PID  u4 203.0.113.2/24     <-- veth -->  p4 203.0.113.1/24     hs-bp-PID

hs-b6 has no IPv4 address but lo's; hs-b4 has IPv6 switched off by sysctl (RFC 6157 §1: a
call between such UAs works only through a proxy that has both families).
"""

import json
import os
import sys
import time

from labnet import ns_exec
from labstate import sh

UA6 = "2001:db8:56::2"
PROXY6 = "2001:db8:56::1"
UA4 = "203.0.113.2"
PROXY4 = "203.0.113.1"
SIP_PORT = 5060
UA_PORT = 5062  # the SIPp UAs' own port, in each UA namespace

PROBE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sip_probe.py")


def names(state):
    """Namespace names of this run: (IPv6-only UA, IPv4-only UA, proxy)."""
    pid = state.data["id"]
    return f"hs-b6-{pid}", f"hs-b4-{pid}", f"hs-bp-{pid}"


def build(state):
    """Creates the three namespaces and both links; raises CalledProcessError on failure."""
    ns6, ns4, nsp = names(state)
    for ns in (ns6, ns4, nsp):
        state.add_namespace(ns)
        ns_exec(ns, "ip", "link", "set", "lo", "up")
    # Before the veth exists, so that it is created without IPv6 (default) and lo loses ::1
    # (all): the IPv4-only UA has no IPv6 at all, not even link-local.
    for conf in ("all", "default"):
        sysctl(ns4, f"net.ipv6.conf.{conf}.disable_ipv6", "1")
    sh("ip", "link", "add", "u6", "netns", ns6, "type", "veth", "peer", "name", "p6", "netns", nsp)
    sh("ip", "link", "add", "u4", "netns", ns4, "type", "veth", "peer", "name", "p4", "netns", nsp)
    # nodad: no tentative period, so happysipd and SIPp can bind at once.
    ns_exec(ns6, "ip", "-6", "addr", "add", f"{UA6}/64", "dev", "u6", "nodad")
    ns_exec(nsp, "ip", "-6", "addr", "add", f"{PROXY6}/64", "dev", "p6", "nodad")
    ns_exec(ns4, "ip", "addr", "add", f"{UA4}/24", "dev", "u4")
    ns_exec(nsp, "ip", "addr", "add", f"{PROXY4}/24", "dev", "p4")
    for ns, dev in ((ns6, "u6"), (nsp, "p6"), (ns4, "u4"), (nsp, "p4")):
        ns_exec(ns, "ip", "link", "set", dev, "up")


def sysctl(ns, key, value=None):
    """Reads (or writes) a sysctl of a namespace through /proc/sys, which shows the network
    namespace of the process reading it (no dependency on procps' sysctl)."""
    path = "/proc/sys/" + key.replace(".", "/")
    code = (f"open({path!r}, 'w').write({value!r})" if value is not None else
            f"print(open({path!r}).read().strip())")
    return ns_exec(ns, sys.executable, "-c", code, capture=True).stdout.strip()


def wait_links_ready(state, timeout_s=5.0):
    """Until no IPv6 address is tentative (the link-local ones run DAD, RFC 4862 §5.4, ~2 s).

    Until then neighbour discovery on the link stalls and the first datagram is lost: real,
    but a test that wants every UDP request answered waits for the link to settle.
    Returns the seconds waited, or None on timeout.
    """
    ns6, _, nsp = names(state)
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        if not any(ns_exec(ns, "ip", "-6", "addr", "show", "tentative", capture=True)
                   .stdout.strip() for ns in (ns6, nsp)):
            return time.monotonic() - start
        time.sleep(0.05)
    return None


def _addresses(ns, family):
    """Every address of one family in a namespace (scope host included), as text."""
    out = ns_exec(ns, "ip", "-j", f"-{family}", "addr", "show", capture=True).stdout
    found = []
    for link in json.loads(out or "[]"):
        found += [a["local"] for a in link.get("addr_info", [])]
    return found


def probe(ns, transport, address, wait_s=1.0):
    """One OPTIONS from a namespace to the proxy (sip_probe.py); returns its JSON record."""
    r = ns_exec(ns, sys.executable, PROBE, transport, address, str(SIP_PORT), "--wait",
                str(wait_s), check=False, capture=True, timeout=wait_s + 10)
    try:
        return json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": f"probe failed: {r.stderr.strip()[-300:]}", "status": None}


def check_families(state, check):
    """The topology is what it claims to be (before happysipd runs): check(name, ok, detail)."""
    ns6, ns4, _ = names(state)
    v4_in_6 = _addresses(ns6, 4)
    check("IPv6-only UA: no IPv4 address but lo's", v4_in_6 == ["127.0.0.1"], " ".join(v4_in_6))
    check("IPv6-only UA: its IPv6 address", UA6 in _addresses(ns6, 6))
    v6_in_4 = _addresses(ns4, 6)
    check("IPv4-only UA: no IPv6 address at all", v6_in_4 == [], " ".join(v6_in_4))
    off = sysctl(ns4, "net.ipv6.conf.all.disable_ipv6")
    check("IPv4-only UA: net.ipv6.conf.all.disable_ipv6 = 1", off == "1", off)
    # The other family is not just unused but unreachable: the call needs the proxy.
    r = probe(ns6, "udp", PROXY4, 0.3)
    check("IPv6-only UA cannot send to IPv4", r.get("status") is None, _outcome(r))
    r = probe(ns4, "udp", PROXY6, 0.3)
    check("IPv4-only UA cannot send to IPv6", r.get("status") is None, _outcome(r))


def check_proxy_reachable(state, check):
    """Each UA reaches happysipd over its own family, UDP and TCP (OPTIONS answered 200)."""
    ns6, ns4, _ = names(state)
    for ns, address, label in ((ns6, PROXY6, "IPv6-only UA"), (ns4, PROXY4, "IPv4-only UA")):
        for transport in ("udp", "tcp"):
            r = probe(ns, transport, address)
            check(f"{label} -> happysipd {transport}", r.get("status") == 200, _outcome(r))


def _outcome(r):
    return r.get("send_error") or r.get("error") or f"status {r.get('status')}"

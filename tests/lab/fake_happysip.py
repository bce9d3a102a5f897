#!/usr/bin/env python3
"""A stand-in for `happysip options ... --json`, to test the lab runner itself.

usage: fake_happysip.py options URI [--transport udp|tcp|tls] [--count N] [--timeout S]
                        [--ca-file PEM] [--attempt-delay MS] [--no-happy-eyeballs] --json
It speaks the same JSON contract (clientrun.py) with a crude Happy Eyeballs (dig for DNS,
one thread per attempt, a per-process reachability cache). It is NOT happysip and proves
nothing about it: `lab.py run --happysip tests/lab/fake_happysip.py` checks that the lab
measures, asserts and reports correctly. Stdlib only.
"""

import argparse
import json
import queue
import random
import socket
import ssl
import subprocess
import sys
import threading
import time

NAPTR_SERVICE = {"udp": "SIP+D2U", "tcp": "SIP+D2T", "tls": "SIPS+D2T"}
SRV_PREFIX = {"udp": "_sip._udp", "tcp": "_sip._tcp", "tls": "_sips._tcp"}
RESOLUTION_DELAY_S = 0.05


DNS_CACHE = {}  # (name, qtype) -> answers: later requests reuse them, as a TTL cache would


def dig(name, qtype):
    if (name, qtype) in DNS_CACHE:
        return DNS_CACHE[(name, qtype)]
    r = subprocess.run(["dig", "+short", "+time=1", "+tries=1", name, qtype],
                       capture_output=True, text=True, timeout=5, check=False)
    DNS_CACHE[(name, qtype)] = [line for line in r.stdout.splitlines() if line]
    return DNS_CACHE[(name, qtype)]


def targets(domain, transport):
    """RFC 3263 in miniature: NAPTR -> SRV -> (host, port); else SRV; else the domain."""
    srv_name = None
    for rec in sorted(dig(domain, "NAPTR"), key=lambda r: [int(x) for x in r.split()[:2]]):
        f = rec.split()
        if f[3].strip('"').upper() == NAPTR_SERVICE[transport]:
            srv_name = f[5].rstrip(".")
            break
    srv = dig(srv_name or f"{SRV_PREFIX[transport]}.{domain}", "SRV")
    if srv:
        return [(r.split()[3].rstrip("."), int(r.split()[2])) for r in srv]
    return [(domain, 5061 if transport == "tls" else 5060)]


def addresses(host, out, t0):
    """AAAA and A in parallel; ("ipv6"|"ipv4", address) pushed to out as answers arrive."""
    def query(qtype, family):
        for a in dig(host, qtype):
            out.put((family, a))
        out.put((family, None))
        events.append({"t_ms": ms(t0), "event": "dns_answer", "text": f"{qtype} {host}"})
    events = []
    for args in (("AAAA", "ipv6"), ("A", "ipv4")):
        threading.Thread(target=query, args=args, daemon=True).start()
    return events


def ms(t0):
    return round((time.monotonic() - t0) * 1000, 1)


def exchange(family, address, port, transport, ca, timeout_s, request):
    af = socket.AF_INET6 if family == "ipv6" else socket.AF_INET
    kind = socket.SOCK_DGRAM if transport == "udp" else socket.SOCK_STREAM
    with socket.socket(af, kind) as s:
        s.settimeout(timeout_s)
        s.connect((address, port))
        conn = s
        if transport == "tls":
            ctx = ssl.create_default_context(cafile=ca)
            conn = ctx.wrap_socket(s, server_hostname="sip.lab.test")
        host, port = conn.getsockname()[:2]
        conn.sendall(request(f"[{host}]" if ":" in host else host, port))
        data = conn.recv(65535).decode(errors="replace")
    line = data.split("\r\n", 1)[0].split(" ", 2)
    return int(line[1]), line[2] if len(line) > 2 else ""


def one_request(args, domain, cache, seq):
    t0 = time.monotonic()
    rec = {"outcome": "timeout", "status": None, "reason": None,
           "time_to_first_response_ms": None, "time_to_final_ms": None, "winner": None,
           "attempts": [], "events": []}
    call_id = f"fake-{random.getrandbits(48):x}"
    answers = queue.Queue()
    results = queue.Queue()
    hosts = targets(domain, args.transport)
    host, port = hosts[0]
    rec["events"] += addresses(host, answers, t0)
    candidates, done_families, started = [], set(), 0
    deadline = t0 + args.timeout
    delay = args.attempt_delay / 1000.0
    next_start = None
    per_attempt = args.timeout if args.no_happy_eyeballs else min(args.timeout, 32)

    def start(i):
        fam, addr = candidates[i]
        rec["attempts"].append({"family": fam, "address": addr, "port": port,
                                "transport": args.transport, "started_ms": ms(t0),
                                "result": "unanswered"})
        def req(host, lport):
            return (f"OPTIONS sip:{domain} SIP/2.0\r\nVia: SIP/2.0/{args.transport.upper()} "
                    f"{host}:{lport};rport;branch=z9hG4bK{call_id}{i}\r\nMax-Forwards: 70\r\n"
                    f"From: <sip:fake@lab.test>;tag=1\r\nTo: <sip:{domain}>\r\n"
                    f"Call-ID: {call_id}\r\nCSeq: {seq} OPTIONS\r\nContent-Length: 0\r\n\r\n"
                    ).encode()

        def run():
            try:
                results.put((i, exchange(fam, addr, port, args.transport, args.ca_file,
                                         per_attempt, req)))
            except OSError:
                results.put((i, None))
        threading.Thread(target=run, daemon=True).start()

    while time.monotonic() < deadline:
        while not answers.empty():
            fam, addr = answers.get()
            if addr is None:
                done_families.add(fam)
            elif not (cache.get(fam) == "bad" and cache.get(other(fam)) != "bad"):
                candidates.append((fam, addr))
        have6 = any(f == "ipv6" for f, _ in candidates)
        ready = have6 or "ipv6" in done_families or (
            candidates and time.monotonic() - t0 > RESOLUTION_DELAY_S + 0.03)
        if started == 0 and ready and candidates:
            pref = next((f for f in ("ipv6", "ipv4") if cache.get(f) == "good"), "ipv6")
            candidates.sort(key=lambda c: c[0] != pref)
            start(0)
            started, next_start = 1, time.monotonic() + delay
        elif started and started < len(candidates) and not args.no_happy_eyeballs and (
                time.monotonic() >= next_start):
            start(started)
            started, next_start = started + 1, time.monotonic() + delay
        try:
            i, outcome = results.get(timeout=0.005)
        except queue.Empty:
            if len(done_families) == 2 and not candidates:
                rec["outcome"] = "unresolvable"
                break
            continue
        att = rec["attempts"][i]
        if outcome is None:
            att["result"] = "failed"
            cache[att["family"]] = "bad"
            if started < len(candidates):
                start(started)
                started, next_start = started + 1, time.monotonic() + delay
            continue
        att["result"] = "won"
        cache[att["family"]] = "good"
        for a in rec["attempts"]:
            if a is not att and a["result"] == "unanswered":
                a["result"] = "cancelled"
                cache[a["family"]] = "bad"
        rec.update(outcome="response", status=outcome[0], reason=outcome[1],
                   time_to_first_response_ms=ms(t0), time_to_final_ms=ms(t0),
                   winner={k: att[k] for k in ("family", "address", "port", "transport")}
                   | {"target": host})
        break
    return rec


def other(fam):
    return "ipv4" if fam == "ipv6" else "ipv6"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=("options",))
    ap.add_argument("uri")
    ap.add_argument("--transport", default="udp")
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=32)
    ap.add_argument("--ca-file")
    ap.add_argument("--attempt-delay", type=int, default=250)
    ap.add_argument("--no-happy-eyeballs", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    domain = args.uri.split(":", 1)[1].split(";")[0]
    cache = {}
    reqs = [one_request(args, domain, cache, n + 1) for n in range(args.count)]
    print(json.dumps({"uri": args.uri, "happy_eyeballs": not args.no_happy_eyeballs,
                      "requests": reqs}))
    ok = all(r["status"] and 200 <= r["status"] < 300 for r in reqs)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

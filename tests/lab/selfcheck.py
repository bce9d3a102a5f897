"""Checks that the lab itself works before anything is measured in it: DNS from the client
namespace, the SIP server on every family and transport (sip_probe.py and sipp), and the black
hole (silent: sendto succeeds, nothing comes back, the drops are counted at the far end)."""

import time

import labdns
import labnet
import labsip
import topology as t


class Checks:
    def __init__(self):
        self.failures = []

    def check(self, name, ok, detail=""):
        print(f"  {'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}", flush=True)
        if not ok:
            self.failures.append(name)


def run(state, pki):
    c = Checks()
    print("self-check: DNS from the client namespace (through the forwarder)")
    _dns(state, c)
    print(f"self-check: SIP server ({state.data.get('server_kind')}) on both families")
    _sip(state, pki, c)
    print("self-check: black holes are silent and at the far end")
    _blackholes(state, c)
    return c.failures


def _dns(state, c):
    naptr = labdns.dig(state, t.fqdn("both"), "NAPTR")
    c.check("NAPTR both.lab.test", len(naptr) == 3 and all("SIP" in n for n in naptr),
            "; ".join(naptr))
    srv = labdns.dig(state, f"_sip._udp.{t.fqdn('both')}", "SRV")
    c.check("SRV _sip._udp.both.lab.test", srv == [f"0 0 {t.SIP_PORT} {t.fqdn('sip')}."],
            "; ".join(srv))
    c.check("AAAA sip.lab.test", labdns.dig(state, t.fqdn("sip"), "AAAA") == [t.SERVER_SIP6])
    c.check("A sip.lab.test", labdns.dig(state, t.fqdn("sip"), "A") == [t.SERVER_SIP4])
    c.check("AAAA-only sip6", labdns.dig(state, t.fqdn("sip6"), "A") == [] and
            labdns.dig(state, t.fqdn("sip6"), "AAAA") == [t.SERVER_SIP6])
    c.check("no NAPTR for srvonly", labdns.dig(state, t.fqdn("srvonly"), "NAPTR") == [])
    c.check("no SRV for hostonly",
            labdns.dig(state, f"_sip._udp.{t.fqdn('hostonly')}", "SRV") == [])
    c.check("nsd answers directly", labdns.dig(state, t.fqdn("sip"), "A", t.NSD6) ==
            [t.SERVER_SIP4])
    start = time.monotonic()
    a = labdns.dig(state, t.fqdn("slow"), "A")
    a_ms = (time.monotonic() - start) * 1000
    start = time.monotonic()
    aaaa = labdns.dig(state, t.fqdn("slow"), "AAAA")
    aaaa_ms = (time.monotonic() - start) * 1000
    c.check("AAAA slow.lab.test held, A not",
            a == [t.SERVER_SIP4] and aaaa == [t.SERVER_SIP6] and
            aaaa_ms >= t.AAAA_DELAY_MS and a_ms < t.AAAA_DELAY_MS / 2,
            f"A {a_ms:.0f} ms, AAAA {aaaa_ms:.0f} ms")


def _sip(state, pki, c):
    rtt = state.data["rtt_ms"]
    for transport, port in (("udp", t.SIP_PORT), ("tcp", t.SIP_PORT), ("tls", t.SIPS_PORT)):
        for address in (t.SERVER_SIP6, t.SERVER_SIP4):
            r = labsip.probe(state, transport, address, port,
                             pki if transport == "tls" else None)
            # TCP needs the handshake first (2 RTT), TLS 1.3 one more.
            c.check(f"probe {transport} {address}", r.get("status") == 200 and
                    rtt <= r["ms"] < 1000, f"{r.get('status')} in {r.get('ms')} ms "
                    f"{r.get('error') or ''}")
    for mode in ("u1", "t1"):
        for target in (f"[{t.SERVER_SIP6}]:{t.SIP_PORT}", f"{t.SERVER_SIP4}:{t.SIP_PORT}"):
            ok, ms = labsip.sipp_options(state, f"sip:{t.fqdn('sip')}", target, mode, 5)
            c.check(f"sipp -t {mode} {target}", ok, f"{ms} ms")


def _blackholes(state, c):
    for family, dead, alive in (("6", t.SERVER_SIP6, t.SERVER_SIP4),
                                ("4", t.SERVER_SIP4, t.SERVER_SIP6)):
        labnet.blackhole(state, family)
        before = labnet.drop_counters(state)
        r = labsip.probe(state, "udp", dead, t.SIP_PORT, wait_s=1.0)
        c.check(f"IPv{family} black hole, udp: sendto ok, silence",
                r.get("sent") is True and r.get("send_error") is None and
                r.get("status") is None and r.get("error") == "timeout", str(r))
        r = labsip.probe(state, "tcp", dead, t.SIP_PORT, wait_s=1.0)
        c.check(f"IPv{family} black hole, tcp: connect hangs (no RST)",
                r.get("error") == "timeout", str(r.get("error")))
        r = labsip.probe(state, "udp", alive, t.SIP_PORT)
        c.check(f"IPv{family} black hole, the other family answers", r.get("status") == 200)
        c.check(f"IPv{family} black hole, drops counted in the server's input hook",
                labnet.drop_counters(state) != before)
    labnet.blackhole(state, None)
    r = labsip.probe(state, "udp", t.SERVER_SIP6, t.SIP_PORT)
    c.check("black holes removed", r.get("status") == 200)
    r = labsip.probe(state, "udp", t.DEAD6, t.SIP_PORT, wait_s=1.0)
    c.check("dead host is silent", r.get("sent") is True and r.get("status") is None, str(r))

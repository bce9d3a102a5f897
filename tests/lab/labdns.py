"""The lab's DNS: nsd (authoritative for lab.test) behind the AAAA-delaying forwarder."""

import os
import sys
import time

import topology as t
from labnet import ns_exec

HERE = os.path.dirname(os.path.abspath(__file__))
ZONE_FILE = os.path.join(HERE, "lab.test.zone")


def start(state):
    conf = state.file("nsd.conf")
    with open(conf, "w", encoding="utf-8") as f:
        f.write(f"""server:
  ip-address: {t.NSD6}
  ip-address: {t.NSD4}
  port: 53
  username: ""
  chroot: ""
  zonesdir: "{state.tmp}"
  pidfile: "{state.file('nsd.pid')}"
  xfrdfile: "{state.file('nsd-xfrd.state')}"
  zonelistfile: "{state.file('nsd-zone.list')}"
  database: ""
  server-count: 1
  verbosity: 1
  hide-version: yes
remote-control:
  control-enable: no
zone:
  name: {t.ZONE}
  zonefile: "{ZONE_FILE}"
""")
    state.start("nsd", state.server, ["nsd", "-d", "-c", conf], exe="nsd")
    state.start("dns_delay", state.server,
                [sys.executable, os.path.join(HERE, "dns_delay.py"),
                 "--listen", t.RESOLVER6, "--listen", t.RESOLVER4, "--upstream", t.NSD4,
                 "--delay-ms", str(t.AAAA_DELAY_MS), *t.DELAYED_AAAA_NAMES],
                exe=sys.executable)
    for server in (t.NSD6, t.RESOLVER4):
        _wait_answer(state, server)


def dig(state, name, qtype, server=None):
    """Answer lines (+short) for a query from the client namespace; [] on failure."""
    argv = ["dig", "+short", "+time=1", "+tries=1", name, qtype]
    if server:
        argv.insert(1, f"@{server}")
    r = ns_exec(state.client, *argv, check=False, capture=True)
    return r.stdout.split("\n")[:-1] if r.returncode == 0 else []


def _wait_answer(state, server, timeout_s=10.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if dig(state, t.fqdn("sip"), "A", server):
            return
        time.sleep(0.1)
    raise RuntimeError(f"DNS server {server} did not answer within {timeout_s} s "
                       f"(see {state.tmp}/nsd.log, dns_delay.log)")

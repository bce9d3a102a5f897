"""SIP peers of the lab: the server in the server namespace (happysip's responder or Kamailio),
Kamailio as the client-side reference proxy, and the log of server transactions."""

import glob
import json
import os
import subprocess
import sys
import tempfile
import time

import topology as t
from labnet import ns_exec

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER_CFG = os.path.join(HERE, "kamailio-server.cfg")
PROXY_CFG = os.path.join(HERE, "kamailio-proxy.cfg")
SIPP_SCENARIO = os.path.join(HERE, "sipp-options.xml")
PROBE = os.path.join(HERE, "sip_probe.py")
SERVER = "sip-server"  # process name in the lab state, whichever program it is


def listen_specs(addresses=(t.SERVER_SIP6, t.SERVER_SIP4)):
    """(transport, host, port) for every listener: UDP/TCP on 5060, TLS on 5061, both families."""
    specs = []
    for a in addresses:
        host = f"[{a}]" if ":" in a else a
        specs += [("udp", host, t.SIP_PORT), ("tcp", host, t.SIP_PORT), ("tls", host, t.SIPS_PORT)]
    return specs


def responder_available(happysip):
    if not happysip or not os.access(happysip, os.X_OK):
        return False
    r = subprocess.run([happysip, "respond", "--help"], capture_output=True, timeout=10,
                       check=False)
    return r.returncode == 0


def start_responder(state, happysip, pki):
    argv = ["stdbuf", "-oL", happysip, "respond", "--cert", pki["cert"], "--key", pki["key"]]
    for proto, host, port in listen_specs():
        argv += ["--listen", f"{proto}:{host}:{port}"]
    state.start(SERVER, state.server, argv, exe=happysip)
    state.data["server_kind"] = "happysip"
    state.save()
    wait_server(state, pki)


def start_kamailio_server(state, pki):
    tls_cfg = state.file("kamailio-tls.cfg")
    with open(tls_cfg, "w", encoding="utf-8") as f:
        f.write(f"[server:default]\nmethod = TLSv1.2+\nverify_certificate = no\n"
                f"require_certificate = no\nprivate_key = {pki['key']}\n"
                f"certificate = {pki['cert']}\n\n[client:default]\nmethod = TLSv1.2+\n"
                f"verify_certificate = no\nrequire_certificate = no\n")
    argv = _kamailio_argv(state, "kamailio-server", SERVER_CFG, listen_specs(),
                          [f'TLS_CONFIG="{tls_cfg}"'])
    state.start(SERVER, state.server, argv, exe="kamailio")
    state.data["server_kind"] = "kamailio"
    state.save()
    wait_server(state, pki)


def start_reference_proxy(state):
    listens = []
    for a in ("127.0.0.1", f"[{t.CLIENT_SIP6}]", t.CLIENT_SIP4):
        listens += [("udp", a, t.REFERENCE_PROXY_PORT), ("tcp", a, t.REFERENCE_PROXY_PORT)]
    state.start("kamailio-proxy", state.client,
                _kamailio_argv(state, "kamailio-proxy", PROXY_CFG, listens, []), exe="kamailio")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if "forwarding" in log_text(state, "kamailio-proxy") or _listening(state):
            return
        time.sleep(0.2)
    raise RuntimeError("the Kamailio reference proxy did not start; its log ends:\n"
                       + log_tail(state, "kamailio-proxy"))


def _listening(state):
    out = ns_exec(state.client, "ss", "-lun", capture=True, check=False).stdout
    return f"127.0.0.1:{t.REFERENCE_PROXY_PORT}" in out


def _kamailio_argv(state, name, cfg, listens, defines):
    rundir = state.file(f"{name}-run")
    os.makedirs(rundir, exist_ok=True)
    argv = ["kamailio", "-DD", "-E", "-f", cfg, "-P", state.file(f"{name}.pid"), "-Y", rundir,
            "-w", rundir, "-m", "64", "-M", "8"]
    for d in defines:
        argv += ["-A", d]
    for proto, host, port in listens:
        argv += ["-l", f"{proto}:{host}:{port}"]
    return argv


def probe(state, transport, address, port, pki=None, wait_s=2.0):
    """One OPTIONS from the client namespace (sip_probe.py); returns its JSON record."""
    argv = [sys.executable, PROBE, transport, address, str(port), "--wait", str(wait_s)]
    if pki:
        argv += ["--ca", pki["ca"], "--server-name", t.fqdn("sip")]
    r = ns_exec(state.client, *argv, check=False, capture=True, timeout=wait_s + 10)
    try:
        return json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": f"probe failed: {r.stderr.strip()[-300:]}", "status": None}


def wait_server(state, pki, timeout_s=15.0):
    if os.environ.get("HS_LAB_NO_WAIT"):
        return
    """Until the server answers OPTIONS on UDP over IPv4 and TLS over IPv6 (the slowest to open)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if (probe(state, "udp", t.SERVER_SIP4, t.SIP_PORT, wait_s=0.5).get("status") == 200 and
                probe(state, "tls", t.SERVER_SIP6, t.SIPS_PORT, pki, 0.5).get("status") == 200):
            return
        if not state.running(SERVER):
            break
        time.sleep(0.2)
    raise RuntimeError(f"the SIP server ({state.data.get('server_kind')}) did not answer "
                       f"within {timeout_s} s; its log ends:\n{log_tail(state, SERVER)}")


def log_text(state, name):
    try:
        with open(state.file(f"{name}.log"), encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def log_tail(state, name, lines=15):
    return "\n".join(log_text(state, name).splitlines()[-lines:])


def log_offset(state, name=SERVER):
    try:
        return os.path.getsize(state.file(f"{name}.log"))
    except OSError:
        return 0


def server_transactions(state, since):
    """Records of new server transactions logged after byte offset `since`.

    happysip's responder prints one JSON object per line; Kamailio's cfg prints "HSLAB {json}".
    """
    with open(state.file(f"{SERVER}.log"), "rb") as f:
        f.seek(since)
        text = f.read().decode(errors="replace")
    records = []
    for line in text.splitlines():
        start = line.find("HSLAB {")
        payload = line[start + 6:] if start >= 0 else line.strip()
        if not payload.startswith("{"):
            continue
        try:
            rec = json.loads(payload)
        except ValueError:
            continue
        if isinstance(rec, dict) and "call_id" in rec:
            records.append(rec)
    return records


def sipp_options(state, ruri, target, transport="u1", timeout_s=45, count=1):
    """sipp sends `count` OPTIONS for ruri to target, one after another.

    Returns (ok, [response time ms of each answered request]) from sipp's own RTD trace
    (1 ms resolution), so that sipp's start-up is not counted.
    """
    workdir = tempfile.mkdtemp(prefix="sipp-", dir=state.tmp)
    argv = ["sipp", target, "-sf", SIPP_SCENARIO, "-key", "ruri", ruri, "-m", str(count),
            "-l", "1", "-t", transport, "-nostdin", "-timeout", f"{timeout_s * count}s",
            "-timeout_error", "-trace_rtt", "-rtt_freq", "1"]
    if target.startswith("127."):
        argv += ["-i", "127.0.0.1"]
    elif target.startswith("["):
        argv += ["-i", t.CLIENT_SIP6]
    else:
        argv += ["-i", t.CLIENT_SIP4]
    r = ns_exec(state.client, *argv, check=False, capture=True,
                timeout=timeout_s * count + 15, cwd=workdir)
    times = []
    for path in glob.glob(os.path.join(workdir, "*_rtt.csv")):
        with open(path, encoding="utf-8") as f:
            for line in f.read().splitlines()[1:]:
                fields = line.split(";")
                if len(fields) >= 2:
                    times.append(float(fields[1]))
    return r.returncode == 0 and len(times) == count, times

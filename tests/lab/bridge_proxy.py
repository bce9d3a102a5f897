"""happysipd in the bridge's proxy namespace: its configuration, bob's account, its log.

The proxy listens on UDP and TCP of its IPv6 address (towards the IPv6-only UA) and of its
IPv4 address (towards the IPv4-only UA); the domain is lab.test. REGISTER is challenged
with digest, MD5 first as tests/interop/sipp_calls.sh does (SIPp knows only MD5).
"""

import os
import shlex
import subprocess
import time

import bridge_net as net

NAME = "happysipd-bridge"  # process name in the lab state (and its log file)
DOMAIN = "lab.test"
USER = "bob"
PASSWORD = "Lb5tQ9wXe2mRk7Zc"  # throwaway: the database lives in the run's temp dir
LISTENERS = [f"{proto}:{host}:{net.SIP_PORT}"
             for host in (f"[{net.PROXY6}]", net.PROXY4) for proto in ("udp", "tcp")]
EVENT = "proxy_family_bridge"


def daemon_next_to(happysip):
    """happysipd is built beside happysip (src/app of one build tree)."""
    return os.path.join(os.path.dirname(happysip), "happysipd")


def logs_bridge_event(happysipd):
    """Whether this binary has the proxy_family_bridge event at all (it came after issue 5's
    first cut): its absence is reported, not failed, so older binaries still run the calls."""
    try:
        with open(happysipd, "rb") as f:
            return EVENT.encode() in f.read()
    except OSError:
        return False


def start(state, happysipd, happysip):
    """Writes the config and bob's account, starts happysipd, waits for its four listeners."""
    var = state.file("bridge-var")
    os.makedirs(var, exist_ok=True)
    db = os.path.join(var, "happysip.sqlite")
    r = subprocess.run([happysip, "user", "add", USER, "--db", db, "--realm", DOMAIN,
                        "--password-stdin"], input=PASSWORD + "\n", capture_output=True,
                       text=True, timeout=20, check=False)
    if r.returncode != 0:
        raise RuntimeError(f"happysip user add {USER} failed: {r.stderr.strip()}")
    listen = ", ".join(f'"{spec}"' for spec in LISTENERS)
    config = state.file("happysipd-bridge.toml")
    with open(config, "w", encoding="utf-8") as f:
        f.write(f'[server]\ndomains = ["{DOMAIN}"]\nlisten = [{listen}]\nvar_dir = "{var}"\n'
                f'drain_ms = 200\n\n[auth]\nallow_md5 = true\nmd5_first = true\n\n'
                f'[log]\nlevel = "debug"\n')
    _, _, nsp = net.names(state)
    proc = state.start(NAME, nsp, [happysipd, "--config", config], exe=happysipd)
    _procs[state.path] = proc
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if all(f"event=listening at={spec}" in log_text(state) for spec in LISTENERS):
            return
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    raise RuntimeError(f"happysipd did not listen on {LISTENERS} within 10 s; its log ends:\n"
                       + "\n".join(log_text(state).splitlines()[-15:]))


def stop(state):
    """SIGTERM and its exit status (0 once it has drained), or None when it had to be killed."""
    proc = _procs.pop(state.path, None)
    if proc is None:
        return None
    proc.terminate()  # by PID: the Popen of the program started (ip netns exec execs it)
    try:
        code = proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        code = None
    state.stop(NAME)  # kills it if it is still there, and drops it from the record
    return code


_procs = {}  # state path -> Popen of the running happysipd


def log_text(state):
    try:
        with open(state.file(f"{NAME}.log"), encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def events(state, name, call_id=None):
    """The log's events of one name (and Call-ID) as dicts of their key=value fields."""
    found = []
    for line in log_text(state).splitlines():
        if f" event={name}" not in line:
            continue
        try:
            words = shlex.split(line)
        except ValueError:
            continue
        fields = dict(w.split("=", 1) for w in words[1:] if "=" in w)
        if call_id is None or fields.get("call_id") == call_id:
            found.append(fields)
    return found

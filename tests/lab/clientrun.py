"""Runs `happysip options ... --json` in the client namespace and reads its JSON (contract):

{"uri":..., "happy_eyeballs":true,
 "requests":[{"outcome":"response|timeout|unresolvable|transport_error","status":200,
   "reason":"OK","time_to_first_response_ms":12.4,"time_to_final_ms":12.4,
   "winner":{"family":"ipv4","address":...,"port":5060,"transport":"udp","target":...},
   "attempts":[{"family":"ipv6",...,"started_ms":3.1,"result":"won|failed|cancelled|unanswered"}],
   "events":[{"t_ms":0.4,"event":"dns_answer","text":...}]}]}
"""

import dataclasses
import json
import subprocess
import time

from labnet import ns_exec


@dataclasses.dataclass
class Run:
    argv: list
    exit_code: int = None
    elapsed_ms: float = 0.0
    requests: list = dataclasses.field(default_factory=list)
    error: str = None  # the run itself went wrong (no JSON, killed at the bound)
    stderr: str = ""


def winner_family(request):
    return (request.get("winner") or {}).get("family")


def families(request):
    return {a.get("family") for a in request.get("attempts") or []}


class Client:
    def __init__(self, state, pki, happysip):
        self.state = state
        self.pki = pki
        self.happysip = happysip
        self.why_unavailable = None
        try:
            r = subprocess.run([happysip, "options", "--help"], capture_output=True, text=True,
                               timeout=10, check=False)
            if r.returncode != 0:
                self.why_unavailable = (f"`{happysip} options --help` exited {r.returncode}: "
                                        f"{(r.stderr or r.stdout).strip()[-200:]}")
        except OSError as e:
            self.why_unavailable = f"{happysip}: {e}"

    @property
    def available(self):
        return self.why_unavailable is None

    def options(self, uri, transport, count, timeout_s, extra=()):
        argv = [self.happysip, "options", uri, "--transport", transport, "--count", str(count),
                "--timeout", str(timeout_s), "--ca-file", self.pki["ca"], "--json", *extra]
        run = Run(argv)
        bound_s = count * timeout_s + 15  # the client must end by itself well before this
        start = time.monotonic()
        try:
            r = ns_exec(self.state.client, *argv, check=False, capture=True, timeout=bound_s)
        except subprocess.TimeoutExpired:
            run.error = f"still running after {bound_s} s (killed)"
            return run
        run.elapsed_ms = (time.monotonic() - start) * 1000
        run.exit_code = r.returncode
        run.stderr = r.stderr
        try:
            doc = json.loads(r.stdout)
            run.requests = doc["requests"]
        except (ValueError, KeyError, TypeError):
            run.error = (f"exit {r.returncode}, no JSON on stdout: "
                         f"{(r.stderr or r.stdout).strip()[-200:]!r}")
        return run

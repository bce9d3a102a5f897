#!/usr/bin/env python3
"""happysip's dual-stack lab: network namespaces, real DNS (nsd), black-holed families.

usage:
  lab.py run  [--happysip PATH] [--server auto|happysip|kamailio] [--no-reference]
              [--no-bridge]
              build the lab, self-check it, run every scenario x transport with
              `happysip options`, the naive and Kamailio comparisons, print the table,
              then the calls from an IPv6-only to an IPv4-only UA through happysipd
              (bridge.py, with the happysipd beside PATH) and their table,
              tear everything down; exit 1 on any failure
  lab.py up   [--happysip PATH] [--server ...]   build the lab and leave it running
  lab.py down [STATE.json ...]                   tear down labs made by `up` (or stale ones)
  lab.py check                                   build, self-check (the bridge's
                                                 namespaces too), tear down

Needs root and network namespaces; otherwise prints "SKIP: ..." and exits 0.
docs/lab.md describes the topology, the scenarios and the table.
"""

import argparse
import atexit
import os
import shutil
import signal
import subprocess
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bridge  # noqa: E402
import labdns  # noqa: E402
import labnet  # noqa: E402
import labpki  # noqa: E402
import labsip  # noqa: E402
import scenarios  # noqa: E402
import selfcheck  # noqa: E402
from labstate import LabState, kill_running, stale_states  # noqa: E402

TOOLS = ("ip", "tc", "nft", "nsd", "dig", "openssl", "kamailio", "sipp", "stdbuf")


def skip_reason():
    if os.geteuid() != 0:
        return "the lab needs root (network namespaces, nftables)"
    probe = f"hs-probe-{os.getpid()}"
    r = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True,
                       check=False)
    if r.returncode != 0:
        return f"`ip netns add` failed: {r.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True, check=False)
    return None


def build(mode, args):
    """Creates the whole lab; returns (state, pki)."""
    missing = [tool for tool in TOOLS if not shutil.which(tool)]
    if missing:
        raise RuntimeError(f"missing tools: {' '.join(missing)} (run scripts/install-deps)")
    state = LabState.create(mode)
    atexit.register(state.teardown)  # unregistered once an `up` lab is complete
    _building.append(state)
    labnet.build(state)
    labdns.start(state)
    pki = labpki.make(state)
    use_responder = args.server == "happysip" or (
        args.server == "auto" and labsip.responder_available(args.happysip))
    if args.server == "happysip" and not labsip.responder_available(args.happysip):
        raise RuntimeError(f"{args.happysip} respond --help failed")
    if use_responder:
        labsip.start_responder(state, args.happysip, pki)
    else:
        if args.server == "auto":
            print(f"note: `{args.happysip} respond` is not available: the SIP server is "
                  "Kamailio (kamailio-server.cfg)")
        labsip.start_kamailio_server(state, pki)
    if not args.no_reference:
        labsip.start_reference_proxy(state)
    state.data["pki"] = pki
    state.save()
    return state, pki


_building = []  # the lab of this process, for the signal handler


def on_signal(signum, _frame):
    """Tears down at once: worker threads may be waiting ~40 s on a black hole."""
    kill_running()
    for state in _building:
        if not state.data.get("complete"):  # a finished `up` lab stays up
            state.teardown()
    os._exit(128 + signum)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=("run", "up", "down", "check"))
    ap.add_argument("states", nargs="*", help="for down: state files (default: every stale lab)")
    ap.add_argument("--happysip", default="./build/release/src/app/happysip")
    ap.add_argument("--server", choices=("auto", "happysip", "kamailio"), default="auto")
    ap.add_argument("--no-reference", action="store_true",
                    help="skip Kamailio as the reference client (the slow ~30 s comparison)")
    ap.add_argument("--no-bridge", action="store_true",
                    help="skip the IPv6-only -> IPv4-only calls through happysipd (bridge.py)")
    args = ap.parse_args()
    args.happysip = os.path.abspath(args.happysip)

    if args.command == "down":
        states = [LabState.load(p) for p in args.states] if args.states else stale_states()
        for s in states:
            print(f"tearing down lab {s.data['id']} ({s.client}, {s.server}, {s.tmp})")
            s.teardown()
        return 0

    reason = skip_reason()
    if reason:
        print(f"SKIP: {reason}")
        return 0
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)

    if args.command == "up":
        state, _ = build("up", args)
        atexit.unregister(state.teardown)
        state.data["complete"] = True
        state.save()
        print(f"lab {state.data['id']} is up: namespaces {state.client} (client), "
              f"{state.server} (server); files in {state.tmp}\n"
              f"  ip netns exec {state.client} dig NAPTR both.lab.test\n"
              f"  {sys.argv[0]} down {state.path}")
        return 0

    state, pki = build("run", args)
    failures = selfcheck.run(state, pki)
    if args.command == "check" and not args.no_bridge:
        failures += _bridge(lambda: bridge.check(state))
    if args.command == "check" or failures:
        print(f"self-check: {len(failures)} failure(s)" if failures else "self-check: all ok")
        return 1 if failures else 0
    code = scenarios.run_all(state, pki, args.happysip, reference=not args.no_reference)
    if not args.no_bridge and _bridge(lambda: bridge.run(state, args.happysip)):
        code = 1
    return code


def _bridge(step):
    """Runs a bridge step (it returns its failures); an exception is one more failure, and
    the lab's teardown removes whatever the step made."""
    try:
        return step()
    except (RuntimeError, OSError, subprocess.SubprocessError):
        print(f"FAIL family bridge: {traceback.format_exc()}")
        return ["family bridge"]


if __name__ == "__main__":
    sys.exit(main())

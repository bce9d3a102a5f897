"""What one lab made (namespaces, /etc/netns dirs, a temp dir, processes), and how to undo it.

The record is written to <tmpdir>/state.json after every change, so that `lab.py down` can undo
an `lab.py up` from another process, and a run that dies half-way leaves a record behind.
Processes are stopped by PID only, after checking that the PID still runs the command we started.
"""

import glob
import json
import os
import shutil
import signal
import subprocess
import threading
import time

STATE_GLOB = "/tmp/hs-lab-*/state.json"


_running = set()  # commands in flight (several threads run them at once)
_running_lock = threading.Lock()


def sh(*argv, check=True, capture=False, timeout=20, cwd=None):
    """Runs a command (no shell); returns CompletedProcess. Bounded in time."""
    pipe = subprocess.PIPE if capture else None
    with subprocess.Popen(list(argv), text=True, cwd=cwd, stdout=pipe, stderr=pipe) as proc:
        with _running_lock:
            _running.add(proc)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise
        finally:
            with _running_lock:
                _running.discard(proc)
    if check and proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, argv, out, err)
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def kill_running():
    """Kills the commands sh() is waiting for (on SIGTERM: the run must end now, not in 40 s)."""
    with _running_lock:
        procs = list(_running)
    for proc in procs:
        try:
            proc.kill()
        except OSError:
            pass


class LabState:
    def __init__(self, path, data):
        self.path = path
        self.data = data

    @classmethod
    def create(cls, mode):
        pid = os.getpid()
        tmp = f"/tmp/hs-lab-{pid}"
        os.makedirs(tmp, mode=0o700)
        data = {"id": pid, "mode": mode, "creator": pid, "tmp": tmp,
                "client": f"hs-c-{pid}", "server": f"hs-s-{pid}",
                "namespaces": [], "netns_dirs": [], "processes": []}
        state = cls(os.path.join(tmp, "state.json"), data)
        state.save()
        return state

    @classmethod
    def load(cls, path):
        with open(path, encoding="utf-8") as f:
            return cls(path, json.load(f))

    def save(self):
        tmp_path = self.path + ".new"
        with open(tmp_path, "w", encoding="utf-8") as f:
            json.dump(self.data, f, indent=1)
        os.replace(tmp_path, self.path)

    @property
    def tmp(self):
        return self.data["tmp"]

    @property
    def client(self):
        return self.data["client"]

    @property
    def server(self):
        return self.data["server"]

    def file(self, name):
        return os.path.join(self.tmp, name)

    def add_namespace(self, name):
        self.data["namespaces"].append(name)
        self.save()
        sh("ip", "netns", "add", name)

    def add_netns_dir(self, path):
        parent = os.path.dirname(path)
        if not os.path.isdir(parent):  # /etc/netns itself: removed again when left empty
            self.data["made_dirs"] = [parent]
        self.data["netns_dirs"].append(path)
        self.save()
        os.makedirs(path, exist_ok=True)

    def start(self, name, namespace, argv, exe=None):
        """Starts argv inside a namespace (ip netns exec execs it, so the PID is the program's).

        exe is the program the PID ends up running when argv[0] is a wrapper that execs it.
        """
        log = open(self.file(f"{name}.log"), "ab")
        proc = subprocess.Popen(["ip", "netns", "exec", namespace, *argv],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        log.close()
        self.data["processes"].append({"name": name, "pid": proc.pid, "exe": exe or argv[0]})
        self.save()
        return proc

    def stop(self, name):
        """Stops the processes recorded under a name (e.g. to swap the SIP server)."""
        keep = []
        for p in self.data["processes"]:
            if p["name"] == name:
                _stop_pid(p)
            else:
                keep.append(p)
        self.data["processes"] = keep
        self.save()

    def running(self, name):
        return any(p["name"] == name and _is_ours(p) for p in self.data["processes"])

    def teardown(self):
        """Undoes everything recorded, in reverse order of creation; never raises."""
        for p in reversed(self.data["processes"]):
            _stop_pid(p)
        for ns in reversed(self.data["namespaces"]):
            sh("ip", "netns", "del", ns, check=False, capture=True)
        for d in self.data["netns_dirs"]:
            shutil.rmtree(d, ignore_errors=True)
        for d in self.data.get("made_dirs", []):
            try:
                os.rmdir(d)  # only when empty: another lab may be using it
            except OSError:
                pass
        shutil.rmtree(self.tmp, ignore_errors=True)


def _is_ours(p):
    """True while the PID still runs the program we started (guards against PID reuse)."""
    try:
        with open(f"/proc/{p['pid']}/cmdline", "rb") as f:
            argv0 = f.read().split(b"\0")[0].decode(errors="replace")
    except OSError:
        return False
    return os.path.basename(argv0) == os.path.basename(p["exe"]) or argv0 == "ip"


def _stop_pid(p, grace_s=3.0):
    if not _is_ours(p):
        _reap(p["pid"])
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(p["pid"], sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline:
            if _reap(p["pid"]) or not _is_ours(p):
                return
            time.sleep(0.05)


def _reap(pid):
    """Collects a child of ours that has exited; True when it is gone."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == pid
    except ChildProcessError:
        return not os.path.exists(f"/proc/{pid}")


def stale_states():
    """Every lab record on this machine whose creator is gone or that was made by `up`."""
    found = []
    for path in glob.glob(STATE_GLOB):
        try:
            state = LabState.load(path)
        except (OSError, ValueError):
            continue
        creator_alive = os.path.exists(f"/proc/{state.data['creator']}")
        if state.data["mode"] == "up" or not creator_alive:
            found.append(state)
    return found

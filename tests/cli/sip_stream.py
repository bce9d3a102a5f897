"""Helpers for the CLI tests that talk SIP over TCP to happysipd from Python: reading one
message off a stream socket, its header values, a response made from a request, and the
statuses a request got, and the tests' "name ok|FAIL detail" result lines. Imported by the tests' inline Python (sys.path: this folder)."""
import socket
import time


def read_message(s, buf):
    """One SIP message from stream socket s (buf: bytes already read); (msg, rest)."""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(4096)
        if not chunk:
            return None, buf
        buf += chunk
        buf = buf.lstrip(b"\r\n")  # keep-alive CRLFs between messages
    head, _, rest = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    while len(rest) < length:
        chunk = s.recv(4096)
        if not chunk:
            return None, rest
        rest += chunk
    return head.decode(), rest[length:]


def headers(msg, name):
    return [l.split(":", 1)[1].strip() for l in msg.split("\r\n")[1:]
            if l.split(":", 1)[0].strip().lower() == name.lower()]


def response_to(request, status, reason, tag, contact=None):
    """A response to `request` with our To tag; 1xx/2xx copy its Record-Route (RFC 3261
    §12.1.1) and carry `contact` when given."""
    lines = [f"SIP/2.0 {status} {reason}"]
    lines += [f"Via: {v}" for v in headers(request, "via")]
    if status < 300:
        lines += [f"Record-Route: {v}" for v in headers(request, "record-route")]
    if contact:
        lines.append(f"Contact: <{contact}>")
    lines.append(f"From: {headers(request, 'from')[0]}")
    lines.append(f"To: {headers(request, 'to')[0]};tag={tag}")
    lines.append(f"Call-ID: {headers(request, 'call-id')[0]}")
    lines.append(f"CSeq: {headers(request, 'cseq')[0]}")
    lines.append("Content-Length: 0")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def final_of(s, wait, method="INVITE", on_provisional=None, seen=None):
    """The statuses of the responses to `method` on s until its final one (or `wait` s),
    and the time that took. `seen`, a list: the responses are appended to it."""
    start, buf, statuses = time.monotonic(), b"", []
    try:
        while True:
            s.settimeout(max(0.1, wait - (time.monotonic() - start)))
            msg, buf = read_message(s, buf)
            if msg is None:
                break
            if not headers(msg, "cseq")[0].endswith(method):
                continue
            status = int(msg.split(" ", 2)[1])
            statuses.append(status)
            if seen is not None:
                seen.append(msg)
            if status >= 200:
                break
            if on_provisional:
                on_provisional(status)
    except socket.timeout:
        pass
    return statuses, time.monotonic() - start


def report(name, ok, detail=""):
    """One result line, "name ok|FAIL detail", for the shell side to check."""
    print(f"{name} {'ok' if ok else 'FAIL'} {detail}", flush=True)

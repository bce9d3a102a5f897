"""SIPp's message trace (-trace_msg) read back: every message with its time and direction.

A trace entry looks like
  ----------------------------------------------- 2026-12-01 23:42:04.479295
  UDP message sent (420 bytes):
  <blank line>
  INVITE sip:bob@lab.test SIP/2.0
  ...
"""

import dataclasses
import datetime
import re

_SEPARATOR = re.compile(r"^-{20,} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)$")
_DIRECTION = re.compile(r"^(UDP|TCP|TLS) message (sent|received)")
# The host of a name-addr's URI: after "sip:" and an optional user part, IPv6 in brackets.
_URI_HOST = re.compile(r"<sips?:(?:[^@>]*@)?(\[[0-9A-Fa-f:.]+\]|[^:;>]+)")


@dataclasses.dataclass
class Message:
    time: float  # seconds since the epoch, as SIPp printed it (local time, microseconds)
    direction: str  # "sent" | "received"
    transport: str  # "UDP" | "TCP" | "TLS"
    start_line: str
    headers: list  # (lower-case name, value) in order

    @property
    def is_response(self):
        return self.start_line.startswith("SIP/2.0 ")

    @property
    def method(self):
        """The CSeq method: INVITE for the 200 of an INVITE."""
        cseq = self.header("cseq")
        return cseq.split()[-1] if cseq else ""

    @property
    def kind(self):
        """"INVITE", "ACK", ... for requests; "180 INVITE", "200 BYE" for responses."""
        if self.is_response:
            return f"{self.start_line.split()[1]} {self.method}"
        return self.start_line.split()[0]

    def header(self, name):
        for n, v in self.headers:
            if n == name:
                return v
        return None

    def values(self, name):
        """Every value of a header that may hold several (Route, Record-Route), in order."""
        found = []
        for n, v in self.headers:
            if n == name:
                found += split_values(v)
        return found


def parse(text):
    """Every message of a trace, in order."""
    messages = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        sep = _SEPARATOR.match(lines[i])
        direction = _DIRECTION.match(lines[i + 1]) if sep and i + 1 < len(lines) else None
        if not direction:
            i += 1
            continue
        when = datetime.datetime.strptime(sep.group(1), "%Y-%m-%d %H:%M:%S.%f").timestamp()
        j = i + 2
        while j < len(lines) and not lines[j].strip():
            j += 1
        start = j
        while j < len(lines) and not _SEPARATOR.match(lines[j]):
            j += 1
        body = lines[start:j]
        if body:
            messages.append(Message(when, direction.group(2), direction.group(1), body[0].strip(),
                                    _headers(body[1:])))
        i = j
    return messages


def _headers(lines):
    found = []
    for line in lines:
        if not line.strip():
            break  # the body follows
        name, sep, value = line.partition(":")
        if sep:
            found.append((name.strip().lower(), value.strip()))
    return found


def split_values(value):
    """Splits a header value at the commas between values (not inside <...> or quotes)."""
    parts, depth, quoted, current = [], 0, False, ""
    for ch in value:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "<":
            depth += 1
        elif not quoted and ch == ">":
            depth -= 1
        if ch == "," and depth == 0 and not quoted:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    if current.strip():
        parts.append(current.strip())
    return parts


def uri_host(name_addr):
    """The host of <sip:...> without brackets, or None."""
    m = _URI_HOST.search(name_addr)
    return m.group(1).strip("[]") if m else None


def family(host):
    if host is None:
        return None
    return "IPv6" if ":" in host else "IPv4"

#!/usr/bin/env python3
"""Sends one OPTIONS to ADDRESS:PORT over udp, tcp or tls and prints one JSON line.

usage: sip_probe.py TRANSPORT ADDRESS PORT [--ca PEM --server-name NAME] [--wait S]
The lab's self-check uses it (run inside the client namespace) to prove that the SIP server
answers on every family and transport, and that a black-holed address is *silent*: sendto()
succeeds (no EPERM from a local rule) and no answer, ICMP error or RST comes back.
Output: {"transport","address","sent":bool,"send_error","status","ms","error"}.
Exit 0 when a 2xx came back, 1 otherwise. Stdlib only.
"""

import argparse
import json
import random
import socket
import ssl
import sys
import time


def options(transport, address, port, local):
    branch = f"z9hG4bK-lab-{random.getrandbits(48):x}"
    host = f"[{address}]" if ":" in address else address
    via_host = f"[{local}]" if ":" in local else local
    return (f"OPTIONS sip:{host}:{port} SIP/2.0\r\n"
            f"Via: SIP/2.0/{transport.upper()} {via_host};branch={branch};rport\r\n"
            "Max-Forwards: 70\r\n"
            f"From: <sip:probe@lab.test>;tag={random.getrandbits(32):x}\r\n"
            f"To: <sip:{host}:{port}>\r\n"
            f"Call-ID: probe-{random.getrandbits(64):x}\r\n"
            "CSeq: 1 OPTIONS\r\n"
            "Content-Length: 0\r\n\r\n").encode()


def status_of(data):
    line = data.split(b"\r\n", 1)[0].decode(errors="replace").split(" ", 2)
    return int(line[1]) if len(line) >= 2 and line[0] == "SIP/2.0" else None


def probe(args):
    result = {"transport": args.transport, "address": args.address, "port": args.port,
              "sent": False, "send_error": None, "status": None, "ms": None, "error": None}
    family = socket.AF_INET6 if ":" in args.address else socket.AF_INET
    start = time.monotonic()
    kind = socket.SOCK_DGRAM if args.transport == "udp" else socket.SOCK_STREAM
    with socket.socket(family, kind) as sock:
        sock.settimeout(args.wait)
        try:
            if args.transport == "udp":
                sock.connect((args.address, args.port))  # picks the source address
                sent = sock.send(options("udp", args.address, args.port,
                                         sock.getsockname()[0]))
                result["sent"] = sent > 0
                data = sock.recv(65535)
            else:
                sock.connect((args.address, args.port))
                conn = sock
                if args.transport == "tls":
                    ctx = ssl.create_default_context(cafile=args.ca)
                    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
                    conn = ctx.wrap_socket(sock, server_hostname=args.server_name)
                conn.sendall(options(args.transport, args.address, args.port,
                                     conn.getsockname()[0]))
                result["sent"] = True
                data = conn.recv(65535)
            result["status"] = status_of(data)
            result["ms"] = round((time.monotonic() - start) * 1000, 1)
        except socket.timeout:
            result["error"] = "timeout"
        except OSError as e:  # EPERM here would mean a local rule, not a silent black hole
            key = "error" if result["sent"] or args.transport != "udp" else "send_error"
            result[key] = f"{type(e).__name__}: {e}"
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("transport", choices=("udp", "tcp", "tls"))
    ap.add_argument("address")
    ap.add_argument("port", type=int)
    ap.add_argument("--ca")
    ap.add_argument("--server-name")
    ap.add_argument("--wait", type=float, default=2.0)
    args = ap.parse_args()
    result = probe(args)
    print(json.dumps(result))
    return 0 if result["status"] and 200 <= result["status"] < 300 else 1


if __name__ == "__main__":
    sys.exit(main())

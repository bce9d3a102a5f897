#!/usr/bin/env python3
"""A tiny DNS forwarder that holds AAAA answers for chosen names (nsd cannot delay per type).

usage: dns_delay.py --listen ADDR [--listen ADDR ...] --upstream ADDR --delay-ms N NAME...
Every UDP query is forwarded to the upstream server on port 53; the answer to a query of type
AAAA (RFC 3596) for one of NAMES is sent back DELAY ms after it arrived, all others at once.
Runs until killed. Stdlib only.
"""

import argparse
import asyncio
import socket
import sys

QTYPE_AAAA = 28
UPSTREAM_TIMEOUT_S = 2.0


def question(packet):
    """(qname lowercased without the final dot, qtype) of the first question, or None."""
    if len(packet) < 12:
        return None
    labels, i = [], 12
    while i < len(packet):
        n = packet[i]
        if n == 0:
            i += 1
            break
        if n & 0xC0:  # compression never appears in a query's question
            return None
        labels.append(packet[i + 1:i + 1 + n].decode("ascii", "replace").lower())
        i += 1 + n
    if i + 2 > len(packet):
        return None
    return ".".join(labels), int.from_bytes(packet[i:i + 2], "big")


class Forwarder(asyncio.DatagramProtocol):
    def __init__(self, upstream, delay_s, names):
        self.upstream = upstream
        self.delay_s = delay_s
        self.names = names
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        asyncio.get_running_loop().create_task(self.answer(data, addr))

    async def answer(self, query, addr):
        q = question(query)
        delay = self.delay_s if q and q[1] == QTYPE_AAAA and q[0] in self.names else 0.0
        loop = asyncio.get_running_loop()
        start = loop.time()
        family = socket.AF_INET6 if ":" in self.upstream else socket.AF_INET
        with socket.socket(family, socket.SOCK_DGRAM) as up:
            up.setblocking(False)
            try:
                await loop.sock_connect(up, (self.upstream, 53))
                await loop.sock_sendall(up, query)
                reply = await asyncio.wait_for(loop.sock_recv(up, 65535), UPSTREAM_TIMEOUT_S)
            except (OSError, asyncio.TimeoutError):
                return  # the client's resolver retries
        remaining = delay - (loop.time() - start)
        if remaining > 0:
            await asyncio.sleep(remaining)
        self.transport.sendto(reply, addr)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", action="append", required=True)
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--delay-ms", type=int, required=True)
    ap.add_argument("names", nargs="+")
    args = ap.parse_args()
    names = {n.lower().rstrip(".") for n in args.names}
    loop = asyncio.get_running_loop()
    for addr in args.listen:
        family = socket.AF_INET6 if ":" in addr else socket.AF_INET
        await loop.create_datagram_endpoint(
            lambda: Forwarder(args.upstream, args.delay_ms / 1000.0, names),
            local_addr=(addr, 53), family=family)
    print(f"dns_delay: listening on {args.listen}, AAAA for {sorted(names)} held "
          f"{args.delay_ms} ms", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)

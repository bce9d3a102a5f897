"""Namespaces, veth links, netem delay, the client's resolv.conf and the nftables black hole."""

import os

import topology as t
from labstate import sh

NFT_TABLE = "hslab"


def ns_exec(ns, *argv, **kw):
    return sh("ip", "netns", "exec", ns, *argv, **kw)


def build(state):
    """Creates both namespaces and both links; bounded, raises CalledProcessError on failure."""
    c, s = state.client, state.server
    state.add_namespace(c)
    state.add_namespace(s)
    for ns in (c, s):
        ns_exec(ns, "ip", "link", "set", "lo", "up")
    # veth names are per namespace, so the fixed names below never collide between runs.
    sh("ip", "link", "add", "c0", "netns", c, "type", "veth", "peer", "name", "s0", "netns", s)
    sh("ip", "link", "add", "d0", "netns", c, "type", "veth", "peer", "name", "d1", "netns", s)
    _addresses(c, "c0", [t.CLIENT_SIP6], [t.CLIENT_SIP4], 64, 24)
    _addresses(s, "s0", [t.SERVER_SIP6, t.DEAD6], [t.SERVER_SIP4, t.DEAD4], 64, 24)
    _addresses(c, "d0", [t.CLIENT_DNS6], [t.CLIENT_DNS4], 64, 24)
    _addresses(s, "d1", [t.RESOLVER6, t.NSD6], [t.RESOLVER4, t.NSD4], 64, 24)
    _delay(state)
    _resolv_conf(state)
    _nft_table(state)


def _delay(state):
    """netem on both ends of the SIP link, ONE_WAY_DELAY_MS each way, when the kernel has it."""
    state.data["rtt_ms"] = 0
    for ns, dev in ((state.client, "c0"), (state.server, "s0")):
        r = ns_exec(ns, "tc", "qdisc", "add", "dev", dev, "root", "netem", "delay",
                    f"{t.ONE_WAY_DELAY_MS}ms", check=False, capture=True)
        if r.returncode != 0:
            print(f"note: no netem delay on the SIP link ({r.stderr.strip()}): RTT is ~0 ms")
            return
    state.data["rtt_ms"] = 2 * t.ONE_WAY_DELAY_MS
    state.save()


def _addresses(ns, dev, v6, v4, len6, len4):
    for a in v6:
        # nodad: no tentative period, so sockets can bind at once.
        ns_exec(ns, "ip", "-6", "addr", "add", f"{a}/{len6}", "dev", dev, "nodad")
    for a in v4:
        ns_exec(ns, "ip", "addr", "add", f"{a}/{len4}", "dev", dev)
    ns_exec(ns, "ip", "link", "set", dev, "up")


def _resolv_conf(state):
    """ip netns exec bind-mounts /etc/netns/<ns>/resolv.conf over /etc/resolv.conf."""
    d = f"/etc/netns/{state.client}"
    state.add_netns_dir(d)
    with open(os.path.join(d, "resolv.conf"), "w", encoding="utf-8") as f:
        f.write(f"# hs-lab {state.data['id']}: the AAAA-delaying forwarder in front of nsd\n"
                f"nameserver {t.RESOLVER6}\nnameserver {t.RESOLVER4}\n"
                f"search {t.ZONE}\noptions timeout:1 attempts:2\n")


def _nft_table(state):
    """Drops in the SERVER's input hook, so the client sees silence: no ICMP, no EPERM.

    Only TCP and UDP are dropped; ICMPv6 neighbour discovery keeps working (dropping it would
    make the failure fast, not silent). `always` holds the dead host; `bh6`/`bh4` are toggled.
    """
    rules = f"""
table inet {NFT_TABLE} {{
  set always6 {{ type ipv6_addr; elements = {{ {t.DEAD6} }} }}
  set always4 {{ type ipv4_addr; elements = {{ {t.DEAD4} }} }}
  set bh6 {{ type ipv6_addr; }}
  set bh4 {{ type ipv4_addr; }}
  chain input {{
    type filter hook input priority filter; policy accept;
    ip6 daddr @always6 meta l4proto {{ tcp, udp }} counter drop
    ip daddr @always4 meta l4proto {{ tcp, udp }} counter drop
    ip6 daddr @bh6 meta l4proto {{ tcp, udp }} counter drop
    ip daddr @bh4 meta l4proto {{ tcp, udp }} counter drop
  }}
}}
"""
    path = state.file("nft.rules")
    with open(path, "w", encoding="utf-8") as f:
        f.write(rules)
    ns_exec(state.server, "nft", "-f", path)


def blackhole(state, family):
    """family: None (all paths work), "6" or "4": drop SIP traffic to that family's address."""
    s = state.server
    ns_exec(s, "nft", "flush", "set", "inet", NFT_TABLE, "bh6")
    ns_exec(s, "nft", "flush", "set", "inet", NFT_TABLE, "bh4")
    if family == "6":
        ns_exec(s, "nft", "add", "element", "inet", NFT_TABLE, "bh6", f"{{ {t.SERVER_SIP6} }}")
    elif family == "4":
        ns_exec(s, "nft", "add", "element", "inet", NFT_TABLE, "bh4", f"{{ {t.SERVER_SIP4} }}")
    state.data["blackhole"] = family
    state.save()


def drop_counters(state):
    """The nft rule counters as text (for the self-check: drops happened at the far end)."""
    out = ns_exec(state.server, "nft", "list", "chain", "inet", NFT_TABLE, "input",
                  capture=True).stdout
    return [line.strip() for line in out.splitlines() if "drop" in line]

"""Addresses and names of the dual-stack lab (documentation prefixes only: RFC 3849, RFC 5737).

Two namespaces, joined by two veth pairs:
  sip link  hs-c-PID c0 2001:db8:1::2/64 192.0.2.2/24      <-> s0 2001:db8:1::10 192.0.2.10 (SIP)
                                                                  2001:db8:1::11 192.0.2.11 (dead)
  dns link  hs-c-PID d0 2001:db8:53::2/64 198.51.100.2/24  <-> d1 2001:db8:53::53 198.51.100.53
                                                                  (delay forwarder)
                                                                  2001:db8:53::54 198.51.100.54 (nsd)
The SIP link carries a netem delay each way so that the RTT is visible; the DNS link does not
(a resolver is usually close) and is never black-holed, so DNS always works.
"""

CLIENT_SIP6 = "2001:db8:1::2"
CLIENT_SIP4 = "192.0.2.2"
SERVER_SIP6 = "2001:db8:1::10"
SERVER_SIP4 = "192.0.2.10"
# Addresses on which every TCP/UDP packet is dropped: the "all candidates dead" host.
DEAD6 = "2001:db8:1::11"
DEAD4 = "192.0.2.11"

CLIENT_DNS6 = "2001:db8:53::2"
CLIENT_DNS4 = "198.51.100.2"
RESOLVER6 = "2001:db8:53::53"  # the AAAA-delaying forwarder: what resolv.conf names
RESOLVER4 = "198.51.100.53"
NSD6 = "2001:db8:53::54"  # nsd itself, queried directly by the self-check
NSD4 = "198.51.100.54"

SIP_PORT = 5060
SIPS_PORT = 5061
REFERENCE_PROXY_PORT = 5070  # Kamailio as the client-side reference proxy, in the client ns

# One way delay on the SIP link: RTT = 2 * ONE_WAY_DELAY_MS.
ONE_WAY_DELAY_MS = 10
# How long the forwarder holds AAAA answers for the "AAAA answer delayed" names.
AAAA_DELAY_MS = 400

ZONE = "lab.test"
# Names whose AAAA answers the forwarder delays (see lab.test.zone).
DELAYED_AAAA_NAMES = ("slow.lab.test",)
# Every name a TLS peer may be checked against (RFC 5922 §7.1: the SIP domain; the SRV targets
# are added for clients that check the host they connect to).
SIP_DOMAINS = ("both", "v6only", "v4only", "srvonly", "hostonly", "dead", "slow6")
SRV_TARGETS = ("sip", "sip6", "sip4", "deadhost", "slow")


def fqdn(label):
    return f"{label}.{ZONE}"

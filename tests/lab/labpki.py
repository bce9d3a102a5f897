"""A throwaway CA and server certificate for the lab's TLS listeners, made in the run's temp dir.

RFC 5922 §7.1: a SIP server's identity is the SIP domain, carried as a URI:sip: or DNS:
subjectAltName. Both are listed for every domain and SRV target of the zone, plus the SIP
addresses as IP: entries for probes that connect to a numeric host.
"""

import topology as t
from labstate import sh


def make(state):
    """Writes ca.pem, server.pem and server.key; returns their paths."""
    ca_key, ca_pem = state.file("ca.key"), state.file("ca.pem")
    key, csr, pem = state.file("server.key"), state.file("server.csr"), state.file("server.pem")
    ext = state.file("server.ext")
    names = [t.fqdn(n) for n in (*t.SIP_DOMAINS, *t.SRV_TARGETS)]
    san = [f"DNS:{n}" for n in names] + [f"URI:sip:{n}" for n in names]
    san += [f"IP:{a}" for a in (t.SERVER_SIP6, t.SERVER_SIP4)]
    with open(ext, "w", encoding="utf-8") as f:
        f.write("basicConstraints=CA:FALSE\n"
                "keyUsage=digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth,clientAuth\n"
                f"subjectAltName={','.join(san)}\n")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    sh("openssl", "req", "-x509", *ec, "-keyout", ca_key, "-out", ca_pem, "-days", "2",
       "-subj", "/CN=happysip lab CA", "-addext", "basicConstraints=critical,CA:TRUE",
       "-addext", "keyUsage=critical,keyCertSign,cRLSign", capture=True)
    sh("openssl", "req", "-new", *ec, "-keyout", key, "-out", csr,
       "-subj", f"/CN={t.fqdn('sip')}", capture=True)
    sh("openssl", "x509", "-req", "-in", csr, "-CA", ca_pem, "-CAkey", ca_key,
       "-CAcreateserial", "-out", pem, "-days", "2", "-extfile", ext, capture=True)
    return {"ca": ca_pem, "cert": pem, "key": key}

// A self-signed certificate for a server that has none configured, so that TLS can be on
// by default (DESIGN.md: security defaults). Peers cannot verify it: the caller warns
// loudly for as long as it is in use. P-256 key, SHA-256 signature, one year, and the
// identities of RFC 5922 §7.1: subjectAltName URI sip:<domain> and dNSName <domain> for
// each served domain, iPAddress for each listening address.
#pragma once

#include <string>
#include <vector>

namespace happysip::runtime {

struct SelfSignedRequest {
    std::string certificate_file;        // PEM, written 0644
    std::string private_key_file;        // PEM, written 0600
    std::vector<std::string> domains;    // first one is also the subject CN
    std::vector<std::string> addresses;  // literals without brackets: "127.0.0.1", "::1"
};

// Creates both files (and nothing else); an error text on failure, empty on success. An
// existing key file is never overwritten.
std::string write_self_signed_certificate(const SelfSignedRequest& request);

}  // namespace happysip::runtime

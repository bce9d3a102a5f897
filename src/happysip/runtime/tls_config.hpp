// What a TLS connection needs to know, as plain values (no OpenSSL types), so that the
// configuration and the command line can fill them without including asio/ssl.
#pragma once

#include <string>

namespace happysip::runtime {

struct TlsClientConfig {
    // SNI (unless an IP literal, RFC 6066 §3) and the RFC 5922 §7.2 identity to verify:
    // the SIP domain, or the host when there was no SRV.
    std::string server_name;
    std::string ca_file;  // PEM; empty = the system's default verify paths
    bool verify = true;   // false only for an explicit --insecure
};

struct TlsServerConfig {
    std::string certificate_file;  // PEM chain, leaf first
    std::string private_key_file;  // PEM
};

}  // namespace happysip::runtime

// OpenSSL contexts for SIP over TLS (RFC 3261 §26.3.1, RFC 5922, RFC 5630): TLS 1.2 at
// least, peer verification against a CA file or the system store, and the SIP domain
// identity check of RFC 5922 §7 done after the handshake so that its failure can be
// reported in words ("certificate does not match sip domain example.com").
#pragma once

#include <asio/ssl/context.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "happysip/runtime/tls_config.hpp"

struct x509_st;  // OpenSSL's X509, kept out of the header's users

namespace happysip::runtime {

// A context or the reason it could not be made (unreadable CA, certificate or key file).
struct TlsContextResult {
    std::shared_ptr<asio::ssl::context> context;
    std::string error;  // empty on success
};

TlsContextResult make_client_context(const TlsClientConfig& config);
// The client context for `config`'s CA file and verify flag (server_name is per
// connection), made once and shared by every connection that asks for it, so that the CA
// bundle is not parsed again for each one. A CA file that changed on disk since (its
// modification time or size) gets a new context; a failure is not kept. Thread-safe.
TlsContextResult shared_client_context(const TlsClientConfig& config);
TlsContextResult make_server_context(const TlsServerConfig& config);

// RFC 5922 §7.1: the SIP domain identities a certificate carries. subjectAltName URIs
// "sip:domain" (no user part) first; if there is no such URI, the dNSName entries; the
// subject's Common Name only when the certificate has no subjectAltName at all. iPAddress
// entries are added (as text) so that a peer reached by address literal can be checked.
std::vector<std::string> sip_domain_identities(x509_st* certificate);

// RFC 5922 §7.2/§7.3: exact, case-insensitive match of `domain` with an identity; no
// wildcards for SIP domains. An IP literal domain is compared as an address.
bool certificate_matches(x509_st* certificate, std::string_view domain);

// The last OpenSSL error of this thread in words, and the queue cleared.
std::string openssl_error_text();

}  // namespace happysip::runtime

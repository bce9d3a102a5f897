#include "happysip/runtime/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <asio/ip/address.hpp>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

#include "happysip/runtime/endpoint.hpp"
#include "happysip/runtime/tls_session_cache.hpp"
#include "happysip/sip/text.hpp"

namespace happysip::runtime {
namespace {

namespace fs = std::filesystem;

std::string_view as_view(const ASN1_STRING* s) {
    return {reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
            static_cast<std::size_t>(ASN1_STRING_length(s))};
}

// RFC 5922 §7.1 step 1: a URI identity is "sip:" followed by a host alone; a URI with a
// user part names a user, not a domain, and any other scheme is not a SIP identity.
std::optional<std::string> sip_uri_domain(std::string_view uri) {
    if (uri.size() <= 4 || !sip::text::istarts_with(uri, "sip:")) return std::nullopt;
    std::string_view rest = uri.substr(4);
    if (rest.find('@') != std::string_view::npos) return std::nullopt;
    rest = rest.substr(0, rest.find_first_of(";?"));
    if (rest.empty()) return std::nullopt;
    return std::string(rest);
}

std::optional<std::string> ip_text(const ASN1_OCTET_STRING* s) {
    std::string_view bytes = as_view(s);
    if (bytes.size() == 4) {
        asio::ip::address_v4::bytes_type b{};
        std::copy(bytes.begin(), bytes.end(), reinterpret_cast<char*>(b.data()));
        return asio::ip::address_v4(b).to_string();
    }
    if (bytes.size() == 16) {
        asio::ip::address_v6::bytes_type b{};
        std::copy(bytes.begin(), bytes.end(), reinterpret_cast<char*>(b.data()));
        return asio::ip::address_v6(b).to_string();
    }
    return std::nullopt;
}

std::optional<std::string> common_name(X509* cert) {
    X509_NAME* subject = X509_get_subject_name(cert);
    int i = subject ? X509_NAME_get_index_by_NID(subject, NID_commonName, -1) : -1;
    if (i < 0) return std::nullopt;
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i));
    return data ? std::optional(std::string(as_view(data))) : std::nullopt;
}

std::string load_error(std::string_view what, const std::string& file) {
    std::string e = openssl_error_text();
    return "cannot load " + std::string(what) + " " + file + (e.empty() ? "" : ": " + e);
}

void tls12_minimum(asio::ssl::context& ctx) {
    // RFC 8996 deprecates TLS 1.0/1.1; RFC 7525 §3.1.1 asks for 1.2 at least.
    SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
    ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_compression);
    // No TLS 1.2 renegotiation either way: a renegotiated peer certificate would not be
    // name-checked again (RFC 5922), and SIP has no use for it.
    SSL_CTX_set_options(ctx.native_handle(), SSL_OP_NO_RENEGOTIATION);
}

// Session resumption, server side: OpenSSL's defaults serve it, and this says which.
// TLS 1.3 (RFC 8446 §4.6.1) and TLS 1.2 clients that ask (RFC 5077) get stateless
// tickets, sealed with keys OpenSSL draws at random when the context is made: per context,
// so per process, held in memory only, never written or shared. A restart (or a new
// context) voids every ticket: each client pays one full handshake, nothing worse. TLS 1.2
// clients without tickets resume by session ID from OpenSSL's in-memory server cache
// (20480 sessions at most). A session lives 2 hours (OpenSSL's default timeout); the
// extended master secret (RFC 7627, on by default) ties a resumed session to the full
// handshake it came from. No client certificates are asked for, so a resumed session
// carries no peer identity that could be stale.
void allow_resumption(SSL_CTX* ctx) {
    // The sessions of this context are good for this context only (OpenSSL refuses to
    // resume a session whose ID context differs).
    static constexpr unsigned char k_session_id_context[] = "happysip-sip-tls";
    SSL_CTX_set_session_id_context(ctx, k_session_id_context,
                                   static_cast<unsigned>(sizeof k_session_id_context - 1));
}

}  // namespace

std::string openssl_error_text() {
    unsigned long code = ERR_get_error();
    std::string text;
    if (code != 0) {
        std::array<char, 256> buf{};
        ERR_error_string_n(code, buf.data(), buf.size());
        text = buf.data();
    }
    ERR_clear_error();
    return text;
}

TlsContextResult make_client_context(const TlsClientConfig& config) {
    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    tls12_minimum(*ctx);
    std::error_code ec;
    if (config.verify) {
        if (config.ca_file.empty()) {
            ctx->set_default_verify_paths(ec);
            if (ec) return {nullptr, "cannot use the system CA store: " + ec.message()};
        } else {
            ctx->load_verify_file(config.ca_file, ec);
            if (ec) return {nullptr, load_error("CA file", config.ca_file)};
        }
        ctx->set_verify_mode(asio::ssl::verify_peer);
    } else {
        ctx->set_verify_mode(asio::ssl::verify_none);
    }
    // Sessions kept per server identity and endpoint, offered on the next connect there
    // (tls_session_cache.hpp); a context of another CA file or verify flag has its own.
    enable_client_session_cache(ctx->native_handle());
    return {ctx, {}};
}

namespace {

// What identifies a client context: the trust it verifies with.
struct ClientContextKey {
    std::string ca_file;
    bool verify = true;
    auto operator<=>(const ClientContextKey&) const = default;
};
struct SharedClientContext {
    std::shared_ptr<asio::ssl::context> context;
    // The CA file's modification time and size when it was loaded (none: system store).
    std::optional<std::pair<fs::file_time_type, std::uintmax_t>> stamp;
};

// A few configurations per process at most (the configured CA file and --insecure).
constexpr std::size_t k_max_shared_client_contexts = 8;

std::optional<std::pair<fs::file_time_type, std::uintmax_t>> file_stamp(const std::string& file) {
    if (file.empty()) return std::nullopt;
    std::error_code ec;
    auto time = fs::last_write_time(file, ec);
    if (ec) return std::nullopt;
    auto size = fs::file_size(file, ec);
    if (ec) return std::nullopt;
    return std::pair(time, size);
}

}  // namespace

TlsContextResult shared_client_context(const TlsClientConfig& config) {
    // OpenSSL set up before the map below: its exit handler (OPENSSL_cleanup) then runs
    // after the map's destructor, whose contexts free their session caches through
    // OpenSSL's ex_data callbacks, gone once it cleaned up.
    [[maybe_unused]] static const bool openssl_ready = OPENSSL_init_ssl(0, nullptr) == 1;
    static std::mutex mutex;
    static std::map<ClientContextKey, SharedClientContext> contexts;
    ClientContextKey key{config.verify ? config.ca_file : std::string(), config.verify};
    auto stamp = config.verify ? file_stamp(config.ca_file) : std::nullopt;
    std::lock_guard lock(mutex);
    if (auto it = contexts.find(key); it != contexts.end() && it->second.stamp == stamp)
        return {it->second.context, {}};
    TlsContextResult made = make_client_context(config);
    if (!made.context) return made;
    if (contexts.size() >= k_max_shared_client_contexts && !contexts.contains(key))
        contexts.clear();
    contexts[key] = {made.context, stamp};
    return made;
}

TlsContextResult make_server_context(const TlsServerConfig& config) {
    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    tls12_minimum(*ctx);
    std::error_code ec;
    ctx->use_certificate_chain_file(config.certificate_file, ec);
    if (ec) return {nullptr, load_error("certificate", config.certificate_file)};
    ctx->use_private_key_file(config.private_key_file, asio::ssl::context::pem, ec);
    if (ec) return {nullptr, load_error("private key", config.private_key_file)};
    if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
        return {nullptr, "private key " + config.private_key_file + " does not match certificate " +
                             config.certificate_file};
    allow_resumption(ctx->native_handle());
    return {ctx, {}};
}

std::vector<std::string> sip_domain_identities(X509* cert) {
    std::vector<std::string> uris, dns, ips;
    auto* names =
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    bool has_san = names != nullptr;
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
        if (n->type == GEN_URI) {
            if (auto d = sip_uri_domain(as_view(n->d.uniformResourceIdentifier)))
                uris.push_back(*d);
        } else if (n->type == GEN_DNS) {
            dns.emplace_back(as_view(n->d.dNSName));
        } else if (n->type == GEN_IPADD) {
            if (auto ip = ip_text(n->d.iPAddress)) ips.push_back(*ip);
        }
    }
    GENERAL_NAMES_free(names);
    std::vector<std::string> out = uris.empty() ? dns : uris;
    out.insert(out.end(), ips.begin(), ips.end());
    if (!has_san)
        if (auto cn = common_name(cert)) out.push_back(*cn);
    return out;
}

bool certificate_matches(X509* cert, std::string_view domain) {
    std::error_code ec;
    asio::ip::address domain_ip = to_asio_address(domain, ec);
    bool domain_is_ip = !ec;
    for (const std::string& id : sip_domain_identities(cert)) {
        if (domain_is_ip) {
            std::error_code ec2;
            asio::ip::address id_ip = to_asio_address(id, ec2);
            if (!ec2 && id_ip == domain_ip) return true;
            continue;
        }
        // RFC 5922 §7.2: a wildcard never matches a SIP domain; "*" is compared literally.
        if (sip::text::iequals(id, domain)) return true;
    }
    return false;
}

}  // namespace happysip::runtime

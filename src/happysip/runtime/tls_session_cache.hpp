// Client-side TLS session resumption (RFC 5246 §7.4.1.2 session IDs and RFC 5077 tickets
// for TLS 1.2, RFC 8446 §2.2 PSK tickets for TLS 1.3): a proxy or UA that reconnects to
// the same next hop (a failed flow, a new RFC 5626 flow, a restarted peer connection)
// offers the session of its last connection there instead of paying a full handshake.
//
// Each shared client context owns one TlsSessionCache (OpenSSL ex_data, freed with the
// SSL_CTX), so sessions never cross trust settings: a context is one CA file and verify
// flag. Inside it a session is keyed by the server name it was verified against and the
// address and port it came from (client_session_key), and is kept only once the RFC 5922
// identity check passed: it is offered only to the identity it was made with. A resumed
// session carries the server certificate of its full handshake, and the connection checks
// that certificate against its server name again. Everything here is keyed, counted and
// locked per context; a connection's own state rides on its SSL (ex_data).
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

struct ssl_st;          // OpenSSL's SSL
struct ssl_ctx_st;      // OpenSSL's SSL_CTX
struct ssl_session_st;  // OpenSSL's SSL_SESSION

namespace happysip::runtime {

// Client handshakes of one context that completed and passed the identity check.
struct TlsHandshakeCounts {
    std::uint64_t full = 0;
    std::uint64_t resumed = 0;  // SSL_session_reused: no certificate, no key exchange
    std::uint64_t offered = 0;  // sessions offered, resumed or not
};

// At most `capacity` sessions, one per key, the least recently used dropped first. Holds
// one reference to each session it keeps. Thread-safe.
class TlsSessionCache {
  public:
    // A process talks TLS to a few next hops (a proxy's peers and its registered users'
    // domains go through one or two outbound proxies); 256 bounds a misbehaving
    // configuration at a few hundred KB (a client session holds the server's chain).
    static constexpr std::size_t k_default_capacity = 256;

    explicit TlsSessionCache(std::size_t capacity = k_default_capacity);
    ~TlsSessionCache();
    TlsSessionCache(const TlsSessionCache&) = delete;
    TlsSessionCache& operator=(const TlsSessionCache&) = delete;

    // Keeps `session` for `key`, taking over the caller's reference; the session kept
    // before for `key` is released.
    void put(const std::string& key, ssl_session_st* session);
    // The session to offer for `key` as a new reference (the caller frees it), or nullptr.
    // An expired session is dropped. A TLS 1.3 session is taken out: RFC 8446 §C.4, a
    // client should not use a ticket more than once (the server sends a fresh one after
    // each handshake). A TLS 1.2 session stays for the next connection.
    ssl_session_st* take(const std::string& key);
    // Forgets the session of `key` if it is still `session` (it failed to resume).
    void drop(const std::string& key, const ssl_session_st* session);

    std::size_t size() const;
    std::size_t capacity() const { return capacity_; }
    TlsHandshakeCounts counts() const;
    void count_offer();
    void count_handshake(bool resumed);

  private:
    struct Entry {
        std::string key;
        ssl_session_st* session;  // one reference, the cache's
    };
    mutable std::mutex mutex_;
    std::size_t capacity_;
    std::list<Entry> entries_;  // most recently used first
    std::unordered_map<std::string, std::list<Entry>::iterator> by_key_;
    TlsHandshakeCounts counts_;
};

// Gives a client `ctx` a session cache of `capacity` (owned by the context) and the
// new-session callback that fills it (TLS 1.3 tickets arrive after the handshake, read
// with the first application data). OpenSSL's own client cache stays off: it stores, it
// never offers.
void enable_client_session_cache(ssl_ctx_st* ctx,
                                 std::size_t capacity = TlsSessionCache::k_default_capacity);
// The cache of a client context; nullptr if it has none.
TlsSessionCache* client_session_cache(ssl_ctx_st* ctx);

// The cache key of a connection: the server name it verifies (empty with --insecure or an
// address literal left unnamed) and the address and port it connects to. A ticket is only
// good at the server that issued it, and one used once (TLS 1.3) should not be spent at
// another address of the same domain.
std::string client_session_key(std::string_view server_name, std::string_view hostport);

// Per connection, client side (no-ops when the SSL's context has no cache):
// before the handshake, remembers `key` and offers the session kept for it, if any;
void offer_client_session(ssl_st* ssl, std::string key);
// after the handshake and the identity check passed: counts it and keeps its session (a
// TLS 1.2 one now, TLS 1.3 tickets as they arrive); a session offered but not resumed is
// forgotten;
void client_session_verified(ssl_st* ssl);
// after a failed handshake or identity check: a session offered is forgotten.
void client_session_failed(ssl_st* ssl);

}  // namespace happysip::runtime

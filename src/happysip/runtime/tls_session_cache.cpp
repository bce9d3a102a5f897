#include "happysip/runtime/tls_session_cache.hpp"

#include <openssl/ssl.h>

#include <ctime>
#include <memory>
#include <utility>

namespace happysip::runtime {
namespace {

bool expired(const SSL_SESSION* session, std::time_t now) {
    return SSL_SESSION_get_time(session) + SSL_SESSION_get_timeout(session) <= now;
}

// What a client connection remembers on its SSL: where its session goes, and what it
// offered (a reference, so that the pointer compared in drop() names a live session).
struct ClientSessionState {
    std::string key;
    SSL_SESSION* offered = nullptr;
    bool verified = false;  // the RFC 5922 identity check passed
    ~ClientSessionState() { SSL_SESSION_free(offered); }
    ClientSessionState() = default;
    ClientSessionState(const ClientSessionState&) = delete;
    ClientSessionState& operator=(const ClientSessionState&) = delete;
};

void free_cache(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
    delete static_cast<TlsSessionCache*>(ptr);
}
void free_state(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
    delete static_cast<ClientSessionState*>(ptr);
}

int cache_index() {
    static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, free_cache);
    return index;
}
int state_index() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, free_state);
    return index;
}

ClientSessionState* state_of(SSL* ssl) {
    return static_cast<ClientSessionState*>(SSL_get_ex_data(ssl, state_index()));
}

// OpenSSL calls this for every session a client handshake makes: TLS 1.2 during the
// handshake (before our identity check: not kept here, see client_session_verified), TLS
// 1.3 for each NewSessionTicket after it. Returning 1 keeps OpenSSL's reference.
int on_new_session(SSL* ssl, SSL_SESSION* session) {
    TlsSessionCache* cache = client_session_cache(SSL_get_SSL_CTX(ssl));
    ClientSessionState* state = state_of(ssl);
    if (!cache || !state || !state->verified || !SSL_SESSION_is_resumable(session)) return 0;
    cache->put(state->key, session);
    return 1;
}

}  // namespace

TlsSessionCache::TlsSessionCache(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

TlsSessionCache::~TlsSessionCache() {
    for (Entry& e : entries_)
        SSL_SESSION_free(e.session);
}

void TlsSessionCache::put(const std::string& key, SSL_SESSION* session) {
    SSL_SESSION* released = nullptr;
    SSL_SESSION* evicted = nullptr;
    {
        std::lock_guard lock(mutex_);
        if (auto it = by_key_.find(key); it != by_key_.end()) {
            released = std::exchange(it->second->session, session);
            entries_.splice(entries_.begin(), entries_, it->second);
        } else {
            if (entries_.size() >= capacity_) {
                evicted = entries_.back().session;
                by_key_.erase(entries_.back().key);
                entries_.pop_back();
            }
            entries_.push_front({key, session});
            by_key_.emplace(key, entries_.begin());
        }
    }
    // Freed outside the lock, which guards the map only.
    SSL_SESSION_free(released);
    SSL_SESSION_free(evicted);
}

SSL_SESSION* TlsSessionCache::take(const std::string& key) {
    SSL_SESSION* found = nullptr;
    SSL_SESSION* released = nullptr;
    {
        std::lock_guard lock(mutex_);
        auto it = by_key_.find(key);
        if (it == by_key_.end()) return nullptr;
        SSL_SESSION* s = it->second->session;
        bool stale = expired(s, std::time(nullptr));
        if (stale || SSL_SESSION_get_protocol_version(s) == TLS1_3_VERSION) {
            entries_.erase(it->second);
            by_key_.erase(it);
            released = s;
            if (!stale) found = std::exchange(released, nullptr);  // the cache's reference
        } else {
            SSL_SESSION_up_ref(s);
            found = s;
            entries_.splice(entries_.begin(), entries_, it->second);
        }
    }
    SSL_SESSION_free(released);
    return found;
}

void TlsSessionCache::drop(const std::string& key, const SSL_SESSION* session) {
    SSL_SESSION* released = nullptr;
    {
        std::lock_guard lock(mutex_);
        auto it = by_key_.find(key);
        if (it == by_key_.end() || it->second->session != session) return;
        released = it->second->session;
        entries_.erase(it->second);
        by_key_.erase(it);
    }
    SSL_SESSION_free(released);
}

std::size_t TlsSessionCache::size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

TlsHandshakeCounts TlsSessionCache::counts() const {
    std::lock_guard lock(mutex_);
    return counts_;
}

void TlsSessionCache::count_offer() {
    std::lock_guard lock(mutex_);
    ++counts_.offered;
}

void TlsSessionCache::count_handshake(bool resumed) {
    std::lock_guard lock(mutex_);
    ++(resumed ? counts_.resumed : counts_.full);
}

void enable_client_session_cache(SSL_CTX* ctx, std::size_t capacity) {
    auto cache = std::make_unique<TlsSessionCache>(capacity);
    if (SSL_CTX_set_ex_data(ctx, cache_index(), cache.get()) != 1) return;  // out of memory
    static_cast<void>(cache.release());  // the context owns it now (free_cache)
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, on_new_session);
}

TlsSessionCache* client_session_cache(SSL_CTX* ctx) {
    return static_cast<TlsSessionCache*>(SSL_CTX_get_ex_data(ctx, cache_index()));
}

std::string client_session_key(std::string_view server_name, std::string_view hostport) {
    // A host name holds no space: the two parts cannot run into each other.
    std::string key(server_name);
    key += ' ';
    key += hostport;
    return key;
}

void offer_client_session(SSL* ssl, std::string key) {
    TlsSessionCache* cache = client_session_cache(SSL_get_SSL_CTX(ssl));
    if (!cache) return;
    auto state = std::make_unique<ClientSessionState>();
    state->key = std::move(key);
    state->offered = cache->take(state->key);
    if (SSL_set_ex_data(ssl, state_index(), state.get()) != 1) return;  // out of memory
    ClientSessionState* s = state.release();  // freed with the SSL (free_state)
    if (!s->offered) return;
    // SSL_set_session takes its own reference; ours stays in the state for drop().
    if (SSL_set_session(ssl, s->offered) == 1)
        cache->count_offer();
    else
        cache->drop(s->key, s->offered);
}

void client_session_verified(SSL* ssl) {
    TlsSessionCache* cache = client_session_cache(SSL_get_SSL_CTX(ssl));
    ClientSessionState* state = state_of(ssl);
    if (!cache || !state) return;
    state->verified = true;
    bool resumed = SSL_session_reused(ssl) == 1;
    cache->count_handshake(resumed);
    if (state->offered && !resumed) cache->drop(state->key, state->offered);
    // A TLS 1.2 session is complete now. TLS 1.3 sessions come with the tickets that
    // on_new_session keeps; the one this connection holds is either not resumable yet
    // (a full handshake) or the ticket just spent (a resumption).
    if (SSL_version(ssl) == TLS1_3_VERSION) return;
    SSL_SESSION* session = SSL_get1_session(ssl);
    if (session && SSL_SESSION_is_resumable(session))
        cache->put(state->key, session);
    else
        SSL_SESSION_free(session);
}

void client_session_failed(SSL* ssl) {
    TlsSessionCache* cache = client_session_cache(SSL_get_SSL_CTX(ssl));
    ClientSessionState* state = state_of(ssl);
    if (cache && state && state->offered) cache->drop(state->key, state->offered);
}

}  // namespace happysip::runtime

// TlsSessionCache on its own: the bound (least recently used out first), expiry, TLS 1.3
// sessions handed out once (RFC 8446 §C.4), and drop() of a session that failed only.
#include "happysip/runtime/tls_session_cache.hpp"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <ctime>
#include <string>

namespace happysip::runtime {
namespace {

SSL_SESSION* session(int version = TLS1_2_VERSION) {
    SSL_SESSION* s = SSL_SESSION_new();
    EXPECT_NE(s, nullptr);
    SSL_SESSION_set_protocol_version(s, version);
    SSL_SESSION_set_timeout(s, 300);
    return s;
}

// Whether take() finds a session for `key`; the reference it returns is released.
bool has(TlsSessionCache& cache, const std::string& key) {
    SSL_SESSION* s = cache.take(key);
    SSL_SESSION_free(s);
    return s != nullptr;
}

TEST(TlsSessionCache, HoldsAtMostItsCapacityDroppingTheLeastRecentlyUsed) {
    TlsSessionCache cache(3);
    for (int i = 0; i < 3; ++i)
        cache.put("k" + std::to_string(i), session());
    EXPECT_TRUE(has(cache, "k0"));  // k0 used: k1 is the least recent now
    cache.put("k3", session());
    EXPECT_EQ(cache.size(), 3u);
    EXPECT_FALSE(has(cache, "k1"));
    EXPECT_TRUE(has(cache, "k0"));
    EXPECT_TRUE(has(cache, "k2"));
    EXPECT_TRUE(has(cache, "k3"));
    for (int i = 4; i < 300; ++i)
        cache.put("k" + std::to_string(i), session());
    EXPECT_EQ(cache.size(), 3u);
    EXPECT_TRUE(has(cache, "k299"));
}

TEST(TlsSessionCache, KeepsOneSessionPerKeyTheLatest) {
    TlsSessionCache cache;
    SSL_SESSION* newer = session();
    cache.put("k", session());
    cache.put("k", newer);
    EXPECT_EQ(cache.size(), 1u);
    SSL_SESSION* got = cache.take("k");
    EXPECT_EQ(got, newer);
    SSL_SESSION_free(got);
}

TEST(TlsSessionCache, AnExpiredSessionIsNotOfferedAndIsDropped) {
    TlsSessionCache cache;
    SSL_SESSION* old = session();
    SSL_SESSION_set_time(old, static_cast<long>(std::time(nullptr)) - 1000);
    cache.put("k", old);
    EXPECT_EQ(cache.take("k"), nullptr);
    EXPECT_EQ(cache.size(), 0u);
}

TEST(TlsSessionCache, ATls13SessionIsHandedOutOnce) {
    TlsSessionCache cache;
    cache.put("k13", session(TLS1_3_VERSION));
    cache.put("k12", session(TLS1_2_VERSION));
    EXPECT_TRUE(has(cache, "k13"));
    EXPECT_FALSE(has(cache, "k13"));
    EXPECT_TRUE(has(cache, "k12"));
    EXPECT_TRUE(has(cache, "k12"));
}

TEST(TlsSessionCache, DropForgetsOnlyTheSessionThatFailed) {
    TlsSessionCache cache;
    SSL_SESSION* offered = cache.take("k");
    EXPECT_EQ(offered, nullptr);
    cache.put("k", session());
    offered = cache.take("k");
    ASSERT_NE(offered, nullptr);
    cache.put("k", session());  // another connection kept a newer one meanwhile
    cache.drop("k", offered);
    EXPECT_EQ(cache.size(), 1u);
    cache.put("k", SSL_SESSION_dup(offered));
    SSL_SESSION* now = cache.take("k");
    cache.drop("k", now);
    EXPECT_EQ(cache.size(), 0u);
    SSL_SESSION_free(now);
    SSL_SESSION_free(offered);
}

TEST(TlsSessionCache, KeysSeparateServerNameAndEndpoint) {
    EXPECT_NE(client_session_key("example.com", "192.0.2.1:5061"),
              client_session_key("example.com", "192.0.2.1:5062"));
    EXPECT_NE(client_session_key("example.com", "192.0.2.1:5061"),
              client_session_key("example.net", "192.0.2.1:5061"));
    EXPECT_NE(client_session_key("", "[2001:db8::1]:5061"),
              client_session_key("2001:db8::1", "[2001:db8::1]:5061"));
}

}  // namespace
}  // namespace happysip::runtime

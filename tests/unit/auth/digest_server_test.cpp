#include "happysip/auth/digest_server.hpp"

#include <gtest/gtest.h>

#include <map>
#include <utility>

namespace happysip::auth {
namespace {

using namespace std::chrono_literals;

const Instant k_t0 = Instant{} + 1'700'000'000s;
const std::string k_secret = "a server secret of at least 16 bytes";

// The HTTP example of RFC 7616 §3.9.1; SIP computes the response the same way.
constexpr std::string_view k_nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
constexpr std::string_view k_cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

TEST(DigestResponse, MatchesRfc7616Sha256Example) {
    const auto ha1 =
        compute_ha1(DigestHash::sha256, "Mufasa", "http-auth@example.org", "Circle of Life");
    EXPECT_EQ(expected_response(DigestHash::sha256, ha1, k_nonce, "00000001", k_cnonce, "auth",
                                "GET", "/dir/index.html"),
              "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

TEST(DigestResponse, MatchesRfc7616Md5Example) {
    const auto ha1 =
        compute_ha1(DigestHash::md5, "Mufasa", "http-auth@example.org", "Circle of Life");
    EXPECT_EQ(expected_response(DigestHash::md5, ha1, k_nonce, "00000001", k_cnonce, "auth", "GET",
                                "/dir/index.html"),
              "8ca523f5e9506fed4657c9700eebdbec");
}

class MemoryUserStore final : public UserStore {
  public:
    std::optional<UserRecord> find(std::string_view user, std::string_view realm) override {
        ++finds;
        auto it = users_.find({std::string(user), std::string(realm)});
        if (it == users_.end()) return std::nullopt;
        return it->second;
    }
    UserStoreStatus add(const UserRecord& r) override {
        users_[{r.user, r.realm}] = r;
        return {};
    }
    UserStoreStatus remove(std::string_view, std::string_view) override { return {}; }
    std::vector<UserEntry> list(std::optional<std::string_view>) override { return {}; }
    UserStoreStatus set_password(std::string_view, std::string_view, const Ha1Set&) override {
        return {};
    }
    int finds = 0;

  private:
    std::map<std::pair<std::string, std::string>, UserRecord> users_;
};

constexpr std::string_view k_realm = "example.com";
constexpr std::string_view k_password = "violet kettle morning";

sip::Message request(std::string_view method, std::string_view uri,
                     const std::vector<std::string>& extra) {
    std::string text = std::string(method) + " " + std::string(uri) + " SIP/2.0\r\n";
    text += "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds\r\n";
    text += "Max-Forwards: 70\r\n";
    text += "From: <sip:alice@example.com>;tag=1928301774\r\n";
    text += "To: <sip:alice@example.com>\r\n";
    text += "Call-ID: a84b4c76e66710@192.0.2.10\r\n";
    text += "CSeq: 1 " + std::string(method) + "\r\n";
    for (const auto& h : extra)
        text += h + "\r\n";
    text += "Content-Length: 0\r\n\r\n";
    auto m = sip::parse_message(std::move(text));
    EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().to_string());
    return std::move(m).value();
}

// The nonce inside a challenge header value.
std::string nonce_of(const std::string& challenge) {
    const auto start = challenge.find("nonce=\"") + 7;
    return challenge.substr(start, challenge.find('"', start) - start);
}

struct Client {
    std::string user = "alice";
    std::string password = std::string(k_password);
    std::string algorithm = "SHA-256";
    DigestHash hash = DigestHash::sha256;
    std::string cnonce = "0a4f113b";

    std::string credentials(const std::string& nonce, std::uint32_t nc, std::string_view method,
                            std::string_view uri, std::string_view realm = k_realm) const {
        char nc_text[9];
        std::snprintf(nc_text, sizeof nc_text, "%08x", nc);
        const auto ha1 = compute_ha1(hash, user, realm, password);
        const auto response =
            expected_response(hash, ha1, nonce, nc_text, cnonce, "auth", method, uri);
        return "Digest username=\"" + user + "\", realm=\"" + std::string(realm) + "\", nonce=\"" +
               nonce + "\", uri=\"" + std::string(uri) + "\", response=\"" + response +
               "\", algorithm=" + algorithm + ", cnonce=\"" + cnonce +
               "\", qop=auth, nc=" + nc_text;
    }
};

class DigestServerTest : public ::testing::Test {
  protected:
    DigestServerTest() : server(config(), k_secret) {
        users.add(
            {"alice", std::string(k_realm), compute_ha1_set("alice", k_realm, k_password), 0});
    }
    static DigestServerConfig config(bool md5 = false) {
        DigestServerConfig c;
        c.realm = std::string(k_realm);
        c.allow_md5 = md5;
        return c;
    }
    std::string fresh_nonce(Instant now = k_t0) { return nonce_of(server.challenges(now)[0]); }

    AuthResult register_with(const std::string& credentials, Instant now = k_t0,
                             std::string_view uri = "sip:example.com") {
        return server.verify(request("REGISTER", uri, {"Authorization: " + credentials}), users,
                             now);
    }

    MemoryUserStore users;
    DigestServer server;
    Client alice;
};

TEST_F(DigestServerTest, OffersSha256OnlyByDefault) {
    const auto c = server.challenges(k_t0);
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].rfind("Digest realm=\"example.com\", nonce=\"", 0), 0u) << c[0];
    EXPECT_NE(c[0].find("algorithm=SHA-256"), std::string::npos);
    EXPECT_NE(c[0].find("qop=\"auth\""), std::string::npos);
    EXPECT_EQ(c[0].find("stale"), std::string::npos);
    EXPECT_EQ(server.challenge_status(), 401);
    EXPECT_EQ(server.challenge_header(), sip::HeaderId::www_authenticate);
}

TEST_F(DigestServerTest, ChallengesParseWithTheSipParser) {
    for (const auto& value : server.challenges(k_t0, true)) {
        auto c = sip::parse_challenge(value);
        ASSERT_TRUE(c.ok()) << c.error().to_string();
        EXPECT_EQ(c->realm, "example.com");
        EXPECT_TRUE(c->stale);
        EXPECT_TRUE(c->offers_qop_auth());
    }
}

// RFC 8760 §2.4: one challenge per algorithm, the preferred first, same nonce.
TEST(DigestServer, OffersSha256FirstThenMd5WhenEnabled) {
    DigestServerConfig c;
    c.realm = "example.com";
    c.allow_md5 = true;
    c.proxy = true;
    DigestServer s(c, k_secret);
    const auto v = s.challenges(k_t0);
    ASSERT_EQ(v.size(), 2u);
    EXPECT_NE(v[0].find("algorithm=SHA-256"), std::string::npos);
    EXPECT_NE(v[1].find("algorithm=MD5"), std::string::npos);
    EXPECT_EQ(nonce_of(v[0]), nonce_of(v[1]));
    EXPECT_EQ(s.challenge_status(), 407);
    EXPECT_EQ(s.challenge_header(), sip::HeaderId::proxy_authenticate);
    EXPECT_EQ(s.credentials_header(), sip::HeaderId::proxy_authorization);
}

TEST(DigestServer, Md5FirstPutsMd5BeforeSha256OnlyWhenMd5IsAllowed) {
    DigestServerConfig c;
    c.realm = "example.com";
    c.md5_first = true;
    EXPECT_EQ(DigestServer(c, k_secret).challenges(k_t0).size(), 1u);  // still SHA-256 only
    c.allow_md5 = true;
    const auto v = DigestServer(c, k_secret).challenges(k_t0);
    ASSERT_EQ(v.size(), 2u);
    EXPECT_NE(v[0].find("algorithm=MD5"), std::string::npos);
    EXPECT_NE(v[1].find("algorithm=SHA-256"), std::string::npos);
}

TEST(DigestServer, Md5OnlyOffersMd5AloneOnlyWhenMd5IsAllowed) {
    DigestServerConfig c;
    c.realm = "example.com";
    c.md5_only = true;
    auto v = DigestServer(c, k_secret).challenges(k_t0);
    ASSERT_EQ(v.size(), 1u);  // MD5 not allowed: SHA-256 as always
    EXPECT_NE(v[0].find("algorithm=SHA-256"), std::string::npos);
    c.allow_md5 = true;
    v = DigestServer(c, k_secret).challenges(k_t0);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_NE(v[0].find("algorithm=MD5"), std::string::npos);
}

TEST_F(DigestServerTest, RequestWithoutCredentialsIsChallenged) {
    const auto r = server.verify(request("REGISTER", "sip:example.com", {}), users, k_t0);
    EXPECT_EQ(r.verdict, AuthVerdict::challenge);
    EXPECT_EQ(r.status, 401);
    EXPECT_TRUE(r.rechallenge());
    EXPECT_FALSE(r.counts_as_failure());
}

TEST_F(DigestServerTest, RegisterWithTheRightPasswordIsAuthenticated) {
    const auto r = register_with(alice.credentials(fresh_nonce(), 1, "REGISTER", "sip:example.com"),
                                 k_t0 + 1s);
    EXPECT_EQ(r.verdict, AuthVerdict::authenticated) << r.reason;
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.user, "alice");
}

TEST_F(DigestServerTest, WrongPasswordIsAFailureAndRechallenged) {
    Client mallory = alice;
    mallory.password = "not the password at all";
    const auto r =
        register_with(mallory.credentials(fresh_nonce(), 1, "REGISTER", "sip:example.com"));
    EXPECT_EQ(r.verdict, AuthVerdict::failed);
    EXPECT_EQ(r.status, 401);
    EXPECT_TRUE(r.counts_as_failure());
    EXPECT_EQ(r.user, "alice");
}

TEST_F(DigestServerTest, UnknownUserLooksLikeAWrongPassword) {
    Client bob = alice;
    bob.user = "bob";
    const auto r = register_with(bob.credentials(fresh_nonce(), 1, "REGISTER", "sip:example.com"));
    EXPECT_EQ(r.verdict, AuthVerdict::failed);
    EXPECT_EQ(r.reason, "Wrong user name or password");
}

TEST_F(DigestServerTest, ReplayedNonceCountIsRefused) {
    const auto nonce = fresh_nonce();
    const auto creds = alice.credentials(nonce, 1, "REGISTER", "sip:example.com");
    ASSERT_TRUE(register_with(creds).authenticated());
    const auto replay = register_with(creds, k_t0 + 2s);
    EXPECT_EQ(replay.verdict, AuthVerdict::stale);
    EXPECT_TRUE(replay.stale);
    EXPECT_EQ(replay.status, 401);
    // The next count on the same nonce is fine (RFC 7616 §3.4: nonce reuse with nc+1).
    EXPECT_TRUE(register_with(alice.credentials(nonce, 2, "REGISTER", "sip:example.com"), k_t0 + 3s)
                    .authenticated());
}

TEST_F(DigestServerTest, ExpiredNonceWithTheRightPasswordIsStale) {
    const auto r = register_with(alice.credentials(fresh_nonce(), 1, "REGISTER", "sip:example.com"),
                                 k_t0 + 6min);
    EXPECT_EQ(r.verdict, AuthVerdict::stale);
    EXPECT_TRUE(r.stale);
    EXPECT_FALSE(r.counts_as_failure());
    for (const auto& v : server.challenges(k_t0 + 6min, r.stale))
        EXPECT_NE(v.find("stale=true"), std::string::npos);
}

TEST_F(DigestServerTest, ExpiredNonceWithAWrongPasswordIsAFailureNotStale) {
    Client mallory = alice;
    mallory.password = "guessing guessing";
    const auto r = register_with(
        mallory.credentials(fresh_nonce(), 1, "REGISTER", "sip:example.com"), k_t0 + 6min);
    EXPECT_EQ(r.verdict, AuthVerdict::failed);
}

TEST_F(DigestServerTest, ForgedNonceIsRechallengedWithoutStale) {
    const std::string forged(NonceFactory::k_nonce_length, 'a');
    const auto r = register_with(alice.credentials(forged, 1, "REGISTER", "sip:example.com"));
    EXPECT_EQ(r.verdict, AuthVerdict::challenge);
    EXPECT_FALSE(r.stale);
    EXPECT_EQ(r.reason, "Nonce not issued here");
}

// RFC 2617 §3.2.2.5: the digest-uri must name the Request-URI.
TEST_F(DigestServerTest, DigestUriOtherThanTheRequestUriIsABadRequest) {
    const auto r =
        register_with(alice.credentials(fresh_nonce(), 1, "REGISTER", "sip:other.example.com"));
    EXPECT_EQ(r.verdict, AuthVerdict::bad_request);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.reason, "Bad Authorization: digest-uri does not match the Request-URI");
}

TEST_F(DigestServerTest, DigestUriEquivalentUnderRfc3261IsAccepted) {
    const auto r = register_with(alice.credentials(fresh_nonce(), 1, "REGISTER", "sip:EXAMPLE.com"),
                                 k_t0, "sip:example.com");
    EXPECT_TRUE(r.authenticated()) << r.reason;
}

TEST_F(DigestServerTest, Md5IsForbiddenUnlessEnabled) {
    Client old = alice;
    old.algorithm = "MD5";
    old.hash = DigestHash::md5;
    const auto r = register_with(old.credentials(fresh_nonce(), 1, "REGISTER", "sip:example.com"));
    EXPECT_EQ(r.verdict, AuthVerdict::forbidden);
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(r.reason, "Algorithm MD5 not accepted (offered: SHA-256)");

    DigestServer lenient(config(true), k_secret);
    const auto nonce = nonce_of(lenient.challenges(k_t0)[1]);
    const auto ok = lenient.verify(
        request("REGISTER", "sip:example.com",
                {"Authorization: " + old.credentials(nonce, 1, "REGISTER", "sip:example.com")}),
        users, k_t0);
    EXPECT_TRUE(ok.authenticated()) << ok.reason;
}

TEST_F(DigestServerTest, SessVariantsAreForbidden) {
    Client sess = alice;
    sess.algorithm = "SHA-256-sess";
    const auto r = register_with(sess.credentials(fresh_nonce(), 1, "REGISTER", "sip:example.com"));
    EXPECT_EQ(r.verdict, AuthVerdict::forbidden);
}

TEST_F(DigestServerTest, CredentialsWithoutQopAreForbidden) {
    const auto nonce = fresh_nonce();
    const auto ha1 = compute_ha1(DigestHash::sha256, "alice", k_realm, k_password);
    const auto a2 = digest_hex(DigestHash::sha256, "REGISTER:sip:example.com");
    const auto response = digest_hex(DigestHash::sha256, ha1 + ":" + nonce + ":" + a2);
    const auto r = register_with("Digest username=\"alice\", realm=\"example.com\", nonce=\"" +
                                 nonce + "\", uri=\"sip:example.com\", response=\"" + response +
                                 "\", algorithm=SHA-256");
    EXPECT_EQ(r.verdict, AuthVerdict::forbidden);
    EXPECT_EQ(r.reason, "qop=auth required");
}

TEST_F(DigestServerTest, MalformedCredentialsAreABadRequestNamingTheHeader) {
    const auto r = register_with("Digest username=\"alice\", realm=\"example.com\"");
    EXPECT_EQ(r.verdict, AuthVerdict::bad_request);
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.reason.find("Authorization"), std::string::npos) << r.reason;
}

TEST_F(DigestServerTest, CredentialsForAnotherRealmAreIgnored) {
    const auto r = register_with(
        alice.credentials(fresh_nonce(), 1, "REGISTER", "sip:example.com", "other.example"));
    EXPECT_EQ(r.verdict, AuthVerdict::challenge);
    EXPECT_EQ(users.finds, 0);
}

TEST_F(DigestServerTest, OurRealmIsFoundAmongSeveralCredentials) {
    const auto theirs =
        alice.credentials(fresh_nonce(), 1, "REGISTER", "sip:example.com", "other.example");
    const auto ours = alice.credentials(fresh_nonce(), 1, "REGISTER", "sip:example.com");
    const auto r = server.verify(request("REGISTER", "sip:example.com",
                                         {"Authorization: " + theirs, "Authorization: " + ours}),
                                 users, k_t0);
    EXPECT_TRUE(r.authenticated()) << r.reason;
}

TEST_F(DigestServerTest, ResponseForAnotherMethodFails) {
    // A response computed for INVITE does not authenticate a REGISTER (A2 has the method).
    const auto r = register_with(alice.credentials(fresh_nonce(), 1, "INVITE", "sip:example.com"));
    EXPECT_EQ(r.verdict, AuthVerdict::failed);
}

TEST_F(DigestServerTest, UppercaseHexResponseIsAccepted) {
    auto creds = alice.credentials(fresh_nonce(), 1, "REGISTER", "sip:example.com");
    const auto at = creds.find("response=\"") + 10;
    for (std::size_t i = at; i < at + 64; ++i)
        creds[i] = static_cast<char>(std::toupper(creds[i]));
    EXPECT_TRUE(register_with(creds).authenticated());
}

TEST(DigestServer, ProxyReadsProxyAuthorizationOnly) {
    DigestServerConfig c;
    c.realm = std::string(k_realm);
    c.proxy = true;
    DigestServer proxy(c, k_secret);
    MemoryUserStore users;
    users.add({"alice", std::string(k_realm), compute_ha1_set("alice", k_realm, k_password), 0});
    Client alice;
    const auto creds =
        alice.credentials(nonce_of(proxy.challenges(k_t0)[0]), 1, "INVITE", "sip:bob@example.net");
    const auto www = proxy.verify(
        request("INVITE", "sip:bob@example.net", {"Authorization: " + creds}), users, k_t0);
    EXPECT_EQ(www.verdict, AuthVerdict::challenge);
    EXPECT_EQ(www.status, 407);
    const auto ok = proxy.verify(
        request("INVITE", "sip:bob@example.net", {"Proxy-Authorization: " + creds}), users, k_t0);
    EXPECT_TRUE(ok.authenticated()) << ok.reason;
}

TEST(DigestServer, OpaqueMustComeBackUnchanged) {
    DigestServerConfig c;
    c.realm = std::string(k_realm);
    c.opaque = "5ccc069c403ebaf9f0171e9517f40e41";
    DigestServer s(c, k_secret);
    MemoryUserStore users;
    users.add({"alice", std::string(k_realm), compute_ha1_set("alice", k_realm, k_password), 0});
    const auto challenge = s.challenges(k_t0)[0];
    EXPECT_NE(challenge.find("opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""), std::string::npos);
    Client alice;
    const auto creds = alice.credentials(nonce_of(challenge), 1, "REGISTER", "sip:example.com");
    const auto without =
        s.verify(request("REGISTER", "sip:example.com", {"Authorization: " + creds}), users, k_t0);
    EXPECT_EQ(without.verdict, AuthVerdict::challenge);
    const auto with = s.verify(
        request("REGISTER", "sip:example.com",
                {"Authorization: " + creds + ", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""}),
        users, k_t0);
    EXPECT_TRUE(with.authenticated()) << with.reason;
}

}  // namespace
}  // namespace happysip::auth

namespace happysip::auth {
namespace {

// A UA's view: read the challenge with the SIP parser, answer with what it says.
TEST(DigestServer, Sha512_256ClientFollowingTheParsedChallengeIsAuthenticated) {
    DigestServerConfig c;
    c.realm = std::string(k_realm);
    c.allow_sha512_256 = true;
    DigestServer s(c, k_secret);
    MemoryUserStore users;
    users.add({"alice", std::string(k_realm), compute_ha1_set("alice", k_realm, k_password), 0});
    const auto values = s.challenges(k_t0);
    ASSERT_EQ(values.size(), 2u);
    auto challenge = sip::parse_challenge(values[1]);
    ASSERT_TRUE(challenge.ok()) << challenge.error().to_string();
    ASSERT_EQ(challenge->algorithm, sip::DigestAlgorithm::sha512_256);
    Client alice;
    alice.algorithm = std::string(challenge->algorithm_text);
    alice.hash = DigestHash::sha512_256;
    const auto r =
        s.verify(request("REGISTER", "sip:example.com",
                         {"Authorization: " + alice.credentials(std::string(challenge->nonce), 1,
                                                                "REGISTER", "sip:example.com")}),
                 users, k_t0 + 1s);
    EXPECT_TRUE(r.authenticated()) << r.reason;
}

TEST(DigestServer, ShortSecretRefusesEveryNonce) {
    DigestServerConfig c;
    c.realm = std::string(k_realm);
    DigestServer s(c, "short");
    EXPECT_FALSE(s.valid());
    MemoryUserStore users;
    users.add({"alice", std::string(k_realm), compute_ha1_set("alice", k_realm, k_password), 0});
    Client alice;
    const auto r =
        s.verify(request("REGISTER", "sip:example.com",
                         {"Authorization: " + alice.credentials(nonce_of(s.challenges(k_t0)[0]), 1,
                                                                "REGISTER", "sip:example.com")}),
                 users, k_t0);
    EXPECT_FALSE(r.authenticated());
}

}  // namespace
}  // namespace happysip::auth

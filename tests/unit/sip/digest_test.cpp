#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "happysip/sip/digest.hpp"
#include "happysip/sip/message.hpp"

namespace happysip::sip {
namespace {

std::string read_bench(const char* name) {
    std::ifstream in(std::string(HAPPYSIP_BENCH_MESSAGES_DIR) + "/" + name, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::vector<std::string_view> header_values(const Message& m, HeaderId id) {
    std::vector<std::string_view> out;
    for (const HeaderField& f : m.fields())
        if (!f.removed && f.id == id) out.push_back(m.value(f));
    return out;
}

// The error of a parse that must fail, for checking its words and offset.
template <class T>
ParseError error_of(const Result<T>& r) {
    EXPECT_FALSE(r.ok());
    return r.ok() ? ParseError{} : r.error();
}

// RFC 7616 §3.9.1 (the values RFC 8760 carries over to SIP).
constexpr std::string_view k_rfc7616_challenge =
    R"(Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, )"
    R"(nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", )"
    R"(opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")";

constexpr std::string_view k_rfc7616_sha256_credentials =
    R"(Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", )"
    R"(algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, )"
    R"(cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, )"
    R"(response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", )"
    R"(opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")";

// ---- challenges -------------------------------------------------------------------------

TEST(Digest, ParsesSha256ChallengeWithQopList) {
    auto c = parse_challenge(k_rfc7616_challenge);
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_TRUE(c->is_digest);
    EXPECT_EQ(c->scheme, "Digest");
    EXPECT_EQ(c->realm, "http-auth@example.org");
    EXPECT_EQ(c->nonce, "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v");
    EXPECT_EQ(c->opaque, "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");
    EXPECT_EQ(c->algorithm, DigestAlgorithm::sha256);
    EXPECT_EQ(c->algorithm_text, "SHA-256");
    EXPECT_EQ(c->qop, "auth, auth-int");
    EXPECT_TRUE(c->offers_qop_auth());
    EXPECT_TRUE(c->offers_qop_auth_int());
    EXPECT_FALSE(c->offers_qop("auth-conf"));
    EXPECT_FALSE(c->stale);
}

TEST(Digest, ParsesBothChallengesOfTheBench401) {
    auto m = parse_message(read_bench("10-401-challenge.sip"));
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    auto values = header_values(*m, HeaderId::www_authenticate);
    ASSERT_EQ(values.size(), 2u);

    auto sha = parse_challenge(values[0]);
    ASSERT_TRUE(sha.ok()) << sha.error().to_string();
    EXPECT_EQ(sha->algorithm, DigestAlgorithm::sha256);
    EXPECT_EQ(sha->realm, "atlanta.example.com");
    EXPECT_EQ(sha->nonce, "7a3d9b1f0c5e4a2b8d6f");
    ASSERT_TRUE(sha->opaque.has_value());  // opaque="" is present and must be echoed
    EXPECT_EQ(*sha->opaque, "");
    EXPECT_TRUE(sha->offers_qop_auth());
    EXPECT_FALSE(sha->offers_qop_auth_int());
    EXPECT_FALSE(sha->stale);

    auto md5 = parse_challenge(values[1]);
    ASSERT_TRUE(md5.ok()) << md5.error().to_string();
    EXPECT_EQ(md5->algorithm, DigestAlgorithm::md5);
    EXPECT_EQ(md5->algorithm_text, "MD5");
}

TEST(Digest, ParsesRfc3261ChallengeWithDomainAndStale) {
    // RFC 3261 §20.44, with the continuation lines unfolded.
    auto c = parse_challenge(
        R"(Digest realm="atlanta.com", domain="sip:boxesbybob.com", qop="auth", )"
        R"(nonce="f84f1cec41e6cbe5aea9c8e88d359", opaque="", stale=FALSE, algorithm=MD5)");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_EQ(c->realm, "atlanta.com");
    EXPECT_EQ(c->domain, "sip:boxesbybob.com");
    EXPECT_EQ(c->nonce, "f84f1cec41e6cbe5aea9c8e88d359");
    EXPECT_EQ(c->algorithm, DigestAlgorithm::md5);
    EXPECT_FALSE(c->stale);
}

TEST(Digest, ParsesSha512_256ChallengeWithUserhashAndCharset) {
    // RFC 7616 §3.9.2.
    auto c = parse_challenge(
        R"(Digest realm="api@example.org", qop="auth", algorithm=SHA-512-256, )"
        R"(nonce="5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK", )"
        R"(opaque="HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS", charset=UTF-8, userhash=true)");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_EQ(c->algorithm, DigestAlgorithm::sha512_256);
    EXPECT_TRUE(c->userhash);
    EXPECT_EQ(c->charset, "UTF-8");
    EXPECT_EQ(digest_hex_length(c->algorithm), 64u);
}

TEST(Digest, AbsentAlgorithmMeansMd5) {
    auto c = parse_challenge(R"(Digest realm="example.com", nonce="abc")");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_EQ(c->algorithm, DigestAlgorithm::md5);
    EXPECT_TRUE(c->algorithm_text.empty());
    EXPECT_FALSE(c->qop.has_value());
    EXPECT_FALSE(c->offers_qop_auth());
    EXPECT_FALSE(c->opaque.has_value());
}

TEST(Digest, ReadsSessionAndUnknownAlgorithms) {
    auto sess = parse_challenge(R"(Digest realm="r", nonce="n", algorithm=sha-256-SESS)");
    ASSERT_TRUE(sess.ok()) << sess.error().to_string();
    EXPECT_EQ(sess->algorithm, DigestAlgorithm::sha256_sess);
    EXPECT_TRUE(is_session_algorithm(sess->algorithm));

    auto unknown = parse_challenge(R"(Digest realm="r", nonce="n", algorithm=SHA3-256)");
    ASSERT_TRUE(unknown.ok()) << unknown.error().to_string();
    EXPECT_EQ(unknown->algorithm, DigestAlgorithm::unknown);
    EXPECT_EQ(unknown->algorithm_text, "SHA3-256");
}

TEST(Digest, AlgorithmNamesRoundTrip) {
    for (auto a : {DigestAlgorithm::md5, DigestAlgorithm::md5_sess, DigestAlgorithm::sha256,
                   DigestAlgorithm::sha256_sess, DigestAlgorithm::sha512_256,
                   DigestAlgorithm::sha512_256_sess})
        EXPECT_EQ(digest_algorithm_from_name(digest_algorithm_name(a)), a);
    EXPECT_EQ(digest_algorithm_name(DigestAlgorithm::unknown), "");
    EXPECT_EQ(digest_hex_length(DigestAlgorithm::md5_sess), 32u);
}

TEST(Digest, StaleIsCaseInsensitive) {
    auto upper = parse_challenge(R"(Digest realm="r", nonce="n", stale=TRUE)");
    auto lower = parse_challenge(R"(Digest realm="r", nonce="n", stale=true)");
    ASSERT_TRUE(upper.ok() && lower.ok());
    EXPECT_TRUE(upper->stale);
    EXPECT_TRUE(lower->stale);
}

TEST(Digest, ParameterNamesAndSchemeAreCaseInsensitive) {
    auto c = parse_challenge(R"(digest REALM="r", Nonce="n", QOP="AUTH")");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_TRUE(c->is_digest);
    EXPECT_EQ(c->realm, "r");
    EXPECT_EQ(c->nonce, "n");
    EXPECT_TRUE(c->offers_qop_auth());
}

TEST(Digest, AllowsWhiteSpaceAroundEqualsAndCommas) {
    auto c = parse_challenge("Digest \t realm = \"r\" ,nonce=\"n\"  ,\tqop = \"auth\"  ");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_EQ(c->realm, "r");
    EXPECT_EQ(c->nonce, "n");
    EXPECT_EQ(c->qop, "auth");
}

TEST(Digest, AcceptsUnquotedQopFromLenientServers) {
    auto c = parse_challenge(R"(Digest realm="r", nonce="n", qop=auth)");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_TRUE(c->offers_qop_auth());
}

TEST(Digest, KeepsUnknownParametersInWireOrder) {
    auto c = parse_challenge(R"(Digest realm="r", x-extension=42, nonce="n", note="a, b")");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    std::vector<std::string> seen;
    std::size_t pos = 0;
    while (auto p = c->params.next(pos))
        seen.push_back(std::string(p->name) + "=" + std::string(p->value) + (p->quoted ? "q" : ""));
    EXPECT_EQ(seen,
              (std::vector<std::string>{"realm=rq", "x-extension=42", "nonce=nq", "note=a, bq"}));
    EXPECT_EQ(c->params.find("X-EXTENSION"), "42");
    EXPECT_FALSE(c->params.find("absent").has_value());
}

TEST(Digest, QuotedValueWithEscapesKeepsThemUntilUnescaped) {
    auto c = parse_challenge(R"(Digest realm="say \"hi\" \\ there", nonce="n")");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_EQ(c->realm, R"(say \"hi\" \\ there)");
    EXPECT_TRUE(has_quoted_pair(c->realm));
    EXPECT_EQ(unescape(c->realm), R"(say "hi" \ there)");
    EXPECT_FALSE(has_quoted_pair(c->nonce));
    EXPECT_EQ(unescape(c->nonce), "n");
}

TEST(Digest, ViewsPointIntoTheParsedValue) {
    const std::string value(k_rfc7616_challenge);
    auto c = parse_challenge(value);
    ASSERT_TRUE(c.ok());
    EXPECT_GE(c->realm.data(), value.data());
    EXPECT_LE(c->realm.data() + c->realm.size(), value.data() + value.size());
    EXPECT_EQ(c->realm.data(), value.data() + value.find("http-auth"));
}

TEST(Digest, ParsesOtherSchemeChallengeWithoutDigestFields) {
    auto c = parse_challenge(R"(Bearer realm="example.com", scope="openid profile")");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_FALSE(c->is_digest);
    EXPECT_EQ(c->scheme, "Bearer");
    EXPECT_TRUE(c->realm.empty());
    EXPECT_EQ(c->params.find("realm"), "example.com");
    EXPECT_EQ(c->params.find("scope"), "openid profile");
}

TEST(Digest, ParsesBearerCredentialsAsToken68) {
    auto c = parse_credentials("Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln-_==");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_FALSE(c->is_digest);
    EXPECT_EQ(c->scheme, "Bearer");
    EXPECT_EQ(c->token68, "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln-_==");
    EXPECT_TRUE(c->params.empty());
    EXPECT_TRUE(c->username.empty());
}

TEST(Digest, RejectsUnterminatedQuote) {
    constexpr std::string_view v = R"(Digest realm="atlanta.com", nonce="abc)";
    auto e = error_of(parse_challenge(v));
    EXPECT_EQ(e.code, ParseErrc::bad_header);
    EXPECT_EQ(e.header, "WWW-Authenticate");
    EXPECT_EQ(e.detail, "unterminated quoted string");
    EXPECT_EQ(e.offset, v.find("\"abc"));
}

TEST(Digest, RejectsMissingEquals) {
    constexpr std::string_view v = R"(Digest realm "atlanta.com", nonce="n")";
    auto e = error_of(parse_challenge(v, "Proxy-Authenticate"));
    EXPECT_EQ(e.header, "Proxy-Authenticate");
    EXPECT_EQ(e.detail, "expected '=' after realm");
    EXPECT_EQ(e.offset, v.find('"'));
}

TEST(Digest, RejectsChallengeWithoutNonce) {
    auto e = error_of(parse_challenge(R"(Digest realm="r", qop="auth")"));
    EXPECT_EQ(e.detail, "missing nonce");
}

TEST(Digest, RejectsChallengeWithoutRealm) {
    auto e = error_of(parse_challenge(R"(Digest nonce="n")"));
    EXPECT_EQ(e.detail, "missing realm");
}

TEST(Digest, RejectsDuplicateNonce) {
    constexpr std::string_view v = R"(Digest realm="r", nonce="a", nonce="b")";
    auto e = error_of(parse_challenge(v));
    EXPECT_EQ(e.detail, "duplicate nonce");
    EXPECT_EQ(e.offset, v.rfind("nonce"));
}

TEST(Digest, RejectsStaleThatIsNotABoolean) {
    auto e = error_of(parse_challenge(R"(Digest realm="r", nonce="n", stale=maybe)"));
    EXPECT_EQ(e.detail, "stale must be TRUE or FALSE");
}

TEST(Digest, RejectsQopListWithEmptyElement) {
    auto e = error_of(parse_challenge(R"(Digest realm="r", nonce="n", qop="auth,,auth-int")"));
    EXPECT_EQ(e.detail, "bad qop option list");
}

TEST(Digest, RejectsEmptyParameterBetweenCommas) {
    constexpr std::string_view v = R"(Digest realm="r",, nonce="n")";
    auto e = error_of(parse_challenge(v));
    EXPECT_EQ(e.detail, "empty parameter");
    EXPECT_EQ(e.offset, v.find(",,") + 1);
}

TEST(Digest, RejectsTrailingComma) {
    auto e = error_of(parse_challenge(R"(Digest realm="r", nonce="n", )"));
    EXPECT_EQ(e.detail, "empty parameter after ','");
}

TEST(Digest, RejectsTwoChallengesInOneValue) {
    // RFC 3261 §7.3.1: WWW-Authenticate is not a comma list; each challenge has its line.
    auto e = error_of(parse_challenge(R"(Digest realm="a", nonce="b", Digest realm="c")"));
    EXPECT_EQ(e.detail, "expected '=' after Digest");
}

TEST(Digest, RejectsParametersGluedToTheScheme) {
    auto e = error_of(parse_challenge(R"(Digest,realm="r", nonce="n")"));
    EXPECT_EQ(e.detail, "expected white space after auth-scheme");
    EXPECT_EQ(e.offset, 6u);
}

TEST(Digest, RejectsEmptyValue) {
    auto e = error_of(parse_challenge(""));
    EXPECT_EQ(e.detail, "expected auth-scheme");
}

TEST(Digest, RejectsControlCharacterInQuotedString) {
    auto e = error_of(parse_challenge(std::string("Digest realm=\"a\x01b\", nonce=\"n\"")));
    EXPECT_EQ(e.detail, "control character in quoted string");
    EXPECT_EQ(e.offset, 15u);
}

// ---- credentials ------------------------------------------------------------------------

TEST(Digest, ParsesSha256CredentialsOfRfc7616) {
    auto c = parse_credentials(k_rfc7616_sha256_credentials);
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_TRUE(c->is_digest);
    EXPECT_EQ(c->username, "Mufasa");
    EXPECT_EQ(c->realm, "http-auth@example.org");
    EXPECT_EQ(c->uri, "/dir/index.html");
    EXPECT_EQ(c->algorithm, DigestAlgorithm::sha256);
    EXPECT_EQ(c->nonce, "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v");
    EXPECT_EQ(c->nc_text, "00000001");
    EXPECT_EQ(c->nc, 1u);
    EXPECT_EQ(c->cnonce, "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ");
    EXPECT_EQ(c->qop, "auth");
    EXPECT_TRUE(c->qop_is("auth"));
    EXPECT_EQ(c->response, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
    EXPECT_EQ(c->opaque, "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");
    EXPECT_FALSE(c->userhash);
}

TEST(Digest, ParsesMd5CredentialsOfRfc7616) {
    auto c = parse_credentials(
        R"(Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", )"
        R"(algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, )"
        R"(cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, )"
        R"(response="8ca523f5e9506fed4657c9700eebdbec", )"
        R"(opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_EQ(c->algorithm, DigestAlgorithm::md5);
    EXPECT_EQ(c->response, "8ca523f5e9506fed4657c9700eebdbec");
}

TEST(Digest, ParsesBenchRegisterAuthorization) {
    auto m = parse_message(read_bench("07-register-outbound.sip"));
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    auto value = m->header(HeaderId::authorization);
    ASSERT_TRUE(value.has_value());
    auto c = parse_credentials(*value);
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_EQ(c->username, "alice");
    EXPECT_EQ(c->realm, "atlanta.example.com");
    EXPECT_EQ(c->uri, "sip:atlanta.example.com");
    EXPECT_EQ(c->algorithm, DigestAlgorithm::sha256);
    EXPECT_EQ(c->response.size(), 64u);
    EXPECT_EQ(c->cnonce, "0a4f113b");
    EXPECT_EQ(c->nc, 1u);
    EXPECT_TRUE(c->qop_is("auth"));
    EXPECT_FALSE(c->opaque.has_value());
}

TEST(Digest, ParsesUserhashCredentialsWithSha512_256) {
    // RFC 7616 §3.9.2.
    auto c = parse_credentials(
        R"(Digest username="488869477bf257147b804c45308cd62ac4e25eb717b12b298c79e62dcea254ec", )"
        R"(realm="api@example.org", uri="/doe.json", algorithm=SHA-512-256, )"
        R"(nonce="5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK", nc=00000001, )"
        R"(cnonce="NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v", qop=auth, )"
        R"(response="ae66e67d6b427bd3f120414a82e4acff38e8ecd9101d6c861229025f607a79dd", )"
        R"(opaque="HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS", userhash=true)");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_TRUE(c->userhash);
    EXPECT_EQ(c->algorithm, DigestAlgorithm::sha512_256);
    EXPECT_EQ(c->username.size(), 64u);
}

TEST(Digest, ParsesExtendedUsername) {
    // RFC 7616 §3.4: username* in the RFC 5987 extended notation, unquoted.
    auto c = parse_credentials(
        R"(Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, realm="r", nonce="n", uri="sip:r", )"
        R"(response="8ca523f5e9506fed4657c9700eebdbec")");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_TRUE(c->username.empty());
    EXPECT_EQ(c->username_ext, "UTF-8''J%C3%A4s%C3%B8n%20Doe");
}

TEST(Digest, RejectsBothUsernameAndExtendedUsername) {
    auto e = error_of(parse_credentials(
        R"(Digest username="a", username*=UTF-8''a, realm="r", nonce="n", uri="sip:r", )"
        R"(response="8ca523f5e9506fed4657c9700eebdbec")"));
    EXPECT_EQ(e.detail, "both username and username*");
}

TEST(Digest, CredentialsWithoutQopNeedNoNcOrCnonce) {
    // RFC 2069 compatibility (RFC 3261 §22.4): no qop, so no nc/cnonce.
    auto c = parse_credentials(
        R"(Digest username="bob", realm="biloxi.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", )"
        R"(uri="sip:bob@biloxi.com", response="6629fae49393a05397450978507c4ef1")");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_FALSE(c->qop.has_value());
    EXPECT_FALSE(c->nc_text.has_value());
    EXPECT_EQ(c->algorithm, DigestAlgorithm::md5);
}

TEST(Digest, RejectsRfc3261AuthorizationExampleWithoutUri) {
    // RFC 3261 §20.7's example omits the mandatory digest-uri (and its response is 35
    // digits); a verifier cannot check it.
    auto e = error_of(parse_credentials(
        R"(Digest username="Alice", realm="atlanta.com", nonce="84a4cc6f3082121f32b42a2187831a9e", )"
        R"(response="7587245234b3434cc3412213e5f113a5432")"));
    EXPECT_EQ(e.detail, "missing uri");
}

TEST(Digest, RejectsCredentialsWithoutNonce) {
    constexpr std::string_view v =
        R"(Digest username="a", realm="r", uri="sip:r", response="8ca523f5e9506fed4657c9700eebdbec")";
    auto e = error_of(parse_credentials(v));
    EXPECT_EQ(e.code, ParseErrc::bad_header);
    EXPECT_EQ(e.header, "Authorization");
    EXPECT_EQ(e.detail, "missing nonce");
    EXPECT_EQ(e.offset, v.size());
    EXPECT_EQ(e.to_string(),
              "bad Authorization header at byte " + std::to_string(v.size()) + ": missing nonce");
}

TEST(Digest, ErrorsNameProxyAuthorizationWhenAsked) {
    auto e = error_of(parse_credentials(R"(Digest realm="r")", "Proxy-Authorization"));
    EXPECT_EQ(e.header, "Proxy-Authorization");
    EXPECT_EQ(e.detail, "missing username");
}

TEST(Digest, RejectsMd5ResponseOfWrongLength) {
    constexpr std::string_view v =
        R"(Digest username="a", realm="r", nonce="n", uri="sip:r", response="245f23415f11432b3434341c022")";
    auto e = error_of(parse_credentials(v));
    EXPECT_EQ(e.detail, "response must be 32 hex digits for MD5");
    EXPECT_EQ(e.offset, v.find("245f"));
}

TEST(Digest, RejectsSha256ResponseOfMd5Length) {
    auto e = error_of(parse_credentials(
        R"(Digest username="a", realm="r", nonce="n", uri="sip:r", algorithm=SHA-256, )"
        R"(response="8ca523f5e9506fed4657c9700eebdbec")"));
    EXPECT_EQ(e.detail, "response must be 64 hex digits for SHA-256");
}

TEST(Digest, RejectsResponseThatIsNotHex) {
    auto e =
        error_of(parse_credentials(R"(Digest username="a", realm="r", nonce="n", uri="sip:r", )"
                                   R"(response="8ca523f5e9506fed4657c9700eebdbeg")"));
    EXPECT_EQ(e.detail, "response must be 32 hex digits for MD5");
}

TEST(Digest, UnknownAlgorithmAcceptsAHexResponseOfAnyLength) {
    auto c = parse_credentials(
        R"(Digest username="a", realm="r", nonce="n", uri="sip:r", algorithm=SHA3-512, )"
        R"(response="0123456789abcdef")");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_EQ(c->algorithm, DigestAlgorithm::unknown);
}

TEST(Digest, RejectsNcThatIsNotEightHexDigits) {
    constexpr std::string_view base =
        R"(Digest username="a", realm="r", nonce="n", uri="sip:r", qop=auth, cnonce="c", )"
        R"(response="8ca523f5e9506fed4657c9700eebdbec", nc=)";
    for (std::string_view nc : {"0000001", "000000001", "0000000g"}) {
        const std::string v = std::string(base) + std::string(nc);
        auto e = error_of(parse_credentials(v));
        EXPECT_EQ(e.detail, "nc must be 8 hex digits") << nc;
        EXPECT_EQ(e.offset, base.size()) << nc;
    }
}

TEST(Digest, ReadsNcAsHexadecimal) {
    auto c = parse_credentials(
        R"(Digest username="a", realm="r", nonce="n", uri="sip:r", qop=auth, cnonce="c", )"
        R"(nc=0000001A, response="8ca523f5e9506fed4657c9700eebdbec")");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_EQ(c->nc, 26u);
}

TEST(Digest, RejectsQopWithoutNc) {
    auto e = error_of(parse_credentials(
        R"(Digest username="a", realm="r", nonce="n", uri="sip:r", qop=auth, cnonce="c", )"
        R"(response="8ca523f5e9506fed4657c9700eebdbec")"));
    EXPECT_EQ(e.detail, "qop without nc");
}

TEST(Digest, RejectsQopWithoutCnonce) {
    auto e = error_of(parse_credentials(
        R"(Digest username="a", realm="r", nonce="n", uri="sip:r", qop=auth, nc=00000001, )"
        R"(response="8ca523f5e9506fed4657c9700eebdbec")"));
    EXPECT_EQ(e.detail, "qop without cnonce");
}

TEST(Digest, ToleratesQuotedQopInCredentials) {
    auto c = parse_credentials(
        R"(Digest username="a", realm="r", nonce="n", uri="sip:r", qop="auth-int", )"
        R"(nc=00000001, cnonce="c", response="8ca523f5e9506fed4657c9700eebdbec")");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_TRUE(c->qop_is("auth-int"));
}

TEST(Digest, RejectsQopListInCredentials) {
    auto e = error_of(parse_credentials(
        R"(Digest username="a", realm="r", nonce="n", uri="sip:r", qop="auth,auth-int", )"
        R"(nc=00000001, cnonce="c", response="8ca523f5e9506fed4657c9700eebdbec")"));
    EXPECT_EQ(e.detail, "qop must be a single token");
}

TEST(Digest, RejectsMissingValue) {
    auto e = error_of(parse_credentials(R"(Digest username=, realm="r")"));
    EXPECT_EQ(e.detail, "missing value for username");
    EXPECT_EQ(e.offset, 16u);
}

TEST(Digest, RejectsUriThatIsNeitherTokenNorQuoted) {
    auto e = error_of(
        parse_credentials(R"(Digest username="a", realm="r", nonce="n", uri=sip:r, response="x")"));
    EXPECT_EQ(e.detail, "expected ',' between parameters");
}

}  // namespace
}  // namespace happysip::sip

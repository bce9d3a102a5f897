// RFC 6140 (GIN): the trunk table (exact URIs and DID blocks), the Request-URI a number's
// request gets (§6), the registrar's answers to bulk REGISTERs (§5.2, with the GRUUs of
// §7.1), and the location view through which the proxy finds a trunk's numbers.
#include "happysip/registrar/gin.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "happysip/proxy/request_checks.hpp"
#include "happysip/registrar/gin_location_view.hpp"
#include "happysip/registrar/memory_location_store.hpp"
#include "happysip/registrar/registrar.hpp"
#include "happysip/store/sqlite_location_store.hpp"
#include "register_request.hpp"

namespace happysip::registrar {
namespace {

constexpr std::int64_t k_now = 1'800'000'000;

GinPattern pattern(std::string_view text) {
    auto p = parse_gin_pattern(text);
    EXPECT_TRUE(p.pattern) << p.error;
    return p.pattern.value_or(GinPattern{});
}

GinTrunk pbx1() {
    return {"sip:pbx1@example.com",
            {pattern("sip:+1555123*@example.com"), pattern("sip:sales@example.com")}};
}
GinTrunk pbx2() {
    return {"sip:pbx2@example.com", {pattern("sip:+15559870001@example.com")}};
}

TEST(GinPattern, ExactUriAndNumberBlock) {
    const GinPattern exact = pattern("sip:Sales@EXAMPLE.com;user=phone");
    EXPECT_EQ(exact.domain, "example.com");
    EXPECT_EQ(exact.user, "Sales");
    EXPECT_FALSE(exact.prefix);
    const GinPattern block = pattern("sip:+1555123*@example.com:5070");
    EXPECT_EQ(block.domain, "example.com:5070");
    EXPECT_EQ(block.user, "+1555123");
    EXPECT_TRUE(block.prefix);
}

TEST(GinPattern, RefusesWhatIsNotAUriOrNotANumberBlock) {
    EXPECT_NE(parse_gin_pattern("+1555*").error, "");
    EXPECT_NE(parse_gin_pattern("sip:example.com").error, "");
    EXPECT_NE(parse_gin_pattern("tel:+15551230001").error, "");
    EXPECT_NE(parse_gin_pattern("sip:+15*55*@example.com").error, "");
    EXPECT_NE(parse_gin_pattern("sip:sales*@example.com").error, "");
    EXPECT_NE(parse_gin_pattern("sip:+*@example.com").error, "");
}

TEST(GinPattern, ABlockMatchesItsPrefixFollowedByDigitsOnly) {
    const GinPattern block = pattern("sip:+1555123*@example.com");
    EXPECT_TRUE(gin_pattern_matches(block, "sip:+15551230042@example.com"));
    EXPECT_TRUE(gin_pattern_matches(block, "sip:+15551239@example.com"));
    EXPECT_FALSE(gin_pattern_matches(block, "sip:+1555123@example.com"));  // the bare prefix
    EXPECT_FALSE(gin_pattern_matches(block, "sip:+1555123x@example.com"));
    EXPECT_FALSE(gin_pattern_matches(block, "sip:+15551240042@example.com"));
    EXPECT_FALSE(gin_pattern_matches(block, "sip:+15551230042@example.org"));
}

TEST(GinTrunks, FindsTheTrunkOfANumberOrUriAndOfItsOwnAor) {
    const GinTrunks trunks({pbx1(), pbx2()});
    ASSERT_NE(trunks.trunk_serving("sip:+15551230042@example.com"), nullptr);
    EXPECT_EQ(trunks.trunk_serving("sip:+15551230042@example.com")->aor, "sip:pbx1@example.com");
    EXPECT_EQ(trunks.trunk_serving("sip:sales@example.com")->aor, "sip:pbx1@example.com");
    EXPECT_EQ(trunks.trunk_serving("sip:+15559870001@example.com")->aor, "sip:pbx2@example.com");
    EXPECT_EQ(trunks.trunk_serving("sip:+15559870002@example.com"), nullptr);
    EXPECT_EQ(trunks.trunk_serving("sip:alice@example.com"), nullptr);
    EXPECT_EQ(trunks.trunk_serving("sip:example.com"), nullptr);
    EXPECT_NE(trunks.trunk_with_aor("sip:pbx2@example.com"), nullptr);
    EXPECT_EQ(trunks.trunk_with_aor("sip:+15559870001@example.com"), nullptr);
}

TEST(GinTrunks, OverlapsBetweenTrunksAreNamed) {
    EXPECT_EQ(gin_overlap({pbx1(), pbx2()}), "");
    GinTrunk wide{"sip:pbx3@example.com", {pattern("sip:+1555*@example.com")}};
    EXPECT_EQ(gin_overlap({pbx1(), wide}),
              "'sip:+1555123*@example.com' (sip:pbx1@example.com) overlaps "
              "'sip:+1555*@example.com' (sip:pbx3@example.com)");
    GinTrunk same_number{"sip:pbx3@example.com", {pattern("sip:+15551230001@example.com")}};
    EXPECT_NE(gin_overlap({pbx1(), same_number}), "");
    GinTrunk other_domain{"sip:pbx3@example.com", {pattern("sip:+1555123*@example.org")}};
    EXPECT_EQ(gin_overlap({pbx1(), other_domain}), "");
    EXPECT_EQ(gin_overlap({pbx2(), pbx2()}), "trunk sip:pbx2@example.com is configured twice");
}

TEST(GinTargetUri, TheNumberGoesIntoTheContactAndBncGoes) {
    EXPECT_EQ(gin_target_uri("sip:198.51.100.3;bnc", "+15551230042"),
              "sip:+15551230042@198.51.100.3");
    EXPECT_EQ(gin_target_uri("sips:[2001:db8::3]:5071;transport=tcp;BNC;ob", "+15551230042"),
              "sips:+15551230042@[2001:db8::3]:5071;transport=tcp;ob");
    // A user part needing escapes keeps the URI well formed.
    EXPECT_EQ(gin_target_uri("sip:pbx.example.net;bnc", "front desk"),
              "sip:front%20desk@pbx.example.net");
    EXPECT_EQ(gin_target_uri("not a uri", "+1"), std::nullopt);
}

// RFC 3261 §16.6 step 2, §19.1.1 Table 1: a registered Contact may carry "method" and
// headers; the Request-URI made from it must not.
TEST(GinTargetUri, LeavesOutWhatARequestUriMayNotCarry) {
    EXPECT_EQ(
        gin_target_uri("sip:198.51.100.3;bnc;method=INVITE;transport=tcp?Subject=x&Priority=urgent",
                       "+15551230042"),
        "sip:+15551230042@198.51.100.3;transport=tcp");
}

// A REGISTER for `to` from the PBX, over TLS.
sip::Message register_of(const std::string& to, std::vector<std::string> headers,
                         std::uint32_t cseq = 1) {
    return register_request(to, headers, cseq, "gin-1@pbx", "TLS 198.51.100.3:5061");
}

const std::vector<std::string> k_gin_headers = {
    "Contact: <sip:198.51.100.3:5061;transport=tls;bnc>", "Require: gin", "Proxy-Require: gin",
    "Supported: path", "Expires: 600"};

// Every registrar test runs on the in-memory store and on SQLite.
class GinRegistrarTest : public ::testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        config_.domains = {"example.com"};
        config_.gin_trunks = {pbx1(), pbx2()};
        if (GetParam() == "sqlite") {
            char tmpl[] = "/tmp/happysip-gin-XXXXXX";
            ASSERT_NE(mkdtemp(tmpl), nullptr);
            dir_ = tmpl;
            reopen();
        } else {
            store_ = std::make_unique<MemoryLocationStore>();
            registrar_ = std::make_unique<Registrar>(config_, *store_);
        }
    }
    void TearDown() override {
        registrar_.reset();
        store_.reset();
        if (!dir_.empty()) std::filesystem::remove_all(dir_);
    }
    // A restart: the registrar and the store are built again from the database file.
    void reopen() {
        registrar_.reset();
        store_.reset();
        std::string error;
        store_ = store::SqliteLocationStore::open(dir_ + "/location.sqlite", error);
        ASSERT_NE(store_, nullptr) << error;
        registrar_ = std::make_unique<Registrar>(config_, *store_);
    }
    RegisterReply handle(const sip::Message& m, std::string user = {}) {
        return registrar_->handle(m, {k_now, "tls:198.51.100.3:40001", std::move(user)});
    }
    static bool has_header(const RegisterReply& r, std::string_view line) {
        return std::find(r.headers.begin(), r.headers.end(), line) != r.headers.end();
    }

    RegistrarConfig config_;
    std::uint32_t next_cseq_ = 1;
    std::unique_ptr<LocationStore> store_;
    std::unique_ptr<Registrar> registrar_;
    std::string dir_;
};

TEST_P(GinRegistrarTest, ATrunkRegistersItsBncContactAndIsToldWithRequireGin) {
    auto r = handle(register_of("sip:pbx1@example.com", k_gin_headers), "pbx1");
    ASSERT_EQ(r.status, 200) << r.reason;
    EXPECT_TRUE(has_header(r, "Contact: <sip:198.51.100.3:5061;transport=tls;bnc>;expires=600"));
    EXPECT_TRUE(has_header(r, "Require: gin"));
    auto stored = store_->lookup("sip:pbx1@example.com", k_now);
    ASSERT_EQ(stored.size(), 1u);
    EXPECT_TRUE(is_bnc_binding(stored[0]));
    EXPECT_EQ(stored[0].source, "tls:198.51.100.3:40001");
}

TEST_P(GinRegistrarTest, ABncContactWithAUserPartIs400) {
    auto r = handle(register_of("sip:pbx1@example.com",
                                {"Contact: <sip:pbx1@198.51.100.3;bnc>", "Require: gin"}));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.reason, "A bnc Contact must not have a user part (RFC 6140)");
    EXPECT_EQ(store_->size(), 0u);
}

TEST_P(GinRegistrarTest, ABncContactWithoutRequireGinIs400) {
    auto r = handle(register_of("sip:pbx1@example.com", {"Contact: <sip:198.51.100.3;bnc>"}));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.reason, "A bnc Contact needs Require: gin (RFC 6140)");
    EXPECT_EQ(store_->size(), 0u);
}

TEST_P(GinRegistrarTest, RequireGinWithAPlainContactIs400) {
    auto r = handle(register_of(
        "sip:pbx1@example.com",
        {"Contact: <sip:198.51.100.3;bnc>", "Contact: <sip:pbx1@198.51.100.3>", "Require: gin"}));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.reason, "Require: gin with a Contact that is not bnc (RFC 6140)");
}

TEST_P(GinRegistrarTest, ABulkRegistrationForAnAorThatIsNoTrunkIs403) {
    auto r = handle(register_of("sip:alice@example.com", k_gin_headers), "alice");
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(r.reason, "sip:alice@example.com is not a GIN trunk");
    // A trunk's number is no trunk either: the PBX registers as its own AOR.
    r = handle(register_of("sip:+15551230042@example.com", k_gin_headers));
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(store_->size(), 0u);
}

TEST_P(GinRegistrarTest, ATrunkRegistersOnlyAsTheUserItAuthenticatedAs) {
    auto r = handle(register_of("sip:pbx1@example.com", k_gin_headers), "pbx2");
    EXPECT_EQ(r.status, 403);
}

TEST_P(GinRegistrarTest, GinIsAnUnderstoodOptionTagBesideUnknownOnes) {
    auto hs = k_gin_headers;
    hs.push_back("Require: frobnicate");
    auto r = handle(register_of("sip:pbx1@example.com", hs));
    EXPECT_EQ(r.status, 420);
    EXPECT_TRUE(has_header(r, "Unsupported: frobnicate"));
}

// RFC 6140 §7.1.1: the public GRUU of a bnc Contact is the SSP's domain with "bnc" and
// "gr", no number; §7.1.2: its temp GRUU is the ordinary opaque one.
TEST_P(GinRegistrarTest, ABncContactWithAnInstanceGetsTheBulkGruus) {
    registrar_->make_gruus_with([](const Binding&) {
        return Gruus{"sip:pub-not-for-bnc@example.com;gr=x", "sip:tgruu.T1@example.com;gr"};
    });
    auto hs = k_gin_headers;
    hs[0] += ";+sip.instance=\"<urn:uuid:00000000-0000-4000-8000-0000000000b1>\"";
    hs.push_back("Supported: gruu");
    auto r = handle(register_of("sip:pbx1@example.com", hs));
    ASSERT_EQ(r.status, 200) << r.reason;
    EXPECT_TRUE(has_header(r,
                           "Contact: <sip:198.51.100.3:5061;transport=tls;bnc>;expires=600;"
                           "+sip.instance=\"<urn:uuid:00000000-0000-4000-8000-0000000000b1>\";"
                           "pub-gruu=\"sip:example.com;bnc;gr=urn:uuid:"
                           "00000000-0000-4000-8000-0000000000b1\";"
                           "temp-gruu=\"sip:tgruu.T1@example.com;gr\""))
        << ::testing::PrintToString(r.headers);
}

// RFC 5627 §5.2: GRUUs only for a UA that said Supported: gruu, and only for an instance.
TEST_P(GinRegistrarTest, ABncContactGetsNoGruusUnlessAskedWithAnInstance) {
    registrar_->make_gruus_with([](const Binding&) {
        return Gruus{"sip:pub@example.com;gr=x", "sip:t@example.com;gr"};
    });
    auto with_instance = k_gin_headers;
    with_instance[0] += ";+sip.instance=\"<urn:uuid:00000000-0000-4000-8000-0000000000b1>\"";
    auto without_instance = k_gin_headers;
    without_instance.push_back("Supported: gruu");
    for (const auto& hs : {with_instance, without_instance}) {
        auto r = handle(register_of("sip:pbx1@example.com", hs, next_cseq_++));
        ASSERT_EQ(r.status, 200) << r.reason;
        for (const auto& h : r.headers)
            EXPECT_EQ(h.find("gruu"), std::string::npos) << h;
    }
}

// RFC 6140 §5.3 (the "user" parameter): URI parameters of the bnc Contact, user=phone
// among them, stay in every Request-URI made from it.
TEST_P(GinRegistrarTest, UserPhoneOnTheBncContactReachesEveryNumbersRequestUri) {
    auto hs = k_gin_headers;
    hs[0] = "Contact: <sip:198.51.100.3:5061;transport=tls;bnc;user=phone>";
    ASSERT_EQ(handle(register_of("sip:pbx1@example.com", hs)).status, 200);
    GinLocationView view(*store_, registrar_->gin_trunks());
    auto found = view.lookup("sip:+15551230042@example.com", k_now);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].contact, "sip:+15551230042@198.51.100.3:5061;transport=tls;user=phone");
}

// RFC 6140 §7.3: a trunk may register over an Outbound flow; the number's binding is the
// trunk's, flow included.
TEST_P(GinRegistrarTest, ATrunksOutboundFlowCarriesItsNumbers) {
    auto hs = k_gin_headers;
    hs[0] =
        "Contact: <sip:198.51.100.3:5061;transport=tls;bnc;ob>;reg-id=1;"
        "+sip.instance=\"<urn:uuid:00000000-0000-4000-8000-0000000000b1>\"";
    hs.push_back("Supported: outbound");
    auto r = handle(register_of("sip:pbx1@example.com", hs));
    ASSERT_EQ(r.status, 200) << r.reason;
    EXPECT_TRUE(has_header(r, "Require: outbound"));
    GinLocationView view(*store_, registrar_->gin_trunks());
    auto found = view.lookup("sip:+15551230042@example.com", k_now);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].contact, "sip:+15551230042@198.51.100.3:5061;transport=tls;ob");
    EXPECT_TRUE(found[0].is_own_flow());
    EXPECT_EQ(found[0].source, "tls:198.51.100.3:40001");
}

TEST_P(GinRegistrarTest, TheTrunkDeregistersWithExpiresZero) {
    ASSERT_EQ(handle(register_of("sip:pbx1@example.com", k_gin_headers)).status, 200);
    auto hs = k_gin_headers;
    hs.back() = "Expires: 0";
    auto r = handle(register_of("sip:pbx1@example.com", hs, 2));
    ASSERT_EQ(r.status, 200) << r.reason;
    EXPECT_EQ(store_->size(), 0u);
}

TEST_P(GinRegistrarTest, TheViewSendsATrunkNumberToTheBncContactAcrossARestart) {
    ASSERT_EQ(handle(register_of("sip:pbx1@example.com", k_gin_headers)).status, 200);
    if (GetParam() == "sqlite") reopen();
    GinLocationView view(*store_, registrar_->gin_trunks());
    auto found = view.lookup("sip:+15551230042@example.com", k_now);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].contact, "sip:+15551230042@198.51.100.3:5061;transport=tls");
    EXPECT_EQ(found[0].source, "tls:198.51.100.3:40001");
    EXPECT_EQ(view.lookup("sip:sales@example.com", k_now)[0].contact,
              "sip:sales@198.51.100.3:5061;transport=tls");
    EXPECT_TRUE(view.lookup("sip:+15559870001@example.com", k_now).empty());  // pbx2: none
    EXPECT_TRUE(view.lookup("sip:+15550000000@example.com", k_now).empty());  // nobody's
}

// RFC 6140 §9.1: Proxy-Require: gin asks every proxy on the bulk REGISTER's path to know
// the extension; happysipd as a proxy (the [edge] role relays REGISTERs) does.
TEST(GinProxyRequire, ARelayingProxyUnderstandsGin) {
    const proxy::LocalIdentity self({"example.net"}, {{"udp", "192.0.2.1", 5060}});
    auto relayed = register_of("sip:pbx1@example.com", k_gin_headers);
    EXPECT_FALSE(proxy::check_request(relayed, self).has_value());
    auto hs = k_gin_headers;
    hs.push_back("Proxy-Require: frobnicate");
    auto rejected = proxy::check_request(register_of("sip:pbx1@example.com", hs), self);
    ASSERT_TRUE(rejected.has_value());
    EXPECT_EQ(rejected->status, 420);
    EXPECT_EQ(rejected->headers, std::vector<std::string>{"Unsupported: frobnicate"});
}

INSTANTIATE_TEST_SUITE_P(Stores, GinRegistrarTest, ::testing::Values("memory", "sqlite"));

Binding bound(std::string aor, std::string contact, std::vector<std::string> path = {}) {
    Binding b;
    b.aor = std::move(aor);
    b.contact = std::move(contact);
    b.expires_at = k_now + 600;
    b.path = std::move(path);
    return b;
}

TEST(GinLocationView, ANumberRegisteredByItsOwnUaStaysWithIt) {
    MemoryLocationStore store;
    const GinTrunks trunks({pbx1()});
    store.replace("sip:pbx1@example.com", {bound("sip:pbx1@example.com", "sip:198.51.100.3;bnc")});
    store.replace("sip:+15551230007@example.com",
                  {bound("sip:+15551230007@example.com", "sip:desk7@192.0.2.7")});
    GinLocationView view(store, trunks);
    auto found = view.lookup("sip:+15551230007@example.com", k_now);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].contact, "sip:desk7@192.0.2.7");
}

TEST(GinLocationView, TheBncMarkIsFoundInAnyCase) {
    MemoryLocationStore store;
    const GinTrunks trunks({pbx1()});
    store.replace("sip:pbx1@example.com", {bound("sip:pbx1@example.com", "sip:198.51.100.3;BNC")});
    GinLocationView view(store, trunks);
    auto found = view.lookup("sip:+15551230042@example.com", k_now);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].contact, "sip:+15551230042@198.51.100.3");
}

TEST(GinLocationView, OnlyTheTrunksBncBindingsTakeItsNumbersWithTheirPath) {
    MemoryLocationStore store;
    const GinTrunks trunks({pbx1()});
    store.replace("sip:pbx1@example.com", {bound("sip:pbx1@example.com", "sip:pbx1@198.51.100.9"),
                                           bound("sip:pbx1@example.com", "sip:198.51.100.3;bnc",
                                                 {"<sip:edge.example.com;lr>"})});
    GinLocationView view(store, trunks);
    auto found = view.lookup("sip:+15551230042@example.com", k_now);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].contact, "sip:+15551230042@198.51.100.3");
    EXPECT_EQ(found[0].path, std::vector<std::string>{"<sip:edge.example.com;lr>"});
    // The trunk's own AOR: both bindings, the bnc one with the PBX's own name in it.
    auto own = view.lookup("sip:pbx1@example.com", k_now);
    ASSERT_EQ(own.size(), 2u);
    EXPECT_EQ(own[0].contact, "sip:pbx1@198.51.100.9");
    EXPECT_EQ(own[1].contact, "sip:pbx1@198.51.100.3");
}

}  // namespace
}  // namespace happysip::registrar

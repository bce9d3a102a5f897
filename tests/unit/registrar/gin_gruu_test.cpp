// RFC 6140 §7.1: GRUUs for a SIP-PBX's bulk registration. The public GRUU names no number
// (the PBX adds one and an "sg" for its UA); a request to a GRUU the PBX made from ours
// reaches the trunk's binding of that instance with the number in the Request-URI and
// the "sg" carried along, and one to our temp GRUU (with the PBX's "sg") likewise.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "happysip/proxy/gruu.hpp"
#include "happysip/proxy/route_processing.hpp"
#include "happysip/proxy/target_set.hpp"
#include "happysip/registrar/gin.hpp"
#include "happysip/registrar/gin_location_view.hpp"
#include "happysip/registrar/memory_location_store.hpp"

namespace happysip::registrar {
namespace {

constexpr std::int64_t k_now = 1'800'000'000;
constexpr std::string_view k_instance = "<urn:uuid:00000000-0000-4000-8000-0000000000b1>";
const proxy::LocalIdentity k_self({"example.com"}, {{"udp", "192.0.2.1", 5060}});

sip::Uri uri_of(const std::string& text) {
    auto u = sip::parse_uri(text);
    EXPECT_TRUE(u) << text;
    return u ? u.value() : sip::Uri{};
}

TEST(GinPublicGruu, IsTheTrunkDomainWithBncAndTheInstance) {
    EXPECT_EQ(gin_public_gruu("sip:pbx1@example.com", k_instance),
              "sip:example.com;bnc;gr=urn:uuid:00000000-0000-4000-8000-0000000000b1");
    EXPECT_EQ(gin_public_gruu("sip:pbx1@example.com:5070", "<urn:uuid:x>"),
              "sip:example.com:5070;bnc;gr=urn:uuid:x");
}

TEST(CopyGinSg, TheRequestsSgGoesOntoTheTarget) {
    const std::string gruu = "sip:+15551230042@example.com;gr=urn:uuid:x;sg=dev7";
    const sip::Uri request_uri = uri_of(gruu);
    std::string target = "sip:+15551230042@198.51.100.3;transport=tls";
    copy_gin_sg(target, request_uri);
    EXPECT_EQ(target, "sip:+15551230042@198.51.100.3;transport=tls;sg=dev7");
    copy_gin_sg(target, request_uri);  // never twice
    EXPECT_EQ(target, "sip:+15551230042@198.51.100.3;transport=tls;sg=dev7");
    // Parameters come before a headers component.
    std::string with_headers = "sip:desk@192.0.2.7?Subject=x";
    copy_gin_sg(with_headers, request_uri);
    EXPECT_EQ(with_headers, "sip:desk@192.0.2.7;sg=dev7?Subject=x");
    // Without "sg" in the request, nothing changes.
    const std::string no_sg_text = "sip:+15551230042@example.com;gr=urn:uuid:x";
    std::string untouched = "sip:+15551230042@198.51.100.3";
    copy_gin_sg(untouched, uri_of(no_sg_text));
    EXPECT_EQ(untouched, "sip:+15551230042@198.51.100.3");
}

sip::Message invite(const std::string& ruri) {
    std::string text = "INVITE " + ruri +
                       " SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKg1\r\n"
                       "From: <sip:alice@example.com>;tag=a1\r\nTo: <" +
                       ruri +
                       ">\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
                       "Content-Length: 0\r\n\r\n";
    auto m = sip::parse_message(text);
    EXPECT_TRUE(m) << m.error().to_string();
    return std::move(m).value();
}

class GinGruuRouting : public ::testing::Test {
  protected:
    GinGruuRouting() : trunks_({GinTrunk{"sip:pbx1@example.com", {pbx1_block()}}}) {
        Binding b;
        b.aor = "sip:pbx1@example.com";
        b.contact = "sip:198.51.100.3:5061;transport=tls;bnc";
        b.instance = std::string(k_instance);
        b.call_id = "reg-1@pbx";
        b.expires_at = k_now + 600;
        store_.replace(b.aor, {b});
    }
    static GinPattern pbx1_block() {
        return parse_gin_pattern("sip:+1555123*@example.com").pattern.value();
    }
    proxy::TargetSet targets_of(const std::string& ruri) {
        auto m = invite(ruri);
        auto pre = proxy::preprocess_routes(m, k_self);
        return proxy::find_targets(m, pre, k_self, view_, k_now, &codec_);
    }

    MemoryLocationStore store_;
    GinTrunks trunks_;
    GinLocationView view_{store_, trunks_};
    proxy::GruuCodec codec_{"gin-gruu-test-secret"};
};

// The PBX's GRUU for one of its UAs: a number put in, "sg" added; the PBX may keep "bnc".
TEST_F(GinGruuRouting, APublicGruuWithANumberAndSgReachesTheInstanceWithBoth) {
    for (const std::string bnc : {"", ";bnc"}) {
        auto set = targets_of("sip:+15551230042@example.com" + bnc +
                              ";gr=urn:uuid:00000000-0000-4000-8000-0000000000b1;sg=dev7");
        ASSERT_EQ(set.kind, proxy::TargetSet::Kind::forward) << bnc;
        ASSERT_EQ(set.targets.size(), 1u);
        EXPECT_EQ(set.targets[0].uri, "sip:+15551230042@198.51.100.3:5061;transport=tls;sg=dev7");
    }
}

TEST_F(GinGruuRouting, AnotherInstancesGruuFindsNoBinding) {
    auto set = targets_of(
        "sip:+15551230042@example.com;gr=urn:uuid:00000000-0000-4000-8000-"
        "0000000000ff;sg=dev7");
    EXPECT_EQ(set.kind, proxy::TargetSet::Kind::no_bindings);
}

TEST_F(GinGruuRouting, TheNumberItselfGetsNoSg) {
    auto set = targets_of("sip:+15551230042@example.com;sg=dev7");
    ASSERT_EQ(set.targets.size(), 1u);
    EXPECT_EQ(set.targets[0].uri, "sip:+15551230042@198.51.100.3:5061;transport=tls");
}

// §7.1.2: the temp GRUU is opaque (no number in it); the PBX adds its "sg" and gets the
// request with it, addressed to the trunk by its own name.
TEST_F(GinGruuRouting, OurTempGruuWithThePbxsSgReachesTheTrunkWithTheSg) {
    const std::string temp =
        codec_.temp_gruu("sip:pbx1@example.com", k_instance, "reg-1@pbx", "example.com", 7);
    auto set = targets_of(temp + ";sg=dev7");
    ASSERT_EQ(set.kind, proxy::TargetSet::Kind::forward);
    ASSERT_EQ(set.targets.size(), 1u);
    EXPECT_EQ(set.targets[0].uri, "sip:pbx1@198.51.100.3:5061;transport=tls;sg=dev7");
    // A temp GRUU of an earlier registration (another Call-ID) reaches nobody.
    const std::string stale =
        codec_.temp_gruu("sip:pbx1@example.com", k_instance, "reg-0@pbx", "example.com", 8);
    EXPECT_EQ(targets_of(stale + ";sg=dev7").kind, proxy::TargetSet::Kind::no_bindings);
}

// The pub-gruu as the registrar hands it out names no number: nobody to call until the
// PBX has put one in.
TEST_F(GinGruuRouting, TheBarePublicGruuNamesNobody) {
    auto set = targets_of(gin_public_gruu("sip:pbx1@example.com", k_instance));
    EXPECT_EQ(set.kind, proxy::TargetSet::Kind::not_found);
}

}  // namespace
}  // namespace happysip::registrar

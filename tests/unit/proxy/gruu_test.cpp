// RFC 5627 GRUUs: made by the registrar's maker, read back by the proxy's target set.
#include "happysip/proxy/gruu.hpp"

#include <gtest/gtest.h>

#include <string>

#include "happysip/proxy/route_processing.hpp"
#include "happysip/proxy/target_set.hpp"
#include "happysip/registrar/memory_location_store.hpp"

namespace happysip::proxy {
namespace {

constexpr std::int64_t k_now = 1'800'000'000;
const std::string k_instance = "<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>";
const GruuCodec k_codec("the proxy's gruu secret");

// The URI's views point into `text`, so it is kept alongside.
struct ParsedUri {
    std::string text;
    sip::Uri uri;
};
ParsedUri parsed(std::string text) {
    ParsedUri p{std::move(text), {}};
    auto uri = sip::parse_uri(p.text);
    EXPECT_TRUE(uri) << p.text << ": " << uri.error().to_string();
    if (uri) p.uri = uri.value();
    return p;
}

TEST(Gruu, PublicGruuIsTheAorWithTheInstanceAsGr) {
    EXPECT_EQ(public_gruu("sip:alice@example.com", k_instance),
              "sip:alice@example.com;gr=urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6");
    auto p = parsed(public_gruu("sip:alice@example.com", k_instance));
    auto target = k_codec.target_of(p.uri);
    ASSERT_TRUE(target);
    EXPECT_EQ(target->aor, "sip:alice@example.com");
    EXPECT_EQ(target->instance, k_instance);
    EXPECT_FALSE(target->call_id_tag);
}

TEST(Gruu, TempGruuIsOpaqueDifferentEachTimeAndReadsBack) {
    const std::string a =
        k_codec.temp_gruu("sip:alice@example.com", k_instance, "reg-1@ua", "example.com", 1);
    const std::string b =
        k_codec.temp_gruu("sip:alice@example.com", k_instance, "reg-1@ua", "example.com", 2);
    EXPECT_NE(a, b);  // §3.2: a new one on every refresh; nobody can tell they are alice's
    for (const auto& gruu : {a, b}) {
        EXPECT_TRUE(gruu.starts_with("sip:tgruu.")) << gruu;
        EXPECT_TRUE(gruu.ends_with("@example.com;gr")) << gruu;
        EXPECT_EQ(gruu.find("alice"), std::string::npos) << gruu;  // §5.3: no AOR in sight
        EXPECT_EQ(gruu.find("f81d4fae"), std::string::npos) << gruu;
        auto p = parsed(gruu);
        auto target = k_codec.target_of(p.uri);
        ASSERT_TRUE(target) << gruu;
        EXPECT_EQ(target->aor, "sip:alice@example.com");
        EXPECT_EQ(target->instance, k_instance);
        EXPECT_EQ(target->call_id_tag, k_codec.call_id_tag("reg-1@ua"));
    }
}

TEST(Gruu, ForgedTempGruusAndPlainUrisNameNobody) {
    std::string gruu =
        k_codec.temp_gruu("sip:alice@example.com", k_instance, "c", "example.com", 7);
    const auto at = gruu.find('@');
    for (std::size_t i : {std::size_t{10}, at / 2, at - 1}) {  // flip one character
        std::string forged = gruu;
        forged[i] = forged[i] == 'A' ? 'B' : 'A';
        auto p = parsed(forged);
        EXPECT_FALSE(k_codec.target_of(p.uri)) << forged;
    }
    auto p = parsed(gruu);
    EXPECT_FALSE(GruuCodec("another secret").target_of(p.uri));
    auto plain = parsed("sip:alice@example.com");
    EXPECT_FALSE(k_codec.target_of(plain.uri));
    auto short_one = parsed("sip:tgruu.AAAA@example.com;gr");
    EXPECT_FALSE(k_codec.target_of(short_one.uri));
}

registrar::Binding instance_binding(std::string contact, std::string instance,
                                    std::string call_id) {
    registrar::Binding b;
    b.aor = "sip:alice@example.com";
    b.contact = std::move(contact);
    b.instance = std::move(instance);
    b.call_id = std::move(call_id);
    b.expires_at = k_now + 3600;
    return b;
}

TargetSet targets_for(const std::string& ruri, registrar::LocationStore& store) {
    const std::string text = "INVITE " + ruri +
                             " SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKg\r\n"
                             "From: <sip:bob@example.com>;tag=b\r\nTo: <" +
                             ruri +
                             ">\r\nCall-ID: g1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
                             "Content-Length: 0\r\n\r\n";
    auto m = sip::parse_message(text);
    EXPECT_TRUE(m) << m.error().to_string();
    const LocalIdentity self({"example.com"}, {{"udp", "192.0.2.1", 5060}});
    auto pre = preprocess_routes(m.value(), self);
    return find_targets(m.value(), pre, self, store, k_now, &k_codec);
}

TEST(Gruu, AGruuReachesItsInstanceOnly) {
    registrar::MemoryLocationStore store;
    const std::string other = "<urn:uuid:00000000-0000-1000-8000-000000000002>";
    store.replace("sip:alice@example.com",
                  {instance_binding("sip:alice@192.0.2.10", k_instance, "desk@ua"),
                   instance_binding("sip:alice@192.0.2.11", other, "mobile@ua"),
                   instance_binding("sip:alice@192.0.2.12", "", "old@ua")});
    auto all = targets_for("sip:alice@example.com", store);
    EXPECT_EQ(all.targets.size(), 3u);

    auto pub = targets_for(public_gruu("sip:alice@example.com", k_instance), store);
    ASSERT_EQ(pub.kind, TargetSet::Kind::forward);
    ASSERT_EQ(pub.targets.size(), 1u);
    EXPECT_EQ(pub.targets[0].uri, "sip:alice@192.0.2.10");

    auto temp = targets_for(
        k_codec.temp_gruu("sip:alice@example.com", other, "mobile@ua", "example.com", 9), store);
    ASSERT_EQ(temp.targets.size(), 1u);
    EXPECT_EQ(temp.targets[0].uri, "sip:alice@192.0.2.11");

    // §3.2: a temp GRUU lasts as long as the registration's Call-ID: after the phone
    // registered anew (another Call-ID) it reaches nobody.
    auto stale = targets_for(
        k_codec.temp_gruu("sip:alice@example.com", other, "before-reboot@ua", "example.com", 10),
        store);
    EXPECT_EQ(stale.kind, TargetSet::Kind::no_bindings);

    auto forged =
        targets_for("sip:tgruu.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA@example.com;gr", store);
    EXPECT_EQ(forged.kind, TargetSet::Kind::not_found);
}

}  // namespace
}  // namespace happysip::proxy

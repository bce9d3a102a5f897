#include "happysip/registrar/registrar.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include <string>
#include <vector>

#include "happysip/registrar/aor.hpp"
#include "happysip/registrar/memory_location_store.hpp"
#include "happysip/sip/uri.hpp"
#include "happysip/store/sqlite_location_store.hpp"
#include "register_request.hpp"

namespace happysip::registrar {
namespace {

constexpr std::int64_t k_now = 1'800'000'000;

// A REGISTER for alice@example.com with the given extra header lines.
sip::Message register_with(std::vector<std::string> headers, std::uint32_t cseq = 1,
                           std::string call_id = "reg-1@ua",
                           std::string to = "sip:alice@example.com") {
    return register_request(to, headers, cseq, call_id);
}

// Every test runs against the in-memory store and against SQLite (a real file).
class RegistrarTest : public ::testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        if (GetParam() == "sqlite") {
            char tmpl[] = "/tmp/happysip-registrar-XXXXXX";
            ASSERT_NE(mkdtemp(tmpl), nullptr);
            dir_ = tmpl;
            std::string error;
            auto sqlite = store::SqliteLocationStore::open(dir_ + "/location.sqlite", error);
            ASSERT_NE(sqlite, nullptr) << error;
            owned_ = std::move(sqlite);
        } else {
            owned_ = std::make_unique<MemoryLocationStore>();
        }
        RegistrarConfig c;
        c.domains = {"example.com"};
        registrar_ = std::make_unique<Registrar>(c, *owned_);
    }
    void TearDown() override {
        registrar_.reset();
        owned_.reset();
        if (!dir_.empty()) std::filesystem::remove_all(dir_);
    }
    RegisterContext at(std::int64_t now, std::string user = {}) {
        return {now, "udp:[2001:db8::2]:5060", std::move(user)};
    }
    std::vector<std::string> contacts_of(const RegisterReply& r) {
        std::vector<std::string> out;
        for (const auto& h : r.headers)
            if (h.starts_with("Contact: ")) out.push_back(h.substr(9));
        return out;
    }
    std::unique_ptr<LocationStore> owned_;
    std::unique_ptr<Registrar> registrar_;
    std::string dir_;
    // Named like members so the tests read naturally.
    struct StoreRef {
        RegistrarTest* t;
        std::vector<Binding> lookup(std::string_view aor, std::int64_t now) {
            return t->owned_->lookup(aor, now);
        }
        std::size_t size() { return t->owned_->size(); }
        std::size_t purge_expired(std::int64_t now) { return t->owned_->purge_expired(now); }
    } store{this};
    struct RegistrarRef {
        RegistrarTest* t;
        RegisterReply handle(const sip::Message& m, const RegisterContext& c) {
            return t->registrar_->handle(m, c);
        }
    } registrar{this};
};

INSTANTIATE_TEST_SUITE_P(Stores, RegistrarTest, ::testing::Values("memory", "sqlite"),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                             return param_info.param;
                         });

TEST_P(RegistrarTest, NewBindingIsStoredAndListedWithItsExpiry) {
    auto reply = registrar.handle(
        register_with({"Contact: <sip:alice@[2001:db8::2]:5060>", "Expires: 600"}), at(k_now));
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(contacts_of(reply),
              std::vector<std::string>{"<sip:alice@[2001:db8::2]:5060>;expires=600"});
    ASSERT_EQ(store.lookup("sip:alice@example.com", k_now).size(), 1u);
    EXPECT_EQ(store.lookup("sip:alice@example.com", k_now)[0].expires_at, k_now + 600);
    EXPECT_EQ(store.lookup("sip:alice@example.com", k_now)[0].source, "udp:[2001:db8::2]:5060");
}

TEST_P(RegistrarTest, ResponseCarriesADateHeader) {
    // RFC 3261 §10.3 step 8; 1800000000 is Fri, 15 Jan 2027 08:00:00 GMT.
    auto reply = registrar.handle(register_with({"Contact: <sip:alice@192.0.2.2>"}), at(k_now));
    EXPECT_NE(std::find(reply.headers.begin(), reply.headers.end(),
                        "Date: Fri, 15 Jan 2027 08:00:00 GMT"),
              reply.headers.end());
}

TEST_P(RegistrarTest, ContactExpiresParameterWinsOverTheHeader) {
    auto reply = registrar.handle(
        register_with({"Contact: <sip:alice@192.0.2.2>;expires=120", "Expires: 600"}), at(k_now));
    EXPECT_EQ(contacts_of(reply), std::vector<std::string>{"<sip:alice@192.0.2.2>;expires=120"});
}

TEST_P(RegistrarTest, DefaultExpiryIsOneHourAndLongRequestsAreShortened) {
    auto reply = registrar.handle(register_with({"Contact: <sip:alice@192.0.2.2>"}), at(k_now));
    EXPECT_EQ(contacts_of(reply), std::vector<std::string>{"<sip:alice@192.0.2.2>;expires=3600"});
    reply = registrar.handle(register_with({"Contact: <sip:alice@192.0.2.2>;expires=999999"}, 2),
                             at(k_now));
    EXPECT_EQ(contacts_of(reply), std::vector<std::string>{"<sip:alice@192.0.2.2>;expires=86400"});
}

TEST_P(RegistrarTest, TooBriefIntervalGets423WithMinExpires) {
    auto reply =
        registrar.handle(register_with({"Contact: <sip:alice@192.0.2.2>;expires=10"}), at(k_now));
    EXPECT_EQ(reply.status, 423);
    EXPECT_EQ(reply.headers, std::vector<std::string>{"Min-Expires: 60"});
    EXPECT_EQ(store.size(), 0u);
}

TEST_P(RegistrarTest, RefreshWithHigherCSeqUpdatesTheBinding) {
    registrar.handle(register_with({"Contact: <sip:alice@192.0.2.2>", "Expires: 600"}, 1),
                     at(k_now));
    auto reply = registrar.handle(
        register_with({"Contact: <sip:alice@192.0.2.2>", "Expires: 600"}, 2), at(k_now + 300));
    EXPECT_EQ(reply.status, 200);
    auto bindings = store.lookup("sip:alice@example.com", k_now + 300);
    ASSERT_EQ(bindings.size(), 1u);
    EXPECT_EQ(bindings[0].expires_at, k_now + 900);
    EXPECT_EQ(bindings[0].cseq, 2u);
}

TEST_P(RegistrarTest, SameCallIdWithoutHigherCSeqIsRejected) {
    // RFC 3261 §10.3 step 7: an out-of-order REGISTER must not undo a newer one.
    registrar.handle(register_with({"Contact: <sip:alice@192.0.2.2>"}, 5), at(k_now));
    auto reply =
        registrar.handle(register_with({"Contact: <sip:alice@192.0.2.2>;expires=0"}, 4), at(k_now));
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(store.lookup("sip:alice@example.com", k_now).size(), 1u);
}

TEST_P(RegistrarTest, AnotherDeviceAddsASecondBinding) {
    registrar.handle(register_with({"Contact: <sip:alice@192.0.2.2>"}, 1, "desk@ua"), at(k_now));
    auto reply = registrar.handle(
        register_with({"Contact: <sip:alice@[2001:db8::7]>;q=0.5"}, 1, "phone@ua"), at(k_now));
    EXPECT_EQ(contacts_of(reply),
              (std::vector<std::string>{"<sip:alice@192.0.2.2>;expires=3600",
                                        "<sip:alice@[2001:db8::7]>;expires=3600;q=0.500"}));
}

TEST_P(RegistrarTest, UriComparisonFollowsRfc3261ForMatchingBindings) {
    // §19.1.4: the host is case-insensitive, so this refreshes the binding.
    registrar.handle(register_with({"Contact: <sip:alice@HOST.example.net>"}, 1), at(k_now));
    registrar.handle(register_with({"Contact: <sip:alice@host.example.net>"}, 2), at(k_now));
    EXPECT_EQ(store.lookup("sip:alice@example.com", k_now).size(), 1u);
}

TEST_P(RegistrarTest, ExpiresZeroRemovesOneBinding) {
    registrar.handle(register_with({"Contact: <sip:alice@192.0.2.2>, <sip:alice@192.0.2.3>"}, 1),
                     at(k_now));
    auto reply =
        registrar.handle(register_with({"Contact: <sip:alice@192.0.2.2>;expires=0"}, 2), at(k_now));
    EXPECT_EQ(contacts_of(reply), std::vector<std::string>{"<sip:alice@192.0.2.3>;expires=3600"});
}

TEST_P(RegistrarTest, StarWithExpiresZeroRemovesEveryBinding) {
    registrar.handle(register_with({"Contact: <sip:alice@192.0.2.2>, <sip:alice@192.0.2.3>"}, 1),
                     at(k_now));
    auto reply = registrar.handle(register_with({"Contact: *", "Expires: 0"}, 2), at(k_now));
    EXPECT_EQ(reply.status, 200);
    EXPECT_TRUE(contacts_of(reply).empty());
    EXPECT_EQ(store.size(), 0u);
}

TEST_P(RegistrarTest, StarWithoutExpiresZeroIsABadRequest) {
    EXPECT_EQ(registrar.handle(register_with({"Contact: *"}), at(k_now)).status, 400);
    EXPECT_EQ(registrar.handle(register_with({"Contact: *", "Expires: 60"}), at(k_now)).status,
              400);
    EXPECT_EQ(
        registrar.handle(register_with({"Contact: *, <sip:a@192.0.2.2>", "Expires: 0"}), at(k_now))
            .status,
        400);
}

TEST_P(RegistrarTest, RegisterWithoutContactQueriesBindings) {
    registrar.handle(register_with({"Contact: <sip:alice@192.0.2.2>"}, 1), at(k_now));
    auto reply = registrar.handle(register_with({}, 2), at(k_now + 100));
    EXPECT_EQ(contacts_of(reply), std::vector<std::string>{"<sip:alice@192.0.2.2>;expires=3500"});
}

TEST_P(RegistrarTest, ForeignDomainsAreNotServed) {
    auto m = register_with({"Contact: <sip:alice@192.0.2.2>"}, 1, "c", "sip:alice@elsewhere.net");
    EXPECT_EQ(registrar.handle(m, at(k_now)).status, 404);
}

TEST_P(RegistrarTest, UnknownRequiredExtensionGets420) {
    auto reply = registrar.handle(
        register_with({"Contact: <sip:alice@192.0.2.2>", "Require: path, foo"}), at(k_now));
    EXPECT_EQ(reply.status, 420);
    EXPECT_EQ(reply.headers, std::vector<std::string>{"Unsupported: foo"});
}

TEST_P(RegistrarTest, PathIsStoredAndEchoedToAUaThatSupportsIt) {
    // RFC 3327 §5.3.
    auto reply = registrar.handle(
        register_with({"Contact: <sip:alice@192.0.2.2>", "Path: <sip:edge1.example.com;lr>",
                       "Path: <sip:edge2.example.com;lr>", "Supported: path"}),
        at(k_now));
    EXPECT_EQ(
        store.lookup("sip:alice@example.com", k_now)[0].path,
        (std::vector<std::string>{"<sip:edge1.example.com;lr>", "<sip:edge2.example.com;lr>"}));
    EXPECT_NE(
        std::find(reply.headers.begin(), reply.headers.end(), "Path: <sip:edge1.example.com;lr>"),
        reply.headers.end());
    auto quiet = registrar.handle(
        register_with({"Contact: <sip:alice@192.0.2.2>", "Path: <sip:edge1.example.com;lr>"}, 2),
        at(k_now));
    for (const auto& h : quiet.headers)
        EXPECT_FALSE(h.starts_with("Path:")) << h;
}

const std::string k_instance = "+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>\"";

// An Outbound Contact of alice's one instance on 192.0.2.2.
std::string flow_contact(int reg_id = 1) {
    return "Contact: <sip:alice@192.0.2.2>;" + k_instance + ";reg-id=" + std::to_string(reg_id);
}

bool has_header(const RegisterReply& r, std::string_view line) {
    return std::find(r.headers.begin(), r.headers.end(), line) != r.headers.end();
}

TEST_P(RegistrarTest, SameInstanceAndRegIdReplacesTheOldContact) {
    // RFC 5626 §6: a UA that moved (new address) keeps one binding per instance and reg-id.
    registrar.handle(register_with({flow_contact(), "Supported: outbound"}, 1), at(k_now));
    auto reply = registrar.handle(
        register_with({"Contact: <sip:alice@[2001:db8::9]>;" + k_instance + ";reg-id=1",
                       "Supported: path, outbound"},
                      1, "new-call"),
        at(k_now));
    ASSERT_EQ(contacts_of(reply).size(), 1u);
    EXPECT_TRUE(has_header(reply, "Require: outbound"));
    auto bindings = store.lookup("sip:alice@example.com", k_now);
    ASSERT_EQ(bindings.size(), 1u);
    EXPECT_EQ(bindings[0].contact, "sip:alice@[2001:db8::9]");
    EXPECT_EQ(bindings[0].instance, "<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>");
    EXPECT_EQ(bindings[0].reg_id, 1u);
    // Registered directly (one Via, no Path): the binding's flow is where it came from.
    EXPECT_EQ(bindings[0].source, "udp:[2001:db8::2]:5060");
    EXPECT_TRUE(bindings[0].path.empty());
}

// The reply says whether this request registered an Outbound flow that ends here (the
// daemon then tracks its keep-alives, RFC 5626 §5.2) and how many bindings the AOR has.
TEST_P(RegistrarTest, ReplySaysWhenItRegisteredAFlowEndingHere) {
    auto reply =
        registrar.handle(register_with({flow_contact(), "Supported: outbound"}, 1), at(k_now));
    ASSERT_EQ(reply.status, 200);
    EXPECT_TRUE(reply.own_flow);
    EXPECT_EQ(reply.bindings, 1u);
    // The same flow from another source: the binding moved there; the request's source
    // is the flow, so still its own.
    RegisterContext moved = at(k_now);
    moved.source = "udp:192.0.2.77:5060";
    reply = registrar.handle(register_with({flow_contact(), "Supported: outbound"}, 2), moved);
    EXPECT_TRUE(reply.own_flow);
    // Behind an edge (Path): the edge's flow, not ours.
    reply = registrar.handle(
        register_with(
            {flow_contact(), "Supported: outbound", "Path: <sip:tok@edge.example.com;lr;ob>"}, 3),
        at(k_now));
    ASSERT_EQ(reply.status, 200);
    EXPECT_FALSE(reply.own_flow);
    // A plain binding beside it: no flow, and the AOR now has two bindings.
    reply =
        registrar.handle(register_with({"Contact: <sip:alice@192.0.2.5>"}, 1, "plain"), at(k_now));
    ASSERT_EQ(reply.status, 200);
    EXPECT_FALSE(reply.own_flow);
    EXPECT_EQ(reply.bindings, 2u);
}

TEST_P(RegistrarTest, TwoFlowsOfOneInstanceAreTwoBindings) {
    // RFC 5626 §4.2: one binding per reg-id, each on its own flow.
    for (std::uint32_t reg_id : {1u, 2u}) {
        RegisterContext c = at(k_now);
        c.source = "tcp:[2001:db8::2]:4900" + std::to_string(reg_id);
        auto reply =
            registrar.handle(register_with({"Contact: <sip:alice@[2001:db8::2];transport=tcp;ob>;" +
                                                k_instance + ";reg-id=" + std::to_string(reg_id),
                                            "Supported: outbound"},
                                           reg_id, "flow-" + std::to_string(reg_id)),
                             c);
        EXPECT_EQ(reply.status, 200);
    }
    auto bindings = store.lookup("sip:alice@example.com", k_now);
    ASSERT_EQ(bindings.size(), 2u);
    EXPECT_NE(bindings[0].source, bindings[1].source);
}

TEST_P(RegistrarTest, LatestFlowComesFirstAmongThoseExpiringInTheSameSecond) {
    // Two flows registered within one second expire in the same second; the later one is
    // the one a proxy tries first, even when it is a refresh of an older binding.
    std::uint32_t cseq = 0;
    for (std::uint32_t reg_id : {1u, 2u, 1u}) {
        RegisterContext c = at(k_now);
        c.source = "tcp:192.0.2.2:4900" + std::to_string(reg_id);
        auto reply = registrar.handle(register_with({flow_contact(static_cast<int>(reg_id)),
                                                     "Supported: outbound", "Expires: 600"},
                                                    ++cseq, "flow-" + std::to_string(reg_id)),
                                      c);
        ASSERT_EQ(reply.status, 200);
        auto bindings = store.lookup("sip:alice@example.com", k_now);
        ASSERT_FALSE(bindings.empty());
        EXPECT_EQ(bindings[0].reg_id, reg_id);
    }
}

TEST_P(RegistrarTest, FlowTimerIsSentWhenTheFlowEndsHere) {
    RegistrarConfig c;
    c.domains = {"example.com"};
    c.flow_timer = 120;
    Registrar with_timer(c, *owned_);
    auto reply =
        with_timer.handle(register_with({flow_contact(), "Supported: outbound"}), at(k_now));
    EXPECT_TRUE(has_header(reply, "Flow-Timer: 120"));
    // Behind an edge proxy the edge owns the flow and its keep-alive interval.
    reply = with_timer.handle(
        register_with(
            {flow_contact(), "Supported: outbound", "Path: <sip:tok@edge.example.com;lr;ob>"}, 2),
        at(k_now));
    EXPECT_EQ(reply.status, 200);
    EXPECT_TRUE(has_header(reply, "Require: outbound"));
    EXPECT_FALSE(has_header(reply, "Flow-Timer: 120"));
    // A plain registration gets neither.
    reply = with_timer.handle(
        register_with({"Contact: <sip:bob@192.0.2.3>"}, 1, "b", "sip:bob@example.com"), at(k_now));
    EXPECT_FALSE(has_header(reply, "Flow-Timer: 120"));
    EXPECT_FALSE(has_header(reply, "Require: outbound"));
}

TEST_P(RegistrarTest, RegIdWithoutSupportedOutboundFollowsRfc3261) {
    // RFC 5626 §6: the registrar ignores reg-id when Outbound is not in use; bindings then
    // match by URI, so a second contact is a second binding.
    registrar.handle(register_with({flow_contact()}), at(k_now));
    auto reply = registrar.handle(
        register_with({"Contact: <sip:alice@192.0.2.9>;" + k_instance + ";reg-id=1"}, 2),
        at(k_now));
    EXPECT_EQ(reply.status, 200);
    EXPECT_FALSE(has_header(reply, "Require: outbound"));
    auto bindings = store.lookup("sip:alice@example.com", k_now);
    ASSERT_EQ(bindings.size(), 2u);
    EXPECT_EQ(bindings[0].reg_id, 0u);
    EXPECT_EQ(bindings[1].reg_id, 0u);
}

TEST_P(RegistrarTest, RegIdWithoutInstanceIsIgnored) {
    auto reply = registrar.handle(
        register_with({"Contact: <sip:alice@192.0.2.2>;reg-id=1", "Supported: outbound"}),
        at(k_now));
    EXPECT_EQ(reply.status, 200);
    EXPECT_FALSE(has_header(reply, "Require: outbound"));
    EXPECT_EQ(store.lookup("sip:alice@example.com", k_now)[0].reg_id, 0u);
}

TEST_P(RegistrarTest, FirstHopWithoutOutboundGets439) {
    // RFC 5626 §6 and §11.6: a proxy between the UA and us that did not add a Path with
    // "ob" cannot keep the flow, so a UA that asked for Outbound is told so.
    const std::string contact = flow_contact();
    const std::string second_via = "Via: SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bKua";
    auto reply =
        registrar.handle(register_with({second_via, contact, "Supported: outbound"}), at(k_now));
    EXPECT_EQ(reply.status, 439);
    EXPECT_EQ(reply.reason, "First Hop Lacks Outbound Support");
    reply = registrar.handle(register_with({second_via, contact, "Supported: outbound, path",
                                            "Path: <sip:edge.example.com;lr>"}),
                             at(k_now));
    EXPECT_EQ(reply.status, 439);
    EXPECT_EQ(store.size(), 0u);
    reply = registrar.handle(register_with({second_via, contact, "Supported: outbound, path",
                                            "Path: <sip:tok@edge.example.com;lr;ob>"}),
                             at(k_now));
    EXPECT_EQ(reply.status, 200);
    EXPECT_TRUE(has_header(reply, "Require: outbound"));
    // Without Supported: outbound the UA did not ask: a plain binding, no 439.
    reply = registrar.handle(
        register_with({second_via, contact}, 1, "other-call", "sip:bob@example.com"), at(k_now));
    EXPECT_EQ(reply.status, 200);
    EXPECT_FALSE(has_header(reply, "Require: outbound"));
}

TEST_P(RegistrarTest, RegIdOnOneOfSeveralRegisteringContactsIs400) {
    auto reply = registrar.handle(
        register_with({flow_contact(), "Contact: <sip:alice@192.0.2.3>", "Supported: outbound"}),
        at(k_now));
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(store.size(), 0u);
    // Removing other contacts in the same request is fine: only one is registered.
    reply = registrar.handle(
        register_with(
            {flow_contact(), "Contact: <sip:alice@192.0.2.3>;expires=0", "Supported: outbound"}, 2),
        at(k_now));
    EXPECT_EQ(reply.status, 200);
}

TEST_P(RegistrarTest, GruusAreOfferedToAUaThatSupportsThem) {
    // RFC 5627 §5.2: pub-gruu and temp-gruu on each Contact with an instance.
    registrar_->make_gruus_with([](const Binding& b) {
        return Gruus{"sip:pub-of-" + b.call_id + "@example.com;gr=x", "sip:tgruu.t@example.com;gr"};
    });
    auto reply = registrar.handle(
        register_with({"Contact: <sip:alice@192.0.2.2>;" + k_instance, "Supported: gruu"}, 1, "g1"),
        at(k_now));
    ASSERT_EQ(contacts_of(reply).size(), 1u);
    EXPECT_NE(contacts_of(reply)[0].find(";pub-gruu=\"sip:pub-of-g1@example.com;gr=x\""),
              std::string::npos)
        << contacts_of(reply)[0];
    EXPECT_NE(contacts_of(reply)[0].find(";temp-gruu=\"sip:tgruu.t@example.com;gr\""),
              std::string::npos)
        << contacts_of(reply)[0];
    // Without Supported: gruu, or without an instance, there is nothing to offer.
    reply = registrar.handle(
        register_with({"Contact: <sip:alice@192.0.2.2>;" + k_instance}, 2, "g1"), at(k_now));
    EXPECT_EQ(contacts_of(reply)[0].find("gruu"), std::string::npos) << contacts_of(reply)[0];
    reply = registrar.handle(register_with({"Contact: <sip:bob@192.0.2.3>", "Supported: gruu"}, 1,
                                           "b", "sip:bob@example.com"),
                             at(k_now));
    EXPECT_EQ(contacts_of(reply)[0].find("gruu"), std::string::npos) << contacts_of(reply)[0];
}

TEST_P(RegistrarTest, AGruuCannotBeRegisteredAsAContact) {
    auto reply = registrar.handle(
        register_with({"Contact: <sip:alice@example.com;gr=urn:uuid:1>", "Supported: gruu"}),
        at(k_now));
    EXPECT_EQ(reply.status, 403);
    EXPECT_EQ(store.size(), 0u);
}

TEST_P(RegistrarTest, AuthenticatedUserMayOnlyRegisterItsOwnAor) {
    EXPECT_EQ(registrar.handle(register_with({"Contact: <sip:alice@192.0.2.2>"}), at(k_now, "bob"))
                  .status,
              403);
    EXPECT_EQ(
        registrar.handle(register_with({"Contact: <sip:alice@192.0.2.2>"}), at(k_now, "alice"))
            .status,
        200);
}

TEST_P(RegistrarTest, BindingFloodIsCapped) {
    std::string contacts = "Contact: ";
    for (int i = 0; i < 17; ++i)
        contacts +=
            (i ? ", " : "") + std::string("<sip:alice@192.0.2.") + std::to_string(i + 1) + ">";
    EXPECT_EQ(registrar.handle(register_with({contacts}), at(k_now)).status, 403);
    EXPECT_EQ(store.size(), 0u);
}

TEST_P(RegistrarTest, BadExpiresAndNonSipContactsAreRejectedWithAReason) {
    auto bad_expires =
        registrar.handle(register_with({"Contact: <sip:a@192.0.2.2>", "Expires: soon"}), at(k_now));
    EXPECT_EQ(bad_expires.status, 400);
    EXPECT_NE(bad_expires.reason.find("Expires"), std::string::npos);
    EXPECT_EQ(
        registrar.handle(register_with({"Contact: <mailto:alice@example.com>"}), at(k_now)).status,
        400);
}

TEST_P(RegistrarTest, BindingsExpireAndArePurged) {
    registrar.handle(register_with({"Contact: <sip:alice@192.0.2.2>;expires=60"}), at(k_now));
    EXPECT_EQ(store.lookup("sip:alice@example.com", k_now + 59).size(), 1u);
    EXPECT_TRUE(store.lookup("sip:alice@example.com", k_now + 60).empty());
    EXPECT_EQ(store.purge_expired(k_now + 60), 1u);
    EXPECT_EQ(store.size(), 0u);
}

TEST(CanonicalAor, DropsParametersFoldsSipsAndLowercasesTheHost) {
    auto uri = sip::parse_uri("sips:Al%69ce@EXAMPLE.com;user=phone?subject=x");
    ASSERT_TRUE(uri);
    EXPECT_EQ(canonical_aor(uri.value()), "sip:Alice@example.com");
    auto tel = sip::parse_uri("tel:+12015550123");
    ASSERT_TRUE(tel);
    EXPECT_EQ(canonical_aor(tel.value()), std::nullopt);
}

}  // namespace
}  // namespace happysip::registrar

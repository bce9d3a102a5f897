#include "happysip/txn/transaction_key.hpp"

#include <gtest/gtest.h>

#include <string>
#include <unordered_map>

#include "happysip/sip/builder.hpp"
#include "happysip/txn/ack.hpp"

namespace happysip::txn {
namespace {

sip::RequestParts parts(std::string method, std::string branch) {
    sip::RequestParts p;
    p.method = std::move(method);
    p.request_uri = "sip:bob@biloxi.example.com";
    p.via_sent_by = "pc33.atlanta.example.com:5060";
    p.branch = std::move(branch);
    p.from = "Alice <sip:alice@atlanta.example.com>";
    p.from_tag = "1928301774";
    p.to = "Bob <sip:bob@biloxi.example.com>";
    p.call_id = "a84b4c76e66710";
    p.cseq = 314159;
    return p;
}

sip::Message request(std::string method, std::string branch = "z9hG4bK776asdhds") {
    auto m = sip::make_request(parts(std::move(method), std::move(branch)));
    EXPECT_TRUE(m.ok());
    return std::move(m).value();
}

sip::Message response(const sip::Message& req, int code) {
    auto m = sip::make_response(req, code, {}, "b0b");
    EXPECT_TRUE(m.ok());
    return std::move(m).value();
}

sip::Message parse(std::string text) {
    auto m = sip::parse_message(std::move(text));
    EXPECT_TRUE(m.ok()) << m.error().to_string();
    return std::move(m).value();
}

// An RFC 2543 INVITE: its branch lacks the magic cookie.
std::string rfc2543_invite(std::string_view method, std::string_view to_tag, int cseq) {
    std::string to = "To: Bob <sip:bob@biloxi.example.com>";
    if (!to_tag.empty()) to.append(";tag=").append(to_tag);
    return std::string(method) +
           " sip:bob@biloxi.example.com SIP/2.0\r\n"
           "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=old1\r\n"
           "Max-Forwards: 70\r\n"
           "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n" +
           to +
           "\r\n"
           "Call-ID: a84b4c76e66710\r\n"
           "CSeq: " +
           std::to_string(cseq) + " " + std::string(method) +
           "\r\n"
           "Content-Length: 0\r\n\r\n";
}

TEST(TransactionKey, ClientKeyMatchesResponseToItsRequest) {
    const auto inv = request("INVITE");
    auto sent = client_key(inv);
    auto got = client_key(response(inv, 180));
    ASSERT_TRUE(sent.ok() && got.ok());
    EXPECT_EQ(*sent, *got);
    EXPECT_EQ(sent->kind, KeyKind::client);
    EXPECT_EQ(sent->branch, "z9hG4bK776asdhds");
    EXPECT_EQ(sent->method, "INVITE");
}

TEST(TransactionKey, CarriesItsHashAndEqualsTheSameKeyBuiltByHand) {
    auto sent = client_key(request("INVITE"));
    ASSERT_TRUE(sent.ok());
    TransactionKey by_hand;  // no cached hash: computed on use, equal all the same
    by_hand.kind = KeyKind::client;
    by_hand.method = "INVITE";
    by_hand.branch = "z9hG4bK776asdhds";
    EXPECT_NE(sent->hash, 0u);
    EXPECT_EQ(sent->hash, TransactionKeyHash::compute(*sent));
    EXPECT_EQ(*sent, by_hand);
    EXPECT_EQ(TransactionKeyHash{}(by_hand), TransactionKeyHash{}(*sent));
    by_hand.branch = "z9hG4bKother";
    EXPECT_FALSE(*sent == by_hand);
}

TEST(TransactionKey, ClientKeyKeepsCancelApartFromInvite) {
    // RFC 3261 §17.1.3: a CANCEL shares the INVITE's branch but is its own transaction.
    auto inv = client_key(response(request("INVITE"), 200));
    auto cancel = client_key(response(request("CANCEL"), 200));
    ASSERT_TRUE(inv.ok() && cancel.ok());
    EXPECT_NE(*inv, *cancel);
}

TEST(TransactionKey, ClientKeyNeedsABranch) {
    auto m = parse(rfc2543_invite("INVITE", "", 1));
    auto key = client_key(
        parse("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h.example.com\r\nFrom: <sip:a@b>;tag=1\r\n"
              "To: <sip:c@d>;tag=2\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"));
    EXPECT_FALSE(key.ok());
    EXPECT_TRUE(client_key(m).ok());  // "old1" is a branch, just not an RFC 3261 one
}

TEST(TransactionKey, ServerKeyMatchesRetransmission) {
    auto a = server_key(request("INVITE"));
    auto b = server_key(request("INVITE"));
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->kind, KeyKind::server);
    EXPECT_EQ(a->sent_by, "pc33.atlanta.example.com:5060");
    EXPECT_EQ(*a, *b);
}

TEST(TransactionKey, MatchesAckToInviteServerTransaction) {
    const auto inv = request("INVITE");
    auto ack = make_ack_for_non_2xx(inv, response(inv, 486));
    ASSERT_TRUE(ack.ok());
    auto inv_key = server_key(inv);
    auto ack_key = server_key(*ack);
    ASSERT_TRUE(inv_key.ok() && ack_key.ok());
    EXPECT_EQ(*inv_key, *ack_key);
}

TEST(TransactionKey, AckForTwoXxHasItsOwnBranchAndDoesNotMatch) {
    auto inv_key = server_key(request("INVITE"));
    auto ack_key = server_key(request("ACK", "z9hG4bKnewack"));
    ASSERT_TRUE(inv_key.ok() && ack_key.ok());
    EXPECT_NE(*inv_key, *ack_key);
}

TEST(TransactionKey, ServerKeyDiffersBySentByAndMethod) {
    auto p = parts("INVITE", "z9hG4bK776asdhds");
    p.via_sent_by = "other.example.com:5060";
    auto other_host = sip::make_request(p);
    ASSERT_TRUE(other_host.ok());
    auto base = server_key(request("INVITE"));
    auto moved = server_key(*other_host);
    auto cancel = server_key(request("CANCEL"));
    ASSERT_TRUE(base.ok() && moved.ok() && cancel.ok());
    EXPECT_NE(*base, *moved);
    EXPECT_NE(*base, *cancel);
}

TEST(TransactionKey, SentByHostIsCaseInsensitive) {
    auto p = parts("OPTIONS", "z9hG4bK1");
    p.via_sent_by = "PC33.Atlanta.Example.COM:5060";
    auto upper = sip::make_request(p);
    ASSERT_TRUE(upper.ok());
    auto a = server_key(*upper);
    auto b = server_key(request("OPTIONS", "z9hG4bK1"));
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(*a, *b);
}

TEST(TransactionKey, CancelTargetsTheInviteServerTransaction) {
    auto target = cancel_target_key(request("CANCEL"));
    auto inv = server_key(request("INVITE"));
    ASSERT_TRUE(target.ok() && inv.ok());
    EXPECT_EQ(*target, *inv);
}

TEST(TransactionKey, Rfc2543Fallback) {
    auto inv = server_key(parse(rfc2543_invite("INVITE", "", 1)));
    auto again = server_key(parse(rfc2543_invite("INVITE", "", 1)));
    auto next = server_key(parse(rfc2543_invite("INVITE", "", 2)));
    ASSERT_TRUE(inv.ok() && again.ok() && next.ok());
    EXPECT_EQ(inv->kind, KeyKind::server_rfc2543);
    ASSERT_NE(inv->rfc2543, nullptr);
    EXPECT_EQ(inv->rfc2543->request_uri, "sip:bob@biloxi.example.com");
    EXPECT_EQ(inv->rfc2543->from_tag, "1928301774");
    EXPECT_EQ(inv->rfc2543->call_id, "a84b4c76e66710");
    EXPECT_EQ(inv->rfc2543->cseq, 1u);
    EXPECT_EQ(inv->rfc2543->top_via, "SIP/2.0/UDP pc33.atlanta.example.com;branch=old1");
    EXPECT_EQ(*inv, *again);
    EXPECT_NE(*inv, *next);
    // A copy owns its own fallback fields and equals the original.
    TransactionKey copy = *inv;
    ASSERT_NE(copy.rfc2543, nullptr);
    EXPECT_NE(copy.rfc2543.get(), inv->rfc2543.get());
    EXPECT_EQ(copy, *inv);
    EXPECT_EQ(TransactionKeyHash::compute(copy), TransactionKeyHash::compute(*inv));
    copy = *next;
    EXPECT_EQ(copy, *next);
    EXPECT_NE(copy, *inv);
}

TEST(TransactionKey, Rfc2543AckWithResponseToTagMatchesInvite) {
    auto inv = server_key(parse(rfc2543_invite("INVITE", "", 1)));
    auto ack = server_key(parse(rfc2543_invite("ACK", "b0b", 1)));
    ASSERT_TRUE(inv.ok() && ack.ok());
    EXPECT_EQ(*inv, *ack);
}

TEST(TransactionKey, Rfc2543NonInviteComparesToTag) {
    auto a = server_key(parse(rfc2543_invite("BYE", "b0b", 2)));
    auto b = server_key(parse(rfc2543_invite("BYE", "other", 2)));
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_NE(*a, *b);
}

// A server reads the key headers once and derives the key from them: the same key as from
// the request alone, for RFC 3261 branches and for the RFC 2543 fallback.
TEST(TransactionKey, ServerKeyFromKeyHeadersEqualsServerKeyFromTheRequest) {
    for (const sip::Message& m :
         {request("REGISTER"), request("INVITE"), request("ACK"),
          parse(rfc2543_invite("INVITE", "", 1)), parse(rfc2543_invite("BYE", "b0b", 2)),
          parse(rfc2543_invite("ACK", "b0b", 1))}) {
        sip::ProxyKeyHeaders keys;
        ASSERT_FALSE(sip::interpret_proxy_key_headers(m, keys));
        auto direct = server_key(m);
        ASSERT_TRUE(direct.ok());
        TransactionKey from_keys = server_key(m, keys);
        EXPECT_EQ(from_keys, *direct) << m.method_text();
        EXPECT_EQ(from_keys.hash, direct->hash) << m.method_text();
        ASSERT_EQ(!from_keys.rfc2543, !direct->rfc2543);
        if (direct->rfc2543) {
            EXPECT_EQ(from_keys.rfc2543->top_via, direct->rfc2543->top_via);
        }
    }
}

TEST(TransactionKey, HashesEqualKeysEqually) {
    std::unordered_map<TransactionKey, int, TransactionKeyHash> table;
    auto a = server_key(request("INVITE"));
    ASSERT_TRUE(a.ok());
    table[*a] = 7;
    auto b = server_key(request("INVITE"));
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(TransactionKeyHash{}(*a), TransactionKeyHash{}(*b));
    ASSERT_EQ(table.count(*b), 1u);
    EXPECT_EQ(table.at(*b), 7);
}

}  // namespace
}  // namespace happysip::txn

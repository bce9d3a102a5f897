#include "happysip/txn/transaction_key.hpp"

#include <functional>
#include <string_view>

#include "happysip/sip/header_id.hpp"
#include "happysip/sip/key_headers.hpp"
#include "happysip/sip/via.hpp"

namespace happysip::txn {
namespace {

std::string lowercase(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

std::string sent_by(const sip::Via& via) {
    std::string out = lowercase(via.host.text);
    if (via.port) out.append(":").append(std::to_string(*via.port));
    return out;
}

void mix(std::size_t& seed, std::size_t h) noexcept {
    seed ^= h + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2);
}

// The request's method as a server transaction sees it: an ACK belongs to its INVITE.
std::string server_method(const sip::Message& request) {
    if (request.method() == sip::Method::ack) return "INVITE";
    return std::string(request.method_text());
}

TransactionKey server_key_from(const sip::Message& request, const sip::ProxyKeyHeaders& kh,
                               std::string method) {
    TransactionKey key;
    key.method = std::move(method);
    if (kh.top_via.has_rfc3261_branch()) {
        key.kind = KeyKind::server;
        key.branch = std::string(kh.top_via.branch);
        key.sent_by = sent_by(kh.top_via);
        key.hash = TransactionKeyHash::compute(key);
        return key;
    }
    key.kind = KeyKind::server_rfc2543;
    auto& old = *(key.rfc2543 = std::make_unique<TransactionKey::Rfc2543>());
    old.request_uri = std::string(request.request_uri());
    old.from_tag = std::string(kh.from_tag.value_or(""));
    if (key.method != "INVITE") old.to_tag = std::string(kh.to_tag.value_or(""));
    old.call_id = std::string(kh.call_id);
    old.cseq = request.cseq_number();
    if (auto top = request.first_value(sip::HeaderId::via)) old.top_via = std::string(*top);
    key.hash = TransactionKeyHash::compute(key);
    return key;
}

sip::Result<TransactionKey> server_key_with_method(const sip::Message& request,
                                                   std::string method) {
    sip::ProxyKeyHeaders key_headers;
    if (auto e = sip::interpret_proxy_key_headers(request, key_headers)) return std::move(*e);
    return server_key_from(request, key_headers, std::move(method));
}

}  // namespace

bool operator==(const TransactionKey& a, const TransactionKey& b) noexcept {
    if (&a == &b) return true;  // a table finding the key it stores (settle by entry)
    if (a.hash != 0 && b.hash != 0 && a.hash != b.hash) return false;
    if (a.kind != b.kind || a.method != b.method || a.branch != b.branch ||
        a.sent_by != b.sent_by || !a.rfc2543 != !b.rfc2543)
        return false;
    return !a.rfc2543 || *a.rfc2543 == *b.rfc2543;
}

std::size_t TransactionKeyHash::compute(const TransactionKey& k) noexcept {
    const std::hash<std::string> h;
    std::size_t seed = static_cast<std::size_t>(k.kind);
    mix(seed, h(k.method));
    mix(seed, h(k.branch));
    mix(seed, h(k.sent_by));
    if (const auto* old = k.rfc2543.get()) {
        mix(seed, h(old->request_uri));
        mix(seed, h(old->from_tag));
        mix(seed, h(old->to_tag));
        mix(seed, h(old->call_id));
        mix(seed, std::hash<std::uint32_t>{}(old->cseq));
        mix(seed, h(old->top_via));
    }
    return seed;
}

sip::Result<TransactionKey> client_key(const sip::Message& message) {
    const auto vias = message.values(sip::HeaderId::via);
    if (vias.empty()) {
        return sip::make_error(sip::ParseErrc::missing_header, "Via", 0, "no Via header");
    }
    auto via = sip::parse_via(vias.front());
    if (!via.ok()) return std::move(via).error();
    if (via->branch.empty()) {
        return sip::make_error(sip::ParseErrc::bad_header, "Via", 0, "top Via has no branch");
    }
    TransactionKey key;
    key.kind = KeyKind::client;
    key.method = std::string(message.cseq_method_text());
    key.branch = std::string(via->branch);
    key.hash = TransactionKeyHash::compute(key);
    return key;
}

sip::Result<TransactionKey> server_key(const sip::Message& request) {
    return server_key_with_method(request, server_method(request));
}

TransactionKey server_key(const sip::Message& request, const sip::ProxyKeyHeaders& keys) {
    return server_key_from(request, keys, server_method(request));
}

sip::Result<TransactionKey> cancel_target_key(const sip::Message& cancel) {
    return server_key_with_method(cancel, "INVITE");
}

}  // namespace happysip::txn

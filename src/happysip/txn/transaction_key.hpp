// Matching messages to transactions: RFC 3261 §17.1.3 (client side), §17.2.3 (server side)
// and its RFC 2543 fallback for requests whose branch lacks the magic cookie "z9hG4bK".
// A key owns its strings, so it outlives the message it was computed from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "happysip/sip/key_headers.hpp"
#include "happysip/sip/message.hpp"
#include "happysip/sip/result.hpp"

namespace happysip::txn {

enum class KeyKind : std::uint8_t {
    client,          // branch + CSeq method
    server,          // branch + sent-by + method (ACK counted as INVITE)
    server_rfc2543,  // Request-URI, tags, Call-ID, CSeq, top Via
};

struct TransactionKey {
    KeyKind kind = KeyKind::client;
    std::string method;   // CSeq method text; "INVITE" for an ACK on the server side
    std::string branch;   // client and server
    std::string sent_by;  // server: host (lowercased) and ":port" when written
    // The RFC 2543 fallback's fields, for a request without an RFC 3261 branch: rare, so
    // held apart and only then. A UDP server holds tens of thousands of keys (Timer J), and
    // five empty strings in each were 160 of its 280 bytes.
    struct Rfc2543 {
        std::string request_uri;
        std::string from_tag;
        std::string to_tag;  // left empty for INVITE and ACK, see server_key
        std::string call_id;
        std::uint32_t cseq = 0;
        std::string top_via;
        friend bool operator==(const Rfc2543&, const Rfc2543&) = default;
    };
    std::unique_ptr<Rfc2543> rfc2543;  // set for KeyKind::server_rfc2543 only
    // TransactionKeyHash's value, filled in by the functions below so that the several
    // tables a request touches hash its strings once; 0: computed on use.
    std::size_t hash = 0;

    TransactionKey() = default;
    TransactionKey(TransactionKey&&) noexcept = default;
    TransactionKey& operator=(TransactionKey&&) noexcept = default;
    TransactionKey(const TransactionKey& other)
        : kind(other.kind),
          method(other.method),
          branch(other.branch),
          sent_by(other.sent_by),
          rfc2543(other.rfc2543 ? std::make_unique<Rfc2543>(*other.rfc2543) : nullptr),
          hash(other.hash) {}
    TransactionKey& operator=(const TransactionKey& other) {
        if (this != &other) *this = TransactionKey(other);
        return *this;
    }

    // The fields, not the cached hash (a key built by hand has none).
    friend bool operator==(const TransactionKey& a, const TransactionKey& b) noexcept;
};

struct TransactionKeyHash {
    std::size_t operator()(const TransactionKey& key) const noexcept {
        return key.hash != 0 ? key.hash : compute(key);
    }
    static std::size_t compute(const TransactionKey& key) noexcept;
};

// §17.1.3: top Via branch + CSeq method. Works on the request a client transaction sends
// (to file it) and on each response received (to find it). A CANCEL is its own transaction.
// Error if the top Via does not parse or has no branch.
sip::Result<TransactionKey> client_key(const sip::Message& message);

// §17.2.3 for a request. With an RFC 3261 branch: branch, sent-by and method, an ACK
// matching its INVITE. Otherwise the RFC 2543 fallback: Request-URI, From tag, To tag,
// Call-ID, CSeq number and method (ACK as INVITE), top Via. The To tag is left out for
// INVITE and ACK: the ACK carries the tag of the response while the INVITE usually had
// none; a retransmitted INVITE carries the same To as the original anyway. The key needs
// the From/To tags, not their URIs: the headers are read as a proxy reads them.
sip::Result<TransactionKey> server_key(const sip::Message& request);
// The same from the request's key headers, already interpreted (a server reads them for
// every request anyway; reading them twice was ~6 % of a REGISTER, issue 4).
TransactionKey server_key(const sip::Message& request, const sip::ProxyKeyHeaders& keys);

// RFC 3261 §9.2: the key of the INVITE server transaction a CANCEL request targets (the
// CANCEL's own transaction is server_key(cancel)).
sip::Result<TransactionKey> cancel_target_key(const sip::Message& cancel);

}  // namespace happysip::txn

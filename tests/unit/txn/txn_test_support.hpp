// Shared by the transaction tests: a virtual timeline in milliseconds from t0, a test
// request and response, and helpers that turn actions into readable "<ms> <action>" logs.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "happysip/sip/builder.hpp"
#include "happysip/txn/action.hpp"
#include "happysip/txn/time.hpp"

namespace happysip::txn::test {

inline const Instant t0 = Instant{} + std::chrono::seconds(100);
inline Instant at_ms(long long ms) {
    return t0 + std::chrono::milliseconds(ms);
}
inline long long ms_of(Instant t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t - t0).count();
}

// A request as a UA sends it: one Via with an RFC 3261 branch and two Route entries.
inline sip::Message request(const std::string& method,
                            const std::string& branch = "z9hG4bK776asdhds") {
    sip::RequestParts p;
    p.method = method;
    p.request_uri = "sip:bob@biloxi.example.com";
    p.via_sent_by = "pc33.atlanta.example.com";
    p.branch = branch;
    p.from = "Alice <sip:alice@atlanta.example.com>";
    p.from_tag = "1928301774";
    p.to = "Bob <sip:bob@biloxi.example.com>";
    p.call_id = "a84b4c76e66710";
    p.cseq = 314159;
    p.routes = {"<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"};
    auto m = sip::make_request(p);
    EXPECT_TRUE(m.ok());
    return std::move(m).value();
}

inline sip::Message response(const sip::Message& request, int code) {
    auto m = sip::make_response(request, code, {}, code == 100 ? "" : "b0b");
    EXPECT_TRUE(m.ok());
    return std::move(m).value();
}

inline std::vector<std::string> described(std::vector<Action> actions) {
    std::vector<std::string> out;
    for (const Action& a : actions)
        out.push_back(describe(a));
    return out;
}

// Fires every deadline up to `limit_ms`, logging "<ms> <action>".
template <class Txn>
std::vector<std::string> run_timers(Txn& txn, long long limit_ms) {
    std::vector<std::string> log;
    while (auto d = txn.next_deadline()) {
        if (ms_of(*d) > limit_ms) break;
        txn.on_timer(*d);
        for (const Action& a : txn.take_actions())
            log.push_back(std::to_string(ms_of(*d)) + " " + describe(a));
    }
    return log;
}

}  // namespace happysip::txn::test

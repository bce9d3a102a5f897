// Shared by the runtime tests: loopback addresses of both families, a small SIP request,
// and a bounded event loop so that a failing test never hangs.
#pragma once

#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>
#include <chrono>
#include <functional>
#include <string>

#include "happysip/sip/builder.hpp"

namespace happysip::runtime::test {

inline const asio::ip::address k_loopback_v4 = asio::ip::make_address("127.0.0.1");
inline const asio::ip::address k_loopback_v6 = asio::ip::make_address("::1");
inline constexpr std::chrono::seconds k_bound{5};

// Runs the loop until `done` holds, nothing is left to do, or k_bound passes.
inline void run_until(asio::io_context& io, const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + k_bound;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
        io.restart();
        io.run_for(std::chrono::milliseconds(20));
        if (io.stopped()) break;  // out of work: nothing more can happen
    }
}

inline std::string options_text(const std::string& sent_by, const std::string& branch,
                                const std::string& transport = "UDP") {
    sip::RequestParts p;
    p.method = "OPTIONS";
    p.request_uri = "sip:responder.example.com";
    p.via_transport = transport;
    p.via_sent_by = sent_by;
    p.branch = branch;
    p.from = "<sip:probe@example.com>";
    p.from_tag = "f1";
    p.to = "<sip:responder.example.com>";
    p.call_id = "call-" + branch;
    auto m = sip::make_request(p);
    EXPECT_TRUE(m.ok());
    return m ? m->serialize() : std::string();
}

}  // namespace happysip::runtime::test

// The REGISTER requests the registrar tests send: one builder, so every test speaks the
// same RFC 3261 §10.2 request and only says what differs.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "happysip/sip/message.hpp"

namespace happysip::registrar {

// A REGISTER for `to` (also From) with the given extra header lines; `via` is the top
// Via's transport and sent-by.
inline sip::Message register_request(const std::string& to, const std::vector<std::string>& headers,
                                     std::uint32_t cseq, const std::string& call_id,
                                     const std::string& via = "UDP [2001:db8::2]:5060") {
    std::string text =
        "REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/" + via + ";branch=z9hG4bKr" +
        std::to_string(cseq) + "\r\nMax-Forwards: 70\r\nFrom: <" + to + ">;tag=f\r\nTo: <" + to +
        ">\r\nCall-ID: " + call_id + "\r\nCSeq: " + std::to_string(cseq) + " REGISTER\r\n";
    for (const auto& h : headers)
        text += h + "\r\n";
    text += "Content-Length: 0\r\n\r\n";
    auto m = sip::parse_message(text);
    EXPECT_TRUE(m) << m.error().to_string();
    return std::move(m).value();
}

}  // namespace happysip::registrar

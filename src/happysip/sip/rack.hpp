// Small numeric headers: RSeq and RAck of reliable provisional responses (RFC 3262 §7),
// and the delta-seconds headers Expires, Min-Expires (RFC 3261 §20.19, §20.23) and
// Flow-Timer (RFC 5626 §11). RAck's method view points into the value given to parse_rack.
#pragma once

#include <cstdint>
#include <string_view>

#include "happysip/sip/method.hpp"
#include "happysip/sip/result.hpp"

namespace happysip::sip {

// RAck = response-num LWS CSeq-num LWS Method (RFC 3262 §7.2): which reliable
// provisional response a PRACK acknowledges.
struct RAck {
    std::uint32_t response_num = 0;  // the RSeq being acknowledged
    std::uint32_t cseq_num = 0;      // CSeq number of the request the response answered
    std::string_view method_text;    // as written; methods are case-sensitive (RFC 3261 §7.1)
    Method method = Method::other;
};

// RSeq = response-num = 1*DIGIT, 1 to 2^32-1 (RFC 3262 §7.1; the first value is below 2^31
// and later ones count up from it without wrapping, §3).
Result<std::uint32_t> parse_rseq(std::string_view value);

Result<RAck> parse_rack(std::string_view value);

// delta-seconds = 1*DIGIT. Values above 2^32-1 are read as 2^32-1, as RFC 3261 §10.2
// allows for expiry times ("Implementations MAY treat values larger than 2**32-1 ... as
// equivalent to 2**32-1"). Anything else is an error; whether to fall back to 3600 for a
// malformed Expires (RFC 3261 §20.19) is the caller's decision. `header` names the header
// in errors ("Expires", "Min-Expires", "Flow-Timer").
Result<std::uint32_t> parse_delta_seconds(std::string_view value,
                                          std::string_view header = "Expires");

}  // namespace happysip::sip

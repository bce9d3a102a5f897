// The two parts of a CSeq value, for the parser and the assembler alike (RFC 3261
// §8.1.1.5: CSeq = 1*DIGIT LWS Method, the number below 2**31).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "happysip/sip/char_class.hpp"

namespace happysip::sip {

struct CSeqValue {
    bool number_ok = false;  // 1 to 10 digits, below 2**31, not followed by another digit
    std::uint32_t number = 0;
    std::size_t digits = 0;
    std::size_t method_begin = 0;  // after the white space; == digits when there is none
    std::string_view method;       // to the end of the value (its syntax is the caller's)
};

constexpr CSeqValue split_cseq(std::string_view v) noexcept {
    CSeqValue out;
    std::uint64_t number = 0;
    while (out.digits < v.size() && chars::is_digit(v[out.digits]) && out.digits <= 10)
        number = number * 10 + static_cast<std::uint64_t>(v[out.digits++] - '0');
    out.method_begin = out.digits;
    while (out.method_begin < v.size() && chars::is_wsp(v[out.method_begin]))
        ++out.method_begin;
    out.method = v.substr(out.method_begin);
    out.number_ok = out.digits > 0 && out.digits <= 10 && number <= 0x7fffffffu &&
                    (out.digits == v.size() || !chars::is_digit(v[out.digits]));
    out.number = static_cast<std::uint32_t>(number);
    return out;
}

}  // namespace happysip::sip

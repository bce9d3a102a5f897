// One Via value (via-parm, RFC 3261 §20.42) with the parameters a transport and
// transaction layer act on: branch (§8.1.1.7), received (§18.2.1), rport (RFC 3581),
// alias (RFC 5923), maddr, ttl. Views point into the string given to parse_via.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "happysip/sip/header_params.hpp"
#include "happysip/sip/result.hpp"
#include "happysip/sip/uri.hpp"

namespace happysip::sip {

struct Via {
    std::string_view protocol_name;     // "SIP"
    std::string_view protocol_version;  // "2.0"
    std::string_view transport;         // as written: "UDP", "TCP", "TLS", "WSS", ...
    Host host;                          // sent-by host; IPv6 keeps its brackets in host.text
    std::optional<std::uint16_t> port;  // sent-by port
    HeaderParams params;                // every parameter, known ones included

    std::string_view branch;  // empty if absent
    std::optional<std::string_view> received;
    std::optional<std::string_view> maddr;
    std::optional<std::uint8_t> ttl;
    bool has_rport = false;  // RFC 3581: "rport" present (with or without value)
    std::optional<std::uint16_t> rport;
    bool alias = false;  // RFC 5923

    // RFC 3261 §8.1.1.7: the magic cookie marks a globally unique branch.
    bool has_rfc3261_branch() const noexcept { return branch.starts_with("z9hG4bK"); }
    bool transport_is(std::string_view t) const noexcept;
};

// Parses one via-parm (one element of a possibly comma-separated Via header value).
Result<Via> parse_via(std::string_view value);
// The same, filling `via` in place; returns the error if any.
std::optional<ParseError> parse_via_into(std::string_view value, Via& via);

}  // namespace happysip::sip

// One registration: an address-of-record bound to a contact (RFC 3261 §10), with what a
// proxy needs to reach it later: Path (RFC 3327), the source it registered from, and the
// RFC 5626 instance and reg-id that Outbound and GRUU key on. A plain value type, stored
// as is by every LocationStore.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace happysip::registrar {

struct Binding {
    std::string aor;           // canonical address-of-record: "sip:alice@example.com"
    std::string contact;       // the Contact URI as registered (without < >)
    std::string instance;      // +sip.instance value, quotes removed; empty if none
    std::uint32_t reg_id = 0;  // RFC 5626 reg-id; 0 = none
    std::uint16_t q = 1000;    // q-value x1000; RFC 3261 §20.10 leaves "absent" unordered: 1.0
    std::string call_id;
    std::uint32_t cseq = 0;
    std::int64_t expires_at = 0;    // wall clock, seconds since the Unix epoch
    std::vector<std::string> path;  // Path header values in order (RFC 3327 §5.3)
    std::string source;             // "udp:[2001:db8::2]:5060": where the REGISTER came from
    std::string user_agent;

    // RFC 5626: an Outbound flow (instance and reg-id)...
    bool is_outbound() const noexcept { return reg_id != 0 && !instance.empty(); }
    // ...that ends here: registered with us directly over `source` (no Path: we are its
    // first hop), not through an edge proxy.
    bool is_own_flow() const noexcept { return is_outbound() && path.empty() && !source.empty(); }

    friend bool operator==(const Binding&, const Binding&) = default;
};

}  // namespace happysip::registrar

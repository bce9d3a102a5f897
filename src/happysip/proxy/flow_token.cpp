#include "happysip/proxy/flow_token.hpp"

#include <algorithm>

#include "happysip/auth/digest_hash.hpp"
#include "happysip/sip/name_addr.hpp"
#include "happysip/sip/uri.hpp"

namespace happysip::proxy {

namespace {

constexpr char k_separator = '~';  // unreserved (RFC 3261 §25.1), never in a flow's text

}  // namespace

std::string FlowToken::mac(std::string_view flow) const {
    return auth::to_hex(key_.mac(flow)).substr(0, 16);
}

std::string FlowToken::encode(std::string_view flow) const {
    // A user part allows neither ':' (it would start a password) nor brackets.
    std::string out;
    out.reserve(flow.size() + 24);
    for (char c : flow) {
        if (c == ':')
            out += "%3A";
        else if (c == '[')
            out += "%5B";
        else if (c == ']')
            out += "%5D";
        else
            out += c;
    }
    out += k_separator;
    out += mac(flow);
    return out;
}

std::optional<std::string> FlowToken::decode(std::string_view user) const {
    const auto separator = user.rfind(k_separator);
    if (separator == std::string_view::npos) return std::nullopt;
    std::string flow = sip::percent_decode(user.substr(0, separator));
    if (flow.empty() || user.substr(separator + 1) != mac(flow)) return std::nullopt;
    return flow;
}

std::vector<std::string> FlowToken::flows_in(const std::vector<std::string>& routes) const {
    std::vector<std::string> out;
    for (const auto& value : routes) {
        auto na = sip::parse_name_addr(value, "Route");
        if (!na || !na.value().uri.has_user) continue;
        if (auto flow = decode(na.value().uri.user)) out.push_back(std::move(*flow));
    }
    return out;
}

std::optional<std::string> flow_for_request(const std::vector<std::string>& flows,
                                            std::string_view source) {
    std::optional<std::string> chosen;
    for (const auto& flow : flows) {
        if (flow == source) continue;  // the UA at the far end of it sent this request
        if (!chosen) chosen = flow;
    }
    return chosen;
}

}  // namespace happysip::proxy

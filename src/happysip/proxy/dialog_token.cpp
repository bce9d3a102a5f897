#include "happysip/proxy/dialog_token.hpp"

#include <functional>

#include "happysip/auth/digest_hash.hpp"
#include "happysip/sip/name_addr.hpp"
#include "happysip/sip/uri.hpp"

namespace happysip::proxy {

std::string DialogToken::token(std::string_view call_id) const {
    Cached& slot = cache_[std::hash<std::string_view>{}(call_id) % k_cache_slots];
    if (slot.token.empty() || slot.call_id != call_id) {
        slot.call_id.assign(call_id);
        slot.token = auth::to_hex(key_.mac(call_id)).substr(0, 16);
    }
    return slot.token;
}

std::string DialogToken::uri_param(std::string_view call_id) const {
    return ";" + std::string(k_param) + "=" + token(call_id);
}

bool DialogToken::carried_by(const std::vector<std::string>& routes,
                             std::string_view call_id) const {
    const std::string expected = token(call_id);
    for (const auto& value : routes) {
        auto na = sip::parse_name_addr(value, "Route");
        if (!na) continue;
        auto param = na.value().uri.params.find(k_param);
        // Not secret-dependent timing worth hiding: a wrong guess costs the attacker a
        // 407, and the token changes with every Call-ID.
        if (param && *param == expected) return true;
    }
    return false;
}

}  // namespace happysip::proxy

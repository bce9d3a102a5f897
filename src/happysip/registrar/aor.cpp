#include "happysip/registrar/aor.hpp"

#include "happysip/sip/text.hpp"

namespace happysip::registrar {

std::string aor_domain(const sip::Uri& uri) {
    return sip::text::to_lower_copy(uri.host.text);
}

std::optional<std::string> canonical_aor(const sip::Uri& uri) {
    if (!uri.is_sip_or_sips()) return std::nullopt;
    std::string aor = "sip:";
    if (uri.has_user) {
        aor += sip::percent_decode(uri.user);
        aor += '@';
    }
    aor += aor_domain(uri);
    if (uri.port) aor += ':' + std::to_string(*uri.port);
    return aor;
}

}  // namespace happysip::registrar

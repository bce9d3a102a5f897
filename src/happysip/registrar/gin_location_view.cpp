#include "happysip/registrar/gin_location_view.hpp"

namespace happysip::registrar {

namespace {

// Each bnc binding becomes the binding of `aor`'s one number (RFC 6140 §6); a binding
// without bnc is left out when `bnc_only` (a trunk's plain Contacts do not take its
// numbers) and kept as it is otherwise.
std::vector<Binding> for_number(std::vector<Binding> bindings, std::string_view aor,
                                bool bnc_only) {
    const std::string_view user = aor_user(aor);
    std::vector<Binding> out;
    out.reserve(bindings.size());
    for (Binding& b : bindings) {
        if (!is_bnc_binding(b)) {
            if (!bnc_only) out.push_back(std::move(b));
            continue;
        }
        auto target = gin_target_uri(b.contact, user);
        if (!target) continue;
        b.contact = std::move(*target);
        out.push_back(std::move(b));
    }
    return out;
}

}  // namespace

std::vector<Binding> GinLocationView::lookup(std::string_view aor, std::int64_t now) {
    std::vector<Binding> own = store_.lookup(aor, now);
    if (trunks_.empty()) return own;
    // The trunk's own AOR: its bnc Contact is a template too; the PBX gets its own name
    // as the user part, never a Request-URI without one.
    if (!own.empty()) return for_number(std::move(own), aor, false);
    // Choice (RFC 6140 leaves the precedence to the SSP): a number a UA registered
    // individually stays with that UA; only an AOR without bindings falls to its trunk,
    // as operators expect from a DID block with a few numbers moved elsewhere.
    const GinTrunk* trunk = trunks_.trunk_serving(aor);
    if (!trunk) return own;
    return for_number(store_.lookup(trunk->aor, now), aor, true);
}

}  // namespace happysip::registrar

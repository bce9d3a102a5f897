#include "happysip/proxy/target_set.hpp"

#include <algorithm>

#include "happysip/registrar/aor.hpp"
#include "happysip/registrar/gin.hpp"
#include "happysip/sip/name_addr.hpp"
#include "happysip/sip/uri.hpp"

namespace happysip::proxy {

namespace {

bool has_to_tag(const sip::Message& request) {
    auto to = request.header(sip::HeaderId::to);
    if (!to) return false;
    // The tag alone: a To whose URI does not parse is forwarded as it is (RFC 3261 §16.3).
    return sip::name_addr_tag(*to).has_value();
}

}  // namespace

TargetSet find_targets(const sip::Message& request, const RoutePreprocessing& preprocessing,
                       const LocalIdentity& self, registrar::LocationStore& store, std::int64_t now,
                       const GruuCodec* gruu, const sip::Uri* request_uri) {
    TargetSet set;
    set.in_dialog = has_to_tag(request);
    set.in_our_dialog = preprocessing.routes_removed > 0 && set.in_dialog;
    // §16.5: a Request-URI we are not responsible for, or a Route still to follow, gives
    // a single target: the request as it is.
    if (request.header(sip::HeaderId::route)) {
        set.leaves_domain = true;
        set.targets.push_back({});
        return set;
    }
    std::optional<sip::Uri> parsed;
    const sip::Uri* uri = parsed_request_uri(request, request_uri, parsed);
    bool ours = uri && uri->is_sip_or_sips() &&
                (self.serves_domain(uri->host.text) || self.is_local_uri(*uri));
    if (!ours) {
        set.leaves_domain = true;
        set.targets.push_back({});
        return set;
    }
    if (!uri->has_user) {  // the proxy itself: nobody to forward to
        set.kind = TargetSet::Kind::not_found;
        return set;
    }
    // RFC 5627 §5.5: a GRUU reaches the bindings of its instance only.
    std::optional<GruuTarget> by_gruu;
    if (gruu && uri->gr()) {
        by_gruu = gruu->target_of(*uri);
        if (!by_gruu) {  // a temp GRUU we did not make
            set.kind = TargetSet::Kind::not_found;
            return set;
        }
    }
    auto aor = by_gruu ? std::optional<std::string>(by_gruu->aor) : registrar::canonical_aor(*uri);
    if (!aor) {
        set.kind = TargetSet::Kind::not_found;
        return set;
    }
    set.aor = *aor;
    for (auto& binding : store.lookup(*aor, now)) {
        if (by_gruu &&
            (binding.instance != by_gruu->instance ||
             (by_gruu->call_id_tag && gruu->call_id_tag(binding.call_id) != *by_gruu->call_id_tag)))
            continue;
        // RFC 6140 §7.1: a SIP-PBX's GRUU names its UA in "sg", which the PBX gets back.
        if (by_gruu) registrar::copy_gin_sg(binding.contact, *uri);
        const bool own_flow = binding.is_own_flow();
        const bool edge_flow = binding.is_outbound() && !binding.path.empty();
        if (own_flow || edge_flow) {
            // Bindings come highest q, then most recently registered, first: the first
            // flow of an instance is its preferred one, the others its fall-backs.
            auto same = std::find_if(set.targets.begin(), set.targets.end(), [&](const Target& t) {
                return t.instance == binding.instance && t.flows.empty() == edge_flow;
            });
            if (same != set.targets.end()) {
                if (own_flow)
                    same->flows.push_back(std::move(binding.source));
                else
                    same->alternates.push_back(
                        {std::move(binding.contact), std::move(binding.path), {}});
                continue;
            }
        }
        Target t{std::move(binding.contact), std::move(binding.path), binding.q, {}, {}, {}};
        if (own_flow) t.flows.push_back(std::move(binding.source));
        if (own_flow || edge_flow) t.instance = std::move(binding.instance);
        set.targets.push_back(std::move(t));
    }
    if (set.targets.empty()) set.kind = TargetSet::Kind::no_bindings;
    return set;
}

}  // namespace happysip::proxy

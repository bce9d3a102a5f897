#include "happysip/proxy/request_checks.hpp"

#include <algorithm>
#include <cstdint>

#include "happysip/sip/name_addr.hpp"
#include "happysip/sip/text.hpp"
#include "happysip/sip/token_list.hpp"
#include "happysip/sip/uri.hpp"
#include "happysip/sip/via.hpp"

namespace happysip::proxy {

namespace {

// FNV-1a, 64 bits: loop detection needs equality of inputs, not secrecy.
struct Fnv64 {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    void add(std::string_view s) {
        for (unsigned char c : s) {
            h ^= c;
            h *= 0x100000001b3ULL;
        }
        h ^= 0xff;  // separator, so ("ab","c") differs from ("a","bc")
        h *= 0x100000001b3ULL;
    }
};

// The tag alone: the URI need not be parsed for it (a full name-addr parse was a sixth of
// the loop hash, which is computed for every request forwarded).
std::string_view tag_of(const sip::Message& m, sip::HeaderId id) {
    auto value = m.header(id);
    if (!value) return {};
    return sip::name_addr_tag(*value).value_or(std::string_view{});
}

// A branch this proxy wrote: "z9hG4bK-hs<token>.<loop hash>".
constexpr std::string_view k_branch_prefix = "z9hG4bK-hs";

}  // namespace

std::string loop_hash(const sip::Message& request) {
    Fnv64 f;
    f.add(request.request_uri());
    f.add(tag_of(request, sip::HeaderId::from));
    f.add(tag_of(request, sip::HeaderId::to));
    f.add(request.header(sip::HeaderId::call_id).value_or(""));
    f.add(std::to_string(request.cseq_number()));
    // §16.6 item 8: Route too. An in-dialog request that passes this proxy twice (an edge
    // and its home proxy, RFC 5626) differs only in the Route set it carries each time:
    // a spiral, not a loop.
    for (auto v : request.values(sip::HeaderId::route))
        f.add(v);
    for (auto v : request.values(sip::HeaderId::proxy_require))
        f.add(v);
    if (auto a = request.header(sip::HeaderId::proxy_authorization)) f.add(*a);
    return sip::text::hex_digits(f.h, 16);
}

std::optional<Rejection> check_request(const sip::Message& request, const LocalIdentity& self) {
    return check_request(request, sip::parse_uri(request.request_uri()), self);
}

std::optional<Rejection> check_request(const sip::Message& request,
                                       const sip::Result<sip::Uri>& uri,
                                       const LocalIdentity& self) {
    // Item 2: a Request-URI scheme we cannot route.
    if (!uri) return Rejection{400, "Bad Request-URI: " + uri.error().detail, {}};
    const auto scheme = uri.value().scheme;
    if (scheme != sip::UriScheme::sip && scheme != sip::UriScheme::sips &&
        scheme != sip::UriScheme::tel) {
        return Rejection{416, "", {}};
    }

    // Item 3: Max-Forwards 0 ends the request here (the parser checked the range).
    if (auto mf = request.header(sip::HeaderId::max_forwards)) {
        if (sip::text::trim(*mf) == "0") return Rejection{483, "", {}};
    }

    // Item 4: a Via of ours whose branch carries the hash the request would get now means
    // it came back unchanged: a loop. A different hash is a spiral, which is fine.
    // Only a request with a Via below the top can have come back; most have one Via line
    // with one value, and listing the values is a comma-aware scan of every Via.
    const bool one_via = request.count(sip::HeaderId::via) == 1 &&
                         request.header(sip::HeaderId::via)->find(',') == std::string_view::npos;
    const auto vias =
        one_via ? std::vector<std::string_view>{} : request.values(sip::HeaderId::via);
    for (std::size_t i = 1; i < vias.size(); ++i) {
        auto via = sip::parse_via(vias[i]);
        if (!via || !via.value().branch.starts_with(k_branch_prefix)) continue;
        const std::string_view branch = via.value().branch;
        const auto dot = branch.rfind('.');
        if (dot == std::string_view::npos) continue;
        const bool ours =
            self.is_local_address(via.value().host.text, via.value().port.value_or(5060));
        if (ours && branch.substr(dot + 1) == loop_hash(request)) {
            return Rejection{482, "", {}};
        }
    }

    // Item 5: Proxy-Require option tags we do not support.
    std::string unsupported;
    for (auto value : request.values(sip::HeaderId::proxy_require)) {
        auto tags = sip::parse_token_list(value, "Proxy-Require");
        if (!tags) return Rejection{400, tags.error().to_string(), {}};
        for (auto tag : tags.value()) {
            const bool known =
                std::any_of(std::begin(k_proxy_option_tags), std::end(k_proxy_option_tags),
                            [&](std::string_view t) { return sip::text::iequals(t, tag); });
            if (!known) unsupported += (unsupported.empty() ? "" : ", ") + std::string(tag);
        }
    }
    if (!unsupported.empty()) return Rejection{420, "", {"Unsupported: " + unsupported}};
    return std::nullopt;
}

}  // namespace happysip::proxy

#include "happysip/registrar/registrar.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <limits>
#include <optional>
#include <utility>

#include "happysip/registrar/aor.hpp"
#include "happysip/sip/name_addr.hpp"
#include "happysip/sip/text.hpp"
#include "happysip/sip/token_list.hpp"
#include "happysip/sip/uri.hpp"

namespace happysip::registrar {

namespace {

RegisterReply reject(int status, std::string reason, std::vector<std::string> headers = {}) {
    return {status, std::move(reason), std::move(headers)};
}

// One Contact of the request, interpreted; views into the request, which outlives them.
struct RequestedContact {
    std::string_view uri;  // as written between < >
    std::string_view instance;
    std::uint32_t reg_id = 0;
    std::uint16_t q = 1000;
    std::uint32_t expires = 0;
    bool bnc = false;  // RFC 6140: stands for a trunk's numbers
};

std::optional<std::uint32_t> parse_delta_seconds(std::string_view text) {
    text = sip::text::trim(text);
    std::uint32_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    // RFC 3261 §20.19: delta-seconds; a value too large for 32 bits is clamped to 2^32-1.
    if (ec == std::errc::result_out_of_range) return 0xffffffffu;
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return value;
}

// RFC 3261 §10.3 step 7: bindings match by URI (§19.1.4); with RFC 5626, a contact with
// +sip.instance and reg-id matches the binding of the same instance and reg-id instead.
bool same_binding(const Binding& existing, const RequestedContact& wanted) {
    if (!wanted.instance.empty() || !existing.instance.empty()) {
        if (wanted.reg_id != 0 || existing.reg_id != 0) {
            return existing.instance == wanted.instance && existing.reg_id == wanted.reg_id;
        }
    }
    // A refresh repeats its Contact byte for byte; equal text is an equal URI.
    if (existing.contact == wanted.uri) return true;
    auto a = sip::parse_uri(existing.contact);
    auto b = sip::parse_uri(wanted.uri);
    if (!a || !b) return existing.contact == wanted.uri;
    return sip::uri_equal(a.value(), b.value());
}

struct OptionTags {
    bool path = false;
    bool outbound = false;
    bool gruu = false;
};

OptionTags supported_tags(const sip::Message& request, std::vector<std::string_view>& values) {
    OptionTags out;
    request.values(sip::HeaderId::supported, values);
    for (const auto value : values) {
        auto tags = sip::parse_token_list(value, "Supported");
        if (!tags) continue;
        out.path |= tags.value().contains("path");
        out.outbound |= tags.value().contains("outbound");
        out.gruu |= tags.value().contains("gruu");
    }
    return out;
}

enum class OutboundUse : std::uint8_t {
    not_asked,                // no Contact with instance and reg-id, or no Supported: outbound
    applied,                  // Outbound bindings, each on the flow it came over
    not_possible,             // asked without Supported: outbound over a hop that cannot
    first_hop_lacks_support,  // asked with Supported: outbound over such a hop: 439
    too_many_contacts,        // reg-id on one of several Contacts being registered: 400
};

// RFC 5626 §6. Outbound needs the flow's first hop to take part: either this registrar is
// the first hop (the request has a single Via and no Path), or the first Path URI (the
// proxy that added it) carries "ob".
OutboundUse outbound_use(const sip::Message& request, const std::vector<std::string>& path,
                         const OptionTags& supported, const std::vector<RequestedContact>& wanted) {
    bool asked = false;
    bool registers_flow = false;  // a reg-id on a Contact with a non-zero expiration
    std::size_t registering = 0;
    for (const RequestedContact& r : wanted) {
        asked |= r.reg_id != 0;
        registers_flow |= r.reg_id != 0 && r.expires != 0;
        registering += r.expires != 0 ? 1 : 0;
    }
    if (!asked) return OutboundUse::not_asked;
    bool first_hop_takes_part = false;
    if (path.empty()) {
        first_hop_takes_part = request.values(sip::HeaderId::via).size() == 1;
    } else {
        auto first = sip::parse_name_addr(path.front(), "Path");
        first_hop_takes_part = first && first.value().uri.has_ob();
    }
    if (!first_hop_takes_part) {
        return supported.outbound ? OutboundUse::first_hop_lacks_support
                                  : OutboundUse::not_possible;
    }
    // A UA that does not say it supports Outbound would not understand Require: outbound.
    if (!supported.outbound) return OutboundUse::not_asked;
    if (registers_flow && registering > 1) return OutboundUse::too_many_contacts;
    return OutboundUse::applied;
}

// RFC 6140 §5.2 (registrar behaviour). A bnc Contact is accepted only with Require: gin
// (without it the request would ask for a literal binding of a URI that names nobody),
// never beside a plain Contact (one REGISTER is either bulk or not), and only for an AOR
// configured as a trunk: the numbers it takes are the operator's to assign, so any other
// AOR, however well authenticated, gets 403.
std::optional<RegisterReply> gin_refusal(const GinTrunks& trunks, const std::string& aor,
                                         bool require_gin,
                                         const std::vector<RequestedContact>& wanted) {
    std::size_t bnc = 0;
    for (const RequestedContact& r : wanted)
        bnc += r.bnc ? 1 : 0;
    if (bnc == 0 && !require_gin) return std::nullopt;
    if (!require_gin) return reject(400, "A bnc Contact needs Require: gin (RFC 6140)");
    if (bnc != wanted.size())
        return reject(400, "Require: gin with a Contact that is not bnc (RFC 6140)");
    if (!trunks.trunk_with_aor(aor)) return reject(403, aor + " is not a GIN trunk");
    return std::nullopt;
}

// RFC 3261 §20.17: "Date: Sat, 13 Nov 2010 23:29:00 GMT" (RFC 1123 form, always GMT).
// The 200s of one second share their Date: formatting it (gmtime, snprintf) was ~4 % of a
// REGISTER's instructions (issue 4), so it is done once per second and thread.
const std::string& sip_date(std::int64_t unix_seconds) {
    thread_local std::int64_t cached_second = std::numeric_limits<std::int64_t>::min();
    thread_local std::string cached;
    if (unix_seconds == cached_second) return cached;
    static constexpr const char* k_days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* k_months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const auto t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", k_days[tm.tm_wday],
                  tm.tm_mday, k_months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
    cached_second = unix_seconds;
    cached = buf;
    return cached;
}

std::string contact_line(const Binding& b, std::int64_t now, const Gruus* gruus) {
    std::string line = "Contact: <" + b.contact +
                       ">;expires=" + std::to_string(std::max<std::int64_t>(0, b.expires_at - now));
    if (b.q != 1000) {
        char q[8];
        std::snprintf(q, sizeof q, "%d.%03d", b.q / 1000, b.q % 1000);
        line += ";q=";
        line += q;
    }
    if (!b.instance.empty()) line += ";+sip.instance=\"" + b.instance + "\"";
    if (b.reg_id != 0) line += ";reg-id=" + std::to_string(b.reg_id);
    if (gruus) {  // RFC 5627 §5.2: quoted, since a GRUU has parameters of its own
        line += ";pub-gruu=\"" + gruus->pub + "\"";
        line += ";temp-gruu=\"" + gruus->temp + "\"";
    }
    return line;
}

}  // namespace

Registrar::Registrar(RegistrarConfig config, LocationStore& store)
    : config_(std::move(config)), gin_(config_.gin_trunks), store_(store) {}

bool Registrar::serves(std::string_view domain) const {
    return std::any_of(config_.domains.begin(), config_.domains.end(),
                       [&](const std::string& d) { return sip::text::iequals(d, domain); });
}

RegisterReply Registrar::handle(const sip::Message& request, const RegisterContext& context) {
    if (request.method() != sip::Method::register_) return reject(400, "Not a REGISTER");

    // Step 1: the Request-URI names a domain this registrar serves.
    auto request_uri = sip::parse_uri(request.request_uri());
    if (!request_uri || !request_uri.value().is_sip_or_sips()) {
        return reject(400, "Bad Request-URI");
    }
    if (!serves(request_uri.value().host.text)) return reject(404, "Domain not served here");

    // Step 2: every Require option tag must be understood (§8.2.2.3).
    std::string unsupported;
    bool require_gin = false;
    request.values(sip::HeaderId::require, values_);
    for (const auto value : values_) {
        auto tags = sip::parse_token_list(value, "Require");
        if (!tags) return reject(400, tags.error().to_string());
        for (const auto tag : tags.value()) {
            require_gin |= sip::text::iequals(tag, "gin");
            const bool known =
                std::any_of(std::begin(k_registrar_option_tags), std::end(k_registrar_option_tags),
                            [&](std::string_view t) { return sip::text::iequals(t, tag); });
            if (!known) unsupported += (unsupported.empty() ? "" : ", ") + std::string(tag);
        }
    }
    if (!unsupported.empty()) return reject(420, "", {"Unsupported: " + unsupported});

    // Step 5: the AOR from To, in canonical form, in a served domain.
    auto to_value = request.header(sip::HeaderId::to);
    if (!to_value) return reject(400, "Missing To header");
    auto to = sip::parse_name_addr(*to_value, "To");
    if (!to) return reject(400, to.error().to_string());
    auto aor = canonical_aor(to.value().uri);
    if (!aor || !serves(to.value().uri.host.text)) {
        return reject(404, "Address-of-record not in this domain");
    }
    // Steps 3-4 are the caller's; here only: an authenticated user registers its own AOR.
    if (!context.authenticated_user.empty() &&
        sip::percent_decode(to.value().uri.user) != context.authenticated_user) {
        return reject(403, "Not allowed to register " + *aor);
    }

    std::optional<std::uint32_t> header_expires;
    if (auto e = request.header(sip::HeaderId::expires)) {
        header_expires = parse_delta_seconds(*e);
        if (!header_expires) return reject(400, "Bad Expires header: not delta-seconds");
    }
    const std::string_view call_id = request.header(sip::HeaderId::call_id).value_or("");
    const std::uint32_t cseq = request.cseq_number();

    // Step 6: the Contacts asked for.
    std::vector<RequestedContact> wanted;
    bool star = false;
    request.values(sip::HeaderId::contact, values_);
    const std::size_t contact_count = values_.size();
    for (const auto value : values_) {
        auto contact = sip::parse_contact(value);
        if (!contact) return reject(400, contact.error().to_string());
        const sip::NameAddr& c = contact.value();
        if (c.is_star) {
            star = true;
            continue;
        }
        if (!c.uri.is_sip_or_sips()) return reject(400, "Contact must be a SIP or SIPS URI");
        // RFC 5627 §5.1: a GRUU names a binding; bound itself it would route in a loop.
        if (c.uri.gr()) return reject(403, "A GRUU cannot be registered as a Contact");
        RequestedContact r;
        r.uri = c.uri_text;
        r.bnc = is_bnc_contact(c.uri);
        // RFC 6140 §5.2: a bnc Contact is a template the numbers' user parts go into.
        if (r.bnc && c.uri.has_user)
            return reject(400, "A bnc Contact must not have a user part (RFC 6140)");
        r.instance = sip::contact_instance(c).value_or("");
        // RFC 5626 §6: a reg-id without an instance is ignored.
        if (!r.instance.empty()) r.reg_id = sip::contact_reg_id(c).value_or(0);
        r.q = sip::contact_q(c).value_or(1000);
        r.expires =
            sip::contact_expires(c).value_or(header_expires.value_or(config_.default_expires));
        if (r.expires != 0 && r.expires < config_.min_expires) {
            return reject(423, "", {"Min-Expires: " + std::to_string(config_.min_expires)});
        }
        r.expires = std::min(r.expires, config_.max_expires);
        wanted.push_back(std::move(r));
    }
    // RFC 3261 §10.2.2: "*" only alone and only with Expires: 0.
    if (star && (contact_count != 1 || header_expires != 0u)) {
        return reject(400, "Contact * needs to be alone and with Expires: 0");
    }

    if (auto refused = gin_refusal(gin_, *aor, require_gin, wanted)) return *refused;

    std::vector<std::string> path;
    request.values(sip::HeaderId::path, values_);
    path.assign(values_.begin(), values_.end());
    const OptionTags supported = supported_tags(request, values_);
    const OutboundUse outbound = outbound_use(request, path, supported, wanted);
    if (outbound == OutboundUse::first_hop_lacks_support) {
        return reject(439, "First Hop Lacks Outbound Support");
    }
    if (outbound == OutboundUse::too_many_contacts) {
        return reject(400, "Only one Contact may register with reg-id (RFC 5626 section 6)");
    }
    if (outbound != OutboundUse::applied) {
        for (RequestedContact& r : wanted)
            r.reg_id = 0;  // RFC 3261 rules, by URI
    }

    std::vector<Binding>& bindings = bindings_;
    store_.lookup_into(*aor, context.now, bindings);

    // Step 7: Call-ID/CSeq ordering, then update, add or remove.
    auto in_order = [&](const Binding& b) { return b.call_id != call_id || cseq > b.cseq; };
    if (star) {
        for (const Binding& b : bindings) {
            if (!in_order(b)) return reject(400, "CSeq not above the registration's");
        }
        bindings.clear();
    }
    for (const RequestedContact& r : wanted) {
        auto it = std::find_if(bindings.begin(), bindings.end(),
                               [&](const Binding& b) { return same_binding(b, r); });
        if (it != bindings.end() && !in_order(*it)) {
            return reject(400, "CSeq not above the registration's");
        }
        if (r.expires == 0) {
            if (it != bindings.end()) bindings.erase(it);
            continue;
        }
        // A refresh (the common case) rewrites the binding it matched in place: assigning a
        // string of the same length reuses its buffer, where a new Binding allocated each of
        // its strings again (issue 4).
        Binding added;
        const bool refreshes = it != bindings.end();
        Binding& b = refreshes ? *it : added;
        b.aor = *aor;
        b.contact = r.uri;
        b.instance = r.instance;
        b.reg_id = r.reg_id;
        b.q = r.q;
        b.call_id = call_id;
        b.cseq = cseq;
        b.expires_at = context.now + r.expires;
        b.path = path;
        b.source = context.source;
        b.user_agent = request.header(sip::HeaderId::user_agent).value_or("");
        // The bindings this request wrote go in front: lookups order by q and expiry
        // (whole seconds) with ties kept in stored order, so among bindings that expire in
        // the same second the most recently registered comes first (RFC 5626 §5.3: the
        // flow to try first).
        if (refreshes) {
            std::rotate(bindings.begin(), it, std::next(it));
        } else {
            bindings.insert(bindings.begin(), std::move(added));
        }
    }
    if (bindings.size() > config_.max_bindings_per_aor) {
        return reject(403, "Too many registrations for " + *aor);
    }

    if (!wanted.empty() || star) {
        if (auto status = store_.replace(*aor, bindings); !status.ok) {
            return reject(500, "Location store: " + status.error);
        }
    }
    sort_for_lookup(bindings);

    // Step 8: 200 with every current binding, the Date, and Path when the UA supports it.
    RegisterReply reply{200, "", {}, {}};
    // A Contact per binding, Date, and room for Require/Flow-Timer/Path: one allocation.
    reply.headers.reserve(bindings.size() + 4);
    for (const Binding& b : bindings) {
        std::optional<Gruus> gruus;
        if (gruus_ && supported.gruu && !b.instance.empty()) {
            gruus = gruus_(b);
            // RFC 6140 §7.1.1: a bnc Contact's public GRUU names no number; the SIP-PBX
            // puts one in. Its temp GRUU is the usual one (§7.1.2): opaque, for the trunk.
            if (is_bnc_binding(b)) gruus->pub = gin_public_gruu(b.aor, b.instance);
        }
        reply.headers.push_back(contact_line(b, context.now, gruus ? &*gruus : nullptr));
    }
    reply.headers.push_back("Date: " + sip_date(context.now));
    if (outbound == OutboundUse::applied) {
        // RFC 5626 §6: the UA learns its flows are Outbound flows; the keep-alive interval
        // is ours to give only when the flow ends here (with a Path, the edge gives it).
        reply.headers.push_back("Require: outbound");
        if (path.empty() && config_.flow_timer != 0)
            reply.headers.push_back("Flow-Timer: " + std::to_string(config_.flow_timer));
    }
    // Choice: the 200 of a bulk registration says so with Require: gin, as RFC 5626 §6
    // does for outbound, so the SIP-PBX knows its numbers are routed, not one literal
    // Contact. It asked for gin itself, so it understands the tag.
    if (require_gin) reply.headers.push_back("Require: gin");
    // RFC 3327 §5.3: the Path values are echoed, in order, to a UA that supports Path.
    if (supported.path) {
        for (const auto& p : path)
            reply.headers.push_back("Path: " + p);
    }
    reply.bindings = bindings.size();
    reply.own_flow = std::any_of(bindings.begin(), bindings.end(), [&](const Binding& b) {
        return b.is_own_flow() && b.source == context.source;
    });
    return reply;
}

}  // namespace happysip::registrar

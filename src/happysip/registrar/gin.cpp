#include "happysip/registrar/gin.hpp"

#include <algorithm>

#include "happysip/registrar/aor.hpp"
#include "happysip/sip/text.hpp"

namespace happysip::registrar {

namespace {

bool all_digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A number prefix: an optional '+' and at least one digit.
bool is_number_prefix(std::string_view s) {
    if (s.starts_with('+')) s.remove_prefix(1);
    return all_digits(s);
}

// "sip:user@domain" -> (user, domain), split at the last '@' (a decoded user may hold one).
std::pair<std::string_view, std::string_view> split_aor(std::string_view aor) {
    if (aor.starts_with("sip:")) aor.remove_prefix(4);
    auto at = aor.rfind('@');
    if (at == std::string_view::npos) return {{}, aor};
    return {aor.substr(0, at), aor.substr(at + 1)};
}

std::string key(std::string_view domain, std::string_view user) {
    std::string k(domain);
    k += '\n';
    k += user;
    return k;
}

// RFC 3261 §25.1: user = 1*( unreserved / escaped / user-unreserved ).
bool user_char(unsigned char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("-_.!~*'()&=+$,;?/").find(static_cast<char>(c)) !=
           std::string_view::npos;
}

std::string escape_user(std::string_view user) {
    static constexpr char k_hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : user) {
        if (user_char(c)) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += k_hex[c >> 4];
            out += k_hex[c & 0xf];
        }
    }
    return out;
}

bool overlaps(const GinPattern& a, const GinPattern& b) {
    if (a.domain != b.domain) return false;
    if (a.prefix && b.prefix) return a.user.starts_with(b.user) || b.user.starts_with(a.user);
    if (a.prefix) return gin_pattern_matches(a, "sip:" + b.user + "@" + b.domain);
    if (b.prefix) return gin_pattern_matches(b, "sip:" + a.user + "@" + a.domain);
    return a.user == b.user;
}

std::string pattern_text(const GinPattern& p) {
    return "sip:" + p.user + (p.prefix ? "*" : "") + "@" + p.domain;
}

}  // namespace

GinPatternResult parse_gin_pattern(std::string_view text) {
    auto uri = sip::parse_uri(text);
    if (!uri) return {std::nullopt, "'" + std::string(text) + "' is not a URI"};
    if (!uri->is_sip_or_sips() || !uri->has_user)
        return {std::nullopt, "'" + std::string(text) + "' is not a sip: URI with a user part"};
    GinPattern p;
    p.domain = aor_domain(uri.value());
    if (uri->port) p.domain += ':' + std::to_string(*uri->port);
    p.user = sip::percent_decode(uri->user);
    const auto star = p.user.find('*');
    if (star != std::string::npos) {
        p.user.resize(star);
        p.prefix = true;
        if (star + 1 != sip::percent_decode(uri->user).size() || !is_number_prefix(p.user))
            return {std::nullopt, "'" + std::string(text) +
                                      "': a block is a number prefix ('+' and digits) "
                                      "followed by a single '*'"};
    }
    return {std::move(p), {}};
}

bool gin_pattern_matches(const GinPattern& pattern, std::string_view aor) {
    auto [user, domain] = split_aor(aor);
    if (domain != pattern.domain) return false;
    if (!pattern.prefix) return user == pattern.user;
    return user.starts_with(pattern.user) && all_digits(user.substr(pattern.user.size()));
}

std::string gin_overlap(const std::vector<GinTrunk>& trunks) {
    for (std::size_t i = 0; i < trunks.size(); ++i) {
        for (std::size_t j = i + 1; j < trunks.size(); ++j) {
            if (trunks[i].aor == trunks[j].aor)
                return "trunk " + trunks[i].aor + " is configured twice";
            for (const GinPattern& a : trunks[i].serves)
                for (const GinPattern& b : trunks[j].serves)
                    if (overlaps(a, b))
                        return "'" + pattern_text(a) + "' (" + trunks[i].aor + ") overlaps '" +
                               pattern_text(b) + "' (" + trunks[j].aor + ")";
        }
    }
    return {};
}

GinTrunks::GinTrunks(std::vector<GinTrunk> trunks) : trunks_(std::move(trunks)) {
    for (std::size_t i = 0; i < trunks_.size(); ++i) {
        by_aor_.emplace(trunks_[i].aor, i);
        for (const GinPattern& p : trunks_[i].serves)
            (p.prefix ? prefixes_ : exact_).emplace(key(p.domain, p.user), i);
    }
}

const GinTrunk* GinTrunks::trunk_with_aor(std::string_view aor) const {
    auto it = by_aor_.find(std::string(aor));
    return it == by_aor_.end() ? nullptr : &trunks_[it->second];
}

const GinTrunk* GinTrunks::trunk_serving(std::string_view aor) const {
    if (trunks_.empty()) return nullptr;
    auto [user, domain] = split_aor(aor);
    if (user.empty()) return nullptr;
    if (auto it = exact_.find(key(domain, user)); it != exact_.end()) return &trunks_[it->second];
    if (prefixes_.empty()) return nullptr;
    // The longest prefix whose remainder is all digits: shorten while the character that
    // joins the remainder is a digit.
    for (std::size_t len = user.size() - 1; len >= 1; --len) {
        if (user[len] < '0' || user[len] > '9') break;
        if (auto it = prefixes_.find(key(domain, user.substr(0, len))); it != prefixes_.end())
            return &trunks_[it->second];
    }
    return nullptr;
}

bool is_bnc_contact(const sip::Uri& contact) noexcept {
    return contact.params.has("bnc");
}

bool is_bnc_binding(const Binding& binding) {
    // The mark is the registered Contact's own "bnc" parameter: it is stored (and survives
    // a restart) with the contact, and the registrar lets one in only for a GIN trunk.
    const auto& c = binding.contact;  // the common case: no "bnc" in any case at all
    constexpr std::string_view k_bnc = "bnc";
    auto at = std::search(c.begin(), c.end(), k_bnc.begin(), k_bnc.end(),
                          [](char a, char b) { return static_cast<char>(a | 0x20) == b; });
    if (at == c.end()) return false;
    auto uri = sip::parse_uri(binding.contact);
    return uri && is_bnc_contact(uri.value());
}

std::optional<std::string> gin_target_uri(std::string_view bnc_contact, std::string_view user) {
    auto uri = sip::parse_uri(bnc_contact);
    if (!uri || !uri->is_sip_or_sips()) return std::nullopt;
    std::string out(uri->scheme_text);
    out += ':';
    out += escape_user(user);
    out += '@';
    out += uri->host.text;
    if (uri->port) out += ':' + std::to_string(*uri->port);
    // RFC 3261 §16.6 step 2 and §19.1.1 Table 1: a Request-URI carries neither "method"
    // nor a headers component, though a registered Contact may.
    std::size_t pos = 0;
    while (auto p = uri->params.next(pos)) {
        if (sip::text::iequals(p->name, "bnc") || sip::text::iequals(p->name, "method")) continue;
        out += ';';
        out += p->name;
        if (p->has_value) {
            out += '=';
            out += p->value;
        }
    }
    return out;
}

std::string gin_public_gruu(std::string_view trunk_aor, std::string_view instance) {
    // +sip.instance is "<urn:...>"; the gr value is the URN without the angle brackets
    // (RFC 5627 §3.1).
    if (instance.size() >= 2 && instance.front() == '<' && instance.back() == '>')
        instance = instance.substr(1, instance.size() - 2);
    return "sip:" + std::string(split_aor(trunk_aor).second) + ";bnc;gr=" + std::string(instance);
}

void copy_gin_sg(std::string& target_uri, const sip::Uri& request_uri) {
    const auto sg = request_uri.params.find("sg");
    if (!sg) return;
    auto target = sip::parse_uri(target_uri);
    if (!target || target->params.has("sg")) return;
    std::string param = ";sg";
    if (!sg->empty()) {
        param += '=';
        param += *sg;
    }
    // uri-parameters come before the headers component (RFC 3261 §19.1.1).
    std::size_t at = target_uri.size();
    if (!target->headers.empty())
        at = static_cast<std::size_t>(target->headers.data() - target_uri.data()) - 1;
    target_uri.insert(at, param);
}

std::string_view aor_user(std::string_view aor) {
    return split_aor(aor).first;
}

}  // namespace happysip::registrar

#include "happysip/sip/key_headers.hpp"

#include "happysip/sip/text.hpp"

namespace happysip::sip {
namespace {

// Re-bases an error found inside `value` onto the whole message and names the header.
ParseError in_message(const Message& m, std::string_view value, std::string_view header,
                      ParseError e) {
    std::string_view raw = m.raw();
    if (value.data() >= raw.data() && value.data() <= raw.data() + raw.size())
        e.offset += static_cast<std::uint32_t>(value.data() - raw.data());
    e.header = std::string(header);
    return e;
}

}  // namespace

bool is_valid_call_id(std::string_view id) noexcept {
    // One pass: every byte a word character ('@' is not one), at most one '@', and words
    // on both sides of it.
    std::size_t at = std::string_view::npos;
    for (std::size_t i = 0; i < id.size(); ++i) {
        if (chars::is(id[i], chars::k_word)) continue;
        if (id[i] != '@' || at != std::string_view::npos) return false;
        at = i;
    }
    return !id.empty() && at != 0 && at + 1 != id.size();
}

std::optional<ParseError> interpret_key_headers(const Message& m, KeyHeaders& k) {
    // One walk over the fields finds the first of each; parse_message guarantees that Via,
    // From, To, Call-ID and CSeq are present and non-empty.
    const HeaderField* first[5] = {};
    constexpr HeaderId k_wanted[5] = {HeaderId::via, HeaderId::from, HeaderId::to,
                                      HeaderId::call_id, HeaderId::max_forwards};
    for (const HeaderField& f : m.fields()) {
        if (f.removed) continue;
        for (int i = 0; i < 5; ++i)
            if (f.id == k_wanted[i] && first[i] == nullptr) first[i] = &f;
    }
    if (!first[0] || !first[1] || !first[2] || !first[3])
        return make_error(ParseErrc::missing_header, "", 0, "Via, From, To and Call-ID required");

    std::string_view via_text = m.value(*first[0]);
    if (via_text.find(',') != std::string_view::npos) {  // "Via: a, b": the top is a
        text::CommaList list(via_text);
        via_text = list.next().value_or("");
    }
    if (auto e = parse_via_into(via_text, k.top_via))
        return in_message(m, via_text, "Via", std::move(*e));

    std::string_view from_text = m.value(*first[1]);
    if (auto e = parse_name_addr_into(from_text, k.from, "From"))
        return in_message(m, from_text, "From", std::move(*e));

    std::string_view to_text = m.value(*first[2]);
    if (auto e = parse_name_addr_into(to_text, k.to, "To"))
        return in_message(m, to_text, "To", std::move(*e));

    k.call_id = m.value(*first[3]);
    if (!is_valid_call_id(k.call_id))
        return in_message(m, k.call_id, "Call-ID",
                          make_error(ParseErrc::bad_header, "", 0, "expected word[@word]"));

    k.request_uri.reset();
    if (m.is_request()) {
        Uri& uri = k.request_uri.emplace();
        if (auto e = parse_uri_into(m.request_uri(), uri))
            return in_message(m, m.request_uri(), "Request-URI", std::move(*e));
        // RFC 3261 §19.1.5: headers are not allowed in a Request-URI (RFC 4475 escruri).
        if (!uri.headers.empty())
            return in_message(
                m, m.request_uri(), "Request-URI",
                make_error(ParseErrc::bad_uri, "", text::offset_in(m.request_uri(), uri.headers),
                           "headers are not allowed in a Request-URI"));
    }
    k.max_forwards.reset();
    if (first[4] != nullptr)  // range checked by parse_message
        k.max_forwards =
            static_cast<std::uint8_t>(text::parse_uint(m.value(*first[4]), 255).value_or(0));
    return std::nullopt;
}

Result<KeyHeaders> interpret_key_headers(const Message& m) {
    KeyHeaders k;
    if (auto e = interpret_key_headers(m, k)) return std::move(*e);
    return k;
}

std::optional<ParseError> validate_message(const Message& m) {
    KeyHeaders key;
    if (auto e = interpret_key_headers(m, key)) return e;
    for (const HeaderField& f : m.fields()) {
        if (f.removed || (f.id != HeaderId::via && f.id != HeaderId::contact)) continue;
        text::CommaList list(m.value(f));
        while (auto v = list.next()) {
            if (f.id == HeaderId::via) {
                auto via = parse_via(*v);
                if (!via) return in_message(m, *v, "Via", std::move(via).error());
            } else {
                auto contact = parse_contact(*v);
                if (!contact) return in_message(m, *v, "Contact", std::move(contact).error());
            }
        }
        if (list.unterminated())
            return in_message(m, m.value(f), m.name(f),
                              make_error(ParseErrc::bad_header, "", 0, "unterminated quote or <"));
    }
    return std::nullopt;
}

}  // namespace happysip::sip

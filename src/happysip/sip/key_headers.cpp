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

std::optional<std::string_view> first_value(const Message& m, HeaderId id) {
    const HeaderField* f = m.find(id);
    if (f == nullptr) return std::nullopt;
    std::string_view v = m.value(*f);
    // Most lines hold one value: without a comma there is nothing to split.
    if (v.find(',') == std::string_view::npos) return v;
    text::CommaList list(v);
    return list.next();
}

bool is_word(std::string_view s) noexcept {
    return !s.empty() && chars::all_of(s, chars::k_word);
}

}  // namespace

bool is_valid_call_id(std::string_view id) noexcept {
    std::size_t at = id.find('@');
    if (at == std::string_view::npos) return is_word(id);
    return is_word(id.substr(0, at)) && is_word(id.substr(at + 1));
}

Result<KeyHeaders> interpret_key_headers(const Message& m) {
    KeyHeaders k;
    // parse_message guarantees Via, From, To, Call-ID and CSeq are present and non-empty.
    std::string_view via_text = first_value(m, HeaderId::via).value_or("");
    auto via = parse_via(via_text);
    if (!via) return in_message(m, via_text, "Via", std::move(via).error());
    k.top_via = *via;

    std::string_view from_text = *m.header(HeaderId::from);
    auto from = parse_name_addr(from_text, "From");
    if (!from) return in_message(m, from_text, "From", std::move(from).error());
    k.from = *from;

    std::string_view to_text = *m.header(HeaderId::to);
    auto to = parse_name_addr(to_text, "To");
    if (!to) return in_message(m, to_text, "To", std::move(to).error());
    k.to = *to;

    k.call_id = *m.header(HeaderId::call_id);
    if (!is_valid_call_id(k.call_id))
        return in_message(m, k.call_id, "Call-ID",
                          make_error(ParseErrc::bad_header, "", 0, "expected word[@word]"));

    if (m.is_request()) {
        auto uri = parse_uri(m.request_uri());
        if (!uri) return in_message(m, m.request_uri(), "Request-URI", std::move(uri).error());
        // RFC 3261 §19.1.5: headers are not allowed in a Request-URI (RFC 4475 escruri).
        if (!uri->headers.empty())
            return in_message(
                m, m.request_uri(), "Request-URI",
                make_error(ParseErrc::bad_uri, "", text::offset_in(m.request_uri(), uri->headers),
                           "headers are not allowed in a Request-URI"));
        k.request_uri = *uri;
    }
    if (auto mf = m.header(HeaderId::max_forwards))  // range checked by parse_message
        k.max_forwards = static_cast<std::uint8_t>(text::parse_uint(*mf, 255).value_or(0));
    return k;
}

std::optional<ParseError> validate_message(const Message& m) {
    auto key = interpret_key_headers(m);
    if (!key) return std::move(key).error();
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

#include "happysip/sip/key_headers.hpp"

#include "happysip/sip/host_chars.hpp"
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
    for (std::size_t i = chars::skip_host_chars(id, 0); i < id.size(); ++i) {
        if (chars::is(id[i], chars::k_word)) continue;
        if (id[i] != '@' || at != std::string_view::npos) return false;
        at = i;
        // The host part of a Call-ID: run again past it (the loop's ++i restarts after it).
        i = chars::skip_host_chars(id, i + 1) - 1;
    }
    return !id.empty() && at != 0 && at + 1 != id.size();
}

namespace {

// The first live Via, From, To, Call-ID and Max-Forwards. parse_message guarantees that Via, From,
// To, Call-ID and CSeq are present and non-empty; edits may have removed them since.
struct KeyFields {
    const HeaderField* via = nullptr;
    const HeaderField* from = nullptr;
    const HeaderField* to = nullptr;
    const HeaderField* call_id = nullptr;
    const HeaderField* max_forwards = nullptr;
};

std::optional<ParseError> find_key_fields(const Message& m, KeyFields& k) {
    // Message::find answers these from the index the parser built, until an edit.
    k.via = m.find(HeaderId::via);
    k.from = m.find(HeaderId::from);
    k.to = m.find(HeaderId::to);
    k.call_id = m.find(HeaderId::call_id);
    k.max_forwards = m.find(HeaderId::max_forwards);
    if (!k.via || !k.from || !k.to || !k.call_id)
        return make_error(ParseErrc::missing_header, "", 0, "Via, From, To and Call-ID required");
    return std::nullopt;
}

std::optional<ParseError> read_top_via(const Message& m, const HeaderField& f, Via& via) {
    const std::string_view value = m.value(f);
    // Most Via lines hold one value: parse the line as it is, and split "Via: a, b" at its
    // first comma (outside quotes) only when that fails, instead of searching every line.
    if (!parse_via_into(value, via)) return std::nullopt;
    std::string_view text = value;
    if (value.find(',') != std::string_view::npos) {  // the top value is the first one
        text::CommaList list(value);
        text = list.next().value_or("");
    }
    if (auto e = parse_via_into(text, via)) return in_message(m, text, "Via", std::move(*e));
    return std::nullopt;
}

std::optional<ParseError> read_call_id(const Message& m, const HeaderField& f,
                                       std::string_view& call_id) {
    call_id = m.value(f);
    if (!is_valid_call_id(call_id))
        return in_message(m, call_id, "Call-ID",
                          make_error(ParseErrc::bad_header, "", 0, "expected word[@word]"));
    return std::nullopt;
}

std::optional<ParseError> read_request_uri(const Message& m, std::optional<Uri>& request_uri) {
    if (!m.is_request()) {
        request_uri.reset();
        return std::nullopt;
    }
    Uri& uri = request_uri ? *request_uri : request_uri.emplace();  // parse_uri_into resets it
    if (auto e = parse_uri_into(m.request_uri(), uri))
        return in_message(m, m.request_uri(), "Request-URI", std::move(*e));
    // RFC 3261 §19.1.5: headers are not allowed in a Request-URI (RFC 4475 escruri).
    if (!uri.headers.empty())
        return in_message(
            m, m.request_uri(), "Request-URI",
            make_error(ParseErrc::bad_uri, "", text::offset_in(m.request_uri(), uri.headers),
                       "headers are not allowed in a Request-URI"));
    return std::nullopt;
}

std::optional<std::uint8_t> read_max_forwards(const Message& m, const HeaderField* f) {
    if (f == nullptr) return std::nullopt;  // range checked by parse_message
    return static_cast<std::uint8_t>(text::parse_uint(m.value(*f), 255).value_or(0));
}

// The steps both interpretations share, in the order their errors are reported; `k` is a
// KeyHeaders or a ProxyKeyHeaders, `read_name_addr(text, is_from)` reads From or To.
template <class Keys, class ReadNameAddr>
std::optional<ParseError> interpret(const Message& m, Keys& k, ReadNameAddr&& read_name_addr) {
    KeyFields f;
    if (auto e = find_key_fields(m, f)) return e;
    if (auto e = read_top_via(m, *f.via, k.top_via)) return e;
    std::string_view from_text = m.value(*f.from);
    if (auto e = read_name_addr(from_text, true))
        return in_message(m, from_text, "From", std::move(*e));
    std::string_view to_text = m.value(*f.to);
    if (auto e = read_name_addr(to_text, false)) return in_message(m, to_text, "To", std::move(*e));
    if (auto e = read_call_id(m, *f.call_id, k.call_id)) return e;
    if (auto e = read_request_uri(m, k.request_uri)) return e;
    k.max_forwards = read_max_forwards(m, f.max_forwards);
    return std::nullopt;
}

}  // namespace

std::optional<ParseError> interpret_key_headers(const Message& m, KeyHeaders& k) {
    return interpret(m, k, [&k](std::string_view text, bool is_from) {
        return is_from ? parse_name_addr_into(text, k.from, "From")
                       : parse_name_addr_into(text, k.to, "To");
    });
}

std::optional<ParseError> interpret_proxy_key_headers(const Message& m, ProxyKeyHeaders& k) {
    return interpret(m, k, [&k](std::string_view text, bool is_from) {
        return is_from ? parse_name_addr_tag(text, k.from_tag, "From")
                       : parse_name_addr_tag(text, k.to_tag, "To");
    });
}

std::string top_via_branch(const Message& m) {
    ProxyKeyHeaders k;
    if (interpret_proxy_key_headers(m, k)) return {};
    return std::string(k.top_via.branch);
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

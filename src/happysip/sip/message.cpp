#include "happysip/sip/message.hpp"

#include <stdexcept>

#include "happysip/sip/text.hpp"

namespace happysip::sip {

std::string_view Message::name(const HeaderField& f) const noexcept {
    if (f.name_in_arena) return view(f.name, true);
    if (f.name.size == 0) return canonical_name(f.id);
    return view(f.name, false);
}

const HeaderField* Message::find(HeaderId id) const noexcept {
    if (const auto i = static_cast<std::size_t>(id); first_index_valid_ && i < k_indexed) {
        const std::size_t at = first_index_[i];
        return at == 0 ? nullptr : &fields()[at - 1];
    }
    for (const HeaderField& f : fields())
        if (f.id == id && !f.removed) return &f;
    return nullptr;
}

const HeaderField* Message::find(std::string_view header_name) const noexcept {
    HeaderId id = header_id_from_name(header_name);
    if (id != HeaderId::other) return find(id);
    for (const HeaderField& f : fields())
        if (f.id == HeaderId::other && !f.removed && text::iequals(name(f), header_name)) return &f;
    return nullptr;
}

std::optional<std::string_view> Message::header(HeaderId id) const noexcept {
    const HeaderField* f = find(id);
    if (f == nullptr) return std::nullopt;
    return value(*f);
}

std::size_t Message::count(HeaderId id) const noexcept {
    std::size_t n = 0;
    for (const HeaderField& f : fields())
        if (f.id == id && !f.removed) ++n;
    return n;
}

std::vector<std::string_view> Message::values(HeaderId id) const {
    std::vector<std::string_view> out;
    values(id, out);
    return out;
}

void Message::values(HeaderId id, std::vector<std::string_view>& out) const {
    out.clear();
    const bool split = is_list_header(id);
    for (const HeaderField& f : fields()) {
        if (f.id != id || f.removed) continue;
        if (!split) {
            out.push_back(value(f));
            continue;
        }
        text::CommaList list(value(f));
        while (auto v = list.next())
            out.push_back(*v);
    }
}

std::optional<std::string_view> Message::first_value(HeaderId id) const {
    const bool split = is_list_header(id);
    for (const HeaderField& f : fields()) {
        if (f.id != id || f.removed) continue;
        if (!split) return value(f);
        text::CommaList list(value(f));
        if (auto v = list.next()) return v;
    }
    return std::nullopt;
}

Span Message::store(std::string_view text) {
    canonical_ = false;
    Span s{static_cast<std::uint32_t>(arena_.size()), static_cast<std::uint32_t>(text.size())};
    arena_.append(text);
    return s;
}

std::size_t Message::top_index(HeaderId id) const noexcept {
    const std::span<const HeaderField> all = fields();
    for (std::size_t i = 0; i < all.size(); ++i)
        if (all[i].id == id && !all[i].removed) return i;
    // Not present: a new topmost Via goes first, anything else at the end.
    return id == HeaderId::via ? 0 : all.size();
}

HeaderField& Message::field(std::size_t index) {
    const std::span<HeaderField> all = storage_.fields();
    if (index >= all.size()) throw std::out_of_range("Message: no header field at this index");
    canonical_ = false;
    return all[index];
}

void Message::set_value(std::size_t index, std::string_view value) {
    HeaderField& f = field(index);
    f.value = store(value);
    f.value_in_arena = true;
    f.edited = true;
}

void Message::remove(std::size_t index) {
    field(index).removed = true;
    first_index_valid_ = false;
}

void Message::insert(std::size_t index, HeaderId id, std::string_view value) {
    HeaderField f;
    f.id = id;
    f.value = store(value);
    f.value_in_arena = true;
    f.edited = true;
    storage_.insert(index, f);
    first_index_valid_ = false;
}

void Message::insert(std::size_t index, std::string_view header_name, std::string_view value) {
    HeaderId id = header_id_from_name(header_name);
    insert(index, id, value);
    if (id == HeaderId::other) {
        HeaderField& f = storage_.fields()[std::min(index, fields().size() - 1)];
        f.name = store(header_name);
        f.name_in_arena = true;
    }
}

void Message::set(HeaderId id, std::string_view value) {
    for (std::size_t i = 0; i < fields().size(); ++i) {
        if (fields()[i].id == id && !fields()[i].removed) {
            set_value(i, value);
            return;
        }
    }
    append(id, value);
}

std::size_t Message::remove_all(HeaderId id) {
    std::size_t n = 0;
    for (HeaderField& f : storage_.fields()) {
        if (f.id == id && !f.removed) {
            f.removed = true;
            first_index_valid_ = false;
            canonical_ = false;
            ++n;
        }
    }
    return n;
}

bool Message::remove_first_value(HeaderId id) {
    for (std::size_t i = 0; i < fields().size(); ++i) {
        if (fields()[i].id != id || fields()[i].removed) continue;
        text::CommaList list(value(fields()[i]));
        list.next();  // the topmost value, the one to drop
        auto second = list.next();
        if (!second) {
            remove(i);
        } else {
            // "Via: a, b, c" -> "Via: b, c": keep the rest of the line as it was.
            std::string_view whole = value(fields()[i]);
            std::string rest(text::trim(whole.substr(text::offset_in(whole, *second))));
            set_value(i, rest);
        }
        return true;
    }
    return false;
}

void Message::set_request_uri(std::string_view uri) {
    uri_span_ = store(uri);
    uri_in_arena_ = true;
    start_line_edited_ = true;
}

void Message::set_status(int code, std::string_view reason) {
    status_ = code;
    reason_span_ = store(reason);
    reason_in_arena_ = true;
    start_line_edited_ = true;
}

void Message::set_body(std::string_view body) {
    body_span_ = store(body);
    body_in_arena_ = true;
    body_edited_ = true;
}

void Message::serialize_to(std::string& out) const {
    if (canonical_) {
        out.append(raw());
        return;
    }
    out.reserve(out.size() + raw().size() + arena_.size() + 32);
    if (!start_line_edited_) {
        out.append(view(start_line_, false));
    } else if (is_request_) {
        out.append(method_text()).append(" ").append(request_uri()).append(" SIP/2.0");
    } else {
        out.append("SIP/2.0 ").append(std::to_string(status_)).append(" ").append(reason_phrase());
    }
    out.append("\r\n");
    const std::string length = std::to_string(body().size());
    bool wrote_length = false;
    for (const HeaderField& f : fields()) {
        if (f.removed) continue;
        if (f.id == HeaderId::content_length) {
            if (wrote_length) continue;
            wrote_length = true;
            if (body_edited_ || f.edited) {
                out.append(name(f)).append(": ").append(length).append("\r\n");
                continue;
            }
        }
        if (!f.edited) {
            out.append(view(f.line, false));
        } else {
            out.append(name(f)).append(": ").append(value(f));
        }
        out.append("\r\n");
    }
    // RFC 3261 §20.14: always present on the wire so that stream transports can frame it.
    if (!wrote_length) out.append("Content-Length: ").append(length).append("\r\n");
    out.append("\r\n");
    out.append(body());
}

std::string Message::serialize() const {
    std::string out;
    serialize_to(out);
    return out;
}

}  // namespace happysip::sip

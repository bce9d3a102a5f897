#include "happysip/sip/message_assembler.hpp"

#include <memory>
#include <utility>

#include "happysip/sip/char_class.hpp"
#include "happysip/sip/cseq_value.hpp"

namespace happysip::sip {
namespace {

constexpr std::string_view k_version = "SIP/2.0";

Span span(std::size_t begin, std::size_t end) {
    return Span{static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(end - begin)};
}

// The parser's limits (ParseLimits' defaults): past them it rejects what it reads.
constexpr ParseLimits k_limits{};

}  // namespace

MessageAssembler::MessageAssembler(std::size_t reserve) {
    text_.reserve(reserve);
}

bool MessageAssembler::plain_status_line(int status, std::string_view reason) noexcept {
    if (status < 100 || status > 699) return false;
    // "SIP/2.0 " and three digits and a space before the reason.
    if (k_version.size() + 5 + reason.size() > k_limits.max_line_length) return false;
    for (char c : reason)
        if (chars::is(c, chars::k_ctl) && c != '\t') return false;
    return true;
}

void MessageAssembler::status_line(int status, std::string_view reason) {
    if (!plain_status_line(status, reason)) plain_ = false;
    text_.append(k_version).push_back(' ');
    text_.append(std::to_string(status)).push_back(' ');
    const std::size_t reason_begin = text_.size();
    text_.append(reason);
    status_ = status;
    version_ = span(0, k_version.size());
    reason_ = span(reason_begin, text_.size());
    start_line_ = span(0, text_.size());
    text_.append("\r\n");
}

void MessageAssembler::copy_header(const Message& from, const HeaderField& f,
                                   std::string_view name) {
    begin_header(f.id, name);
    text_.append(from.value(f));
    end_header(!f.value_in_arena);
}

void MessageAssembler::header_line(std::string_view line) {
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
        plain_ = false;
        text_.append(line).append("\r\n");
        return;
    }
    const std::string_view name = line.substr(0, colon);
    const HeaderId id = header_id_from_name(name);
    // The parser trims white space before the colon and after it; a name it would trim, or
    // one that is not a token, is left to it.
    if (id == HeaderId::other && !chars::is_token(name)) plain_ = false;
    if (chars::is_wsp(name.back())) plain_ = false;
    const std::size_t begin = text_.size();
    text_.append(line);
    std::size_t value = begin + colon + 1;
    if (value < text_.size() && text_[value] == ' ') ++value;
    record(id, begin, begin + colon, value, false);
}

void MessageAssembler::record(HeaderId id, std::size_t line_begin, std::size_t name_end,
                              std::size_t value_begin, bool checked) {
    if (!checked) {
        const std::string_view value(text_.data() + value_begin, text_.size() - value_begin);
        if (!value.empty() && (chars::is_wsp(value.front()) || chars::is_wsp(value.back())))
            plain_ = false;
        if (chars::has_line_break_or_nul(value)) plain_ = false;
    }
    if (text_.size() - line_begin > k_limits.max_line_length || field_count_ == k_max_fields)
        [[unlikely]] {
        plain_ = false;
        text_.append("\r\n");
        return;
    }
    if (const auto i = static_cast<std::size_t>(id); i < Message::k_indexed) {
        // A second of these is an error to the parser, except Via. Content-Length is the
        // one finish_without_body() adds, and a Max-Forwards would need the parser's check.
        if (first_[i] != 0 && id != HeaderId::via) plain_ = false;
        if (id == HeaderId::content_length || id == HeaderId::max_forwards) plain_ = false;
        if (first_[i] == 0) first_[i] = static_cast<std::uint16_t>(field_count_ + 1);
    }
    HeaderField& f = *std::construct_at(fields() + field_count_++);
    f.id = id;
    f.line = span(line_begin, text_.size());
    f.name = span(line_begin, name_end);
    f.value = span(value_begin, text_.size());
    text_.append("\r\n");
}

Result<Message> MessageAssembler::finish_without_body() {
    // Recorded here rather than through record(), which leaves a caller's Content-Length
    // to the parser (there is none when the text is still plain).
    constexpr std::string_view k_name = "Content-Length";
    constexpr std::string_view k_value = "0";
    const std::size_t at = text_.size();
    text_.append(k_name).append(": ").append(k_value).append("\r\n\r\n");
    if (field_count_ == k_max_fields) return parse_instead();
    first_[static_cast<std::size_t>(HeaderId::content_length)] =
        static_cast<std::uint16_t>(field_count_ + 1);
    const std::size_t value_at = at + k_name.size() + 2;
    HeaderField& f = *std::construct_at(fields() + field_count_++);
    f.id = HeaderId::content_length;
    f.line = span(at, value_at + k_value.size());
    f.name = span(at, at + k_name.size());
    f.value = span(value_at, value_at + k_value.size());

    // The parser's other checks: the essential headers present and not empty (§8.1.1),
    // the CSeq's number and method, the size limits.
    const auto first = [&](HeaderId id) { return first_[static_cast<std::size_t>(id)]; };
    for (HeaderId id :
         {HeaderId::via, HeaderId::from, HeaderId::to, HeaderId::call_id, HeaderId::cseq})
        if (first(id) == 0 || fields()[first(id) - 1u].value.size == 0) plain_ = false;
    if (!plain_ || text_.size() > k_limits.max_message_size) return parse_instead();

    const HeaderField& cseq = fields()[first(HeaderId::cseq) - 1u];
    const std::string_view v(text_.data() + cseq.value.offset, cseq.value.size);
    const CSeqValue parts = split_cseq(v);
    if (!parts.number_ok || parts.method_begin == parts.digits || !chars::is_token(parts.method))
        return parse_instead();

    Result<Message> result(std::in_place);
    Message& m = *result;
    m.is_request_ = false;
    m.status_ = status_;
    m.start_line_ = start_line_;
    m.version_span_ = version_;
    m.reason_span_ = reason_;
    m.cseq_number_ = parts.number;
    m.cseq_method_ = method_from_name(parts.method);
    m.cseq_method_span_ =
        span(cseq.value.offset + parts.method_begin, cseq.value.offset + v.size());
    m.first_index_ = first_;
    m.first_index_valid_ = true;
    m.body_span_ = span(text_.size(), text_.size());
    m.canonical_ = true;  // each line as serialize() writes it, Content-Length matching
    m.storage_.assign(std::span<const HeaderField>(fields(), field_count_), std::move(text_));
    return result;
}

Result<Message> MessageAssembler::parse_instead() {
    return parse_message(std::move(text_));
}

}  // namespace happysip::sip

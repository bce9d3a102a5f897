// Composing a message as text while noting, line by line, where each header lies, so that
// the Message can be handed over without parsing the text again.
//
// Why: a server makes a response for nearly every request it receives, and parsing the
// text it had just written was ~7 % of answering a REGISTER refresh (issue 4). The fields
// recorded here are exactly the ones MessageParser would find in the text. Whenever the
// text holds anything the parser would treat otherwise (white space at a value's edges, a
// line break or NUL in a value, a second CSeq, a Content-Length of the caller's, a line or
// message over the parse limits, a status outside 100-699, ...), finish_without_body() parses the
// text instead, so what it returns is always what parse_message(text) would return (tested side by
// side in message_assembler_test.cpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "happysip/sip/header_field.hpp"
#include "happysip/sip/header_id.hpp"
#include "happysip/sip/message.hpp"

namespace happysip::sip {

class MessageAssembler {
  public:
    explicit MessageAssembler(std::size_t reserve);

    // "SIP/2.0 <status> <reason>" (a response; requests are not assembled yet).
    void status_line(int status, std::string_view reason);
    // Whether that line reads to the parser as written: a status in 100-699, no control
    // character but tab in the reason, within the line limit. (sip::response_bytes writes
    // its status line under the same rule.)
    static bool plain_status_line(int status, std::string_view reason) noexcept;

    // A header line: "Name: " now, then the caller appends the value to text(), then
    // end_header(). header() does all three.
    void begin_header(HeaderId id, std::string_view name) {
        id_ = id;
        line_begin_ = text_.size();
        text_.append(name);
        name_end_ = text_.size();
        text_.append(": ");
        value_begin_ = text_.size();
    }
    std::string& text() noexcept { return text_; }
    // `value_checked`: the value is known to have no line break, NUL or white space at its
    // edges (see copy_header).
    void end_header(bool value_checked = false) {
        record(id_, line_begin_, name_end_, value_begin_, value_checked);
    }
    void header(HeaderId id, std::string_view name, std::string_view value) {
        begin_header(id, name);
        text_.append(value);
        end_header();
    }
    // A header of a parsed message, copied under `name`. A value as received (not edited)
    // needs no check: the parse that found it saw to it that it has no line break, NUL or
    // white space at its edges.
    void copy_header(const Message& from, const HeaderField& f, std::string_view name);
    // A whole line "Name: value" without its CRLF, the name looked up as the parser does.
    void header_line(std::string_view line);

    // "Content-Length: 0", the empty line, and the Message (or the parse error the text
    // gets, which only a caller's bad reason phrase or header line can cause).
    Result<Message> finish_without_body();

  private:
    void record(HeaderId id, std::size_t line_begin, std::size_t name_end, std::size_t value_begin,
                bool checked);
    Result<Message> parse_instead();

    std::string text_;
    // Responses have 6 to 15 headers; one with more is left to the parser, so the fields
    // need no allocation of their own.
    static constexpr std::size_t k_max_fields = 32;
    // Raw storage, each field constructed as it is recorded (a value-initialised array
    // would be cleared whole for every response).
    alignas(HeaderField) unsigned char field_bytes_[k_max_fields * sizeof(HeaderField)];
    HeaderField* fields() noexcept { return reinterpret_cast<HeaderField*>(field_bytes_); }
    std::size_t field_count_ = 0;
    // The first field of each HeaderId that Message indexes (message.hpp), index + 1.
    std::array<std::uint16_t, Message::k_indexed> first_{};
    std::size_t line_begin_ = 0;  // of the header line begun
    std::size_t name_end_ = 0;
    std::size_t value_begin_ = 0;
    HeaderId id_ = HeaderId::other;
    int status_ = 0;
    Span reason_;
    Span version_;
    Span start_line_;
    // False once the text holds something that MessageParser would read differently from
    // the fields recorded (or reject): finish() then parses the text.
    bool plain_ = true;
};

}  // namespace happysip::sip

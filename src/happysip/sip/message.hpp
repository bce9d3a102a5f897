// A SIP message that owns its bytes. Parsing locates the start line and every
// header line once; values are views into the message's own buffer and are
// interpreted by the typed parsers (via.hpp, name_addr.hpp, ...) when asked.
//
// Editing never rewrites the original buffer: a changed or inserted header gets its
// value in a side arena, and serialisation copies untouched lines verbatim and writes
// edited ones canonically. This keeps proxying exact and cheap.
//
// All string_views returned by a Message point into that Message and stay valid
// until it is modified, moved or destroyed.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "happysip/sip/header_field.hpp"
#include "happysip/sip/header_id.hpp"
#include "happysip/sip/message_storage.hpp"
#include "happysip/sip/method.hpp"
#include "happysip/sip/result.hpp"

namespace happysip::sip {

struct ParseLimits {
    std::size_t max_message_size = 64 * 1024;
    std::size_t max_headers = 256;
    std::size_t max_line_length = 8 * 1024;
};

class Message {
  public:
    // User-provided, not defaulted: every member has its initialiser, and value-initialising a
    // defaulted one (as Result's in-place constructor does) zeroes the whole object first with
    // a `rep stos` that cost more than the rest of the start of a parse.
    Message() noexcept {}  // NOLINT(modernize-use-equals-default)

    bool is_request() const noexcept { return is_request_; }
    bool is_response() const noexcept { return !is_request_; }

    // Request line (RFC 3261 §7.1). Empty / Method::other for responses.
    Method method() const noexcept { return method_; }
    std::string_view method_text() const noexcept { return view(method_span_, method_in_arena_); }
    std::string_view request_uri() const noexcept { return view(uri_span_, uri_in_arena_); }

    // Status line (RFC 3261 §7.2). 0 / empty for requests.
    int status_code() const noexcept { return status_; }
    std::string_view reason_phrase() const noexcept { return view(reason_span_, reason_in_arena_); }

    // CSeq is interpreted at parse time: it is needed for every transaction decision and a
    // request whose CSeq method disagrees with its own is rejected (RFC 3261 §8.1.1.5).
    std::uint32_t cseq_number() const noexcept { return cseq_number_; }
    Method cseq_method() const noexcept { return cseq_method_; }
    std::string_view cseq_method_text() const noexcept {
        return view(cseq_method_span_, cseq_method_in_arena_);
    }

    // Headers in wire order, including removed ones (check `removed`).
    std::span<const HeaderField> fields() const noexcept { return storage_.fields(); }
    std::string_view name(const HeaderField& f) const noexcept;
    std::string_view value(const HeaderField& f) const noexcept {
        return view(f.value, f.value_in_arena);
    }

    // First live header with this id, or nullptr.
    const HeaderField* find(HeaderId id) const noexcept;
    // First live header by name (case-insensitive, compact forms resolved).
    const HeaderField* find(std::string_view name) const noexcept;
    // Value of the first live header with this id, or nullopt if absent.
    std::optional<std::string_view> header(HeaderId id) const noexcept;
    std::size_t count(HeaderId id) const noexcept;

    // Every value of a header in order across all its lines, split at commas for list
    // headers (Via, Route, Contact, ...) per RFC 3261 §7.3.1.
    std::vector<std::string_view> values(HeaderId id) const;
    // The same into `out` (cleared first), whose capacity a caller may keep between calls.
    void values(HeaderId id, std::vector<std::string_view>& out) const;
    // values(id).front() without building the vector: the top Via or Route, the first
    // Contact. nullopt when values(id) would be empty.
    std::optional<std::string_view> first_value(HeaderId id) const;

    std::string_view body() const noexcept { return view(body_span_, body_in_arena_); }

    // The bytes the message was parsed from (as received, before any edit).
    std::string_view raw() const noexcept { return storage_.bytes(); }

    // ---- editing (a proxy changes a few headers and forwards the rest verbatim) ----
    // Index-based operations take an index into fields().
    void set_value(std::size_t index, std::string_view value);
    void remove(std::size_t index);
    // Inserts before fields()[index] (index == fields().size() appends).
    void insert(std::size_t index, HeaderId id, std::string_view value);
    void insert(std::size_t index, std::string_view name, std::string_view value);
    void prepend(HeaderId id, std::string_view value) { insert(top_index(id), id, value); }
    void append(HeaderId id, std::string_view value) { insert(fields().size(), id, value); }
    // Replaces the first live header's value, or appends the header if absent.
    void set(HeaderId id, std::string_view value);
    // Removes every live header with this id; returns how many.
    std::size_t remove_all(HeaderId id);
    // Removes the first value of a (possibly comma-separated) header: the topmost Via or Route.
    bool remove_first_value(HeaderId id);
    void set_request_uri(std::string_view uri);
    void set_status(int code, std::string_view reason);
    // Replaces the body; Content-Length is rewritten to match on serialisation.
    void set_body(std::string_view body);

    // The wire form: untouched lines verbatim, edited ones canonical, CRLF line ends,
    // Content-Length always equal to the body size.
    std::string serialize() const;
    void serialize_to(std::string& out) const;

  private:
    friend class MessageParser;
    friend class MessageAssembler;  // records the fields of a message it composes

    std::string_view view(Span s, bool in_arena) const noexcept {
        const std::string_view b = in_arena ? std::string_view(arena_) : storage_.bytes();
        return {b.data() + s.offset, s.size};
    }
    Span store(std::string_view text);  // appends to the arena
    std::size_t top_index(HeaderId id) const noexcept;
    HeaderField& field(std::size_t index);  // bounds-checked, as vector::at

    MessageStorage storage_;  // the original bytes and the header fields
    std::string arena_;       // edited, inserted and unfolded values
    // The parser already knows where the first Via, From, To, Call-ID, CSeq, Max-Forwards
    // and Content-Length are (the first HeaderIds): index + 1 into fields(), 0 when absent.
    // find() answers from it until an edit adds or removes a field.
    static constexpr std::size_t k_indexed = static_cast<std::size_t>(HeaderId::content_length) + 1;
    std::array<std::uint16_t, k_indexed> first_index_{};
    bool first_index_valid_ = false;

    bool is_request_ = true;
    bool start_line_edited_ = false;
    bool method_in_arena_ = false;
    bool uri_in_arena_ = false;
    bool reason_in_arena_ = false;
    bool body_in_arena_ = false;
    bool body_edited_ = false;
    // raw() is exactly what serialize() would write: an assembled message (its text is
    // canonical by construction) not edited since. Every edit passes through field(),
    // store() or remove_all(), which clear it.
    bool canonical_ = false;
    bool cseq_method_in_arena_ = false;
    Method method_ = Method::other;
    Method cseq_method_ = Method::other;
    int status_ = 0;
    std::uint32_t cseq_number_ = 0;
    Span start_line_;
    Span method_span_;
    Span uri_span_;
    Span version_span_;
    Span reason_span_;
    Span cseq_method_span_;
    Span body_span_;
};

// Parses one complete message (a UDP datagram, or a frame cut by StreamFramer).
// RFC 3261 §18.3: with Content-Length present, bytes beyond it are discarded and a
// shorter body is an error; without it (datagrams only) the body runs to the end.
Result<Message> parse_message(std::string_view bytes, const ParseLimits& limits = {});
// Takes the bytes over on success; on failure `bytes` still holds them (a server can
// still answer 400 from them without having copied them first).
Result<Message> parse_message(std::string&& bytes, const ParseLimits& limits = {});

}  // namespace happysip::sip

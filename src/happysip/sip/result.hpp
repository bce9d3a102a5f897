// Errors as values: every fallible operation in sip/ returns Result<T>.
// A ParseError names what is wrong, in which header and at which byte, so that a
// server can answer "400 Bad Via header at byte 131: missing branch" and an
// operator can find the fault in a capture.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace happysip::sip {

enum class ParseErrc : std::uint8_t {
    truncated,             // input ends before the element is complete
    too_large,             // a configured limit (size, header count, line length) is exceeded
    bad_start_line,        // request/status line does not follow RFC 3261 §7.1/§7.2
    unsupported_version,   // well-formed SIP-Version other than SIP/2.0 (answer 505)
    bad_header,            // header line or header value does not follow its grammar
    missing_header,        // a header RFC 3261 §8.1.1 requires is absent
    bad_content_length,    // Content-Length disagrees with the body or is not a number
    bad_uri,               // URI does not follow RFC 3261 §25.1 / RFC 3966
    cseq_method_mismatch,  // CSeq method differs from the request method (RFC 3261 §8.1.1.5)
};

std::string_view to_string(ParseErrc code) noexcept;  // words: "bad Content-Length"
std::string_view code_name(ParseErrc code) noexcept;  // identifier: "bad_content_length"

struct ParseError {
    ParseErrc code{};
    std::string header;        // header name as canonically spelled, empty for the start line/body
    std::uint32_t offset = 0;  // byte offset in the input where the fault was found
    std::string detail;        // what exactly is wrong, in words for a reason phrase

    // One line, e.g. "bad Via header at byte 131: missing branch". Fit for a reason phrase.
    std::string to_string() const;
};

// A value or a ParseError. Deliberately small: the standard's std::expected is C++23.
template <class T>
class [[nodiscard]] Result {
  public:
    // Implicit by design. Two overloads instead of one by value: a returned Message is moved
    // into the variant once, not twice.
    Result(const T& value) : v_(std::in_place_index<0>, value) {}               // NOLINT
    Result(T&& value) : v_(std::in_place_index<0>, std::move(value)) {}         // NOLINT
    Result(ParseError error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT
    // The value constructed in place, for a producer that fills it and returns it by name
    // (no move at all: the parser builds its Message inside the Result it returns).
    template <class... Args>
    explicit Result(std::in_place_t, Args&&... args)
        : v_(std::in_place_index<0>, std::forward<Args>(args)...) {}

    bool ok() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T* operator->() { return &std::get<0>(v_); }
    const T* operator->() const { return &std::get<0>(v_); }
    T& operator*() & { return std::get<0>(v_); }
    const T& operator*() const& { return std::get<0>(v_); }

    const ParseError& error() const& { return std::get<1>(v_); }
    ParseError&& error() && { return std::get<1>(std::move(v_)); }

  private:
    std::variant<T, ParseError> v_;
};

inline ParseError make_error(ParseErrc code, std::string_view header, std::size_t offset,
                             std::string_view detail) {
    return ParseError{code, std::string(header), static_cast<std::uint32_t>(offset),
                      std::string(detail)};
}

}  // namespace happysip::sip

// Comma-separated token lists: Supported, Require, Proxy-Require, Unsupported (option-tags,
// RFC 3261 §19.2, §20.29, §20.32, §20.37, §20.40), Allow (methods, §20.5) and Allow-Events
// (event types, RFC 6665 §8.2.2). Views point into the value given to parse_token_list,
// or into the Message for the message-level helpers.
//
// Case: RFC 3261 §7.3.1 makes tokens case-insensitive unless a header says otherwise, and
// §19.2 says nothing else of option-tags, so contains() ignores case ("100REL" is
// "100rel"). Methods are case-sensitive (§7.1) and event packages are compared
// byte-by-byte (RFC 6665 §8.2.1): use contains_case_sensitive() for Allow / Allow-Events.
#pragma once

#include <cstddef>
#include <iterator>
#include <span>
#include <string_view>
#include <vector>

#include "happysip/sip/header_id.hpp"
#include "happysip/sip/result.hpp"

namespace happysip::sip {

class Message;

class TokenList {
  public:
    // Forward iteration over the tokens, each a view into the parsed value.
    class Iterator {
      public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = std::string_view;
        using difference_type = std::ptrdiff_t;
        using pointer = const std::string_view*;
        using reference = const std::string_view&;

        Iterator() = default;
        reference operator*() const noexcept { return current_; }
        pointer operator->() const noexcept { return &current_; }
        Iterator& operator++() noexcept;
        Iterator operator++(int) noexcept {
            Iterator old = *this;
            ++*this;
            return old;
        }
        friend bool operator==(const Iterator& a, const Iterator& b) noexcept {
            return a.current_.data() == b.current_.data();
        }

      private:
        friend class TokenList;
        explicit Iterator(std::string_view rest) noexcept : rest_(rest) { ++*this; }
        std::string_view rest_;
        std::string_view current_;  // data() == nullptr at the end
    };

    TokenList() = default;

    Iterator begin() const noexcept { return Iterator(raw_); }
    Iterator end() const noexcept { return Iterator(); }
    bool empty() const noexcept { return raw_.empty(); }
    std::size_t size() const noexcept;
    std::string_view raw() const noexcept { return raw_; }

    // Option-tags: case-insensitive (RFC 3261 §7.3.1).
    bool contains(std::string_view token) const noexcept;
    // Methods (RFC 3261 §7.1) and event packages (RFC 6665 §8.2.1): exact bytes.
    bool contains_case_sensitive(std::string_view token) const noexcept;

  private:
    friend Result<TokenList> parse_token_list(std::string_view, std::string_view);
    explicit TokenList(std::string_view raw) noexcept : raw_(raw) {}
    std::string_view raw_;  // trimmed, validated
};

// token *(COMMA token), white space around commas allowed; an empty (or all white space)
// value is an empty list (RFC 3261 §20.37 allows "Supported:" with nothing after it).
// Empty elements ("a,,b", "a,") are rejected. `header` names the header in errors.
Result<TokenList> parse_token_list(std::string_view value, std::string_view header = "");

// True if any Supported line of `m` lists `option_tag` (case-insensitive).
bool message_supports(const Message& m, std::string_view option_tag);

// The option-tags of every `header` line (Require or Proxy-Require) that are not in
// `known`, case-insensitively, each once, in order of appearance: the values of the
// Unsupported header of a 420 (Bad Extension) response (RFC 3261 §8.2.2.3, §16.3).
// Views point into `m`.
std::vector<std::string_view> unsupported_requirements(const Message& m, HeaderId header,
                                                       std::span<const std::string_view> known);

}  // namespace happysip::sip

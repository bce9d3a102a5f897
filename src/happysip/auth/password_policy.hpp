// The password rules of `happysip user add|passwd` (issue 4, "no user without a strong
// password"): a password equal to the user name, made of digits only, shorter than 12
// characters, on the embedded list of common passwords, or a common word or keyboard walk
// dressed up with digits, symbols and letter substitutions ("P@ssw0rd2024!") is refused,
// with a message saying what to change. Comparisons ignore case.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace happysip::auth {

enum class PasswordFault : std::uint8_t {
    none,
    too_short,       // fewer than k_min_password_length characters
    equals_user,     // the user name (any case), possibly with digits/symbols around it
    all_digits,      // digits only
    common,          // on the common-password list
    common_pattern,  // common words, keyboard walks, sequences, repeats + decoration
};

inline constexpr std::size_t k_min_password_length = 12;

struct PasswordCheck {
    PasswordFault fault = PasswordFault::none;
    std::string message;  // empty when accepted; never contains the password

    bool ok() const noexcept { return fault == PasswordFault::none; }
};

PasswordCheck check_password(std::string_view user, std::string_view password);

// The embedded list (lowercase), for tests and documentation.
std::size_t common_password_count() noexcept;

}  // namespace happysip::auth

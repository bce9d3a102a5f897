// Data behind password_policy.cpp: common passwords of 12+ characters (lowercase, sorted
// for binary search), the short words they are usually built from, and keyboard walks.
// Assembled from the patterns that top public breach lists (word + digits or year,
// keyboard rows and columns, sequences, repeats) and from SIP scanners' guesses.
#pragma once

#include <span>
#include <string_view>

namespace happysip::auth {

std::span<const std::string_view> common_passwords() noexcept;  // sorted
std::span<const std::string_view> common_password_words() noexcept;
// Sequences a finger follows on a keyboard or that count: any 3+ character run of one,
// forwards or backwards, is a walk.
std::span<const std::string_view> keyboard_walks() noexcept;

}  // namespace happysip::auth

// A hash for maps keyed by std::string that can be searched with a std::string_view
// (C++20 heterogeneous lookup; pair it with std::equal_to<>): looking up a branch or an
// AOR taken from a parsed message then needs no std::string built, and no allocation.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

namespace happysip::base {

struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept {
        return std::hash<std::string_view>{}(text);
    }
};

}  // namespace happysip::base

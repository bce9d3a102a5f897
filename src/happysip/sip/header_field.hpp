// Where one header line of a Message lies: offsets into the message's original bytes or
// into its edit arena (message.hpp), never pointers, so a Message can move its bytes
// without touching its fields.
#pragma once

#include <cstdint>

#include "happysip/sip/header_id.hpp"

namespace happysip::sip {

// Offset and size in one of the message's two buffers (original bytes or edit arena).
struct Span {
    std::uint32_t offset = 0;
    std::uint32_t size = 0;
};

struct HeaderField {
    HeaderId id = HeaderId::other;
    bool value_in_arena = false;  // value edited, inserted or unfolded: lives in the arena
    bool name_in_arena = false;   // inserted header whose name lives in the arena
    bool removed = false;
    bool edited = false;  // serialise canonically instead of copying `line`
    Span line;            // original line(s), name to last byte before the line end
    Span name;
    Span value;  // trimmed; continuation lines are unfolded into the arena
};

}  // namespace happysip::sip

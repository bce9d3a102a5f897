// Datagram entry point: parse, interpret and validate, edit and re-serialise.
// Invariant checked: a message that parses re-serialises to bytes that parse again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "happysip/sip/key_headers.hpp"
#include "happysip/sip/message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace happysip::sip;
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto m = parse_message(input);
    if (!m) return 0;
    (void)validate_message(*m);
    auto again = parse_message(m->serialize());
    if (!again) std::abort();  // serialising a valid message must give a valid message
    if (m->fields().size() > 1) {
        m->set_value(0, "edited");
        m->prepend(HeaderId::via, "SIP/2.0/UDP [2001:db8::1];branch=z9hG4bKfuzz");
        m->remove_first_value(HeaderId::route);
        (void)m->serialize();
    }
    return 0;
}

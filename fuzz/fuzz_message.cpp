// Datagram entry point: parse, interpret and validate, edit and re-serialise.
// Invariants checked: a message that parses re-serialises to bytes that parse again; the
// proxy's key headers agree with the full interpretation (key_headers.hpp); find() on the
// headers the parser indexes agrees with a walk over the fields, before and after edits.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "happysip/sip/key_headers.hpp"
#include "happysip/sip/message.hpp"

namespace {

using namespace happysip::sip;

void check_proxy_keys_agree(const Message& m) {
    KeyHeaders full;
    ProxyKeyHeaders proxy;
    const auto full_error = interpret_key_headers(m, full);
    const auto proxy_error = interpret_proxy_key_headers(m, proxy);
    if (full_error && full_error->header != "From" && full_error->header != "To") {
        // Everything but the From/To URIs is checked the same way, in the same order.
        if (!proxy_error || proxy_error->to_string() != full_error->to_string()) std::abort();
        return;
    }
    if (full_error) return;  // a From/To URI the proxy does not interpret
    if (proxy_error || proxy.from_tag != full.from.tag() || proxy.to_tag != full.to.tag() ||
        proxy.call_id != full.call_id || proxy.top_via.branch != full.top_via.branch)
        std::abort();
}

void check_find_agrees_with_a_walk(const Message& m) {
    for (int i = 0; i <= static_cast<int>(HeaderId::content_length); ++i) {
        const auto id = static_cast<HeaderId>(i);
        const HeaderField* walked = nullptr;
        for (const HeaderField& f : m.fields())
            if (f.id == id && !f.removed) {
                walked = &f;
                break;
            }
        if (m.find(id) != walked) std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto m = parse_message(input);
    if (!m) return 0;
    (void)validate_message(*m);
    check_proxy_keys_agree(*m);
    check_find_agrees_with_a_walk(*m);
    auto again = parse_message(m->serialize());
    if (!again) std::abort();  // serialising a valid message must give a valid message
    if (m->fields().size() > 1) {
        m->set_value(0, "edited");
        m->prepend(HeaderId::via, "SIP/2.0/UDP [2001:db8::1];branch=z9hG4bKfuzz");
        m->remove_first_value(HeaderId::route);
        check_find_agrees_with_a_walk(*m);
        m->remove_all(HeaderId::via);
        check_find_agrees_with_a_walk(*m);
        (void)m->serialize();
    }
    return 0;
}

// SIP request methods as an enum for fast dispatch; the wire spelling stays in the message.
#pragma once

#include <cstdint>
#include <string_view>

namespace happysip::sip {

enum class Method : std::uint8_t {
    invite,
    ack,
    bye,
    cancel,
    options,
    register_,
    prack,
    update,
    subscribe,
    notify,
    publish,
    refer,
    message,
    info,
    other,  // an extension method: valid token, not interpreted
};

// Methods are case-sensitive (RFC 3261 §7.1): "invite" is an extension method, not INVITE.
Method method_from_name(std::string_view name) noexcept;
std::string_view method_name(Method m) noexcept;  // empty for Method::other

}  // namespace happysip::sip

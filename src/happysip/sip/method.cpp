#include "happysip/sip/method.hpp"

#include <array>

namespace happysip::sip {
namespace {
constexpr std::array<std::string_view, 14> k_names{
    "INVITE", "ACK",       "BYE",    "CANCEL",  "OPTIONS", "REGISTER", "PRACK",
    "UPDATE", "SUBSCRIBE", "NOTIFY", "PUBLISH", "REFER",   "MESSAGE",  "INFO"};
}

Method method_from_name(std::string_view name) noexcept {
    for (std::size_t i = 0; i < k_names.size(); ++i)
        if (k_names[i] == name) return static_cast<Method>(i);
    return Method::other;
}

std::string_view method_name(Method m) noexcept {
    auto i = static_cast<std::size_t>(m);
    return i < k_names.size() ? k_names[i] : std::string_view{};
}

}  // namespace happysip::sip

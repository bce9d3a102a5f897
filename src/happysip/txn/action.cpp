#include "happysip/txn/action.hpp"

#include <string>
#include <type_traits>

namespace happysip::txn {
namespace {

std::string message_word(const sip::Message& m) {
    if (m.is_request()) return std::string(m.method_text());
    return std::to_string(m.status_code());
}

}  // namespace

std::string describe(const Action& action) {
    return std::visit(
        [](const auto& a) -> std::string {
            using T = std::decay_t<decltype(a)>;
            if constexpr (std::is_same_v<T, Send>) {
                return "send " + message_word(a.message);
            } else if constexpr (std::is_same_v<T, PassToTu>) {
                return "tu " + message_word(a.message);
            } else if constexpr (std::is_same_v<T, Timeout>) {
                return "timeout";
            } else if constexpr (std::is_same_v<T, TransportError>) {
                return "transport error";
            } else {
                return "terminated";
            }
        },
        action);
}

}  // namespace happysip::txn

#include "happysip/client/timeline.hpp"

namespace happysip::client {

std::string_view to_string(EventKind kind) noexcept {
    switch (kind) {
        case EventKind::dns_query:
            return "dns_query";
        case EventKind::dns_answer:
            return "dns_answer";
        case EventKind::race_start:
            return "race_start";
        case EventKind::candidates_added:
            return "candidates_added";
        case EventKind::attempt_start:
            return "attempt_start";
        case EventKind::attempt_failed:
            return "attempt_failed";
        case EventKind::attempt_cancelled:
            return "attempt_cancelled";
        case EventKind::winner:
            return "winner";
        case EventKind::send:
            return "send";
        case EventKind::retransmit:
            return "retransmit";
        case EventKind::response:
            return "response";
        case EventKind::absorbed:
            return "absorbed";
        case EventKind::failover:
            return "failover";
        case EventKind::done:
            return "done";
    }
    return "?";
}

}  // namespace happysip::client

// Slack for the runtime's single timers. A server holding many transactions has a deadline
// every few microseconds (each Timer J, K or M of a call that ended a while ago); arming
// the one timer for each would mean a wake-up and a timerfd update per transaction. So a
// deadline is armed at the next multiple of k_timer_slack and everything due by then is
// served by that one wake-up. SIP's timers are hundreds of milliseconds (T1 = 500 ms): ten
// more are nothing to them.
#pragma once

#include <chrono>

#include "happysip/time/virtual_time.hpp"

namespace happysip::runtime {

inline constexpr Duration k_timer_slack = std::chrono::milliseconds(10);

constexpr Instant coalesced(Instant deadline) noexcept {
    const auto grid = k_timer_slack.count();
    const auto t = deadline.time_since_epoch().count();
    return Instant(Duration((t + grid - 1) / grid * grid));
}

}  // namespace happysip::runtime

// Time for the sans-I/O core. The clock tag has no now(): the core never reads a clock;
// the caller passes the current Instant into every call (DESIGN.md "Time"). One type for
// every layer, so the runtime drives transactions and Happy Eyeballs with the same clock.
// Header-only, standard library only; any layer may include it.
#pragma once

#include <chrono>
#include <cstdint>
#include <ratio>

namespace happysip {

// Tag for time points measured in microseconds since an arbitrary epoch chosen by the caller.
struct VirtualClock {
    using rep = std::int64_t;
    using period = std::micro;
    using duration = std::chrono::microseconds;
    using time_point = std::chrono::time_point<VirtualClock, duration>;
    static constexpr bool is_steady = true;
};

using Duration = std::chrono::microseconds;
using Instant = std::chrono::time_point<VirtualClock, Duration>;

}  // namespace happysip

// The wall clock as the registrar and the location store count it: seconds since the
// Unix epoch (binding expiry survives a restart, unlike a steady clock's).
#pragma once

#include <chrono>
#include <cstdint>

namespace happysip::daemon {

inline std::int64_t wall_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace happysip::daemon

// The project's virtual time (happysip/time/virtual_time.hpp), named in this layer.
#pragma once

#include "happysip/time/virtual_time.hpp"

namespace happysip::eyeballs {

using happysip::Duration;
using happysip::Instant;
using happysip::VirtualClock;

}  // namespace happysip::eyeballs

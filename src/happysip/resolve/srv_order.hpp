// RFC 2782 "Usage rules": the order in which a service's SRV targets are tried.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "happysip/resolve/dns_records.hpp"

namespace happysip::resolve {

// Injected randomness: each call returns a uniformly distributed 32-bit value. Tests pass
// a fixed sequence; the runtime wraps a seeded engine.
using RandomSource = std::function<std::uint32_t()>;

// Priority ascending; within one priority, RFC 2782 weighted selection: weight-0 records
// first (otherwise in answer order), running sums of the weights, a random number r in
// [0, sum] (random() % (sum + 1)), the first record whose running sum is >= r is taken
// next; repeat on the rest (the last record left is taken without a draw). A lone record with
// target "." (service decidedly not available) gives an empty list; "." records are dropped in any
// case.
std::vector<SrvRecord> order_srv(std::span<const SrvRecord> records, const RandomSource& random);

}  // namespace happysip::resolve

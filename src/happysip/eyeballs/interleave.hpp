// RFC 8305 §4: the order in which a destination's addresses are attempted.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "happysip/eyeballs/candidate.hpp"

namespace happysip::eyeballs {

struct InterleaveOptions {
    Family preferred = Family::ipv6;
    // RFC 8305 §4 "First Address Family Count": how many addresses of the preferred
    // family go before the first address of the other family. 0 is treated as 1.
    std::size_t first_address_family_count = 1;
};

// Returns a permutation of [0, families.size()): `first_address_family_count` entries of
// the preferred family, then one of each family in turn, starting with the other family;
// when one family runs out the rest of the other follows. Relative order within a family
// is kept, so an RFC 6724 / RFC 3263 order on input survives. Deterministic.
std::vector<std::size_t> interleave_order(std::span<const Family> families,
                                          InterleaveOptions options = {});

// The same order applied to candidates.
std::vector<Candidate> interleave(std::span<const Candidate> candidates,
                                  InterleaveOptions options = {});

}  // namespace happysip::eyeballs

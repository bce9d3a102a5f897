#include "happysip/eyeballs/interleave.hpp"

#include <algorithm>

namespace happysip::eyeballs {

std::vector<std::size_t> interleave_order(std::span<const Family> families,
                                          InterleaveOptions options) {
    std::vector<std::size_t> preferred;
    std::vector<std::size_t> other;
    for (std::size_t i = 0; i < families.size(); ++i) {
        (families[i] == options.preferred ? preferred : other).push_back(i);
    }

    std::vector<std::size_t> order;
    order.reserve(families.size());
    std::size_t p = 0;
    std::size_t o = 0;
    const std::size_t head = std::max<std::size_t>(options.first_address_family_count, 1);
    while (p < preferred.size() && p < head)
        order.push_back(preferred[p++]);
    // After the head the other family goes first, then the families alternate.
    bool take_other = true;
    while (p < preferred.size() || o < other.size()) {
        if (take_other && o < other.size()) {
            order.push_back(other[o++]);
        } else if (!take_other && p < preferred.size()) {
            order.push_back(preferred[p++]);
        } else if (o < other.size()) {
            order.push_back(other[o++]);
        } else {
            order.push_back(preferred[p++]);
        }
        take_other = !take_other;
    }
    return order;
}

std::vector<Candidate> interleave(std::span<const Candidate> candidates,
                                  InterleaveOptions options) {
    std::vector<Family> families;
    families.reserve(candidates.size());
    for (const auto& c : candidates)
        families.push_back(c.family);
    std::vector<Candidate> out;
    out.reserve(candidates.size());
    for (std::size_t i : interleave_order(families, options))
        out.push_back(candidates[i]);
    return out;
}

}  // namespace happysip::eyeballs

#include "happysip/resolve/srv_order.hpp"

#include <algorithm>

namespace happysip::resolve {
namespace {

// RFC 2782: repeatedly pick by weight among the not yet ordered records of one priority.
void append_weighted(std::vector<SrvRecord> group, const RandomSource& random,
                     std::vector<SrvRecord>& out) {
    // "all those with weight 0 are placed at the beginning of the list"
    std::stable_partition(group.begin(), group.end(),
                          [](const SrvRecord& r) { return r.weight == 0; });
    while (group.size() > 1) {
        std::uint64_t sum = 0;
        for (const auto& r : group)
            sum += r.weight;
        const std::uint64_t pick = random() % (sum + 1);
        std::uint64_t running = 0;
        auto chosen = group.begin();
        for (auto it = group.begin(); it != group.end(); ++it) {
            running += it->weight;
            if (running >= pick) {
                chosen = it;
                break;
            }
        }
        out.push_back(std::move(*chosen));
        group.erase(chosen);
    }
    // The last one left needs no draw.
    if (!group.empty()) out.push_back(std::move(group.front()));
}

}  // namespace

std::vector<SrvRecord> order_srv(std::span<const SrvRecord> records, const RandomSource& random) {
    std::vector<SrvRecord> usable;
    for (const auto& r : records) {
        // RFC 2782: a Target of "." means the service is decidedly not available.
        if (r.target != ".") usable.push_back(r);
    }
    std::stable_sort(usable.begin(), usable.end(), [](const SrvRecord& a, const SrvRecord& b) {
        return a.priority < b.priority;
    });

    std::vector<SrvRecord> out;
    out.reserve(usable.size());
    auto begin = usable.begin();
    while (begin != usable.end()) {
        auto end = std::find_if(begin, usable.end(),
                                [&](const SrvRecord& r) { return r.priority != begin->priority; });
        append_weighted({std::make_move_iterator(begin), std::make_move_iterator(end)}, random,
                        out);
        begin = end;
    }
    return out;
}

}  // namespace happysip::resolve

#include "happysip/runtime/udp_flow_table.hpp"

#include <algorithm>
#include <cstring>

namespace happysip::runtime {

// The memory budget of a flow (see Flow): a 20-byte key, a 32-byte value, a 32-byte heap
// entry; with the node's link and cached hash, the bucket and malloc's header about 150 B.
static_assert(sizeof(UdpFlowTable::Key) == 20);
static_assert(sizeof(UdpFlowTable::Flow) <= 32);
static_assert(sizeof(UdpFlowTable::Deadline) <= 32);

std::size_t UdpFlowTable::KeyHash::operator()(const Key& k) const noexcept {
    // The low address bytes and the port vary most between peers; one multiply mixes them.
    std::uint64_t lo = 0;
    std::uint64_t hi = 0;
    std::memcpy(&hi, k.address.data(), 8);
    std::memcpy(&lo, k.address.data() + 8, 8);
    std::uint64_t h = lo ^ (hi * 0x9e3779b97f4a7c15ULL) ^
                      (std::uint64_t{k.port} << 16 | std::uint64_t{k.socket} << 8 | k.family);
    h *= 0xbf58476d1ce4e5b9ULL;
    return static_cast<std::size_t>(h ^ (h >> 31));
}

namespace {

// When a failed flow is looked at next: at `forget`, or within one idle limit if that comes
// first, so a flow marked alive meanwhile is watched on time (mark files nothing new).
UdpFlowTable::TimePoint failed_check(UdpFlowTable::TimePoint forget, UdpFlowTable::TimePoint now,
                                     const UdpFlowTable::Limits& limits) {
    const UdpFlowTable::TimePoint soon = now + limits.idle;
    return soon > now && soon < forget ? soon : forget;
}

}  // namespace

void UdpFlowTable::mark(const Key& key, TimePoint now, const Limits& limits,
                        const LocalAddress& local) {
    auto [it, inserted] = flows_.try_emplace(key, Flow{now, local, false});
    if (inserted) {
        deadlines_.push({now + limits.idle, key});
        return;
    }
    // Alive: heard now. Failed: alive again; its heap entry is never more than one idle
    // limit away (expire files failed flows so), so detection stays within one limit.
    it->second = Flow{now, local, false};
}

void UdpFlowTable::mark(const Key& key, TimePoint now, const Limits& limits) {
    mark(key, now, limits, LocalAddress());
}

UdpFlowTable::State UdpFlowTable::state(const Key& key) const {
    LocalAddress ignored;
    return state(key, ignored);
}

UdpFlowTable::State UdpFlowTable::state(const Key& key, LocalAddress& local) const {
    auto it = flows_.find(key);
    if (it == flows_.end()) {
        local = {};
        return State::untracked;
    }
    local = it->second.local;
    return it->second.failed ? State::failed : State::alive;
}

std::size_t UdpFlowTable::expire(TimePoint now, const Limits& limits, const FailedHandler& failed) {
    std::size_t count = 0;
    while (!deadlines_.empty() && deadlines_.top().at <= now) {
        const Key key = deadlines_.top().key;
        deadlines_.pop();
        auto it = flows_.find(key);
        if (it == flows_.end()) continue;  // not reached: an entry leaves with its flow
        Flow& flow = it->second;
        if (flow.failed) {
            const TimePoint forget = flow.last + limits.failed_memory;
            if (forget <= now) {
                flows_.erase(it);
                continue;
            }
            deadlines_.push({failed_check(forget, now, limits), key});
            continue;
        }
        const TimePoint due = flow.last + limits.idle;
        if (due > now) {  // heard since it was filed
            deadlines_.push({due, key});
            continue;
        }
        const Duration silent = now - flow.last;
        flow = Flow{now, flow.local, true};
        deadlines_.push({failed_check(now + limits.failed_memory, now, limits), key});
        ++count;
        if (failed) failed(key, silent);
    }
    return count;
}

}  // namespace happysip::runtime

#include "happysip/runtime/burst_scope.hpp"

#include <utility>

namespace happysip::runtime {

namespace {
thread_local BurstScope* current = nullptr;
// The last burst's list, emptied: the next takes it over, so a burst that defers work
// does not allocate the list again (one allocation per burst, issue 4).
thread_local std::vector<std::function<void()>> spare;
}  // namespace

BurstScope::BurstScope() : outer_(current), deferred_(std::move(spare)) {
    spare = {};
    current = this;
}

BurstScope::~BurstScope() {
    // Still open while the work runs: what it defers (a response queued by the group
    // commit, then the send flush) joins the end of the list.
    for (std::size_t i = 0; i < deferred_.size(); ++i) {
        auto work = std::move(deferred_[i]);
        work();
    }
    current = outer_;
    deferred_.clear();
    if (spare.capacity() < deferred_.capacity()) spare = std::move(deferred_);
}

bool BurstScope::open() noexcept {
    return current != nullptr;
}

bool BurstScope::defer(std::function<void()> work) {
    if (current == nullptr) return false;
    current->deferred_.push_back(std::move(work));
    return true;
}

}  // namespace happysip::runtime

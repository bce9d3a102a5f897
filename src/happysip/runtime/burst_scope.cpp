#include "happysip/runtime/burst_scope.hpp"

#include <utility>

namespace happysip::runtime {

namespace {
thread_local BurstScope* current = nullptr;
}  // namespace

BurstScope::BurstScope() : outer_(current) {
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

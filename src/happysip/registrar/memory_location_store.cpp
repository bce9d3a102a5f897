#include "happysip/registrar/memory_location_store.hpp"

#include <algorithm>

namespace happysip::registrar {

void sort_for_lookup(std::vector<Binding>& bindings) {
    auto before = [](const Binding& a, const Binding& b) {
        if (a.q != b.q) return a.q > b.q;
        return a.expires_at > b.expires_at;
    };
    // An AOR has a handful of bindings (16 at most by default), and every REGISTER sorts
    // them twice: std::stable_sort allocated a buffer each time, even for one binding. An
    // insertion sort is as stable and moves them in place.
    if (bindings.size() > 32) {
        std::stable_sort(bindings.begin(), bindings.end(), before);
        return;
    }
    for (std::size_t i = 1; i < bindings.size(); ++i) {
        for (std::size_t j = i; j > 0 && before(bindings[j], bindings[j - 1]); --j)
            std::swap(bindings[j], bindings[j - 1]);
    }
}

std::vector<Binding> MemoryLocationStore::lookup(std::string_view aor, std::int64_t now) {
    std::vector<Binding> out;
    lookup_into(aor, now, out);
    return out;
}

void MemoryLocationStore::lookup_into(std::string_view aor, std::int64_t now,
                                      std::vector<Binding>& out) {
    auto it = by_aor_.find(aor);
    if (it == by_aor_.end()) {
        out.clear();
        return;
    }
    copy_unexpired_into(
        it->second, [](const Binding& b) -> const Binding& { return b; }, now, out);
}

StoreStatus MemoryLocationStore::replace(std::string_view aor,
                                         const std::vector<Binding>& bindings) {
    if (bindings.empty()) {
        if (auto it = by_aor_.find(aor); it != by_aor_.end()) by_aor_.erase(it);
        return {};
    }
    by_aor_.insert_or_assign(std::string(aor), bindings);
    return {};
}

std::size_t MemoryLocationStore::purge_expired(std::int64_t now) {
    std::size_t purged = 0;
    for (auto it = by_aor_.begin(); it != by_aor_.end();) {
        purged += std::erase_if(it->second, [&](const Binding& b) { return b.expires_at <= now; });
        it = it->second.empty() ? by_aor_.erase(it) : std::next(it);
    }
    return purged;
}

std::size_t MemoryLocationStore::size() {
    std::size_t n = 0;
    for (const auto& [aor, bindings] : by_aor_)
        n += bindings.size();
    return n;
}

}  // namespace happysip::registrar

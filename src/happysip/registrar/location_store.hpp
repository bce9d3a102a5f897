// Where bindings live. The registrar computes the complete new set of an AOR and hands it
// over in one call, so a store can apply it atomically (one SQLite transaction) and a
// crash never leaves half a REGISTER applied. Implementations: MemoryLocationStore (tests,
// volatile use), SQLite (the durable default), Redis (shared between edge proxies).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "happysip/registrar/binding.hpp"

namespace happysip::registrar {

struct StoreStatus {
    bool ok = true;
    std::string error;  // for the log and a 500 reason; empty when ok
};

class LocationStore {
  public:
    virtual ~LocationStore() = default;

    // The AOR's bindings that have not expired at `now`, highest q first, then most
    // recently registered first.
    virtual std::vector<Binding> lookup(std::string_view aor, std::int64_t now) = 0;
    // The same into `out`: a store that holds its bindings assigns them over out's
    // elements, whose strings keep their buffers, so a caller that reuses `out` (the
    // registrar, once per REGISTER) allocates nothing for an AOR it saw before.
    virtual void lookup_into(std::string_view aor, std::int64_t now, std::vector<Binding>& out) {
        out = lookup(aor, now);
    }
    // Replaces every binding of `aor` with `bindings` (empty: removes the AOR).
    virtual StoreStatus replace(std::string_view aor, const std::vector<Binding>& bindings) = 0;
    // Deletes bindings expired at `now`; returns how many. A store may stop after a batch
    // (the SQLite one does, so that a mass expiry never holds the I/O loop for long): call
    // again while it returns more than zero.
    virtual std::size_t purge_expired(std::int64_t now) = 0;
    // Number of stored bindings (expired ones not yet purged included).
    virtual std::size_t size() = 0;
};

// Orders bindings the way lookup() promises: q descending, then expires_at descending.
void sort_for_lookup(std::vector<Binding>& bindings);

// lookup_into() for a store that keeps `bindings`: the unexpired ones assigned over out's
// elements (extra ones removed), then sorted.
template <class Range, class Project>
void copy_unexpired_into(const Range& bindings, Project binding_of, std::int64_t now,
                         std::vector<Binding>& out) {
    std::size_t n = 0;
    for (const auto& item : bindings) {
        const Binding& b = binding_of(item);
        if (b.expires_at <= now) continue;
        if (n < out.size())
            out[n] = b;
        else
            out.push_back(b);
        ++n;
    }
    out.resize(n);
    sort_for_lookup(out);
}

}  // namespace happysip::registrar

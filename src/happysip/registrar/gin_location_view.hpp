// The location service as a proxy sees it once GIN trunks (RFC 6140) are configured: an
// AOR with bindings of its own keeps them, and an AOR nobody registered that belongs to a
// trunk's numbers resolves to the trunk's bnc bindings, each turned into the Contact for
// that one number (RFC 6140 §6). Everything else about a binding (Path, the Outbound flow it
// came over, instance, q, expiry) is the trunk's, so forwarding, flows and forking treat
// it like any other binding. Writes go to the wrapped store unchanged; the registrar uses
// the wrapped store directly (it must see the bnc Contact as registered).
#pragma once

#include "happysip/registrar/gin.hpp"
#include "happysip/registrar/location_store.hpp"

namespace happysip::registrar {

class GinLocationView final : public LocationStore {
  public:
    // Both outlive the view.
    GinLocationView(LocationStore& store, const GinTrunks& trunks)
        : store_(store), trunks_(trunks) {}

    std::vector<Binding> lookup(std::string_view aor, std::int64_t now) override;
    StoreStatus replace(std::string_view aor, const std::vector<Binding>& bindings) override {
        return store_.replace(aor, bindings);
    }
    std::size_t purge_expired(std::int64_t now) override { return store_.purge_expired(now); }
    std::size_t size() override { return store_.size(); }

  private:
    LocationStore& store_;
    const GinTrunks& trunks_;
};

}  // namespace happysip::registrar
